"""The class database: every test that opens one runs on SQLite and on PostgreSQL.

The verdicts stored here are what practice computes for the worked classroom
exercise x = 2*w + b; y = b + 1; z = x*y at w = 3, b = 4 (dz/dw = 10,
dz/db = 15): 5 for dz/db is the path through x only (missed-path).
"""

import contextlib
import csv
import gc
import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograd import classes
from autograd.classes import (
    CODE_ALPHABET,
    MIGRATIONS,
    Busy,
    ClassDB,
    ClassEnded,
    ClassFull,
    Forbidden,
    InvalidInput,
    InvalidName,
    KeyReused,
    NameTaken,
    Pace,
    Paused,
    SchemaError,
    Student,
    Unauthorized,
    UnknownClass,
    UnknownStudent,
    database,
    schema,
)
from autograd.practice import Exercise, check

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = {"program": "x = 2*w + b; y = b + 1; z = x*y", "at": {"w": 3, "b": 4}}
ITEMS = [EXERCISE, {"level": 2, "seed": 7}]
WORKED = Exercise(EXERCISE["program"], EXERCISE["at"])


@pytest.fixture
def db(class_db_target):
    with ClassDB(class_db_target) as opened:
        yield opened


@pytest.fixture
def klass(db):
    """A class of the worked exercise and a level-2 exercise: (code, teacher token, Teacher)."""
    code, token = db.create_class(ITEMS)
    return code, token, db.teacher(code, token)


def verdict(node: str, value: float) -> dict:
    """What practice says of ``value`` as d(z)/d(node) in the worked exercise."""
    result = check(WORKED, {node: value})[node]
    return {"correct": result.correct, "mistake": result.mistake, "message": result.message}


def answer(db, student, node, value, key, question=0):
    return db.record_answer(
        student, question=question, node=node, answer=value, key=key, **verdict(node, value)
    )


def count(db, table: str) -> int:
    with db._db.transaction(write=False) as t:
        return t.one(f"SELECT COUNT(*) FROM {table}")[0]


