"""The tables of operations: each operation has one row in each, keyed by the operation.

The engine's row (forward and local derivatives) is what Value's methods and
backward() use; the notation's is what the views print; the compiled code's
is what compile_graph writes. An operation defined with define_op gets a row
in every table, and backward, grad(create_graph=True), gradcheck, explain and
draw like a built-in.
"""

import copy
import math

import pytest
from expressions import BUILT_INS

from autograd import (
    DomainError,
    Value,
    compile_graph,
    define_op,
    explain,
    grad,
    gradcheck,
    topological_order,
)
from autograd.compile import CALLS_ITS_FUNCTIONS, CODE, coded
from autograd.engine import BUILT_IN, OPS, operation, power
from autograd.notation import NOTATION, notation, written


@pytest.mark.parametrize("build, operands", BUILT_INS)
def test_the_table_computes_what_the_methods_compute(build, operands):
    leaves = [Value(x) for x in operands]
    result = build(*leaves)
    op = operation(result)
    numbers = [p.data for p in result.parents]
    assert op.forward(*numbers) == result.data
    assert op.local(result.data, *numbers) == result.local_derivatives()
    assert result.op == op.name and OPS.get(op.name, op) is op


# A user's operation: softplus(a) = ln(1 + eᵃ), with derivative σ(a). The local
# rule receives floats from backward() and Values from grad(create_graph=True).
def _softplus_local(out, a):
    return (a.sigmoid() if isinstance(a, Value) else 1 / (1 + math.exp(-a)),)


@pytest.fixture
def softplus(restore_tables):
    return define_op(
        "softplus",
        lambda a: math.log1p(math.exp(a)),
        _softplus_local,
        formula="softplus({0})",
        derivatives=("σ({0})",),
        symbol="sp",
    )


def test_every_operation_has_its_row_in_every_table(softplus):
    made = [build(*map(Value, operands)) for build, operands in BUILT_INS]
    made += [softplus(Value(1.0)), *(Value(2.0) ** n for n in (0, 1, 2, 0.5, -1.5))]
    assert set(OPS.values()) <= {operation(v) for v in made}  # built-in or define_op's
    for v in made:
        op, arity = operation(v), len(v.parents)
        row = written(op, arity)  # an operation without a row would get blank derivatives
        assert row.symbol and row.formula and all(row.derivatives), op.name
        assert len(row.derivatives) == len(row.latex_derivatives) == arity, op.name
        code = coded(op, arity)
        if code is not CALLS_ITS_FUNCTIONS:  # define_op's: the code calls its own functions
            assert code.forward and len(code.derivatives) == arity, op.name
    assert written(OPS["linear"], 5).formula == "{0}·{2} + {1}·{3} + {4}"
    assert coded(OPS["linear"], 5).forward == "{4} + {0} * {2} + {1} * {3}"
    assert NOTATION[OPS["softplus"]].symbol == "sp" and CODE[OPS["softplus"]] is CALLS_ITS_FUNCTIONS
    assert {*OPS, "const"} - {"softplus"} == BUILT_IN


def test_a_copied_graph_keeps_its_operations():
    # copy.deepcopy(model) before training: the copy's nodes have the same rows,
    # so explain, draw and compile_graph know them.
    w = Value(3.0, label="w")
    z = (w**2 * 2).tanh()
    z.label = "z"
    twin = copy.deepcopy(z)
    assert [operation(n) for n in topological_order(twin)] == [
        operation(n) for n in topological_order(z)
    ]
    assert "z = tanh(v2)" in str(explain(twin))
    twin_w = twin.parents[0].parents[0].parents[0]
    assert compile_graph(twin, [twin_w])(3.0) == compile_graph(z, [w])(3.0)


def test_powers_with_a_number_exponent_are_one_operation_per_exponent():
    assert power(2.0) is power(2.0)
    assert (power(2.0).name, power(-1.0).name, power(0.5).name) == ("**2", "**-1", "**0.5")
    assert written(power(-1.0), 1).formula == "{0}^(-1)"
    assert written(power(-1.0), 1).derivatives == ("(-1)·{0}^(-2)",)
    assert written(power(2.0), 1).derivatives == ("2·{0}",)
    assert coded(power(2.0), 1).derivatives == ("2.0 * {0}",)
    assert float(power(0.1).name[2:]) == 0.1  # the name gives the exponent back exactly


