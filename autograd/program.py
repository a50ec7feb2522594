"""The little program language of the ``autograd`` command and the classroom server.

A program is a few assignments, separated by ``;`` or newlines; the last
statement is the output and the names it uses without assigning them are the
inputs, each given a number::

    x = 2*w + b; y = b + 1; z = x*y          at w = 3, b = 4

The program is read with Python's ``ast`` and checked against a short list of
what it may contain (numbers, names, + - * / **, unary minus, parentheses,
exp/log/tanh/sigmoid/relu of one argument, assignments to a single name); it is
never run with eval or exec. Each name is assigned at most once, and only
before it is used, so that every name stands for one node of the graph.
Values are ``NAME=NUMBER`` items separated by spaces or commas (``--at`` on the
command line); every input needs one and every one must be used. Any mistake
is a ``ProgramError`` (a ``ValueError``) whose one line says what and where.

``parse_program`` parses and checks, ``Program.bind`` checks the values,
``Program.run`` builds the graph. The command line (``autograd.cli``), the
server, the lesson page and the practice exercises all read programs here.

>>> program = parse_program("x = 2*w + b; y = b + 1; z = x*y")
>>> z, named = program.run(program.bind(parse_values(["w=3 b=4"])))
>>> z.data, named["x"].data
(50.0, 10.0)
"""

from __future__ import annotations

import ast
import math
import operator
import re
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from autograd.engine import OPS, DomainError, Value, lift

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "NUMBER",
    "WORKED_EXAMPLE",
    "WORKED_EXAMPLE_AT",
    "Program",
    "ProgramError",
    "parse_program",
    "parse_values",
]

WORKED_EXAMPLE = "x = 2*w + b; y = b + 1; z = x*y"
WORKED_EXAMPLE_AT = {"w": 3.0, "b": 4.0}
# The functions a program may call: the operations in the engine's table that
# are methods of Value (exp, log, tanh, sigmoid, relu), so a new one joins by itself.
FUNCTIONS = tuple(name for name in OPS if callable(getattr(Value, name, None)))
MAX_LENGTH = 10_000  # characters in a program
MAX_DEPTH = 200  # nesting of an expression: x1 + x2 + ... counts one level per +

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
                    left = lift(left, _OPERATORS[type(node.op)])  # 2*3: a node all the same
                return _ARITHMETIC[type(node.op)](left, right)
            argument = self._evaluate(node.args[0], named)
            if not isinstance(argument, Value):
                argument = lift(argument, node.func.id)
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
    autograd.program.ProgramError: attribute access is not allowed: w.data (column 5); ...
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
        tree = _parse_quietly(text)
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


# catch_warnings swaps process-wide state: one parse at a time, so that the
# server's worker threads cannot restore each other's filters out of order.
_QUIET = threading.Lock()


def _parse_quietly(text: str) -> ast.Module:
    """``ast.parse`` without Python's SyntaxWarnings (``2and w``: "invalid decimal
    literal"): the checks that follow say what is wrong in the program's own terms."""
    with _QUIET, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, mode="exec")


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
