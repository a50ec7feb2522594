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

Every sentence the command writes (its help, argparse's own words, its errors,
what it prints) is in one language: ``--lang zh`` or ``--lang en``, given
before the command or after it (``autograd --lang zh explain`` is ``autograd
explain --lang zh``); else the environment's (``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG``, read as Python's gettext reads them: ``LANG=zh_CN.UTF-8``
is Chinese); else English. While the command runs that language is the
context's (``use_language``), so the library's views and errors speak it too.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import math
import sys
from collections.abc import Iterator, Sequence

from autograd import __version__
from autograd.classes import DEFAULT_DB
from autograd.compile import compile_graph
from autograd.draw import INSTALL_DOT, check_drawable, render, render_backward_steps
from autograd.engine import Value, grad, no_grad, topological_order
from autograd.explain import explain, format_number
from autograd.explain.latex import LATEX_COMPILE
from autograd.i18n import (
    LANGUAGES,
    N_,
    Phrase,
    TranslatableError,
    TranslatableModuleNotFoundError,
    command_language,
    display_width,
    error_text,
    language_from_environment,
    ljust,
    ptr,
    tr,
    use_language,
)
from autograd.lesson import lesson
from autograd.practice import Exercise, diagnose, dialogue, exercise, worksheet
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
        raise argparse.ArgumentTypeError(
            tr(None, "{text!r} is not a nonzero number (e.g. 0.1)", text=text)
        )
    return float(text)


# The examples of the help, each with what it shows (None: the one above says it).
EXAMPLES = [
    ("autograd explain", N_("the worked example {example} at w=3, b=4")),
    ('autograd explain "x = 2*w + b; y = b + 1; z = x*y" --at w=3 b=4', None),
    ('autograd explain "h = tanh(w*x + b)" --at w=0.5,x=2,b=-1 --format markdown', None),
    (
        "autograd explain --render graph.svg --frames steps/",
        N_("also draw the graph, and one image per backward step (plus steps/backward.gif)"),
    ),
    (
        "autograd explain --html lesson.html",
        N_("also write a lesson page: step through the backward pass in a browser, offline"),
    ),
    (
        "autograd explain --html lesson.html --practice",
        N_("the lesson page in practice mode: it asks for each gradient and checks the answer"),
    ),
    (
        "autograd explain --html lesson.html --trainer",
        N_("the chain-rule trainer: each local derivative, product and sum, step by step"),
    ),
    (
        "autograd explain --nudge 0.1",
        N_("nudge each node by 0.1: the output moves by about gradient × 0.1"),
    ),
    (
        "autograd explain --mode forward --wrt w",
        N_("forward mode: the tangent of every node, seeded with ẇ = 1"),
    ),
    (
        "autograd explain --lang zh",
        N_("the same in Chinese (or set LANG=zh_CN.UTF-8); --lang en for English"),
    ),
    (
        'autograd check "z = log(w) * exp(b)" --at w=2 b=0.5',
        N_("compare the gradients with finite differences"),
    ),
    (
        "autograd practice --level 2 --seed 1",
        N_("find the gradients by hand; each answer is checked as you type it"),
    ),
    ('autograd practice "x = 2*w + b; y = b + 1; z = x*y" --at w=3 b=4', None),
    (
        "autograd practice --sheet 10 --level 2 --seed 1 --format markdown",
        N_("a worksheet of ten exercises and its answer key"),
    ),
    (
        "autograd serve --open",
        N_("a live lesson page for a class: type a program, change a value, step through"),
    ),
    (
        'autograd codegen "h = tanh(w*x + b)" --at w=0.5,x=2,b=-1',
        N_("the Python code of the forward and backward pass (compile_graph)"),
    ),
]

# Translators: the help's last paragraph; keep its line breaks short (under 80 columns).
PROGRAM_HELP = N_(
    "A program: assignments separated by ; or newlines, using numbers, names,\n"
    "+ - * / **, unary minus, parentheses and {functions}. The last\n"
    "statement is the output; names used without being assigned are the inputs\n"
    "(give each a value with --at, after the program). Errors exit with status 2."
)


