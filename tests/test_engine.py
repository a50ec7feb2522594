"""The engine, tested the way it is taught: the numbers from class first, then
micrograd's published examples, then the edge cases and the errors."""

import gc
import math
import sys
import threading

import pytest
from worked import worked_nodes

from autograd import DomainError, GradcheckError, Value, grad, gradcheck, jacobian, no_grad
from autograd.engine import Op, apply, is_grad_enabled, linear

# The worked example: z = (2w + b)(b + 1) at w = 3, b = 4.


def test_worked_example_forward_and_backward():
    w, b, x, y, z = worked_nodes()
    assert (x.data, y.data, z.data) == (10.0, 5.0, 50.0)
    z.backward()
    assert (z.grad, x.grad, y.grad) == (1.0, 5.0, 10.0)  # dz/dx = y, dz/dy = x
    assert w.grad == 10.0  # dz/dx · dx/dw = 5 · 2
    assert b.grad == 15.0  # dz/dx · dx/db + dz/dy · dy/db = 5·1 + 10·1


def test_worked_example_local_derivatives():
    _, _, x, y, z = worked_nodes()
    assert z.local_derivatives() == (5.0, 10.0)  # ∂z/∂x = y, ∂z/∂y = x
    assert y.local_derivatives() == (1.0, 1.0)  # ∂y/∂b, ∂y/∂(constant 1)
    two_w = x.parents[0]
    assert two_w.local_derivatives() == (3.0, 2.0)  # ∂(2w)/∂2 = w, ∂(2w)/∂w = 2


def test_nudge_experiment_y_moves_z_more_than_x():
    _, _, x, y, _ = worked_nodes()
    assert ((x + 0.1) * y).data == pytest.approx(50.5)
    assert (x * (y + 0.1)).data == pytest.approx(51.0)
    # Although x > y, ∂z/∂y = x = 10 exceeds ∂z/∂x = y = 5.


def z_at(b, w=3.0):
    """z and dz/db at this b, from the engine."""
    _, b_node, _, _, z = worked_nodes(w, b)
    z.backward()
    return z.data, b_node.grad


def test_moving_b_towards_60_with_the_fixed_slope_of_the_source():
    # The source rounds to 5 decimals and keeps the step-0 slope dz/db = 15.
    b = 4.0
    z, slope = z_at(b)
    assert (z, slope) == (50.0, 15.0)
    b = round(b + (60 - z) / slope, 5)
    assert b == 4.66667
    z, _ = z_at(b)
    assert z == pytest.approx(60.4445, abs=5e-5)
    step = (60 - z) / slope
    assert round(step, 5) == -0.02963
    b = round(b + step, 5)
    assert b == 4.63704
    z, _ = z_at(b)
    assert round(z, 2) == 59.96
    for _ in range(20):  # fixed slope: the error shrinks by a constant factor
        if abs(60 - z) < 1e-5:
            break
        b += (60 - z) / slope
        z, _ = z_at(b)
    assert abs(60 - z) < 1e-5


def test_moving_b_towards_60_with_newton_converges_faster():
    def steps_to_60(recompute_slope):
        b = 4.0
        z, slope = z_at(b)
        steps = 0
        while abs(60 - z) >= 1e-5:
            b += (60 - z) / slope
            z, new_slope = z_at(b)
            if recompute_slope:
                assert new_slope == pytest.approx(2 * 3 + 2 * b + 1)  # dz/db = 2w + 2b + 1
                slope = new_slope
            steps += 1
        return steps, b

    fixed_steps, b_fixed = steps_to_60(False)
    newton_steps, b_newton = steps_to_60(True)
    assert newton_steps < fixed_steps
    assert newton_steps == 3
    # z = 60 means (6 + b)(b + 1) = 60 at w = 3, so b² + 7b - 54 = 0.
    assert b_newton == pytest.approx((-7 + math.sqrt(265)) / 2, abs=1e-6)
    assert b_fixed == pytest.approx(b_newton, abs=1e-6)


def test_gradient_descent_on_a_parabola():
    def slope(x):
        x = Value(x)
        y = (x - 1) ** 2 + 0.001
        y.backward()
        return x.grad

    assert 0.2 - 0.1 * slope(0.2) == pytest.approx(0.36)
    assert slope(0.1) == pytest.approx(-1.8)  # left of the minimum: step right
    assert slope(1.5) == pytest.approx(1.0)  # right of the minimum: step left


