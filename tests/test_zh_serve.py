"""The server in the request's language: ``?lang=``, the cookie the page's switch
sets, ``Accept-Language`` (q-values; zh, zh-CN, zh-Hans, zh-TW: Chinese), and
``Vary`` on every answer that depends on them. Over real HTTP, as test_serve."""

import re

import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed")
from test_serve import WORKED, assert_one_line_error, running

CJK = re.compile("[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def server():
    server = running(max_concurrent=2)
    yield server
    server.stop()


@pytest.fixture
def client(server):
    server.client.cookies.clear()
    yield server.client
    server.client.cookies.clear()


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)">', response.text)[1]


@pytest.mark.parametrize(
    ("header", "tag"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("zh-TW,zh;q=0.9", "zh-CN"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("en;q=0.5, zh;q=0.9", "zh-CN"),  # the weights decide, not the order
        ("zh;q=0, en", "en"),
        ("fr-FR, fr;q=0.9", "en"),
        (None, "en"),
    ],
)
def test_the_page_speaks_the_accept_language(client, header, tag):
    headers = {"Accept-Language": header} if header else {}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert html_lang(response) == tag
    assert response.headers["vary"] == "Accept-Language, Cookie"
    if tag == "zh-CN":
        for words in ("程序和值", "新练习", "显示答案", "反向传播的步骤"):
            assert words in response.text
        assert '"lang": "zh"' in response.text
    else:
        assert "New exercise" in response.text and "新练习" not in response.text


def test_the_switch_is_two_links_and_is_remembered(client):
    page = client.get("/", headers={"Accept-Language": "en"}).text
    assert '<a href="/?lang=zh" lang="zh-CN" hreflang="zh-CN">中文</a>' in page
    assert '<a href="/?lang=en" lang="en" hreflang="en" aria-current="true">English</a>' in page
    chosen = client.get("/?lang=zh", headers={"Accept-Language": "en"})
    assert html_lang(chosen) == "zh-CN"
    cookie = chosen.headers["set-cookie"]
    assert cookie.startswith("autograd_lang=zh;") and "SameSite=lax" in cookie
    # the cookie now wins over Accept-Language, on the page and in the API
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "zh-CN"
    error = client.post("/api/lesson", json={"at": {}}, headers={"Accept-Language": "en"})
    assert assert_one_line_error(error, 400).startswith("缺少字段 'program'")
    # and the switch back
    assert html_lang(client.get("/?lang=en", headers={"Accept-Language": "zh"})) == "en"
    assert html_lang(client.get("/", headers={"Accept-Language": "zh"})) == "en"


def test_an_unknown_lang_in_the_query_falls_back(client):
    response = client.get("/?lang=xx", headers={"Accept-Language": "zh"})
    assert html_lang(response) == "zh-CN" and "set-cookie" not in response.headers


def test_the_lesson_json_in_the_body_language(client):
    response = client.post("/api/lesson", json={**WORKED, "lang": "zh", "practice": True})
    assert response.status_code == 200
    assert "Accept-Language" in response.headers["vary"]
    data = response.json()
    assert data["lang"] == "zh"
    question = data["view"]["modes"]["practice"][-1]
    assert question["label"] == "你算出的 dz/db"
    assert CJK.search(question["verdicts"][1]["message"])
    english = client.post("/api/lesson", json=WORKED).json()  # not the kept Chinese answer
    assert english["lang"] == "en" and english["view"]["modes"]["practice"][-1]["label"] == (
        "Your value for dz/db"
    )


@pytest.mark.parametrize(
    ("send", "chinese"),
    [
        ({"json": {"program": 3}}, "program 必须是字符串，而不是 数。"),
        (
            {"json": {"program": "z = 2*w", "at": {"w": True}}},
            'at：w 是 true，不是数（例如 "w": 3）。',
        ),
        ({"json": {"program": "z = 2*w", "lang": "fr"}}, "lang 必须是 en, zh 之一，而不是 'fr'。"),
        (
            {"json": {"program": "z = w", "nope": 1}},
            "未知字段 'nope'；可用的字段有：program, at, practice, lang。",
        ),
        ({"content": b"{", "headers": {"Content-Type": "text/plain"}}, "请以 JSON 发送请求体"),
    ],
)
def test_errors_in_the_request_language(client, send, chinese):
    headers = {"Accept-Language": "zh-CN", **send.pop("headers", {})}
    response = client.post("/api/lesson", headers=headers, **send)
    error = assert_one_line_error(response, response.status_code)
    assert response.status_code in (400, 415)
    assert error.startswith(chinese), error
    assert response.headers["vary"] == "Accept-Language, Cookie"


def test_other_errors_in_the_request_language(client):
    zh = {"Accept-Language": "zh"}
    assert assert_one_line_error(client.get("/nowhere", headers=zh), 404).startswith(
        "/nowhere 处什么也没有"
    )
    assert assert_one_line_error(client.get("/api/exercise?level=9", headers=zh), 400) == (
        "level 必须是 1, 2, 3, 4 之一，而不是 9。"
    )
    assert client.get("/api/exercise?level=2&seed=3&lang=zh").status_code == 200
    big = client.post("/api/lesson", content=b" " * 70_000, headers=zh)
    assert assert_one_line_error(big, 413) == "请求体超过了 64 KiB。"
    wrong_host = client.get("/", headers={**zh, "Host": "evil.example"})
    assert assert_one_line_error(wrong_host, 400).startswith("这个服务器不响应名字 'evil.example'")


def test_healthz_does_not_vary(client):
    assert "vary" not in client.get("/healthz").headers


@pytest.mark.parametrize(
    ("body", "chinese"),
    [
        (
            b'{"program": "z = w", "at": {"w": NaN}}',
            "请求体不是有效的 JSON：NaN 不是 JSON 允许的数",
        ),
        (b'{"program": "z = w", "at": {"w": ' + b"9" * 30 + b"}}", "30 位的整数太大了"),
        # json's own reason, in the request's language too: no English left in the sentence
        (b'{"program" "z = w"}', "请求体不是有效的 JSON：第 1 行第 12 列：缺少冒号（:）"),
        (b"", "请求体不是有效的 JSON：第 1 行第 1 列：缺少一个值"),
    ],
)
def test_the_json_readers_own_words_in_the_request_language(client, body, chinese):
    headers = {"Accept-Language": "zh", "Content-Type": "application/json"}
    error = assert_one_line_error(client.post("/api/lesson", content=body, headers=headers), 400)
    assert chinese in error, error


def test_a_class_item_lesson_and_the_class_pages_in_the_request_language(tmp_path):
    from test_classroom import Served, auth

    served = Served(tmp_path / "classes.db")
    try:
        code, teacher = served.start(items=[WORKED])
        path = f"/api/classes/{code}/items/0/lesson"
        english = served.client.get(path, headers=auth(teacher)).json()
        chinese = served.client.get(path, headers={**auth(teacher), "Accept-Language": "zh"})
        assert chinese.headers["vary"].endswith("Accept-Language, Cookie")
        data = chinese.json()
        assert (english["lang"], data["lang"]) == ("en", "zh")
        # Kept apart: the same item in two languages is two answers, each its own words.
        assert english["title"].startswith("Backpropagation")
        assert CJK.search(data["title"]) and CJK.search(data["view"]["steps"][1]["title"]["text"])
        assert "verdicts" not in chinese.text
        for page in (f"/class/{code}", f"/teach/{code}"):
            assert html_lang(served.client.get(page, headers={"Accept-Language": "zh"})) == "zh-CN"
            assert html_lang(served.client.get(page)) == "en"
    finally:
        served.stop()
