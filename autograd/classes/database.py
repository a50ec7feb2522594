"""``ClassDB``: every query of a live class, over SQLite or PostgreSQL.

Each call is one short transaction. On SQLite a write holds the database's
one write lock (``BEGIN IMMEDIATE``). On PostgreSQL a join, a change of pace
and the end lock the class's row first (``SELECT ... FOR UPDATE``), so the
cap on students and a nickname's uniqueness hold; an answer locks it only
to number its event, at the end of its transaction, so that students answer
side by side: its idempotency key is settled by the key's unique index, and
the numbering re-reads whether the class has ended. Events are numbered in
the order they commit, in any number of threads and processes.
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import autograd.classes.checks as checks
from autograd.classes.checks import MAX_ITEMS, MAX_KEY, MAX_NODE
from autograd.classes.connections import Transaction, connect, redact
from autograd.classes.errors import (
    Busy,
    ClassEnded,
    ClassFull,
    Forbidden,
    InvalidInput,
    KeyReused,
    NameTaken,
    Paused,
    TooManyAnswers,
    Unauthorized,
    UnknownClass,
    UnknownStudent,
)
from autograd.classes.schema import migrate, now
from autograd.i18n import N_, Nn_

DEFAULT_DB = "autograd-classes.db"
MAX_STUDENTS = 500  # per class, by default
MAX_ANSWERS = 5000  # per student: a page stuck in a loop cannot fill the disk
# Questions a class asks over all its items (a dashboard's columns): a lesson
# asks one to a few dozen; the students x questions grid must stay readable.
MAX_QUESTIONS = 1000
MAX_STEP = 10_000
MAX_EVENTS = 1000  # per call of events()
EXPORT_PAGE = 1000  # answers per transaction while exporting
SEEN_EVERY = 60  # seconds: seen() writes a student's last-seen time at most this often
STUDENT_EVENTS = ("pace", "end")  # the kinds a student's stream sees; answers are private
EXPORT_COLUMNS = ("time", "student", "question", "node", "answer", "correct", "mistake", "revealed")


class Created(NamedTuple):
    code: str
    teacher_token: str  # shown once: only its digest is stored


@dataclass(frozen=True)
class Teacher:
    """The teacher of one class, as ``ClassDB.teacher(code, token)`` found them."""

    class_id: int
    code: str


@dataclass(frozen=True)
class Student:
    """A student of one class, as ``ClassDB.student(code, token)`` or ``join`` found them."""

    id: int
    class_id: int
    code: str
    name: str


class Joined(NamedTuple):
    student_token: str  # shown once: only its digest is stored
    student: Student


@dataclass(frozen=True)
class Pace:
    """Where the class is: the item and step the teacher shows, free or following, paused."""

    item: int = 0
    step: int = 0
    free: bool = False
    paused: bool = False


@dataclass(frozen=True)
class Details:
    """A class as its teacher and its students may see it: what it works on, and where it is."""

    code: str
    items: list[dict]
    questions: int  # asked over all the items, numbered 0, 1, 2, ... across them
    pace: Pace
    ended: str | None  # when it ended, if it has
    last_event: int


@dataclass(frozen=True)
class Answer:
    """One stored answer (or reveal) with the verdict it was stored with."""

    id: int
    time: str
    student_id: int
    student: str
    question: int
    node: str
    answer: float | None  # None for a reveal
    revealed: bool
    correct: bool
    mistake: str | None
    message: str
    key: str
    replayed: bool = field(default=False, compare=False)  # the key had been stored before

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Event:
    """Something that happened in a class; ``id`` counts 1, 2, 3, ... within the class."""

    id: int
    kind: str
    payload: dict
    time: str


class ClassDB:
    """The classes, students, answers and events of one database.

    ``target`` is a file path for SQLite (made on first use), ``":memory:"``,
    or a ``postgresql://`` URL. ``pool_size`` bounds the PostgreSQL
    connections of this process; ``timeout`` is how many seconds a call
    waits for a lock or a connection before it raises ``Busy``.
    """

    def __init__(
        self, target: str | os.PathLike = DEFAULT_DB, *, pool_size: int = 10, timeout: float = 10.0
    ):
        target = os.fspath(target)
        self.target = redact(target)
        self._db = connect(target, pool_size, timeout)
        try:
            migrate(self._db, self.target)
        except BaseException:
            self._db.close()
            raise

    def __repr__(self) -> str:
        return f"ClassDB({self.target!r})"

    def close(self) -> None:
        """Close every connection (once nothing calls any more)."""
        self._db.close()

    def __enter__(self) -> ClassDB:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._db.dialect

    def schema_version(self) -> int:
        return self._db.query("SELECT MAX(version) FROM schema_version")[0][0]

    # Classes and who is who

    def create_class(
        self,
        items: Sequence[dict],
        *,
        max_students: int = MAX_STUDENTS,
        questions: int | None = None,
    ) -> Created:
        """A new class working on ``items``: its join code and the teacher's token (shown once).

        ``questions`` is how many questions the items ask in all, numbered
        across them (default: one per item); answers name one of them.
        """
        items_json, item_count = checks.items(items)
        checks.integer("max_students", max_students, 1, 100_000)
        if questions is None:
            questions = item_count
        checks.integer("questions", questions, 1, MAX_QUESTIONS)
        token = checks.new_token()
        # A code that is taken is drawn again (one in 10^6 with a thousand classes kept).
        for _ in range(20):
            code = checks.new_code()
            with self._db.transaction(write=True) as db:
                row = db.one(
                    "INSERT INTO classes (code, teacher_token_hash, items, item_count,"
                    " question_count, max_students, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (code) DO NOTHING RETURNING id",
                    (code, checks.digest(token), items_json, item_count, questions, max_students,
                     now()),
                )  # fmt: skip
            if row is not None:
                return Created(code, token)
        raise Busy(N_("no free join code after 20 draws: delete classes that are over"))

    def join(self, code: str, name: str) -> Joined:
        """Join class ``code`` as ``name``: the student's token (shown once) and the student."""
        name, name_key = checks.nickname(name)
        # Full and ended never change back: say so without waiting for the lock.
        self._open_to_join(self._db.query(_JOIN_CHECK, (checks.join_code(code),)), code)
        token = checks.new_token()
        joined = now()
        with self._db.transaction(write=True) as db:
            cls = self._class(db, code, lock=True)
            if db.one(
                "SELECT 1 FROM students WHERE class_id = ? AND name_key = ?", (cls.id, name_key)
            ):
                raise NameTaken(
                    N_("the nickname {name!r} is taken in class {code}: choose another"),
                    name=name, code=cls.code,
                )  # fmt: skip
            self._open_to_join(db.all(_JOIN_CHECK, (cls.code,)), code)
            student_id = db.one(
                "INSERT INTO students (class_id, name, name_key, token_hash, joined_at,"
                " last_seen_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (cls.id, name, name_key, checks.digest(token), joined, joined),
            )[0]
            self._event(db, cls.id, "join", {"student": student_id, "name": name}, joined)
        return Joined(token, Student(student_id, cls.id, cls.code, name))

    @staticmethod
    def _open_to_join(rows: list[tuple], code) -> None:
        if not rows:
            raise no_class(code)
        cleaned, ended, cap, students = rows[0]
        if ended is not None:
            raise ClassEnded(N_("class {code} has ended: it takes no new students"), code=cleaned)
        if students >= cap:
            raise ClassFull(
                Nn_(
                    "class {code} is full ({count} student): ask the teacher",
                    "class {code} is full ({count} students): ask the teacher",
                ),
                cap, code=cleaned, count=cap,
            )  # fmt: skip

    def member(self, code: str, token: str) -> Teacher | Student:
        """The teacher or the student of class ``code`` whose token this is.

        ``UnknownClass`` for a code no class has; ``Unauthorized`` for a token
        that is neither (another class's tokens included).
        """
        presented = checks.token_digest(token)
        rows = self._db.query(
            "SELECT c.id, c.code, c.teacher_token_hash, s.id, s.name, s.token_hash FROM classes c"
            " LEFT JOIN students s ON s.class_id = c.id AND s.token_hash = ? WHERE c.code = ?",
            (presented or "", checks.join_code(code)),
        )
        if not rows:
            raise no_class(code)
        class_id, cleaned, teacher_hash, student_id, name, student_hash = rows[0]
        if presented is not None:
            if hmac.compare_digest(presented, teacher_hash):
                return Teacher(class_id, cleaned)
            if student_hash is not None and hmac.compare_digest(presented, student_hash):
                return Student(student_id, class_id, cleaned, name)
        raise Unauthorized(N_("this token opens nothing in class {code}"), code=cleaned)

    def teacher(self, code: str, token: str) -> Teacher:
        """The teacher of class ``code``, if ``token`` is theirs (``Forbidden`` for a student's)."""
        who = self.member(code, token)
        if not isinstance(who, Teacher):
            raise Forbidden(
                N_("a student's token does not open the teacher's side of class {code}"),
                code=who.code,
            )
        return who

    def student(self, code: str, token: str) -> Student:
        """The student of class ``code`` whose token this is (``Forbidden`` for the teacher's)."""
        who = self.member(code, token)
        if not isinstance(who, Student):
            raise Forbidden(
                N_("the teacher's token is not a student's in class {code}: join with a nickname"),
                code=who.code,
            )
        return who

    def seen(self, student: Student) -> None:
        """Note that ``student`` is here (written at most once a minute per student)."""
        with self._db.transaction(write=True) as db:
            db.run(
                "UPDATE students SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?",
                (now(), student.id, now(-SEEN_EVERY)),
            )

    # Answers

    def record_answer(
        self,
        student: Student,
        *,
        question: int,
        node: str,
        answer: float,
        key: str,
        correct: bool,
        mistake: str | None = None,
        message: str = "",
    ) -> Answer:
        """Store ``student``'s answer with the verdict practice gave it; what is stored.

        ``mistake`` is None for a right answer, a code (``"missed-path"``, ...)
        for a wrong one. The same ``key`` from the same student again returns
        the stored answer (``replayed=True``) and stores nothing; with another
        question, node or number it raises ``KeyReused``. While the class is
        paused a new answer raises ``Paused``; one sent before is still replayed.
        """
        answer = checks.number("the answer", answer)
        checks.verdict(correct, mistake, message)
        return self._record(student, question, node, answer, False, correct, mistake, message, key)

    def record_reveal(self, student: Student, *, question: int, node: str, key: str) -> Answer:
        """Store that ``student`` was shown the answer at ``node`` (the dashboard's ?)."""
        return self._record(student, question, node, None, True, False, None, "", key)

    def _record(self, student, question, node, answer, revealed, correct, mistake, message, key):
        checks.integer("question", question, 0, MAX_QUESTIONS - 1)
        checks.text("node", node, MAX_NODE)
        checks.text("key", key, MAX_KEY)
        sent = (question, node, answer, revealed)
        answered = now()
        with self._db.transaction(write=True) as db:
            # No lock until the event is numbered: students of one class answer side by side.
            cls = self._class_by_id(db, student.class_id)
            stored = db.one(_STORED, (student.id, key))
            if stored is not None:
                return _replay(stored, sent)
            if cls.ended_at is not None:
                raise ClassEnded(
                    N_("class {code} has ended: it takes no more answers"), code=cls.code
                )
            if cls.paused:
                raise Paused(
                    N_("class {code} is paused: look up, and answer when it goes on"), code=cls.code
                )
            if question >= cls.question_count:
                raise no_question(cls.code, cls.question_count, question)
            count = db.one("SELECT COUNT(*) FROM answers WHERE student_id = ?", (student.id,))[0]
            if count >= MAX_ANSWERS:
                raise TooManyAnswers(
                    N_("{name} has sent {count} answers, the most"),
                    name=student.name, count=MAX_ANSWERS,
                )  # fmt: skip
            # The key's unique index decides a race: the loser finds the winner's answer.
            row = db.one(
                "INSERT INTO answers (class_id, student_id, question, node, answer, revealed,"
                " correct, mistake, message, idempotency_key, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (student_id, idempotency_key) DO NOTHING RETURNING id",
                (cls.id, student.id, question, node, answer, revealed, correct, mistake, message,
                 key, answered),
            )  # fmt: skip
            if row is None:
                return _replay(db.one(_STORED, (student.id, key)), sent)
            payload = {
                "student": student.id,
                "name": student.name,
                "question": question,
                "node": node,
                "answer": answer,
                "revealed": revealed,
                "correct": correct,
                "mistake": mistake,
            }
            if not self._event(db, cls.id, "answer", payload, answered, while_open=True):
                raise ClassEnded(
                    N_("class {code} has ended: it takes no more answers"), code=cls.code
                )
            db.run("UPDATE students SET last_seen_at = ? WHERE id = ?", (answered, student.id))
        return Answer(
            row[0], answered, student.id, student.name, question, node, answer, revealed,
            correct, mistake, message, key,
        )  # fmt: skip

    def my_answers(self, student: Student) -> list[Answer]:
        """``student``'s own answers, oldest first (a page that reloads shows them again)."""
        with self._db.transaction(write=False) as db:
            self._class_by_id(db, student.class_id)
            rows = db.all(f"{_ANSWERS} WHERE a.student_id = ? ORDER BY a.id", (student.id,))
        return [_answer(row) for row in rows]

    def answers(
        self,
        teacher: Teacher,
        *,
        student: int | None = None,
        question: int | None = None,
        node: str | None = None,
        mistake: str | None = None,
    ) -> list[Answer]:
        """The class's answers, oldest first: all, or those of a student, question, node, code."""
        where, params = ["a.class_id = ?"], [teacher.class_id]
        for column, value, check in (
            ("a.student_id", student, lambda v: checks.integer("student", v, 1, 2**62)),
            ("a.question", question, lambda v: checks.integer("question", v, 0, MAX_QUESTIONS - 1)),
            ("a.node", node, lambda v: checks.text("node", v, MAX_NODE)),
            ("a.mistake", mistake, lambda v: checks.text("mistake", v, MAX_NODE)),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(check(value))
        with self._db.transaction(write=False) as db:
            self._class_by_id(db, teacher.class_id)
            if student is not None and not db.one(
                "SELECT 1 FROM students WHERE id = ? AND class_id = ?", (student, teacher.class_id)
            ):
                raise UnknownStudent(
                    N_("class {code} has no student {student}"), code=teacher.code, student=student
                )
            rows = db.all(f"{_ANSWERS} WHERE {' AND '.join(where)} ORDER BY a.id", params)
        return [_answer(row) for row in rows]

    # Pace, end, delete

    def details(self, member: Teacher | Student) -> Details:
        """What the class works on and where it is, for its teacher or any of its students."""
        with self._db.transaction(write=False) as db:
            cls = self._class_by_id(db, member.class_id)
        return Details(
            cls.code, json.loads(cls.items), cls.question_count, cls.pace, cls.ended_at,
            cls.last_event,
        )  # fmt: skip

    def pace(self, member: Teacher | Student) -> Pace:
        """Where the class is now."""
        rows = self._db.query(
            "SELECT pace_item, pace_step, pace_free, paused FROM classes WHERE id = ?",
            (member.class_id,),
        )
        if not rows:
            raise UnknownClass(N_("class {code} has been deleted"), code=member.code)
        item, step, free, paused = rows[0]
        return Pace(item, step, bool(free), bool(paused))

    def set_pace(
        self,
        teacher: Teacher,
        *,
        item: int | None = None,
        step: int | None = None,
        free: bool | None = None,
        paused: bool | None = None,
    ) -> Pace:
        """Change what is given, keep the rest (a new ``item`` starts at step 0); the new pace."""
        if item is not None:
            checks.integer("item", item, 0, MAX_ITEMS - 1)
        if step is not None:
            checks.integer("step", step, 0, MAX_STEP)
        if free is not None:
            checks.flag("free", free)
        if paused is not None:
            checks.flag("paused", paused)
        with self._db.transaction(write=True) as db:
            cls = self._class_by_id(db, teacher.class_id, lock=True)
            if cls.ended_at is not None:
                raise ClassEnded(N_("class {code} has ended"), code=cls.code)
            if item is not None and item >= cls.item_count:
                raise no_item(cls.code, cls.item_count, item)
            old = cls.pace
            if step is None:
                step = 0 if item is not None and item != old.item else old.step
            new = Pace(
                old.item if item is None else item,
                step,
                old.free if free is None else free,
                old.paused if paused is None else paused,
            )
            db.run(
                "UPDATE classes SET pace_item = ?, pace_step = ?, pace_free = ?, paused = ?"
                " WHERE id = ?",
                (new.item, new.step, new.free, new.paused, cls.id),
            )
            self._event(db, cls.id, "pace", asdict(new), now())
        return new

    def end_class(self, teacher: Teacher) -> str:
        """End the class: joining and answering close, the data stays. When it ended."""
        with self._db.transaction(write=True) as db:
            cls = self._class_by_id(db, teacher.class_id, lock=True)
            if cls.ended_at is not None:
                return cls.ended_at
            ended = now()
            db.run("UPDATE classes SET ended_at = ? WHERE id = ?", (ended, cls.id))
            self._event(db, cls.id, "end", {}, ended)
        return ended

    def delete_class(self, teacher: Teacher) -> None:
        """Delete the class and everything in it: students, answers, events."""
        with self._db.transaction(write=True) as db:
            cls = self._class_by_id(db, teacher.class_id, lock=True)
            db.run("DELETE FROM classes WHERE id = ?", (cls.id,))

    # The dashboard

    def summary(self, teacher: Teacher) -> dict:
        """Everything the dashboard shows, from one snapshot, as JSON-ready data.

        ``students``, each with ``marks``, one per question, from the
        student's latest answer at each node: ``"✓"`` when all are right,
        ``"✗"`` with the ``mistake`` of the latest wrong one, ``"?"`` once
        they were shown an answer, ``"·"`` before any; and how many nodes they
        ``answered`` and have ``correct``. ``questions``, each with how many
        students answered, are right and revealed, and ``mistakes``: a row per
        node and code over every answer (retries too), most frequent first,
        with its numbers of ``answers`` and ``students`` and its ``message``.
        ``last_event``: stream events after this id to stay up to date.
        """
        with self._db.transaction(write=False) as db:
            cls = self._class_by_id(db, teacher.class_id)
            students = db.all(
                "SELECT id, name, joined_at, last_seen_at FROM students"
                " WHERE class_id = ? ORDER BY id",
                (cls.id,),
            )
            latest = db.all(
                "SELECT a.student_id, a.question, a.correct, a.mistake"
                f" FROM answers a JOIN ({_LATEST}) l ON l.id = a.id ORDER BY a.id",
                (cls.id,),
            )
            revealed = db.all(
                "SELECT DISTINCT student_id, question FROM answers WHERE class_id = ? AND revealed",
                (cls.id,),
            )
            counts = db.all(
                "SELECT question, node, mistake, COUNT(*), COUNT(DISTINCT student_id),"
                " MAX(message) FROM answers WHERE class_id = ? AND mistake IS NOT NULL"
                " GROUP BY question, node, mistake",
                (cls.id,),
            )
        cells: dict[tuple[int, int], dict] = {}
        for student_id, question, correct, mistake in latest:
            cell = cells.setdefault((student_id, question), _cell("✓"))
            cell["answered"] += 1
            cell["correct"] += bool(correct)
            if not correct:
                cell["mark"], cell["mistake"] = "✗", mistake
        for student_id, question in revealed:
            cell = cells.setdefault((student_id, question), _cell("?"))
            cell["mark"], cell["mistake"] = "?", None
        questions = [
            {"question": q, "answered": 0, "correct": 0, "revealed": 0, "mistakes": []}
            for q in range(cls.question_count)
        ]
        for (_, question), cell in cells.items():
            questions[question]["answered"] += 1
            questions[question]["correct"] += cell["mark"] == "✓"
            questions[question]["revealed"] += cell["mark"] == "?"
        for question, node, code, answers, people, message in counts:
            questions[question]["mistakes"].append(
                {"node": node, "code": code, "answers": answers, "students": people,
                 "message": message}
            )  # fmt: skip
        for entry in questions:
            entry["mistakes"].sort(key=lambda m: (-m["answers"], m["node"], m["code"]))
        return {
            "code": cls.code,
            "created": cls.created_at,
            "ended": cls.ended_at,
            "items": json.loads(cls.items),
            "pace": asdict(cls.pace),
            "max_students": cls.max_students,
            "last_event": cls.last_event,
            "students": [
                {
                    "id": sid,
                    "name": name,
                    "joined": joined,
                    "last_seen": seen,
                    "marks": [cells.get((sid, q), _cell("·")) for q in range(cls.question_count)],
                }
                for sid, name, joined, seen in students
            ],
            "questions": questions,
        }

    def distribution(self, teacher: Teacher, question: int, node: str | None = None) -> list[dict]:
        """The class's latest answers to ``question`` (at ``node``, or every node) by value.

        A row per node and number: how many ``students`` gave it, and its
        verdict; most frequent first. Reveals are left out.
        """
        checks.integer("question", question, 0, MAX_QUESTIONS - 1)
        where, params = "", [teacher.class_id, question]
        if node is not None:
            where = " AND a.node = ?"
            params.append(checks.text("node", node, MAX_NODE))
        with self._db.transaction(write=False) as db:
            self._class_by_id(db, teacher.class_id)
            rows = db.all(
                "SELECT a.node, a.answer, COUNT(*), MAX(CASE WHEN a.correct THEN 1 ELSE 0 END),"
                f" MAX(a.mistake) FROM answers a JOIN ({_LATEST}) l ON l.id = a.id"
                f" WHERE a.question = ?{where} GROUP BY a.node, a.answer",
                params,
            )
        rows.sort(key=lambda r: (-r[2], r[0], r[1]))
        return [
            {"node": n, "answer": a, "students": c, "correct": bool(ok), "mistake": m}
            for n, a, c, ok, m in rows
        ]

    def export(self, teacher: Teacher, fmt: str = "csv") -> Iterator[str]:
        """Every answer of the class as CSV or JSON Lines, in chunks of text, oldest first.

        Columns: time, student, question, node, answer, correct, mistake,
        revealed. The answers are those stored when the export began; each
        chunk is read in a transaction of its own, so a server may send them
        from different threads. In CSV a nickname that a spreadsheet would
        run as a formula (``=``, ``+``, ``-``, ``@``) gets a ``'`` in front.
        """
        if fmt not in ("csv", "jsonl"):
            raise InvalidInput(
                N_("export: the format is 'csv' or 'jsonl', not {format}"), format=checks.show(fmt)
            )
        with self._db.transaction(write=False) as db:
            self._class_by_id(db, teacher.class_id)
            last = db.one("SELECT MAX(id) FROM answers WHERE class_id = ?", (teacher.class_id,))
        return self._export(teacher.class_id, fmt, last[0] or 0)

    def _export(self, class_id: int, fmt: str, last: int) -> Iterator[str]:
        if fmt == "csv":
            yield ",".join(EXPORT_COLUMNS) + "\r\n"
        after = 0
        while after < last:
            rows = self._db.query(
                f"{_ANSWERS} WHERE a.class_id = ? AND a.id > ? AND a.id <= ?"
                f" ORDER BY a.id LIMIT {EXPORT_PAGE}",
                (class_id, after, last),
            )
            if not rows:
                return
            answers = [_answer(row) for row in rows]
            after = answers[-1].id
            yield _jsonl(answers) if fmt == "jsonl" else _csv(answers)

    def events(self, member: Teacher | Student, after: int = 0, limit: int = 200) -> list[Event]:
        """The class's events numbered above ``after``, oldest first (a student's: pace and end).

        Events are numbered 1, 2, 3, ... within a class, each committed before
        the next is numbered, so a stream that asks for those after the last
        one it sent misses none, whichever process wrote them. Raises
        ``UnknownClass`` once the class is deleted, so a stream knows to stop.
        """
        checks.integer("after", after, 0, 2**62)
        checks.integer("limit", limit, 1, MAX_EVENTS)
        kinds = "" if isinstance(member, Teacher) else " AND e.kind IN ('pace', 'end')"
        # One statement (one round trip): the class's row, joined to its new events if any.
        rows = self._db.query(
            "SELECT e.seq, e.kind, e.payload, e.created_at FROM classes c LEFT JOIN events e"
            f" ON e.class_id = c.id AND e.seq > ?{kinds} WHERE c.id = ? ORDER BY e.seq"
            f" LIMIT {limit}",
            (after, member.class_id),
        )
        if not rows:
            raise UnknownClass(N_("class {code} has been deleted"), code=member.code)
        return [Event(s, kind, json.loads(p), at) for s, kind, p, at in rows if s is not None]

    # Within a transaction

    def _class(self, db: Transaction, code: str, lock: bool = False) -> _Class:
        row = db.one(
            f"SELECT {_CLASS_COLUMNS} FROM classes WHERE code = ?{self._db.for_update(lock)}",
            (checks.join_code(code),),
        )
        if row is None:
            raise no_class(code)
        return _Class(*row)

    def _class_by_id(self, db: Transaction, class_id: int, lock: bool = False) -> _Class:
        row = db.one(
            f"SELECT {_CLASS_COLUMNS} FROM classes WHERE id = ?{self._db.for_update(lock)}",
            (class_id,),
        )
        if row is None:
            raise UnknownClass(N_("this class has been deleted"))
        return _Class(*row)

    def _event(
        self, db: Transaction, class_id: int, kind: str, payload: dict, at: str, while_open=False
    ) -> bool:
        """Add an event, numbered next in its class; False if ``while_open`` and the class ended.

        The UPDATE locks the class's row until the commit (if the caller had not
        already), so numbers are handed out, and committed, in order. On
        PostgreSQL it waits for a concurrent end_class and then sees its ended_at.
        """
        row = db.one(
            "UPDATE classes SET last_event = last_event + 1"
            f" WHERE id = ?{' AND ended_at IS NULL' if while_open else ''} RETURNING last_event",
            (class_id,),
        )
        if row is None:
            return False
        db.run(
            "INSERT INTO events (class_id, seq, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)",
            (class_id, row[0], kind, json.dumps(payload, ensure_ascii=False, allow_nan=False), at),
        )
        return True


_CLASS_COLUMNS = (
    "id, code, items, item_count, max_students, pace_item, pace_step, pace_free, paused,"
    " last_event, created_at, ended_at, question_count"
)
_ANSWERS = (
    "SELECT a.id, a.answered_at, a.student_id, s.name, a.question, a.node, a.answer, a.revealed,"
    " a.correct, a.mistake, a.message, a.idempotency_key"
    " FROM answers a JOIN students s ON s.id = a.student_id"
)
_STORED = f"{_ANSWERS} WHERE a.student_id = ? AND a.idempotency_key = ?"
# Each student's latest answer (not reveal) at each node of the class (parameter: the class).
_LATEST = (
    "SELECT MAX(id) AS id FROM answers WHERE class_id = ? AND NOT revealed"
    " GROUP BY student_id, question, node"
)
# Whether a class takes students (parameter: the join code).
_JOIN_CHECK = (
    "SELECT code, ended_at, max_students,"
    " (SELECT COUNT(*) FROM students WHERE class_id = classes.id) FROM classes WHERE code = ?"
)


@dataclass(frozen=True)
class _Class:
    id: int
    code: str
    items: str
    item_count: int
    max_students: int
    pace_item: int
    pace_step: int
    pace_free: bool
    paused: bool
    last_event: int
    created_at: str
    ended_at: str | None
    question_count: int

    @property
    def pace(self) -> Pace:
        return Pace(self.pace_item, self.pace_step, bool(self.pace_free), bool(self.paused))


def no_class(code) -> UnknownClass:
    """A join code that no class has (or one that cannot be a code at all)."""
    return UnknownClass(
        N_("no class has the code {code}: check it with your teacher"), code=checks.show(code)
    )


def no_question(code: str, count: int, number: int) -> InvalidInput:
    """A question number beyond the class's questions (numbered across its items)."""
    return InvalidInput(
        Nn_(
            "class {code} has {count} question, numbered from 0; there is no question {number}",
            "class {code} has {count} questions, numbered from 0; there is no question {number}",
        ),
        count, code=code, count=count, number=number,
    )  # fmt: skip


def no_item(code: str, count: int, number: int) -> InvalidInput:
    """An item number beyond the class's items."""
    return InvalidInput(
        Nn_(
            "class {code} has {count} item, numbered from 0; there is no item {number}",
            "class {code} has {count} items, numbered from 0; there is no item {number}",
        ),
        count, code=code, count=count, number=number,
    )  # fmt: skip


def _cell(mark: str) -> dict:
    return {"mark": mark, "mistake": None, "answered": 0, "correct": 0}


def _answer(row: tuple, replayed: bool = False) -> Answer:
    *first, revealed, correct, mistake, message, key = row
    return Answer(*first, bool(revealed), bool(correct), mistake, message, key, replayed)


def _replay(row: tuple, sent: tuple) -> Answer:
    """The answer stored under a key sent again: it must be the same answer."""
    stored = _answer(row, replayed=True)
    if (stored.question, stored.node, stored.answer, stored.revealed) != sent:
        raise KeyReused(
            N_(
                "the key {key!r} was sent before with another answer"
                " (question {question}, node {node}): send a new key"
            ),
            key=stored.key, question=stored.question, node=stored.node,
        )  # fmt: skip
    return stored


def _export_row(a: Answer) -> tuple:
    return (a.time, a.student, a.question, a.node, a.answer, a.correct, a.mistake, a.revealed)


def _jsonl(answers: list[Answer]) -> str:
    return "".join(
        json.dumps(dict(zip(EXPORT_COLUMNS, _export_row(a))), ensure_ascii=False) + "\n"
        for a in answers
    )


def _csv(answers: list[Answer]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for a in answers:
        time, student, question, node, number, correct, mistake, revealed = _export_row(a)
        # A cell that starts like a formula is run by spreadsheets: a quote keeps it text.
        if student[:1] in ("=", "+", "-", "@"):
            student = "'" + student
        writer.writerow(
            [time, student, question, node, "" if number is None else number,
             "true" if correct else "false", mistake or "", "true" if revealed else "false"]
        )  # fmt: skip
    return out.getvalue()
