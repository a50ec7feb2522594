"""The lesson page in Chinese, in Chromium: no English word left at any step of
practice and the trainer (beyond names, keys, codes and notation), axe-core
finds nothing at laptop and phone sizes, the Chinese text is drawn by a CJK
font and is as large as the English page's, and the served page's switch.

The scan reads every part of the page, explain's step sentences and draw's
words (the drawing's legend, its nodes' names for a screen reader) included.
"""

import re

import pytest
from conftest import NEEDS_BROWSER
from worked import worked_output

from autograd import lesson
from autograd.lesson import lesson_data
from autograd.practice import CODES

pytest.importorskip(
    "pytest_playwright", reason="Playwright is not installed (pip install -e '.[dev]')"
)
from test_lesson_page import Opened

pytestmark = NEEDS_BROWSER

LAPTOP, PHONE = (1280, 800), (390, 844)
CJK = re.compile("[\u4e00-\u9fff]")


# Every text a reader meets: the visible text nodes, the accessible names, the title.
READ = """() => {
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!e || e.closest("script, style, template")) continue;
    if (!e.getClientRects().length || getComputedStyle(e).visibility === "hidden") continue;
    parts.push(n.textContent);
  }
  for (const e of document.querySelectorAll("[aria-label]")) {
    parts.push(e.getAttribute("aria-label"));
  }
  return parts.join("\\n");
}"""
NOTATION = re.compile(r"[d∂]\w*/[d∂]\w*|(?<![\w.])\d+(?:\.\d+)?")
# Names a Chinese page keeps: the keys on the keyboard, the mistake codes, and
# Value's attributes, which the drawing's boxes show (data 3 | grad 5).
KEYS = {"Ctrl", "Shift", "Tab", "Enter"}
ATTRIBUTES = {"data", "grad"}


def english_words(text: str, names) -> set[str]:
    words = re.findall(r"[A-Za-z][\w-]*", NOTATION.sub(" ", text))
    return {w for w in words if w not in {*names, *KEYS, *ATTRIBUTES, *CODES}}


@pytest.fixture(scope="module")
def chinese(tmp_path_factory):
    folder = tmp_path_factory.mktemp("zh")
    root = worked_output()
    return {
        "path": lesson(root, lang="zh").save(folder / "worked_zh.html"),
        "english": lesson(root).save(folder / "worked_en.html"),
        "data": lesson_data(root, lang="zh"),
    }


@pytest.fixture(scope="module")
def contexts(browser):
    made = {}

    def context(size):
        if size not in made:
            width, height = size
            phone = size == PHONE
            made[size] = browser.new_context(
                viewport={"width": width, "height": height}, has_touch=phone, is_mobile=phone
            )
        return made[size]

    yield context
    for each in made.values():
        each.close()


def at_step(page) -> int:
    return int(page.locator("#slider").input_value())


def answer(page, value):
    page.locator("#answer").fill(str(value))
    page.locator("#check").click()


@pytest.mark.parametrize("mode", ["practice", "trainer"])
def test_no_english_word_at_any_step(contexts, chinese, mode):
    opened = Opened(contexts(LAPTOP).new_page(), chinese["path"])
    page = opened.page
    names = {node["name"] for node in chinese["data"]["view"]["nodes"]} | {"v"}
    asked = chinese["data"]["view"]["modes"][mode]
    page.locator(f"#{mode}").click()
    last = int(page.locator("#slider").get_attribute("max"))
    leftover, seen, i = set(), 0, 0

    def read():
        nonlocal seen
        leftover.update(english_words(page.evaluate(READ), names))
        seen += 1

    while True:
        read()
        if page.locator("#practice-form").is_visible():
            question = asked[i]
            slips = [v["value"] for v in question["verdicts"][1:]]
            for wrong in [*slips, "abc", 12345.5]:  # every slip's diagnosis, then the rest
                answer(page, wrong)
                read()
            answer(page, question["verdicts"][0]["value"])
            i += 1
        elif at_step(page) < last:
            page.locator("#next").click()
        else:
            break
    assert i == len(asked)
    assert page.locator("#score").is_visible()
    assert "得分：" in page.locator("#score").text_content()
    assert leftover == set(), f"English on the Chinese page: {sorted(leftover)}"
    assert seen > len(asked)
    opened.check_clean()


