"""explain(): the forward pass, the backward pass and the chain rule, as a teacher writes them.

The texts below are compared exactly. The backward steps come in the order of
the engine's backward loop; every number must equal the engine's gradient.
"""

import json
import math

import pytest
from worked import named, worked_example, worked_nodes

from autograd import Value, grad, linear
from autograd.explain import (
    Explanation,
    Formula,
    evaluation_order,
    explain,
    format_number,
    node_names,
)
from autograd.program import parse_program


def program(source, **inputs):
    """The output of a CLI-style program: the assignments name the nodes."""
    parsed = parse_program(source)
    output, _ = parsed.run(parsed.bind(inputs))
    return output


WORKED_EXAMPLE_TEXT = """\
Forward pass (each node after the nodes it is computed from):
  w  = 3
  v1 = 2·w = 2·3 = 6
  b  = 4
  x  = v1 + b = 6 + 4 = 10
  y  = b + 1 = 4 + 1 = 5
  z  = x·y = 10·5 = 50

Backward pass (each parent receives local derivative × upstream gradient):
  z = x·y   (upstream dz/dz = 1)
    ∂z/∂x = y = 5   →  x receives 5 × 1 = 5
    ∂z/∂y = x = 10  →  y receives 10 × 1 = 10
  x = v1 + b   (upstream dz/dx = 5)
    ∂x/∂v1 = 1      →  v1 receives 1 × 5 = 5
    ∂x/∂b = 1       →  b receives 1 × 5 = 5   (1 of 2 contributions: dz/db so far 5)
  v1 = 2·w   (upstream dz/dv1 = 5)
    ∂v1/∂w = 2      →  w receives 2 × 5 = 10
  y = b + 1   (upstream dz/dy = 10)
    ∂y/∂b = 1       →  b receives 1 × 10 = 10   (2 of 2 contributions: dz/db = 5 + 10 = 15)

Chain rule for each input (a sum over the paths from z):
  dz/db = ∂z/∂x·∂x/∂b + ∂z/∂y·∂y/∂b = 5·1 + 10·1 = 15
  dz/dw = ∂z/∂x·∂x/∂w = 5·2 = 10   (∂x/∂w = ∂x/∂v1·∂v1/∂w = 1·2)
Unnamed nodes (v1) are folded into the local derivative of the named node that uses them; \
the brackets write it out along the drawn edges."""


def test_worked_example_text():
    z, _, _ = worked_example()
    explanation = explain(z)
    assert explanation.to_text() == WORKED_EXAMPLE_TEXT
    assert str(explanation) == WORKED_EXAMPLE_TEXT


def test_worked_example_sums_are_the_classroom_lines():
    z, _, _ = worked_example()
    assert explain(z).sums_text().splitlines() == [
        "dz/db = ∂z/∂x·∂x/∂b + ∂z/∂y·∂y/∂b = 5·1 + 10·1 = 15",
        "dz/dw = ∂z/∂x·∂x/∂w = 5·2 = 10   (∂x/∂w = ∂x/∂v1·∂v1/∂w = 1·2)",
    ]


def test_the_same_program_through_the_command_line_parser():
    z = program("x = 2*w + b; y = b + 1; z = x*y", w=3.0, b=4.0)
    assert explain(z).to_text() == WORKED_EXAMPLE_TEXT


def test_explain_leaves_every_grad_as_it_was():
    w, b, x, y, z = worked_nodes()
    nodes = (w, b, x, y, z)
    assert [n.grad for n in nodes] == [0.0] * 5
    first, second = explain(z), explain(z)  # twice, as a notebook cell run again
    assert [n.grad for n in nodes] == [0.0] * 5
    assert first == second and (first.gradients["w"], first.gradients["b"]) == (10.0, 15.0)
    # Gradients set before, by hand or by backward(), stay as they were.
    w.grad, b.grad, x.grad = 0.5, -2.0, 7.0
    z.backward()
    before = [n.grad for n in nodes]
    assert before == [10.5, 13.0, 5.0, 10.0, 1.0]
    explain(z)
    explain(z, mode="forward", wrt=w)
    assert [n.grad for n in nodes] == before


def sum_of_paths(leaf_sum):
    return sum(math.prod(path.factors) for path in leaf_sum.paths)


