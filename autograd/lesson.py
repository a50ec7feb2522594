"""A lesson page: step through the forward and backward pass in a browser.

``lesson(z)`` writes one self-contained HTML file: the graph as inline SVG
(Graphviz's layout, drawn by ``draw``, so it looks like ``render``), what the
page shows at each step as JSON, and a little plain JavaScript that only
*looks it up*: the gradients, sentences, panel rows, accessible names and
questions of each step are written here, in Python, from the one
``explain(z)``; the script compares a typed number with a tolerance and
nothing else. It loads nothing from the network, so the file works from a
USB stick, an LMS or ``file://``.

Three modes: the lesson (every step shown as it comes), practice (the page
asks for each gradient at the step that completes it) and the chain-rule
trainer (each edge's label reads ``∂x/∂b = ?`` until it is answered; at each
step it asks for each local derivative, each product with the upstream
gradient, and each sum). In the modes that ask, nothing the student has not
answered (or had shown) is anywhere on the page.

>>> from autograd import Value
>>> w, b = Value(3.0, label="w"), Value(4.0, label="b")
>>> z = (2 * w + b) * (b + 1)
>>> z.label = "z"
>>> page = lesson(z, title="The worked example")
>>> 'data-node="b"' in page.html, page.html.count('role="status"')
(True, 1)
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from autograd.draw import KINDS, check_size, draw, svg_id, to_svg
from autograd.engine import Value, topological_order
from autograd.explain import Explanation, explain
from autograd.explain.text import (
    frame_title,
    gradient_so_far,
    local_text,
    product_text,
    sum_so_far,
    upstream_text,
)
from autograd.i18n import (
    N_,
    TranslatableTypeError,
    TranslatableValueError,
    language_tag,
    ptr,
    resolve_language,
    tr,
    use_language,
)
from autograd.practice import CODES, code_meaning, questions, score_text
from autograd.program import NUMBER  # the terminal's rule for a typed number
from autograd.trace import format_number, gradient_symbol, local_symbol

__all__ = ["MODES", "SLOTS", "Lesson", "lesson", "lesson_data", "page"]

MODES = ("lesson", "practice", "trainer")
UNKNOWN = "?"  # a gradient not yet sent, as the backward-step pictures show it
NOT_A_NUMBER = N_("That is not a number: type one such as 2.5 or -0.25, or press Show answer.")
# Named slots of the template: the page's own, and those a server fills (``page``).
_MARKERS = ("@@LANG@@", "@@TITLE@@", "@@SVG@@", "@@LEGEND@@", "@@DATA@@")
SLOTS = ("head", "controls", "end")
# The page's own words, by the name the template gives each (@@W:name@@, in
# lesson.html) or the script reads (``view.text.words``): said in the page's
# language by ``page`` and ``_view``.
WORDS = {
    "practice": N_("Practice"),
    "mode": N_(" mode"),
    "trainer": N_("Trainer"),
    "presenter": N_("Presenter"),
    "graph": N_("Computation graph"),
    "graph_view": N_("Graph view"),
    "zoom_out": N_("Zoom out"),
    "zoom_in": N_("Zoom in"),
    "fit": N_("Fit"),
    "actual": N_("Actual size"),
    "top_to_bottom": N_("Top to bottom"),
    "hint_lr": N_(
        "Drag or scroll to pan, Ctrl+wheel zooms. Tab into the graph: → ← go through the nodes "
        "column by column, ↑ ↓ within a column; Shift+arrows pan; + − zoom; Enter opens a node."
    ),
    "hint_tb": N_(
        "Drag or scroll to pan, Ctrl+wheel zooms. Tab into the graph: ↓ ↑ go through the nodes "
        "row by row, ← → within a row; Shift+arrows pan; + − zoom; Enter opens a node."
    ),
    "hint_touch": N_("Drag the graph to pan, pinch to zoom, tap a node to open it."),
    "legend": N_("Kinds of node"),
    "steps": N_("Steps of the backward pass"),
    "first_step": N_("First step"),
    "first": N_("First"),
    "previous_step": N_("Previous step"),
    "previous": N_("Previous"),
    "next_step": N_("Next step"),
    "next": N_("Next"),
    "last_step": N_("Last step"),
    "last": N_("Last"),
    "step": N_("Step"),
    "check": N_("Check"),
    "reveal": N_("Show answer"),
    "score": N_("Score card"),
    "this_step": N_("This step"),
    "local": N_("local derivative"),
    "times_upstream": N_("× upstream"),
    "equals_contribution": N_("= contribution"),
    "so_far": N_("gradient so far"),
    "node_details": N_("Node details"),
    "details_hint": N_("Click a node, or focus it and press Enter."),
    "node": N_("node"),
    "kind": N_("kind"),
    "value": N_("value"),
    "computed": N_("computed as"),
    "gradient": N_("gradient"),
    "chain_rule": N_("chain rule"),
    "edge_details": N_("Edge details"),
    "edge_hint_mouse": N_("Hover over an edge."),
    "edge_hint_touch": N_("Tap an edge."),
    "contribution": N_("contribution"),
    "running": N_("running sum"),
    "left_to_right": N_("Left to right"),
    "lay_out_lr": N_("Lay the graph out left to right"),
    "lay_out_tb": N_("Lay the graph out top to bottom"),
}
# The words the script itself puts on the page (the layout button's).
_SCRIPT_WORDS = ("left_to_right", "top_to_bottom", "lay_out_lr", "lay_out_tb")


@dataclass(frozen=True)
class Lesson:
    """One lesson page: ``html`` is the whole file; Jupyter shows it inline.

    Its repr is short (the page is ``.html``, or ``.save(path)``), and in a
    notebook it is a frame that grows and shrinks with the page.

    >>> from autograd import Value
    >>> page = lesson(Value(2.0, label="a") * 3, title="Twice a")
    >>> page
    Lesson(title='Twice a')
    >>> 'srcdoc="&lt;!DOCTYPE html&gt;' in page._repr_html_()
    True
    """

    html: str = field(repr=False)  # tens of kilobytes: a notebook's text view shows the title
    title: str
    lang: str = field(default="en", repr=False)  # the language of the page's words

    def save(self, path) -> Path:
        """Write the page to ``path`` (folders are created); return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        # An iframe's srcdoc keeps each lesson's ids, styles and scripts to
        # itself, so two lessons in one notebook never clash. The page posts
        # its height (the @@frame-height script of lesson.html) and the script
        # here sizes the frame to it. A notebook that is not trusted shows
        # neither frame, style nor script, only the hint: the style hides it
        # wherever the frame is there.
        frame = (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'title="{html.escape(self.title, quote=True)}" sandbox="allow-scripts" '
            'style="display: block; width: 100%; height: 720px; border: 1px solid #ccc">'
            "</iframe>"
        )
        untrusted = tr(self.lang, UNTRUSTED)
        hint = f'<p class="autograd-hint" style="{_HINT_STYLE}">{html.escape(untrusted)}</p>'
        return f'<div class="autograd-lesson">\n{hint}\n{frame}\n{_FRAME_SIZING}</div>'


