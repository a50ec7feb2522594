"""The classroom server: the lesson page, live, for any program typed into it.

``autograd serve`` runs this app with uvicorn. A teacher types a program on
the projector, changes ``w`` from 3 to 2 and every gradient on the page
changes; students open the same address on their laptops. The server adds
transport and limits, nothing else: a program is checked by
``autograd.program``'s ``parse_program`` and ``Program.bind``, as on the command
line (so an error reads as the command line words it), the lesson is
``autograd.lesson``'s, and exercises are ``autograd.practice``'s.

The API (the page uses it; so can other tools):

- ``GET /``: the lesson page, with a program box, a field and a slider per input
  and the practice toggle, and a class's join form and start button;
- ``GET /class/CODE`` and ``GET /teach/CODE``: a live class's pages, the
  student's and the teacher's (``autograd.classpages``);
- ``GET /healthz``: ``ok``;
- ``POST /api/lesson`` with ``{"program": "z = w*b", "at": {"w": 3, "b": 4},
  "practice": false}``: 200 and the lesson's JSON (what the static page
  embeds, and the graph's SVG under ``"svg"``), or 400 and ``{"error": "..."}``;
- ``GET /api/exercise?level=2&seed=7``: an exercise's program and values;
- a live class: ``/api/classes`` and the routes under it (``autograd.classroom``),
  the student's page ``/class/{code}`` and the teacher's ``/teach/{code}``; its
  classes, students and answers are kept in a database (``autograd.classes``).

Every word the server sends is in the request's language (``httpjson.request_language``):
a ``lang`` query parameter (``/?lang=zh``; ``"lang"`` in the lesson's JSON
body), else the ``autograd_lang`` cookie that ``GET /?lang=zh`` sets (the
page's language switch is two such links, so the choice is remembered), else
``Accept-Language`` (zh, zh-CN, zh-Hans, zh-TW: Chinese; else English).
Every response that can depend on them says ``Vary: Accept-Language, Cookie``.

Hostile input costs little, and a few heavy requests cannot starve a class:

- bodies are capped (413) and every field is checked before any work (400);
- answers are kept (``fairshare.Answers``): a class asking for the same few
  lessons costs one layout each, and a kept answer needs no computing slot;
- a program is parsed, run and checked (``max_nodes``, ``max_uses``) before it
  asks for a slot, and its cost is estimated from its graph: a lesson that
  would be larger than ``max_response`` bytes is refused before the layout,
  and one over it after the layout too;
- at most ``max_concurrent`` computations run at once, each in a worker thread;
  heavy ones (``heavy_work``) queue behind their client address's other heavy
  work, never hold every slot, and are computed in a helper process at a lower
  priority (``fairshare.Helpers``), so that they take neither the GIL nor the
  CPU from the class; a request that finds no slot within ``queue_seconds``
  gets 503 with ``Retry-After``; ``dot`` runs with a timeout;
- requests must name this server in their ``Host`` header (DNS rebinding), and
  redirects are relative;
- connections are bounded in time and number by ``autograd.connections``.

No response ever holds a traceback: an unexpected error is logged here and
answered with one line. No limit counts requests per client address: a whole
class reaches the server through one school NAT address.

>>> app = create_app(max_concurrent=1)
>>> [route.path for route in app.routes][:6]
['/', '/healthz', '/api/lesson', '/api/exercise', '/class/{code}', '/teach/{code}']
"""

from __future__ import annotations

import contextlib
import functools
import gc
import html
import ipaddress
import logging
import math
import os
import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import anyio.to_thread
from anyio import CapacityLimiter
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autograd.classes import DEFAULT_DB, ClassDB
from autograd.classes.checks import join_code
from autograd.classroom import ROUTES as CLASS_ROUTES
from autograd.classroom import ClassLimits, Classroom
from autograd.connections import (
    HEADROOM,
    ConnectionLimits,
    listening,
    listening_socket,
    security_headers,
    uvicorn_config,
)
from autograd.draw import MAX_USES, GraphTooBigError, check_drawable
from autograd.engine import DomainError, topological_order
from autograd.fairshare import Answer, Answers, Busy, Helpers, Slots
from autograd.httpjson import (
    LANGUAGE_COOKIE,
    RequestError,
    error_data,
    error_response,
    json_type,
    json_value,
    read_json,
    request_language,
)
from autograd.i18n import (
    LANGUAGES,
    N_,
    TranslatableValueError,
    language_name,
    language_tag,
    match_language,
    tr,
)
from autograd.program import (
    WORKED_EXAMPLE,
    WORKED_EXAMPLE_AT,
    ProgramError,
    parse_program,
    parse_values,
)

__all__ = ["Limits", "create_app", "run"]

log = logging.getLogger("autograd.serve")

MAX_BODY = 64 * 1024  # bytes in a request body: a program is at most 10,000 characters
MAX_NUMBER = 1e6  # |value| of an input: beyond this nothing on the page is readable
MAX_SEED = 2**32 - 1
# The names every server answers to; run() adds the address it listens on, and --allow-host.
LOCAL_NAMES = ("localhost",)


