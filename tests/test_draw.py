"""Graph pictures: the DOT source exactly, and real renders with Graphviz's dot."""

import base64
import importlib
import io
import os
import re
import shutil
import sys

import pytest
from worked import named, worked_example

from autograd import Value, explain
from autograd.draw import (
    FILL,
    NOTEBOOK_WIDTH,
    SMALLEST_TEXT,
    GraphvizNotInstalledError,
    draw,
    mimebundle,
    render,
    render_backward_steps,
    to_svg,
)

graphviz = pytest.importorskip("graphviz")
image = pytest.importorskip("PIL.Image")  # the PNG beside the SVG is made with Pillow
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed"
)


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH on which there is no dot program."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))


def test_a_plus_a_before_and_after_backward():
    a = Value(3.0, label="a")
    y = named(a + a, "y")
    header = (
        "digraph autograd {\n"
        "\tfontname=Helvetica fontsize=14 rankdir=LR\n"
        "\tnode [fontname=Helvetica fontsize=11]\n"
        '\tedge [fontcolor="#555555" fontname=Helvetica fontsize=9]\n'
    )
    op = (
        '\tn1_op [label="+" class=op fontsize=10 id="op-y" margin=0.02 shape=circle width=0.3]\n'
        '\tn1_op -> n1 [id="out-y" weight=4]\n'
    )

    def boxes(a_grad, y_grad):
        return (
            f'\tn0 [label="{{ a | data 3 | grad {a_grad} }}" class=input fillcolor="#4b96d2" '
            'id="node-a" shape=record style="rounded,filled"]\n'
            f'\tn1 [label="{{ y | data 6 | grad {y_grad} }}" class=output fillcolor="#e4700b" '
            'id="node-y" penwidth=3 shape=record style=filled]\n'
        )

    assert draw(y).source == header + boxes(0, 0) + op + (
        '\tn0 -> n1_op [label="∂y/∂a = 1" id="edge-y-0"]\n'
        '\tn0 -> n1_op [label="∂y/∂a = 1" id="edge-y-1"]\n'
        "}\n"
    )
    y.backward()
    after = (
        header
        + boxes(2, 1)
        + op
        + (
            '\tn0 -> n1_op [label="∂y/∂a = 1\\ngrad += 1×1 = 1" id="edge-y-0"]\n'
            '\tn0 -> n1_op [label="∂y/∂a = 1\\ngrad += 1×1 = 1" id="edge-y-1"]\n'
            "}\n"
        )
    )
    assert draw(y).source == after
    # The explanation's own gradients: the same picture, whatever .grad holds.
    y.zero_grad()
    assert draw(y, explanation=explain(y)).source == after
    assert (a.grad, y.grad) == (0.0, 0.0)


def test_drawn_as_they_are_step_by_step_as_in_micrograds_lecture():
    # o = tanh(n), n = x·w + b: o.grad = 1, then _backward() node by node, drawn each time.
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    b = Value(6.8813735870195432, label="b")
    xw = named(x * w, "xw")
    n = named(xw + b, "n")
    o = named(n.tanh(), "o")
    assert "grad +=" not in draw(o).source
    o.grad = 1.0
    source = draw(o).source
    assert '[label="∂o/∂n = 0.5\\ngrad += 0.5×1 = 0.5" id="edge-o-0"]' in source
    assert "{ n | data 0.8814 | grad 0 }" in source and source.count("grad +=") == 1
    o._backward()
    source = draw(o).source
    assert "{ n | data 0.8814 | grad 0.5 }" in source
    assert '[label="∂n/∂b = 1\\ngrad += 1×0.5 = 0.5" id="edge-n-1"]' in source
    assert "{ b | data 6.881 | grad 0 }" in source  # b's own .grad: n._backward() not run yet
    n._backward()
    xw._backward()
    source = draw(o).source
    assert "{ x | data 2 | grad -1.5 }" in source and "{ w | data -3 | grad 1 }" in source


def test_the_explanation_is_drawn_without_touching_grad():
    z, w, b = worked_example()
    w.grad = 100.0  # whatever .grad holds, the picture shows the explanation's
    explained = draw(z, explanation=explain(z)).source
    assert "{ w | data 3 | grad 10 }" in explained and "{ b | data 4 | grad 15 }" in explained
    assert '[label="∂v1/∂w = 2\\ngrad += 2×5 = 10" id="edge-v1-1"]' in explained
    assert (w.grad, b.grad, z.grad) == (100.0, 0.0, 0.0)
    assert "{ w | data 3 | grad 100 }" in draw(z).source  # as it is
    fresh, _, _ = worked_example()
    fresh.backward()
    assert draw(fresh).source == explained  # the same picture as after backward()