def _epilog(lang: str) -> str:
    lines = [tr(lang, "examples:")]
    for command, says in EXAMPLES:
        lines.append(f"  {command}")
        if says is not None:
            lines.append("      " + tr(lang, says, example=WORKED_EXAMPLE))
    functions = ", ".join(FUNCTIONS)
    return "\n".join(lines) + "\n\n" + tr(lang, PROGRAM_HELP, functions=functions) + "\n"


# argparse's own words: its usage line, group titles and errors. argparse asks the
# standard library's gettext for them (its global domain, which we never install);
# while the command runs, _argparse_speaks lets it ask our catalogs instead.
_ARGPARSE_WORDS = {
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("ignored explicit argument %r"),
}


@contextlib.contextmanager
def _argparse_speaks(lang: str) -> Iterator[None]:
    """argparse's words in ``lang`` inside the block (one command at a time: argparse
    reads them from a module-level function, which this swaps and puts back)."""
    english = argparse._
    argparse._ = lambda message: tr(lang, message) if message in _ARGPARSE_WORDS else message
    try:
        yield
    finally:
        argparse._ = english


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (see main) instead of usage and exit."""

    def error(self, message: str):
        raise ProgramError(N_("{message} (see autograd --help)"), message=message)

    def format_help(self) -> str:
        # argparse ends a section's title with an ASCII colon; a Chinese title takes "：".
        text = _usage_by_width(super().format_help())
        for title in (tr(None, "positional arguments"), tr(None, "options")):
            if not title.isascii():
                text = text.replace(f"\n{title}:\n", f"\n{title}：\n")
        return text


def _usage_by_width(text: str) -> str:
    """The usage's continuation lines under the program's name also when "usage: "
    is in wide characters (argparse indents them by its length in characters)."""
    prefix = tr(None, "usage: ")
    extra = display_width(prefix) - len(prefix)
    if not extra:
        return text
    usage, blank, rest = text.partition("\n\n")
    first, *more = usage.split("\n")
    more = [" " * extra + line if line.startswith(" ") else line for line in more]
    return "\n".join([first, *more]) + blank + rest


# Closing punctuation stays on the line before it, after a Chinese character or a word.
_CLOSING = set("，。、；：！？）」』》,.;:!?)")


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help, wrapped by display width: a Chinese character takes two
    columns, and a line may break beside one as well as at a space."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        if text.isascii():
            return super()._split_lines(text, width)
        return _wrap(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        # A description of one paragraph is wrapped (the epilog keeps its lines).
        if "\n" in text:
            return super()._fill_text(text, width, indent)
        wrap = super(argparse.RawDescriptionHelpFormatter, self)._split_lines
        lines = wrap(text, width) if text.isascii() else _wrap(text, width)
        return "\n".join(indent + line for line in lines)


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns where it can be broken.

    >>> _wrap("输入的值：NAME=NUMBER 项，用空格或逗号分隔", 16)
    ['输入的值：', 'NAME=NUMBER 项，', '用空格或逗号分隔']
    """
    units: list[str] = []  # what stays together: a word, or one wide character
    for part in text.split(" "):
        start = len(units)
        for char in part:
            last = units[-1] if len(units) > start else None
            if last is not None and (
                char in _CLOSING or (display_width(char) < 2 and display_width(last[-1]) < 2)
            ):
                units[-1] += char
            else:
                units.append(char)
        units.append(" ")
    lines, line = [], ""
    for unit in units[:-1]:
        if unit == " ":
            line += " " if line else ""
        elif line and display_width(line + unit) > width:
            lines.append(line.rstrip())
            line = unit
        else:
            line += unit
    return [*lines, line.rstrip()] if line.strip() else lines


