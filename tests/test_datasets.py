"""Data sets: their exact content, their geometry, and their errors."""

import math
import statistics
import sys
from collections import Counter

import pytest

from autograd.datasets import load_digits, make_moons, train_test_split, xor


def test_xor():
    assert xor() == ([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0])
    assert xor(signed=True)[1] == [-1, 1, 1, -1]
    assert all(type(v) is float for x in xor()[0] for v in x)


def test_moons_shapes_and_labels():
    X, y = make_moons(101, seed=0)
    assert len(X) == len(y) == 101
    assert all(len(x) == 2 and all(type(v) is float for v in x) for x in X)
    assert Counter(y) == {0: 50, 1: 51}  # like scikit-learn: the extra point goes to moon 1
    assert Counter(make_moons(10, seed=0, signed=True)[1]) == {-1: 5, 1: 5}


def test_moons_without_noise_lie_on_the_two_half_circles():
    X, y = make_moons(40, noise=0.0, seed=3)
    for (a, b), label in zip(X, y, strict=True):
        if label == 0:  # upper moon: the unit circle, above the axis
            assert math.hypot(a, b) == pytest.approx(1.0)
            assert b >= -1e-12
        else:  # lower moon: centred at (1, 0.5), below its centre
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0)
            assert b <= 0.5 + 1e-12
    # t runs evenly from 0 to π: the upper moon's angles are 0, π/19, ..., π.
    angles = sorted(math.atan2(b, a) for (a, b), label in zip(X, y, strict=True) if label == 0)
    assert angles == pytest.approx([math.pi * i / 19 for i in range(20)], abs=1e-12)


def test_moons_noise_has_the_requested_size():
    X, y = make_moons(4000, noise=0.05, seed=1)
    radial = [math.hypot(a, b) - 1 for (a, b), label in zip(X, y, strict=True) if label == 0]
    assert abs(statistics.mean(radial)) < 0.005
    assert statistics.stdev(radial) == pytest.approx(0.05, rel=0.1)


def test_moons_are_shuffled_and_reproducible():
    X, y = make_moons(100, seed=7)
    assert make_moons(100, seed=7) == (X, y)
    assert make_moons(100, seed=8) != (X, y)
    assert y[:50] != [0] * 50  # not all of moon 0 first


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 1}, "n must be a whole number ≥ 2 .* got 1"),
        ({"n": 10.5}, "got 10.5"),
        ({"n": 10, "noise": -0.1}, "noise must be a number ≥ 0, got -0.1"),
    ],
)
def test_moons_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_moons(**kwargs)


def test_train_test_split_partitions_the_examples():
    X = [[float(i)] for i in range(20)]
    y = list(range(20))
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.25, seed=0)
    assert (len(X_train), len(X_test)) == (15, 5)
    assert sorted(y_train + y_test) == y
    assert [x[0] for x in X_train] == y_train  # examples stay with their labels
    assert [x[0] for x in X_test] == y_test
    assert train_test_split(X, y, 0.25, seed=0) == (X_train, X_test, y_train, y_test)
    assert train_test_split(X, y, 0.25, seed=1)[3] != y_test


def test_train_test_split_errors():
    with pytest.raises(ValueError, match="X has 3 examples but y has 2 labels"):
        train_test_split([[1.0]] * 3, [0, 1])
    with pytest.raises(ValueError, match=r"test_fraction must be between 0 and 1, got 1\.5"):
        train_test_split([[1.0]] * 3, [0, 1, 0], 1.5)
    with pytest.raises(ValueError, match="leave 0 for testing"):
        train_test_split([[1.0]] * 3, [0, 1, 0], 0.1)


def test_load_digits():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    X, y = load_digits()
    reference = sklearn_datasets.load_digits()
    assert (len(X), len(X[0])) == (1797, 64)
    assert y == reference.target.tolist()
    assert X[0] == [v / 16 for v in reference.data[0].tolist()]
    assert min(min(x) for x in X) == 0.0
    assert max(max(x) for x in X) == 1.0
    assert all(type(v) is float for v in X[5]) and type(y[5]) is int


def test_load_digits_n_class():
    pytest.importorskip("sklearn")
    X, y = load_digits(n_class=2)
    assert set(y) == {0, 1}
    assert len(X) == len(y) == 360
    with pytest.raises(ValueError, match="n_class must be between 1 and 10, got 11"):
        load_digits(n_class=11)


def test_load_digits_without_scikit_learn_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn` fail
    with pytest.raises(
        ImportError, match=r"load_digits needs scikit-learn: pip install 'scalar-autograd\[data\]'"
    ):
        load_digits()
