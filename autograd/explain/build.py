"""Building the model once from a graph: nodes, the forward pass, the engine's
backward loop step by step, and the chain rule for each input.

Nothing here differentiates anything: the numbers are the engine's, read off
its backward loop (``trace.backward_trace``), and no ``.grad`` is touched.
The notation (formulas, local derivatives, the drawing's symbol) is looked up
in one place, ``_notation``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from autograd.engine import Value
from autograd.explain.model import (
    BackwardStep,
    EdgeStep,
    Explanation,
    Fold,
    Formula,
    ForwardStep,
    LeafSum,
    Link,
    Node,
    Path,
)
from autograd.notation import notation as written_as
from autograd.trace import backward_trace, evaluation_order, node_kind, node_names

__all__ = [
    "FULL_SUM_MAX_FACTORS",
    "FULL_SUM_MAX_PATHS",
    "build",
    "forward_formula",
    "forward_step",
    "graph_nodes",
    "local_formulas",
    "node_ids",
]

# Which paths a chain-rule sum writes out in full: beyond these sizes the sum is
# grouped by the last named step instead (an MLP's weight has millions of paths).
FULL_SUM_MAX_PATHS = 6
FULL_SUM_MAX_FACTORS = 5
# How many routes through unnamed nodes a named node's folded factors may
# have, all together, to be written out along the drawn edges.
FOLD_MAX_ROUTES = 32


class Notation(NamedTuple):
    """How an operation is written: its symbol in a drawing's circle, its
    formula and each local derivative, each as (text, LaTeX) templates."""

    symbol: str
    formula: tuple[str, str]
    derivatives: tuple[tuple[str, str], ...]


def _notation(node: Value) -> Notation:
    """The notation of the operation that made ``node``, from the notation table
    (``autograd.notation``; an operation without a row there is written by its name)."""
    w = written_as(node)
    return Notation(w.symbol, (w.formula, w.latex), tuple(zip(w.derivatives, w.latex_derivatives)))


def node_ids(order: list[Value], names: dict[Value, str]) -> dict[Value, str]:
    """A unique id for each node: its name, with #2, #3, ... where a name repeats
    (two constants 2 read ``2`` and have the ids ``2`` and ``2#2``).

    >>> from autograd import Value
    >>> w = Value(3.0, label="w")
    >>> order = evaluation_order(2 * w * 2)
    >>> list(node_ids(order, node_names(order)).values())
    ['2', 'w', 'v1', '2#2', 'v2']
    """
    ids: dict[Value, str] = {}
    taken: set[str] = set()
    for node in order:
        name, count = names[node], 1
        candidate = name
        while candidate in taken:
            count += 1
            candidate = f"{name}#{count}"
        taken.add(candidate)
        ids[node] = candidate
    return ids


def graph_nodes(order: list[Value], root: Value, params: Iterable[Value] = ()) -> tuple[Node, ...]:
    """The model's Node for each Value of ``order`` (an evaluation order ending
    in ``root``): id, name, kind, value, operation, symbol, parents. No gradient.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> y = a * 2
    >>> [(n.id, n.kind, n.symbol, n.parents) for n in graph_nodes(evaluation_order(y), y)]
    [('a', 'input', '', ()), ('2', 'constant', '', ()), ('v1', 'output', '×', ('a', '2'))]
    """
    names = node_names(order)
    notation = {n: _notation(n) for n in order if n.parents}
    return _nodes(order, root, params, names, node_ids(order, names), notation, {})


def _nodes(order, root, params, names, ids, notation, grads) -> tuple[Node, ...]:
    parameters = set(params)
    return tuple(
        Node(
            ids[n],
            names[n],
            node_kind(n, root, parameters),
            n.data,
            n.op,
            notation[n].symbol if n.parents else "",
            tuple(ids[p] for p in n.parents),
            grads.get(n),
        )
        for n in order
    )


def build(root: Value, params: Iterable[Value] = ()) -> Explanation:
    """The Explanation of ``root``'s graph: ``explain(root)`` without its checks."""
    order = evaluation_order(root)
    names = node_names(order)
    ids = node_ids(order, names)
    # Each operation's notation looked up once, its formulas written once.
    notation = {n: _notation(n) for n in order if n.parents}
    formulas = {n: _formula(n, names, notation[n].formula) for n in notation}
    locals_ = {n: tuple(_formula(n, names, d) for d in notation[n].derivatives) for n in notation}

    # The engine's backward loop, every edge in the order it runs.
    grads, steps = backward_trace(root)
    edges = dict(steps)

    forward = tuple(
        ForwardStep(ids[n], names[n], n.op, formulas.get(n), n.data)
        for n in order
        if n.op != "const"
    )
    backward = _backward_steps(edges, names, ids, formulas, locals_)
    sums, node_sums, links, folded = _chain_sums(root, order, names, edges, grads, locals_)
    gradients = {names[node]: g for node, g in grads.items()}
    unlabelled = tuple(names[n] for n in order if n.parents and n is not root and not n.label)
    nodes = _nodes(order, root, params, names, ids, notation, grads)
    return Explanation(
        names[root], forward, backward, sums, folded, unlabelled, gradients, nodes, node_sums, links
    )


