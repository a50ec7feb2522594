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
  and the practice toggle;
- ``GET /healthz``: ``ok``;
- ``POST /api/lesson`` with ``{"program": "z = w*b", "at": {"w": 3, "b": 4},
  "practice": false}``: 200 and the lesson's JSON (what the static page
  embeds, and the graph's SVG under ``"svg"``), or 400 and ``{"error": "..."}``;
- ``GET /api/exercise?level=2&seed=7``: an exercise's program and values.

Hostile input costs little: bodies are capped (413), every field is checked
before any work (400), a graph may have at most ``max_nodes`` nodes, ``dot``
runs with a timeout, and at most ``max_concurrent`` requests compute at once,
each in a worker thread; a request that finds no free slot within
``queue_seconds`` gets 503 with ``Retry-After``. No response ever holds a
traceback: an unexpected error is logged here and answered with one line.

>>> app = create_app(max_concurrent=1)
>>> [route.path for route in app.routes]
['/', '/healthz', '/api/lesson', '/api/exercise']
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import math
import os
import re
import secrets
from dataclasses import dataclass
from importlib import resources

import anyio.to_thread
from anyio import CapacityLimiter
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autograd.draw import MAX_USES, GraphTooBigError, check_drawable
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


class RequestError(ValueError):
    """A request the server will not compute: the one line to send back, and its status."""

    def __init__(self, message: str, status: int = 400, **extra):
        super().__init__(message)
        self.status = status
        self.extra = extra