# micrograd's published examples.


def micrograd_readme_expression(a, b):
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def micrograd_sanity_check(x):
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def test_micrograd_readme_numbers():
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_readme_expression(a, b)
    g.backward()
    assert round(g.data, 4) == 24.7041
    assert round(a.grad, 4) == 138.8338
    assert round(b.grad, 4) == 645.5773


def test_micrograd_examples_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    for expression, inputs in [
        (micrograd_readme_expression, [-4.0, 2.0]),
        (micrograd_sanity_check, [-4.0]),
    ]:
        ours = [Value(v) for v in inputs]
        out = expression(*ours)
        out.backward()
        theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
        expected = expression(*theirs)
        expected.backward()
        assert out.data == pytest.approx(expected.item(), rel=1e-12)
        for mine, reference in zip(ours, theirs):
            assert mine.grad == pytest.approx(reference.grad.item(), rel=1e-12)


def test_micrograd_sanity_check_numbers():
    x = Value(-4.0)
    y = micrograd_sanity_check(x)
    y.backward()
    # z = 3x + 2 = -10, q = 0 + 40 = 40, h = 100, y = 100 + 40 - 160 = -20
    assert y.data == -20.0
    # dy/dx = dh/dx + (1 + x)·dq/dx + q, with dq/dx = 3x + z = -22, dh/dx = 2z·3 = -60
    assert x.grad == -60 + (1 - 4) * -22 + 40


# The graph itself.


def test_parents_keep_order_and_multiplicity():
    a = Value(3.0)
    y = a + a
    assert y.parents == (a, a)
    y.backward()
    assert a.grad == 2.0
    s = a * a * a
    assert s.parents[1] is a
    a.grad = 0.0
    s.backward()
    assert a.grad == 27.0  # 3a²


def test_numbers_on_either_side_become_constant_leaves():
    x = Value(2.0)
    for expression, value, derivative in [
        (lambda: 2 * x, 4.0, 2.0),
        (lambda: x * 2, 4.0, 2.0),
        (lambda: 1 - x, -1.0, -1.0),
        (lambda: x - 1, 1.0, 1.0),
        (lambda: 1 / x, 0.5, -0.25),
        (lambda: x / 4, 0.5, 0.25),
        (lambda: 2**x, 4.0, 4.0 * math.log(2)),
        (lambda: x**3, 8.0, 12.0),
        (lambda: x ** Value(3.0), 8.0, 12.0),
        (lambda: 3 + x, 5.0, 1.0),
        (lambda: -x, -2.0, -1.0),
    ]:
        out = expression()
        (dx,) = grad(out, [x])
        assert out.data == pytest.approx(value)
        assert dx == pytest.approx(derivative)
    constant = (2 * x).parents[0]
    assert constant.op == "const" and constant.data == 2.0 and constant.parents == ()


def test_every_function_value_and_derivative():
    x = 0.7
    s = 1 / (1 + math.exp(-x))
    for name, value, derivative in [
        ("exp", math.exp(x), math.exp(x)),
        ("log", math.log(x), 1 / x),
        ("tanh", math.tanh(x), 1 - math.tanh(x) ** 2),
        ("sigmoid", s, s * (1 - s)),
        ("relu", x, 1.0),
    ]:
        v = Value(x)
        out = getattr(v, name)()
        out.backward()
        assert out.op == name
        assert out.data == pytest.approx(value, rel=1e-15)
        assert v.grad == pytest.approx(derivative, rel=1e-15)


def test_relu_below_and_at_zero_passes_no_gradient():
    for x in (-2.0, 0.0):
        v = Value(x)
        out = v.relu()
        out.backward()
        assert (out.data, v.grad) == (0.0, 0.0)


def test_sigmoid_and_tanh_do_not_overflow_at_plus_minus_1000():
    for x, s, t in [(1000.0, 1.0, 1.0), (-1000.0, 0.0, -1.0)]:
        v = Value(x)
        sig, tanh = v.sigmoid(), v.tanh()
        assert (sig.data, tanh.data) == (s, t)
        (ds,) = grad(sig, [v])
        (dt,) = grad(tanh, [v])
        assert (ds, dt) == (0.0, 0.0)


