"""The model of an explanation: the graph, the forward pass, the backward pass
and the chain rule for each input, as plain data.

``build.py`` makes it once from a graph; every view reads it: the writers
(``text.py``, ``markdown.py``, ``latex.py``), the JSON (``serial.py``), the
drawings, the lesson page and practice. It holds numbers, names and formula
templates, and never a sentence.

A node has an ``id`` and a ``name``. The name is what people read (``w``,
``v1``, ``2``); the id is what views key on (an SVG element, a JSON entry) and
is unique even where names are not: two constants 2 are named ``2`` and have
the ids ``2`` and ``2#2``. ``Explanation.gradients`` and the chain-rule sums
are by name, as a reader looks them up.

How a piece is written is the writers' business: each registers, with
``@writes(Formula, "text")``, the function that writes a piece in one form,
and a method such as ``Formula.text()`` calls it. So the model imports no
writer (the writers are on the floor above and import the model), and
``str(explain(z))`` still gives text. This is how IPython shows objects too: a
formatter registered per type, outside the class.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from autograd.i18n import DEFAULT_LANGUAGE, check_language

__all__ = [
    "SLOT",
    "BackwardStep",
    "EdgeStep",
    "Explanation",
    "Fold",
    "Formula",
    "ForwardStep",
    "LeafSum",
    "Link",
    "Node",
    "Path",
    "Shown",
    "writes",
    "written",
]

_WRITERS: dict[tuple[type, str], Callable] = {}


def writes(cls: type, form: str) -> Callable:
    """Register the decorated function as the way ``cls`` is written in ``form``
    ("text", "latex", "markdown", ...): a writer's decorator."""

    def register(function: Callable) -> Callable:
        _WRITERS[cls, form] = function
        return function

    return register


def written(piece, form: str, *args, **kwargs):
    """``piece`` (or, for reading, a class) written in ``form`` by its registered writer."""
    cls = piece if isinstance(piece, type) else type(piece)
    for klass in cls.__mro__:
        writer = _WRITERS.get((klass, form))
        if writer is not None:
            return writer(piece, *args, **kwargs)
    # A mistake in the library itself (a writer not imported), not the user's: English.
    raise LookupError("no writer for " + cls.__name__ + " in the form " + repr(form))


# A slot of a formula's template: {0}, {1}, ... a parent; {out} the result.
SLOT = re.compile(r"\{(\d+|out)\}")


@dataclass(frozen=True)
class Formula:
    """A formula with slots {0}, {1}, ... for the parents and {out} for the result.

    >>> f = Formula("{0}·{1}", ("x", "y"), (10.0, -5.0))
    >>> f.text(), f.numbers(), f.latex()
    ('x·y', '10·(-5)', 'x \\\\cdot y')
    """

    template: str
    names: tuple[str, ...]
    values: tuple[float, ...]
    out_name: str = ""
    out_value: float = 0.0
    latex_template: str = ""  # the table's own LaTeX, if it has one; else the text translated

    def text(self) -> str:
        """The formula in the nodes' names."""
        return written(self, "text")

    def numbers(self) -> str:
        """The formula with the nodes' values put in."""
        return written(self, "numbers")

    def latex(self) -> str:
        """The formula in the nodes' names, as LaTeX."""
        return written(self, "latex")

    def latex_numbers(self) -> str:
        """The formula with the nodes' values put in, as LaTeX."""
        return written(self, "latex_numbers")

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class Node:
    """One node of the graph.

    ``kind`` is one of those of the pictures: input, parameter, constant,
    intermediate, output. ``op`` is the engine's operation ('' for an input
    or parameter, 'const' for a number in the program), ``symbol`` what a
    drawing writes in the operation's circle, ``parents`` the parents' ids in
    operand order (``a + a`` has ``a`` twice), ``gradient`` d(output)/d(node)
    (None where no backward pass was traced).
    """

    id: str
    name: str
    kind: str
    value: float
    op: str = ""
    symbol: str = ""
    parents: tuple[str, ...] = ()
    gradient: float | None = None