@pytest.mark.parametrize(
    "source, inputs",
    [
        ("x = 2*w + b; y = b + 1; z = x*y", {"w": 3.0, "b": 4.0}),
        ("u = a*b; v = a + b; f = u*v", {"a": 2.0, "b": 3.0}),
        ("h = tanh(w*x + b); y = h*h + sigmoid(h) - log(w) / x", {"w": 0.7, "x": 1.3, "b": -0.2}),
        ("y = exp(-a) * relu(a) ** 3 + a ** b", {"a": 1.5, "b": 0.5}),
        ("a1 = w*2; b1 = w*3; w2 = a1 + b1; a2 = w2*2; b2 = w2*3; w3 = a2*b2", {"w": 0.5}),
    ],
)
def test_every_number_is_the_engines_gradient(source, inputs):
    explanation = explain(program(source, **inputs))
    # The same program again, differentiated by backward() alone.
    parsed = parse_program(source)
    output, nodes = parsed.run(inputs)
    output.backward()
    for leaf_sum in explanation.sums:
        assert leaf_sum.total == nodes[leaf_sum.leaf].grad
        assert sum_of_paths(leaf_sum) == pytest.approx(leaf_sum.total, rel=1e-12, abs=1e-12)
    for name, node in nodes.items():
        assert explanation.gradients[name] == node.grad
    for step in explanation.backward:
        if step.node in nodes:
            assert step.upstream == nodes[step.node].grad
        for edge in step.edges:
            assert edge.contribution == edge.local * edge.upstream
    last = {edge.parent: edge.total for step in explanation.backward for edge in step.edges}
    for name, total in last.items():
        if name in nodes:
            assert total == nodes[name].grad


def test_two_paths():
    f = program("u = a*b; v = a + b; f = u*v", a=2.0, b=3.0)
    assert explain(f).sums_text().splitlines() == [
        "df/da = ∂f/∂u·∂u/∂a + ∂f/∂v·∂v/∂a = 5·3 + 6·1 = 21",
        "df/db = ∂f/∂u·∂u/∂b + ∂f/∂v·∂v/∂b = 5·2 + 6·1 = 16",
    ]


def test_three_levels():
    loss = program("u = w*x; v = u + b; L = v**2", w=2.0, x=3.0, b=1.0)
    assert explain(loss).to_text().split("Chain rule")[1] == (
        " for each input (a sum over the paths from L):\n"
        "  dL/db = ∂L/∂v·∂v/∂b = 14·1 = 14\n"
        "  dL/dw = ∂L/∂v·∂v/∂u·∂u/∂w = 14·1·3 = 42\n"
        "  dL/dx = ∂L/∂v·∂v/∂u·∂u/∂x = 14·1·2 = 28"
    )


def test_without_labels_the_paths_go_through_automatic_names():
    w, b = Value(3.0, label="w"), Value(4.0, label="b")
    explanation = explain((2 * w + b) * (b + 1))
    assert explanation.sums_text().splitlines() == [
        "dv4/db = ∂v4/∂v2·∂v2/∂b + ∂v4/∂v3·∂v3/∂b = 5·1 + 10·1 = 15",
        "dv4/dw = ∂v4/∂v2·∂v2/∂v1·∂v1/∂w = 5·1·2 = 10",
    ]
    assert explanation.notes() == [
        "No intermediate node has a label, so the paths go through the automatic names "
        "(v1, v2, v3)."
    ]


def test_many_paths_are_grouped_by_the_last_named_step():
    # Three diamonds in a row: 2·2·2 = 8 paths from z to w, more than are written out.
    z = program(
        "a1 = w*2; b1 = w*3; w2 = a1 + b1; a2 = w2*2; b2 = w2*3; w3 = a2 + b2;"
        "a3 = w3*2; b3 = w3*3; z = a3 + b3",
        w=1.0,
    )
    assert explain(z).sums_text() == (
        "dz/dw = dz/da1·∂a1/∂w + dz/db1·∂b1/∂w = 25·2 + 25·3 = 125"
        "   (8 paths, grouped by the last named step)"
    )


