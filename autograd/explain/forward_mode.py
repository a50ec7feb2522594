"""Forward mode's model: the tangent of every node, one forward sweep.

``explain(z, mode="forward", wrt=w)`` seeds the inputs' tangents (ẇ = 1 for
the input we differentiate by, 0 for the others), then gives each node its
tangent, the sum over its parents of local derivative × the parent's tangent,
in the order the program computes them. The last tangent is the answer:
ż = dz/dw. The numbers come from ``autograd.forward.forward_sweep``, the
local derivatives from the engine's table, their formulas and the forward
pass from ``build``. No ``.grad`` is touched: forward mode needs none.

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
from dataclasses import dataclass

from autograd.engine import Value
from autograd.explain.build import forward_step, local_formulas, node_ids
from autograd.explain.model import Formula, ForwardStep, Shown, written
from autograd.forward import forward_sweep
from autograd.i18n import (
    DEFAULT_LANGUAGE,
    N_,
    Phrase,
    TranslatableTypeError,
    TranslatableValueError,
    resolve_language,
)
from autograd.trace import evaluation_order, node_names

__all__ = ["ForwardExplanation", "TangentStep", "TangentTerm", "explain_forward"]


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

    def text(self, lang: str | None = None) -> str:
        """``ẋ = ∂x/∂v1·v̇1 + ∂x/∂b·ḃ = 1·2 + 1·0 = 2``; an input: ``ẇ = 1   (seed ...)``,
        its note in ``lang`` (by default the context's language)."""
        return written(self, "text", lang)

    def latex(self, lang: str | None = None) -> str:
        """The same line as LaTeX, for an ``aligned`` environment."""
        return written(self, "latex", lang)


@dataclass(repr=False)  # Shown's: short
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
    lang: str = DEFAULT_LANGUAGE  # the language its sentences are written in

    def sweep_text(self) -> str:
        """The sweep, one tangent a line: the seeds, then each node in evaluation order."""
        return written(self, "sweep_text")

    def result_text(self) -> str:
        """``dz/dw = ż = 10``: the output's tangent is the derivative."""
        return written(self, "result_text")


def explain_forward(root: Value, wrt: Value | None, lang: str | None = None) -> ForwardExplanation:
    """The forward-mode sweep from the input ``wrt`` to ``root``, every tangent explained,
    in ``lang`` (by default the context's language).

    ``explain(root, mode="forward", wrt=w)`` calls this.
    """
    lang = resolve_language(lang)
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
    ids = node_ids(order, names)
    forward = tuple(forward_step(node, names, ids) for node in order if node.op != "const")
    return ForwardExplanation(
        names[root],
        names[wrt],
        forward,
        tuple(sweep),
        float(tangents[root]),
        tuple(names[x] for x in inputs),
        lang,
    )


def _check_wrt(wrt, root: Value, inputs: list[Value], names: dict[Value, str]) -> None:
    choices = ", ".join(names[x] for x in inputs) or Phrase(N_("none: the output is a constant"))
    if wrt is None:
        raise TranslatableValueError(
            N_(
                "explain(mode='forward') needs wrt=, the input to differentiate by (its "
                "tangent is seeded with 1, the others' with 0); the inputs of {output} are: "
                "{inputs}"
            ),
            output=names[root],
            inputs=choices,
        )
    if not isinstance(wrt, Value):
        raise TranslatableTypeError(
            N_("explain: wrt must be an input Value, got {type} {value!r}"),
            type=type(wrt).__name__,
            value=wrt,
        )
    if wrt not in inputs:
        if wrt in names:
            message = N_(
                "explain: wrt={wrt} is computed from other nodes; forward mode seeds an "
                "input of {output}: {inputs}"
            )
        else:
            message = N_(
                "explain: wrt={wrt} is not in the graph; forward mode seeds an input of "
                "{output}: {inputs}"
            )
        shown = names.get(wrt) or wrt.label or repr(wrt)
        raise TranslatableValueError(message, wrt=shown, output=names[root], inputs=choices)
