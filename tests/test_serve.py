"""The classroom server over real HTTP: a uvicorn server in a thread, talked to with httpx.

Every status code the API promises, each hostile body, the headers on every
response, and what happens when more requests arrive than it computes at once.
"""

import json
import shutil
import socket
import threading
import time

import pytest

pytest.importorskip(
    "starlette", reason="the serve extra is not installed (pip install -e '.[dev]')"
)
pytest.importorskip("uvicorn", reason="the serve extra is not installed")
pytest.importorskip("httptools", reason="the serve extra is not installed")
httpx = pytest.importorskip("httpx", reason="httpx is not installed")
import uvicorn  # noqa: E402  (after the skips: without the extra, skip the module)

from autograd.connections import listening_socket, uvicorn_config  # noqa: E402
from autograd.program import WORKED_EXAMPLE  # noqa: E402
from autograd.serve import create_app  # noqa: E402

pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed"
)

WORKED = {"program": WORKED_EXAMPLE, "at": {"w": 3, "b": 4}}


class Running:
    """A uvicorn server on a free loopback port, in a thread, stopped by its own handle.

    It serves as ``autograd serve`` does: on a listening socket, with its connection limits.
    """

    def __init__(self, app, connections=None):
        self.socket = listening_socket("127.0.0.1", 0)  # port 0: the OS picks a free one
        self.port = self.socket.getsockname()[1]
        # As autograd serve: its connections answer health checks for the app's names.
        hosts = getattr(app.state, "allows_host", None)
        self.server = uvicorn.Server(uvicorn_config(app, connections, hosts))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{self.port}"
        self.client = httpx.Client(base_url=self.url, timeout=10)

    def stop(self):
        self.client.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


def running(connections=None, **options):
    return Running(create_app(**options), connections)


@pytest.fixture(scope="module")
def server():
    server = running(max_concurrent=2)
    yield server
    server.stop()


@pytest.fixture
def client(server):
    return server.client


def assert_headers(response):
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'nonce-" in policy and "style-src 'nonce-" in policy
    assert "unsafe-inline" not in policy and "http" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def assert_one_line_error(response, status, *words):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert "\n" not in error and "Traceback" not in error and 'File "' not in error
    for word in words:
        assert word in error
    assert_headers(response)
    return error


# The routes


def test_healthz(client):
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")
    assert_headers(response)


def test_the_page_is_the_lesson_page_with_controls(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert_headers(response)
    page = response.text
    nonce = response.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    # Every script and style that runs carries this response's nonce, and only it.
    assert page.count("<script>") == page.count("<style>") == 0
    assert (
        page.count(f'<script nonce="{nonce}">') == 3
    )  # the lesson's, its frame height's, the server's
    assert page.count(f'<style nonce="{nonce}">') == 2
    assert 'data-node="b"' in page and 'role="status"' in page and 'id="program"' in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert (
        client.get("/").headers["content-security-policy"]
        != response.headers["content-security-policy"]
    )  # a new nonce for each response


def test_lesson_of_the_worked_example(client):
    response = client.post("/api/lesson", json=WORKED)
    assert response.status_code == 200
    assert_headers(response)
    data = response.json()
    assert data["explanation"]["schema"] == 2
    assert data["explanation"]["gradients"]["b"] == 15.0
    assert data["svg"].startswith("<svg") and 'data-node="w"' in data["svg"]
    assert data["inputs"] == ["w", "b"] and data["at"] == {"w": 3.0, "b": 4.0}
    assert data["mode"] == "lesson"


def test_a_changed_value_changes_the_gradients(client):
    data = client.post("/api/lesson", json={**WORKED, "at": {"w": 2, "b": 4}}).json()
    assert data["explanation"]["gradients"]["b"] == 13.0  # 2w + b + (b + 1) = 4 + 4 + 5


def test_practice_mode_sends_the_candidate_mistakes(client):
    data = client.post("/api/lesson", json={**WORKED, "practice": True}).json()
    assert data["mode"] == "practice"
    by_node = {q["node"]: q for q in data["view"]["modes"]["practice"]}
    right, *slips = by_node["b"]["verdicts"]
    assert (right["value"], right["correct"]) == (15.0, True)
    assert "missed-path" in [slip["code"] for slip in slips]
    # The trainer's questions come too: the page's buttons switch modes.
    assert data["view"]["modes"]["trainer"][0]["label"] == "Your value for ∂z/∂x"


def test_exercise(client):
    response = client.get("/api/exercise", params={"level": 2, "seed": 7})
    assert response.status_code == 200
    assert_headers(response)
    ex = response.json()
    assert (ex["level"], ex["seed"]) == (2, 7)
    assert client.get("/api/exercise?level=2&seed=7").json() == ex  # seeded: the same again
    lesson = client.post("/api/lesson", json={"program": ex["program"], "at": ex["at"]})
    assert lesson.status_code == 200


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("level=9", ["level must be one of 1, 2, 3, 4"]),
        ("level=two", ["level must be a whole number"]),
        ("seed=-1", ["seed must be between 0"]),
        ("seed=99999999999999999999", ["seed must be a whole number"]),
        ("level=1&colour=red", ["unknown parameter 'colour'"]),
    ],
)
def test_exercise_rejects_bad_parameters(client, query, words):
    assert_one_line_error(client.get(f"/api/exercise?{query}"), 400, *words)