# Shown in place of the lesson where Jupyter strips its frame (a notebook not trusted).
UNTRUSTED = N_(
    "The lesson page is not shown: Jupyter shows a stored page only in a notebook you "
    "trust. Run this cell, or trust the notebook (Trust Notebook, in the command palette)."
)
_HINT_STYLE = "border-left: 4px solid #888888; padding-left: 0.6em; font-style: italic"
# The frame takes the height its page posts; the cap stops a page whose height
# follows the frame's (a height in vh) from growing it forever.
_FRAME_SIZING = """<style>.autograd-lesson:has(> iframe) > .autograd-hint { display: none; }</style>
<script>
(function () {
  const box = document.currentScript && document.currentScript.parentElement;
  const frame = box && box.querySelector("iframe");
  if (!frame) return;
  window.addEventListener("message", function resize(event) {
    if (!frame.isConnected) return window.removeEventListener("message", resize);
    if (event.source !== frame.contentWindow || !event.data) return;
    const height = event.data.autogradLessonHeight;
    if (Number.isFinite(height) && height > 0) frame.style.height = Math.min(height, 20000) + "px";
  });
  // The page may have told its height before this listener existed: ask for it
  // now, and again once the page has loaded.
  function ask() {
    if (frame.contentWindow) frame.contentWindow.postMessage({ autogradLessonAsk: true }, "*");
  }
  ask();
  frame.addEventListener("load", ask);
})();
</script>
"""


