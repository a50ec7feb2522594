"""The class database under a class's load: SQLite (synchronous FULL and NORMAL) and PostgreSQL.

A class of 60 students answers from 8 threads (a server's thread pool): each
student sends 20 answers, and each answer is then sent again with its key (a
page retrying). It reports, per database, answers per second, the p50 and
p95 of one record_answer call, and the time of the dashboard's summary() and
of events() after the class is done; then it checks that every answer is
stored once. Bounded: 1,200 answers per database, in temporary files or a
schema it drops.

    python benchmarks/classes_db.py
    AUTOGRAD_TEST_POSTGRES=postgresql://... python benchmarks/classes_db.py
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograd.classes import ClassDB, connections

ITEMS = [{"program": "x = 2*w + b; y = b + 1; z = x*y", "at": {"w": 3, "b": 4}}] * 4


def run(target: str, students: int, answers: int, threads: int) -> dict:
    with ClassDB(target) as db:
        code, token = db.create_class(ITEMS)
        teacher = db.teacher(code, token)
        joined = [db.join(code, f"student {i}").student for i in range(students)]
        latencies: list[float] = []

        def work(student):
            own = []
            for i in range(answers):
                fields = {"question": i % 4, "node": "b", "answer": i, "key": f"k{i}"}
                verdict = {"correct": False, "mistake": "missed-path", "message": "the path via x"}
                for _ in range(2):  # the second is a retry of the same key
                    started = time.perf_counter()
                    db.record_answer(student, **fields, **verdict)
                    own.append(time.perf_counter() - started)
            return own

        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            for own in pool.map(work, joined):
                latencies += own
        elapsed = time.perf_counter() - started
        timed = time.perf_counter()
        summary = db.summary(teacher)
        summary_ms = (time.perf_counter() - timed) * 1e3
        timed = time.perf_counter()
        events = db.events(teacher, after=summary["last_event"] - 100)
        events_ms = (time.perf_counter() - timed) * 1e3
        stored = db.answers(teacher)
        keys = {(a.student_id, a.key) for a in stored}
        assert len(stored) == len(keys) == students * answers, "lost or duplicated answers"
        assert len(events) == 100
    latencies.sort()
    return {
        "calls/s": len(latencies) / elapsed,
        "p50 ms": statistics.median(latencies) * 1e3,
        "p95 ms": latencies[int(0.95 * len(latencies))] * 1e3,
        "summary ms": summary_ms,
        "events ms": events_ms,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--answers", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    shape = (args.students, args.answers, args.threads)
    print(
        f"load average {os.getloadavg()[0]:.1f}; {args.students} students x {args.answers}"
        f" answers (and a retry of each) from {args.threads} threads\n"
    )
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for synchronous in ("FULL", "NORMAL"):
            connections.SQLITE_SYNCHRONOUS = synchronous
            target = str(Path(folder) / f"{synchronous}.db")
            results[f"SQLite, synchronous={synchronous}"] = run(target, *shape)
        connections.SQLITE_SYNCHRONOUS = "FULL"
    url = os.environ.get("AUTOGRAD_TEST_POSTGRES")
    if url:
        import psycopg

        schema = f"bench_{secrets.token_hex(4)}"
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        try:
            separator = "&" if "?" in url else "?"
            target = f"{url}{separator}options=-c%20search_path%3D{schema}"
            results["PostgreSQL"] = run(target, *shape)
        finally:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")
    else:
        print("(PostgreSQL skipped: set AUTOGRAD_TEST_POSTGRES)\n")
    columns = list(next(iter(results.values())))
    print("| database | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for name, row in results.items():
        print(f"| {name} | " + " | ".join(f"{row[c]:.1f}" for c in columns) + " |")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
