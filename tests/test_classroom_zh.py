"""中文 for the live class: the class API's refusals in the request's language over
HTTP, and the class pages' words (join page, student's page, teacher's page) in
the page's language, scanned for English left over.

The request's language: ``?lang=``, else the ``autograd_lang`` cookie, else
``Accept-Language``; English by default.
"""

import html
import json
import re
from html.parser import HTMLParser

import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed")
pytest.importorskip("httpx", reason="httpx is not installed")

from test_classroom import WORKED, Served, auth, refused
from test_zh import leftover_english

from autograd.classpages import WORDS, student_page, teacher_page, words
from autograd.engine import Value
from autograd.i18n import tr
from autograd.lesson import lesson_data
from autograd.practice import CODE_MEANINGS

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = Served(tmp_path_factory.mktemp("classes") / "classes.db")
    yield served
    served.stop()


def in_chinese(response, status: int, reason: str, *words: str, names=()) -> str:
    """A refusal said in Chinese: its words, Chinese punctuation, no English word left."""
    error = refused(response, status, reason, *words)
    assert CJK.search(error), error
    assert not re.search(r"[\u4e00-\u9fff][,.;:]", error), error  # ，。；： in Chinese
    text = error
    for name in names:  # a join code is letters and digits: a name, not a word
        text = text.replace(name, " ")
    assert not leftover_english(text), (error, leftover_english(text))
    assert "Accept-Language" in response.headers["vary"]
    return error


def test_join_refusals_in_chinese_and_in_english(server):
    client = server.client
    code, teacher = server.start()
    join = f"/api/classes/{code}/students"
    server.join(code, "Ann")

    in_chinese(client.post("/api/classes/QQQQQQ/students", json={"name": "Bo"}, headers=ZH),
               404, "unknown-class", "没有加入码为 'QQQQQQ' 的课堂", names={"QQQQQQ"})  # fmt: skip
    in_chinese(client.post(join, json={"name": "ann"}, headers=ZH), 409, "name-taken",
               f"昵称 'ann' 在课堂 {code} 中已被使用", names={"ann", code})  # fmt: skip
    in_chinese(client.post(join, json={"name": " "}, headers=ZH), 400, "name-invalid",
               "昵称至少需要一个字符。")  # fmt: skip
    in_chinese(client.post(join, json={}, headers=ZH), 400, "invalid", "缺少字段 name",
               names={"name", "Ann"})  # fmt: skip
    # The same refusals in English without the header: English stays the default.
    assert refused(client.post(join, json={"name": "ann"}), 409, "name-taken") == (
        f"the nickname 'ann' is taken in class {code}: choose another"
    )
    assert refused(client.post(join, json={"name": " "}), 400, "name-invalid") == (
        "a nickname needs at least one character"
    )
    # Ended: no one joins (410), in the language asked for by ?lang= or the page's cookie.
    assert client.post(f"/api/classes/{code}/end", headers=auth(teacher)).status_code == 200
    in_chinese(client.post(f"{join}?lang=zh", json={"name": "Cy"}), 410, "class-ended",
               f"课堂 {code} 已经结束：不再接收新学生。", names={code})  # fmt: skip
    cookie = {"Cookie": "autograd_lang=zh"}
    in_chinese(client.post(join, json={"name": "Cy"}, headers=cookie), 410, "class-ended",
               names={code})  # fmt: skip
    # ?lang= wins over the header.
    english = client.post(f"{join}?lang=en", json={"name": "Cy"}, headers=ZH)
    assert refused(english, 410, "class-ended") == (
        f"class {code} has ended: it takes no new students"
    )


def test_tokens_pause_and_fields_refused_in_chinese(server):
    client = server.client
    code, teacher = server.start()
    ann = server.join(code, "Ann")
    about = f"/api/classes/{code}"
    in_chinese(client.get(about, headers={**ZH, **auth("not-a-token")}), 401, "unauthorized",
               f"这个令牌在课堂 {code} 中无效。", names={code})  # fmt: skip
    in_chinese(client.get(f"{about}/summary", headers={**ZH, **auth(ann)}), 403, "forbidden",
               f"学生的令牌不能打开课堂 {code} 的教师端。", names={code})  # fmt: skip
    error = refused(client.get(about, headers=ZH), 401, "unauthorized", "请在请求头中发送")
    assert error == "请在请求头中发送你的课堂令牌：Authorization: Bearer TOKEN"
    # Paused: an answer waits (423), said in Chinese.
    pace = client.post(f"{about}/pace", json={"paused": True}, headers=auth(teacher))
    assert pace.status_code == 200
    body = {"question": 3, "node": "b", "value": 15, "key": "k1"}
    answer = client.post(f"{about}/answers", json=body, headers={**ZH, **auth(ann)})
    in_chinese(answer, 423, "paused", f"课堂 {code} 已暂停", names={code})
    english = client.post(f"{about}/answers", json=body, headers=auth(ann))
    assert refused(english, 423, "paused") == (
        f"class {code} is paused: look up, and answer when it goes on"
    )
    # A field's words: the field's name stays a name, its sentence is Chinese.
    bad = client.post(
        f"{about}/answers", json={**body, "question": "3"}, headers={**ZH, **auth(ann)}
    )
    assert refused(bad, 400, "invalid") == "question 必须是非负整数，收到的是 '3'。"
    many = client.post("/api/classes", json={"items": [WORKED] * 101}, headers=ZH)
    assert (
        refused(many, 400, "invalid")
        == "items 必须是含 1 到 100 个条目的列表，收到的列表有 101 个。"
    )
    # A Phrase inside a sentence is said in the sentence's language: "item 1's seed".
    seed = client.post("/api/classes?lang=zh", json={"items": [WORKED, {"level": 1, "seed": -1}]})
    assert (
        refused(seed, 400, "invalid") == "条目 1 的 seed 必须在 0 到 4294967295 之间，收到的是 -1。"
    )


