"""What every view of a graph shares: node names, kinds, notation, and the chain-rule trace.

``explain`` (text, Markdown, LaTeX), ``draw`` and the lesson page all show the
same graph, so they take from here how a node is named (``w``, ``v1``, the
value of a constant), what kind it is, how a gradient and a local derivative
are written, and the steps of the engine's backward loop. None of them names
a node or runs the chain rule on its own.

Notation: ``dz/db`` is a complete gradient (every path from z to b summed),
``∂x/∂b`` a local derivative (one edge: x's rule, its other inputs held
fixed). The two differ where a node reaches the output both directly and
through other nodes: for z = x·x·x, dz/dx = 3x² but the last edge's ∂z/∂x = x².
In forward mode ``ẋ`` is x's tangent (Newton's dot): with the seed ẇ = 1,
ẋ = dx/dw.

>>> from autograd import Value
>>> w = Value(3.0, label="w")
>>> order = evaluation_order(2 * w + 1)
>>> [node_names(order)[n] for n in order]
['2', 'w', 'v1', '1', 'v2']
>>> gradient_symbol("z", "b"), local_symbol("x", "b"), tangent_symbol("x")
('dz/db', '∂x/∂b', 'ẋ')
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from autograd.engine import Value, backpropagate

__all__ = [
    "KINDS",
    "TracedEdge",
    "backward_trace",
    "evaluation_order",
    "evaluation_order_of",
    "format_number",
    "gradient_symbol",
    "local_symbol",
    "node_kind",
    "node_names",
    "tangent_symbol",
]

KINDS = ("input", "parameter", "constant", "intermediate", "output")


def format_number(x: float, digits: int = 6) -> str:
    """``x`` with at most ``digits`` significant digits; a nonzero never shows as 0.

    >>> format_number(50.0), format_number(0.5), format_number(1.234e-07), format_number(-0.0)
    ('50', '0.5', '1.234e-07', '0')
    """
    if x == 0:  # also -0.0, which would print as "-0"
        return "0"
    return f"{x:.{digits}g}"


def gradient_symbol(output: str, node: str) -> str:
    """A complete gradient: d(output)/d(node), every path summed."""
    return f"d{output}/d{node}"


def local_symbol(top: str, bottom: str) -> str:
    """A local derivative: ∂top/∂bottom along one edge."""
    return f"∂{top}/∂{bottom}"


def tangent_symbol(node: str) -> str:
    """A node's tangent in forward mode: ẋ, the dot over the name (Newton's notation).

    The dot (U+0307, a combining character) goes over the letter of a
    one-letter name, also before an index (v̇1 for v1); a longer name is
    bracketed, with the dot after it, so that it is clear the dot is for the
    whole name.

    >>> tangent_symbol("x"), tangent_symbol("v1"), tangent_symbol("loss")
    ('ẋ', 'v̇1', '(loss)˙')
    """
    match = _ONE_LETTER.fullmatch(node)
    if match:
        # NFC: one character where Unicode has one (ẋ, ẇ, ḃ), as a teacher would type it
        return unicodedata.normalize("NFC", match.group(1) + "\u0307") + match.group(2)
    return f"({node})˙"


# One letter, then anything but letters: x, v1, w_2, x#2.
_ONE_LETTER = re.compile(r"([^\W\d_])([^a-zA-Z]*)")


def evaluation_order(root: Value) -> list[Value]:
    """The nodes ``root`` depends on, in the order a program computes them.

    Depth first, parents in their order (the left operand first), each node
    after its parents and ``root`` last. Any order with parents first would do
    for the chain rule; this one reads like the program, so the automatic
    names v1, v2, ... run left to right as the expression was written.

    >>> from autograd import Value
    >>> a, b = Value(1.0, label="a"), Value(2.0, label="b")
    >>> [v.label or v.op for v in evaluation_order((a + b) * a)]
    ['a', 'b', '+', '*']
    """
    return evaluation_order_of([root])


def evaluation_order_of(roots: Sequence[Value]) -> list[Value]:
    """The nodes of several outputs, each listed once, after its parents.

    The outputs' evaluation orders one after the other, without repeating a
    node an earlier output already listed (forward mode sweeps all outputs at once).

    >>> from autograd import Value
    >>> a = Value(1.0, label="a")
    >>> b = a * 2
    >>> [v.label or v.op for v in evaluation_order_of([b, b + a])]
    ['a', 'const', '*', '+']
    """
    order: list[Value] = []
    seen: set[Value] = set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root.parents))]  # an explicit stack: deep graphs need no recursion
        while stack:
            node, parents = stack[-1]
            parent = next((p for p in parents if p not in seen), None)
            if parent is None:
                stack.pop()
                order.append(node)
            else:
                seen.add(parent)
                stack.append((parent, iter(parent.parents)))
    return order


def node_names(order: list[Value]) -> dict[Value, str]:
    """A unique name for each node: its label; a constant's value; else v1, v2, ...

    Automatic names count in the given order and skip names the user took. A
    label used by several nodes gets #2, #3, ... from its second use on.

    >>> from autograd import Value
    >>> w = Value(3.0, label="w")
    >>> names = node_names(evaluation_order(2 * w + 1))
    >>> list(names.values())
    ['2', 'w', 'v1', '1', 'v2']
    """
    taken = {node.label for node in order if node.label}
    uses: Counter[str] = Counter()
    names: dict[Value, str] = {}
    counter = 0
    for node in order:
        if node.label:
            uses[node.label] += 1
            count = uses[node.label]
            names[node] = node.label if count == 1 else f"{node.label}#{count}"
        elif node.op == "const":
            names[node] = format_number(node.data)
        else:
            counter += 1
            while f"v{counter}" in taken:
                counter += 1
            names[node] = f"v{counter}"
    return names


def node_kind(node: Value, root: Value, params: Collection[Value] = ()) -> str:
    """One of KINDS: the output (root), a constant (a number in the program),
    an intermediate result, a parameter (a leaf in ``params``, best a set) or an input.

    >>> from autograd import Value
    >>> w = Value(3.0)
    >>> y = 2 * w
    >>> [node_kind(n, y) for n in evaluation_order(y)]
    ['constant', 'input', 'output']
    """
    if node is root:
        return "output"
    if node.op == "const":
        return "constant"
    if node.parents:
        return "intermediate"
    return "parameter" if node in params else "input"


@dataclass(frozen=True)
class TracedEdge:
    """One step of the engine's backward loop: ``parent`` receives local × upstream."""

    parent: Value
    slot: int  # which operand of the node the parent is (a + a has slots 0 and 1)
    local: float
    upstream: float
    contribution: float
    total: float  # the parent's gradient so far, this contribution included


def backward_trace(root: Value) -> tuple[dict[Value, float], list[tuple[Value, list[TracedEdge]]]]:
    """Run the engine's backward loop from ``root`` and keep every step of it.

    Returns the gradients {node: d(root)/d(node)} and, in the order the loop
    visits them, each node with the edges along which it sends its gradient.
    No ``.grad`` is touched.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> grads, steps = backward_trace(a * a)
    >>> [(e.slot, e.local, e.contribution, e.total) for e in steps[0][1]]
    [(0, 3.0, 3.0, 3.0), (1, 3.0, 3.0, 6.0)]
    """
    steps: list[tuple[Value, list[TracedEdge]]] = []

    def record(node, parent, local, upstream, contribution, total):
        if not steps or steps[-1][0] is not node:
            steps.append((node, []))
        edges = steps[-1][1]
        edges.append(
            TracedEdge(
                parent, len(edges), float(local), float(upstream), float(contribution), float(total)
            )
        )

    grads = backpropagate(root, 1.0, trace=record)
    return {node: float(g) for node, g in grads.items()}, steps