def test_the_same_graph_gives_the_same_source():
    first, _, _ = worked_example()
    second, _, _ = worked_example()
    first.backward()
    second.backward()
    assert draw(first).source == draw(second).source


def test_worked_example_records_edges_and_colours():
    z, _, _ = worked_example()
    z.backward()
    source = draw(z).source
    assert '[label="{ z | data 50 | grad 1 }" class=output fillcolor="#e4700b"' in source
    assert '[label="{ b | data 4 | grad 15 }" class=input fillcolor="#4b96d2"' in source
    assert '[label="{ v1 | data 6 | grad 5 }" class=intermediate fillcolor="#ffffff"' in source
    assert '[label="{ const | data 2 }" class=constant fillcolor="#ffffff"' in source  # no grad
    assert '[label="∂z/∂x = 5\\ngrad += 5×1 = 10"' not in source
    assert '[label="∂z/∂x = 5\\ngrad += 5×1 = 5" id="edge-z-0"]' in source
    assert '[label="∂z/∂y = 10\\ngrad += 10×1 = 10" id="edge-z-1"]' in source
    assert '[label="∂v1/∂w = 2\\ngrad += 2×5 = 10" id="edge-v1-1"]' in source
    # The constants 2 and 1: a dashed edge each.
    assert source.count('[class=constant color="#767676" id="edge-') == 2
    assert source.count("->") == 4 + 8  # op -> result for 4 operations, 8 parent edges


def test_options():
    z, w, _ = worked_example()
    z.backward()
    plain = draw(z, show_grad=False, show_local=False, rankdir="TB", params=[w]).source
    assert "rankdir=TB" in plain
    assert "| grad" not in plain and "grad +=" not in plain
    assert "∂" not in plain
    assert f'[label="w | data 3" class=parameter fillcolor="{FILL["parameter"]}"' in plain


def test_small_numbers_are_not_rounded_away():
    t = Value(1e-4, label="t")
    s = named(t * t * t, "s")
    s.backward()
    assert '[label="{ t | data 0.0001 | grad 3e-08 }"' in draw(s).source


def test_fused_linear_op():
    from autograd import linear

    w = [Value(0.5, label="w1"), Value(-1.0, label="w2")]
    n = named(linear(w, [2.0, 1.0], 0.25), "n")
    source = draw(n).source
    assert '[label="Σwx+b"' in source
    assert '[label="∂n/∂w1 = 2" id="edge-n-0"]' in source
    assert '[label="∂n/∂w2 = 1" id="edge-n-1"]' in source


def test_too_many_nodes():
    x = Value(1.0)
    for _ in range(300):
        x = x + 1
    with pytest.raises(ValueError, match=r"the graph has 601 nodes, more than max_nodes=500"):
        draw(x)
    assert draw(x, max_nodes=601).source.count("shape=record") == 601


def test_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match=r"unknown extension '\.gif'; use \.svg, \.png or \.pdf"):
        render(Value(1.0), tmp_path / "graph.gif")


def test_without_the_graphviz_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'scalar-autograd\[viz\]'"):
        draw(Value(1.0))


def test_without_dot_the_source_is_written_anyway(no_dot, tmp_path):
    z, _, _ = worked_example()
    with pytest.raises(GraphvizNotInstalledError) as raised:
        render(z, tmp_path / "out" / "graph.svg")
    message = str(raised.value)
    for advice in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
        assert advice in message
    assert isinstance(raised.value, RuntimeError)
    dot_file = tmp_path / "out" / "graph.dot"
    assert str(dot_file) in message
    assert dot_file.read_text(encoding="utf-8") == draw(z).source
    assert not (tmp_path / "out" / "graph.svg").exists()


def test_jupyter_shows_text_without_dot(no_dot):
    value = Value(2.0, label="a")
    assert mimebundle(value) == {"text/plain": "Value(data=2.0, grad=0.0, label='a')"}
    assert value._repr_mimebundle_() == mimebundle(value)


def test_jupyter_shows_text_for_a_huge_graph():
    x = Value(1.0)
    for _ in range(600):
        x = x * 1.0
    assert list(mimebundle(x)) == ["text/plain"]