def run_python(source: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", source, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# The schema


def test_migrations_create_an_empty_database_and_reopen_an_existing_one(class_db_target):
    with ClassDB(class_db_target) as db:
        assert db.schema_version() == len(MIGRATIONS)
        code, token = db.create_class(ITEMS)
        db.join(code, "Ann")
    with ClassDB(class_db_target) as db:  # opened again: nothing applied twice, nothing lost
        assert db.schema_version() == len(MIGRATIONS)
        assert count(db, "schema_version") == len(MIGRATIONS)
        teacher = db.teacher(code, token)
        assert [s["name"] for s in db.summary(teacher)["students"]] == ["Ann"]


def test_a_new_migration_runs_once_on_an_existing_database(class_db_target, monkeypatch):
    with ClassDB(class_db_target) as db:
        code, token = db.create_class(ITEMS)
    added = ("a note per class", ("ALTER TABLE classes ADD COLUMN note TEXT",))
    monkeypatch.setattr(schema, "MIGRATIONS", (*MIGRATIONS, added))
    for _ in range(2):
        with ClassDB(class_db_target) as db:
            assert db.schema_version() == len(MIGRATIONS) + 1
            assert db.teacher(code, token).code == code
            with db._db.transaction(write=False) as t:
                assert t.one("SELECT note FROM classes") == (None,)


def test_a_database_newer_than_the_code_is_refused(class_db_target):
    with ClassDB(class_db_target) as db, db._db.transaction(write=True) as t:
        t.run("INSERT INTO schema_version VALUES (99, 'from the future', 'then')")
    with pytest.raises(SchemaError, match="schema version 99, newer than this autograd knows"):
        ClassDB(class_db_target)


def test_sqlite_runs_in_wal_mode_with_full_sync_and_foreign_keys(tmp_path):
    with ClassDB(tmp_path / "c.db") as db, db._db.transaction(write=False) as t:
        assert t.one("PRAGMA journal_mode") == ("wal",)
        assert t.one("PRAGMA synchronous") == (2,)  # FULL
        assert t.one("PRAGMA foreign_keys") == (1,)
        assert t.one("PRAGMA busy_timeout") == (10_000,)


def test_a_target_that_is_neither_a_path_nor_postgresql_is_refused():
    with pytest.raises(ValueError, match=r"mysql://u:\*\*\*@h/db is neither a file path"):
        ClassDB("mysql://u:secret@h/db")


def test_postgresql_without_psycopg_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'scalar-autograd\[postgres\]'"):
        ClassDB("postgresql://u:p@127.0.0.1:1/db")


# Classes, tokens, joining


def test_a_class_has_a_code_without_confusable_characters_and_a_long_random_token(db):
    codes = set()
    for _ in range(20):
        code, token = db.create_class(ITEMS)
        assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
        assert len(token) >= 43  # 256 bits in URL-safe base 64
        codes.add(code)
    assert len(codes) == 20
    assert not set("01OIL") & set(CODE_ALPHABET)


def test_a_code_is_found_in_any_case_with_a_dash(db, klass):
    code, token, teacher = klass
    typed = f"{code[:3].lower()}-{code[3:].lower()}"
    assert db.teacher(typed, token) == teacher


def test_tokens_are_stored_only_as_digests(db, klass):
    code, token, _ = klass
    student_token = db.join(code, "Ann").student_token
    with db._db.transaction(write=False) as t:
        stored = " ".join(
            str(value)
            for table in ("classes", "students", "answers", "events")
            for row in t.all(f"SELECT * FROM {table}")
            for value in row
        )
    assert token not in stored and student_token not in stored


def test_a_token_opens_only_its_own_class_and_side(db, klass):
    code, teacher_token, teacher = klass
    ann_token, ann = db.join(code, "Ann")
    other_code, other_teacher_token = db.create_class(ITEMS)
    other_token = db.join(other_code, "Bob").student_token

    assert db.member(code, teacher_token) == teacher
    assert db.member(code, ann_token) == ann == db.student(code, ann_token)
    with pytest.raises(Forbidden, match="a student's token does not open the teacher's side") as e:
        db.teacher(code, ann_token)
    assert e.value.status == 403
    with pytest.raises(Forbidden, match="the teacher's token is not a student's"):
        db.student(code, teacher_token)
    # One character changed (to one it is not: a random token may end in "A").
    altered = ann_token[:-1] + ("B" if ann_token.endswith("A") else "A")
    for forged in (other_teacher_token, other_token, altered, "x", "", None, 7):
        with pytest.raises(Unauthorized, match=f"this token opens nothing in class {code}") as e:
            db.member(code, forged)
        assert e.value.status == 401
    with pytest.raises(Unauthorized):
        db.member(code, "t" * 10_000)  # too long to be ours: not even hashed
    with pytest.raises(UnknownClass, match="no class has the code 'ZZZZZ'") as e:
        db.teacher("ZZZZZ", teacher_token)
    assert e.value.status == 404


def test_joining_gives_a_student_token_and_an_event(db, klass):
    code, _, teacher = klass
    token, ann = db.join(code, "Ann")
    assert ann == Student(ann.id, teacher.class_id, code, "Ann")
    assert db.student(code, token) == ann
    [event] = db.events(teacher)
    assert (event.id, event.kind, event.payload) == (1, "join", {"student": ann.id, "name": "Ann"})


@pytest.mark.parametrize(
    "first, again",
    [
        ("Ann", "Ann"),
        ("Ann", "ANN"),
        ("Ann", "  ann  "),
        ("Zoë", "Zoe\u0308"),  # NFC: the same letters, composed or not
        ("Ann", "Ａｎｎ"),  # fullwidth letters are the same name
        ("Ann Lee", "Ann   Lee"),
    ],
)
def test_a_nickname_is_unique_in_its_class_up_to_case_and_form(db, klass, first, again):
    code = klass[0]
    db.join(code, first)
    with pytest.raises(NameTaken, match="is taken in class") as e:
        db.join(code, again)
    assert e.value.status == 409
    other_code, _ = db.create_class(ITEMS)
    assert db.join(other_code, again).student.name  # another class: free


@pytest.mark.parametrize(
    "name",
    [
        "<b>bold</b>",
        "'; DROP TABLE students--",
        '=HYPERLINK("http://x")',
        "Zoë 🙂",
        "李华",
        "a" * 24,
        "&lt;&amp;",
        "{{ name }} ${x}",
    ],
)
def test_hostile_but_valid_nicknames_are_stored_as_given(db, klass, name):
    code, _, teacher = klass
    token, student = db.join(code, name)
    assert student.name == name
    assert db.student(code, token).name == name
    assert db.summary(teacher)["students"][0]["name"] == name
    assert db.events(teacher)[0].payload["name"] == name
    assert count(db, "students") == 1


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "at least one character"),
        ("   ", "at least one character"),
        ("a" * 25, "at most 24 characters, got 25"),
        ("<img src=x onerror=alert(1)>", "at most 24 characters, got 28"),
        ("x" * 100_000, "at most 24 characters, got 100000"),
        ("Ann\x00", "U+0000"),
        ("Ann\nLee", "U+000A"),
        ("a\tb", "U+0009"),
        ("\x1b[31mred", "U+001B"),
        ("\u202eevil", "U+202E (right-to-left override)"),
        ("\u200bAnn", "U+200B (zero width space)"),
        ("Ann\u00a0Lee", "U+00A0 (no-break space)"),
        (None, "a nickname is text, got None"),
        (42, "a nickname is text, got 42"),
    ],
)
def test_invalid_nicknames_are_refused_with_the_reason(db, klass, name, message):
    with pytest.raises(InvalidName, match=re.escape(message)) as e:
        db.join(klass[0], name)
    assert e.value.status == 400
    assert count(db, "students") == 0


