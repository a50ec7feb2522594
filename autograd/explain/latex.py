"""The LaTeX writer: the explanation as one ``aligned`` display, for notebooks
(``_repr_latex_``) and papers, with names as subscripted symbols (w1 → w_{1}).

The word table translates the text notation (``·``, ``σ``, ``tanh``, ``if``)
into LaTeX; a formula's own LaTeX from the operations' table wins over it.
The words around the mathematics are the explanation's language, each
sentence whole, as ``\text{...}`` between its formulas (``latex_sentence``).
English compiles with pdflatex (``amsmath``); Chinese with xelatex and the
``ctex`` package, as the catalog's ``LATEX_COMPILE`` sentence says.
"""

from __future__ import annotations

import re

from autograd.explain.forward_mode import ForwardExplanation, TangentStep
from autograd.explain.model import (
    SLOT,
    BackwardStep,
    EdgeStep,
    Explanation,
    Formula,
    ForwardStep,
    LeafSum,
    Path,
    writes,
)
from autograd.explain.text import HELD_NOTE, SEED_NOTE, equation, grouped_note, path_symbols
from autograd.i18n import N_, tr
from autograd.trace import format_number

__all__ = [
    "LATEX_COMPILE",
    "forward_latex_rows",
    "latex_atom",
    "latex_gradient",
    "latex_name",
    "latex_number",
    "latex_partial",
    "latex_sentence",
    "latex_text",
]

# How to compile this output, as a LaTeX comment: each catalog says what its
# language needs (Chinese: xelatex and ctex).
LATEX_COMPILE = N_("compile with pdflatex or xelatex; the aligned environment needs amsmath")

