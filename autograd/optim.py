"""Optimizers: after ``loss.backward()``, move every parameter a step downhill.

The simplest is plain gradient descent, ``p.data -= lr * p.grad``; ``SGD`` adds
momentum and weight decay, ``Adam`` a step size per parameter. The update rules
are PyTorch's (``torch.optim.SGD``, ``torch.optim.Adam``): the same numbers in,
the same numbers out.

>>> from autograd import Value
>>> x = Value(0.2)
>>> optimizer = SGD([x], lr=0.1)
>>> loss = (x - 1) ** 2 + 0.001
>>> loss.backward()
>>> optimizer.step()  # x - 0.1 · 2(x - 1)
>>> round(x.data, 12)
0.36
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from autograd.engine import Value, no_grad
from autograd.i18n import N_, TranslatableTypeError, TranslatableValueError

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """What optimizers share: the parameters, the learning rate, ``zero_grad()``.

    ``lr`` is a plain attribute, so a schedule can change it between steps.

    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> w.grad = 5.0
    >>> optimizer = SGD([w], lr=0.1)
    >>> optimizer.zero_grad()
    >>> w.grad
    0.0
    """

    def __init__(self, params: Iterable[Value], lr: float):
        self.params = list(params)
        who = type(self).__name__
        if not self.params:
            raise TranslatableValueError(N_("{who}: got no parameters to optimize"), who=who)
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TranslatableTypeError(
                    N_(
                        "{who}: parameter {index} is {type} {value!r}, not a Value; "
                        "pass model.parameters()"
                    ),
                    who=who,
                    index=i,
                    type=type(p).__name__,
                    value=p,
                )
        if len({id(p) for p in self.params}) != len(self.params):
            raise TranslatableValueError(
                N_("{who}: a parameter appears more than once; it would be updated twice per step"),
                who=who,
            )
        if not _is_positive(lr):
            raise TranslatableValueError(
                N_("{who}: lr (the learning rate) must be a positive number, got {value!r}"),
                who=who,
                value=lr,
            )
        self.lr = float(lr)

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0, ready for the next ``backward()``."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``.grad``."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

    For each parameter p with gradient g::

        g ← g + weight_decay·p            (the gradient of weight_decay/2·p²)
        v ← momentum·v + g                (v starts at 0: a running direction)
        p ← p - lr·v

    With ``momentum=0`` this is ``p ← p - lr·g``: plain gradient descent.

    >>> from autograd import Value
    >>> p = Value(1.0)
    >>> optimizer = SGD([p], lr=0.5, momentum=0.5)
    >>> for _ in range(2):
    ...     p.grad = 1.0
    ...     optimizer.step()
    >>> p.data  # 1 - 0.5·1 - 0.5·(0.5·1 + 1)
    -0.25
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        self.momentum = _non_negative(momentum, "SGD", "momentum")
        self.weight_decay = _non_negative(weight_decay, "SGD", "weight_decay")
        self.velocities = [0.0] * len(self.params)

    def step(self) -> None:
        with no_grad():
            for i, p in enumerate(self.params):
                g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
                if self.momentum:
                    g = self.velocities[i] = self.momentum * self.velocities[i] + g
                p.data -= self.lr * g

    def __repr__(self) -> str:
        return (
            f"SGD({len(self.params)} parameters, lr={self.lr!r}, momentum={self.momentum!r}, "
            f"weight_decay={self.weight_decay!r})"
        )


class Adam(Optimizer):
    """Adam: a step size for each parameter, from running averages of its
    gradient (m) and of its squared gradient (v).

    At step t, for each parameter p with gradient g::

        g ← g + weight_decay·p
        m ← β1·m + (1 - β1)·g
        v ← β2·v + (1 - β2)·g²
        p ← p - lr · (m / (1 - β1ᵗ)) / (√(v / (1 - β2ᵗ)) + eps)

    Dividing by 1 - βᵗ corrects for m and v starting at 0. Early steps then
    have size close to lr whatever the scale of the gradient.

    >>> from autograd import Value
    >>> p = Value(1.0)
    >>> optimizer = Adam([p], lr=0.1)
    >>> p.grad = 250.0
    >>> optimizer.step()
    >>> round(p.data, 9)  # 1 - 0.1: the first step has size lr
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise TranslatableValueError(
                N_("Adam: betas must be two numbers in [0, 1), got {betas!r}"), betas=betas
            )
        self.betas = (float(betas[0]), float(betas[1]))
        if not _is_positive(eps):
            raise TranslatableValueError(
                N_("Adam: eps must be a positive number, got {value!r}"), value=eps
            )
        self.eps = float(eps)
        self.weight_decay = _non_negative(weight_decay, "Adam", "weight_decay")
        self.steps = 0
        self.means = [0.0] * len(self.params)
        self.squares = [0.0] * len(self.params)

    def step(self) -> None:
        beta1, beta2 = self.betas
        self.steps += 1
        correction1 = 1.0 - beta1**self.steps
        correction2 = 1.0 - beta2**self.steps
        with no_grad():
            for i, p in enumerate(self.params):
                g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
                self.means[i] = beta1 * self.means[i] + (1.0 - beta1) * g
                self.squares[i] = beta2 * self.squares[i] + (1.0 - beta2) * g * g
                m_hat = self.means[i] / correction1
                v_hat = self.squares[i] / correction2
                p.data -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)

    def __repr__(self) -> str:
        return f"Adam({len(self.params)} parameters, lr={self.lr!r}, betas={self.betas!r})"


def _is_positive(x) -> bool:
    return not isinstance(x, bool) and isinstance(x, numbers.Real) and 0 < x < math.inf


def _non_negative(x, who: str, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not 0 <= x < math.inf:
        raise TranslatableValueError(
            N_("{who}: {name} must be a number ≥ 0, got {value!r}"), who=who, name=name, value=x
        )
    return float(x)
