"""Load test for a live class on `autograd serve`: loopback only, bounded in count and time.

Starts ``autograd serve --db ...`` (and ``--workers N``) in a subprocess on a
free 127.0.0.1 port and runs a class against it, ``--rounds`` times (a new class
each round):

- the teacher starts the class (the worked example in practice mode, then in
  trainer mode, then exercise level 2 seed 7: 20 questions and more) and opens
  the dashboard's event stream; as the teacher's page does, every event makes
  it fetch the summary and the current question's distribution again (one
  fetch at a time; events during a fetch make one more);
- 120 students join, spread over the first 5 s (the target: all in within 10 s);
- each student answers 20 questions, one after another at random moments of
  the next 60 s, half right and half wrong at random; an answer without a 200
  (no answer, 429, 503) is sent again with the same key after 0.5 s, as the
  page sends it again;
- the class ends; the answers stored in the database are counted against the
  200s (none lost, none twice), and the class is deleted.

Measured: the status of every request (zero 5xx), the answers' latency (p50,
p95: the target is p95 under 300 ms), how long after its answer was sent each
answer event reached the dashboard (the target: within 1 s), and the server's
memory (VmRSS, the workers' included) after each round: level after the first
round, or a leak.

    python benchmarks/class_load.py                                  # SQLite, in a fresh folder
    python benchmarks/class_load.py --db postgresql://u:p@127.0.0.1/db --workers 2
    python benchmarks/class_load.py --rounds 2 --seconds 30          # a shorter run

It exits 1 on a 5xx, a lost or duplicated answer, memory that grows round
after round, or a dead server; the latency targets are reported, not enforced
(the machine may be busy with other work).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from serve_load import Client, cpu_seconds, quantiles, rss_kib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograd.classes import ClassDB  # noqa: E402
from autograd.classroom import resolve  # noqa: E402

WORKED = {"program": "x = 2*w + b; y = b + 1; z = x*y", "at": {"w": 3, "b": 4}}
ITEMS = [WORKED, {**WORKED, "mode": "trainer"}, {"level": 2, "seed": 7}]


def start_server(db: str, workers: int) -> tuple[subprocess.Popen, int]:
    command = [sys.executable, "-m", "autograd", "serve", "--port", "0", "--db", db]
    if workers > 1:
        command += ["--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    line = process.stdout.readline()
    if "http://127.0.0.1:" not in line:
        process.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    port = int(line.split("127.0.0.1:")[1].split("/")[0])

    async def healthy() -> bool:
        client = Client(port)
        try:
            return (await client.request("GET", "/healthz"))[0] == 200
        except OSError:
            return False
        finally:
            client.close()

    for _ in range(300):  # workers take a moment to start; the socket already listens
        if asyncio.run(healthy()):
            return process, port
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the server never answered /healthz")


def processes(pid: int) -> list[int]:
    """The server and its workers (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid] + [
        int(child)
        for child in children
        if b"--multiprocessing-fork" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


class Round:
    """What one class measured: requests (kind, seconds, status), events, answers."""

    def __init__(self):
        self.requests: list[tuple[str, float, int]] = []
        self.events: dict[tuple[str, int], float] = {}  # (student, question) -> arrival
        self.kinds: dict[str, int] = {}
        self.sent: dict[tuple[str, int], float] = {}  # when the answer that got its 200 left
        self.answered: set[str] = set()  # keys answered 200
        self.gave_up = 0
        self.joined_in = 0.0

    async def call(self, client: Client, kind: str, method: str, path: str, body=None, token=""):
        data = b"" if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {token}"} if token else None
        start = time.perf_counter()
        try:
            status, reply = await asyncio.wait_for(
                client.request(method, path, data, headers=headers), 30
            )
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
            client.close()
            status, reply = 0, b""  # no answer: counted, never a 200
        self.requests.append((kind, time.perf_counter() - start, status))
        return status, reply


async def stream(port: int, code: str, token: str, result: Round, changed: asyncio.Event):
    """The dashboard's event stream, read until the class's ``end`` event."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /api/classes/{code}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    assert head.startswith("HTTP/1.1 200"), head
    chunked = "transfer-encoding: chunked" in head.lower()
    buffer = b""
    try:
        while True:
            if chunked:
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                if size == 0:
                    return
                buffer += (await reader.readexactly(size + 2))[:-2]
            else:
                buffer += await reader.read(65536)
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                fields = dict(
                    line.partition(": ")[::2] for line in block.decode().split("\n") if line
                )
                kind = fields.get("event")
                if kind is None:
                    continue  # a keep-alive comment
                result.kinds[kind] = result.kinds.get(kind, 0) + 1
                if kind == "answer":
                    data = json.loads(fields["data"])
                    result.events[(data["name"], data["question"])] = time.monotonic()
                if kind == "end":
                    return
                changed.set()
    finally:
        writer.close()


async def dashboard(port: int, code: str, token: str, result: Round):
    """The teacher's page: on events, the summary and the distribution again, one at a time."""
    client = Client(port)
    changed = asyncio.Event()
    reading = asyncio.create_task(stream(port, code, token, result, changed))
    while not reading.done():
        waiting = asyncio.create_task(changed.wait())
        await asyncio.wait([reading, waiting], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if changed.is_set():
            changed.clear()
            base = f"/api/classes/{code}"
            await result.call(client, "summary", "GET", base + "/summary", token=token)
            path = base + "/distribution?question=0"
            await result.call(client, "distribution", "GET", path, token=token)
    client.close()
    await reading


async def student(port: int, code: str, name: str, args, asked, result: Round, rng, start):
    client = Client(port)
    await asyncio.sleep(max(0.0, start + rng.uniform(0, args.join_seconds) - time.monotonic()))
    for _ in range(20):
        status, reply = await result.call(
            client, "join", "POST", f"/api/classes/{code}/students", {"name": name}
        )
        if status == 201:
            break
        await asyncio.sleep(0.5)
    else:
        result.gave_up += 1
        return
    result.joined_in = max(result.joined_in, time.monotonic() - start)
    token = json.loads(reply)["student_token"]
    begin = start + args.join_seconds
    moments = sorted(rng.uniform(0, args.seconds) for _ in range(args.answers))
    for question, moment in enumerate(moments):
        await asyncio.sleep(max(0.0, begin + moment - time.monotonic()))
        right = asked[question].diagnosis.gradient
        value = right if rng.random() < 0.5 else right + rng.choice((-5, 5, 1, -1))
        body = {"question": question, "node": asked[question].node, "value": value}
        body["key"] = f"{name}-{question}"
        for _ in range(20):
            sent = time.monotonic()
            path = f"/api/classes/{code}/answers"
            status, _ = await result.call(client, "answer", "POST", path, body, token)
            if status == 200:
                result.answered.add(body["key"])
                result.sent[(name, question)] = sent
                break
            await asyncio.sleep(0.5)
        else:
            result.gave_up += 1
    client.close()


async def a_class(port: int, args, round_: int) -> tuple[Round, str, str]:
    result = Round()
    teacher = Client(port)
    status, reply = await result.call(teacher, "create", "POST", "/api/classes", {"items": ITEMS})
    assert status == 201, reply
    created = json.loads(reply)
    code, token = created["code"], created["teacher_token"]
    asked = [q for item in resolve(ITEMS) for q in item.questions]
    watching = asyncio.create_task(dashboard(port, code, token, result))
    await asyncio.sleep(0.2)
    start = time.monotonic()
    rng = random.Random(round_)
    await asyncio.gather(
        *(
            student(
                port, code, f"student {i}", args, asked, result, random.Random(rng.random()), start
            )
            for i in range(args.students)
        )
    )
    await asyncio.sleep(1.0)  # the last events on their way
    await result.call(teacher, "end", "POST", f"/api/classes/{code}/end", {}, token)
    await asyncio.wait_for(watching, 30)
    teacher.close()
    return result, code, token


def stored_keys(db: str, code: str, token: str) -> list[str]:
    with ClassDB(db) as classes:
        return [answer.key for answer in classes.answers(classes.teacher(code, token))]


async def delete(port: int, code: str, token: str) -> int:
    client = Client(port)
    headers = {"Authorization": f"Bearer {token}"}
    status, _ = await client.request("DELETE", f"/api/classes/{code}", headers=headers)
    client.close()
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an SQLite file or a postgresql:// URL (default: a new file)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--students", type=int, default=120)
    parser.add_argument("--answers", type=int, default=20, help="answers per student")
    parser.add_argument("--join-seconds", type=float, default=5, help="joins spread over")
    parser.add_argument("--seconds", type=float, default=60, help="answers spread over")
    args = parser.parse_args()
    assert args.answers <= sum(len(item.questions) for item in resolve(ITEMS))

    folder = tempfile.TemporaryDirectory()
    db = args.db or str(Path(folder.name) / "classes.db")
    load = os.getloadavg()
    process, port = start_server(db, args.workers)
    failures, rss, totals, all_lags = [], [], Round(), []
    started, cpu = time.perf_counter(), 0.0
    try:
        pids = processes(process.pid)
        before = sum(rss_kib(pid) for pid in pids)
        cpu = -sum(cpu_seconds(pid) for pid in pids)
        for round_ in range(args.rounds):
            result, code, token = asyncio.run(a_class(port, args, round_))
            stored = stored_keys(db, code, token)
            lost = len(result.answered - set(stored))
            twice = len(stored) - len(set(stored))
            lags = [
                result.events[key] - sent
                for key, sent in result.sent.items()
                if key in result.events
            ]
            missing = len(result.sent) - len(lags)
            deleted = asyncio.run(delete(port, code, token))
            time.sleep(1.0)
            rss.append(sum(rss_kib(pid) for pid in pids))
            answers = [seconds for kind, seconds, status in result.requests if kind == "answer"]
            fivexx = sum(status >= 500 for _, _, status in result.requests)
            statuses: dict[int, int] = {}
            for _, _, status in result.requests:
                statuses[status] = statuses.get(status, 0) + 1
            print(
                f"round {round_ + 1}: {args.students - result.gave_up} joined in "
                f"{result.joined_in:.1f} s; {len(result.answered)} answers 200 "
                f"({len(answers)} sent; {quantiles(answers)}); {len(stored)} rows, {lost} lost, "
                f"{twice} twice; events {result.kinds}, answer events after their answer: "
                f"{quantiles(lags)}, max {max(lags, default=0) * 1e3:.0f} ms, "
                f"{sum(lag > 1 for lag in lags)} over 1 s, {missing} never; statuses {statuses}; "
                f"delete {deleted}; RSS {rss[-1] / 1024:.1f} MiB",
                flush=True,
            )
            totals.requests += result.requests
            totals.gave_up += result.gave_up
            totals.joined_in = max(totals.joined_in, result.joined_in)
            if fivexx or lost or twice or missing or result.gave_up or deleted != 200:
                failures.append(
                    f"round {round_ + 1}: {fivexx} 5xx, {lost} lost, {twice} twice, "
                    f"{missing} events never came, {result.gave_up} gave up, delete {deleted}"
                )
            all_lags += lags
        cpu += sum(cpu_seconds(pid) for pid in pids)
        alive = process.poll() is None
    finally:
        process.terminate()
        process.wait(timeout=30)
        folder.cleanup()

    elapsed = time.perf_counter() - started
    kinds: dict[str, list[tuple[float, int]]] = {}
    for kind, seconds, status in totals.requests:
        kinds.setdefault(kind, []).append((seconds, status))
    where = "PostgreSQL" if db.startswith("postgresql") else "SQLite"
    print(f"\n## {where}, {args.workers} worker(s), {args.rounds} rounds of {args.students}\n")
    for kind, rows in kinds.items():
        ok = sum(200 <= status < 300 for _, status in rows)
        print(
            f"- {kind}: {len(rows)} requests, {ok} answered 2xx; {quantiles([s for s, _ in rows])}"
        )
    lags = all_lags
    answer_times = [s for s, _ in kinds.get("answer", [])]
    print(f"- joins: all in within {totals.joined_in:.1f} s (target 10 s)")
    print(f"- answers: {quantiles(answer_times)} (target: p95 under 300 ms)")
    print(
        f"- answer events on the dashboard after the answer was sent: {quantiles(lags)}, "
        f"max {max(lags, default=0) * 1e3:.0f} ms, {sum(lag > 1 for lag in lags)} of "
        f"{len(lags)} over 1 s (target: within 1 s)"
    )
    requests = len(totals.requests)
    print(f"- server CPU: {cpu:.1f} s for {requests} requests over {elapsed:.0f} s")
    print(
        f"- server RSS: {before / 1024:.1f} MiB before; after each round "
        + ", ".join(f"{kib / 1024:.1f}" for kib in rss)
        + " MiB"
    )
    print(f"- load average at start {load}, at end {tuple(round(x, 2) for x in os.getloadavg())}")
    if len(rss) > 2 and rss[-1] > rss[-2] * 1.02:
        failures.append(f"memory grew from {rss[-2]} to {rss[-1]} KiB in the last round")
    if not alive:
        failures.append("the server died")
    for failure in failures:
        print("FAILED: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
