"""Losses: values by hand, then against PyTorch (float64) and finite
differences, then the extremes (logits of ±1000, probabilities of 0 and 1)
and the errors."""

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck, topological_order
from autograd.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    mse,
    softmax,
)


def values(numbers):
    return [Value(x) for x in numbers]


# By hand.


def test_mse_by_hand():
    p = values([0.5, 2.0, -1.0])
    loss = mse(p, [1.0, 1.0, 1.0])
    assert loss.data == pytest.approx((0.25 + 1.0 + 4.0) / 3)
    loss.backward()
    assert [v.grad for v in p] == pytest.approx([2 * (x - 1) / 3 for x in (0.5, 2.0, -1.0)])


def test_mse_sum_and_nested_lists():
    assert mse([[1.0, 2.0], [3.0, 4.0]], [[0.0, 2.0], [3.0, 2.0]], reduction="sum").data == 5.0
    assert mse([[1.0, 2.0], [3.0, 4.0]], [[0.0, 2.0], [3.0, 2.0]]).data == 1.25


def test_binary_cross_entropy_by_hand():
    assert binary_cross_entropy(Value(0.8), 1).data == pytest.approx(-math.log(0.8))
    assert binary_cross_entropy(Value(0.8), 0).data == pytest.approx(-math.log(0.2))
    soft = binary_cross_entropy(Value(0.8), 0.25).data
    assert soft == pytest.approx(-(0.25 * math.log(0.8) + 0.75 * math.log(0.2)))


def test_binary_cross_entropy_gradient_reaches_a_target_that_is_a_value():
    y = Value(1.0)
    p = Value(0.3)
    binary_cross_entropy(p, y).backward()
    assert y.grad == pytest.approx(-math.log(0.3) + math.log(0.7))  # d/dy
    assert p.grad == pytest.approx(-1 / 0.3)


def test_sigmoid_output_delta_is_a_minus_y_for_cross_entropy_not_for_mse():
    # Worked example 5: the classroom NumPy code uses a - y as the output delta
    # while it reports MSE. a - y is the delta of cross-entropy; MSE's has an
    # extra a(1 - a). The engine differentiates whichever loss is written.
    y = 1.0
    z = Value(0.3)
    a = z.sigmoid()
    binary_cross_entropy(a, y).backward()
    assert z.grad == pytest.approx(a.data - y, rel=1e-15)
    z = Value(0.3)
    a = z.sigmoid()
    mse(a, y).backward()
    assert z.grad == pytest.approx(2 * (a.data - y) * a.data * (1 - a.data), rel=1e-15)


def test_hinge_by_hand_is_micrograds_svm_loss():
    scores = values([2.0, 0.5, -0.3])
    labels = [1, 1, -1]
    loss = hinge(scores, labels)
    micrograd = sum((1 + -y * s).relu() for y, s in zip(labels, scores, strict=True)) * (1 / 3)
    assert loss.data == pytest.approx(micrograd.data) == pytest.approx((0 + 0.5 + 0.7) / 3)
    loss.backward()
    assert [s.grad for s in scores] == pytest.approx([0.0, -1 / 3, 1 / 3])


def test_softmax_by_hand():
    probabilities = softmax([0.0, math.log(3.0)])
    assert [p.data for p in probabilities] == pytest.approx([0.25, 0.75])


def test_cross_entropy_by_hand():
    logits = values([1.0, 2.0, 3.0])
    loss = cross_entropy(logits, 2)
    total = math.exp(1) + math.exp(2) + math.exp(3)
    assert loss.data == pytest.approx(-math.log(math.exp(3) / total))
    loss.backward()
    # d/dzᵢ = softmaxᵢ - [i = target]
    expected = [math.exp(z) / total for z in (1, 2, 3)]
    expected[2] -= 1
    assert [z.grad for z in logits] == pytest.approx(expected)


def test_losses_are_graphs_of_engine_operations():
    loss = cross_entropy(values([1.0, 2.0]), 0)
    ops = {node.op for node in topological_order(loss)}
    assert {"exp", "log", "-"} <= ops


def test_single_item_mean_is_the_item_itself():
    p = Value(0.3)
    assert mse(p, 1.0).data == mse([p], [1.0]).data == pytest.approx(0.49)


# Against PyTorch, float64.


