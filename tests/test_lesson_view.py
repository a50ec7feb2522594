"""The lesson page's graph as a person sees it, in Chromium: readable and in
view at every step on a laptop, a projector and a phone; one Tab stop; zoom,
pan, pinch and the two layouts; no axe-core violation.

Three graphs: the worked example (12 nodes), the micrograd lecture's neuron
``n = x1*w1 + x2*w2 + b; o = tanh(n)`` and a 2-3-1 tanh network drawn unfused
(36 nodes). One browser context per screen size; each page is opened once
per test and stepped through with the keyboard.
"""

import re

import pytest
from conftest import NEEDS_BROWSER
from worked import named, worked_output

from autograd import Value, lesson
from autograd.draw import CONSTANT_EDGE, KINDS
from autograd.nn import MLP

pytest.importorskip(
    "pytest_playwright", reason="Playwright is not installed (pip install -e '.[dev]')"
)
from test_lesson_page import Opened  # after the skip: it imports Playwright

pytestmark = NEEDS_BROWSER

LAPTOP, PROJECTOR, PHONE = (1280, 800), (1024, 768), (390, 844)


def lecture_neuron():
    """The micrograd lecture's neuron, o = tanh(x1·w1 + x2·w2 + b), and its parameters."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = named(x1 * w1 + x2 * w2 + b, "n")
    return named(n.tanh(), "o"), [w1, w2, b]


def network():
    """A 2-3-1 tanh network's output, drawn unfused (36 nodes), and its parameters."""
    model = MLP(2, [3, 1], activation="tanh", fused=False, seed=0)
    output = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    return named(output, "o"), model.parameters()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Each example's lesson page, saved once for the module."""
    folder = tmp_path_factory.mktemp("view")
    neuron, neuron_params = lecture_neuron()
    net, net_params = network()
    return {
        "worked": lesson(worked_output()).save(folder / "worked.html"),
        "neuron": lesson(neuron, params=neuron_params).save(folder / "neuron.html"),
        "network": lesson(net, params=net_params).save(folder / "network.html"),
    }


@pytest.fixture(scope="module")
def screens(browser):
    """One browser context per screen, reduced motion (the view jumps, so each
    step is measured where it lands); the phone has touch, as a phone does."""
    made = {}

    def screen(size, **options):
        key = (size, tuple(sorted(options.items())))
        if key not in made:
            width, height = size
            made[key] = browser.new_context(
                viewport={"width": width, "height": height},
                reduced_motion=options.pop("motion", "reduce"),
                **options,
            )
        return made[key]

    yield screen
    for context in made.values():
        context.close()


def open_page(screens, path, size, presenter=False, **options):
    if size == PHONE:
        options.setdefault("has_touch", True)
        options.setdefault("is_mobile", True)
    opened = Opened(screens(size, **options).new_page(), path)
    if presenter:
        opened.page.get_by_role("button", name="Presenter mode").click()
        opened.page.locator("body").focus()
    return opened


# What one step looks like: the step's node's texts, the labels on the edges
# it sends gradient along, each with its box, and the boxes of the view and
# the window; the step's lines (the status) and the title.
MEASURE = """() => {
  const view = document.getElementById("graph-view").getBoundingClientRect();
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return { text: element.textContent, left: r.left, right: r.right, top: r.top,
             bottom: r.bottom, height: r.height };
  };
  const node = document.querySelector("#graph-view .node.active[data-node]")
    ?? document.querySelector("#graph-view .node.output");
  const edges = Array.from(document.querySelectorAll("#graph-view .edge.active[data-backward]"));
  return {
    node: node.dataset.node,
    texts: Array.from(node.querySelectorAll("text"), box),
    labels: edges.flatMap((edge) => Array.from(edge.querySelectorAll("text"), box)),
    edges: edges.map((edge) => box(edge.querySelector("path"))),
    view: { left: view.left, right: view.right, top: view.top, bottom: view.bottom },
    window: { width: innerWidth, height: innerHeight },
    overflow: document.documentElement.scrollWidth - innerWidth,
    status: box(document.getElementById("status")),
    title: box(document.querySelector("h1")),
    scrolled: scrollY,
  };
}"""


