"""The classroom server's connections: how long a client may take, and how many may be open.

uvicorn reads HTTP for ``autograd serve``, with httptools (llhttp's parser, in
C: half the event loop's time per request of h11's, in pure Python). On its
own uvicorn closes a connection only after a response: one that sends nothing,
or trickles its headers or its body a byte at a time, stays open for ever
(uvicorn issue 160), and a few hundred of them use up the process's open
files. ``Connection`` is uvicorn's httptools protocol with the limits a
classroom network needs:

- a connection waiting for a request is closed after ``keep_alive`` seconds of
  silence, or ``header_timeout`` seconds after it began waiting if the
  request's head has not all arrived by then (408);
- a request's body must arrive within ``body_timeout`` seconds of its head (408),
  and its line and headers may take ``MAX_HEAD`` bytes (431);
- at most ``max_connections`` are open: a new one first closes the connections
  that have waited longest on their client, then the oldest event streams,
  so that a new request always gets in;
- nothing is timed while a response is on its way: a lesson is bounded by the
  app's own limits, and an event stream (``text/event-stream``, a class's live
  dashboard) may last a whole lesson; at most ``max_streams`` are open, the
  oldest closed first (a browser's EventSource reconnects by itself);
- the server's own answers (a request that is not HTTP, a timeout, no room,
  stopping) are one line of JSON with the same security headers as the app's;
- when the server stops, a request still waiting on its client or streaming
  is cut with 503, one cut after the grace period gets one line in the log,
  never a traceback;
- a health check (``GET /healthz``, with a ``Host`` the server answers to) is
  answered ``ok`` by the connection itself, as soon as its head is read: it
  needs no task, no turn of the event loop and no app, so a monitor sees the
  server alive within one turn of a loop busy with a class (the app answers
  it too, for the same request sent to it in-process).

No limit here is per client address: a whole class may reach the server through
one school NAT address.

>>> limits = ConnectionLimits(max_connections=4)
>>> limits.streams
2
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import socket
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = [
    "Connection",
    "ConnectionLimits",
    "connection_class",
    "listening",
    "listening_socket",
    "security_headers",
    "uvicorn_config",
]

log = logging.getLogger("autograd.serve")


@dataclass(frozen=True)
class ConnectionLimits:
    """How long a client may take, and how many connections may be open at once."""

    keep_alive: float = 5.0  # seconds of silence while waiting for a request
    header_timeout: float = 10.0  # seconds from the start of the wait to a complete head
    body_timeout: float = 10.0  # seconds from the head to the end of the body (64 KiB at most)
    # A class of 500 keeps about two connections each (the page, and later its
    # live events): 2,000 leaves room; run() lowers it to what the open-file limit allows.
    max_connections: int = 2000
    max_streams: int | None = None  # event streams at once; default half of max_connections

    @property
    def streams(self) -> int:
        return self.max_streams if self.max_streams is not None else self.max_connections // 2


def security_headers(nonce: str) -> list[tuple[bytes, bytes]]:
    """The headers every response carries; ``nonce`` lets the page run its own script and style.

    The Content-Security-Policy lets a page run only its own inline script and
    style (by nonce), load nothing, and talk only to this server.
    """
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cache-control", b"no-store"),
    ]


def connection_class(
    limits: ConnectionLimits, hosts: Callable[[bytes], bool] | None = None
) -> type[Connection]:
    """uvicorn's ``http=`` option: a ``Connection`` class holding these limits.

    ``hosts`` tells whether a health check's ``Host`` header names this server:
    those are answered by the connection (none: every request goes to the app).
    """
    return type("Connection", (Connection,), {"limits": limits, "hosts": staticmethod(hosts)})


# asyncio accepts as many connections at each wake-up as the backlog it is
# given, and each becomes a Connection (which makes room) a few turns of the
# loop later: a small batch keeps the open files within reach of the cap.
ACCEPT_BATCH = 16
# Files a burst of new connections may hold before the cap closes others.
HEADROOM = 8 * ACCEPT_BATCH
BACKLOG = 2048  # connections the system queues before the server accepts them
MAX_HEAD = 16 * 1024  # bytes in a request's line and headers (431 beyond)
HEALTH_CHECK = "/healthz"  # the path a monitor asks to know the server is alive


class _Listener(socket.socket):
    """A listening socket whose queue stays ``BACKLOG`` long whatever asyncio asks for."""

    def listen(self, backlog: int = BACKLOG) -> None:
        super().listen(max(backlog, BACKLOG))


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening (port 0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not left 0: asyncio sets TCP_NODELAY only on sockets
    # that say they are TCP. Without it a response's head and body wait for
    # each other's acknowledgement: 40 ms on every keep-alive request.
    sock = _Listener(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen()
    except OSError:
        sock.close()
        raise
    return sock


def listening(sock: socket.socket) -> socket.socket:
    """A listening socket from another process (``autograd serve --workers``), as
    ``listening_socket`` makes it: its queue stays ``BACKLOG`` long."""
    return _Listener(sock.family, sock.type, sock.proto, fileno=sock.detach())


def uvicorn_config(
    app,
    limits: ConnectionLimits | None = None,
    hosts: Callable[[bytes], bool] | None = None,
    **options,
):
    """uvicorn's settings for ``app``: these connections, quiet logs, a short grace to stop.

    ``hosts`` is ``connection_class``'s; ``options`` are uvicorn.Config's.
    Serve it on a ``listening_socket``: ``uvicorn.Server(config).run(sockets=[sock])``.
    """
    import uvicorn

    limits = limits or ConnectionLimits()
    settings = {
        "http": connection_class(limits, hosts),
        "backlog": ACCEPT_BATCH,  # what asyncio accepts at once; the socket's queue is longer
        "ws": "none",  # no WebSocket upgrades: the server has no use for them
        # No proxy in front: X-Forwarded-For from a local client is not its address.
        "proxy_headers": False,
        "timeout_keep_alive": limits.keep_alive,
        # Stopping waits this long for responses being computed (a layout is
        # at most 3 s); then they are cut, each with one line in the log.
        "timeout_graceful_shutdown": 5,
        "log_level": "warning",
        **options,
    }
    return uvicorn.Config(app, **settings)


def _response(status: int, message: str) -> bytes:
    """A whole response, written by hand: the connection's state no longer matters."""
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    if status == 503:
        headers.append((b"retry-after", b"1"))
    return _written(status, headers, body)