@dataclass(frozen=True)
class ForwardStep:
    """One node of the forward pass: ``name = formula = value``."""

    id: str
    name: str
    op: str  # '' for an input, else the engine's op ('+', 'tanh', ...)
    formula: Formula | None  # None for an input
    value: float

    def text(self, width: int = 0) -> str:
        """How the node was computed, names then numbers: ``x = v1 + b = 6 + 4 = 10``.

        ``width`` pads the name, to line up a column of steps.
        """
        return written(self, "text", width)


@dataclass(frozen=True)
class EdgeStep:
    """One parent receiving gradient: local derivative × upstream = contribution."""

    parent_id: str
    parent: str  # the parent's name
    slot: int  # which operand the parent is (a + a has slots 0 and 1)
    local_formula: Formula
    local: float
    upstream: float
    contribution: float
    total: float  # the parent's gradient so far, this contribution included
    received: tuple[float, ...]  # every contribution the parent has had so far
    arrivals: int  # how many contributions the parent gets in the whole pass
    constant: bool  # a number in the program: it needs no gradient, so it is not shown


@dataclass(frozen=True)
class BackwardStep:
    """One node of the backward pass, passing its gradient to its parents (every
    edge, in operand order: ``edges[slot]``)."""

    id: str
    node: str  # the node's name
    formula: Formula
    upstream: float
    edges: tuple[EdgeStep, ...]


@dataclass(frozen=True)
class Path:
    """One product in a chain-rule sum: ∂z/∂x·∂x/∂b for the nodes (z, x, b).

    Each factor is the local derivative of one drawn edge, or of a folded
    step through unnamed nodes (see ``Fold``). An operation that uses a node
    twice (x·x) has two edges to it: two paths, one through each. With
    ``upstream`` the first factor is instead the complete gradient of
    ``nodes[1]`` (a sum grouped by the last named step: dz/dp·∂p/∂b).
    """

    nodes: tuple[str, ...]
    factors: tuple[float, ...]  # one per consecutive pair of nodes
    upstream: bool = False


@dataclass(frozen=True)
class Fold:
    """A local derivative through unnamed nodes, written out along the drawn
    edges: ∂x/∂w = ∂x/∂v1·∂v1/∂w = 1·2 (``paths`` run from ``top`` to
    ``bottom``; empty when there are too many to write out)."""

    top: str
    bottom: str
    paths: tuple[Path, ...]


@dataclass(frozen=True)
class LeafSum:
    """The chain rule for one input: ∂z/∂b as a sum over paths, and its value."""

    output: str
    leaf: str
    paths: tuple[Path, ...]
    total: float  # the engine's gradient
    path_count: int  # how many terms there are through named nodes
    grouped: bool  # True: too many paths, so they are grouped by their last step
    folds: tuple[Fold, ...] = ()  # each folded factor of the paths, written out

    def text(self, lang: str | None = None) -> str:
        """The sum as a teacher writes it (a grouped sum's note in ``lang``, by
        default the context's language).

        A folded factor (∂x/∂w, through the unnamed v1) is written out along
        the drawn edges after it, in brackets:

        >>> fold = Fold("x", "w", (Path(("x", "v1", "w"), (1.0, 2.0)),))
        >>> LeafSum("z", "w", (Path(("z", "x", "w"), (5.0, 2.0)),), 10.0, 1, False, (fold,)).text()
        'dz/dw = ∂z/∂x·∂x/∂w = 5·2 = 10   (∂x/∂w = ∂x/∂v1·∂v1/∂w = 1·2)'
        """
        return written(self, "text", lang)

    def latex(self, lang: str | None = None) -> str:
        """The sum as a LaTeX equation (without the surrounding $$)."""
        return written(self, "latex", lang)

    def direct(self) -> bool:
        """Only the direct edge from the output: nothing to sum."""
        return len(self.paths) == 1 and len(self.paths[0].nodes) == 2 and not self.folds


@dataclass(frozen=True)
class Link:
    """One step between named nodes: ``top`` uses ``bottom``, with the local
    derivative ∂top/∂bottom (unnamed nodes in between folded in).

    ``edge`` is True where the step is one edge of the graph, so the
    operation's formula for it holds (``formula``, else None); False for a·a
    (two edges) or a route through unnamed nodes.
    """

    top: str
    bottom: str
    local: float
    edge: bool
    formula: Formula | None = None


