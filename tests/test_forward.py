"""Forward mode: jvp, jacobian and hessian, from the worked example to random
functions of every operation checked against PyTorch (float64)."""

import math

import pytest
from expressions import build, expressions, inputs, torch_function, with_values
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd import Value, define_op, grad, hessian, jacobian, jvp
from autograd.forward import choose_mode, forward_sweep, sweep_cost


def worked_example(w, b):
    return (2 * w + b) * (b + 1)


def test_worked_example_two_forward_sweeps():
    # ẇ = 1, ḃ = 0 gives dz/dw; ẇ = 0, ḃ = 1 gives dz/db: one sweep per input.
    assert jvp(worked_example, [3.0, 4.0], [1.0, 0.0]) == (50.0, 10.0)
    assert jvp(worked_example, [3.0, 4.0], [0.0, 1.0]) == (50.0, 15.0)


def test_a_tangent_that_mixes_inputs_gives_the_directional_derivative():
    assert jvp(worked_example, [3.0, 4.0], [2.0, -1.0]) == (50.0, 2 * 10.0 - 15.0)


def test_forward_sweep_gives_every_nodes_tangent():
    w, b = Value(3.0), Value(4.0)
    x = 2 * w + b
    y = b + 1
    z = x * y
    tangents = forward_sweep([z], {w: 1.0})
    assert (tangents[w], tangents[b], tangents[x], tangents[y], tangents[z]) == (1, 0, 2, 0, 10)
    assert w.grad == b.grad == 0.0  # forward mode touches no .grad


def test_jacobian_of_the_worked_example_is_the_gradient():
    assert jacobian(worked_example, [3.0, 4.0]) == [[10.0, 15.0]]
    assert jacobian(worked_example, [3.0, 4.0], mode="forward") == [[10.0, 15.0]]


def test_jacobian_of_one_input_and_many_outputs():
    def curve(t):  # a point moving on a parabola, and its distance from the origin squared
        return [t, t * t, t * t + t**4]

    assert jacobian(curve, [2.0]) == [[1.0], [4.0], [4.0 + 32.0]]
    assert jacobian(curve, [2.0], mode="reverse") == jacobian(curve, [2.0], mode="forward")


def test_mode_is_chosen_by_shape():
    assert choose_mode(1, 5) == "forward"
    assert choose_mode(5, 1) == "reverse"
    assert choose_mode(3, 3) == "forward"


def test_cost_statement():
    assert sweep_cost(2, 1) == (
        "Cost: 2 inputs and 1 output: reverse mode needs 1 backward sweep, "
        "forward mode 2 forward sweeps (one per input)."
    )
    assert sweep_cost(1, 4) == (
        "Cost: 1 input and 4 outputs: forward mode needs 1 forward sweep, "
        "reverse mode 4 backward sweeps (one per output)."
    )
    assert sweep_cost(1, 1) == (
        "Cost: 1 input and 1 output: forward mode needs 1 forward sweep, "
        "reverse mode 1 backward sweep."
    )


def test_hessian_of_a_cubic_is_square_and_symmetric():
    # f = x²y + y³: f_xx = 2y, f_xy = 2x, f_yy = 6y
    h = hessian(lambda x, y: x * x * y + y**3, [3.0, 2.0])
    assert h == [[4.0, 6.0], [6.0, 12.0]]


def test_hessian_of_the_worked_example():
    # z = (2w + b)(b + 1) = 2wb + 2w + b² + b: z_ww = 0, z_wb = 2, z_bb = 2
    assert hessian(worked_example, [3.0, 4.0]) == [[0.0, 2.0], [2.0, 2.0]]


def test_an_operation_of_your_own_runs_forward_too(restore_tables):
    softplus = define_op(
        "softplus_fwd",
        lambda a: math.log1p(math.exp(a)),
        lambda out, a: (1 / (1 + (-a).exp()) if isinstance(a, Value) else 1 / (1 + math.exp(-a)),),
        formula="log(1 + exp({0}))",
        derivatives=("σ({0})",),
    )
    value, slope = jvp(lambda a: softplus(2 * a), [0.0], [1.0])
    assert value == pytest.approx(math.log(2))
    assert slope == pytest.approx(2 * 0.5)
    assert hessian(lambda a: softplus(a), [0.0]) == [[pytest.approx(0.25)]]


