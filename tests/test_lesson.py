"""lesson(): the page as a file, read without a browser (tests/test_lesson_page.py opens it)."""

import html
import json
import re
import shutil

import pytest
from worked import named, worked_output

from autograd import Lesson, Value, explain, lesson
from autograd.draw import INSTALL_DOT, GraphvizNotInstalledError
from autograd.practice import questions

pytest.importorskip("graphviz")
pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed"
)


def embedded_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="lesson-data">(.*?)</script>', page)
    return json.loads(match.group(1))


def test_the_worked_example_page_is_one_small_file():
    page = lesson(worked_output()).html
    assert len(page.encode("utf-8")) < 200_000
    assert page.startswith("<!DOCTYPE html>")
    # Nothing to fetch: no scripts, styles, fonts or images from anywhere.
    assert not re.search(r"\b(src|href)\s*=", page)
    # url(#...) names a part of the page itself (the arrowhead of the gradient's flow).
    assert not re.search(r"url\((?!#)", page) and "@import" not in page and "<link" not in page
    # Only the SVG namespace, of the graph in the markup and of the other layout in the data.
    urls = re.findall(r"https?://[^\s\"'<\\]+", page)
    assert urls == ["http://www.w3.org/2000/svg"] * 2


def test_no_two_nodes_on_a_page_share_a_name():
    # Three constants 2 and x*x (one node twice a parent): the page's names are
    # the explanation's ids, each once, though every 2 reads "2" on screen.
    w, b = Value(3.0, label="w"), Value(4.0, label="b")
    x = named(2 * w + b, "x")
    z = (x * x) * (b * 2 + 1) * 2
    page = lesson(z).html
    svg = page[page.index("<svg") : page.index("</svg>")]  # one layout
    tagged = re.findall(r'data-node="([^"]*)" data-id="([^"]*)"', svg)
    ids = [n.id for n in explain(z).nodes]
    assert sorted(node for node, _ in tagged) == sorted(ids)
    assert all(node == node_id for node, node_id in tagged)
    assert len(set(ids)) == len(ids) and {"2", "2#2", "2#3"} <= set(ids)
    edges = re.findall(r'data-edge="([^"]*)"', svg)
    assert len(edges) == len(set(edges)) and "v2-&gt;x#1" in edges  # x*x: slots 0 and 1
    ops = re.findall(r'data-op="([^"]*)"', svg)
    assert len(ops) == len(set(ops))


def test_every_node_is_tagged_with_its_name():
    z = worked_output()
    page = lesson(z).html
    # Each group found by the id and class draw gave it, the id from the node's.
    tagged = re.findall(
        r'<g id="node-(\w+)" class="node (\w+)" data-node="([^"]*)" data-id="(\w+)" '
        r'tabindex="(-1|0)" role="button"',
        page,
    )
    nodes = explain(worked_output()).nodes
    # One Tab stop in the graph: the output, until the page moves it.
    expected = [(n.id, n.kind, n.name, n.id, "0" if n.kind == "output" else "-1") for n in nodes]
    assert sorted(tagged) == sorted(expected)
    # The edge along which y sends b its gradient, and the circle of y's operation.
    assert '<g id="edge-y-0" class="edge" data-edge="y-&gt;b#0" data-backward="3"' in page
    assert '<g id="op-y" class="node op" data-op="y" data-step="4">\n<title>y</title>' in page
    assert '<g id="edge-y-1" class="edge constant" data-edge="y-&gt;1#1">' in page
    assert page.count('role="status" aria-live="polite"') == 1
    assert 'role="region" aria-label="Node details"' in page
    for name in ("First step", "Previous step", "Next step", "Last step"):
        assert f'aria-label="{name}"' in page


def test_each_edge_of_a_plus_a_is_tagged():
    a = Value(3.0, label="a")
    page = lesson(named(a + a, "y")).html
    for slot in (0, 1):
        assert f'data-edge="y-&gt;a#{slot}" data-backward="0" data-slot="{slot}"' in page
    assert page.count('data-grad="grad "') == 2  # a and y; the edges' labels are not gradients
    assert page.count('class="flow"') == 2


def test_the_embedded_json_is_the_explanation():
    z = worked_output()
    page = lesson(z, title="Worked example", practice=True).html
    data = embedded_data(page)
    assert data["explanation"] == explain(worked_output()).to_dict()
    assert (data["title"], data["mode"]) == ("Worked example", "practice")
    assert embedded_data(lesson(worked_output()).html)["mode"] == "lesson"
    assert embedded_data(lesson(worked_output(), mode="trainer").html)["mode"] == "trainer"
    with pytest.raises(ValueError, match="mode must be one of lesson, practice, trainer"):
        lesson(worked_output(), mode="quiz")
    with pytest.raises(ValueError, match="practice=True is mode='practice'"):
        lesson(worked_output(), practice=True, mode="trainer")


def visible(piece, mode, step, settled):
    """Whether the page shows ``piece`` at ``step`` with ``settled`` questions
    of ``mode`` settled: the page's one rule, written again here."""
    if piece.get("step", 0) > step:
        return False
    return mode == "lesson" or piece.get("gate", {}).get(mode, 0) <= settled