# Status codes


def test_unknown_path_is_404(client):
    for path in ("/nope", "/api", "/api/lesson/../../etc/passwd", "/lesson.html"):
        assert_one_line_error(client.get(path), 404, "nothing at")


def test_wrong_method_is_405(client):
    assert_one_line_error(client.get("/api/lesson"), 405, "GET is not allowed")
    assert_one_line_error(client.post("/healthz"), 405)
    assert_one_line_error(client.delete("/"), 405)
    assert_one_line_error(client.put("/api/exercise"), 405)


def test_a_body_over_64_kib_is_413(client):
    huge = json.dumps({"program": "z = w", "at": {"w": 1}, "x": "a" * 70_000})
    response = client.post("/api/lesson", content=huge, headers=JSON)
    assert_one_line_error(response, 413, "64 KiB")


def test_a_streamed_body_over_64_kib_is_413_without_content_length(client):
    def chunks():  # chunked transfer: no Content-Length, so the bytes must be counted
        for _ in range(100):
            yield b" " * 1024

    response = client.post("/api/lesson", content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert_one_line_error(response, 413, "64 KiB")


def read_all(connection) -> bytes:
    reply = b""
    while chunk := connection.recv(65536):
        reply += chunk
    return reply


def test_a_lying_content_length_is_counted(server):
    # Declares 10 bytes, sends 70 KiB: the server reads only what was declared.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        body = b'{"program": "' + b"a" * 70_000 + b'"}'
        connection.sendall(
            b"POST /api/lesson HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10\r\nConnection: close\r\n\r\n" + body
        )
        reply = read_all(connection)
    assert reply.startswith(b"HTTP/1.1 400") and b"Traceback" not in reply


def test_an_absurd_content_length_is_413(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(
            b"POST /api/lesson HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 999999999999\r\n\r\n{}"
        )
        reply = read_all(connection)
    assert reply.startswith(b"HTTP/1.1 413") and b"64 KiB" in reply


JSON = {"Content-Type": "application/json"}


def test_a_body_that_is_not_json_typed_is_415(client):
    response = client.post("/api/lesson", content=json.dumps(WORKED))  # no Content-Type
    assert_one_line_error(response, 415, "Content-Type: application/json")
    response = client.post("/api/lesson", data={"program": "z = w"})  # a form
    assert_one_line_error(response, 415)


# Hostile and malformed bodies: each a 400 with one line saying what is wrong


def post(client, body):
    return client.post("/api/lesson", content=body, headers=JSON)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", ["not valid JSON: a value is missing at line 1, column 1"]),
        ("{", ["not valid JSON: a name in double quotes is missing at line 1, column 2"]),
        ("{'program': 'z = w'}", ["not valid JSON: a name in double quotes is missing"]),
        ('{"program" "z = w"}', ["not valid JSON: a colon (:) is missing at line 1, column 12"]),
        ('{"program": "z = w"} {}', ["not valid JSON: more follows the value at line 1"]),
        ('{"program": "z = w", "at": {"w": NaN}}', ["NaN is not a number JSON allows"]),
        ('{"program": "z = w", "at": {"w": Infinity}}', ["Infinity"]),
        ('{"program": "z = w", "at": {"w": 1e400}}', ["too large"]),
        ('{"program": "z = w", "at": {"w": 1e308}}', ["too large"]),
        ('{"program": "z = w", "at": {"w": -1000001}}', ["too large"]),
        ('{"program": "z = w", "at": {"w": ' + "9" * 5000 + "}}", ["5000 digits is too large"]),
        ('{"program": "z = w", "at": {"w": ' + "9" * 400 + "}}", ["too large"]),
        ("[" * 20_000 + "]" * 20_000, ["nested too deeply"]),
        ('{"a":' * 10_000 + "1" + "}" * 10_000, ["nested too deeply"]),
        (b'{"program": "\xff"}', ["UTF-8"]),
        ("[1, 2]", ["must be a JSON object"]),
        ('"z = w"', ["must be a JSON object"]),
        ("null", ["must be a JSON object"]),
        ("{}", ["'program' is missing"]),
        ('{"at": {"w": 1}}', ["'program' is missing"]),
        ('{"program": 3}', ["program must be a string, not a number"]),
        ('{"program": ["z = w"]}', ["program must be a string, not a list"]),
        ('{"program": "z = w", "at": [1]}', ["at must be an object"]),
        ('{"program": "z = w", "at": {"w": "3"}}', ["w is a string, not a number"]),
        ('{"program": "z = w", "at": {"w": true}}', ["w is true, not a number"]),
        ('{"program": "z = w", "at": {"w": null}}', ["w is null, not a number"]),
        ('{"program": "z = w", "at": {"w": {"x": 1}}}', ["not a number"]),
        ('{"program": "z = w", "at": {"w x": 1}}', ["'w x' is not a name"]),
        ('{"program": "z = w", "at": {"w": 1}, "practice": "yes"}', ["true or false"]),
        ('{"program": "z = w", "at": {"w": 1}, "file": "/etc/passwd"}', ["unknown field 'file'"]),
    ],
)
def test_malformed_bodies(client, body, words):
    assert_one_line_error(post(client, body), 400, *words)


