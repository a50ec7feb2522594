"""The lesson page's practice mode in a real browser (Chromium, via Playwright).

The page asks for each gradient at the step that completes it; every verdict
it gives is a message from practice_data, which is what the terminal's
practice prints too.
"""

import io

import pytest

from autograd import explain, lesson
from autograd.practice import practice_data

pytest.importorskip(
    "pytest_playwright", reason="Playwright is not installed (pip install -e '.[dev]')"
)
# After the skip: without Playwright, skip the module. pytestmark skips without
# Chromium or Graphviz, as for the other page tests.
from conftest import NEEDS_BROWSER
from playwright.sync_api import expect
from test_lesson_page import Opened, sentences
from worked import worked_output

pytestmark = NEEDS_BROWSER

PRACTICE = {node["node"]: node for node in practice_data(explain(worked_output()))["nodes"]}


def message(node: str, value: float) -> str:
    """practice_data's message for a slip of ``node`` that gives ``value``."""
    return next(m["message"] for m in PRACTICE[node]["mistakes"] if m["value"] == value)


@pytest.fixture
def practising(page, tmp_path):
    """The worked example, saved in practice mode."""
    root = worked_output()
    path = lesson(root, title="The worked example", practice=True).save(tmp_path / "p.html")
    opened = Opened(page, path)
    yield opened
    opened.check_clean()


def field(opened, node: str):
    return opened.page.get_by_role("textbox", name=f"Your value for dz/d{node}", exact=True)


def answer(opened, node: str, text: str):
    box = field(opened, node)
    expect(box).to_be_focused()  # each question takes the focus: no mouse needed
    box.fill(text)
    opened.page.keyboard.press("Enter")


def alert(opened):
    return opened.page.get_by_role("alert")


def test_the_worked_example_answered_step_by_step(practising):
    page = practising.page
    expect(page.get_by_role("button", name="Practice mode")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert practising.grad_of("z") == "grad 1"
    assert [practising.grad_of(n) for n in "xywb"] == ["grad ?"] * 4
    expect(page.locator("#practice-form")).to_be_hidden()  # nothing is due before step 1

    page.keyboard.press("ArrowRight")  # z's step completes x and y
    expect(page.locator("label[for=answer]")).to_have_text("dz/dx =")
    next_button = page.get_by_role("button", name="Next step", exact=True)
    expect(next_button).to_have_attribute("aria-disabled", "true")  # not past an open question
    assert "x receives" not in practising.status()  # the answer is held back
    answer(practising, "x", "10")
    expect(alert(practising)).to_have_text(message("x", 10.0))  # the forward value
    assert practising.grad_of("x") == "grad ?"
    answer(practising, "x", "5")
    expect(alert(practising)).to_have_text("dz/dx = 5: right")
    assert practising.grad_of("x") == "grad 5"
    answer(practising, "y", "10")
    expect(alert(practising)).to_have_text("dz/dy = 10: right")
    assert practising.status() == sentences()[1]  # all answered: the whole step shows
    expect(next_button).to_be_focused()  # the teacher moves on with Enter
    expect(next_button).to_have_attribute("aria-disabled", "false")

    page.keyboard.press("Enter")  # x's step: b's first contribution, held back
    expect(page.locator("#practice-form")).to_be_hidden()
    assert "b receives" not in practising.status()
    assert "v1 receives 1 × 5 = 5" in practising.status()
    expect(page.locator('[data-edge="x->b#1"] .flow')).to_be_hidden()
    expect(page.locator('[data-edge="x->v1#0"] .flow')).to_be_visible()

    page.keyboard.press("ArrowRight")  # v1's step completes w
    expect(field(practising, "w")).to_be_focused()
    page.get_by_role("button", name="Show answer").click()
    expect(alert(practising)).to_have_text(PRACTICE["w"]["explanation"])
    assert practising.grad_of("w") == "grad 10"

    page.keyboard.press("ArrowRight")  # y's step completes b
    answer(practising, "b", "five")
    expect(alert(practising)).to_have_text(
        "That is not a number: type one such as 2.5 or -0.25, or press Show answer."
    )
    expect(field(practising, "b")).to_be_focused()  # asked again
    answer(practising, "b", "5")
    expect(alert(practising)).to_have_text(
        "dz/db: you have 5, which is the path through x only; b also reaches z through y (10)"
    )
    assert message("b", 5.0) == alert(practising).text_content()
    assert practising.grad_of("b") == "grad ?"
    answer(practising, "b", "15")
    expect(alert(practising)).to_have_text("dz/db = 15: right")
    assert practising.grad_of("b") == "grad 5 + 10 = 15"
    assert practising.status() == sentences()[4]
    expect(page.locator("#practice-form")).to_be_hidden()
    page.keyboard.press("Home")  # answered stays answered
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert practising.status() == sentences()[2]


def test_the_toggle_hides_and_shows_the_gradients_at_any_time(page, tmp_path):
    path = lesson(worked_output()).save(tmp_path / "lesson.html")  # saved without practice
    opened = Opened(page, path)
    toggle = page.get_by_role("button", name="Practice mode")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("End")
    assert opened.grad_of("b") == "grad 5 + 10 = 15"
    toggle.focus()
    page.keyboard.press("Enter")  # keyboard only
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert [opened.grad_of(n) for n in "zxywb"] == ["grad 1"] + ["grad ?"] * 4
    expect(field(opened, "x")).to_be_focused()  # the first gradient not answered yet
    # The page went back to the step of that question; only what is earned shows.
    expect(page.locator("#slider")).to_have_value("1")
    assert opened.status() == "z = x·y   (upstream dz/dz = 1)"
    page.locator('[data-node="b"]').click()
    details = page.get_by_role("region", name="Node details")
    expect(page.locator("#details-gradient")).to_have_text("dz/db = ?")
    expect(details).not_to_contain_text("5·1 + 10·1")

    toggle.click()  # off: everything shows again, as on a page without practice
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#practice-form")).to_be_hidden()
    assert [opened.grad_of(n) for n in "zxywb"] == [
        "grad 1",
        "grad 5",
        "grad 10",
        "grad ?",
        "grad ?",
    ]
    page.keyboard.press("End")
    assert [opened.grad_of(n) for n in "zxywb"] == [
        "grad 1", "grad 5", "grad 10", "grad 10", "grad 5 + 10 = 15"
    ]  # fmt: skip
    assert opened.status() == sentences()[-1]
    expect(details).to_contain_text("5·1 + 10·1 = 15")
    expect(page.locator("#feedback")).to_be_empty()
    opened.check_clean()


def test_a_screenshot_of_practice_mode_is_not_blank(practising, tmp_path):
    image_module = pytest.importorskip("PIL.Image")
    page = practising.page
    page.get_by_role("button", name="Presenter mode").click()
    page.keyboard.press("End")
    answer(practising, "x", "1")  # a wrong answer, so the verdict shows too
    shot = page.screenshot(full_page=True)
    (tmp_path / "practice.png").write_bytes(shot)
    image = image_module.open(io.BytesIO(shot)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50
    white = max(count for count, colour in colours if colour == (255, 255, 255))
    assert white < 0.95 * image.width * image.height
    assert "dz/dx: you have 1" in alert(practising).text_content()
