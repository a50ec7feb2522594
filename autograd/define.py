"""``define_op``: an operation of your own, with its row in every table.

An operation is one row in each table that knows operations: the engine's
(``OPS``: what it computes and its local derivatives), the notation the
views print (``autograd.notation``) and the code ``compile_graph`` writes
(``autograd.compile``: an operation of yours is called by name there). So
``backward``, ``grad``, ``gradcheck``, forward mode, ``explain``, ``draw`` and
``compile_graph`` treat it like a built-in.

This module sits above those three tables, so that the engine imports none
of the views: each table stays with the code that reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd.compile import CALLS_ITS_FUNCTIONS, CODE
from autograd.engine import BUILT_IN, OPS, Op, Operand, Value, apply, lift
from autograd.notation import NOTATION, Notation

__all__ = ["define_op"]


def define_op(
    name: str,
    forward: Callable[..., float],
    local: Callable[..., tuple],
    *,
    formula: str = "",
    derivatives: Sequence[str] = (),
    symbol: str = "",
    latex: str = "",
    latex_derivatives: Sequence[str] = (),
) -> Callable[..., Value]:
    """Add an operation of your own to the tables; return the function that applies it.

    ``forward`` takes the operands' numbers and returns the result's;
    ``local(out, *operands)`` returns d(out)/d(operand) for each operand.
    ``backward()`` calls ``local`` with floats and ``grad(create_graph=True)``
    with Values, so write it with operators and Value-friendly calls (or
    branch on the type). ``formula`` and ``derivatives`` are the notation
    that explain, draw and the lesson page show, with {0}, {1}, ... for the
    operands and {out} for the result. The code compile_graph writes calls
    ``forward`` and ``local`` themselves.

    Defining a name again (a notebook cell run twice) makes a new operation;
    the Values made before keep the one that made them.

    >>> cube = define_op("cube", lambda a: a**3, lambda out, a: (3 * a**2,),
    ...                  formula="{0}^3", derivatives=("3·{0}^2",))
    >>> x = Value(2.0)
    >>> y = cube(x)
    >>> y.backward()
    >>> y.data, x.grad
    (8.0, 12.0)
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"define_op: the name must be an identifier such as 'softplus', got {name!r}"
        )
    if name in BUILT_IN:
        raise ValueError(f"define_op: {name!r} is a built-in operation; choose another name")
    if hasattr(Value, name):  # Value.backward, .data: a program could call them by that name
        raise ValueError(f"define_op: {name!r} is the name of a Value attribute; choose another")
    for argument, role in ((forward, "forward"), (local, "local")):
        if not callable(argument):
            raise TypeError(f"define_op({name!r}): {role} must be a function, got {argument!r}")
    op = Op(name, forward, local)
    OPS[name] = op
    slots = ", ".join(f"{{{i}}}" for i in range(len(derivatives)))
    NOTATION[op] = Notation(
        symbol or name,
        formula or f"{name}({slots})",
        tuple(derivatives),
        latex,
        tuple(latex_derivatives),
    )
    CODE[op] = CALLS_ITS_FUNCTIONS

    def apply_op(*operands: Operand) -> Value:
        parents = tuple(lift(x, name) for x in operands)
        if derivatives and len(derivatives) != len(parents):
            raise TypeError(
                f"{name}() takes {len(derivatives)} operand(s) (one per derivative), "
                f"got {len(parents)}"
            )
        return apply(op, *parents)

    apply_op.__name__ = apply_op.__qualname__ = name
    apply_op.__doc__ = f"Apply the operation {name!r} (see define_op)."
    return apply_op
