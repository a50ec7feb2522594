"""Forward mode explained: the tangent of every node, one forward sweep, as on the board.

``explain(z, mode="forward", wrt=w)`` seeds the inputs' tangents (ẇ = 1 for
the input we differentiate by, 0 for the others), then gives each node its
tangent, the sum over its parents of local derivative × the parent's tangent,
in the order the program computes them. The last tangent is the answer:
ż = dz/dw. The numbers come from ``autograd.forward.forward_sweep``, the
local derivatives from the engine's table, their formulas from ``explain``.

>>> from autograd import Value
>>> w, b = Value(3.0, label="w"), Value(4.0, label="b")
>>> x = 2 * w + b
>>> x.label = "x"
>>> y = b + 1
>>> y.label = "y"
>>> z = x * y
>>> z.label = "z"
>>> print(explain_forward(z, wrt=w).sweep_text())
ẇ = 1   (seed: the input we differentiate by)
ḃ = 0   (seed: held fixed)
v̇1 = ∂v1/∂w·ẇ = 2·1 = 2
ẋ = ∂x/∂v1·v̇1 + ∂x/∂b·ḃ = 1·2 + 1·0 = 2
ẏ = ∂y/∂b·ḃ = 1·0 = 0
ż = ∂z/∂x·ẋ + ∂z/∂y·ẏ = 5·2 + 10·0 = 10
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from autograd.engine import Value
from autograd.explain import (
    Explanation,
    Formula,
    ForwardStep,
    Shown,
    atom,
    equation,
    forward_latex_rows,
    forward_step,
    indent,
    latex_atom,
    latex_gradient,
    latex_name,
    latex_number,
    latex_partial,
    local_formulas,
    markdown_escape,
    markdown_row,
)
from autograd.forward import forward_sweep, sweep_cost
from autograd.trace import (
    evaluation_order,
    format_number,
    gradient_symbol,
    local_symbol,
    node_names,
    tangent_symbol,
)

__all__ = ["ForwardExplanation", "TangentStep", "TangentTerm", "explain_forward"]

SEED_NOTE = "seed: the input we differentiate by"
HELD_NOTE = "seed: held fixed"


@dataclass(frozen=True)
class TangentTerm:
    """One parent's share of a node's tangent: ∂x/∂p · ṗ."""

    parent: str
    local_formula: Formula
    local: float
    tangent: float  # the parent's tangent
    constant: bool  # a number in the program: its tangent is 0, so it is not shown


@dataclass(frozen=True)
class TangentStep:
    """One node of the forward sweep: ẋ = Σ ∂x/∂p·ṗ; for an input, its seed."""

    node: str
    terms: tuple[TangentTerm, ...]  # empty for an input
    tangent: float
    seeded: bool = False  # the input we differentiate by

    def text(self) -> str:
        """``ẋ = ∂x/∂v1·v̇1 + ∂x/∂b·ḃ = 1·2 + 1·0 = 2``; an input: ``ẇ = 1   (seed ...)``."""
        dot = tangent_symbol(self.node)
        value = format_number(self.tangent)
        if not self.terms:
            return f"{dot} = {value}   ({SEED_NOTE if self.seeded else HELD_NOTE})"
        shown = [t for t in self.terms if not t.constant]
        if not shown:  # computed from numbers only
            return f"{dot} = {value}"
        symbols = " + ".join(
            f"{local_symbol(self.node, t.parent)}·{tangent_symbol(t.parent)}" for t in shown
        )
        numbers = " + ".join(
            f"{atom(format_number(t.local))}·{atom(format_number(t.tangent))}" for t in shown
        )
        return equation(dot, symbols, numbers, value)

    def latex(self) -> str:
        """The same line as LaTeX, for an ``aligned`` environment."""
        dot = _latex_tangent(self.node)
        value = latex_number(self.tangent)
        if not self.terms:
            note = SEED_NOTE if self.seeded else HELD_NOTE
            return rf"{dot} &= {value} \quad \text{{({note})}}"
        shown = [t for t in self.terms if not t.constant]
        if not shown:
            return f"{dot} &= {value}"
        symbols = " + ".join(
            f"{latex_partial(self.node, t.parent)} {_latex_tangent(t.parent)}" for t in shown
        )
        numbers = " + ".join(rf"{latex_atom(t.local)} \cdot {latex_atom(t.tangent)}" for t in shown)
        return f"{dot} &= " + equation(symbols, numbers, value)


@dataclass
class ForwardExplanation(Shown):
    """The forward pass, then the forward-mode sweep of tangents for one input.

    ``str()`` gives plain text; ``to_markdown()`` and ``to_latex()`` the same
    for notebooks (``_repr_markdown_``, ``_repr_latex_``).
    """

    output: str
    wrt: str
    forward: tuple[ForwardStep, ...]
    sweep: tuple[TangentStep, ...]
    derivative: float  # d(output)/d(wrt): the output's tangent
    inputs: tuple[str, ...]

    def sweep_text(self) -> str:
        """The sweep, one tangent a line: the seeds, then each node in evaluation order."""
        return "\n".join(step.text() for step in self.sweep)

    def result_text(self) -> str:
        """``dz/dw = ż = 10``: the output's tangent is the derivative."""
        gradient = gradient_symbol(self.output, self.wrt)
        return f"{gradient} = {tangent_symbol(self.output)} = {format_number(self.derivative)}"

    def cost(self) -> str:
        """What one derivative of each input costs in each mode (n inputs, 1 output)."""
        return sweep_cost(len(self.inputs), 1)

    def _heading(self) -> str:
        return (
            f"Forward-mode sweep by {self.wrt} "
            "(each tangent is Σ local derivative × the parent's tangent):"
        )

    def _forward_pass(self) -> Explanation:
        # The forward pass reads as in reverse mode's explanation: the same steps, shown alike.
        return Explanation(self.output, self.forward, (), (), (), ())

    def to_text(self) -> str:
        """The forward pass, the sweep, the result and the cost, as plain text."""
        return "\n".join(
            [
                self._forward_pass().to_text(),
                "",
                self._heading(),
                indent(self.sweep_text()),
                "",
                self.result_text(),
                self.cost(),
            ]
        )

    def to_markdown(self) -> str:
        """The same as Markdown: the forward-pass table, then a table of tangents."""
        lines = [
            self._forward_pass().to_markdown().rstrip(),
            "",
            f"**{self._heading().rstrip(':')}**",
            "",
            "| node | tangent |",
            "|---|---|",
            *(markdown_row(step.node, step.text()) for step in self.sweep),
            "",
            f"**{markdown_escape(self.result_text())}**",
            "",
            self.cost(),
        ]
        return "\n".join(lines) + "\n"

    def to_latex(self) -> str:
        """The same as one LaTeX display (``$$\\begin{aligned} ... $$``)."""
        rows = forward_latex_rows(self.forward)
        rows.append(rf"&\textbf{{Forward-mode sweep by }} {latex_name(self.wrt)}")
        rows += [step.latex() for step in self.sweep]
        rows.append(
            f"{latex_gradient(self.output, self.wrt)} &= {_latex_tangent(self.output)} "
            f"= {latex_number(self.derivative)}"
        )
        rows.append(rf"&\text{{{self.cost()}}}")
        body = " \\\\\n".join(rows)
        return f"$$\n\\begin{{aligned}}\n{body}\n\\end{{aligned}}\n$$\n"


