"""What the engine says when it refuses a number: ``real`` (a TypeError for
what is not a real number) and ``DomainError`` (an operation's operands outside
its domain, or a result beyond the largest float).

Each message names the operation and its operands (by their labels, x and y
where they have none, a constant by its value) and the value that is out of
bounds, and, where it helps, what to do instead. The engine imports this
module; it imports nothing of autograd (an operand is anything with
``.data``, ``.label`` and ``.op``, as a Value has).

>>> class Leaf:  # what a message needs of a Value
...     data, label, op = 0.0, "b", ""
>>> division_by_zero(Leaf(), Leaf())
'division by zero in b / b with b = 0.0'
"""

from __future__ import annotations

import numbers

__all__ = [
    "DomainError",
    "derivative_refused",
    "division_by_zero",
    "exp_overflow",
    "log_of_non_positive",
    "power_refused",
    "real",
    "refused",
]


class DomainError(ValueError, ArithmeticError):
    """An operation was asked for a number outside its domain (log of -1,
    division by zero, a negative base to a fractional power), or its result or
    one of its local derivatives does not fit in a float (exp of 1000).

    Where Python's float arithmetic gives an infinity instead of an error
    (1e308 * 10, 1 / 1e-320), so does the engine: IEEE arithmetic."""


def real(x, where: str) -> float:
    """x as a float, or a TypeError that says what was passed where."""
    if type(x) is float or type(x) is int:  # the common case, without the slower ABC check
        return float(x)
    if isinstance(x, numbers.Real):  # int, float, bool, Fraction, numpy reals
        return float(x)
    if hasattr(x, "local_derivatives"):  # a Value
        raise TypeError(
            f"{where}: got {x!r}; a Value does not hold another Value. "
            "Use the Value itself, or Value(v.data) for an independent copy"
        )
    if isinstance(x, complex):
        raise TypeError(
            f"{where}: got the complex number {x!r}; this engine differentiates real numbers only"
        )
    if isinstance(x, str):
        raise TypeError(f"{where}: got the text {x!r}; convert it first, e.g. float({x!r})")
    raise TypeError(f"{where}: expected a real number, got {type(x).__name__} {x!r}")


def _name(v, default: str) -> str:
    return f"{v.data:g}" if v.op == "const" else v.label or default


def _with_value(v, default: str) -> str:
    return "" if v.op == "const" else f" with {_name(v, default)} = {v.data!r}"


def division_by_zero(a, b) -> str:
    return f"division by zero in {_name(a, 'x')} / {_name(b, 'y')}{_with_value(b, 'y')}"


def exp_overflow(a) -> str:
    return (
        f"overflow in exp({_name(a, 'x')}){_with_value(a, 'x')}: the result exceeds the largest "
        "float (about 1.8e308, reached at x = 709.78); for probabilities use sigmoid() or "
        "subtract the maximum first (log-sum-exp)"
    )


def log_of_non_positive(a) -> str:
    return (
        f"log of a non-positive number: log({_name(a, 'x')}){_with_value(a, 'x')}; "
        "log is defined for x > 0 only"
    )


def power_refused(base, n: float, n_text: str = "", exponent=None) -> str:
    """Why base ** n has no float value: division by zero, a negative base to a
    fractional power (a complex number), or overflow. ``n_text`` is how n is
    written; an ``exponent`` operand is written by its name."""
    n_text = _name(exponent, "n") if exponent is not None else n_text
    where = _written(f"{_name(base, 'x')} ** {n_text}", [base, exponent], ["x", "n"])
    if base.data == 0 and n < 0:
        return f"division by zero in {where}"
    if base.data < 0 and not float(n).is_integer():
        return f"negative base to a fractional power in {where}: the result is not a real number"
    return f"overflow in {where}: the result exceeds the largest float"


def refused(name: str, operands, error: Exception) -> DomainError:
    """Python refused the operation ``name`` on ``operands`` (with ``error``):
    the built-in operations say why in their own words; another (define_op's)
    gives Python's reason, with the operation and the numbers.

    >>> class X:
    ...     data, label, op = -4.0, "x", ""
    >>> print(refused("**0.5", [X()], ValueError("math domain error")))
    negative base to a fractional power in x ** 0.5 with x = -4.0: the result is not a real number
    """
    if name in _REFUSALS:
        return DomainError(_REFUSALS[name](*operands))
    if name.startswith("**"):  # a power with a number exponent: '**0.5'
        return DomainError(power_refused(operands[0], float(name[2:]), name[2:]))
    shown = ", ".join(repr(x.data) for x in operands)
    return DomainError(f"{name}({shown}): {error}")


# The built-in operations with a domain, by name, and what they say.
_REFUSALS = {
    "/": division_by_zero,
    "exp": exp_overflow,
    "log": log_of_non_positive,
    "**": lambda base, exponent: power_refused(base, exponent.data, exponent=exponent),
}


def derivative_refused(name: str, operands, error: Exception) -> DomainError:
    """Python could not compute a local derivative of the operation ``name``
    at these operands (it overflows, or the rule itself failed).

    >>> class X:
    ...     data, label, op = 1e-200, "w", ""
    >>> print(derivative_refused("**-1.5", [X()], OverflowError()))
    overflow in the local derivative of w ** -1.5 with w = 1e-200: it exceeds the largest float
    """
    defaults = ["x"] if len(operands) == 1 else ["x", "y"] if len(operands) == 2 else []
    defaults += [f"x{i + 1}" for i in range(len(defaults), len(operands))]
    shown = [_name(v, d) for v, d in zip(operands, defaults)]
    if name in ("+", "-", "*", "/", "**"):
        expression = f" {name} ".join(shown)
    elif name.startswith("**"):  # a power with a number exponent: '**2'
        expression = f"{shown[0]} ** {name[2:]}"
    else:
        expression = f"{name}({', '.join(shown)})"
    where = _written(expression, operands, defaults)
    if isinstance(error, OverflowError):
        return DomainError(
            f"overflow in the local derivative of {where}: it exceeds the largest float"
        )
    return DomainError(f"in the local derivative of {where}: {error}")


def _written(expression: str, operands, defaults) -> str:
    """The expression, and the value of each operand that is not a constant."""
    values = [
        f"{_name(v, d)} = {v.data!r}"
        for v, d in zip(operands, defaults)
        if v is not None and v.op != "const"
    ]
    return expression + (" with " + " and ".join(values) if values else "")
