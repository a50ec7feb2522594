"""The live class over real HTTP: a server on SQLite and on PostgreSQL, talked to with httpx.

The class works on the worked example x = 2*w + b; y = b + 1; z = x*y at
w = 3, b = 4, whose practice questions are dz/dx, dz/dy, dz/dw, dz/db
(numbers 0 to 3): 5 for dz/db is the path through x only (missed-path), 15
is right. Every verdict expected here is practice's own, computed in the test.
"""

import asyncio
import contextlib
import csv
import io
import json
import queue
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed")
httpx = pytest.importorskip("httpx", reason="httpx is not installed")

from conftest import class_db  # noqa: E402
from test_serve import Running, assert_headers  # noqa: E402

from autograd.classes import ClassDB  # noqa: E402
from autograd.classroom import ClassLimits  # noqa: E402
from autograd.connections import ConnectionLimits  # noqa: E402
from autograd.practice import Exercise, exercise, questions  # noqa: E402
from autograd.serve import create_app  # noqa: E402

WORKED = {"program": "x = 2*w + b; y = b + 1; z = x*y", "at": {"w": 3, "b": 4}}
ASKED = questions(Exercise(WORKED["program"], WORKED["at"]))  # dz/dx, dz/dy, dz/dw, dz/db
QUICK = ClassLimits(keep_alive=0.5)


def verdict(question: int, value: float) -> dict:
    """What practice says of ``value`` for question ``question`` of the worked example."""
    judged = ASKED[question].judge(value)
    return {"correct": judged.correct, "mistake": judged.mistake, "message": judged.message}


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Served:
    """A server in a thread, on its own class database, and the database itself."""

    def __init__(self, target, class_limits=QUICK, connections=None, **options):
        self.target = str(target)
        self.db = ClassDB(target)
        self.app = create_app(classes=self.db, class_limits=class_limits, **options)
        self.running = Running(self.app, connections)
        self.url, self.client = self.running.url, self.running.client

    @property
    def classroom(self):
        return self.app.state.classroom

    def start(self, **body) -> tuple[str, str]:
        """A new class (the worked example unless ``body`` says otherwise): code, teacher token."""
        response = self.client.post("/api/classes", json=body or WORKED)
        assert response.status_code == 201, response.text
        return response.json()["code"], response.json()["teacher_token"]

    def join(self, code: str, name: str) -> str:
        response = self.client.post(f"/api/classes/{code}/students", json={"name": name})
        assert response.status_code == 201, response.text
        return response.json()["student_token"]

    def send(self, code, token, question, value, key, node=None):
        node = node or ASKED[question].node
        body = {"question": question, "node": node, "value": value, "key": key}
        return self.client.post(f"/api/classes/{code}/answers", json=body, headers=auth(token))

    def stop(self):
        self.running.stop()
        self.db.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    with class_db(request.param, tmp_path_factory.mktemp("classes")) as target:
        server = Served(target)
        yield server
        server.stop()


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory):
    """A server on SQLite alone, for the tests of what is the same on every database
    (the connection and stream caps, the HTTP layer under many requests)."""
    server = Served(tmp_path_factory.mktemp("classes") / "classes.db")
    yield server
    server.stop()


