"""The page follows the step, in Chromium: no spoilers in any mode, the step
panel, practice that keeps its place, the chain-rule trainer, and axe-core.

What the page shows is compared with what Python wrote (explain's texts,
practice's questions and score card): the page is only a view of them.
"""

import io

import pytest
from conftest import NEEDS_BROWSER
from worked import worked_output

from autograd import explain, lesson
from autograd.explain.text import (
    frame_title,
    gradient_so_far,
    local_text,
    product_text,
    upstream_text,
)
from autograd.practice import questions, score_card

pytest.importorskip(
    "pytest_playwright", reason="Playwright is not installed (pip install -e '.[dev]')"
)
from playwright.sync_api import expect  # after the skip: without Playwright, skip the module
from test_lesson_page import Opened

pytestmark = NEEDS_BROWSER

EXPLANATION = explain(worked_output())
QUESTIONS = {mode: questions(EXPLANATION, mode) for mode in ("practice", "trainer")}
LAST = len(EXPLANATION.backward)

# Everything a reader or a screen reader can meet: the rendered text, the SVG
# text that is not hidden, accessible names, tooltips (SVG <title>s too) and
# the slider's value text.
READABLE = """() => [
  document.body.innerText,
  ...[...document.querySelectorAll("svg text")]
    .filter((t) => getComputedStyle(t).visibility === "visible" && !t.closest("[hidden]"))
    .map((t) => t.textContent),
  ...[...document.querySelectorAll("[aria-label]")].map((e) => e.getAttribute("aria-label")),
  ...[...document.querySelectorAll("title, [title]")]
    .map((e) => e.getAttribute("title") ?? e.textContent),
  ...[...document.querySelectorAll("[aria-valuetext]")]
    .map((e) => e.getAttribute("aria-valuetext")),
].join("\\n")"""


def opened_in(page, tmp_path, mode="lesson", size=(1280, 800)):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    path = lesson(worked_output(), title="The worked example", mode=mode).save(
        tmp_path / f"{mode}.html"
    )
    return Opened(page, path)


def step_now(page) -> int:
    return int(page.locator("#slider").input_value())


def answer_right(page, mode):
    """Answer the question the page asks, rightly (the number from Python)."""
    question = asked(page, mode)
    field = page.get_by_role("textbox", name=question.label(), exact=True)
    field.fill(repr(question.diagnosis.gradient))
    field.press("Enter")


def asked(page, mode):
    """The question the page's form asks now, by its accessible name and step."""
    label = page.locator("#answer").get_attribute("aria-label")
    step = step_now(page)
    return next(q for q in QUESTIONS[mode] if q.label() == label and q.step == step)


def answer_every_question_here(page, mode):
    while page.locator("#practice-form").is_visible():
        answer_right(page, mode)


@pytest.mark.parametrize("mode", ["lesson", "practice", "trainer"])
def test_no_spoiler_at_any_step_before_the_last(page, tmp_path, mode):
    """Click every node, hover every edge: b's final gradient (15) is nowhere to
    read before the last step, in any mode, before or after the step's
    questions are answered; at the last step it is there once earned."""
    opened = opened_in(page, tmp_path, mode)
    nodes = page.locator("[data-node]")
    edges = page.locator("[data-backward]")

    def nothing_told():
        seen = [page.evaluate(READABLE)]
        for i in range(nodes.count()):
            nodes.nth(i).click()
            seen.append(page.evaluate(READABLE))
        for i in range(edges.count()):
            edges.nth(i).locator("path").first.hover(force=True)
            seen.append(page.evaluate(READABLE))
        for text in seen:
            assert "15" not in text, (mode, step_now(page), text)
            assert "5 + 10" not in text

    for step in range(LAST):
        if step:
            page.get_by_role("button", name="Next step", exact=True).click()
        assert step_now(page) == step
        assert "15" not in page.evaluate(READABLE)  # the questions still open
        if mode != "lesson":
            answer_every_question_here(page, mode)
        nothing_told()
    page.get_by_role("button", name="Last step", exact=True).click()
    if mode != "lesson":  # the last step's questions are b's: not told before they are answered
        nothing_told()
        answer_every_question_here(page, mode)
    expect(page.locator('[data-node="b"] [data-grad]')).to_have_text("grad 5 + 10 = 15")
    assert "dz/db = 5 + 10 = 15" in page.evaluate(READABLE)
    opened.check_clean()


