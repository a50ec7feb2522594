"""The compiled training step (compile_graph) against plain Python, micrograd and the engine.

Run it with ``.venv/bin/python benchmarks/compile.py`` (about a minute; needs micrograd:
``make bench`` installs it), ``--quick`` for a smoke run, ``--repeat N`` for the repetitions.

Workloads, from ``workloads.py`` (the same as ``bench.py``'s):

1. micrograd's moons training step, ``MLP(2, [16, 16, 1])`` on 100 points, hinge loss + L2,
   SGD. Four engines take a full step (forward, backward, update) from the same weights:
   the graph compiled once with ``compile_graph(loss, model.parameters())`` (the points are
   baked in as constants), then ``zero grads; g.step(); SGD`` each step; the hand-written
   plain-Python step (the floor of ``bench.py``); micrograd; and the engine's own step, which
   builds the graph every time.
2. the random DAG of 10⁵ operations, every op (``bench.py``'s dag-all): compile time, and one
   call of the compiled function against the engine (build + backward) and plain Python.

Method as in ``bench.py``: one process, engines interleaved in rotating order, a block of two
runs of which the second is timed, ``gc.collect()`` between blocks, the collector on, medians.
Before any time is reported, each engine's loss and parameter gradients after its first step
(and the DAG's output and gradients) must match plain Python's to 1e-9 relative. The time to
compile (build the graph once, generate the code, ``compile()``) is reported as wall time and
as this process's CPU time (the machine may be shared).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import engines  # noqa: E402
import workloads  # noqa: E402
from engines import PhaseTimer  # noqa: E402

from autograd import Value, compile_graph  # noqa: E402
from autograd.nn import MLP  # noqa: E402

RELATIVE_TOLERANCE = 1e-9


class CompiledTraining:
    """micrograd's demo step with the loss compiled once: zero grads, g.step(), SGD."""

    def __init__(self, layers: list[dict], X, Y):
        self.layers = layers
        self.model = MLP(2, [16, 16, 1], seed=0)
        self.model.load_state_dict(layers)
        self.parameters = self.model.parameters()
        wall, cpu = time.perf_counter(), time.process_time()
        scores = [self.model([Value(a), Value(b)]) for a, b in X]
        loss = engines._our_loss(scores, Y, self.parameters)
        built = time.perf_counter()
        self.graph = compile_graph(loss, self.parameters)
        self.compile_seconds = {
            "build the graph once": built - wall,
            "compile (generate + compile())": time.perf_counter() - built,
            "total, wall": time.perf_counter() - wall,
            "total, CPU": time.process_time() - cpu,
        }
        self.lines = self.graph.source.count("\n")
        self.characters = len(self.graph.source)

    def reset(self):
        """Back to the initial weights: every block starts where the other engines' do."""
        self.model.load_state_dict(self.layers)
        return self

    def step(self, X, Y, timer: PhaseTimer, check: bool = False):
        parameters = self.parameters
        timer.start()
        for p in parameters:
            p.grad = 0.0
        loss = self.graph.step()
        timer.lap("forward+backward")
        result = (loss, [p.grad for p in parameters]) if check else None
        timer.skip()
        for p in parameters:
            p.data -= workloads.LEARNING_RATE * p.grad
        timer.lap("update")
        return result


def check(name: str, expected: list[float], got: list[float]) -> float:
    floor = 1e-3 * RELATIVE_TOLERANCE * max(abs(x) for x in expected)
    worst = 0.0
    for i, (e, g) in enumerate(zip(expected, got, strict=True)):
        size = max(abs(e), abs(g))
        if not abs(e - g) <= RELATIVE_TOLERANCE * size + floor:
            raise SystemExit(f"RESULTS DIFFER: {name} #{i}: {g!r}, plain Python {e!r}; no timings")
        worst = max(worst, abs(e - g) / size if size else 0.0)
    return worst


def training(repeats: int, log) -> dict:
    X, Y = workloads.two_moons()
    layers = workloads.initial_weights()
    compiled = CompiledTraining(layers, X, Y)
    log(f"compiled: {compiled.lines:,} lines, {compiled.characters / 1e6:.1f} MB of source")
    makers = {
        "compiled": compiled.reset,
        "plain": lambda: engines.PlainTraining(workloads.PlainMLP(layers)),
        "micrograd": lambda: engines.Micrograd().training(layers),
        "ours": lambda: engines.Ours().training(layers),
    }
    samples = {key: [] for key in makers}
    worst = 0.0
    for repetition in range(repeats):
        keys = list(makers)
        keys = keys[repetition % 4 :] + keys[: repetition % 4]
        for key in keys:
            runner = makers[key]()
            results = []
            for run in range(2):
                timer = PhaseTimer()
                results.append(runner.step(X, Y, timer, check=run == 0))
                if run == 1:
                    samples[key].append(sum(timer.seconds.values()))
            if repetition == 0:
                result = results[0]
                samples.setdefault("_results", {})[key] = (result[0], list(result[1]))
            del runner, results
            gc.collect()
        if repetition == 0:  # every engine's first step against plain Python's
            reference = samples["_results"]["plain"]
            for key, (loss, grads) in samples.pop("_results").items():
                worst = max(worst, check(f"{key}: loss", [reference[0]], [loss]))
                worst = max(worst, check(f"{key}: parameter gradient", reference[1], grads))
        log(f"  [{repetition + 1}/{repeats}] training step")
    medians = {key: statistics.median(times) for key, times in samples.items()}
    return {
        "median_seconds": medians,
        "compile_seconds": compiled.compile_seconds,
        "lines": compiled.lines,
        "characters": compiled.characters,
        "worst_relative_difference": worst,
    }


