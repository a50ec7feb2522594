"""Compile a graph into Python: the code that reverse mode writes.

``compile_graph(z, [w, b])`` turns the graph below ``z`` into the source of
one plain Python function of the inputs' numbers: the forward lines, named as
``explain`` names the nodes, then the backward lines, where each gradient is
the sum over the edges out of its node of local derivative × upstream
gradient, in the order the engine's backward loop visits them. Google's
Tangent printed derivatives this way; ``torch.jit.trace`` compiles a traced
graph the same way.

>>> from autograd import Value
>>> w, b = Value(3.0, label="w"), Value(4.0, label="b")
>>> z = (2 * w + b) * (b + 1)
>>> g = compile_graph(z, [w, b])
>>> g(3.0, 4.0)
(50.0, [10.0, 15.0])
>>> g(1.0, 0.0)
(2.0, [2.0, 3.0])

The graph is traced once: the function redoes its operations on new numbers,
but Python control flow that ran while the graph was built (an ``if`` on a
value, a loop whose length depended on one) is frozen as it went then, as in
``torch.jit.trace``. ``relu`` and the like stay branches, taken at each call.

Each operation is written with its row of ``CODE`` below (the engine's
table says what an operation computes; this one, how to say it in Python).
An operation made with ``define_op`` is called by name: the code calls its
own forward and local functions.

Safety: the source is made from the graph alone and compiled with
``compile()``; no user text becomes code. A label becomes a variable name only
if it is a plain identifier (not a keyword, a builtin or a name the code
itself uses) that Python reads as written (NFKC); other nodes get automatic
names, and numbers are written as ``float.__repr__`` writes a float.
"""

from __future__ import annotations

import ast
import builtins
import functools
import keyword
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from autograd.engine import (
    OPS,
    Op,
    Value,
    apply,
    lift,
    operation,
    power_rule,
    real,
    sigmoid,
    topological_order,
)
from autograd.trace import evaluation_order, node_names

__all__ = ["CALLS_ITS_FUNCTIONS", "CODE", "Code", "CompiledGraph", "coded", "compile_graph"]


@dataclass(frozen=True)
class Code:
    """An operation as Python: expressions over {0}, {1}, ... (the operands)
    and {out} (the result), with math, inf, nan, sigmoid and power_rule in scope."""

    forward: str
    derivatives: tuple[str, ...]
    # A condition that holds wherever the engine may refuse the operands (in
    # its forward or a local derivative): there the code asks the engine.
    check: str = ""


def _linear(arity: int) -> Code:
    """As linear() adds, left to right from the bias: {2n} + {0} * {n} + ..."""
    n = (arity - 1) // 2
    forward = " + ".join([f"{{{2 * n}}}", *(f"{{{i}}} * {{{n + i}}}" for i in range(n))])
    local = tuple(f"{{{n + i}}}" for i in range(n)) + tuple(f"{{{i}}}" for i in range(n))
    return Code(forward, (*local, "1.0"))


# The row of an operation made with define_op: the code calls the operation's
# own forward and local functions, bound in its namespace (see _bind_user_ops).
CALLS_ITS_FUNCTIONS = Code("", ())

# One row per operation, found by its name in the engine's table; a function of
# the number of operands where that varies.
CODE: dict[Op, Code | Callable[[int], Code]] = {
    OPS["+"]: Code("{0} + {1}", ("1.0", "1.0")),
    OPS["-"]: Code("{0} - {1}", ("1.0", "-1.0")),
    OPS["*"]: Code("{0} * {1}", ("{1}", "{0}")),
    OPS["/"]: Code("{0} / {1}", ("1.0 / {1}", "-{out} / {1}"), check="{1} == 0"),
    OPS["neg"]: Code("-{0}", ("-1.0",)),
    # above 709.78... eᵃ exceeds the largest float
    OPS["exp"]: Code("math.exp({0})", ("{out}",), check="{0} > 709.782712893384"),
    OPS["log"]: Code("math.log({0})", ("1.0 / {0}",), check="{0} <= 0"),
    OPS["tanh"]: Code("math.tanh({0})", ("1.0 - {out} * {out}",)),
    OPS["sigmoid"]: Code("sigmoid({0})", ("{out} * (1.0 - {out})",)),
    OPS["relu"]: Code("{0} if {0} > 0 else 0.0", ("1.0 if {0} > 0 else 0.0",)),
    OPS["**"]: Code(
        "{0} ** {1}",
        (
            "power_rule({0}, {1})",
            "{out} * math.log({0}) if {0} > 0 else (0.0 if {0} >= 0 else nan)",
        ),
        # a ≤ 0, or aⁿ or aⁿ⁻¹ = e^(n·ln a) near the largest float
        check="{0} <= 0 or max({1}, {1} - 1) * math.log({0}) > 709.78",
    ),
    OPS["linear"]: _linear,
}


