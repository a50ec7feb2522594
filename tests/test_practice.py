"""Practice: exercises, the diagnosis of a wrong answer, the trainer's questions,
the terminal dialogue, worksheets.

The diagnoses are checked against an oracle written here from the program
itself, drawn as the page draws it: Python's ``ast`` splits each statement into
its operations (x = 2*w + b is v1 = 2*w, then x = v1 + b), grad() of each
operation on its own, every operand a fresh input, gives each drawn edge's local
derivative (x*x has two edges), and the chain rule along those edges gives
the upstream gradients, checked against the engine's grad(). Nothing in it
reads explain() or practice's own graph.
"""

import ast
import copy
import functools
import io
import itertools
import json
import math
import os
import random
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import explain, grad
from autograd.cli import main
from autograd.draw import check_drawable
from autograd.practice import (
    Exercise,
    PracticeError,
    check,
    diagnose,
    exercise,
    practice_data,
    questions,
    tolerance,
    worksheet,
)
from autograd.program import FUNCTIONS, parse_program

ROOT = Path(__file__).resolve().parent.parent
WORKED = Exercise("x = 2*w + b; y = b + 1; z = x*y", {"w": 3, "b": 4})

# The documented order in which slips are tried (practice.MISTAKES); a wrong
# local derivative in the trainer that is no sign slip is a wrong rule.
PRIORITY = ("missed-path", "no-local", "no-upstream", "sign", "forward-value", "local-rule")


def matches(answer, value):
    return abs(answer - value) <= tolerance(value)


@functools.cache
def one_operation(template):
    """One operation as a program of its own: t = p0*p1, t = tanh(p0), t = 2 - p0."""
    return parse_program(f"t = {template}")


def local_derivatives(template, numbers):
    """An operation's value and its local derivatives at ``numbers``, by grad()."""
    top, leaves = one_operation(template).run({f"p{i}": x for i, x in enumerate(numbers)})
    return top.data, grad(top, [leaves[f"p{i}"] for i in range(len(numbers))])