@needs_dot
def test_jupyter_shows_the_graph():
    bundle = Value(2.0, label="a")._repr_mimebundle_()
    assert bundle["text/plain"] == "Value(data=2.0, grad=0.0, label='a')"
    assert "<svg" in bundle["image/svg+xml"]
    # The PNG is for a notebook Jupyter does not trust, where it shows no SVG.
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")


def shown(bundle):
    """What Jupyter shows: the SVG's width in CSS px, its node text's size in px,
    whether it is drawn top to bottom, and the PNG's width in px."""
    svg = bundle["image/svg+xml"]
    width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    view_width = float(re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) ', svg).group(1))
    scale = width_pt / view_width  # the fit; Graphviz's own size is 1
    png = image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    return round(width_pt * 4 / 3), round(11 * scale * 4 / 3, 1), top_to_bottom(svg), png.width


def top_to_bottom(svg):
    """Whether the output's box is below every other box (TB), not right of them (LR)."""
    bottoms = {}  # the lowest corner of each box (y grows downwards), output or not
    for kind, shape in re.findall(
        r'<g id="node&#45;[^"]*" class="node ([a-z]*)">(.*?)</g>', svg, re.S
    ):
        y = max(y for _, y in corners(shape))
        bottoms.setdefault(kind == "output", []).append(y)
    return min(bottoms[True]) > max(bottoms[False])


