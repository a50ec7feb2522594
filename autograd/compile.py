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

Safety: the source is made from the graph alone and compiled with
``compile()``; no user text becomes code. A label becomes a variable name only
if it is a plain identifier (not a keyword, a builtin or a name the code
itself uses); other nodes get automatic names, and numbers are written with
``repr``.
"""

from __future__ import annotations

import ast
import builtins
import functools
import keyword
import math
import re
import unicodedata
from collections.abc import Iterable

from autograd.engine import (
    Op,
    Value,
    _apply_forward,
    _power_rule,
    _real,
    _sigmoid,
    operation,
    topological_order,
)
from autograd.trace import evaluation_order, node_names

__all__ = ["CompiledGraph", "compile_graph"]

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
    "sigmoid": _sigmoid,
    "power_rule": _power_rule,
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
        return self._function(*[_real(x, f"input {n}") for x, n in zip(values, self.input_names)])

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


def _literal(x: float) -> str:
    """A number as code: repr, bracketed when negative (so that -2.0 ** x cannot happen)."""
    text = repr(x)  # digits, '.', 'e', '-', or inf / nan (names in the namespace)
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
    ops = {node: _operation(node, order) for node in order if node.parents}
    namespace = dict(_NAMESPACE)
    taken = set(_RESERVED)
    user_ops = _bind_user_ops(ops.values(), namespace, taken)
    name = _variable_names(order, inputs, taken)
    text = {node: name.get(node) or _literal(node.data) for node in order}

    is_input = set(inputs)
    constants = [n for n in order if not n.parents and n in name and n not in is_input]
    lines = [f"{name[n]} = {_literal(n.data)}" for n in constants]
    if lines:
        lines = ["# constants: the other leaves, at their values when compiled", *lines]
    lines.append("# forward")
    checks = {}
    memo: dict[tuple[str, int], tuple[str, tuple[str, ...]]] = {}  # by name: hashing an Op is slow

    def coded(op: Op, arity: int) -> tuple[str, tuple[str, ...]]:
        key = (op.name, arity)
        if key not in memo:
            memo[key] = _coded(op, arity)
        return memo[key]

    for node, op in ops.items():
        operands = [text[p] for p in node.parents]
        if op.name in user_ops:
            lines.append(f"{name[node]} = {user_ops[op.name][0]}({', '.join(operands)})")
            continue
        if op.code_check:
            condition = op.code_check.format(*operands)
            lines.append(f"if {condition}: {_CHECK}({name[node]!r}, {', '.join(operands)})")
            checks[name[node]] = (
                op,
                [(p.label, "const" if p.op == "const" else "") for p in node.parents],
            )
        lines.append(f"{name[node]} = {coded(op, len(operands))[0].format(*operands)}")

    # Gradients: of the inputs and of every node on a path from an input to the output.
    needs = set(is_input)
    for node in ops:
        if any(p in needs for p in node.parents):
            needs.add(node)
    grad = {node: _fresh_gradient(name[node], taken) for node in order if node in needs}
    arrivals = dict.fromkeys(needs, 0)
    for node in ops:
        if node in needs:
            for parent in node.parents:
                if parent in needs:
                    arrivals[parent] += 1

    lines += ["# backward", f"{grad[output]} = 1.0"]
    terms: dict[Value, list[str]] = {}
    for node in reversed(topological_order(output)):  # the order of the engine's loop
        if node not in needs or not node.parents:
            continue
        op, parents = ops[node], node.parents
        operands = [text[p] for p in parents]
        if op.name in user_ops:
            call = f"{user_ops[op.name][1]}({', '.join([name[node], *operands])})"
            derivatives = [f"{call}[{slot}]" for slot in range(len(operands))]
        else:
            templates = coded(op, len(operands))[1]
            derivatives = [t.format(*operands, out=name[node]) for t in templates]
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


def _operation(node: Value, order: list[Value]) -> Op:
    op = operation(node)
    if op is None:
        where = node_names(order)[node]
        raise TypeError(
            f"compile_graph: node {where} was made by {node.op!r}, which is not in the table "
            "of operations; make such nodes with define_op"
        )
    return op


def _coded(op: Op, arity: int) -> tuple[str, tuple[str, ...]]:
    """The forward template, and each derivative ready to stand left of ``* upstream``."""
    code, derivatives = op.coded(arity)
    return code, tuple(_factor(t) for t in derivatives)


def _bind_user_ops(ops: Iterable[Op], namespace: dict, taken: set[str]) -> dict:
    """Operations made with define_op have no code templates: the code calls their
    own forward and local functions, bound in the namespace under these names."""
    bound = {}
    for op in dict.fromkeys(op for op in ops if not op.code and not op.code_notation):
        wanted = op.name if _usable(op.name) else op.name + "_op"
        forward, local = _fresh(wanted, taken), _fresh(wanted + "_local", taken)
        namespace[forward] = functools.partial(_user_forward, op)
        namespace[local] = op.local
        bound[op.name] = forward, local
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
    return _apply_forward(op, numbers)  # errors as the engine's DomainError


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
    """Called by the code where an operation may be out of its domain: the engine's
    own operation, on Values shaped like the node's parents, raises the DomainError
    (with the message) that building the node would raise; otherwise the code goes on."""
    op, parents = checks[node]
    op.checked(*(Value(x, label, (), None, kind) for x, (label, kind) in zip(numbers, parents)))