@functools.lru_cache(maxsize=256)
def _power(name: str) -> Code | None:
    """The row of a power with a number exponent, from its name: '**2' is {0} ** 2.0."""
    try:
        n = float(name[2:])
    except ValueError:
        return None
    if n in (0, 1):
        derivative = "0.0" if n == 0 else "1.0"
    elif n == 2:  # a ** 1.0 is a itself
        derivative = "2.0 * {0}"
    else:
        derivative = f"{_number(n)} * {{0}} ** {_number(n - 1)}"
        derivative = f"inf if {{0}} == 0 else {derivative}" if 0 < n < 1 else derivative
    # Where the engine may refuse aⁿ: a negative base to a fractional power, or
    # aⁿ (n > 1) or n·aⁿ⁻¹ (n < 1) beyond the largest float; a little early,
    # as the engine decides.
    conditions = [] if n.is_integer() else ["{0} < 0"]
    if n > 1:
        conditions.append(f"abs({{0}}) > {_number(sys.float_info.max ** (1 / n) * (1 - 1e-9))}")
    elif n < 1 and n != 0:
        bound = sys.float_info.max ** (1 / (n - 1)) * (1 + 1e-9)
        conditions.append(f"abs({{0}}) < {_number(bound)}")
    return Code(f"{{0}} ** {_number(n)}", (derivative,), " or ".join(conditions))


def coded(op: Op, arity: int) -> Code | None:
    """The row of ``op`` for ``arity`` operands; None for an operation without one.

    >>> from autograd.engine import TANH
    >>> coded(TANH, 1)
    Code(forward='math.tanh({0})', derivatives=('1.0 - {out} * {out}',), check='')
    """
    row = CODE.get(op)
    if row is None and op.name.startswith("**"):
        row = _power(op.name)
    return row(arity) if callable(row) else row


FUNCTION_NAME = "forward_backward"
MAX_NAME_LENGTH = 40  # longer labels get automatic names: the code stays readable
# A sum longer than this goes on several lines: the compiler recurses once per +.
TERMS_PER_LINE = 64

# What the generated code may use besides its own variables (the table's code
# templates are written with these names). User labels never take them.
_NAMESPACE = {
    "math": math,
    "inf": math.inf,
    "nan": math.nan,
    "sigmoid": sigmoid,
    "power_rule": power_rule,
}
_CHECK = "check_domain"
_RESERVED = frozenset(_NAMESPACE) | {FUNCTION_NAME, _CHECK} | set(dir(builtins))


class CompiledGraph:
    """A graph compiled into a Python function of its inputs' numbers.

    ``g.source`` is the generated code; ``g(*values)`` returns the output's
    value and the gradient for each input; ``g.step()`` runs on the inputs'
    current ``.data`` and adds to their ``.grad``, as ``backward()`` does.
    """

    def __init__(self, source: str, function, inputs: tuple[Value, ...], names: tuple[str, ...]):
        self.source = source
        self.inputs = inputs
        self.input_names = names
        self._function = function

    def __call__(self, *values: float) -> tuple[float, list[float]]:
        if len(values) != len(self.inputs):
            shown = ", ".join(self.input_names[:8]) + (", ..." if len(self.inputs) > 8 else "")
            raise TypeError(
                f"this compiled graph takes {len(self.inputs)} number(s), one per input "
                f"({shown}), got {len(values)}"
            )
        # Each number checked as the engine checks Value(data): no text, no complex numbers.
        return self._function(*[real(x, f"input {n}") for x, n in zip(values, self.input_names)])

    def step(self) -> float:
        """Forward and backward at the inputs' ``.data``; add to their ``.grad``; return the output.

        A training step: ``model.zero_grad(); g.step(); optimizer.step()``.
        """
        inputs = self.inputs
        output, grads = self._function(*[x.data for x in inputs])
        for x, g in zip(inputs, grads):
            x.grad += g
        return output

    def __repr__(self) -> str:
        return f"<CompiledGraph of {len(self.inputs)} input(s): {self.source.count(chr(10))} lines>"