class Oracle:
    """The graph the page draws, from the program's syntax, at the exercise's
    inputs (or at ``at``): what each slip gives at each question practice and
    the trainer ask.

    Nodes are the inputs, the statements' names, and one "#k" per unnamed
    operation; numbers in the program are constants, which get no gradient.
    ``edges[m]`` lists (user, slot, ∂user/∂m) for each drawn edge into m.
    """

    def __init__(self, ex, at=None):
        self.values = {name: float(v) for name, v in (ex.at if at is None else at).items()}
        self.operations = {}  # key -> (template, [(slot, operand key)]), in the order computed
        statements = ast.parse(ex.program).body
        for statement in statements:
            self.node(statement.value, statement.targets[0].id)
        self.out = statements[-1].targets[0].id
        self.edges = {key: [] for key in [*self.values, *self.operations]}
        self.rules = set()  # the edges whose local derivative depends on the numbers
        for key, (template, operands) in self.operations.items():
            numbers = [self.values[m] for _, m in operands]
            self.values[key], locals_ = local_derivatives(template, numbers)
            _, elsewhere = local_derivatives(template, [x + 0.37 for x in numbers])
            for (slot, m), local, other in zip(operands, locals_, elsewhere):
                self.edges[m].append((key, slot, local))
                if local != other:
                    self.rules.add((key, slot))
        # The chain rule along the drawn edges, the output first.
        self.gradients = {self.out: 1.0}
        for key in reversed([*ex.at, *self.operations]):
            if key != self.out:
                self.gradients[key] = sum(self.gradients[u] * d for u, _, d in self.edges[key])
        # The engine agrees about every named node.
        parsed = parse_program(ex.program)
        output, named = parsed.run({n: self.values[n] for n in parsed.inputs})
        engine = grad(output, list(named.values()))
        for name, g in zip(named, engine):
            assert self.gradients[name] == pytest.approx(g, rel=1e-9, abs=1e-12), (ex, name)
        self.named = [n for n in named if n != self.out]
        self.names = self.drawn_names(set(named))

    def node(self, expression, name=None):
        """The key of the node ``expression`` computes, its operations added
        first (left operand first); None for a number."""
        if isinstance(expression, ast.Name):
            return expression.id
        try:
            ast.literal_eval(expression)  # 2, -1, 0.5: a number of the program
            return None
        except ValueError:
            pass
        shell, operands = copy.copy(expression), []

        def operand(slot, child):
            key = self.node(child)
            if key is None:
                return child
            operands.append((slot, key))
            return ast.Name(f"p{len(operands) - 1}", ast.Load())

        if isinstance(expression, ast.BinOp):
            shell.left, shell.right = operand(0, expression.left), operand(1, expression.right)
        elif isinstance(expression, ast.UnaryOp):
            shell.operand = operand(0, expression.operand)
        else:  # a function of one argument
            shell.args = [operand(0, expression.args[0])]
        key = name or f"#{len(self.operations)}"
        self.operations[key] = (ast.unparse(shell), operands)
        return key

    def drawn_names(self, taken):
        """Each node's name on the page: its own, or v1, v2, ... for the unnamed
        operations, counted depth first from the output, left operand first,
        skipping the program's names."""
        names, counter = {}, itertools.count(1)

        def visit(key):
            names[key] = key
            for _, m in self.operations.get(key, ("", []))[1]:
                if m not in names:
                    visit(m)
            if key.startswith("#"):
                names[key] = next(f"v{k}" for k in counter if f"v{k}" not in taken)

        visit(self.out)
        return names

    def paths(self, node):
        """Each drawn path's product of local derivatives, from the output down to
        ``node`` (an edge that an operation uses twice is two paths)."""
        if node == self.out:
            return [1.0]
        return [p * local for user, _, local in self.edges[node] for p in self.paths(user)]

    def slips(self, node):
        """What each slip gives for d(output)/d(node): some paths left out; the
        drawn edges' upstream gradients, or their local derivatives, alone; the
        sign; the forward value."""
        edges = self.edges[node]
        return {
            "missed-path": subsets(self.paths(node)),
            "no-local": [sum(self.gradients[u] for u, _, _ in edges)],
            "no-upstream": [sum(local for _, _, local in edges)],
            "sign": [-self.gradients[node]],
            "forward-value": [self.values[node]],
        }

    @functools.cached_property
    def questions(self):
        """Every question, keyed as the page asks it, with its right answer, what
        each slip gives, and the code of a wrong answer that is no slip:
        ("gradient", node) in practice; in the trainer, ("local", user, node,
        slot) and ("product", user, node, slot) for each drawn edge, and
        ("sum", node) for a node that receives more than one contribution."""
        asked = {("gradient", n): (self.gradients[n], self.slips(n), "other") for n in self.named}
        for node, edges in self.edges.items():
            for user, slot, local in edges:
                upstream = self.gradients[user]
                where = (self.names[user], self.names[node], slot)
                # A wrong rule, where the derivative depends on the numbers: the
                # operand's value, or the operation's, in its place (x for ∂z/∂x of
                # z = x·y; tanh(s) for ∂h/∂s). A + or a number times has no rule to
                # get wrong but the sign.
                local_slips = {"sign": [-local]}
                if (user, slot) in self.rules:
                    local_slips["local-rule"] = [self.values[node], self.values[user]]
                asked[("local", *where)] = (local, local_slips, "local-rule")
                product_slips = {
                    "no-local": [upstream],
                    "no-upstream": [local],
                    "sign": [-local * upstream],
                }
                asked[("product", *where)] = (local * upstream, product_slips, "other")
            if len(edges) > 1:
                received = [self.gradients[u] * local for u, _, local in edges]
                total = self.gradients[node]
                sum_slips = {"missed-path": subsets(received), "sign": [-total]}
                asked[("sum", self.names[node])] = (total, sum_slips, "other")
        return asked


def subsets(terms):
    """The sums of some of ``terms``, not none and not all."""
    return [
        sum(chosen)
        for size in range(1, len(terms))
        for chosen in itertools.combinations(terms, size)
    ]


def expected_verdict(answer, gradient, slips, otherwise="other"):
    """Right; else the first slip in PRIORITY that gives this answer (a slip that
    gives the right answer is no slip); else ``otherwise``."""
    if matches(answer, gradient):
        return None
    for code in PRIORITY:
        if any(matches(answer, v) and not matches(v, gradient) for v in slips.get(code, ())):
            return code
    return otherwise


def key_of(question, explanation):
    """A trainer question's key in Oracle.questions, from where the page asks it."""
    if question.kind == "sum":
        return ("sum", question.node)
    user = explanation.backward[question.step - 1].node
    return (question.kind, user, question.node, question.slot)


SEEDS = range(300)


@functools.cache
def exercises(level):
    """The exercises of ``level`` for SEEDS, made once for all the tests."""
    return tuple(exercise(level, seed) for seed in SEEDS)


@functools.cache
def oracle(level, seed):
    return Oracle(exercises(level)[seed])


