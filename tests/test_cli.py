"""The `autograd` command: each path, and each rejected input with its one-line error."""

import shutil
import subprocess
import sys
import warnings

import pytest
from test_explain import WORKED_EXAMPLE_TEXT

import autograd
from autograd import DomainError
from autograd.cli import main
from autograd.program import parse_program, parse_values

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed"
)

# What `autograd explain` prints: the program, then explain()'s text.
WORKED_EXAMPLE_OUTPUT = (
    "Program: x = 2*w + b; y = b + 1; z = x*y   at w = 3, b = 4\n\n" + WORKED_EXAMPLE_TEXT + "\n"
)


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def run_python_dash_m(*argv) -> subprocess.CompletedProcess:
    """The command in a process of its own: what a user's terminal shows."""
    return subprocess.run(
        [sys.executable, "-m", "autograd", *argv],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def test_explain_without_a_program_is_the_worked_example(capsys):
    assert run(capsys, "explain") == (0, WORKED_EXAMPLE_OUTPUT, "")


def test_explain_a_program(capsys):
    program = "x = 2*w + b; y = b + 1; z = x*y"
    assert run(capsys, "explain", program, "--at", "w=3", "b=4") == (0, WORKED_EXAMPLE_OUTPUT, "")
    assert run(capsys, "explain", program, "--at", "w=3,b=4") == (0, WORKED_EXAMPLE_OUTPUT, "")
    assert run(capsys, "explain", program, "--at", "w=3", "--at", "b=4")[1] == (
        WORKED_EXAMPLE_OUTPUT
    )


def test_other_values_for_the_worked_example(capsys):
    status, out, _ = run(capsys, "explain", "--at", "b=0")
    assert status == 0
    assert "Program: x = 2*w + b; y = b + 1; z = x*y   at w = 3, b = 0\n" in out
    assert "  dz/db = ∂z/∂x·∂x/∂b + ∂z/∂y·∂y/∂b = 1·1 + 6·1 = 7\n" in out


def test_a_program_on_several_lines(capsys):
    status, out, _ = run(capsys, "explain", "\n    u = w*x\n    L = u**2\n", "--at", "w=2", "x=3")
    assert status == 0
    assert "  dL/dw = ∂L/∂u·∂u/∂w = 12·3 = 36\n" in out


def test_formats(capsys):
    status, out, _ = run(capsys, "explain", "--format", "markdown")
    assert status == 0
    assert out.startswith(
        "Program: `x = 2*w + b; y = b + 1; z = x*y   at w = 3, b = 4`\n\n**Forward pass**\n"
    )
    assert "- dz/db = ∂z/∂x·∂x/∂b + ∂z/∂y·∂y/∂b = 5·1 + 10·1 = 15\n" in out
    status, out, _ = run(capsys, "explain", "--format", "latex")
    assert status == 0
    assert out.startswith(
        "% program: x = 2*w + b; y = b + 1; z = x*y   at w = 3, b = 4\n"
        "% compile with pdflatex or xelatex; the aligned environment needs amsmath\n$$\n"
    )
    assert out.endswith("\\end{aligned}\n$$\n")


NUDGE_TABLE = """\
Nudge experiment: add h = 0.1 to one node at a time and recompute z (= 50)

  node  value  z after the nudge  change in z  ∂z/∂node × h
  w     3      51                 1            1
  b     4      51.51              1.51         1.5
  x     10     50.5               0.5          0.5
  y     5      51                 1            1

For small h the change in z is close to ∂z/∂node × h: the gradient says how strongly z \
reacts to each node.
"""


def test_nudge(capsys):
    status, out, _ = run(capsys, "explain", "--nudge", "0.1")
    assert status == 0
    assert out == WORKED_EXAMPLE_OUTPUT + "\n" + NUDGE_TABLE


def test_nudge_in_markdown_and_latex(capsys):
    out = run(capsys, "explain", "--nudge", "0.1", "--format", "markdown")[1]
    assert "| y | 5 | 51 | 1 | 1 |\n" in out
    out = run(capsys, "explain", "--nudge", "0.1", "--format", "latex")[1]
    assert "%   x     10     50.5               0.5          0.5\n" in out


CHECK_OUTPUT = """\
Gradient check of z: the engine's backward pass against central finite differences \
(f(x + h) - f(x - h)) / 2h with h = 1e-06

  input  value  engine  finite difference  difference  agree
  w      3      10      10                 {dw}  yes
  b      4      15      15                 {db}  yes

All 2 gradients agree.
"""


def test_check_agrees(capsys):
    status, out, err = run(capsys, "check", "x = 2*w + b; y = b + 1; z = x*y", "--at", "w=3 b=4")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    dw, db = lines[3].split()[4], lines[4].split()[4]
    assert float(dw) < 1e-6 and float(db) < 1e-6
    assert out == CHECK_OUTPUT.format(dw=dw.ljust(10), db=db.ljust(10))


def test_check_disagrees_at_a_kink(capsys):
    status, out, err = run(capsys, "check", "y = relu(w)", "--at", "w=0")
    assert (status, err) == (1, "")
    assert "  w      0      0       0.5                0.5         NO\n" in out
    assert out.endswith(
        "It disagrees (beyond 1e-05 + 0.001·|finite difference|): a bug, or a kink such as "
        "relu at 0 where finite differences average the two sides\n"
    )


@needs_dot
def test_render_and_frames(capsys, tmp_path):
    pytest.importorskip("graphviz")
    pytest.importorskip("PIL")
    status, out, err = run(
        capsys,
        "explain",
        "y = 3*w",
        "--at",
        "w=2",
        "--render",
        str(tmp_path / "graphs" / "y.svg"),
        "--frames",
        str(tmp_path / "steps"),
    )
    assert status == 0
    assert out.startswith("Program: y = 3*w   at w = 2\n")
    assert err == (
        f"graph written to {tmp_path / 'graphs' / 'y.svg'}\n"
        f"2 backward-step images and backward.gif written to {tmp_path / 'steps'}\n"
    )
    assert "<svg" in (tmp_path / "graphs" / "y.svg").read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "steps").iterdir()) == [
        "backward.gif",
        "step_00.png",
        "step_01.png",
    ]


