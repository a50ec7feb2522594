"""Loss functions: one Value that says how far predictions are from targets.

Each loss is built from the engine's operations, so its graph can be drawn and
explained like any other expression, and the gradient flows back into the
model that made the predictions.

Every loss takes one prediction and its target, or lists of them (several
outputs, several examples, or lists of lists of both). Lists are reduced to
the **mean** of the per-item losses; ``reduction="sum"`` adds them up instead.

>>> from autograd import Value
>>> mse([Value(0.5), Value(2.0)], [1.0, 1.0]).data  # ((0.5 - 1)² + (2 - 1)²) / 2
0.625
>>> hinge(Value(0.25), -1).data  # relu(1 - (-1)·0.25)
1.25
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from autograd.engine import Value
from autograd.i18n import N_, Nn_, TranslatableTypeError, TranslatableValueError

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge",
    "mse",
    "softmax",
]

# PyTorch's BCELoss clamps each log at -100, so a prediction of exactly 0 or 1
# costs at most 100 instead of infinity. We do the same.
LOG_FLOOR = -100.0
_SMALLEST_LOGGED = math.exp(LOG_FLOOR)


def mse(predictions, targets, reduction: str = "mean") -> Value:
    """Mean squared error: the mean of (prediction - target)².

    >>> from autograd import Value
    >>> mse(Value(3.0), 1.0).data
    4.0
    >>> mse([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 6.0]]).data  # 2² / 4
    1.0
    """
    terms = [(p - t) ** 2 for p, t in _pairs(predictions, targets, "mse")]
    return _reduce(terms, reduction, "mse")


def binary_cross_entropy(probabilities, targets, reduction: str = "mean") -> Value:
    """-(y·log p + (1 - y)·log(1 - p)) for probabilities p in [0, 1], targets y in [0, 1].

    Each log is clamped at -100 (as in PyTorch), so p = 0 or p = 1 gives a large
    but finite loss (with no gradient through the clamped log). When the
    probabilities come from a sigmoid, ``binary_cross_entropy_with_logits`` on
    the sigmoid's input is more accurate.

    >>> from autograd import Value
    >>> round(binary_cross_entropy(Value(0.9), 1).data, 6)  # -log 0.9
    0.105361
    >>> binary_cross_entropy(Value(1.0), 0).data  # -log(1 - 1), clamped
    100.0
    """
    terms = []
    for p, y in _pairs(probabilities, targets, "binary_cross_entropy"):
        if not 0.0 <= p.data <= 1.0:
            raise TranslatableValueError(
                N_(
                    "binary_cross_entropy: predictions must be probabilities in [0, 1], got "
                    "{value!r}; for raw scores (logits) use binary_cross_entropy_with_logits"
                ),
                value=p.data,
            )
        y_number = _target_in_unit_interval(y, "binary_cross_entropy")
        # A term multiplied by a target of 0 contributes nothing: leave it out
        # of the graph (unless the target is a Value, whose gradient it carries).
        if y_number == 1.0 and not isinstance(y, Value):
            terms.append(-_clamped_log(p))
        elif y_number == 0.0 and not isinstance(y, Value):
            terms.append(-_clamped_log(1 - p))
        else:
            terms.append(-(y * _clamped_log(p) + (1 - y) * _clamped_log(1 - p)))
    return _reduce(terms, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(logits, targets, reduction: str = "mean") -> Value:
    """binary_cross_entropy(sigmoid(z), y), computed from the logit z directly.

    Written as (1 - y)·z + log(1 + e⁻ᶻ) without ever exponentiating a large
    positive number, so it is exact even where sigmoid(z) rounds to 0 or 1.
    Its gradient is sigmoid(z) - y. (PyTorch: ``BCEWithLogitsLoss``.)

    >>> from autograd import Value
    >>> round(binary_cross_entropy_with_logits(Value(0.0), 1).data, 6)  # log 2
    0.693147
    >>> binary_cross_entropy_with_logits(Value(-1000.0), 1).data
    1000.0
    """
    terms = []
    for z, y in _pairs(logits, targets, "binary_cross_entropy_with_logits"):
        y_number = _target_in_unit_interval(y, "binary_cross_entropy_with_logits")
        log_one_plus_exp_minus_z = _softplus(-z)
        if y_number == 1.0 and not isinstance(y, Value):
            terms.append(log_one_plus_exp_minus_z)
        else:
            terms.append((1 - y) * z + log_one_plus_exp_minus_z)
    return _reduce(terms, reduction, "binary_cross_entropy_with_logits")


def hinge(scores, labels, reduction: str = "mean") -> Value:
    """relu(1 - y·score) for labels y = -1 or +1: the SVM loss of micrograd's demo.

    Zero once a score is on the right side of 0 by a margin of at least 1.

    >>> from autograd import Value
    >>> hinge([Value(2.0), Value(0.5)], [1, 1]).data  # (relu(-1) + relu(0.5)) / 2
    0.25
    """
    terms = []
    for score, y in _pairs(scores, labels, "hinge"):
        if _target_number(y, "hinge") not in (-1.0, 1.0):
            raise TranslatableValueError(
                N_(
                    "hinge: labels must be -1 or +1, got {label!r}; for 0/1 labels use 2·y - 1 "
                    "(or make_moons(..., signed=True))"
                ),
                label=y,
            )
        terms.append((1 - y * score).relu())
    return _reduce(terms, reduction, "hinge")


def softmax(logits) -> list[Value]:
    """e^zᵢ / Σⱼ e^zⱼ: turn scores into probabilities that add up to 1.

    The largest logit is subtracted first (this does not change the result),
    so no exponent is ever above 0 and nothing overflows.

    >>> [round(p.data, 4) for p in softmax([1.0, 2.0, 3.0])]
    [0.09, 0.2447, 0.6652]
    >>> [p.data for p in softmax([1000.0, -1000.0])]
    [1.0, 0.0]
    """
    logits = _values(logits, "softmax")
    largest = max(z.data for z in logits)
    exps = [(z - largest).exp() for z in logits]
    total = _sum(exps)
    return [e / total for e in exps]


def cross_entropy(logits, target, reduction: str = "mean") -> Value:
    """-log softmax(logits)[target]: the loss of a classifier that outputs one
    score (logit) per class, for ``target``, the index of the right class.

    Computed as log Σⱼ e^(zⱼ - m) - (z_target - m) with m the largest logit
    (log-sum-exp), so logits of ±1000 are fine. For a batch, pass a list of
    logit lists and a list of indices.

    >>> round(cross_entropy([2.0, 0.0, -1.0], 0).data, 6)
    0.169846
    >>> cross_entropy([1000.0, -1000.0], 1).data
    2000.0
    >>> round(cross_entropy([[2.0, 0.0], [0.0, 2.0]], [0, 1]).data, 6)  # the mean of two
    0.126928
    """
    if _is_list_like(target):
        if not _is_list_like(logits):
            raise TranslatableValueError(
                Nn_(
                    "cross_entropy: a list of {count} target needs a list of {count} logit list, "
                    "got {type} {value}",
                    "cross_entropy: a list of {count} targets needs a list of {count} logit "
                    "lists, got {type} {value}",
                ),
                len(target),
                count=len(target),
                type=type(logits).__name__,
                value=_short_repr(logits),
            )
        if len(logits) != len(target):
            raise TranslatableValueError(
                Nn_(
                    "cross_entropy: a list of {count} target needs a list of {count} logit list, "
                    "got a list of {length}",
                    "cross_entropy: a list of {count} targets needs a list of {count} logit "
                    "lists, got a list of {length}",
                ),
                len(target),
                count=len(target),
                length=len(logits),
            )
        terms = [_cross_entropy_one(z, t) for z, t in zip(logits, target, strict=True)]
        return _reduce(terms, reduction, "cross_entropy")
    return _cross_entropy_one(logits, target)


def _cross_entropy_one(logits, target) -> Value:
    logits = _values(logits, "cross_entropy")
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TranslatableTypeError(
            N_("cross_entropy: target must be a class index (an int), got {type} {value!r}"),
            type=type(target).__name__,
            value=target,
        )
    if not 0 <= target < len(logits):
        raise TranslatableValueError(
            Nn_(
                "cross_entropy: target index {target} is out of range for {count} logit "
                "(valid: 0 to {last})",
                "cross_entropy: target index {target} is out of range for {count} logits "
                "(valid: 0 to {last})",
            ),
            len(logits),
            target=target,
            count=len(logits),
            last=len(logits) - 1,
        )
    largest = max(z.data for z in logits)
    shifted = [z - largest for z in logits]
    log_sum_exp = _sum([s.exp() for s in shifted]).log()
    return log_sum_exp - shifted[int(target)]


def _softplus(u: Value) -> Value:
    """log(1 + eᵘ), exponentiating only numbers ≤ 0."""
    if u.data > 0:
        return u + (1 + (-u).exp()).log()  # log(1 + eᵘ) = u + log(e⁻ᵘ + 1)
    return (1 + u.exp()).log()


def _clamped_log(x: Value) -> Value:
    if x.data > _SMALLEST_LOGGED:
        return x.log()
    return Value(LOG_FLOOR, label="log clamped at -100")


def _pairs(predictions, targets, who: str, where: str = "") -> list[tuple[Value, object]]:
    """(prediction, target) pairs from matching numbers, lists, or lists of lists."""
    if _is_list_like(predictions) or _is_list_like(targets):
        if _is_list_like(predictions) and not _is_list_like(targets):
            raise TranslatableValueError(
                N_(
                    "{who}: predictions{where} and targets{where} have different shapes: "
                    "a list of {length} and {type} {value}"
                ),
                who=who,
                where=where,
                length=len(predictions),
                type=type(targets).__name__,
                value=_short_repr(targets),
            )
        if not _is_list_like(predictions):
            raise TranslatableValueError(
                N_(
                    "{who}: predictions{where} and targets{where} have different shapes: "
                    "{type} {value} and a list of {length}"
                ),
                who=who,
                where=where,
                type=type(predictions).__name__,
                value=_short_repr(predictions),
                length=len(targets),
            )
        if len(predictions) != len(targets) or not predictions:
            raise TranslatableValueError(
                N_(
                    "{who}: predictions{where} has {predictions} items and targets{where} has "
                    "{targets}; they must match and not be empty"
                ),
                who=who,
                where=where,
                predictions=len(predictions),
                targets=len(targets),
            )
        return [
            pair
            for i, (p, t) in enumerate(zip(predictions, targets, strict=True))
            for pair in _pairs(p, t, who, f"{where}[{i}]")
        ]
    return [(_value(predictions, who), targets)]


def _values(xs, who: str) -> list[Value]:
    if not _is_list_like(xs):
        raise TranslatableValueError(
            N_("{who}: expected a non-empty list of logits, got {type} {value}"),
            who=who,
            type=type(xs).__name__,
            value=_short_repr(xs),
        )
    if not xs:
        raise TranslatableValueError(
            N_("{who}: expected a non-empty list of logits, got an empty list"), who=who
        )
    return [_value(x, who) for x in xs]


def _value(x, who: str) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(x)
    raise TranslatableTypeError(
        N_("{who}: expected a Value or a number, got {type} {value}"),
        who=who,
        type=type(x).__name__,
        value=_short_repr(x),
    )


def _target_number(y, who: str) -> float:
    if isinstance(y, Value):
        return y.data
    if isinstance(y, numbers.Real):
        return float(y)
    raise TranslatableTypeError(
        N_("{who}: expected a number as target, got {type} {value}"),
        who=who,
        type=type(y).__name__,
        value=_short_repr(y),
    )


def _target_in_unit_interval(y, who: str) -> float:
    y_number = _target_number(y, who)
    if not 0.0 <= y_number <= 1.0:
        raise TranslatableValueError(
            N_("{who}: targets must be in [0, 1], got {value!r}"), who=who, value=y_number
        )
    return y_number


def _sum(values: list[Value]) -> Value:
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


def _reduce(terms: list[Value], reduction: str, who: str) -> Value:
    if reduction == "sum":
        return _sum(terms)
    if reduction == "mean":
        return _sum(terms) / len(terms) if len(terms) > 1 else terms[0]
    raise TranslatableValueError(
        N_("{who}: reduction must be 'mean' or 'sum', got {reduction!r}"),
        who=who,
        reduction=reduction,
    )


def _is_list_like(x) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str)


def _short_repr(x) -> str:
    """``repr(x)``, cut short: an error shows what was passed, not all of it."""
    text = repr(x)
    return text if len(text) <= 60 else text[:59] + "…"
