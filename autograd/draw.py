"""Pictures of a computation graph, and of the backward pass step by step.

Each Value is a box ``{ name | data | grad }`` (the layout of the micrograd
lecture); a small circle between a result and its parents shows the
operation; the edge from each parent to that circle carries the local
derivative and, once the result has a gradient, what the parent receives
(``grad += local × upstream``). Numbers in the program (constants) get a plain
dashed edge and no gradient: nothing needs one. The gradients are the Values'
``.grad`` as they are, or those of an explanation (``explanation=``); a
drawing never changes a ``.grad``. The kinds of node differ in their corners
and borders as well as in their fill (``KINDS``, which the lesson page's legend
shows too), so that they are told apart without colour:

- an input (a leaf you made): rounded corners, blue;
- a parameter (a leaf passed in ``params=``, e.g. ``model.parameters()``):
  rounded corners, a thick border, dark green with white text;
- a constant (a plain number used in an operation): a dashed border, white;
- an intermediate result: square corners, white;
- the output (the root you drew): square corners, a thick border, orange.

The fills are at least 3:1 apart where they meet (against white, and blue
against green), as WCAG 1.4.11 asks of graphics; black text on them, and
white on the green, stay above 4.5:1. In the backward-step images the node
being processed is yellow and the edges it sends gradient along are red;
gradients not yet computed show as ``?``.

The drawing is made from the explanation's model (``autograd.explain``): its
node ids give each SVG element an ``id`` (``svg_id``) and its kinds a
``class``, by which the lesson page finds them.

In a notebook a drawing (and a Value, which shows as its drawing) is fitted to
the output: at Graphviz's size if it is at most ``NOTEBOOK_WIDTH`` pixels wide,
else shrunk to that width as long as node text stays ``SMALLEST_TEXT`` pixels
or more; a graph that is wider left to right is drawn top to bottom instead
(unless ``rankdir`` was given); one wider still keeps that text size and
scrolls. A PNG of the same drawing comes with the SVG, for where Jupyter shows
no SVG (a notebook it does not trust).

Drawing needs the ``graphviz`` Python package and Graphviz's ``dot`` program;
both are imported or run only when a picture is asked for.

A drawing's words (the backward steps' titles, "const", the errors and
install hints) are in the language of its explanation, else ``lang``, else
the context's (``autograd.i18n``); "data", "grad" and ``grad +=`` are the
Value's own names, as in micrograd, and stay. A PNG in Chinese needs a CJK
font that Graphviz finds (Debian: ``fonts-noto-cjk`` or ``fonts-wqy-microhei``);
an SVG is drawn with the browser's fonts.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import re
import subprocess
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from autograd.engine import Value
from autograd.explain import Explanation, explain
from autograd.explain.build import graph_nodes
from autograd.explain.model import Node
from autograd.explain.text import frame_title
from autograd.i18n import (
    N_,
    Phrase,
    TranslatableError,
    TranslatableModuleNotFoundError,
    TranslatableValueError,
    ptr,
    resolve_language,
)
from autograd.trace import evaluation_order, format_number, local_symbol, node_names

__all__ = [
    "MAX_USES",
    "NOTEBOOK_WIDTH",
    "SMALLEST_TEXT",
    "GraphTooBigError",
    "GraphvizError",
    "GraphvizNotInstalledError",
    "LayoutTimeoutError",
    "check_drawable",
    "draw",
    "render",
    "render_backward_steps",
    "svg_id",
    "to_svg",
]

INSTALL_PACKAGE = "pip install 'scalar-autograd[viz]'"
# In English here; an error says it in its own language (the catalogs have it).
INSTALL_DOT = N_(
    "apt-get install graphviz (Debian, Ubuntu), brew install graphviz (macOS) "
    "or conda install graphviz"
)

# Each kind of node: how Graphviz draws it, and how the lesson page's legend
# says it (in English; tr(lang, KINDS[kind]["legend"]) in another language).
# Contrast (WCAG 1.4.11): blue 3.2:1 and green 11:1 against white,
# 3.5:1 against each other; orange 3.2:1 against white.
KINDS = {
    "input": {
        "style": {"style": "rounded,filled", "fillcolor": "#4b96d2"},
        "legend": N_("input: rounded"),
    },
    "parameter": {
        "style": {
            "style": "rounded,filled",
            "fillcolor": "#114516",
            "fontcolor": "#ffffff",
            "penwidth": "3",
        },
        "legend": N_("parameter: rounded, thick border"),
    },
    "constant": {
        "style": {"style": "dashed,filled", "fillcolor": "#ffffff"},
        "legend": N_("constant: dashed border"),
    },
    "intermediate": {
        "style": {"style": "filled", "fillcolor": "#ffffff"},
        "legend": N_("intermediate: square"),
    },
    "output": {
        "style": {"style": "filled", "fillcolor": "#e4700b", "penwidth": "3"},
        "legend": N_("output: square, thick border"),
    },
}
FILL = {kind: drawn["style"]["fillcolor"] for kind, drawn in KINDS.items()}
CONSTANT_EDGE = "#767676"  # 4.5:1 against white: a dashed edge still seen
ACTIVE_FILL = "#fff176"
ACTIVE_EDGE = "#d62728"

# Graphviz's layout time grows steeply with the edges out of one node: w*w*...*w
# with 20 factors lays out in 0.2 s, 40 in 4 s, 66 in over 100 s.
MAX_USES = 20

_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
_DIGITS = 4  # significant digits in a picture: enough to read, short enough to fit

# A drawing in a notebook: the width it is fitted to, in CSS pixels (JupyterLab's
# output on a 1280-pixel laptop screen with the file browser open is 848), and
# the smallest its node text may be shrunk to (edge labels are 9/11 of it).
NOTEBOOK_WIDTH = 840
SMALLEST_TEXT = 12
_NODE_TEXT = 11 * 96 / 72  # node text at Graphviz's size (11 pt) in CSS pixels: 14.7


class GraphvizNotInstalledError(TranslatableError, RuntimeError):
    """Graphviz's ``dot`` program, which lays out and draws graphs, is not installed."""