@pytest.mark.parametrize(
    ("program", "at", "words"),
    [
        ("z = __import__('os').system('true')", {}, ["is not allowed"]),
        ("z = __import__('os')", {}, ["unknown function __import__()"]),
        ("z = w.__class__", {"w": 1}, ["attribute access is not allowed"]),
        ("z = (lambda: 1)()", {}, ["is not allowed"]),
        ("f = lambda x: x", {}, ["a lambda is not allowed"]),
        ("import os", {}, ["an import is not allowed"]),
        ("z = [w][0]", {"w": 1}, ["is not allowed"]),
        ("z = open('/etc/passwd')", {}, ["unknown function open()"]),
        ("z = 10**10**10", {}, ["overflow"]),
        (
            "z = 9" + "9" * 5000,
            {},
            ["a number in the program has more than 4300 digits (column 1)"],
        ),
        ("z = 1e999", {}, ["too large for a float"]),
        ("z = " + "(" * 300 + "w" + ")" * 300, {"w": 1}, ["nested"]),
        ("z = " + "-" * 1000 + "w", {"w": 1}, ["nested more than 200 levels"]),
        ("z = w" * 5000, {"w": 1}, ["more than 10000"]),
        ("z = log(w)", {"w": -1}, ["log"]),
        ("z = w / 0", {"w": 1}, ["division by zero"]),
        ("z = w*b", {"w": 1}, ["unknown name b", "--at b=NUMBER"]),
        ("z = w", {"w": 1, "q": 2}, ["the program does not use q"]),
        ("", {}, ["the program is empty"]),
        ("z = w +", {"w": 1}, ["invalid syntax"]),
        ("z = \x00", {}, ["NUL"]),
    ],
)
def test_hostile_programs(client, program, at, words):
    assert_one_line_error(
        client.post("/api/lesson", json={"program": program, "at": at}), 400, *words
    )


def test_a_missing_input_lists_the_inputs_for_the_page(client):
    response = client.post("/api/lesson", json={"program": "z = a*b + c", "at": {"a": 1}})
    assert response.status_code == 400
    assert response.json()["inputs"] == ["a", "b", "c"]


def test_the_error_is_worded_as_the_command_line_words_it(client, capsys):
    from autograd.cli import main

    program = "y = w.data * 2"
    assert main(["explain", program, "--at", "w=1"]) == 2
    cli_error = capsys.readouterr().err.strip().removeprefix("autograd: error: ")
    response = client.post("/api/lesson", json={"program": program, "at": {"w": 1}})
    assert response.json()["error"] == cli_error


