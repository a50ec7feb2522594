"""The ``autograd`` command: explain, draw, check or compile the gradients of a tiny program.

A program is a few assignments, separated by ``;`` or newlines; the last
statement is the output and the names it uses without assigning them are the
inputs, given with ``--at``::

    autograd explain "x = 2*w + b; y = b + 1; z = x*y" --at w=3 b=4

The program language (what a program may contain, its limits, ``--at``'s
``NAME=NUMBER`` items) is ``autograd.program``'s; this module is only the
command around it, on the top floor: it imports the rest, and nothing imports
it. Any mistake ends the command with status 2 and one line on stderr:
``autograd: error: ...``, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence

from autograd import __version__
from autograd.classes import DEFAULT_DB
from autograd.compile import compile_graph
from autograd.draw import INSTALL_DOT, check_drawable, render, render_backward_steps
from autograd.engine import Value, grad, no_grad, topological_order
from autograd.explain import explain, format_number
from autograd.lesson import lesson
from autograd.practice import Exercise, diagnose, exercise, worksheet
from autograd.program import (
    FUNCTIONS,
    NUMBER,
    WORKED_EXAMPLE,
    WORKED_EXAMPLE_AT,
    Program,
    ProgramError,
    parse_program,
    parse_values,
)

__all__ = ["main"]

FINITE_DIFFERENCE_STEP = 1e-6
ATOL, RTOL = 1e-5, 1e-3  # as in engine.gradcheck: agree when |a - n| <= ATOL + RTOL·|n|
# What the drawing options draw (checked, and worded, as the server checks its
# smaller limits: autograd.draw.check_drawable), and how long one layout may take.
MAX_NODES = 500  # --html, --render
MAX_FRAMES = 100  # --frames: one image per backward step
DOT_TIMEOUT = 10.0  # seconds


def _nonzero_number(text: str) -> float:
    if not NUMBER.fullmatch(text.strip()) or not 0 < abs(float(text)) < math.inf:
        raise argparse.ArgumentTypeError(f"{text!r} is not a nonzero number (e.g. 0.1)")
    return float(text)


EPILOG = f"""\
examples:
  autograd explain
      the worked example {WORKED_EXAMPLE} at w=3, b=4
  autograd explain "x = 2*w + b; y = b + 1; z = x*y" --at w=3 b=4
  autograd explain "h = tanh(w*x + b)" --at w=0.5,x=2,b=-1 --format markdown
  autograd explain --render graph.svg --frames steps/
      also draw the graph, and one image per backward step (plus steps/backward.gif)
  autograd explain --html lesson.html
      also write a lesson page: step through the backward pass in a browser, offline
  autograd explain --html lesson.html --practice
      the lesson page in practice mode: it asks for each gradient and checks the answer
  autograd explain --html lesson.html --trainer
      the chain-rule trainer: each local derivative, product and sum, step by step
  autograd explain --nudge 0.1
      nudge each node by 0.1: the output moves by about gradient × 0.1
  autograd explain --mode forward --wrt w
      forward mode: the tangent of every node, seeded with ẇ = 1
  autograd check "z = log(w) * exp(b)" --at w=2 b=0.5
      compare the gradients with finite differences
  autograd practice --level 2 --seed 1
      find the gradients by hand; each answer is checked as you type it
  autograd practice "x = 2*w + b; y = b + 1; z = x*y" --at w=3 b=4
  autograd practice --sheet 10 --level 2 --seed 1 --format markdown
      a worksheet of ten exercises and its answer key
  autograd serve --open
      a live lesson page for a class: type a program, change a value, step through
  autograd codegen "h = tanh(w*x + b)" --at w=0.5,x=2,b=-1
      the Python code of the forward and backward pass (compile_graph)