def test_10000_joins_to_one_class_stop_at_the_cap(db, klass):
    code, _, teacher = klass
    outcomes = []

    def join(i):
        try:
            db.join(code, f"student {i}")
            return "joined"
        except ClassFull as error:
            assert error.status == 409
            assert str(error) == f"class {code} is full (500 students): ask the teacher"
            return "full"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(join, range(10_000)))
    assert outcomes.count("joined") == 500 and outcomes.count("full") == 9_500
    assert len(db.summary(teacher)["students"]) == 500
    assert count(db, "students") == 500


def test_joining_an_ended_class_is_gone(db, klass):
    code, _, teacher = klass
    db.end_class(teacher)
    with pytest.raises(ClassEnded, match=f"class {code} has ended") as e:
        db.join(code, "Late")
    assert e.value.status == 410


# Answers


def test_an_answer_is_stored_with_the_verdict_given(db, klass):
    code, _, teacher = klass
    ann = db.join(code, "Ann").student
    stored = answer(db, ann, "b", 5, key="k1")
    assert (stored.correct, stored.mistake, stored.replayed) == (False, "missed-path", False)
    assert stored.message == (
        "dz/db: you have 5, which is the path through x only; b also reaches z through y (10)"
    )
    assert (stored.student, stored.question, stored.node, stored.answer) == ("Ann", 0, "b", 5.0)
    assert db.my_answers(ann) == [stored]
    assert db.answers(teacher) == [stored]
    right = answer(db, ann, "b", 15, key="k2")
    assert (right.correct, right.mistake) == (True, None)


def test_the_same_key_returns_the_stored_answer_and_stores_nothing(db, klass):
    code, _, teacher = klass
    ann, bob = db.join(code, "Ann").student, db.join(code, "Bob").student
    first = answer(db, ann, "b", 5, key="retry-1")
    events = len(db.events(teacher))
    again = answer(db, ann, "b", 5, key="retry-1")
    assert again == first and again.replayed
    assert count(db, "answers") == 1 and len(db.events(teacher)) == events
    with pytest.raises(
        KeyReused, match=r"'retry-1' was sent before with another answer \(question 0"
    ) as e:
        answer(db, ann, "b", 15, key="retry-1")
    assert e.value.status == 409
    assert not answer(db, bob, "b", 5, key="retry-1").replayed  # keys are per student
    assert count(db, "answers") == 2