class GraphvizError(TranslatableError, RuntimeError):
    """Graphviz's ``dot`` could not draw the graph (its own words say why)."""


class LayoutTimeoutError(TranslatableError, TimeoutError):
    """A layout took longer than the time it was given (``dot_timeout``)."""


class GraphTooBigError(TranslatableValueError):
    """A graph refused before its layout: too many nodes, or a node used too many times."""


def draw(
    root: Value,
    *,
    explanation: Explanation | None = None,
    rankdir: str | None = None,
    show_grad: bool = True,
    show_local: bool = True,
    max_nodes: int = 500,
    params: Iterable[Value] = (),
    grad_labels: dict[str, str] | None = None,
    lang: str | None = None,
):
    """The graph of ``root`` as a ``graphviz.Digraph`` (displayed inline in Jupyter).

    Without ``explanation`` it shows the Values as they are, as micrograd's
    ``draw_dot`` does: each box its ``.data`` and ``.grad``, each edge its
    local derivative and, where the node's ``.grad`` is nonzero, what the
    engine's loop sends along it from that ``.grad`` (``grad += local ×
    upstream``). So the micrograd lecture's steps by hand (``o.grad = 1.0``,
    then ``o._backward()``, ...) can be drawn one after the other. With
    ``explanation=explain(root)`` it shows that explanation's gradients, on
    the boxes and the edges, and reads the graph from it (``params`` is then
    the explanation's). ``rankdir="TB"`` draws top to bottom, ``"LR"`` left
    to right; by default left to right, and in a notebook top to bottom where
    that fits the output better (see the module's docstring).
    ``grad_labels`` replaces the gradient shown for a node, by node id (the
    lesson page writes running sums there: ``{"b": "5 + 10 = 15"}``).
    ``lang`` is the language of its words (by default the explanation's, else
    the context's): a constant's box says "const" in it.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> graph = draw(a + a)
    >>> graph.source.count("->")  # two edges from a to '+', one from '+' to the result
    3
    """
    if lang is None and explanation is not None:
        lang = explanation.lang
    lang = resolve_language(lang)
    if explanation is None:
        order = evaluation_order(root)
        check_size(len(order), max_nodes, "max_nodes")
        nodes = graph_nodes(order, root, params)
        grads = {node.id: value.grad for node, value in zip(nodes, order)}
        locals_, sent = {}, {}
        for node, value in zip(nodes, order):
            for slot, local in enumerate(value.local_derivatives() if value.parents else ()):
                locals_[node.id, slot] = local
                if value.grad != 0:  # parent.grad += local × upstream, with this .grad
                    sent[node.id, slot] = (value.grad, local * value.grad)
    else:
        check_size(len(explanation.nodes), max_nodes, "max_nodes")
        nodes = explanation.nodes
        grads = {node.id: node.gradient for node in nodes}
        locals_, sent = _edges(explanation)
    if grad_labels:
        grads.update(grad_labels)
    layout = functools.partial(
        _graph,
        nodes,
        locals_,
        grads=grads if show_grad else None,
        sent=sent if show_grad else {},
        show_local=show_local,
        lang=lang,
    )
    graph = layout(rankdir=rankdir or "LR")
    if rankdir is None:  # the notebook may show it top to bottom
        graph.turned = functools.partial(layout, rankdir="TB")
    return graph


