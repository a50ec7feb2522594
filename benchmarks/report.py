"""The benchmark's report: the environment, Markdown tables, and the targets."""

from __future__ import annotations

import datetime
import gc
import os
import platform
import subprocess
import sys
from pathlib import Path

from probes import DEPTHS

ROOT = Path(__file__).resolve().parent.parent


def load_average():
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def environment(engine_list, skipped, settings, argv) -> dict:
    def git(*args):
        try:
            done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "processor": _cpu_name(),
        "cores": os.cpu_count(),
        "load_average_at_start": load_average(),
        "gc_thresholds": gc.get_threshold(),
        "recursion_limit": sys.getrecursionlimit(),
        "engines": {e.key: {"title": e.title, "version": e.version} for e in engine_list},
        "skipped_engines": skipped,
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_uncommitted_changes": None if status is None else bool(status),
        "command": " ".join(["benchmarks/bench.py", *argv]),
        "repetitions": settings.repeats,
    }


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def times(x) -> str:
    return "—" if x is None else f"{x:.1f}×" if x < 100 else f"{x:,.0f}×"


def number(x, digits: int = 0) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def speed_table(workload_list, speed, engine_list) -> list[str]:
    lines = [
        "| workload | engine | forward ns/op | backward ns/op | total ms | GC share "
        "| time ÷ plain | micrograd ÷ this | PyTorch ÷ this |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for workload in workload_list:
        for engine in engine_list:
            r = speed[workload.key].get(engine.key)
            if r is None:
                continue
            lines.append(
                f"| {workload.key} | {engine.key} | {number(r['forward_ns_per_op'])} "
                f"| {number(r['backward_ns_per_op'])} | {number(r['total_seconds'] * 1e3, 1)} "
                f"| {r['gc_share']:.0%} | {times(r['times_plain'])} "
                f"| {times(r['micrograd_over_this'])} | {times(r['torch_over_this'])} |"
            )
    return lines


def memory_table(memory: dict) -> list[str]:
    lines = [
        "| engine | chain: tracemalloc | chain: RSS | DAG: tracemalloc | DAG: RSS "
        "| DAG: peak during backward (tracemalloc) |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for engine_key, probe in memory.items():
        cells = [
            probe["chain"]["tracemalloc_bytes_per_node"],
            probe["chain"]["rss_bytes_per_node"],
            probe["dag"]["tracemalloc_bytes_per_node"],
            probe["dag"]["rss_bytes_per_node"],
            probe["dag"]["backward_peak_bytes_per_node"],
        ]
        lines.append(f"| {engine_key} | " + " | ".join(number(x) for x in cells) + " |")
    return lines


def depth_table(depth: dict) -> list[str]:
    header = " | ".join(f"{n:,}" for n in DEPTHS)
    lines = [f"| engine | {header} | deepest that works |", "|---|" + "---|" * (len(DEPTHS) + 1)]
    for engine_key, result in depth["engines"].items():
        cells = []
        for n in DEPTHS:
            level = result["levels"].get(str(n))
            if level is None:
                cells.append("—")
            elif level["status"] == "ok":
                s = level["seconds"]
                cells.append(f"ok ({s['forward']:.2f} s + {s['backward']:.2f} s)")
            else:
                cells.append(level["status"])
        if result["exact_limit"]:
            deepest = f"{result['deepest_ok']:,} (its exact limit)"
        elif result["deepest_ok"] == max(DEPTHS):
            deepest = f"{result['deepest_ok']:,} (every level)"
        else:
            deepest = f"≥ {result['deepest_ok']:,} (deeper not tried)"
        lines.append(f"| {engine_key} | " + " | ".join(cells) + f" | {deepest} |")
    return lines


def evaluate_targets(speed: dict, memory: dict, depth: dict) -> list[dict]:
    """The issue's targets, each with the measured value and whether it is met."""

    def ours(workload, key):
        return speed.get(workload, {}).get("ours", {}).get(key)

    bytes_per_node = None
    if memory.get("ours"):
        bytes_per_node = max(p["tracemalloc_bytes_per_node"] for p in memory["ours"].values())
    level = depth.get("engines", {}).get("ours", {}).get("levels", {}).get(str(10**6), {})
    backward_seconds = level["seconds"]["backward"] if level.get("status") == "ok" else None
    rows = [
        ("training: micrograd ÷ ours", ours("training", "micrograd_over_this"), ">=", 15, "×"),
        ("training: PyTorch ÷ ours", ours("training", "torch_over_this"), ">=", 15, "×"),
        ("training: ours ÷ plain Python", ours("training", "times_plain"), "<=", 8, "×"),
        ("chain: micrograd ÷ ours", ours("chain", "micrograd_over_this"), ">=", 5, "×"),
        ("DAG: micrograd ÷ ours", ours("dag", "micrograd_over_this"), ">=", 3, "×"),
        ("all-ops DAG: PyTorch ÷ ours", ours("dag-all", "torch_over_this"), ">=", 3, "×"),
        ("ours: bytes per node (chain or DAG, worse)", bytes_per_node, "<=", 250, " B"),
        ("ours: 10⁶-op chain, backward", backward_seconds, "<", 10, " s"),
    ]
    targets = []
    for name, value, relation, goal, unit in rows:
        if value is None:
            met = None
        elif relation == ">=":
            met = value >= goal
        elif relation == "<=":
            met = value <= goal
        else:
            met = value < goal
        shown_relation = {">=": "≥", "<=": "≤", "<": "<"}[relation]
        targets.append(
            {
                "target": name,
                "goal": f"{shown_relation} {goal}{unit}",
                "measured": value,
                "shown": "—" if value is None else f"{value:,.1f}{unit}",
                "met": met,
            }
        )
    return targets


def targets_table(targets) -> list[str]:
    lines = ["| target | goal | measured | met |", "|---|---|--:|---|"]
    for t in targets:
        met = "not measured" if t["met"] is None else "yes" if t["met"] else "**no**"
        lines.append(f"| {t['target']} | {t['goal']} | {t['shown']} | {met} |")
    return lines


def render(results: dict, workload_list, engine_list) -> str:
    env = results["environment"]
    load = env["load_average_at_start"]
    lines = [
        "## Benchmark results",
        "",
        f"- {env['date']}, `{env['command']}`, {env['repetitions']} repetition(s), "
        f"{env['seconds']:.0f} s",
        f"- {env['python']} on {env['platform']}; {env['processor']}, {env['cores']} cores; "
        f"load average at start {load}, at end {env['load_average_at_end']}",
        "- "
        + "; ".join(f"{e['title']} {e['version']}" for e in env["engines"].values())
        + f"; git {env['git_commit']}"
        + (" with uncommitted changes" if env["git_uncommitted_changes"] else ""),
    ]
    for key, why in env["skipped_engines"].items():
        lines.append(f"- **{key} skipped**: {why}")
    if workload_list:
        lines += ["", "### Speed (medians)", ""]
        lines += speed_table(workload_list, results["speed"], engine_list)
        lines += ["", "Workloads (an op is one scalar operation as the workload writes it):", ""]
        lines += [f"- {w.key}: {w.title}; {w.note}" for w in workload_list]
        lines += [
            "- total = forward + backward (+ SGD update) + freeing the graph; GC share = "
            "time in the cyclic garbage collector ÷ total"
        ]
    lines += [f"- {note}" for note in results["notes"]]
    if results["memory"]:
        lines += ["", "### Memory: bytes per op node", "", *memory_table(results["memory"])]
    if results["depth"]:
        limit = results["depth"]["recursion_limit"]
        lines += [
            "",
            f"### Deepest chain that backpropagates (recursion limit {limit}; "
            "forward + backward time)",
            "",
        ]
        lines += depth_table(results["depth"])
    lines += ["", "### Targets", "", *targets_table(results["targets"])]
    return "\n".join(lines)