@pytest.mark.parametrize(
    "change, message",
    [
        ({"answer": True}, "the answer must be a number, got True"),
        ({"answer": "15"}, "the answer must be a number, got '15'"),
        ({"answer": float("nan")}, "the answer must be finite"),
        ({"answer": float("inf")}, "the answer must be finite"),
        ({"question": 2}, "has 2 questions, numbered from 0; there is no question 2"),
        ({"question": -1}, "question must be from 0 to 999"),
        ({"question": 1.0}, "question must be a whole number"),
        ({"node": ""}, "node must not be empty"),
        ({"node": "b\n"}, "node must be printable"),
        ({"key": ""}, "key must not be empty"),
        ({"key": "k" * 65}, "key must be at most 64 characters, got 65"),
        ({"key": None}, "key must be text"),
        ({"correct": 1}, "correct must be True or False"),
        ({"correct": True, "mistake": "sign"}, "a right answer has no mistake"),
        ({"correct": False, "mistake": None}, "a wrong answer needs a mistake code"),
        ({"correct": False, "mistake": "<b>"}, "a wrong answer needs a mistake code"),
        ({"message": "m" * 2001}, "message must be at most 2000 characters"),
    ],
)
def test_a_bad_answer_field_is_refused_before_anything_is_stored(db, klass, change, message):
    ann = db.join(klass[0], "Ann").student
    fields = {"question": 0, "node": "b", "answer": 5, "key": "k", **verdict("b", 5), **change}
    with pytest.raises(InvalidInput, match=message) as e:
        db.record_answer(ann, **fields)
    assert e.value.status == 400
    assert count(db, "answers") == 0


