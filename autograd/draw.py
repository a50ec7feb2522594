"""Pictures of a computation graph, and of the backward pass step by step.

Each Value is a box ``{ name | data | grad }`` (the layout of the micrograd
lecture); a small circle between a result and its parents shows the
operation; the edge from each parent to that circle carries the local
derivative and, once backward has run, what the parent receives
(``grad += local × upstream``). Numbers in the program (constants) get a plain
dashed edge and no gradient: nothing needs one. Fill colours tell the kinds of node apart:

- light blue: an input (a leaf you made);
- light green: a parameter (a leaf passed in ``params=``, e.g. ``model.parameters()``);
- light grey: a constant (a plain number used in an operation);
- white: an intermediate result;
- orange, with a thick border: the output (the root you drew).

In the backward-step images the node being processed is yellow and the edges
it sends gradient along are red; gradients not yet computed show as ``?``.

Drawing needs the ``graphviz`` Python package and Graphviz's ``dot`` program;
both are imported or run only when a picture is asked for.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from autograd.engine import Value, topological_order
from autograd.explain import forward_formula
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

__all__ = [
    "GraphvizNotInstalledError",
    "dot_ids",
    "draw",
    "render",
    "render_backward_steps",
    "to_svg",
]

INSTALL_PACKAGE = "pip install 'scalar-autograd[viz]'"
INSTALL_DOT = (
    "apt-get install graphviz (Debian, Ubuntu), brew install graphviz (macOS) "
    "or conda install graphviz"
)

FILL = {
    "input": "#c6dbef",
    "parameter": "#c7e9c0",
    "constant": "#eeeeee",
    "intermediate": "#ffffff",
    "output": "#fdd0a2",
}
ACTIVE_FILL = "#fff176"
ACTIVE_EDGE = "#d62728"

_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
_DIGITS = 4  # significant digits in a picture: enough to read, short enough to fit


class GraphvizNotInstalledError(RuntimeError):
    """Graphviz's ``dot`` program, which lays out and draws graphs, is not installed."""


def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local: bool = True,
    max_nodes: int = 500,
    params: Iterable[Value] = (),
    grad_labels: dict[str, str] | None = None,
):
    """The graph of ``root`` as a ``graphviz.Digraph`` (displayed inline in Jupyter).

    ``rankdir="TB"`` draws top to bottom. Contributions (local × upstream) are
    shown once backward has run, i.e. when some gradient is nonzero.
    ``grad_labels`` replaces the gradient shown for a node, by name (the lesson
    page writes running sums there: ``{"b": "5 + 10 = 15"}``).

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> graph = draw(a + a)
    >>> graph.source.count("->")  # two edges from a to '+', one from '+' to the result
    3
    """
    order = topological_order(root)
    check_size(len(order), max_nodes, "max_nodes")
    ran = show_grad and any(node.grad != 0 for node in order)
    sent = _edges_of_backward(root) if ran else {}
    names = node_names(evaluation_order(root))
    labels = grad_labels or {}
    grads = {node: labels.get(names[node], node.grad) for node in order} if show_grad else None
    return _graph(
        root,
        order,
        names=names,
        rankdir=rankdir,
        grads=grads,
        sent=sent,
        show_local=show_local,
        params=params,
    )


def render(root: Value, path, **draw_kwargs) -> Path:
    """Draw ``root``'s graph to ``path``: SVG, PNG or PDF by the extension; return the path.

    Without Graphviz's ``dot`` program this raises GraphvizNotInstalledError
    and writes the graph's DOT source next to ``path`` (``graph.dot``), which
    any Graphviz installation or online viewer can draw.

    >>> from autograd import Value
    >>> render(Value(1.0), "graph.jpg")
    Traceback (most recent call last):
    ValueError: cannot draw graph.jpg: unknown extension '.jpg'; use .svg, .png or .pdf
    """
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"cannot draw {path}: unknown extension {path.suffix!r}; use .svg, .png or .pdf"
        )
    _write(draw(root, **draw_kwargs), path, fmt)
    return path


