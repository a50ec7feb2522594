"""The live class on the server: the ``/api/classes`` routes, and each class's stream of events.

A teacher starts a class (a join code, and a token shown once); students join
with the code and a nickname (a token each); they answer, the teacher paces
and watches. This module is the web layer of it: routes and plain functions
that check a request, call ``autograd.classes.ClassDB`` (which owns every
query) and ``autograd.practice`` (which judges an answer: the same
``questions(explanation, mode)[i].judge(value)`` as the terminal and the
static page), and stream what happens. ``autograd.serve.create_app`` mounts
``ROUTES`` and gives them a ``Classroom``; the lesson of a class's item comes
from the server's own lesson cache.

The routes (JSON; an error is ``{"error": "<one sentence>", "reason":
"<code>"}`` with the status of ``ClassError.status``, the sentence in the
request's language (``request_language``: ``?lang=``, the ``autograd_lang``
cookie, ``Accept-Language``; English by default); tokens only in an
``Authorization: Bearer`` header, never in a URL):

- ``POST /api/classes``: a class of ``{"program", "at"}``, ``{"level",
  "seed"}`` or ``{"items": [...]}`` (each item may say ``"mode"``: practice
  or trainer) → 201 ``{"code", "teacher_token", "teacher_url"}``; from this
  computer only, unless the server was started with ``--classes-from-anywhere``;
- ``POST /api/classes/{code}/students`` ``{"name"}`` → 201 ``{"student_token",
  "student"}``;
- ``GET /api/classes/{code}`` (teacher or student): the items and their
  questions (numbered across the items), the pace, and a student's own answers;
- ``GET /api/classes/{code}/items/{i}/lesson`` (teacher or student): the lesson
  page's data for item i, without the verdicts (the server judges);
- ``POST /api/classes/{code}/answers`` (student) ``{"question", "node",
  "value" | "reveal": true, "key"}`` → ``{"correct", "mistake", "message",
  "replayed"}``; the same key again is answered as before and stored once;
- ``GET .../summary``, ``.../distribution?question=``, ``.../answers?student=
  &question=&node=&mistake=``, ``.../export?format=csv|jsonl``, ``POST
  .../pace``, ``POST .../end``, ``DELETE /api/classes/{code}`` (teacher);
- ``GET .../events`` (teacher or student): Server-Sent Events.

Live events: each process keeps one ``Feed`` per class that has a stream
open, which reads the class's new events from the database (every
``ClassLimits.poll`` seconds, and at once after a write of its own) and hands
them to that process's streams; so a class works the same when several
server processes share one database. A stream resumes after ``Last-Event-ID``
(or ``?after=``), sends ``: keep-alive`` when nothing happened for
``keep_alive`` seconds, and ends after the class's ``end`` event, when the
class is deleted, or when the same token opens more than
``streams_per_token`` streams (the oldest ends).

Limits are per token and per class, never per client address (a class behind
one school NAT address): answers per student token (``answer_burst``, then
``answers_per_second``), streams per token, students per class (the
database's ``max_students``). Every field is checked before any work.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import json
import logging
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import anyio.to_thread
from anyio import CapacityLimiter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

import autograd.classes.checks as checks
from autograd.classes import (
    MAX_QUESTIONS,
    Busy,
    ClassDB,
    ClassError,
    Event,
    InvalidInput,
    Student,
    Teacher,
    Unauthorized,
    UnknownClass,
)
from autograd.classes.database import (
    MAX_EVENTS,
    STUDENT_EVENTS,
    no_class,
    no_item,
    no_question,
)
from autograd.httpjson import RequestError, json_type, one_line, read_json, request_language
from autograd.i18n import (
    N_,
    Phrase,
    TranslatableError,
    error_text,
    tr,
)
from autograd.practice import (
    CODE_MEANINGS,
    LEVELS,
    MODES,
    Diagnosis,
    Exercise,
    Question,
    exercise,
    questions,
)

__all__ = ["ROUTES", "ClassLimits", "Classroom"]

log = logging.getLogger("autograd.serve")

MAX_SEED = 2**32 - 1
MAX_EVENT_ID = 2**62


@dataclass(frozen=True)
class ClassLimits:
    """How a server paces each class's traffic: per token and per class, never per address."""

    answer_burst: int = 60  # answers a student token may send at once (a page back online)
    answers_per_second: float = 5.0  # and then on average
    streams_per_token: int = 3  # event streams one token keeps open: a new one ends the oldest
    keep_alive: float = 15.0  # seconds of silence on a stream before a ": keep-alive" line
    poll: float = 0.25  # seconds between two reads of a class's new events
    database_threads: int = 10  # database calls at once in this process
    items_kept: int = 256  # classes whose items' questions this process keeps