def explain_forward(root: Value, wrt: Value | None) -> ForwardExplanation:
    """The forward-mode sweep from the input ``wrt`` to ``root``, every tangent explained.

    ``explain(root, mode="forward", wrt=w)`` calls this. No ``.grad`` is
    touched: forward mode needs none.
    """
    order = evaluation_order(root)
    names = node_names(order)
    inputs = [node for node in order if not node.parents and node.op != "const"]
    _check_wrt(wrt, root, inputs, names)

    locals_by_node: dict[Value, tuple] = {}

    def record(node, locals_, tangent):
        locals_by_node[node] = locals_

    tangents = forward_sweep([root], {wrt: 1.0}, trace=record)
    sweep = [TangentStep(names[x], (), tangents[x], x is wrt) for x in inputs]
    for node, locals_ in locals_by_node.items():
        # A term the sweep skipped, an undefined local derivative times a zero
        # tangent (ln of a negative base in a ** b), is left out here too.
        terms = tuple(
            TangentTerm(names[p], formula, float(local), float(tangents[p]), p.op == "const")
            for p, local, formula in zip(node.parents, locals_, local_formulas(node, names))
            if tangents[p] != 0 or math.isfinite(local)
        )
        sweep.append(TangentStep(names[node], terms, float(tangents[node])))
    forward = tuple(forward_step(node, names) for node in order if node.op != "const")
    return ForwardExplanation(
        names[root],
        names[wrt],
        forward,
        tuple(sweep),
        float(tangents[root]),
        tuple(names[x] for x in inputs),
    )


def _check_wrt(wrt, root: Value, inputs: list[Value], names: dict[Value, str]) -> None:
    choices = ", ".join(names[x] for x in inputs) or "none: the output is a constant"
    if wrt is None:
        raise ValueError(
            "explain(mode='forward') needs wrt=, the input to differentiate by (its tangent "
            f"is seeded with 1, the others' with 0); the inputs of {names[root]} are: {choices}"
        )
    if not isinstance(wrt, Value):
        raise TypeError(f"explain: wrt must be an input Value, got {type(wrt).__name__} {wrt!r}")
    if wrt not in inputs:
        what = "is computed from other nodes" if wrt in names else "is not in the graph"
        shown = names.get(wrt) or wrt.label or repr(wrt)
        raise ValueError(
            f"explain: wrt={shown} {what}; forward mode seeds an input of {names[root]}: {choices}"
        )


def _latex_tangent(name: str) -> str:
    """The dot over a name in LaTeX: \\dot{x}, \\dot{v}_{1}, \\dot{\\mathrm{loss}}."""
    base, index = re.fullmatch(r"(.*?)(_\{\d+\})?", latex_name(name)).groups()
    return rf"\dot{{{base}}}{index or ''}"