def render(root: Value, path, *, dot_timeout: float | None = None, **draw_kwargs) -> Path:
    """Draw ``root``'s graph to ``path``: SVG, PNG or PDF by the extension; return the path.

    Without Graphviz's ``dot`` program this raises GraphvizNotInstalledError
    and writes the graph's DOT source next to ``path`` (``graph.dot``), which
    any Graphviz installation or online viewer can draw. ``dot_timeout``
    (seconds) stops a slower layout with TimeoutError. ``lang`` (one of
    ``draw``'s options) is the language of its words and errors.

    >>> from autograd import Value
    >>> render(Value(1.0), "graph.jpg")
    Traceback (most recent call last):
    autograd.i18n.TranslatableValueError: cannot draw graph.jpg: unknown extension '.jpg'; use .svg, .png or .pdf
    """  # noqa: E501
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise TranslatableValueError(
            N_("cannot draw {path}: unknown extension {extension!r}; use .svg, .png or .pdf"),
            path=str(path),
            extension=path.suffix,
        )
    _write(draw(root, **draw_kwargs), path, fmt, timeout=dot_timeout)
    return path


def render_backward_steps(
    root: Value,
    folder,
    *,
    explanation: Explanation | None = None,
    rankdir: str = "LR",
    show_local: bool = True,
    max_nodes: int = 100,
    params: Iterable[Value] = (),
    seconds_per_frame: float = 1.5,
    dot_timeout: float | None = None,
    lang: str | None = None,
) -> list[Path]:
    """One PNG per step of the backward pass, plus ``backward.gif`` when Pillow is installed.

    Step 0 shows the start (only ∂root/∂root = 1 is known); step k shows the
    k-th node the engine's backward loop processes (yellow), the edges it
    sends gradient along (red, with local × upstream) and every gradient
    filled in so far (the rest show ``?``). The steps are those of
    ``explanation`` (by default ``explain(root, params=params)``); no
    ``.grad`` is touched. Files are ``step_00.png``, ``step_01.png``, ... in
    ``folder`` (created if needed; older step images there are removed).
    Returns the paths written, the GIF last.
    ``dot_timeout`` (seconds) stops a slower layout of a frame with TimeoutError.
    The titles are in ``lang`` (by default the explanation's language).

    >>> from autograd import Value
    >>> render_backward_steps(Value(1.0) * 2, "frames", max_nodes=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    autograd.draw.GraphTooBigError: the graph has 3 nodes, more than max_nodes=1: ...
    """
    if explanation is None:
        check_size(len(evaluation_order(root)), max_nodes, "max_nodes")
        explanation = explain(root, params=params, lang=lang)
    elif lang is not None:
        explanation = explanation.in_language(lang)
    check_size(len(explanation.nodes), max_nodes, "max_nodes")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("step_*.png"):
        if re.fullmatch(r"step_\d+\.png", old.name):
            old.unlink()

    nodes = explanation.nodes
    locals_, every_flow = _edges(explanation)
    frames = []
    for k in range(len(explanation.backward) + 1):  # one frame per node the loop processes
        # What the first k steps of the backward loop know and have sent; the rest is ?.
        grads: dict[str, float | str | None] = {node.id: None for node in nodes}
        grads[nodes[-1].id] = 1.0
        grads.update((i, edge.total) for i, edge in explanation.arrived(k).items())
        sent = {
            (step.id, edge.slot): every_flow[step.id, edge.slot]
            for step in explanation.backward[:k]
            for edge in step.edges
        }
        frames.append(
            _graph(
                nodes,
                locals_,
                rankdir=rankdir,
                grads=grads,
                sent=sent,
                show_local=show_local,
                active=explanation.backward[k - 1].id if k else None,
                title=frame_title(explanation, k, _DIGITS),
                lang=explanation.lang,
            )
        )
    paths = []
    for k, graph in enumerate(frames):
        path = folder / f"step_{k:02d}.png"
        _write(graph, path, "png", timeout=dot_timeout)
        paths.append(path)
    gif = _animate(paths, folder / "backward.gif", seconds_per_frame)
    return paths + ([gif] if gif else [])