# What the class routes need of the lesson server, given by serve.create_app:
# ``check(program, at)`` checks an item's program as /api/lesson does (in a
# thread; RequestError if it will not do) and returns its values; ``lesson(request,
# program, values, mode)`` answers with its lesson, from the server's cache.
Check = Callable[[str, dict], dict]
Lesson = Callable[[Request, str, dict, str], Awaitable[Response]]


@dataclass(frozen=True)
class Item:
    """One item of a class: its program, its values, its mode and the questions it asks."""

    index: int
    title: str
    mode: str
    program: str
    at: dict[str, float]
    first: int  # the number of its first question, counted across the items
    questions: tuple[Question, ...]

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "title": self.title,
            "mode": self.mode,
            "first_question": self.first,
            "questions": [
                {
                    "index": self.first + i,
                    "symbol": q.diagnosis.symbol,
                    "kind": q.kind,
                    "node": q.node,
                    "step": q.step,
                }
                for i, q in enumerate(self.questions)
            ],
        }


def resolve(items: list[dict], lang: str = "en") -> tuple[Item, ...]:
    """The items as stored (each a program with values, or a level and seed; and a mode),
    with their questions numbered across them, their words (titles, diagnoses) in ``lang``.

    >>> worked = {"program": "x = 2*w + b; y = b + 1; z = x*y", "at": {"w": 3, "b": 4}}
    >>> first, second = resolve([worked, {**worked, "mode": "trainer"}])
    >>> [q.diagnosis.symbol for q in first.questions], second.first, len(second.questions)
    (['dz/dx', 'dz/dy', 'dz/dw', 'dz/db'], 4, 13)
    >>> resolve([worked], "zh")[0].questions[3].judge(5.0).message
    'dz/db：你的答案是 5，这只是经过 x 的路径；b 还经过 y (10) 到达 z。'
    """
    resolved, first = [], 0
    for index, item in enumerate(items):
        if "level" in item:
            ex = exercise(item["level"], item.get("seed", 0))
        else:
            ex = Exercise(item["program"], {k: float(v) for k, v in item.get("at", {}).items()})
        mode = item.get("mode", "practice")
        asked = questions(ex, mode, lang=lang)
        resolved.append(Item(index, ex.heading(lang), mode, ex.program, dict(ex.at), first, asked))
        first += len(asked)
    return tuple(resolved)


@dataclass(eq=False)
class Stream:
    """One open event stream: who holds it, and what wakes it."""

    member: Teacher | Student
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    ended: bool = False  # by a newer stream of the same token

    def end(self) -> None:
        self.ended = True
        self.wake.set()


class Feed:
    """One class's events in this process: read from the database, handed to its streams.

    One reader per class and process, however many streams: a class of 100
    costs one query every ``poll`` seconds, not a hundred. The latest events
    are kept, so a stream that has fallen a little behind needs no query of
    its own; one further behind reads its own from the database.
    """

    RECENT = 512  # events kept

    def __init__(self, classroom: Classroom, member: Teacher | Student, last: int):
        self.classroom = classroom
        # The reader sees every event of the class; each stream keeps what its member may see.
        self.teacher = Teacher(member.class_id, member.code)
        self.recent: deque[Event] = deque(maxlen=self.RECENT)
        self.last = last  # the number of the last event read
        self.streams: set[Stream] = set()
        self.gone = False  # the class was deleted
        self.poked = asyncio.Event()
        self.task: asyncio.Task | None = None

    def add(self, stream: Stream) -> None:
        self.streams.add(stream)
        if self.task is None or self.task.done():
            self.classroom.feeds[self.teacher.class_id] = self
            self.task = asyncio.ensure_future(self._read())

    def remove(self, stream: Stream) -> None:
        self.streams.discard(stream)
        if not self.streams:
            self.poked.set()  # the reader stops now: no stream is left

    def since(self, after: int) -> list[Event] | None:
        """The kept events after ``after``; None if they do not reach back that far."""
        if after >= self.last:
            return []
        if not self.recent or self.recent[0].id > after + 1:
            return None
        return [event for event in self.recent if event.id > after]

    async def _read(self) -> None:
        classroom = self.classroom
        try:
            while self.streams and not self.gone:
                self.poked.clear()
                try:
                    new = await classroom.call(
                        classroom.db.events, self.teacher, after=self.last, limit=MAX_EVENTS
                    )
                except UnknownClass:
                    self.gone = True
                    new = []
                except Busy as error:  # the database is busy: the streams wait, then read again
                    log.warning("class %s: events not read: %s", self.teacher.code, error)
                    new = []
                if new:
                    self.recent.extend(new)
                    self.last = new[-1].id
                if new or self.gone:
                    for stream in self.streams:
                        stream.wake.set()
                if len(new) == MAX_EVENTS:
                    continue  # more are waiting
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.poked.wait(), classroom.limits.poll)
        finally:
            if classroom.feeds.get(self.teacher.class_id) is self:
                del classroom.feeds[self.teacher.class_id]
            for stream in self.streams:  # a stream that outlives its reader is ended
                stream.end()