def test_the_dashboard_names_mistakes_in_the_teachers_language(server):
    client = server.client
    code, teacher = server.start()
    ann = server.join(code, "Ann")
    assert server.send(code, ann, 3, 5, "a1").json()["mistake"] == "missed-path"
    chinese = client.get(f"/api/classes/{code}/summary", headers={**ZH, **auth(teacher)}).json()
    english = client.get(f"/api/classes/{code}/summary", headers=auth(teacher)).json()
    assert chinese["questions"][3]["mistakes"][0]["meaning"] == "求和时漏掉了一条路径（或一项贡献）"
    assert english["questions"][3]["mistakes"][0]["meaning"] == CODE_MEANINGS["missed-path"]
    assert chinese["questions"][3]["common"]["code"] == "missed-path"  # the stored code


NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def test_a_wrong_answer_is_diagnosed_in_the_students_language(server):
    client = server.client
    code, teacher = server.start()
    ann, bo = server.join(code, "Ann"), server.join(code, "Bo")
    answers = f"/api/classes/{code}/answers"
    wrong = {"question": 3, "node": "b", "value": 5, "key": "w1"}
    chinese = client.post(answers, json=wrong, headers={**ZH, **auth(ann)}).json()
    english = client.post(answers, json=wrong, headers=auth(bo)).json()
    # The same verdict and numbers, each in its student's words.
    assert chinese["mistake"] == english["mistake"] == "missed-path"
    assert chinese["correct"] is english["correct"] is False
    assert english["message"] == (
        "dz/db: you have 5, which is the path through x only; b also reaches z through y (10)"
    )
    assert (
        chinese["message"] == "dz/db：你的答案是 5，这只是经过 x 的路径；b 还经过 y (10) 到达 z。"
    )
    assert NUMBER.findall(chinese["message"]) == NUMBER.findall(english["message"])
    assert not leftover_english(chinese["message"]), leftover_english(chinese["message"])
    # The same key again is the stored answer, in the words it was first said in.
    again = client.post(answers, json=wrong, headers=auth(ann)).json()
    assert (again["replayed"], again["message"]) == (True, chinese["message"])
    # Revealed: practice's chain-rule sum is notation, the same in every language.
    reveal = {"question": 2, "node": "w", "reveal": True, "key": "r1"}
    shown = client.post(answers, json=reveal, headers={**ZH, **auth(ann)}).json()
    assert (shown["answer"], shown["message"]) == (
        10.0,
        "dz/dw = ∂z/∂x·∂x/∂w = 5·2 = 10   (∂x/∂w = ∂x/∂v1·∂v1/∂w = 1·2)",
    )
    # The items' titles too (the class's page shows them).
    about = client.get(f"/api/classes/{code}", headers={**ZH, **auth(ann)}).json()
    assert "其中 w = 3, b = 4" in about["items"][0]["title"]
    assert about["answers"][0]["message"] == chinese["message"]  # a page that reloads

    # The teacher's summary says the commonest slip in the teacher's language, whichever
    # language the students answered in.
    summary = f"/api/classes/{code}/summary"
    common = client.get(summary, headers={**ZH, **auth(teacher)}).json()["questions"][3]["common"]
    assert (common["code"], common["students"]) == ("missed-path", 2)
    assert common["message"] == chinese["message"]
    assert common["meaning"] == "求和时漏掉了一条路径（或一项贡献）"
    common = client.get(summary, headers=auth(teacher)).json()["questions"][3]["common"]
    assert (common["message"], common["meaning"]) == (
        english["message"],
        CODE_MEANINGS["missed-path"],
    )

    # The trainer's reveal has words: said in the student's language, with the same numbers.
    code, _ = server.start(items=[{**WORKED, "mode": "trainer"}])
    cy = server.join(code, "Cy")
    reveal = {"question": 0, "node": "x", "reveal": True, "key": "r1"}
    answers = f"/api/classes/{code}/answers"
    shown = client.post(answers, json=reveal, headers={**ZH, **auth(cy)}).json()
    shown_en = client.post(answers, json={**reveal, "key": "r2"}, headers=auth(cy)).json()
    assert shown_en["message"] == "∂z/∂x for z = x·y is y = 5"
    assert shown["message"] == "对 z = x·y，∂z/∂x 是 y = 5"
    assert shown["answer"] == shown_en["answer"] == 5.0
    assert not leftover_english(shown["message"]), leftover_english(shown["message"])