def _parser(lang: str) -> argparse.ArgumentParser:
    """The command's parser, every help text in ``lang``."""

    epilog = _epilog(lang)
    languages = "{" + ",".join(LANGUAGES) + "}"
    lang_help = tr(
        lang,
        "the language of everything the command writes: {languages} (default: the "
        "environment's LANGUAGE, LC_ALL, LC_MESSAGES or LANG, else English)",
        languages=", ".join(LANGUAGES),
    )
    parser = _Parser(
        prog="autograd",
        description=tr(lang, "Explain, draw and check backpropagation on a tiny program."),
        epilog=epilog,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"autograd {__version__}",
        help=tr(lang, "show program's version number and exit"),
    )
    parser.add_argument("--lang", metavar=languages, help=lang_help)
    commands = parser.add_subparsers(
        dest="command", metavar="{explain,check,practice,serve,codegen}"
    )
    commands.required = True

    program_help = tr(lang, "assignments separated by ; or newlines (default: the worked example)")
    at_help = tr(lang, "input values: NAME=NUMBER items, separated by spaces or commas")

    def command(name: str, help: str, **kwargs) -> argparse.ArgumentParser:
        command_parser = commands.add_parser(
            name, help=help, epilog=epilog, formatter_class=_HelpFormatter, **kwargs
        )
        # Also after the command; given in both places, this one wins.
        command_parser.add_argument(
            "--lang", metavar=languages, default=argparse.SUPPRESS, help=lang_help
        )
        return command_parser

    def add_at(command_parser: argparse.ArgumentParser) -> None:
        command_parser.add_argument("--at", nargs="+", action="extend", default=[], help=at_help)

    explain_parser = command(
        "explain",
        help=tr(lang, "the forward pass, the backward pass and the chain rule, step by step"),
    )
    explain_parser.add_argument("program", nargs="?", help=program_help)
    add_at(explain_parser)
    explain_parser.add_argument(
        "--format",
        choices=("text", "markdown", "latex"),
        default="text",
        help=tr(lang, "output format"),
    )
    explain_parser.add_argument(
        "--mode",
        choices=("reverse", "forward"),
        default="reverse",
        help=tr(
            lang, "reverse: the backward pass (default); forward: one forward sweep of tangents"
        ),
    )
    explain_parser.add_argument(
        "--wrt", metavar="NAME", help=tr(lang, "with --mode forward: the input to differentiate by")
    )
    explain_parser.add_argument(
        "--render", metavar="PATH", help=tr(lang, "draw the graph to PATH (.svg, .png or .pdf)")
    )
    explain_parser.add_argument(
        "--frames",
        metavar="DIR",
        help=tr(lang, "one PNG per backward step in DIR, plus backward.gif"),
    )
    explain_parser.add_argument(
        "--html",
        metavar="PATH",
        help=tr(lang, "write a lesson page to PATH: one HTML file to step through in a browser"),
    )
    explain_parser.add_argument(
        "--practice",
        action="store_true",
        help=tr(lang, "with --html: open the page in practice mode, asking for each gradient"),
    )
    explain_parser.add_argument(
        "--trainer",
        action="store_true",
        help=tr(
            lang,
            "with --html: open the page in trainer mode, asking for each local derivative, "
            "product and sum",
        ),
    )
    explain_parser.add_argument(
        "--nudge",
        metavar="H",
        type=_nonzero_number,
        help=tr(
            lang, "add H to each named node in turn and compare the output's change with grad × H"
        ),
    )

    check_parser = command(
        "check", help=tr(lang, "the engine's gradients against finite differences")
    )
    check_parser.add_argument("program", help=tr(lang, "assignments separated by ; or newlines"))
    add_at(check_parser)

    practice_parser = command(
        "practice",
        help=tr(lang, "find the gradients by hand, with feedback that names the mistake"),
    )
    practice_parser.add_argument(
        "program",
        nargs="?",
        help=tr(lang, "your own exercise (default: one made from --level and --seed)"),
    )
    add_at(practice_parser)
    practice_parser.add_argument(
        "--level",
        type=int,
        choices=(1, 2, 3, 4),
        help=tr(
            lang,
            "1: + - * in a chain; 2: an input on two paths; 3: functions and powers; "
            "4: a neuron and its loss (default 1)",
        ),
    )
    practice_parser.add_argument(
        "--seed", type=_seed, help=tr(lang, "which exercise of the level (default 0)")
    )
    practice_parser.add_argument(
        "--sheet",
        metavar="N",
        type=_sheet_size,
        help=tr(lang, "print N exercises and their answer key"),
    )
    practice_parser.add_argument(
        "--format",
        choices=("text", "markdown", "latex"),
        help=tr(lang, "the worksheet's format (default text)"),
    )

    serve_parser = command(
        "serve",
        help=tr(lang, "a live lesson page in the browser, for a class (needs the serve extra)"),
        description=tr(
            lang,
            "Serve the lesson page: type a program, change its values, step through the "
            "backward pass. Loopback only unless --host says otherwise. Ctrl-C stops it.",
        ),
    )
    serve_parser.add_argument(
        "--host",
        default="127.0.0.1",
        help=tr(
            lang,
            "address to listen on (default 127.0.0.1: this computer only; 0.0.0.0: everyone "
            "on the network)",
        ),
    )
    serve_parser.add_argument(
        "--port", type=int, default=8000, help=tr(lang, "port (default 8000)")
    )
    serve_parser.add_argument(
        "--open", action="store_true", help=tr(lang, "open the page in a browser")
    )
    serve_parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help=tr(
            lang,
            "a name the page may be opened by besides localhost and the address it listens "
            "on, e.g. teacher-laptop.local (repeatable)",
        ),
    )
    serve_parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="PATH",
        help=tr(
            lang,
            "where live classes keep their students and answers: an SQLite file, made on "
            "first use (default {db} in this folder), or a postgresql:// URL",
            db=DEFAULT_DB,
        ),
    )
    serve_parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help=tr(
            lang,
            "serve with N processes sharing the port and the database (default 1; for a "
            "department's server, with a postgresql:// --db)",
        ),
    )
    serve_parser.add_argument(
        "--classes-from-anywhere",
        action="store_true",
        help=tr(
            lang,
            "let any computer that reaches the server start a class (by default only this "
            "computer may: the teacher's own)",
        ),
    )

    codegen_parser = command(
        "codegen",
        help=tr(lang, "the Python that reverse mode amounts to: forward lines, then the gradients"),
    )
    codegen_parser.add_argument("program", nargs="?", help=program_help)
    add_at(codegen_parser)
    codegen_parser.add_argument(
        "--format",
        choices=("python", "markdown"),
        default="python",
        help=tr(lang, "output format"),
    )
    return parser