class Classroom:
    """What the class routes share in one server process: the database and the live state.

    ``db`` is None for a server that keeps no classes (every class route then
    answers 404). ``announce(code, teacher_url)``, if given, is called when a
    class starts (``autograd serve`` prints the join code and the teacher link).
    """

    def __init__(
        self,
        db: ClassDB | None,
        *,
        check: Check,
        lesson: Lesson,
        from_anywhere: bool = False,
        announce: Callable[[str, str], None] | None = None,
        limits: ClassLimits | None = None,
    ):
        self.db = db
        self.check = check
        self.lesson = lesson
        self.from_anywhere = from_anywhere
        self.announce = announce
        self.limits = limits or ClassLimits()
        self.threads = CapacityLimiter(self.limits.database_threads)
        self.computing = CapacityLimiter(2)  # items' exercises and questions, once per class
        # By class id and language: (id, lang).
        self.items: OrderedDict[tuple[int, str], tuple[Item, ...]] = OrderedDict()
        self.feeds: dict[int, Feed] = {}  # by class id
        self.streams: dict[tuple, deque[Stream]] = {}  # by token: ("teacher", class) or student id
        self.buckets: OrderedDict[int, list[float]] = OrderedDict()  # student id: [tokens, time]

    async def call(self, function, *args, **kwargs):
        """``function(*args, **kwargs)`` (a database call) in a worker thread."""
        work = functools.partial(function, *args, **kwargs)
        return await anyio.to_thread.run_sync(work, limiter=self.threads)

    async def class_items(self, member: Teacher | Student, lang: str = "en") -> tuple[Item, ...]:
        """The class's items with their questions in ``lang``, worked out once per class,
        language and process."""
        key = (member.class_id, lang)
        found = self.items.get(key)
        if found is None:
            details = await self.call(self.db.details, member)
            found = await anyio.to_thread.run_sync(
                resolve, details.items, lang, limiter=self.computing
            )
            self.items[key] = found
            while len(self.items) > self.limits.items_kept:
                self.items.popitem(last=False)
        self.items.move_to_end(key)
        return found

    def poke(self, class_id: int) -> None:
        """A write of this process to the class: its feed reads it now, not at the next poll."""
        feed = self.feeds.get(class_id)
        if feed is not None:
            feed.poked.set()

    def may_answer(self, student: Student) -> bool:
        """Take one answer from the student's bucket: False when it is empty."""
        now = time.monotonic()
        limits = self.limits
        bucket = self.buckets.pop(student.id, None) or [float(limits.answer_burst), now]
        tokens = min(limits.answer_burst, bucket[0] + (now - bucket[1]) * limits.answers_per_second)
        allowed = tokens >= 1
        self.buckets[student.id] = [tokens - 1 if allowed else tokens, now]
        while len(self.buckets) > 20_000:  # the longest unused go: a full bucket is no state
            self.buckets.popitem(last=False)
        return allowed

    async def feed(self, member: Teacher | Student) -> Feed:
        feed = self.feeds.get(member.class_id)
        if feed is None:
            last = (await self.call(self.db.details, member)).last_event
            feed = self.feeds.get(member.class_id)  # another stream may have made it meanwhile
            if feed is None:
                feed = self.feeds[member.class_id] = Feed(self, member, last)
        return feed

    def open_stream(self, member: Teacher | Student) -> Stream:
        """A stream for ``member``'s token; beyond ``streams_per_token`` the oldest ends."""
        key = ("teacher", member.class_id) if isinstance(member, Teacher) else member.id
        stream = Stream(member)
        held = self.streams.setdefault(key, deque())
        held.append(stream)
        while len(held) > self.limits.streams_per_token:
            held.popleft().end()
        return stream

    def close_stream(self, stream: Stream, feed: Feed) -> None:
        member = stream.member
        key = ("teacher", member.class_id) if isinstance(member, Teacher) else member.id
        held = self.streams.get(key)
        if held is not None:
            if stream in held:
                held.remove(stream)
            if not held:
                del self.streams[key]
        feed.remove(stream)


# Reading a request: the code, the token, the fields; all before any work.


def _classroom(request: Request) -> Classroom:
    classroom = request.app.state.classroom
    if classroom.db is None:
        raise _NoClasses(
            N_("this server keeps no classes: start it with {command}"),
            command="autograd serve --db PATH",
        )
    return classroom


class _NoClasses(ClassError):
    status, reason = 404, "no-classes"


class _TooFast(ClassError):
    status, reason = 429, "too-fast"


class _NotHere(ClassError):
    status, reason = 403, "loopback-only"


def _code(request: Request) -> str:
    code = checks.join_code(request.path_params["code"])
    if code is None:
        raise no_class(request.path_params["code"])
    return code