def inside(box, area, slack=0.5):
    return (
        box["left"] >= area["left"] - slack
        and box["right"] <= area["right"] + slack
        and box["top"] >= area["top"] - slack
        and box["bottom"] <= area["bottom"] + slack
    )


def step_through(opened):
    """Home, then ArrowRight to the last step: what each step shows."""
    page = opened.page
    last = int(page.locator("#slider").get_attribute("max"))
    page.keyboard.press("Home")
    seen = [page.evaluate(MEASURE)]
    for _ in range(last):
        page.keyboard.press("ArrowRight")
        seen.append(page.evaluate(MEASURE))
    return seen


def overlaps(box, area):
    return (
        box["left"] < area["right"]
        and box["right"] > area["left"]
        and box["top"] < area["bottom"]
        and box["bottom"] > area["top"]
    )


def check_readable(seen, node_px, label_px, labels_in_view=True):
    """At each step the node's text is in the view and on the screen, and so
    is each edge it sends along: its label, or where the labels of a long
    edge cannot be in view with the node at that size (labels_in_view=False),
    a part of it. Then the sizes."""
    for k, step in enumerate(seen):
        window = {"left": 0, "top": 0, "right": step["window"]["width"]}
        window["bottom"] = step["window"]["height"]
        shown = step["texts"] + (step["labels"] if labels_in_view else [])
        for text in shown:
            where = f"step {k}, node {step['node']}, {text['text']!r}"
            assert inside(text, step["view"]), f"{where} is outside the graph's view"
            assert inside(text, window), f"{where} is off the screen"
        for edge in step["edges"]:
            assert overlaps(edge, step["view"]), f"step {k}: an edge of {step['node']} is unseen"
        for text in step["texts"]:
            assert text["height"] >= node_px, (k, step["node"], text)
        for text in step["labels"]:
            assert text["height"] >= label_px, (k, step["node"], text)


def text_heights(seen):
    """The smallest node text and edge label seen (CSS px), and the steps
    whose edge labels were all in view."""
    nodes = min(t["height"] for step in seen for t in step["texts"])
    labels = [t["height"] for step in seen for t in step["labels"]]
    whole = sum(all(inside(t, step["view"]) for t in step["labels"]) for step in seen)
    return round(nodes, 1), round(min(labels), 1), f"{whole} of {len(seen)}"


@pytest.mark.parametrize("example", ["worked", "neuron", "network"])
def test_every_step_readable_and_in_view_on_a_laptop(screens, pages, example):
    opened = open_page(screens, pages[example], LAPTOP)
    seen = step_through(opened)
    check_readable(seen, node_px=14, label_px=12)
    print(example, "laptop", text_heights(seen))
    opened.check_clean()


@pytest.mark.parametrize("example", ["worked", "neuron", "network"])
def test_every_step_readable_in_presenter_mode_on_a_projector(screens, pages, example):
    opened = open_page(screens, pages[example], PROJECTOR, presenter=True)
    seen = step_through(opened)
    check_readable(seen, node_px=20, label_px=16, labels_in_view=False)
    print(example, "projector", text_heights(seen))
    # The class reads the step's lines with the graph, without scrolling; the
    # title (two lines at most) leaves the screen to them.
    for k, step in enumerate(seen):
        assert step["scrolled"] == 0 and step["status"]["bottom"] <= PROJECTOR[1], (k, step)
        assert step["title"]["height"] <= PROJECTOR[1] / 12, step["title"]
    # The step controls on one line: every button and the slider share a row.
    tops = opened.page.eval_on_selector_all(
        "#controls > button, #controls > input",
        "elements => elements.map(e => Math.round(e.getBoundingClientRect().top + "
        "e.getBoundingClientRect().height / 2))",
    )
    assert max(tops) - min(tops) <= 2, tops
    opened.check_clean()