def _seed(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(
            tr(None, "{text!r} is not a whole number 0 or more", text=text)
        )
    return int(text)


def _sheet_size(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 100:
        raise argparse.ArgumentTypeError(
            tr(None, "{text!r} is not a number of exercises from 1 to 100", text=text)
        )
    return int(text)


def _lang_option(argv: Sequence[str]) -> str | None:
    """The value of the last ``--lang`` (or ``--lang=``, or a prefix argparse would
    take for it, such as ``--la``) before ``--``: the help and the errors of parsing
    are already in that language."""
    found = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        option, equals, value = arg.partition("=")
        if len(option) < 3 or not "--lang".startswith(option):
            continue
        if equals:
            found = value
        elif i + 1 < len(argv):
            found = argv[i + 1]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``autograd`` command; return its exit status.

    >>> main(["explain", "y = 3*a", "--at", "a=2"])  # doctest: +ELLIPSIS
    Program: y = 3*a   at a = 2
    ...
      dy/da = 3
    0
    >>> main(["--lang", "zh", "explain", "y = 3*a", "--at", "a=2"])  # doctest: +ELLIPSIS
    程序：y = 3*a   在 a = 2 处
    <BLANKLINE>
    正向传播（每个节点排在计算它所用的节点之后）：
    ...
    0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        lang = command_language(_lang_option(argv))
    except TranslatableError as error:  # --lang fr: said in the environment's language
        return _fail(error, language_from_environment())
    with use_language(lang), _argparse_speaks(lang):
        try:
            args = _parser(lang).parse_args(argv)
            if args.command == "check":
                return _check(args, lang)
            if args.command == "practice":
                return _practice(args, lang)
            if args.command == "serve":
                return _serve(args)
            if args.command == "codegen":
                return _codegen(args, lang)
            return _explain(args, lang)
        # Ours (ProgramError, DomainError, GraphTooBigError, drawing's) say themselves in
        # lang; the others come from Python or a package, in their own words.
        except TranslatableError as error:
            return _fail(error, lang)
        except OSError as error:  # a file that cannot be written, an address in use
            return _fail(_os_error(error, lang), lang)
        except (ValueError, RuntimeError, ImportError) as error:
            return _fail(error, lang)


def _fail(error: BaseException | str, lang: str) -> int:
    message = error if isinstance(error, str) else error_text(error, lang)
    print(
        tr(lang, "autograd: error: {message}", message=" ".join(message.split())), file=sys.stderr
    )
    return 2


# What the system says of a file or an address it refused, in the catalogs' words
# (Python's own are the C library's, in English).
_OS_REASONS = {
    errno.EACCES: N_("Permission denied"),
    errno.EPERM: N_("Operation not permitted"),
    errno.ENOENT: N_("No such file or directory"),
    errno.EISDIR: N_("Is a directory"),
    errno.ENOTDIR: N_("Not a directory"),
    errno.ENOSPC: N_("No space left on device"),
    errno.EROFS: N_("Read-only file system"),
    errno.EEXIST: N_("File exists"),
    errno.EADDRINUSE: N_("Address already in use"),
    errno.EADDRNOTAVAIL: N_("Cannot assign requested address"),
}


def _os_error(error: OSError, lang: str) -> str:
    """``/x/lesson.html: Permission denied``, the reason in ``lang`` where the catalogs have it."""
    reason = _OS_REASONS.get(error.errno)
    reason = tr(lang, reason) if reason else error.strerror or str(error)
    if error.filename is None:
        return reason
    return tr(lang, "{path}: {reason}", path=error.filename, reason=reason)


def _serve(args: argparse.Namespace) -> int:
    """``autograd serve``: Starlette and uvicorn are imported here, and only here."""
    import shutil

    if not 0 <= args.port <= 65535:
        raise ProgramError(N_("--port {port}: a port is a number from 0 to 65535"), port=args.port)
    try:
        import uvicorn  # noqa: F401  (checked here, used by serve.run)

        from autograd import serve
    except ImportError as error:
        if error.name not in ("starlette", "uvicorn", "anyio", "httptools"):
            raise
        raise TranslatableModuleNotFoundError(
            N_(
                "autograd serve needs Starlette and uvicorn ({name} is missing): "
                "pip install 'scalar-autograd[serve]'"
            ),
            name=error.name,
        ) from None
    if shutil.which("dot") is None:
        raise ProgramError(
            N_(
                "autograd serve draws graphs with Graphviz's dot program, which is not "
                "installed; install it with {install}"
            ),
            install=Phrase(INSTALL_DOT),
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


def _heading(source: str, values: dict[str, float], fmt: str, lang: str) -> str:
    """The line before the explanation: the program, and its inputs' values."""
    program = " ".join(source.split())
    given = ", ".join(f"{name} = {format_number(v)}" for name, v in values.items())
    if fmt == "markdown":
        if given:
            return tr(lang, "Program: `{program}   at {values}`", program=program, values=given)
        return tr(lang, "Program: `{program}`", program=program)
    if fmt == "latex":  # a comment, with how to compile the rest
        if given:
            line = tr(lang, "program: {program}   at {values}", program=program, values=given)
        else:
            line = tr(lang, "program: {program}", program=program)
        return f"% {line}\n% {tr(lang, LATEX_COMPILE)}"
    if given:
        return tr(lang, "Program: {program}   at {values}", program=program, values=given)
    return tr(lang, "Program: {program}", program=program)


def _title(source: str, values: dict[str, float], lang: str) -> str:
    """The lesson page's title: the program, and its inputs' values."""
    program = " ".join(source.split())
    given = ", ".join(f"{name} = {format_number(v)}" for name, v in values.items())
    if given:
        return tr(
            lang, "Backpropagation through {program}   at {values}", program=program, values=given
        )
    return tr(lang, "Backpropagation through {program}", program=program)


def _explain(args: argparse.Namespace, lang: str) -> int:
    values = parse_values(args.at)
    if args.program is None:
        values = {**WORKED_EXAMPLE_AT, **values}
    source = WORKED_EXAMPLE if args.program is None else args.program
    program = parse_program(source)
    values = program.bind(values)
    output, named = program.run(values)
    if args.mode == "forward":
        wrt = _forward_input(args, program, named)
        explanation = explain(output, mode="forward", wrt=wrt, lang=lang)
    elif args.wrt is not None:
        raise ProgramError(
            N_("--wrt {wrt} is for --mode forward; add --mode forward"), wrt=args.wrt
        )
    else:
        explanation = explain(output, lang=lang)
    if args.practice and not args.html:
        raise ProgramError(N_("--practice is for the lesson page; add --html PATH"))
    if args.trainer and not args.html:
        raise ProgramError(N_("--trainer is for the lesson page; add --html PATH"))
    if args.trainer and args.practice:
        raise ProgramError(N_("--practice and --trainer are two modes of the page; choose one"))
    if args.practice and not diagnose(explanation):
        raise ProgramError(
            N_("--practice: the program has no input or named node to differentiate")
        )
    if args.html or args.render or args.frames:  # refused before anything is printed
        check_drawable(output, max_nodes=MAX_FRAMES if args.frames else MAX_NODES)

    heading = _heading(source, values, args.format, lang)
    if args.format == "markdown":
        print(f"{heading}\n\n{explanation.to_markdown()}", end="")
    elif args.format == "latex":
        print(f"{heading}\n{explanation.to_latex()}", end="")
    else:
        print(f"{heading}\n\n{explanation.to_text()}")
    if args.nudge is not None:
        gradients = explanation.gradients
        table = _nudge_table(
            program, values, output, named, gradients, args.nudge, args.format, lang
        )
        if args.format == "latex":  # keep the output a valid LaTeX fragment
            table = "\n".join(f"% {line}".rstrip() for line in table.splitlines())
        print()
        print(table)

    if args.html:
        mode = "trainer" if args.trainer else "practice" if args.practice else "lesson"
        page = lesson(
            output,
            title=_title(source, values, lang),
            mode=mode,
            max_nodes=MAX_NODES,
            dot_timeout=DOT_TIMEOUT,
            lang=lang,
        )
        path = page.save(args.html)
        print(tr(lang, "lesson page written to {path}", path=path), file=sys.stderr)
    if args.render:
        path = render(
            output,
            args.render,
            explanation=explanation,
            max_nodes=MAX_NODES,
            dot_timeout=DOT_TIMEOUT,
        )
        print(tr(lang, "graph written to {path}", path=path), file=sys.stderr)
    if args.frames:
        paths = render_backward_steps(
            output,
            args.frames,
            explanation=explanation,
            max_nodes=MAX_FRAMES,
            dot_timeout=DOT_TIMEOUT,
        )
        images = len([p for p in paths if p.suffix == ".png"])
        if len(paths) > images:
            message = N_("{count} backward-step images and backward.gif written to {folder}")
        else:
            message = N_(
                "{count} backward-step images (install Pillow for a GIF) written to {folder}"
            )
        print(tr(lang, message, count=images, folder=args.frames), file=sys.stderr)
    return 0


def _forward_input(args: argparse.Namespace, program: Program, named: dict[str, Value]) -> Value:
    """The input named by --wrt, for --mode forward (which draws and nudges nothing)."""
    for option in ("nudge", "render", "frames"):
        if getattr(args, option) is not None:
            raise ProgramError(
                N_("--{option} shows the backward pass; use it without --mode forward"),
                option=option,
            )
    inputs = ", ".join(program.inputs) or Phrase(N_("none"))
    if args.wrt is None:
        raise ProgramError(
            N_("--mode forward needs --wrt NAME, the input to differentiate by (inputs: {inputs})"),
            inputs=inputs,
        )
    if args.wrt not in program.inputs:
        if args.wrt in program.assigned:
            message = N_("--wrt {wrt}: {wrt} is assigned in the program; choose an input: {inputs}")
        else:
            message = N_("--wrt {wrt}: {wrt} is not used in the program; choose an input: {inputs}")
        raise ProgramError(message, wrt=args.wrt, inputs=inputs)
    return named[args.wrt]


def _codegen(args: argparse.Namespace, lang: str) -> int:
    """Print the code compile_graph writes for the program (the same for any --at values:
    they are needed only to build the graph once)."""
    values = parse_values(args.at)
    if args.program is None:
        values = {**WORKED_EXAMPLE_AT, **values}
    source = WORKED_EXAMPLE if args.program is None else args.program
    program = parse_program(source)
    values = program.bind(values)
    if not values:
        raise ProgramError(
            N_("nothing to compile: the program has no inputs (names given with --at)")
        )
    output, named = program.run(values)
    code = compile_graph(output, [named[name] for name in program.inputs]).source
    if args.format == "markdown":
        heading = tr(lang, "Program: `{program}`", program=" ".join(source.split()))
        print(f"{heading}\n\n```python\n{code}```")
    else:
        print(code, end="")
    return 0


def _nudge_table(program, values, output, named, gradients, h, fmt, lang) -> str:
    """The sensitivity experiment: nudge each named node by h, see how the output moves."""
    in_graph = set(topological_order(output))
    out = output.label or tr(lang, "the output")
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
        ptr(lang, "a column of a table", "node"),
        ptr(lang, "a column of a table", "value"),
        tr(lang, "{output} after the nudge", output=out),
        tr(lang, "change in {output}", output=out),
        tr(lang, "∂{output}/∂node × h", output=out),
    ]
    title = tr(
        lang,
        "Nudge experiment: add h = {h} to one node at a time and recompute {output} (= {value})",
        h=format_number(h),
        output=out,
        value=format_number(output.data),
    )
    footer = tr(
        lang,
        "For small h the change in {output} is close to ∂{output}/∂node × h: the gradient "
        "says how strongly {output} reacts to each node.",
        output=out,
    )
    return "\n".join([title, "", _table(header, rows, fmt), "", footer])


def _check(args: argparse.Namespace, lang: str) -> int:
    program = parse_program(args.program)
    values = program.bind(parse_values(args.at))
    if not values:
        raise ProgramError(
            N_("nothing to check: the program has no inputs (names given with --at)")
        )
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
                raise ProgramError(
                    N_("finite differences for {name}: {error}"), name=name, error=error
                ) from None
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
                tr(lang, "yes") if agree else tr(lang, "NO"),
            ]
        )
    out = output.label or tr(lang, "the output")
    print(
        tr(
            lang,
            "Gradient check of {output}: the engine's backward pass against central finite "
            "differences (f(x + h) - f(x - h)) / 2h with h = {h}",
            output=out,
            h=format_number(eps),
        )
    )
    print()
    header = [
        ptr(lang, "a column of a table", "input"),
        ptr(lang, "a column of a table", "value"),
        ptr(lang, "a column of a table", "engine"),
        ptr(lang, "a column of a table", "finite difference"),
        ptr(lang, "a column of a table", "difference"),
        ptr(lang, "a column of a table", "agree"),
    ]
    print(_table(header, rows, "text"))
    print()
    tolerance = {"atol": format_number(ATOL), "rtol": format_number(RTOL)}
    if bad:
        if len(rows) > 1:
            message = N_(
                "{bad} of {count} gradients disagree (beyond {atol} + {rtol}·|finite "
                "difference|): a bug, or a kink such as relu at 0 where finite differences "
                "average the two sides"
            )
        else:
            message = N_(
                "It disagrees (beyond {atol} + {rtol}·|finite difference|): a bug, or a kink "
                "such as relu at 0 where finite differences average the two sides"
            )
        print(tr(lang, message, bad=bad, count=len(rows), **tolerance))
        return 1
    if len(rows) > 1:
        print(tr(lang, "All {count} gradients agree.", count=len(rows)))
    else:
        print(tr(lang, "It agrees."))
    return 0