def test_inputs_may_be_values():
    w, b = Value(3.0), Value(4.0)
    assert jvp(worked_example, [w, b], [1, 0]) == (50.0, 10.0)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: jvp(worked_example, [3.0, 4.0], [1.0]), ValueError, "2 primals but 1 tangents"),
        (lambda: jvp(worked_example, 3.0, [1.0]), TypeError, "primals must be a list"),
        (lambda: jvp(worked_example, [3.0, "4"], [1.0, 0.0]), TypeError, "primals[1]"),
        (lambda: jvp(lambda w: [w, w], [3.0], [1.0]), TypeError, "f must return one Value"),
        (lambda: jvp(lambda w: 3.0, [3.0], [1.0]), TypeError, "got float 3.0"),
        (lambda: jvp("f", [3.0], [1.0]), TypeError, "f must be a function"),
        (lambda: jacobian(worked_example, [3.0, 4.0], mode="fwd"), ValueError, "'fwd'"),
        (lambda: jacobian(lambda w: [w, 2.0], [3.0]), TypeError, "output 1 of f is float 2.0"),
        (lambda: jacobian(lambda w: [], [3.0]), ValueError, "no outputs"),
        (lambda: hessian(lambda w: [w, w], [3.0]), TypeError, "hessian: f must return one Value"),
        (lambda: hessian(worked_example, [3.0, None]), TypeError, "hessian: inputs[1]"),
    ],
)
def test_errors_name_the_function_and_the_value(call, error, words):
    with pytest.raises(error) as caught:
        call()
    assert words in str(caught.value)


# Random functions of every operation, against PyTorch.
slow = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
directions = st.lists(st.floats(-2, 2), min_size=3, max_size=3)


# torch.func.jvp warns about torch.jit.script inside PyTorch itself.
@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
@slow
@given(expressions, inputs, directions)
def test_jvp_agrees_with_pytorch(expression, point, direction):
    torch = pytest.importorskip("torch")
    assume(build(expression, point) is not None)
    value, slope = jvp(lambda *xs: with_values(expression, xs), point, direction)

    as_tensors = [torch.tensor(x, dtype=torch.float64) for x in point]
    expected_value, expected_slope = torch.func.jvp(
        torch_function(torch, expression),
        tuple(as_tensors),
        tuple(torch.tensor(t, dtype=torch.float64) for t in direction),
    )
    assert value == pytest.approx(expected_value.item(), rel=1e-9, abs=1e-12)
    assert slope == pytest.approx(expected_slope.item(), rel=1e-9, abs=1e-10)


@slow
@given(expressions, expressions, inputs)
def test_jacobian_agrees_with_pytorch_in_both_modes(first, second, point):
    torch = pytest.importorskip("torch")
    assume(build(first, point) is not None and build(second, point) is not None)

    def f(*xs):
        return [with_values(first, xs), with_values(second, xs)]

    forward = jacobian(f, point, mode="forward")
    reverse = jacobian(f, point, mode="reverse")
    assert jacobian(f, point) == reverse  # 3 inputs, 2 outputs: reverse mode

    def torch_f(*ts):
        return torch.stack([torch_function(torch, e)(*ts) for e in (first, second)])

    columns = torch.autograd.functional.jacobian(
        torch_f, tuple(torch.tensor(x, dtype=torch.float64) for x in point)
    )
    for i in range(2):
        for j in range(3):
            expected = columns[j][i].item()
            assert forward[i][j] == pytest.approx(expected, rel=1e-9, abs=1e-10)
            assert reverse[i][j] == pytest.approx(forward[i][j], rel=1e-12, abs=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(expressions, inputs)
def test_hessian_agrees_with_pytorch_and_is_symmetric(expression, point):
    torch = pytest.importorskip("torch")
    assume(build(expression, point) is not None)
    h = hessian(lambda *xs: with_values(expression, xs), point)

    expected = torch.autograd.functional.hessian(
        torch_function(torch, expression),
        tuple(torch.tensor(x, dtype=torch.float64) for x in point),
    )
    assert len(h) == 3 and all(len(row) == 3 for row in h)
    for i in range(3):
        for j in range(3):
            assert h[i][j] == pytest.approx(expected[i][j].item(), rel=1e-7, abs=1e-9)
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-9, abs=1e-9)


def test_hessian_agrees_with_reverse_over_reverse():
    x, y = Value(0.7), Value(-1.3)
    f = (x * y).tanh() * (x - y).exp()
    gradient = grad(f, [x, y], create_graph=True)
    twice = [grad(g, [x, y]) for g in gradient]
    h = hessian(lambda x, y: (x * y).tanh() * (x - y).exp(), [0.7, -1.3])
    for mine, theirs in zip(h, twice):
        assert mine == pytest.approx(theirs, rel=1e-12)


def test_no_inputs_give_empty_rows_and_a_clear_hessian_error():
    assert jacobian(lambda: Value(1.0), []) == [[]]
    assert jacobian(lambda: [Value(1.0), Value(2.0)], [], mode="reverse") == [[], []]
    with pytest.raises(ValueError, match="hessian: no inputs"):
        hessian(lambda: Value(1.0), [])
