"""What the engine says when it refuses a number: ``real`` (a TypeError for
what is not a real number) and ``DomainError`` (an operation's operands outside
its domain, or a result beyond the largest float).

Each message names the operation and its operands (by their labels, x and y
where they have none, a constant by its value) and the value that is out of
bounds, and, where it helps, what to do instead. The engine imports this
module; of autograd it imports only the languages (``autograd.i18n``), and an
operand is anything with ``.data``, ``.label`` and ``.op``, as a Value has.
Each message is a catalog sentence (``N_``) with named parameters, so that
``error_text(error, "zh")`` says it in Chinese; ``str(error)`` is English
unless it was raised in a context of another language (``use_language``).

>>> class Leaf:  # what a message needs of a Value
...     data, label, op = 0.0, "b", ""
>>> from autograd.i18n import error_text
>>> error = division_by_zero(Leaf(), Leaf())
>>> str(error)
'division by zero in b / b with b = 0.0'
>>> error_text(error, "zh")
'b / b（其中 b = 0.0）：除以零。'
"""

from __future__ import annotations

import numbers

from autograd.i18n import N_, Phrase, TranslatableError, TranslatableTypeError

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


class DomainError(TranslatableError, ValueError, ArithmeticError):
    """An operation was asked for a number outside its domain (log of -1,
    division by zero, a negative base to a fractional power), or its result or
    one of its local derivatives does not fit in a float (exp of 1000).

    Where Python's float arithmetic gives an infinity instead of an error
    (1e308 * 10, 1 / 1e-320), so does the engine: IEEE arithmetic."""


def real(x, where: str, /, **params: object) -> float:
    """x as a float, or a TypeError that says what was passed where: ``where`` is a
    catalog phrase (``N_("operand of {op}")``) filled with ``params`` only if it is said.

    >>> real(2, N_("operand of {op}"), op="*")
    2.0
    >>> real("2", N_("operand of {op}"), op="*")
    Traceback (most recent call last):
    ...
    autograd.i18n.TranslatableTypeError: operand of *: got the text '2'; convert it first, e.g. float('2')
    """  # noqa: E501
    if type(x) is float or type(x) is int:  # the common case, without the slower ABC check
        return float(x)
    if isinstance(x, numbers.Real):  # int, float, bool, Fraction, numpy reals
        return float(x)
    said = Phrase(where, **params)
    if hasattr(x, "local_derivatives"):  # a Value
        message = N_(
            "{where}: got {value!r}; a Value does not hold another Value. "
            "Use the Value itself, or Value(v.data) for an independent copy"
        )
    elif isinstance(x, complex):
        message = N_(
            "{where}: got the complex number {value!r}; this engine differentiates real "
            "numbers only"
        )
    elif isinstance(x, str):
        message = N_("{where}: got the text {value!r}; convert it first, e.g. float({value!r})")
    else:
        message = N_("{where}: expected a real number, got {type} {value!r}")
    raise TranslatableTypeError(message, where=said, type=type(x).__name__, value=x)


def _name(v, default: str) -> str:
    return f"{v.data:g}" if v.op == "const" else v.label or default


def division_by_zero(a, b) -> DomainError:
    expression = f"{_name(a, 'x')} / {_name(b, 'y')}"
    return DomainError(N_("division by zero in {where}"), where=_written(expression, [b], ["y"]))


def exp_overflow(a) -> DomainError:
    return DomainError(
        N_(
            "overflow in {where}: the result exceeds the largest float (about 1.8e308, "
            "reached at x = 709.78); for probabilities use sigmoid() or subtract the maximum "
            "first (log-sum-exp)"
        ),
        where=_written(f"exp({_name(a, 'x')})", [a], ["x"]),
    )


def log_of_non_positive(a) -> DomainError:
    return DomainError(
        N_("log of a non-positive number: {where}; log is defined for x > 0 only"),
        where=_written(f"log({_name(a, 'x')})", [a], ["x"]),
    )


def power_refused(base, n: float, n_text: str = "", exponent=None) -> DomainError:
    """Why base ** n has no float value: division by zero, a negative base to a
    fractional power (a complex number), or overflow. ``n_text`` is how n is
    written; an ``exponent`` operand is written by its name."""
    n_text = _name(exponent, "n") if exponent is not None else n_text
    where = _written(f"{_name(base, 'x')} ** {n_text}", [base, exponent], ["x", "n"])
    if base.data == 0 and n < 0:
        return DomainError(N_("division by zero in {where}"), where=where)
    if base.data < 0 and not float(n).is_integer():
        return DomainError(
            N_("negative base to a fractional power in {where}: the result is not a real number"),
            where=where,
        )
    return DomainError(N_("overflow in {where}: the result exceeds the largest float"), where=where)


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
        return _REFUSALS[name](*operands)
    if name.startswith("**"):  # a power with a number exponent: '**0.5'
        return power_refused(operands[0], float(name[2:]), name[2:])
    shown = ", ".join(repr(x.data) for x in operands)
    return DomainError(
        N_("{operation}({numbers}): {reason}"), operation=name, numbers=shown, reason=_reason(error)
    )


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
            N_("overflow in the local derivative of {where}: it exceeds the largest float"),
            where=where,
        )
    return DomainError(
        N_("in the local derivative of {where}: {reason}"), where=where, reason=_reason(error)
    )


def _reason(error: Exception) -> str | TranslatableError:
    """Python's reason in Python's words; one of ours, said in the message's language."""
    return error if isinstance(error, TranslatableError) else str(error)


def _written(expression: str, operands, defaults) -> str | Phrase:
    """The expression, and the value of each operand that is not a constant:
    ``x / y with y = 0.0``, ``x ** n with x = -1.0 and n = 0.5``."""
    values = [
        f"{_name(v, d)} = {v.data!r}"
        for v, d in zip(operands, defaults)
        if v is not None and v.op != "const"
    ]
    if not values:
        return expression
    listed = values[0]
    for value in values[1:]:
        listed = Phrase(N_("{first} and {second}"), first=listed, second=value)
    return Phrase(N_("{expression} with {values}"), expression=expression, values=listed)