def lesson(
    root: Value,
    *,
    title: str | None = None,
    params: Iterable[Value] | None = None,
    practice: bool = False,
    mode: str | None = None,
    max_nodes: int = 500,
    dot_timeout: float | None = None,
    lang: str | None = None,
) -> Lesson:
    """The lesson page for ``root``: its graph, forward pass and backward pass, step by step.

    Builds ``explain(root)`` once and shows it: the drawing, the step
    sentences, the panel and the questions all read that one explanation,
    and no ``.grad`` is touched. ``params`` marks parameters (drawn green).
    ``mode`` is the mode the page opens in: "lesson" (the default),
    "practice" (the gradients hidden; the page asks for each one as its step
    comes; ``practice=True`` says the same) or "trainer" (the chain-rule
    trainer: local derivatives, products and sums asked at each step). The
    page's buttons switch modes whatever it was saved with; each answer is
    checked against the verdicts of ``autograd.practice.questions``. Graphs
    over ``max_nodes`` are refused with the same advice as ``render``, and a
    layout slower than ``dot_timeout`` seconds with TimeoutError; without
    Graphviz's ``dot`` this raises GraphvizNotInstalledError. ``lang`` is the
    language of every word on the page (``"zh"``: Chinese, ``<html lang="zh-CN">``);
    by default the context's (``use_language``), English unless set.

    >>> from autograd import Value
    >>> lesson(Value(1.0) * 2, max_nodes=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    autograd.draw.GraphTooBigError: the graph has 3 nodes, more than max_nodes=1: ...
    """
    data = lesson_data(
        root,
        title=title,
        params=params,
        practice=practice,
        mode=mode,
        max_nodes=max_nodes,
        dot_timeout=dot_timeout,
        lang=lang,
    )
    return Lesson(page(data), data["title"], data["lang"])


def page(data: Mapping, **slots: str) -> str:
    """The page's HTML for ``lesson_data``'s data, with each named slot filled
    (``head``: inside <head>; ``controls``: first in <main>; ``end``: last in
    <body>; each empty by default). The classroom server fills the slots with
    its program box and script.

    >>> from autograd import Value
    >>> data = lesson_data(Value(2.0, label="a") * 3)
    >>> text = page(data, controls="<p>Program box</p>")
    >>> text.count("<p>Program box</p>"), "@@CONTROLS@@" in text
    (1, False)
    """
    unknown = [name for name in slots if name not in SLOTS]
    if unknown:
        raise TranslatableValueError(
            N_("page: no slot {slot!r}; the slots are {slots}"),
            slot=unknown[0],
            slots=", ".join(SLOTS),
        )
    data = dict(data)
    svg, title, lang = data.pop("svg"), data["title"], resolve_language(data.get("lang", "en"))
    markup = (language_tag(lang), html.escape(title), svg, _legend(lang), _script_json(data))
    filling = dict(zip(_MARKERS, markup))
    filling.update({f"@@{name.upper()}@@": slots.get(name, "") for name in SLOTS})
    filling.update({f"@@W:{name}@@": html.escape(tr(lang, word)) for name, word in WORDS.items()})
    # One pass over the template: a title holding a marker stays as written.
    return re.sub("|".join(filling), lambda m: filling[m.group(0)], _template())