def _token(request: Request) -> str:
    header = request.headers.get("authorization")
    if header is None:
        raise Unauthorized(
            N_("send your class token in the header {header}"),
            header="Authorization: Bearer TOKEN",
        )
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > checks.MAX_TOKEN:
        raise Unauthorized(
            N_("the {header} header must be: {value}"),
            header="Authorization",
            value="Bearer TOKEN",
        )
    return token


async def _member(request: Request) -> Teacher | Student:
    code, token = _code(request), _token(request)
    classroom = _classroom(request)
    return await classroom.call(classroom.db.member, code, token)


async def _teacher(request: Request) -> Teacher:
    code, token = _code(request), _token(request)
    classroom = _classroom(request)
    return await classroom.call(classroom.db.teacher, code, token)


async def _student(request: Request) -> Student:
    code, token = _code(request), _token(request)
    classroom = _classroom(request)
    return await classroom.call(classroom.db.student, code, token)


async def _object(request: Request, fields: tuple[str, ...], example: str) -> dict:
    """The JSON body: an object with no field but ``fields``."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise InvalidInput(
            N_("the request body must be a JSON object, e.g. {example}"), example=example
        )
    unknown = [name for name in body if name not in fields]
    if unknown:
        raise InvalidInput(
            N_("unknown field {field}; the fields are {fields}"),
            field=checks.show(unknown[0]),
            fields=", ".join(fields),
        )
    return body


def _query(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    """The URL's parameters, each one of ``names`` (or ``lang``, which every route takes)."""
    unknown = [name for name in request.query_params if name not in (*names, "lang")]
    if unknown:
        raise InvalidInput(
            N_("unknown parameter {parameter}; the parameters are {parameters}"),
            parameter=checks.show(unknown[0]),
            parameters=", ".join(names),
        )
    return {name: value for name, value in request.query_params.items() if name != "lang"}


def _whole(name: str | Phrase, text: str | None, high: int) -> int | None:
    """A whole number from 0 to ``high`` in a URL, or None if absent."""
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 19):
        raise InvalidInput(
            N_("{name} must be a whole number, got {value}"), name=name, value=checks.show(text)
        )
    return checks.integer(name, int(text), 0, high)


def _refusal(error: ClassError | RequestError, lang: str) -> JSONResponse:
    """The one-line answer to a request refused, in the request's language."""
    # The sentence depends on these: a cache must not hand one language's to another.
    headers = {"Vary": "Accept-Language, Cookie"}
    if isinstance(error, RequestError):
        reason = "unsupported-media-type" if error.status == 415 else "invalid"
        return JSONResponse(
            {"error": one_line(_said(error, lang)), "reason": reason}, error.status, headers
        )
    if error.status in (429, 503):
        headers["Retry-After"] = "1"
    return JSONResponse(
        {"error": one_line(_said(error, lang)), "reason": error.reason}, error.status, headers
    )


def _said(error: BaseException, lang: str) -> str:
    """An error's sentence in ``lang``: ours by the catalog; a ``RequestError`` by its
    ``text(lang)`` once it has one (branch zhmerge), else as it was raised."""
    text = getattr(error, "text", None)
    return text(lang) if callable(text) else error_text(error, lang)


def _route(handler: Callable[[Request], Awaitable[Response]]):
    """A class route: a refusal (a ClassError, or a body that is not JSON) becomes its answer."""

    @functools.wraps(handler)
    async def route(request: Request) -> Response:
        try:
            return await handler(request)
        except (ClassError, RequestError) as error:
            return _refusal(error, request_language(request.scope))

    return route


# The routes


@_route
async def create(request: Request) -> Response:
    """``POST /api/classes``: a class of one program, one exercise, or a list of items."""
    classroom = _classroom(request)
    if not (classroom.from_anywhere or _from_here(request)):
        raise _NotHere(
            N_(
                "a class is started from the computer the server runs on; start the server "
                "with {option} to allow it from other computers"
            ),
            option="--classes-from-anywhere",
        )
    example = '{"program": "z = w*b", "at": {"w": 3, "b": 4}, "mode": "practice"}'
    body = await _object(request, ("items", *_ITEM_FIELDS), example)
    if "items" in body:
        if len(body) > 1:
            raise InvalidInput(N_("give either items or one item's fields, not both"))
        listed = body["items"]
        if not isinstance(listed, list):
            raise InvalidInput(
                N_("items must be a list of 1 to {most} items, got {kind}"),
                most=checks.MAX_ITEMS,
                kind=json_type(listed),
            )
        if not 1 <= len(listed) <= checks.MAX_ITEMS:
            raise InvalidInput(
                N_("items must be a list of 1 to {most} items, got a list of {count}"),
                most=checks.MAX_ITEMS,
                count=len(listed),
            )
    else:
        listed = [body]
    items = [
        _item(item, Phrase(N_("item {index}"), index=i) if "items" in body else _THE_CLASS)
        for i, item in enumerate(listed)
    ]
    # The work: each program checked as a lesson is, each exercise drawn, the questions counted.
    items = [await _checked(classroom, item, i) for i, item in enumerate(items)]
    resolved = await anyio.to_thread.run_sync(resolve, items, limiter=classroom.computing)
    asked = sum(len(item.questions) for item in resolved)
    if asked > MAX_QUESTIONS:
        raise InvalidInput(
            N_(
                "these items ask {count} questions, more than a class asks ({most}); "
                "give fewer or smaller items"
            ),
            count=asked,
            most=MAX_QUESTIONS,
        )
    created = await classroom.call(classroom.db.create_class, items, questions=asked)
    url = f"/teach/{created.code}#token={created.teacher_token}"
    if classroom.announce is not None and _from_here(request):
        classroom.announce(created.code, url)  # the terminal is the teacher's own
    body = {"code": created.code, "teacher_token": created.teacher_token, "teacher_url": url}
    return JSONResponse(body, 201)


