"""The table of operations: one entry per operation, read by the engine and every view.

Each built-in's table forward must give what its Value method computes, and
its local rule what backward() uses; an operation defined with define_op gets
backward, grad(create_graph=True), gradcheck, explain and draw like a built-in.
"""

import math

import pytest

from autograd import DomainError, Value, explain, grad, gradcheck, linear
from autograd.engine import OPS, define_op, operation, power

# (how a Value method builds it, its operands): one row per built-in operation.
BUILT_INS = [
    (lambda a, b: a + b, (1.5, -2.0)),
    (lambda a, b: a - b, (1.5, -2.0)),
    (lambda a, b: a * b, (1.5, -2.0)),
    (lambda a, b: a / b, (1.5, -2.0)),
    (lambda a: -a, (1.5,)),
    (lambda a, b: a**b, (1.5, -2.0)),
    (lambda a: a**3, (1.5,)),
    (lambda a: a.exp(), (0.7,)),
    (lambda a: a.log(), (0.7,)),
    (lambda a: a.tanh(), (0.7,)),
    (lambda a: a.sigmoid(), (-0.7,)),
    (lambda a: a.relu(), (-0.7,)),
    (lambda a, b, c: linear([a], [b], c), (1.5, -2.0, 0.5)),
]


@pytest.mark.parametrize("build, operands", BUILT_INS)
def test_the_table_computes_what_the_methods_compute(build, operands):
    leaves = [Value(x) for x in operands]
    result = build(*leaves)
    op = operation(result)
    numbers = [p.data for p in result.parents]
    assert op.forward(*numbers) == pytest.approx(result.data, rel=1e-15)
    assert op.local(result.data, *numbers) == result.local_derivatives()
    formula, derivatives = op.written(len(result.parents))
    assert formula and len(derivatives) == len(result.parents)


def test_every_operation_in_the_table_has_a_symbol_and_notation():
    for name, op in OPS.items():
        assert op.name == name and op.symbol
        assert op.formula or op.notation is not None


def test_powers_with_a_number_exponent_are_one_entry_per_exponent():
    assert power(2.0) is power(2.0)
    assert (power(2.0).name, power(-1.0).name, power(0.5).name) == ("**2", "**-1", "**0.5")
    assert power(-1.0).written(1) == ("{0}^(-1)", ("(-1)·{0}^(-2)",))


# A user's operation: softplus(a) = ln(1 + eᵃ), with derivative σ(a). The local
# rule receives floats from backward() and Values from grad(create_graph=True).
def _softplus_local(out, a):
    return (a.sigmoid() if isinstance(a, Value) else 1 / (1 + math.exp(-a)),)


softplus = define_op(
    "softplus",
    lambda a: math.log1p(math.exp(a)),
    _softplus_local,
    formula="softplus({0})",
    derivatives=("σ({0})",),
    symbol="sp",
)


def test_a_defined_operation_backpropagates_like_a_built_in():
    x = Value(0.5, label="x")
    y = softplus(x * 2)
    y.backward()
    assert y.data == pytest.approx(math.log1p(math.exp(1.0)))
    assert x.grad == pytest.approx(2 / (1 + math.exp(-1.0)))
    assert gradcheck(lambda a: softplus(a) * a, [0.3])


def test_a_defined_operation_has_second_derivatives():
    x = Value(0.5)
    (dy,) = grad(softplus(x), [x], create_graph=True)
    (d2y,) = grad(dy, [x])
    s = 1 / (1 + math.exp(-0.5))
    assert (dy.data, d2y) == pytest.approx((s, s * (1 - s)))


def test_a_defined_operation_is_explained_and_drawn_with_its_formulas():
    x = Value(0.5, label="x")
    y = softplus(x)
    y.label = "y"
    text = str(explain(y))
    assert "y = softplus(x) = softplus(0.5) = 0.974077" in text
    assert "∂y/∂x = σ(x) = σ(0.5) = 0.622459" in text
    pytest.importorskip("graphviz")
    from autograd import draw

    assert '"sp"' in draw(y).source or "label=sp" in draw(y).source


def test_a_defined_operation_reports_domain_errors_by_name():
    root = define_op("root", math.sqrt, lambda out, a: (0.5 / out,), derivatives=("1/(2·{out})",))
    with pytest.raises(DomainError, match=r"root\(-4.0\): math domain error"):
        root(Value(-4.0))
    with pytest.raises(TypeError, match="root\\(\\) takes 1 operand"):
        root(Value(1.0), Value(2.0))


def test_define_op_refuses_built_in_names_and_non_functions():
    with pytest.raises(ValueError, match="'tanh' is a built-in operation"):
        define_op("tanh", math.tanh, lambda out, a: (1 - out * out,))
    with pytest.raises(TypeError, match="local must be a function"):
        define_op("twice", lambda a: 2 * a, 2.0)
    with pytest.raises(ValueError, match="'backward' is the name of a Value attribute"):
        define_op("backward", lambda a: a, lambda out, a: (1.0,))
    with pytest.raises(ValueError, match="must be an identifier"):
        define_op("a b", lambda a: a, lambda out, a: (1.0,))


def test_backward_by_hand_as_in_micrograds_lecture():
    # o = tanh(n), n = x·w + b: set o.grad = 1, then call _backward() node by node.
    x, w, b = Value(2.0), Value(-3.0), Value(6.8813735870195432)
    xw = x * w
    n = xw + b
    o = n.tanh()
    o.grad = 1.0
    for node in (o, n, xw):
        node._backward()
    assert n.grad == pytest.approx(0.5)
    assert (x.grad, w.grad) == pytest.approx((-1.5, 1.0))


def test_x_times_x_times_x_keeps_total_and_local_apart():
    # z = v1·x with v1 = x·x: dz/dx = 3x² = 12 is the total; ∂z/∂x = v1 = 4 is one edge.
    x = Value(2.0, label="x")
    z = x * x * x
    z.label = "z"
    explanation = explain(z)
    # One term per drawn edge: both edges from x into v1 = x·x say ∂v1/∂x = x = 2.
    assert explanation.sums_text() == (
        "dz/dx = ∂z/∂v1·∂v1/∂x + ∂z/∂v1·∂v1/∂x + ∂z/∂x = 2·2 + 2·2 + 4 = 12"
    )
    assert "∂z/∂x = v1 = 4  →  x receives 4 × 1 = 4" in explanation.backward_text()
    assert "(3 of 3 contributions: dz/dx = 4 + 4 + 4 = 12)" in explanation.backward_text()


def test_a_node_keeps_its_operation_when_the_name_is_defined_again():
    # A notebook cell run twice with a changed definition: old nodes keep the old one.
    first = define_op("bump", lambda a: a**3, lambda out, a: (3 * a**2,), formula="{0}^3")
    x = Value(2.0, label="x")
    y = first(x)
    y.label = "y"
    second = define_op("bump", lambda a: a**2, lambda out, a: (2 * a,), formula="{0}^2")
    assert "y = x^3 = 2^3 = 8" in str(explain(y))
    assert grad(y, [x]) == [12.0]
    z = second(x)
    assert (z.data, grad(z, [x])) == (4.0, [4.0])
    assert operation(y).formula == "{0}^3" and operation(z).formula == "{0}^2"
