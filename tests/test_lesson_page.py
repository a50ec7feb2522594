"""The lesson page in a real browser: Debian's Chromium, driven by Playwright.

Each page is opened from file:// with every other request aborted and
counted: a lesson must work offline, from a USB stick. What the page shows is
compared with what explain() writes, since the page is only a view of it.
"""

import io

import pytest
from conftest import NEEDS_BROWSER
from worked import named, worked_output

from autograd import Value, explain, lesson

pytest.importorskip(
    "pytest_playwright", reason="Playwright is not installed (pip install -e '.[dev]')"
)
from playwright.sync_api import expect  # after the skip: without Playwright, skip the module

pytestmark = NEEDS_BROWSER


def big_graph():
    """201 nodes: a bias plus 40 terms tanh((i + 1)·xᵢ)."""
    total = Value(0.5, label="bias")
    for i in range(40):
        total = total + (Value(0.1 * i, label=f"x{i}") * (i + 1)).tanh()
    return named(total, "s")


class Opened:
    """A page opened offline, with what went wrong while it ran."""

    def __init__(self, page, path):
        self.page = page
        self.blocked: list[str] = []
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.route("**/*", self._route)
        page.goto(path.as_uri())

    def _route(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def status(self) -> str:
        return self.page.get_by_role("status").text_content()

    def grad_of(self, name: str) -> str:
        return self.page.locator(f'[data-node="{name}"] [data-grad]').text_content()

    def check_clean(self):
        assert self.blocked == []
        assert self.errors == []


@pytest.fixture
def worked(page, tmp_path):
    path = lesson(worked_output(), title="The worked example").save(tmp_path / "lesson.html")
    opened = Opened(page, path)
    yield opened
    opened.check_clean()


def sentences():
    """What the page should say at each step: explain's own lines."""
    explanation = explain(worked_output())
    return [explanation.start_text()] + ["\n".join(lines) for lines in explanation.step_lines()]


def test_stepping_with_the_keyboard_says_what_explain_says(worked):
    expected = sentences()
    assert worked.status() == expected[0]
    assert worked.grad_of("b") == "grad ?"
    assert worked.grad_of("z") == "grad 1"
    seen = [worked.status()]
    for _ in expected[1:]:
        worked.page.keyboard.press("ArrowRight")
        seen.append(worked.status())
    assert seen == expected
    worked.page.keyboard.press("ArrowRight")  # past the last step: stays there
    assert worked.status() == expected[-1]
    assert worked.grad_of("b") == "grad 5 + 10 = 15"
    worked.page.keyboard.press("Home")
    assert worked.status() == expected[0]
    worked.page.keyboard.press("End")
    assert worked.status() == expected[-1]
    worked.page.keyboard.press("ArrowLeft")
    assert worked.status() == expected[-2]


def test_b_gets_its_running_sum(worked):
    flow = worked.page.locator('[data-edge="x->b#1"] .flow')  # grad += 1×5 = 5
    worked.page.keyboard.press("ArrowRight")
    assert worked.grad_of("b") == "grad ?"
    expect(flow).to_be_hidden()
    worked.page.keyboard.press("ArrowRight")  # x sends b its first contribution
    assert worked.grad_of("b") == "grad 5"
    expect(flow).to_be_visible()
    assert "active" in worked.page.locator('[data-edge="x->b#1"]').get_attribute("class")
    worked.page.keyboard.press("End")  # y sends the second
    assert worked.grad_of("b") == "grad 5 + 10 = 15"
    assert "active" in worked.page.locator('[data-node="y"]').get_attribute("class")


def test_buttons_and_slider(worked):
    expected = sentences()
    button = worked.page.get_by_role

    def going_nowhere():
        # aria-disabled: a step button that would go nowhere says so, and keeps the focus
        names = ("First step", "Previous step", "Next step", "Last step")
        return [
            button("button", name=name, exact=True).get_attribute("aria-disabled") for name in names
        ]

    assert going_nowhere() == ["true", "true", "false", "false"]
    button("button", name="Next step", exact=True).click()
    button("button", name="Next step", exact=True).click()
    assert worked.status() == expected[2]
    button("button", name="Previous step", exact=True).click()
    assert worked.status() == expected[1]
    button("button", name="Last step", exact=True).click()
    assert worked.status() == expected[-1]
    assert going_nowhere() == ["false", "false", "true", "true"]
    button("button", name="First step", exact=True).click()
    assert worked.status() == expected[0]
    slider = worked.page.get_by_role("slider", name="Step")
    slider.fill("3")
    assert worked.status() == expected[3]
    expect(slider).to_have_attribute("aria-valuetext", f"3 of {len(expected) - 1}")


def test_clicking_b_shows_what_is_known_of_it_so_far(worked):
    worked.page.locator('[data-node="b"]').click()
    gradient, chain = worked.page.locator("#details-gradient"), worked.page.locator("#details-sum")
    expect(gradient).to_have_text("dz/db = ?")
    expect(chain).to_have_text("?")
    # b has the focus, where the arrow keys move between nodes: the buttons step.
    next_step = worked.page.get_by_role("button", name="Next step", exact=True)
    next_step.click()
    next_step.click()  # x's step: b's first contribution
    expect(gradient).to_have_text("dz/db so far 5 (1 of 2 contributions)")
    expect(chain).to_have_text("?")
    worked.page.keyboard.press("End")  # the details follow the step
    expect(gradient).to_have_text("dz/db = 5 + 10 = 15 (2 of 2 contributions)")
    expect(chain).to_have_text("dz/db = ∂z/∂x·∂x/∂b + ∂z/∂y·∂y/∂b = 5·1 + 10·1 = 15")


def test_a_focused_node_opens_with_enter(worked):
    opened = []
    worked.page.expose_function("opened", lambda node: opened.append(node))
    worked.page.evaluate(
        "document.addEventListener('lesson:open', (event) => window.opened(event.detail.node))"
    )
    worked.page.locator('[data-node="x"]').focus()
    worked.page.keyboard.press("Enter")
    details = worked.page.get_by_role("region", name="Node details")
    expect(details).to_contain_text("x = v1 + b = 6 + 4 = 10")
    expect(details).to_contain_text("dz/dx = ?")
    assert opened == ["x"]  # the model's node id, as the graph's code announces it
    worked.page.get_by_role("button", name="Next step", exact=True).click()
    expect(details).to_contain_text("dz/dx = 5")


def test_an_edge_shows_its_local_derivative_and_what_it_has_sent(worked):
    edge_info = worked.page.locator("#edge-info")
    worked.page.locator('[data-edge="x->b#1"] text').first.hover()
    expect(edge_info).to_contain_text("∂x/∂b = 1")
    expect(worked.page.locator("#edge-product")).to_have_text("?")  # x has sent nothing yet
    expect(worked.page.locator("#edge-running")).to_have_text("")
    worked.page.keyboard.press("End")
    expect(edge_info).to_contain_text("1 × 5 = 5")
    worked.page.locator('[data-edge="y->b#0"]').focus()
    expect(edge_info).to_contain_text("∂y/∂b = 1")
    expect(edge_info).to_contain_text("dz/db = 5 + 10 = 15 (2 of 2 contributions)")
    expect(worked.page.locator('[data-edge="y->b#0"]')).to_have_attribute(
        "aria-label", "∂y/∂b = 1; b receives 1 × 10 = 10"
    )


def test_presenter_mode(worked):
    status = worked.page.get_by_role("status")
    size = status.evaluate("element => parseFloat(getComputedStyle(element).fontSize)")
    toggle = worked.page.get_by_role("button", name="Presenter mode")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    bigger = status.evaluate("element => parseFloat(getComputedStyle(element).fontSize)")
    assert bigger >= 1.4 * size
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")


def test_the_screenshot_is_not_blank(worked):
    image_module = pytest.importorskip("PIL.Image")
    worked.page.keyboard.press("End")
    image = image_module.open(io.BytesIO(worked.page.screenshot())).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # text, boxes in four fills, the highlight
    white = max(count for count, colour in colours if colour == (255, 255, 255))
    assert white < 0.95 * image.width * image.height


def test_a_200_node_graph_opens_and_steps(page, tmp_path):
    root = big_graph()
    path = lesson(root).save(tmp_path / "big.html")
    opened = Opened(page, path)
    explanation = explain(big_graph())
    assert len(explanation.nodes) == 201
    assert page.locator("[data-node]").count() == len(explanation.nodes)
    opened.page.keyboard.press("End")
    assert opened.status() == "\n".join(explanation.step_lines()[-1])
    opened.page.keyboard.press("Home")
    assert opened.status() == explanation.start_text()
    opened.page.keyboard.press("ArrowRight")
    assert opened.status() == "\n".join(explanation.step_lines()[0])
    opened.check_clean()
