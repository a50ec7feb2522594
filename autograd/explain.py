"""The backward pass explained step by step, the way a teacher writes it on the board.

``explain(z)`` runs the engine's backward loop with a trace attached and keeps
every step: the forward values, then, for each node from the output back to
the inputs, the upstream gradient, each local derivative (as a formula and as a
number), what each parent receives, and finally the chain-rule sum for each
input. Nothing here differentiates anything: the numbers are the engine's.

>>> from autograd import Value
>>> w, b = Value(3.0, label="w"), Value(4.0, label="b")
>>> x = 2 * w + b
>>> x.label = "x"
>>> y = b + 1
>>> y.label = "y"
>>> z = x * y
>>> z.label = "z"
>>> print(explain(z).sums_text())
dz/db = ∂z/∂x·∂x/∂b + ∂z/∂y·∂y/∂b = 5·1 + 10·1 = 15
dz/dw = ∂z/∂x·∂x/∂w = 5·2 = 10
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from autograd.engine import Value
from autograd.forward import sweep_cost
from autograd.notation import notation
from autograd.trace import (
    backward_trace,
    evaluation_order,
    format_number,
    gradient_symbol,
    local_symbol,
    node_kind,
    node_names,
)

if TYPE_CHECKING:
    from autograd.explain_forward import ForwardExplanation

__all__ = [
    "BackwardStep",
    "EdgeStep",
    "Explanation",
    "Formula",
    "ForwardStep",
    "LeafSum",
    "Link",
    "Node",
    "Path",
    "Shown",
    "atom",
    "equation",
    "evaluation_order",
    "explain",
    "format_number",
    "forward_formula",
    "forward_latex_rows",
    "forward_step",
    "indent",
    "latex_atom",
    "latex_gradient",
    "latex_name",
    "latex_number",
    "latex_partial",
    "local_formulas",
    "markdown_escape",
    "markdown_row",
    "node_names",
]

SCHEMA = 1  # the version of Explanation.to_dict(): raise it when a field changes meaning

# Which paths a chain-rule sum writes out in full: beyond these sizes the sum is
# grouped by the last named step instead (an MLP's weight has millions of paths).
FULL_SUM_MAX_PATHS = 6
FULL_SUM_MAX_FACTORS = 5


_SLOT = re.compile(r"\{(\d+|out)\}")


def atom(text: str) -> str:
    """A negative number in brackets, so that it can stand in a product: 5·(-1)."""
    return f"({text})" if text.startswith("-") else text


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
        return self._fill(self.template, [*self.names, self.out_name], atom)

    def numbers(self) -> str:
        """The formula with the nodes' values put in."""
        values = [format_number(v) for v in (*self.values, self.out_value)]
        return self._fill(self.template, values, atom)

    def latex(self) -> str:
        """The formula in the nodes' names, as LaTeX."""
        return _latex_formula(self.latex_template or self.template, [*self.names, self.out_name])

    def latex_numbers(self) -> str:
        """The formula with the nodes' values put in, as LaTeX."""
        values = [format_number(v) for v in (*self.values, self.out_value)]
        return _latex_formula(self.latex_template or self.template, values)

    def _fill(self, template: str, words: list[str], wrap) -> str:
        if _SLOT.fullmatch(template):  # a lone slot needs no brackets: ∂z/∂x = y = -1
            wrap = str

        def word(match: re.Match) -> str:
            key = match.group(1)
            text = words[-1] if key == "out" else words[int(key)]
            start, end = match.span()
            if template[start - 1 : start] == "(" and template[end : end + 1] == ")":
                return text  # already in brackets: tanh(-0.5), not tanh((-0.5))
            return wrap(text)

        return _SLOT.sub(word, template)

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class ForwardStep:
    """One node of the forward pass: ``name = formula = value``."""

    name: str
    op: str  # '' for an input, else the engine's op ('+', 'tanh', ...)
    formula: Formula | None  # None for an input
    value: float

    def text(self, width: int = 0) -> str:
        """How the node was computed, names then numbers: ``x = v1 + b = 6 + 4 = 10``.

        ``width`` pads the name, to line up a column of steps.
        """
        parts = [self.name.ljust(width)]
        if self.formula is not None:
            parts += [self.formula.text(), self.formula.numbers()]
        return equation(*parts, format_number(self.value))


@dataclass(frozen=True)
class EdgeStep:
    """One parent receiving gradient: local derivative × upstream = contribution."""

    parent: str
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
    """One node of the backward pass, passing its gradient to its parents."""

    node: str
    formula: Formula
    upstream: float
    edges: tuple[EdgeStep, ...]


@dataclass(frozen=True)
class Node:
    """One node of the graph: its name, its kind and its value.

    The kinds are those of the pictures: input, parameter, constant,
    intermediate and output (see ``node_kind``).
    """

    name: str
    kind: str
    value: float


@dataclass(frozen=True)
class Path:
    """One product in a chain-rule sum: ∂z/∂x·∂x/∂b for the nodes (z, x, b)."""

    nodes: tuple[str, ...]
    factors: tuple[float, ...]  # one per consecutive pair of nodes