A program: assignments separated by ; or newlines, using numbers, names,
+ - * / **, unary minus, parentheses and {", ".join(FUNCTIONS)}. The last
statement is the output; names used without being assigned are the inputs
(give each a value with --at, after the program). Errors exit with status 2.
"""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (see main) instead of usage and exit."""

    def error(self, message: str):
        raise ProgramError(f"{message} (see autograd --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="autograd",
        description="Explain, draw and check backpropagation on a tiny program.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"autograd {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="{explain,check,practice,serve,codegen}"
    )
    commands.required = True

    program_help = "assignments separated by ; or newlines (default: the worked example)"
    at_help = "input values: NAME=NUMBER items, separated by spaces or commas"

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=help, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
        )

    def add_at(command_parser: argparse.ArgumentParser) -> None:
        command_parser.add_argument("--at", nargs="+", action="extend", default=[], help=at_help)

    explain_parser = command(
        "explain",
        help="the forward pass, the backward pass and the chain rule, step by step",
    )
    explain_parser.add_argument("program", nargs="?", help=program_help)
    add_at(explain_parser)
    explain_parser.add_argument(
        "--format", choices=("text", "markdown", "latex"), default="text", help="output format"
    )
    explain_parser.add_argument(
        "--mode",
        choices=("reverse", "forward"),
        default="reverse",
        help="reverse: the backward pass (default); forward: one forward sweep of tangents",
    )
    explain_parser.add_argument(
        "--wrt", metavar="NAME", help="with --mode forward: the input to differentiate by"
    )
    explain_parser.add_argument(
        "--render", metavar="PATH", help="draw the graph to PATH (.svg, .png or .pdf)"
    )
    explain_parser.add_argument(
        "--frames", metavar="DIR", help="one PNG per backward step in DIR, plus backward.gif"
    )
    explain_parser.add_argument(
        "--html",
        metavar="PATH",
        help="write a lesson page to PATH: one HTML file to step through in a browser",
    )
    explain_parser.add_argument(
        "--practice",
        action="store_true",
        help="with --html: open the page in practice mode, asking for each gradient",
    )
    explain_parser.add_argument(
        "--trainer",
        action="store_true",
        help="with --html: open the page in trainer mode, asking for each local derivative, "
        "product and sum",
    )
    explain_parser.add_argument(
        "--nudge",
        metavar="H",
        type=_nonzero_number,
        help="add H to each named node in turn and compare the output's change with grad × H",
    )

    check_parser = command(
        "check",
        help="the engine's gradients against finite differences",
    )
    check_parser.add_argument("program", help="assignments separated by ; or newlines")
    add_at(check_parser)

    practice_parser = command(
        "practice",
        help="find the gradients by hand, with feedback that names the mistake",
    )
    practice_parser.add_argument(
        "program", nargs="?", help="your own exercise (default: one made from --level and --seed)"
    )
    add_at(practice_parser)
    practice_parser.add_argument(
        "--level",
        type=int,
        choices=(1, 2, 3, 4),
        help="1: + - * in a chain; 2: an input on two paths; 3: functions and powers; "
        "4: a neuron and its loss (default 1)",
    )
    practice_parser.add_argument(
        "--seed", type=_seed, help="which exercise of the level (default 0)"
    )
    practice_parser.add_argument(
        "--sheet", metavar="N", type=_sheet_size, help="print N exercises and their answer key"
    )
    practice_parser.add_argument(
        "--format",
        choices=("text", "markdown", "latex"),
        help="the worksheet's format (default text)",
    )

    serve_parser = commands.add_parser(
        "serve",
        help="a live lesson page in the browser, for a class (needs the serve extra)",
        description="Serve the lesson page: type a program, change its values, step through "
        "the backward pass. Loopback only unless --host says otherwise. Ctrl-C stops it.",
    )
    serve_parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0: everyone "
        "on the network)",
    )
    serve_parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve_parser.add_argument("--open", action="store_true", help="open the page in a browser")
    serve_parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a name the page may be opened by besides localhost and the address it listens "
        "on, e.g. teacher-laptop.local (repeatable)",
    )
    serve_parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="PATH",
        help=f"where live classes keep their students and answers: an SQLite file, made on "
        f"first use (default {DEFAULT_DB} in this folder), or a postgresql:// URL",
    )
    serve_parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="serve with N processes sharing the port and the database (default 1; for a "
        "department's server, with a postgresql:// --db)",
    )
    serve_parser.add_argument(
        "--classes-from-anywhere",
        action="store_true",
        help="let any computer that reaches the server start a class (by default only this "
        "computer may: the teacher's own)",
    )

    codegen_parser = command(
        "codegen",
        help="the Python that reverse mode amounts to: forward lines, then the gradients",
    )
    codegen_parser.add_argument("program", nargs="?", help=program_help)
    add_at(codegen_parser)
    codegen_parser.add_argument(
        "--format", choices=("python", "markdown"), default="python", help="output format"
    )
    return parser