def compile_graph(output: Value, inputs: Iterable[Value]) -> CompiledGraph:
    """Compile ``output``'s graph into a Python function of ``inputs``' numbers.

    ``inputs`` are leaves of the graph (a model's parameters, a program's
    inputs); every other leaf is a constant in the code, at its present value.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x
    >>> y.label = "y"
    >>> print(compile_graph(y, [x]).source)  # doctest: +ELLIPSIS
    def forward_backward(x):
    ...
        # forward
        y = x * x
        # backward
        dy = 1.0
        dx = x * dy + x * dy
        return y, [dx]
    <BLANKLINE>
    """
    inputs = _check_inputs(output, inputs)
    source, namespace, names = _generate(output, inputs)
    code = compile(source, "<compiled graph>", "exec")
    exec(code, namespace)  # the source was generated above, from the graph alone
    return CompiledGraph(source, namespace[FUNCTION_NAME], inputs, names)


def _check_inputs(output: Value, inputs: Iterable[Value]) -> tuple[Value, ...]:
    if not isinstance(output, Value):
        raise TypeError(f"compile_graph: the output must be a Value, got {type(output).__name__}")
    if isinstance(inputs, Value):
        inputs = [inputs]
    inputs = tuple(inputs)
    if not inputs:
        raise ValueError(
            "compile_graph: no inputs; list the leaves to differentiate by, "
            "e.g. compile_graph(loss, model.parameters())"
        )
    graph = set(topological_order(output))
    seen = set()
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"compile_graph: input #{i} is {type(x).__name__} {x!r}, not a Value")
        shown = f"input #{i} ({x!r})"
        if x in seen:
            raise ValueError(f"compile_graph: {shown} is listed twice; list each input once")
        seen.add(x)
        if x.parents:
            raise ValueError(
                f"compile_graph: {shown} is computed from other nodes ({x.op!r}); inputs must be "
                "leaves, the Values the graph starts from"
            )
        if x not in graph:
            raise ValueError(
                f"compile_graph: {shown} is not in the graph of the output; the output does "
                "not depend on it"
            )
    return inputs


def _usable(name: str) -> bool:
    """A label that may become a variable: a plain identifier, nothing the code uses."""
    return (
        name.isidentifier()
        and len(name) <= MAX_NAME_LENGTH
        and unicodedata.normalize("NFKC", name) == name  # Python reads 𝐱 as x
        and not keyword.iskeyword(name)
        and not name.startswith("__")
        and name not in _RESERVED
    )


def _number(x) -> str:
    """A number as code: as float.__repr__ writes it, whatever ``x`` is (a float
    subclass or numpy scalar included): digits, '.', 'e', '-', or inf / nan
    (names in the namespace), never text of ``x``'s own making."""
    return float.__repr__(real(x, "a number in the graph"))


def _literal(x) -> str:
    """A number as an operand: bracketed when negative (so that -2.0 ** x cannot happen)."""
    text = _number(x)
    return f"({text})" if text.startswith("-") else text


@functools.lru_cache(maxsize=1024)
def _factor(template: str) -> str:
    """The template ready to stand left of ``* upstream``: bracketed if it binds more loosely."""
    probe = re.sub(r"\{(\d+|out)\}", "_", template)
    body = ast.parse(probe, mode="eval").body
    # A product, quotient or power left of `*` multiplies first anyway: the engine's order.
    tight = isinstance(body, (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.UnaryOp)) or (
        isinstance(body, ast.BinOp) and isinstance(body.op, (ast.Mult, ast.Div, ast.Pow))
    )
    return template if tight else f"({template})"


