"""The ``autograd`` command: explain, draw, check or compile the gradients of a tiny program.

A program is a few assignments, separated by ``;`` or newlines; the last
statement is the output and the names it uses without assigning them are the
inputs, given with ``--at``::

    autograd explain "x = 2*w + b; y = b + 1; z = x*y" --at w=3 b=4

The program is read with Python's ``ast`` and checked against a short list of
what it may contain (numbers, names, + - * / **, unary minus, parentheses,
exp/log/tanh/sigmoid/relu of one argument, assignments to a single name); it is
never run with eval or exec. Each name is assigned at most once, and only
before it is used, so that every name stands for one node of the graph.
``--at`` takes ``NAME=NUMBER`` items separated by spaces or commas (also
inside one quoted argument); every input
needs one and every one must be used. Any mistake ends the command with status
2 and one line on stderr: ``autograd: error: ...``.
"""

from __future__ import annotations

import argparse
import ast
import math
import operator
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from autograd import __version__
from autograd.engine import OPS, DomainError, Value, _lift, grad, no_grad, topological_order
from autograd.explain import explain, format_number

__all__ = ["NUMBER", "Program", "ProgramError", "main", "parse_program", "parse_values"]

WORKED_EXAMPLE = "x = 2*w + b; y = b + 1; z = x*y"
WORKED_EXAMPLE_AT = {"w": 3.0, "b": 4.0}
# The functions a program may call: the operations in the engine's table that
# are methods of Value (exp, log, tanh, sigmoid, relu), so a new one joins by itself.
FUNCTIONS = tuple(name for name in OPS if callable(getattr(Value, name, None)))
MAX_LENGTH = 10_000  # characters in a program
MAX_DEPTH = 200  # nesting of an expression: x1 + x2 + ... counts one level per +
FINITE_DIFFERENCE_STEP = 1e-6
ATOL, RTOL = 1e-5, 1e-3  # as in engine.gradcheck: agree when |a - n| <= ATOL + RTOL·|n|

_ALLOWED = (
    "a program may use numbers, names, + - * / **, unary minus, parentheses, "
    + "/".join(FUNCTIONS)
    + " of one argument, and assignments"
)
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_ARITHMETIC = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_FORBIDDEN = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing",
    ast.Lambda: "a lambda",
    ast.Import: "an import",
    ast.ImportFrom: "an import",
    ast.Compare: "a comparison",
    ast.BoolOp: "and/or",
    ast.IfExp: "an if-expression",
    ast.AugAssign: "an augmented assignment",
    ast.AnnAssign: "an annotated assignment",
    ast.NamedExpr: "the := operator",
    ast.Tuple: "a tuple",
    ast.List: "a list",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Starred: "unpacking with *",
    ast.JoinedStr: "an f-string",
    ast.FunctionDef: "a function definition",
    ast.ClassDef: "a class definition",
}


class ProgramError(ValueError):
    """A program, or a value for it, that the command cannot use: says what and where."""