def planted(right, slips, otherwise):
    """Each number a slip gives, with its code, and one that no slip gives."""
    return [(code, v) for code, values in slips.items() for v in values] + [
        (otherwise, right + 1000.125)
    ]


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_every_level_over_300_seeds(level):
    """Each exercise runs, has friendly inputs and the engine's gradients; in the
    first hundred, every slip planted at every question, in practice and in
    the trainer, gets the verdict it should."""
    for seed in SEEDS:
        ex = exercises(level)[seed]
        parsed = parse_program(ex.program)  # it parses, and runs without a domain error
        output, _ = parsed.run(parsed.bind(dict(ex.at)))
        assert ex.value == output.data
        assert all(v == round(v, 1) and abs(v) <= 5 for v in ex.at.values()), ex.at
        assert list(ex.at) == list(parsed.inputs)  # given in the order the program uses them
        exact = oracle(level, seed)
        gradients = ex.gradients()
        assert set(gradients) == set(parsed.inputs) | set(parsed.assigned[:-1])
        for node, value in gradients.items():
            assert value == pytest.approx(exact.gradients[node], abs=1e-12)
        assert all(f.correct for f in check(ex, gradients)), ex.program
        if seed >= 100:
            continue
        for node, gradient in gradients.items():
            right, slips, otherwise = exact.questions[("gradient", node)]
            where = f"level {level} seed {seed}: {ex.heading()}; {node}"
            for code, answer in planted(right, slips, otherwise):
                verdict = check(ex, {node: answer})[node]
                want = expected_verdict(answer, gradient, slips, otherwise)
                assert verdict.mistake == want, f"{where} = {answer} ({code})"
                assert verdict.correct == (want is None), where
                assert verdict.message.startswith(f"d{ex.output}/d{node}"), where
            paths = exact.paths(node)
            for path in paths:  # on several paths, each can be missed alone
                if len(paths) > 1:
                    assert check(ex, {node: path})[node].mistake == "missed-path", where
        # The trainer asks about every drawn edge, and the sum of every node
        # that receives more than one contribution; nothing else.
        asked = questions(ex, "trainer")
        explanation = ex.explanation()
        keys = [key_of(q, explanation) for q in asked]
        assert sorted(keys) == sorted(k for k in exact.questions if k[0] != "gradient")
        for q, key in zip(asked, keys):
            right, slips, otherwise = exact.questions[key]
            assert q.diagnosis.gradient == pytest.approx(right, abs=1e-12), key
            for code, answer in planted(right, slips, otherwise):
                verdict = q.judge(answer)
                want = expected_verdict(answer, right, slips, otherwise)
                where = f"level {level} seed {seed}: {ex.heading()}; {key} = {answer} ({code})"
                assert verdict.mistake == want, where
                assert verdict.correct == (want is None), where


# Other inputs, each moved a little: two numbers that stay equal there are equal
# whatever the inputs (the same slip in this graph); two that part were equal by chance.
NUDGES = (
    (1e-3, -2e-3, 3e-3, -1.5e-3, 2.5e-3, -3.5e-3, 1.2e-3, -0.7e-3, 2.2e-3, -1.1e-3),
    (-1.7e-3, 1.3e-3, 2.9e-3, 0.9e-3, -2.3e-3, 1.9e-3, -3.1e-3, 2.7e-3, -0.5e-3, 1.6e-3),
)


def numbers(exact, key):
    """The right answer to a question and what each slip gives there, each with its own key."""
    right, slips, _ = exact.questions[key]
    keyed = {"right": right}
    for code, values in slips.items():
        keyed.update({(code, i): v for i, v in enumerate(values)})
    return keyed


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_every_slip_gives_its_own_number(level):
    """At every question, in practice and in the trainer, a planted slip gives a
    number no other slip gives (and not the right answer), unless the two give
    the same number at any inputs: forgetting ∂e/∂y = -1 is a sign slip,
    forgetting a local derivative of 1 is no slip at all, and exp's value is
    its derivative."""
    for seed in SEEDS:
        ex, exact = exercises(level)[seed], oracle(level, seed)
        nudged = [
            Oracle(ex, {n: v + d for (n, v), d in zip(ex.at.items(), nudge)}) for nudge in NUDGES
        ]
        for key in exact.questions:
            here = numbers(exact, key)
            elsewhere = [numbers(o, key) for o in nudged]
            for a, b in itertools.combinations(here, 2):
                if a[0] == b[0] == "local-rule":
                    continue  # two wrong rules, one verdict: "the rule is ..."
                if abs(here[a] - here[b]) <= max(tolerance(here[a]), tolerance(here[b])):
                    assert all(
                        abs(there[a] - there[b]) <= 1e-9 * max(1.0, abs(there[a]))
                        for there in elsewhere
                    ), f"level {level} seed {seed}: {ex.heading()}; {key}: {a} = {b} = {here[a]}"