def dag(n_ops: int, repeats: int, log) -> dict:
    plan = workloads.dag_plan(workloads.ALL_OPS, n_ops)
    leaves = [Value(x) for x in plan.inputs]
    nodes = list(leaves)
    for op, a, b in plan.steps:
        nodes.append(engines.SCALAR_OPS[op](nodes[a], nodes[b]))
    wall, cpu = time.perf_counter(), time.process_time()
    graph = compile_graph(nodes[-1], leaves)
    compile_wall, compile_cpu = time.perf_counter() - wall, time.process_time() - cpu
    del nodes, leaves
    ours = engines.Ours()
    runs = {
        "compiled": lambda timer: _timed_call(graph, plan.inputs, timer),
        "ours": lambda timer: ours.dag(plan, timer),
        "plain": lambda timer: workloads.plain_dag(plan, timer),
    }
    samples = {key: [] for key in runs}
    results = {}
    for repetition in range(repeats):
        for key, run in runs.items():
            for attempt in range(2):
                timer = PhaseTimer()
                result = run(timer)
                if attempt == 1:
                    samples[key].append(sum(timer.seconds.values()))
            results[key] = result
            gc.collect()
        log(f"  [{repetition + 1}/{repeats}] DAG")
    worst = 0.0
    for key in ("compiled", "ours"):
        worst = max(worst, check(f"DAG {key}: output", [results["plain"][0]], [results[key][0]]))
        worst = max(worst, check(f"DAG {key}: gradient", results["plain"][1], results[key][1]))
    return {
        "ops": plan.n_ops,
        "compile_wall": compile_wall,
        "compile_cpu": compile_cpu,
        "characters": len(graph.source),
        "median_seconds": {key: statistics.median(t) for key, t in samples.items()},
        "worst_relative_difference": worst,
    }


def _timed_call(graph, values, timer):
    timer.start()
    output, grads = graph(*values)
    timer.lap("call")
    return output, grads


def report(train: dict, graph: dict, repeats: int) -> str:
    t = train["median_seconds"]
    c = train["compile_seconds"]
    saved = t["ours"] - t["compiled"]
    rows = [
        "| engine | ms per step | ÷ plain Python | micrograd ÷ this |",
        "|---|--:|--:|--:|",
    ]
    titles = {
        "compiled": "compiled (`compile_graph`, then `g.step()`)",
        "plain": "plain Python, by hand (the floor)",
        "micrograd": "micrograd 0.1.0",
        "ours": "the engine, graph built every step",
    }
    for key, title in titles.items():
        rows.append(
            f"| {title} | {t[key] * 1e3:.2f} | {t[key] / t['plain']:.2f}× | "
            f"{t['micrograd'] / t[key]:.0f}× |"
        )
    compile_lines = [
        f"- compile once: {c['total, wall']:.2f} s wall ({c['total, CPU']:.2f} s CPU): building "
        f"the graph {c['build the graph once']:.2f} s, generating and compiling "
        f"{train['lines']:,} lines ({train['characters'] / 1e6:.1f} MB) "
        f"{c['compile (generate + compile())']:.2f} s",
        f"- it pays for itself after {c['total, wall'] / saved:.0f} steps against the engine's "
        "own step"
        if saved > 0
        else "- it does not pay for itself",
        f"- results checked: every engine matches plain Python to "
        f"{train['worst_relative_difference']:.1e} relative or better (tolerance 1e-09)",
    ]
    g = graph["median_seconds"]
    dag_rows = [
        "| | seconds |",
        "|---|--:|",
        f"| compile (generate + `compile()`), wall | {graph['compile_wall']:.2f} |",
        f"| compile, CPU | {graph['compile_cpu']:.2f} |",
        f"| one call of the compiled function (forward + backward) | {g['compiled']:.3f} |",
        f"| the engine: build the graph + backward | {g['ours']:.3f} |",
        f"| plain Python by hand | {g['plain']:.3f} |",
    ]
    return "\n".join(
        [
            f"### Compiled training step (medians of {repeats})",
            "",
            *rows,
            "",
            *compile_lines,
            "",
            f"### Compiled random DAG of {graph['ops']:,} ops, every op "
            f"({graph['characters'] / 1e6:.1f} MB of source)",
            "",
            *dag_rows,
            "",
            f"- results checked to {graph['worst_relative_difference']:.1e} relative or better",
        ]
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repetitions, a 30,000-op DAG")
    parser.add_argument("--repeat", type=int, metavar="N", help="repetitions (default 9)")
    args = parser.parse_args(argv)
    repeats = args.repeat or (3 if args.quick else 9)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    load = [round(x, 2) for x in os.getloadavg()]
    log(f"load average at start: {load}")
    train = training(repeats, log)
    graph = dag(30_000 if args.quick else 100_000, max(3, repeats // 3), log)
    print(report(train, graph, repeats))
    print()
    end = [round(x, 2) for x in os.getloadavg()]
    print(f"- CPython {sys.version.split()[0]}; load average at start {load}, at end {end}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