def test_linear_is_one_node_with_the_gradients_of_the_long_sum():
    ws = [Value(0.5), Value(-1.5), Value(2.0)]
    xs = [Value(1.0), Value(3.0), Value(-0.5)]
    b = Value(0.25)
    fused = linear(ws, xs, b)
    long = ws[0] * xs[0] + ws[1] * xs[1] + ws[2] * xs[2] + b
    assert fused.op == "linear" and len(fused.parents) == 7
    assert fused.data == long.data == -4.75
    leaves = [*ws, *xs, b]
    assert grad(fused, leaves) == grad(long, leaves) == [1.0, 3.0, -0.5, 0.5, -1.5, 2.0, 1.0]
    assert linear(ws, [1, 3, -0.5], 0.25).data == -4.75  # plain numbers as inputs
    with pytest.raises(ValueError, match="3 weights but 2 inputs"):
        linear(ws, [1.0, 2.0], b)


def test_comparisons_look_at_data_and_equality_is_identity():
    a, b = Value(1.0), Value(2.0)
    assert a < b and b > a and a <= 1 and b >= 2.0
    assert max([a, b]) is b
    assert Value(1.0) != Value(1.0)  # distinct nodes, so usable as dict keys
    assert len({a: 1, Value(1.0): 2}) == 2


def test_repr_and_float():
    *_, z = worked_nodes()
    z.backward()
    assert repr(z) == "Value(data=50.0, grad=1.0, label='z')"
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"
    assert float(z) == 50.0


def test_numpy_scalars_work_on_either_side():
    np = pytest.importorskip("numpy")
    x = Value(2.0)
    out = np.float64(3.0) * x + np.int64(1)
    assert isinstance(out, Value) and out.data == 7.0
    assert Value(np.float32(0.5)).data == 0.5


# backward(): deep graphs, accumulation, zeroing.


def test_a_chain_of_a_million_operations_at_the_default_recursion_limit():
    x = Value(1.0)
    node = x
    for _ in range(500_000):
        node = node * 1.0 + 1.0
    node.backward()
    assert node.data == 500_001.0
    assert x.grad == 1.0


def test_sum_of_ten_thousand_terms():
    terms = [Value(float(i)) for i in range(10_000)]
    total = sum(terms)
    total.backward()
    assert total.data == sum(range(10_000))
    assert all(t.grad == 1.0 for t in terms)


def test_second_backward_accumulates_on_leaves_only():
    w, b, x, y, z = worked_nodes()
    z.backward()
    z.backward()
    assert (w.grad, b.grad) == (20.0, 30.0)  # leaves accumulate, as in PyTorch
    assert (x.grad, y.grad, z.grad) == (5.0, 10.0, 1.0)  # recomputed, not 10/20
    z.zero_grad()
    assert all(v.grad == 0.0 for v in (w, b, x, y, z))
    z.backward()
    assert (w.grad, b.grad) == (10.0, 15.0)


def test_backward_of_a_leaf_is_one():
    a = Value(5.0)
    a.backward()
    assert a.grad == 1.0


def test_a_dropped_graph_is_freed_without_the_garbage_collector():
    gc.disable()
    try:
        x = Value(2.0)
        alone = sys.getrefcount(x)
        y = (x * 3).tanh() + x.exp()
        y.backward()
        assert sys.getrefcount(x) == alone + 2  # held by the parents of x * 3 and x.exp()
        del y
        assert sys.getrefcount(x) == alone  # the graph is gone: no reference cycles held it
    finally:
        gc.enable()


# no_grad


def test_no_grad_builds_no_graph_and_restores_tracking():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = x * 3 + 1
    assert y.data == 7.0 and y.parents == () and y.op == ""
    assert is_grad_enabled()
    with pytest.raises(KeyError), no_grad():
        raise KeyError("boom")
    assert is_grad_enabled()
    assert (x * 3).parents != ()


def test_no_grad_in_one_thread_does_not_switch_off_another():
    seen = []
    with no_grad():
        worker = threading.Thread(target=lambda: seen.append(is_grad_enabled()))
        worker.start()
        worker.join()
    assert seen == [True]


def test_no_grad_as_a_decorator():
    @no_grad()
    def evaluate(v):
        return v * 2

    assert evaluate(Value(1.0)).parents == ()


# grad(): without touching .grad, and differentiable again.