@dataclass(frozen=True)
class LeafSum:
    """The chain rule for one input: ∂z/∂b as a sum over paths, and its value."""

    output: str
    leaf: str
    paths: tuple[Path, ...]
    total: float  # the engine's gradient
    path_count: int  # how many paths there are through named nodes
    grouped: bool  # True: too many paths, so they are grouped by their last step

    def text(self) -> str:
        """The sum as a teacher writes it.

        >>> LeafSum("z", "w", (Path(("z", "x", "w"), (5.0, 2.0)),), 10.0, 1, False).text()
        'dz/dw = ∂z/∂x·∂x/∂w = 5·2 = 10'
        """
        lhs = gradient_symbol(self.output, self.leaf)
        if len(self.paths) == 1 and len(self.paths[0].nodes) == 2:  # only a direct edge
            return f"{lhs} = {format_number(self.total)}"
        symbols = " + ".join(
            "·".join(self._factors(p, local_symbol, gradient_symbol)) for p in self.paths
        )
        numbers = " + ".join(
            "·".join(atom(format_number(f)) for f in p.factors) for p in self.paths
        )
        text = f"{lhs} = {symbols} = {numbers} = {format_number(self.total)}"
        if self.grouped:
            text += f"   ({self.path_count} paths, grouped by the last named step)"
        return text

    def latex(self) -> str:
        """The sum as a LaTeX equation (without the surrounding $$)."""
        lhs = latex_gradient(self.output, self.leaf)
        if len(self.paths) == 1 and len(self.paths[0].nodes) == 2:
            return f"{lhs} &= {latex_number(self.total)}"
        symbols = " + ".join(
            " ".join(self._factors(p, latex_partial, latex_gradient)) for p in self.paths
        )
        numbers = " + ".join(r" \cdot ".join(latex_atom(f) for f in p.factors) for p in self.paths)
        text = f"{lhs} &= {symbols} = {numbers} = {latex_number(self.total)}"
        if self.grouped:
            text += rf" \quad \text{{({self.path_count} paths, grouped by the last named step)}}"
        return text

    def _factors(self, path: Path, local, gradient) -> list[str]:
        """Each factor's symbol: local derivatives along the path; grouped, the
        first factor is the complete gradient of the named node the path goes through."""
        pairs = list(zip(path.nodes, path.nodes[1:]))
        if self.grouped and len(pairs) == 2:
            return [gradient(*pairs[0]), local(*pairs[1])]
        return [local(a, b) for a, b in pairs]


@dataclass(frozen=True)
class Link:
    """One step between named nodes: ``top`` uses ``bottom``, with the local
    derivative ∂top/∂bottom (unnamed nodes in between folded in).

    ``edge`` is True where the step is one edge of the graph, so the
    operation's formula for it holds; False for a·a (two edges) or a route
    through unnamed nodes.
    """

    top: str
    bottom: str
    local: float
    edge: bool


class Shown:
    """Text for ``str()``, and Markdown and LaTeX for Jupyter, from an explanation's
    ``to_text``, ``to_markdown`` and ``to_latex``."""

    def __str__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex()