_ITEM_FIELDS = ("program", "at", "level", "seed", "mode")
_THE_CLASS = Phrase(N_("the class"))


def _item(item, where: Phrase) -> dict:
    """An item's fields checked (types and ranges), before any work."""
    if not isinstance(item, dict):
        raise InvalidInput(
            N_("{where} must be an object, got {value}"), where=where, value=json_type(item)
        )
    unknown = [name for name in item if name not in _ITEM_FIELDS]
    if unknown:
        raise InvalidInput(
            N_("{where}: unknown field {field}; the fields are {fields}"),
            where=where,
            field=checks.show(unknown[0]),
            fields=", ".join(_ITEM_FIELDS),
        )
    mode = item.get("mode", "practice")
    if mode not in MODES:
        raise InvalidInput(
            N_("{where}: mode must be practice or trainer, got {value}"),
            where=where,
            value=checks.show(mode),
        )
    if "program" in item:
        if "level" in item or "seed" in item:
            raise InvalidInput(
                N_("{where}: give a program or a level and seed, not both"), where=where
            )
        program = checks.text(_field(where, "program"), item["program"], checks.MAX_PROGRAM)
        at = item.get("at", {})
        if not isinstance(at, dict):
            raise InvalidInput(
                N_("{where}: at must be an object of numbers, e.g. {example}"),
                where=where,
                example='{"w": 3}',
            )
        return {"program": program, "at": at, "mode": mode}
    if "level" in item:
        level = item["level"]
        if isinstance(level, bool) or level not in LEVELS:
            raise InvalidInput(
                N_("{where}: level must be one of {levels}, got {value}"),
                where=where,
                levels=", ".join(map(str, LEVELS)),
                value=checks.show(level),
            )
        seed = checks.integer(_field(where, "seed"), item.get("seed", 0), 0, MAX_SEED)
        return {"level": level, "seed": seed, "mode": mode}
    raise InvalidInput(N_("{where} needs a program (with at) or a level (with seed)"), where=where)


def _field(where: Phrase, name: str) -> Phrase:
    """A field of an item, as an error names it: ``item 2's seed``."""
    return Phrase(N_("{where}'s {field}"), where=where, field=name)


async def _checked(classroom: Classroom, item: dict, index: int) -> dict:
    """A program item checked as the lesson server checks a program (its words, if not)."""
    if "program" not in item:
        return item
    try:
        values = await anyio.to_thread.run_sync(
            classroom.check, item["program"], item["at"], limiter=classroom.computing
        )
    except RequestError as error:
        said = error if isinstance(error, TranslatableError) else one_line(error)
        raise InvalidInput(N_("item {index}: {error}"), index=index, error=said) from None
    return {**item, "at": values}


def _from_here(request: Request) -> bool:
    """Whether the client is this computer: a loopback address, or the very address
    the server was reached at (the teacher's browser beside a server on 0.0.0.0)."""
    client = request.client.host if request.client else ""
    server = (request.scope.get("server") or ("",))[0]
    try:
        return ipaddress.ip_address(client).is_loopback or client == server
    except ValueError:
        return False


@_route
async def join(request: Request) -> Response:
    """``POST /api/classes/{code}/students`` ``{"name": "Ann"}``: a student and their token."""
    code = _code(request)
    classroom = _classroom(request)
    body = await _object(request, ("name",), '{"name": "Ann"}')
    if "name" not in body:
        raise InvalidInput(
            N_("the field {field} is missing, e.g. {example}"),
            field="name",
            example='{"name": "Ann"}',
        )
    checks.nickname(body["name"])  # before anything else: its own clear 400
    joined = await classroom.call(classroom.db.join, code, body["name"])
    classroom.poke(joined.student.class_id)
    student = {"id": joined.student.id, "name": joined.student.name}
    return JSONResponse({"student_token": joined.student_token, "student": student}, 201)