def test_a_node_used_twice_and_a_direct_edge():
    t = Value(0.5, label="t")
    s = named(named(t * t, "q") * t, "s")
    explanation = explain(s)
    # One term per drawn edge: q = t·t has two edges from t, each ∂q/∂t = t = 0.5.
    assert explanation.sums_text() == (
        "ds/dt = ∂s/∂q·∂q/∂t + ∂s/∂q·∂q/∂t + ∂s/∂t = 0.5·0.5 + 0.5·0.5 + 0.25 = 0.75"
    )
    assert explanation.notes() == [
        "An operation that uses a node twice (x·x) has two edges to it, and each is a term "
        "of the sum: ds/dt has a term twice.",
        "∂s/∂t on its own in a sum is the direct edge from s to t: its local derivative.",
    ]
    lines = explanation.backward_text().splitlines()
    assert lines[-2:] == [
        "  ∂q/∂t = t = 0.5   →  t receives 0.5 × 0.5 = 0.25   "
        "(2 of 3 contributions: ds/dt so far 0.5)",
        "  ∂q/∂t = t = 0.5   →  t receives 0.5 × 0.5 = 0.25   "
        "(3 of 3 contributions: ds/dt = 0.25 + 0.25 + 0.25 = 0.75)",
    ]


def test_fused_linear_neuron():
    w1, w2 = Value(0.5, label="w1"), Value(-1.0, label="w2")
    x1, x2 = Value(2.0, label="x1"), Value(1.0, label="x2")
    b = Value(0.25, label="b")
    h = named(named(linear([w1, w2], [x1, x2], b), "n").tanh(), "h")
    text = explain(h).to_text()
    assert "  n  = w1·x1 + w2·x2 + b = 0.5·2 + (-1)·1 + 0.25 = 0.25\n" in text
    assert "    ∂h/∂n = 1 - h^2 = 1 - 0.244919^2 = 0.940015  →  n receives" in text
    lines = [line.strip() for line in text.splitlines()]
    backward = [line.split("→")[0].strip() for line in lines if line.startswith("∂n/∂")]
    assert backward == [
        "∂n/∂w1 = x1 = 2",
        "∂n/∂w2 = x2 = 1",
        "∂n/∂x1 = w1 = 0.5",
        "∂n/∂x2 = w2 = -1",
        "∂n/∂b = 1",
    ]
    assert "  dh/dw1 = ∂h/∂n·∂n/∂w1 = 0.940015·2 = 1.88003" in text


# One row per operation: how it is built, its forward formula, its local derivatives.
OPERATIONS = [
    (lambda a, b: a + b, "a + b", ["1", "1"]),
    (lambda a, b: a - b, "a - b", ["1", "-1"]),
    (lambda a, b: a * b, "a·b", ["b", "a"]),
    (lambda a, b: a / b, "a/b", ["1/b", "-a/b^2"]),
    (lambda a, b: -a, "-a", ["-1"]),
    (lambda a, b: a**b, "a^b", ["b·a^(b - 1)", "a^b·ln(a)"]),
    (lambda a, b: a**2, "a^2", ["2·a"]),
    (lambda a, b: a**3, "a^3", ["3·a^2"]),
    (lambda a, b: a**-1, "a^(-1)", ["(-1)·a^(-2)"]),
    (lambda a, b: a**0.5, "a^0.5", ["0.5·a^(-0.5)"]),
    (lambda a, b: a**1, "a^1", ["1"]),
    (lambda a, b: a**0, "a^0", ["0"]),
    (lambda a, b: a.exp(), "exp(a)", ["exp(a)"]),
    (lambda a, b: a.log(), "log(a)", ["1/a"]),
    (lambda a, b: a.tanh(), "tanh(a)", ["1 - r^2"]),
    (lambda a, b: a.sigmoid(), "σ(a)", ["r·(1 - r)"]),
    (lambda a, b: a.relu(), "relu(a)", ["1 if a > 0 else 0"]),
    (lambda a, b: linear([a], [b], 0.5), "a·b + 0.5", ["b", "a", "1"]),
]


@pytest.mark.parametrize("build, forward, local", OPERATIONS)
def test_every_operation_has_formulas(build, forward, local):
    a, b = Value(1.5, label="a"), Value(0.5, label="b")
    result = named(build(a, b), "r")
    step = explain(result).backward[0]
    assert step.formula.text() == forward
    assert [edge.local_formula.text() for edge in step.edges] == local


