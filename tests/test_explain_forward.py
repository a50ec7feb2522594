"""explain(mode="forward"): the forward sweep of tangents, as a teacher writes it,
and `autograd explain --mode forward --wrt NAME`. Texts are compared exactly."""

from pathlib import Path

import pytest
from test_explain import WORKED_EXAMPLE_TEXT, worked_example

from autograd import Value, define_op, jvp
from autograd.cli import main
from autograd.explain import explain
from autograd.trace import tangent_symbol

FORWARD_PASS = WORKED_EXAMPLE_TEXT.split("\n\nBackward pass")[0]
COST = (
    "Cost: 2 inputs and 1 output: reverse mode needs 1 backward sweep, "
    "forward mode 2 forward sweeps (one per input)."
)

SWEEP_BY_W = f"""\
{FORWARD_PASS}

Forward-mode sweep by w (each tangent is Σ local derivative × the parent's tangent):
  ẇ = 1   (seed: the input we differentiate by)
  ḃ = 0   (seed: held fixed)
  v̇1 = ∂v1/∂w·ẇ = 2·1 = 2
  ẋ = ∂x/∂v1·v̇1 + ∂x/∂b·ḃ = 1·2 + 1·0 = 2
  ẏ = ∂y/∂b·ḃ = 1·0 = 0
  ż = ∂z/∂x·ẋ + ∂z/∂y·ẏ = 5·2 + 10·0 = 10

dz/dw = ż = 10
{COST}"""

SWEEP_BY_B = """\
  ẇ = 0   (seed: held fixed)
  ḃ = 1   (seed: the input we differentiate by)
  v̇1 = ∂v1/∂w·ẇ = 2·0 = 0
  ẋ = ∂x/∂v1·v̇1 + ∂x/∂b·ḃ = 1·0 + 1·1 = 1
  ẏ = ∂y/∂b·ḃ = 1·1 = 1
  ż = ∂z/∂x·ẋ + ∂z/∂y·ẏ = 5·1 + 10·1 = 15"""


def test_worked_example_forward_by_w():
    z, w, _ = worked_example()
    explanation = explain(z, mode="forward", wrt=w)
    assert str(explanation) == SWEEP_BY_W
    assert explanation.derivative == 10.0
    assert w.grad == 0.0  # forward mode touches no .grad


def test_worked_example_forward_by_b_is_the_second_sweep():
    z, _, b = worked_example()
    text = str(explain(z, mode="forward", wrt=b))
    assert SWEEP_BY_B in text
    assert "dz/db = ż = 15" in text


def test_every_tangent_equals_jvp_and_the_reverse_gradient():
    z, w, b = worked_example()
    reverse = explain(z)
    for x, tangents in ((w, [1.0, 0.0]), (b, [0.0, 1.0])):
        forward = explain(z, mode="forward", wrt=x)
        assert forward.derivative == reverse.gradients[x.label]
        assert forward.derivative == jvp(lambda w, b: (2 * w + b) * (b + 1), [3, 4], tangents)[1]


def test_x_times_x_times_x_counts_each_edge():
    x = Value(2.0, label="x")
    z = x * x * x
    z.label = "z"
    sweep = explain(z, mode="forward", wrt=x).sweep_text().splitlines()
    assert sweep == [
        "ẋ = 1   (seed: the input we differentiate by)",
        "v̇1 = ∂v1/∂x·ẋ + ∂v1/∂x·ẋ = 2·1 + 2·1 = 4",
        "ż = ∂z/∂v1·v̇1 + ∂z/∂x·ẋ = 2·4 + 4·1 = 12",
    ]


def test_a_user_defined_operation_is_explained_by_its_formula(restore_tables):
    cube = define_op(
        "cube_fwd",
        lambda a: a**3,
        lambda out, a: (3 * a**2,),
        formula="{0}^3",
        derivatives=("3·{0}^2",),
    )
    a = Value(2.0, label="a")
    y = cube(a)
    y.label = "y"
    explanation = explain(y, mode="forward", wrt=a)
    assert "y = a^3 = 2^3 = 8" in str(explanation)
    assert "ẏ = ∂y/∂a·ȧ = 12·1 = 12" in str(explanation)