# Everything a finger can tap, and its size.
TARGETS = """() => Array.from(document.querySelectorAll(
    'button, input, select, textarea, a[href], [role="button"], [tabindex="0"]'))
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden")
  .map((e) => { const r = e.getBoundingClientRect();
                return { what: e.id || e.dataset.node || e.tagName,
                         width: r.width, height: r.height }; })"""


@pytest.mark.parametrize("example", ["worked", "neuron", "network"])
def test_every_step_readable_on_a_phone_with_no_sideways_scroll(screens, pages, example):
    opened = open_page(screens, pages[example], PHONE)
    seen = step_through(opened)
    check_readable(seen, node_px=12, label_px=10, labels_in_view=False)
    print(example, "phone", text_heights(seen))
    assert [step["overflow"] for step in seen] == [0] * len(seen)
    small = [t for t in opened.page.evaluate(TARGETS) if min(t["width"], t["height"]) < 24]
    assert small == []
    # The step controls on one line, on the screen with the graph above them:
    # the thumb steps while the eyes stay on the graph.
    view, *steppers = opened.page.eval_on_selector_all(
        "#graph-view, #controls > button, #controls > input",  # in document order
        "elements => elements.map(e => { const r = e.getBoundingClientRect();"
        " return { what: e.id, middle: (r.top + r.bottom) / 2, top: r.top, bottom: r.bottom }; })",
    )
    middles = [each["middle"] for each in steppers]
    assert max(middles) - min(middles) <= 2, steppers
    assert view["top"] < steppers[0]["top"] and steppers[0]["bottom"] <= PHONE[1], (view, steppers)
    # The hint speaks of fingers, not of a mouse and keys.
    assert opened.page.locator("#graph-hint .for-touch").is_visible()
    assert not opened.page.locator("#graph-hint .for-mouse").is_visible()
    opened.check_clean()


def test_browser_zoom_enlarges_the_graph(screens, pages):
    # 1280×800 at 200 % browser zoom is a 640×400 CSS px window: the graph's
    # text keeps its size in CSS px (twice as many screen pixels), as the
    # page's own text does, and the step stays in view.
    opened = open_page(screens, pages["network"], (640, 400), device_scale_factor=2)
    seen = step_through(opened)
    check_readable(seen, node_px=14, label_px=12, labels_in_view=False)
    opened.check_clean()


def test_the_view_follows_the_step_smoothly(screens, pages):
    opened = open_page(screens, pages["network"], LAPTOP, motion="no-preference")
    page = opened.page
    # Every scroll position the view passes through on its way to the last step.
    page.evaluate(
        "() => { window.positions = []; const view = document.getElementById('graph-view');"
        " view.addEventListener('scroll', () => window.positions.push(view.scrollLeft)); }"
    )
    page.keyboard.press("End")
    page.wait_for_function(
        "() => { const v = document.getElementById('graph-view').getBoundingClientRect();"
        " const t = document.querySelector('#graph-view .node.active text')"
        ".getBoundingClientRect(); return t.left >= v.left && t.right <= v.right; }"
    )
    page.wait_for_timeout(300)
    assert len(set(page.evaluate("() => window.positions"))) > 3  # a glide, not a jump
    # The gradient's flow runs backwards along the active edges, animated.
    path = page.locator("#graph-view .edge.active[data-backward] > path").first
    assert path.evaluate("p => getComputedStyle(p).animationName") == "flow-back"
    opened.check_clean()