def lesson_data(
    root: Value,
    *,
    title: str | None = None,
    params: Iterable[Value] | None = None,
    practice: bool = False,
    mode: str | None = None,
    max_nodes: int = 500,
    dot_timeout: float | None = None,
    lang: str | None = None,
) -> dict:
    """What the lesson page shows, as JSON-ready data: the data the page embeds, and ``"svg"``.

    ``"svg"`` is the graph laid out left to right, ``"svg_tb"`` top to
    bottom: the page shows the one that suits the graph's and the screen's
    shape, and the teacher can switch. ``lesson()`` fills its template with
    this (the first in the markup, the second in the data); the classroom
    server (``autograd serve``) sends it to a page that is already open,
    which then shows the new graph. ``dot_timeout`` bounds each of Graphviz's
    layouts in seconds.

    - ``title``, ``mode`` (the mode the page opens in), ``lang`` (the
      language of every word in it), ``svg``;
    - ``explanation``: ``Explanation.to_dict()``, for other tools (the page's
      script does not read it);
    - ``view``: everything the script shows, by step and by mode (``_view``
      says what is in it).

    >>> from autograd import Value
    >>> data = lesson_data(Value(2.0, label="a") * 3, mode="trainer")
    >>> data["explanation"]["schema"], data["mode"], data["svg"].startswith("<svg")
    (2, 'trainer', True)
    >>> 'id="node-a"' in data["svg_tb"]  # the same ids in both layouts
    True
    >>> [q["prompt"] for q in data["view"]["modes"]["trainer"]]
    ['∂v1/∂a =', '∂v1/∂a × dv1/dv1 =']
    """
    if not isinstance(root, Value):
        raise TranslatableTypeError(
            N_("lesson: expected a Value, got {type} {value!r}"),
            type=type(root).__name__,
            value=root,
        )
    mode = _mode(mode, practice)
    lang = resolve_language(lang)
    check_size(len(topological_order(root)), max_nodes, "max_nodes")
    params = list(params or ())
    explanation = explain(root, params=params, lang=lang)
    # The view's pieces come from explain's writers, which say their sentences in
    # the context's language unless told: this block's.
    with use_language(lang):
        output = _output_text(explanation)
        data = {
            "title": title or tr(lang, "Backpropagation through {output}", output=output),
            "mode": mode,
            "lang": lang,
            "explanation": explanation.to_dict(),
            "svg": _lesson_svg(root, explanation, max_nodes, dot_timeout, "LR"),
            "svg_tb": _lesson_svg(root, explanation, max_nodes, dot_timeout, "TB"),
            "view": _view(explanation, lang),
        }
    return _finite(data)


def _mode(mode: str | None, practice: bool) -> str:
    if mode is None:
        return "practice" if practice else "lesson"
    if mode not in MODES:
        raise TranslatableValueError(
            N_("lesson: mode must be one of {modes}, got {mode!r}"),
            modes=", ".join(MODES),
            mode=mode,
        )
    if practice and mode != "practice":
        raise TranslatableValueError(
            N_("lesson: practice=True is mode='practice', not mode={mode!r}"), mode=mode
        )
    return mode


def _output_text(explanation: Explanation) -> str:
    return next(s.text() for s in explanation.forward if s.name == explanation.output)


def _template() -> str:
    text = resources.files("autograd").joinpath("lesson.html").read_text(encoding="utf-8")
    words = (f"@@W:{name}@@" for name in WORDS if name not in _SCRIPT_WORDS)
    for marker in (*_MARKERS, *(f"@@{name.upper()}@@" for name in SLOTS), *words):
        if marker not in text:
            said = tr(None, "the lesson template has lost its {marker}", marker=marker)
            raise RuntimeError(said)
    return text


# What the page shows, step by step and mode by mode.
#
# A *piece* is a text the page may show: {"text", "step", "gate"}. It shows
# from backward step ``step`` on (0 if absent) and, in a mode that asks
# questions, once ``gate[mode]`` of that mode's questions are settled (0 if
# absent): answered right or shown. A *timeline* is a list of pieces, the
# first always shown: the page shows the last one that may show. Questions
# are settled in order, so "how many are settled" is all the page keeps.