def test_the_page_says_zh_cn_and_its_words(contexts, chinese):
    opened = Opened(contexts(LAPTOP).new_page(), chinese["path"])
    page = opened.page
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("button", name="练习模式").is_visible()
    assert page.get_by_role("group", name="反向传播的步骤").is_visible()
    page.get_by_role("button", name="从上到下").click()
    assert page.locator("#layout").text_content() == "从左到右"
    assert page.locator("#layout").get_attribute("aria-label") == "把计算图改为从左到右排列"
    page.locator('[data-node="b"]').click()
    assert page.locator("#details-kind").text_content() == "输入"
    assert page.locator("#slider").get_attribute("aria-valuetext") == "第 0 步，共 4 步"
    page.locator("#practice").click()
    page.keyboard.press("End")
    answer(page, "x")
    assert page.locator("#feedback").text_content().startswith("这不是数：")
    opened.check_clean()


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize("mode", ["practice", "trainer"])
def test_axe_finds_no_violation_on_the_chinese_page(contexts, chinese, size, mode):
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    opened = Opened(contexts(size).new_page(), chinese["path"])
    opened.page.locator(f"#{mode}").click()
    opened.page.locator("#next").click()
    answer(opened.page, 12345.5)  # a wrong answer: the feedback is on the page too
    results = axe.Axe().run(opened.page)
    violations = [
        (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
    ]
    assert violations == []
    opened.check_clean()


# Each text element of the page's own words: its font size and its glyphs' height.
SIZES = """() => Array.from(document.querySelectorAll(
    "header button, #graph-tools button, #controls button, #controls label, #step-position,"
    + " #practice-form button, #step-panel h2, #step-rows dt, #details h2, #edge-info h2,"
    + " #details-hint, #graph-hint"))
  .filter((e) => e.getClientRects().length && e.textContent.trim())
  .map((e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    const rects = Array.from(range.getClientRects()).filter((r) => r.width > 1 && r.height > 1);
    return { id: e.id || e.tagName + "." + e.className, text: e.textContent.trim(),
             size: parseFloat(getComputedStyle(e).fontSize),
             glyphs: Math.min(...rects.map((r) => r.height)) };
  })"""


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_chinese_text_is_as_large_as_the_english(contexts, chinese, size):
    sizes = {}
    for lang in ("path", "english"):
        opened = Opened(contexts(size).new_page(), chinese[lang])
        opened.page.locator("#trainer").click()
        sizes[lang] = opened.page.evaluate(SIZES)
    english = {(e["id"], e["size"]) for e in sizes["english"]}
    for element in sizes["path"]:
        if not CJK.search(element["text"]):
            continue
        # the page's smallest text (a hint) is 14 px, as on the English page
        assert element["size"] >= 14 * 0.99, element
        assert element["glyphs"] >= element["size"], element  # a line box at least the font
    assert {(e["id"], e["size"]) for e in sizes["path"]} == english


def test_the_chinese_is_drawn_in_a_cjk_font(contexts, chinese):
    opened = Opened(contexts(LAPTOP).new_page(), chinese["path"])
    page = opened.page
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "#step-heading"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    families = {font["familyName"] for font in fonts if font["glyphCount"]}
    cjk = ("Noto Sans CJK", "Source Han Sans", "WenQuanYi", "Droid Sans Fallback", "AR PL")
    assert any(family.startswith(cjk) for family in families), families


def test_the_served_page_switches_language(page):
    pytest.importorskip("starlette", reason="the serve extra is not installed")
    from test_serve import running

    server = running(max_concurrent=2)
    try:
        page.context.set_extra_http_headers({"Accept-Language": "en-US,en;q=0.9"})
        page.goto(server.url + "/")
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_role("link", name="中文").click()
        page.wait_for_url("**/?lang=zh")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.get_by_role("button", name="新练习").is_visible()
        page.goto(server.url + "/")  # remembered
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        page.locator("#program").fill("z = 2*")
        error = page.locator("#serve-message.error")
        error.wait_for()
        assert CJK.search(error.text_content()) or error.text_content()  # the program's words
        page.locator("#program").fill("z = w*b")
        page.locator("#at-w").wait_for()
        assert page.locator("#at-w ~ input[type=range]").get_attribute("aria-label") == "w 的滑块"
        page.locator("#practice").click()
        page.locator("#next").click()
        assert page.locator("#answer").get_attribute("aria-label").startswith("你算出的 ")
        page.get_by_role("link", name="English").click()
        page.wait_for_url("**/?lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        server.stop()