def forward_step(node: Value, names: dict[Value, str], ids: dict[Value, str]) -> ForwardStep:
    """One line of the forward pass for ``node``: an input, or its formula and value."""
    formula = forward_formula(node, names) if node.parents else None
    return ForwardStep(ids[node], names[node], node.op, formula, node.data)


def forward_formula(node: Value, names: dict[Value, str]) -> Formula:
    """How ``node`` was computed, in the table's notation, e.g. ``x = v1 + b``.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> y = a * 2
    >>> f = forward_formula(y, node_names(evaluation_order(y)))
    >>> f.text(), f.numbers()
    ('a·2', '3·2')
    """
    return _formula(node, names, _notation(node).formula)


def local_formulas(node: Value, names: dict[Value, str]) -> tuple[Formula, ...]:
    """Each local derivative d(node)/d(parent), in the table's notation.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> y = a * 2
    >>> [f.text() for f in local_formulas(y, node_names(evaluation_order(y)))]
    ['2', 'a']
    """
    return tuple(_formula(node, names, template) for template in _notation(node).derivatives)


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


def _backward_steps(edges, names, ids, formulas, locals_) -> tuple[BackwardStep, ...]:
    arrivals = Counter(edge.parent for node_edges in edges.values() for edge in node_edges)
    received: dict[Value, list[float]] = {}
    steps = []
    for node, node_edges in edges.items():
        edge_steps = []
        for edge in node_edges:
            received.setdefault(edge.parent, []).append(edge.contribution)
            edge_steps.append(
                EdgeStep(
                    parent_id=ids[edge.parent],
                    parent=names[edge.parent],
                    slot=edge.slot,
                    local_formula=locals_[node][edge.slot],
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
            BackwardStep(ids[node], names[node], formulas[node], upstream, tuple(edge_steps))
        )
    return tuple(steps)


class _Segment(NamedTuple):
    """One way from a named node down to a named node it uses: a drawn edge, a
    route through unnamed nodes, or all those routes folded into one factor."""

    nodes: tuple[Value, ...]  # from the user down to the node used, both included
    factors: tuple[float, ...]  # one per consecutive pair of nodes
    fold: tuple[tuple[tuple[Value, ...], tuple[float, ...]], ...] | None = None  # its routes


def _chain_sums(root, order, names, edges, grads, locals_):
    """The chain rule for each input and each named node, over paths through
    the named nodes; the links between named nodes; the unnamed (folded) nodes.

    Each term of a sum is a product along drawn edges: an edge that an
    operation uses twice (x·x) is two terms. Unnamed nodes between two named
    ones are folded into one factor (∂x/∂w through v1), which the sum then
    writes out along the drawn edges (a ``Fold``); where the named node also
    uses the other directly, the routes through the unnamed nodes are written
    out in the terms instead, so that ∂x/∂w always means the drawn edge.
    """
    inner = [n for n in order if n.parents and n is not root]
    any_labelled = any(n.label for n in inner)

    def is_named(node: Value) -> bool:
        return node is root or not node.parents or bool(node.label) or not any_labelled

    position = {node: i for i, node in enumerate(order)}
    named = [n for n in order if n.parents and is_named(n)]
    # The graph of named nodes: for each, the named nodes it is computed from,
    # the local derivative with the unnamed nodes in between folded in, and
    # the segments (drawn edges, routes or a fold) that the terms run along.
    below, single, segments = {}, {}, {}
    for n in named:
        below[n], single[n], segments[n] = _below(n, edges, is_named, position)
    above: dict[Value, list[Value]] = {}
    for n in named:
        for m in below[n]:
            above.setdefault(m, []).append(n)
    links = []
    for n in named:
        for m, local in below[n].items():
            # A formula (∂z/∂x = y) is that of one edge: it does not hold for a·a
            # (two edges) nor for a pair joined through unnamed nodes.
            formula = locals_[n][n.parents.index(m)] if m in single[n] else None
            links.append(Link(names[n], names[m], local, m in single[n], formula))

    # Terms from root to each node, counted (and their longest length) before
    # writing any out: an MLP's weight has far too many to list.
    count, longest = {root: 1}, {root: 0}
    for n in reversed(named):
        for m, ways in segments[n].items():
            count[m] = count.get(m, 0) + count.get(n, 0) * len(ways)
            most = max(len(way.factors) for way in ways)
            longest[m] = max(longest.get(m, 0), longest.get(n, 0) + most)

    def path(nodes, factors, upstream=False) -> Path:
        return Path(tuple(names[n] for n in nodes), tuple(factors), upstream)

    def chain_sum(leaf: Value) -> LeafSum:
        full = count[leaf] <= FULL_SUM_MAX_PATHS and longest[leaf] <= FULL_SUM_MAX_FACTORS
        if full:
            terms = _terms_to(leaf, root, above, segments)
        else:  # ∂z/∂b = Σ dz/dp·∂p/∂b over the named p using b: the backward recursion
            terms = [
                ((root, *way.nodes), (float(grads[p]), *way.factors), [way], True)
                if p is not root
                else (way.nodes, way.factors, [way], False)
                for p in sorted(above[leaf], key=position.get)
                for way in segments[p][leaf]
            ]
        folds = {}
        for *_, ways, _ in terms:
            for way in ways:
                if way.fold is not None:
                    top, bottom = names[way.nodes[0]], names[way.nodes[-1]]
                    routes = tuple(path(nodes, factors) for nodes, factors in way.fold)
                    folds.setdefault((top, bottom), Fold(top, bottom, routes))
        return LeafSum(
            names[root],
            names[leaf],
            tuple(path(nodes, factors, upstream) for nodes, factors, _, upstream in terms),
            float(grads[leaf]),
            count[leaf],
            not full,
            tuple(folds.values()),
        )

    leaves = [n for n in order if not n.parents and n.op != "const" and n in above]
    sums = tuple(chain_sum(n) for n in sorted(leaves, key=lambda n: _natural_key(names[n])))
    node_sums = tuple(chain_sum(n) for n in named if n is not root and n in above)
    folded = tuple(names[n] for n in inner if not is_named(n))
    return sums, node_sums, tuple(links), folded


def _below(top: Value, edges, is_named, position) -> tuple[dict, set, dict]:
    """What ``top`` reaches through unnamed nodes only: ∂top/∂m for each named
    m (the products of the engine's local derivatives along each route,
    summed), the m that ``top`` reaches by exactly one drawn edge, and for each
    m the segments its terms run along (see ``_chain_sums``)."""
    unnamed: set[Value] = set()
    stack = [top]
    while stack:
        for edge in edges.get(stack.pop(), ()):
            if not is_named(edge.parent) and edge.parent not in unnamed:
                unnamed.add(edge.parent)
                stack.append(edge.parent)
    # Each unnamed node collects everything that reaches it (and the number of
    # routes) before passing it on.
    reach, ways = {top: 1.0}, {top: 1}
    result: dict[Value, float] = {}
    routes: Counter[Value] = Counter()  # routes to each named m, direct or not
    direct: dict[Value, list[float]] = {}  # the local derivative of each drawn edge top → m
    for node in [top, *sorted(unnamed, key=position.get, reverse=True)]:
        for edge in edges.get(node, ()):
            parent = edge.parent
            if is_named(parent):
                result[parent] = result.get(parent, 0.0) + reach[node] * edge.local
                routes[parent] += ways[node]
                if node is top:
                    direct.setdefault(parent, []).append(edge.local)
            else:
                reach[parent] = reach.get(parent, 0.0) + reach[node] * edge.local
                ways[parent] = ways.get(parent, 0) + ways[node]
    # The routes themselves, where there are few enough to write out.
    listed: dict[Value, list] = {}
    if sum(routes.values()) <= FOLD_MAX_ROUTES:
        for nodes, factors in _routes(top, edges, is_named):
            listed.setdefault(nodes[-1], []).append((nodes, factors))
    segments: dict[Value, list[_Segment]] = {}
    for m, local in result.items():
        edges_to_m = direct.get(m, [])
        if routes[m] == len(edges_to_m):  # drawn edges only: one term each
            segments[m] = [_Segment((top, m), (d,)) for d in edges_to_m]
        elif not edges_to_m or m not in listed:  # through unnamed nodes: one folded factor
            fold = tuple(listed.get(m, ()))
            segments[m] = [_Segment((top, m), (d,)) for d in edges_to_m]
            segments[m].append(_Segment((top, m), (local - sum(edges_to_m),), fold))
        else:  # both: the routes written out, so that ∂top/∂m means the drawn edge
            segments[m] = [_Segment(nodes, factors) for nodes, factors in listed[m]]
    single = {m for m in result if routes[m] == 1 and len(direct.get(m, ())) == 1}
    return result, single, segments


def _routes(top: Value, edges, is_named):
    """Every route from ``top`` down to a named node through unnamed nodes only,
    as (nodes, local derivatives), in operand order."""
    stack = [((top,), ())]
    while stack:
        nodes, factors = stack.pop()
        if len(nodes) > 1 and is_named(nodes[-1]):
            yield nodes, factors
            continue
        stack.extend(
            ((*nodes, edge.parent), (*factors, edge.local))
            for edge in reversed(edges.get(nodes[-1], ()))
        )


def _terms_to(leaf, root, above, segments) -> list[tuple]:
    """Every term from root down to leaf, first uses first: (nodes, factors,
    the segments it runs along, False)."""
    terms: list[tuple] = []
    stack = [(leaf, (leaf,), (), ())]
    while stack:
        node, nodes, factors, ways = stack.pop()
        if node is root:
            terms.append((nodes, factors, ways, False))
            continue
        step = [
            (user, (*way.nodes[:-1], *nodes), (*way.factors, *factors), (way, *ways))
            for user in above[node]
            for way in segments[user][node]
        ]
        stack.extend(reversed(step))
    return terms


def _natural_key(name: str) -> list:
    """Sort w2 before w10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