def corners(shape):
    """The (x, y) points of a drawn shape's polygons and paths."""
    outlines = " ".join(re.findall(r' (?:points|d)="([^"]*)"', shape))
    return [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", outlines)]


def lecture_neuron():
    """The micrograd lecture's neuron: o = tanh(x1·w1 + x2·w2 + b), after backward()."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = named(x1 * w1 + x2 * w2 + b, "n")
    o = named(n.tanh(), "o")
    o.backward()
    return o


@needs_dot
def test_jupyter_fits_the_drawing_to_the_output():
    # A small graph: left to right, at Graphviz's size (node text 14.7 px).
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    width, text, down, png = shown(named(a * b, "c")._repr_mimebundle_())
    assert (text, down, png) == (14.7, False, width) and width <= NOTEBOOK_WIDTH
    # The worked example is 1,477 px wide left to right, 1,227 px even at 12 px
    # text: top to bottom it is 659 px wide, at Graphviz's size.
    z, _, _ = worked_example()
    z.backward()
    width, text, down, png = shown(z._repr_mimebundle_())
    assert (text, down, png) == (14.7, True, width) and 600 < width <= NOTEBOOK_WIDTH
    assert shown(draw(z)._repr_mimebundle_()) == (width, text, down, png)
    # The lecture neuron: 2,123 px left to right, 843 px top to bottom, shrunk to fit.
    width, text, down, png = shown(lecture_neuron()._repr_mimebundle_())
    assert (down, width, png) == (True, NOTEBOOK_WIDTH, width) and 14.5 < text < 14.7


@needs_dot
def test_jupyter_keeps_the_direction_asked_for():
    # Left to right as asked: at the smallest text it is still wider than the
    # output, which scrolls.
    z, _, _ = worked_example()
    z.backward()
    width, text, down, _ = shown(draw(z, rankdir="LR")._repr_mimebundle_())
    assert (text, down) == (SMALLEST_TEXT, False) and width > NOTEBOOK_WIDTH


@needs_dot
def test_jupyter_without_png_from_dot(monkeypatch, tmp_path):
    # A Graphviz built without PNG: the SVG alone.
    fake = tmp_path / "dot"
    fake.write_text(
        '#!/bin/sh\ncase "$*" in *-Tpng*) echo "Format: png not recognized" >&2; exit 1;; esac\n'
        f'exec {shutil.which("dot")} "$@"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    bundle = Value(2.0, label="a")._repr_mimebundle_()
    assert sorted(bundle) == ["image/svg+xml", "text/plain"]


def test_a_drawing_says_what_it_draws_without_an_address():
    z, _, _ = worked_example()
    assert repr(draw(z)) == "<drawing of z: 8 nodes; .source is its DOT text>"


@needs_dot
def test_render_svg_png_pdf(tmp_path):
    z, _, _ = worked_example()
    z.backward()
    svg = render(z, tmp_path / "graph.svg")
    assert svg == tmp_path / "graph.svg"
    text = svg.read_text(encoding="utf-8")
    assert ">grad 15<" in text and ">∂z/∂y = 10<" in text
    assert render(z, tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert render(z, str(tmp_path / "graph.pdf")).read_bytes().startswith(b"%PDF")


@needs_dot
def test_the_svg_elements_carry_ids_and_classes_from_the_model():
    z, _, _ = worked_example()
    svg = to_svg(draw(z, explanation=explain(z)))
    for element in (
        '<g id="node&#45;b" class="node input">',
        '<g id="node&#45;z" class="node output">',
        '<g id="node&#45;2" class="node constant">',
        '<g id="op&#45;z" class="node op">',
        '<g id="out&#45;z" class="edge">',
        '<g id="edge&#45;y&#45;0" class="edge">',  # y = b + 1: from b
        '<g id="edge&#45;y&#45;1" class="edge constant">',  # from the constant 1
    ):
        assert element in svg


@needs_dot
def test_labels_with_record_characters_render(tmp_path):
    a = Value(1.0, label='a<b|{c}"')
    b = Value(2.0, label="back\\slash")
    y = named(a * b, "y")
    y.backward()
    svg = render(y, tmp_path / "graph.svg").read_text(encoding="utf-8")
    assert ">a&lt;b|{c}&quot;<" in svg
    assert ">back\\slash<" in svg
    assert ">∂y/∂a&lt;b|{c}&quot; = 2<" in svg


def backward_step_sources(monkeypatch):
    """The DOT source of each backward-step image, without running dot."""
    # The module, not the function autograd.draw that the package exports.
    draw_module = importlib.import_module("autograd.draw")
    sources = []

    def keep(graph, path, fmt, timeout=None):
        sources.append(graph.source)
        path.write_bytes(b"")

    monkeypatch.setattr(draw_module, "_write", keep)
    monkeypatch.setattr(draw_module, "_animate", lambda frames, path, seconds: None)
    return sources


def test_backward_steps_fill_in_the_gradients(monkeypatch, tmp_path):
    z, w, b = worked_example()
    sources = backward_step_sources(monkeypatch)
    paths = render_backward_steps(z, tmp_path)
    assert [p.name for p in paths] == [f"step_0{k}.png" for k in range(5)]
    start, first, *_, last = sources
    assert "start with dz/dz = 1; every other gradient is ?" in start
    assert "{ z | data 50 | grad 1 }" in start
    assert "{ x | data 10 | grad ? }" in start
    assert "grad +=" not in start
    assert "Step 1 of 4: z = x·y sends its gradient dz/dz = 1 to its inputs" in first
    assert "{ x | data 10 | grad 5 }" in first and "{ b | data 4 | grad ? }" in first
    # In red: z and its op node (border), the op's edge, two parent edges (line and label).
    assert first.count("#d62728") == 7
    assert '[label="∂z/∂x = 5\\ngrad += 5×1 = 5" color="#d62728"' in first
    assert "{ w | data 3 | grad 10 }" in last and "{ b | data 4 | grad 15 }" in last
    assert "Step 4 of 4: y = b + 1 sends its gradient dz/dy = 10" in last
    assert (z.grad, w.grad, b.grad) == (0.0, 0.0, 0.0)  # the frames are the trace's, not .grad
    # Given the explanation, the same frames, from it alone.
    frames = len(sources)
    render_backward_steps(z, tmp_path, explanation=explain(z))
    assert sources[frames:] == sources[:frames]


def test_backward_steps_remove_older_frames(monkeypatch, tmp_path):
    (tmp_path / "step_07.png").write_bytes(b"old")
    (tmp_path / "notes.png").write_bytes(b"mine")
    backward_step_sources(monkeypatch)
    render_backward_steps(named(Value(2.0, label="a") * 3, "y"), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.png", "step_00.png", "step_01.png"]


def test_backward_steps_refuse_big_graphs(tmp_path):
    x = Value(1.0)
    for _ in range(60):
        x = x * 2
    with pytest.raises(ValueError, match="the graph has 121 nodes, more than max_nodes=100"):
        render_backward_steps(x, tmp_path / "frames")
    assert not (tmp_path / "frames").exists()


@needs_dot
def test_backward_steps_as_images_and_gif(tmp_path):
    pil = pytest.importorskip("PIL.Image")
    z, _, _ = worked_example()
    paths = render_backward_steps(z, tmp_path / "frames")
    assert [p.name for p in paths] == [f"step_0{k}.png" for k in range(5)] + ["backward.gif"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths[:-1])
    with pil.open(paths[-1]) as gif:
        assert gif.n_frames == 5
        assert gif.info["loop"] == 0