def test_the_same_key_from_many_threads_at_once_is_stored_once(db, klass):
    ann = db.join(klass[0], "Ann").student
    start = threading.Barrier(16)

    def send(_):
        start.wait()
        return answer(db, ann, "b", 5, key="same")

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(send, range(16)))
    assert len({r.id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert count(db, "answers") == 1


RACER = """
import sys
from autograd.classes import ClassDB
db = ClassDB(sys.argv[1])
student = db.student(sys.argv[2], sys.argv[3])
fresh = 0
for i in range(100):
    stored = db.record_answer(student, question=0, node="b", answer=i, key=f"k{i}",
                              correct=False, mistake="other", message="m")
    fresh += not stored.replayed
print(fresh)
"""


def test_two_processes_sending_the_same_keys_store_each_answer_once(db, klass, class_db_target):
    code = klass[0]
    token = db.join(code, "Ann").student_token
    racers = [run_python(RACER, class_db_target, code, token) for _ in range(2)]
    outputs = [racer.communicate(timeout=120) for racer in racers]
    assert [r.returncode for r in racers] == [0, 0], outputs
    assert sum(int(out) for out, _ in outputs) == 100  # each key stored by one of them
    assert count(db, "answers") == 100


WRITER = """
import sys
from autograd.classes import ClassDB
db = ClassDB(sys.argv[1])
student = db.student(sys.argv[2], sys.argv[3])
for i in range(1_000_000):
    db.record_answer(student, question=0, node="b", answer=i, key=f"k{i}",
                     correct=False, mistake="other", message="m")
    print(i, flush=True)  # only after the commit returned
"""


def test_a_writer_killed_mid_class_loses_no_committed_answer(db, klass, class_db_target):
    code, _, teacher = klass
    token = db.join(code, "Ann").student_token
    writer = run_python(WRITER, class_db_target, code, token)
    reported = []
    for line in writer.stdout:
        reported.append(int(line))
        if len(reported) == 150:
            writer.send_signal(signal.SIGKILL)
            break
    reported += [int(line) for line in writer.stdout]  # what it printed before it died
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    assert reported == list(range(len(reported))) and len(reported) >= 150

    with ClassDB(class_db_target) as reopened:
        stored = reopened.answers(reopened.teacher(code, klass[1]))
        keys = [a.key for a in stored]
        assert len(keys) == len(set(keys))  # none twice
        assert {f"k{i}" for i in reported} <= set(keys)  # every reported one
        assert len(keys) <= len(reported) + 1  # at most the one in flight besides
        # The students' pages send again what got no answer: nothing is counted twice.
        ann = reopened.student(code, token)
        for i in range(len(keys) + 1):
            reopened.record_answer(
                ann, question=0, node="b", answer=i, key=f"k{i}", correct=False, mistake="other"
            )
        assert count(reopened, "answers") == len(keys) + 1
        ids = [e.id for e in reopened.events(teacher, limit=1000)]
        assert ids == list(range(1, len(ids) + 1))


def test_answers_to_an_ended_class_are_refused_but_a_resent_one_is_returned(db, klass):
    code, _, teacher = klass
    ann = db.join(code, "Ann").student
    sent = answer(db, ann, "w", 10, key="before")
    ended = db.end_class(teacher)
    assert db.end_class(teacher) == ended  # ending twice changes nothing
    assert answer(db, ann, "w", 10, key="before") == sent
    with pytest.raises(ClassEnded, match="it takes no more answers"):
        answer(db, ann, "w", 10, key="after")
    assert db.summary(teacher)["ended"] == ended


def test_questions_are_numbered_across_the_items(db):
    # The worked exercise asks 4 gradients, the level-2 exercise 3: questions 0 to 6.
    code, token = db.create_class(ITEMS, questions=7)
    teacher, ann = db.teacher(code, token), db.join(code, "Ann").student
    answer(db, ann, "b", 5, "k", question=6)
    with pytest.raises(
        InvalidInput, match="has 7 questions, numbered from 0; there is no question 7"
    ):
        answer(db, ann, "b", 5, "k7", question=7)
    summary = db.summary(teacher)
    assert [m["mark"] for m in summary["students"][0]["marks"]] == ["·"] * 6 + ["✗"]
    assert len(summary["questions"]) == 7
    details = db.details(ann)
    assert (details.code, details.items, details.questions) == (code, ITEMS, 7)
    assert (details.pace, details.ended, details.last_event) == (Pace(), None, 2)
    with pytest.raises(InvalidInput, match="questions must be from 1 to 1000"):
        db.create_class(ITEMS, questions=1001)


def test_a_paused_class_refuses_new_answers_and_replays_those_sent_before(db, klass):
    code, _, teacher = klass
    ann = db.join(code, "Ann").student
    before = answer(db, ann, "b", 5, "before")
    db.set_pace(teacher, paused=True)
    with pytest.raises(Paused, match="is paused") as e:
        answer(db, ann, "b", 15, "during")
    assert (e.value.status, e.value.reason) == (423, "paused")
    assert answer(db, ann, "b", 5, "before") == before  # an offline retry of an earlier answer
    db.set_pace(teacher, paused=False)
    assert not answer(db, ann, "b", 15, "during").replayed
    assert count(db, "answers") == 2


# Pace and events


def test_pace_follows_the_teacher_and_reaches_students_as_events(db, klass):
    code, _, teacher = klass
    ann = db.join(code, "Ann").student
    assert db.pace(ann) == Pace(item=0, step=0, free=False, paused=False)
    assert db.set_pace(teacher, step=3) == Pace(0, 3, False, False)
    assert db.set_pace(teacher, paused=True) == Pace(0, 3, False, True)
    assert db.set_pace(teacher, item=1) == Pace(1, 0, False, True)  # a new item starts at 0
    assert db.set_pace(teacher, free=True, paused=False) == Pace(1, 0, True, False)
    assert db.pace(ann) == db.pace(teacher) == Pace(1, 0, True, False)
    for bad, message in (
        ({"item": 2}, "no item 2"),
        ({"step": -1}, "step must be from 0"),
        ({"free": "yes"}, "free must be True or False"),
    ):
        with pytest.raises(InvalidInput, match=message):
            db.set_pace(teacher, **bad)
    answer(db, ann, "w", 10, key="k")
    db.end_class(teacher)
    with pytest.raises(ClassEnded):
        db.set_pace(teacher, step=1)

    seen_by_student = db.events(ann)
    assert [e.kind for e in seen_by_student] == ["pace"] * 4 + ["end"]
    assert seen_by_student[-2].payload == {"item": 1, "step": 0, "free": True, "paused": False}
    assert [e.kind for e in db.events(teacher)] == ["join"] + ["pace"] * 4 + ["answer", "end"]
    assert [e.id for e in db.events(teacher)] == list(range(1, 8))
    assert [e.id for e in db.events(teacher, after=5)] == [6, 7]
    assert [e.id for e in db.events(teacher, after=2, limit=2)] == [3, 4]


def test_a_stream_reading_while_many_write_misses_no_event(db, klass):
    code, _, teacher = klass
    students = [db.join(code, f"s{i}").student for i in range(8)]
    streamed, done = [], threading.Event()

    def stream():  # what an SSE route does: ask for the events after the last one sent
        last = 8
        while not done.is_set() or last < 88:
            for event in db.events(teacher, after=last):
                assert event.id == last + 1, f"event {last + 1} was skipped"
                streamed.append(event)
                last = event.id

    def work(student):
        for i in range(10):
            answer(db, student, "w", i, key=f"k{i}")

    reader = threading.Thread(target=stream)
    reader.start()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, students))
    done.set()
    reader.join(timeout=60)
    assert [e.id for e in streamed] == list(range(9, 89))
    assert all(e.kind == "answer" for e in streamed)
    assert [e.id for e in db.events(teacher, limit=1000)] == list(range(1, 89))
    assert db.summary(teacher)["last_event"] == 88