@pytest.mark.parametrize("build, forward, local", [op for op in OPERATIONS if "if" not in op[2][0]])
def test_the_formulas_give_the_engines_numbers(build, forward, local):
    # Each formula, with the numbers put in, is read back by the command line's
    # parser: it must give the engine's local derivative.
    a, b = Value(1.5, label="a"), Value(0.5, label="b")
    step = explain(named(build(a, b), "r")).backward[0]
    for edge in step.edges:
        expression = edge.local_formula.numbers()
        python = expression.replace("·", "*").replace("^", "**").replace("ln(", "log(")
        assert program(f"d = {python}").data == pytest.approx(edge.local, rel=1e-5)


def test_markdown():
    a = Value(3.0, label="a")
    explanation = explain(named(a * a, "y"))
    assert explanation.to_markdown() == (
        "**Forward pass**\n"
        "\n"
        "| node | computed as | value |\n"
        "|---|---|---|\n"
        "| a | input | 3 |\n"
        "| y | a·a = 3·3 | 9 |\n"
        "\n"
        "**Backward pass** (each parent receives local derivative × upstream gradient)\n"
        "\n"
        "| node | upstream | local derivative | parent receives | gradient so far |\n"
        "|---|---|---|---|---|\n"
        "| y = a·a | dy/dy = 1 | ∂y/∂a = a = 3 | 3 × 1 = 3 | dy/da = 3 |\n"
        "|  |  | ∂y/∂a = a = 3 | 3 × 1 = 3 | dy/da = 3 + 3 = 6 |\n"
        "\n"
        "**Chain rule for each input** (a sum over the paths from y)\n"
        "\n"
        "- dy/da = ∂y/∂a + ∂y/∂a = 3 + 3 = 6\n"
        "\n"
        "An operation that uses a node twice (x·x) has two edges to it, and each is a term "
        "of the sum: dy/da has a term twice.\n"
    )
    assert explanation._repr_markdown_() == explanation.to_markdown()
    # A notebook stores the repr as the text beside them: one short line.
    assert repr(explanation) == "<Explanation of y: print() it, or .to_markdown(), .to_latex()>"


def test_markdown_escapes_names():
    a = Value(2.0, label="a|b*")
    assert "| a\\|b\\* | input | 2 |" in explain(a * 2).to_markdown()


def test_latex():
    a = Value(3.0, label="a1")
    explanation = explain(named(-a, "y"))
    assert explanation.to_latex() == (
        "$$\n"
        "\\begin{aligned}\n"
        "&\\textbf{Forward pass} \\\\\n"
        "a_{1} &= 3 \\\\\n"
        "y &= -a_{1} = -3 \\\\\n"
        "&\\textbf{Backward pass} \\\\\n"
        "y &= -a_{1} \\quad \\text{upstream } \\frac{\\mathrm{d} y}{\\mathrm{d} y} = 1 \\\\\n"
        "&\\quad \\frac{\\partial y}{\\partial a_{1}} = -1 \\quad \\Rightarrow \\quad a_{1} "
        "\\text{ receives } (-1) \\times 1 = -1 \\\\\n"
        "&\\textbf{Chain rule for each input} \\\\\n"
        "\\frac{\\mathrm{d} y}{\\mathrm{d} a_{1}} &= -1\n"
        "\\end{aligned}\n"
        "$$\n"
    )
    assert explanation._repr_latex_() == explanation.to_latex()


def test_latex_of_the_worked_example_sums():
    z, _, _ = worked_example()
    latex = explain(z).to_latex()
    assert (
        "\\frac{\\mathrm{d} z}{\\mathrm{d} b} &= \\frac{\\partial z}{\\partial x} "
        "\\frac{\\partial x}{\\partial b} + \\frac{\\partial z}{\\partial y} "
        "\\frac{\\partial y}{\\partial b} = 5 \\cdot 1 + 10 \\cdot 1 = 15"
    ) in latex
    assert "v_{1} &= 2 \\cdot w = 2 \\cdot 3 = 6" in latex


def test_latex_formulas():
    assert Formula("{0}^({1} - 1)", ("x1", "n"), (2.0, 3.0)).latex() == "x_{1}^{n - 1}"
    assert Formula("1 - {out}^2", ("a",), (1.0,), "h", 0.5).latex_numbers() == "1 - 0.5^{2}"
    assert Formula("σ({0})", ("loss",), (1e-9,)).latex_numbers() == ("\\sigma(1 \\times 10^{-9})")
    assert Formula("exp({0})", ("a_b{c}",), (1.0,)).latex() == "\\exp(\\text{a\\_b\\{c\\}})"


