"""Depth, memory and profile: the measurements besides the timed workloads.

Depth: chains of 10³, 10⁴, 10⁵ and 10⁶ ops (the chain workload's x ← relu(x·c + d)) are built
and backpropagated at the default recursion limit. An engine stops at its first failure, and
its exact limit is then found by bisection; a level is not tried when, extrapolated from the
last one, it would take over a minute.

Memory: for each engine, the chain and the add/mul/relu DAG are built in a fresh subprocess,
after a small warm-up and after the leaves are made. Bytes per node = growth / number of op
nodes, measured twice: with tracemalloc (what Python's allocators hand out: it misses PyTorch's
C++ tensors and autograd nodes), and as the growth of the resident set size (RSS: what the
process really holds, coarser, including allocator slack). Constants an engine creates for
plain-number operands count in the bytes, not in the nodes. For the DAG we also record the
traced peak during backward (graph + gradients + the backward pass's own bookkeeping).

Profile (``--profile``): our training step, phase by phase with the GC time inside each phase,
then cProfile's top functions.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tracemalloc
from pathlib import Path

import engines
import workloads
from engines import PhaseTimer

DEPTHS = (10**3, 10**4, 10**5, 10**6)
LEVEL_BUDGET_SECONDS = 60.0


# ---------------------------------------------------------------------------
# Depth.
# ---------------------------------------------------------------------------


def chain_backpropagates(engine, constants, n_ops: int):
    """The chain's PhaseTimer if a chain of n_ops ops backpropagates, None on RecursionError."""
    timer = PhaseTimer()
    try:
        engine.chain(constants, n_ops, timer, allow_deep=False)
    except RecursionError:
        return None
    finally:
        gc.collect()
    return timer


def depth_test(engine_list, settings, log) -> dict:
    constants = workloads.chain_constants(max(DEPTHS))
    result = {"recursion_limit": sys.getrecursionlimit(), "engines": {}}
    for engine in engine_list:
        if engine.key == "plain":
            continue
        max_depth = settings.max_depth.get(engine.key, settings.default_max_depth)
        levels, deepest, last_seconds, first_failure = {}, 0, 0.0, None
        for n in DEPTHS:
            if first_failure:
                break
            if n > max_depth:
                levels[n] = {"status": "not tried (--quick)"}
                continue
            if last_seconds * n / max(deepest, 1) > LEVEL_BUDGET_SECONDS:
                levels[n] = {"status": f"not tried (> {LEVEL_BUDGET_SECONDS:.0f} s)"}
                continue
            timer = chain_backpropagates(engine, constants, n)
            if timer is None:
                levels[n] = {"status": "RecursionError"}
                first_failure = n
                continue
            deepest, last_seconds = n, sum(timer.seconds.values())
            levels[n] = {"status": "ok", "seconds": dict(timer.seconds)}
            log(f"  depth {engine.key:9} {n:>9,} ops: ok in {last_seconds:.2f} s")
        if first_failure:  # bisect between the last success and the first failure
            low, high = deepest, first_failure
            while high - low > 1:
                middle = (low + high) // 2
                if chain_backpropagates(engine, constants, middle):
                    low = middle
                else:
                    high = middle
            deepest = low
            log(f"  depth {engine.key:9} RecursionError from {high:,} ops")
        result["engines"][engine.key] = {
            "levels": {str(n): level for n, level in levels.items()},
            "deepest_ok": deepest,
            "exact_limit": bool(first_failure),
        }
    return result


# ---------------------------------------------------------------------------
# Memory.
# ---------------------------------------------------------------------------


def resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the peak is the best we have
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def memory_probe(engine_key: str, graph: str, n_ops: int) -> dict:
    """Bytes per op node of one engine's chain or DAG (run in a fresh process)."""
    (engine,), _ = engines.load_engines([engine_key])
    if graph == "chain":
        constants = workloads.chain_constants(n_ops)

        def make_leaves():
            return engine.leaf(workloads.CHAIN_START)

        def build(x0, n=n_ops):
            return workloads.build_chain(x0, constants, n)

    else:
        plan = workloads.dag_plan(workloads.BASIC_OPS, n_ops)

        def make_leaves():
            return [engine.leaf(x) for x in plan.inputs]

        def build(leaves, n=n_ops):
            nodes = list(leaves)
            for op, a, b in plan.steps[:n]:
                nodes.append(engines.SCALAR_OPS[op](nodes[a], nodes[b]))
            return nodes[-1]  # every node is on a path to the output: it keeps them all alive

    warm_up = build(make_leaves(), 500)  # one-time allocations: caches, first calls
    engine.backward(warm_up, depth=500)
    del warm_up
    gc.collect()

    leaves = make_leaves()
    gc.collect()
    rss_before = resident_bytes()
    output = build(leaves)
    rss_growth = resident_bytes() - rss_before
    del output, leaves
    gc.collect()

    tracemalloc.start()
    leaves = make_leaves()
    gc.collect()
    traced_before = tracemalloc.get_traced_memory()[0]
    output = build(leaves)
    traced_growth = tracemalloc.get_traced_memory()[0] - traced_before
    backward_peak = None
    if graph == "dag":  # (not the chain: micrograd's deep recursion crawls under tracemalloc)
        tracemalloc.reset_peak()
        engine.backward(output, depth=plan.depth)
        backward_peak = (tracemalloc.get_traced_memory()[1] - traced_before) / n_ops
    tracemalloc.stop()
    return {
        "nodes": n_ops,
        "tracemalloc_bytes_per_node": traced_growth / n_ops,
        "rss_bytes_per_node": rss_growth / n_ops,
        "backward_peak_bytes_per_node": backward_peak,
    }