def test_deleting_a_class_removes_everything_in_it(db, klass):
    code, token, teacher = klass
    ann = db.join(code, "Ann").student
    answer(db, ann, "b", 5, key="k")
    other_code, other_token = db.create_class(ITEMS)
    db.join(other_code, "Bob")
    db.delete_class(teacher)
    for call in (lambda: db.teacher(code, token), lambda: db.events(ann), lambda: db.pace(ann)):
        with pytest.raises(UnknownClass):
            call()
    assert (count(db, "classes"), count(db, "students"), count(db, "answers")) == (1, 1, 0)
    assert count(db, "events") == 1  # the other class's join
    assert db.teacher(other_code, other_token).code == other_code


# The dashboard


def test_the_summary_marks_each_student_and_counts_each_mistake(db, klass):
    code, _, teacher = klass
    ann, bob, cat, dan = (db.join(code, n).student for n in ("Ann", "Bob", "Cat", "Dan"))
    answer(db, ann, "w", 10, "a1")  # right
    answer(db, ann, "b", 15, "a2")  # right
    answer(db, bob, "b", 5, "b1")  # the path through x only
    answer(db, bob, "w", 10, "b2")  # right, but b is still wrong
    answer(db, cat, "b", 5, "c1")  # the path through x only
    answer(db, cat, "b", 15, "c2")  # then right
    db.record_reveal(dan, question=0, node="b", key="d1")
    answer(db, dan, "b", 15, "d2")  # after the reveal: still "?"
    answer(db, ann, "w", 3, "a3", question=1)  # a wrong answer to question 1

    summary = db.summary(teacher)
    marks = {s["name"]: [m["mark"] for m in s["marks"]] for s in summary["students"]}
    assert marks == {"Ann": ["✓", "✗"], "Bob": ["✗", "·"], "Cat": ["✓", "·"], "Dan": ["?", "·"]}
    assert summary["students"][1]["marks"][0] == {
        "mark": "✗",
        "mistake": "missed-path",
        "answered": 2,
        "correct": 1,
    }
    first, second = summary["questions"]
    assert (first["answered"], first["correct"], first["revealed"]) == (4, 2, 1)
    assert first["mistakes"] == [
        {
            "node": "b",
            "code": "missed-path",
            "answers": 2,
            "students": 2,
            "message": verdict("b", 5)["message"],
        }
    ]
    assert [m["code"] for m in second["mistakes"]] == [verdict("w", 3)["mistake"]]
    assert summary["pace"] == {"item": 0, "step": 0, "free": False, "paused": False}
    assert summary["items"] == ITEMS and summary["code"] == code
    assert summary["last_event"] == len(db.events(teacher))