def test_the_oracle_reads_the_steps_the_page_draws():
    """A slip means the drawn step: z = x*y*b draws v1 = x*y, so forgetting the local
    derivative in dz/dx leaves the upstream gradient dz/dv1 = b, not dz/dz = 1."""
    ex = Exercise("x = b - 1; y = b - 2; z = x*y*b", {"b": 4})
    exact = Oracle(ex)
    assert exact.names["#2"] == "v1" and exact.edges["x"] == [("#2", 0, 2.0)]
    right, slips, otherwise = exact.questions[("gradient", "x")]
    assert (right, slips["no-local"], slips["no-upstream"], otherwise) == (
        8.0,
        [4.0],
        [2.0],
        "other",
    )
    assert check(ex, {"x": 4.0})["x"].mistake == "no-local"
    # b reaches z along three drawn edges, one per path; the trainer asks each edge.
    assert sorted(exact.paths("b")) == [6.0, 8.0, 12.0]
    assert exact.questions[("local", "v1", "x", 0)] == (
        2.0,
        {"sign": [-2.0], "local-rule": [3.0, 6.0]},  # x's value, v1's value
        "local-rule",
    )
    assert exact.questions[("local", "x", "b", 0)][1] == {"sign": [-1.0]}  # no rule but the sign
    assert exact.questions[("sum", "b")][0] == 26.0


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_thirty_different_exercises_in_a_hundred_seeds(level):
    """Distinct programs with their values, and distinct structures (the program with
    its numbers blanked out): at least 30 of each in 100 seeds."""
    hundred = exercises(level)[:100]
    programs = {(ex.program, tuple(ex.at.items())) for ex in hundred}
    structures = {shape(ex.program) for ex in hundred}
    assert len(programs) >= 30 and len(structures) >= 30, (len(programs), len(structures))


def shape(program):
    """The program with every number blanked: x = #*w + b; y = b + #; z = x*y."""
    return re.sub(r"\d+(\.\d+)?", "#", program)


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_programs_read_like_a_teachers(level):
    """Short, named as on the board, never a function's name, well within the page's limits."""
    for ex in exercises(level):
        parsed = parse_program(ex.program)
        assert len(parsed.assigned) <= 8, ex.program
        names = set(parsed.inputs) | set(parsed.assigned)
        assert not names & set(FUNCTIONS), ex.program
        assert all(re.fullmatch(r"[a-zA-Z][0-9]?", name) for name in names), ex.program
        # Far below the server's limits (200 nodes, a node used 20 times).
        check_drawable(parsed.run(dict(ex.at))[0], max_nodes=30, max_uses=4)


def test_exercises_are_pinned_by_seed():
    """The same level and seed give the same exercise everywhere (only Random.random is used)."""
    pinned = {
        (1, 0): ("x = a*b; y = c - x; u = d + y; z = 4 - u", {"a": -2, "b": 3, "c": -3, "d": -3}),
        (1, 3): ("x = 2 - a; z = x*b", {"a": -3, "b": 2}),
        (2, 3): ("p = b + 2; x = 2*p + w; y = c*b; z = x*y + b", {"b": 2, "w": 3, "c": 3}),
        (2, 19): ("x = w*b; y = 3 - b; z = x*y", {"w": 2, "b": -4}),
        (3, 1): ("u = 2 - a; y = tanh(u); z = 2*y + d", {"a": 3, "d": -4}),
        (3, 6): (
            "u = a - b; y = sigmoid(u); g = exp(d); z = y + g",
            {"a": 3, "b": 2.5, "d": -1},
        ),
        (4, 1): ("s = w*x + b; h = tanh(s); L = (h - y)**2", {"w": 0.5, "x": -2, "b": 0.5, "y": 1}),
        (4, 3): (
            "s = w1*x1 + w2*x2 + w3*x3; h = tanh(s); e = h - y; L = 0.5*e**2",
            {"w1": -2, "x1": 3, "w2": -2, "x2": 4, "w3": 2.9, "x3": 5, "y": 1},
        ),
    }
    for (level, seed), (program, at) in pinned.items():
        ex = exercise(level, seed)
        assert (ex.program, ex.at) == (program, at)
        assert list(ex.at) == list(at) and (ex.level, ex.seed) == (level, seed)


class OnlyRandom(random.Random):
    """A generator whose other draws fail: choice, randrange, shuffle and sample all
    use getrandbits, whose sequence Python does not promise across versions."""

    def getrandbits(self, k):
        raise AssertionError("exercise drew with something other than random()")


def test_exercises_draw_with_random_only(monkeypatch):
    expected = [exercise(level, seed) for level in (1, 2, 3, 4) for seed in range(10)]
    monkeypatch.setattr("autograd.practice.random.Random", OnlyRandom)
    assert [exercise(level, seed) for level in (1, 2, 3, 4) for seed in range(10)] == expected