def panel(page):
    return page.locator("#step-panel")


def test_the_panel_at_each_step_says_what_explain_says(page, tmp_path):
    opened = opened_in(page, tmp_path)
    page.evaluate(
        "window.__steps = [];"
        "document.addEventListener('lesson:step', (event) => window.__steps.push(event.detail))"
    )
    output = EXPLANATION.output
    for k in range(LAST + 1):
        if k:
            page.keyboard.press("ArrowRight")
        expect(page.locator("#step-title")).to_have_text(frame_title(EXPLANATION, k))
        rows = page.locator("#step-rows li")
        if k == 0:
            expect(rows).to_have_count(0)
            continue
        step = EXPLANATION.backward[k - 1]
        edges = [e for e in step.edges if not e.constant]
        expect(rows).to_have_count(len(edges))
        for i, edge in enumerate(edges):
            row = rows.nth(i)
            expect(row.locator(".parent")).to_have_text(edge.parent)
            expect(row.locator(".local")).to_have_text(local_text(step, edge))
            expect(row.locator(".upstream")).to_have_text(upstream_text(output, step))
            expect(row.locator(".product")).to_have_text(product_text(edge))
            expect(row.locator(".sum")).to_have_text(gradient_so_far(output, edge))
    # Each step was announced to the viewport's code, with the ids it marked active.
    announced = page.evaluate("window.__steps")
    assert [d["step"] for d in announced] == list(range(1, LAST + 1))
    assert announced[1] == {"step": 2, "node": "node-x", "edges": ["edge-x-0", "edge-x-1"]}
    active = page.evaluate(
        "[...document.querySelectorAll('#graph .active')].map((e) => e.id).sort()"
    )
    assert {"node-y", "edge-y-0"} <= set(active)
    opened.check_clean()


def test_practice_keeps_its_place(page, tmp_path):
    opened = opened_in(page, tmp_path)  # saved as a lesson; practice from its button
    status = page.get_by_role("status")
    form = page.locator("#practice-form")

    def question_is_about_the_highlighted_step():
        assert status.text_content().strip() != ""
        if form.is_visible():
            question = asked(page, "practice")
            here = EXPLANATION.backward[question.step - 1]
            active = page.locator("#graph .node.active[data-node]")
            expect(active).to_have_attribute("data-node", here.node)
            expect(page.locator("#step-rows li.asking")).to_have_count(1)

    page.keyboard.press("End")
    page.get_by_role("button", name="Practice mode").click()  # entering it: back to dz/dx's step
    expect(page.locator("#slider")).to_have_value("1")
    expect(page.get_by_role("textbox", name="Your value for dz/dx", exact=True)).to_be_focused()
    question_is_about_the_highlighted_step()
    last = page.get_by_role("button", name="Last step", exact=True)
    expect(last).to_have_attribute("aria-disabled", "true")  # it says it goes no further
    last.click(force=True)  # and pressed anyway (Playwright waits for an enabled one), it does not
    expect(page.locator("#slider")).to_have_value("1")
    question_is_about_the_highlighted_step()
    page.get_by_role("button", name="First step", exact=True).click()  # Home: the start
    expect(page.locator("#slider")).to_have_value("0")
    expect(form).to_be_hidden()
    question_is_about_the_highlighted_step()
    page.locator("#slider").fill("4")  # the slider: as far as the question asked
    expect(page.locator("#slider")).to_have_value("1")
    question_is_about_the_highlighted_step()
    answer_right(page, "practice")
    answer_right(page, "practice")
    page.keyboard.press("End")  # now as far as w's question, at v1's step
    expect(page.locator("#slider")).to_have_value("3")
    question_is_about_the_highlighted_step()
    page.get_by_role("button", name="Show answer").click()
    page.keyboard.press("End")
    question_is_about_the_highlighted_step()
    field = page.get_by_role("textbox", name="Your value for dz/db", exact=True)
    field.fill("5")
    page.keyboard.press("Enter")  # a missed path
    answer_right(page, "practice")
    card = page.get_by_role("region", name="Score card")
    expect(card).to_be_visible()
    expected = score_card(4, 2, {"missed-path": 1}, 1)
    assert card.locator("li").all_text_contents() == expected
    assert expected[0] == "Score: 2 of 4 right at the first try"
    opened.check_clean()