def test_the_answer_distribution_counts_each_students_latest_answer(db, klass):
    code, _, teacher = klass
    students = [db.join(code, f"s{i}").student for i in range(5)]
    for i, student in enumerate(students):
        answer(db, student, "b", 5, f"first{i}")
    for student in students[:3]:
        answer(db, student, "b", 15, "second")
    answer(db, students[0], "w", 10, "w")
    assert db.distribution(teacher, 0, "b") == [
        {"node": "b", "answer": 15.0, "students": 3, "correct": True, "mistake": None},
        {"node": "b", "answer": 5.0, "students": 2, "correct": False, "mistake": "missed-path"},
    ]
    assert len(db.distribution(teacher, 0)) == 3
    assert db.distribution(teacher, 1) == []


def test_answers_by_student_question_node_or_mistake(db, klass):
    code, _, teacher = klass
    ann, bob = db.join(code, "Ann").student, db.join(code, "Bob").student
    answer(db, ann, "b", 5, "1")
    answer(db, bob, "b", 5, "2")
    answer(db, bob, "w", 10, "3")
    assert [a.key for a in db.answers(teacher, student=bob.id)] == ["2", "3"]
    assert [a.key for a in db.answers(teacher, mistake="missed-path")] == ["1", "2"]
    assert [a.key for a in db.answers(teacher, node="w", question=0)] == ["3"]
    assert [a.key for a in db.my_answers(ann)] == ["1"]
    other_code, _ = db.create_class(ITEMS)
    stranger = db.join(other_code, "Eve").student
    with pytest.raises(UnknownStudent, match=f"class {code} has no student {stranger.id}"):
        db.answers(teacher, student=stranger.id)


def test_export_as_csv_and_json_lines(db, klass, monkeypatch):
    code, _, teacher = klass
    ann = db.join(code, "=cmd|' /C calc'!A0").student
    bob = db.join(code, 'Bob, "the" 2nd').student
    monkeypatch.setattr(database, "EXPORT_PAGE", 2)  # several pages, read from several threads
    answer(db, ann, "b", 5, "1")
    answer(db, bob, "b", 15, "2")
    db.record_reveal(bob, question=0, node="w", key="3")

    def read_all(fmt):
        chunks = db.export(teacher, fmt)
        with ThreadPoolExecutor(1) as a, ThreadPoolExecutor(1) as b:
            pools = [a, b]
            return "".join(
                chunk
                for i in range(100)
                for chunk in [pools[i % 2].submit(next, chunks, None).result()]
                if chunk is not None
            )

    rows = list(csv.DictReader(io.StringIO(read_all("csv"))))
    assert list(rows[0]) == [
        "time", "student", "question", "node", "answer", "correct", "mistake", "revealed",
    ]  # fmt: skip
    assert [(r["student"], r["node"], r["answer"], r["correct"], r["mistake"]) for r in rows] == [
        ("'=cmd|' /C calc'!A0", "b", "5.0", "false", "missed-path"),  # a formula stays text
        ('Bob, "the" 2nd', "b", "15.0", "true", ""),
        ('Bob, "the" 2nd', "w", "", "false", ""),
    ]
    assert rows[2]["revealed"] == "true"
    lines = [json.loads(line) for line in read_all("jsonl").splitlines()]
    assert [(r["student"], r["answer"], r["correct"], r["mistake"]) for r in lines] == [
        ("=cmd|' /C calc'!A0", 5.0, False, "missed-path"),
        ('Bob, "the" 2nd', 15.0, True, None),
        ('Bob, "the" 2nd', None, False, None),
    ]
    assert lines[0]["time"] == rows[0]["time"] and lines[0]["time"].endswith("Z")
    with pytest.raises(InvalidInput, match="'csv' or 'jsonl'"):
        db.export(teacher, "xlsx")


