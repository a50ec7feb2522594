"""The server's connections over real sockets: idle ones closed, slow ones answered 408,
a cap that closes the longest idle first, event streams left alone, the server's own
answers with the security headers, and stopping on SIGINT and SIGTERM.

Timeouts are a fraction of a second here (the defaults are 5 and 10 s), so that
each test takes about a second; the limits are checked with a wide margin
(what closes in 0.5 s must be closed within 5 s), never as timings.
"""

import asyncio
import contextlib
import gc
import json
import logging
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip(
    "starlette", reason="the serve extra is not installed (pip install -e '.[dev]')"
)
pytest.importorskip("uvicorn", reason="the serve extra is not installed")
pytest.importorskip("httptools", reason="the serve extra is not installed")
httpx = pytest.importorskip("httpx", reason="httpx is not installed")
from conftest import child_processes, ended  # noqa: E402
from starlette.applications import Starlette  # noqa: E402  (after the skips)
from starlette.responses import StreamingResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402
from test_serve import WORKED, Running, assert_headers, running  # noqa: E402

from autograd.connections import ConnectionLimits  # noqa: E402

QUICK = ConnectionLimits(keep_alive=0.5, header_timeout=1.0, body_timeout=1.0)


@pytest.fixture(scope="module")
def server():
    server = running(QUICK, max_concurrent=2)
    yield server
    server.stop()


