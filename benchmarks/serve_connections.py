"""What a server does with connections that hold on: loopback only, bounded in count and time.

Starts each server in a subprocess on a free 127.0.0.1 port with at most 1,024
open files (soft and hard limit, a common desktop default), then:

1. holds 300 connections that send nothing, 50 that trickle request headers
   (one byte a second) and 50 that trickle a declared 1,000-byte body, and
   counts how many of each the server has closed after 6, 12 and 25 seconds,
   while asking ``/healthz`` every half second;
2. opens 1,100 connections that send nothing (more than the server may have
   files open) and then asks ``/healthz``;
3. sends a request that is not HTTP and reads the server's own 400.

    python benchmarks/serve_connections.py                     # ours and plain uvicorn
    python benchmarks/serve_connections.py --hypercorn-python /tmp/hc/bin/python

``uvicorn`` and ``hypercorn`` run a trivial ASGI app (this file's ``app``)
with a 5 s keep-alive; ``ours`` is ``autograd serve`` with its defaults.
Hypercorn is not a dependency of this project: give a Python that has it.
"""

from __future__ import annotations

import argparse
import os
import resource
import select
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = 1024  # the server's limit on open files, soft and hard


async def app(scope, receive, send):
    """A trivial ASGI app: reads the whole body, answers ``ok``."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def limit_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILES, FILES))


def start(kind: str, hypercorn_python: str | None) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'benchmarks'}"}
    port = free_port()
    if kind == "ours":
        command = [sys.executable, "-m", "autograd", "serve", "--port", str(port)]
    elif kind == "uvicorn":
        command = [sys.executable, "-m", "uvicorn", "serve_connections:app", "--port", str(port)]
        command += ["--timeout-keep-alive", "5", "--log-level", "warning"]
    else:
        command = [hypercorn_python, "-m", "hypercorn", "serve_connections:app"]
        command += ["--bind", f"127.0.0.1:{port}", "--keep-alive", "5", "--log-level", "warning"]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=limit_files,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{kind} did not start")


def healthz(port: int, timeout: float = 5.0) -> float | None:
    """Seconds for a GET /healthz on a new connection, or None if it got no 200 in time."""
    start = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(
                b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            reply = b""
            while chunk := connection.recv(4096):
                reply += chunk
    except OSError:
        return None
    return time.perf_counter() - start if reply.startswith(b"HTTP/1.1 200") else None


def closed(connection: socket.socket) -> bool:
    """Whether the server has closed this connection (reading what it sent, if anything)."""
    try:
        while True:
            ready, _, _ = select.select([connection], [], [], 0)
            if not ready:
                return False
            if not connection.recv(65536):
                return True
    except OSError:
        return True


def hold_on(port: int, seconds: float) -> dict:
    """Scenario 1: silent, trickled-header and trickled-body connections, watched over time."""
    groups = {"silent": [], "slow headers": [], "slow body": []}
    for kind, count in (("silent", 300), ("slow headers", 50), ("slow body", 50)):
        for _ in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.setblocking(False)
            if kind == "slow headers":
                connection.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            elif kind == "slow body":
                connection.send(
                    b"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                )
            groups[kind].append([connection, None])
    started = time.monotonic()
    marks = (6.0, 12.0, seconds)
    counts: dict[str, list[int]] = {kind: [] for kind in groups}
    latencies: list[float] = []
    failures = 0
    next_trickle = started + 1
    for mark in marks:
        while (now := time.monotonic()) < started + mark:
            if now >= next_trickle:  # one byte a second on every trickling connection
                next_trickle += 1
                for kind in ("slow headers", "slow body"):
                    for entry in groups[kind]:
                        if entry[1] is None:
                            try:
                                entry[0].send(b"x" if kind == "slow body" else b"X")
                            except OSError:
                                entry[1] = now - started
            for entries in groups.values():
                for entry in entries:
                    if entry[1] is None and closed(entry[0]):
                        entry[1] = now - started
            latency = healthz(port, timeout=2)
            if latency is None:
                failures += 1
            else:
                latencies.append(latency)
            time.sleep(0.5)
        for kind, entries in groups.items():
            counts[kind].append(sum(entry[1] is not None for entry in entries))
    for entries in groups.values():
        for connection, _ in entries:
            connection.close()
    return {"marks": marks, "counts": counts, "healthz": latencies, "failures": failures}


def flood(port: int, count: int = 1100) -> tuple[int, float | None]:
    """Scenario 2: ``count`` silent connections, then /healthz."""
    connections = []
    for _ in range(count):
        try:
            connections.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        except OSError:
            break
    time.sleep(0.5)  # let the server accept what the backlog holds
    latency = healthz(port, timeout=5)
    for connection in connections:
        connection.close()
    return len(connections), latency


def bad_request(port: int) -> str:
    """Scenario 3: the server's own 400: its status line and whether it has a CSP."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        reply = b""
        try:
            while chunk := connection.recv(4096):
                reply += chunk
        except OSError:
            pass
    head = reply.split(b"\r\n\r\n")[0].decode("latin-1")
    status = head.split("\r\n")[0] or "(nothing)"
    policy = "content-security-policy" in head.lower()
    return f"{status}; CSP {'yes' if policy else 'no'}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", default="ours,uvicorn,hypercorn")
    parser.add_argument("--hypercorn-python", help="a Python with hypercorn installed")
    parser.add_argument("--seconds", type=float, default=25)
    args = parser.parse_args()
    kinds = args.servers.split(",")
    if "hypercorn" in kinds and not args.hypercorn_python:
        print("hypercorn: skipped (give --hypercorn-python)")
        kinds.remove("hypercorn")
    rows = []
    for kind in kinds:
        process, port = start(kind, args.hypercorn_python)
        try:
            held = hold_on(port, args.seconds)
            opened, flood_latency = flood(port)
            status = bad_request(port)
            alive = process.poll() is None
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        rows.append((kind, held, opened, flood_latency, status, alive))

    marks = rows[0][1]["marks"] if rows else ()
    at = " / ".join(f"{m:g} s" for m in marks)
    print(f"\nClosed by the server after {at} (of 300 silent, 50 slow-header, 50 slow-body):\n")
    print("| server | silent | slow headers | slow body | /healthz p95 meanwhile | failed |")
    print("|---|---|---|---|--:|--:|")
    for kind, held, *_ in rows:
        counts = held["counts"]
        cells = [" / ".join(str(n) for n in counts[k]) for k in counts]
        p95 = statistics.quantiles(held["healthz"], n=20)[18] * 1e3 if held["healthz"] else 0
        print(f"| {kind} | {' | '.join(cells)} | {p95:.0f} ms | {held['failures']} |")
    print(f"\nThen 1,100 silent connections (a limit of {FILES} open files), and a bad request:\n")
    print("| server | connections opened | /healthz after | its own 400 | alive |")
    print("|---|--:|---|---|---|")
    for kind, _, opened, latency, status, alive in rows:
        answer = f"{latency * 1e3:.0f} ms" if latency is not None else "no answer"
        print(f"| {kind} | {opened} | {answer} | {status} | {'yes' if alive else 'no'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