@needs_dot
def test_html_writes_a_lesson_page(capsys, tmp_path):
    pytest.importorskip("graphviz")
    path = tmp_path / "pages" / "lesson.html"
    status, out, err = run(capsys, "explain", "--html", str(path))
    assert (status, out, err) == (0, WORKED_EXAMPLE_OUTPUT, f"lesson page written to {path}\n")
    page = path.read_text(encoding="utf-8")
    assert (
        "<title>Backpropagation through x = 2*w + b; y = b + 1; z = x*y   at w = 3, b = 4</title>"
        in page
    )
    assert 'data-node="b"' in page


@needs_dot
def test_practice_writes_the_page_in_practice_mode(capsys, tmp_path):
    pytest.importorskip("graphviz")
    path = tmp_path / "lesson.html"
    status, out, err = run(capsys, "explain", "--html", str(path), "--practice")
    assert (status, out, err) == (0, WORKED_EXAMPLE_OUTPUT, f"lesson page written to {path}\n")
    assert '"mode": "practice"' in path.read_text(encoding="utf-8")
    run(capsys, "explain", "--html", str(path), "--trainer")
    assert '"mode": "trainer"' in path.read_text(encoding="utf-8")
    run(capsys, "explain", "--html", str(path))
    assert '"mode": "lesson"' in path.read_text(encoding="utf-8")


def test_practice_needs_html(capsys):
    status, out, err = run(capsys, "explain", "--practice")
    assert (status, out) == (2, "")
    assert err == "autograd: error: --practice is for the lesson page; add --html PATH\n"
    status, out, err = run(capsys, "explain", "--trainer")
    assert err == "autograd: error: --trainer is for the lesson page; add --html PATH\n"
    status, out, err = run(capsys, "explain", "--trainer", "--practice", "--html", "x.html")
    assert status == 2 and "two modes of the page; choose one" in err


def test_practice_needs_something_to_differentiate(capsys, tmp_path):
    # As `autograd practice "z = 3*2"` does: a page would have nothing to ask.
    status, out, err = run(
        capsys, "explain", "z = 3*2", "--html", str(tmp_path / "p.html"), "--practice"
    )
    assert (status, out, err) == (
        2,
        "",
        "autograd: error: --practice: the program has no input or named node to differentiate\n",
    )
    assert not (tmp_path / "p.html").exists()