def _seed(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number 0 or more")
    return int(text)


def _sheet_size(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of exercises from 1 to 100")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``autograd`` command; return its exit status.

    >>> main(["explain", "y = 3*a", "--at", "a=2"])  # doctest: +ELLIPSIS
    Program: y = 3*a   at a = 2
    ...
      dy/da = 3
    0
    """
    try:
        args = _parser().parse_args(argv)
        if args.command == "check":
            return _check(args)
        if args.command == "practice":
            return _practice(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "codegen":
            return _codegen(args)
        return _explain(args)
    # ProgramError, DomainError and GraphTooBigError are ValueErrors; the others
    # come from drawing (Graphviz missing, a layout too slow, a file that cannot be
    # written).
    except (ValueError, RuntimeError, ImportError, OSError) as error:
        return _fail(str(error))
    # What the engine does not check itself: an overflow in a local derivative
    # (w**-1.5 at w = 1e-200, whose derivative is beyond a float) ends in one line too.
    except OverflowError:
        return _fail(
            "a number in the computation is too large for a float (an overflow); "
            "try inputs of a more moderate size"
        )


def _fail(message: str) -> int:
    print("autograd: error: " + " ".join(message.split()), file=sys.stderr)
    return 2


def _serve(args: argparse.Namespace) -> int:
    """``autograd serve``: Starlette and uvicorn are imported here, and only here."""
    import shutil

    if not 0 <= args.port <= 65535:
        raise ProgramError(f"--port {args.port}: a port is a number from 0 to 65535")
    try:
        import uvicorn  # noqa: F401  (checked here, used by serve.run)

        from autograd import serve
    except ImportError as error:
        if error.name not in ("starlette", "uvicorn", "anyio", "httptools"):
            raise
        raise ModuleNotFoundError(
            f"autograd serve needs Starlette and uvicorn ({error.name} is missing): "
            "pip install 'scalar-autograd[serve]'",
            name=error.name,
        ) from None
    if shutil.which("dot") is None:
        raise RuntimeError(
            f"autograd serve draws graphs with Graphviz's dot program, which is not installed; "
            f"install it with {INSTALL_DOT}"
        )
    return serve.run(
        args.host,
        args.port,
        args.open,
        args.allow_host,
        db=args.db,
        workers=args.workers,
        classes_from_anywhere=args.classes_from_anywhere,
    )


def _explain(args: argparse.Namespace) -> int:
    values = parse_values(args.at)
    if args.program is None:
        values = {**WORKED_EXAMPLE_AT, **values}
    source = WORKED_EXAMPLE if args.program is None else args.program
    program = parse_program(source)
    values = program.bind(values)
    output, named = program.run(values)
    if args.mode == "forward":
        explanation = explain(output, mode="forward", wrt=_forward_input(args, program, named))
    elif args.wrt is not None:
        raise ProgramError(f"--wrt {args.wrt} is for --mode forward; add --mode forward")
    else:
        explanation = explain(output)
    if args.practice and not args.html:
        raise ProgramError("--practice is for the lesson page; add --html PATH")
    if args.trainer and not args.html:
        raise ProgramError("--trainer is for the lesson page; add --html PATH")
    if args.trainer and args.practice:
        raise ProgramError("--practice and --trainer are two modes of the page; choose one")
    if args.practice and not diagnose(explanation):
        raise ProgramError("--practice: the program has no input or named node to differentiate")
    if args.html or args.render or args.frames:  # refused before anything is printed
        check_drawable(output, max_nodes=MAX_FRAMES if args.frames else MAX_NODES)

    given = ", ".join(f"{name} = {format_number(v)}" for name, v in values.items())
    heading = " ".join(source.split()) + (f"   at {given}" if given else "")
    if args.format == "markdown":
        print(f"Program: `{heading}`\n\n{explanation.to_markdown()}", end="")
    elif args.format == "latex":
        print(f"% program: {heading}\n{explanation.to_latex()}", end="")
    else:
        print(f"Program: {heading}\n\n{explanation.to_text()}")
    if args.nudge is not None:
        gradients = explanation.gradients
        table = _nudge_table(program, values, output, named, gradients, args.nudge, args.format)
        if args.format == "latex":  # keep the output a valid LaTeX fragment
            table = "\n".join(f"% {line}".rstrip() for line in table.splitlines())
        print()
        print(table)

    if args.html:
        mode = "trainer" if args.trainer else "practice" if args.practice else "lesson"
        page = lesson(
            output,
            title=f"Backpropagation through {heading}",
            mode=mode,
            max_nodes=MAX_NODES,
            dot_timeout=DOT_TIMEOUT,
        )
        path = page.save(args.html)
        print(f"lesson page written to {path}", file=sys.stderr)
    if args.render:
        path = render(
            output,
            args.render,
            explanation=explanation,
            max_nodes=MAX_NODES,
            dot_timeout=DOT_TIMEOUT,
        )
        print(f"graph written to {path}", file=sys.stderr)
    if args.frames:
        paths = render_backward_steps(
            output,
            args.frames,
            explanation=explanation,
            max_nodes=MAX_FRAMES,
            dot_timeout=DOT_TIMEOUT,
        )
        images = [p for p in paths if p.suffix == ".png"]
        gif = " and backward.gif" if len(paths) > len(images) else " (install Pillow for a GIF)"
        print(f"{len(images)} backward-step images{gif} written to {args.frames}", file=sys.stderr)
    return 0


def _forward_input(args: argparse.Namespace, program: Program, named: dict[str, Value]) -> Value:
    """The input named by --wrt, for --mode forward (which draws and nudges nothing)."""
    for option in ("nudge", "render", "frames"):
        if getattr(args, option) is not None:
            raise ProgramError(f"--{option} shows the backward pass; use it without --mode forward")
    inputs = ", ".join(program.inputs) or "none"
    if args.wrt is None:
        raise ProgramError(
            f"--mode forward needs --wrt NAME, the input to differentiate by (inputs: {inputs})"
        )
    if args.wrt not in program.inputs:
        what = (
            "is assigned in the program"
            if args.wrt in program.assigned
            else "is not used in the program"
        )
        raise ProgramError(f"--wrt {args.wrt}: {args.wrt} {what}; choose an input: {inputs}")
    return named[args.wrt]


def _codegen(args: argparse.Namespace) -> int:
    """Print the code compile_graph writes for the program (the same for any --at values:
    they are needed only to build the graph once)."""
    values = parse_values(args.at)
    if args.program is None:
        values = {**WORKED_EXAMPLE_AT, **values}
    source = WORKED_EXAMPLE if args.program is None else args.program
    program = parse_program(source)
    values = program.bind(values)
    if not values:
        raise ProgramError("nothing to compile: the program has no inputs (names given with --at)")
    output, named = program.run(values)
    code = compile_graph(output, [named[name] for name in program.inputs]).source
    if args.format == "markdown":
        print(f"Program: `{' '.join(source.split())}`\n\n```python\n{code}```")
    else:
        print(code, end="")
    return 0


def _nudge_table(program, values, output, named, gradients, h, fmt) -> str:
    """The sensitivity experiment: nudge each named node by h, see how the output moves."""
    in_graph = set(topological_order(output))
    out = output.label or "the output"
    rows = []
    for name, node in named.items():
        if node is output or node not in in_graph:
            continue
        with no_grad():
            nudged, _ = program.run(values, nudge=(name, h))
        rows.append(
            [
                name,
                format_number(node.data),
                format_number(nudged.data),
                format_number(nudged.data - output.data),
                format_number(gradients[name] * h),
            ]
        )
    header = [
        "node",
        "value",
        f"{out} after the nudge",
        f"change in {out}",
        f"∂{out}/∂node × h",
    ]
    title = (
        f"Nudge experiment: add h = {format_number(h)} to one node at a time and recompute "
        f"{out} (= {format_number(output.data)})"
    )
    footer = (
        f"For small h the change in {out} is close to ∂{out}/∂node × h: the gradient "
        f"says how strongly {out} reacts to each node."
    )
    return "\n".join([title, "", _table(header, rows, fmt), "", footer])


def _check(args: argparse.Namespace) -> int:
    program = parse_program(args.program)
    values = program.bind(parse_values(args.at))
    if not values:
        raise ProgramError("nothing to check: the program has no inputs (names given with --at)")
    output, named = program.run(values)
    analytic = grad(output, [named[name] for name in program.inputs])
    eps = FINITE_DIFFERENCE_STEP
    rows, bad = [], 0
    for name, engine_grad in zip(program.inputs, analytic):
        with no_grad():
            try:
                up = program.run(values, nudge=(name, eps))[0].data
                down = program.run(values, nudge=(name, -eps))[0].data
            except ProgramError as error:
                raise ProgramError(f"finite differences for {name}: {error}") from None
        numeric = (up - down) / (2 * eps)
        agree = abs(engine_grad - numeric) <= ATOL + RTOL * abs(numeric)
        bad += not agree
        rows.append(
            [
                name,
                format_number(values[name]),
                format_number(engine_grad),
                format_number(numeric),
                format_number(abs(engine_grad - numeric), 2),
                "yes" if agree else "NO",
            ]
        )
    out = output.label or "the output"
    print(
        f"Gradient check of {out}: the engine's backward pass against central finite "
        f"differences (f(x + h) - f(x - h)) / 2h with h = {format_number(eps)}"
    )
    print()
    header = ["input", "value", "engine", "finite difference", "difference", "agree"]
    print(_table(header, rows, "text"))
    print()
    if bad:
        count = f"{bad} of {len(rows)} gradients disagree" if len(rows) > 1 else "It disagrees"
        print(
            f"{count} (beyond {format_number(ATOL)} + "
            f"{format_number(RTOL)}·|finite difference|): a bug, or a kink such as relu at 0 "
            "where finite differences average the two sides"
        )
        return 1
    print(f"All {len(rows)} gradients agree." if len(rows) > 1 else "It agrees.")
    return 0


def _table(header: list[str], rows: list[list[str]], fmt: str) -> str:
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
        for row in [header, *rows]
    )


def _practice(args: argparse.Namespace) -> int:
    generated = args.level is not None or args.seed is not None or args.sheet is not None
    if args.program is not None and generated:
        raise ProgramError(
            "practice: give a program (with --at) or --level/--seed/--sheet, not both"
        )
    if args.program is None and args.at:
        raise ProgramError("practice: --at gives the inputs of a program; put the program first")
    if args.format is not None and args.sheet is None:
        raise ProgramError("practice: --format is for a worksheet; add --sheet N")
    level, seed = args.level or 1, args.seed or 0
    if args.sheet is not None:
        print(worksheet(args.sheet, level, seed, args.format or "text"))
        return 0
    if args.program is None:
        ex = exercise(level, seed)
        heading = f"Practice, level {level}, seed {seed}: {ex.heading()}"
    else:
        ex = Exercise(args.program, parse_program(args.program).bind(parse_values(args.at)))
        heading = f"Practice: {ex.heading()}"
    if not ex.diagnoses():
        raise ProgramError("practice: the program has no input or named node to differentiate")
    print(heading)
    return _dialogue(ex)


def _dialogue(ex) -> int:
    """Ask for each gradient in backward order; check each answer as it comes."""
    print()
    print("Forward pass:")
    print("\n".join(f"  {line}" for line in ex.explanation().forward_text().splitlines()))
    print()
    print("Backward pass: type each gradient as a number, or ? to see it.")
    diagnoses = ex.diagnoses()
    first_try = 0
    for done, diagnosis in enumerate(diagnoses):
        outcome = _ask(diagnosis)
        if outcome is None:  # end of input: stop here, with the score so far
            print()
            print(
                f"score: {first_try}/{done} right at the first try "
                f"(input ended after {done} of {len(diagnoses)})"
            )
            return 0
        first_try += outcome
    print(f"score: {first_try}/{len(diagnoses)} right at the first try")
    return 0


def _ask(diagnosis) -> bool | None:
    """Ask for one gradient until it is right or shown: right at the first try, or None at EOF."""
    tries = 0
    while True:
        line = _read_line(f"{diagnosis.symbol} = ")
        if line is None:
            return None
        text = line.strip()
        if text == "?":
            print(f"  answer: {diagnosis.explanation}")
            return False
        if not NUMBER.fullmatch(text):
            shown = repr(text) if text else "an empty line"
            print(f"  {shown} is not a number: type one such as 2.5 or -0.25, or ? to see it")
            continue
        if not math.isfinite(float(text)):
            print(f"  {text} is too large for a float: type a number such as 2.5, or ? to see it")
            continue
        tries += 1
        verdict = diagnosis.judge(float(text))
        if verdict.correct:
            print("  right")
            return tries == 1
        print(f"  {verdict.message}; try again, or ? to see it")


def _read_line(prompt: str) -> str | None:
    """One line from standard input, None at its end; piped input is echoed for the transcript."""
    print(prompt, end="", flush=True)
    line = sys.stdin.readline()
    if not line:
        return None
    if not sys.stdin.isatty():  # a terminal shows what was typed; a pipe does not
        print(line.rstrip("\n"))
    return line
