"""What a drawing costs in a notebook: the PNG beside the SVG, and the fit.

A report, not a test (machines are noisy). For the worked example, the
micrograd lecture's neuron and a 2-3-1 network, after ``backward()``, it
times, side by side in one run, with medians of ``--repeat`` runs:

- before: graphviz's own display of ``draw(z)`` (one layout, SVG only), what a
  notebook showed before the fit;
- SVG fitted: the same layout(s) the fit makes (a second, top to bottom, where
  left to right is too wide), SVG only;
- SVG + PNG fitted: what a notebook shows now (``draw(z)._repr_mimebundle_()``):
  the same, and the layout shown written again as PNG at the size shown, put in
  32 colours with Pillow;

and the bytes each adds to the notebook file (the PNG as base64, as Jupyter
stores it; beside it the PNG as dot writes it). Run it with::

    .venv/bin/python benchmarks/notebook_images.py            # 7 repetitions
    .venv/bin/python benchmarks/notebook_images.py --repeat 15
"""

from __future__ import annotations

import argparse
import base64
import importlib
import os
import re
import statistics
import time
from unittest import mock

import graphviz

from autograd import Value, draw
from autograd.nn import MLP

drawing = importlib.import_module("autograd.draw")  # the module; autograd.draw is the function


def worked_example() -> Value:
    w, b = Value(3.0, label="w"), Value(4.0, label="b")
    x = 2 * w + b
    x.label = "x"
    y = b + 1
    y.label = "y"
    z = x * y
    z.label = "z"
    return z


def lecture_neuron() -> Value:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def network() -> Value:
    model = MLP(2, [3, 1])
    out = model([Value(1.0, label="x1"), Value(-2.0, label="x2")])
    out.label = "out"
    return out


def median_ms(work, *args, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def no_png(graph, scale):
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    print(f"load average at start: {os.getloadavg()}")
    print(
        "| graph | shown | before ms | SVG fitted ms | SVG + PNG ms | now ÷ before | PNG share "
        "| SVG bytes | PNG base64 bytes | PNG from dot, base64 |"
    )
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for name, make in [
        ("worked example", worked_example),
        ("lecture neuron", lecture_neuron),
        ("2-3-1 network", network),
    ]:
        root = make()
        root.backward()
        graph = draw(root)
        before = median_ms(graphviz.Digraph._repr_mimebundle_, graph, repeat=args.repeat)
        with mock.patch.object(drawing, "_png", no_png):
            fitted = median_ms(graph._repr_mimebundle_, repeat=args.repeat)
        both = median_ms(graph._repr_mimebundle_, repeat=args.repeat)
        bundle = graph._repr_mimebundle_()
        as_drawn = view_box(bundle["image/svg+xml"]) == view_box(drawing.to_svg(graph))
        shown = "left to right" if as_drawn else "top to bottom"
        raw = len(drawing._pipe(graph, "png", None))  # at Graphviz's size, in full colour
        print(
            f"| {name} | {shown} | {before:.0f} | {fitted:.0f} | {both:.0f} | {both / before:.1f}× "
            f"| {(both - fitted) / both:.0%} | {len(bundle['image/svg+xml']):,} "
            f"| {len(bundle['image/png']):,} | {len(base64.b64encode(b'x' * raw)):,} |"
        )
    print(f"load average at end: {os.getloadavg()}")


def view_box(svg: str) -> str:
    """The drawing's own size (the fit changes only its width and height)."""
    return re.search(r'viewBox="([^"]*)"', svg).group(1)


if __name__ == "__main__":
    main()