def _view(explanation: Explanation, lang: str = "en") -> dict:
    """Everything the page's script shows, looked up by step and mode.

    - ``steps`` (0 is the start, then one per backward step): ``node`` and
      ``edges`` (the SVG ids the step marks active: its node and the edges it
      sends gradient along), ``title`` (a piece: what the step does),
      ``position`` ("2 of 4"), ``lines`` (explain's lines for the step, each
      a piece), ``rows`` (the panel: for each parent the step sends to, its
      name and the pieces ``local``, ``upstream``, ``product``, ``sum``);
    - ``nodes``: for each node, ``id``, ``svg``, ``name``, ``kind``,
      ``value``, ``computed``, and the timelines ``grad`` (the box's
      gradient field), ``label`` (its accessible name: value and gradient),
      ``detail`` (the gradient in its details) and ``sum`` (its chain-rule sum);
    - ``edges``: for each edge that sends gradient, ``svg``, ``step``, the
      pieces ``shown`` (its drawn local derivative; until then the drawing
      shows the first of ``local``) and ``flow`` (what it sent), and the
      timelines ``label``, ``local``, ``product``, ``running``;
    - ``modes``: for "practice" and "trainer", their questions in order
      (``Question.to_dict()``, with ``row`` and ``cell``: the panel row it
      is about and the cell it asks to fill);
    - ``text``: the page's words: the unknown mark, the number pattern, what
      to say about a typed non-number, the score card's sentences, the names
      of the kinds of node, the words the script writes; all in ``lang``.
    """
    asked = {mode: questions(explanation, mode, lang) for mode in ("practice", "trainer")}
    gates = _Gates(explanation, asked)
    output, count = explanation.output, len(explanation.backward)
    steps = [
        {
            "node": None,
            "edges": [],
            "title": _piece(frame_title(explanation, 0)),
            "position": _position(0, count, lang),
            "lines": [_piece(explanation.start_text())],
            "rows": [],
        }
    ]
    for k, (step, lines) in enumerate(zip(explanation.backward, explanation.step_lines()), 1):
        edges = [edge for edge in step.edges if not edge.constant]
        upstream = gates.upstream(step)
        steps.append(
            {
                "node": svg_id("node", step.id),
                "edges": [svg_id("edge", step.id, edge.slot) for edge in edges],
                "title": _piece(frame_title(explanation, k), gate=upstream),
                "position": _position(k, count, lang),
                "lines": [_piece(lines[0], gate=upstream)]
                + [_piece(line, gate=gates.line(k, e)) for line, e in zip(lines[1:], edges)],
                "rows": [
                    {
                        "parent": edge.parent,
                        "local": _piece(local_text(step, edge), gate=gates.local(k, edge)),
                        "upstream": _piece(upstream_text(output, step), gate=upstream),
                        "product": _piece(product_text(edge), gate=gates.product(k, edge)),
                        "sum": _piece(gradient_so_far(output, edge), gate=gates.arrival(k, edge)),
                    }
                    for edge in edges
                ],
            }
        )
    rows = {
        (k, edge.slot): row
        for k, step in enumerate(explanation.backward, 1)
        for row, edge in enumerate(e for e in step.edges if not e.constant)
    }
    modes = {mode: [_question(q, explanation, rows) for q in asked[mode]] for mode in asked}
    return {
        "steps": steps,
        "nodes": _nodes(explanation, gates, lang),
        "edges": _edges(explanation, gates, lang),
        "modes": modes,
        "text": {
            "unknown": UNKNOWN,
            "number": NUMBER.pattern,
            "not_a_number": tr(lang, NOT_A_NUMBER),
            "score": score_text(lang),
            "codes": list(CODES),
            "meanings": {code: code_meaning(code, lang) for code in CODES},
            "kinds": {kind: _kind_name(kind, lang) for kind in KINDS},
            "words": {name: tr(lang, WORDS[name]) for name in _SCRIPT_WORDS},
        },
    }


def _piece(text: str, *, step: int = 0, gate: Mapping[str, int] | None = None) -> dict:
    piece: dict = {"text": text}
    if step:
        piece["step"] = step
    gate = {mode: n for mode, n in (gate or {}).items() if n}
    if gate:
        piece["gate"] = gate
    return piece


def _position(step: int, count: int, lang: str = "en") -> str:
    return tr(lang, "{step} of {count}", step=step, count=count)


def _kind_name(kind: str, lang: str) -> str:
    """A kind of node as the details panel names it: input, parameter, ..."""
    names = {
        "input": ptr(lang, "a kind of node", "input"),
        "parameter": ptr(lang, "a kind of node", "parameter"),
        "constant": ptr(lang, "a kind of node", "constant"),
        "intermediate": ptr(lang, "a kind of node", "intermediate"),
        "output": ptr(lang, "a kind of node", "output"),
    }
    return names.get(kind, kind)


def _question(question, explanation: Explanation, rows: dict) -> dict:
    """The question's data, and the panel row it is about (the edge it asks
    about, or the edge that completes the gradient or sum it asks for) and the
    row's cell it asks to fill."""
    slot = question.slot
    if slot is None:  # a gradient or a sum: the last edge to the node completes it
        slot = explanation.edges_to(question.node)[-1][1].slot
    return {**question.to_dict(), "row": rows[question.step, slot], "cell": _CELLS[question.kind]}


