"""A live class in Chromium: the start page, the students' pages and the teacher's.

A real server (a thread, on its own class database, started and stopped by
its handle) and one Chromium: a teacher's page and students' pages, each in a
browser context of its own (its own localStorage, as on its own laptop).
What the pages show is compared with what Python says: practice's verdicts
and messages, the database's answers, the words of ``autograd.classpages``.
"""

import csv
import io
import json
from typing import ClassVar

import pytest
from conftest import NEEDS_BROWSER
from worked import worked_output

pytest.importorskip(
    "starlette", reason="the serve extra is not installed (pip install -e '.[dev]')"
)
pytest.importorskip(
    "pytest_playwright", reason="Playwright is not installed (pip install -e '.[dev]')"
)
from playwright.sync_api import expect  # after the skips: without Playwright, skip the module
from test_serve import WORKED, Running

from autograd import explain
from autograd.classes import ClassDB
from autograd.classpages import WORDS
from autograd.practice import questions
from autograd.serve import create_app

pytestmark = NEEDS_BROWSER

ASKED = questions(explain(worked_output()), "practice")  # dz/dx, dz/dy, dz/dw, dz/db
TRAINER = questions(explain(worked_output()), "trainer")
LAPTOP, PHONE, PROJECTOR = (1280, 800), (390, 844), (1024, 768)


def fill(key, **values):
    return WORDS[key].format(**values)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = ClassDB(tmp_path_factory.mktemp("classes") / "classes.db")
    running = Running(create_app(classes=db, max_concurrent=2))
    running.db = db
    yield running
    running.stop()
    db.close()


def start(server, body=None):
    """A new class, as a teacher's loopback client starts it: (code, teacher link, token)."""
    response = server.client.post("/api/classes", json=body or {**WORKED, "mode": "practice"})
    assert response.status_code == 201, response.text
    reply = response.json()
    return reply["code"], reply["teacher_url"], reply["teacher_token"]


def api(server, token, path, **params):
    response = server.client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response


@pytest.fixture(autouse=True)
def close_tabs():
    """Each test's pages closed after it: their event streams would hold the
    server's connections, and their scripts the machine, for the next test."""
    yield
    while Tab.opened:
        Tab.opened.pop().context.close()