def mimebundle(value: Value, include=None, exclude=None) -> dict[str, str]:
    """What Jupyter shows for a Value: its drawing fitted to the output, and its repr as text.

    Never raises: without Graphviz (or for a graph too big to draw) only the
    text is there, and the notebook shows that.
    """
    bundle = {}
    with contextlib.suppress(Exception):  # a picture that fails must not break the cell
        bundle = _notebook_images(draw(value))
    return {**bundle, "text/plain": repr(value)}


def _notebook_images(graph) -> dict[str, str]:
    """A drawing as Jupyter shows it: SVG and PNG fitted to ``NOTEBOOK_WIDTH``.

    The drawing at Graphviz's size if it fits, else shrunk to fit as long as
    its node text stays ``SMALLEST_TEXT`` pixels or more; else the same top
    to bottom (``graph.turned``, where draw chose the direction), the same
    way; else the narrower of the two with that text size. The PNG is what
    Jupyter shows in a notebook it does not trust, which shows no SVG.
    """
    smallest = SMALLEST_TEXT / _NODE_TEXT
    layouts = [graph] + ([graph.turned()] if getattr(graph, "turned", None) else [])
    drawn = []
    for layout in layouts:  # the second is laid out only if the first does not fit
        svg = to_svg(layout)
        width, height = (float(x) for x in _SVG_SIZE.search(svg).groups())  # pt
        drawn.append((width, height, svg, layout))
        if NOTEBOOK_WIDTH / (width * 4 / 3) >= smallest:
            break
    width, height, svg, layout = min(drawn, key=lambda d: d[0])
    scale = max(smallest, min(1.0, NOTEBOOK_WIDTH / (width * 4 / 3)))
    size = f'<svg width="{width * scale:.2f}pt" height="{height * scale:.2f}pt"'
    bundle = {"image/svg+xml": _SVG_SIZE.sub(size, svg, count=1)}
    png = _png(layout, scale)
    if png is not None:
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
    return bundle


_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def _png(graph, scale: float) -> bytes | None:
    """The drawing as PNG at ``scale`` (in CSS pixels: 96 dpi is Graphviz's size),
    in 32 colours with Pillow (a drawing has few: a quarter of the bytes); None
    where dot writes no PNG (a build without cairo)."""
    image = graph.copy()
    image.attr(dpi=f"{96 * scale:.2f}")
    try:
        png = _pipe(image, "png", None)
    except RuntimeError:  # dot's own error: Format: "png" not recognized
        return None
    try:
        from PIL import Image
    except ImportError:
        return png
    with Image.open(io.BytesIO(png)) as picture:
        fewer = picture.convert("RGB").quantize(colors=32, method=Image.Quantize.FASTOCTREE)
    smaller = io.BytesIO()
    fewer.save(smaller, format="png")
    return smaller.getvalue()