def test_html_without_dot(capsys, monkeypatch, tmp_path):
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    status, out, err = run(capsys, "explain", "--html", str(tmp_path / "lesson.html"))
    assert (status, out) == (2, WORKED_EXAMPLE_OUTPUT)
    assert err == (
        "autograd: error: cannot draw the graph as SVG: Graphviz's dot program is not "
        "installed (install it with apt-get install graphviz (Debian, Ubuntu), brew install "
        "graphviz (macOS) or conda install graphviz)\n"
    )
    assert not (tmp_path / "lesson.html").exists()


def test_render_without_dot(capsys, monkeypatch, tmp_path):
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    status, out, err = run(capsys, "explain", "--render", str(tmp_path / "z.png"))
    assert status == 2
    assert out == WORKED_EXAMPLE_OUTPUT  # the explanation comes first
    assert err == (
        f"autograd: error: cannot draw {tmp_path / 'z.png'}: Graphviz's dot program is not "
        "installed (install it with apt-get install graphviz (Debian, Ubuntu), brew install "
        "graphviz (macOS) or conda install graphviz); the graph's DOT source is in "
        f"{tmp_path / 'z.dot'}\n"
    )
    assert (tmp_path / "z.dot").read_text(encoding="utf-8").startswith("digraph autograd {")


def test_render_an_unknown_extension(capsys, tmp_path):
    pytest.importorskip("graphviz")
    status, _, err = run(capsys, "explain", "--render", str(tmp_path / "z.jpg"))
    assert status == 2
    assert err == (
        f"autograd: error: cannot draw {tmp_path / 'z.jpg'}: unknown extension '.jpg'; "
        "use .svg, .png or .pdf\n"
    )


def drawing_options(tmp_path):
    """Each drawing option of explain, with where it would write."""
    return {
        "--html": ["--html", str(tmp_path / "lesson.html")],
        "--practice": ["--html", str(tmp_path / "practice.html"), "--practice"],
        "--trainer": ["--html", str(tmp_path / "trainer.html"), "--trainer"],
        "--render": ["--render", str(tmp_path / "graph.svg")],
        "--frames": ["--frames", str(tmp_path / "frames")],
    }


@pytest.mark.parametrize("option", ["--html", "--practice", "--trainer", "--render", "--frames"])
def test_drawing_options_refuse_a_node_used_too_often_before_any_layout(capsys, tmp_path, option):
    # w*w*...*w with 50 factors took 7.7 s to lay out, with 66 over 100 s: refused at once,
    # before anything is printed, in the server's words.
    program = "z = " + "*".join(["w"] * 50)
    status, out, err = run(
        capsys, "explain", program, "--at", "w=1", *drawing_options(tmp_path)[option]
    )
    assert (status, out) == (2, "")
    assert err == (
        "autograd: error: w is used 50 times, more than max_uses=20: Graphviz's layout time "
        "grows steeply with the edges out of one node; draw a smaller piece of it, or use w in "
        "fewer operations (a power such as w**3 for w*w*w)\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("option", "steps", "nodes", "limit"),
    [("--html", 250, 501, 500), ("--render", 250, 501, 500), ("--frames", 50, 101, 100)],
)
def test_drawing_options_refuse_a_graph_too_big(capsys, tmp_path, option, steps, nodes, limit):
    program = "; ".join(["t1 = w + 1"] + [f"t{i} = t{i - 1} + 1" for i in range(2, steps)])
    program += f"; z = t{steps - 1} + 1"
    status, out, err = run(
        capsys, "explain", program, "--at", "w=1", *drawing_options(tmp_path)[option]
    )
    assert (status, out) == (2, "")
    assert err.startswith(
        f"autograd: error: the graph has {nodes} nodes, more than max_nodes={limit}: "
    )
    assert run(capsys, "explain", program, "--at", "w=1")[0] == 0  # the text has no limit