def test_a_value_holds_its_operation():
    a = Value(3.0, label="a")
    y = a * 2
    assert operation(y) is OPS["*"] and y.op == "*"
    assert operation(a) is None and a.op == ""
    assert y.parents[1].op == "const" and operation(y.parents[1]) is None
    assert notation(y).symbol == "×" and notation(y).derivatives == ("{1}", "{0}")


def test_a_defined_operation_backpropagates_like_a_built_in(softplus):
    x = Value(0.5, label="x")
    y = softplus(x * 2)
    y.backward()
    assert y.data == pytest.approx(math.log1p(math.exp(1.0)))
    assert x.grad == pytest.approx(2 / (1 + math.exp(-1.0)))
    assert gradcheck(lambda a: softplus(a) * a, [0.3])


def test_a_defined_operation_has_second_derivatives(softplus):
    x = Value(0.5)
    (dy,) = grad(softplus(x), [x], create_graph=True)
    (d2y,) = grad(dy, [x])
    s = 1 / (1 + math.exp(-0.5))
    assert (dy.data, d2y) == pytest.approx((s, s * (1 - s)))


def test_a_defined_operation_is_explained_and_drawn_with_its_formulas(softplus):
    x = Value(0.5, label="x")
    y = softplus(x)
    y.label = "y"
    text = str(explain(y))
    assert "y = softplus(x) = softplus(0.5) = 0.974077" in text
    assert "∂y/∂x = σ(x) = σ(0.5) = 0.622459" in text
    pytest.importorskip("graphviz")
    from autograd import draw

    assert '"sp"' in draw(y).source or "label=sp" in draw(y).source


def test_a_defined_operation_reports_domain_errors_by_name(restore_tables):
    root = define_op("root", math.sqrt, lambda out, a: (0.5 / out,), derivatives=("1/(2·{out})",))
    with pytest.raises(DomainError, match=r"root\(-4.0\): math domain error"):
        root(Value(-4.0))
    with pytest.raises(TypeError, match="root\\(\\) takes 1 operand"):
        root(Value(1.0), Value(2.0))
    x = Value(0.0, label="x")
    y = root(x)  # √0 = 0, and the rule 0.5 / out divides by zero
    with pytest.raises(DomainError, match=r"^in the local derivative of root\(x\) with x = 0.0: "):
        y.backward()


def test_define_op_refuses_built_in_names_and_non_functions(restore_tables):
    with pytest.raises(ValueError, match="'tanh' is a built-in operation"):
        define_op("tanh", math.tanh, lambda out, a: (1 - out * out,))
    with pytest.raises(ValueError, match="'const' is a built-in operation"):
        define_op("const", lambda a: a, lambda out, a: (1.0,))
    with pytest.raises(TypeError, match="local must be a function"):
        define_op("twice", lambda a: 2 * a, 2.0)
    with pytest.raises(ValueError, match="'backward' is the name of a Value attribute"):
        define_op("backward", lambda a: a, lambda out, a: (1.0,))
    with pytest.raises(ValueError, match="must be an identifier"):
        define_op("a b", lambda a: a, lambda out, a: (1.0,))
    assert "twice" not in OPS


def test_defined_operations_leave_the_tables_with_the_fixture(softplus):
    # The fixture restores every table after each test: nothing defined here
    # is seen by the next test (nor by the doctests or notebooks after them).
    assert "softplus" in OPS and "bump" not in OPS and "root" not in OPS


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


def test_a_node_keeps_its_operation_when_the_name_is_defined_again(restore_tables):
    # A notebook cell run twice with a changed definition: old nodes keep the old one,
    # with its own row in every table.
    first = define_op("bump", lambda a: a**3, lambda out, a: (3 * a**2,), formula="{0}^3")
    x = Value(2.0, label="x")
    y = first(x)
    y.label = "y"
    second = define_op("bump", lambda a: a**2, lambda out, a: (2 * a,), formula="{0}^2")
    assert "y = x^3 = 2^3 = 8" in str(explain(y))
    assert grad(y, [x]) == [12.0]
    z = second(x)
    assert (z.data, grad(z, [x])) == (4.0, [4.0])
    assert notation(y).formula == "{0}^3" and notation(z).formula == "{0}^2"
    assert OPS["bump"] is operation(z) is not operation(y)
    from autograd import compile_graph

    assert compile_graph(y + z, [x])(3.0) == (27.0 + 9.0, [27.0 + 6.0])