def memory_test(settings, engine_keys, log) -> dict:
    result = {}
    bench = Path(__file__).resolve().parent / "bench.py"
    for engine_key in engine_keys:
        if engine_key not in settings.memory_engines:
            continue
        result[engine_key] = {}
        for graph in ("chain", "dag"):
            command = [sys.executable, str(bench), "--memory-probe", engine_key, graph]
            done = subprocess.run(
                [*command, str(settings.graph_ops)], capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise SystemExit(f"memory probe {engine_key} {graph} failed:\n{done.stderr}")
            probe = result[engine_key][graph] = json.loads(done.stdout)
            log(
                f"  memory {engine_key:9} {graph:5}: "
                f"{probe['tracemalloc_bytes_per_node']:,.0f} B/node (tracemalloc), "
                f"{probe['rss_bytes_per_node']:,.0f} B/node (RSS)"
            )
    return result


# ---------------------------------------------------------------------------
# Profile of our training step.
# ---------------------------------------------------------------------------


def profile_graphs(n_ops: int = 100_000, runs: int = 3) -> str:
    """Markdown: our chain and DAG phase by phase, in ns per op (medians of ``runs``)."""
    from autograd import topological_order

    ours = engines.Ours()
    constants = workloads.chain_constants(n_ops)
    plan = workloads.dag_plan(workloads.BASIC_OPS, n_ops)

    def chain():
        return workloads.build_chain(ours.leaf(workloads.CHAIN_START), constants, n_ops)

    def dag():
        nodes = [ours.leaf(x) for x in plan.inputs]
        for op, a, b in plan.steps:
            nodes.append(engines.SCALAR_OPS[op](nodes[a], nodes[b]))
        return nodes[-1]

    gc.collect()
    gc.freeze()
    lines = [
        f"Our {n_ops:,}-op graphs, ns per op, median of {runs} (GC on):",
        "",
        "| graph | build | GC inside build | topological sort | backward (sorts too) | freeing |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for name, build in (("chain", chain), ("dag", dag)):
        timers = []
        for _ in range(runs):
            timer = PhaseTimer()
            timer.start()
            output = build()
            timer.lap("build")
            topological_order(output)
            timer.lap("sort")
            output.backward()
            timer.lap("backward")
            del output
            timer.lap("free")
            timers.append(timer)
            gc.collect()
        cells = [
            statistics.median(t.seconds["build"] for t in timers),
            statistics.median(t.gc_seconds["build"] for t in timers),
            *(
                statistics.median(t.seconds[p] for t in timers)
                for p in ("sort", "backward", "free")
            ),
        ]
        lines.append(f"| {name} | " + " | ".join(f"{x / n_ops * 1e9:,.0f}" for x in cells) + " |")
    return "\n".join(lines)


def profile_training(training, steps: int = 7) -> str:
    """Markdown: our training step phase by phase (GC time included), then cProfile."""
    import cProfile
    import io
    import pstats

    from autograd import topological_order

    ours = engines.Ours()
    model = ours.training(training.layers)
    model.step(training.X, training.Y, PhaseTimer())  # warm-up
    gc.collect()
    gc.freeze()  # as in the benchmark: the collector sees what the steps allocate
    phases = ("forward", "topological sort", "backward", "update", "teardown")
    runs = []
    for _ in range(steps):
        timer = PhaseTimer()
        timer.start()
        inputs = [[ours.leaf(a), ours.leaf(b)] for a, b in training.X]
        scores = [model.model(x) for x in inputs]
        loss = model.loss(scores, training.Y, model.parameters)
        timer.lap("forward")
        topological_order(loss)  # once on its own, to see its share of backward()
        timer.lap("topological sort")
        model.zero_grad()
        loss.backward()
        timer.lap("backward")
        model.update()
        timer.lap("update")
        del loss, scores, inputs
        timer.lap("teardown")
        runs.append(timer)
    seconds = {p: statistics.median(t.seconds[p] for t in runs) for p in phases}
    gc_seconds = {p: statistics.median(t.gc_seconds[p] for t in runs) for p in phases}
    step = sum(seconds.values()) - seconds["topological sort"]  # backward() sorts by itself
    step_gc = sum(gc_seconds.values()) - gc_seconds["topological sort"]
    lines = [
        f"Our training step, median of {steps}, GC on: {step * 1e3:.1f} ms = "
        f"{step / training.n_ops * 1e9:.0f} ns per op of micrograd's formulation "
        f"({training.n_ops:,} ops); {step_gc / step:.0%} of it in the garbage collector.",
        "",
        "| phase | ms | share of the step | GC inside |",
        "|---|--:|--:|--:|",
    ]
    for p in phases:
        label = "(topological sort: part of backward)" if p == "topological sort" else p
        share = seconds[p] / step
        gc_inside = gc_seconds[p] / seconds[p] if seconds[p] else 0.0
        lines.append(f"| {label} | {seconds[p] * 1e3:.2f} | {share:.0%} | {gc_inside:.0%} |")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        model.step(training.X, training.Y, PhaseTimer())
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats("tottime").print_stats(15)
    text = stream.getvalue().strip()
    text = text[text.index("ncalls") :] if "ncalls" in text else text
    lines += ["", "cProfile, 3 steps, the 15 functions with the most own time:", "", "```"]
    lines += [text, "```"]
    return "\n".join(lines)