def create_app(*, slow_hook=None, **limits) -> Starlette:
    """The Starlette app: four routes, and middleware for limits and headers.

    Keyword arguments are the fields of ``Limits`` (e.g. ``max_concurrent=1``).
    ``slow_hook``, if given, is called in the worker thread before each
    computation: tests use it to hold the only slot busy.
    """
    app = Starlette(
        routes=[
            Route("/", page, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/api/lesson", api_lesson, methods=["POST"]),
            Route("/api/exercise", api_exercise, methods=["GET"]),
        ],
        middleware=[
            # Outermost first: the headers go on every response, the 500s included.
            Middleware(SecurityHeaders),
            Middleware(CatchAll),
            Middleware(BodyLimit, limit=limits.get("max_body", MAX_BODY)),
        ],
        exception_handlers={HTTPException: http_error},
    )
    app.state.limits = Limits(**limits)
    # The slots bound the requests computing at once and time out the wait; the
    # thread limiter bounds the worker threads themselves, since a thread goes on
    # after its client has gone and its slot is free again.
    app.state.slots = asyncio.Semaphore(app.state.limits.max_concurrent)
    app.state.threads = CapacityLimiter(app.state.limits.max_concurrent)
    app.state.slow_hook = slow_hook
    app.state.page = None  # built on the first GET /, when the lesson module is wanted
    return app


# Routes


async def page(request: Request) -> Response:
    """The lesson page of the worked example, with the controls that make it live."""
    state = request.app.state
    if state.page is None:  # built once, on the first visit
        built = await _compute(request, _page_template, state.limits)
        if isinstance(built, Response):  # busy: nothing was built
            return built
        state.page = built
    nonce = request.scope["state"]["csp_nonce"]
    return HTMLResponse(state.page.replace(NONCE, nonce))


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def api_lesson(request: Request) -> Response:
    """The lesson JSON for ``{"program": ..., "at": {...}, "practice": false}``."""
    try:
        program, values, practice = _lesson_request(await _json_body(request))
    except RequestError as error:
        return _error(error)
    return _json(
        await _compute(request, _lesson, program, values, practice, request.app.state.limits)
    )


async def api_exercise(request: Request) -> Response:
    """An exercise: ``GET /api/exercise?level=2&seed=7``."""
    try:
        level, seed = _exercise_request(request.query_params)
    except RequestError as error:
        return _error(error)
    return _json(await _compute(request, _exercise, level, seed))


async def http_error(request: Request, error: HTTPException) -> Response:
    """404, 405 and the like as one line of JSON, like every other error."""
    messages = {
        404: f"there is nothing at {request.url.path}; the page is at /, the API at "
        "/api/lesson (POST) and /api/exercise (GET)",
        405: f"{request.method} is not allowed for {request.url.path}",
    }
    message = messages.get(error.status_code, error.detail)
    return JSONResponse({"error": message}, error.status_code, headers=error.headers)


# Checking a request: everything is checked before any work is done.


async def _json_body(request: Request):
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise RequestError(
            "send the request body as JSON, with Content-Type: application/json", 415
        )
    body = await request.body()
    try:
        # NaN and Infinity are not JSON, though Python's json reads them; an
        # integer of thousands of digits is no value for an input either.
        return json.loads(body, parse_constant=_reject_constant, parse_int=_json_integer)
    except RecursionError:
        raise RequestError("the request body is nested too deeply to read") from None
    except UnicodeDecodeError:
        raise RequestError("the request body is not UTF-8 text") from None
    except ValueError as error:  # JSONDecodeError, or an integer with too many digits
        raise RequestError(f"the request body is not valid JSON: {_one_line(error)}") from None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _json_integer(digits: str) -> int:
    if len(digits.lstrip("-")) > 20:
        raise ValueError(f"an integer of {len(digits.lstrip('-'))} digits is too large")
    return int(digits)


_LESSON_FIELDS = ("program", "at", "practice")


def _lesson_request(body) -> tuple[str, dict[str, float], bool]:
    """``(program, values, practice)`` from the JSON body, or RequestError saying what is wrong.

    >>> _lesson_request({"program": "z = w*b", "at": {"w": 3, "b": 4}})
    ('z = w*b', {'w': 3.0, 'b': 4.0}, False)
    >>> _lesson_request({"program": "z = 2*w", "at": {"w": True}})
    Traceback (most recent call last):
    autograd.serve.RequestError: at: w is true, not a number (e.g. "w": 3)
    """
    example = '{"program": "z = w*b", "at": {"w": 3, "b": 4}, "practice": false}'
    if not isinstance(body, dict):
        raise RequestError(f"the request body must be a JSON object, e.g. {example}")
    unknown = [key for key in body if key not in _LESSON_FIELDS]
    if unknown:
        raise RequestError(
            f"unknown field {unknown[0]!r}; the fields are {', '.join(_LESSON_FIELDS)}"
        )
    if "program" not in body:
        raise RequestError(f"the field 'program' is missing, e.g. {example}")
    program = body["program"]
    if not isinstance(program, str):
        raise RequestError(f"program must be a string, not {_json_type(program)}")
    at = body.get("at", {})
    if not isinstance(at, dict):
        raise RequestError(
            f'at must be an object of numbers, e.g. {{"w": 3}}, not {_json_type(at)}'
        )
    practice = body.get("practice", False)
    if not isinstance(practice, bool):
        raise RequestError(f"practice must be true or false, not {_json_type(practice)}")

    items = []
    for name, value in at.items():
        if not name.isidentifier():
            raise RequestError(f"at: {name!r} is not a name (e.g. w, x1, bias)")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RequestError(
                f'at: {name} is {_json_value(value)}, not a number (e.g. "{name}": 3)'
            )
        try:
            number = float(value)  # JSON reads 1e400 as inf, and 10**400 as an int
        except OverflowError:
            number = math.inf
        if not abs(number) <= MAX_NUMBER:
            raise RequestError(
                f"at: {name} = {number:g} is too large for a lesson; "
                f"use a number between {-MAX_NUMBER:g} and {MAX_NUMBER:g}"
            )
        items.append(f"{name}={number!r}")
    # The command line's own reading of NAME=NUMBER, so that its checks and words apply.
    values = _program_error_as_request_error(parse_values, items)
    return program, values, practice


def _exercise_request(query) -> tuple[int, int]:
    """``(level, seed)`` from ``?level=2&seed=7``, both optional."""
    from autograd.practice import LEVELS

    unknown = [key for key in query if key not in ("level", "seed")]
    if unknown:
        raise RequestError(f"unknown parameter {unknown[0]!r}; the parameters are level and seed")
    level = _integer(query, "level", 1)
    if level not in LEVELS:
        levels = ", ".join(str(n) for n in LEVELS)
        raise RequestError(f"level must be one of {levels}, not {level}")
    seed = _integer(query, "seed", 0)
    if not 0 <= seed <= MAX_SEED:
        raise RequestError(f"seed must be between 0 and {MAX_SEED}, not {seed}")
    return level, seed


def _integer(query, name: str, default: int) -> int:
    text = query.get(name)
    if text is None:
        return default
    if not re.fullmatch(r"-?[0-9]{1,12}", text):
        raise RequestError(f"{name} must be a whole number, not {text[:20]!r}")
    return int(text)


# The work, done in a worker thread.


def _lesson(program_text: str, values: dict[str, float], practice: bool, limits: Limits) -> dict:
    """The lesson's JSON for a program at some values: the same code as the command line."""
    from autograd.lesson import lesson_data

    program = _program_error_as_request_error(parse_program, program_text)
    try:
        values = program.bind(values)
    except ProgramError as error:
        # The page makes a field for each input from this list.
        raise RequestError(_one_line(error), inputs=list(program.inputs)) from None
    output, _ = _program_error_as_request_error(program.run, values)
    try:
        check_drawable(output, max_nodes=limits.max_nodes, max_uses=limits.max_uses)
        data = lesson_data(
            output, practice=practice, max_nodes=limits.max_nodes, dot_timeout=limits.dot_timeout
        )
    except (GraphTooBigError, TimeoutError) as error:
        # The same graph would be as big or slow again: the request's limit, not the server's.
        raise RequestError(_one_line(error)) from None
    return {**data, "inputs": list(program.inputs), "at": values}


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
        raise RequestError(_one_line(error)) from None


async def _compute(request: Request, work, *args):
    """Run ``work(*args)`` in a worker thread if a slot frees up in time; else 503.

    The slots bound how many requests compute at once (threads hold the GIL
    in turn, so more would only make each slower); a short queue absorbs a
    class pressing Enter together, and past it a client is told when to retry.
    """
    state = request.app.state
    limits: Limits = state.limits
    slots: asyncio.Semaphore = state.slots
    if slots.locked():
        try:
            await asyncio.wait_for(slots.acquire(), timeout=max(limits.queue_seconds, 1e-3))
        except asyncio.TimeoutError:
            return JSONResponse(
                {"error": "the server is busy; try again in a moment"},
                503,
                headers={"Retry-After": str(limits.retry_after)},
            )
    else:
        await slots.acquire()
    try:
        result = await anyio.to_thread.run_sync(
            _call, state.slow_hook, work, args, limiter=state.threads
        )
    except RequestError as error:
        return _error(error)
    finally:
        slots.release()
    return result


def _json(result) -> Response:
    return result if isinstance(result, Response) else JSONResponse(result)


def _call(hook, work, args):
    if hook is not None:
        hook()
    return work(*args)


def _error(error: RequestError) -> JSONResponse:
    headers = {"Retry-After": "1"} if error.status == 503 else None
    return JSONResponse({"error": _one_line(error), **error.extra}, error.status, headers=headers)


def _one_line(error: BaseException | str) -> str:
    return " ".join(str(error).split())


def _json_type(value) -> str:
    names = {bool: "true or false", str: "a string", list: "a list", dict: "an object"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


def _json_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return _json_type(value)


# The page: the static lesson page of the worked example, with the controls
# and their script added. NONCE stands for each response's CSP nonce.

NONCE = "@@NONCE@@"


def _page_template(limits: Limits) -> str:
    from autograd.lesson import lesson_data

    program = parse_program(WORKED_EXAMPLE)
    output, _ = program.run(program.bind(dict(WORKED_EXAMPLE_AT)))
    return _add_controls(lesson_data(output, max_nodes=limits.max_nodes))


def _add_controls(data: dict) -> str:
    """The lesson page with the controls (from serve.html) in its named slots; a
    nonce on each script and style."""
    from autograd.lesson import page

    fragment = resources.files("autograd").joinpath("serve.html").read_text(encoding="utf-8")
    style, _, rest = fragment.partition("<!-- @@style -->")[2].partition("<!-- @@controls -->")
    controls, _, script = rest.partition("<!-- @@script -->")
    controls = controls.replace("@@PROGRAM@@", html.escape(WORKED_EXAMPLE))
    text = page(data, head=style.strip(), controls=controls.strip(), end=script.strip())
    # Only elements with this response's nonce may run or style the page.
    text = text.replace("<style>", f'<style nonce="{NONCE}">')
    return text.replace("<script>", f'<script nonce="{NONCE}">')


# Middleware: pure ASGI, so that they see every response, errors included.


class SecurityHeaders:
    """The headers every response carries, and the nonce for the page's own script and style.

    The Content-Security-Policy lets the page run only its own inline script
    and style (by nonce), load nothing, and talk only to this server.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        policy = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
            "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'"
        )
        extra = [
            (b"content-security-policy", policy.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"cache-control", b"no-store"),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CatchAll:
    """An unexpected error: the traceback to the log, one generic line to the client."""

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
        except Exception:
            log.exception("error in %s %s", scope.get("method"), scope.get("path"))
            if scope["type"] != "http" or started:
                raise
            response = JSONResponse(
                {"error": "internal error; the server log has the details"}, 500
            )
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
        message = f"the request body is larger than {self.limit // 1024} KiB"
        await JSONResponse({"error": message}, 413, headers={"Connection": "close"})(
            scope, receive, send
        )


# The command: autograd serve


def run(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False) -> int:
    """Serve until Ctrl-C; return the exit status (0).

    The socket is bound here, before uvicorn starts, so that the address
    printed is the real one (also with ``--port 0``) and a browser opened at
    once finds it listening.
    """
    import socket
    import webbrowser

    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise OSError(
            f"cannot listen on {host}:{port} ({error.strerror}); "
            "choose another port with --port, e.g. --port 8001"
        ) from None
    port = sock.getsockname()[1]
    app = create_app(max_concurrent=os.cpu_count() or 2)
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    for line in addresses(host, port):
        print(line, flush=True)
    if open_browser:
        webbrowser.open(f"http://{_url_host(host)}:{port}/")
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn has shut down cleanly, then passes Ctrl-C on
        pass
    finally:
        sock.close()
    print("autograd serve: stopped", flush=True)
    return 0


def addresses(host: str, port: int) -> list[str]:
    """What ``autograd serve`` prints: where to open the page, and a warning when it is public.

    >>> addresses("127.0.0.1", 8000)
    ['Serving the lesson page at http://127.0.0.1:8000/ (this computer only; Ctrl-C stops)']
    """
    if host not in ("0.0.0.0", "::", ""):
        where = "this computer only" if _loopback(host) else "on this address"
        return [
            f"Serving the lesson page at http://{_url_host(host)}:{port}/ ({where}; Ctrl-C stops)"
        ]
    lines = ["Serving the lesson page on every network interface; students can open:"]
    lines += [f"  http://{_url_host(ip)}:{port}/" for ip in _local_addresses()]
    lines.append(
        "warning: anyone on this network can reach the server; use it on a network you trust"
    )
    lines.append("Ctrl-C stops it.")
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