def test_the_flow_back_is_marked_without_motion(screens, pages):
    opened = open_page(screens, pages["worked"], LAPTOP)  # reduced motion
    opened.page.keyboard.press("ArrowRight")
    path = opened.page.locator('#graph-view [data-edge="z->x#0"] > path')
    assert path.evaluate("p => getComputedStyle(p).animationName") == "none"
    # An arrowhead at the parent's end, pointing into it.
    assert path.evaluate("p => getComputedStyle(p).markerStart") == 'url("#gradient-arrow")'
    quiet = opened.page.locator('#graph-view [data-edge="y->b#0"] > path')  # not this step's
    assert quiet.evaluate("p => getComputedStyle(p).markerStart") == "none"
    opened.check_clean()


WIDTHS = """() => Array.from(document.querySelectorAll("#graph-view .edge > path"), (p) =>
  ({ active: p.parentElement.classList.contains("active"),
     width: parseFloat(getComputedStyle(p).strokeWidth) }))"""


def test_in_presenter_mode_the_step_is_the_strongest_line(screens, pages):
    opened = open_page(screens, pages["neuron"], PROJECTOR, presenter=True)
    page = opened.page
    for _ in range(3):
        page.keyboard.press("ArrowRight")
        widths = page.evaluate(WIDTHS)
        active = [w["width"] for w in widths if w["active"]]
        others = [w["width"] for w in widths if not w["active"]]
        assert active and others
        assert min(active) >= 3 * max(others), (active, others)
    page.locator("#graph-view .node.active[data-node]").hover()  # hover does not weaken it
    borders = page.eval_on_selector_all(
        "#graph-view .node[data-node] > :is(polygon, path)",
        "b => b.map(p => [p.parentElement.classList.contains('active'),"
        " parseFloat(getComputedStyle(p).strokeWidth)])",
    )
    active = [width for is_active, width in borders if is_active]
    assert active and min(active) >= 1.5 * max(w for is_active, w in borders if not is_active)
    opened.check_clean()


def tab_stops_in_graph(page):
    """Tab from the last control before the graph until focus leaves it: the stops inside."""
    page.locator("#layout").focus()
    stops = []
    while True:
        page.keyboard.press("Tab")
        inside_graph = page.evaluate(
            "() => document.getElementById('graph-view').contains(document.activeElement)"
        )
        if not inside_graph:
            return stops
        stops.append(page.evaluate("() => document.activeElement.dataset.id"))


def focused(page):
    return page.evaluate("() => document.activeElement.dataset.id ?? null")


@pytest.mark.parametrize("example", ["worked", "neuron", "network"])
def test_one_tab_stop_and_the_arrow_keys_reach_every_node(screens, pages, example):
    opened = open_page(screens, pages[example], LAPTOP)
    page = opened.page
    page.keyboard.press("End")
    assert len(tab_stops_in_graph(page)) == 1
    every = set(
        page.eval_on_selector_all("#graph-view [data-node]", "n => n.map(n => n.dataset.id)")
    )
    keys = {"LR": ("ArrowLeft", "ArrowRight"), "TB": ("ArrowUp", "ArrowDown")}
    for layout, (back, forward) in keys.items():
        if page.evaluate("() => window.lessonPage.viewport().layout") != layout:
            page.locator("#layout").click()
        stops = tab_stops_in_graph(page)
        assert len(stops) == 1, stops  # the step's node, or the one last focused
        page.keyboard.press("Shift+Tab")
        while True:  # back to the first node in drawing order
            before = focused(page)
            page.keyboard.press(back)
            if focused(page) == before:
                break
        reached = [focused(page)]
        while True:
            page.keyboard.press(forward)
            if focused(page) == reached[-1]:
                break
            reached.append(focused(page))
        assert set(reached) == every and len(reached) == len(every)
    opened.check_clean()


