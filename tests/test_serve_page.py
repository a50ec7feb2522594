"""The served page in Chromium: type a program, set a value, step, see the numbers change.

The same browser set-up as the lesson page's tests (conftest.py): Debian's
Chromium driven by Playwright. The page runs under the server's
Content-Security-Policy; any violation would show as a console error.
"""

import pytest
from conftest import NEEDS_BROWSER

pytest.importorskip(
    "starlette", reason="the serve extra is not installed (pip install -e '.[dev]')"
)
pytest.importorskip(
    "pytest_playwright", reason="Playwright is not installed (pip install -e '.[dev]')"
)
from playwright.sync_api import expect  # after the skips: without Playwright, skip the module
from test_serve import running

pytestmark = NEEDS_BROWSER


@pytest.fixture(scope="module")
def server():
    server = running(max_concurrent=2)
    yield server
    server.stop()


@pytest.fixture
def opened(server, page):
    """The served page, with every console error and every request elsewhere recorded."""
    errors, elsewhere = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda r: None if r.url.startswith(server.url) else elsewhere.append(r.url))
    page.goto(server.url + "/")
    yield page
    # Chromium logs every 4xx as a console error; a 400 is the page's own error
    # message (shown to the reader), so only it is expected. A CSP violation
    # would be reported here too.
    expected = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    assert [e for e in errors if e != expected] == []
    assert elsewhere == []


def gradient(page, name):
    return page.locator(f'#graph [data-node="{name}"] [data-grad]').first


def test_the_page_steps_through_the_worked_example(opened):
    page = opened
    expect(gradient(page, "b")).to_have_text("grad ?")
    page.get_by_role("button", name="Last step").click()
    expect(gradient(page, "b")).to_have_text("grad 5 + 10 = 15")
    expect(page.get_by_label("w", exact=True)).to_have_value("3")
    expect(page.get_by_label("b", exact=True)).to_have_value("4")


def test_type_a_program_set_a_value_and_step(opened):
    page = opened
    page.locator("#program").fill("u = w*x; L = u*u + b")
    expect(page.get_by_label("x", exact=True)).to_be_visible()  # a field for the new input
    page.get_by_label("w", exact=True).fill("2")
    page.get_by_label("x", exact=True).fill("3")
    with page.expect_response("**/api/lesson") as answer:
        page.get_by_label("b", exact=True).fill("1")
    assert answer.value.status == 200
    expect(page.locator("h1")).to_have_text("Backpropagation through L = v1 + b = 36 + 1 = 37")

    status = page.get_by_role("status")
    page.locator("body").press("Home")  # the first step (First is aria-disabled if there)
    expect(page.locator("#slider")).to_have_value("0")
    seen = [status.text_content()]
    for _ in range(int(page.locator("#slider").get_attribute("max"))):
        page.get_by_role("button", name="Next step").click()
        seen.append(status.text_content())
    assert len(seen) == 4 and len(set(seen)) == 4  # start, then L, v1, u: each says something new
    # At the last step now: Next and Last go nowhere, and say so.
    expect(page.get_by_role("button", name="Last step")).to_have_attribute("aria-disabled", "true")
    expect(gradient(page, "w")).to_have_text("grad 36")  # dL/dw = 2u·x = 2·6·3

    # A new value: the same step, new numbers.
    with page.expect_response("**/api/lesson"):
        page.get_by_label("w", exact=True).fill("1")
    expect(gradient(page, "w")).to_have_text("grad 18")  # 2·3·3
    page.get_by_role("button", name="First step").click()
    expect(gradient(page, "w")).to_have_text("grad ?")


def test_a_mistake_in_the_program_is_shown_as_the_command_line_words_it(opened):
    page = opened
    with page.expect_response("**/api/lesson") as answer:
        page.locator("#program").fill("z = w.data")
    assert answer.value.status == 400
    expect(page.locator("#serve-message")).to_contain_text("attribute access is not allowed")
    expect(gradient(page, "b")).to_have_text("grad ?")  # the last good lesson stays


