"""Small data sets for class, as plain Python lists.

Every function returns ``(X, y)``: X a list of examples, each a list of floats;
y a list of int labels, 0/1 for two classes (or -1/+1 with ``signed=True``,
what the hinge loss expects).

>>> X, y = xor()
>>> X
[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
>>> y
[0, 1, 1, 0]
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Sequence

from autograd.i18n import N_, TranslatableImportError, TranslatableValueError

__all__ = ["load_digits", "make_moons", "train_test_split", "xor"]


def xor(signed: bool = False) -> tuple[list[list[float]], list[int]]:
    """The four points of XOR: the label is 1 when exactly one input is 1.

    No straight line separates the two classes, so a network needs a hidden layer.

    >>> xor(signed=True)[1]
    [-1, 1, 1, -1]
    """
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    y = [0, 1, 1, 0]
    return X, _signed(y) if signed else y


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int | None = None, signed: bool = False
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles in the plane, ``n`` points in all, shuffled.

    Label 0: the upper moon, (cos t, sin t); label 1: the lower one,
    (1 - cos t, 0.5 - sin t); t runs evenly over [0, π]. Gaussian noise of
    standard deviation ``noise`` is added to each coordinate. The same
    construction as scikit-learn's ``make_moons``, in pure Python (the random
    numbers differ). ``signed=True`` gives labels -1/+1 instead of 0/1.

    >>> X, y = make_moons(4, noise=0.0, seed=0)
    >>> sorted((label, [round(a, 3), round(b, 3)]) for (a, b), label in zip(X, y))
    [(0, [-1.0, 0.0]), (0, [1.0, 0.0]), (1, [0.0, 0.5]), (1, [2.0, 0.5])]
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
        raise TranslatableValueError(
            N_("make_moons: n must be a whole number ≥ 2 (one point per moon), got {n!r}"), n=n
        )
    if not isinstance(noise, numbers.Real) or not noise >= 0:
        raise TranslatableValueError(
            N_("make_moons: noise must be a number ≥ 0, got {noise!r}"), noise=noise
        )
    rng = random.Random(seed)
    n_upper = n // 2
    points = [([math.cos(t), math.sin(t)], 0) for t in _even_angles(n_upper)]
    points += [([1 - math.cos(t), 0.5 - math.sin(t)], 1) for t in _even_angles(n - n_upper)]
    rng.shuffle(points)
    if noise:
        points = [([a + rng.gauss(0, noise), b + rng.gauss(0, noise)], y) for (a, b), y in points]
    X = [x for x, _ in points]
    y = [label for _, label in points]
    return X, _signed(y) if signed else y


def load_digits(n_class: int = 10) -> tuple[list[list[float]], list[int]]:
    """scikit-learn's bundled handwritten digits: 1797 images of 8×8 pixels.

    Each image is a list of 64 floats in [0, 1] (row by row; scikit-learn's
    0..16 divided by 16); labels are the digits 0..9. ``n_class=2`` keeps only
    the digits 0 and 1, and so on. Needs scikit-learn (no download: the data
    ships with it), so the example is not run as a doctest::

        X, y = load_digits()
        len(X), len(X[0]), y[:5]  # (1797, 64, [0, 1, 2, 3, 4])
    """
    try:
        from sklearn import datasets
    except ImportError:
        raise TranslatableImportError(
            N_("load_digits needs scikit-learn: pip install 'scalar-autograd[data]'")
        ) from None
    if isinstance(n_class, bool) or not isinstance(n_class, numbers.Integral):
        raise TranslatableValueError(
            N_("load_digits: n_class must be a whole number 1..10, got {n_class!r}"),
            n_class=n_class,
        )
    if not 1 <= n_class <= 10:
        raise TranslatableValueError(
            N_("load_digits: n_class must be between 1 and 10, got {n_class!r}"), n_class=n_class
        )
    digits = datasets.load_digits(n_class=n_class)
    X = [[float(pixel) / 16.0 for pixel in image] for image in digits.data]
    y = [int(label) for label in digits.target]
    return X, y


def train_test_split(
    X: Sequence, y: Sequence, test_fraction: float = 0.25, seed: int | None = None
) -> tuple[list, list, list, list]:
    """Shuffle the examples, then keep ``test_fraction`` of them aside for testing.

    Returns ``X_train, X_test, y_train, y_test`` (the order scikit-learn uses).

    >>> X_train, X_test, y_train, y_test = train_test_split(*make_moons(8, seed=0), 0.25, seed=0)
    >>> len(X_train), len(X_test), len(y_train), len(y_test)
    (6, 2, 6, 2)
    """
    if len(X) != len(y):
        raise TranslatableValueError(
            N_("train_test_split: X has {examples} examples but y has {labels} labels"),
            examples=len(X),
            labels=len(y),
        )
    if not isinstance(test_fraction, numbers.Real) or not 0 < test_fraction < 1:
        raise TranslatableValueError(
            N_("train_test_split: test_fraction must be between 0 and 1, got {fraction!r}"),
            fraction=test_fraction,
        )
    n_test = round(len(X) * test_fraction)
    if not 0 < n_test < len(X):
        raise TranslatableValueError(
            N_(
                "train_test_split: {examples} examples with test_fraction={fraction} leave "
                "{test} for testing and {train} for training; both need at least one"
            ),
            examples=len(X),
            fraction=test_fraction,
            test=n_test,
            train=len(X) - n_test,
        )
    order = list(range(len(X)))
    random.Random(seed).shuffle(order)
    test, train = order[:n_test], order[n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


def _even_angles(count: int) -> list[float]:
    """``count`` angles evenly spaced from 0 to π, both ends included."""
    if count == 1:
        return [0.0]
    return [math.pi * i / (count - 1) for i in range(count)]


def _signed(labels: list[int]) -> list[int]:
    return [2 * label - 1 for label in labels]
