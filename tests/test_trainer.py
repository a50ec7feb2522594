"""The chain-rule trainer's questions and their diagnoses, and practice's feedback
about the drawn step: the numbers checked against the engine's gradients (grad()
for the lecture neuron) and against each local rule evaluated on its own by the
command line's parser, not against explain's text.
"""

import math

import pytest
from worked import LECTURE_AT, LECTURE_NEURON, lecture_neuron, worked_output

from autograd import explain, grad
from autograd.cli import parse_program
from autograd.explain import format_number
from autograd.practice import (
    CODES,
    LOCAL_RULE,
    Exercise,
    exercise,
    questions,
    score_card,
    tolerance,
)


def evaluate(expression: str) -> float:
    """A formula with its numbers put in (``2·(-0.537883)``), read by the command
    line's own parser: an oracle for a local derivative that explain did not compute."""
    python = expression.replace("·", "*").replace("^", "**").replace("ln(", "log(")
    output, _ = parse_program(f"d = {python}").run({})
    return output.data


def sources():
    yield pytest.param(explain(worked_output()), id="worked")
    yield pytest.param(explain(lecture_neuron()), id="lecture-neuron")
    for level in (1, 2, 3, 4):
        for seed in (0, 7, 21):
            yield pytest.param(exercise(level, seed).explanation(), id=f"level{level}-seed{seed}")


SOURCES = list(sources())


@pytest.mark.parametrize("explanation", SOURCES)
def test_right_answers_are_accepted(explanation):
    asked = questions(explanation, "trainer")
    assert asked, "every source has edges that send gradient"
    backward = explanation.backward
    for q in asked:
        step = backward[q.step - 1]
        right = q.diagnosis.gradient
        assert q.judge(right).correct and q.judge(right).mistake is None
        if q.kind == "local":
            edge = step.edges[q.slot]
            assert right == edge.local
            if edge.local_formula.template and "if" not in edge.local_formula.text():
                assert evaluate(edge.local_formula.numbers()) == pytest.approx(right, rel=1e-5)
        elif q.kind == "product":
            edge = step.edges[q.slot]
            assert right == pytest.approx(edge.local * explanation.gradients[step.node])
        else:  # a sum: the node's whole gradient, as the engine has it
            assert right == explanation.gradients[q.node]
    # Questions come step by step; at each edge, the local derivative before its product.
    assert [q.step for q in asked] == sorted(q.step for q in asked)
    kinds = [(q.step, q.node, q.slot, q.kind) for q in asked]
    for step, node, slot, kind in kinds:
        if kind == "product":
            assert kinds.index((step, node, slot, "local")) < kinds.index((step, node, slot, kind))
    # One sum per node with more than one contribution, asked once all have arrived.
    several = {
        e.parent
        for s in backward
        for e in s.edges
        if not e.constant and e.arrivals > 1
    }  # fmt: skip
    assert sorted(q.node for q in asked if q.kind == "sum") == sorted(several)


@pytest.mark.parametrize("explanation", SOURCES)
def test_every_planted_wrong_local_derivative_is_diagnosed(explanation):
    for q in questions(explanation, "trainer"):
        if q.kind != "local":
            continue
        step = explanation.backward[q.step - 1]
        edge = step.edges[q.slot]
        local = edge.local
        rule = f"{q.diagnosis.symbol} for {step.node} = {step.formula.text()} is "
        planted = [
            local + 1,
            2 * local + 3,
            local - 0.75,
            explanation.value(edge.parent) + 0.5,
            7.25,
        ]
        for wrong in planted:
            if abs(wrong - local) <= tolerance(local) or abs(wrong + local) <= tolerance(local):
                continue
            verdict = q.judge(wrong)
            assert (verdict.correct, verdict.mistake) == (False, LOCAL_RULE)
            # The rule, with its number last: "∂z/∂x for z = x·y is y = 5".
            assert rule in verdict.message and verdict.message.endswith(format_number(local))
        if abs(local) > tolerance(local):
            sign = q.judge(-local)
            assert sign.mistake == "sign" and rule in sign.message


def test_the_rule_is_named_as_a_teacher_says_it():
    asked = questions(explain(worked_output()), "trainer")
    first = asked[0]
    assert (first.kind, first.prompt, first.label()) == ("local", "∂z/∂x =", "Your value for ∂z/∂x")
    assert first.judge(10).message == "∂z/∂x: not the local derivative; ∂z/∂x for z = x·y is y = 5"
    assert first.judge(-5).message == (
        "∂z/∂x: you have -5, which has the right size but the wrong sign; "
        "∂z/∂x for z = x·y is y = 5"
    )
    assert first.judge(5).message == "∂z/∂x = 5: right"
    # The product with the upstream gradient: one factor left out, or the sign.
    product = next(q for q in asked if q.kind == "product" and q.node == "b" and q.step == 2)
    assert product.prompt == "∂x/∂b × dz/dx ="
    assert product.judge(5).correct
    assert product.judge(1).mistake == "no-upstream"
    assert product.judge(1).message == (
        "∂x/∂b × dz/dx: you have 1, which is the local derivative ∂x/∂b alone; "
        "multiply it by the upstream gradient dz/dx = 5"
    )
    assert product.judge(-5).mistake == "sign"
    assert product.judge(3).mistake == "other"
    # b's sum when its second contribution arrives, at y's step.
    total = asked[-1]
    assert (total.kind, total.step, total.prompt) == ("sum", 4, "dz/db = 5 + 10 =")
    assert total.judge(15).message == "dz/db = 5 + 10 = 15: right"
    assert total.judge(10).mistake == "missed-path"
    assert total.judge(10).message == (
        "dz/db: you have 10, which is what b received from y only; b also receives 5 from x"
    )
    assert total.judge(-15).mistake == "sign"
    assert total.diagnosis.explanation == "dz/db = 5 + 10 = 15"