# Jupyter asks an object for _repr_mimebundle_. Wiring it here, on the drawing
# side, keeps the engine free of any import of the views: importing autograd
# (which imports this module) is what makes a Value display as its graph.
Value._repr_mimebundle_ = mimebundle


@functools.cache
def _drawing_class(digraph: type) -> type:
    """graphviz.Digraph, shown in a notebook by ``_notebook_images`` (the class is
    made at the first drawing: graphviz is imported only when one is asked for)."""

    class Drawing(digraph):
        about = ""  # which graph: "z: 13 nodes"
        turned = None  # where draw chose no direction: the same drawing top to bottom

        def _repr_mimebundle_(self, include=None, exclude=None, **_):
            return {**_notebook_images(self), "text/plain": repr(self)}

        def __repr__(self) -> str:  # a notebook's text view: no address, which changes each run
            return f"<drawing of {self.about}; .source is its DOT text>"

    return Drawing


def _graphviz():
    try:
        import graphviz
    except ImportError:
        raise TranslatableModuleNotFoundError(
            N_(
                "drawing graphs needs the graphviz Python package: {install_package} (and "
                "Graphviz's dot program: {install_dot})"
            ),
            name="graphviz",
            install_package=INSTALL_PACKAGE,
            install_dot=Phrase(INSTALL_DOT),
        ) from None
    return graphviz


# The limits of a drawing, in one wording wherever a graph is refused: draw(),
# the lesson page, the command line's drawing options and the classroom server.


def check_drawable(root: Value, *, max_nodes: int, max_uses: int = MAX_USES) -> None:
    """Refuse, before any layout, a graph too big to read or too slow to lay out.

    At most ``max_nodes`` nodes, and no node used more than ``max_uses`` times
    (each use is an edge out of it; a layout with many is what takes minutes).
    The command line and the server check this before they draw; the time a
    layout may take is ``dot_timeout`` of ``render``, ``render_backward_steps`` and ``lesson``.

    >>> from autograd import Value
    >>> w = Value(2.0, label="w")
    >>> check_drawable(w * w * w, max_nodes=10, max_uses=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    autograd.draw.GraphTooBigError: w is used 3 times, more than max_uses=2: ...
    """
    order = evaluation_order(root)
    check_size(len(order), max_nodes, "max_nodes")
    uses = Counter(parent for node in order for parent in node.parents)
    busiest, count = max(uses.items(), key=lambda item: item[1], default=(None, 0))
    if count > max_uses:
        raise GraphTooBigError(
            N_(
                "{name} is used {count} times, more than max_uses={limit}: Graphviz's layout "
                "time grows steeply with the edges out of one node; draw a smaller piece of "
                "it, or use {name} in fewer operations (a power such as w**3 for w*w*w)"
            ),
            name=node_names(evaluation_order(root))[busiest],
            count=count,
            limit=max_uses,
        )


def check_size(size: int, limit: int, name: str) -> None:
    """Refuse a graph of ``size`` nodes if that is more than ``limit`` (the argument ``name``)."""
    if size > limit:
        raise GraphTooBigError(
            N_(
                "the graph has {size} nodes, more than {name}={limit}: a picture that big is "
                "unreadable and slow to lay out; draw a smaller piece of it (one neuron, or "
                "the loss of a single example)"
            ),
            size=size,
            name=name,
            limit=limit,
        )


def _edges(explanation: Explanation) -> tuple[dict, dict]:
    """Each edge's local derivative, and what flowed along it (upstream,
    contribution), by (node id, parent slot), from the explanation's steps."""
    locals_, sent = {}, {}
    for step in explanation.backward:
        for edge in step.edges:
            locals_[step.id, edge.slot] = edge.local
            sent[step.id, edge.slot] = (edge.upstream, edge.contribution)
    return locals_, sent


def svg_id(part: str, node_id: str, slot: int | None = None) -> str:
    """The ``id`` of a drawn element in the SVG, from the model's node id.

    ``part`` is "node" (the value's box), "op" (its operation's circle),
    "out" (the edge from the circle to the box) or "edge" (from the parent
    in ``slot`` to the circle). Characters other than letters and digits are
    written as _hex_, so that every id is different and plain.

    >>> svg_id("node", "b"), svg_id("edge", "x#2", 1)
    ('node-b', 'edge-x_23_2-1')
    """
    plain = re.sub(r"[^A-Za-z0-9]", lambda m: f"_{ord(m.group(0)):x}_", node_id)
    return f"{part}-{plain}" + ("" if slot is None else f"-{slot}")