def test_arrows_move_within_a_column_enter_opens_and_focus_is_not_hover(screens, pages):
    opened = open_page(screens, pages["worked"], LAPTOP)
    page = opened.page
    if page.evaluate("() => window.lessonPage.viewport().layout") != "LR":
        page.locator("#layout").click()  # beside the step panel, it shows top to bottom
    # The first column, as dot lays it out: the constant 2 above w.
    page.locator('#graph-view [data-id="2"]').focus()
    page.keyboard.press("ArrowDown")
    assert focused(page) == "w"
    page.keyboard.press("ArrowUp")
    assert focused(page) == "2"
    page.keyboard.press("ArrowRight")  # on, column by column
    assert focused(page) == "w"
    page.keyboard.press("ArrowRight")
    below = focused(page)
    assert below == "v1"
    # The arrows moved between nodes, not through the steps.
    assert page.locator("#slider").input_value() == "0"
    opened_ids = []
    page.evaluate(
        "() => document.addEventListener('lesson:open', e => window.opened = e.detail.node)"
    )
    page.keyboard.press("Enter")
    opened_ids.append(page.evaluate("() => window.opened"))
    assert opened_ids == [below]
    details = page.get_by_role("region", name="Node details")
    assert below in details.text_content()
    # Keyboard focus draws a ring; the pointer over a node only thickens its border.
    ring = "e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth"
    assert page.locator(f'#graph-view [data-id="{below}"]').evaluate(ring) == "solid 4px"
    page.locator('#graph-view [data-node="z"]').hover()
    assert page.locator('#graph-view [data-node="z"]').evaluate(ring).startswith("none")
    opened.check_clean()


def scale(page):
    return page.evaluate("() => window.lessonPage.viewport().scale")


def test_zoom_fit_actual_size_and_ctrl_wheel(screens, pages):
    opened = open_page(screens, pages["network"], LAPTOP)
    page = opened.page
    assert scale(page) == 1  # too wide to fit at a readable size: actual size, and it pans
    view = page.locator("#graph-view")
    assert view.evaluate("v => v.scrollWidth > v.clientWidth")
    page.get_by_role("button", name="Fit").click()
    fit = scale(page)
    assert fit < 1
    assert view.evaluate("v => v.scrollWidth <= v.clientWidth && v.scrollHeight <= v.clientHeight")
    page.get_by_role("button", name="Actual size").click()
    assert scale(page) == 1
    page.get_by_role("button", name="Zoom in").click()
    assert scale(page) == pytest.approx(1.25)
    page.get_by_role("button", name="Zoom out").click()
    assert scale(page) == pytest.approx(1)
    # Ctrl+wheel zooms about the pointer: the point under it stays put.
    box = view.bounding_box()
    x, y = box["x"] + 300, box["y"] + 100
    under = (
        "([x, y]) => { const r = document.querySelector('#graph-view > svg')"
        ".getBoundingClientRect(); return [(x - r.left) / r.width, (y - r.top) / r.height]; }"
    )
    before = page.evaluate(under, [x, y])
    page.mouse.move(x, y)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -200)
    page.keyboard.up("Control")
    page.wait_for_function("() => window.lessonPage.viewport().scale > 1.2")
    after = page.evaluate(under, [x, y])
    assert after == pytest.approx(before, abs=0.01)
    # Drag pans.
    left = view.evaluate("v => v.scrollLeft")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 150, y, steps=5)
    page.mouse.up()
    assert view.evaluate("v => v.scrollLeft") == pytest.approx(left + 150, abs=2)
    # Shift+arrow pans too, with a node focused.
    page.locator("#graph-view [data-node]").first.focus()
    left = view.evaluate("v => v.scrollLeft")
    page.keyboard.press("Shift+ArrowRight")
    assert view.evaluate("v => v.scrollLeft") > left
    opened.check_clean()