def test_grad_leaves_dot_grad_alone():
    w, b, x, y, z = worked_nodes()
    assert grad(z, [w, b, x, y]) == [10.0, 15.0, 5.0, 10.0]
    assert w.grad == b.grad == 0.0
    assert grad(z, [Value(1.0)]) == [0.0]  # an unrelated input


def test_second_and_third_derivatives_of_x_cubed():
    x = Value(2.0)
    y = x**3
    (dy,) = grad(y, [x], create_graph=True)
    (d2y,) = grad(dy, [x], create_graph=True)
    (d3y,) = grad(d2y, [x])
    assert (dy.data, d2y.data, d3y) == (12.0, 12.0, 6.0)  # 3x², 6x, 6


def test_hessian_of_the_worked_nodes():
    w, b, _, _, z = worked_nodes()
    dz_dw, dz_db = grad(z, [w, b], create_graph=True)
    assert (dz_dw.data, dz_db.data) == (10.0, 15.0)
    # z = 2wb + 2w + b² + b
    assert grad(dz_dw, [w, b]) == [0.0, 2.0]
    assert grad(dz_db, [w, b]) == [2.0, 2.0]


def test_second_derivatives_of_the_functions():
    x = 0.3
    s = 1 / (1 + math.exp(-x))
    t = math.tanh(x)
    for name, second in [
        ("exp", math.exp(x)),
        ("log", -1 / x**2),
        ("tanh", -2 * t * (1 - t * t)),
        ("sigmoid", s * (1 - s) * (1 - 2 * s)),
    ]:
        v = Value(x)
        (first,) = grad(getattr(v, name)(), [v], create_graph=True)
        assert grad(first, [v])[0] == pytest.approx(second, rel=1e-12), name


# gradcheck


def test_gradcheck_passes_on_correct_gradients():
    assert gradcheck(lambda w, b: (2 * w + b) * (b + 1), [3.0, 4.0])
    assert gradcheck(micrograd_readme_expression, [-4.0, 2.0])


def test_gradcheck_catches_a_wrong_derivative():
    def square_with_a_wrong_derivative(x):
        # x², but claiming d/dx = 3x: the kind of slip gradient checks exist for
        return apply(Op("square", lambda a: a * a, lambda out, a: (3 * a,)), x)

    with pytest.raises(GradcheckError) as failure:
        gradcheck(square_with_a_wrong_derivative, [2.0])
    message = str(failure.value)
    assert "input 0 (= 2.0): analytic 6.0, numeric 4.0" in message
    assert "differs" in message


def test_gradcheck_rejects_a_function_that_returns_no_value():
    with pytest.raises(TypeError, match="must return a single Value"):
        gradcheck(lambda x: 3.0, [1.0])


# Errors that teach.


@pytest.mark.parametrize(
    "bad, message",
    [
        ("3", r"Value\(data\): got the text '3'; convert it first"),
        (None, r"expected a real number, got NoneType None"),
        (1 + 2j, r"complex number \(1\+2j\); this engine differentiates real numbers only"),
        ([1.0], r"expected a real number, got list"),
    ],
)
def test_value_rejects_what_is_not_a_real_number(bad, message):
    with pytest.raises(TypeError, match=message):
        Value(bad)


def test_value_does_not_nest():
    with pytest.raises(TypeError, match="does not hold another Value"):
        Value(Value(1.0))


def test_operands_must_be_real_numbers():
    with pytest.raises(TypeError, match=r"operand of \*: got the text 'a'"):
        Value(1.0) * "a"
    with pytest.raises(TypeError, match=r"operand of \+: got the complex number"):
        Value(1.0) + 1j


def test_division_by_zero_names_the_operands():
    x, y = Value(1.0), Value(0.0)
    with pytest.raises(DomainError, match=r"^division by zero in x / y with y = 0.0$"):
        x / y
    with pytest.raises(ValueError, match=r"in a / b with b = 0\.0"):
        Value(1.0, label="a") / Value(0.0, label="b")
    with pytest.raises(DomainError, match="division by zero"):
        1 / Value(0.0)


def test_log_of_a_non_positive_number():
    for x in (-1.0, 0.0):
        with pytest.raises(DomainError, match=rf"log\(x\) with x = {x}; log is defined for x > 0"):
            Value(x).log()


