"""The class database: one package owns the schema and every query of a live class.

A teacher starts a class and gets a six-character join code and a secret
token; students join with the code and a nickname and get a token of their
own; every answer is stored with the verdict ``autograd.practice`` computed
for it (right, or a mistake code and its message: STACK's "answer notes"),
and the teacher's dashboard reads marks and counts back. Nothing here
computes a diagnosis: the caller passes the verdict, and it is stored as given.

>>> db = ClassDB(":memory:")
>>> code, teacher_token = db.create_class([{"program": "z = w*b", "at": {"w": 3, "b": 4}}])
>>> teacher = db.teacher(code, teacher_token)
>>> ann = db.join(code, "Ann").student
>>> db.record_answer(ann, question=0, node="w", answer=3, key="a1", correct=False,
...                  mistake="forward-value", message="3 is w itself, not dz/dw").mistake
'forward-value'
>>> [cell["mark"] for cell in db.summary(teacher)["students"][0]["marks"]]
['✗']
>>> [(event.id, event.kind) for event in db.events(teacher)]
[(1, 'join'), (2, 'answer')]

``ClassDB(path)`` opens an SQLite file, made and migrated on first use (WAL
mode; ``synchronous=FULL``: a committed answer survives a SIGKILL, and a
power cut too). ``ClassDB("postgresql://user:password@host/db")`` runs the
same code on PostgreSQL through psycopg 3 and its pool (``pip install
'scalar-autograd[postgres]'``), so several server processes can share one
database. ``":memory:"`` is a private database for tests and examples.

The API. Every call is one transaction, safe from many threads (a server
runs them in its thread pool) and many processes on one database:

- ``create_class(items, max_students=500, questions=None) -> Created(code,
  teacher_token)``. ``items``: a list of ``{"program": str, "at": {name:
  number}}`` or ``{"level": int, "seed": int}`` (other keys, a ``"mode"``
  say, are kept); ``questions``: how many questions they ask in all, numbered
  0, 1, 2, ... across the items (default one per item; at most
  ``MAX_QUESTIONS``). An answer names its question by that number.
- ``join(code, name) -> Joined(student_token, student)``.
- ``teacher(code, token) -> Teacher``, ``student(code, token) -> Student``,
  ``member(code, token) -> Teacher | Student``: who holds a token. The other
  calls take what these return, so a route reaches a class only through a
  token of that class. ``seen(student)`` notes a student is still there;
  ``details(member) -> Details`` is what the class works on and its pace.
- ``record_answer(student, *, question, node, answer, key, correct,
  mistake=None, message="") -> Answer``, ``record_reveal(student, *,
  question, node, key) -> Answer``: the answer as stored. The same ``key``
  (1–64 characters) from the same student returns the stored one with
  ``replayed=True`` and stores nothing. While the class is paused a new
  answer is refused (``Paused``); a key stored before is still replayed.
- ``pace(member) -> Pace``; ``set_pace(teacher, *, item=, step=, free=,
  paused=) -> Pace``.
- ``end_class(teacher) -> str`` (joining and answering close; the data
  stays), ``delete_class(teacher)`` (the class and everything in it).
- ``summary(teacher) -> dict`` (students × questions marks ✓, ✗ + code, ·,
  ?; per question the counts by mistake code; ``last_event``),
  ``distribution(teacher, question, node=None) -> list[dict]``,
  ``answers(teacher, *, student=, question=, node=, mistake=) ->
  list[Answer]``, ``my_answers(student) -> list[Answer]``.
- ``export(teacher, "csv" | "jsonl") -> Iterator[str]``.
- ``events(member, after=0, limit=200) -> list[Event]``: kinds ``join``,
  ``answer``, ``pace``, ``end``, numbered 1, 2, 3, ... within a class (SSE's
  ``Last-Event-ID``); a student sees only ``pace`` and ``end``.

Errors are ``ClassError`` subclasses, each with the HTTP ``status`` to answer
with and a short ``reason`` code; ``str(error)`` is one sentence for a person:

====================  ======  ===================================================
error                 status  when
====================  ======  ===================================================
``InvalidInput``      400     a field of the wrong type, size or range (ValueError)
``InvalidName``       400     an empty, over-long or unprintable nickname (ValueError)
``Unauthorized``      401     a token that opens nothing in this class (LookupError)
``Forbidden``         403     a student's token on the teacher's side, or back (LookupError)
``UnknownClass``      404     no class has the code, or it was deleted (LookupError)
``UnknownStudent``    404     the class has no student with this id (LookupError)
``NameTaken``         409     the nickname is taken in the class (ValueError)
``ClassFull``         409     the class has ``max_students`` students (ValueError)
``KeyReused``         409     a key sent again with another answer (ValueError)
``TooManyAnswers``    409     a student sent ``MAX_ANSWERS`` (5000) answers (ValueError)
``ClassEnded``        410     joining, answering or pacing an ended class (LookupError)
``Paused``            423     a new answer while the class is paused (RuntimeError)
``Busy``              503     the database stayed locked or out of connections (RuntimeError)
====================  ======  ===================================================

``SchemaError`` (a RuntimeError, at start-up) says a database cannot be opened
or is newer than this code.

Nicknames and tokens: see ``autograd.classes.checks``. Nicknames are stored as
given after validation and never interpreted: a page must escape them.
Tokens are 256 random bits, stored as SHA-256 digests, compared with
``hmac.compare_digest``.
"""

from autograd.classes.checks import CODE_ALPHABET
from autograd.classes.database import (
    DEFAULT_DB,
    MAX_ANSWERS,
    MAX_QUESTIONS,
    MAX_STUDENTS,
    Answer,
    ClassDB,
    Created,
    Details,
    Event,
    Joined,
    Pace,
    Student,
    Teacher,
)
from autograd.classes.errors import (
    Busy,
    ClassEnded,
    ClassError,
    ClassFull,
    Forbidden,
    InvalidInput,
    InvalidName,
    KeyReused,
    NameTaken,
    Paused,
    SchemaError,
    TooManyAnswers,
    Unauthorized,
    UnknownClass,
    UnknownStudent,
)
from autograd.classes.schema import MIGRATIONS

__all__ = [
    "CODE_ALPHABET",
    "DEFAULT_DB",
    "MAX_ANSWERS",
    "MAX_QUESTIONS",
    "MAX_STUDENTS",
    "MIGRATIONS",
    "Answer",
    "Busy",
    "ClassDB",
    "ClassEnded",
    "ClassError",
    "ClassFull",
    "Created",
    "Details",
    "Event",
    "Forbidden",
    "InvalidInput",
    "InvalidName",
    "Joined",
    "KeyReused",
    "NameTaken",
    "Pace",
    "Paused",
    "SchemaError",
    "Student",
    "Teacher",
    "TooManyAnswers",
    "Unauthorized",
    "UnknownClass",
    "UnknownStudent",
]
