"""The text writer: the explanation as a teacher writes it on the board, for the terminal.

Every sentence of the plain-text explanation is here, written whole with
named placeholders (``"{parent} receives {product}"``), the numbers and
names formatted first, and said in the explanation's language (``lang``)
from the catalogs; the drawings' titles and the lesson page's step
sentences come from here too. The Markdown and LaTeX writers reuse the
pieces that are not sentences (formulas, products, running sums). Columns
line up by display width, so a name or a sentence in Chinese (two columns a
character) keeps them straight in a terminal.
"""

from __future__ import annotations

import re

from autograd.explain.forward_mode import ForwardExplanation, TangentStep
from autograd.explain.model import (
    SLOT,
    BackwardStep,
    EdgeStep,
    Explanation,
    Fold,
    Formula,
    ForwardStep,
    LeafSum,
    Path,
    writes,
)
from autograd.forward import sweep_cost
from autograd.i18n import N_, display_width, ljust, ntr, tr
from autograd.trace import format_number, gradient_symbol, local_symbol, tangent_symbol

__all__ = [
    "atom",
    "equation",
    "frame_title",
    "gradient_so_far",
    "gradient_text",
    "indent",
    "local_text",
    "product_text",
    "running_text",
    "sum_so_far",
    "upstream_text",
]

SEED_NOTE = N_("seed: the input we differentiate by")
HELD_NOTE = N_("seed: held fixed")


def atom(text: str) -> str:
    """A negative number in brackets, so that it can stand in a product: 5·(-1)."""
    return f"({text})" if text.startswith("-") else text


def equation(*parts: str) -> str:
    """``a = b = c``, leaving out a part that repeats the one before it."""
    kept = [p for i, p in enumerate(parts) if i == 0 or p.strip() != parts[i - 1].strip()]
    return " = ".join(kept)


def indent(text: str) -> str:
    """Every non-empty line indented by two spaces, as the text renderers nest their parts."""
    return "\n".join(f"  {line}" if line else line for line in text.splitlines())


def _few(names: tuple[str, ...]) -> str:
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")


@writes(Formula, "text")
def formula_text(formula: Formula) -> str:
    return _fill(formula.template, [*formula.names, formula.out_name])


@writes(Formula, "numbers")
def formula_numbers(formula: Formula) -> str:
    values = [format_number(v) for v in (*formula.values, formula.out_value)]
    return _fill(formula.template, values)


def _fill(template: str, words: list[str]) -> str:
    wrap = str if SLOT.fullmatch(template) else atom  # a lone slot: ∂z/∂x = y = -1

    def word(match: re.Match) -> str:
        key = match.group(1)
        text = words[-1] if key == "out" else words[int(key)]
        start, end = match.span()
        if template[start - 1 : start] == "(" and template[end : end + 1] == ")":
            return text  # already in brackets: tanh(-0.5), not tanh((-0.5))
        return wrap(text)

    return SLOT.sub(word, template)


@writes(ForwardStep, "text")
def forward_step_text(step: ForwardStep, width: int = 0) -> str:
    parts = [ljust(step.name, width)]
    if step.formula is not None:
        parts += [step.formula.text(), step.formula.numbers()]
    return equation(*parts, format_number(step.value))


@writes(LeafSum, "text")
def leaf_sum_text(leaf_sum: LeafSum, lang: str | None = None) -> str:
    lhs = gradient_symbol(leaf_sum.output, leaf_sum.leaf)
    if leaf_sum.direct():
        return f"{lhs} = {format_number(leaf_sum.total)}"
    symbols = " + ".join(
        "·".join(path_symbols(p, local_symbol, gradient_symbol)) for p in leaf_sum.paths
    )
    text = equation(lhs, symbols, _path_numbers(leaf_sum.paths), format_number(leaf_sum.total))
    if leaf_sum.grouped:
        text += "   " + grouped_note(leaf_sum, lang)
    folds = [fold_text(fold) for fold in leaf_sum.folds if fold.paths]
    if folds:
        text += "   ({folds})".format(folds="; ".join(folds))
    return text


def grouped_note(leaf_sum: LeafSum, lang: str | None = None) -> str:
    """Why a sum shows fewer products than there are paths."""
    count = leaf_sum.path_count
    return ntr(
        lang,
        "({count} path, grouped by the last named step)",
        "({count} paths, grouped by the last named step)",
        count,
        count=count,
    )