def refused(response, status: int, reason: str, *words: str) -> str:
    """The one-line error of a refused request, with its status and reason."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["reason"] == reason, body
    assert "\n" not in body["error"] and "Traceback" not in body["error"]
    for word in words:
        assert word in body["error"], body["error"]
    assert_headers(response)
    return body["error"]


# The API from start to end


def test_a_class_from_start_to_end(served):
    client = served.client
    response = client.post("/api/classes", json=WORKED)
    assert response.status_code == 201
    created = response.json()
    code, teacher = created["code"], created["teacher_token"]
    assert re.fullmatch("[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}", code)
    assert created["teacher_url"] == f"/teach/{code}#token={teacher}"
    assert len(teacher) >= 43  # 256 random bits

    ann = served.join(code, "Ann")
    bob = served.join(code.lower()[:3] + "-" + code.lower()[3:], "Bob")  # as a student types it
    refused(client.post(f"/api/classes/{code}/students", json={"name": "ANN"}), 409, "name-taken")
    refused(client.post("/api/classes/ABCDEF/students", json={"name": "Cy"}), 404, "unknown-class")
    refused(client.post("/api/classes/0O1IL0/students", json={"name": "Cy"}), 404, "unknown-class")
    refused(client.post(f"/api/classes/{code}/students", json={"name": " "}), 400, "name-invalid")

    seen = client.get(f"/api/classes/{code}", headers=auth(ann)).json()
    assert seen["role"] == "student" and seen["me"]["name"] == "Ann" and seen["answers"] == []
    assert seen["pace"] == {"item": 0, "step": 0, "free": False, "paused": False}
    assert not seen["ended"]
    (item,) = seen["items"]
    assert (item["index"], item["mode"], item["first_question"]) == (0, "practice", 0)
    assert [(q["index"], q["symbol"], q["node"], q["kind"]) for q in item["questions"]] == [
        (0, "dz/dx", "x", "gradient"),
        (1, "dz/dy", "y", "gradient"),
        (2, "dz/dw", "w", "gradient"),
        (3, "dz/db", "b", "gradient"),
    ]
    assert client.get(f"/api/classes/{code}", headers=auth(teacher)).json()["role"] == "teacher"

    # Answers: judged by practice on the server, stored with its diagnosis.
    wrong = served.send(code, ann, 3, 5, "a1").json()
    assert wrong == {**verdict(3, 5), "replayed": False}
    assert wrong["mistake"] == "missed-path"
    assert wrong["message"] == (
        "dz/db: you have 5, which is the path through x only; b also reaches z through y (10)"
    )
    assert served.send(code, ann, 3, 15, "a2").json() == {**verdict(3, 15), "replayed": False}
    assert served.send(code, bob, 3, 5, "b1").json()["mistake"] == "missed-path"
    assert served.send(code, bob, 2, 10, "b2").json()["correct"] is True
    assert served.send(code, bob, 0, -5, "b3").json()["mistake"] == "sign"
    again = served.send(code, ann, 3, 5, "a1").json()  # sent again: the same, stored once
    assert again == {**wrong, "replayed": True}
    refused(served.send(code, ann, 3, 6, "a1"), 409, "key-reused", "send a new key")
    refused(served.send(code, ann, 3, 6, "a3", node="w"), 400, "invalid", "is about b")
    refused(served.send(code, ann, 4, 6, "a3", node="w"), 400, "invalid", "no question 4")
    shown = client.post(
        f"/api/classes/{code}/answers",
        json={"question": 2, "node": "w", "reveal": True, "key": "a4"},
        headers=auth(ann),
    ).json()
    assert shown == {
        "revealed": True,
        "answer": 10.0,
        "message": ASKED[2].diagnosis.explanation,
        "replayed": False,
    }

    # Paused: a new answer waits; one sent before the pause is still answered.
    pace = client.post(f"/api/classes/{code}/pace", json={"paused": True}, headers=auth(teacher))
    assert pace.json() == {"item": 0, "step": 0, "free": False, "paused": True}
    refused(served.send(code, ann, 1, 20, "a5"), 423, "paused", "paused")
    assert served.send(code, ann, 3, 15, "a2").json()["replayed"] is True
    for change, expected in (
        ({"paused": False, "step": 2}, {"item": 0, "step": 2, "free": False, "paused": False}),
        ({"free": True}, {"item": 0, "step": 2, "free": True, "paused": False}),
    ):
        pace = client.post(f"/api/classes/{code}/pace", json=change, headers=auth(teacher))
        assert pace.json() == expected
    refused(
        client.post(f"/api/classes/{code}/pace", json={"item": 1}, headers=auth(teacher)),
        400,
        "invalid",
        "no item 1",
    )

    # The dashboard: marks, counts, the commonest mistake with its diagnosis.
    summary = client.get(f"/api/classes/{code}/summary", headers=auth(teacher)).json()
    marks = {s["name"]: [m["mark"] for m in s["marks"]] for s in summary["students"]}
    assert marks == {"Ann": ["·", "·", "?", "✓"], "Bob": ["✗", "·", "✓", "✗"]}
    common = summary["questions"][3]["common"]
    assert (common["code"], common["students"], common["answers"]) == ("missed-path", 2, 2)
    assert common["message"] == wrong["message"]
    assert common["meaning"] == "a path (or a contribution) left out of the sum"
    assert summary["questions"][1]["common"] is None

    spread = client.get(f"/api/classes/{code}/distribution?question=3", headers=auth(teacher))
    assert spread.json() == {
        "question": 3,
        "answers": [
            {"node": "b", "answer": 5.0, "students": 1, "correct": False, "mistake": "missed-path"},
            {"node": "b", "answer": 15.0, "students": 1, "correct": True, "mistake": None},
        ],
    }
    bob_id = next(s["id"] for s in summary["students"] if s["name"] == "Bob")
    listed = client.get(
        f"/api/classes/{code}/answers?student={bob_id}&mistake=missed-path", headers=auth(teacher)
    ).json()["answers"]
    assert [(a["student"], a["question"], a["answer"]) for a in listed] == [("Bob", 3, 5.0)]

    # A reload: the student's own answers come back.
    mine = client.get(f"/api/classes/{code}", headers=auth(ann)).json()["answers"]
    assert [(a["question"], a["value"], a["mistake"], a["key"]) for a in mine] == [
        (3, 5.0, "missed-path", "a1"),
        (3, 15.0, None, "a2"),
        (2, None, None, "a4"),
    ]

    # Export: a download of every answer, once each.
    exported = client.get(f"/api/classes/{code}/export?format=csv", headers=auth(teacher))
    assert exported.headers["content-disposition"] == (
        f'attachment; filename="class-{code}-answers.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["student"], r["question"], r["answer"], r["mistake"]) for r in rows] == [
        ("Ann", "3", "5.0", "missed-path"),
        ("Ann", "3", "15.0", ""),
        ("Bob", "3", "5.0", "missed-path"),
        ("Bob", "2", "10.0", ""),
        ("Bob", "0", "-5.0", "sign"),
        ("Ann", "2", "", ""),
    ]
    lines = client.get(f"/api/classes/{code}/export?format=jsonl", headers=auth(teacher))
    assert lines.headers["content-disposition"].startswith("attachment;")
    first = json.loads(lines.text.splitlines()[0])
    assert first == {
        "time": first["time"],
        "student": "Ann",
        "question": 3,
        "node": "b",
        "answer": 5.0,
        "correct": False,
        "mistake": "missed-path",
        "revealed": False,
    }
    assert len(lines.text.splitlines()) == 6

    # The end: no one joins or answers; the data stays until it is deleted.
    ended = client.post(f"/api/classes/{code}/end", headers=auth(teacher))
    assert ended.status_code == 200 and ended.json()["code"] == code
    refused(client.post(f"/api/classes/{code}/students", json={"name": "Cy"}), 410, "class-ended")
    refused(served.send(code, bob, 1, 20, "b9"), 410, "class-ended")
    assert client.get(f"/api/classes/{code}", headers=auth(ann)).json()["ended"] is True
    deleted = client.delete(f"/api/classes/{code}", headers=auth(teacher))
    assert deleted.json() == {"code": code, "deleted": True}
    refused(client.get(f"/api/classes/{code}", headers=auth(teacher)), 404, "unknown-class")
    refused(client.get(f"/api/classes/{code}", headers=auth(ann)), 404, "unknown-class")


def test_a_class_of_several_items_numbers_its_questions_across_them(served):
    items = [WORKED, {"level": 2, "seed": 7, "mode": "trainer"}]
    code, teacher = served.start(items=items)
    seen = served.client.get(f"/api/classes/{code}", headers=auth(teacher)).json()
    second = exercise(2, 7)
    trainer = questions(second, "trainer")
    assert [i["first_question"] for i in seen["items"]] == [0, 4]
    assert seen["items"][1]["mode"] == "trainer"
    assert seen["items"][1]["title"] == second.heading()
    assert [q["symbol"] for q in seen["items"][1]["questions"]] == [
        q.diagnosis.symbol for q in trainer
    ]
    assert seen["items"][1]["questions"][-1]["index"] == 4 + len(trainer) - 1
    ann = served.join(code, "Ann")
    # The trainer's first question: a local derivative, judged by practice's trainer.
    wrong = -trainer[0].diagnosis.gradient
    answered = served.send(code, ann, 4, wrong, "t1", node=trainer[0].node).json()
    judged = trainer[0].judge(wrong)
    assert (answered["mistake"], answered["message"]) == (judged.mistake, judged.message)
    summary = served.client.get(f"/api/classes/{code}/summary", headers=auth(teacher)).json()
    assert len(summary["students"][0]["marks"]) == 4 + len(trainer)


def test_the_lesson_of_an_item_has_no_verdicts_and_comes_from_the_cache(served):
    code, teacher = served.start(items=[WORKED, {**WORKED, "mode": "trainer"}])
    ann = served.join(code, "Ann")
    response = served.client.get(f"/api/classes/{code}/items/1/lesson", headers=auth(ann))
    assert response.status_code == 200
    data = response.json()
    assert data["mode"] == "trainer" and data["svg"].startswith("<svg")
    asked = data["view"]["modes"]["trainer"]
    assert [q["symbol"] for q in asked] == [
        q.diagnosis.symbol for q in questions(Exercise(WORKED["program"], WORKED["at"]), "trainer")
    ]
    text = response.text
    assert all("verdicts" not in q and "otherwise" not in q for q in asked)
    assert '"verdicts"' not in text and '"otherwise"' not in text
    # The same lesson for the teacher, and again: one computation, kept.
    kept = len(served.app.state.answers)
    again = served.client.get(f"/api/classes/{code}/items/1/lesson", headers=auth(teacher))
    assert again.json() == data and len(served.app.state.answers) == kept
    refused(
        served.client.get(f"/api/classes/{code}/items/2/lesson", headers=auth(ann)),
        400,
        "invalid",
        "no item 2",
    )
    refused(
        served.client.get(f"/api/classes/{code}/items/x/lesson", headers=auth(ann)),
        400,
        "invalid",
        "whole number",
    )


# Tokens


def test_a_student_token_opens_nothing_of_the_teachers_nor_of_another_class(served):
    code, teacher = served.start()
    other_code, other_teacher = served.start()
    ann = served.join(code, "Ann")
    zed = served.join(other_code, "Zed")
    client = served.client
    for method, path, body in (
        ("GET", "summary", None),
        ("GET", "distribution?question=0", None),
        ("GET", "answers", None),
        ("GET", "export?format=csv", None),
        ("POST", "pace", {"step": 1}),
        ("POST", "end", None),
        ("DELETE", "", None),
    ):
        url = f"/api/classes/{code}/{path}".rstrip("/")
        response = client.request(method, url, json=body, headers=auth(ann))
        refused(response, 403, "forbidden", "student's token")
        for stranger in (zed, other_teacher, "forged" + ann[6:]):  # another class's, forged
            response = client.request(method, url, json=body, headers=auth(stranger))
            refused(response, 401, "unauthorized", f"opens nothing in class {code}")
    # Another class's student cannot answer here, nor read this class.
    refused(served.send(code, zed, 3, 5, "z1"), 401, "unauthorized")
    refused(client.get(f"/api/classes/{code}", headers=auth(zed)), 401, "unauthorized")
    refused(client.get(f"/api/classes/{code}/events", headers=auth(zed)), 401, "unauthorized")
    # The teacher answers no question: a student's route.
    refused(served.send(code, teacher, 3, 5, "t1"), 403, "forbidden")
    # A token in any other form than the header opens nothing.
    for headers in ({}, {"Authorization": ann}, {"Authorization": f"Basic {ann}"}):
        response = client.get(f"/api/classes/{code}/summary", headers=headers)
        refused(response, 401, "unauthorized", "Bearer")
    refused(client.get(f"/api/classes/{code}?token={teacher}"), 401, "unauthorized")
    refused(
        client.get(f"/api/classes/{code}", headers={"Authorization": "Bearer " + "x" * 5000}),
        401,
        "unauthorized",
    )
    # The other class is untouched.
    summary = client.get(f"/api/classes/{other_code}/summary", headers=auth(other_teacher))
    assert [s["name"] for s in summary.json()["students"]] == ["Zed"]


def test_the_teacher_token_never_reaches_a_student(served):
    code, teacher = served.start()
    ann = served.join(code, "Ann")
    served.client.post(f"/api/classes/{code}/pace", json={"step": 1}, headers=auth(teacher))
    seen = []
    client = served.client
    seen.append(client.post(f"/api/classes/{code}/students", json={"name": "Bob"}))
    seen.append(client.get(f"/api/classes/{code}", headers=auth(ann)))
    seen.append(client.get(f"/api/classes/{code}/items/0/lesson", headers=auth(ann)))
    seen.append(served.send(code, ann, 3, 5, "k"))
    seen.append(client.get(f"/class/{code}"))
    seen.append(client.get("/"))
    for response in seen:
        assert response.status_code in (200, 201), response.text
        assert teacher not in response.text
        assert teacher not in str(response.headers) and teacher not in str(response.url)
    events = Events(served.url, code, ann)
    try:
        assert events.next()["event"] == "pace"
        assert teacher not in json.dumps(events.seen)
    finally:
        events.close()


# Hostile input: every field checked before any work


@pytest.mark.parametrize(
    "body, words",
    [
        ([], "must be a JSON object"),
        ({"program": 3}, "program must be text"),
        ({"program": "z = w"}, "w"),  # no value for w: the command line's words
        ({"program": "z = __import__('os').system('true')"}, "item 0"),
        ({"program": "z = w", "at": {"w": True}}, "w is true, not a number"),
        ({"program": "z = w", "at": {"w": 1e300}}, "too large for a lesson"),
        ({"program": "z = w", "at": [1]}, "at must be an object"),
        (
            {"program": "; ".join(f"v{i} = v{i - 1} + 1" for i in range(1, 250)), "at": {"v0": 1}},
            "nodes",
        ),
        ({"level": 9}, "level must be one of 1, 2, 3, 4"),
        ({"level": True}, "level must be one of"),
        ({"level": 2, "seed": -1}, "seed must be from 0"),
        ({"level": 2, "seed": 2**40}, "seed must be from 0"),
        ({"level": 2, "program": "z = w"}, "not both"),
        ({"level": 2, "mode": "lesson"}, "mode must be practice or trainer"),
        ({"items": []}, "items must be a list of 1 to 100"),
        ({"items": [3]}, "item 0 must be an object"),
        ({"items": [WORKED] * 101}, "1 to 100"),
        ({"items": [WORKED], "level": 2}, "not both"),
        ({"teacher": "me"}, "unknown field 'teacher'"),
        ({}, "needs a program"),
    ],
)
def test_a_class_of_bad_items_is_refused(served, body, words):
    refused(served.client.post("/api/classes", json=body), 400, "invalid", words)


def test_a_class_asking_too_many_questions_is_refused(served):
    items = [{"program": " + ".join(f"w{i}" for i in range(20)), "mode": "trainer"}] * 30
    for item in items:
        item["at"] = {f"w{i}": i + 1 for i in range(20)}
    response = served.client.post("/api/classes", json={"items": items})
    refused(response, 400, "invalid", "more than a class asks (1000)")


@pytest.mark.parametrize(
    "body, words",
    [
        ({"question": "3", "node": "b", "value": 5, "key": "k"}, "question must be a whole number"),
        ({"question": 3.0, "node": "b", "value": 5, "key": "k"}, "question must be a whole number"),
        (
            {"question": True, "node": "b", "value": 5, "key": "k"},
            "question must be a whole number",
        ),
        ({"question": -1, "node": "b", "value": 5, "key": "k"}, "question must be from 0"),
        ({"question": 10**15, "node": "b", "value": 5, "key": "k"}, "question must be from 0"),
        ({"question": 3, "node": 5, "value": 5, "key": "k"}, "node must be text"),
        ({"question": 3, "node": "", "value": 5, "key": "k"}, "node must not be empty"),
        ({"question": 3, "node": "b\u0000", "value": 5, "key": "k"}, "node must be printable"),
        ({"question": 3, "node": "b", "value": "5", "key": "k"}, "value must be a number"),
        ({"question": 3, "node": "b", "value": None, "key": "k"}, "value must be a number"),
        ({"question": 3, "node": "b", "value": 5, "key": ""}, "key must not be empty"),
        ({"question": 3, "node": "b", "value": 5, "key": "k" * 65}, "at most 64"),
        ({"question": 3, "node": "b", "value": 5, "key": ["k"]}, "key must be text"),
        ({"question": 3, "node": "b", "key": "k"}, "send a value"),
        ({"question": 3, "node": "b", "reveal": False, "key": "k"}, "send a value"),
        ({"question": 3, "node": "b", "reveal": True, "value": 5, "key": "k"}, "not both"),
        ({"question": 3, "node": "b", "value": 5}, "the field key is missing"),
        ({"question": 3, "node": "b", "value": 5, "key": "k", "correct": True}, "unknown field"),
        ("5", "must be a JSON object"),
    ],
)
def test_a_bad_answer_is_refused_before_any_work(served, body, words):
    code, _ = served.start()
    ann = served.join(code, "Ann")
    response = served.client.post(f"/api/classes/{code}/answers", json=body, headers=auth(ann))
    refused(response, 400, "invalid", words)
    # A bad field is refused even without a token: nothing was looked up.
    refused(served.client.post(f"/api/classes/{code}/answers", json=body), 400, "invalid", words)


def test_bodies_that_are_not_json_are_refused(served):
    code, _ = served.start()
    url = f"/api/classes/{code}/students"
    for content, content_type, status, words in (
        (b'{"name": "Ann"}', "text/plain", 415, "Content-Type: application/json"),
        (b'{"name": NaN}', "application/json", 400, "NaN is not a number JSON allows"),
        (b"[" * 50_000 + b"]" * 50_000, "application/json", 413, "larger than"),
        (b"\xff", "application/json", 400, "not UTF-8"),
    ):
        response = served.client.post(url, content=content, headers={"Content-Type": content_type})
        assert response.status_code == status, response.text
        assert words in response.json()["error"]
    reason = served.client.post(url, content=b"{", headers={"Content-Type": "application/json"})
    assert reason.json()["reason"] == "invalid"


@pytest.mark.parametrize(
    "name, words",
    [
        ("A" * 25, "at most 24 characters, got 25"),
        ("A" * 5000, "at most 24 characters"),
        ("Ann\nLee", "U+000A"),
        ("Ann\u202eLee", "U+202E"),  # right-to-left override
        ("\u200b", "U+200B"),  # invisible
        ("", "at least one character"),
        (3, "a nickname is text"),
        (None, "a nickname is text"),
    ],
)
def test_a_nickname_that_is_no_name_is_refused(served, name, words):
    code, _ = served.start()
    response = served.client.post(f"/api/classes/{code}/students", json={"name": name})
    refused(response, 400, "name-invalid", words)


def test_a_nickname_in_html_is_stored_and_sent_as_text(served):
    code, teacher = served.start()
    # The issue's <img src=x onerror=alert(1)> is 28 characters: too long to be a nickname.
    name = "<img src=x onerror=f()>"
    token = served.join(code, name)
    served.send(code, token, 3, 5, "k")
    summary = served.client.get(f"/api/classes/{code}/summary", headers=auth(teacher))
    assert summary.headers["content-type"] == "application/json"
    assert summary.headers["x-content-type-options"] == "nosniff"
    assert summary.json()["students"][0]["name"] == name
    exported = served.client.get(f"/api/classes/{code}/export", headers=auth(teacher)).text
    assert name in exported
    page = served.client.get(f"/teach/{code}")
    assert "<img" not in page.text


def test_the_class_page_and_the_teachers_page_answer_with_the_security_headers(served):
    code, _ = served.start()
    for path in (f"/class/{code}", f"/teach/{code.lower()}"):
        response = served.client.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/html"
        )
        assert code in response.text
        assert_headers(response)
    assert served.client.get("/class/<script>").status_code == 404


def pipelined(url: str, requests: list[bytes]) -> list[tuple[int, bytes]]:
    """Send every request at once on one connection; each response's status and body.

    The server answers them in order (HTTP/1.1 pipelining): the test pays for the
    server's work, not for a client's.
    """
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(b"".join(requests))
        reader = connection.makefile("rb")
        responses = []
        for _ in requests:
            status = int(reader.readline().split()[1])
            length = 0
            while (line := reader.readline()) != b"\r\n":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            responses.append((status, reader.read(length)))
        return responses


def post(path: str, body: dict) -> bytes:
    data = json.dumps(body).encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode() + data


def test_ten_thousand_joins_stop_at_the_cap_with_a_clear_409(on_sqlite):
    # Over HTTP on SQLite; tests/test_classes.py makes 10,000 joins on PostgreSQL too.
    code, teacher = on_sqlite.start()
    outcomes: list[tuple[int, bytes]] = []

    def joins(first: int):
        names = range(first, 10_000, 4)
        path = f"/api/classes/{code}/students"
        outcomes.extend(pipelined(on_sqlite.url, [post(path, {"name": f"s{i}"}) for i in names]))

    threads = [threading.Thread(target=joins, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = [status for status, _ in outcomes]
    assert statuses.count(201) == 500 and statuses.count(409) == 9_500
    refusals = {body for status, body in outcomes if status == 409}
    assert [json.loads(body) for body in refusals] == [
        {"error": f"class {code} is full (500 students): ask the teacher", "reason": "class-full"}
    ]
    summary = on_sqlite.client.get(f"/api/classes/{code}/summary", headers=auth(teacher))
    assert len(summary.json()["students"]) == 500


def test_a_student_answering_faster_than_a_class_does_is_slowed(tmp_path):
    server = Served(tmp_path / "c.db", ClassLimits(answer_burst=5, answers_per_second=0.5))
    try:
        code, _ = server.start()
        ann, bob = server.join(code, "Ann"), server.join(code, "Bob")
        statuses = [server.send(code, ann, 3, i, f"k{i}").status_code for i in range(8)]
        assert statuses == [200] * 5 + [429] * 3
        response = server.send(code, ann, 3, 9, "k9")
        refused(response, 429, "too-fast", "faster than a class does")
        assert response.headers["retry-after"] == "1"
        assert server.send(code, bob, 3, 5, "b").status_code == 200  # per token, not address
    finally:
        server.stop()


def test_a_class_is_started_from_this_computer_unless_the_server_allows_any(tmp_path):
    """A client of another address (a student's laptop) may not start a class by default."""
    db = ClassDB(tmp_path / "c.db")

    async def start(app):
        transport = httpx.ASGITransport(app=app, client=("192.168.1.20", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post("/api/classes", json=WORKED)

    try:
        for anywhere, status in ((False, 403), (True, 201)):
            app = create_app(classes=db, classes_from_anywhere=anywhere)
            # In a thread of its own: a browser test before it may leave this thread's loop set.
            with ThreadPoolExecutor(1) as thread:
                response = thread.submit(asyncio.run, start(app)).result()
            assert response.status_code == status, response.text
            if status == 403:
                assert response.json()["reason"] == "loopback-only"
                assert "--classes-from-anywhere" in response.json()["error"]
    finally:
        db.close()


def test_a_server_without_a_class_database_says_so(tmp_path):
    server = Running(create_app())
    try:
        response = server.client.post("/api/classes", json=WORKED)
        refused(response, 404, "no-classes", "--db")
    finally:
        server.stop()


# Live events


class Events:
    """A class's event stream read in a thread, as the pages read it (fetch, a header)."""

    def __init__(self, url: str, code: str, token: str, headers=None, query: str = ""):
        self.queue: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        self.client = httpx.Client(base_url=url, timeout=httpx.Timeout(10, read=30))
        self.status: int | None = None
        self.opened = threading.Event()
        self.ended = threading.Event()
        path = f"/api/classes/{code}/events{query}"
        headers = {**auth(token), **(headers or {})}
        self.thread = threading.Thread(target=self._read, args=(path, headers), daemon=True)
        self.thread.start()
        assert self.opened.wait(10), "the stream did not open"

    def _read(self, path, headers):
        event: dict = {}
        try:
            with self.client.stream("GET", path, headers=headers) as response:
                self.status, self.headers = response.status_code, response.headers
                self.opened.set()
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self.queue.put({"comment": line[1:].strip(), "at": time.monotonic()})
                    elif line:
                        name, _, value = line.partition(": ")
                        event[name] = value
                    elif event:
                        event["data"] = json.loads(event["data"])
                        event["at"] = time.monotonic()
                        self.queue.put(event)
                        self.seen.append(event)
                        event = {}
        except (httpx.HTTPError, RuntimeError):
            pass  # closed by the test
        finally:
            self.opened.set()
            self.ended.set()

    def next(self, timeout: float = 5.0, comments: bool = False) -> dict:
        while True:
            item = self.queue.get(timeout=timeout)
            if comments or "comment" not in item:
                return item

    def close(self):
        self.client.close()
        self.thread.join(timeout=5)


def test_the_teachers_stream_receives_join_answer_and_pace_within_a_second(served):
    code, teacher = served.start()
    dashboard = Events(served.url, code, teacher)
    try:
        assert dashboard.status == 200
        assert dashboard.headers["content-type"].startswith("text/event-stream")
        assert_headers_of_stream(dashboard.headers)
        sent = time.monotonic()
        ann = served.join(code, "Ann")
        joined = dashboard.next()
        assert (joined["event"], joined["id"], joined["data"]["name"]) == ("join", "1", "Ann")
        sent = time.monotonic()
        served.send(code, ann, 3, 5, "k")
        answered = dashboard.next()
        assert answered["at"] - sent < 1.0
        assert answered["event"] == "answer" and answered["id"] == "2"
        data = answered["data"]
        assert (data["name"], data["question"], data["node"], data["answer"]) == ("Ann", 3, "b", 5)
        assert (data["correct"], data["mistake"]) == (False, "missed-path")
        sent = time.monotonic()
        served.client.post(f"/api/classes/{code}/pace", json={"step": 2}, headers=auth(teacher))
        paced = dashboard.next()
        assert paced["at"] - sent < 1.0
        assert (paced["event"], paced["data"]["step"]) == ("pace", 2)
    finally:
        dashboard.close()


def assert_headers_of_stream(headers):
    assert headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in headers["content-security-policy"]


def test_an_answer_taken_by_another_server_process_reaches_the_stream(served):
    """Events are read from the database: a write this process never saw still arrives."""
    code, teacher = served.start()
    ann = served.join(code, "Ann")
    dashboard = Events(served.url, code, teacher)
    try:
        assert dashboard.next()["event"] == "join"
        with ClassDB(served.target) as other:  # as another process would
            student = other.student(code, ann)
            sent = time.monotonic()
            other.record_answer(
                student, question=3, node="b", answer=15, key="elsewhere", **verdict(3, 15)
            )
        arrived = dashboard.next()
        assert arrived["event"] == "answer" and arrived["data"]["correct"] is True
        assert arrived["at"] - sent < 1.0
    finally:
        dashboard.close()


def test_a_students_stream_carries_only_pace_and_end(served):
    code, teacher = served.start()
    ann = served.join(code, "Ann")
    stream = Events(served.url, code, ann)
    try:
        served.join(code, "Bob")
        served.send(code, ann, 3, 5, "k")
        served.client.post(f"/api/classes/{code}/pace", json={"step": 3}, headers=auth(teacher))
        paced = stream.next()
        assert (paced["event"], paced["data"]) == (
            "pace",
            {"item": 0, "step": 3, "free": False, "paused": False, "time": paced["data"]["time"]},
        )
        served.client.post(f"/api/classes/{code}/end", headers=auth(teacher))
        assert stream.next()["event"] == "end"
        assert stream.ended.wait(5)  # the stream closes after the end
        assert [e["event"] for e in stream.seen] == ["pace", "end"]
    finally:
        stream.close()


def test_a_stream_resumes_after_the_last_event_id(served):
    code, teacher = served.start()
    ann = served.join(code, "Ann")
    for i in range(3):
        served.send(code, ann, 3, i, f"k{i}")  # events 2, 3, 4
    for headers, query in (({"Last-Event-ID": "2"}, ""), ({}, "?after=2")):
        stream = Events(served.url, code, teacher, headers, query)
        try:
            assert [stream.next()["id"] for _ in range(2)] == ["3", "4"]
            served.send(code, ann, 3, 9, f"more{query}")
            assert stream.next()["event"] == "answer"
        finally:
            stream.close()
    everything = Events(served.url, code, teacher)
    try:
        assert [everything.next()["event"] for _ in range(6)] == ["join"] + ["answer"] * 5
    finally:
        everything.close()
    for headers, query in (({"Last-Event-ID": "x"}, ""), ({}, "?after=-1"), ({}, "?since=2")):
        response = served.client.get(
            f"/api/classes/{code}/events{query}", headers={**auth(teacher), **headers}
        )
        assert response.status_code == 400


def test_a_quiet_stream_sends_keep_alive_lines(served):
    code, teacher = served.start()
    stream = Events(served.url, code, teacher)
    try:
        assert stream.next(comments=True)["comment"] == "connected"
        assert stream.next(comments=True, timeout=3)["comment"] == "keep-alive"  # every 0.5 s
    finally:
        stream.close()


def test_a_deleted_class_ends_its_streams(served):
    code, teacher = served.start()
    stream = Events(served.url, code, teacher)
    try:
        served.client.delete(f"/api/classes/{code}", headers=auth(teacher))
        assert stream.ended.wait(5)
    finally:
        stream.close()


def open_stream(url: str, code: str, token: str) -> socket.socket:
    """A stream opened on a raw connection; its head read."""
    port = int(url.rsplit(":", 1)[1])
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.sendall(
        f"GET /api/classes/{code}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += connection.recv(4096)
    assert head.startswith(b"HTTP/1.1 200"), head
    return connection


def test_a_client_opening_a_thousand_streams_keeps_three(on_sqlite):
    served = on_sqlite
    code, teacher = served.start()
    ann = served.join(code, "Ann")
    opened = []
    try:
        for _ in range(1000):
            opened.append(open_stream(served.url, code, ann))
        # The newest three are open; each older one was ended (its response complete).
        deadline = time.monotonic() + 10
        while len(served.classroom.feeds[served.db.student(code, ann).class_id].streams) > 3:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first = b""
        opened[0].settimeout(5)
        while not first.endswith(b"0\r\n\r\n"):
            chunk = opened[0].recv(4096)
            assert chunk, first
            first += chunk
        # The server still serves the class, and the dashboard streams.
        assert served.client.get("/healthz").text == "ok"
        dashboard = Events(served.url, code, teacher)
        try:
            served.send(code, ann, 3, 15, "k")
            assert dashboard.next()["event"] == "join"
            assert dashboard.next()["event"] == "answer"
        finally:
            dashboard.close()
        # The three streams still open are the last three, and they carry the next pace.
        served.client.post(f"/api/classes/{code}/pace", json={"step": 1}, headers=auth(teacher))
        for connection in opened[-3:]:
            connection.settimeout(5)
            received = b""
            while b"event: pace" not in received:
                chunk = connection.recv(4096)
                assert chunk
                received += chunk
    finally:
        for connection in opened:
            connection.close()


def test_beyond_the_cap_on_streams_the_oldest_is_closed(tmp_path):
    server = Served(tmp_path / "c.db", connections=ConnectionLimits(max_streams=5))
    try:
        code, _ = server.start()
        tokens = [server.join(code, f"s{i}") for i in range(8)]
        opened = [open_stream(server.url, code, token) for token in tokens]
        opened[0].settimeout(5)
        with contextlib.suppress(ConnectionError):
            while opened[0].recv(4096):
                pass  # until the server closes it
        assert server.client.get("/healthz").text == "ok"
        for connection in opened:
            connection.close()
    finally:
        server.stop()
