"""``autograd serve`` holding a live class, as a process: killed and restarted, several
workers, stopped by a signal, and what its log holds.

Each test starts the command on a class database of its own (``--db``) and a
free port, and stops it by its own handle.
"""

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed")
httpx = pytest.importorskip("httpx", reason="httpx is not installed")

from conftest import class_db  # noqa: E402
from test_classroom import ASKED, WORKED, auth, verdict  # noqa: E402
from test_serve_connections import reply_until_closed  # noqa: E402

from autograd.classes import ClassDB  # noqa: E402


class Server:
    """``autograd serve`` in a process of its own, its output read as it comes."""

    def __init__(self, db: str, *options: str, port: int = 0):
        command = [sys.executable, "-m", "autograd", "serve", "--port", str(port), "--db", db]
        self.process = subprocess.Popen(
            [*command, *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        first = self.process.stdout.readline()
        assert first.startswith("Serving the lesson page at http://127.0.0.1:"), (
            first + self.process.stderr.read()
        )
        self.port = int(first.split("127.0.0.1:")[1].split("/")[0])
        self.url = f"http://127.0.0.1:{self.port}"
        self.out, self.err = [first], []
        self.readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.err), daemon=True),
        ]
        for reader in self.readers:
            reader.start()
        deadline = time.monotonic() + 30
        while True:  # workers take a moment to start; the socket already listens
            try:
                if httpx.get(self.url + "/healthz", timeout=5).text == "ok":
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and self.process.poll() is None, self.err
            time.sleep(0.1)

    @staticmethod
    def _read(stream, lines):
        for line in stream:
            lines.append(line)

    def workers(self) -> list[int]:
        """The worker processes (not multiprocessing's resource tracker)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        children = [int(pid) for pid in path.read_text().split()]
        return [
            pid
            for pid in children
            if b"--multiprocessing-fork" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]

    def kill(self):
        """SIGKILL, the server and each of its workers: a crash, with no time to tidy up."""
        workers = self.workers()
        self.process.kill()
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        for reader in self.readers:
            reader.join(timeout=10)

    def stop(self, sent=signal.SIGTERM) -> int:
        self.process.send_signal(sent)
        try:
            code = self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        for reader in self.readers:
            reader.join(timeout=10)
        return code

    @property
    def log(self) -> str:
        return "".join(self.err)

    @property
    def terminal(self) -> str:
        return "".join(self.out)


@pytest.fixture
def sqlite_db(tmp_path):
    return str(tmp_path / "classes.db")


@pytest.fixture
def postgres_db(tmp_path):
    with class_db("postgresql", tmp_path) as target:
        yield target


# Killed mid-class


class Student:
    """A student answering in a thread, as a page does: a key per answer, sent again on failure."""

    def __init__(self, url: str, code: str, name: str, token: str, seed: int):
        self.url, self.code, self.name, self.token = url, code, name, token
        self.random = random.Random(seed)
        self.answered: dict[str, dict] = {}  # key -> the 200's body
        self.sent: dict[str, dict] = {}  # key -> what was sent
        self.unanswered: list[dict] = []  # sent, no answer seen: sent again first
        self.retried: set[str] = set()  # keys sent more than once
        self.count = 0
        self.stopping = threading.Event()
        self.unexpected: list[str] = []
        self.thread: threading.Thread | None = None

    def next_answer(self) -> dict:
        question = self.count % len(ASKED)
        right = ASKED[question].diagnosis.gradient
        value = right if self.random.random() < 0.5 else right + self.random.choice((-5, 5, 1))
        self.count += 1
        key = f"{self.name}-{self.count}"
        self.sent[key] = {"question": question, "node": ASKED[question].node, "value": value}
        return {**self.sent[key], "key": key}

    def send(self, client: httpx.Client, body: dict) -> bool:
        """Whether the server answered (200); a failure leaves the answer to send again."""
        try:
            response = client.post(
                f"/api/classes/{self.code}/answers", json=body, headers=auth(self.token)
            )
        except httpx.TransportError:
            self.unanswered.append(body)
            return False
        if response.status_code == 200:
            self.answered[body["key"]] = response.json()
            return True
        if response.status_code not in (429, 503):
            self.unexpected.append(f"{response.status_code} {response.text}")
        self.unanswered.append(body)
        return False

    def run(self, new_answers: bool):
        """Send what got no answer (the same keys) first, then new answers unless told not to."""
        with httpx.Client(base_url=self.url, timeout=5) as client:
            while not self.stopping.is_set():
                if self.unanswered:
                    body = self.unanswered.pop(0)
                    self.retried.add(body["key"])
                elif new_answers:
                    body = self.next_answer()
                else:
                    return
                time.sleep(0.1 if self.send(client, body) else 0.3)  # failed: wait longer

    def start(self, new_answers: bool = True):
        self.stopping.clear()
        self.thread = threading.Thread(target=self.run, args=(new_answers,), daemon=True)
        self.thread.start()


def stop(students: list[Student]):
    for student in students:
        student.stopping.set()
    for student in students:
        student.thread.join(timeout=30)


def settle(students: list[Student]):
    """Each student sends what got no answer again, in parallel, until the server answers it."""
    for student in students:
        student.start(new_answers=False)
    deadline = time.monotonic() + 60
    for student in students:
        student.thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stop(students)
    assert not any(s.unanswered for s in students), [s.unanswered for s in students]


def stored_keys(target: str, code: str, teacher: str) -> list[str]:
    with ClassDB(target) as db:
        return [answer.key for answer in db.answers(db.teacher(code, teacher))]


@pytest.mark.parametrize(
    "database, options", [("sqlite_db", ()), ("postgres_db", ("--workers", "2"))], ids=str
)
def test_a_server_killed_mid_class_loses_no_answer_and_the_class_goes_on(
    database, options, request
):
    target = request.getfixturevalue(database)
    server = Server(target, *options)
    try:
        if options:
            assert len(server.workers()) == 2
        client = httpx.Client(base_url=server.url, timeout=10)
        created = client.post("/api/classes", json=WORKED).json()
        code, teacher = created["code"], created["teacher_token"]
        students = []
        for i in range(30):
            name = f"s{i}"
            joined = client.post(f"/api/classes/{code}/students", json={"name": name})
            students.append(Student(server.url, code, name, joined.json()["student_token"], i))
        client.close()
        for student in students:
            student.start()
        deadline = time.monotonic() + 60
        while sum(len(s.answered) for s in students) < 150:  # five each, on average
            assert time.monotonic() < deadline
            time.sleep(0.05)
        server.kill()  # in the middle of answers on their way
        time.sleep(0.5)  # the students' pages keep trying, and fail
        stop(students)
        answered = {key for s in students for key in s.answered}

        stored = stored_keys(target, code, teacher)
        assert answered <= set(stored)  # every answer that got a 200 is there
        assert len(stored) == len(set(stored))  # none twice
        assert len(stored) <= len(answered) + sum(len(s.unanswered) for s in students)

        # Started again on the same database and port: everyone carries on with their token.
        server = Server(target, *options, port=server.port)
        before = sum(len(s.answered) for s in students)
        for student in students:
            student.start()  # what got no answer first, with the same keys
        while sum(len(s.answered) for s in students) < before + 150:
            assert time.monotonic() < deadline + 60
            time.sleep(0.05)
        stop(students)
        settle(students)  # what is left without an answer
        assert [s.unexpected for s in students] == [[]] * 30
        with httpx.Client(base_url=server.url, timeout=10) as client:
            summary = client.get(f"/api/classes/{code}/summary", headers=auth(teacher))
            assert summary.status_code == 200
            assert len(summary.json()["students"]) == 30
            paced = client.post(
                f"/api/classes/{code}/pace", json={"step": 2}, headers=auth(teacher)
            )
            assert paced.json()["step"] == 2
            mine = client.get(f"/api/classes/{code}", headers=auth(students[0].token)).json()
            assert {a["key"] for a in mine["answers"]} == set(students[0].answered)

        final = stored_keys(target, code, teacher)
        every = {key for s in students for key in s.sent}
        assert every == {key for s in students for key in s.answered}
        assert sorted(final) == sorted(every)  # each sent answer stored, and once
        replayed = {key for s in students for key, body in s.answered.items() if body["replayed"]}
        assert replayed <= {key for s in students for key in s.retried}  # only keys sent twice
        for student in students:  # each judged by practice, as the terminal judges it
            for key, body in student.answered.items():
                sent = student.sent[key]
                assert body == {
                    **verdict(sent["question"], sent["value"]),
                    "replayed": body["replayed"],
                }
    finally:
        if server.process.poll() is None:
            server.stop()


# Several workers


def test_two_workers_share_a_class_and_its_events(postgres_db):
    server = Server(postgres_db, "--workers", "2")
    try:
        assert len(server.workers()) == 2
        with httpx.Client(base_url=server.url, timeout=10) as client:
            created = client.post("/api/classes", json=WORKED).json()
            code, teacher = created["code"], created["teacher_token"]
            events = []
            opened = threading.Event()

            def listen():
                with httpx.stream(
                    "GET", f"{server.url}/api/classes/{code}/events", headers=auth(teacher)
                ) as response:
                    opened.set()
                    for line in response.iter_lines():
                        if line.startswith("event: "):
                            events.append((line[7:], time.monotonic()))
                            if line == "event: end":
                                return

            listener = threading.Thread(target=listen, daemon=True)
            listener.start()
            assert opened.wait(10)
            sent = []
            for i in range(20):  # each on a new connection: the system picks a worker
                with httpx.Client(base_url=server.url, timeout=10) as fresh:
                    token = fresh.post(
                        f"/api/classes/{code}/students", json={"name": f"s{i}"}
                    ).json()["student_token"]
                    sent.append(time.monotonic())
                    body = {"question": 3, "node": "b", "value": 5, "key": "k"}
                    answered = fresh.post(
                        f"/api/classes/{code}/answers", json=body, headers=auth(token)
                    )
                    assert answered.json()["mistake"] == "missed-path"
            client.post(f"/api/classes/{code}/end", headers=auth(teacher))
            listener.join(timeout=10)
            kinds = [kind for kind, _ in events]
            assert kinds == ["join", "answer"] * 20 + ["end"]
            arrivals = [at for kind, at in events if kind == "answer"]
            assert max(at - s for at, s in zip(arrivals, sent)) < 1.0
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.log


# Stopping and the log


def open_stream(port: int, code: str, token: str) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=20)
    connection.sendall(
        f"GET /api/classes/{code}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    assert connection.recv(100).startswith(b"HTTP/1.1 200")
    return connection


@pytest.mark.parametrize(
    "options, sent", [((), signal.SIGTERM), (("--workers", "2"), signal.SIGINT)], ids=str
)
def test_a_signal_stops_the_server_and_closes_its_streams(sqlite_db, options, sent):
    server = Server(sqlite_db, *options)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        created = client.post("/api/classes", json=WORKED).json()
        code, teacher = created["code"], created["teacher_token"]
        ann = client.post(f"/api/classes/{code}/students", json={"name": "Ann"})
        streams = [
            open_stream(server.port, code, teacher),
            open_stream(server.port, code, ann.json()["student_token"]),
        ]
    time.sleep(0.3)
    assert server.stop(sent) == 0
    for stream in streams:
        reply_until_closed(stream)  # closed, not left hanging
        stream.close()
    assert server.terminal.rstrip().endswith("autograd serve: stopped"), server.terminal
    assert "Traceback" not in server.log and "CancelledError" not in server.log, server.log


def test_tokens_never_reach_the_log_and_the_teacher_link_is_printed_once(sqlite_db):
    server = Server(sqlite_db)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            created = client.post("/api/classes", json={**WORKED, "mode": "trainer"}).json()
            code, teacher = created["code"], created["teacher_token"]
            students = [
                client.post(f"/api/classes/{code}/students", json={"name": n}).json()
                for n in ("Ann", "Bob")
            ]
            tokens = [s["student_token"] for s in students]
            for token in tokens:
                body = {"question": 0, "node": "x", "value": 1, "key": "k"}
                client.post(f"/api/classes/{code}/answers", json=body, headers=auth(token))
                client.get(f"/api/classes/{code}/summary", headers=auth(token))  # 403
                client.get(f"/api/classes/{code}/items/0/lesson", headers=auth(token))
            client.get(f"/api/classes/{code}/summary", headers=auth(teacher))
            client.get(f"/api/classes/{code}/summary", headers=auth(teacher + "x"))  # 401
            client.get(f"/api/classes/{code}/export?format=jsonl", headers=auth(teacher))
            client.get(f"/api/classes/{code}/events?after=x", headers=auth(teacher))  # 400
            client.post(f"/api/classes/{code}/end", headers=auth(teacher))
            client.delete(f"/api/classes/{code}", headers=auth(teacher))
    finally:
        assert server.stop() == 0
    for token in (teacher, *tokens):
        assert token not in server.log
    terminal = server.terminal
    assert f"Class {code} started: students open {server.url}/ and join with the code {code}" in (
        terminal
    )
    assert terminal.count(teacher) == 1 and f"{server.url}/teach/{code}#token={teacher}" in terminal
    assert not any(token in terminal for token in tokens)


def test_serve_says_what_is_wrong_with_its_database_or_workers(tmp_path):
    folder = tmp_path / "not-a-file"
    folder.mkdir()
    for options, words in (
        (["--db", str(folder)], "cannot open the class database"),
        (["--db", "mysql://x"], "neither a file path nor a postgresql:// URL"),
        (["--workers", "0", "--db", str(tmp_path / "c.db")], "--workers 0"),
        (["--workers", "2", "--db", ":memory:"], "--workers needs a database file"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "autograd", "serve", "--port", "0", *options],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, result
        assert result.stderr.startswith("autograd: error: ") and words in result.stderr, result
        assert "Traceback" not in result.stderr


def test_the_help_names_the_class_options():
    result = subprocess.run(
        [sys.executable, "-m", "autograd", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},  # a file name not broken at its hyphen
    )
    text = " ".join(result.stdout.split())
    assert "--db PATH" in text and "autograd-classes.db" in text
    assert "--workers N" in text and "--classes-from-anywhere" in text
    assert "only this computer may" in text