@_route
async def about(request: Request) -> Response:
    """``GET /api/classes/{code}``: what the page needs, for the teacher or a student."""
    member = await _member(request)
    classroom = _classroom(request)
    details = await classroom.call(classroom.db.details, member)
    items = await classroom.class_items(member, request_language(request.scope))
    body = {
        "code": details.code,
        "role": "teacher" if isinstance(member, Teacher) else "student",
        "items": [item.to_dict() for item in items],
        "pace": _pace(details.pace),
        "ended": details.ended is not None,
        "last_event": details.last_event,
    }
    if isinstance(member, Student):
        body["me"] = {"id": member.id, "name": member.name}
        answers = await classroom.call(classroom.db.my_answers, member)
        body["answers"] = [_own(answer) for answer in answers]
        await classroom.call(classroom.db.seen, member)
    return JSONResponse(body, headers={"Vary": "Accept-Language, Cookie"})  # the items' titles


def _pace(pace) -> dict:
    return {"item": pace.item, "step": pace.step, "free": pace.free, "paused": pace.paused}


def _own(answer) -> dict:
    """A stored answer as its student sees it again (a page that reloads)."""
    return {
        "question": answer.question,
        "node": answer.node,
        "value": answer.answer,
        "revealed": answer.revealed,
        "correct": answer.correct,
        "mistake": answer.mistake,
        "message": answer.message,
        "key": answer.key,
        "time": answer.time,
    }


@_route
async def item_lesson(request: Request) -> Response:
    """``GET /api/classes/{code}/items/{i}/lesson``: the lesson page's data for item i."""
    index = _whole(
        Phrase(N_("the item's number")), request.path_params["item"], checks.MAX_ITEMS - 1
    )
    member = await _member(request)
    classroom = _classroom(request)
    items = await classroom.class_items(member, request_language(request.scope))
    if index >= len(items):
        raise no_item(member.code, len(items), index)
    item = items[index]
    return await classroom.lesson(request, item.program, item.at, item.mode)


_ANSWER_FIELDS = ("question", "node", "value", "reveal", "key")


@_route
async def answer(request: Request) -> Response:
    """``POST /api/classes/{code}/answers``: an answer judged by practice, stored once per key."""
    _code(request)
    classroom = _classroom(request)
    example = '{"question": 3, "node": "b", "value": 15, "key": "a1b2"}'
    body = await _object(request, _ANSWER_FIELDS, example)
    for name in ("question", "node", "key"):
        if name not in body:
            raise InvalidInput(
                N_("the field {field} is missing, e.g. {example}"), field=name, example=example
            )
    question = checks.integer("question", body["question"], 0, MAX_QUESTIONS - 1)
    node = checks.text("node", body["node"], checks.MAX_NODE)
    key = checks.text("key", body["key"], checks.MAX_KEY)
    reveal = body.get("reveal", False)
    if reveal is not True and ("reveal" in body or "value" not in body):
        raise InvalidInput(
            N_("send a value (a number), or {reveal} to be shown the answer"),
            reveal='"reveal": true',
        )
    if reveal and "value" in body:
        raise InvalidInput(N_("send a value or reveal, not both"))
    value = None if reveal else checks.number("value", body["value"])

    student = await _student(request)
    if not classroom.may_answer(student):
        raise _TooFast(
            N_("{name} is answering faster than a class does; wait a moment"), name=student.name
        )
    lang = request_language(request.scope)  # the student's: judged and revealed in it
    items = await classroom.class_items(student, lang)
    asked = _question(items, question, node, student.code)
    db = classroom.db
    if reveal:
        stored = await classroom.call(
            db.record_reveal, student, question=question, node=node, key=key
        )
        classroom.poke(student.class_id)
        diagnosis = asked.diagnosis
        return JSONResponse(
            {
                "revealed": True,
                "answer": diagnosis.gradient,
                "message": diagnosis.explanation,
                "replayed": stored.replayed,
            }
        )
    # The stored message is the student's, in the student's language (a page that reloads
    # shows it again); the teacher's summary says the diagnosis again from its code.
    verdict = asked.judge(value)
    stored = await classroom.call(
        db.record_answer, student, question=question, node=node, answer=value, key=key,
        correct=verdict.correct, mistake=verdict.mistake, message=verdict.message,
    )  # fmt: skip
    classroom.poke(student.class_id)
    return JSONResponse(
        {
            "correct": stored.correct,
            "mistake": stored.mistake,
            "message": stored.message,
            "replayed": stored.replayed,
        }
    )


