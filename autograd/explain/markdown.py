"""The Markdown writer: the explanation as tables, for notebooks (``_repr_markdown_``).

The cells hold the text writer's formulas and products; the headings and
column names, the sentences a reader sees, are here.
"""

from __future__ import annotations

import re

from autograd.explain.forward_mode import ForwardExplanation
from autograd.explain.model import Explanation, ForwardStep, writes
from autograd.explain.text import (
    equation,
    local_text,
    product_text,
    sum_so_far,
    sweep_heading,
    upstream_text,
)
from autograd.trace import format_number, gradient_symbol

__all__ = ["markdown_escape", "markdown_row"]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_|<>\[\]])")


def markdown_escape(text: str) -> str:
    """Text that Markdown shows as written: ``a\\|b\\*`` for ``a|b*``."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_row(*cells: str) -> str:
    """One row of a Markdown table, each cell escaped: ``| a | b |``."""
    return "| " + " | ".join(markdown_escape(c) for c in cells) + " |"


def forward_pass_markdown(forward: tuple[ForwardStep, ...]) -> list[str]:
    """The forward pass as a table under its heading, as both modes' explanations begin."""
    lines = ["**Forward pass**", "", "| node | computed as | value |", "|---|---|---|"]
    for step in forward:
        how = "input"
        if step.formula is not None:
            how = equation(step.formula.text(), step.formula.numbers())
        lines.append(markdown_row(step.name, how, format_number(step.value)))
    return lines


@writes(Explanation, "markdown")
def to_markdown(explanation: Explanation) -> str:
    output = explanation.output
    lines = forward_pass_markdown(explanation.forward)
    if explanation.backward:
        lines += [
            "",
            "**Backward pass** (each parent receives local derivative × upstream gradient)",
            "",
            "| node | upstream | local derivative | parent receives | gradient so far |",
            "|---|---|---|---|---|",
        ]
        for step in explanation.backward:
            first = True
            for edge in (e for e in step.edges if not e.constant):
                node = upstream = ""
                if first:  # the node and its upstream gradient once, on its first row
                    node = f"{step.node} = {step.formula.text()}"
                    upstream = upstream_text(output, step)
                    first = False
                so_far = f"{gradient_symbol(output, edge.parent)} = {sum_so_far(edge)}"
                lines.append(
                    markdown_row(node, upstream, local_text(step, edge), product_text(edge), so_far)
                )
    if explanation.sums:
        lines += [
            "",
            "**Chain rule for each input** (a sum over the paths from {output})".format(
                output=output
            ),
            "",
            *(f"- {markdown_escape(s.text())}" for s in explanation.sums),
            "",
            *(markdown_escape(n) for n in explanation.notes()),
        ]
    return "\n".join(lines).rstrip() + "\n"


@writes(ForwardExplanation, "markdown")
def forward_to_markdown(explanation: ForwardExplanation) -> str:
    lines = [
        *forward_pass_markdown(explanation.forward),
        "",
        f"**{sweep_heading(explanation).rstrip(':')}**",
        "",
        "| node | tangent |",
        "|---|---|",
        *(markdown_row(step.node, step.text()) for step in explanation.sweep),
        "",
        f"**{markdown_escape(explanation.result_text())}**",
        "",
        explanation.cost(),
    ]
    return "\n".join(lines) + "\n"