def test_a_graph_too_big_to_draw_is_refused(client):
    program = (
        "; ".join(f"t{i} = w*{i + 1}" for i in range(150))
        + "; z = "
        + " + ".join(f"t{i}" for i in range(150))
    )
    error = assert_one_line_error(
        client.post("/api/lesson", json={"program": program, "at": {"w": 1}}), 400, "nodes"
    )
    assert error.startswith("the graph has 450 nodes, more than max_nodes=200: ")


def test_the_server_stays_up_after_hostile_input(client):
    assert client.get("/healthz").text == "ok"
    assert client.post("/api/lesson", json=WORKED).status_code == 200


# Limits: work in a bounded number of slots; past them 503 and Retry-After


def test_busy_server_answers_503_with_retry_after():
    entered, release = threading.Event(), threading.Event()

    def hold():  # the first computation holds the only slot until released
        entered.set()
        assert release.wait(10)

    server = running(max_concurrent=1, queue_seconds=0, slow_hook=hold)
    try:
        result = {}
        first = threading.Thread(
            target=lambda: result.update(first=server.client.post("/api/lesson", json=WORKED))
        )
        first.start()
        assert entered.wait(10)
        for request in (  # not the first request again: that one waits for the first's answer
            lambda c: c.post("/api/lesson", json={**WORKED, "at": {"w": 5, "b": 4}}),
            lambda c: c.get("/api/exercise"),
        ):
            busy = request(server.client)
            assert_one_line_error(busy, 503, "busy")
            assert busy.headers["retry-after"] == "1"
        assert server.client.get("/healthz").text == "ok"  # no computing: always answered
        release.set()
        first.join(10)
        assert result["first"].status_code == 200
        assert server.client.post("/api/lesson", json=WORKED).status_code == 200
    finally:
        release.set()
        server.stop()


def test_a_short_wait_for_a_slot_is_queued_not_refused():
    def slow():
        time.sleep(0.2)

    server = running(max_concurrent=1, queue_seconds=5, slow_hook=slow)
    try:
        results = []
        threads = [
            threading.Thread(
                target=lambda w=w: results.append(
                    server.client.post("/api/lesson", json={**WORKED, "at": {"w": w, "b": 4}})
                )
            )
            for w in (1, 2, 3)  # three lessons, three computations
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert [r.status_code for r in results] == [200, 200, 200]
    finally:
        server.stop()


def test_an_unexpected_error_is_500_with_one_generic_line(caplog):
    def broken():
        raise KeyError("secret internals")

    server = running(slow_hook=broken)
    try:
        response = server.client.post("/api/lesson", json=WORKED)
        error = assert_one_line_error(response, 500, "internal error")
        assert "secret" not in response.text and "KeyError" not in response.text
        assert server.client.get("/healthz").text == "ok"
    finally:
        server.stop()
    assert "secret internals" in caplog.text  # the traceback is in the server's log
    assert error == "internal error; the server log has the details"


def test_dot_has_a_timeout():
    # The same graph would be as slow again: a 400 that says so, not a 503 to retry.
    from autograd import serve

    server = running(dot_timeout=1e-6)
    try:
        response = server.client.post("/api/lesson", json=WORKED)
        assert_one_line_error(response, 400, "the graph took more than 1e-06 s to lay out")
    finally:
        server.stop()
    assert serve.Limits().dot_timeout > 0


def test_a_node_used_by_many_operations_is_refused_before_the_slow_layout(client, capsys, tmp_path):
    # w*w*...*w: Graphviz's layout time explodes with the edges out of one node.
    from autograd.cli import main

    program = "z = " + "*".join(["w"] * 60)
    response = client.post("/api/lesson", json={"program": program, "at": {"w": 1}})
    error = assert_one_line_error(response, 400, "w is used 60 times, more than max_uses=20: ")
    # The command line's drawing options refuse it in the same words.
    assert main(["explain", program, "--at", "w=1", "--html", str(tmp_path / "page.html")]) == 2
    assert capsys.readouterr().err == f"autograd: error: {error}\n"
    twenty = client.post(
        "/api/lesson", json={"program": "z = " + "*".join(["w"] * 20), "at": {"w": 1}}
    )
    assert twenty.status_code == 200


# The command


def test_autograd_serve_starts_answers_and_stops_on_ctrl_c(tmp_path):
    import signal
    import subprocess
    import sys

    command = [sys.executable, "-m", "autograd", "serve", "--port", "0"]
    command += ["--db", str(tmp_path / "classes.db")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("Serving the lesson page at http://127.0.0.1:"), line
        url = line.split(" at ")[1].split()[0]
        assert httpx.get(url + "healthz", timeout=10).text == "ok"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_public_host_lists_addresses_and_warns():
    from autograd.serve import addresses

    lines = addresses("0.0.0.0", 8000)
    assert "http://127.0.0.1:8000/" in "\n".join(lines)
    assert sum("warning: anyone on this network can reach the server" in x for x in lines) == 1


def test_serve_rejects_a_bad_port(capsys):
    from autograd.cli import main

    assert main(["serve", "--port", "70000"]) == 2
    assert "a port is a number from 0 to 65535" in capsys.readouterr().err


# Names and redirects: DNS rebinding, and no Host written back into a response


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "LOCALHOST:8000", "127.0.0.2:1", "[::1]:8000", "localhost."]
)
def test_local_names_are_answered(client, host):
    assert client.get("/healthz", headers={"Host": host}).text == "ok"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example"])