def fold_text(fold: Fold) -> str:
    """A folded local derivative along the drawn edges: ``∂x/∂w = ∂x/∂v1·∂v1/∂w = 1·2``."""
    symbols = " + ".join(
        "·".join(path_symbols(p, local_symbol, gradient_symbol)) for p in fold.paths
    )
    return f"{local_symbol(fold.top, fold.bottom)} = {symbols} = {_path_numbers(fold.paths)}"


def _path_numbers(paths: tuple[Path, ...]) -> str:
    if len(paths) == 1 and len(paths[0].factors) == 1:  # one number alone needs no brackets
        return format_number(paths[0].factors[0])
    return " + ".join("·".join(atom(format_number(f)) for f in p.factors) for p in paths)


def path_symbols(path: Path, local, gradient) -> list[str]:
    """Each factor's symbol: local derivatives along the path; for a path of a
    grouped sum (``upstream``), the first is the complete gradient of the named
    node the path goes through."""
    pairs = list(zip(path.nodes, path.nodes[1:]))
    if path.upstream:
        return [gradient(*pairs[0]), *(local(a, b) for a, b in pairs[1:])]
    return [local(a, b) for a, b in pairs]


def forward_pass_text(forward: tuple[ForwardStep, ...], lang: str | None = None) -> str:
    """The forward pass under its heading, as both modes' explanations begin."""
    heading = tr(lang, "Forward pass (each node after the nodes it is computed from):")
    return heading + "\n" + indent(_forward_lines(forward))


def _forward_lines(forward: tuple[ForwardStep, ...]) -> str:
    width = max(display_width(step.name) for step in forward)
    return "\n".join(step.text(width) for step in forward)


@writes(Explanation, "forward_text")
def forward_text(explanation: Explanation) -> str:
    return _forward_lines(explanation.forward)


@writes(Explanation, "backward_text")
def backward_text(explanation: Explanation) -> str:
    # A step whose parents are all numbers sends no gradient worth a line.
    lines = explanation.step_lines()
    return "\n".join(line for step in lines if len(step) > 1 for line in step)


@writes(Explanation, "sums_text")
def sums_text(explanation: Explanation) -> str:
    return "\n".join(s.text(explanation.lang) for s in explanation.sums)


@writes(Explanation, "notes")
def notes(explanation: Explanation) -> list[str]:
    lang, said = explanation.lang, []
    sums = (*explanation.sums, *explanation.node_sums)
    folds = [fold for s in explanation.sums for fold in s.folds]
    if any(fold.paths for fold in folds):
        said.append(
            tr(
                lang,
                "Unnamed nodes ({nodes}) are folded into the local derivative of the named "
                "node that uses them; the brackets write it out along the drawn edges.",
                nodes=_few(explanation.folded),
            )
        )
    elif folds:
        said.append(
            tr(
                lang,
                "Unnamed nodes ({nodes}) are folded into the local derivative of the named "
                "node that uses them.",
                nodes=_few(explanation.folded),
            )
        )
    elif explanation.unlabelled and not explanation.folded:
        said.append(
            tr(
                lang,
                "No intermediate node has a label, so the paths go through the automatic "
                "names ({nodes}).",
                nodes=_few(explanation.unlabelled),
            )
        )
    twice = [s for s in sums if len(set(s.paths)) < len(s.paths)]
    if twice:
        said.append(
            tr(
                lang,
                "An operation that uses a node twice (x·x) has two edges to it, and each is a "
                "term of the sum: {gradient} has a term twice.",
                gradient=gradient_symbol(twice[0].output, twice[0].leaf),
            )
        )
    direct = [
        s
        for s in explanation.sums
        if any(len(p.nodes) == 2 for p in s.paths) and any(len(p.nodes) > 2 for p in s.paths)
    ]
    if direct:
        output, leaf = explanation.output, direct[0].leaf
        said.append(
            tr(
                lang,
                "{term} on its own in a sum is the direct edge from {output} to {leaf}: "
                "its local derivative.",
                term=local_symbol(output, leaf),
                output=output,
                leaf=leaf,
            )
        )
    return said


@writes(Explanation, "cost")
def cost(explanation: Explanation) -> str:
    # Reverse mode (this explanation) needs one backward sweep for every
    # input's gradient; forward mode one forward sweep per input.
    inputs = sum(1 for step in explanation.forward if step.formula is None)
    return sweep_cost(inputs, 1, explanation.lang)


def backward_heading(lang: str | None = None) -> str:
    return tr(lang, "Backward pass (each parent receives local derivative × upstream gradient):")