def test_practice_mode_through_the_server(opened):
    # The page's own Practice mode button; a changed value keeps it, and the
    # server's answer brings the diagnosis of each slip for the new numbers.
    page = opened
    page.get_by_role("button", name="Practice mode").click()
    with page.expect_response("**/api/lesson") as answer:
        page.get_by_label("w", exact=True).fill("2")
    data = answer.value.json()
    assert data["mode"] == "practice"
    by_node = {q["node"]: q for q in data["view"]["modes"]["practice"]}
    assert by_node["x"]["verdicts"][0]["value"] == 5.0  # dz/dx = y = b + 1
    sign = next(v for v in by_node["x"]["verdicts"] if v["code"] == "sign")

    page.get_by_role("button", name="Next step").click()
    field = page.get_by_role("textbox", name="Your value for dz/dx", exact=True)
    field.fill("-5")
    field.press("Enter")
    expect(page.get_by_role("alert")).to_have_text(sign["message"])
    field.fill("5")
    field.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("right")
    expect(gradient(page, "x")).to_have_text("grad 5")
    expect(gradient(page, "w")).to_have_text("grad ?")  # not answered yet


def test_a_new_exercise_comes_from_the_server(opened):
    page = opened
    page.get_by_role("button", name="Practice mode").click()
    page.get_by_role("button", name="Next step").click()
    page.get_by_role("textbox", name="Your value for dz/dx", exact=True).fill("5")
    page.keyboard.press("Enter")  # one question settled, the page at step 1
    expect(page.locator("#slider")).to_have_value("1")
    with page.expect_response("**/api/lesson") as answer:
        page.get_by_role("button", name="New exercise").click()
    assert answer.value.status == 200
    assert answer.value.json()["mode"] == "practice"
    expect(page.get_by_role("button", name="Practice mode")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#serve-message")).to_contain_text("Exercise: level 2")
    # A new exercise starts afresh, at the forward pass: nothing asked, nothing answered.
    expect(page.locator("#slider")).to_have_value("0")
    expect(page.get_by_role("status")).to_contain_text("The forward pass is done")
    expect(page.locator("#practice-form")).to_be_hidden()
    expect(page.locator("#feedback")).to_be_empty()
    # The exercise is random: its first question is at step 1, or later (after a
    # constant's step, say). Stepping there asks it.
    first = answer.value.json()["view"]["modes"]["practice"][0]
    for _ in range(first["step"]):
        page.get_by_role("button", name="Next step").click()
    expect(page.get_by_role("textbox", name=first["label"], exact=True)).to_be_focused()


def test_the_trainer_keeps_its_mode_when_a_value_changes(opened):
    page = opened
    trainer = page.get_by_role("button", name="Trainer mode")
    trainer.click()
    page.get_by_role("button", name="Next step").click()
    field = page.get_by_role("textbox", name="Your value for ∂z/∂x", exact=True)
    field.fill("5")
    field.press("Enter")
    expect(
        page.get_by_role("textbox", name="Your value for ∂z/∂x × dz/dz", exact=True)
    ).to_be_visible()
    with page.expect_response("**/api/lesson"):
        page.get_by_label("b", exact=True).fill("2")
    expect(trainer).to_have_attribute("aria-pressed", "true")
    # New numbers: the questions start afresh, at the same step.
    expect(page.locator("#slider")).to_have_value("1")
    field.fill("3")  # ∂z/∂x = y = b + 1
    field.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("∂z/∂x = 3: right")


def test_practice_ends_with_the_score_card(opened):
    page = opened
    page.get_by_role("button", name="Practice mode").click()
    answers = {"dz/dx": "5", "dz/dy": "10", "dz/dw": "10", "dz/db": "15"}
    for symbol, value in answers.items():
        field = page.get_by_role("textbox", name=f"Your value for {symbol}", exact=True)
        if not field.is_visible():
            page.get_by_role("button", name="Last step").click()  # as far as the question asked
        field.fill(value)
        field.press("Enter")
    card = page.get_by_role("region", name="Score card")
    expect(card).to_contain_text("Score: 4 of 4 right at the first try")