@dataclass
class Explanation(Shown):
    """The forward pass, the backward pass and the chain rule for each input.

    ``str()`` gives plain text; ``to_markdown()`` and ``to_latex()`` the same
    for notebooks, which pick them up through ``_repr_markdown_`` and
    ``_repr_latex_``.
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

    def completions(self) -> dict[str, int]:
        """Each node that receives gradient, with the backward step (from 0) whose
        edge completes its gradient, in the order the gradients become complete.

        >>> from autograd import Value
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

    def chain_sum(self, name: str) -> LeafSum | None:
        """The chain-rule sum for the input or named node ``name`` (None for others).

        >>> from autograd import Value
        >>> a = Value(3.0, label="a")
        >>> h = a * a
        >>> h.label = "h"
        >>> y = h + a
        >>> y.label = "y"
        >>> explain(y).chain_sum("h").text(), explain(y).chain_sum("a").text()
        ('dy/dh = 1', 'dy/da = ∂y/∂h·∂h/∂a + ∂y/∂a = 1·6 + 1 = 7')
        """
        return next((s for s in (*self.sums, *self.node_sums) if s.leaf == name), None)

    def forward_text(self) -> str:
        """The forward pass, one node a line: ``x = v1 + b = 6 + 4 = 10``."""
        width = max(len(step.name) for step in self.forward)
        return "\n".join(step.text(width) for step in self.forward)

    def backward_text(self) -> str:
        """The backward pass: each node's upstream gradient and what each parent receives."""
        # A step whose parents are all numbers sends no gradient worth a line.
        return "\n".join(line for lines in self.step_lines() if len(lines) > 1 for line in lines)

    def sums_text(self) -> str:
        """The chain rule for each input, one line each."""
        return "\n".join(s.text() for s in self.sums)

    def notes(self) -> list[str]:
        """What a reader needs to know to read the sums."""
        notes = []
        if self.folded:
            notes.append(
                f"Unnamed nodes ({_few(self.folded)}) are folded into the local derivative "
                "of the named node that uses them."
            )
        elif self.unlabelled:
            notes.append(
                "No intermediate node has a label, so the paths go through the automatic "
                f"names ({_few(self.unlabelled)})."
            )
        direct = [
            s for s in self.sums if len(s.paths) > 1 and any(len(p.nodes) == 2 for p in s.paths)
        ]
        if direct:
            term = local_symbol(self.output, direct[0].leaf)
            notes.append(
                f"{term} on its own in a sum is the direct edge from {self.output} to "
                f"{direct[0].leaf}: its local derivative."
            )
        return notes

    def cost(self) -> str:
        """What the gradient costs in each mode: n inputs and 1 output.

        Reverse mode (this explanation) needs one backward sweep for every
        input's gradient; forward mode one forward sweep per input.
        """
        inputs = sum(1 for step in self.forward if step.formula is None)
        return sweep_cost(inputs, 1)

    def to_text(self) -> str:
        """All three parts as plain text, for the terminal."""
        parts = [
            "Forward pass (each node after the nodes it is computed from):",
            indent(self.forward_text()),
        ]
        if self.backward:
            parts += [
                "",
                "Backward pass (each parent receives local derivative × upstream gradient):",
                indent(self.backward_text()),
            ]
        if self.sums:
            parts += [
                "",
                f"Chain rule for each input (a sum over the paths from {self.output}):",
                indent(self.sums_text()),
                *self.notes(),
            ]
        return "\n".join(parts)

    def to_markdown(self) -> str:
        """All three parts as Markdown tables and a list, for notebooks."""
        lines = ["**Forward pass**", "", "| node | computed as | value |", "|---|---|---|"]
        for step in self.forward:
            how = "input"
            if step.formula is not None:
                how = equation(step.formula.text(), step.formula.numbers())
            lines.append(markdown_row(step.name, how, format_number(step.value)))
        if self.backward:
            lines += [
                "",
                "**Backward pass** (each parent receives local derivative × upstream gradient)",
                "",
                "| node | upstream | local derivative | parent receives | gradient so far |",
                "|---|---|---|---|---|",
            ]
            for step in self.backward:
                first = True
                for edge in (e for e in step.edges if not e.constant):
                    node = upstream = ""
                    if first:
                        node = f"{step.node} = {step.formula.text()}"
                        upstream = (
                            f"{gradient_symbol(self.output, step.node)} = "
                            f"{format_number(step.upstream)}"
                        )
                        first = False
                    received = _product(edge)
                    so_far = gradient_symbol(self.output, edge.parent) + " = " + _sum_so_far(edge)
                    lines.append(
                        markdown_row(node, upstream, _local_text(step, edge), received, so_far)
                    )
        if self.sums:
            lines += [
                "",
                f"**Chain rule for each input** (a sum over the paths from {self.output})",
            ]
            lines += [""] + [f"- {markdown_escape(s.text())}" for s in self.sums]
            lines += ["", *(markdown_escape(n) for n in self.notes())]
        return "\n".join(lines).rstrip() + "\n"

    def to_latex(self) -> str:
        """All three parts as one LaTeX display (``$$\\begin{aligned} ... $$``)."""
        rows = forward_latex_rows(self.forward)
        if self.backward:
            rows.append(r"&\textbf{Backward pass}")
            for step in self.backward:
                edges = [e for e in step.edges if not e.constant]
                if not edges:
                    continue
                upstream = latex_gradient(self.output, step.node)
                rows.append(
                    rf"{latex_name(step.node)} &= {step.formula.latex()} \quad "
                    rf"\text{{upstream }} {upstream} = {latex_number(step.upstream)}"
                )
                for edge in edges:
                    rows.append(
                        rf"&\quad {_local_latex(step, edge)} \quad \Rightarrow \quad "
                        rf"{latex_name(edge.parent)} \text{{ receives }} "
                        rf"{latex_atom(edge.local)} \times {latex_atom(edge.upstream)} "
                        rf"= {latex_number(edge.contribution)}"
                        + _latex_running_sum(self.output, edge)
                    )
        if self.sums:
            rows.append(r"&\textbf{Chain rule for each input}")
            rows += [s.latex() for s in self.sums]
        body = " \\\\\n".join(rows)
        return f"$$\n\\begin{{aligned}}\n{body}\n\\end{{aligned}}\n$$\n"

    def step_lines(self) -> tuple[tuple[str, ...], ...]:
        """For each backward step, the lines ``backward_text`` prints for it.

        First the node and its upstream gradient, then one line per parent
        that is not a number, lined up across the whole pass. The lesson page
        shows these as its step sentences, so page and text always agree.

        >>> from autograd import Value
        >>> a = Value(3.0, label="a")
        >>> y = 2 * a
        >>> y.label = "y"
        >>> explain(y).step_lines()
        (('y = 2·a   (upstream dy/dy = 1)', '  ∂y/∂a = 2  →  a receives 2 × 1 = 2'),)
        """
        shown = [(step, [e for e in step.edges if not e.constant]) for step in self.backward]
        locals_ = [_local_text(s, e) for s, edges in shown for e in edges]
        width = min(max((len(t) for t in locals_), default=0), 32)
        steps = []
        for step, edges in shown:
            lines = [f"{step.node} = {step.formula.text()}   (upstream {self._upstream(step)})"]
            for edge in edges:
                received = f"{edge.parent} receives {_product(edge)}"
                note = _running_sum_text(self.output, edge)
                local = _local_text(step, edge).ljust(width)
                lines.append(f"  {local}  →  {received}{note}")
            steps.append(tuple(lines))
        return tuple(steps)

    def start_text(self) -> str:
        """Where the backward pass starts, before its first step.

        >>> from autograd import Value
        >>> print(explain(Value(2.0, label="a") * 3).start_text())
        The forward pass is done: v1 = a·3 = 2·3 = 6. The backward pass starts with dv1/dv1 = 1; every other gradient is ? until a step sends it.
        """  # noqa: E501
        done = next(s.text() for s in self.forward if s.name == self.output)
        top = gradient_symbol(self.output, self.output)
        return (
            f"The forward pass is done: {done}. The backward pass starts with {top} = 1; "
            "every other gradient is ? until a step sends it."
        )

    def to_dict(self) -> dict:
        """The whole explanation as JSON-ready data, version ``"schema": 1``.

        Besides the fields of the dataclasses (numbers as the engine computed
        them), it holds every text a view shows, written here once: each
        formula as text and LaTeX, each step's lines (``step_lines``), each
        edge's local derivative and contribution, each node's gradient and
        chain-rule sum. ``Explanation.from_dict`` reads it back.

        - ``nodes``: name, kind, value, ``value_text``, ``computed``
          (``x = v1 + b = 6 + 4 = 10``; None for a constant), ``formula``,
          ``gradient`` and ``gradient_text``
          (``dz/dx = 5``), ``sum`` (the chain-rule sum, for an input or named node);
        - ``forward``: name, op, formula, value, text;
        - ``backward``: node, formula, upstream, ``upstream_text``, ``lines``, and
          ``edges``: parent, slot, local_formula, local, upstream, contribution,
          total, received, arrivals, constant, ``local_text``, ``local_latex``,
          ``product_text`` (``1 × 10 = 10``), ``total_text`` (``5 + 10 = 15``),
          ``running_text``;
        - ``sums`` (one per input) and ``node_sums`` (one per named intermediate
          node): output, leaf, paths (nodes, factors), total, path_count,
          grouped, text, latex;
        - ``links``: top, bottom, local, edge (see ``Link``);
        - ``start``, ``notes``, ``folded``, ``unlabelled``, ``gradients``.

        Numbers stay floats, so that the data reads back exactly: an infinite or
        NaN value (IEEE arithmetic allows them) is written by Python's ``json`` as
        ``Infinity``/``NaN``, which strict JSON readers refuse; the lesson page
        writes those few as the text ``inf``/``nan`` instead.

        >>> import json
        >>> from autograd import Value
        >>> e = explain(Value(2.0, label="a") * 3)
        >>> Explanation.from_dict(json.loads(json.dumps(e.to_dict()))) == e
        True
        """
        sums = {s.leaf: s.text() for s in (*self.sums, *self.node_sums)}
        formulas = {s.name: s for s in self.forward}
        return {
            "schema": SCHEMA,
            "output": self.output,
            "nodes": [
                self._node_dict(node, formulas.get(node.name), sums.get(node.name))
                for node in self.nodes
            ],
            "forward": [
                {
                    "name": s.name,
                    "op": s.op,
                    "formula": _formula_dict(s.formula),
                    "value": s.value,
                    "text": s.text(),
                }
                for s in self.forward
            ],
            "backward": [
                {
                    "node": step.node,
                    "formula": _formula_dict(step.formula),
                    "upstream": step.upstream,
                    "upstream_text": self._upstream(step),
                    "lines": list(lines),
                    "edges": [self._edge_dict(step, slot, e) for slot, e in enumerate(step.edges)],
                }
                for step, lines in zip(self.backward, self.step_lines())
            ],
            "sums": [_sum_dict(s) for s in self.sums],
            "node_sums": [_sum_dict(s) for s in self.node_sums],
            "links": [
                {"top": k.top, "bottom": k.bottom, "local": k.local, "edge": k.edge}
                for k in self.links
            ],
            "start": self.start_text(),
            "notes": self.notes(),
            "folded": list(self.folded),
            "unlabelled": list(self.unlabelled),
            "gradients": dict(self.gradients),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Explanation:
        """The Explanation that ``to_dict`` wrote; the texts in it are not read back."""
        if data.get("schema") != SCHEMA:
            raise ValueError(
                f"cannot read an explanation with schema {data.get('schema')!r}: "
                f"this version of autograd reads schema {SCHEMA}"
            )
        forward = tuple(
            ForwardStep(s["name"], s["op"], _formula_from(s["formula"]), s["value"])
            for s in data["forward"]
        )
        backward = tuple(
            BackwardStep(
                s["node"],
                _formula_from(s["formula"]),
                s["upstream"],
                tuple(
                    EdgeStep(
                        e["parent"],
                        _formula_from(e["local_formula"]),
                        e["local"],
                        e["upstream"],
                        e["contribution"],
                        e["total"],
                        tuple(e["received"]),
                        e["arrivals"],
                        e["constant"],
                    )
                    for e in s["edges"]
                ),
            )
            for s in data["backward"]
        )
        nodes = tuple(Node(n["name"], n["kind"], n["value"]) for n in data["nodes"])
        return cls(
            data["output"],
            forward,
            backward,
            tuple(_sum_from(s) for s in data["sums"]),
            tuple(data["folded"]),
            tuple(data["unlabelled"]),
            dict(data["gradients"]),
            nodes,
            tuple(_sum_from(s) for s in data.get("node_sums", ())),
            tuple(
                Link(k["top"], k["bottom"], k["local"], k["edge"]) for k in data.get("links", ())
            ),
        )

    def _upstream(self, step: BackwardStep) -> str:
        return f"{gradient_symbol(self.output, step.node)} = {format_number(step.upstream)}"

    def _node_dict(self, node: Node, step: ForwardStep | None, chain_sum: str | None) -> dict:
        gradient = self.gradients.get(node.name)
        has_gradient = gradient is not None and node.kind != "constant"
        return {
            "name": node.name,
            "kind": node.kind,
            "value": node.value,
            "value_text": format_number(node.value),
            "formula": _formula_dict(step.formula if step else None),
            "computed": step.text() if step else None,
            "gradient": gradient,
            "gradient_text": (
                f"{gradient_symbol(self.output, node.name)} = {format_number(gradient)}"
                if has_gradient
                else None
            ),
            "sum": chain_sum,
        }

    def _edge_dict(self, step: BackwardStep, slot: int, edge: EdgeStep) -> dict:
        return {
            "parent": edge.parent,
            "slot": slot,
            "local_formula": _formula_dict(edge.local_formula),
            "local": edge.local,
            "upstream": edge.upstream,
            "contribution": edge.contribution,
            "total": edge.total,
            "received": list(edge.received),
            "arrivals": edge.arrivals,
            "constant": edge.constant,
            "local_text": _local_text(step, edge),
            "local_latex": _local_latex(step, edge),
            "product_text": _product(edge),
            "total_text": _sum_so_far(edge),
            "running_text": _running_sum_text(self.output, edge).strip(),
        }


def explain(
    root: Value,
    mode: str = "reverse",
    wrt: Value | None = None,
    *,
    params: Iterable[Value] = (),
) -> Explanation | ForwardExplanation:
    """Run the backward pass from ``root`` and return every step of it, explained.

    With ``mode="forward", wrt=w`` it explains forward mode instead: one
    forward sweep of tangents seeded with ẇ = 1 (see ``autograd.explain_forward``).

    Sets ``.grad`` exactly as ``root.backward()`` does. Inputs are the leaves
    you made; numbers in the program are constants (shown by their value,
    with no gradient). The chain-rule sum for each input runs over paths
    through the *named* nodes (those with a label): unnamed nodes are folded
    into the local derivative of the named node that uses them. If no
    intermediate node has a label, every one is named v1, v2, ... and the paths
    go through all of them. ``params`` (e.g. ``model.parameters()``) marks
    which inputs are parameters, for ``Explanation.nodes``.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> y = a * a
    >>> y.label = "y"
    >>> print(explain(y))
    Forward pass (each node after the nodes it is computed from):
      a = 3
      y = a·a = 3·3 = 9
    <BLANKLINE>
    Backward pass (each parent receives local derivative × upstream gradient):
      y = a·a   (upstream dy/dy = 1)
        ∂y/∂a = a = 3  →  a receives 3 × 1 = 3   (1 of 2 contributions: dy/da so far 3)
        ∂y/∂a = a = 3  →  a receives 3 × 1 = 3   (2 of 2 contributions: dy/da = 3 + 3 = 6)
    <BLANKLINE>
    Chain rule for each input (a sum over the paths from y):
      dy/da = 6
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain: expected a Value, got {type(root).__name__} {root!r}")
    if mode == "forward":
        # Imported here: explain_forward builds on this module's Formula and forward pass.
        from autograd.explain_forward import explain_forward

        return explain_forward(root, wrt)
    if mode != "reverse":
        raise ValueError(f"explain: mode must be 'reverse' or 'forward', got {mode!r}")
    if wrt is not None:
        raise ValueError(
            "explain: wrt= chooses the input of a forward sweep (mode='forward'); "
            "reverse mode gives the gradient of every input at once"
        )
    order = evaluation_order(root)
    names = node_names(order)

    # The engine's backward loop, every edge in the order it runs.
    grads, steps = backward_trace(root)
    edges = dict(steps)
    root.backward()  # .grad as the engine sets it (the trace above only reads)

    forward = tuple(forward_step(node, names) for node in order if node.op != "const")
    backward = _backward_steps(edges, names)
    sums, node_sums, links, folded = _chain_sums(root, order, names, edges, grads)
    gradients = {names[node]: g for node, g in grads.items()}
    unlabelled = tuple(names[n] for n in order if n.parents and n is not root and not n.label)
    parameters = set(params)
    nodes = tuple(Node(names[n], node_kind(n, root, parameters), n.data) for n in order)
    return Explanation(
        names[root],
        forward,
        backward,
        sums,
        folded,
        unlabelled,
        gradients,
        nodes,
        node_sums,
        links,
    )


def _sum_dict(s: LeafSum) -> dict:
    return {
        "output": s.output,
        "leaf": s.leaf,
        "paths": [{"nodes": list(p.nodes), "factors": list(p.factors)} for p in s.paths],
        "total": s.total,
        "path_count": s.path_count,
        "grouped": s.grouped,
        "text": s.text(),
        "latex": s.latex(),
    }


def _sum_from(data: dict) -> LeafSum:
    return LeafSum(
        data["output"],
        data["leaf"],
        tuple(Path(tuple(p["nodes"]), tuple(p["factors"])) for p in data["paths"]),
        data["total"],
        data["path_count"],
        data["grouped"],
    )


def _formula_dict(formula: Formula | None) -> dict | None:
    if formula is None:
        return None
    return {
        "template": formula.template,
        "names": list(formula.names),
        "values": list(formula.values),
        "out_name": formula.out_name,
        "out_value": formula.out_value,
        "text": formula.text(),
        "numbers": formula.numbers(),
        "latex": formula.latex(),
        "latex_numbers": formula.latex_numbers(),
        "latex_template": formula.latex_template,
    }


def _formula_from(data: dict | None) -> Formula | None:
    if data is None:
        return None
    return Formula(
        data["template"],
        tuple(data["names"]),
        tuple(data["values"]),
        data["out_name"],
        data["out_value"],
        data.get("latex_template", ""),
    )


def forward_latex_rows(forward: tuple[ForwardStep, ...]) -> list[str]:
    """The forward pass as rows of a LaTeX ``aligned`` block, under its heading."""
    rows = [r"&\textbf{Forward pass}"]
    for step in forward:
        parts = [latex_name(step.name) + " &"]
        if step.formula is not None:
            parts += [step.formula.latex(), step.formula.latex_numbers()]
        parts.append(latex_number(step.value))
        rows.append(equation(*parts).replace("& =", "&="))
    return rows


def forward_step(node: Value, names: dict[Value, str]) -> ForwardStep:
    """One line of the forward pass for ``node``: an input, or its formula and value."""
    if not node.parents:
        return ForwardStep(names[node], node.op, None, node.data)
    return ForwardStep(names[node], node.op, forward_formula(node, names), node.data)


def forward_formula(node: Value, names: dict[Value, str]) -> Formula:
    """How ``node`` was computed, in the table's notation, e.g. ``x = v1 + b``.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> y = a * 2
    >>> f = forward_formula(y, node_names(evaluation_order(y)))
    >>> f.text(), f.numbers()
    ('a·2', '3·2')
    """
    return _formula(node, names, _notation(node)[0])


def local_formulas(node: Value, names: dict[Value, str]) -> tuple[Formula, ...]:
    """Each local derivative d(node)/d(parent), in the table's notation.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> y = a * 2
    >>> [f.text() for f in local_formulas(y, node_names(evaluation_order(y)))]
    ['2', 'a']
    """
    return tuple(_formula(node, names, template) for template in _notation(node)[1])


def _formula(node: Value, names: dict[Value, str], template: tuple[str, str]) -> Formula:
    text, latex = template
    parents = node.parents
    return Formula(
        text,
        tuple(names[p] for p in parents),
        tuple(p.data for p in parents),
        names[node],
        node.data,
        latex,
    )


def _notation(node: Value) -> tuple[tuple[str, str], tuple[tuple[str, str], ...]]:
    """(text, LaTeX) of the forward formula and of each local derivative, from the
    notation table (an operation without a row there is written by its name)."""
    written = notation(node)
    return (written.formula, written.latex), tuple(
        zip(written.derivatives, written.latex_derivatives)
    )


def _backward_steps(edges, names) -> tuple[BackwardStep, ...]:
    arrivals = Counter(edge.parent for node_edges in edges.values() for edge in node_edges)
    received: dict[Value, list[float]] = {}
    steps = []
    for node, node_edges in edges.items():
        formulas = local_formulas(node, names)
        edge_steps = []
        for edge in node_edges:
            received.setdefault(edge.parent, []).append(edge.contribution)
            edge_steps.append(
                EdgeStep(
                    parent=names[edge.parent],
                    local_formula=formulas[edge.slot],
                    local=edge.local,
                    upstream=edge.upstream,
                    contribution=edge.contribution,
                    total=edge.total,
                    received=tuple(received[edge.parent]),
                    arrivals=arrivals[edge.parent],
                    constant=edge.parent.op == "const",
                )
            )
        upstream = node_edges[0].upstream
        steps.append(
            BackwardStep(names[node], forward_formula(node, names), upstream, tuple(edge_steps))
        )
    return tuple(steps)


def _chain_sums(root, order, names, edges, grads):
    """The chain rule for each input and each named node, over paths through
    the named nodes; the links between named nodes; the unnamed (folded) nodes."""
    inner = [n for n in order if n.parents and n is not root]
    any_labelled = any(n.label for n in inner)

    def is_named(node: Value) -> bool:
        return node is root or not node.parents or bool(node.label) or not any_labelled

    position = {node: i for i, node in enumerate(order)}
    named = [n for n in order if n.parents and is_named(n)]
    # The graph of named nodes: for each, the named nodes it is computed from
    # and the local derivative with the unnamed nodes in between folded in.
    below, single = {}, {}
    for n in named:
        below[n], single[n] = _folded_locals(n, edges, is_named, position)
    above: dict[Value, list[Value]] = {}
    for n in named:
        for m in below[n]:
            above.setdefault(m, []).append(n)
    links = tuple(
        Link(names[n], names[m], local, m in single[n])
        for n in named
        for m, local in below[n].items()
    )

    # Paths from root to each node, counted (and their longest length) before
    # writing any out: an MLP's weight has far too many to list.
    count, longest = {root: 1}, {root: 0}
    for n in reversed(named):
        for m in below[n]:
            count[m] = count.get(m, 0) + count.get(n, 0)
            longest[m] = max(longest.get(m, 0), longest.get(n, 0) + 1)

    def chain_sum(leaf: Value) -> LeafSum:
        full = count[leaf] <= FULL_SUM_MAX_PATHS and longest[leaf] <= FULL_SUM_MAX_FACTORS
        if full:
            paths = _paths_to(leaf, root, above, below, names)
        else:  # ∂z/∂b = Σ ∂z/∂p·∂p/∂b over the named p using b: the backward recursion
            paths = [
                Path(
                    (names[root], names[p], names[leaf])
                    if p is not root
                    else (names[root], names[leaf]),
                    (float(grads[p]), below[p][leaf]) if p is not root else (below[p][leaf],),
                )
                for p in sorted(above[leaf], key=position.get)
            ]
        return LeafSum(
            names[root], names[leaf], tuple(paths), float(grads[leaf]), count[leaf], not full
        )

    leaves = [n for n in order if not n.parents and n.op != "const" and n in above]
    sums = tuple(chain_sum(n) for n in sorted(leaves, key=lambda n: _natural_key(names[n])))
    node_sums = tuple(chain_sum(n) for n in named if n is not root and n in above)
    folded = tuple(names[n] for n in inner if not is_named(n))
    return sums, node_sums, links, folded


def _folded_locals(top: Value, edges, is_named, position) -> tuple[dict[Value, float], set]:
    """∂top/∂m for each named m that ``top`` uses, through unnamed nodes only,
    and the m that ``top`` reaches by exactly one edge of the graph.

    Sums, over the paths from ``top`` down to m whose inner nodes are unnamed,
    the product of the engine's local derivatives along the path.
    """
    unnamed: set[Value] = set()
    stack = [top]
    while stack:
        for edge in edges.get(stack.pop(), ()):
            if not is_named(edge.parent) and edge.parent not in unnamed:
                unnamed.add(edge.parent)
                stack.append(edge.parent)
    # Each unnamed node collects everything that reaches it before passing it on.
    reach = {top: 1.0}
    result: dict[Value, float] = {}
    arrivals: Counter[Value] = Counter()  # edges into each named m, direct or not
    for node in [top, *sorted(unnamed, key=position.get, reverse=True)]:
        for edge in edges.get(node, ()):
            target = result if is_named(edge.parent) else reach
            target[edge.parent] = target.get(edge.parent, 0.0) + reach[node] * edge.local
            arrivals[edge.parent] += target is result
    direct = {edge.parent for edge in edges.get(top, ())}
    return result, {m for m in result if arrivals[m] == 1 and m in direct}


def _paths_to(leaf, root, above, below, names) -> list[Path]:
    """Every path from root down to leaf through named nodes, first uses first."""
    paths: list[Path] = []
    stack = [(leaf, (leaf,), ())]
    while stack:
        node, nodes, factors = stack.pop()
        if node is root:
            paths.append(Path(tuple(names[n] for n in nodes), factors))
            continue
        for user in reversed(above[node]):
            stack.append((user, (user, *nodes), (below[user][node], *factors)))
    return paths


def _few(names: tuple[str, ...]) -> str:
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")


def _natural_key(name: str) -> list:
    """Sort w2 before w10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def equation(*parts: str) -> str:
    """``a = b = c``, leaving out a part that repeats the one before it."""
    kept = [p for i, p in enumerate(parts) if i == 0 or p.strip() != parts[i - 1].strip()]
    return " = ".join(kept)


def _local_text(step: BackwardStep, edge: EdgeStep) -> str:
    formula = edge.local_formula
    parts = [local_symbol(step.node, edge.parent)]
    if formula.template:
        parts += [formula.text(), formula.numbers()]
    return equation(*parts, format_number(edge.local))


def _local_latex(step: BackwardStep, edge: EdgeStep) -> str:
    formula = edge.local_formula
    pieces = [latex_partial(step.node, edge.parent)]
    if formula.template:
        pieces += [formula.latex(), formula.latex_numbers()]
    return equation(*pieces, latex_number(edge.local))


def _product(edge: EdgeStep) -> str:
    """local × upstream = contribution, e.g. 1 × (-2) = -2."""
    local, upstream = atom(format_number(edge.local)), atom(format_number(edge.upstream))
    return f"{local} × {upstream} = {format_number(edge.contribution)}"


def _sum_so_far(edge: EdgeStep) -> str:
    if len(edge.received) == 1:
        return format_number(edge.total)
    terms = " + ".join(atom(format_number(c)) for c in edge.received)
    return f"{terms} = {format_number(edge.total)}"


def _running_sum_text(output: str, edge: EdgeStep) -> str:
    if edge.arrivals == 1:
        return ""
    k, n = len(edge.received), edge.arrivals
    symbol = gradient_symbol(output, edge.parent)
    if k < n:
        return f"   ({k} of {n} contributions: {symbol} so far {format_number(edge.total)})"
    return f"   ({k} of {n} contributions: {symbol} = {_sum_so_far(edge)})"


def indent(text: str) -> str:
    """Every non-empty line indented by two spaces, as the text renderers nest their parts."""
    return "\n".join(f"  {line}" if line else line for line in text.splitlines())


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_|<>\[\]])")


