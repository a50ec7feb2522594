"""lesson(): the page as a file, read without a browser (tests/test_lesson_page.py opens it)."""

import html
import json
import re
import shutil

import pytest
from worked import named, worked_output

from autograd import Lesson, Value, explain, lesson
from autograd.draw import INSTALL_DOT, GraphvizNotInstalledError
from autograd.practice import practice_data

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
    assert (data["title"], data["practice_mode"]) == ("Worked example", True)
    assert data["start_gradients"]["z"] == "1"
    assert data["start_gradients"]["b"] == "?"
    assert embedded_data(lesson(worked_output()).html)["practice_mode"] is False


def test_every_page_holds_the_practice_data():
    data = embedded_data(lesson(worked_output()).html)  # saved without practice: the toggle works
    assert data["practice"] == json.loads(json.dumps(practice_data(explain(worked_output()))))
    # x and y are complete after z's step, v1 after x's, w after v1's, b after y's.
    steps = data["practice_steps"]
    assert [step["complete"] for step in steps] == [["x", "y"], ["v1"], ["w"], ["b"]]
    # Whose gradient each line tells: x's step tells dz/dx, then what v1 and b receive.
    assert steps[1]["lines"] == ["x", "v1", "b"]
    lines = data["explanation"]["backward"][1]["lines"]
    assert len(lines) == 3 and "b receives" in lines[2]
    assert re.fullmatch(data["practice_text"]["number"], "-2.5e1")
    assert data["practice_text"]["not_a_number"].startswith("That is not a number")


def test_each_node_is_due_at_the_last_step_that_sends_to_it():
    a = Value(2.0, label="a")
    h = named(a * a, "h")  # a twice, in one step
    y = named(h * a + a, "y")
    data = embedded_data(lesson(y).html)
    steps = data["explanation"]["backward"]
    due = {name: k for k, step in enumerate(data["practice_steps"]) for name in step["complete"]}
    for name, k in due.items():
        senders = [i for i, s in enumerate(steps) for e in s["edges"] if e["parent"] == name]
        assert k == max(senders)
    asked = [n["node"] for n in data["practice"]["nodes"]]
    assert asked == sorted(asked, key=due.get) and set(asked) <= set(due)


def test_two_constants_alike_get_their_own_elements():
    w = Value(3.0, label="w")
    y = named(2 * w * 2, "y")  # two constants 2: ids 2 and 2#2
    page = lesson(y).html
    assert page.count('data-node="2"') == 2
    assert '<g id="node-2" class="node constant"' in page
    assert '<g id="node-2_23_2" class="node constant"' in page
    assert '<g id="edge-y-1" class="edge constant" data-edge="y-&gt;2#1">' in page


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