def _table(header: list[str], rows: list[list[str]], fmt: str) -> str:
    """Columns lined up by display width (a Chinese header is twice its length wide)."""
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  " + "  ".join(ljust(cell, width) for cell, width in zip(row, widths)).rstrip()
        for row in [header, *rows]
    )


def _practice(args: argparse.Namespace, lang: str) -> int:
    generated = args.level is not None or args.seed is not None or args.sheet is not None
    if args.program is not None and generated:
        raise ProgramError(
            N_("practice: give a program (with --at) or --level/--seed/--sheet, not both")
        )
    if args.program is None and args.at:
        raise ProgramError(
            N_("practice: --at gives the inputs of a program; put the program first")
        )
    if args.format is not None and args.sheet is None:
        raise ProgramError(N_("practice: --format is for a worksheet; add --sheet N"))
    level, seed = args.level or 1, args.seed or 0
    if args.sheet is not None:
        print(worksheet(args.sheet, level, seed, args.format or "text", lang=lang))
        return 0
    if args.program is None:
        ex = exercise(level, seed)
        heading = tr(
            lang,
            "Practice, level {level}, seed {seed}: {exercise}",
            level=level,
            seed=seed,
            exercise=ex.heading(lang),
        )
    else:
        ex = Exercise(args.program, parse_program(args.program).bind(parse_values(args.at)))
        heading = tr(lang, "Practice: {exercise}", exercise=ex.heading(lang))
    if not ex.diagnoses(lang):
        raise ProgramError(N_("practice: the program has no input or named node to differentiate"))
    print(heading)
    dialogue(ex, lang)
    return 0
