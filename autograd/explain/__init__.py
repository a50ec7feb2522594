"""The backward pass explained step by step, the way a teacher writes it on the board.

``explain(z)`` follows the engine's backward loop with a trace attached and
keeps every step: the forward values, then, for each node from the output
back to the inputs, the upstream gradient, each local derivative (as a
formula and as a number), what each parent receives, and finally the
chain-rule sum for each input. Nothing here differentiates anything: the
numbers are the engine's. No ``.grad`` is touched.

>>> from autograd import Value
>>> w, b = Value(3.0, label="w"), Value(4.0, label="b")
>>> x = 2 * w + b
>>> x.label = "x"
>>> y = b + 1
>>> y.label = "y"
>>> z = x * y
>>> z.label = "z"
>>> print(explain(z).sums_text())
dz/db = ∂z/∂x·∂x/∂b + ∂z/∂y·∂y/∂b = 5·1 + 10·1 = 15
dz/dw = ∂z/∂x·∂x/∂w = 5·2 = 10   (∂x/∂w = ∂x/∂v1·∂v1/∂w = 1·2)

The package, a floor at a time (each imports only the ones above it in this list):

- ``model.py``: the model, as data (``Explanation``, ``BackwardStep``, ...);
- ``build.py``: building it once from a graph (and the notation lookup);
- ``forward_mode.py``: forward mode's sibling model (``ForwardExplanation``);
- ``text.py``, ``markdown.py``, ``latex.py``: the writers, every sentence;
- ``serial.py``: ``to_dict`` and ``from_dict``, the JSON a page reads.
"""

from __future__ import annotations

from collections.abc import Iterable

from autograd.engine import Value

# The writers and the JSON register themselves with the model when imported.
from autograd.explain import latex, markdown, serial, text  # noqa: F401
from autograd.explain.build import (
    FULL_SUM_MAX_FACTORS,
    FULL_SUM_MAX_PATHS,
    build,
    forward_formula,
    forward_step,
    local_formulas,
)
from autograd.explain.forward_mode import (
    ForwardExplanation,
    TangentStep,
    TangentTerm,
    explain_forward,
)
from autograd.explain.latex import (
    forward_latex_rows,
    latex_atom,
    latex_gradient,
    latex_name,
    latex_number,
    latex_partial,
)
from autograd.explain.markdown import markdown_escape, markdown_row
from autograd.explain.model import (
    BackwardStep,
    EdgeStep,
    Explanation,
    Formula,
    ForwardStep,
    LeafSum,
    Link,
    Node,
    Path,
    Shown,
)
from autograd.explain.text import atom, equation, indent
from autograd.i18n import (
    N_,
    TranslatableTypeError,
    TranslatableValueError,
    resolve_language,
    use_language,
)
from autograd.trace import evaluation_order, format_number, node_names

__all__ = [
    "FULL_SUM_MAX_FACTORS",
    "FULL_SUM_MAX_PATHS",
    "BackwardStep",
    "EdgeStep",
    "Explanation",
    "Formula",
    "ForwardExplanation",
    "ForwardStep",
    "LeafSum",
    "Link",
    "Node",
    "Path",
    "Shown",
    "TangentStep",
    "TangentTerm",
    "atom",
    "equation",
    "evaluation_order",
    "explain",
    "format_number",
    "forward_formula",
    "forward_latex_rows",
    "forward_step",
    "indent",
    "latex_atom",
    "latex_gradient",
    "latex_name",
    "latex_number",
    "latex_partial",
    "local_formulas",
    "markdown_escape",
    "markdown_row",
    "node_names",
]


def explain(
    root: Value,
    mode: str = "reverse",
    wrt: Value | None = None,
    *,
    params: Iterable[Value] = (),
    lang: str | None = None,
) -> Explanation | ForwardExplanation:
    """Every step of the backward pass from ``root``, explained.

    With ``mode="forward", wrt=w`` it explains forward mode instead: one
    forward sweep of tangents seeded with ẇ = 1.

    Leaves every ``.grad`` as it was: the gradients it shows are its own
    trace's (``explanation.gradients``; ``root.backward()`` fills ``.grad``).
    Inputs are the leaves you made; numbers in the program are constants
    (shown by their value, with no gradient). The chain-rule sum for each
    input runs over paths through the *named* nodes (those with a label):
    unnamed nodes are folded into the local derivative of the named node
    that uses them. If no intermediate node has a label, every one is named
    v1, v2, ... and the paths go through all of them. ``params`` (e.g.
    ``model.parameters()``) marks which inputs are parameters, for
    ``Explanation.nodes``.

    ``lang`` is the language it writes its sentences in (``"zh"``: Chinese;
    by default the context's, see ``autograd.i18n.use_language``): ``str()``,
    ``to_markdown()``, ``to_latex()`` and ``to_dict()``'s texts; the numbers
    and names are the same in every language. Its errors are said in it too.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> y = a * a
    >>> y.label = "y"
    >>> print(explain(y))
    Forward pass (each node after the nodes it is computed from):
      a = 3
      y = a·a = 3·3 = 9
    <BLANKLINE>
    Backward pass (each parent receives local derivative × upstream gradient):
      y = a·a   (upstream dy/dy = 1)
        ∂y/∂a = a = 3  →  a receives 3 × 1 = 3   (1 of 2 contributions: dy/da so far 3)
        ∂y/∂a = a = 3  →  a receives 3 × 1 = 3   (2 of 2 contributions: dy/da = 3 + 3 = 6)
    <BLANKLINE>
    Chain rule for each input (a sum over the paths from y):
      dy/da = ∂y/∂a + ∂y/∂a = 3 + 3 = 6
    An operation that uses a node twice (x·x) has two edges to it, and each is a term of the sum: dy/da has a term twice.
    >>> a.grad, y.grad
    (0.0, 0.0)
    """  # noqa: E501
    # The errors it raises are said in its language too, as those of fit(lang=...).
    with use_language(resolve_language(lang)) as lang:
        return _explain(root, mode, wrt, params, lang)


def _explain(root, mode, wrt, params, lang) -> Explanation | ForwardExplanation:
    if not isinstance(root, Value):
        raise TranslatableTypeError(
            N_("explain: expected a Value, got {type} {value!r}"),
            type=type(root).__name__,
            value=root,
        )
    if mode == "forward":
        return explain_forward(root, wrt, lang)
    if mode != "reverse":
        raise TranslatableValueError(
            N_("explain: mode must be 'reverse' or 'forward', got {mode!r}"), mode=mode
        )
    if wrt is not None:
        raise TranslatableValueError(
            N_(
                "explain: wrt= chooses the input of a forward sweep (mode='forward'); "
                "reverse mode gives the gradient of every input at once"
            )
        )
    return build(root, params, lang)