# The cell of a panel row that each kind of question asks to fill.
_CELLS = {"gradient": "sum", "local": "local", "product": "product", "sum": "sum"}


class _Gates:
    """How many questions of each mode must be settled before a piece may show.

    Practice asks for each gradient of ``to_find``: what tells a node's
    gradient (the node's field, what it receives, a line about it) waits for
    its answer; a node not asked (an unnamed v1, whose gradient would tell
    x's) waits for every question asked up to the step that completes it.
    The trainer asks about each edge: its drawn local derivative waits for
    the local question, what it sends for the product, and a node's gradient
    after its last contribution for the sum.
    """

    def __init__(self, explanation: Explanation, asked: Mapping[str, tuple]):
        self.output = explanation.output
        practice = asked["practice"]
        index = {q.node: i + 1 for i, q in enumerate(practice)}
        completions = explanation.completions()
        self.practice = {
            name: index.get(name, sum(1 for q in practice if q.step <= k + 1))
            for name, k in completions.items()
        }
        self.trainer = {
            (q.kind, q.step, q.node, q.slot): i + 1 for i, q in enumerate(asked["trainer"])
        }
        # Each node's gradient is complete after its last edge: its gate in the trainer.
        self.final: dict[str, dict] = {}
        for k, step in enumerate(explanation.backward, 1):
            for edge in step.edges:
                if not edge.constant:
                    self.final[edge.parent] = self.arrival(k, edge)

    def _practice(self, name: str) -> int:
        return self.practice.get(name, 0)  # the output, which gets no edge, shows at once

    def local(self, k: int, edge) -> dict:
        return {"trainer": self.trainer["local", k, edge.parent, edge.slot]}

    def product(self, k: int, edge) -> dict:
        return {
            "practice": self._practice(edge.parent),
            "trainer": self.trainer["product", k, edge.parent, edge.slot],
        }

    def arrival(self, k: int, edge) -> dict:
        """The gate of the parent's gradient once this edge has sent to it."""
        last = edge.arrivals > 1 and len(edge.received) == edge.arrivals
        key = ("sum", k, edge.parent, None) if last else ("product", k, edge.parent, edge.slot)
        return {"practice": self._practice(edge.parent), "trainer": self.trainer[key]}

    def upstream(self, step) -> dict:
        """The gate of the step node's gradient, which it passes on."""
        return self.final.get(step.node, {})

    def line(self, k: int, edge) -> dict:
        """A line of the step: the local derivative, what it sends, the sum so far."""
        pieces = (self.local(k, edge), self.product(k, edge), self.arrival(k, edge))
        return {mode: max(gate.get(mode, 0) for gate in pieces) for mode in ("practice", "trainer")}


def _nodes(explanation: Explanation, gates: _Gates, lang: str = "en") -> list[dict]:
    output = explanation.output
    computed = {s.id: s.text() for s in explanation.forward}
    sums = {s.leaf: s.text() for s in (*explanation.sums, *explanation.node_sums)}
    completions = explanation.completions()
    arrivals: dict[str, list] = {}
    for k, step in enumerate(explanation.backward, 1):
        for edge in step.edges:
            if not edge.constant:
                arrivals.setdefault(edge.parent_id, []).append((k, edge))
    nodes = []
    for node in explanation.nodes:
        value = computed.get(node.id, node.name)
        entry = {
            "id": node.id,
            "svg": svg_id("node", node.id),
            "name": node.name,
            "kind": node.kind,
            "kind_name": _kind_name(node.kind, lang),
            "value": format_number(node.value),
            "computed": computed.get(node.id),
        }
        if node.kind == "constant":  # a number needs no gradient
            entry["label"] = [_piece(_node_label(value, None, lang))]
            nodes.append(entry)
            continue
        symbol = gradient_symbol(output, node.name)
        unknown = f"{symbol} = {UNKNOWN}"
        grad, label, detail = (
            [_piece(UNKNOWN)],
            [_piece(_node_label(value, unknown, lang))],
            [_piece(unknown)],
        )
        if node.name == output:
            one = f"{symbol} = {format_number(1.0)}"
            grad, label, detail = (
                [_piece("1")],
                [_piece(_node_label(value, one, lang))],
                [_piece(one)],
            )
        for k, edge in arrivals.get(node.id, ()):
            gate = gates.arrival(k, edge)
            so_far = gradient_so_far(output, edge)
            grad.append(_piece(sum_so_far(edge), step=k, gate=gate))
            label.append(_piece(_node_label(value, so_far, lang), step=k, gate=gate))
            detail.append(_piece(so_far, step=k, gate=gate))
        entry.update(grad=grad, label=label, detail=detail, sum=[])
        if node.name in sums and node.name in completions:
            last = arrivals[node.id][-1]
            entry["sum"] = [
                _piece(UNKNOWN),
                _piece(sums[node.name], step=last[0], gate=gates.arrival(*last)),
            ]
        nodes.append(entry)
    return nodes