def known(timeline, mode, step, settled):
    return next(p["text"] for p in reversed(timeline) if visible(p, mode, step, settled))


def shown_texts(view, mode, step, settled):
    """Every text the page may show at this step and progress: the status, the
    panel, each node's field, name, details, each edge's name and details."""
    here = view["steps"][step]
    texts = [here["position"]]
    texts += [p["text"] for p in (here["title"], *here["lines"]) if visible(p, mode, step, settled)]
    for row in here["rows"]:
        texts += [row[c]["text"] for c in ("local", "upstream", "product", "sum")
                  if visible(row[c], mode, step, settled)]  # fmt: skip
    for node in view["nodes"]:
        for timeline in ("grad", "label", "detail", "sum"):
            if node.get(timeline):
                texts.append(known(node[timeline], mode, step, settled))
    for edge in view["edges"]:
        for timeline in ("label", "local", "product", "running"):
            texts.append(known(edge[timeline], mode, step, settled))
    return texts


@pytest.mark.parametrize("mode", ["lesson", "practice", "trainer"])
def test_no_gradient_shows_before_its_step_or_its_answer(mode):
    """b's gradient, 15, and its running sum appear only when the page has
    reached y's step (4) and, in practice and trainer, once it is answered."""
    view = embedded_data(lesson(worked_output()).html)["view"]
    asked = view["modes"].get(mode, [])
    last_b = max((i for i, q in enumerate(asked) if q["node"] == "b"), default=None)
    for settled in range(len(asked) + 1) if asked else [0]:
        reachable = asked[settled]["step"] if settled < len(asked) else 4
        for step in range(reachable + 1):
            texts = " | ".join(shown_texts(view, mode, step, settled))
            earned = step == 4 and (mode == "lesson" or settled > last_b)
            assert ("15" in texts) == earned, (mode, step, settled, texts)
            assert ("5 + 10" in texts) == earned
    # Each question's step is where its answer is needed, never before the page shows its inputs.
    assert [q["step"] for q in asked] == sorted(q["step"] for q in asked)


def test_each_step_says_what_explain_says():
    explanation = explain(worked_output())
    view = embedded_data(lesson(worked_output()).html)["view"]
    steps = view["steps"]
    assert [p["text"] for p in steps[0]["lines"]] == [explanation.start_text()]
    for step, lines in zip(steps[1:], explanation.step_lines()):
        assert [p["text"] for p in step["lines"]] == list(lines)
    assert [s["position"] for s in steps] == [f"{k} of 4" for k in range(5)]
    # The panel at x's step: each parent's local derivative × upstream = contribution, running sum.
    rows = [
        {c: r[c]["text"] for c in ("local", "upstream", "product", "sum")} for r in steps[2]["rows"]
    ]
    assert [r["parent"] for r in steps[2]["rows"]] == ["v1", "b"]
    assert rows == [
        {
            "local": "∂x/∂v1 = 1",
            "upstream": "dz/dx = 5",
            "product": "1 × 5 = 5",
            "sum": "dz/dv1 = 5",
        },
        {
            "local": "∂x/∂b = 1",
            "upstream": "dz/dx = 5",
            "product": "1 × 5 = 5",
            "sum": "dz/db so far 5 (1 of 2 contributions)",
        },
    ]
    assert steps[4]["rows"][0]["sum"]["text"] == "dz/db = 5 + 10 = 15 (2 of 2 contributions)"
    assert (steps[2]["node"], steps[2]["edges"]) == ("node-x", ["edge-x-0", "edge-x-1"])
    assert steps[4]["edges"] == ["edge-y-0"]  # not the dashed edge from the constant 1
    # b's box: ? until x's step, 5 from it, 5 + 10 = 15 from y's; its name says the same.
    b = next(n for n in view["nodes"] if n["id"] == "b")
    assert [known(b["grad"], "lesson", k, 0) for k in range(5)] == [
        "?",
        "?",
        "5",
        "5",
        "5 + 10 = 15",
    ]
    assert known(b["label"], "lesson", 0, 0) == "b = 4; dz/db = ?"
    assert known(b["label"], "lesson", 4, 0) == "b = 4; dz/db = 5 + 10 = 15 (2 of 2 contributions)"
    assert known(b["sum"], "lesson", 3, 0) == "?"
    assert known(b["sum"], "lesson", 4, 0) == explanation.chain_sum("b").text()


