"""Load test for `autograd serve`: loopback only, bounded in requests and in time.

Starts the server in a subprocess on a free 127.0.0.1 port, runs scenarios
against it, each ``--rounds`` times, and reads the server's memory (VmRSS,
its helper processes' included) after each round: memory that stays level
after the first round is the allocator's high-water mark, memory that keeps
growing beyond the new answers it was asked to keep is a leak.

- ``mixed``: 50 clients x 20 requests, valid lessons and hostile ones (programs,
  bodies, exercises): no 5xx but a deliberate 503, no traceback in any body;
- ``class``: 100 clients, each opening the page and then asking 20 times, as
  fast as it can, for the lessons a class uses (the worked example, a neuron, a
  squared error, practice mode, four exercises), while ``/healthz`` is asked
  every 50 ms, by one of these clients and by a process of its own (a monitor's
  view: the load generator's own loop is busy too): latency p50 and p95;
- ``attack``: the class again, while 4 clients send heavy programs (dense
  graphs, each new, so that no kept answer helps), 300 connections are held
  open sending nothing (opened again whenever the server closes one): the
  share of the class's requests answered 200, and ``/healthz``'s latency.

It exits 1 on any 5xx other than a deliberate 503, a traceback in a body, a
dead server or a last round that added more than 2 % of memory besides twice
the new answers it was asked to keep.

    python benchmarks/serve_load.py                       # every scenario, 3 rounds each
    python benchmarks/serve_load.py --scenario attack --rounds 5
    python benchmarks/serve_load.py --pythonpath /tmp/before   # another checkout's server

The clients speak HTTP/1.1 over asyncio streams, written by hand (keep-alive,
gzip accepted as browsers accept it): on this 2-core machine httpx's async
client costs more than the server it measures (22 requests/s against 380
for the same server and the same requests).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

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
JSON = "application/json"


def heavy_program(rng: random.Random) -> dict:
    """A new dense graph: each node uses two earlier ones at random (Graphviz's worst case)."""
    size = rng.randint(30, 70)
    lines, uses = ["a0 = w*x", "a1 = w + x"], [0, 0]
    for i in range(2, size):
        first, second = rng.sample([j for j in range(i) if uses[j] < 19], 2)
        uses[first] += 1
        uses[second] += 1
        uses.append(0)
        lines.append(f"a{i} = a{first} {rng.choice('*+-')} a{second}")
    lines.append("z = " + " + ".join(f"a{j}" for j in range(size) if uses[j] == 0))
    at = {"w": round(rng.uniform(0.1, 0.9), 6), "x": round(rng.uniform(0.1, 0.9), 6)}
    return {"program": "; ".join(lines), "at": at}


class Client:
    """One keep-alive HTTP/1.1 connection, opened again when the server has closed it."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.body_bytes = 0  # the last response's body as it came (gzipped or not)

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        content_type: str = JSON,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
        ).encode()
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                self.writer.write(head + body)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()  # closed while idle: once more, on a new connection
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        )
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        self.body_bytes = len(body)
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        if headers.get("connection") == "close":
            self.close()
        return status, body

    async def post(self, body) -> tuple[int, bytes]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await self.request("POST", "/api/lesson", data)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def timed(results: list, kind: str, call) -> tuple[int, bytes]:
    start = time.perf_counter()
    try:
        status, body = await asyncio.wait_for(call, 30)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        status, body = 0, b""  # no answer: counted, never a 200
    results.append((kind, time.perf_counter() - start, status, b"Traceback" in body))
    return status, body


# Scenarios: each returns its results as (kind, seconds, status, traceback in body).


async def mixed(port: int, args, deadline: float) -> list:
    results: list = []

    async def one(seed: int) -> None:
        rng, client = random.Random(seed), Client(port)
        for _ in range(args.requests):
            if time.monotonic() > deadline:
                break
            kind = rng.random()
            if kind < 0.6:
                call = client.post(rng.choice(VALID))
            elif kind < 0.85:
                call = client.post(rng.choice(HOSTILE))
            elif kind < 0.95:
                call = client.post(rng.choice(RAW_HOSTILE))
            else:
                path = f"/api/exercise?level={rng.randint(1, 4)}&seed={rng.randint(0, 99)}"
                call = client.request("GET", path)
            await timed(results, "mixed", call)
        client.close()

    await asyncio.gather(*(one(i) for i in range(args.clients)))
    return results


async def class_lessons(port: int) -> list[dict]:
    """The lessons a class uses: the worked example and its kin, and four exercises."""
    client, lessons = Client(port), list(VALID)
    for level in (1, 2, 3, 4):
        status, body = await client.request("GET", f"/api/exercise?level={level}&seed=7")
        assert status == 200, body
        exercise = json.loads(body)
        lessons.append({"program": exercise["program"], "at": exercise["at"], "practice": True})
    client.close()
    return lessons


def monitor(port: int, stop, found) -> None:
    """Ask /healthz every 50 ms until ``stop``, on one keep-alive connection, from a process
    of its own; put [(seconds, status)] on ``found``.

    A monitor on another machine sees the server's latency; a client in the load
    generator's event loop also sees that loop's: it reads its answer only when
    the loop has dealt with the hundred students' answers before it.
    """
    times: list[tuple[float, int]] = []
    connection = None
    while not stop.is_set():
        start = time.perf_counter()
        try:
            if connection is None:
                connection = socket.create_connection(("127.0.0.1", port), timeout=30)
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            reply = b""
            while b"\r\n\r\n" not in reply or not reply.endswith(b"ok"):
                chunk = connection.recv(4096)
                if not chunk:
                    raise ConnectionError("closed")
                reply += chunk
                if len(reply) > 4096:  # not the answer a health check expects
                    break
            status = int(reply.split()[1])
        except OSError:
            status = 0
            if connection is not None:
                connection.close()
            connection = None
        times.append((time.perf_counter() - start, status))
        stop.wait(0.05)
    found.put(times)


async def a_class(port: int, lessons: list[dict], requests: int, deadline: float) -> list:
    """100 students, and /healthz asked every 50 ms meanwhile (in this loop and by a monitor)."""
    results: list = []
    done = asyncio.Event()
    processes = multiprocessing.get_context("spawn")
    stop, found = processes.Event(), processes.Queue()
    watcher = processes.Process(target=monitor, args=(port, stop, found))
    watcher.start()
    bodies = [json.dumps(lesson).encode() for lesson in lessons]  # encoded once: cheaper clients

    async def student(seed: int) -> None:
        rng, client = random.Random(seed), Client(port)
        await timed(results, "page", client.request("GET", "/"))
        for _ in range(requests):
            if time.monotonic() > deadline:
                break
            await timed(results, "lesson", client.post(rng.choice(bodies)))
        client.close()

    async def health() -> None:
        client = Client(port)
        while not done.is_set():
            await timed(results, "healthz", client.request("GET", "/healthz"))
            await asyncio.sleep(0.05)
        client.close()

    prober = asyncio.ensure_future(health())
    await asyncio.gather(*(student(i) for i in range(100)))
    done.set()
    await prober
    stop.set()
    times = await asyncio.get_running_loop().run_in_executor(None, found.get, True, 30)
    watcher.join(10)
    results += [("healthz from a monitor", seconds, status, False) for seconds, status in times]
    return results


async def attack(
    port: int, lessons: list[dict], requests: int, deadline: float, round_: int = 0
) -> list:
    results: list = []
    done = asyncio.Event()
    held = {"closed by the server": 0, "kept": 0}

    async def heavy(seed: int) -> None:
        rng, client = random.Random(1000 * round_ + seed), Client(port)  # new programs
        while not done.is_set():
            status, _ = await timed(results, "heavy", client.post(heavy_program(rng)))
            if status in (200, 400):  # each a new answer, which the server keeps (gzipped)
                held["kept"] += client.body_bytes
        client.close()

    async def idle() -> None:
        while not done.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            reading = asyncio.ensure_future(reader.read(1))
            waiting = asyncio.ensure_future(done.wait())
            await asyncio.wait({reading, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if reading.done() and not reading.exception() and reading.result() == b"":
                held["closed by the server"] += 1
            reading.cancel()
            waiting.cancel()
            writer.close()

    others = [asyncio.ensure_future(idle()) for _ in range(300)]
    others += [asyncio.ensure_future(heavy(i)) for i in range(4)]
    opened = time.monotonic()
    await asyncio.sleep(1.0)  # the idle connections are open before the class comes
    results += await a_class(port, lessons, requests, deadline)
    # Held at least 7 s, past the server's 5 s for a silent connection, however quick the class.
    await asyncio.sleep(max(0.0, opened + 7.0 - time.monotonic()))
    done.set()
    await asyncio.gather(*others)
    results.append(("idle", 0.0, held["closed by the server"], False))
    results.append(("kept", 0.0, held["kept"], False))
    return results


# Running and reporting


def cpu_seconds(pid: int) -> float:
    """The CPU time, user and system, of the process and every process it started (its
    helpers, dot): what the server cost, however busy the machine was."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    # utime, stime, and the children's that have ended and been waited for (dot's)
    seconds = sum(int(field) for field in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    for child in children(pid):
        with contextlib.suppress(OSError):  # unless it ended meanwhile
            seconds += cpu_seconds(child)
    return seconds


def rss_kib(pid: int, family: bool = True) -> int:
    """The resident memory of the process and (``family``) of the processes it started."""
    kib = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            kib = int(line.split()[1])
    for child in children(pid) if family else ():
        with contextlib.suppress(OSError):  # unless it ended meanwhile
            kib += rss_kib(child)
    return kib


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def start_server(pythonpath: Path = ROOT) -> tuple[subprocess.Popen, int]:
    command = [sys.executable, "-m", "autograd", "serve", "--host", "127.0.0.1", "--port", "0"]
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    # In the checkout's folder: python -m puts the working folder first on the path.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=pythonpath)
    line = process.stdout.readline()
    if "http://127.0.0.1:" not in line:
        process.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    port = int(line.split("127.0.0.1:")[1].split("/")[0])
    for _ in range(100):  # older servers printed the address before they listened
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    return process, port


def quantiles(seconds: list[float]) -> str:
    if len(seconds) < 2:
        return "-"
    cuts = statistics.quantiles(seconds, n=100)
    return f"p50 {cuts[49] * 1e3:.0f} ms, p95 {cuts[94] * 1e3:.0f} ms"


def codes(results) -> str:
    counted: dict[int, int] = {}
    for _, _, status, _ in results:
        counted[status] = counted.get(status, 0) + 1
    return ", ".join(f"{code or 'no answer'}: {n}" for code, n in sorted(counted.items()))


def report(
    name: str, results: list, elapsed: float, rss: list[tuple[int, int]], before: int, cpu: float
) -> None:
    by_kind: dict[str, list] = {}
    for result in results:
        by_kind.setdefault(result[0], []).append(result)
    print(f"\n## {name}\n")
    for kind, rows in by_kind.items():
        if kind == "idle":
            closed = sum(row[2] for row in rows)
            print(f"- idle connections closed by the server: {closed} (300 held at a time)")
            continue
        if kind == "kept":
            kept = ", ".join(f"{row[2] / 1024:.0f}" for row in rows)
            print(f"- new answers to keep (the heavy clients', gzipped), each round: {kept} KiB")
            continue
        ok = sum(row[2] == 200 for row in rows)
        print(
            f"- {kind}: {len(rows)} requests, {100 * ok / len(rows):.1f} % answered 200; "
            f"{quantiles([row[1] for row in rows])}; {codes(rows)}"
        )
    requests = sum(kind not in ("idle", "kept") for kind, *_ in results)
    print(f"- throughput: {requests / elapsed:.0f} requests/s over {elapsed:.1f} s (all rounds)")
    print(f"- server CPU: {cpu:.1f} s, {1e3 * cpu / requests:.2f} ms a request")
    print(f"- load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    after = ", ".join(f"{server / 1024:.1f}" for server, _ in rss)
    print(f"- server RSS: {before / 1024:.1f} MiB before; after each round {after} MiB")
    if any(helpers for _, helpers in rss):
        after = ", ".join(f"{helpers / 1024:.1f}" for _, helpers in rss)
        print(f"- its helper processes' RSS after each round: {after} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="mixed,class,attack", help="comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=50, help="mixed: clients")
    parser.add_argument("--requests", type=int, default=20, help="requests per client")
    parser.add_argument("--seconds", type=float, default=60, help="stop a round after this long")
    parser.add_argument("--pythonpath", type=Path, default=ROOT, help="the server's checkout")
    args = parser.parse_args()

    load = os.getloadavg()
    process, port = start_server(args.pythonpath)
    failures = []
    try:

        async def warm_up() -> list[dict]:
            client = Client(port)
            await client.request("GET", "/")
            await client.post(WORKED)
            client.close()
            return await class_lessons(port)

        lessons = asyncio.run(warm_up())
        for name in args.scenario.split(","):
            before, rss, results = rss_kib(process.pid), [], []
            start, cpu = time.perf_counter(), cpu_seconds(process.pid)
            for round_ in range(args.rounds):
                deadline = time.monotonic() + args.seconds
                if name == "mixed":
                    run = mixed(port, args, deadline)
                elif name == "class":
                    run = a_class(port, lessons, args.requests, deadline)
                else:
                    run = attack(port, lessons, args.requests, deadline, round_)
                results += asyncio.run(run)
                time.sleep(1.0)
                server = rss_kib(process.pid, family=False)
                rss.append((server, rss_kib(process.pid) - server))
            cpu = cpu_seconds(process.pid) - cpu
            report(name, results, time.perf_counter() - start, rss, before, cpu)
            asked = [row for row in results if row[0] not in ("idle", "kept")]
            bad = sum(1 for _, _, code, _ in asked if 500 <= code != 503)
            leaks = sum(1 for *_, traceback in results if traceback)
            if bad or leaks:
                failures.append(f"{name}: {bad} 5xx other than 503, {leaks} tracebacks in bodies")
            # Level: the server's last round added no more than 2 %, besides twice the
            # new answers it was asked to keep (kept answers fill up to their bound,
            # 16 MiB; a leak grows every round whatever it was asked). A helper keeps
            # nothing between lessons: its memory is the largest lesson's so far.
            kept = [row[2] for row in results if row[0] == "kept"] or [0]
            servers = [server for server, _ in rss]
            if len(rss) > 1 and servers[-1] > servers[-2] * 1.02 + 2 * kept[-1] / 1024:
                failures.append(f"{name}: memory grew from {servers[-2]} to {servers[-1]} KiB")
        alive = process.poll() is None
    finally:
        process.terminate()
        process.wait(timeout=15)
    print(f"\nload average at start {load}, at end {tuple(round(x, 2) for x in os.getloadavg())}")
    if not alive:
        failures.append("the server died")
    for failure in failures:
        print("FAILED: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