def test_the_lecture_neuron_in_the_trainer():
    explanation = explain(lecture_neuron())
    parsed = parse_program(LECTURE_NEURON)
    output, nodes = parsed.run(dict(LECTURE_AT))
    names = list(nodes)
    engine = dict(zip(names, grad(output, [nodes[n] for n in names])))
    asked = questions(explanation, "trainer")
    tanh = asked[0]
    assert tanh.prompt == "∂o/∂n ="
    assert tanh.diagnosis.gradient == pytest.approx(0.5)  # 1 - tanh(0.8814)² = 1/2
    assert "∂o/∂n for o = tanh(n) is 1 - o^2 = 1 - 0.707107^2 = 0.5" in tanh.judge(0.7).message
    # Each product is local × upstream; the last answer for each node is its gradient.
    last = {}
    for q in asked:
        if q.kind in ("product", "sum"):
            last[q.node] = q.diagnosis.gradient
    for name in ("x1", "w1", "x2", "w2", "b", "n"):
        assert last[name] == pytest.approx(engine[name], abs=1e-12)
    assert engine["w2"] == 0.0  # x2 = 0: a zero gradient is still asked, and 0 is right
    w2 = [q for q in asked if q.node == "w2" and q.kind == "product"][-1]
    assert w2.judge(0).correct and w2.judge(0.005).correct


@pytest.mark.parametrize("seed", range(12))
def test_random_exercises_right_and_slips_in_the_trainer(seed):
    ex = exercise(1 + seed % 4, seed)
    for q in questions(ex, "trainer"):
        verdicts = q.diagnosis.verdicts()
        # Every listed slip is named by its own number, and none is the right answer.
        for verdict in verdicts[1:]:
            assert q.judge(verdict.value).mistake == verdict.code
            assert abs(verdict.value - q.diagnosis.gradient) > tolerance(q.diagnosis.gradient)
        assert {v.code for v in verdicts[1:]} | {q.diagnosis.other_code} <= set(CODES)
        assert q.judge(math.pi * 1000).mistake == q.diagnosis.other_code
        assert q.diagnosis.other_code == (LOCAL_RULE if q.kind == "local" else "other")


def test_practice_speaks_of_the_drawn_step():
    # L uses h through the unnamed v2 = h - y: the graph draws v2 sending h its gradient.
    ex = Exercise("s = w*x + b; h = tanh(s); L = (h - y)**2", {"w": 0.5, "x": 2, "b": -0.5, "y": 1})
    h = next(d for d in ex.diagnoses() if d.node == "h")
    assert h.judge(1.0).message == (
        "dL/dh: you have 1, which is the local derivative ∂v2/∂h alone; "
        "multiply it by the upstream gradient dL/dv2 = -1.07577"
    )
    assert h.judge(7.0).message.endswith("work it out as dL/dh = dL/dv2·∂v2/∂h")
    assert h.explanation == "dL/dh = ∂L/∂h = -1.07577   (∂L/∂h = ∂L/∂v2·∂v2/∂h = (-1.07577)·1)"
    # Practice's own questions carry the step the page asks them at.
    assert [(q.node, q.step) for q in questions(ex, "practice")] == [
        ("h", 2),
        ("y", 2),
        ("s", 3),
        ("b", 4),
        ("w", 5),
        ("x", 5),
    ]


def test_a_node_used_twice_in_practice():
    # h = a·a: two edges from a, one term each; a missed edge is named by its number.
    ex = Exercise("h = a*a; y = h + a", {"a": 3})
    a = next(d for d in ex.diagnoses() if d.node == "a")
    assert a.explanation == "dy/da = ∂y/∂h·∂h/∂a + ∂y/∂h·∂h/∂a + ∂y/∂a = 1·3 + 1·3 + 1 = 7"
    assert a.judge(4.0).message == (
        "dy/da: you have 4, which is the path through h, along edge 1 of 2 plus the direct "
        "edge from y only; a also reaches y through h, along edge 2 of 2 (3)"
    )
    # The last step of the chain rule, one term per drawn edge, in the order they send.
    assert a.judge(-7.0).message.endswith("dy/da = ∂y/∂a + dy/dh·∂h/∂a + dy/dh·∂h/∂a")


def test_questions_refuse_an_unknown_mode():
    with pytest.raises(ValueError, match="mode must be one of practice, trainer, got 'quiz'"):
        questions(explain(worked_output()), "quiz")


def test_the_score_card():
    assert score_card(9, 7, {"local-rule": 2, "sign": 1, "other": 0}, 1) == [
        "Score: 7 of 9 right at the first try",
        "1 × sign: the wrong sign",
        "2 × local-rule: a wrong local derivative",
        "Shown without an answer: 1",
    ]
    assert score_card(4, 4, {}, 0) == ["Score: 4 of 4 right at the first try"]