# Errors and their statuses


def test_each_error_says_its_http_status():
    statuses = {
        error.__name__: error.status
        for error in (
            InvalidInput,
            InvalidName,
            Unauthorized,
            Forbidden,
            UnknownClass,
            UnknownStudent,
            NameTaken,
            ClassFull,
            KeyReused,
            classes.TooManyAnswers,
            ClassEnded,
            Paused,
            Busy,
        )
    }
    assert statuses == {
        "InvalidInput": 400,
        "InvalidName": 400,
        "Unauthorized": 401,
        "Forbidden": 403,
        "UnknownClass": 404,
        "UnknownStudent": 404,
        "NameTaken": 409,
        "ClassFull": 409,
        "KeyReused": 409,
        "TooManyAnswers": 409,
        "ClassEnded": 410,
        "Paused": 423,
        "Busy": 503,
    }
    assert issubclass(InvalidName, ValueError) and issubclass(UnknownClass, LookupError)


def test_a_student_who_sends_too_many_answers_is_stopped(db, klass, monkeypatch):
    monkeypatch.setattr(database, "MAX_ANSWERS", 3)
    ann = db.join(klass[0], "Ann").student
    for i in range(3):
        answer(db, ann, "w", i, f"k{i}")
    with pytest.raises(classes.TooManyAnswers, match="Ann has sent 3 answers"):
        answer(db, ann, "w", 9, "k9")
    assert answer(db, ann, "w", 0, "k0").replayed  # a resent one still answers


def test_a_class_locked_for_longer_than_the_timeout_says_busy(class_db_target):
    with ClassDB(class_db_target, timeout=0.3) as db:
        code = db.create_class(ITEMS).code
        with another_writer(db, class_db_target) as (run, _):
            run("UPDATE classes SET paused = ? WHERE code = ?", (True, code))  # holds the lock
            started = time.monotonic()
            with pytest.raises(Busy, match=r"the class database is (busy|unavailable)") as e:
                db.join(code, "Ann")
            assert e.value.status == 503 and time.monotonic() - started < 5
        assert db.join(code, "Ann").student.name == "Ann"


def test_an_answer_racing_the_end_of_its_class_is_refused(db, klass, class_db_target):
    code, _, teacher = klass
    ann = db.join(code, "Ann").student
    outcome = []

    def send():
        try:
            outcome.append(answer(db, ann, "b", 5, "k"))
        except ClassEnded as error:
            outcome.append(error)

    with another_writer(db, class_db_target) as (run, other):
        run("UPDATE classes SET ended_at = ? WHERE code = ?", ("2026-11-30T09:00:00.000Z", code))
        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(0.5)  # it waits for the class's lock, having read the class as open
        assert sender.is_alive() and not outcome
        other.commit()
        sender.join(timeout=30)
    assert isinstance(outcome[0], ClassEnded)
    assert count(db, "answers") == 0 and [e.kind for e in db.events(teacher)] == ["join"]


@contextlib.contextmanager
def another_writer(db, target):
    """A second connection in a write transaction (on SQLite holding its write lock).

    Yields ``run(sql, params)``, with ``?`` placeholders, and the connection to commit.
    """
    if db.dialect == "sqlite":
        other = sqlite3.connect(target, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        placeholder = "?"
    else:
        import psycopg

        other = psycopg.connect(target)
        placeholder = "%s"
    try:
        yield lambda sql, params: other.execute(sql.replace("?", placeholder), params), other
    finally:
        other.rollback()
        other.close()


def test_a_thread_that_ends_takes_its_sqlite_connection_with_it(tmp_path):
    with ClassDB(tmp_path / "c.db") as db:
        code = db.create_class(ITEMS).code
        for i in range(20):
            thread = threading.Thread(target=db.join, args=(code, f"s{i}"))
            thread.start()
            thread.join()
        gc.collect()
        assert len(db._db._open) <= 2  # this thread's, and at most one not yet collected