def test_the_same_exercises_and_worksheets_in_another_process():
    """Nothing depends on the order of a set or a dict's hashing: a process with
    another hash seed makes the same exercises, and the same worksheet."""
    source = (
        "from autograd.practice import exercise, worksheet\n"
        "for level in (1, 2, 3, 4):\n"
        "    for seed in range(0, 300, 15):\n"
        "        ex = exercise(level, seed)\n"
        "        print(ex.program, sorted(ex.at.items()))\n"
        "print(worksheet(3, level=4, seed=20, fmt='latex'))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=120, env=env
    )
    assert (result.returncode, result.stderr) == (0, "")
    here = [
        f"{ex.program} {sorted(ex.at.items())}"
        for level in (1, 2, 3, 4)
        for ex in exercises(level)[::15]
    ]
    assert result.stdout == "\n".join(here) + "\n" + worksheet(3, 4, 20, "latex") + "\n"


def test_what_each_level_uses():
    for ex in exercises(1):  # a chain: each statement uses the one before, + - * only
        parsed = parse_program(ex.program)
        assert set(ex.program) & set("*") and not set(ex.program) & set("()/")
        for before, statement in zip(parsed.assigned, ex.program.split("; ")[1:]):
            assert re.search(rf"\b{before}\b", statement), ex.program
    # How many paths the input with the most has: one, except in level 2 (two or
    # three, both seen) and in level 3 where a node may be used again after the function.
    most_paths = {1: {1}, 2: {2, 3}, 3: {1, 2}, 4: {1}}
    for level, expected in most_paths.items():
        most = [max(len(s.paths) for s in ex.explanation().sums) for ex in exercises(level)]
        assert set(most) == expected, level
    for ex in exercises(3):
        assert re.search(r"tanh|exp|log|sigmoid|\*\*", ex.program), ex.program
    for ex in exercises(4):
        statements = ex.program.split("; ")
        assert re.fullmatch(r"s = (w\d?\*x\d?( \+ )?)+( \+ b)?", statements[0]), ex.program
        assert re.fullmatch(r"h = (tanh|sigmoid|relu)\(s\)", statements[1]), ex.program
        assert statements[-1].startswith("L = ") and ex.output == "L"


def test_the_worked_example():
    assert WORKED.output == "z" and WORKED.value == 50.0
    assert WORKED.gradients() == {"x": 5.0, "y": 10.0, "w": 10.0, "b": 15.0}
    feedback = check(WORKED, {"b": 5})
    assert (feedback["b"].correct, feedback["b"].mistake) == (False, "missed-path")
    assert feedback["b"].message == (
        "dz/db: you have 5, which is the path through x only; b also reaches z through y (10)"
    )
    assert check(WORKED, {"b": 10})["b"].message == (
        "dz/db: you have 10, which is the path through y only; b also reaches z through x (5)"
    )
    verdicts = {
        ("w", 5): "no-local",
        ("w", 2): "no-upstream",
        ("b", 2): "no-upstream",
        ("b", -15): "sign",
        ("b", 4): "forward-value",
        ("b", 7): "other",
        ("x", 10): "forward-value",
    }
    for (node, answer), mistake in verdicts.items():
        assert check(WORKED, {node: answer})[node].mistake == mistake
    # The step that sends w its gradient is v1's, as the graph draws it.
    assert check(WORKED, {"w": 5})["w"].message == (
        "dz/dw: you have 5, which is the upstream gradient dz/dv1 alone; "
        "multiply it by the local derivative ∂v1/∂w = 2"
    )
    assert check(WORKED, {"b": 7})["b"].message == (
        "dz/db: not right, and not one of the usual slips; "
        "work it out as dz/db = dz/dx·∂x/∂b + dz/dy·∂y/∂b"
    )


def test_tolerance_is_fit_for_hand_arithmetic():
    assert check(WORKED, {"b": 15.014})["b"].correct  # 0.1 % of 15
    assert not check(WORKED, {"b": 15.02})["b"].correct
    ex = exercise(3, 1)  # tanh(0.5) = 0.462117...
    gradients = ex.gradients()
    assert check(ex, {n: round(g, 2) for n, g in gradients.items()}).score == len(gradients)


def test_feedback_lists_answers_in_backward_order_and_what_is_missing():
    feedback = check(WORKED, {"b": 15, "x": 5})
    assert [f.node for f in feedback] == ["x", "b"]
    assert feedback.missing == ("y", "w") and feedback.score == 2 and len(feedback) == 2
    assert str(feedback) == "✓ dz/dx = 5: right\n✓ dz/db = 15: right\nnot answered: y, w"