@needs_dot
@pytest.mark.parametrize("option", ["--html", "--render", "--frames"])
def test_drawing_options_have_a_layout_timeout(capsys, monkeypatch, tmp_path, option):
    pytest.importorskip("graphviz")
    monkeypatch.setattr("autograd.cli.DOT_TIMEOUT", 1e-6)
    status, out, err = run(capsys, "explain", *drawing_options(tmp_path)[option])
    assert (status, out) == (2, WORKED_EXAMPLE_OUTPUT)
    assert err == (
        "autograd: error: the graph took more than 1e-06 s to lay out (Graphviz's dot); draw a "
        "smaller piece of it\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["explain"],
        ["check"],
        ["practice"],
        ["explain", "--nudge", "0.1"],
        ["explain", "--mode", "forward", "--wrt", "w"],
        ["codegen"],
        ["explain", "--html", "PAGE"],
        ["explain", "--render", "PAGE.svg"],
    ],
)
@pytest.mark.parametrize(
    ("program", "at"), [("z = w**-1.5", "w=1e-200"), ("z = sigmoid(w**1e-3)", "w=5e-324")]
)
def test_an_overflow_in_the_gradients_is_one_line_with_status_2(
    capsys, tmp_path, argv, program, at
):
    # The value fits a float, its derivative does not (in forward mode its tangent):
    # the engine raises DomainError for it (or, before it does, OverflowError);
    # either way one line and status 2, no traceback.
    command, *options = [str(tmp_path / a) if "PAGE" in a else a for a in argv]
    status, out, err = run(capsys, command, program, "--at", at, *options)
    if command == "codegen":  # the code is written, not run: nothing overflows
        assert (status, err) == (0, "")
        return
    assert (status, out) == (2, "")
    assert err.startswith("autograd: error: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["explain"],
        ["explain", "--nudge", "0.1"],
        ["check", "z = w**-1.5", "--at", "w=2"],
        ["practice"],
    ],
)
def test_a_domain_error_in_the_backward_pass_is_its_one_line(capsys, monkeypatch, argv):
    # The engine's DomainError for an overflow in a local rule (as the engine words it)
    # is the command's one line, word for word.
    message = "w**-1.5 at w = 1e-200: the local derivative -1.5·w**-2.5 is too large for a float"

    def backward(*args, **kwargs):
        raise DomainError(message)

    monkeypatch.setattr("autograd.cli.explain", backward)  # explain's trace runs backward
    monkeypatch.setattr("autograd.cli.grad", backward)
    monkeypatch.setattr("autograd.practice.explain", backward)
    assert run(capsys, *argv) == (2, "", f"autograd: error: {message}\n")


def test_python_syntax_warnings_are_not_shown(capsys):
    # "2and w" makes Python warn about an invalid decimal literal before the
    # program's own error: only the error is shown.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, out, err = run(capsys, "explain", "z = 2and w", "--at", "w=1")
    assert caught == []
    assert (status, out) == (2, "")
    assert err == f"autograd: error: and/or is not allowed: 2and w (column 5); {ALLOWED}\n"
    failed = run_python_dash_m("explain", "z = 2and w", "--at", "w=1")
    assert (failed.returncode, failed.stderr) == (2, err)


ALLOWED = (
    "a program may use numbers, names, + - * / **, unary minus, parentheses, "
    "exp/log/tanh/sigmoid/relu of one argument, and assignments"
)