def _graph(
    nodes: tuple[Node, ...],
    locals_: dict[tuple[str, int], float],
    *,
    rankdir: str,
    grads: dict[str, float | str | None] | None,
    sent: dict[tuple[str, int], tuple[float, float]],
    show_local: bool,
    active: str | None = None,
    title: str = "",
    lang: str | None = None,
):
    """The Digraph of the model's nodes, the output last.

    Each node's DOT name is its position (n0, n1, ...), so that the same graph
    always gives the same source; each element's SVG ``id`` comes from the
    node's id (``svg_id``) and its ``class`` says what it is (the node's kind,
    "op", "constant" for a dashed edge): the lesson page finds them by those.
    """
    graphviz = _graphviz()
    dot = {node.id: f"n{i}" for i, node in enumerate(nodes)}
    names = {node.id: node.name for node in nodes}
    kinds = {node.id: node.kind for node in nodes}
    graph = _drawing_class(graphviz.Digraph)("autograd")
    graph.about = f"{nodes[-1].name}: {len(nodes)} nodes"
    graph.attr(rankdir=rankdir, fontname="Helvetica", fontsize="14")
    if title:
        graph.attr(label=_escape(title), labelloc="t")
    graph.attr("node", fontname="Helvetica", fontsize="11")
    graph.attr("edge", fontname="Helvetica", fontsize="9", fontcolor="#555555")

    const = ptr(lang, "the name in a constant's box of a drawing", "const")
    for node in nodes:
        fields = [_record_escape(const if node.kind == "constant" else node.name)]
        fields.append(f"data {format_number(node.value, _DIGITS)}")
        if grads is not None and node.kind != "constant":  # a number needs no gradient
            grad = grads[node.id]
            if not isinstance(grad, str):
                grad = "?" if grad is None else format_number(grad, _DIGITS)
            fields.append("grad " + _record_escape(grad))
        style = {"shape": "record", **KINDS[node.kind]["style"]}
        if node.id == active:  # black text on the yellow, whatever the kind's
            style.update(fillcolor=ACTIVE_FILL, color=ACTIVE_EDGE, fontcolor="#000000")
            style["penwidth"] = "3"
        # A record's fields run across the rank direction; braces turn them, so
        # that the box reads left to right both in LR and in TB layouts.
        record = " | ".join(fields)
        if rankdir in ("LR", "RL"):
            record = "{ " + record + " }"
        graph.node(
            dot[node.id], record, id=svg_id("node", node.id), **{"class": node.kind}, **style
        )
        if not node.parents:
            continue

        op = dot[node.id] + "_op"
        op_style = {"shape": "circle", "fontsize": "10", "width": "0.3", "margin": "0.02"}
        out_style = {}
        if node.id == active:
            op_style.update(color=ACTIVE_EDGE, penwidth="2")
            out_style = {"color": ACTIVE_EDGE, "penwidth": "2"}
        graph.node(
            op, _escape(node.symbol), id=svg_id("op", node.id), **{"class": "op"}, **op_style
        )
        # A heavy edge keeps the circle beside its result: where a long edge
        # cannot be avoided, it is one into the circle, not out of it.
        graph.edge(op, dot[node.id], id=svg_id("out", node.id), weight="4", **out_style)
        for slot, parent in enumerate(node.parents):
            edge_id = svg_id("edge", node.id, slot)
            if kinds[parent] == "constant":  # no gradient flows to a number: a plain dashed edge
                graph.edge(
                    dot[parent],
                    op,
                    id=edge_id,
                    color=CONSTANT_EDGE,
                    style="dashed",
                    **{"class": "constant"},
                )
                continue
            local = locals_[node.id, slot]
            lines = []
            if show_local:
                lines.append(f"{local_symbol(node.name, names[parent])} = {_number(local)}")
            if (node.id, slot) in sent:  # the engine's loop: parent.grad += local × upstream
                upstream, contribution = sent[node.id, slot]
                lines.append(
                    f"grad += {_factor(local)}×{_factor(upstream)} = {_number(contribution)}"
                )
            edge_style = {}
            if node.id == active:
                edge_style = {"color": ACTIVE_EDGE, "penwidth": "2", "fontcolor": ACTIVE_EDGE}
            label = "\\n".join(_escape(line) for line in lines)
            graph.edge(dot[parent], op, id=edge_id, label=label, **edge_style)
    return graph