def test_markdown_and_latex():
    z, w, _ = worked_example()
    explanation = explain(z, mode="forward", wrt=w)
    markdown = explanation.to_markdown()
    assert "| x | ẋ = ∂x/∂v1·v̇1 + ∂x/∂b·ḃ = 1·2 + 1·0 = 2 |" in markdown
    assert "**dz/dw = ż = 10**" in markdown and COST in markdown
    assert explanation._repr_markdown_() == markdown
    latex = explanation.to_latex()
    assert (
        r"\dot{x} &= \frac{\partial x}{\partial v_{1}} \dot{v}_{1} + "
        r"\frac{\partial x}{\partial b} \dot{b} = 1 \cdot 2 + 1 \cdot 0 = 2"
    ) in latex
    assert r"\frac{\mathrm{d} z}{\mathrm{d} w} &= \dot{z} = 10" in latex


def test_the_reverse_explanation_states_its_cost():
    z, _, _ = worked_example()
    assert explain(z).cost() == COST


def test_tangent_symbol():
    assert [tangent_symbol(n) for n in ("x", "w", "v1", "x#2", "loss")] == [
        "ẋ",
        "ẇ",
        "v\u03071",
        "ẋ#2",
        "(loss)˙",
    ]


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"mode": "forward"}, ValueError, "needs wrt=, the input to differentiate by"),
        ({"mode": "forward", "wrt": 3.0}, TypeError, "wrt must be an input Value, got float"),
        ({"mode": "sideways"}, ValueError, "mode must be 'reverse' or 'forward', got 'sideways'"),
        ({"wrt": "w"}, ValueError, "wrt= chooses the input of a forward sweep"),
    ],
)
def test_bad_arguments(kwargs, error, words):
    z, _, _ = worked_example()
    with pytest.raises(error) as caught:
        explain(z, **kwargs)
    assert words in str(caught.value)


def test_wrt_must_be_an_input_of_the_output():
    z, _, _ = worked_example()
    x = z.parents[0]
    with pytest.raises(ValueError, match=r"wrt=x is computed from other nodes.*: w, b"):
        explain(z, mode="forward", wrt=x)
    with pytest.raises(ValueError, match="wrt=q is not in the graph"):
        explain(z, mode="forward", wrt=Value(1.0, label="q"))


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_the_readme_shows_this_sweep():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert SWEEP_BY_W.split("\n\n", 1)[1] in readme


def test_command_line_forward_mode(capsys):
    status, out, err = run(capsys, "explain", "--mode", "forward", "--wrt", "w")
    heading = "Program: x = 2*w + b; y = b + 1; z = x*y   at w = 3, b = 4\n\n"
    assert (status, out, err) == (0, heading + SWEEP_BY_W + "\n", "")


def test_command_line_forward_mode_in_markdown(capsys):
    argv = ["y = 3*a", "--at", "a=2", "--mode", "forward", "--wrt", "a", "--format", "markdown"]
    status, out, _ = run(capsys, "explain", *argv)
    assert status == 0 and "| y | ẏ = ∂y/∂a·ȧ = 3·1 = 3 |" in out


@pytest.mark.parametrize(
    "argv, error",
    [
        (["--mode", "forward"], "--mode forward needs --wrt NAME, the input to differentiate by"),
        (["--wrt", "w"], "--wrt w is for --mode forward; add --mode forward"),
        (["--mode", "forward", "--wrt", "x"], "--wrt x: x is assigned in the program"),
        (
            ["--mode", "forward", "--wrt", "q"],
            "--wrt q: q is not used in the program; choose an input: w, b",
        ),
        (["--mode", "forward", "--wrt", "w", "--nudge", "0.1"], "--nudge shows the backward pass"),
        (["--mode", "sideways"], "invalid choice: 'sideways'"),
    ],
)
def test_command_line_forward_mode_errors(capsys, argv, error):
    status, out, err = run(capsys, "explain", *argv)
    assert status == 2 and out == ""
    assert error in err


def test_an_undefined_local_derivative_times_a_zero_tangent_is_left_out():
    # z = w**b at w = -2: ∂z/∂b = z·ln(w) is undefined, but ḃ = 0, so the sum is -4.
    w, b = Value(-2.0, label="w"), Value(2.0, label="b")
    z = w**b
    z.label = "z"
    text = explain(z, mode="forward", wrt=w).to_text()
    assert "ż = ∂z/∂w·ẇ = (-4)·1 = -4" in text
    assert "nan" not in text