@dataclass(frozen=True)
class Program:
    """A checked program: its statements, inputs and output, ready to run on numbers.

    >>> program = parse_program("x = 2*w + b; y = b + 1; z = x*y")
    >>> program.inputs, program.assigned
    (('w', 'b'), ('x', 'y', 'z'))
    >>> z, named = program.run({"w": 3.0, "b": 4.0})
    >>> z.data, named["x"].data
    (50.0, 10.0)
    """

    source: str
    text: str  # the source without its common indentation: what was parsed
    statements: tuple[tuple[str | None, ast.expr], ...]  # (target or None, expression)
    inputs: tuple[str, ...]  # names used without being assigned, in order of first use
    assigned: tuple[str, ...]
    first_use: dict[str, ast.Name]  # where each input is first used, for error messages
    indent: int  # columns removed from every line before parsing

    def bind(self, values: dict[str, float]) -> dict[str, float]:
        """Check that ``values`` gives every input a number and nothing else."""
        for name in self.inputs:
            if name not in values:
                raise ProgramError(
                    f"unknown name {name} ({self._where(self.first_use[name])}): give its "
                    f"value with --at {name}=NUMBER, or assign it before its first use"
                )
        for name in values:
            if name in self.assigned:
                raise ProgramError(
                    f"--at {name}=...: {name} is assigned in the program, so it is not an input"
                )
            if name not in self.inputs:
                used = ", ".join(self.inputs) or "no inputs"
                raise ProgramError(f"--at {name}=...: the program does not use {name} ({used})")
        return {name: values[name] for name in self.inputs}

    def run(
        self, values: dict[str, float], nudge: tuple[str, float] | None = None
    ) -> tuple[Value, dict[str, Value]]:
        """The output Value and every named Value, computed from the inputs' ``values``.

        ``nudge=(name, h)`` adds h to that input or assigned node as it is
        computed (for the sensitivity experiment and finite differences).
        """
        nudged, h = nudge if nudge else (None, 0.0)
        named = {
            name: Value(values[name] + (h if name == nudged else 0.0), label=name)
            for name in self.inputs
        }
        result: Value | float = 0.0
        for target, expression in self.statements:
            result = self._evaluate(expression, named)
            if target is None:
                continue
            if isinstance(result, Value) and result.label:
                raise ProgramError(
                    f"{target} = {result.label} ({self._where(expression)}) only gives "
                    f"{result.label} a second name; use {result.label} itself"
                )
            if not isinstance(result, Value):  # c = 3: a named number, an input of its own
                result = Value(result)
            if target == nudged:
                result = result + h
            result.label = target
            named[target] = result
        if not isinstance(result, Value):
            result = Value(result)
        return result, named

    def _evaluate(self, node: ast.expr, named: dict[str, Value]) -> Value | float:
        # The checks in parse_program guarantee every node here is one of these.
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return named[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self._evaluate(node.operand, named)
            return -operand if isinstance(node.op, ast.USub) else operand
        try:
            if isinstance(node, ast.BinOp):
                left = self._evaluate(node.left, named)
                right = self._evaluate(node.right, named)
                if not isinstance(left, Value) and not isinstance(right, Value):
                    left = _lift(left, _OPERATORS[type(node.op)])  # 2*3: a node all the same
                return _ARITHMETIC[type(node.op)](left, right)
            argument = self._evaluate(node.args[0], named)
            if not isinstance(argument, Value):
                argument = _lift(argument, node.func.id)
            return getattr(argument, node.func.id)()
        except DomainError as error:
            segment = _segment(node, self.text)
            raise ProgramError(f"{segment} ({self._where(node)}): {error}") from None

    def _where(self, node: ast.AST) -> str:
        return _where(node, self.text, self.indent)


def parse_program(source: str) -> Program:
    """Check ``source`` against the whitelist and return it as a Program.

    >>> parse_program("y = w.data * 2")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    autograd.cli.ProgramError: attribute access is not allowed: w.data (column 5); ...
    """
    if len(source) > MAX_LENGTH:
        raise ProgramError(
            f"the program is {len(source)} characters long, more than {MAX_LENGTH}; "
            "a graph that size is better built in Python"
        )
    if "\x00" in source:
        raise ProgramError("the program contains a NUL character")
    text, indent = _dedent(source)
    if not text.strip():
        raise ProgramError('the program is empty; write e.g. "y = 2*x + 1"')
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as error:
        where = _place(error.lineno or 1, (error.offset or 1) + indent, text)
        message = error.msg
        if "4300 digits" in message:  # Python's message points at its own settings
            message = "a number in the program has more than 4300 digits"
        raise ProgramError(f"{message} ({where})") from None
    except (RecursionError, MemoryError):
        raise ProgramError(
            f"the program is nested too deeply to read; keep expressions under {MAX_DEPTH} "
            "levels by splitting them into assignments"
        ) from None
    except ValueError as error:
        raise ProgramError(f"cannot read the program: {error}") from None

    statements: list[tuple[str | None, ast.expr]] = []
    assigned_at: dict[str, ast.Name] = {}
    for i, statement in enumerate(tree.body):
        if isinstance(statement, ast.Assign):
            if len(statement.targets) != 1:
                raise ProgramError(
                    f"a chained assignment ({_where(statement, text, indent)}) is not allowed; "
                    "assign one name at a time"
                )
            target = statement.targets[0]
            if not isinstance(target, ast.Name):
                what = _FORBIDDEN.get(type(target), "this target")
                raise ProgramError(
                    f"cannot assign to {what} ({_where(target, text, indent)}); "
                    "assign to a single name"
                )
            if target.id in FUNCTIONS:
                raise ProgramError(
                    f"cannot assign to {target.id} ({_where(target, text, indent)}): it is the "
                    "name of a function"
                )
            if target.id in assigned_at:
                first = _where(assigned_at[target.id], text, indent)
                raise ProgramError(
                    f"{target.id} is assigned twice ({first}, and {_where(target, text, indent)}); "
                    "each name stands for one node, so give the second one a new name"
                )
            assigned_at[target.id] = target
            statements.append((target.id, statement.value))
        elif isinstance(statement, ast.Expr):
            if i != len(tree.body) - 1:
                raise ProgramError(
                    f"this expression is not used ({_where(statement, text, indent)}): assign "
                    "it to a name (e.g. t = ...); only the last statement may stand alone"
                )
            statements.append((None, statement.value))
        else:
            _reject(statement, text, indent)

    inputs: dict[str, ast.Name] = {}
    assigned_so_far: set[str] = set()
    for target, expression in statements:
        _check_expression(expression, text, indent)
        for name in _names_in(expression):
            if name.id in assigned_so_far:
                continue
            if name.id in assigned_at:
                raise ProgramError(
                    f"{name.id} is used ({_where(name, text, indent)}) before it is assigned "
                    f"({_where(assigned_at[name.id], text, indent)})"
                )
            inputs.setdefault(name.id, name)
        if target is not None:
            assigned_so_far.add(target)
    return Program(
        source, text, tuple(statements), tuple(inputs), tuple(assigned_at), inputs, indent
    )


def _check_expression(root: ast.expr, text: str, indent: int) -> None:
    """Reject anything outside the whitelist, and expressions nested too deeply."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ProgramError(
                f"the expression is nested more than {MAX_DEPTH} levels deep "
                f"({_where(node, text, indent)}); split it into assignments"
            )
        if isinstance(node, ast.Constant):
            _check_number(node, text, indent)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ProgramError(
                    f"{node.id} is a function ({_where(node, text, indent)}); "
                    f"call it as {node.id}(...)"
                )
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _OPERATORS:
                symbol = _segment(node, text).replace(_segment(node.left, text), "", 1)
                symbol = symbol.replace(_segment(node.right, text), "").strip(" ()") or "?"
                raise ProgramError(
                    f"the operator {symbol} is not allowed ({_where(node, text, indent)}); "
                    "use + - * / **"
                )
            stack += [(node.left, depth + 1), (node.right, depth + 1)]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise ProgramError(
                    f"the operator in {_segment(node, text)} is not allowed "
                    f"({_where(node, text, indent)}); only unary minus is"
                )
            stack.append((node.operand, depth + 1))
        elif isinstance(node, ast.Call):
            _check_call(node, text, indent)
            stack.append((node.args[0], depth + 1))
        else:
            _reject(node, text, indent)


def _check_number(node: ast.Constant, text: str, indent: int) -> None:
    value = node.value
    where = _where(node, text, indent)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProgramError(f"{_segment(node, text)} is not a number ({where}); {_ALLOWED}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ProgramError(f"the number {_segment(node, text)} is too large for a float ({where})")


def _check_call(node: ast.Call, text: str, indent: int) -> None:
    where = _where(node, text, indent)
    if not isinstance(node.func, ast.Name):
        _reject(node.func, text, indent)
    name = node.func.id
    if name not in FUNCTIONS:
        raise ProgramError(
            f"unknown function {name}() ({where}); the functions are {', '.join(FUNCTIONS)}"
        )
    if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
        count = len(node.args) + len(node.keywords)
        raise ProgramError(f"{name}() takes exactly one argument, got {count} ({where})")


def _reject(node: ast.AST, text: str, indent: int) -> None:
    what = _FORBIDDEN.get(type(node))
    if what is None:
        kind = "statement" if isinstance(node, ast.stmt) else "expression"
        what = f"a {type(node).__name__.lower()} {kind}"
    snippet = _segment(node, text)
    if len(snippet) > 30:
        snippet = snippet[:27] + "..."
    raise ProgramError(
        f"{what} is not allowed: {snippet} ({_where(node, text, indent)}); {_ALLOWED}"
    )


def _names_in(expression: ast.expr) -> list[ast.Name]:
    """The names an expression reads, left to right (not the functions it calls)."""
    functions = {id(n.func) for n in ast.walk(expression) if isinstance(n, ast.Call)}
    names = [
        node
        for node in ast.walk(expression)
        if isinstance(node, ast.Name) and id(node) not in functions
    ]
    return sorted(names, key=lambda n: (n.lineno, n.col_offset))


def _segment(node: ast.AST, text: str) -> str:
    """The source text of ``node``, on one line."""
    return " ".join((ast.get_source_segment(text, node) or type(node).__name__).split())


def _where(node: ast.AST, text: str, indent: int) -> str:
    return _place(node.lineno, node.col_offset + 1 + indent, text)


def _place(line: int, column: int, text: str) -> str:
    if "\n" in text.strip("\n"):
        return f"line {line}, column {column}"
    return f"column {column}"


def _dedent(source: str) -> tuple[str, int]:
    """The program without the indentation common to its lines (from a quoted block)."""
    lines = source.split("\n")
    indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
    indent = min(indents, default=0)
    return "\n".join(line[indent:] for line in lines), indent


# A number as a person types it. ASCII digits only (Python's \d would also take
# ８): the lesson page's JavaScript checks typed answers with this same pattern.
NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def parse_values(items: Sequence[str]) -> dict[str, float]:
    """``["w=3", "b=4"]``, ``["w=3,b=4"]`` or ``["w=3 b=4"]`` as ``{"w": 3.0, "b": 4.0}``.

    >>> parse_values(["w=3,b=-0.5"])
    {'w': 3.0, 'b': -0.5}
    """
    values: dict[str, float] = {}
    for item in items:
        if re.search(r"[;*/()]", item):
            raise ProgramError(
                f"--at {item.strip()}: this looks like the program; put the program before --at"
            )
        for piece in re.split(r"[,\s]+", re.sub(r"\s*=\s*", "=", item)):
            if not piece:
                continue
            name, equals, number = (part.strip() for part in piece.partition("="))
            if not equals or not name.isidentifier():
                raise ProgramError(f"--at {piece}: expected NAME=NUMBER, e.g. w=3")
            if not NUMBER.fullmatch(number):
                raise ProgramError(f"--at {piece}: {number!r} is not a number (e.g. 3, -0.5, 1e-3)")
            value = float(number)
            if not math.isfinite(value):
                raise ProgramError(f"--at {piece}: {number} is too large for a float")
            if name in values:
                raise ProgramError(f"--at {piece}: {name} is given twice")
            values[name] = value
    return values


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
    # ProgramError and DomainError are ValueErrors; the others come from drawing
    # (Graphviz missing, a graph too big, a file that cannot be written).
    except (ValueError, RuntimeError, ImportError, OSError) as error:
        return _fail(str(error))


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
        if error.name not in ("starlette", "uvicorn", "anyio"):
            raise
        raise ModuleNotFoundError(
            f"autograd serve needs Starlette and uvicorn ({error.name} is missing): "
            "pip install 'scalar-autograd[serve]'",
            name=error.name,
        ) from None
    if shutil.which("dot") is None:
        from autograd.draw import INSTALL_DOT

        raise RuntimeError(
            f"autograd serve draws graphs with Graphviz's dot program, which is not installed; "
            f"install it with {INSTALL_DOT}"
        )
    return serve.run(args.host, args.port, args.open)


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
    if args.practice:
        from autograd.practice import diagnose

        if not diagnose(explanation):
            raise ProgramError(
                "--practice: the program has no input or named node to differentiate"
            )

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
        from autograd.lesson import lesson

        mode = "trainer" if args.trainer else "practice" if args.practice else "lesson"
        page = lesson(output, title=f"Backpropagation through {heading}", mode=mode)
        path = page.save(args.html)
        print(f"lesson page written to {path}", file=sys.stderr)
    if args.render or args.frames:
        from autograd.draw import render, render_backward_steps

        if args.render:
            path = render(output, args.render, explanation=explanation)
            print(f"graph written to {path}", file=sys.stderr)
        if args.frames:
            paths = render_backward_steps(output, args.frames, explanation=explanation)
            images = [p for p in paths if p.suffix == ".png"]
            gif = " and backward.gif" if len(paths) > len(images) else " (install Pillow for a GIF)"
            print(
                f"{len(images)} backward-step images{gif} written to {args.frames}",
                file=sys.stderr,
            )
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
    from autograd.compile import compile_graph

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
    # Imported here: practice builds its exercises with this module's parser.
    from autograd.practice import Exercise, exercise, worksheet

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