def _generate(output: Value, inputs: tuple[Value, ...]) -> tuple[str, dict, tuple[str, ...]]:
    """The source of the function, the namespace it runs in, and the inputs' names in it."""
    order = evaluation_order(output)
    rows = _rows(order)
    namespace = dict(_NAMESPACE)
    taken = set(_RESERVED)
    user_ops = _bind_user_ops(rows.values(), namespace, taken)
    name = _variable_names(order, inputs, taken)
    text = {node: name.get(node) or _literal(node.data) for node in order}

    is_input = set(inputs)
    constants = [n for n in order if not n.parents and n in name and n not in is_input]
    lines = [f"{name[n]} = {_literal(n.data)}" for n in constants]
    if lines:
        lines = ["# constants: the other leaves, at their values when compiled", *lines]
    lines.append("# forward")
    checks = {}
    for node, (op, row) in rows.items():
        operands = [text[p] for p in node.parents]
        if op in user_ops:
            lines.append(f"{name[node]} = {user_ops[op][0]}({', '.join(operands)})")
            continue
        if row.check:
            condition = row.check.format(*operands)
            lines.append(f"if {condition}: {_CHECK}({name[node]!r}, {', '.join(operands)})")
            checks[name[node]] = op, [(p.label, p.op == "const") for p in node.parents]
        lines.append(f"{name[node]} = {row.forward.format(*operands)}")

    # Gradients: of the inputs and of every node on a path from an input to the output.
    needs = set(is_input)
    for node in rows:
        if any(p in needs for p in node.parents):
            needs.add(node)
    grad = {node: _fresh_gradient(name[node], taken) for node in order if node in needs}
    arrivals = dict.fromkeys(needs, 0)
    for node in rows:
        if node in needs:
            for parent in node.parents:
                if parent in needs:
                    arrivals[parent] += 1

    lines += ["# backward", f"{grad[output]} = 1.0"]
    terms: dict[Value, list[str]] = {}
    for node in reversed(topological_order(output)):  # the order of the engine's loop
        if node not in needs or not node.parents:
            continue
        (op, row), parents = rows[node], node.parents
        operands = [text[p] for p in parents]
        if op in user_ops:
            call = f"{user_ops[op][1]}({', '.join([name[node], *operands])})"
            derivatives = [f"{call}[{slot}]" for slot in range(len(operands))]
        else:
            derivatives = [_factor(t).format(*operands, out=name[node]) for t in row.derivatives]
        upstream = grad[node]
        for parent, derivative in zip(parents, derivatives):
            if parent in needs:
                received = terms.setdefault(parent, [])
                received.append(f"{derivative} * {upstream}")
                if len(received) == arrivals[parent]:  # complete: write the sum out
                    lines += _sum_lines(grad[parent], terms.pop(parent))

    input_names = [name[x] for x in inputs]
    lines.append(f"return {name[output]}, [{', '.join(grad[x] for x in inputs)}]")
    shown = ", ".join(input_names) if len(inputs) <= 6 else f"each of {len(inputs)} inputs"
    header = [
        f"def {FUNCTION_NAME}({', '.join(input_names)}):",
        f'    """{name[output]} and its gradient with respect to {shown}, by reverse mode.',
        "",
        "    Generated by autograd.compile_graph from a graph traced once. Forward:",
        "    each node from its parents. Backward: each gradient is the sum, over",
        "    the edges out of its node, of local derivative * upstream gradient.",
        '    """',
    ]
    namespace[_CHECK] = functools.partial(_check_domain, checks)
    source = "\n".join(header + ["    " + line for line in lines]) + "\n"
    return source, namespace, tuple(input_names)