def test_check_refuses_what_it_cannot_judge():
    with pytest.raises(PracticeError, match="no node 'q' to answer; the nodes are x, y, w, b"):
        check(WORKED, {"q": 1})
    with pytest.raises(TypeError, match="the answer for b must be a number, got '15'"):
        check(WORKED, {"b": "15"})
    # An integer beyond a float's range, and the numbers that are not finite.
    with pytest.raises(PracticeError, match="the answer for x is too large for a float"):
        check(WORKED, {"x": 10**400})
    with pytest.raises(PracticeError, match="the answer for x is too large for a float"):
        check(WORKED, {"x": -(10**5000)})
    for number in (math.inf, -math.inf, math.nan):
        with pytest.raises(PracticeError, match="the answer for w must be a finite number, got"):
            check(WORKED, {"w": number})
    assert not check(WORKED, {"w": int(1.7e308)})["w"].correct  # a large int that fits
    with pytest.raises(TypeError, match="expected an Exercise or an Explanation"):
        check("x = 2*w", {})
    with pytest.raises(PracticeError, match="level must be 1, 2, 3 or 4, got 5"):
        exercise(5)
    with pytest.raises(PracticeError, match="seed must be 0 or more, got -1"):
        exercise(1, -1)
    with pytest.raises(TypeError, match="seed must be a whole number"):
        exercise(1, 1.5)
    with pytest.raises(ValueError, match="log of a non-positive number"):
        Exercise("y = log(a)", {"a": -1})


def test_diagnosis_of_any_explanation():
    """The lesson page has an Explanation, not an Exercise: the same diagnoses."""
    ex = exercise(4, 5)
    assert diagnose(ex.explanation()) == ex.diagnoses()
    # For the inputs, the paths are exactly explain's chain-rule sums.
    by_leaf = {s.leaf: s for s in ex.explanation().sums}
    for d in ex.diagnoses():
        if d.node in by_leaf:
            assert d.leaf_sum == by_leaf[d.node]


def test_unlabelled_nodes_are_named_as_explain_names_them():
    parsed = parse_program("a*b + a")
    output, _ = parsed.run({"a": 2.0, "b": 3.0})
    diagnoses = diagnose(explain(output))
    assert [d.node for d in diagnoses] == ["v1", "a", "b"]
    assert [d.symbol for d in diagnoses] == ["dv2/dv1", "dv2/da", "dv2/db"]
    a, b = diagnoses[1], diagnoses[2]
    assert a.gradient == 4.0 and b.judge(2.0).correct
    assert a.judge(3.0).message == (
        "dv2/da: you have 3, which is the path through v1 only; a also reaches v2 directly (1)"
    )


def test_practice_data_is_what_check_uses():
    """The JSON holds every number a page needs; judging with it alone gives check's verdict."""
    ex = exercise(2, 1)
    data = json.loads(json.dumps(practice_data(ex)))
    assert data["output"] == "z" and data["exercise"]["program"] == ex.program
    assert data["tolerance"] == {"relative": 0.001, "absolute": 0.01}
    assert [n["node"] for n in data["nodes"]] == ex.nodes()

    def judge_in_the_page(node, answer):  # what the JavaScript does: compare numbers
        if abs(answer - node["gradient"]) <= node["tolerance"]:
            return None, node["right"]
        for mistake in node["mistakes"]:
            if abs(answer - mistake["value"]) <= mistake["tolerance"]:
                return mistake["code"], mistake["message"]
        return "other", node["other"]

    for node in data["nodes"]:
        answers = [node["gradient"], node["gradient"] + 99.5] + [
            m["value"] for m in node["mistakes"]
        ]
        for answer in answers:
            verdict = check(ex, {node["node"]: answer})[node["node"]]
            assert judge_in_the_page(node, answer) == (verdict.mistake, verdict.message)
    assert practice_data(ex.explanation())["nodes"] == practice_data(ex)["nodes"]


def practise(monkeypatch, capsys, lines, *argv):
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    status = main(["practice", *argv])
    out, err = capsys.readouterr()
    return status, out, err


WORKED_ARGS = ("x = 2*w + b; y = b + 1; z = x*y", "--at", "w=3", "b=4")