class Shown:
    """Text for ``str()``, and Markdown and LaTeX for Jupyter, from the writers, in
    the explanation's language (its ``lang``)."""

    lang: str

    def in_language(self, lang: str):
        """The same explanation, written in ``lang``: nothing is computed again.

        >>> from autograd import Value, explain
        >>> print(explain(Value(2.0, label="a") * 3).in_language("zh").start_text())
        正向传播已完成：v1 = a·3 = 2·3 = 6。反向传播从 dv1/dv1 = 1 开始；其他梯度在某一步把它传来之前都是 ?。
        """  # noqa: E501
        return dataclasses.replace(self, lang=check_language(lang))

    def __str__(self) -> str:
        return self.to_text()

    def to_text(self) -> str:
        """All of it as plain text, for the terminal."""
        return written(self, "text")

    def to_markdown(self) -> str:
        """All of it as Markdown, for notebooks."""
        return written(self, "markdown")

    def to_latex(self) -> str:
        """All of it as one LaTeX display (``$$\\begin{aligned} ... $$``)."""
        return written(self, "latex")

    def cost(self) -> str:
        """What the gradient costs in each mode (the inputs' count, one output)."""
        return written(self, "cost")

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex()

    def __repr__(self) -> str:
        # Short: a notebook stores it beside the Markdown and the LaTeX, where the
        # dataclass's own repr would be 30 kB for a 2-3-1 network.
        name = type(self).__name__
        return f"<{name} of {self.output}: print() it, or .to_markdown(), .to_latex()>"