def test_powers_that_are_not_real_numbers():
    with pytest.raises(DomainError, match=r"negative base to a fractional power in x \*\* 0.5"):
        Value(-4.0) ** 0.5
    with pytest.raises(DomainError, match="negative base to a fractional power"):
        Value(-8.0) ** Value(1 / 3)
    with pytest.raises(DomainError, match=r"division by zero in x \*\* -1 with x = 0.0"):
        Value(0.0) ** -1
    assert (Value(-2.0) ** 3).data == -8.0  # integer powers of negatives are fine


def test_overflow_is_an_error_not_a_silent_number():
    with pytest.raises(DomainError, match=r"overflow in exp\(x\) with x = 1000.0"):
        Value(1000.0).exp()
    with pytest.raises(DomainError, match=r"overflow in x \*\* 400"):
        Value(10.0) ** 400


def overflow(operand, n, value):
    """The message of a power's local derivative beyond the largest float."""
    return (
        rf"^overflow in the local derivative of {operand} \*\* {n} with {operand} = {value}: "
        "it exceeds the largest float$"
    )


def test_a_local_derivative_that_overflows_is_a_domain_error_not_an_overflow_error():
    # z = w**-1.5 at w = 1e-200 is 1e300, and fits; dz/dw = -1.5·w**-2.5 = -1.5e500 does not.
    w = Value(1e-200, label="w")
    z = w**-1.5
    assert z.data == pytest.approx(1e300)
    for differentiate in (
        z.backward,
        z.local_derivatives,
        lambda: grad(z, [w]),
        lambda: grad(z, [w], create_graph=True),
    ):
        with pytest.raises(DomainError, match=overflow("w", "-1.5", "1e-200")):
            differentiate()
    with pytest.raises(DomainError, match=overflow("x", "-1.5", "1e-200")):  # forward mode
        jacobian(lambda v: v**-1.5, [1e-200], mode="forward")
    assert w.grad == 0.0  # refused before any gradient was added


def test_sigmoid_of_a_tiny_power_at_the_smallest_float():
    # w**1e-3 at w = 5e-324 is about 0.47; its derivative 1e-3·w**-0.999 exceeds the largest float.
    w = Value(5e-324, label="w")
    s = (w**1e-3).sigmoid()
    for differentiate in (s.backward, lambda: grad(s, [w], create_graph=True)):
        with pytest.raises(DomainError, match=overflow("w", "0.001", "5e-324")):
            differentiate()


def test_a_local_derivative_is_refused_with_its_operation_and_operands():
    x, n = Value(1e-200, label="x"), Value(-1.5, label="n")
    with pytest.raises(
        DomainError,
        match=r"^overflow in the local derivative of x \*\* n with x = 1e-200 and n = -1.5: ",
    ):
        (x**n).backward()
    with pytest.raises(DomainError, match=overflow("x", "-1", "1e-160")):
        (Value(1e-160, label="x") ** -1).backward()  # 1/x fits; -1/x² does not


def test_where_python_gives_an_infinity_so_does_a_local_derivative():
    # IEEE arithmetic, as in the forward pass (1 / 1e-320 is inf): -a/b² at b = 1e-160
    # is -1e320, beyond the largest float, and -inf; 1/a at the smallest float is inf.
    a, b = Value(1.0), Value(1e-160)
    (a / b).backward()
    assert (a.grad, b.grad) == (1e160, -math.inf)
    tiny = Value(5e-324)
    tiny.log().backward()
    assert tiny.grad == math.inf


def test_domain_errors_are_value_errors():
    assert issubclass(DomainError, ValueError)
    assert issubclass(DomainError, ArithmeticError)


def test_derivative_of_sqrt_at_zero_is_infinite_not_an_exception():
    x = Value(0.0)
    y = x**0.5
    y.backward()
    assert (y.data, x.grad) == (0.0, math.inf)


# NaN and infinity follow IEEE arithmetic: they propagate, they are not errors.


def test_nan_and_inf_propagate():
    nan = Value(float("nan"))
    out = nan * 2 + 1
    out.backward()
    assert math.isnan(out.data) and nan.grad == 2.0
    assert math.isnan(Value(float("nan")).tanh().data)
    inf = Value(float("inf"))
    assert (inf.tanh().data, inf.sigmoid().data, inf.relu().data) == (1.0, 1.0, math.inf)
    assert (Value(-math.inf).exp().data, Value(-math.inf).sigmoid().data) == (0.0, 0.0)
    assert (Value(1e308) * 10).data == math.inf  # overflow in * is IEEE's inf