def _node_label(value: str, gradient: str | None, lang: str = "en") -> str:
    """A node's accessible name: its value and, once known, its gradient."""
    if gradient is None:
        return tr(lang, "{value} (a number in the program)", value=value)
    return f"{value}; {gradient}"


def _edges(explanation: Explanation, gates: _Gates, lang: str = "en") -> list[dict]:
    edges = []
    for k, step in enumerate(explanation.backward, 1):
        for edge in step.edges:
            if edge.constant:
                continue
            local, product = gates.local(k, edge), gates.product(k, edge)
            symbol = local_symbol(step.node, edge.parent)
            unknown = f"{symbol} = {UNKNOWN}"
            sent = tr(
                lang,
                "{local}; {node} receives {product}",
                local=local_text(step, edge),
                node=edge.parent,
                product=product_text(edge),
            )
            edges.append(
                {
                    "svg": svg_id("edge", step.id, edge.slot),
                    "step": k,
                    "shown": _piece("", gate=local),
                    "flow": _piece("", step=k, gate=product),
                    "label": [
                        _piece(unknown),
                        _piece(local_text(step, edge), gate=local),
                        _piece(sent, step=k, gate=gates.line(k, edge)),
                    ],
                    "local": [_piece(unknown), _piece(local_text(step, edge), gate=local)],
                    "product": [_piece(UNKNOWN), _piece(product_text(edge), step=k, gate=product)],
                    "running": [
                        _piece(""),
                        _piece(
                            gradient_so_far(explanation.output, edge),
                            step=k,
                            gate=gates.arrival(k, edge),
                        ),
                    ],
                }
            )
    return edges


def _script_json(data: dict) -> str:
    """JSON to put inside <script>: no '<' can close the tag, no NaN breaks JSON.parse."""
    text = json.dumps(_finite(data), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(data):
    """The same data with inf and nan as the strings format_number writes for them."""
    if isinstance(data, float) and not math.isfinite(data):
        return format_number(data)
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_finite(value) for value in data]
    return data


# Each group Graphviz writes for a node or an edge, with the id and class draw
# gave it, its <title> (the DOT name, replaced by the node's) and its body.
_GROUP = re.compile(r'<g id="([^"]*)" class="([^"]*)">\n<title>[^<]*</title>(.*?)</g>', re.S)
_GRAD_TEXT = re.compile(r"(<text [^>]*)(>grad )")
_FLOW_TEXT = re.compile(r"(<text [^>]*)(>grad \+= )")
_LOCAL_TEXT = re.compile(r"(<text [^>]*)(>∂)")


def _legend(lang: str = "en") -> str:
    """The legend of node kinds, from draw's own table: a small box drawn as
    Graphviz draws that kind (fill, corners, border), and its words."""
    items = []
    for kind, drawn in KINDS.items():
        style = drawn["style"]
        width = float(style.get("penwidth", 1))
        dashes = ' stroke-dasharray="5 2"' if "dashed" in style["style"] else ""
        corners = ' rx="6"' if "rounded" in style["style"] else ""
        box = (
            f'<svg class="swatch" width="36" height="22" viewBox="0 0 36 22" aria-hidden="true">'
            f'<rect x="2" y="2" width="32" height="18"{corners} fill="{style["fillcolor"]}" '
            f'stroke="#000000" stroke-width="{width:g}"{dashes}/></svg>'
        )
        # draw.py marks its legend for the catalogs: say it in the page's language.
        legend = drawn["legend"]
        words = tr(lang, legend)
        items.append(f'<li class="{kind}">{box}{html.escape(words)}</li>')
    return "\n".join(items)


