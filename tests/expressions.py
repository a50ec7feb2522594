"""Random expressions over every operation, for the property tests (test_properties,
test_compile, test_forward), and each built-in operation as a Value method builds it.

An expression is a tree of tuples: ("input", i), ("number", c), or an
operation's name with its operands' expressions. ``build`` makes it with the
engine at a point; ``with_torch`` with PyTorch float64 tensors.
"""

import math

from hypothesis import strategies as st

from autograd import DomainError, Value, linear, topological_order

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

N_INPUTS = 3
UNARY = ["neg", "exp", "log", "tanh", "sigmoid", "relu", "square", "sqrt", "reciprocal"]
BINARY = ["+", "-", "*", "/", "**"]

leaf = st.one_of(
    st.tuples(st.just("input"), st.integers(0, N_INPUTS - 1)),
    st.tuples(st.just("number"), st.floats(-3, 3).map(lambda c: round(c, 2))),
)
expressions = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(UNARY), inner),
        st.tuples(st.sampled_from(BINARY), inner, inner),
    ),
    max_leaves=8,
)
inputs = st.lists(st.floats(-2, 2).filter(lambda x: abs(x) > 0.05), min_size=3, max_size=3)


def evaluate(expression, xs, **functions):
    """Build the expression from xs with the given elementwise functions
    (exp, log, tanh, sigmoid, relu, and number: how a constant is made)."""
    kind = expression[0]
    if kind == "input":
        return xs[expression[1]]
    if kind == "number":
        return functions["number"](expression[1])
    args = [evaluate(e, xs, **functions) for e in expression[1:]]
    unary = {
        "neg": lambda a: -a,
        **{name: functions[name] for name in ("exp", "log", "tanh", "sigmoid", "relu")},
        "square": lambda a: a**2,
        "sqrt": lambda a: a**0.5,
        "reciprocal": lambda a: 1 / a,
    }
    binary = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "**": lambda a, b: a**b,
    }
    if kind in unary:
        return unary[kind](*args)
    return binary[kind](*args)


def with_values(expression, xs):
    return evaluate(
        expression,
        xs,
        exp=Value.exp,
        log=Value.log,
        tanh=Value.tanh,
        sigmoid=Value.sigmoid,
        relu=Value.relu,
        number=Value,
    )


def torch_function(torch, expression):
    """The same expression as a function of PyTorch float64 tensors (for torch.func)."""

    def function(*ts):
        return evaluate(
            expression,
            ts,
            exp=torch.exp,
            log=torch.log,
            tanh=torch.tanh,
            sigmoid=torch.sigmoid,
            relu=torch.relu,
            number=lambda c: torch.tensor(c, dtype=torch.float64),
        )

    return function


def with_torch(torch, expression, point):
    """The same expression with PyTorch float64 tensors: (the inputs, the output)."""
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    return ts, torch_function(torch, expression)(*ts)


def build(expression, point):
    """The expression at ``point`` with the engine, or None where it is
    undefined, not differentiable (relu's kink, √ at 0) or numerically wild."""
    xs = [Value(x) for x in point]
    try:
        out = with_values(expression, xs)
    except DomainError:
        return None
    if not isinstance(out, Value):
        return None
    nodes = topological_order(out)
    if set(xs).isdisjoint(nodes):  # an expression of constants only
        return None
    for node in nodes:
        if not math.isfinite(node.data) or abs(node.data) > 1e4:
            return None
        parents = node.parents
        if node.op == "relu" and abs(parents[0].data) < 1e-3:
            return None
        if node.op in ("**0.5", "log") and parents[0].data < 1e-2:
            return None
        if node.op == "**" and parents[0].data < 1e-2:  # ln(base) in d/d(exponent)
            return None
        if node.op == "/" and abs(parents[1].data) < 1e-2:
            return None
    return xs, out
