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
is a ``ProgramError`` (a ``ValueError``) whose one line says what and where,
in every language of the catalogs (``error_text(error, "zh")``).

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
from autograd.i18n import N_, Phrase, TranslatableValueError

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

_ALLOWED = Phrase(
    N_(
        "a program may use numbers, names, + - * / **, unary minus, parentheses, "
        "{functions} of one argument, and assignments"
    ),
    functions="/".join(FUNCTIONS),
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
    ast.Attribute: N_("attribute access"),
    ast.Subscript: N_("indexing"),
    ast.Lambda: N_("a lambda"),
    ast.Import: N_("an import"),
    ast.ImportFrom: N_("an import"),
    ast.Compare: N_("a comparison"),
    ast.BoolOp: N_("and/or"),
    ast.IfExp: N_("an if-expression"),
    ast.AugAssign: N_("an augmented assignment"),
    ast.AnnAssign: N_("an annotated assignment"),
    ast.NamedExpr: N_("the := operator"),
    ast.Tuple: N_("a tuple"),
    ast.List: N_("a list"),
    ast.Dict: N_("a dict"),
    ast.Set: N_("a set"),
    ast.Starred: N_("unpacking with *"),
    ast.JoinedStr: N_("an f-string"),
    ast.FunctionDef: N_("a function definition"),
    ast.ClassDef: N_("a class definition"),
}

# Python's words for the mistakes a program's author makes most, in the
# catalogs; any other SyntaxError is shown in Python's own words.
_SYNTAX_ERRORS = [
    (re.compile(pattern), message)
    for pattern, message in [
        (r"invalid syntax", N_("invalid syntax")),
        (
            r"invalid syntax\. Perhaps you forgot a comma\?",
            N_("invalid syntax. Perhaps you forgot a comma?"),
        ),
        (r"'(?P<bracket>.)' was never closed", N_("'{bracket}' was never closed")),
        (r"unmatched '(?P<bracket>.)'", N_("unmatched '{bracket}'")),
        (
            r"closing parenthesis '(?P<closing>.)' does not match opening parenthesis "
            r"'(?P<opening>.)'",
            N_("closing parenthesis '{closing}' does not match opening parenthesis '{opening}'"),
        ),
        (r"invalid decimal literal", N_("invalid decimal literal")),
        (
            r"invalid character '(?P<char>.)' \(U\+(?P<code>[0-9A-F]+)\)",
            N_("invalid character '{char}' (U+{code})"),
        ),
        (
            r"unterminated string literal \(detected at line (?P<line>\d+)\)",
            N_("unterminated string literal (detected at line {line})"),
        ),
        (r"unexpected indent", N_("unexpected indent")),
        (
            r"cannot assign to expression here\. Maybe you meant '==' instead of '='\?",
            N_("cannot assign to expression here. Maybe you meant '==' instead of '='?"),
        ),
        (
            r"leading zeros in decimal integer literals are not permitted; use an 0o prefix "
            r"for octal integers",
            N_(
                "leading zeros in decimal integer literals are not permitted; use an 0o prefix "
                "for octal integers"
            ),
        ),
    ]
]


class ProgramError(TranslatableValueError):
    """A program, or a value for it, that the command cannot use: says what and where.

    >>> from autograd.i18n import error_text
    >>> error = ProgramError(N_("the program contains a NUL character"))
    >>> str(error), error_text(error, "zh")
    ('the program contains a NUL character', '程序里有一个 NUL 字符。')
    """


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
                    N_(
                        "unknown name {name} ({where}): give its value with --at {name}=NUMBER, "
                        "or assign it before its first use"
                    ),
                    name=name,
                    where=self._where(self.first_use[name]),
                )
        for name in values:
            if name in self.assigned:
                raise ProgramError(
                    N_("--at {name}=...: {name} is assigned in the program, so it is not an input"),
                    name=name,
                )
            if name not in self.inputs:
                used = ", ".join(self.inputs) or Phrase(N_("no inputs"))
                raise ProgramError(
                    N_("--at {name}=...: the program does not use {name} ({used})"),
                    name=name,
                    used=used,
                )
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
                    N_(
                        "{target} = {label} ({where}) only gives {label} a second name; "
                        "use {label} itself"
                    ),
                    target=target,
                    label=result.label,
                    where=self._where(expression),
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
            raise ProgramError(
                N_("{expression} ({where}): {error}"),
                expression=_segment(node, self.text),
                where=self._where(node),
                error=error,
            ) from None

    def _where(self, node: ast.AST) -> Phrase:
        return _where(node, self.text, self.indent)


