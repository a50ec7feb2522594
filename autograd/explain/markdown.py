"""The Markdown writer: the explanation as tables, for notebooks (``_repr_markdown_``).

The cells hold the text writer's formulas and products; the headings and
column names, the sentences a reader sees, are here, in the explanation's
language.
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
from autograd.i18n import ptr, tr
from autograd.trace import format_number, gradient_symbol

__all__ = ["markdown_escape", "markdown_row"]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_|<>\[\]])")


def markdown_escape(text: str) -> str:
    """Text that Markdown shows as written: ``a\\|b\\*`` for ``a|b*``."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_row(*cells: str) -> str:
    """One row of a Markdown table, each cell escaped: ``| a | b |``."""
    return "| " + " | ".join(markdown_escape(c) for c in cells) + " |"


def _columns(lang: str | None) -> dict[str, str]:
    """The tables' column names in ``lang`` (each written out, for the extraction)."""
    return {
        "node": ptr(lang, "a column of a table", "node"),
        "computed as": ptr(lang, "a column of a table", "computed as"),
        "value": ptr(lang, "a column of a table", "value"),
        "upstream": ptr(lang, "a column of a table", "upstream"),
        "local derivative": ptr(lang, "a column of a table", "local derivative"),
        "parent receives": ptr(lang, "a column of a table", "parent receives"),
        "gradient so far": ptr(lang, "a column of a table", "gradient so far"),
        "tangent": ptr(lang, "a column of a table", "tangent"),
    }


def _header(lang: str, *columns: str) -> list[str]:
    """A table's header row, each column's name in ``lang``, and the line under it."""
    names = _columns(lang)
    return [markdown_row(*(names[c] for c in columns)), "|" + "---|" * len(columns)]


def forward_pass_markdown(forward: tuple[ForwardStep, ...], lang: str | None = None) -> list[str]:
    """The forward pass as a table under its heading, as both modes' explanations begin."""
    lines = [
        "**" + markdown_escape(tr(lang, "Forward pass")) + "**",
        "",
        *_header(lang, "node", "computed as", "value"),
    ]
    for step in forward:
        how = ptr(lang, "how a node was computed: it is an input", "input")
        if step.formula is not None:
            how = equation(step.formula.text(), step.formula.numbers())
        lines.append(markdown_row(step.name, how, format_number(step.value)))
    return lines


@writes(Explanation, "markdown")
def to_markdown(explanation: Explanation) -> str:
    output, lang = explanation.output, explanation.lang
    lines = forward_pass_markdown(explanation.forward, lang)
    if explanation.backward:
        lines += [
            "",
            tr(
                lang,
                "**Backward pass** (each parent receives local derivative × upstream gradient)",
            ),
            "",
            *_header(
                lang, "node", "upstream", "local derivative", "parent receives", "gradient so far"
            ),
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
            tr(
                lang,
                "**Chain rule for each input** (a sum over the paths from {output})",
                output=markdown_escape(output),
            ),
            "",
            *(f"- {markdown_escape(s.text(lang))}" for s in explanation.sums),
            "",
            *(markdown_escape(n) for n in explanation.notes()),
        ]
    return "\n".join(lines).rstrip() + "\n"


@writes(ForwardExplanation, "markdown")
def forward_to_markdown(explanation: ForwardExplanation) -> str:
    lang = explanation.lang
    heading = markdown_escape(sweep_heading(explanation).rstrip(":："))  # either language's colon
    lines = [
        *forward_pass_markdown(explanation.forward, lang),
        "",
        f"**{heading}**",
        "",
        *_header(lang, "node", "tangent"),
        *(markdown_row(step.node, step.text(lang)) for step in explanation.sweep),
        "",
        f"**{markdown_escape(explanation.result_text())}**",
        "",
        markdown_escape(explanation.cost()),
    ]
    return "\n".join(lines) + "\n"