class Tab:
    """A page in a browser context of its own, with what went wrong while it ran:
    console errors, uncaught errors, dialog boxes, and requests to any other server."""

    opened: ClassVar[list] = []  # the current test's, closed by close_tabs

    def __init__(self, browser, server, path, size=LAPTOP):
        self.server = server
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        Tab.opened.append(self)
        self.page = self.context.new_page()
        self.errors, self.dialogs, self.elsewhere = [], [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.on(
            "request",
            lambda r: (
                None if r.url.startswith((server.url, "blob:")) else self.elsewhere.append(r.url)
            ),
        )
        self.page.goto(server.url + path)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check_clean(self, *expected):
        """No error but Chromium's line for each failure expected: a status the
        page explains (409), or a network error (net::ERR_FAILED)."""
        status = "the server responded with a status of "
        expected = [
            f"Failed to load resource: {'' if isinstance(e, str) else status}{e}" for e in expected
        ]
        assert [e for e in self.errors if not e.startswith(tuple(expected))] == []
        assert self.dialogs == [] and self.elsewhere == []


def joined(browser, server, code, name, size=LAPTOP):
    """A student who joined on the start page's form, now on the class's page."""
    tab = Tab(browser, server, f"/?code={code}", size)
    page = tab.page
    expect(page.get_by_label(WORDS["join_code"])).to_have_value(code)
    page.get_by_label(WORDS["join_name"]).fill(name)
    page.get_by_role("button", name=WORDS["join_button"], exact=True).click()
    page.wait_for_url(f"**/class/{code}")
    expect(page.locator("#class-heading")).to_have_text(
        fill("student_heading", name=name, code=code)
    )
    return tab


def teaching(browser, server, link, size=LAPTOP):
    tab = Tab(browser, server, link, size)
    expect(tab.page.locator("#students-count")).to_be_visible()
    return tab


def step_of(page) -> int:
    return int(page.locator("#slider").input_value())


def answer(page, value):
    field = page.locator("#answer")
    field.fill(str(value))
    with page.expect_response("**/answers") as sent:
        field.press("Enter")
    assert sent.value.status == 200, sent.value.text()


def cell(teacher, name, question):
    """The dashboard's cell of student ``name`` and question number ``question``."""
    row = teacher.locator("#grid-rows tr").filter(has=teacher.locator("th", has_text=name))
    return row.locator("td").nth(question)


def test_a_class_in_one_chromium(browser, server, tmp_path):
    """Join, follow the teacher's step, answer (one right, one wrong), and the
    dashboard has both within a second, with practice's mistake code and its
    diagnosis; the export has both rows."""
    code, link, _token = start(server)
    teacher_tab = teaching(browser, server, link)
    teacher = teacher_tab.page
    # The token left the address bar (and never reached the server: it was the fragment).
    assert "token" not in teacher.url and teacher.url.endswith(f"/teach/{code}")
    expect(teacher.locator("#join-code")).to_have_text(f"{code[:3]} {code[3:]}")

    tabs = [joined(browser, server, code, name) for name in ("Ann", "Bob", "Cem")]
    ann, bob, cem = (tab.page for tab in tabs)
    expect(teacher.locator("#students-count")).to_have_text(fill("students_count", count=3))
    expect(teacher.locator("#grid-rows tr")).to_have_count(3)
    for student in (ann, bob, cem):
        expect(student.locator("#presenter")).to_be_hidden()  # the projector is the teacher's
        expect(student.locator("#slider")).to_have_value("0")
        expect(student.locator("#class-pace")).to_have_text(fill("following", step=0, last=4))
    # At the teacher's step, Next goes nowhere, and says so (it keeps the focus).
    expect(ann.locator("#next")).to_have_attribute("aria-disabled", "true")
    assert ann.locator("#next").evaluate("button => button.disabled") is False

    # The teacher steps: every page follows, and asks the step's question.
    teacher.get_by_role("button", name=WORDS["step_next"], exact=True).click()
    for student in (ann, bob, cem):
        expect(student.locator("#slider")).to_have_value("1")
        expect(student.get_by_role("textbox", name=ASKED[0].label(), exact=True)).to_be_focused()

    # Within a second of each answer (from the server's reply: it is stored)
    # the teacher's dashboard has it.
    expect(ann.locator("#previous")).to_have_attribute("aria-disabled", "false")
    answer(ann, 5)
    expect(cell(teacher, "Ann", 0)).to_contain_text("✓", timeout=1000)
    answer(bob, -5)
    expect(cell(teacher, "Bob", 0)).to_contain_text("✗ sign", timeout=1000)
    right, sign = ASKED[0].judge(5), ASKED[0].judge(-5)
    assert (right.correct, sign.mistake) == (True, "sign")
    expect(ann.get_by_role("alert").filter(has_text=right.message)).to_be_visible()
    expect(bob.locator("#feedback")).to_have_text(sign.message)
    expect(cell(teacher, "Ann", 0).locator(".sr")).to_have_text(WORDS["mark_right"])
    expect(cell(teacher, "Cem", 0)).to_contain_text("·")
    mistakes = teacher.locator("#mistakes-rows tr").first
    # The mistake code named by what it means (practice's CODE_MEANINGS), in the page's language.
    expect(mistakes.get_by_role("button", name="the wrong sign (1)")).to_be_visible()
    expect(mistakes.locator("td").last).to_have_text(f"the wrong sign: {sign.message}")
    distribution = teacher.locator("#distribution-rows tr")
    expect(distribution).to_have_count(2)

    # The next step: Ann answers dz/dy too and goes on with the teacher; Bob's
    # question is still open, so his page stays at it.
    answer(ann, 10)
    teacher.get_by_role("button", name=WORDS["step_next"], exact=True).click()
    expect(teacher.locator("#pace-state")).to_have_text(fill("pace_following", item=1, step=2))
    expect(ann.locator("#slider")).to_have_value("2")
    expect(bob.locator("#slider")).to_have_value("1")

    # A student's answers, and the answers with one mistake code.
    teacher.locator("#grid-rows").get_by_role("button", name="Bob").click()
    listed = teacher.locator("#answer-list-rows tr")
    expect(teacher.locator("#answer-list-heading")).to_have_text(
        fill("answers_of_student", name="Bob")
    )
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text(sign.message)
    mistakes.get_by_role("button", name="the wrong sign (1)").click()
    expect(listed).to_have_count(1)
    expect(listed.first.locator("td").nth(1)).to_have_text("Bob")

    # Export: both answers of question 0 (and Ann's second), as the database has them.
    with teacher.expect_download() as downloading:
        teacher.get_by_role("button", name=WORDS["export_csv"]).click()
    rows = list(csv.DictReader(io.StringIO(downloading.value.path().read_text())))
    assert [
        (r["student"], r["question"], r["answer"], r["correct"], r["mistake"]) for r in rows
    ] == [
        ("Ann", "0", "5.0", "true", ""),
        ("Bob", "0", "-5.0", "false", "sign"),
        ("Ann", "1", "10.0", "true", ""),
    ]
    with teacher.expect_download() as downloading:
        teacher.get_by_role("button", name=WORDS["export_jsonl"]).click()
    lines = [json.loads(line) for line in downloading.value.path().read_text().splitlines()]
    assert [(line["student"], line["mistake"]) for line in lines] == [
        ("Ann", None),
        ("Bob", "sign"),
        ("Ann", None),
    ]
    for tab in (teacher_tab, *tabs):
        tab.check_clean()


def test_pause_locks_the_page_and_a_reload_rejoins(browser, server):
    code, link, _token = start(server)
    teacher = teaching(browser, server, link).page
    tab = joined(browser, server, code, "Ann", PHONE)
    ann = tab.page
    teacher.get_by_role("button", name=WORDS["step_next"], exact=True).click()
    expect(ann.locator("#slider")).to_have_value("1")
    answer(ann, 5)

    pause = teacher.get_by_role("button", name=WORDS["pause_button"])
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    banner = ann.locator("#class-paused")
    expect(banner).to_have_text(WORDS["paused"])
    expect(banner).to_be_in_viewport()  # wherever the page is scrolled
    for locked in ("#answer", "#check", "#reveal", "#next", "#previous", "#slider"):
        expect(ann.locator(locked)).to_be_disabled()
    ann.locator("body").press("Home")  # the keys do not move it either
    expect(ann.locator("#slider")).to_have_value("1")
    pause.click()
    expect(banner).to_be_hidden()
    expect(ann.locator("#answer")).to_be_enabled()

    # A reload: the same student (no second row on the dashboard), their answer
    # kept, the page asks the next question.
    ann.reload()
    expect(ann.locator("#class-heading")).to_have_text(
        fill("student_heading", name="Ann", code=code)
    )
    expect(ann.get_by_role("textbox", name=ASKED[1].label(), exact=True)).to_be_visible()
    expect(ann.locator('[data-node="x"] [data-grad]').first).to_have_text("grad 5")
    ann.locator("#my-answers summary").click()
    expect(ann.locator("#my-answers-rows tr")).to_have_count(1)
    expect(ann.locator("#my-answers-rows td").first).to_have_text("dz/dx")
    expect(teacher.locator("#grid-rows tr")).to_have_count(1)
    tab.check_clean()


def test_an_answer_is_never_counted_twice(browser, server):
    """Sent while offline, it is kept and sent again when the network is back;
    sent when the server stored it but its reply was lost, it is sent again
    with the same key: either way the class has it once."""
    code, link, token = start(server)
    teacher = teaching(browser, server, link).page
    tab = joined(browser, server, code, "Ann")
    ann = tab.page
    teacher.get_by_role("button", name=WORDS["step_next"], exact=True).click()
    expect(ann.get_by_role("textbox", name=ASKED[0].label(), exact=True)).to_be_visible()

    tab.context.set_offline(True)
    ann.locator("#answer").fill("5")
    ann.locator("#answer").press("Enter")
    expect(ann.locator("#feedback")).to_have_text(WORDS["kept_offline"])
    keys = json.loads(ann.evaluate(f"localStorage.getItem('autograd-class-{code}-outbox')"))
    assert [(k["question"], k["value"]) for k in keys] == [(0, 5)]
    tab.context.set_offline(False)
    expect(ann.locator("#feedback")).to_have_text(ASKED[0].judge(5).message, timeout=15000)
    assert ann.evaluate(f"localStorage.getItem('autograd-class-{code}-outbox')") == "[]"

    # The server stores the next answer, but its reply never reaches the page.
    replies = []

    def lose_reply(route):
        replies.append(route.fetch())  # the server has it
        route.abort() if len(replies) == 1 else route.fulfill(response=replies[-1])

    ann.route("**/api/classes/*/answers", lose_reply)
    ann.locator("#answer").fill("10")
    ann.locator("#answer").press("Enter")
    expect(ann.locator("#feedback")).to_have_text(ASKED[1].judge(10).message, timeout=15000)
    assert len(replies) == 2 and replies[1].json()["replayed"] is True
    stored = api(server, token, f"/api/classes/{code}/answers").json()["answers"]
    assert [(a["question"], a["answer"]) for a in stored] == [(0, 5.0), (1, 10.0)]
    expect(cell(teacher, "Ann", 1)).to_contain_text("✓")
    tab.check_clean("net::ERR_INTERNET_DISCONNECTED", "net::ERR_FAILED")


def test_a_nickname_is_text_everywhere(browser, server):
    """Markup in a nickname is shown as written: no element, no script, no dialog."""
    code, link, _token = start(server)
    teacher_tab = teaching(browser, server, link)
    teacher = teacher_tab.page
    names = ["<svg onload=alert(1)>", "<img src=x onerror=f()>"]
    tabs = [joined(browser, server, code, name) for name in names]
    rows = teacher.locator("#grid-rows th")
    expect(rows).to_have_text(names)
    assert teacher.locator("#grid-rows img, #grid-rows svg, #class img").count() == 0
    rows.first.get_by_role("button").click()
    expect(teacher.locator("#answer-list-heading")).to_have_text(
        fill("answers_of_student", name=names[0])
    )

    # The issue's own nickname is 28 characters, over the 24 a nickname may
    # have: the join form says so, as text.
    tab = Tab(browser, server, f"/?code={code}")
    tab.page.get_by_label(WORDS["join_name"]).fill("<img src=x onerror=alert(1)>")
    tab.page.get_by_role("button", name=WORDS["join_button"], exact=True).click()
    expect(tab.page.locator("#join-message")).to_have_text(
        "a nickname is at most 24 characters, got 28"
    )
    assert tab.page.locator("#class-entry img").count() == 0
    tab.check_clean(400)
    for each in (teacher_tab, *tabs):
        each.check_clean()


def test_joining_says_what_went_wrong(browser, server):
    code, _link, token = start(server)
    tab = Tab(browser, server, "/")
    page = tab.page
    message = page.locator("#join-message")
    join = page.get_by_role("button", name=WORDS["join_button"], exact=True)
    page.get_by_label(WORDS["join_name"]).fill("Ann")
    join.click()
    expect(message).to_have_text(WORDS["join_no_code"])  # nothing sent
    for typed, error in [
        ("ZZZ-ZZZ", "no class has the code 'ZZZZZZ': check it with your teacher"),  # 404
        ("zz", "no class has the code 'ZZ': check it with your teacher"),
    ]:
        page.get_by_label(WORDS["join_code"]).fill(typed)
        join.click()
        expect(message).to_have_text(error)
        expect(page.get_by_label(WORDS["join_code"])).to_be_focused()
    server.client.post(f"/api/classes/{code}/students", json={"name": "ann"})
    page.get_by_label(WORDS["join_code"]).fill(code.lower())
    join.click()  # 409: Ann and ann are one name
    expect(message).to_have_text(f"the nickname 'Ann' is taken in class {code}: choose another")
    page.get_by_label(WORDS["join_name"]).fill("Zoë\u202e")  # 400: a right-to-left override
    join.click()
    expect(message).to_contain_text("a nickname cannot hold the character U+202E")
    api(server, token, f"/api/classes/{code}/summary")
    server.client.post(
        f"/api/classes/{code}/end", headers={"Authorization": f"Bearer {token}"}
    ).raise_for_status()
    page.get_by_label(WORDS["join_name"]).fill("Bea")
    join.click()  # 410
    expect(message).to_have_text(f"class {code} has ended: it takes no new students")
    tab.check_clean(400, 404, 409, 410)


def test_a_class_started_from_the_lesson_box(browser, server):
    """Start: the join code large and the teacher link once; the list of items
    (the worked example in practice, an exercise in the trainer); the students
    follow the teacher from one item to the next, and go free."""
    tab = Tab(browser, server, "/")
    page = tab.page
    page.get_by_role("button", name=WORDS["start_add"]).click()  # the worked example, practice
    page.get_by_label(WORDS["start_mode"]).select_option("trainer")
    with page.expect_response("**/api/lesson"):
        page.get_by_role("button", name="New exercise").click()
    page.get_by_role("button", name=WORDS["start_add"]).click()
    listed = page.locator("#class-list li")
    expect(listed).to_have_count(2)
    expect(listed.first).to_contain_text("x = 2*w + b; y = b + 1; z = x*y, at w = 3, b = 4")
    expect(listed.nth(1)).to_contain_text("Exercise: level 2, seed")
    with page.expect_response("**/api/classes") as started:
        page.get_by_role("button", name=WORDS["start_list_button"]).click()
    reply = started.value.json()
    code = reply["code"]
    expect(page.locator("#started-code")).to_have_text(f"{code[:3]} {code[3:]}")
    assert (
        page.locator("#started-code").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        >= 48
    )
    link = page.get_by_label(WORDS["teacher_link"])
    expect(link).to_have_value(server.url + reply["teacher_url"])
    expect(page.locator("#started-loopback")).to_be_visible()  # 127.0.0.1 is this computer only
    page.get_by_role("button", name=WORDS["copy"]).click()
    expect(page.locator("#copy-message")).to_have_text(WORDS["copied"])
    items = server.db.details(server.db.teacher(code, reply["teacher_token"])).items
    assert [("level" in item, item["mode"]) for item in items] == [
        (False, "practice"),
        (True, "trainer"),
    ]

    # The teacher's page, from the link; a second visit to / shows no link.
    page.get_by_role("link", name=WORDS["open_teacher"]).click()
    page.wait_for_url(f"**/teach/{code}")
    expect(page.locator("#students-count")).to_have_text(WORDS["no_students"])
    page.reload()  # the token is kept in this tab
    expect(page.locator("#grid-head th")).to_have_count(
        1 + len(ASKED) + _trainer_questions(server, code, reply)
    )
    ann = joined(browser, server, code, "Ann").page
    page.get_by_label(WORDS["item"]).select_option("1")
    expect(ann.locator("#item-position")).to_have_text(fill("item_position", item=2, items=2))
    lesson = api(server, reply["teacher_token"], f"/api/classes/{code}/items/1/lesson").json()
    expect(ann.locator("h1")).to_have_text(lesson["title"])
    expect(page.locator("h1")).to_have_text(lesson["title"])
    page.get_by_role("button", name=WORDS["step_next"], exact=True).click()
    expect(ann.locator("#answer-label")).to_have_text(_first_trainer_prompt(server, code, reply))
    expect(ann.get_by_role("button", name=WORDS["item_previous"])).to_be_disabled()

    page.get_by_role("button", name=WORDS["free_button"]).click()
    expect(ann.locator("#class-pace")).to_have_text(WORDS["free"])
    ann.get_by_role("button", name=WORDS["item_previous"]).click()
    expect(ann.locator("#item-position")).to_have_text(fill("item_position", item=1, items=2))
    ann.get_by_role("button", name="Last step", exact=True).click()  # as far as its question
    expect(ann.locator("#slider")).to_have_value(str(ASKED[0].step))
    tab.check_clean()


def _class_items(server, code, reply):
    return api(server, reply["teacher_token"], f"/api/classes/{code}").json()["items"]


def _trainer_questions(server, code, reply):
    return len(_class_items(server, code, reply)[1]["questions"])


def _first_trainer_prompt(server, code, reply):
    question = _class_items(server, code, reply)[1]["questions"][0]
    return f"{question['symbol']} ="


def test_ending_and_deleting_a_class(browser, server):
    code, link, token = start(server)
    teacher_tab = teaching(browser, server, link)
    teacher = teacher_tab.page
    student = joined(browser, server, code, "Ann")
    ann = student.page

    teacher.get_by_role("button", name=WORDS["end_class"]).click()
    expect(teacher.locator("#confirm-text")).to_have_text(WORDS["end_confirm"])
    teacher.get_by_role("button", name=WORDS["cancel"]).click()
    expect(teacher.locator("#confirm")).to_be_hidden()
    teacher.get_by_role("button", name=WORDS["end_class"]).click()
    teacher.get_by_role("button", name=WORDS["end_yes"]).click()
    expect(teacher.locator("#pace-state")).to_have_text(WORDS["teacher_ended"])
    expect(ann.locator("#class-message")).to_have_text(WORDS["ended"])
    expect(ann.locator("#answer")).to_be_disabled()

    # Delete asks twice.
    teacher.get_by_role("button", name=WORDS["delete_class"]).click()
    expect(teacher.locator("#confirm-text")).to_have_text(fill("delete_confirm", code=code))
    teacher.get_by_role("button", name=WORDS["delete_yes"], exact=True).click()
    expect(teacher.locator("#confirm-text")).to_have_text(WORDS["delete_again"])
    assert (
        server.client.get(
            f"/api/classes/{code}", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )
    teacher.get_by_role("button", name=WORDS["delete_really"]).click()
    expect(teacher.locator("#class-message")).to_have_text(fill("class_deleted", code=code))
    assert (
        server.client.get(
            f"/api/classes/{code}", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 404
    )
    ann.reload()
    expect(ann.locator("#class-message")).to_contain_text(WORDS["deleted"])
    teacher_tab.check_clean()
    student.check_clean(404)


def test_a_page_without_its_token_says_how_to_get_in(browser, server):
    code, _link, _token = start(server)
    student = Tab(browser, server, f"/class/{code}")
    expect(student.page.locator("#class-message")).to_contain_text(fill("not_joined", code=code))
    student.page.get_by_role("link", name=fill("join_again", code=code)).click()
    expect(student.page.get_by_label(WORDS["join_code"])).to_have_value(code)
    # The link without its #token; the code as someone typed it, shown as it is.
    teacher = Tab(browser, server, f"/teach/{code[:3].lower()}-{code[3:]}")
    expect(teacher.page.locator("#class-message")).to_have_text(fill("no_token", code=code))
    assert teacher.page.url == f"{server.url}/teach/{code}"
    for tab in (student, teacher):
        tab.check_clean()


# What a reader meets, at the sizes of a laptop, a phone and a projector.

READABLE_SIZES = """() => {
  const small = [];
  for (const element of document.querySelectorAll('button, select, input, summary, a')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || element.closest('[hidden]')) continue;
    if (box.width < 24 || box.height < 24) small.push(element.id || element.textContent);
  }
  const page = document.documentElement;
  return { overflow: page.scrollWidth - page.clientWidth, small };
}"""


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_axe_finds_no_violation(browser, server, tmp_path, size):
    """The join form, the student's page (a question, a verdict) and the teacher's
    dashboard (marks, counts, a distribution): no axe-core violation, no page
    overflow, no tap target under 24 px; screenshots to look at."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    code, link, _token = start(server)
    teacher_tab = teaching(browser, server, link, PROJECTOR if size == LAPTOP else size)
    teacher = teacher_tab.page
    tabs = [joined(browser, server, code, name, size) for name in ("Ann", "Bob")]
    teacher.get_by_role("button", name=WORDS["step_next"], exact=True).click()
    answer(tabs[0].page, 5)
    answer(tabs[1].page, 7)
    expect(cell(teacher, "Bob", 0)).to_contain_text("✗")
    join = Tab(browser, server, "/", size)
    for name, tab in (("join", join), ("student", tabs[1]), ("teacher", teacher_tab)):
        results = axe.run(tab.page)
        assert results.violations_count == 0, (name, results.generate_report())
        measured = tab.page.evaluate(READABLE_SIZES)
        assert measured == {"overflow": 0, "small": []}, name
        width = tab.page.viewport_size["width"]
        tab.page.screenshot(path=tmp_path / f"{name}-{width}.png")
        tab.page.screenshot(path=tmp_path / f"{name}-{width}-whole.png", full_page=True)
    for tab in (join, teacher_tab, *tabs):
        tab.check_clean()