def test_mse_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = random.Random(0)
    p, t = [rng.gauss(0, 2) for _ in range(7)], [rng.gauss(0, 2) for _ in range(7)]
    ours = values(p)
    loss = mse(ours, t)
    loss.backward()
    p_torch = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    loss_torch = torch.nn.functional.mse_loss(p_torch, torch.tensor(t, dtype=torch.float64))
    loss_torch.backward()
    assert loss.data == pytest.approx(loss_torch.item(), rel=1e-14)
    assert [v.grad for v in ours] == pytest.approx(p_torch.grad.tolist(), rel=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_binary_cross_entropy_matches_pytorch(reduction):
    torch = pytest.importorskip("torch")
    rng = random.Random(1)
    p = [rng.uniform(0.01, 0.99) for _ in range(6)]
    y = [0.0, 1.0, 1.0, 0.0, 0.3, 0.9]
    ours = values(p)
    loss = binary_cross_entropy(ours, y, reduction=reduction)
    loss.backward()
    p_torch = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    y_torch = torch.tensor(y, dtype=torch.float64)
    loss_torch = torch.nn.functional.binary_cross_entropy(p_torch, y_torch, reduction=reduction)
    loss_torch.backward()
    assert loss.data == pytest.approx(loss_torch.item(), rel=1e-13)
    assert [v.grad for v in ours] == pytest.approx(p_torch.grad.tolist(), rel=1e-12)


def test_binary_cross_entropy_with_logits_matches_pytorch():
    torch = pytest.importorskip("torch")
    z = [-1000.0, -40.0, -3.0, -0.5, 0.0, 0.7, 5.0, 40.0, 1000.0]
    y = [1.0, 0.0, 1.0, 0.2, 1.0, 0.0, 0.6, 1.0, 0.0]
    ours = values(z)
    loss = binary_cross_entropy_with_logits(ours, y, reduction="sum")
    loss.backward()
    z_torch = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    loss_torch = torch.nn.functional.binary_cross_entropy_with_logits(
        z_torch, torch.tensor(y, dtype=torch.float64), reduction="sum"
    )
    loss_torch.backward()
    assert math.isfinite(loss.data)
    assert loss.data == pytest.approx(loss_torch.item(), rel=1e-13)
    assert [v.grad for v in ours] == pytest.approx(z_torch.grad.tolist(), rel=1e-12)
    assert ours[4].grad == 0.5 - 1.0  # the gradient is sigmoid(z) - y


@settings(max_examples=40, deadline=None)
@given(
    logits=st.lists(st.floats(-1000, 1000), min_size=1, max_size=6),
    data=st.data(),
)
def test_cross_entropy_and_softmax_match_pytorch(logits, data):
    torch = pytest.importorskip("torch")
    target = data.draw(st.integers(0, len(logits) - 1))
    ours = values(logits)
    loss = cross_entropy(ours, target)
    loss.backward()
    z_torch = torch.tensor([logits], dtype=torch.float64, requires_grad=True)
    loss_torch = torch.nn.functional.cross_entropy(z_torch, torch.tensor([target]))
    loss_torch.backward()
    assert loss.data == pytest.approx(loss_torch.item(), rel=1e-12, abs=1e-12)
    assert [v.grad for v in ours] == pytest.approx(z_torch.grad[0].tolist(), abs=1e-12)
    probabilities = [p.data for p in softmax(logits)]
    expected = torch.softmax(torch.tensor(logits, dtype=torch.float64), 0).tolist()
    assert probabilities == pytest.approx(expected, abs=1e-14)


def test_batched_cross_entropy_matches_pytorch():
    torch = pytest.importorskip("torch")
    logits = [[1.0, -2.0, 0.5], [0.0, 3.0, -1.0], [2.0, 2.0, 2.0], [-0.4, 0.1, 1.3]]
    targets = [0, 1, 2, 0]
    ours = [values(row) for row in logits]
    loss = cross_entropy(ours, targets)
    loss.backward()
    z_torch = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    loss_torch = torch.nn.functional.cross_entropy(z_torch, torch.tensor(targets))
    loss_torch.backward()
    assert loss.data == pytest.approx(loss_torch.item(), rel=1e-13)
    assert [[v.grad for v in row] for row in ours] == [
        pytest.approx(row, abs=1e-14) for row in z_torch.grad.tolist()
    ]


# Finite differences.


def test_gradcheck_on_every_loss():
    assert gradcheck(lambda a, b: mse([a, b], [0.3, -1.0]), [0.8, 0.1])
    assert gradcheck(lambda a, b: binary_cross_entropy([a, b], [1.0, 0.3]), [0.2, 0.6])
    assert gradcheck(lambda a, b: binary_cross_entropy_with_logits([a, b], [0.0, 0.7]), [2.0, -3.0])
    assert gradcheck(lambda a, b, c: cross_entropy([a, b, c], 1), [0.5, -1.0, 2.0])
    assert gradcheck(lambda a, b, c: softmax([a, b, c])[2], [0.5, -1.0, 2.0])
    assert gradcheck(lambda a: hinge(a, -1), [0.3])


# The extremes.


def test_cross_entropy_with_logits_of_plus_minus_1000():
    assert cross_entropy([1000.0, -1000.0], 0).data == 0.0
    assert cross_entropy([1000.0, -1000.0], 1).data == 2000.0
    assert cross_entropy([1000.0, 1000.0], 1).data == pytest.approx(math.log(2))
    logits = values([-1000.0, 1000.0, 0.0])
    loss = cross_entropy(logits, 0)
    loss.backward()
    assert loss.data == 2000.0
    assert [z.grad for z in logits] == [-1.0, 1.0, 0.0]


def test_softmax_with_logits_of_plus_minus_1000():
    logits = values([1000.0, -1000.0, 999.0])
    probabilities = softmax(logits)
    e = math.exp(-1)
    assert [p.data for p in probabilities] == pytest.approx([1 / (1 + e), 0.0, e / (1 + e)])
    assert sum(p.data for p in probabilities) == pytest.approx(1.0)
    probabilities[0].backward()
    assert all(math.isfinite(z.grad) for z in logits)


def test_binary_cross_entropy_near_0_and_1():
    near_zero = Value(1e-10)
    loss = binary_cross_entropy(near_zero, 1)
    loss.backward()
    assert loss.data == pytest.approx(-math.log(1e-10), rel=1e-15)
    assert near_zero.grad == pytest.approx(-1e10)
    near_one = Value(1 - 1e-10)
    loss = binary_cross_entropy(near_one, 0)
    loss.backward()
    assert loss.data == pytest.approx(-math.log(1 - (1 - 1e-10)), rel=1e-15)
    assert math.isfinite(near_one.grad)


def test_binary_cross_entropy_of_exactly_0_or_1_is_clamped_like_pytorch():
    torch = pytest.importorskip("torch")
    for p, y in [(0.0, 1.0), (1.0, 0.0), (0.0, 0.5)]:
        expected = torch.nn.functional.binary_cross_entropy(
            torch.tensor(p, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
        )
        assert binary_cross_entropy(Value(p), y).data == pytest.approx(expected.item())
    assert binary_cross_entropy(Value(1.0), 1).data == 0.0


def test_binary_cross_entropy_of_a_saturated_sigmoid():
    z = Value(40.0)
    # sigmoid(40) rounds to 1.0: the probability form clamps, the logit form stays exact.
    assert z.sigmoid().data == 1.0
    assert binary_cross_entropy(z.sigmoid(), 0).data == 100.0
    assert binary_cross_entropy_with_logits(z, 0).data == pytest.approx(40.0, rel=1e-15)


# Errors.


def test_cross_entropy_target_out_of_range():
    with pytest.raises(
        ValueError, match=r"target index 3 is out of range for 3 logits \(valid: 0 to 2\)"
    ):
        cross_entropy([1.0, 2.0, 3.0], 3)
    with pytest.raises(ValueError, match="target index -1"):
        cross_entropy([1.0, 2.0, 3.0], -1)


def test_cross_entropy_target_must_be_an_index():
    with pytest.raises(TypeError, match=r"class index .* got float 1.0"):
        cross_entropy([1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match="2 targets needs a list of 2 logit lists"):
        cross_entropy([[1.0, 2.0]], [0, 1])


def test_hinge_rejects_0_1_labels():
    with pytest.raises(ValueError, match=r"labels must be -1 or \+1, got 0; .* 2·y - 1"):
        hinge(Value(0.5), 0)


def test_binary_cross_entropy_rejects_non_probabilities():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\], got 1.5.*with_logits"):
        binary_cross_entropy(Value(1.5), 1)
    with pytest.raises(ValueError, match=r"targets must be in \[0, 1\], got -1.0"):
        binary_cross_entropy(Value(0.5), -1)


def test_shape_mismatch():
    with pytest.raises(ValueError, match=r"predictions has 2 items and targets has 3"):
        mse([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"predictions\[1\] has 1 items and targets\[1\] has 2"):
        mse([[1.0], [2.0]], [[1.0], [2.0, 3.0]])
    with pytest.raises(ValueError, match="different shapes"):
        mse([1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match="not be empty"):
        mse([], [])


def test_unknown_reduction():
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum', got 'max'"):
        mse([1.0, 2.0], [0.0, 0.0], reduction="max")
