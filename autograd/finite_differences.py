"""``gradcheck``: the engine's gradients against central finite differences.

A finite difference needs only the forward pass, so it is an independent check
of the local derivatives: (f(x + eps) - f(x - eps)) / 2eps has an error of
order eps² until rounding takes over (eps near 1e-6 suits double precision).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd.engine import Operand, Value, grad, no_grad, real

__all__ = ["GradcheckError", "gradcheck"]


class GradcheckError(AssertionError):
    """The engine's gradients disagree with finite differences."""


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Operand],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare the engine's gradients of ``f(*inputs)`` with central differences
    (f(x + eps) - f(x - eps)) / 2eps. Return True, or raise GradcheckError
    listing each input's analytic and numeric value.

    >>> gradcheck(lambda a, b: a * b.tanh(), [0.5, -1.5])
    True
    """
    point = [x.data if isinstance(x, Value) else real(x, "gradcheck input") for x in inputs]
    leaves = [Value(x) for x in point]
    analytic = [float(g) for g in grad(_call(f, leaves), leaves)]
    numeric = []
    with no_grad():
        for i in range(len(point)):
            up, down = list(point), list(point)
            up[i] += eps
            down[i] -= eps
            f_up, f_down = _call(f, map(Value, up)).data, _call(f, map(Value, down)).data
            numeric.append((f_up - f_down) / (2 * eps))
    bad = [
        i
        for i, (a, n) in enumerate(zip(analytic, numeric))
        if not abs(a - n) <= atol + rtol * abs(n)
    ]
    if bad:
        rows = "\n".join(
            f"  input {i} (= {point[i]!r}): analytic {analytic[i]!r}, numeric {numeric[i]!r}"
            + ("   <-- differs" if i in bad else "")
            for i in range(len(point))
        )
        raise GradcheckError(
            f"gradcheck failed for {getattr(f, '__name__', f)!s} "
            f"(atol={atol}, rtol={rtol}, eps={eps}):\n{rows}"
        )
    return True


def _call(f: Callable[..., Value], args) -> Value:
    out = f(*args)
    if not isinstance(out, Value):
        raise TypeError(
            f"gradcheck: f must return a single Value, got {type(out).__name__} {out!r}"
        )
    return out