# --- the pages ------------------------------------------------------------------


class Said(HTMLParser):
    """The words a person reads in a piece of HTML: its text and its labels."""

    def __init__(self):
        super().__init__()
        self.words: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        self.words += [v for k, v in attrs if k in ("aria-label", "title", "placeholder") and v]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.words.append(data)


def said(fragment: str) -> str:
    parser = Said()
    parser.feed(fragment)
    return "\n".join(parser.words)


def class_words(page: str) -> dict:
    found = re.search(
        r'<script type="application/json" id="class-words">(.*?)</script>', page, re.S
    )
    return json.loads(found.group(1))


def class_part(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


# Names, not words: the example join code, the teacher link's path, the files' formats.
NAMES = {"K7X", "M2Q", "teach", "token", "CSV", "JSON", "Lines"}


@pytest.mark.parametrize("role", ["student", "teacher"])
def test_the_class_pages_speak_chinese(role):
    data = lesson_data(Value(0.0, label="z"))
    make = student_page if role == "student" else teacher_page
    page = make(data, lang="zh")
    assert '<html lang="zh-CN">' in page
    assert '<html lang="en">' in make(data)
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert title == html.escape(words("zh")[f"{role}_title"].replace("{code}", "@@CODE@@"))
    assert CJK.search(title)
    # What the class adds to the lesson page: its section's words and its script's.
    section = class_part(page, '<section id="class"', "</section>\n")
    text = said(section)
    assert CJK.search(text)
    assert not leftover_english(text), leftover_english(text)
    sentences = class_words(page)
    assert sentences == words("zh")
    for key, sentence in sentences.items():
        assert not leftover_english(sentence, NAMES), (key, sentence)
    # Each placeholder the script fills is still there, in Chinese too.
    for key, english in WORDS.items():
        assert sorted(re.findall(r"\{\w+\}", english)) == sorted(
            re.findall(r"\{\w+\}", sentences[key])
        ), key


def test_the_join_page_speaks_chinese():
    from autograd import serve

    data = lesson_data(Value(0.0, label="z"), lang="zh")
    page = serve._add_controls(data, "zh")
    entry = class_part(page, '<div id="class-entry">', '<section id="serve"')
    text = said(entry)
    assert "加入课堂" in text and "开始上课" in text
    assert not leftover_english(text, NAMES), leftover_english(text, NAMES)
    assert class_words(page)["join_no_code"] == tr("zh", WORDS["join_no_code"])


def test_mistake_codes_have_names_in_every_language():
    for lang in ("en", "zh"):
        said_words = words(lang)
        for code, meaning in CODE_MEANINGS.items():
            assert said_words[f"mistake:{code}"] == tr(lang, meaning)
    assert words("zh")["mistake:sign"] == "符号错了"


def test_the_server_serves_the_class_pages_in_the_requests_language(server):
    client = server.client
    code, _ = server.start()
    for path, role in ((f"/class/{code}", "student"), (f"/teach/{code}", "teacher")):
        chinese, english = client.get(path, headers=ZH), client.get(path)
        assert chinese.status_code == english.status_code == 200
        assert '<html lang="zh-CN">' in chinese.text and '<html lang="en">' in english.text
        assert "Accept-Language" in chinese.headers["vary"]
        assert class_words(chinese.text) == words("zh")
        assert class_words(english.text) == words("en")
        title = re.search(r"<title>(.*?)</title>", chinese.text).group(1)
        assert title == html.escape(words("zh")[f"{role}_title"].format(code=code))
        text = said(class_part(chinese.text, '<section id="class"', "</section>\n"))
        assert CJK.search(text)
        assert not leftover_english(text, NAMES | {code}), leftover_english(text, NAMES | {code})
        english_text = said(class_part(english.text, '<section id="class"', "</section>\n"))
        assert not CJK.search(english_text), english_text
    # The lesson page's join and start boxes, in the page's language.
    chinese, english = client.get("/", headers=ZH), client.get("/")
    assert '<html lang="zh-CN">' in chinese.text and '<html lang="en">' in english.text
    entry = said(class_part(chinese.text, '<div id="class-entry">', '<section id="serve"'))
    assert "加入课堂" in entry and "开始上课" in entry
    assert not leftover_english(entry, NAMES), leftover_english(entry, NAMES)
    assert class_words(chinese.text)["join_no_code"] == tr("zh", WORDS["join_no_code"])
    entry = said(class_part(english.text, '<div id="class-entry">', '<section id="serve"'))
    assert "Join a class" in entry and not CJK.search(entry)
    assert class_words(english.text)["join_no_code"] == WORDS["join_no_code"]
