"""A lesson page: step through the forward and backward pass in a browser.

``lesson(z)`` writes one self-contained HTML file: the graph as inline SVG
(Graphviz's layout, drawn by ``draw``, so it looks like ``render``), the
explanation as JSON (``Explanation.to_dict()``), and a little plain
JavaScript that only *shows* them: it steps through the backward pass, fills
in gradients and displays each step's sentence, all taken from the JSON. It
computes nothing and loads nothing from the network, so the file works from a
USB stick, an LMS or ``file://``.

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
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from autograd.draw import check_size, draw, svg_id, to_svg
from autograd.engine import Value, topological_order
from autograd.explain import Explanation, explain
from autograd.explain.text import local_text, sum_so_far
from autograd.trace import format_number

__all__ = ["Lesson", "lesson", "lesson_data"]

UNKNOWN = "?"  # a gradient not yet sent, as the backward-step pictures show it
NOT_A_NUMBER = "That is not a number: type one such as 2.5 or -0.25, or press Show answer."
_MARKERS = ("@@TITLE@@", "@@SVG@@", "@@DATA@@")


@dataclass(frozen=True)
class Lesson:
    """One lesson page: ``html`` is the whole file; Jupyter shows it inline.

    >>> from autograd import Value
    >>> page = lesson(Value(2.0, label="a") * 3)
    >>> page._repr_html_().startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
    True
    """

    html: str
    title: str

    def save(self, path) -> Path:
        """Write the page to ``path`` (folders are created); return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        # An iframe's srcdoc keeps each lesson's ids, styles and scripts to
        # itself, so two lessons in one notebook never clash.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'title="{html.escape(self.title, quote=True)}" sandbox="allow-scripts" '
            'style="width: 100%; height: 720px; border: 1px solid #ccc"></iframe>'
        )


def lesson(
    root: Value,
    *,
    title: str | None = None,
    params: Iterable[Value] | None = None,
    practice: bool = False,
    max_nodes: int = 500,
) -> Lesson:
    """The lesson page for ``root``: its graph, forward pass and backward pass, step by step.

    Builds ``explain(root)`` once and shows it: the drawing, the step
    sentences and practice all read that one explanation, and no ``.grad``
    is touched. ``params`` marks parameters (drawn green); ``practice=True`` opens the
    page in practice mode: the gradients are hidden and the page asks for
    each one as its step comes, checking the answer against the diagnoses of
    ``practice_data`` that the page embeds (a button on the page switches the
    mode on and off, whatever it was saved with). Graphs over ``max_nodes`` are refused
    with the same advice as ``render``; without Graphviz's ``dot`` this raises
    GraphvizNotInstalledError.

    >>> from autograd import Value
    >>> lesson(Value(1.0) * 2, max_nodes=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: the graph has 3 nodes, more than max_nodes=1: ...
    """
    data = lesson_data(root, title=title, params=params, practice=practice, max_nodes=max_nodes)
    svg, title = data.pop("svg"), data["title"]
    # One pass over the template: a title holding a marker stays as written.
    filling = dict(zip(_MARKERS, (html.escape(title), svg, _script_json(data))))
    page = re.sub("|".join(_MARKERS), lambda m: filling[m.group(0)], _template())
    return Lesson(page, title)


def lesson_data(
    root: Value,
    *,
    title: str | None = None,
    params: Iterable[Value] | None = None,
    practice: bool = False,
    max_nodes: int = 500,
    dot_timeout: float | None = None,
) -> dict:
    """What the lesson page shows, as JSON-ready data: the data the page embeds, and ``"svg"``.

    ``lesson()`` fills its template with this; the classroom server
    (``autograd serve``) sends it to a page that is already open, which then
    shows the new graph. ``dot_timeout`` bounds Graphviz's layout in seconds.

    >>> from autograd import Value
    >>> data = lesson_data(Value(2.0, label="a") * 3)
    >>> data["explanation"]["schema"], data["svg"].startswith("<svg")
    (2, True)
    """
    if not isinstance(root, Value):
        raise TypeError(f"lesson: expected a Value, got {type(root).__name__} {root!r}")
    check_size(len(topological_order(root)), max_nodes, "max_nodes")
    params = list(params or ())
    explanation = explain(root, params=params)
    exported = explanation.to_dict()
    data = {
        "title": title or f"Backpropagation through {_output_text(explanation)}",
        "practice_mode": practice,
        "unknown": UNKNOWN,
        "start_gradients": _start_gradients(exported),
        "explanation": exported,
        "svg": _lesson_svg(root, explanation, max_nodes, dot_timeout),
        **_practice_page(explanation, exported),
    }
    return _finite(data)


def _output_text(explanation: Explanation) -> str:
    return next(s.text() for s in explanation.forward if s.name == explanation.output)


def _template() -> str:
    text = resources.files("autograd").joinpath("lesson.html").read_text(encoding="utf-8")
    for marker in _MARKERS:
        if marker not in text:
            raise RuntimeError(f"the lesson template has lost its {marker}")
    return text


