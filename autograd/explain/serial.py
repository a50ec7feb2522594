"""The explanation as JSON-ready data, and back: what the lesson page and the server read.

``Explanation.to_dict()`` holds, besides the fields of the model's dataclasses
(numbers as the engine computed them), every text a view shows, written once
by the writers: each formula as text and LaTeX, each step's lines, each
edge's local derivative and contribution, each node's gradient and
chain-rule sum. ``Explanation.from_dict`` reads the model back (not the
texts). A node is keyed by its ``id``; ``name`` is what is shown.

- ``nodes``: id, name, kind, value, ``value_text``, op, symbol, parents (ids),
  ``computed`` (``x = v1 + b = 6 + 4 = 10``; None for a constant),
  ``formula``, ``gradient`` and ``gradient_text`` (``dz/dx = 5``), ``sum``
  (the chain-rule sum, for an input or named node);
- ``forward``: id, name, op, formula, value, text;
- ``backward``: id, node, formula, upstream, ``upstream_text``, ``lines``, and
  ``edges`` (one per operand, ``edges[slot]``): parent_id, parent, slot,
  local_formula, local, upstream, contribution, total, received, arrivals,
  constant, ``local_text``, ``local_latex``, ``product_text`` (``1 × 10 = 10``),
  ``total_text`` (``5 + 10 = 15``), ``running_text``;
- ``sums`` (one per input) and ``node_sums`` (one per named intermediate
  node): output, leaf, paths (nodes, factors, upstream), total, path_count,
  grouped, folds (top, bottom, paths: a folded factor along the drawn edges),
  text, latex;
- ``links``: top, bottom, local, edge, formula (see ``Link``);
- ``start``, ``notes``, ``folded``, ``unlabelled``, ``gradients``.

Numbers stay floats, so that the data reads back exactly: an infinite or NaN
value (IEEE arithmetic allows them) is written by Python's ``json`` as
``Infinity``/``NaN``, which strict JSON readers refuse; the lesson page
writes those few as the text ``inf``/``nan`` instead.

>>> import json
>>> from autograd import Value, explain
>>> e = explain(Value(2.0, label="a") * 3)
>>> Explanation.from_dict(json.loads(json.dumps(e.to_dict()))) == e
True
"""

from __future__ import annotations

from autograd.explain.latex import local_latex
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
    writes,
)
from autograd.explain.text import (
    gradient_text,
    local_text,
    product_text,
    running_text,
    sum_so_far,
    upstream_text,
)
from autograd.i18n import N_, TranslatableValueError, use_language
from autograd.trace import format_number

__all__ = ["SCHEMA", "from_dict", "to_dict"]

# The version of to_dict(): raise it when a field changes meaning. 2: a chain-rule
# sum has one path per drawn edge (x·x gives two), paths say whether their first
# factor is an upstream gradient, and sums carry their folds.
SCHEMA = 2


@writes(Explanation, "dict")
def to_dict(explanation: Explanation) -> dict:
    # Every text in the explanation's language: the writers below say their
    # sentences in the context's language unless told.
    with use_language(explanation.lang):
        return _to_dict(explanation)


def _to_dict(explanation: Explanation) -> dict:
    output = explanation.output
    sums = {s.leaf: s.text() for s in (*explanation.sums, *explanation.node_sums)}
    steps = {s.id: s for s in explanation.forward}
    return {
        "schema": SCHEMA,
        "output": output,
        "nodes": [_node_dict(output, node, steps.get(node.id), sums) for node in explanation.nodes],
        "forward": [
            {
                "id": s.id,
                "name": s.name,
                "op": s.op,
                "formula": _formula_dict(s.formula),
                "value": s.value,
                "text": s.text(),
            }
            for s in explanation.forward
        ],
        "backward": [
            {
                "id": step.id,
                "node": step.node,
                "formula": _formula_dict(step.formula),
                "upstream": step.upstream,
                "upstream_text": upstream_text(output, step),
                "lines": list(lines),
                "edges": [_edge_dict(output, step, edge) for edge in step.edges],
            }
            for step, lines in zip(explanation.backward, explanation.step_lines())
        ],
        "sums": [_sum_dict(s) for s in explanation.sums],
        "node_sums": [_sum_dict(s) for s in explanation.node_sums],
        "links": [
            {
                "top": k.top,
                "bottom": k.bottom,
                "local": k.local,
                "edge": k.edge,
                "formula": _formula_dict(k.formula),
            }
            for k in explanation.links
        ],
        "start": explanation.start_text(),
        "notes": explanation.notes(),
        "folded": list(explanation.folded),
        "unlabelled": list(explanation.unlabelled),
        "gradients": dict(explanation.gradients),
    }