def render_backward_steps(
    root: Value,
    folder,
    *,
    rankdir: str = "LR",
    show_local: bool = True,
    max_nodes: int = 100,
    params: Iterable[Value] = (),
    seconds_per_frame: float = 1.5,
) -> list[Path]:
    """One PNG per step of the backward pass, plus ``backward.gif`` when Pillow is installed.

    Step 0 shows the start (only ∂root/∂root = 1 is known); step k shows the
    k-th node the engine's backward loop processes (yellow), the edges it
    sends gradient along (red, with local × upstream) and every gradient
    filled in so far (the rest show ``?``). Files are ``step_00.png``,
    ``step_01.png``, ... in ``folder`` (created if needed; older step images
    there are removed). Returns the paths written, the GIF last.

    >>> from autograd import Value
    >>> render_backward_steps(Value(1.0) * 2, "frames", max_nodes=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: the graph has 3 nodes, more than max_nodes=1: ...
    """
    order = topological_order(root)
    check_size(len(order), max_nodes, "max_nodes")
    folder = Path(folder)
    _, steps = backward_trace(root)  # the engine's backward loop: one frame per node
    names = node_names(evaluation_order(root))

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("step_*.png"):
        if re.fullmatch(r"step_\d+\.png", old.name):
            old.unlink()
    known: dict[Value, float | None] = {node: None for node in order}
    known[root] = 1.0
    sent: dict[tuple[Value, int], tuple[float, float, float]] = {}
    count = len(steps)
    top = gradient_symbol(names[root], names[root])
    title = f"Backward pass, step 0 of {count}: start with {top} = 1; every other gradient is ?"
    style = {"rankdir": rankdir, "show_local": show_local, "params": params, "names": names}
    frames = [_graph(root, order, grads=dict(known), sent=dict(sent), title=title, **style)]
    for k, (node, edges) in enumerate(steps, start=1):
        for edge in edges:
            sent[node, edge.slot] = (edge.local, edge.upstream, edge.contribution)
            known[edge.parent] = edge.total
        formula = forward_formula(node, names).text()
        upstream = format_number(edges[0].upstream, _DIGITS)
        title = (
            f"Step {k} of {count}: {names[node]} = {formula} sends its gradient "
            f"{gradient_symbol(names[root], names[node])} = {upstream} to its inputs "
            "(each receives local × upstream)"
        )
        frames.append(
            _graph(
                root, order, grads=dict(known), sent=dict(sent), active=node, title=title, **style
            )
        )
    paths = []
    for k, graph in enumerate(frames):
        path = folder / f"step_{k:02d}.png"
        _write(graph, path, "png")
        paths.append(path)
    gif = _animate(paths, folder / "backward.gif", seconds_per_frame)
    return paths + ([gif] if gif else [])


def mimebundle(value: Value, include=None, exclude=None) -> dict[str, str]:
    """What Jupyter shows for a Value: its graph as SVG, and its repr as text.

    Never raises: without Graphviz (or for a graph too big to draw) only the
    text is there, and the notebook shows that.
    """
    bundle = {"text/plain": repr(value)}
    with contextlib.suppress(Exception):  # a picture that fails must not break the cell
        bundle["image/svg+xml"] = draw(value).pipe(format="svg", encoding="utf-8")
    return bundle


# Jupyter asks an object for _repr_mimebundle_. Wiring it here, on the drawing
# side, keeps the engine free of any import of the views: importing autograd
# (which imports this module) is what makes a Value display as its graph.
Value._repr_mimebundle_ = mimebundle


def _graphviz():
    try:
        import graphviz
    except ImportError:
        raise ModuleNotFoundError(
            f"drawing graphs needs the graphviz Python package: {INSTALL_PACKAGE} "
            f"(and Graphviz's dot program: {INSTALL_DOT})",
            name="graphviz",
        ) from None
    return graphviz


def check_size(size: int, limit: int, name: str) -> None:
    if size > limit:
        raise ValueError(
            f"the graph has {size} nodes, more than {name}={limit}: a picture that big is "
            "unreadable and slow to lay out. Draw a smaller piece (one neuron, or the loss "
            f"of a single example), or pass {name}={size} to draw it anyway"
        )


def _edges_of_backward(root: Value) -> dict[tuple[Value, int], tuple[float, float, float]]:
    """(node, parent slot) -> (local, upstream, contribution), from the engine's loop."""
    _, steps = backward_trace(root)
    return {
        (node, edge.slot): (edge.local, edge.upstream, edge.contribution)
        for node, edges in steps
        for edge in edges
    }