def test_numbers_keep_their_significant_digits():
    assert format_number(50.0) == "50"
    assert format_number(0.5) == "0.5"
    assert format_number(1.234e-07) == "1.234e-07"
    assert format_number(2 / 3) == "0.666667"
    assert format_number(-0.0) == "0"
    assert format_number(1e-300) == "1e-300"
    tiny = Value(1e-4, label="t")
    assert explain(named(tiny * tiny * tiny, "s")).sums_text() == (
        "ds/dt = ∂s/∂v1·∂v1/∂t + ∂s/∂v1·∂v1/∂t + ∂s/∂t = 0.0001·0.0001 + 0.0001·0.0001 "
        "+ 1e-08 = 3e-08"
    )


def test_names():
    w = Value(3.0, label="w")
    other_w = Value(1.0, label="w")
    v1 = Value(2.0, label="v1")  # a user's label is never reused as an automatic name
    order = evaluation_order(w * other_w + v1 * 2)
    assert [node_names(order)[node] for node in order] == ["w", "w#2", "v2", "v1", "2", "v3", "v4"]


def test_explaining_an_input_alone():
    explanation = explain(Value(2.0, label="a"))
    assert explanation.to_text() == (
        "Forward pass (each node after the nodes it is computed from):\n  a = 2"
    )


def test_explain_needs_a_value():
    with pytest.raises(TypeError, match=r"explain: expected a Value, got float 2\.0"):
        explain(2.0)


def test_a_deep_chain_needs_no_recursion():
    x = Value(0.5, label="x")
    y = x
    for _ in range(3000):
        y = y * 1.0
    explanation = explain(named(y, "y"))
    assert explanation.sums[0].total == 1.0
    assert explanation.sums[0].grouped


def test_a_negative_argument_of_a_function_gets_one_pair_of_brackets():
    a = Value(-0.5, label="a")
    y = a.tanh() * 2
    y.label = "y"
    explanation = explain(y)
    assert "v1 = tanh(a) = tanh(-0.5) = -0.462117" in explanation.to_text()
    assert r"\tanh(a) = \tanh(-0.5) = -0.462117" in explanation.to_latex()
    assert "y  = v1·2 = (-0.462117)·2 = -0.924234" in explanation.to_text()


def round_trip(explanation):
    return Explanation.from_dict(json.loads(json.dumps(explanation.to_dict())))


@pytest.mark.parametrize(
    "source, inputs",
    [
        ("x = 2*w + b; y = b + 1; z = x*y", {"w": 3.0, "b": 4.0}),
        ("h = tanh(w*x + b); y = h*h + sigmoid(h) - log(w) / x", {"w": 0.7, "x": 1.3, "b": -0.2}),
        ("y = exp(-a) * relu(a) ** 3 + a ** b", {"a": 1.5, "b": 0.5}),
    ],
)
def test_the_json_form_round_trips(source, inputs):
    explanation = explain(program(source, **inputs))
    assert round_trip(explanation) == explanation
    assert round_trip(explanation).to_text() == explanation.to_text()


def test_the_json_numbers_are_the_engines_gradients():
    z, w, b = worked_example()
    data = json.loads(json.dumps(explain(z).to_dict()))
    assert data["schema"] == 2
    nodes = {node["name"]: node for node in data["nodes"]}
    assert [nodes["w"]["gradient"], nodes["b"]["gradient"]] == grad(z, [w, b]) == [10.0, 15.0]
    assert {n: node["kind"] for n, node in nodes.items()} == {
        "2": "constant",
        "w": "input",
        "v1": "intermediate",
        "b": "input",
        "x": "intermediate",
        "1": "constant",
        "y": "intermediate",
        "z": "output",
    }
    assert nodes["x"]["computed"] == "x = v1 + b = 6 + 4 = 10"
    assert nodes["b"]["gradient_text"] == "dz/db = 15"
    assert nodes["b"]["sum"] == "dz/db = ∂z/∂x·∂x/∂b + ∂z/∂y·∂y/∂b = 5·1 + 10·1 = 15"
    last = data["backward"][-1]
    assert last["node"] == "y"
    assert last["upstream_text"] == "dz/dy = 10"
    to_b = last["edges"][0]
    assert (to_b["parent"], to_b["local"], to_b["contribution"], to_b["total"]) == (
        "b",
        1.0,
        10.0,
        15.0,
    )
    assert to_b["received"] == [5.0, 10.0]
    assert to_b["total_text"] == "5 + 10 = 15"
    assert to_b["local_text"] == "∂y/∂b = 1"
    assert to_b["local_latex"] == r"\frac{\partial y}{\partial b} = 1"
    assert data["sums"][0]["latex"] == explain(worked_example()[0]).sums[0].latex()