def _practice_page(explanation: Explanation, exported: dict) -> dict:
    """What practice mode needs, besides the explanation: every word and number
    the page shows or compares is written here, so its script only looks them up.

    - ``practice``: ``practice_data(explanation)``, each node to answer with its
      gradient, tolerance, slips and messages, in the order the gradients
      become complete;
    - ``practice_steps``: for each backward step, ``complete``: the nodes whose
      gradient is complete after it (the last step that sends to them; the
      page asks for those of them that ``practice`` lists), and ``lines``:
      whose gradient each of the step's lines tells (the heading, the
      upstream gradient of the step's node; each other line, what its parent
      receives). The page holds back what tells a gradient not answered yet,
      and, for a node not asked, what completes at or after the step of the
      first gradient not answered yet: an unnamed v1 after x tells dz/dx.
    - ``practice_text``: the pattern a typed answer must match (the terminal's)
      and what to say when it does not.
    """
    # Imported here: practice and the command line import the package, which imports this.
    from autograd.cli import NUMBER  # the terminal's rule for a typed number
    from autograd.practice import practice_data

    complete: list[list[str]] = [[] for _ in exported["backward"]]
    for name, k in explanation.completions().items():
        complete[k].append(name)
    steps = [
        {
            "complete": names,
            "lines": [step["node"]]
            + [edge["parent"] for edge in step["edges"] if not edge["constant"]],
        }
        for names, step in zip(complete, exported["backward"])
    ]
    return {
        "practice": practice_data(explanation),
        "practice_steps": steps,
        "practice_text": {
            "number": NUMBER.pattern,
            "not_a_number": NOT_A_NUMBER,
        },
    }


def _start_gradients(exported: dict) -> dict[str, str]:
    """What each gradient shows at step 0: the output's is 1, the rest unknown."""
    shown = {n["name"]: UNKNOWN for n in exported["nodes"] if n["kind"] != "constant"}
    shown[exported["output"]] = format_number(1.0)
    return shown


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


def _lesson_svg(
    root: Value,
    explanation: Explanation,
    max_nodes: int,
    dot_timeout: float | None = None,
) -> str:
    """Graphviz's SVG of ``draw(root, explanation=explanation)``, each node and
    edge tagged for the page's script.

    A value node's group gets ``data-node`` (its name in the explanation),
    ``tabindex``, a role and an aria-label; an operation's circle gets
    ``data-op``; an edge gets ``data-edge="node->parent#slot"`` and where it
    is in the JSON's backward steps. ``data-step`` is the step that sends
    along it. Each group is found by the ``id`` draw gave it (``svg_id``).
    """
    # Each gradient as the last step shows it: all it received, summed (5 + 10 = 15).
    final = {i: sum_so_far(edge) for i, edge in explanation.arrived().items()}
    graph = draw(root, explanation=explanation, max_nodes=max_nodes, grad_labels=final)
    names = {node.id: node.name for node in explanation.nodes}
    computed = {s.id: s.text() for s in explanation.forward}
    steps = explanation.step_of()

    # The SVG id of each group: (its title, the attributes for the page).
    tags: dict[str, tuple[str, str]] = {}
    for node in explanation.nodes:
        name, k = html.escape(node.name), steps.get(node.id)
        step = _step_attribute(k)
        label = html.escape(computed.get(node.id, node.name))
        tags[svg_id("node", node.id)] = (
            node.name,
            f'data-node="{name}" tabindex="0" role="button" aria-label="{label}"{step}',
        )
        if not node.parents:
            continue
        tags[svg_id("op", node.id)] = (node.name, f'data-op="{name}"{step}')
        tags[svg_id("out", node.id)] = (node.name, f'data-op-edge="{name}"{step}')
        for slot, parent in enumerate(node.parents):
            key = f"{node.name}->{names[parent]}#{slot}"
            attributes = f'data-edge="{html.escape(key)}"'
            backward = explanation.backward[k - 1]
            if not backward.edges[slot].constant:  # a number gets no gradient: nothing to show
                local = html.escape(local_text(backward, backward.edges[slot]))
                attributes += (
                    f' data-backward="{k - 1}" data-slot="{slot}" tabindex="0"'
                    f' aria-label="{local}"{step}'
                )
            tags[svg_id("edge", node.id, slot)] = (key, attributes)

    def tag(match: re.Match) -> str:
        element, classes, body = html.unescape(match.group(1)), match.group(2), match.group(3)
        if element not in tags:
            raise RuntimeError(f"cannot tag the lesson's SVG: draw wrote no element {element!r}")
        title, attributes = tags[element]
        if element.startswith("node-"):  # the gradient field, rewritten at each step
            body = _GRAD_TEXT.sub(r'\1 data-grad="grad "\2', body, count=1)
        elif element.startswith("edge-"):  # what flowed along the edge, shown once it has
            body = _FLOW_TEXT.sub(r'\1 class="flow"\2', body, count=1)
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
