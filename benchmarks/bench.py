"""Speed and memory of this engine against micrograd, PyTorch 0-d tensors and plain Python.

Run it with ``make bench`` (installs micrograd first), or directly::

    .venv/bin/python benchmarks/bench.py            # the full run, 3 to 4 minutes
    .venv/bin/python benchmarks/bench.py --quick    # a smoke run, about 30 s
    .venv/bin/python benchmarks/bench.py --profile  # where our training step spends its time

``--repeat N`` sets the repetitions, ``--only chain,training,...`` and ``--engines ours,torch``
run a part, ``--json PATH`` moves the JSON output.

Methodology
-----------
Engines: ours (``autograd.Value``, ``autograd.nn.MLP``), micrograd (``micrograd.engine.Value``,
``micrograd.nn.MLP``), PyTorch 0-d float64 tensors with ``requires_grad`` (skipped with a note
when torch does not import), and plain Python floats with a hand-written forward and backward
pass: the floor.

Workloads, all seeded and generated in pure Python, identical for every engine:

1. chain: 100,000 chained ops, x ← relu(x·c + d) over and over (mul, add, relu; c and d are
   plain floats, as users write them).
2. dag: a 100,000-op random DAG with fan-out over 1,000 leaves; ops add, mul, relu.
3. dag-all: the same with every op: add sub mul div neg relu exp log tanh sigmoid x**2 x**3
   x**0.5 x**-1. micrograd lacks most of them and does not run it.
4. training: one full-batch step of micrograd's demo: MLP(2, [16, 16, 1]) on 100 two-moons
   points, SVM hinge loss averaged + 1e-4·Σp², zero grads, backward, SGD. Every engine's model
   is loaded with the same initial weights.

An "op" is one scalar operation as the workload writes it, the same count for every engine. For
the training step that is the multiplies, adds and relus of micrograd's formulation (65,077),
although our fused ``linear`` node does a whole neuron in one node.

Timing: one process. In every repetition each workload runs on each engine in turn; the engine
order rotates from one repetition to the next. A turn is a block of two runs: the first warms up
(and, in the first repetition, is checked), the second is timed. So the timed run pays for
collecting the garbage of the run before it, as in a training loop, and no engine pays for
another's: ``gc.collect()`` runs between blocks, untimed. The cyclic garbage collector stays on,
as users run it (its time is measured with ``gc.callbacks``), but after setup ``gc.freeze()``
takes the objects that exist then (imported modules, PyTorch's, the workloads' plans) out of its
sight, so each engine's GC time comes from its own objects. Phases are timed with
``time.perf_counter``: forward (building the graph), backward, and for the training step the SGD
update; "total" adds freeing the graph. Numbers are medians over the repetitions; ratios are
ratios of medians.

Correctness: before any time is reported, every engine's output value and the gradients of all
leaves (inputs and parameters) must match plain Python's to 1e-9 relative (with an absolute floor
of 1e-12 times the largest gradient, for sums that cancel to almost nothing). Otherwise the run
stops at the first mismatch.

Memory and depth: see ``probes.py``. Results: Markdown tables on stdout, the same data and every
sample in ``benchmarks/results/latest.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This folder's helper modules, and this working tree's autograd (not an installed copy).
sys.path[:0] = [str(HERE), str(HERE.parent)]

import engines  # noqa: E402
import probes  # noqa: E402
import report  # noqa: E402
import workloads  # noqa: E402
from engines import PhaseTimer  # noqa: E402

ENGINE_ORDER = ("ours", "micrograd", "torch", "plain")
PARTS = ("chain", "dag", "dag-all", "training", "depth", "memory")
RELATIVE_TOLERANCE = 1e-9
RUNS_PER_BLOCK = 2  # a warm-up run, then the timed run


@dataclass
class Settings:
    repeats: int = 5
    graph_ops: int = 100_000  # the chain's and the DAGs' size
    # The depth test tries 10³ … 10⁶ ops; engines not listed stop at default_max_depth.
    max_depth: dict = field(default_factory=lambda: {"ours": 10**6})
    default_max_depth: int = 10**6
    memory_engines: tuple = ("ours", "micrograd", "torch")
    quick: bool = False


FULL = Settings()
QUICK = Settings(
    repeats=1, graph_ops=30_000, default_max_depth=10**4, memory_engines=("ours",), quick=True
)


class ResultsDiffer(SystemExit):
    """Engines disagree: nothing is reported."""


# ---------------------------------------------------------------------------
# Workloads: a block of runs of one workload on one engine.
# ---------------------------------------------------------------------------


@dataclass
class Workload:
    key: str
    title: str
    n_ops: int
    note: str  # what the ops are
    needs: tuple = ()  # the ops an engine must have

    def supports(self, engine) -> bool:
        return set(self.needs) <= set(engine.ops)

    def prepare(self, engine):
        """Per-block state (the training step's model), made before the runs, untimed."""
        return None

    def run(self, engine, state, timer: PhaseTimer, check: bool):
        raise NotImplementedError

    def block(self, engine, runs: int, check: bool = False):
        """``runs`` consecutive runs: their timers, and the first run's result."""
        state = self.prepare(engine)
        timers, first = [], None
        for i in range(runs):
            timer = PhaseTimer()
            result = self.run(engine, state, timer, check and i == 0)
            timers.append(timer)
            if i == 0:
                first = result
        return timers, first


class Chain(Workload):
    def __init__(self, n_ops: int):
        super().__init__("chain", f"chain of {n_ops:,} ops", n_ops, "x ← relu(x·c + d)")
        self.constants = workloads.chain_constants(n_ops)

    def run(self, engine, state, timer, check):
        return engine.chain(self.constants, self.n_ops, timer)


class Dag(Workload):
    def __init__(self, key: str, ops: tuple, n_ops: int):
        self.plan = workloads.dag_plan(ops, n_ops)
        mix = ", ".join(
            f"{op} {n / self.plan.n_ops:.0%}" for op, n in self.plan.op_counts().items()
        )
        which = "add/mul/relu" if key == "dag" else "every op"
        note = f"depth {self.plan.depth}, {len(self.plan.inputs):,} leaves; op mix: {mix}"
        super().__init__(key, f"random DAG, {which}, {n_ops:,} ops", n_ops, note, ops)

    def run(self, engine, state, timer, check):
        return engine.dag(self.plan, timer)


class Training(Workload):
    def __init__(self):
        n_ops = workloads.training_step_op_count()
        title = "training step: MLP(2, [16, 16, 1]), 100 points, hinge + L2, SGD"
        super().__init__("training", title, n_ops, "micrograd's mul, add, relu")
        self.X, self.Y = workloads.two_moons()
        self.layers = workloads.initial_weights()

    def prepare(self, engine):
        return engine.training(self.layers)  # a fresh model, loaded with the same weights

    def run(self, engine, model, timer, check):
        return model.step(self.X, self.Y, timer, check=check)


def count_micrograd_ops(training: Training, micrograd) -> int:
    """The op nodes micrograd builds for one training step (confirms the op count)."""
    model = micrograd.training(training.layers)
    inputs = [[micrograd.leaf(a), micrograd.leaf(b)] for a, b in training.X]
    loss = model.loss([model.model(x) for x in inputs], training.Y, model.parameters)
    seen, stack, ops = {id(loss)}, [loss], 0
    while stack:
        node = stack.pop()
        ops += bool(node._op)  # leaves (inputs, parameters, constants) have no op
        for parent in node._prev:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return ops


# ---------------------------------------------------------------------------
# The correctness check.
# ---------------------------------------------------------------------------


def compare(workload: Workload, engine, reference, candidate) -> float:
    """Raise ResultsDiffer unless ``candidate`` matches plain Python's ``reference``;
    return the largest relative difference seen."""
    if workload.key == "training":
        names = ("loss", "parameter gradient", "input gradient")
        groups = zip(names, ([reference[0]], *reference[1:]), ([candidate[0]], *candidate[1:]))
    else:
        names = ("output", "leaf gradient")
        groups = zip(names, ([reference[0]], reference[1]), ([candidate[0]], candidate[1]))
    worst = 0.0
    for what, expected, got in groups:
        if len(expected) != len(got):
            raise ResultsDiffer(
                f"RESULTS DIFFER on {workload.title}: {engine.title} gives {len(got)} "
                f"{what}s, plain Python {len(expected)}. No timings are reported."
            )
        floor = 1e-3 * RELATIVE_TOLERANCE * max((abs(x) for x in expected), default=0.0)
        for i, (e, g) in enumerate(zip(expected, got)):
            difference, size = abs(e - g), max(abs(e), abs(g))
            if not difference <= RELATIVE_TOLERANCE * size + floor:  # (False for NaN too)
                raise ResultsDiffer(
                    f"RESULTS DIFFER on {workload.title}: {what} #{i} is {g!r} with "
                    f"{engine.title} but {e!r} in plain Python (relative difference "
                    f"{difference / size if size else difference:.3g}, tolerance "
                    f"{RELATIVE_TOLERANCE:g}). No timings are reported."
                )
            if size:
                worst = max(worst, difference / size)
    return worst


# ---------------------------------------------------------------------------
# Timing.
# ---------------------------------------------------------------------------


def run_timings(workload_list, engine_list, settings, log):
    """Interleaved blocks. Returns {workload: {engine: [timers of timed runs]}} and
    {workload: {engine: worst relative difference from plain Python}}."""
    samples = {w.key: {e.key: [] for e in engine_list if w.supports(e)} for w in workload_list}
    checks = {w.key: {} for w in workload_list}
    plain = next(e for e in engine_list if e.key == "plain")
    for repetition in range(settings.repeats):
        shift = repetition % len(engine_list)
        order = engine_list[shift:] + engine_list[:shift]
        check = repetition == 0
        if check:  # plain Python first: the reference every other engine is checked against
            order = [plain] + [e for e in order if e is not plain]
        for workload in workload_list:
            reference = None
            for engine in order:
                if not workload.supports(engine):
                    continue
                started = time.perf_counter()
                timers, result = workload.block(engine, RUNS_PER_BLOCK, check=check)
                samples[workload.key][engine.key] += timers[1:]
                if check:
                    reference = reference or result
                    checks[workload.key][engine.key] = compare(workload, engine, reference, result)
                del result
                gc.collect()  # this engine's garbage is not the next one's to collect
                log(
                    f"  [{repetition + 1}/{settings.repeats}] {workload.key:8} {engine.key:9} "
                    f"{time.perf_counter() - started:6.2f} s"
                )
    return samples, checks


def summarize(timers: list[PhaseTimer], n_ops: int) -> dict:
    totals = [sum(t.seconds.values()) for t in timers]
    gc_totals = [sum(t.gc_seconds.values()) for t in timers]
    phases = {
        name: statistics.median(t.seconds[name] for t in timers) for name in timers[0].seconds
    }
    return {
        "runs": len(timers),
        "total_seconds": statistics.median(totals),
        "phase_seconds": phases,
        "forward_ns_per_op": phases["forward"] / n_ops * 1e9,
        "backward_ns_per_op": phases["backward"] / n_ops * 1e9,
        "gc_share": sum(gc_totals) / sum(totals),
        "samples": [{"seconds": t.seconds, "gc_seconds": t.gc_seconds} for t in timers],
    }


def add_ratios(speed: dict) -> None:
    """Each engine's time over plain Python's; micrograd's and PyTorch's over its."""
    for by_engine in speed.values():
        plain, micrograd, torch = (
            by_engine.get(key, {}).get("total_seconds") for key in ("plain", "micrograd", "torch")
        )
        for result in by_engine.values():
            total = result["total_seconds"]
            result["times_plain"] = total / plain if plain else None
            result["micrograd_over_this"] = micrograd / total if micrograd else None
            result["torch_over_this"] = torch / total if torch else None


# ---------------------------------------------------------------------------
# Main.
# ---------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a ~30 s smoke run: 30,000-op graphs, 1 repetition"
    )
    parser.add_argument("--repeat", type=int, metavar="N", help="repetitions (default 5)")
    parser.add_argument("--only", help=f"comma-separated parts, from: {','.join(PARTS)}")
    parser.add_argument(
        "--engines",
        default=",".join(ENGINE_ORDER),
        help="comma-separated engines (plain Python always runs: it is the reference)",
    )
    parser.add_argument("--json", type=Path, default=HERE / "results" / "latest.json")
    parser.add_argument("--profile", action="store_true", help="profile our training step")
    parser.add_argument("--memory-probe", nargs=3, help=argparse.SUPPRESS)  # used by probes.py
    args = parser.parse_args(argv)
    args.parts = PARTS if args.only is None else tuple(args.only.replace(" ", "").split(","))
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(
            f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}"
        )
    return args


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.memory_probe:
        engine_key, graph, n_ops = args.memory_probe
        print(json.dumps(probes.memory_probe(engine_key, graph, int(n_ops))))
        return 0
    if args.profile:
        print(probes.profile_training(Training()))
        print()
        print(probes.profile_graphs())
        return 0

    settings = QUICK if args.quick else FULL
    if args.repeat:
        settings.repeats = args.repeat
    started = time.perf_counter()

    def log(message):
        print(message, file=sys.stderr, flush=True)

    wanted = [key for key in ENGINE_ORDER if key in args.engines.split(",") or key == "plain"]
    engine_list, skipped = engines.load_engines(wanted)
    env = report.environment(engine_list, skipped, settings, argv)
    log(f"Benchmark: {env['python']}, {env['cores']} cores, {settings.repeats} repetition(s)")
    log("Preparing the workloads (seeded)...")
    n = settings.graph_ops
    workload_list = [
        workload
        for key, make in (
            ("chain", lambda: Chain(n)),
            ("dag", lambda: Dag("dag", workloads.BASIC_OPS, n)),
            ("dag-all", lambda: Dag("dag-all", workloads.ALL_OPS, n)),
            ("training", Training),
        )
        if key in args.parts
        for workload in [make()]
    ]

    notes = []
    if settings.quick:
        notes.append(
            f"**--quick**: {n:,}-op graphs, {settings.repeats} repetition: indicative only"
        )
    by_key = {e.key: e for e in engine_list}
    for workload in workload_list:
        if workload.key == "training" and "micrograd" in by_key:
            counted = count_micrograd_ops(workload, by_key["micrograd"])
            if counted != workload.n_ops:
                raise SystemExit(
                    f"micrograd builds {counted:,} op nodes, expected {workload.n_ops:,}"
                )
            notes.append(
                f"training: {workload.n_ops:,} ops per step (counted on micrograd's graph)"
            )
        for engine in engine_list:
            if not workload.supports(engine):
                lacks = ", ".join(sorted(set(workload.needs) - set(engine.ops)))
                notes.append(f"{engine.key} does not run {workload.key}: it lacks {lacks}")
    if "micrograd" in by_key and "chain" in args.parts:
        notes.append(
            "micrograd's topological sort is recursive: for the chain's timing the recursion "
            "limit is raised (in a thread with a large stack); the depth test keeps the default"
        )

    # What exists now (modules, PyTorch's objects, the plans) leaves the collector's sight.
    gc.collect()
    gc.freeze()
    log("Timing; the first repetition also checks every result against plain Python...")
    samples, checks = run_timings(workload_list, engine_list, settings, log)
    speed = {
        w.key: {key: summarize(timers, w.n_ops) for key, timers in samples[w.key].items()}
        for w in workload_list
    }
    add_ratios(speed)
    if checks:
        worst = max((d for by_engine in checks.values() for d in by_engine.values()), default=0)
        notes.append(
            f"results checked: every engine matches plain Python to {worst:.1e} relative or "
            f"better (tolerance {RELATIVE_TOLERANCE:g})"
        )

    depth = {}
    if "depth" in args.parts:
        log("Depth test, at the default recursion limit...")
        depth = probes.depth_test(engine_list, settings, log)
    memory = {}
    if "memory" in args.parts:
        log("Memory, one subprocess per engine and graph...")
        memory = probes.memory_test(settings, [e.key for e in engine_list], log)
        if "torch" in memory:
            notes.append(
                "PyTorch keeps tensors and autograd nodes in C++ memory, which tracemalloc does "
                "not see: read its RSS columns"
            )

    results = {
        "environment": env,
        "workloads": {
            w.key: {"title": w.title, "ops": w.n_ops, "note": w.note} for w in workload_list
        },
        "speed": speed,
        "checks_worst_relative_difference": checks,
        "depth": depth,
        "memory": memory,
        "notes": notes,
    }
    results["targets"] = report.evaluate_targets(speed, memory, depth)
    env["seconds"] = round(time.perf_counter() - started, 1)
    env["load_average_at_end"] = report.load_average()
    print(report.render(results, workload_list, engine_list))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, default=str) + "\n")
    log(f"Done in {env['seconds']:.0f} s; JSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