def markdown_escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_row(*cells: str) -> str:
    """One row of a Markdown table, each cell escaped: ``| a | b |``."""
    return "| " + " | ".join(markdown_escape(c) for c in cells) + " |"


# LaTeX: the same formulas, with names as subscripted symbols (w1 → w_{1}).
_LATEX_WORDS = {
    "·": r" \cdot ",
    "σ": r"\sigma",
    "exp": r"\exp",
    "log": r"\log",
    "ln": r"\ln",
    "tanh": r"\tanh",
    "relu": r"\operatorname{relu}",
    " if ": r" \text{ if } ",
    " else ": r" \text{ else } ",
}
_LATEX_WORD = re.compile(
    "|".join(re.escape(w) for w in sorted(_LATEX_WORDS, key=len, reverse=True))
)
_LATEX_SPECIAL = {c: "\\" + c for c in "&%$#_{}"} | {
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_NUMBER = re.compile(r"-?[\d.]+(e[-+]\d+)?|-?inf|nan")


def _latex_formula(template: str, words: list[str]) -> str:
    # Translate the template's operators first, with the slots held aside, so
    # that a name like "exp1" is never mistaken for an operator.
    held = _SLOT.sub(lambda m: f"\x00{m.group(1)}\x01", template)
    held = _LATEX_WORD.sub(lambda m: _LATEX_WORDS[m.group(0)], held)
    held = re.sub(r"\^\(([^()]*)\)", r"^{\1}", held)
    held = re.sub(r"\^(\x00\w+\x01|-?[\d.]+)", r"^{\1}", held)

    wrap = latex_name if _SLOT.fullmatch(template) else _latex_atom_text

    def word(match: re.Match) -> str:
        key = match.group(1)
        text = words[-1] if key == "out" else words[int(key)]
        start, end = match.span()
        if held[start - 1 : start] == "(" and held[end : end + 1] == ")":
            return latex_name(text)  # already in brackets
        return wrap(text)

    return re.sub("\x00(\\w+)\x01", word, held)


def _latex_atom_text(name: str) -> str:
    latex = latex_name(name)
    return f"({latex})" if name.startswith("-") else latex


def latex_name(name: str) -> str:
    """w1 → w_{1}, loss → \\mathrm{loss}, a number as a number; anything else as text."""
    if _NUMBER.fullmatch(name):
        return _latex_number_text(name)
    match = re.fullmatch(r"([A-Za-z]+|[^\W\d_])_?(\d+)?", name)
    if match:
        letters, digits = match.groups()
        base = letters if len(letters) == 1 else rf"\mathrm{{{letters}}}"
        return base + (f"_{{{digits}}}" if digits else "")
    escaped = "".join(_LATEX_SPECIAL.get(c, c) for c in name)
    return rf"\text{{{escaped}}}"


def _latex_number_text(text: str) -> str:
    mantissa, _, exponent = text.partition("e")
    if not exponent:
        return text
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def latex_number(x: float) -> str:
    return _latex_number_text(format_number(x))


def latex_atom(x: float) -> str:
    """A number in LaTeX, bracketed when negative so it can stand in a product."""
    text = latex_number(x)
    return f"({text})" if x < 0 else text


def latex_gradient(top: str, bottom: str) -> str:
    return rf"\frac{{\mathrm{{d}} {latex_name(top)}}}{{\mathrm{{d}} {latex_name(bottom)}}}"


def latex_partial(top: str, bottom: str) -> str:
    """A local derivative in LaTeX: \\frac{\\partial top}{\\partial bottom}."""
    return rf"\frac{{\partial {latex_name(top)}}}{{\partial {latex_name(bottom)}}}"


def _latex_running_sum(output: str, edge: EdgeStep) -> str:
    if edge.arrivals == 1:
        return ""
    k, n = len(edge.received), edge.arrivals
    symbol = latex_gradient(output, edge.parent)
    if k < n:
        return rf" \quad \text{{({k} of {n})}}"
    terms = " + ".join(latex_atom(c) for c in edge.received)
    return (
        rf" \quad \text{{({k} of {n}: }} {symbol} = {terms} = "
        rf"{latex_number(edge.total)}\text{{)}}"
    )
