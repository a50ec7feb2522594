"""How each operation is written: the table the views print from, keyed by the operation.

``explain`` (text, Markdown, LaTeX), ``draw``, the lesson page and forward
mode show an operation with its row here: the symbol in its circle in a
drawing, and the formula of its result and of each local derivative, with
{0}, {1}, ... for the operands and {out} for the result. LaTeX is optional:
without it the views translate the text (· becomes \\cdot, σ \\sigma).

The engine's table says what an operation computes; this one, how a teacher
writes it. ``define_op`` gives a new operation a row in both.

>>> from autograd.engine import MUL, power
>>> written(MUL, 2).formula, written(MUL, 2).derivatives
('{0}·{1}', ('{1}', '{0}'))
>>> written(power(-1.0), 1).formula, written(power(-1.0), 1).derivatives
('{0}^(-1)', ('(-1)·{0}^(-2)',))
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from autograd.engine import OPS, Op, Value, operation

__all__ = ["NOTATION", "Notation", "notation", "written"]


@dataclass(frozen=True)
class Notation:
    """An operation as a teacher writes it.

    >>> Notation("×", "{0}·{1}", ("{1}", "{0}")).symbol
    '×'
    """

    symbol: str  # inside the operation's circle in a drawing
    formula: str  # the result, e.g. '{0}·{1}'
    derivatives: tuple[str, ...]  # each local derivative, e.g. ('{1}', '{0}')
    latex: str = ""  # the formula in LaTeX, if the translated text is not enough
    latex_derivatives: tuple[str, ...] = ()


def _linear(arity: int) -> Notation:
    """Σ wᵢ·xᵢ + b with operands (w1..wn, x1..xn, b): ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1."""
    n = (arity - 1) // 2
    formula = " + ".join([*(f"{{{i}}}·{{{n + i}}}" for i in range(n)), f"{{{2 * n}}}"])
    local = tuple(f"{{{n + i}}}" for i in range(n)) + tuple(f"{{{i}}}" for i in range(n))
    return Notation("Σwx+b", formula, (*local, "1"))


# One row per operation, found by its name in the engine's table; a function of
# the number of operands where that varies.
NOTATION: dict[Op, Notation | Callable[[int], Notation]] = {
    OPS["+"]: Notation("+", "{0} + {1}", ("1", "1")),
    OPS["-"]: Notation("−", "{0} - {1}", ("1", "-1")),
    OPS["*"]: Notation("×", "{0}·{1}", ("{1}", "{0}")),
    OPS["/"]: Notation("÷", "{0}/{1}", ("1/{1}", "-{0}/{1}^2")),
    OPS["neg"]: Notation("−x", "-{0}", ("-1",)),
    OPS["exp"]: Notation("exp", "exp({0})", ("exp({0})",)),
    OPS["log"]: Notation("log", "log({0})", ("1/{0}",)),
    OPS["tanh"]: Notation("tanh", "tanh({0})", ("1 - {out}^2",)),
    OPS["sigmoid"]: Notation("σ", "σ({0})", ("{out}·(1 - {out})",)),
    OPS["relu"]: Notation("relu", "relu({0})", ("1 if {0} > 0 else 0",)),
    OPS["**"]: Notation("xʸ", "{0}^{1}", ("{1}·{0}^({1} - 1)", "{0}^{1}·ln({0})")),
    OPS["linear"]: _linear,
}


@functools.lru_cache(maxsize=256)
def _power(name: str) -> Notation | None:
    """The row of a power with a number exponent, from its name: '**2' is {0}^2, 2·{0}."""
    try:
        n = float(name[2:])
    except ValueError:
        return None
    n_text = name[2:]  # the engine names the operation so that it gives n back exactly
    if n in (0, 1, 2):
        derivative = ("0", "1", "2·{0}")[int(n)]
    else:
        derivative = f"{_bracket(n_text)}·{{0}}^{_bracket(f'{n - 1:g}')}"
    return Notation("x^" + n_text, f"{{0}}^{_bracket(n_text)}", (derivative,))


def _bracket(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def written(op: Op, arity: int) -> Notation:
    """The notation of ``op`` with ``arity`` operands: one derivative and one
    LaTeX derivative ('' where none is given) per operand.

    An operation without a row (a Value made by hand with an Op of its own)
    is written by its name: ``name({0}, {1})``, its derivatives left blank.
    """
    row = NOTATION.get(op)
    if row is None and op.name.startswith("**"):
        row = _power(op.name)
    if callable(row):
        row = row(arity)
    if row is None:
        slots = ", ".join(f"{{{i}}}" for i in range(arity))
        return Notation(op.name, f"{op.name}({slots})", ("",) * arity, "", ("",) * arity)
    return Notation(
        row.symbol,
        row.formula,
        row.derivatives or ("",) * arity,
        row.latex,
        row.latex_derivatives or ("",) * arity,
    )


def notation(node: Value) -> Notation:
    """How the operation that made ``node`` is written, for its operands.

    >>> from autograd import Value
    >>> y = Value(3.0).tanh()
    >>> notation(y).symbol, notation(y).derivatives
    ('tanh', ('1 - {out}^2',))
    """
    op = operation(node)
    return written(op, len(node.parents)) if op is not None else Notation(node.op, "", ())