@dataclass(frozen=True)
class Limits:
    """How much one server does at once, and for how long.

    ``max_concurrent`` requests compute at a time (default: one per core);
    one that waits more than ``queue_seconds`` for a slot gets 503.
    """

    max_concurrent: int = 2
    queue_seconds: float = 2.0
    max_nodes: int = 200  # graph nodes: a chain of 200 lays out in well under a second
    max_uses: int = MAX_USES  # times one node may be used (see autograd.draw.check_drawable)
    dot_timeout: float = 3.0  # seconds for one layout; a slower graph is refused
    max_body: int = MAX_BODY
    retry_after: int = 1  # seconds, in the 503's Retry-After
    # A lesson's JSON (its two layouts and every step's text) is about 8-12 KB a
    # node: 1 MiB holds a 2-3-1 network twice over or a chain of about 80 nodes
    # (the worked example is 75 KB; gzip sends about a tenth of it).
    max_response: int = 1024 * 1024
    # Estimated layout work (nodes + edges + (busiest fan-out)^2/4 + label
    # characters/20) above which a computation is heavy: the worked example is
    # 17, a chain of 50 is 101 (about a tenth of a second of dot).
    heavy_work: int = 100
    cache_entries: int = 512  # answers kept
    cache_bytes: int = 16 * 2**20  # and their bytes, gzipped: some 3,000 lessons of the usual size