@writes(Explanation, "from_dict")
def from_dict(cls: type[Explanation], data: dict) -> Explanation:
    if data.get("schema") != SCHEMA:
        raise TranslatableValueError(
            N_(
                "cannot read an explanation with schema {schema!r}: "
                "this version of autograd reads schema {version}"
            ),
            schema=data.get("schema"),
            version=SCHEMA,
        )
    forward = tuple(
        ForwardStep(
            s.get("id", s["name"]), s["name"], s["op"], _formula_from(s["formula"]), s["value"]
        )
        for s in data["forward"]
    )
    backward = tuple(
        BackwardStep(
            s.get("id", s["node"]),
            s["node"],
            _formula_from(s["formula"]),
            s["upstream"],
            tuple(_edge_from(slot, e) for slot, e in enumerate(s["edges"])),
        )
        for s in data["backward"]
    )
    nodes = tuple(
        Node(
            n.get("id", n["name"]),
            n["name"],
            n["kind"],
            n["value"],
            n.get("op", ""),
            n.get("symbol", ""),
            tuple(n.get("parents", ())),
            n.get("gradient"),
        )
        for n in data["nodes"]
    )
    links = tuple(
        Link(k["top"], k["bottom"], k["local"], k["edge"], _formula_from(k.get("formula")))
        for k in data.get("links", ())
    )
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
        links,
    )


def _node_dict(output: str, node: Node, step: ForwardStep | None, sums: dict) -> dict:
    has_gradient = node.gradient is not None and node.kind != "constant"
    return {
        "id": node.id,
        "name": node.name,
        "kind": node.kind,
        "value": node.value,
        "value_text": format_number(node.value),
        "op": node.op,
        "symbol": node.symbol,
        "parents": list(node.parents),
        "formula": _formula_dict(step.formula if step else None),
        "computed": step.text() if step else None,
        "gradient": node.gradient,
        "gradient_text": gradient_text(output, node.name, node.gradient) if has_gradient else None,
        "sum": sums.get(node.name) if node.kind != "constant" else None,
    }


def _edge_dict(output: str, step: BackwardStep, edge: EdgeStep) -> dict:
    return {
        "parent_id": edge.parent_id,
        "parent": edge.parent,
        "slot": edge.slot,
        "local_formula": _formula_dict(edge.local_formula),
        "local": edge.local,
        "upstream": edge.upstream,
        "contribution": edge.contribution,
        "total": edge.total,
        "received": list(edge.received),
        "arrivals": edge.arrivals,
        "constant": edge.constant,
        "local_text": local_text(step, edge),
        "local_latex": local_latex(step, edge),
        "product_text": product_text(edge),
        "total_text": sum_so_far(edge),
        "running_text": running_text(output, edge).strip(),
    }


def _edge_from(slot: int, e: dict) -> EdgeStep:
    return EdgeStep(
        e.get("parent_id", e["parent"]),
        e["parent"],
        e.get("slot", slot),
        _formula_from(e["local_formula"]),
        e["local"],
        e["upstream"],
        e["contribution"],
        e["total"],
        tuple(e["received"]),
        e["arrivals"],
        e["constant"],
    )


def _sum_dict(s: LeafSum) -> dict:
    return {
        "output": s.output,
        "leaf": s.leaf,
        "paths": [_path_dict(p) for p in s.paths],
        "total": s.total,
        "path_count": s.path_count,
        "grouped": s.grouped,
        "folds": [
            {"top": f.top, "bottom": f.bottom, "paths": [_path_dict(p) for p in f.paths]}
            for f in s.folds
        ],
        "text": s.text(),
        "latex": s.latex(),
    }


def _path_dict(p: Path) -> dict:
    return {"nodes": list(p.nodes), "factors": list(p.factors), "upstream": p.upstream}


def _sum_from(data: dict) -> LeafSum:
    return LeafSum(
        data["output"],
        data["leaf"],
        tuple(_path_from(p) for p in data["paths"]),
        data["total"],
        data["path_count"],
        data["grouped"],
        tuple(
            Fold(f["top"], f["bottom"], tuple(_path_from(p) for p in f["paths"]))
            for f in data.get("folds", ())
        ),
    )


def _path_from(data: dict) -> Path:
    return Path(tuple(data["nodes"]), tuple(data["factors"]), data.get("upstream", False))


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
