"""``gradcheck``: the engine's gradients against central finite differences.

A finite difference needs only the forward pass, so it is an independent check
of the local derivatives: (f(x + eps) - f(x - eps)) / 2eps has an error of
order eps² until rounding takes over (eps near 1e-6 suits double precision).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd.engine import Operand, Value, grad, no_grad, real
from autograd.i18n import N_, Phrase, TranslatableError, TranslatableTypeError

__all__ = ["GradcheckError", "gradcheck"]


class GradcheckError(TranslatableError, AssertionError):
    """The engine's gradients disagree with finite differences."""


class _Lines(Phrase):
    """Phrases said one to a line, in the language of the message they are part of."""

    def __init__(self, lines: list[Phrase]):
        super().__init__("")
        self.lines = lines

    def say(self, lang: str | None = None) -> str:
        return "\n".join(line.say(lang) for line in self.lines)

    def __reduce__(self):
        return _Lines, (self.lines,)


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
    point = [x.data if isinstance(x, Value) else real(x, N_("gradcheck input")) for x in inputs]
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
        agrees = N_("  input {index} (= {value!r}): analytic {analytic!r}, numeric {numeric!r}")
        differs = N_(
            "  input {index} (= {value!r}): analytic {analytic!r}, numeric {numeric!r}   "
            "<-- differs"
        )
        rows = [
            Phrase(
                differs if i in bad else agrees,
                index=i,
                value=point[i],
                analytic=analytic[i],
                numeric=numeric[i],
            )
            for i in range(len(point))
        ]
        raise GradcheckError(
            N_("gradcheck failed for {function} (atol={atol}, rtol={rtol}, eps={eps}):\n{rows}"),
            function=str(getattr(f, "__name__", f)),
            atol=atol,
            rtol=rtol,
            eps=eps,
            rows=_Lines(rows),
        )
    return True


def _call(f: Callable[..., Value], args) -> Value:
    out = f(*args)
    if not isinstance(out, Value):
        raise TranslatableTypeError(
            N_("gradcheck: f must return a single Value, got {type} {value!r}"),
            type=type(out).__name__,
            value=out,
        )
    return out