def create_app(
    *,
    slow_hook=None,
    allowed_hosts: Iterable[str] = (),
    classes: ClassDB | None = None,
    classes_from_anywhere: bool = False,
    announce=None,
    class_limits: ClassLimits | None = None,
    **limits,
) -> Starlette:
    """The Starlette app: the lesson's routes, the class's, and middleware for limits and headers.

    Keyword arguments are the fields of ``Limits`` (e.g. ``max_concurrent=1``).
    ``allowed_hosts`` are names the ``Host`` header may give besides
    ``localhost`` and the loopback addresses. ``slow_hook``, if given, is
    called in the worker thread before each computation: tests use it to hold
    the only slot busy. ``classes`` is the database of the live classes (none:
    the class routes answer 404); a class is started from this computer only,
    unless ``classes_from_anywhere``; ``announce(code, teacher_url)`` is told
    of each class started (see ``autograd.classroom``).
    """
    names = (*LOCAL_NAMES, *allowed_hosts)  # the names the Host header may give
    app = Starlette(
        routes=[
            Route("/", page, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/api/lesson", api_lesson, methods=["POST"]),
            Route("/api/exercise", api_exercise, methods=["GET"]),
            Route("/class/{code}", class_page, methods=["GET"]),
            Route("/teach/{code}", class_page, methods=["GET"]),
            *CLASS_ROUTES,
        ],
        middleware=[
            # Outermost first: the headers go on every response, the 500s included;
            # everything inside them is CatchAll's, so no error passes it unanswered.
            Middleware(SecurityHeaders),
            Middleware(CatchAll),
            Middleware(AllowedHosts, names=names),
            Middleware(BodyLimit, limit=limits.get("max_body", MAX_BODY)),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=_lifespan,
    )
    # A path with or without its trailing slash: http_error redirects, relatively.
    app.router.redirect_slashes = False
    app.state.limits = Limits(**limits)
    # The server's connections answer a health check themselves, for these names too.
    app.state.allows_host = AllowedHosts(None, names=names).allows
    # The slots bound the requests computing at once and time out the wait; the
    # thread limiters bound the worker threads themselves, since a thread goes on
    # after its client has gone and its slot is free again. Checking a program
    # (parse, run, count) has threads of its own: it needs no slot.
    app.state.slots = Slots(app.state.limits.max_concurrent, app.state.limits.queue_seconds)
    app.state.threads = CapacityLimiter(app.state.limits.max_concurrent)
    app.state.checking = CapacityLimiter(app.state.limits.max_concurrent)
    app.state.answers = Answers(app.state.limits.cache_entries, app.state.limits.cache_bytes)
    # Heavy work holds at most all but one slot: as many helpers.
    app.state.helpers = Helpers(max(app.state.limits.max_concurrent - 1, 1))
    app.state.slow_hook = slow_hook
    app.state.pages = {}  # by language, each built on its first GET /: its bytes around NONCE
    app.state.class_pages = {}  # by role and language: the student's and the teacher's page
    # A class's items are checked, and their lessons served, as /api/lesson's are.
    app.state.classroom = Classroom(
        classes,
        check=functools.partial(class_item, limits=app.state.limits),
        lesson=class_lesson,
        from_anywhere=classes_from_anywhere,
        announce=announce,
        limits=class_limits,
    )
    return app


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette):
    yield
    app.state.helpers.close()


# Routes


async def page(request: Request) -> Response:
    """The lesson page of the worked example, with the controls that make it live,
    in the request's language; ``?lang=zh`` also remembers the choice (a cookie)."""
    state = request.app.state
    lang = request_language(request.scope)
    if lang not in state.pages:  # built once per language, on the first visit
        try:
            page = await _in_slot(request, False, _page_template, state.limits, lang)
            # Kept as bytes: a class opening the page at once costs a join each, no encoding.
            state.pages[lang] = page.encode().split(NONCE.encode())
        except Busy:
            return _busy(state.limits, lang)
    nonce = request.scope["state"]["csp_nonce"]
    response = HTMLResponse(nonce.encode().join(state.pages[lang]))
    chosen = match_language(request.query_params.get("lang", ""))
    if chosen:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax")
    return response


async def class_page(request: Request) -> Response:
    """A live class's page: the student's (``/class/CODE``) or the teacher's (``/teach/CODE``).

    The page is the same for every class but for its code (its script asks
    the class API, with the token the browser keeps, for the rest); a code
    typed in another case or with a space or dash is the same class's page,
    which puts the code as it is in the address bar.
    """
    code = join_code(request.path_params["code"])
    if code is None:
        raise HTTPException(404)
    role = "teacher" if request.url.path.startswith("/teach/") else "student"
    lang = request_language(request.scope)
    state = request.app.state
    if (role, lang) not in state.class_pages:  # built once, on the first visit
        try:
            state.class_pages[role, lang] = await _in_slot(
                request, False, _class_template, role, state.limits, lang
            )
        except Busy:
            return _busy(state.limits, lang)
    from autograd.classpages import for_class

    nonce = request.scope["state"]["csp_nonce"]
    return HTMLResponse(for_class(state.class_pages[role, lang], code).replace(NONCE, nonce))


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def api_lesson(request: Request) -> Response:
    """The lesson JSON for ``{"program": ..., "at": {...}, "practice": false}``
    (and ``"lang": "zh"``, else the request's language)."""
    lang = request_language(request.scope)
    try:
        program, values, practice, lang = _lesson_request(await read_json(request), lang)
    except RequestError as error:
        return error_response(error, lang)
    # repr keeps -0.0 apart from 0.0; the order the client sent the values in does not matter.
    at = tuple(sorted((name, repr(value)) for name, value in values.items()))
    key = ("lesson", program, at, practice, lang)
    mode = "practice" if practice else "lesson"
    return await _answer(request, key, _lesson_answer, request, program, values, mode, lang)


async def class_lesson(
    request: Request, program: str, values: dict[str, float], mode: str
) -> Response:
    """A class item's lesson in the class's mode, in the request's language: the
    page's data without the verdicts.

    Kept in the same cache as ``/api/lesson``'s lessons and computed in the same
    slots; the class's server judges the answers, so the page gets no verdict
    to compare them with.
    """
    lang = request_language(request.scope)
    at = tuple(sorted((name, repr(value)) for name, value in values.items()))
    key = ("class", program, at, mode, lang)
    return await _answer(request, key, _lesson_answer, request, program, values, mode, lang, True)


def class_item(program: str, at: dict, limits: Limits) -> dict[str, float]:
    """A class item's program and values checked as ``/api/lesson`` checks them: the values.

    Raises ``RequestError`` with the command line's words, before the class is made.
    """
    program, values, _, _ = _lesson_request({"program": program, "at": at})
    return _graph(program, values, limits).values


async def api_exercise(request: Request) -> Response:
    """An exercise: ``GET /api/exercise?level=2&seed=7``."""
    lang = request_language(request.scope)
    try:
        level, seed = _exercise_request(request.query_params)
    except RequestError as error:
        return error_response(error, lang)
    return await _answer(request, ("exercise", level, seed), _exercise_answer, request, level, seed)


async def http_error(request: Request, error: HTTPException) -> Response:
    """404, 405 and the like as one line of JSON, like every other error.

    A known path with a slash too many or too few is redirected, by a relative
    address: the ``Host`` header is never written back into a response.
    """
    path = request.url.path
    twin = path[:-1] if path.endswith("/") else path + "/"
    if error.status_code == 404 and twin in {route.path for route in request.app.routes}:
        query = request.scope.get("query_string", b"").decode("latin-1")
        return RedirectResponse(twin + ("?" + query if query else ""), 307)
    lang = request_language(request.scope)
    if error.status_code == 404:
        message = tr(
            lang,
            "there is nothing at {path}; the page is at /, the API at "
            "/api/lesson (POST) and /api/exercise (GET)",
            path=path,
        )
    elif error.status_code == 405:
        message = tr(lang, "{method} is not allowed for {path}", method=request.method, path=path)
    else:
        message = error.detail
    return JSONResponse({"error": message}, error.status_code, headers=error.headers)


# Checking a request: everything is checked before any work is done.


_LESSON_FIELDS = ("program", "at", "practice", "lang")


def _lesson_request(body, lang: str = "en") -> tuple[str, dict[str, float], bool, str]:
    """``(program, values, practice, lang)`` from the JSON body, or RequestError
    saying what is wrong; ``lang`` unless the body names another language.

    >>> _lesson_request({"program": "z = w*b", "at": {"w": 3, "b": 4}, "lang": "zh-CN"})
    ('z = w*b', {'w': 3.0, 'b': 4.0}, False, 'zh')
    >>> _lesson_request({"program": "z = 2*w", "at": {"w": True}})
    Traceback (most recent call last):
    autograd.httpjson.RequestError: at: w is true, not a number (e.g. "w": 3)
    >>> try:
    ...     _lesson_request({"program": "z = 2*w", "at": {"w": {}}})
    ... except RequestError as error:
    ...     print(error.text("zh"))
    at：w 是 对象，不是数（例如 "w": 3）。
    """
    example = '{"program": "z = w*b", "at": {"w": 3, "b": 4}, "practice": false}'
    if not isinstance(body, dict):
        raise RequestError(
            N_("the request body must be a JSON object, e.g. {example}"), example=example
        )
    unknown = [key for key in body if key not in _LESSON_FIELDS]
    if unknown:
        raise RequestError(
            N_("unknown field {field!r}; the fields are {fields}"),
            field=unknown[0],
            fields=", ".join(_LESSON_FIELDS),
        )
    if "lang" in body:
        asked = body["lang"]
        lang = match_language(asked) if isinstance(asked, str) else None
        if lang is None:
            raise RequestError(
                N_("lang must be one of {languages}, not {value}"),
                languages=", ".join(LANGUAGES),
                value=json_value(asked) if not isinstance(asked, str) else repr(asked[:40]),
            )
    if "program" not in body:
        raise RequestError(N_("the field 'program' is missing, e.g. {example}"), example=example)
    program = body["program"]
    if not isinstance(program, str):
        raise RequestError(N_("program must be a string, not {type}"), type=json_type(program))
    at = body.get("at", {})
    if not isinstance(at, dict):
        raise RequestError(
            N_('at must be an object of numbers, e.g. {{"w": 3}}, not {type}'), type=json_type(at)
        )
    practice = body.get("practice", False)
    if not isinstance(practice, bool):
        raise RequestError(
            N_("practice must be true or false, not {type}"), type=json_type(practice)
        )

    values = {}
    for name, value in at.items():
        if not name.isidentifier():
            raise RequestError(N_("at: {name!r} is not a name (e.g. w, x1, bias)"), name=name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RequestError(
                N_('at: {name} is {type}, not a number (e.g. "{name}": 3)'),
                name=name,
                type=json_value(value),
            )
        try:
            number = float(value)  # JSON reads 1e400 as inf, and 10**400 as an int
        except OverflowError:
            number = math.inf
        if not abs(number) <= MAX_NUMBER:
            raise RequestError(
                N_(
                    "at: {name} = {number} is too large for a lesson; "
                    "use a number between {low} and {high}"
                ),
                name=name,
                number=f"{number:g}",
                low=f"{-MAX_NUMBER:g}",
                high=f"{MAX_NUMBER:g}",
            )
        values[name] = number
    return program, values, practice, lang


def _exercise_request(query) -> tuple[int, int]:
    """``(level, seed)`` from ``?level=2&seed=7``, both optional."""
    from autograd.practice import LEVELS

    unknown = [key for key in query if key not in ("level", "seed", "lang")]
    if unknown:
        raise RequestError(
            N_("unknown parameter {name!r}; the parameters are level and seed"), name=unknown[0]
        )
    level = _integer(query, "level", 1)
    if level not in LEVELS:
        levels = ", ".join(str(n) for n in LEVELS)
        raise RequestError(
            N_("level must be one of {levels}, not {level}"), levels=levels, level=level
        )
    seed = _integer(query, "seed", 0)
    if not 0 <= seed <= MAX_SEED:
        raise RequestError(
            N_("seed must be between 0 and {largest}, not {seed}"), largest=MAX_SEED, seed=seed
        )
    return level, seed


def _integer(query, name: str, default: int) -> int:
    text = query.get(name)
    if text is None:
        return default
    if not re.fullmatch(r"-?[0-9]{1,12}", text):
        raise RequestError(
            N_("{name} must be a whole number, not {text!r}"), name=name, text=text[:20]
        )
    return int(text)


# The work. A lesson is checked first (parse, bind, run, count), in a thread
# that needs no computing slot; only its layout and explanation take a slot.


@dataclass
class Graph:
    """A checked program's graph, ready to lay out, and what its layout will cost."""

    program: object  # the command line's Program
    output: object  # the Value the program computes last
    values: dict[str, float]
    cost: Estimate


def _graph(program_text: str, values: dict[str, float], limits: Limits) -> Graph:
    """Parse, bind and run the program, and check its graph is one this server draws."""
    # The command line's own reading of NAME=NUMBER, so that its checks and words apply.
    items = [f"{name}={number!r}" for name, number in values.items()]
    values = _program_error_as_request_error(parse_values, items)
    program = _program_error_as_request_error(parse_program, program_text)
    try:
        values = program.bind(values)
    except ProgramError as error:
        # The page makes a field for each input from this list.
        raise RequestError(cause=error, extra={"inputs": list(program.inputs)}) from None
    output, _ = _program_error_as_request_error(program.run, values)
    try:
        check_drawable(output, max_nodes=limits.max_nodes, max_uses=limits.max_uses)
    except GraphTooBigError as error:
        raise RequestError(cause=error) from None
    return Graph(program, output, values, estimate(output))


def _lesson(graph: Graph, mode: str, limits: Limits, lang: str = "en") -> dict:
    """The lesson's JSON for a checked graph: the same code as the command line."""
    from autograd.lesson import lesson_data

    program, output, values = graph.program, graph.output, graph.values
    try:
        data = lesson_data(
            output,
            mode=mode,
            max_nodes=limits.max_nodes,
            dot_timeout=limits.dot_timeout,
            lang=lang,
        )
    except (GraphTooBigError, TimeoutError) as error:
        # The same graph would be as big or slow again: the request's limit, not the server's.
        raise RequestError(cause=error) from None
    except DomainError as error:  # e.g. a local derivative too large for a float
        raise RequestError(cause=error) from None
    return {**data, "inputs": list(program.inputs), "at": values}


@dataclass(frozen=True)
class Estimate:
    """What a graph will cost, from its shape, before Graphviz lays it out.

    >>> from autograd import Value
    >>> w = Value(3.0, label="w")
    >>> estimate(w * w + 1)
    Estimate(nodes=4, edges=4, busiest=2, label_chars=1)
    """

    nodes: int
    edges: int
    busiest: int  # the most operations that use one node (Graphviz's layout suffers)
    label_chars: int

    @property
    def work(self) -> int:
        """Layout work in rough units: a chain of 50 nodes is about 100."""
        return self.nodes + self.edges + self.busiest**2 // 4 + self.label_chars // 20

    @property
    def bytes_at_least(self) -> int:
        """A lesson's JSON, its SVG included, is never smaller than this (measured: 8-12 KB
        a node): a graph over the response cap is refused before its layout."""
        return 6000 * self.nodes + 2000 * self.edges + 4 * self.label_chars


def estimate(output) -> Estimate:
    """The ``Estimate`` of the graph that computes ``output``."""
    order = topological_order(output)
    uses = Counter(parent for node in order for parent in node.parents)
    return Estimate(
        nodes=len(order),
        edges=sum(uses.values()),
        busiest=max(uses.values(), default=0),
        label_chars=sum(len(node.label or "") for node in order),
    )


def _too_large(size: int, limits: Limits, at_least: bool = False) -> RequestError:
    if at_least:
        message = N_(
            "the lesson of this graph is at least {size} KiB, more than this server sends "
            "({limit} KiB); split the program into smaller pieces, or run "
            "autograd explain --html on your own machine"
        )
    else:
        message = N_(
            "the lesson of this graph is {size} KiB, more than this server sends "
            "({limit} KiB); split the program into smaller pieces, or run "
            "autograd explain --html on your own machine"
        )
    return RequestError(message, size=size // 1024, limit=limits.max_response // 1024)


async def _lesson_answer(
    request: Request,
    program_text: str,
    values: dict[str, float],
    mode: str,
    lang: str,
    for_class: bool = False,
) -> Answer:
    state = request.app.state
    limits: Limits = state.limits
    try:
        graph = await anyio.to_thread.run_sync(
            _graph, program_text, values, limits, limiter=state.checking
        )
        if graph.cost.bytes_at_least > limits.max_response:
            raise _too_large(graph.cost.bytes_at_least, limits, at_least=True)
        if graph.cost.work <= limits.heavy_work:
            return await _in_slot(
                request, False, _lesson_json, graph, mode, limits, lang, for_class
            )
        # A graph is not sent to another process (its local rules are closures): its program is.
        work = (_lesson_apart, program_text, values, mode, limits, lang, for_class)
        return await _in_slot(request, True, state.helpers.run, *work)
    except RequestError as error:
        return Answer.of(error.status, _render(error_data(error, lang)))


def _lesson_apart(
    program_text: str,
    values: dict[str, float],
    mode: str,
    limits: Limits,
    lang: str,
    for_class: bool,
) -> Answer:
    """A heavy lesson's answer, in a helper process: checked again there, then laid out."""
    try:
        return _lesson_json(_graph(program_text, values, limits), mode, limits, lang, for_class)
    except RequestError as error:  # an answer too, and one that travels back whole
        return Answer.of(error.status, _render(error_data(error, lang)))


def _lesson_json(
    graph: Graph, mode: str, limits: Limits, lang: str = "en", for_class: bool = False
) -> Answer:
    """The lesson as the bytes to send and keep (rendered in the worker thread, not the loop)."""
    data = _lesson(graph, mode, limits, lang)
    body = _render(_without_verdicts(data) if for_class else data)
    if len(body) > limits.max_response:
        raise _too_large(len(body), limits)
    return Answer.of(200, body)


def _without_verdicts(data: dict) -> dict:
    """The lesson's data with no question's verdicts: what a class's page gets."""
    modes = data["view"]["modes"]
    unjudged = {
        mode: [{k: v for k, v in q.items() if k not in ("verdicts", "otherwise")} for q in asked]
        for mode, asked in modes.items()
    }
    return {**data, "view": {**data["view"], "modes": unjudged}}


async def _exercise_answer(request: Request, level: int, seed: int) -> Answer:
    return await _in_slot(request, False, _rendered, _exercise, level, seed)


def _rendered(work, *args) -> Answer:
    return Answer.of(200, _render(work(*args)))


def _exercise(level: int, seed: int) -> dict:
    from autograd.practice import exercise

    ex = exercise(level, seed)
    return {
        "level": level,
        "seed": seed,
        "program": ex.program,
        "at": dict(ex.at),
        "output": ex.output,
    }


def _program_error_as_request_error(function, *args):
    try:
        return function(*args)
    except ProgramError as error:
        raise RequestError(cause=error) from None


async def _answer(request: Request, key, work, *args) -> Response:
    """The kept answer for ``key``, or ``work(*args)``'s (kept for the next request); else 503.

    ``work`` returns an ``Answer``; it raises ``Busy`` when no slot came free
    in time, which is not kept. A client that accepts gzip (every browser) gets
    the answer as it is kept, compressed once.
    """
    state = request.app.state
    try:
        answer = await state.answers.answer(key, lambda: work(*args))
    except Busy:
        return _busy(state.limits, request_language(request.scope))
    if answer.gzipped and _accepts_gzip(request):
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(answer.data, answer.status, headers, "application/json")
    return Response(answer.body, answer.status, media_type="application/json")


def _accepts_gzip(request: Request) -> bool:
    """Whether Accept-Encoding names gzip (and not with q=0).

    >>> def ask(codings):
    ...     headers = [(b"accept-encoding", codings)]
    ...     return _accepts_gzip(Request({"type": "http", "headers": headers}))
    >>> ask(b"gzip, deflate, br"), ask(b"br;q=1, gzip;q=0.0"), ask(b"identity")
    (True, False, False)
    """
    for coding in request.headers.get("accept-encoding", "").split(","):
        name, _, parameter = coding.partition(";")
        if name.strip().lower() == "gzip":
            weight = parameter.strip().lower().removeprefix("q=")
            return not re.fullmatch(r"0(\.0{0,3})?", weight)
    return False


async def _in_slot(request: Request, heavy: bool, work, *args):
    """``work(*args)`` in a worker thread, once a computing slot is free; ``Busy`` if none in time.

    The slots bound how many requests compute at once (threads hold the GIL
    in turn, so more would only make each slower); a short queue absorbs a
    class pressing Enter together, and past it a client is told when to retry.
    """
    state = request.app.state
    async with state.slots.slot(_address(request), heavy):
        return await anyio.to_thread.run_sync(
            _call, state.slow_hook, work, args, limiter=state.threads
        )


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _busy(limits: Limits, lang: str = "en") -> Response:
    return JSONResponse(
        {"error": tr(lang, "the server is busy; try again in a moment")},
        503,
        headers={"Retry-After": str(limits.retry_after)},
    )


def _render(data) -> bytes:
    return JSONResponse(data).body


def _call(hook, work, args):
    if hook is not None:
        hook()
    return work(*args)


# The page: the static lesson page of the worked example, with the controls
# and their script added. NONCE stands for each response's CSP nonce.

NONCE = "@@NONCE@@"


def _page_template(limits: Limits, lang: str = "en") -> str:
    from autograd.lesson import lesson_data

    program = parse_program(WORKED_EXAMPLE)
    output, _ = program.run(program.bind(dict(WORKED_EXAMPLE_AT)))
    return _add_controls(lesson_data(output, max_nodes=limits.max_nodes, lang=lang), lang)


# The words serve.html puts on the page (@@S:name@@) and its script says
# (``serve-words``), in the page's language.
SERVE_WORDS = {
    "controls": N_("Program and values"),
    "program": N_("Program (assignments separated by ; or new lines; Ctrl+Enter draws at once)"),
    "inputs": N_("Input values"),
    "level": N_("Level"),
    "new_exercise": N_("New exercise"),
    "language": N_("Language"),
    "slider": N_("{name} slider"),
    "type_a_number": N_("{name}: type a number, e.g. 3 or -0.5"),
    "unreachable": N_("The server cannot be reached ({error})"),
    "busy": N_("The server is busy; trying again in {seconds} s"),
    "exercise": N_("Exercise: level {level}, seed {seed}"),
}


def _add_controls(data: dict, lang: str = "en") -> str:
    """The lesson page with the controls (from serve.html) in its named slots; a
    nonce on each script and style; its words in ``lang``, and a switch to the
    other languages (links to ``/?lang=...``, which the server remembers)."""
    from autograd.classpages import fill_words
    from autograd.lesson import _script_json, page

    fragment = resources.files("autograd").joinpath("serve.html").read_text(encoding="utf-8")
    style, _, rest = fragment.partition("<!-- @@style -->")[2].partition("<!-- @@controls -->")
    controls, _, script = rest.partition("<!-- @@script -->")
    # Slots filled with themselves stay for the script to fill.
    slots = {name: f"{{{name}}}" for name in ("name", "error", "seconds", "level", "seed")}
    words = {name: tr(lang, word, **slots) for name, word in SERVE_WORDS.items()}
    filling = {f"@@S:{name}@@": html.escape(said) for name, said in words.items()}
    filling["@@PROGRAM@@"] = html.escape(WORKED_EXAMPLE)
    filling["@@LANGUAGES@@"] = _language_switch(lang)
    filling["@@SERVE_WORDS@@"] = _script_json(words)
    controls = re.sub("|".join(map(re.escape, filling)), lambda m: filling[m[0]], controls)
    controls = fill_words(controls, lang)  # the join and start boxes
    text = page(data, head=style.strip(), controls=controls.strip(), end=script.strip())
    return _with_nonce(text)


def _class_template(role: str, limits: Limits, lang: str = "en") -> str:
    """The student's or the teacher's page, holding a one-node lesson until the class's comes."""
    from autograd.classpages import student_page, teacher_page
    from autograd.engine import Value
    from autograd.lesson import lesson_data

    data = lesson_data(Value(0.0, label="z"), max_nodes=limits.max_nodes, lang=lang)
    return _with_nonce((teacher_page if role == "teacher" else student_page)(data, lang))


def _with_nonce(text: str) -> str:
    """Only elements with this response's nonce may run or style the page."""
    text = text.replace("<style>", f'<style nonce="{NONCE}">')
    return text.replace("<script>", f'<script nonce="{NONCE}">')


def _language_switch(lang: str) -> str:
    """A link per language, each named in its own language; the page's is current."""
    links = []
    for other in LANGUAGES:
        tag, name = language_tag(other), html.escape(language_name(other))
        current = ' aria-current="true"' if other == lang else ""
        links.append(f'<a href="/?lang={other}" lang="{tag}" hreflang="{tag}"{current}>{name}</a>')
    return "\n    ".join(links)


# Middleware: pure ASGI, so that they see every response, errors included.


class SecurityHeaders:
    """The headers every response carries, and the nonce for the page's own script and style.

    The server's own answers (a request that is not HTTP, a timeout) carry the
    same headers: ``autograd.connections`` writes them.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        extra = security_headers(nonce)
        # Every answer but /healthz's says something in the request's language.
        languages = scope.get("path") != "/healthz"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *extra]
                if languages:
                    headers = _vary(headers, b"Accept-Language, Cookie")
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _vary(headers: list, names: bytes) -> list:
    """The headers with ``names`` added to their one Vary header.

    >>> _vary([(b"vary", b"Accept-Encoding")], b"Accept-Language, Cookie")
    [(b'vary', b'Accept-Encoding, Accept-Language, Cookie')]
    """
    vary = [value for name, value in headers if name.lower() == b"vary"]
    others = [(name, value) for name, value in headers if name.lower() != b"vary"]
    return [*others, (b"vary", b", ".join([*vary, names]))]


class AllowedHosts:
    """400 for a request whose ``Host`` is not a name of this server.

    DNS rebinding: a page on ``evil.example`` whose name is then made to point at
    a teacher's laptop could otherwise call this server from the teacher's own
    browser. The names allowed: ``localhost``, any loopback address, and the
    names given (run() adds the address it listens on and ``--allow-host``).

    >>> AllowedHosts(None, names=["Class.Example"]).allows(b"class.example:8000")
    True
    >>> [AllowedHosts(None).allows(h) for h in (b"127.0.0.2", b"[::1]:80", b"evil.example")]
    [True, True, False]
    """

    def __init__(self, app: ASGIApp, names: Iterable[str] = LOCAL_NAMES):
        self.app = app
        self.names = {_host_name(name) for name in names}

    def allows(self, host: bytes) -> bool:
        name = _host_name(host.decode("latin-1"))
        if name in self.names:
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = dict(scope.get("headers", [])).get(b"host")
        if host is not None and self.allows(host):
            return await self.app(scope, receive, send)
        lang = request_language(scope)
        if host is None:
            message = tr(lang, "the request has no Host header; send the name of this server in it")
        else:
            message = tr(
                lang,
                "this server does not answer to the name {name!r}; open the address "
                "autograd serve printed, or start it with --allow-host NAME to add a name",
                name=host.decode("latin-1")[:100],
            )
        await JSONResponse({"error": message}, 400)(scope, receive, send)


def _host_name(host: str) -> str:
    """The name in a Host header: no port, no brackets, lower case, no final dot."""
    host = host.strip().lower()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


class CatchAll:
    """An unexpected error: the traceback to the log, one generic line to the client.

    A client that went away in the middle of its body is not an error: there
    is no one to answer, and nothing to log.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except ClientDisconnect:
            return
        except Exception:
            log.exception("error in %s %s", scope.get("method"), scope.get("path"))
            if scope["type"] != "http" or started:
                raise
            said = tr(request_language(scope), "internal error; the server log has the details")
            response = JSONResponse({"error": said}, 500)
            await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class BodyLimit:
    """413 for a body over ``limit`` bytes: by its Content-Length, or counted as it streams in.

    Counting matters: a chunked body has no Content-Length, and a client may
    send more than it declared.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await self._refuse(scope, receive, send)
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = tr(
            request_language(scope),
            "the request body is larger than {size} KiB",
            size=self.limit // 1024,
        )
        await JSONResponse({"error": message}, 413, headers={"Connection": "close"})(
            scope, receive, send
        )


# The command: autograd serve


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    allow_hosts: Iterable[str] = (),
    *,
    db: str = DEFAULT_DB,
    workers: int = 1,
    classes_from_anywhere: bool = False,
) -> int:
    """Serve until Ctrl-C or SIGTERM; return the exit status (0).

    The socket is bound and listening before the address is printed, so that
    the address printed is the real one (also with ``--port 0``) and a browser
    opened at once finds it. Requests must name the server in their ``Host``
    header: ``localhost``, a loopback address, the address it listens on (every
    address of this machine for ``0.0.0.0``), or a name in ``allow_hosts``.

    Classes are kept in ``db``: an SQLite file (made on first use) or a
    ``postgresql://`` URL. With ``workers`` above 1, that many processes
    share the listening socket and the database (see ``_supervise``).
    """
    import signal
    import threading
    import webbrowser

    if not 1 <= workers <= MAX_WORKERS:
        raise TranslatableValueError(
            N_("--workers {workers}: give a number of processes from 1 to {most}"),
            workers=workers,
            most=MAX_WORKERS,
        )
    if workers > 1 and db == ":memory:":
        raise TranslatableValueError(
            N_("--workers needs a database file or a postgresql:// URL, not :memory:")
        )
    try:
        sock = listening_socket(host, port)
    except OSError as error:
        said = tr(
            None,
            "cannot listen on {host}:{port} ({reason}); "
            "choose another port with --port, e.g. --port 8001",
            host=host,
            port=port,
            reason=error.strerror,
        )
        raise OSError(said) from None
    port = sock.getsockname()[1]
    try:
        classes = ClassDB(db)  # made or brought up to date now: a wrong path or URL says so here
    except BaseException:
        sock.close()
        raise
    serving = Serving(
        host, port, (*_own_names(host), *allow_hosts), db, classes_from_anywhere,
        _connections_allowed(),
    )  # fmt: skip
    for line in addresses(host, port):
        print(line, flush=True)
    where = classes.target if "://" in classes.target else os.path.abspath(db)
    kept = tr(None, "Classes are kept in {where} (back it up to keep them)", where=where)
    print(kept, flush=True)
    if serving.max_connections < ConnectionLimits().max_connections:
        note = tr(
            None,
            "note: this system lets the server keep {count} connections open at once "
            "(raise it with ulimit -n)",
            count=serving.max_connections,
        )
        print(note, flush=True)
    if open_browser:
        webbrowser.open(f"http://{_url_host(host)}:{port}/")
    # uvicorn stops gracefully on SIGINT and SIGTERM, then sends the signal on
    # to the handler that was there before it: SIGTERM then ends here as Ctrl-C does.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
    try:
        if workers == 1:
            _serve(sock, serving, classes)
        else:
            classes.close()  # each worker opens its own connections
            _supervise(sock, serving, workers)
    except KeyboardInterrupt:  # uvicorn has shut down cleanly, then passes the signal on
        pass
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
        sock.close()
        classes.close()
    print(tr(None, "autograd serve: stopped"), flush=True)
    return 0


MAX_WORKERS = 32
SPARE_FILES = 64  # open files kept for other things: dot's pipes, logs, a database
SWITCH_INTERVAL = 0.001  # seconds a thread holds the GIL while another waits for it


@dataclass(frozen=True)
class Serving:
    """What each server process is made from (sent to the workers, so plain data)."""

    host: str
    port: int
    names: tuple[str, ...]  # the names the Host header may give
    db: str
    classes_from_anywhere: bool
    max_connections: int


def _serve(sock, serving: Serving, classes: ClassDB, watch=None) -> None:
    """Serve on ``sock`` in this process until a signal (or ``watch`` closes: see ``_worker``)."""
    import sys
    import threading

    import uvicorn

    app = create_app(
        max_concurrent=os.cpu_count() or 2,
        allowed_hosts=serving.names,
        classes=classes,
        classes_from_anywhere=serving.classes_from_anywhere,
        announce=functools.partial(_announce, serving),
    )
    connections = ConnectionLimits(max_connections=serving.max_connections)
    server = uvicorn.Server(uvicorn_config(app, connections, app.state.allows_host))
    if watch is not None:
        threading.Thread(target=_stop_when_closed, args=(watch, server), daemon=True).start()
    # While a worker thread lays out a lesson, the event loop's thread waits for
    # the GIL after each socket call, up to the switch interval: Python's 5 ms
    # would make every send and receive of every connection that slow.
    sys.setswitchinterval(SWITCH_INTERVAL)
    # What is made so far lives as long as the server: the full garbage collections,
    # which stop every request while they run, need not look through it again.
    gc.collect()
    gc.freeze()
    server.run(sockets=[sock])


def _announce(serving: Serving, code: str, teacher_url: str) -> None:
    """A class started from this computer: its join code and the teacher's link, on the terminal.

    The terminal is the teacher's own (a class is announced only when it was
    started from this computer); the link is written nowhere else.
    """
    everywhere = serving.host in ("0.0.0.0", "::", "")
    students = _local_addresses()[0] if everywhere else serving.host
    teacher = "127.0.0.1" if everywhere else serving.host
    started = tr(
        None,
        "Class {code} started: students open {students} and join with the code {code}\n"
        "  the teacher's page (keep this link to yourself): {teacher}",
        code=code,
        students=f"http://{_url_host(students)}:{serving.port}/",
        teacher=f"http://{_url_host(teacher)}:{serving.port}{teacher_url}",
    )
    print(started, flush=True)


def _supervise(sock, serving: Serving, workers: int) -> None:
    """Run ``workers`` server processes on the one listening socket until a signal.

    Each worker is a new Python process (spawned: the same on every system)
    with its own event loop and its own connections to the database; the
    system hands each new connection to one of them. A class's live events are
    read from the database, so a student's answer taken by one worker reaches a
    dashboard streamed by another. A worker that dies is started again.
    Ctrl-C or SIGTERM stops them all: each finishes as one server does.
    """
    import multiprocessing
    import multiprocessing.connection
    import socket

    context = multiprocessing.get_context("spawn")
    # A plain socket travels to another process; the worker makes it ours again.
    shared = socket.socket(sock.family, sock.type, sock.proto, fileno=socket.dup(sock.fileno()))

    def start() -> tuple:
        # The worker watches its end of a pipe: if this process dies, it stops too.
        watch, keep = context.Pipe(duplex=False)
        process = context.Process(target=_worker, args=(shared, serving, watch), daemon=True)
        process.start()
        watch.close()
        return process, keep

    running = [start() for _ in range(workers)]
    try:
        while True:
            multiprocessing.connection.wait([p.sentinel for p, _ in running], timeout=1.0)
            for i, (process, keep) in enumerate(running):
                if process.exitcode is not None:
                    log.warning("a server process stopped (exit code %s); starting another",
                                process.exitcode)  # fmt: skip
                    keep.close()
                    running[i] = start()
    finally:
        for process, _ in running:
            if process.is_alive():
                process.terminate()  # SIGTERM: a worker stops as one server does
        for process, keep in running:
            process.join(timeout=15)
            if process.is_alive():
                process.kill()
                process.join()
            keep.close()
        shared.close()


def _worker(shared, serving: Serving, watch) -> None:
    """One server process of ``--workers``: its own app and database connections."""
    import signal

    if hasattr(os, "setpgrp"):
        os.setpgrp()  # Ctrl-C reaches the supervisor alone, which stops each worker once
    signal.signal(signal.SIGTERM, _interrupt)
    classes = ClassDB(serving.db)
    try:
        _serve(listening(shared), serving, classes, watch)
    except KeyboardInterrupt:
        pass
    finally:
        classes.close()


def _stop_when_closed(watch, server) -> None:
    """Stop ``server`` when the other end of ``watch`` closes (its supervisor is gone)."""
    with contextlib.suppress(EOFError, OSError):
        watch.recv()
    server.should_exit = True


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _connections_allowed() -> int:
    """As many connections as the open-file limit allows, up to the default cap.

    The soft limit is raised towards the hard one first (a desktop's soft
    limit is often 1,024; its hard limit much higher).
    """
    spare = SPARE_FILES + HEADROOM  # and for a burst of connections not yet counted
    wanted = ConnectionLimits().max_connections + spare
    try:
        import resource
    except ImportError:  # Windows: no such limit
        return ConnectionLimits().max_connections
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return ConnectionLimits().max_connections
    return max(min(soft - spare, ConnectionLimits().max_connections), 16)


def _own_names(host: str) -> list[str]:
    """The names a browser may give for this server, besides localhost and loopback."""
    if host in ("0.0.0.0", "::", ""):
        return _local_addresses()
    return [host]


def addresses(host: str, port: int) -> list[str]:
    """What ``autograd serve`` prints: where to open the page, and a warning when it is public.

    >>> addresses("127.0.0.1", 8000)
    ['Serving the lesson page at http://127.0.0.1:8000/ (this computer only; Ctrl-C stops)']
    """
    if host not in ("0.0.0.0", "::", ""):
        url = f"http://{_url_host(host)}:{port}/"
        if _loopback(host):
            said = tr(
                None,
                "Serving the lesson page at {url} (this computer only; Ctrl-C stops)",
                url=url,
            )
        else:
            said = tr(
                None, "Serving the lesson page at {url} (on this address; Ctrl-C stops)", url=url
            )
        return [said]
    lines = [tr(None, "Serving the lesson page on every network interface; students can open:")]
    lines += [f"  http://{_url_host(ip)}:{port}/" for ip in _local_addresses()]
    lines.append(
        tr(
            None,
            "warning: anyone on this network can reach the server; use it on a network you trust",
        )
    )
    lines.append(tr(None, "Ctrl-C stops it."))
    return lines


def _loopback(host: str) -> bool:
    return host == "localhost" or host.startswith("127.") or host == "::1"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _local_addresses() -> list[str]:
    """This machine's IPv4 addresses, as its own name resolves (no packet is sent)."""
    import socket

    found = {"127.0.0.1"}
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(info[4][0])
    except OSError:
        pass
    return sorted(found, key=lambda ip: (ip.startswith("127."), ip))