def parse_program(source: str) -> Program:
    """Check ``source`` against the whitelist and return it as a Program.

    >>> parse_program("y = w.data * 2")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    autograd.program.ProgramError: attribute access is not allowed: w.data (column 5); ...
    """
    if len(source) > MAX_LENGTH:
        raise ProgramError(
            N_(
                "the program is {length} characters long, more than {limit}; a graph that size "
                "is better built in Python"
            ),
            length=len(source),
            limit=MAX_LENGTH,
        )
    if "\x00" in source:
        raise ProgramError(N_("the program contains a NUL character"))
    text, indent = _dedent(source)
    if not text.strip():
        raise ProgramError(N_('the program is empty; write e.g. "y = 2*x + 1"'))
    try:
        tree = _parse_quietly(text)
    except SyntaxError as error:
        where = _place(error.lineno or 1, (error.offset or 1) + indent, text)
        raise ProgramError(
            N_("{message} ({where})"), message=_syntax_error(error.msg), where=where
        ) from None
    except (RecursionError, MemoryError):
        raise ProgramError(
            N_(
                "the program is nested too deeply to read; keep expressions under {limit} "
                "levels by splitting them into assignments"
            ),
            limit=MAX_DEPTH,
        ) from None
    except ValueError as error:
        raise ProgramError(N_("cannot read the program: {error}"), error=str(error)) from None

    statements: list[tuple[str | None, ast.expr]] = []
    assigned_at: dict[str, ast.Name] = {}
    for i, statement in enumerate(tree.body):
        if isinstance(statement, ast.Assign):
            if len(statement.targets) != 1:
                raise ProgramError(
                    N_("a chained assignment ({where}) is not allowed; assign one name at a time"),
                    where=_where(statement, text, indent),
                )
            target = statement.targets[0]
            if not isinstance(target, ast.Name):
                raise ProgramError(
                    N_("cannot assign to {what} ({where}); assign to a single name"),
                    what=Phrase(_FORBIDDEN.get(type(target), N_("this target"))),
                    where=_where(target, text, indent),
                )
            if target.id in FUNCTIONS:
                raise ProgramError(
                    N_("cannot assign to {name} ({where}): it is the name of a function"),
                    name=target.id,
                    where=_where(target, text, indent),
                )
            if target.id in assigned_at:
                raise ProgramError(
                    N_(
                        "{name} is assigned twice ({first}, and {second}); each name stands for "
                        "one node, so give the second one a new name"
                    ),
                    name=target.id,
                    first=_where(assigned_at[target.id], text, indent),
                    second=_where(target, text, indent),
                )
            assigned_at[target.id] = target
            statements.append((target.id, statement.value))
        elif isinstance(statement, ast.Expr):
            if i != len(tree.body) - 1:
                raise ProgramError(
                    N_(
                        "this expression is not used ({where}): assign it to a name (e.g. t = "
                        "...); only the last statement may stand alone"
                    ),
                    where=_where(statement, text, indent),
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
                    N_("{name} is used ({where}) before it is assigned ({assigned})"),
                    name=name.id,
                    where=_where(name, text, indent),
                    assigned=_where(assigned_at[name.id], text, indent),
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
                N_(
                    "the expression is nested more than {limit} levels deep ({where}); split it "
                    "into assignments"
                ),
                limit=MAX_DEPTH,
                where=_where(node, text, indent),
            )
        if isinstance(node, ast.Constant):
            _check_number(node, text, indent)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ProgramError(
                    N_("{name} is a function ({where}); call it as {name}(...)"),
                    name=node.id,
                    where=_where(node, text, indent),
                )
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _OPERATORS:
                symbol = _segment(node, text).replace(_segment(node.left, text), "", 1)
                symbol = symbol.replace(_segment(node.right, text), "").strip(" ()") or "?"
                raise ProgramError(
                    N_("the operator {symbol} is not allowed ({where}); use + - * / **"),
                    symbol=symbol,
                    where=_where(node, text, indent),
                )
            stack += [(node.left, depth + 1), (node.right, depth + 1)]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise ProgramError(
                    N_(
                        "the operator in {expression} is not allowed ({where}); only unary minus is"
                    ),
                    expression=_segment(node, text),
                    where=_where(node, text, indent),
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
        raise ProgramError(
            N_("{expression} is not a number ({where}); {allowed}"),
            expression=_segment(node, text),
            where=where,
            allowed=_ALLOWED,
        )
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ProgramError(
            N_("the number {number} is too large for a float ({where})"),
            number=_segment(node, text),
            where=where,
        )


def _check_call(node: ast.Call, text: str, indent: int) -> None:
    where = _where(node, text, indent)
    if not isinstance(node.func, ast.Name):
        _reject(node.func, text, indent)
    name = node.func.id
    if name not in FUNCTIONS:
        raise ProgramError(
            N_("unknown function {name}() ({where}); the functions are {functions}"),
            name=name,
            where=where,
            functions=", ".join(FUNCTIONS),
        )
    if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
        raise ProgramError(
            N_("{name}() takes exactly one argument, got {count} ({where})"),
            name=name,
            count=len(node.args) + len(node.keywords),
            where=where,
        )


def _reject(node: ast.AST, text: str, indent: int) -> None:
    forbidden = _FORBIDDEN.get(type(node))
    if forbidden is not None:
        what = Phrase(forbidden)
    elif isinstance(node, ast.stmt):
        what = Phrase(N_("a {name} statement"), name=type(node).__name__.lower())
    else:
        what = Phrase(N_("a {name} expression"), name=type(node).__name__.lower())
    snippet = _segment(node, text)
    if len(snippet) > 30:
        snippet = snippet[:27] + "..."
    raise ProgramError(
        N_("{what} is not allowed: {snippet} ({where}); {allowed}"),
        what=what,
        snippet=snippet,
        where=_where(node, text, indent),
        allowed=_ALLOWED,
    )


def _syntax_error(message: str) -> str | Phrase:
    """Python's SyntaxError message, as a catalog phrase where it is a common one."""
    if "4300 digits" in message:  # Python's message points at its own settings
        return Phrase(N_("a number in the program has more than 4300 digits"))
    for pattern, said in _SYNTAX_ERRORS:
        match = pattern.fullmatch(message)
        if match:
            return Phrase(said, **match.groupdict())
    return message


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


def _where(node: ast.AST, text: str, indent: int) -> Phrase:
    return _place(node.lineno, node.col_offset + 1 + indent, text)


def _place(line: int, column: int, text: str) -> Phrase:
    if "\n" in text.strip("\n"):
        return Phrase(N_("line {line}, column {column}"), line=line, column=column)
    return Phrase(N_("column {column}"), column=column)


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
                N_("--at {item}: this looks like the program; put the program before --at"),
                item=item.strip(),
            )
        for piece in re.split(r"[,\s]+", re.sub(r"\s*=\s*", "=", item)):
            if not piece:
                continue
            name, equals, number = (part.strip() for part in piece.partition("="))
            if not equals or not name.isidentifier():
                raise ProgramError(N_("--at {item}: expected NAME=NUMBER, e.g. w=3"), item=piece)
            if not NUMBER.fullmatch(number):
                raise ProgramError(
                    N_("--at {item}: {number!r} is not a number (e.g. 3, -0.5, 1e-3)"),
                    item=piece,
                    number=number,
                )
            value = float(number)
            if not math.isfinite(value):
                raise ProgramError(
                    N_("--at {item}: {number} is too large for a float"), item=piece, number=number
                )
            if name in values:
                raise ProgramError(N_("--at {item}: {name} is given twice"), item=piece, name=name)
            values[name] = value
    return values
