"""Load test for `autograd serve`: loopback only, bounded in requests and in time.

Starts the server in a subprocess on a free 127.0.0.1 port, then 50 concurrent
clients send 20 requests each, a mix of valid programs and hostile ones. It
reports latency (p50, p95), throughput, the status codes, and the server's
memory (VmRSS) before, at its peak and after; then it stops the server. It
fails (exit 1) on any 5xx other than a deliberate 503, or if the server dies.

    python benchmarks/serve_load.py                # 50 clients x 20 requests
    python benchmarks/serve_load.py --clients 10 --requests 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
WORKED = {"program": "x = 2*w + b; y = b + 1; z = x*y", "at": {"w": 3, "b": 4}}
VALID = [
    WORKED,
    {"program": "h = tanh(w*x + b)", "at": {"w": 0.5, "x": 2, "b": -1}},
    {"program": "u = w*x; L = (u - 1)**2", "at": {"w": 2, "x": 3}},
    {**WORKED, "practice": True},
]
HOSTILE = [
    {"program": "z = __import__('os').system('true')"},
    {"program": "z = w.__class__", "at": {"w": 1}},
    {"program": "z = 10**10**10"},
    {"program": "z = " + "(" * 300 + "w" + ")" * 300, "at": {"w": 1}},
    {"program": "z = w", "at": {"w": 1e308}},
    {"program": 3},
    {"program": " + ".join(f"w*{i}" for i in range(300)), "at": {"w": 1}},  # too many nodes
]
RAW_HOSTILE = [b"{", b"[" * 20_000 + b"]" * 20_000, b'{"program": "z = w", "at": {"w": NaN}}']


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_server() -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "autograd", "serve", "--host", "127.0.0.1", "--port", "0"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    if "http://127.0.0.1:" not in line:
        process.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return process, line.split(" at ")[1].split()[0].rstrip("/")


async def client(http, rng, count, results, deadline):
    for _ in range(count):
        if time.monotonic() > deadline:
            return
        kind = rng.random()
        start = time.perf_counter()
        if kind < 0.6:
            response = await http.post("/api/lesson", json=rng.choice(VALID))
        elif kind < 0.85:
            response = await http.post("/api/lesson", json=rng.choice(HOSTILE))
        elif kind < 0.95:
            response = await http.post(
                "/api/lesson",
                content=rng.choice(RAW_HOSTILE),
                headers={"Content-Type": "application/json"},
            )
        else:
            response = await http.get(
                f"/api/exercise?level={rng.randint(1, 4)}&seed={rng.randint(0, 99)}"
            )
        results.append(
            (time.perf_counter() - start, response.status_code, "Traceback" in response.text)
        )


async def load(url, clients, requests, seconds):
    results: list[tuple[float, int, bool]] = []
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        start = time.perf_counter()
        await asyncio.gather(
            *(client(http, random.Random(i), requests, results, deadline) for i in range(clients))
        )
        elapsed = time.perf_counter() - start
    return results, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120, help="stop sending after this long")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="repeat the load; memory that stays level after the first round is a "
        "high-water mark of Python's allocator, memory that keeps growing a leak",
    )
    args = parser.parse_args()

    process, url = start_server()
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            http.get("/")  # build the page once, as a first visitor would
            http.post("/api/lesson", json=WORKED)
            before = rss_kib(process.pid)
            trips = []
            for _ in range(20):
                start = time.perf_counter()
                assert http.post("/api/lesson", json=WORKED).status_code == 200
                trips.append(time.perf_counter() - start)

            peak = [before]
            sampling = True

            async def sample():
                while sampling:
                    peak.append(rss_kib(process.pid))
                    await asyncio.sleep(0.05)

            async def run():
                nonlocal sampling
                sampler = asyncio.create_task(sample())
                try:
                    return await load(url, args.clients, args.requests, args.seconds)
                finally:
                    sampling = False
                    await sampler

            results, elapsed = asyncio.run(run())
            time.sleep(1.0)
            after = [rss_kib(process.pid)]
            for _ in range(args.rounds - 1):
                more, _ = asyncio.run(run())
                results += more
                time.sleep(1.0)
                after.append(rss_kib(process.pid))
            alive = process.poll() is None and http.get("/healthz").text == "ok"
    finally:
        process.terminate()
        process.wait(timeout=15)

    latencies = sorted(r[0] for r in results)
    codes: dict[int, int] = {}
    for _, code, _ in results:
        codes[code] = codes.get(code, 0) + 1
    bad = sum(n for code, n in codes.items() if code >= 500 and code != 503)
    leaks = sum(r[2] for r in results)
    quantiles = statistics.quantiles(latencies, n=100)
    rounds = f"{args.rounds} rounds of " if args.rounds > 1 else ""
    print(f"requests: {len(results)} ({rounds}{args.clients} clients x {args.requests})")
    print(f"throughput (first round): {len(results) / args.rounds / elapsed:.0f} requests/s")
    print(f"latency: p50 {quantiles[49] * 1000:.0f} ms, p95 {quantiles[94] * 1000:.0f} ms")
    print("status codes: " + ", ".join(f"{code}: {n}" for code, n in sorted(codes.items())))
    print(
        f"worked example round trip (idle, median of 20): {statistics.median(trips) * 1e3:.1f} ms"
    )
    rounds_rss = ", ".join(f"{kib / 1024:.1f}" for kib in after)
    print(
        f"server RSS: {before / 1024:.1f} MiB before, {max(peak) / 1024:.1f} MiB peak, "
        f"after each round: {rounds_rss} MiB"
    )
    # Level after the first round (within 10 %): the allocator keeps its pages, nothing leaks.
    level = after[-1] <= after[0] * 1.1
    print(f"memory level after the first round: {'yes' if level else 'NO (growing)'}")
    print(f"5xx other than 503: {bad}; tracebacks in bodies: {leaks}; server alive after: {alive}")
    return 0 if bad == 0 and leaks == 0 and alive and level else 1


if __name__ == "__main__":
    raise SystemExit(main())