def connect(server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def reply_until_closed(connection: socket.socket, trickle: bytes = b"") -> bytes:
    """Everything the server sends until it closes (at most 5 s), sending ``trickle``
    a byte at a time meanwhile, as a slow client would."""
    connection.settimeout(0.2)
    reply, deadline = b"", time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if trickle:
                connection.send(trickle[:1])
                trickle = trickle[1:]
            chunk = connection.recv(65536)
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return reply
        if not chunk:
            return reply
        reply += chunk
    raise AssertionError(f"the server kept the connection open for 5 s; it sent {reply[:200]!r}")


def head_and_body(reply: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers, body


class Reply:
    """Enough of an httpx.Response for assert_headers."""

    def __init__(self, headers):
        self.headers = headers


# Idle and slow connections


def test_a_connection_that_sends_nothing_is_closed(server):
    with connect(server) as connection:
        assert reply_until_closed(connection) == b""  # closed without a word, after keep_alive


def test_a_keep_alive_connection_is_closed_after_its_silence(server):
    with connect(server) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        reply = reply_until_closed(connection)
    assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"ok")


def test_headers_that_trickle_in_get_408_with_the_security_headers(server):
    with connect(server) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\n")
        reply = reply_until_closed(connection, trickle=b"X-Slow: " + b"a" * 100)
    status, headers, body = head_and_body(reply)
    assert status == "HTTP/1.1 408 Request Timeout"
    assert_headers(Reply(headers))
    assert json.loads(body) == {"error": "the request took too long to arrive; send it again"}


def test_a_body_that_trickles_in_gets_408(server):
    with connect(server) as connection:
        connection.sendall(
            b"POST /api/lesson HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        )
        reply = reply_until_closed(connection, trickle=b"{" + b" " * 98)
    status, headers, _ = head_and_body(reply)
    assert status == "HTTP/1.1 408 Request Timeout"
    assert_headers(Reply(headers))


def test_a_request_that_is_not_http_gets_400_with_the_security_headers(server):
    for garbage in (b"NOT HTTP AT ALL\r\n\r\n", b"GET / HTTP/1.1\r\nno colon here\r\n\r\n"):
        with connect(server) as connection:
            connection.sendall(garbage)
            status, headers, body = head_and_body(reply_until_closed(connection))
        assert status == "HTTP/1.1 400 Bad Request"
        assert_headers(Reply(headers))
        assert json.loads(body) == {"error": "the request is not valid HTTP/1.1"}


def test_a_head_over_16_kib_gets_431(server):
    with connect(server) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        connection.sendall(b"".join(b"X-Filler-%d: %s\r\n" % (i, b"a" * 100) for i in range(200)))
        status, headers, body = head_and_body(reply_until_closed(connection))
    assert status == "HTTP/1.1 431 Request Header Fields Too Large"
    assert_headers(Reply(headers))
    assert json.loads(body) == {"error": "the request's head is over 16 KiB"}


def test_a_client_that_leaves_in_the_middle_of_its_body_is_not_an_error(server, caplog):
    caplog.set_level(logging.INFO)
    uvicorn_log = logging.getLogger("uvicorn")  # which does not pass its records up to the root
    uvicorn_log.addHandler(caplog.handler)
    try:
        leave_in_the_middle(server)
    finally:
        uvicorn_log.removeHandler(caplog.handler)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert "Traceback" not in caplog.text


def leave_in_the_middle(server):
    with connect(server) as connection:
        connection.sendall(
            b"POST /api/lesson HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"program": '
        )
        time.sleep(0.2)  # the app is waiting for the rest of the body
    time.sleep(0.3)
    assert server.client.get("/healthz").text == "ok"


def test_a_body_over_the_limit_is_answered_before_the_connection_closes(server):
    # Closing a socket with unread data in it sends a reset, which could reach
    # the client before the 413: the connection reads on (and drops) a while.
    for _ in range(20):
        with connect(server) as connection:
            body = b"x" * 2_000_000
            head = (
                b"POST /api/lesson HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
            )
            with contextlib.suppress(OSError):  # the server stops reading: the answer matters
                connection.sendall(head + body)
            assert connection.recv(100).startswith(b"HTTP/1.1 413")


def test_every_connection_sends_without_delay(server):
    # asyncio sets TCP_NODELAY only on sockets that say they are TCP: without it
    # a keep-alive response's head and body wait 40 ms for each other.
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/healthz").text == "ok"
        states = server.server.server_state.connections
        sockets = [c.transport.get_extra_info("socket") for c in list(states)]
        assert sockets
        assert all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in sockets)


# The cap on connections


def test_at_the_cap_the_longest_idle_connection_is_closed_and_a_new_request_gets_in():
    server = running(ConnectionLimits(keep_alive=60, max_connections=5))
    try:
        idle = []
        for _ in range(5):
            idle.append(connect(server))
            time.sleep(0.05)  # in order: the first has waited longest
        with httpx.Client(base_url=server.url) as client:
            assert client.get("/healthz").text == "ok"
        assert reply_until_closed(idle[0]) == b""
        idle[-1].settimeout(0.3)
        with pytest.raises(TimeoutError):  # the newest is still open
            idle[-1].recv(1)
    finally:
        for connection in idle:
            connection.close()
        server.stop()


def test_at_the_cap_with_every_connection_busy_a_new_one_gets_503():
    entered, release = threading.Semaphore(0), threading.Event()

    def hold():
        entered.release()
        assert release.wait(10)

    server = running(ConnectionLimits(max_connections=2), max_concurrent=2, slow_hook=hold)
    try:
        threads = [threading.Thread(target=post_in_thread, args=(server, w)) for w in (1, 2)]
        for thread in threads:
            thread.start()
        assert entered.acquire(timeout=10) and entered.acquire(timeout=10)
        with connect(server) as connection:
            status, headers, body = head_and_body(reply_until_closed(connection))
        assert status == "HTTP/1.1 503 Service Unavailable"
        assert headers["retry-after"] == "1"
        assert_headers(Reply(headers))
        assert "too many connections" in json.loads(body)["error"]
    finally:
        release.set()
        for thread in threads:
            thread.join(10)
        server.stop()


def post_in_thread(server, w):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.post("/api/lesson", json={**WORKED, "at": {"w": w, "b": 4}})


# Event streams: never timed out while sending; the oldest closed beyond their cap


async def events(request):
    async def ticks():
        for tick in range(int(request.query_params.get("ticks", "8"))):
            yield f"data: {tick}\n\n"
            await asyncio.sleep(0.25)

    return StreamingResponse(ticks(), media_type="text/event-stream")


def streaming_server(limits):
    return Running(Starlette(routes=[Route("/events", events)]), limits)


def test_an_event_stream_outlives_every_timeout():
    # 2 s of events, four times keep_alive and twice the header and body timeouts.
    server = streaming_server(QUICK)
    try:
        with httpx.Client(base_url=server.url) as client:
            response = client.get("/events")
        assert response.text == "".join(f"data: {tick}\n\n" for tick in range(8))
    finally:
        server.stop()


def test_beyond_the_cap_on_streams_the_oldest_is_closed():
    server = streaming_server(ConnectionLimits(max_connections=10, max_streams=2))
    try:
        streams = []
        for _ in range(3):
            connection = connect(server)
            connection.sendall(b"GET /events?ticks=40 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert connection.recv(100).startswith(b"HTTP/1.1 200")  # streaming
            streams.append(connection)
        reply_until_closed(streams[0])  # the oldest: closed
        streams[2].settimeout(1)
        assert streams[2].recv(100)  # the newest: still sending
    finally:
        for connection in streams:
            connection.close()
        server.stop()


def test_a_closed_connection_is_freed_without_the_garbage_collector(server):
    # A full collection stops every request while it runs; a classroom's idle
    # connections, closed by the hundred, must not leave cycles for it to find.
    from autograd.connections import Connection

    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection would free is kept in gc.garbage
    try:
        connections = [connect(server) for _ in range(50)]
        connections[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert connections[0].recv(1000).endswith(b"ok")
        time.sleep(0.3)
        for connection in connections:
            connection.close()
        time.sleep(0.5)  # the server sees them closed
        gc.garbage.clear()
        gc.collect()
        # (type(), not isinstance(): a weak proxy among them raises on isinstance)
        in_cycles = [thing for thing in gc.garbage if issubclass(type(thing), Connection)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert in_cycles == []


# Health checks: answered by the connection, before any app


def health_checked_server():
    """An app with no /healthz of its own, whose connections answer health checks for 127.0.0.1."""
    app = Starlette(routes=[Route("/events", events)])
    app.state.allows_host = lambda host: host.partition(b":")[0] == b"127.0.0.1"
    return Running(app, QUICK)


def replies(connection: socket.socket, count: int) -> list[tuple[str, dict, bytes]]:
    """The next ``count`` responses on a keep-alive connection (each with a Content-Length)."""
    connection.settimeout(5)
    data, found = b"", []
    while len(found) < count:
        head, separator, rest = data.partition(b"\r\n\r\n")
        if separator:
            status, headers, _ = head_and_body(head + separator)
            length = 0 if status.startswith("HEAD") else int(headers.get("content-length", 0))
            if len(rest) >= length:
                found.append((status, headers, rest[:length]))
                data = rest[length:]
                continue
        chunk = connection.recv(65536)
        assert chunk, f"closed after {len(found)} responses"
        data += chunk
    return found


def test_a_health_check_is_answered_by_the_connection_with_the_apps_headers():
    server = health_checked_server()
    try:
        response = server.client.get("/healthz")
        assert (response.status_code, response.text) == (200, "ok")
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert "date" in response.headers and response.headers["server"] == "uvicorn"
        assert_headers(response)
        head = server.client.head("/healthz")
        assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "2")
        # Another name, another method or a query goes to the app, which has no such route.
        assert server.client.get("/healthz", headers={"Host": "evil.example"}).status_code == 404
        assert server.client.post("/healthz").status_code == 404
        assert server.client.get("/healthz?verbose=1").status_code == 404
    finally:
        server.stop()


def test_health_checks_keep_the_connection_and_its_pipeline_in_order():
    server = health_checked_server()
    try:
        with connect(server) as connection:
            check = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            other = b"GET /missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            connection.sendall(check + other + check)  # pipelined: answered in order
            answers = replies(connection, 3)
            assert [(status, body) for status, _, body in answers] == [
                ("HTTP/1.1 200 OK", b"ok"),
                ("HTTP/1.1 404 Not Found", b"Not Found"),
                ("HTTP/1.1 200 OK", b"ok"),
            ]
            connection.sendall(check)  # the connection is still open for more
            assert replies(connection, 1)[0][2] == b"ok"
        with connect(server) as connection:  # HTTP/1.0: answered, then closed
            connection.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            status, headers, body = head_and_body(reply_until_closed(connection))
        assert (status, headers["connection"], body) == ("HTTP/1.1 200 OK", "close", b"ok")
    finally:
        server.stop()


def test_a_health_check_is_answered_while_every_slot_computes():
    release = threading.Event()
    server = running(QUICK, max_concurrent=1, slow_hook=lambda: release.wait(10))
    try:
        lesson = threading.Thread(target=post_in_thread, args=(server, 3))
        lesson.start()
        time.sleep(0.3)  # the lesson holds the only slot
        assert server.client.get("/healthz").text == "ok"
        assert server.client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
        release.set()
        lesson.join(10)
    finally:
        release.set()
        server.stop()


# Stopping: SIGINT and SIGTERM, exit 0, "stopped", no traceback


def serve(*options):
    db = Path(tempfile.mkdtemp()) / "classes.db"  # never the checkout's own
    command = [sys.executable, "-m", "autograd", "serve", "--port", "0", "--db", str(db), *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert line.startswith("Serving the lesson page at http://127.0.0.1:"), line
    return process, int(line.split("127.0.0.1:")[1].split("/")[0])


def stopped(process, sent):
    process.send_signal(sent)
    try:
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    out, err = process.communicate()
    assert out.strip().endswith("autograd serve: stopped"), out
    assert "Traceback" not in err and "CancelledError" not in err, err
    return err


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_server_cleanly_with_requests_in_flight(sent):
    process, port = serve()
    try:
        url = f"http://127.0.0.1:{port}"
        assert httpx.get(url + "/healthz", timeout=10).text == "ok"
        # One request computing (a chain of 60 takes a tenth of a second or more),
        # one waiting for the rest of its body, one connection idle.
        computing = socket.create_connection(("127.0.0.1", port), timeout=20)
        lesson = json.dumps({"program": "z = " + "-" * 60 + "w", "at": {"w": 1}}).encode()
        computing.sendall(
            b"POST /api/lesson HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(lesson) + lesson
        )
        waiting = socket.create_connection(("127.0.0.1", port), timeout=20)
        waiting.sendall(
            b"POST /api/lesson HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        idle = socket.create_connection(("127.0.0.1", port), timeout=20)
        time.sleep(0.3)  # accepted and read, on a busy machine too
        helpers = child_processes(process.pid)  # the chain is heavy: a helper computes it
        assert helpers or not sys.platform.startswith("linux")
        stopped(process, sent)
        assert all(map(ended, helpers)), "a helper outlived its server"
        # Finished, or cut with a one-line 503: never a silent hang.
        assert reply_until_closed(computing).split(b"\r\n")[0] in (
            b"HTTP/1.1 200 OK",
            b"HTTP/1.1 503 Service Unavailable",
        )
        status, _, body = head_and_body(reply_until_closed(waiting))
        assert status == "HTTP/1.1 503 Service Unavailable" and b"stopping" in body
        assert reply_until_closed(idle) == b""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_address_is_printed_once_the_socket_listens_and_names_are_checked():
    process, port = serve("--allow-host", "class.example")
    try:
        # Connect at once, with no retry: the socket was listening before the line was printed.
        for host, status in (
            ("class.example", 200),
            ("localhost:8000", 200),
            ("127.0.0.1", 200),
            ("evil.example", 400),
        ):
            response = httpx.get(
                f"http://127.0.0.1:{port}/healthz", headers={"Host": host}, timeout=10
            )
            assert response.status_code == status, host
    finally:
        stopped(process, signal.SIGTERM)