def _question(items: tuple[Item, ...], number: int, node: str, code: str) -> Question:
    """Question ``number`` (counted across the items), which must be about ``node``."""
    for item in items:
        if item.first <= number < item.first + len(item.questions):
            asked = item.questions[number - item.first]
            if asked.node != node:
                raise InvalidInput(
                    N_("question {number} of class {code} is about {node}, not {given}"),
                    number=number,
                    code=code,
                    node=asked.node,
                    given=checks.show(node),
                )
            return asked
    raise no_question(code, sum(len(item.questions) for item in items), number)


@_route
async def summary(request: Request) -> Response:
    """``GET .../summary``: the dashboard's grid and counts, with each question's commonest slip."""
    teacher = await _teacher(request)
    classroom = _classroom(request)
    data = await classroom.call(classroom.db.summary, teacher)
    lang = request_language(request.scope)
    items = await classroom.class_items(teacher, lang)
    for entry in data["questions"]:
        mistakes = entry["mistakes"]
        for mistake in mistakes:  # the stored code, said in the teacher's language
            mistake["meaning"] = _meaning(mistake["code"], lang)
        # The mistake most students made; its diagnosis is the one to explain to the class,
        # said again from its code in the teacher's language (the stored one is a student's).
        common = max(mistakes, key=lambda m: (m["students"], m["answers"]), default=None)
        entry["common"] = common and dict(common)
        if common:
            asked = _question(items, entry["question"], common["node"], teacher.code)
            entry["common"]["message"] = _diagnosis_message(asked.diagnosis, common["code"])
    return JSONResponse(data, headers={"Vary": "Accept-Language, Cookie"})


def _diagnosis_message(diagnosis: Diagnosis, code: str) -> str:
    """What ``diagnosis`` says to an answer that made the mistake ``code``, in its language."""
    for verdict in diagnosis.verdicts():
        if verdict.code == code:
            return verdict.message
    return diagnosis.other  # "other", or "local-rule" for a local derivative


def _meaning(code: str, lang: str) -> str:
    """What a mistake code means (practice's ``CODE_MEANINGS``), in ``lang``."""
    meaning = CODE_MEANINGS.get(code)
    return tr(lang, meaning) if meaning else code


@_route
async def distribution(request: Request) -> Response:
    """``GET .../distribution?question=q[&node=b]``: the class's latest answers by value."""
    query = _query(request, ("question", "node"))
    question = _whole("question", query.get("question"), MAX_QUESTIONS - 1)
    if question is None:
        raise InvalidInput(N_("say which question: {example}"), example="?question=0")
    node = query.get("node")
    if node is not None:
        checks.text("node", node, checks.MAX_NODE)
    teacher = await _teacher(request)
    classroom = _classroom(request)
    rows = await classroom.call(classroom.db.distribution, teacher, question, node)
    return JSONResponse({"question": question, "answers": rows})


@_route
async def answers(request: Request) -> Response:
    """``GET .../answers?student=&question=&node=&mistake=``: the class's answers, filtered."""
    query = _query(request, ("student", "question", "node", "mistake"))
    student = _whole("student", query.get("student"), 2**62)
    question = _whole("question", query.get("question"), MAX_QUESTIONS - 1)
    for name in ("node", "mistake"):
        if name in query:
            checks.text(name, query[name], checks.MAX_NODE)
    teacher = await _teacher(request)
    classroom = _classroom(request)
    found = await classroom.call(
        classroom.db.answers, teacher, student=student, question=question,
        node=query.get("node"), mistake=query.get("mistake"),
    )  # fmt: skip
    return JSONResponse({"answers": [a.to_dict() for a in found]})


_EXPORTS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}


@_route
async def export(request: Request) -> Response:
    """``GET .../export?format=csv|jsonl``: every answer, as a file to download."""
    fmt = _query(request, ("format",)).get("format", "csv")
    if fmt not in _EXPORTS:
        raise InvalidInput(N_("format must be csv or jsonl, got {value}"), value=checks.show(fmt))
    teacher = await _teacher(request)
    classroom = _classroom(request)
    chunks = await classroom.call(classroom.db.export, teacher, fmt)
    name = f"class-{teacher.code}-answers.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    # Each chunk is read in a thread of its own: the loop never waits for the database.
    return StreamingResponse(chunks, media_type=_EXPORTS[fmt], headers=headers)


_PACE_FIELDS = ("item", "step", "free", "paused")


@_route
async def pace(request: Request) -> Response:
    """``POST .../pace`` with any of ``{"item", "step", "free", "paused"}``: the new pace."""
    body = await _object(request, _PACE_FIELDS, '{"step": 2}')
    if not body:
        raise InvalidInput(
            N_("say what changes: {examples}"),
            examples='{"step": 2}, {"item": 1}, {"free": true}, ...',
        )
    for name in ("item", "step"):
        if name in body:
            checks.integer(name, body[name], 0, 10_000)
    for name in ("free", "paused"):
        if name in body:
            checks.flag(name, body[name])
    teacher = await _teacher(request)
    classroom = _classroom(request)
    new = await classroom.call(classroom.db.set_pace, teacher, **body)
    classroom.poke(teacher.class_id)
    return JSONResponse(_pace(new))