_LATEX_WORDS = {
    "·": r" \cdot ",
    "σ": r"\sigma",
    "exp": r"\exp",
    "log": r"\log",
    "ln": r"\ln",
    "tanh": r"\tanh",
    "relu": r"\operatorname{relu}",
    " if ": r" \text{ if } ",
    " else ": r" \text{ else } ",
}
_LATEX_WORD = re.compile(
    "|".join(re.escape(w) for w in sorted(_LATEX_WORDS, key=len, reverse=True))
)
_LATEX_SPECIAL = {c: "\\" + c for c in "&%$#_{}"} | {
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_NUMBER = re.compile(r"-?[\d.]+(e[-+]\d+)?|-?inf|nan")


@writes(Formula, "latex")
def formula_latex(formula: Formula) -> str:
    return _latex_formula(
        formula.latex_template or formula.template, [*formula.names, formula.out_name]
    )


@writes(Formula, "latex_numbers")
def formula_latex_numbers(formula: Formula) -> str:
    values = [format_number(v) for v in (*formula.values, formula.out_value)]
    return _latex_formula(formula.latex_template or formula.template, values)


def _latex_formula(template: str, words: list[str]) -> str:
    # Translate the template's operators first, with the slots held aside, so
    # that a name like "exp1" is never mistaken for an operator.
    held = SLOT.sub(lambda m: f"\x00{m.group(1)}\x01", template)
    held = _LATEX_WORD.sub(lambda m: _LATEX_WORDS[m.group(0)], held)
    held = re.sub(r"\^\(([^()]*)\)", r"^{\1}", held)
    held = re.sub(r"\^(\x00\w+\x01|-?[\d.]+)", r"^{\1}", held)

    wrap = latex_name if SLOT.fullmatch(template) else _latex_atom_text

    def word(match: re.Match) -> str:
        key = match.group(1)
        text = words[-1] if key == "out" else words[int(key)]
        start, end = match.span()
        if held[start - 1 : start] == "(" and held[end : end + 1] == ")":
            return latex_name(text)  # already in brackets
        return wrap(text)

    return re.sub("\x00(\\w+)\x01", word, held)


def _latex_atom_text(name: str) -> str:
    latex = latex_name(name)
    return f"({latex})" if name.startswith("-") else latex


def latex_name(name: str) -> str:
    """w1 → w_{1}, loss → \\mathrm{loss}, a number as a number; anything else as text."""
    if _NUMBER.fullmatch(name):
        return _latex_number_text(name)
    match = re.fullmatch(r"([A-Za-z]+|[^\W\d_])_?(\d+)?", name)
    if match:
        letters, digits = match.groups()
        base = letters if len(letters) == 1 else rf"\mathrm{{{letters}}}"
        return base + (f"_{{{digits}}}" if digits else "")
    escaped = "".join(_LATEX_SPECIAL.get(c, c) for c in name)
    return rf"\text{{{escaped}}}"


def latex_text(text: str) -> str:
    r"""Text for ``\text{...}``: LaTeX's special characters escaped.

    >>> latex_text("50% of x_1")
    '50\\% of x\\_1'
    """
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def latex_sentence(
    lang: str | None, message: str, /, style: str = r"\text", **params: str | int
) -> str:
    r"""A sentence of the catalog in ``lang`` with its placeholders filled: a text
    parameter is a LaTeX formula, set between the words; a number (a count) is
    one of the words. The words are in ``style`` (``\text`` or ``\textbf``),
    and the sentence is whole, so that a translator places the formulas.

    >>> latex_sentence("en", "{parent} receives {product}", parent="a", product=r"2 \times 1")
    'a \\text{ receives } 2 \\times 1'
    >>> latex_sentence("zh", "{parent} receives {product}", parent="a", product="2")
    'a \\text{ 收到 } 2'
    """
    math = {name: value for name, value in params.items() if isinstance(value, str)}
    held = {name: f"\x00{name}\x01" for name in math}
    pieces = re.split("\x00(\\w+)\x01", tr(lang, message, **{**params, **held}))
    said = [
        math[piece] if k % 2 else f"{style}{{{latex_text(piece)}}}"
        for k, piece in enumerate(pieces)
        if piece
    ]
    return " ".join(said)


def _latex_number_text(text: str) -> str:
    mantissa, _, exponent = text.partition("e")
    if not exponent:
        return text
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def latex_number(x: float) -> str:
    return _latex_number_text(format_number(x))


def latex_atom(x: float) -> str:
    """A number in LaTeX, bracketed when negative so it can stand in a product."""
    text = latex_number(x)
    return f"({text})" if x < 0 else text


def latex_gradient(top: str, bottom: str) -> str:
    return rf"\frac{{\mathrm{{d}} {latex_name(top)}}}{{\mathrm{{d}} {latex_name(bottom)}}}"


def latex_partial(top: str, bottom: str) -> str:
    """A local derivative in LaTeX: \\frac{\\partial top}{\\partial bottom}."""
    return rf"\frac{{\partial {latex_name(top)}}}{{\partial {latex_name(bottom)}}}"


def _latex_tangent(name: str) -> str:
    """The dot over a name in LaTeX: \\dot{x}, \\dot{v}_{1}, \\dot{\\mathrm{loss}}."""
    base, index = re.fullmatch(r"(.*?)(_\{\d+\})?", latex_name(name)).groups()
    return rf"\dot{{{base}}}{index or ''}"


def _display(rows: list[str]) -> str:
    body = " \\\\\n".join(rows)
    return f"$$\n\\begin{{aligned}}\n{body}\n\\end{{aligned}}\n$$\n"


@writes(LeafSum, "latex")
def leaf_sum_latex(leaf_sum: LeafSum, lang: str | None = None) -> str:
    lhs = latex_gradient(leaf_sum.output, leaf_sum.leaf)
    if leaf_sum.direct():
        return f"{lhs} &= {latex_number(leaf_sum.total)}"
    text = f"{lhs} &= {_latex_terms(leaf_sum.paths)} = {latex_number(leaf_sum.total)}"
    if leaf_sum.grouped:
        text += rf" \quad \text{{{latex_text(grouped_note(leaf_sum, lang))}}}"
    folds = [
        f"{latex_partial(fold.top, fold.bottom)} = {_latex_terms(fold.paths)}"
        for fold in leaf_sum.folds
        if fold.paths
    ]
    if folds:
        text += r" \quad \left(" + r";\ ".join(folds) + r"\right)"
    return text


def _latex_terms(paths: tuple[Path, ...]) -> str:
    """The products, in symbols, then in numbers: ∂z/∂x ∂x/∂b + ... = 5 · 1 + ..."""
    symbols = " + ".join(" ".join(path_symbols(p, latex_partial, latex_gradient)) for p in paths)
    numbers = " + ".join(r" \cdot ".join(latex_atom(f) for f in p.factors) for p in paths)
    return f"{symbols} = {numbers}"


def _heading(lang: str | None, heading: str) -> str:
    return rf"&\textbf{{{latex_text(tr(lang, heading))}}}"


def forward_latex_rows(forward: tuple[ForwardStep, ...], lang: str | None = None) -> list[str]:
    """The forward pass as rows of a LaTeX ``aligned`` block, under its heading."""
    rows = [_heading(lang, N_("Forward pass"))]
    for step in forward:
        parts = [latex_name(step.name) + " &"]
        if step.formula is not None:
            parts += [step.formula.latex(), step.formula.latex_numbers()]
        parts.append(latex_number(step.value))
        rows.append(equation(*parts).replace("& =", "&="))
    return rows


def local_latex(step: BackwardStep, edge: EdgeStep) -> str:
    """``\\frac{\\partial z}{\\partial x} = y = 5``: the local derivative along an edge."""
    formula = edge.local_formula
    pieces = [latex_partial(step.node, edge.parent)]
    if formula.template:
        pieces += [formula.latex(), formula.latex_numbers()]
    return equation(*pieces, latex_number(edge.local))


def _running_sum(output: str, edge: EdgeStep, lang: str | None) -> str:
    if edge.arrivals == 1:
        return ""
    k, n = len(edge.received), edge.arrivals
    if k < n:
        return r" \quad " + latex_sentence(
            lang, "({received} of {arrivals})", received=k, arrivals=n
        )
    terms = " + ".join(latex_atom(c) for c in edge.received)
    gradient = f"{latex_gradient(output, edge.parent)} = {terms} = {latex_number(edge.total)}"
    return r" \quad " + latex_sentence(
        lang,
        "({received} of {arrivals}: {gradient})",
        received=k,
        arrivals=n,
        gradient=gradient,
    )


@writes(Explanation, "latex")
def to_latex(explanation: Explanation) -> str:
    output, lang = explanation.output, explanation.lang
    rows = forward_latex_rows(explanation.forward, lang)
    if explanation.backward:
        rows.append(_heading(lang, N_("Backward pass")))
        for step in explanation.backward:
            edges = [e for e in step.edges if not e.constant]
            if not edges:
                continue
            upstream = f"{latex_gradient(output, step.node)} = {latex_number(step.upstream)}"
            rows.append(
                rf"{latex_name(step.node)} &= {step.formula.latex()} \quad "
                + latex_sentence(lang, "upstream {gradient}", gradient=upstream)
            )
            for edge in edges:
                product = (
                    rf"{latex_atom(edge.local)} \times {latex_atom(edge.upstream)} "
                    rf"= {latex_number(edge.contribution)}"
                )
                receives = latex_sentence(
                    lang,
                    "{parent} receives {product}",
                    parent=latex_name(edge.parent),
                    product=product,
                )
                rows.append(
                    rf"&\quad {local_latex(step, edge)} \quad \Rightarrow \quad {receives}"
                    + _running_sum(output, edge, lang)
                )
    if explanation.sums:
        rows.append(_heading(lang, N_("Chain rule for each input")))
        rows += [s.latex(lang) for s in explanation.sums]
    return _display(rows)


@writes(TangentStep, "latex")
def tangent_step_latex(step: TangentStep, lang: str | None = None) -> str:
    dot = _latex_tangent(step.node)
    value = latex_number(step.tangent)
    if not step.terms:
        note = tr(lang, SEED_NOTE if step.seeded else HELD_NOTE)
        return rf"{dot} &= {value} \quad \text{{{latex_text(tr(lang, '({note})', note=note))}}}"
    shown = [t for t in step.terms if not t.constant]
    if not shown:
        return f"{dot} &= {value}"
    symbols = " + ".join(
        f"{latex_partial(step.node, t.parent)} {_latex_tangent(t.parent)}" for t in shown
    )
    numbers = " + ".join(rf"{latex_atom(t.local)} \cdot {latex_atom(t.tangent)}" for t in shown)
    return f"{dot} &= " + equation(symbols, numbers, value)


@writes(ForwardExplanation, "latex")
def forward_to_latex(explanation: ForwardExplanation) -> str:
    lang = explanation.lang
    rows = forward_latex_rows(explanation.forward, lang)
    sweep = latex_sentence(
        lang, "Forward-mode sweep by {wrt}", style=r"\textbf", wrt=latex_name(explanation.wrt)
    )
    rows.append("&" + sweep)
    rows += [step.latex(lang) for step in explanation.sweep]
    rows.append(
        f"{latex_gradient(explanation.output, explanation.wrt)} &= "
        f"{_latex_tangent(explanation.output)} = {latex_number(explanation.derivative)}"
    )
    rows.append(rf"&\text{{{latex_text(explanation.cost())}}}")
    return _display(rows)