def test_the_step_lines_are_the_lines_of_the_backward_text():
    z, _, _ = worked_example()
    explanation = explain(z)
    lines = [line for step in explanation.step_lines() for line in step]
    assert "\n".join(lines) == explanation.backward_text()
    assert [step["lines"] for step in explanation.to_dict()["backward"]] == [
        list(step) for step in explanation.step_lines()
    ]
    assert explanation.start_text() == (
        "The forward pass is done: z = x·y = 10·5 = 50. The backward pass starts with "
        "dz/dz = 1; every other gradient is ? until a step sends it."
    )


def test_parameters_are_marked():
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    y = named(w * x, "y")
    kinds = {node.name: node.kind for node in explain(y, params=[w]).nodes}
    assert kinds == {"w": "parameter", "x": "input", "y": "output"}


def test_an_unknown_schema_is_refused():
    z, _, _ = worked_example()
    data = explain(z).to_dict()
    data["schema"] = 1
    with pytest.raises(ValueError, match="schema 1: this version of autograd reads schema 2"):
        Explanation.from_dict(data)


def test_a_node_has_an_id_apart_from_its_name():
    w = Value(3.0, label="w")
    explanation = explain(named(2 * w * 2, "y"))  # two constants read 2
    nodes = explanation.nodes
    assert [(n.id, n.name) for n in nodes] == [
        ("2", "2"),
        ("w", "w"),
        ("v1", "v1"),
        ("2#2", "2"),
        ("y", "y"),
    ]
    assert [n.parents for n in nodes] == [(), (), ("2", "w"), (), ("v1", "2#2")]
    assert [n.symbol for n in nodes] == ["", "", "×", "", "×"]
    assert [n.gradient for n in nodes if n.kind != "constant"] == [4.0, 2.0, 1.0]
    step = explanation.backward[0]
    assert (step.id, [(e.parent_id, e.parent, e.slot) for e in step.edges]) == (
        "y",
        [("v1", "v1", 0), ("2#2", "2", 1)],
    )
    data = json.loads(json.dumps(explanation.to_dict()))
    assert [(n["id"], n["parents"]) for n in data["nodes"]][-1] == ("y", ["v1", "2#2"])
    assert data["backward"][0]["edges"][1]["parent_id"] == "2#2"


def test_the_model_answers_what_the_views_ask():
    z, _, _ = worked_example()
    explanation = explain(z)
    # What has arrived after each step: the total so far of each node, by id.
    assert {i: e.total for i, e in explanation.arrived(1).items()} == {"x": 5.0, "y": 10.0}
    assert {i: e.total for i, e in explanation.arrived(2).items()} == {
        "x": 5.0,
        "y": 10.0,
        "v1": 5.0,
        "b": 5.0,
    }
    assert explanation.arrived()["b"].received == (5.0, 10.0)
    assert explanation.step_of() == {"z": 1, "x": 2, "v1": 3, "y": 4}
    # The gradients a student finds, in the order the backward pass completes them.
    assert explanation.to_find() == ["x", "y", "w", "b"]
    assert [(k.top, k.local) for k in explanation.users("b")] == [("x", 1.0), ("y", 1.0)]
    assert explanation.link("z", "x").formula.text() == "y"  # one edge: its formula holds
    assert explanation.link("x", "w").formula is None  # through the unnamed v1
    assert explanation.link("x", "w").local == 2.0
    assert explanation.value("b") == 4.0


def test_a_formula_holds_for_one_edge_only():
    a = Value(3.0, label="a")
    explanation = explain(named(named(a * a, "h") + a, "y"))
    assert explanation.link("h", "a").formula is None  # a·a: two edges, 3 + 3
    assert explanation.link("h", "a").local == 6.0
    assert explanation.link("y", "a").formula.text() == "1"
