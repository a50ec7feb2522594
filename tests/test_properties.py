"""Random expressions over every operation, differentiated by the engine and
compared with finite differences (gradcheck) and with PyTorch (float64)."""

import pytest
from expressions import build, expressions, inputs, with_torch, with_values
from hypothesis import HealthCheck, assume, given, settings

from autograd import grad, gradcheck


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(expressions, inputs)
def test_random_expressions_agree_with_finite_differences(expression, point):
    built = build(expression, point)
    assume(built is not None)
    assert gradcheck(lambda *xs: with_values(expression, xs), point, eps=1e-6, atol=1e-4, rtol=1e-3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(expressions, inputs)
def test_random_expressions_agree_with_pytorch(expression, point):
    torch = pytest.importorskip("torch")
    built = build(expression, point)
    assume(built is not None)
    xs, out = built
    out.backward()

    ts, expected = with_torch(torch, expression, point)
    expected_grads = torch.autograd.grad(expected, ts, allow_unused=True)
    assert out.data == pytest.approx(expected.item(), rel=1e-9, abs=1e-12)
    for x, g in zip(xs, expected_grads):
        reference = 0.0 if g is None else g.item()
        assert x.grad == pytest.approx(reference, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(expressions, inputs)
def test_second_derivatives_agree_with_pytorch(expression, point):
    torch = pytest.importorskip("torch")
    built = build(expression, point)
    assume(built is not None)
    xs, out = built
    first = grad(out, xs, create_graph=True)
    second = grad(first[0], xs)

    ts, expected = with_torch(torch, expression, point)
    (expected_first,) = torch.autograd.grad(expected, ts[0:1], create_graph=True, allow_unused=True)
    assume(expected_first is not None and expected_first.requires_grad)
    expected_second = torch.autograd.grad(expected_first, ts, allow_unused=True)
    assert first[0].data == pytest.approx(expected_first.item(), rel=1e-9, abs=1e-12)
    for mine, g in zip(second, expected_second):
        reference = 0.0 if g is None else g.item()
        assert mine == pytest.approx(reference, rel=1e-7, abs=1e-9)