def _graph(
    root: Value,
    order: list[Value],
    *,
    names: dict[Value, str],
    rankdir: str,
    grads: dict[Value, float | str | None] | None,
    sent: dict[tuple[Value, int], tuple[float, float, float]],
    show_local: bool,
    params: Iterable[Value],
    active: Value | None = None,
    title: str = "",
):
    """The Digraph: node ids from topological position, so the source is reproducible."""
    graphviz = _graphviz()
    parameters = set(params)
    ids = dot_ids(order)
    graph = graphviz.Digraph("autograd")
    graph.attr(rankdir=rankdir, fontname="Helvetica", fontsize="14")
    if title:
        graph.attr(label=_escape(title), labelloc="t")
    graph.attr("node", fontname="Helvetica", fontsize="11")
    graph.attr("edge", fontname="Helvetica", fontsize="9", fontcolor="#555555")

    for node in order:
        kind = node_kind(node, root, parameters)
        fields = [_record_escape("const" if kind == "constant" else names[node])]
        fields.append(f"data {format_number(node.data, _DIGITS)}")
        if grads is not None and kind != "constant":  # a number needs no gradient
            grad = grads[node]
            if not isinstance(grad, str):
                grad = "?" if grad is None else format_number(grad, _DIGITS)
            fields.append("grad " + _record_escape(grad))
        style = {"shape": "record", "style": "filled", "fillcolor": FILL[kind]}
        if kind == "output":
            style["penwidth"] = "2"
        if node is active:
            style.update(fillcolor=ACTIVE_FILL, color=ACTIVE_EDGE, penwidth="2")
        # A record's fields run across the rank direction; braces turn them, so
        # that the box reads left to right both in LR and in TB layouts.
        record = " | ".join(fields)
        if rankdir in ("LR", "RL"):
            record = "{ " + record + " }"
        graph.node(ids[node], record, **style)
        if not node.parents:
            continue

        op_id = ids[node] + "_op"
        op_style = {"shape": "circle", "fontsize": "10", "width": "0.3", "margin": "0.02"}
        if node is active:
            op_style.update(color=ACTIVE_EDGE, penwidth="2")
        graph.node(op_id, _escape(notation(node).symbol), **op_style)
        out_style = {"color": ACTIVE_EDGE, "penwidth": "2"} if node is active else {}
        graph.edge(op_id, ids[node], **out_style)
        for slot, (parent, local) in enumerate(zip(node.parents, node.local_derivatives())):
            if parent.op == "const":  # no gradient flows to a number: a plain dashed edge
                graph.edge(ids[parent], op_id, color="#aaaaaa", style="dashed")
                continue
            lines = []
            if show_local:
                lines.append(f"{local_symbol(names[node], names[parent])} = {_number(local)}")
            if (node, slot) in sent:  # what the engine's loop does: parent.grad += local × upstream
                _, upstream, contribution = sent[node, slot]
                lines.append(
                    f"grad += {_factor(local)}×{_factor(upstream)} = {_number(contribution)}"
                )
            edge_style = {}
            if node is active:
                edge_style = {"color": ACTIVE_EDGE, "penwidth": "2", "fontcolor": ACTIVE_EDGE}
            label = "\\n".join(_escape(line) for line in lines)
            graph.edge(ids[parent], op_id, label=label, **edge_style)
    return graph


def dot_ids(order: list[Value]) -> dict[Value, str]:
    """Each node's id in the DOT source (and in the SVG's ``<title>``): its position.

    Positions, not ``id()``, so the same graph always gives the same source;
    an operation's circle is the id with ``_op`` added.

    >>> from autograd import Value
    >>> a = Value(1.0)
    >>> list(dot_ids(topological_order(a + 1)).values())
    ['n0', 'n1', 'n2']
    """
    return {node: f"n{i}" for i, node in enumerate(order)}


def to_svg(graph, timeout: float | None = None) -> str:
    """The drawing as SVG text; GraphvizNotInstalledError (with the install hint) without dot.

    ``timeout`` (seconds) stops a layout that takes longer with TimeoutError:
    the classroom server must answer every request in bounded time.
    """
    graphviz = _graphviz()
    try:
        if timeout is None:
            return graph.pipe(format="svg", encoding="utf-8")
        # graphviz's pipe() has no timeout: run dot as it would, with one.
        done = subprocess.run(
            ["dot", "-Kdot", "-Tsvg"],
            input=graph.source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=True,
        )
        return done.stdout.decode("utf-8")
    except subprocess.TimeoutExpired:
        raise TimeoutError(
            f"Graphviz's dot took more than {timeout:g} s to lay out the graph"
        ) from None
    except (graphviz.ExecutableNotFound, FileNotFoundError):
        raise GraphvizNotInstalledError(
            f"cannot draw the graph as SVG: Graphviz's dot program is not installed "
            f"(install it with {INSTALL_DOT})"
        ) from None


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


def _write(graph, path: Path, fmt: str) -> None:
    graphviz = _graphviz()
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "png":  # the default 96 dpi looks small and blurred on a projector
        graph.attr(dpi="110")
    try:
        image = graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        source = path.with_suffix(".dot")
        source.write_text(graph.source, encoding="utf-8")
        raise GraphvizNotInstalledError(
            f"cannot draw {path}: Graphviz's dot program is not installed (install it with "
            f"{INSTALL_DOT}); the graph's DOT source is in {source}"
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