def _written(
    status: int, headers: list[tuple[bytes, bytes]], body: bytes, head_only=False
) -> bytes:
    """A response's bytes: status line, ``headers``, length, security headers, ``body``."""
    headers = [
        *headers,
        (b"content-length", str(len(body)).encode()),
        *security_headers(secrets.token_urlsafe(16)),
    ]
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}".encode()]
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + (b"" if head_only else body)


class Connection(HttpToolsProtocol):
    """One client connection: uvicorn's protocol, with timeouts and a share of the room."""

    limits = ConnectionLimits()
    hosts: Callable[[bytes], bool] | None = None  # the Host headers health checks are answered for

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)  # which sets self.app: inner_app, below
        self.waiting_since = 0.0  # when it began waiting for its next request
        self.in_head = False  # whether a request has begun and its head is still coming
        self.head_bytes = 0  # and how long that head is so far
        self.in_body = False  # whether a request's body is still coming
        self.head_at = 0.0  # when the last request's head was complete
        self.stream_since: float | None = None  # when its event stream began, if it sends one
        self.timer: asyncio.TimerHandle | None = None

    # uvicorn's protocol, extended. Nothing here refers back to the connection (a
    # bound method kept, a transport that knows its connection): a closed
    # connection is freed at once, not by the next full garbage collection,
    # which would stop the server for tens of milliseconds every few hundred.

    @property
    def app(self):
        return self._watch  # every request passes _watch

    @app.setter
    def app(self, app) -> None:
        self.inner_app = app

    def connection_made(self, transport) -> None:
        super().connection_made(_Lingering(transport, self))
        self._wait()
        self._make_room()

    def connection_lost(self, exc) -> None:
        if self.timer is not None:
            self.timer.cancel()
        super().connection_lost(exc)
        # uvicorn's last request (and any pipelined) refers back to this connection.
        self.cycle = None
        self.pipeline.clear()

    def data_received(self, data: bytes) -> None:
        if not self.transport.lingering:  # else: the rest of a body no one will read
            super().data_received(data)

    def on_message_begin(self) -> None:
        self.in_head, self.head_bytes = True, 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count_head(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(name + value)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.in_head, self.in_body = False, True
        self.head_at = self.loop.time()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.in_body = False
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self.stream_since = None
        if not self.transport.is_closing():
            self._wait()
        super().on_response_complete()  # which may start a pipelined request at once

    def _start_asgi_task(self, cycle, app) -> None:
        # uvicorn calls this for each request whose head is read (in turn, if pipelined).
        if self._is_health_check(cycle.scope):
            self._answer_health_check(cycle)
        else:
            super()._start_asgi_task(cycle, app)

    def send_400_response(self, msg: str) -> None:
        # The parser could not read the request: the answer carries the security headers too.
        if self.head_bytes > MAX_HEAD:
            self._answer(431, f"the request's head is over {MAX_HEAD // 1024} KiB")
        else:
            self._answer(400, "the request is not valid HTTP/1.1")

    def shutdown(self) -> None:
        """The server is stopping: finish a response being computed; cut what waits on a client."""
        if self.stream_since is not None or self.in_body:
            self._answer(503, "the server is stopping; try again in a moment")
        else:
            super().shutdown()

    def _count_head(self, part: bytes) -> None:
        self.head_bytes += len(part)
        if self.head_bytes > MAX_HEAD:
            raise ValueError("head too large")  # the parser stops: send_400_response answers

    # Health checks, answered here

    def _is_health_check(self, scope) -> bool:
        if self.hosts is None or scope["path"] != HEALTH_CHECK:
            return False
        if scope["method"] not in ("GET", "HEAD") or scope["query_string"]:
            return False
        host = dict(scope["headers"]).get(b"host")
        return host is not None and self.hosts(host)

    def _answer_health_check(self, cycle) -> None:
        """``ok``, as the app's route says it, with uvicorn's and the app's headers."""
        headers = [
            *self.server_state.default_headers,
            (b"content-type", b"text/plain; charset=utf-8"),
        ]
        if not cycle.keep_alive:
            headers.append((b"connection", b"close"))
        head_only = cycle.scope["method"] == "HEAD"
        self.transport.write(_written(200, headers, b"ok", head_only))
        cycle.response_started = cycle.response_complete = True
        if not cycle.keep_alive:
            self.transport.close()
        cycle.on_response()  # the keep-alive wait, or the next pipelined request

    # Timeouts: one timer, which looks at where the connection is when it fires.

    def _wait(self) -> None:
        self.waiting_since = self.loop.time()
        self._arm(self.limits.header_timeout if self.in_head else self.limits.keep_alive)

    def _arm(self, seconds: float) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = self.loop.call_later(max(seconds, 0.0), self._check)

    def _check(self) -> None:
        self.timer = None
        if self.transport.is_closing():
            return
        deadline = self._deadline()
        if deadline is None:  # the app is answering: on_response_complete arms the next wait
            return
        if self.loop.time() < deadline:
            self._arm(deadline - self.loop.time())
        elif self._waiting() and not self.in_head:
            self._close()  # a silent keep-alive connection: closed without a word, as usual
        else:
            self._answer(408, "the request took too long to arrive; send it again")

    def _deadline(self) -> float | None:
        if self.in_body:
            return self.head_at + self.limits.body_timeout
        if not self._waiting():
            return None
        if self.in_head:
            return self.waiting_since + self.limits.header_timeout
        return self.waiting_since + self.limits.keep_alive

    def _waiting(self) -> bool:
        """Waiting for a request: before the first, or after the last response."""
        return not self.pipeline and (self.cycle is None or self.cycle.response_complete)

    # Room: at most max_connections open, at most limits.streams of them streaming.

    def _make_room(self) -> None:
        if len(self.connections) <= self.limits.max_connections:
            return
        others = [c for c in self.connections if c is not self and not c.transport.is_closing()]
        needed = len(others) + 1 - self.limits.max_connections
        if needed <= 0:
            return
        # First those waiting on their client (between requests, or for a body), longest first.
        on_client = [c for c in others if c._waiting() or c.in_body]
        on_client.sort(key=lambda c: c.head_at if c.in_body else c.waiting_since)
        streams = sorted(
            (c for c in others if c.stream_since is not None and c not in on_client),
            key=lambda c: c.stream_since,
        )
        # A few more than needed: the next new connections then find room without a search.
        victims = (on_client + streams)[: needed + self.limits.max_connections // 32]
        for victim in victims:
            victim._close(linger=False)  # their files are wanted now
        if len(victims) < needed:  # every other connection is being answered right now
            self._answer(503, "the server has too many connections open; try again in a moment")

    def _limit_streams(self) -> None:
        streams = [
            c
            for c in self.connections
            if c.stream_since is not None and not c.transport.is_closing()
        ]
        streams.sort(key=lambda c: c.stream_since)
        for oldest in streams[: max(len(streams) - self.limits.streams, 0)]:
            oldest._close(linger=False)

    # Ending a connection

    def _close(self, linger: bool = True) -> None:
        """Close; a request in progress sees its client gone (http.disconnect)."""
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # the app's next send is dropped, not written
            self.cycle.message_event.set()
        if linger:
            self.transport.close()
        else:
            self.transport.raw.close()

    def _answer(self, status: int, message: str) -> None:
        """The server's own one-line answer, then close; a response already begun is just cut."""
        begun = self.cycle is not None and self.cycle.response_started
        if not begun and not self.transport.is_closing():
            self.transport.write(_response(status, message))
        self._close()

    async def _watch(self, scope, receive, send) -> None:
        """The app, with event streams noted and the shutdown's cut kept out of the log."""

        async def noted(message) -> None:
            if message["type"] == "http.response.start" and _is_stream(message):
                self.stream_since = self.loop.time()
                self._limit_streams()
            await send(message)

        try:
            await self.inner_app(scope, receive, noted)
        except asyncio.CancelledError:  # uvicorn's grace period for stopping is over
            log.warning("stopping: %s %s was cut short", scope.get("method"), scope.get("path"))
            self._answer(503, "the server is stopping; try again in a moment")


LINGER = 2.0  # seconds a connection reads on, and drops, what its client still sends


class _Lingering:
    """A connection's transport, whose ``close()`` lingers while the client is still sending.

    Closing a socket with unread data in it makes the system answer with a
    reset, which can reach the client before the response sent just before
    (a 413 while the body is still coming): so the sending side is closed first,
    what still comes is dropped, and the socket closes when the client closes
    its side, or after ``LINGER`` seconds.
    """

    def __init__(self, transport: asyncio.Transport, connection: Connection):
        self.raw = transport
        self.connection = weakref.proxy(connection)  # which holds this transport
        self.lingering = False

    def __getattr__(self, name):
        return getattr(self.raw, name)

    def is_closing(self) -> bool:
        return self.lingering or self.raw.is_closing()

    def close(self) -> None:
        if self.lingering:  # closes by itself
            return
        if self.raw.is_closing() or not self.connection.in_body:
            self.raw.close()
            return
        try:
            self.raw.write_eof()  # the response so far, then the end of it
        except OSError:  # the client has gone already
            self.raw.close()
            return
        self.lingering = True
        self.raw.resume_reading()
        self.connection.loop.call_later(LINGER, self.raw.close)


def _is_stream(message) -> bool:
    headers = dict(message.get("headers", []))
    return headers.get(b"content-type", b"").startswith(b"text/event-stream")