def test_the_trainer_asks_each_local_derivative_product_and_sum(page, tmp_path):
    opened = opened_in(page, tmp_path, "trainer")
    expect(page.get_by_role("button", name="Trainer mode")).to_have_attribute(
        "aria-pressed", "true"
    )
    # Edge labels name the derivative, its number hidden until it is answered.
    local = page.locator("#edge-z-0 text.local")
    expect(local).to_have_text("∂z/∂x = ?")
    page.keyboard.press("ArrowRight")
    field = page.get_by_role("textbox", name="Your value for ∂z/∂x", exact=True)
    expect(field).to_be_focused()
    expect(page.locator("#answer-label")).to_have_text("∂z/∂x =")
    field.fill("10")
    page.keyboard.press("Enter")  # x's own value: not the rule for a product
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("∂z/∂x: not the local derivative; ∂z/∂x for z = x·y is y = 5")
    expect(local).to_have_text("∂z/∂x = ?")
    expect(page.locator("#step-rows li").first.locator(".local")).to_have_text("?")
    field.fill("-5")
    page.keyboard.press("Enter")
    expect(alert).to_contain_text("which has the right size but the wrong sign")
    field.fill("5")
    page.keyboard.press("Enter")
    expect(alert).to_have_text("∂z/∂x = 5: right")
    expect(local).to_have_text("∂z/∂x = 5")
    expect(page.locator("#step-rows li").first.locator(".local")).to_have_text("∂z/∂x = y = 5")
    expect(page.locator('[data-node="x"] [data-grad]')).to_have_text("grad ?")

    product = page.get_by_role("textbox", name="Your value for ∂z/∂x × dz/dz", exact=True)
    expect(product).to_be_focused()
    product.fill("1")
    page.keyboard.press("Enter")  # the upstream gradient alone
    expect(alert).to_contain_text("which is the upstream gradient dz/dz alone")
    product.fill("5")
    page.keyboard.press("Enter")
    expect(page.locator('[data-node="x"] [data-grad]')).to_have_text("grad 5")
    page.get_by_role("button", name="Show answer").click()  # ∂z/∂y, shown
    expect(alert).to_have_text("∂z/∂y for z = x·y is x = 10")
    while page.locator("#practice-form").is_visible() or step_now(page) < LAST:
        if page.locator("#practice-form").is_visible():
            question = asked(page, "trainer")
            if question.kind == "sum":
                break
            answer_right(page, "trainer")
        else:
            page.get_by_role("button", name="Next step", exact=True).click()
    total = page.get_by_role("textbox", name="Your value for dz/db", exact=True)
    expect(page.locator("#answer-label")).to_have_text("dz/db = 5 + 10 =")
    expect(page.locator('[data-node="b"] [data-grad]')).to_have_text("grad 5")  # so far
    total.fill("10")
    page.keyboard.press("Enter")
    expect(alert).to_have_text(
        "dz/db: you have 10, which is what b received from y only; b also receives 5 from x"
    )
    total.fill("15")
    page.keyboard.press("Enter")
    expect(page.locator('[data-node="b"] [data-grad]')).to_have_text("grad 5 + 10 = 15")
    card = page.get_by_role("region", name="Score card")
    expected = score_card(
        len(QUESTIONS["trainer"]),
        len(QUESTIONS["trainer"]) - 4,  # ∂z/∂x, its product and the sum wrong first; one shown
        {"local-rule": 1, "sign": 1, "no-local": 1, "missed-path": 1},
        1,
    )
    assert expected[0] == "Score: 9 of 13 right at the first try"
    expect(card.locator("li")).to_have_text(expected)
    opened.check_clean()


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
@pytest.mark.parametrize("mode", ["practice", "trainer"])
def test_axe_finds_no_violation(page, tmp_path, mode, size):
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    opened = opened_in(page, tmp_path, mode, size)
    page.get_by_role("button", name="Next step", exact=True).click()  # a question asked
    page.locator("#answer").fill("1")
    page.keyboard.press("Enter")  # and a verdict shown
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    image_module = pytest.importorskip("PIL.Image")
    shot = page.screenshot(full_page=True)
    (tmp_path / f"{mode}-{size[0]}.png").write_bytes(shot)
    image = image_module.open(io.BytesIO(shot)).convert("RGB")
    assert len(image.getcolors(maxcolors=1 << 20)) > 50  # not blank
    opened.check_clean()