def test_another_name_is_refused(client, host):
    response = client.get("/healthz", headers={"Host": host})
    assert_one_line_error(response, 400, "does not answer to the name", "--allow-host")


def test_a_request_without_a_host_is_refused(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        reply = read_all(connection)
    assert reply.startswith(b"HTTP/1.1 400") and b"no Host header" in reply


def test_names_given_are_answered():
    server = running(allowed_hosts=["class.example"])
    try:
        assert server.client.get("/healthz", headers={"Host": "class.example"}).text == "ok"
    finally:
        server.stop()


def test_the_names_of_a_server_on_every_interface_are_its_addresses():
    from autograd.serve import _own_names

    assert _own_names("192.168.1.5") == ["192.168.1.5"]
    assert "127.0.0.1" in _own_names("0.0.0.0")


def test_a_slash_too_many_or_too_few_is_redirected_relatively(client):
    response = client.get("/healthz/", headers={"Host": "localhost"})
    assert response.status_code == 307
    assert response.headers["location"] == "/healthz"  # no scheme, no host
    assert_headers(response)
    response = client.get("/api/exercise/?level=2&seed=7")
    assert (response.status_code, response.headers["location"]) == (
        307,
        "/api/exercise?level=2&seed=7",
    )
    assert client.get("/healthz/", follow_redirects=True).text == "ok"


def test_a_path_that_looks_like_another_site_is_not_redirected(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(
            b"GET //evil.example/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        reply = read_all(connection)
    assert reply.startswith(b"HTTP/1.1 404") and b"location" not in reply.lower()


# Kept answers: a class asking for the same lesson costs one layout


class Calls:
    """A slow_hook that counts the computations, and can hold them until released."""

    def __init__(self, hold_first: int = 0):
        self.count = 0
        self.lock = threading.Lock()
        self.hold_first = hold_first
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)

    def __call__(self):
        with self.lock:
            self.count += 1
            held = self.count <= self.hold_first
        self.entered.release()
        if held:
            assert self.release.wait(10)


def in_threads(server, bodies):
    """POST each body at once, each from its own thread; the responses in order."""
    responses = [None] * len(bodies)

    def post(i):
        with httpx.Client(base_url=server.url, timeout=20) as client:
            responses[i] = client.post("/api/lesson", json=bodies[i])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    return threads, responses


def test_the_same_lesson_is_computed_once_and_then_needs_no_slot():
    calls = Calls()
    server = running(max_concurrent=1, slow_hook=calls)
    threads = []
    try:
        first = server.client.post("/api/lesson", json=WORKED)
        again = server.client.post(
            "/api/lesson", json={"at": {"b": 4.0, "w": 3}, "program": WORKED["program"]}
        )
        assert first.status_code == again.status_code == 200
        assert first.content == again.content and calls.count == 1
        # With the only slot held by another lesson, the kept one still comes at once.
        calls.hold_first = 2
        threads, _ = in_threads(server, [{**WORKED, "at": {"w": 9, "b": 4}}])
        assert calls.entered.acquire(timeout=10) and calls.entered.acquire(timeout=10)
        assert server.client.post("/api/lesson", json=WORKED).content == first.content
        assert calls.count == 2
        # Practice mode is another lesson.
        calls.release.set()
        practising = server.client.post("/api/lesson", json={**WORKED, "practice": True})
        assert practising.json()["mode"] == "practice"
        assert calls.count == 3
    finally:
        calls.release.set()
        for thread in threads:
            thread.join(10)
        server.stop()


def test_a_class_asking_at_once_waits_for_one_computation():
    calls = Calls(hold_first=1)
    server = running(max_concurrent=2, slow_hook=calls)
    try:
        threads, responses = in_threads(server, [WORKED] * 8)
        assert calls.entered.acquire(timeout=10)
        time.sleep(0.2)  # the other seven have arrived and wait for the first
        calls.release.set()
        for thread in threads:
            thread.join(20)
        assert [r.status_code for r in responses] == [200] * 8
        assert len({r.content for r in responses}) == 1 and calls.count == 1
    finally:
        calls.release.set()
        server.stop()


def test_a_refusal_after_the_layout_is_kept_too():
    calls = Calls()
    server = running(dot_timeout=1e-6, slow_hook=calls)
    try:
        first, again = (server.client.post("/api/lesson", json=WORKED) for _ in range(2))
        assert first.status_code == again.status_code == 400
        assert first.json() == again.json() and calls.count == 1
    finally:
        server.stop()


def test_the_answers_kept_are_bounded_in_entries_and_bytes():
    from autograd.fairshare import Answer, Answers

    answers = Answers(max_entries=2, max_bytes=10_000)
    for key in "abc":
        answers.put(key, Answer(200, b"x" * 100))
    assert (answers.get("a"), len(answers)) == (None, 2)  # the least recently used went
    answers.get("b")
    answers.put("d", Answer(200, b"x" * 100))
    assert answers.get("b") is not None and answers.get("c") is None
    answers.put("big", Answer(200, b"x" * 9_950))
    assert answers.bytes <= 10_000 and answers.get("big") is not None
    answers.put("busy", Answer(503, b"{}"))
    assert answers.get("busy") is None  # a busy server is not an answer to keep
    lesson = Answer.of(200, json.dumps({"svg": "<g/>" * 10_000}).encode())
    answers.put("lesson", lesson)  # 40 KB of JSON, kept gzipped in a few hundred bytes
    assert lesson.gzipped and len(lesson.data) < 1000 and answers.bytes < 10_000


def test_a_client_that_accepts_gzip_gets_the_kept_answer_compressed(client):
    plain = client.post("/api/lesson", json=WORKED, headers={"Accept-Encoding": "identity"})
    packed = client.post("/api/lesson", json=WORKED, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    # gzip or not, and the language (the errors' and the page's words)
    assert packed.headers["vary"] == "Accept-Encoding, Accept-Language, Cookie"
    assert int(packed.headers["content-length"]) < len(plain.content) / 4
    assert packed.json() == plain.json()  # httpx unpacks it


# Heavy work queues behind its own address's heavy work, never in front of everyone


def test_heavy_requests_from_one_address_queue_behind_each_other():
    # The worked example's work is 17; a chain of 40 is 81: heavy above 50.
    calls = Calls(hold_first=1)
    server = running(max_concurrent=2, heavy_work=50, queue_seconds=15, slow_hook=calls)
    chain = "z = " + "-" * 40 + "w"
    try:
        heavy = [{"program": chain, "at": {"w": w}} for w in (1, 2, 3)]
        threads, responses = in_threads(server, heavy)
        assert calls.entered.acquire(timeout=10)  # the first heavy one computes (and is held)
        time.sleep(0.3)
        assert calls.count == 1  # the other two wait for it, and leave the second slot free
        light = server.client.post("/api/lesson", json=WORKED)
        assert light.status_code == 200 and calls.count == 2
        calls.release.set()
        for thread in threads:
            thread.join(20)
        assert [r.status_code for r in responses] == [200] * 3
    finally:
        calls.release.set()
        server.stop()


def test_a_heavy_lesson_is_computed_in_a_helper_and_reads_as_any_other(client):
    server = running(heavy_work=0)  # every lesson is heavy
    try:
        apart = server.client.post("/api/lesson", json=WORKED)
        assert server.server.config.app.state.helpers.pool is not None  # a helper computed it
        here = client.post("/api/lesson", json=WORKED)
        assert apart.status_code == 200 and apart.json() == here.json()
        # A refusal found in the helper (the derivative of w**-1.5 overflows) reads the same too.
        overflow = {"program": "z = w**-1.5", "at": {"w": 1e-200}}
        refused = server.client.post("/api/lesson", json=overflow)
        assert refused.status_code == 400
        assert refused.json() == client.post("/api/lesson", json=overflow).json()
    finally:
        server.stop()


def test_the_estimate_counts_nodes_edges_fan_out_and_labels():
    from autograd import Value
    from autograd.serve import estimate

    w, x = Value(2.0, label="w"), Value(3.0, label="x")
    u = w * x
    u.label = "u"
    loss = u * u + w
    loss.label = "L"
    cost = estimate(loss)
    assert (cost.nodes, cost.edges, cost.busiest, cost.label_chars) == (5, 6, 2, 4)
    assert cost.work == 5 + 6 + 1 + 0


# Responses are bounded: the 205-byte program that made 956 KB


def test_a_lesson_larger_than_the_cap_is_refused_before_its_layout():
    calls = Calls()
    server = running(slow_hook=calls)
    try:
        program = "z = " + "-" * 199 + "w"
        assert len(program) == 204
        response = server.client.post("/api/lesson", json={"program": program, "at": {"w": 1}})
        assert_one_line_error(
            response, 400, "is at least", "KiB, more than this server sends (1024 KiB)"
        )
        assert len(response.content) < 1000 and calls.count == 0  # no slot, no layout
    finally:
        server.stop()


def test_a_lesson_found_larger_than_the_cap_after_its_layout_is_refused():
    from autograd.lesson import lesson_data
    from autograd.program import parse_program
    from autograd.serve import estimate

    def measured(program, at):
        parsed = parse_program(program)
        output, _ = parsed.run(parsed.bind(at))
        return len(json.dumps(lesson_data(output))), estimate(output).bytes_at_least

    # A chain of 10 passes the estimate but is larger once laid out than the
    # worked example: a cap between the two refuses the chain after its layout.
    chain = {"program": "z = " + "-" * 10 + "w", "at": {"w": 1}}
    chain_bytes, chain_estimate = measured(**chain)
    worked_bytes, _ = measured(**WORKED)
    cap = (worked_bytes + chain_bytes) // 2
    assert chain_estimate < cap < chain_bytes
    server = running(max_response=cap)
    try:
        error = assert_one_line_error(server.client.post("/api/lesson", json=chain), 400)
        assert f"KiB, more than this server sends ({cap // 1024} KiB)" in error
        assert "at least" not in error
        assert server.client.post("/api/lesson", json=WORKED).status_code == 200
    finally:
        server.stop()


def test_the_default_cap_holds_a_two_three_one_network_and_refuses_a_chain_of_a_hundred(client):
    from autograd.serve import Limits

    assert Limits().max_response == 1024 * 1024
    network = {
        "program": "h1 = tanh(x1*a1 + x2*a2 + c1); h2 = tanh(x1*a3 + x2*a4 + c2); "
        "h3 = tanh(x1*a5 + x2*a6 + c3); y = h1*b1 + h2*b2 + h3*b3 + d; L = (y - t)**2",
        "at": {
            **{f"a{i}": 0.1 * i for i in range(1, 7)},
            **{f"b{i}": -0.2 * i for i in range(1, 4)},
            **{f"c{i}": 0.05 for i in range(1, 4)},
            "x1": 0.5,
            "x2": -1,
            "d": 0.3,
            "t": 1,
        },
    }
    assert client.post("/api/lesson", json=network).status_code == 200
    chain = {"program": "z = " + "-" * 99 + "w", "at": {"w": 1}}
    assert_one_line_error(client.post("/api/lesson", json=chain), 400, "more than this server")


# Numbers too large for a float in the backward pass: 400, never 500


@pytest.mark.parametrize(
    ("program", "at"), [("z = w**-1.5", {"w": 1e-200}), ("z = sigmoid(w**1e-3)", {"w": 5e-324})]
)
def test_overflow_in_the_backward_pass_is_a_400(client, program, at):
    response = client.post("/api/lesson", json={"program": program, "at": at})
    error = assert_one_line_error(response, 400)
    assert "overflow" in error.lower() or "too large" in error.lower()