@pytest.mark.parametrize(
    "argv, error",
    [
        (["explain", "y = w.data * 2", "--at", "w=1"],
         f"attribute access is not allowed: w.data (column 5); {ALLOWED}"),
        (["explain", "import os"], f"an import is not allowed: import os (column 1); {ALLOWED}"),
        (["explain", "y = lambda: 1"],
         f"a lambda is not allowed: lambda: 1 (column 5); {ALLOWED}"),
        (["explain", "y = a[0]", "--at", "a=1"],
         f"indexing is not allowed: a[0] (column 5); {ALLOWED}"),
        (["explain", "y = __import__('os')"],
         "unknown function __import__() (column 5); the functions are exp, log, tanh, "
         "sigmoid, relu"),
        (["explain", "y = sin(w)", "--at", "w=1"],
         "unknown function sin() (column 5); the functions are exp, log, tanh, sigmoid, relu"),
        (["explain", "y = exp(w, 2)", "--at", "w=1"],
         "exp() takes exactly one argument, got 2 (column 5)"),
        (["explain", "y = exp(x=w)", "--at", "w=1"],
         "exp() takes exactly one argument, got 1 (column 5)"),
        (["explain", "y = exp", "--at", "w=1"],
         "exp is a function (column 5); call it as exp(...)"),
        (["explain", "exp = 2*w", "--at", "w=1"],
         "cannot assign to exp (column 1): it is the name of a function"),
        (["explain", "y = w % 2", "--at", "w=1"],
         "the operator % is not allowed (column 5); use + - * / **"),
        (["explain", "y = ~w", "--at", "w=1"],
         "the operator in ~w is not allowed (column 5); only unary minus is"),
        (["explain", "y = w < 2", "--at", "w=1"],
         f"a comparison is not allowed: w < 2 (column 5); {ALLOWED}"),
        (["explain", "y = 'one'"], f"'one' is not a number (column 5); {ALLOWED}"),
        (["explain", "y = True * w", "--at", "w=1"], f"True is not a number (column 5); {ALLOWED}"),
        (["explain", "y = 2j * w", "--at", "w=1"], f"2j is not a number (column 5); {ALLOWED}"),
        (["explain", "y = 1e999 * w", "--at", "w=1"],
         "the number 1e999 is too large for a float (column 5)"),
        (["explain", "for i in w: pass", "--at", "w=1"],
         f"a for statement is not allowed: for i in w: pass (column 1); {ALLOWED}"),
        (["explain", "y += 1"],
         f"an augmented assignment is not allowed: y += 1 (column 1); {ALLOWED}"),
        (["explain", "a = b = w", "--at", "w=1"],
         "a chained assignment (column 1) is not allowed; assign one name at a time"),
        (["explain", "a, b = w, w", "--at", "w=1"],
         "cannot assign to a tuple (column 1); assign to a single name"),
        (["explain", "y = 2*w +", "--at", "w=1"], "invalid syntax (column 10)"),
        (["explain", ""], 'the program is empty; write e.g. "y = 2*x + 1"'),
        (["explain", "y = q * 2"],
         "unknown name q (column 5): give its value with --at q=NUMBER, or assign it before "
         "its first use"),
        (["explain", "y = x * 2; x = 3"], "x is used (column 5) before it is assigned (column 12)"),
        (["explain", "x = 2*w; x = 3*w", "--at", "w=1"],
         "x is assigned twice (column 1, and column 10); each name stands for one node, so give "
         "the second one a new name"),
        (["explain", "y = w", "--at", "w=1"],
         "y = w (column 5) only gives w a second name; use w itself"),
        (["explain", "2*w; y = 3*w", "--at", "w=1"],
         "this expression is not used (column 1): assign it to a name (e.g. t = ...); only the "
         "last statement may stand alone"),
        (["explain", "y = 2*w"], "unknown name w (column 7): give its value with --at w=NUMBER, "
         "or assign it before its first use"),
        (["explain", "y = 2*w", "--at", "w=1", "c=2"],
         "--at c=...: the program does not use c (w)"),
        (["explain", "y = 2*w; z = y*w", "--at", "w=1", "y=2"],
         "--at y=...: y is assigned in the program, so it is not an input"),
        (["explain", "y = 2*w", "--at", "w=abc"],
         "--at w=abc: 'abc' is not a number (e.g. 3, -0.5, 1e-3)"),
        (["explain", "y = 2*w", "--at", "w=nan"],
         "--at w=nan: 'nan' is not a number (e.g. 3, -0.5, 1e-3)"),
        (["explain", "y = 2*w", "--at", "w=1e999"], "--at w=1e999: 1e999 is too large for a float"),
        (["explain", "y = 2*w", "--at", "w"], "--at w: expected NAME=NUMBER, e.g. w=3"),
        (["explain", "y = 2*w", "--at", "w=1,w=2"], "--at w=2: w is given twice"),
        (["explain", "--at", "w=1", "y = 2*w"],
         "--at y = 2*w: this looks like the program; put the program before --at"),
        (["explain", "y = log(w)", "--at", "w=-1"],
         "log(w) (column 5): log of a non-positive number: log(w) with w = -1.0; log is "
         "defined for x > 0 only"),
        (["explain", "y = w / (w - 1)", "--at", "w=1"],
         "w / (w - 1) (column 5): division by zero in w / y with y = 0.0"),
        (["explain", "y = exp(w)", "--at", "w=1000"],
         "exp(w) (column 5): overflow in exp(w) with w = 1000.0: the result exceeds the largest "
         "float (about 1.8e308, reached at x = 709.78); for probabilities use sigmoid() or "
         "subtract the maximum first (log-sum-exp)"),
        (["explain", "y = 2*w", "--at", "w=1", "--format", "html"],
         "argument --format: invalid choice: 'html' (choose from 'text', 'markdown', 'latex') "
         "(see autograd --help)"),
        (["explain", "--nudge", "0"],
         "argument --nudge: '0' is not a nonzero number (e.g. 0.1) (see autograd --help)"),
        (["explain", "--nudge", "abc"],
         "argument --nudge: 'abc' is not a nonzero number (e.g. 0.1) (see autograd --help)"),
        (["check", "y = 3"], "nothing to check: the program has no inputs (names given with --at)"),
        (["check", "y = log(w)", "--at", "w=1e-7"],
         "finite differences for w: log(w) (column 5): log of a non-positive number: log(w) "
         "with w = -9e-07; log is defined for x > 0 only"),
        ([], "the following arguments are required: {explain,check,practice,serve,codegen} "
         "(see autograd --help)"),
        (["draw"], "argument {explain,check,practice,serve,codegen}: invalid choice: 'draw' "
         "(choose from 'explain', 'check', 'practice', 'serve', 'codegen') (see autograd --help)"),
        (["explain", "--frobnicate"], "unrecognized arguments: --frobnicate (see autograd --help)"),
    ],
)  # fmt: skip
def test_rejected_input_is_one_line_with_status_2(capsys, argv, error):
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert err == f"autograd: error: {error}\n"