def test_pinch_zooms_on_a_phone(screens, pages):
    opened = open_page(screens, pages["network"], PHONE)
    page = opened.page
    start = scale(page)
    box = page.locator("#graph-view").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)

    def touch(kind, spread):
        points = [{"x": cx - spread, "y": cy, "id": 1}, {"x": cx + spread, "y": cy, "id": 2}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", 30)
    for spread in (40, 50, 60):
        touch("touchMove", spread)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    assert scale(page) == pytest.approx(2 * start, rel=0.05)
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    opened.check_clean()


def test_the_layout_suits_the_screen_and_the_teacher_can_switch(screens, pages):
    laptop = open_page(screens, pages["network"], LAPTOP)
    phone = open_page(screens, pages["neuron"], PHONE)
    assert laptop.page.evaluate("() => window.lessonPage.viewport().layout") == "LR"
    assert phone.page.evaluate("() => window.lessonPage.viewport().layout") == "TB"
    page = laptop.page
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    marked = "#graph-view .active"
    active = page.eval_on_selector_all(marked, "a => a.map(e => e.id).sort()")
    page.get_by_role("button", name="Lay the graph out top to bottom").click()
    view = page.evaluate("() => window.lessonPage.viewport()")
    assert (view["layout"], view["chosen"]) == ("TB", "TB")
    # The other layout, tagged the same way, shows the same step.
    assert page.eval_on_selector_all(marked, "a => a.map(e => e.id).sort()") == active
    assert page.locator("#graph-view > svg").count() == 1
    assert check_readable([page.evaluate(MEASURE)], 14, 12) is None
    page.get_by_role("button", name="Lay the graph out left to right").click()
    assert page.evaluate("() => window.lessonPage.viewport().layout") == "LR"
    laptop.check_clean()
    phone.check_clean()


@pytest.mark.parametrize(
    ("size", "presenter"),
    [(LAPTOP, False), (LAPTOP, True), (PHONE, False), (PHONE, True)],
    ids=["laptop", "laptop-presenter", "phone", "phone-presenter"],
)
def test_axe_finds_no_violation(screens, pages, size, presenter):
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    opened = open_page(screens, pages["neuron"], size, presenter=presenter)
    opened.page.keyboard.press("ArrowRight")
    opened.page.keyboard.press("ArrowRight")
    results = axe.Axe().run(opened.page)
    violations = [
        (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
    ]
    assert violations == []
    opened.check_clean()


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_kinds_meet_wcag_contrast_and_differ_without_colour():
    fill = {kind: drawn["style"]["fillcolor"] for kind, drawn in KINDS.items()}
    white, black = "#ffffff", "#000000"
    # Graphics against what they touch (WCAG 1.4.11): 3:1.
    for kind in ("input", "parameter", "output"):
        assert contrast(fill[kind], white) >= 3, kind
    assert contrast(fill["input"], fill["parameter"]) >= 3  # side by side into x·w
    assert contrast(CONSTANT_EDGE, white) >= 3
    # Text on the fills: 4.5:1.
    for kind, drawn in KINDS.items():
        text = drawn["style"].get("fontcolor", black)
        assert contrast(text, fill[kind]) >= 4.5, kind
    # Without colour: no two kinds drawn alike in corners, border and dashes.
    shapes = {
        (
            "rounded" in d["style"]["style"],
            "dashed" in d["style"]["style"],
            d["style"].get("penwidth", "1"),
        )
        for d in KINDS.values()
    }
    assert len(shapes) == len(KINDS)


def test_the_legend_is_drawn_from_the_same_table(pages):
    page = pages["worked"].read_text(encoding="utf-8")
    legend = re.search(r'<ul id="legend"[^>]*>(.*?)</ul>', page, re.S).group(1)
    for kind, drawn in KINDS.items():
        item = re.search(rf'<li class="{kind}">(.*?)</li>', legend, re.S).group(1)
        assert f'fill="{drawn["style"]["fillcolor"]}"' in item
        assert ('rx="6"' in item) == ("rounded" in drawn["style"]["style"])
        assert ("stroke-dasharray" in item) == ("dashed" in drawn["style"]["style"])
        assert item.endswith(drawn["legend"])