def sums_heading(output: str, lang: str | None = None) -> str:
    return tr(
        lang, "Chain rule for each input (a sum over the paths from {output}):", output=output
    )


@writes(Explanation, "text")
def to_text(explanation: Explanation) -> str:
    lang = explanation.lang
    parts = [forward_pass_text(explanation.forward, lang)]
    if explanation.backward:
        parts += ["", backward_heading(lang), indent(explanation.backward_text())]
    if explanation.sums:
        parts += [
            "",
            sums_heading(explanation.output, lang),
            indent(explanation.sums_text()),
            *explanation.notes(),
        ]
    return "\n".join(parts)


@writes(Explanation, "step_lines")
def step_lines(explanation: Explanation) -> tuple[tuple[str, ...], ...]:
    """First the node and its upstream gradient, then one line per parent
    that is not a number, lined up across the whole pass.

    >>> from autograd import Value, explain
    >>> a = Value(3.0, label="a")
    >>> y = 2 * a
    >>> y.label = "y"
    >>> explain(y).step_lines()
    (('y = 2·a   (upstream dy/dy = 1)', '  ∂y/∂a = 2  →  a receives 2 × 1 = 2'),)
    """
    output, lang = explanation.output, explanation.lang
    shown = [(step, [e for e in step.edges if not e.constant]) for step in explanation.backward]
    locals_ = [local_text(s, e) for s, edges in shown for e in edges]
    width = min(max((display_width(t) for t in locals_), default=0), 32)
    steps = []
    for step, edges in shown:
        lines = [
            tr(
                lang,
                "{node} = {formula}   (upstream {upstream})",
                node=step.node,
                formula=step.formula.text(),
                upstream=upstream_text(output, step),
            )
        ]
        for edge in edges:
            received = tr(
                lang, "{parent} receives {product}", parent=edge.parent, product=product_text(edge)
            )
            note = running_text(output, edge, lang)
            lines.append(f"  {ljust(local_text(step, edge), width)}  →  {received}{note}")
        steps.append(tuple(lines))
    return tuple(steps)


@writes(Explanation, "start_text")
def start_text(explanation: Explanation) -> str:
    """
    >>> from autograd import Value, explain
    >>> print(explain(Value(2.0, label="a") * 3).start_text())
    The forward pass is done: v1 = a·3 = 2·3 = 6. The backward pass starts with dv1/dv1 = 1; every other gradient is ? until a step sends it.
    """  # noqa: E501
    output = explanation.output
    return tr(
        explanation.lang,
        "The forward pass is done: {done}. The backward pass starts with {symbol} = 1; "
        "every other gradient is ? until a step sends it.",
        done=next(s.text() for s in explanation.forward if s.name == output),
        symbol=gradient_symbol(output, output),
    )


def frame_title(explanation: Explanation, step: int, digits: int = 6) -> str:
    """The title of a picture of the backward pass after ``step`` steps (0: the start),
    in the explanation's language."""
    output, count, lang = explanation.output, len(explanation.backward), explanation.lang
    if step == 0:
        return tr(
            lang,
            "Backward pass, step 0 of {count}: start with {symbol} = 1; every other gradient is ?",
            count=count,
            symbol=gradient_symbol(output, output),
        )
    backward = explanation.backward[step - 1]
    return tr(
        lang,
        "Step {step} of {count}: {node} = {formula} sends its gradient {symbol} = "
        "{upstream} to its inputs (each receives local × upstream)",
        step=step,
        count=count,
        node=backward.node,
        formula=backward.formula.text(),
        symbol=gradient_symbol(output, backward.node),
        upstream=format_number(backward.upstream, digits),
    )


def upstream_text(output: str, step: BackwardStep) -> str:
    """``dz/dx = 5``: the gradient a step passes on."""
    return f"{gradient_symbol(output, step.node)} = {format_number(step.upstream)}"


def gradient_text(output: str, name: str, gradient: float) -> str:
    """``dz/db = 15``."""
    return f"{gradient_symbol(output, name)} = {format_number(gradient)}"


def local_text(step: BackwardStep, edge: EdgeStep) -> str:
    """``∂z/∂x = y = 5``: the local derivative along an edge, formula then number."""
    formula = edge.local_formula
    parts = [local_symbol(step.node, edge.parent)]
    if formula.template:
        parts += [formula.text(), formula.numbers()]
    return equation(*parts, format_number(edge.local))