def test_over_long_and_over_deep_programs(capsys):
    assert run(capsys, "explain", "y = " + "w + " * 3000 + "w", "--at", "w=1")[2] == (
        "autograd: error: the program is 12005 characters long, more than 10000; a graph that "
        "size is better built in Python\n"
    )
    assert run(capsys, "explain", "y = " + "-" * 5000 + "w", "--at", "w=1")[2] == (
        "autograd: error: the program is nested too deeply to read; keep expressions under 200 "
        "levels by splitting them into assignments\n"
    )
    assert run(capsys, "explain", "y = " + "+".join(["w"] * 300), "--at", "w=1")[2] == (
        "autograd: error: the expression is nested more than 200 levels deep (column 205); "
        "split it into assignments\n"
    )
    assert run(capsys, "explain", "y = " + "(" * 300 + "w" + ")" * 300, "--at", "w=1")[2] == (
        "autograd: error: too many nested parentheses (column 205)\n"
    )


def test_nothing_is_ever_evaluated(capsys, tmp_path):
    marker = tmp_path / "pwned"
    program = f"y = __import__('os').system('touch {marker}')"
    assert run(capsys, "explain", program)[0] == 2
    assert not marker.exists()


def test_parse_values():
    assert parse_values(["w=3", "b=-4.5,c=1e-3", " d = .5  e=+2"]) == {
        "w": 3.0,
        "b": -4.5,
        "c": 0.001,
        "d": 0.5,
        "e": 2.0,
    }


def test_program_inputs_and_constants():
    program = parse_program("c = 3; y = c*w + 2*3")
    assert (program.inputs, program.assigned) == (("w",), ("c", "y"))
    y, named = program.run({"w": 2.0})
    assert y.data == 12.0
    y.backward()
    assert (named["c"].grad, named["w"].grad) == (2.0, 3.0)


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "usage: autograd [-h] [--version] [--lang {en,zh}]\n"
        "                {explain,check,practice,serve,codegen} ...\n"
    )
    assert '  autograd explain "x = 2*w + b; y = b + 1; z = x*y" --at w=3 b=4\n' in out
    assert '  autograd check "z = log(w) * exp(b)" --at w=2 b=0.5\n' in out
    assert "  autograd practice --level 2 --seed 1\n" in out
    assert "  autograd serve --open\n" in out
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    assert "--nudge H" in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"autograd {autograd.__version__}\n"


def test_python_dash_m_autograd():
    done = run_python_dash_m("explain", "y = 2*w; z = y*y", "--at", "w=1.5")
    assert (done.returncode, done.stderr) == (0, "")
    # y·y: two edges from y, one term each.
    assert done.stdout.splitlines()[-2] == "  dz/dw = ∂z/∂y·∂y/∂w + ∂z/∂y·∂y/∂w = 3·2 + 3·2 = 12"
    failed = run_python_dash_m("explain", "y = log(w)", "--at", "w=0")
    assert failed.returncode == 2
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