@_route
async def end(request: Request) -> Response:
    """``POST .../end``: joining and answering close; the answers stay."""
    teacher = await _teacher(request)
    classroom = _classroom(request)
    ended = await classroom.call(classroom.db.end_class, teacher)
    classroom.poke(teacher.class_id)
    return JSONResponse({"code": teacher.code, "ended": ended})


@_route
async def delete(request: Request) -> Response:
    """``DELETE /api/classes/{code}``: the class and every answer, gone."""
    teacher = await _teacher(request)
    classroom = _classroom(request)
    await classroom.call(classroom.db.delete_class, teacher)
    for key in [key for key in classroom.items if key[0] == teacher.class_id]:
        del classroom.items[key]
    classroom.poke(teacher.class_id)  # its streams end
    return JSONResponse({"code": teacher.code, "deleted": True})


@_route
async def events(request: Request) -> Response:
    """``GET .../events``: the class's events as Server-Sent Events, from ``Last-Event-ID``."""
    after = _after(request)
    member = await _member(request)
    classroom = _classroom(request)
    feed = await classroom.feed(member)
    stream = classroom.open_stream(member)
    feed.add(stream)
    return EventStream(
        _event_lines(classroom, feed, stream, after),
        done=lambda: classroom.close_stream(stream, feed),
    )


def _after(request: Request) -> int:
    query = _query(request, ("after",))
    resume = request.headers.get("last-event-id")
    if resume is not None:  # the header wins: it is what a reconnecting client last received
        return _whole("Last-Event-ID", resume.strip(), MAX_EVENT_ID)
    return _whole("after", query.get("after"), MAX_EVENT_ID) or 0


async def _event_lines(
    classroom: Classroom, feed: Feed, stream: Stream, after: int
) -> AsyncIterator[str]:
    """The stream's text: each event after ``after`` that its member may see, as it comes."""
    student = isinstance(stream.member, Student)
    yield ": connected\n\n"  # the head and a first line go out at once
    while not (stream.ended or feed.gone):
        stream.wake.clear()
        batch = feed.since(after)
        caught_up = True
        if batch is None:  # further back than the feed keeps: this stream reads its own
            horizon = feed.last
            batch = await classroom.call(
                classroom.db.events, stream.member, after=after, limit=MAX_EVENTS
            )
            caught_up = len(batch) < MAX_EVENTS
            if caught_up:  # nothing it may see up to what the feed had read
                after = max(after, horizon)
        for event in batch:
            after = max(after, event.id)
            if student and event.kind not in STUDENT_EVENTS:
                continue
            yield _sse(event)
            if event.kind == "end":
                return
        if batch or not caught_up:
            continue
        try:
            await asyncio.wait_for(stream.wake.wait(), classroom.limits.keep_alive)
        except asyncio.TimeoutError:
            yield ": keep-alive\n\n"


def _sse(event: Event) -> str:
    data = json.dumps({**event.payload, "time": event.time}, ensure_ascii=False)
    return f"id: {event.id}\nevent: {event.kind}\ndata: {data}\n\n"


class EventStream(StreamingResponse):
    """A ``text/event-stream`` response that says when it is over, however it ends.

    The stream ends when the client goes (Starlette cancels it), when it is
    ended here, or when the server stops (``autograd.connections`` cuts it);
    ``done`` is called each time, so the stream leaves its feed.
    """

    def __init__(self, lines: AsyncIterator[str], done: Callable[[], None]):
        # No proxy may hold the events back to send them together.
        super().__init__(lines, media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})
        self.done = done

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.done()
            await self.body_iterator.aclose()


ROUTES = [
    Route("/api/classes", create, methods=["POST"]),
    Route("/api/classes/{code}", about, methods=["GET"]),
    Route("/api/classes/{code}", delete, methods=["DELETE"]),
    Route("/api/classes/{code}/students", join, methods=["POST"]),
    Route("/api/classes/{code}/items/{item}/lesson", item_lesson, methods=["GET"]),
    Route("/api/classes/{code}/answers", answer, methods=["POST"]),
    Route("/api/classes/{code}/answers", answers, methods=["GET"]),
    Route("/api/classes/{code}/summary", summary, methods=["GET"]),
    Route("/api/classes/{code}/distribution", distribution, methods=["GET"]),
    Route("/api/classes/{code}/export", export, methods=["GET"]),
    Route("/api/classes/{code}/pace", pace, methods=["POST"]),
    Route("/api/classes/{code}/end", end, methods=["POST"]),
    Route("/api/classes/{code}/events", events, methods=["GET"]),
]