def _rows(order: list[Value]) -> dict[Value, tuple[Op, Code]]:
    """Each node with parents: its operation, and that operation's row of CODE."""
    rows = {}
    arities: dict[tuple[Op, int], Code | None] = {}
    for node in order:
        if node.parents:
            op, arity = operation(node), len(node.parents)
            if (op, arity) not in arities:
                arities[op, arity] = coded(op, arity)
            if arities[op, arity] is None:
                raise TypeError(
                    f"compile_graph: node {node_names(order)[node]} was made by {node.op!r}, "
                    "which is not in the table of operations; make such nodes with define_op"
                )
            rows[node] = op, arities[op, arity]
    return rows


def _bind_user_ops(rows: Iterable[tuple[Op, Code]], namespace: dict, taken: set[str]) -> dict:
    """Operations made with define_op are called by name: the code calls their own
    forward and local functions, bound in the namespace under these names (as
    Python reads the name, NFKC: ｓｐ is sp; another name where it is taken)."""
    bound = {}
    for op in dict.fromkeys(op for op, row in rows if row is CALLS_ITS_FUNCTIONS):
        wanted = unicodedata.normalize("NFKC", op.name)
        wanted = wanted if _usable(wanted) else wanted + "_op"
        forward, local = _fresh(wanted, taken), _fresh(wanted + "_local", taken)
        namespace[forward] = functools.partial(_user_forward, op)
        namespace[local] = functools.partial(_user_local, op)
        bound[op] = forward, local
    return bound


def _variable_names(order: list[Value], inputs: tuple[Value, ...], taken: set[str]) -> dict:
    """A variable for every node but the program's numbers: named as explain names
    it where that is a usable identifier, else v1, v2, ... (the numbers left free)."""
    explained = node_names(order)
    variables = [n for n in order if n.op != "const"]
    name: dict[Value, str] = {}
    for node in variables:
        if _usable(explained[node]) and explained[node] not in taken:
            name[node] = explained[node]
            taken.add(name[node])
    counter = 0
    for node in variables:
        if node not in name:
            counter += 1
            while f"v{counter}" in taken:
                counter += 1
            name[node] = f"v{counter}"
            taken.add(name[node])
    return name


def _user_forward(op: Op, *numbers: float) -> float:
    try:
        result = op.forward(*numbers)
        if type(result) is float:
            return result
    except (ArithmeticError, ValueError):
        pass
    # The engine decides: its DomainError (or TypeError), or the result as a float.
    return apply(op, *map(Value, numbers)).data


def _user_local(op: Op, out: float, *numbers: float) -> tuple:
    try:
        return op.local(out, *numbers)
    except ArithmeticError:
        apply(op, *map(Value, numbers)).local_derivatives()  # the engine's DomainError
        raise


def _fresh(wanted: str, taken: set[str]) -> str:
    name, k = wanted, 1
    while name in taken:
        k += 1
        name = f"{wanted}_{k}"
    taken.add(name)
    return name


def _fresh_gradient(variable: str, taken: set[str]) -> str:
    for wanted in ("d" + variable, "grad_" + variable):
        if wanted not in taken:
            taken.add(wanted)
            return wanted
    return _fresh("grad_" + variable, taken)


def _sum_lines(target: str, terms: list[str]) -> list[str]:
    """``target = t1 + t2 + ...``, continued as ``target = target + ...`` past
    TERMS_PER_LINE terms (the same additions, left to right)."""
    lines = [f"{target} = {' + '.join(terms[:TERMS_PER_LINE])}"]
    for start in range(TERMS_PER_LINE, len(terms), TERMS_PER_LINE):
        lines.append(f"{target} = {' + '.join([target, *terms[start : start + TERMS_PER_LINE]])}")
    return lines


def _check_domain(checks: dict, node: str, *numbers: float) -> None:
    """Called by the code where an operation may be out of its domain: the engine,
    on Values shaped like the node's parents, raises the DomainError (with the
    message) that building the node or its local derivatives would raise;
    otherwise the code goes on."""
    op, parents = checks[node]
    operands = [
        lift(x, op.name) if is_constant else Value(x, label)
        for x, (label, is_constant) in zip(numbers, parents)
    ]
    apply(op, *operands).local_derivatives()