def _lesson_svg(
    root: Value,
    explanation: Explanation,
    max_nodes: int,
    dot_timeout: float | None = None,
    rankdir: str = "LR",
) -> str:
    """Graphviz's SVG of ``draw(root, explanation=explanation, rankdir=rankdir)``,
    each node and edge tagged for the page's script.

    A value node's group gets ``data-node`` and ``data-id`` (its id in the
    explanation, unique: two constants ``2`` are ``2`` and ``2#2``, while both
    read ``2`` on screen), a role and an aria-label, and ``tabindex``: -1, but
    0 for the output, the graph's one Tab stop until the page moves it; an
    operation's circle gets ``data-op``; an edge gets
    ``data-edge="node->parent#slot"`` and where it is in the JSON's backward
    steps (and ``tabindex="-1"``: the arrow keys move between nodes, not
    edges). ``data-step`` is the step that sends along it. Each group is
    found by the ``id`` draw gave it (``svg_id``), the same in both layouts.
    """
    # Each gradient as the last step shows it: all it received, summed (5 + 10 = 15).
    final = {i: sum_so_far(edge) for i, edge in explanation.arrived().items()}
    graph = draw(
        root, explanation=explanation, max_nodes=max_nodes, grad_labels=final, rankdir=rankdir
    )
    names = {node.id: node.name for node in explanation.nodes}
    computed = {s.id: s.text() for s in explanation.forward}
    steps = explanation.step_of()

    # The SVG id of each group: (its title, the attributes for the page).
    tags: dict[str, tuple[str, str]] = {}
    for node in explanation.nodes:
        node_id, k = html.escape(node.id), steps.get(node.id)
        step = _step_attribute(k)
        label = html.escape(computed.get(node.id, node.name))
        tabindex = "0" if node.kind == "output" else "-1"
        tags[svg_id("node", node.id)] = (
            node.name,
            f'data-node="{node_id}" data-id="{node_id}" tabindex="{tabindex}" '
            f'role="button" aria-label="{label}"{step}',
        )
        if not node.parents:
            continue
        tags[svg_id("op", node.id)] = (node.name, f'data-op="{node_id}"{step}')
        tags[svg_id("out", node.id)] = (node.name, f'data-op-edge="{node_id}"{step}')
        for slot, parent in enumerate(node.parents):
            key = f"{node.id}->{parent}#{slot}"
            attributes = f'data-edge="{html.escape(key)}"'
            backward = explanation.backward[k - 1]
            if not backward.edges[slot].constant:  # a number gets no gradient: nothing to show
                # Its accessible name, with the numbers the script fills in as they are known.
                local = html.escape(f"{local_symbol(node.name, names[parent])} = {UNKNOWN}")
                attributes += (
                    f' data-backward="{k - 1}" data-slot="{slot}" tabindex="-1"'
                    f' aria-label="{local}"{step}'
                )
            tags[svg_id("edge", node.id, slot)] = (f"{node.name}->{names[parent]}", attributes)

    def tag(match: re.Match) -> str:
        element, classes, body = html.unescape(match.group(1)), match.group(2), match.group(3)
        if element not in tags:
            said = tr(
                None,
                "cannot tag the lesson's SVG: draw wrote no element {element!r}",
                element=element,
            )
            raise RuntimeError(said)
        title, attributes = tags[element]
        if element.startswith("node-"):  # the gradient field, rewritten at each step
            body = _GRAD_TEXT.sub(r'\1 data-grad="grad "\2', body, count=1)
        elif element.startswith("edge-"):  # what flowed along the edge, shown once it has
            body = _FLOW_TEXT.sub(r'\1 class="flow"\2', body, count=1)
            body = _LOCAL_TEXT.sub(r'\1 class="local"\2', body, count=1)  # "= ?" in the trainer
        title = html.escape(title)
        return (
            f'<g id="{element}" class="{classes}" {attributes}>\n<title>{title}</title>{body}</g>'
        )

    svg = _GROUP.sub(tag, to_svg(graph, timeout=dot_timeout))
    # Only the <svg> element itself: the XML prolog, the DOCTYPE (with its URL)
    # and the comments have no use inside HTML.
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    return svg.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "")


def _step_attribute(step: int | None) -> str:
    """Which backward step processes the node: the page highlights it then."""
    return "" if step is None else f' data-step="{step}"'