def product_text(edge: EdgeStep) -> str:
    """local × upstream = contribution, e.g. 1 × (-2) = -2."""
    local, upstream = atom(format_number(edge.local)), atom(format_number(edge.upstream))
    return f"{local} × {upstream} = {format_number(edge.contribution)}"


def sum_so_far(edge: EdgeStep) -> str:
    """The parent's gradient so far: ``15``, or its terms ``5 + 10 = 15``."""
    if len(edge.received) == 1:
        return format_number(edge.total)
    terms = " + ".join(atom(format_number(c)) for c in edge.received)
    return f"{terms} = {format_number(edge.total)}"


def gradient_so_far(output: str, edge: EdgeStep, lang: str | None = None) -> str:
    """The parent's gradient once this edge has sent its contribution:
    ``dz/dv1 = 5``, ``dz/db so far 5 (1 of 2 contributions)``, ``dz/db = 5 + 10 = 15
    (2 of 2 contributions)``."""
    symbol = gradient_symbol(output, edge.parent)
    if edge.arrivals == 1:
        return f"{symbol} = {format_number(edge.total)}"
    counts = {"received": len(edge.received), "arrivals": edge.arrivals, "symbol": symbol}
    if len(edge.received) < edge.arrivals:
        return tr(
            lang,
            "{symbol} so far {total} ({received} of {arrivals} contributions)",
            total=format_number(edge.total),
            **counts,
        )
    return tr(
        lang,
        "{symbol} = {sum} ({received} of {arrivals} contributions)",
        sum=sum_so_far(edge),
        **counts,
    )


def running_text(output: str, edge: EdgeStep, lang: str | None = None) -> str:
    """For a parent with several contributions, how many have arrived and the sum so far."""
    if edge.arrivals == 1:
        return ""
    counts = {"received": len(edge.received), "arrivals": edge.arrivals}
    symbol = gradient_symbol(output, edge.parent)
    if len(edge.received) < edge.arrivals:
        note = tr(
            lang,
            "({received} of {arrivals} contributions: {symbol} so far {total})",
            **counts,
            symbol=symbol,
            total=format_number(edge.total),
        )
    else:
        note = tr(
            lang,
            "({received} of {arrivals} contributions: {symbol} = {sum})",
            **counts,
            symbol=symbol,
            sum=sum_so_far(edge),
        )
    return "   " + note


@writes(TangentStep, "text")
def tangent_step_text(step: TangentStep, lang: str | None = None) -> str:
    dot = tangent_symbol(step.node)
    value = format_number(step.tangent)
    if not step.terms:
        note = tr(lang, SEED_NOTE if step.seeded else HELD_NOTE)
        return tr(lang, "{dot} = {value}   ({note})", dot=dot, value=value, note=note)
    shown = [t for t in step.terms if not t.constant]
    if not shown:  # computed from numbers only
        return f"{dot} = {value}"
    symbols = " + ".join(
        f"{local_symbol(step.node, t.parent)}·{tangent_symbol(t.parent)}" for t in shown
    )
    numbers = " + ".join(
        f"{atom(format_number(t.local))}·{atom(format_number(t.tangent))}" for t in shown
    )
    return equation(dot, symbols, numbers, value)


def sweep_heading(explanation: ForwardExplanation) -> str:
    return tr(
        explanation.lang,
        "Forward-mode sweep by {wrt} (each tangent is Σ local derivative × the parent's tangent):",
        wrt=explanation.wrt,
    )


@writes(ForwardExplanation, "sweep_text")
def sweep_text(explanation: ForwardExplanation) -> str:
    return "\n".join(step.text(explanation.lang) for step in explanation.sweep)


@writes(ForwardExplanation, "result_text")
def result_text(explanation: ForwardExplanation) -> str:
    gradient = gradient_symbol(explanation.output, explanation.wrt)
    value = format_number(explanation.derivative)
    return f"{gradient} = {tangent_symbol(explanation.output)} = {value}"


@writes(ForwardExplanation, "cost")
def forward_cost(explanation: ForwardExplanation) -> str:
    return sweep_cost(len(explanation.inputs), 1, explanation.lang)


@writes(ForwardExplanation, "text")
def forward_to_text(explanation: ForwardExplanation) -> str:
    return "\n".join(
        [
            forward_pass_text(explanation.forward, explanation.lang),
            "",
            sweep_heading(explanation),
            indent(explanation.sweep_text()),
            "",
            explanation.result_text(),
            explanation.cost(),
        ]
    )