def test_dialogue_right_wrong_then_right_show_and_junk(monkeypatch, capsys):
    status, out, err = practise(monkeypatch, capsys, "5\n1\n10\n?\nabc\n\n5\n15\n", *WORKED_ARGS)
    assert (status, err) == (0, "")
    assert out == (
        "Practice: x = 2*w + b; y = b + 1; z = x*y   at w = 3, b = 4\n"
        "\n"
        "Forward pass:\n"
        "  w  = 3\n"
        "  v1 = 2·w = 2·3 = 6\n"
        "  b  = 4\n"
        "  x  = v1 + b = 6 + 4 = 10\n"
        "  y  = b + 1 = 4 + 1 = 5\n"
        "  z  = x·y = 10·5 = 50\n"
        "\n"
        "Backward pass: type each gradient as a number, or ? to see it.\n"
        "dz/dx = 5\n"
        "  right\n"
        "dz/dy = 1\n"
        "  dz/dy: you have 1, which is the upstream gradient dz/dz alone; multiply it by the "
        "local derivative ∂z/∂y = 10; try again, or ? to see it\n"
        "dz/dy = 10\n"
        "  right\n"
        "dz/dw = ?\n"
        "  answer: dz/dw = ∂z/∂x·∂x/∂w = 5·2 = 10   (∂x/∂w = ∂x/∂v1·∂v1/∂w = 1·2)\n"
        "dz/db = abc\n"
        "  'abc' is not a number: type one such as 2.5 or -0.25, or ? to see it\n"
        "dz/db = \n"
        "  an empty line is not a number: type one such as 2.5 or -0.25, or ? to see it\n"
        "dz/db = 5\n"
        "  dz/db: you have 5, which is the path through x only; b also reaches z through y (10)"
        "; try again, or ? to see it\n"
        "dz/db = 15\n"
        "  right\n"
        "score: 1/4 right at the first try\n"
    )


def test_dialogue_all_right(monkeypatch, capsys):
    status, out, _ = practise(monkeypatch, capsys, "5\n10\n10\n15\n", *WORKED_ARGS)
    assert status == 0 and out.endswith("score: 4/4 right at the first try\n")


def test_end_of_input_ends_with_the_score_so_far(monkeypatch, capsys):
    status, out, err = practise(monkeypatch, capsys, "5\n3", *WORKED_ARGS)
    assert (status, err) == (0, "")
    assert out.endswith(
        "dz/dy = 3\n"
        "  dz/dy: not right, and not one of the usual slips; work it out as dz/dy = ∂z/∂y = x"
        "; try again, or ? to see it\n"
        "dz/dy = \n"
        "score: 1/1 right at the first try (input ended after 1 of 4)\n"
    )
    status, out, _ = practise(monkeypatch, capsys, "", "--level", "3", "--seed", "2")
    assert status == 0 and out.endswith(
        "score: 0/0 right at the first try (input ended after 0 of 6)\n"
    )


def test_a_generated_exercise_in_the_terminal(monkeypatch, capsys):
    ex = exercise(2, 1)
    answers = "".join(f"{g}\n" for g in ex.gradients().values())
    status, out, _ = practise(monkeypatch, capsys, answers, "--level", "2", "--seed", "1")
    assert status == 0
    assert out.startswith(f"Practice, level 2, seed 1: {ex.heading()}\n")
    assert out.endswith(f"score: {len(ex.nodes())}/{len(ex.nodes())} right at the first try\n")
    _, default, _ = practise(
        monkeypatch,
        capsys,
        "",
    )
    assert default.startswith(f"Practice, level 1, seed 0: {exercise(1, 0).heading()}\n")


def test_the_command_piped():
    result = subprocess.run(
        [sys.executable, "-m", "autograd", "practice", "--seed", "3"],
        input="2\n5\n-1\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert (
        "dz/dx = 2\n  right\ndz/db = 5\n  right\ndz/da = -1\n  dz/da: you have -1, which is the "
        "local derivative ∂x/∂a alone; multiply it by the upstream gradient dz/dx = 2; try again, "
        "or ? to see it\ndz/da = \n"
    ) in result.stdout
    assert result.stdout.endswith("score: 2/2 right at the first try (input ended after 2 of 3)\n")


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["x = 2*w", "--at", "w=1", "--level", "2"], "give a program (with --at) or --level"),
        (["--at", "w=1"], "--at gives the inputs of a program; put the program first"),
        (["--format", "latex"], "--format is for a worksheet; add --sheet N"),
        (["--level", "5"], "argument --level: invalid choice: 5"),
        (["--seed", "-1"], "argument --seed: '-1' is not a whole number 0 or more"),
        (["--sheet", "0"], "argument --sheet: '0' is not a number of exercises from 1 to 100"),
        (["y = log(a)", "--at", "a=0"], "log of a non-positive number"),
        (["y = 3"], "the program has no input or named node to differentiate"),
    ],
)
def test_practice_refuses_with_one_line(monkeypatch, capsys, argv, error):
    status, out, err = practise(monkeypatch, capsys, "", *argv)
    assert (status, out) == (2, "")
    assert err.startswith("autograd: error: ") and error in err and err.count("\n") == 1