@dataclass(repr=False)
class Explanation(Shown):
    """The forward pass, the backward pass and the chain rule for each input.

    ``str()`` gives plain text; ``to_markdown()`` and ``to_latex()`` the same
    for notebooks, which pick them up through ``_repr_markdown_`` and
    ``_repr_latex_``; ``to_dict()`` the JSON a page reads.
    """

    output: str
    forward: tuple[ForwardStep, ...]
    backward: tuple[BackwardStep, ...]
    sums: tuple[LeafSum, ...]
    folded: tuple[str, ...]  # unnamed nodes folded into the named steps around them
    unlabelled: tuple[str, ...]  # intermediate nodes named automatically (v1, v2, ...)
    gradients: dict[str, float] = field(default_factory=dict)  # d(output)/d(node), by name
    nodes: tuple[Node, ...] = ()  # every node, constants included, in evaluation order
    node_sums: tuple[LeafSum, ...] = ()  # the chain rule for each named intermediate node
    links: tuple[Link, ...] = ()  # the graph of named nodes the sums run over
    lang: str = DEFAULT_LANGUAGE  # the language its sentences are written in

    def completions(self) -> dict[str, int]:
        """Each node that receives gradient, with the backward step (from 0) whose
        edge completes its gradient, in the order the gradients become complete.

        >>> from autograd import Value, explain
        >>> a = Value(3.0, label="a")
        >>> h = a * 2
        >>> h.label = "h"
        >>> y = h * a
        >>> y.label = "y"
        >>> explain(y).completions()
        {'h': 0, 'a': 1}
        """
        last: dict[str, tuple[int, int]] = {}
        for k, step in enumerate(self.backward):
            for j, edge in enumerate(step.edges):
                if not edge.constant:  # a number needs no gradient
                    last[edge.parent] = (k, j)
        return {name: k for name, (k, _) in sorted(last.items(), key=lambda item: item[1])}

    def to_find(self) -> list[str]:
        """The gradients a student finds: each input and named node, in the order
        the backward pass completes them (unnamed, folded nodes left out)."""
        folded = set(self.folded)
        return [name for name in self.completions() if name not in folded]

    def arrived(self, steps: int | None = None) -> dict[str, EdgeStep]:
        """After the first ``steps`` backward steps (all, for None), each node
        that has received gradient, by id, with the last edge that reached it:
        its ``total`` is the gradient so far. The output, which receives none,
        starts at 1. Numbers in the program are left out."""
        last: dict[str, EdgeStep] = {}
        for step in self.backward[:steps]:
            for edge in step.edges:
                if not edge.constant:
                    last[edge.parent_id] = edge
        return last

    def step_of(self) -> dict[str, int]:
        """Each computed node's id, with its backward step, from 1 (0 is the start)."""
        return {step.id: k for k, step in enumerate(self.backward, start=1)}

    def chain_sum(self, name: str) -> LeafSum | None:
        """The chain-rule sum for the input or named node ``name`` (None for others).

        >>> from autograd import Value, explain
        >>> a = Value(3.0, label="a")
        >>> h = a * a
        >>> h.label = "h"
        >>> y = h + a
        >>> y.label = "y"
        >>> explain(y).chain_sum("h").text(), explain(y).chain_sum("a").text()
        ('dy/dh = 1', 'dy/da = ∂y/∂h·∂h/∂a + ∂y/∂h·∂h/∂a + ∂y/∂a = 1·3 + 1·3 + 1 = 7')
        """
        return self._lookup["sums"].get(name)

    def edges_to(self, name: str) -> list[tuple[BackwardStep, EdgeStep]]:
        """Every drawn edge along which ``name`` receives gradient, with its
        backward step, in the order the backward pass sends them.

        >>> from autograd import Value, explain
        >>> a = Value(3.0, label="a")
        >>> y = a * a
        >>> y.label = "y"
        >>> [(step.node, edge.slot, edge.upstream) for step, edge in explain(y).edges_to("a")]
        [('y', 0, 1.0), ('y', 1, 1.0)]
        """
        return self._lookup["edges_to"].get(name, [])

    def users(self, name: str) -> list[Link]:
        """The links from the named nodes that use ``name``, in program order."""
        return self._lookup["users"].get(name, [])

    def link(self, top: str, bottom: str) -> Link | None:
        """The link from ``top`` down to ``bottom``, if ``top`` uses it."""
        return self._lookup["links"].get((top, bottom))

    def value(self, name: str) -> float:
        """The forward value of the input or computed node ``name``."""
        return self._lookup["values"][name]

    @cached_property
    def _lookup(self) -> dict[str, dict]:
        # The questions above, answered by name once, for graphs of many nodes.
        users: dict[str, list[Link]] = {}
        for link in self.links:
            users.setdefault(link.bottom, []).append(link)
        edges_to: dict[str, list[tuple[BackwardStep, EdgeStep]]] = {}
        for step in self.backward:
            for edge in step.edges:
                if not edge.constant:
                    edges_to.setdefault(edge.parent, []).append((step, edge))
        return {
            "users": users,
            "edges_to": edges_to,
            "links": {(k.top, k.bottom): k for k in self.links},
            "values": {step.name: step.value for step in self.forward},
            "sums": {s.leaf: s for s in (*self.node_sums, *self.sums)},
        }

    def forward_text(self) -> str:
        """The forward pass, one node a line: ``x = v1 + b = 6 + 4 = 10``."""
        return written(self, "forward_text")

    def backward_text(self) -> str:
        """The backward pass: each node's upstream gradient and what each parent receives."""
        return written(self, "backward_text")

    def sums_text(self) -> str:
        """The chain rule for each input, one line each."""
        return written(self, "sums_text")

    def notes(self) -> list[str]:
        """What a reader needs to know to read the sums."""
        return written(self, "notes")

    def step_lines(self) -> tuple[tuple[str, ...], ...]:
        """For each backward step, the lines ``backward_text`` prints for it (the
        lesson page's step sentences)."""
        return written(self, "step_lines")

    def start_text(self) -> str:
        """Where the backward pass starts, before its first step."""
        return written(self, "start_text")

    def to_dict(self) -> dict:
        """The whole explanation as JSON-ready data (``serial.py`` says what is in it)."""
        return written(self, "dict")

    @classmethod
    def from_dict(cls, data: dict) -> Explanation:
        """The Explanation that ``to_dict`` wrote; the texts in it are not read back."""
        return written(cls, "from_dict", data)