def to_svg(graph, timeout: float | None = None) -> str:
    """The drawing as SVG text; GraphvizNotInstalledError (with the install hint) without dot.

    ``timeout`` (seconds) stops a layout that takes longer with TimeoutError:
    the classroom server must answer every request in bounded time.
    """
    try:
        return _pipe(graph, "svg", timeout).decode("utf-8")
    except FileNotFoundError:
        raise GraphvizNotInstalledError(
            N_(
                "cannot draw the graph as SVG: Graphviz's dot program is not installed "
                "(install it with {install_dot})"
            ),
            install_dot=Phrase(INSTALL_DOT),
        ) from None


def _pipe(graph, fmt: str, timeout: float | None) -> bytes:
    """The image's bytes from Graphviz's dot, as ``graph.pipe(format=fmt)`` would make
    them, but stopped after ``timeout`` seconds (pipe() has no timeout);
    FileNotFoundError without dot."""
    try:
        done = subprocess.run(
            ["dot", "-Kdot", f"-T{fmt}"],
            input=graph.source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        raise LayoutTimeoutError(
            N_(
                "the graph took more than {seconds} s to lay out (Graphviz's dot); draw a "
                "smaller piece of it"
            ),
            seconds=f"{timeout:g}",
        ) from None
    except subprocess.CalledProcessError as error:
        said = error.stderr.decode("utf-8", "replace").strip() or Phrase(
            N_("exit status {status}"), status=error.returncode
        )
        raise GraphvizError(
            N_("Graphviz's dot could not draw the graph: {reason}"), reason=said
        ) from None
    return done.stdout


def _number(x: float) -> str:
    return format_number(x, _DIGITS)


def _factor(x: float) -> str:
    """A number inside a product: a negative one in brackets, 2×(-3)."""
    return f"({_number(x)})" if x < 0 else _number(x)


def _escape(text: str) -> str:
    """Text for a quoted DOT string: a backslash would start an escape like \\n."""
    return text.replace("\\", "\\\\")


def _record_escape(text: str) -> str:
    """Text for one field of a record node, where { } | < > and spaces have meanings."""
    return re.sub(r'([\\{}|<>"])', r"\\\1", text)


def _write(graph, path: Path, fmt: str, timeout: float | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "png":  # the default 96 dpi looks small and blurred on a projector
        graph.attr(dpi="110")
    try:
        image = _pipe(graph, fmt, timeout)
    except FileNotFoundError:
        source = path.with_suffix(".dot")
        source.write_text(graph.source, encoding="utf-8")
        raise GraphvizNotInstalledError(
            N_(
                "cannot draw {path}: Graphviz's dot program is not installed (install it with "
                "{install_dot}); the graph's DOT source is in {source}"
            ),
            path=str(path),
            install_dot=Phrase(INSTALL_DOT),
            source=str(source),
        ) from None
    path.write_bytes(image)


def _animate(frames: list[Path], path: Path, seconds_per_frame: float) -> Path | None:
    """The frames as an animated GIF, or None without Pillow."""
    try:
        from PIL import Image
    except ImportError:
        return None
    images = [Image.open(frame).convert("RGB") for frame in frames]
    # Frames differ a little in size (? becomes a number): pad all to the largest.
    width = max(image.width for image in images)
    height = max(image.height for image in images)
    padded = []
    for image in images:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
        padded.append(canvas)
        image.close()
    first, *rest = padded
    first.save(
        path, save_all=True, append_images=rest, duration=int(seconds_per_frame * 1000), loop=0
    )
    return path
