"""Optimizers: plain gradient descent by hand (worked example 2), then SGD
with momentum and weight decay and Adam step by step against PyTorch."""

import itertools

import pytest

from autograd import Value
from autograd.optim import SGD, Adam

START = [0.5, -1.2, 2.0, 0.03, -0.7]
TARGETS = [1.0, 0.5, -1.0, 0.0, 2.0]


def loss_of(params):
    """A loss with uneven curvature: Σ (p - t)⁴ + Σ p·p_next (couples the parameters)."""
    quartic = sum((p - t) ** 4 for p, t in zip(params, TARGETS, strict=True))
    coupling = sum(a * b for a, b in itertools.pairwise(params))
    return quartic + coupling


def run_ours(make_optimizer, steps):
    params = [Value(x) for x in START]
    optimizer = make_optimizer(params)
    for _ in range(steps):
        optimizer.zero_grad()
        loss_of(params).backward()
        optimizer.step()
    return [p.data for p in params]


def run_torch(torch, make_optimizer, steps):
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    optimizer = make_optimizer(params)
    for _ in range(steps):
        optimizer.zero_grad()
        loss_of(params).backward()
        optimizer.step()
    return [p.item() for p in params]


def test_gradient_descent_on_a_parabola():
    # Worked example 2: y = (x - 1)² + 0.001, η = 0.1, x₀ = 0.2 → x₁ = 0.36.
    x = Value(0.2)
    optimizer = SGD([x], lr=0.1)
    ((x - 1) ** 2 + 0.001).backward()
    optimizer.step()
    assert x.data == pytest.approx(0.36, abs=1e-15)
    for start, slope in [(0.1, -1.8), (1.5, 1.0)]:  # from either side, towards 1
        x = Value(start)
        ((x - 1) ** 2 + 0.001).backward()
        assert x.grad == pytest.approx(slope)
        SGD([x], lr=0.1).step()
        assert abs(x.data - 1) < abs(start - 1)


@pytest.mark.parametrize(
    "settings",
    [
        {"lr": 0.01},
        {"lr": 0.01, "momentum": 0.9},
        {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.1},
    ],
)
def test_sgd_matches_pytorch(settings):
    torch = pytest.importorskip("torch")
    ours = run_ours(lambda params: SGD(params, **settings), steps=8)
    theirs = run_torch(torch, lambda params: torch.optim.SGD(params, **settings), steps=8)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)
    assert ours != pytest.approx(START, abs=1e-3)  # the parameters did move


@pytest.mark.parametrize(
    "settings",
    [
        {"lr": 0.05},
        {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6},
        {"lr": 0.01, "weight_decay": 0.3},
    ],
)
def test_adam_matches_pytorch(settings):
    torch = pytest.importorskip("torch")
    ours = run_ours(lambda params: Adam(params, **settings), steps=8)
    theirs = run_torch(torch, lambda params: torch.optim.Adam(params, **settings), steps=8)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)
    assert ours != pytest.approx(START, abs=1e-3)


def test_momentum_by_hand():
    p = Value(0.0)
    optimizer = SGD([p], lr=0.1, momentum=0.5)
    for _ in range(3):
        p.grad = 1.0  # a constant gradient: velocities 1, 1.5, 1.75
        optimizer.step()
    assert p.data == pytest.approx(-0.1 * (1 + 1.5 + 1.75))


def test_adam_first_step_has_the_size_of_lr_whatever_the_gradient():
    for g in (1e-3, 1.0, 1e6):  # (much larger than eps = 1e-8)
        p = Value(0.0)
        p.grad = g
        Adam([p], lr=0.01).step()
        assert p.data == pytest.approx(-0.01, rel=1e-5)


def test_step_updates_in_place_and_builds_no_graph():
    params = [Value(1.0), Value(2.0)]
    ids = [id(p) for p in params]
    optimizer = SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01)
    (params[0] * params[1]).backward()
    optimizer.step()
    assert [id(p) for p in optimizer.params] == ids
    assert all(p.parents == () and type(p.data) is float for p in params)
    assert params[0].data == pytest.approx(1.0 - 0.1 * (2.0 + 0.01 * 1.0))


def test_learning_rate_can_change_between_steps():
    p = Value(0.0)
    optimizer = SGD([p], lr=1.0)
    for k in range(3):
        optimizer.lr = 1.0 - 0.9 * k / 100  # micrograd's decaying schedule
        p.grad = 1.0
        optimizer.step()
    assert p.data == pytest.approx(-(1.0 + 0.991 + 0.982))


def test_zero_grad():
    params = [Value(1.0), Value(2.0)]
    (params[0] * params[1]).backward()
    optimizer = Adam(params)
    optimizer.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_accepts_a_generator_of_parameters():
    from autograd.nn import MLP

    model = MLP(2, [3, 1], seed=0)
    optimizer = SGD(iter(model.parameters()), lr=0.1)
    assert len(optimizer.params) == 13


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda p: SGD(p, lr=0),
            ValueError,
            r"lr \(the learning rate\) must be a positive number, got 0",
        ),
        (lambda p: SGD(p, lr=-0.1), ValueError, "got -0.1"),
        (lambda p: SGD(p, lr=float("nan")), ValueError, "got nan"),
        (lambda p: SGD(p, lr="0.1"), ValueError, "got '0.1'"),
        (
            lambda p: SGD(p, lr=0.1, momentum=-0.9),
            ValueError,
            "momentum must be a number ≥ 0, got -0.9",
        ),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1), ValueError, "weight_decay"),
        (lambda p: Adam(p, lr=-1.0), ValueError, r"Adam: lr .* got -1.0"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), ValueError, r"betas must be two numbers in \[0, 1\)"),
        (lambda p: Adam(p, eps=0), ValueError, "eps must be a positive number, got 0"),
        (lambda p: SGD([], lr=0.1), ValueError, "no parameters"),
        (lambda p: SGD([*p, 3.0], lr=0.1), TypeError, "parameter 2 is float 3.0, not a Value"),
        (lambda p: SGD([*p, p[0]], lr=0.1), ValueError, "more than once"),
    ],
)
def test_errors(make, error, message):
    with pytest.raises(error, match=message):
        make([Value(1.0), Value(2.0)])