def test_every_page_holds_the_questions_of_both_modes():
    explanation = explain(worked_output())
    view = embedded_data(lesson(worked_output()).html)[
        "view"
    ]  # saved as a lesson: the buttons work
    for mode in ("practice", "trainer"):
        expected = json.loads(json.dumps([q.to_dict() for q in questions(explanation, mode)]))
        kept = [
            {k: v for k, v in q.items() if k not in ("row", "cell")} for q in view["modes"][mode]
        ]
        assert kept == expected
    practice = view["modes"]["practice"]
    # x and y are complete after z's step, w after v1's, b after y's (v1, unnamed, is not asked).
    assert [(q["node"], q["step"], q["row"]) for q in practice] == [
        ("x", 1, 0),
        ("y", 1, 1),
        ("w", 3, 0),
        ("b", 4, 0),
    ]
    assert practice[3]["label"] == "Your value for dz/db" and practice[3]["prompt"] == "dz/db ="
    trainer = view["modes"]["trainer"]
    assert [(q["kind"], q["step"], q["prompt"]) for q in trainer][-3:] == [
        ("local", 4, "∂y/∂b ="),
        ("product", 4, "∂y/∂b × dz/dy ="),
        ("sum", 4, "dz/db = 5 + 10 ="),
    ]
    assert trainer[0]["label"] == "Your value for ∂z/∂x"
    assert len(trainer) == 13  # 5 edges send gradient: a local and a product each, and b's sum
    assert re.fullmatch(view["text"]["number"], "-2.5e1")
    assert view["text"]["not_a_number"].startswith("That is not a number")


def test_each_node_is_due_at_the_last_step_that_sends_to_it():
    a = Value(2.0, label="a")
    h = named(a * a, "h")  # a twice, in one step
    y = named(h * a + a, "y")
    data = embedded_data(lesson(y).html)
    steps = data["explanation"]["backward"]
    due = {q["node"]: q["step"] for q in data["view"]["modes"]["practice"]}
    for name, k in due.items():
        senders = [i + 1 for i, s in enumerate(steps) for e in s["edges"] if e["parent"] == name]
        assert k == max(senders)
    asked = [q["node"] for q in data["view"]["modes"]["practice"]]
    assert asked == sorted(asked, key=due.get)
    # The trainer asks for a's sum once, when its fourth contribution arrives.
    sums = [
        (q["node"], q["prompt"]) for q in data["view"]["modes"]["trainer"] if q["kind"] == "sum"
    ]
    assert sums == [("a", "dy/da = 1 + 4 + 4 + 4 =")]  # 3a² + 1 = 13


def test_two_constants_alike_get_their_own_elements():
    w = Value(3.0, label="w")
    y = named(2 * w * 2, "y")  # two constants 2: ids 2 and 2#2
    page = lesson(y).html
    # Both read "2" on screen; the page tells them apart by their ids.
    assert page.count('data-node="2"') == page.count('data-node="2#2"') == 1
    assert '<g id="node-2" class="node constant"' in page
    assert '<g id="node-2_23_2" class="node constant"' in page
    assert '<g id="edge-y-1" class="edge constant" data-edge="y-&gt;2#2#1">' in page


def test_lesson_after_explain_leaves_every_grad_as_it_was():
    w, b = Value(3.0, label="w"), Value(4.0, label="b")
    z = named(named(2 * w + b, "x") * named(b + 1, "y"), "z")
    w.grad = 0.25  # set by hand before: it stays
    explain(z)
    page = lesson(z)
    lesson(z, practice=True)
    assert (w.grad, b.grad, z.grad) == (0.25, 0.0, 0.0)
    # The page shows the explanation's gradients, not .grad.
    assert ">grad 10<" in page.html and ">grad 5 + 10 = 15<" in page.html


def test_text_cannot_close_the_script_or_break_the_page():
    a = Value(2.0, label="</script><b>")
    y = named(a * float("inf"), "y & <y>")
    page = lesson(y, title="A <title> with @@SVG@@").html
    data = embedded_data(page)
    assert data["title"] == "A <title> with @@SVG@@"
    assert data["explanation"]["nodes"][-1]["value_text"] == "inf"
    assert "</script><b>" not in page
    assert "<title>A &lt;title&gt; with @@SVG@@</title>" in page


def test_save_and_the_notebook_view(tmp_path):
    page = lesson(worked_output())
    assert isinstance(page, Lesson)
    path = page.save(tmp_path / "out" / "lesson.html")
    assert path.read_text(encoding="utf-8") == page.html
    frame = page._repr_html_()
    assert frame.count("<iframe ") == 1 and 'sandbox="allow-scripts"' in frame
    srcdoc = re.search(r'<iframe srcdoc="([^"]*)"', frame).group(1)
    assert html.unescape(srcdoc) == page.html
    # In a notebook's text view (and the .ipynb's text/plain) a lesson is its title.
    assert repr(page) == "Lesson(title='Backpropagation through z = x·y = 10·5 = 50')"


def test_parameters_are_drawn_as_parameters():
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    y = named(w * x, "y")
    data = embedded_data(lesson(y, params=[w]).html)
    assert [n["kind"] for n in data["explanation"]["nodes"]] == ["parameter", "input", "output"]


def test_too_many_nodes_get_the_same_advice_as_render():
    total = Value(0.0)
    for i in range(300):
        total = total + Value(float(i))
    with pytest.raises(
        ValueError, match=r"601 nodes, more than max_nodes=500: .* piece of it \(one neuron"
    ):
        lesson(total)


def test_without_dot_the_same_install_hint(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GraphvizNotInstalledError, match=re.escape(INSTALL_DOT)):
        lesson(worked_output())


def test_lesson_needs_a_value():
    with pytest.raises(TypeError, match=r"lesson: expected a Value, got float 3\.0"):
        lesson(3.0)
