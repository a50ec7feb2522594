"""中文: explain, forward mode, drawings' titles, errors and the command in Chinese.

The worked example's Chinese output is stored in tests/data/zh/ (reviewed line
by line against the English: every number the same, which a test checks too);
a scan of Chinese output for English words left over (beyond names, function
names, commands and the notation) runs over several graphs, every CLI error
we can provoke, every command's help and the drawings' titles.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import Value, explain
from autograd.cli import main
from autograd.errors import DomainError
from autograd.explain.text import frame_title
from autograd.i18n import display_width, error_text, use_language
from autograd.nn import MLP
from autograd.program import ProgramError, parse_program, parse_values

DATA = Path(__file__).with_name("data") / "zh"
ROOT = Path(__file__).resolve().parent.parent
WORKED = ["x = 2*w + b; y = b + 1; z = x*y", "--at", "w=3", "b=4"]
NUMBER = re.compile(r"(?<![A-Za-z_\d])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def run(capsys, *argv) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def run_process(*argv, env=None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    environ.update(env or {})
    environ["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "autograd", *argv],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environ,
        check=False,
    )


LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

# --- the worked example, stored -------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "stored"),
    [
        ((), "explain.txt"),
        (("--format", "markdown"), "explain.md"),
        (("--format", "latex"), "explain.tex"),
        (("--mode", "forward", "--wrt", "b"), "explain_forward.txt"),
    ],
)
def test_the_worked_example_in_chinese_is_the_stored_text(capsys, argv, stored):
    status, out, _ = run(capsys, "--lang", "zh", "explain", *argv)
    assert status == 0
    assert out == (DATA / stored).read_text(encoding="utf-8")
    # Every number the same as in English, in the same order.
    _, english, _ = run(capsys, "explain", *argv)
    assert NUMBER.findall(out) == NUMBER.findall(english)
    assert len(out.splitlines()) == len(english.splitlines())


def test_explain_lang_writes_every_form_in_chinese():
    stored = (DATA / "explain.txt").read_text(encoding="utf-8")
    z = parse_program(WORKED[0]).run(parse_values(WORKED[2:]))[0]
    explanation = explain(z, lang="zh")
    assert explanation.lang == "zh"
    assert str(explanation) + "\n" == stored.split("\n\n", 1)[1]
    assert explanation.to_markdown() == (DATA / "explain.md").read_text().split("\n\n", 1)[1]
    assert explanation._repr_markdown_() == explanation.to_markdown()
    assert explanation.to_latex() in (DATA / "explain.tex").read_text()
    data = explanation.to_dict()
    assert data["start"].startswith("正向传播已完成")
    assert "收到" in data["backward"][0]["lines"][1]
    # The context's language when no lang is given; an explicit lang wins.
    with use_language("zh"):
        assert explain(z).lang == "zh"
        assert explain(z, lang="en").lang == "en"
    assert explain(z).lang == "en"
    assert str(explanation.in_language("en")) == str(explain(z))


def test_the_text_lines_up_by_display_width():
    a = Value(2.0, label="甲")
    b = Value(3.0, label="b")
    y = a * b
    y.label = "y"
    lines = str(explain(y, lang="zh")).splitlines()
    forward = [line for line in lines if line.startswith("  ") and " = " in line][:3]
    columns = {display_width(line.split(" = ")[0]) for line in forward}
    assert len(columns) == 1, forward


# --- no English left over --------------------------------------------------------

# Words a Chinese output may contain: the notation and the functions, commands,
# options and their values, file names, packages, LaTeX's words.
ALLOWED = frozenset(
    re.findall(
        r"\S+",
        """
       exp log ln tanh sigmoid relu sin cos d mathrm partial frac cdot times quad text textbf
       begin end aligned left right Rightarrow sigma operatorname if else usepackage ctex
       xelatex amsmath autograd explain check practice serve codegen lang en zh at format
       markdown latex text mode reverse forward wrt render frames html trainer nudge level seed
       sheet host port open allow help version program python PATH DIR NAME NUMBER AT H N SEED
       HOST PORT svg png pdf gif backward steps lesson graph PNG HTML GIF LANGUAGE LC_ALL
       LC_MESSAGES LANG UTF zh_CN Ctrl localhost teacher laptop local compile_graph Python pip
       install scalar apt get graphviz brew conda Debian Ubuntu macOS Graphviz dot DOT Pillow
       Value define_op float max_uses max_nodes f x h NUL U rng init MLP nin nout sizes Neuron
       Layer from_weights weights Starlette uvicorn lambda import and or SQLite postgresql db
        """,
    )
)
WORD = re.compile(r"[A-Za-z][A-Za-z_]*")


def leftover_english(text: str, names=()) -> list[str]:
    """The English words of ``text`` that are not a name, a function, a command or
    the notation (LaTeX commands and code in backquotes or quotes are left out)."""
    text = re.sub(r"\\[A-Za-z]+", " ", text)  # LaTeX commands
    text = re.sub(r"[d∂][\w#]+/[d∂][\w#]+", " ", text)  # dz/db, ∂x/∂b
    text = re.sub(r"_\{[^}]*\}", "", text)  # LaTeX subscripts: v_{1}
    text = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"", " ", text)  # code and quoted input
    text = re.sub(r"--?[\w-]+", " ", text)  # options
    text = re.sub(r"\{[\w,]+\}", " ", text)  # choices
    allowed = ALLOWED | set(names)
    return sorted({w for w in WORD.findall(text) if w not in allowed and len(w) > 1})


def graphs():
    """Several graphs, each with the names its output may show."""
    z = parse_program(WORKED[0]).run(parse_values(WORKED[2:]))[0]
    yield "worked example", z
    x1, w1, b = Value(2.0, label="x1"), Value(-3.0, label="w1"), Value(6.88, label="b")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    yield "lecture neuron", o
    x = Value(3.0, label="x")
    cube = x * x * x
    cube.label = "y"
    yield "x*x*x", cube
    w = Value(0.5, label="w")
    folded = (w * 2 + 1).exp() * w
    folded.label = "f"
    yield "folded unnamed nodes", folded
    model = MLP(3, [4, 4, 1], seed=0)
    total = sum(model([1.0, -2.0, 0.5]) for _ in range(2))
    total.label = "s"
    yield "large grouped MLP sum", total


@pytest.mark.parametrize(("title", "root"), list(graphs()), ids=[g[0] for g in graphs()])
def test_no_english_is_left_in_chinese_explanations(title, root):
    from autograd.engine import topological_order

    names = {n.label for n in topological_order(root) if n.label}
    names |= {f"v{i}" for i in range(1, 400)}
    explanation = explain(root, lang="zh")
    for form in (str(explanation), explanation.to_markdown(), explanation.to_latex()):
        assert not leftover_english(form, names), (title, leftover_english(form, names))
    for step in range(len(explanation.backward) + 1):
        assert not leftover_english(frame_title(explanation, step), names)
    leaves = [n for n in topological_order(root) if not n.parents and n.label]
    forward = explain(root, mode="forward", wrt=leaves[0], lang="zh")
    for form in (str(forward), forward.to_markdown(), forward.to_latex()):
        assert not leftover_english(form, names), (title, leftover_english(form, names))


def test_the_english_scan_finds_english():
    assert leftover_english("Forward pass: x = 2") == ["Forward", "pass"]
    assert leftover_english("正向传播：x = exp(w)·2", {"x", "w"}) == []


# One command per error message of the command line that we can provoke.
CLI_ERRORS = [
    ("explain", "y = 2*"),
    ("explain", "y = 2*q", "--at", "w=1"),
    ("explain", "y = a.b", "--at", "a=1"),
    ("explain", "y = foo(a)", "--at", "a=1"),
    ("explain", "y = exp(a, a)", "--at", "a=1"),
    ("explain", "y = a; y = a*2", "--at", "a=1"),
    ("explain", "y = a/b", "--at", "a=1", "b=0"),
    ("explain", "y = log(a)", "--at", "a=-1"),
    ("explain", "y = exp(a)", "--at", "a=1000"),
    ("explain", "y = a**0.5", "--at", "a=-4"),
    ("explain", "y = 2*a", "--at", "a"),
    ("explain", "y = 2*a", "--at", "a=x"),
    ("explain", "y = 2*a", "--at", "a=1", "a=2"),
    ("explain", "y = 2*a", "--at", "a=1", "c=2"),
    ("explain", "", "--at", "a=1"),
    ("explain", "y = 2*a", "--at", "a=1", "--wrt", "a"),
    ("explain", "y = 2*a", "--at", "a=1", "--practice"),
    ("explain", "y = 2*a", "--at", "a=1", "--trainer"),
    ("explain", "y = 2*a", "--at", "a=1", "--mode", "forward"),
    ("explain", "y = 2*a", "--at", "a=1", "--mode", "forward", "--wrt", "y"),
    ("explain", "y = 2*a", "--at", "a=1", "--mode", "forward", "--wrt", "q"),
    ("explain", "y = 2*a", "--at", "a=1", "--nudge", "0"),
    ("explain", "y = 2*a", "--at", "a=1", "--render", "graph.txt"),
    ("explain", "--format", "word"),
    ("explain", "--bogus"),
    ("check",),
    ("check", "y = 3"),
    ("codegen", "y = 3"),
    ("practice", "--seed", "x"),
    ("practice", "--sheet", "1000"),
    ("practice", "--format", "markdown"),
    ("practice", "y = 2*a", "--level", "2"),
    ("serve", "--port", "70000"),
    ("frobnicate",),
]


@pytest.mark.parametrize("argv", CLI_ERRORS, ids=[" ".join(a) for a in CLI_ERRORS])
def test_cli_errors_in_chinese(capsys, argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "--lang", "zh", *argv)
    assert status == 2, (out, err)
    assert err.startswith("autograd：错误："), err
    assert err.count("\n") == 1, err
    names = {"y", "a", "b", "c", "q", "foo", "word", "bogus", "frobnicate", "graph", "txt"}
    assert not leftover_english(err, names), (err, leftover_english(err, names))
    # and in English, the same error
    status, _, english = run(capsys, "--lang", "en", *argv)
    assert status == 2
    assert english.startswith("autograd: error: ")


@pytest.mark.parametrize("command", ["", "explain", "check", "practice", "serve", "codegen"])
def test_cli_help_in_chinese(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        main(["--lang", "zh", *([command] if command else []), "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：autograd")
    assert "选项：\n" in out
    names = {"w", "b", "x", "y", "z", "tanh", "log"}
    # The examples' commands are code; their explanations are Chinese.
    said = "\n".join(line for line in out.splitlines() if not line.startswith("  autograd "))
    assert not leftover_english(said, names), leftover_english(said, names)
    for line in out.splitlines():
        assert display_width(line) <= 80 or line.startswith("  autograd "), line


def test_errors_say_themselves_in_chinese():
    with pytest.raises(ProgramError) as info:
        parse_program("y = 2*")
    assert error_text(info.value, "zh") == "语法错误（第 7 列）。"
    with pytest.raises(DomainError) as info:
        Value(1.0, label="a") / Value(0.0, label="b")
    assert error_text(info.value, "zh") == "a / b（其中 b = 0.0）：除以零。"
    assert str(info.value) == "division by zero in a / b with b = 0.0"
    with use_language("zh"), pytest.raises(DomainError) as info:
        Value(-1.0, label="a").log()
    assert str(info.value) == "对非正数取对数：log(a)（其中 a = -1.0）；log 只在 x > 0 时有定义。"


# --- the environment ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "argv", "chinese"),
    [
        ({"LANG": "zh_CN.UTF-8"}, (), True),
        ({"LANG": "zh_CN.UTF-8"}, ("--lang", "en"), False),
        ({"LANG": "en_US.UTF-8"}, ("--lang", "zh"), True),
        ({"LANGUAGE": "zh:en", "LANG": "en_US.UTF-8"}, (), True),
        ({"LANGUAGE": "fr:zh"}, (), True),
        ({"LC_ALL": "zh_SG.UTF-8", "LANG": "en_US.UTF-8"}, (), True),
        ({"LC_MESSAGES": "zh_TW.UTF-8"}, (), True),
        ({"LANG": "C"}, (), False),
        ({}, (), False),
    ],
)
def test_the_command_speaks_the_environments_language(env, argv, chinese):
    done = run_process("explain", "y = 3*a", "--at", "a=2", *argv, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("程序：" if chinese else "Program: ")


def test_lang_after_the_command_wins_and_errors_follow_it():
    done = run_process("--lang", "en", "explain", "y = 3*", "--lang", "zh", env={})
    assert done.returncode == 2
    assert done.stderr.startswith("autograd：错误：")
    done = run_process("explain", "--lang", "fr", env={"LANG": "zh_CN.UTF-8"})
    assert done.returncode == 2
    assert "fr" in done.stderr and done.stderr.startswith("autograd：错误：")


def test_drawings_speak_chinese():
    from autograd.draw import GraphTooBigError, check_drawable, draw

    a = Value(2.0, label="a")
    y = a * 3
    y.label = "y"
    source = draw(y, lang="zh").source
    assert "{ 常数 | data 3 }" in source  # data and grad are Value's attributes: names
    with pytest.raises(GraphTooBigError) as info:
        check_drawable(y, max_nodes=1)
    said = error_text(info.value, "zh")
    assert said.startswith("计算图有 3 个节点，超过了 max_nodes=1：")
    assert not leftover_english(said, {"max_nodes"})
    explanation = explain(y, lang="zh")
    assert (
        frame_title(explanation, 0)
        == "反向传播，第 0 步，共 1 步：从 dy/dy = 1 开始；其他梯度都是 ?"
    )
    assert frame_title(explanation, 1).startswith("第 1 步，共 1 步：y = a·3 把它的梯度")


# The LaTeX commands explain writes; anything else would not compile (CI has no TeX).
LATEX_COMMANDS = set(
    re.findall(
        r"\S+",
        """
        begin end text textbf frac partial mathrm cdot times quad qquad left right
        Rightarrow sigma exp log ln tanh operatorname textbackslash textasciitilde
        textasciicircum dot ldots cdots ne approx le ge infty
        """,
    )
)


def latex_problems(latex: str) -> list[str]:
    """What would keep a LaTeX fragment from compiling: unbalanced braces or
    environments, an unknown command, a special character outside math escapes."""
    problems = []
    body = "\n".join(line for line in latex.splitlines() if not line.startswith("%"))
    depth = 0
    for char in re.sub(r"\\[{}%&$#_]", "", body):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            problems.append("a } closes nothing")
    if depth:
        problems.append(f"{depth} braces left open")
    environments = re.findall(r"\\(begin|end)\{(\w+)\}", body)
    stack = []
    for kind, name in environments:
        if kind == "begin":
            stack.append(name)
        elif not stack or stack.pop() != name:
            problems.append(f"\\end{{{name}}} does not close its \\begin")
    problems += [f"\\begin{{{name}}} never ends" for name in stack]
    if body.count("$$") % 2:
        problems.append("an odd number of $$")
    commands = set(re.findall(r"\\([A-Za-z]+)", body))
    problems += [f"unknown command \\{c}" for c in sorted(commands - LATEX_COMMANDS)]
    return problems


@pytest.mark.parametrize(("title", "root"), list(graphs()), ids=[g[0] for g in graphs()])
def test_chinese_latex_is_well_formed(title, root):
    from autograd.engine import topological_order

    for lang in ("en", "zh"):
        latex = explain(root, lang=lang).to_latex()
        assert not latex_problems(latex), (title, lang, latex_problems(latex))
        leaves = [n for n in topological_order(root) if not n.parents and n.label]
        latex = explain(root, mode="forward", wrt=leaves[0], lang=lang).to_latex()
        assert not latex_problems(latex), (title, lang, latex_problems(latex))
    stored = (DATA / "explain.tex").read_text(encoding="utf-8")
    assert not latex_problems(stored)
    assert "xelatex" in stored.splitlines()[1] and "ctex" in stored.splitlines()[1]


def test_the_latex_check_finds_problems():
    assert latex_problems(r"$$\begin{aligned} x \foo{1 \end{aligned}$$") == [
        "1 braces left open",
        "unknown command \\foo",
    ]