def test_worksheet_in_three_formats(capsys):
    for fmt in ("text", "markdown", "latex"):
        argv = ["practice", "--sheet", "10", "--level", "2", "--seed", "19", "--format", fmt]
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert out == worksheet(10, level=2, seed=19, fmt=fmt) + "\n"
        for seed in range(19, 29):
            ex = exercise(2, seed)
            assert ex.program in out
            assert f"(seed {seed})" in out
    text = worksheet(10, level=2, seed=19)
    questions, key = text.split("\nAnswer key\n")
    assert questions.startswith("Worksheet: 10 exercises at level 2 (seeds 19 to 28)\n")
    assert "1. x = w*b; y = 3 - b; z = x*y   at w = 2, b = -4\n" in questions
    assert "   find dz/dx, dz/dy, dz/dw, dz/db   (seed 19)\n" in questions
    assert key.startswith(
        "\n1. z = -56\n"
        "   dz/dx = ∂z/∂x = y = 7\n"
        "   dz/dy = ∂z/∂y = x = -8\n"
        "   dz/dw = ∂z/∂x·∂x/∂w = 7·(-4) = -28\n"
        "   dz/db = ∂z/∂x·∂x/∂b + ∂z/∂y·∂y/∂b = 7·2 + (-8)·(-1) = 22\n"
    )
    markdown = worksheet(2, level=2, seed=19, fmt="markdown")
    assert "1. `x = w*b; y = 3 - b; z = x*y` at w = 2, b = -4: find dz/dx" in markdown
    assert "\n## Answer key\n\n**1.** z = -56\n\n- dz/dx = ∂z/∂x = y = 7\n" in markdown
    latex = worksheet(2, level=2, seed=19, fmt="latex")
    assert r"\item \verb|x = w*b; y = 3 - b; z = x*y| at $w = 2$, $b = -4$" in latex
    assert (
        r"\frac{\mathrm{d} z}{\mathrm{d} b} &= \frac{\partial z}{\partial x} \frac{\partial x}"
        r"{\partial b} + \frac{\partial z}{\partial y} \frac{\partial y}{\partial b} = "
        r"7 \cdot 2 + (-8) \cdot (-1) = 22" in latex
    )
    assert latex.count(r"\begin{aligned}") == 2 and latex.endswith(r"\end{enumerate}")
    with pytest.raises(PracticeError, match="fmt must be one of text, markdown, latex"):
        worksheet(fmt="html")


def test_levels_one_and_two_have_whole_numbers():
    for ex in exercises(1) + exercises(2):
        assert all(g == int(g) for g in ex.gradients().values()) and ex.value == int(ex.value)


def test_the_shown_answer_gives_a_formula_only_where_one_edge_holds():
    assert [d.explanation for d in WORKED.diagnoses()][:2] == [
        "dz/dx = ∂z/∂x = y = 5",
        "dz/dy = ∂z/∂y = x = 10",
    ]
    # Two edges: one term each, and no formula for their sum.
    assert Exercise("y = a*a", {"a": 3}).diagnoses()[0].explanation == (
        "dy/da = ∂y/∂a + ∂y/∂a = 3 + 3 = 6"
    )
    neuron = Exercise(
        "s = w1*x1 + w2*x2 + b; h = tanh(s); e = h - y; L = e**2",
        {"w1": -1, "x1": 1, "w2": 0.5, "x2": 2, "b": 1, "y": 1},
    ).diagnoses()
    assert neuron[0].explanation == "dL/de = ∂L/∂e = 2·e = 2·(-0.238406) = -0.476812"


def test_the_readme_transcript(monkeypatch, capsys):
    text = (ROOT / "README.md").read_text()
    block = text.split("```text\n$ printf ", 1)[1].split("```", 1)[0]
    command, printed = block.split("\n", 1)
    piped, argv = command.split(" | autograd ")
    lines = shlex.split(piped)[0].encode().decode("unicode_escape")
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    assert main(shlex.split(argv)) == 0
    assert capsys.readouterr().out == printed


def test_only_ascii_digits_and_finite_numbers_count_as_answers(monkeypatch, capsys):
    # The page checks typed answers with the same pattern, in JavaScript, where \d is ASCII.
    status, out, _ = practise(monkeypatch, capsys, "５\n1e400\n5\n", *WORKED_ARGS)
    assert status == 0
    assert "  '５' is not a number: type one such as 2.5 or -0.25, or ? to see it\n" in out
    assert "  1e400 is too large for a float: type a number such as 2.5, or ? to see it\n" in out
    assert "dz/dx = 5\n  right\n" in out
