"""Practice: exercises students solve by hand, and feedback that names the mistake.

``exercise(level, seed)`` writes a small program with friendly numbers;
``check(ex, answers)`` compares a student's gradients with the engine's and,
for a wrong one, says which of the well-known slips gives that number. The
slips are not guessed: for every node, ``diagnose`` computes from the
engine's trace (``explain``) what each slip would give there (each path on its
own and the sums of some of the paths, the upstream gradient alone, the local
derivative alone, the wrong sign, the forward value), and a wrong answer is
matched against that list. ``practice_data`` gives the same list as plain
JSON-ready data, so that a web page compares numbers and nothing else.

``questions(explanation, mode)`` gives what the lesson page asks: in
practice, each gradient at the step that completes it; in the chain-rule
trainer, at each backward step, each edge's local derivative (a wrong one is
``local-rule``, and the message names the rule: "∂z/∂x for z = x·y is y = 5"),
its product with the upstream gradient, and a node's sum. Each question's
``judge`` gives the verdict a server would give; the page compares the same
``verdict_data``. Feedback speaks of the steps the graph draws: the upstream
gradient of the node that sends, the local derivative of the drawn edge.

>>> ex = Exercise("x = 2*w + b; y = b + 1; z = x*y", {"w": 3, "b": 4})
>>> ex.value, ex.gradients()
(50.0, {'x': 5.0, 'y': 10.0, 'w': 10.0, 'b': 15.0})
>>> print(check(ex, {"w": 10, "b": 5}))
✓ dz/dw = 10: right
✗ dz/db: you have 5, which is the path through x only; b also reaches z through y (10)
not answered: x, y
"""

from __future__ import annotations

import itertools
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

from autograd.engine import Value
from autograd.explain import (
    FULL_SUM_MAX_PATHS,
    BackwardStep,
    EdgeStep,
    Explanation,
    Formula,
    LeafSum,
    Path,
    equation,
    explain,
    format_number,
    latex_gradient,
    latex_name,
    latex_number,
    markdown_escape,
)
from autograd.explain.text import atom, product_text, sum_so_far
from autograd.i18n import N_
from autograd.program import parse_program
from autograd.trace import gradient_symbol, local_symbol

__all__ = [
    "ATOL",
    "CODES",
    "FORMATS",
    "LEVELS",
    "LOCAL_RULE",
    "MISTAKES",
    "MODES",
    "RTOL",
    "Diagnosis",
    "Exercise",
    "Feedback",
    "Mistake",
    "NodeFeedback",
    "PracticeError",
    "Question",
    "Verdict",
    "check",
    "diagnose",
    "exercise",
    "practice_data",
    "questions",
    "score_card",
    "tolerance",
    "worksheet",
]

# A hand-computed answer counts as right within 0.1 % of the gradient, or
# within 0.01 near zero (a student who rounds tanh(0.5) to 0.462 is right).
RTOL, ATOL = 1e-3, 0.01

# The slips a diagnosis looks for, in the order they are tried. When two give
# the same number the first is named: a missed path is what an exercise with
# an input used twice is about; forgetting a factor (no-local, no-upstream)
# is the next most specific; a sign and the forward value are the most
# generic explanations of a number, so they come last.
MISTAKES = ("missed-path", "no-local", "no-upstream", "sign", "forward-value")
OTHER = "other"
# The trainer's verdict on a wrong local derivative that is not a sign slip:
# the message names the operation's rule.
LOCAL_RULE = "local-rule"
CODES = (*MISTAKES, LOCAL_RULE, OTHER)
# What each code means, for a score card or a class's tally.
CODE_MEANINGS = {
    "missed-path": N_("a path (or a contribution) left out of the sum"),
    "no-local": N_("the local derivative left out"),
    "no-upstream": N_("the upstream gradient left out"),
    "sign": N_("the wrong sign"),
    "forward-value": N_("the forward value instead of the gradient"),
    LOCAL_RULE: N_("a wrong local derivative"),
    OTHER: N_("not one of the usual slips"),
}
# The page's modes that ask questions: practice asks for each gradient,
# the trainer for each local derivative, product and sum.
MODES = ("practice", "trainer")

LEVELS = (1, 2, 3, 4)
FORMATS = ("text", "markdown", "latex")


class PracticeError(ValueError):
    """An exercise or an answer that practice cannot use: says which and why."""


def tolerance(value: float) -> float:
    """How far an answer may be from ``value`` and still match it.

    >>> tolerance(50.0), tolerance(0.5)
    (0.05, 0.01)
    """
    return max(RTOL * abs(value), ATOL)


def _matches(answer: float, value: float) -> bool:
    return abs(answer - value) <= tolerance(value)


@dataclass(frozen=True)
class Mistake:
    """One slip at one node: the number it gives and what to tell the student."""

    code: str
    value: float
    tolerance: float
    message: str


@dataclass(frozen=True)
class NodeFeedback:
    """The verdict on one answer: right, or wrong with the slip that explains it."""

    node: str
    answer: float
    gradient: float
    correct: bool
    mistake: str | None  # one of MISTAKES, "other", or None when correct
    message: str


@dataclass(frozen=True)
class Verdict:
    """One verdict an answer can get: the number that earns it, how near counts,
    and what it says (``code`` None for the right answer)."""

    value: float
    tolerance: float
    correct: bool
    code: str | None
    message: str


@dataclass(frozen=True)
class Diagnosis:
    """Everything needed to judge an answer for one node, computed in advance.

    ``mistakes`` are in the order they are tried, and the first that matches
    names the slip; a slip that gives the right answer, or the same number as
    an earlier slip, is left out. For a trainer's question (see
    ``questions``) ``gradient`` is the number asked for: a local derivative,
    a product or a sum.
    """

    node: str
    symbol: str  # dz/db
    gradient: float
    tolerance: float
    right: str  # the message for a right answer
    explanation: str  # the chain-rule sum for this node, as explain writes it
    leaf_sum: LeafSum | None  # the same sum as data, for a worksheet (None in the trainer)
    mistakes: tuple[Mistake, ...]
    other: str  # the message for a wrong answer that matches no slip
    other_code: str = OTHER  # its code: "other", or "local-rule" for a local derivative

    def verdicts(self) -> tuple[Verdict, ...]:
        """The verdicts an answer is compared with, in order: right, then each slip.

        >>> d = diagnose(Exercise("z = 3*w", {"w": 2}).explanation())[0]
        >>> [(v.value, v.code) for v in d.verdicts()]
        [(3.0, None), (1.0, 'no-local'), (-3.0, 'sign'), (2.0, 'forward-value')]
        """
        right = Verdict(self.gradient, self.tolerance, True, None, self.right)
        slips = (Verdict(m.value, m.tolerance, False, m.code, m.message) for m in self.mistakes)
        return (right, *slips)

    def judge(self, answer: float) -> NodeFeedback:
        """The first verdict that ``answer`` is within the tolerance of; else other.

        >>> d = diagnose(Exercise("z = 3*w", {"w": 2}).explanation())[0]
        >>> d.judge(3.0).correct, d.judge(-3.0).mistake, d.judge(2.0).mistake
        (True, 'sign', 'forward-value')
        """
        for verdict in self.verdicts():
            if abs(answer - verdict.value) <= verdict.tolerance:
                return NodeFeedback(
                    self.node, answer, self.gradient, verdict.correct, verdict.code, verdict.message
                )
        return NodeFeedback(self.node, answer, self.gradient, False, self.other_code, self.other)

    def verdict_data(self) -> dict:
        """What a page compares an answer with, as plain data: the first of
        ``verdicts`` with |answer - value| <= tolerance, else ``otherwise``."""
        return {
            "verdicts": [
                {
                    "value": v.value,
                    "tolerance": v.tolerance,
                    "correct": v.correct,
                    "code": v.code,
                    "message": v.message,
                }
                for v in self.verdicts()
            ],
            "otherwise": {"code": self.other_code, "message": self.other},
        }

    def to_dict(self) -> dict:
        """Plain data for JSON: the page compares |answer - value| <= tolerance in this order."""
        return {
            "node": self.node,
            "symbol": self.symbol,
            "gradient": self.gradient,
            "tolerance": self.tolerance,
            "right": self.right,
            "explanation": self.explanation,
            "mistakes": [
                {"code": m.code, "value": m.value, "tolerance": m.tolerance, "message": m.message}
                for m in self.mistakes
            ],
            "other": self.other,
            "other_code": self.other_code,
        }


@dataclass(frozen=True)
class Question:
    """One question the lesson page asks, at one backward step.

    Practice asks for each gradient (``kind`` "gradient") at the step that
    completes it; the trainer, at each step, for each edge's local derivative
    ("local") and its product with the upstream gradient ("product"), then
    for a node's sum ("sum") when its last contribution arrives. ``node`` is
    the node whose gradient the answer is part of; ``slot`` the operand of
    the step's node along whose edge it is (None for a gradient or a sum).
    ``judge`` checks an answer: the page compares the same ``verdict_data``,
    and a server that receives the answer calls this.
    """

    kind: str
    step: int  # the backward step (from 1) whose node sends the gradient asked about
    node: str
    slot: int | None
    prompt: str  # what stands before the field: "dz/db =", "∂x/∂b × dz/dx ="
    diagnosis: Diagnosis

    def judge(self, answer: float) -> NodeFeedback:
        """The verdict on ``answer``: right, a known slip, or other (or local-rule)."""
        return self.diagnosis.judge(answer)

    def label(self) -> str:
        """The field's accessible name: ``Your value for ∂x/∂b``."""
        return f"Your value for {self.diagnosis.symbol}"

    def to_dict(self) -> dict:
        """Plain data for the page: where it is asked, its words, and its verdicts."""
        return {
            "kind": self.kind,
            "step": self.step,
            "node": self.node,
            "slot": self.slot,
            "symbol": self.diagnosis.symbol,
            "prompt": self.prompt,
            "label": self.label(),
            "reveal": self.diagnosis.explanation,
            **self.diagnosis.verdict_data(),
        }


@dataclass(frozen=True)
class Feedback:
    """The verdicts on a student's answers, in backward order.

    ``feedback["b"]`` is the verdict on b; ``missing`` lists the nodes not answered.
    """

    results: tuple[NodeFeedback, ...]
    missing: tuple[str, ...]

    def __getitem__(self, node: str) -> NodeFeedback:
        for result in self.results:
            if result.node == node:
                return result
        raise KeyError(f"no answer for {node}; answered: {', '.join(self.names())}")

    def __iter__(self) -> Iterator[NodeFeedback]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def names(self) -> list[str]:
        return [r.node for r in self.results]

    @property
    def score(self) -> int:
        """How many answers are right."""
        return sum(r.correct for r in self.results)

    def __str__(self) -> str:
        # A mark in front says right or wrong without reading the message.
        lines = [f"{'✓' if r.correct else '✗'} {r.message}" for r in self.results]
        if self.missing:
            lines.append(f"not answered: {', '.join(self.missing)}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Exercise:
    """A program, the inputs' values, and (for a generated one) its level and seed.

    >>> ex = Exercise("h = tanh(u); z = h*c", {"u": 0.5, "c": 2})
    >>> ex.output, round(ex.value, 4), ex.nodes()
    ('z', 0.9242, ['h', 'c', 'u'])
    """

    program: str
    at: dict[str, float]
    level: int | None = None
    seed: int | None = None

    def __post_init__(self):
        self.diagnoses()  # parse, bind and run now, so that a bad exercise fails here

    @cached_property
    def _solved(self) -> tuple[Value, Explanation, tuple[Diagnosis, ...]]:
        parsed = parse_program(self.program)
        output, _ = parsed.run(parsed.bind({k: float(v) for k, v in self.at.items()}))
        explanation = explain(output)
        return output, explanation, diagnose(explanation)

    @property
    def output(self) -> str:
        """The output's name."""
        return self._solved[1].output

    @property
    def value(self) -> float:
        """The output's value."""
        return self._solved[0].data

    def explanation(self) -> Explanation:
        """The engine's explanation of the exercise: every step of the solution."""
        return self._solved[1]

    def diagnoses(self) -> tuple[Diagnosis, ...]:
        """One Diagnosis per node to answer, in backward order."""
        return self._solved[2]

    def nodes(self) -> list[str]:
        """The nodes whose gradient the student finds, in backward order."""
        return [d.node for d in self.diagnoses()]

    def gradients(self) -> dict[str, float]:
        """d(output)/d(node) for every input and named intermediate, in backward order."""
        return {d.node: d.gradient for d in self.diagnoses()}

    def heading(self) -> str:
        """The program and its inputs on one line, as ``autograd explain`` prints them."""
        given = ", ".join(f"{name} = {format_number(v)}" for name, v in self.at.items())
        return " ".join(self.program.split()) + (f"   at {given}" if given else "")


_LARGEST_INTEGER = int(sys.float_info.max)


def check(source: Exercise | Explanation, answers: Mapping[str, float]) -> Feedback:
    """Judge a student's ``answers`` ({node: gradient}) against the engine's.

    >>> ex = Exercise("x = 2*w + b; y = b + 1; z = x*y", {"w": 3, "b": 4})
    >>> feedback = check(ex, {"x": 5, "w": 5})
    >>> feedback["w"].mistake, feedback.score, feedback.missing
    ('no-local', 1, ('y', 'b'))
    """
    diagnoses = _diagnoses(source)
    known = {d.node: d for d in diagnoses}
    if not isinstance(answers, Mapping):
        raise TypeError(f"check: answers must be a dict {{node: number}}, got {answers!r}")
    for node, answer in answers.items():
        if node not in known:
            raise PracticeError(
                f"check: there is no node {node!r} to answer; the nodes are {', '.join(known)}"
            )
        if isinstance(answer, bool) or not isinstance(answer, (int, float)):
            raise TypeError(f"check: the answer for {node} must be a number, got {answer!r}")
        if isinstance(answer, int) and abs(answer) > _LARGEST_INTEGER:  # float() would overflow
            raise PracticeError(f"check: the answer for {node} is too large for a float")
        if not math.isfinite(answer):
            raise PracticeError(
                f"check: the answer for {node} must be a finite number, got {answer!r}"
            )
    results = tuple(d.judge(float(answers[d.node])) for d in diagnoses if d.node in answers)
    missing = tuple(d.node for d in diagnoses if d.node not in answers)
    return Feedback(results, missing)


def practice_data(source: Exercise | Explanation) -> dict:
    """The diagnoses as plain data for JSON (a page compares numbers, nothing else).

    Each node, in backward order, has its gradient and tolerance, then its
    mistakes in the order to try them; an answer within ``tolerance`` of
    ``gradient`` is right, else it is the first mistake it is within
    ``tolerance`` of, else ``other``.

    >>> data = practice_data(Exercise("z = 3*w", {"w": 2}))
    >>> data["nodes"][0]["gradient"], [m["code"] for m in data["nodes"][0]["mistakes"]]
    (3.0, ['no-local', 'sign', 'forward-value'])
    """
    diagnoses = _diagnoses(source)
    explanation = source.explanation() if isinstance(source, Exercise) else source
    data: dict = {
        "output": explanation.output,
        "tolerance": {"relative": RTOL, "absolute": ATOL},
        "codes": list(CODES),
        "nodes": [d.to_dict() for d in diagnoses],
    }
    if isinstance(source, Exercise):
        data["exercise"] = {
            "program": source.program,
            "at": dict(source.at),
            "level": source.level,
            "seed": source.seed,
            "value": source.value,
        }
    return data


def _diagnoses(source: Exercise | Explanation) -> tuple[Diagnosis, ...]:
    if isinstance(source, Exercise):
        return source.diagnoses()
    if isinstance(source, Explanation):
        return diagnose(source)
    raise TypeError(
        f"expected an Exercise or an Explanation (from explain(z)), got {type(source).__name__}"
    )


def diagnose(explanation: Explanation) -> tuple[Diagnosis, ...]:
    """For each node to answer (inputs and named intermediates, backward order),
    its gradient and what each slip would give there.

    >>> from autograd import Value
    >>> a = Value(2.0, label="a")
    >>> y = a * 3
    >>> y.label = "y"
    >>> [(m.code, m.value) for m in diagnose(explain(y))[0].mistakes]
    [('no-local', 1.0), ('sign', -3.0), ('forward-value', 2.0)]
    """
    return tuple(_diagnosis(explanation, node) for node in explanation.to_find())


def questions(source: Exercise | Explanation, mode: str = "practice") -> tuple[Question, ...]:
    """The questions the lesson page asks in ``mode``, in the order it asks them.

    "practice": each gradient to find (``diagnose``), at the backward step
    that completes it. "trainer": at each backward step, for each edge that
    sends gradient, its local derivative, then its product with the upstream
    gradient, then, when a node's last contribution arrives, the node's sum.
    A server checks an answer it receives with ``questions(...)[i].judge(x)``:
    the same verdicts the page compares.

    >>> from autograd import Value, explain
    >>> a = Value(2.0, label="a")
    >>> y = a * 3
    >>> y.label = "y"
    >>> [(q.kind, q.step, q.prompt) for q in questions(explain(y), "trainer")]
    [('local', 1, '∂y/∂a ='), ('product', 1, '∂y/∂a × dy/dy =')]
    >>> questions(explain(y), "trainer")[0].judge(2.0).message
    '∂y/∂a: not the local derivative; ∂y/∂a for y = a·3 is 3'
    """
    explanation = source.explanation() if isinstance(source, Exercise) else source
    if mode == "practice":
        completions = explanation.completions()
        return tuple(
            Question("gradient", completions[d.node] + 1, d.node, None, f"{d.symbol} =", d)
            for d in _diagnoses(source)
        )
    if mode == "trainer":
        return tuple(_trainer_questions(explanation))
    raise PracticeError(f"questions: mode must be one of {', '.join(MODES)}, got {mode!r}")


def _trainer_questions(explanation: Explanation) -> Iterator[Question]:
    output = explanation.output
    for k, step in enumerate(explanation.backward, start=1):
        for edge in step.edges:
            if edge.constant:  # a number gets no gradient: nothing to ask
                continue
            local = _local_diagnosis(step, edge)
            yield Question("local", k, edge.parent, edge.slot, f"{local.symbol} =", local)
            product = _product_diagnosis(output, step, edge)
            yield Question("product", k, edge.parent, edge.slot, f"{product.symbol} =", product)
            if edge.arrivals > 1 and len(edge.received) == edge.arrivals:
                total = _sum_diagnosis(explanation, edge)
                terms = " + ".join(atom(format_number(c)) for c in edge.received)
                yield Question("sum", k, edge.parent, None, f"{total.symbol} = {terms} =", total)


def _diagnosed(
    node: str, symbol: str, value: float, right: str, shown: str, candidates, other: str, code: str
) -> Diagnosis:
    """A Diagnosis from the candidate slips, in order: a slip that gives the right
    answer, or the number of an earlier one, is left out."""
    mistakes: list[Mistake] = []
    for slip, number, reason in candidates:
        if _matches(number, value) or any(_matches(number, m.value) for m in mistakes):
            continue
        message = f"{symbol}: you have {format_number(number)}, {reason}"
        mistakes.append(Mistake(slip, number, tolerance(number), message))
    return Diagnosis(
        node, symbol, value, tolerance(value), right, shown, None, tuple(mistakes), other, code
    )


def _rule(step: BackwardStep, edge: EdgeStep) -> str:
    """The operation's rule for one edge, with its number: ∂z/∂x for z = x·y is y = 5."""
    formula = edge.local_formula
    derivative = format_number(edge.local)
    if formula.template:
        derivative = equation(formula.text(), formula.numbers(), derivative)
    symbol, operation = local_symbol(step.node, edge.parent), step.formula.text()
    return f"{symbol} for {step.node} = {operation} is {derivative}"


def _local_diagnosis(step: BackwardStep, edge: EdgeStep) -> Diagnosis:
    """A local derivative asked for: a sign slip, or else a wrong rule (local-rule)."""
    symbol, rule = local_symbol(step.node, edge.parent), _rule(step, edge)
    sign = ("sign", -edge.local, f"which has the right size but the wrong sign; {rule}")
    return _diagnosed(
        edge.parent,
        symbol,
        edge.local,
        f"{symbol} = {format_number(edge.local)}: right",
        rule,
        [sign],
        f"{symbol}: not the local derivative; {rule}",
        LOCAL_RULE,
    )


def _product_diagnosis(output: str, step: BackwardStep, edge: EdgeStep) -> Diagnosis:
    """What an edge sends: local derivative × upstream gradient, one factor left out or its sign."""
    local, upstream = local_symbol(step.node, edge.parent), gradient_symbol(output, step.node)
    local_value = f"{local} = {format_number(edge.local)}"
    upstream_value = f"{upstream} = {format_number(edge.upstream)}"
    symbol, product = f"{local} × {upstream}", product_text(edge)
    candidates = [
        (
            "no-local",
            edge.upstream,
            f"which is the upstream gradient {upstream} alone; "
            f"multiply it by the local derivative {local_value}",
        ),
        (
            "no-upstream",
            edge.local,
            f"which is the local derivative {local} alone; "
            f"multiply it by the upstream gradient {upstream_value}",
        ),
        (
            "sign",
            -edge.contribution,
            f"which has the right size but the wrong sign; {symbol} = {product}",
        ),
    ]
    return _diagnosed(
        edge.parent,
        symbol,
        edge.contribution,
        f"{symbol} = {product}: right",
        f"{edge.parent} receives {symbol} = {product}",
        candidates,
        f"{symbol}: not right, and not one of the usual slips; multiply the local "
        f"derivative {local_value} by the upstream gradient {upstream_value}",
        OTHER,
    )


def _sum_diagnosis(explanation: Explanation, last: EdgeStep) -> Diagnosis:
    """A node's gradient when its last contribution arrives: the sum of them all."""
    node, received = last.parent, last.received
    symbol = gradient_symbol(explanation.output, node)
    senders = [step.node for step, _ in explanation.edges_to(node)]
    alike = Counter(senders)
    seen: Counter[str] = Counter()
    sources = []
    for sender in senders:
        seen[sender] += 1
        if alike[sender] > 1:
            sources.append(f"from {sender}, along edge {seen[sender]} of {alike[sender]}")
        else:
            sources.append(f"from {sender}")
    n = len(received)
    sizes = range(1, n) if n <= FULL_SUM_MAX_PATHS else (1, n - 1)
    candidates = []
    for size in sizes:
        for subset in itertools.combinations(range(n), size):
            taken = " plus ".join(sources[i] for i in subset)
            left = " and ".join(
                f"{format_number(received[i])} {sources[i]}" for i in range(n) if i not in subset
            )
            reason = f"which is what {node} received {taken} only; {node} also receives {left}"
            candidates.append(("missed-path", sum(received[i] for i in subset), reason))
    total = sum_so_far(last)
    candidates.append(
        ("sign", -last.total, f"which has the right size but the wrong sign; {symbol} = {total}")
    )
    terms = " + ".join(atom(format_number(c)) for c in received)
    return _diagnosed(
        node,
        symbol,
        last.total,
        f"{symbol} = {total}: right",
        f"{symbol} = {total}",
        candidates,
        f"{symbol}: not right; add every contribution {node} received: {terms}",
        OTHER,
    )


def score_card(asked: int, first_try: int, mistakes: Mapping[str, int], shown: int) -> list[str]:
    """The lines of a score card: right at the first try, each mistake code made
    and how often, how many answers were shown. The lesson page writes its card
    with the same sentences (``SCORE_TEXT``), its numbers put in.

    >>> score_card(9, 7, {"sign": 1, "local-rule": 2}, 1)  # doctest: +NORMALIZE_WHITESPACE
    ['Score: 7 of 9 right at the first try', '1 × sign: the wrong sign',
     '2 × local-rule: a wrong local derivative', 'Shown without an answer: 1']
    """
    lines = [SCORE_TEXT["score"].format(right=first_try, asked=asked)]
    for code in CODES:
        if mistakes.get(code):
            lines.append(
                SCORE_TEXT["mistake"].format(
                    count=mistakes[code], code=code, meaning=CODE_MEANINGS[code]
                )
            )
    if shown:
        lines.append(SCORE_TEXT["shown"].format(count=shown))
    return lines


# The score card's sentences, whole, with named slots for the numbers.
SCORE_TEXT = {
    "score": "Score: {right} of {asked} right at the first try",
    "mistake": "{count} × {code}: {meaning}",
    "shown": "Shown without an answer: {count}",
}


def _diagnosis(explanation: Explanation, node: str) -> Diagnosis:
    output, gradient = explanation.output, explanation.gradients[node]
    symbol = gradient_symbol(output, node)
    leaf_sum = explanation.chain_sum(node)
    chain = _chain(explanation, node)
    candidates = [
        *_missed_paths(explanation, node, leaf_sum),
        *_forgotten_factors(explanation, node),
        (
            "sign",
            -gradient,
            "which has the right size but the wrong sign; check the sign of each factor "
            f"in {symbol} = {chain}",
        ),
        (
            "forward-value",
            explanation.value(node),
            f"which is the value of {node} from the forward pass, not its gradient; "
            f"{symbol} = {chain}",
        ),
    ]
    mistakes: list[Mistake] = []
    for code, value, reason in candidates:
        if _matches(value, gradient) or any(_matches(value, m.value) for m in mistakes):
            continue  # not a mistake, or already named by a slip tried earlier
        message = f"{symbol}: you have {format_number(value)}, {reason}"
        mistakes.append(Mistake(code, value, tolerance(value), message))
    return Diagnosis(
        node=node,
        symbol=symbol,
        gradient=gradient,
        tolerance=tolerance(gradient),
        right=f"{symbol} = {format_number(gradient)}: right",
        explanation=_worked(explanation, leaf_sum),
        leaf_sum=leaf_sum,
        mistakes=tuple(mistakes),
        other=f"{symbol}: not right, and not one of the usual slips; "
        f"work it out as {symbol} = {chain}",
    )


def _worked(explanation: Explanation, leaf_sum: LeafSum) -> str:
    """The chain-rule sum; for a node the output uses directly, with the local formula."""
    (path, *others) = leaf_sum.paths
    formula = _formula(explanation, *path.nodes) if len(path.nodes) == 2 else None
    if others or formula is None or not formula.template:
        return leaf_sum.text()
    parts = (formula.text(), formula.numbers(), format_number(leaf_sum.total))
    return equation(gradient_symbol(*path.nodes), local_symbol(*path.nodes), *parts)


def _formula(explanation: Explanation, top: str, bottom: str) -> Formula | None:
    """The formula of ∂top/∂bottom, where it is that of one edge (see ``Link``)."""
    link = explanation.link(top, bottom)
    return link.formula if link else None


def _chain(explanation: Explanation, node: str) -> str:
    """The last step of the chain rule, along the drawn edges into ``node``:
    dz/dx·∂x/∂b + dz/dy·∂y/∂b, one term per edge, each as the graph labels it.

    A node the output uses directly, by one edge, gets that edge's formula: ∂z/∂x = y.
    """
    output = explanation.output
    edges = explanation.edges_to(node)
    formula = _formula(explanation, output, node)
    if [step.node for step, _ in edges] == [output] and formula and formula.template:
        return f"{local_symbol(output, node)} = {formula.text()}"
    terms = [
        local_symbol(step.node, node)
        if step.node == output
        else f"{gradient_symbol(output, step.node)}·{local_symbol(step.node, node)}"
        for step, _ in edges
    ]
    return " + ".join(terms)


def _missed_paths(explanation: Explanation, node: str, leaf_sum: LeafSum) -> Iterator[tuple]:
    """Some of the paths summed, the others left out: single paths first."""
    paths = leaf_sum.paths
    contributions = [math.prod(p.factors) for p in paths]
    routes = _routes(paths)
    n = len(paths)
    # Every proper subset while that is few; beyond, one path or all but one.
    sizes = range(1, n) if n <= FULL_SUM_MAX_PATHS else (1, n - 1)
    for size in sizes:
        for subset in itertools.combinations(range(n), size):
            taken = [_path_phrase(paths[i], routes[i], leaf_sum.grouped) for i in subset]
            left = [
                f"{routes[i]} ({format_number(contributions[i])})"
                for i in range(n)
                if i not in subset
            ]
            reason = (
                f"which is {' plus '.join(taken)} only; "
                f"{node} also reaches {explanation.output} {' and '.join(left)}"
            )
            yield "missed-path", sum(contributions[i] for i in subset), reason


def _routes(paths: tuple[Path, ...]) -> list[str]:
    """How each path runs from the output to the node: 'through x', 'through u
    and x', 'directly'; paths alike (an operation that uses a node twice has
    two edges to it) are told apart: 'through h, along edge 2 of 2'."""
    alike = Counter(paths)
    seen: Counter[Path] = Counter()
    routes = []
    for path in paths:
        seen[path] += 1
        middle = path.nodes[1:-1]
        if not middle:
            route = "directly"
        elif len(middle) == 1:
            route = f"through {middle[0]}"
        else:
            route = f"through {', '.join(middle[:-1])} and {middle[-1]}"
        if alike[path] > 1:
            route = f"{route}, along edge {seen[path]} of {alike[path]}"
        routes.append(route)
    return routes


def _path_phrase(path: Path, route: str, grouped: bool) -> str:
    if len(path.nodes) == 2:  # 'directly', or 'directly, along edge 1 of 2'
        return f"the direct edge from {path.nodes[0]}{route.removeprefix('directly')}"
    return f"the {'paths' if grouped else 'path'} {route}"


def _forgotten_factors(explanation: Explanation, node: str) -> Iterator[tuple]:
    """The last step of the chain rule with one of its two factors left out, along
    the drawn edges into ``node`` (the steps the graph shows sending to it)."""
    output, edges = explanation.output, explanation.edges_to(node)
    upstream = [gradient_symbol(output, step.node) for step, _ in edges]
    upstream_values = [
        f"{symbol} = {format_number(edge.upstream)}" for symbol, (_, edge) in zip(upstream, edges)
    ]
    local = [local_symbol(step.node, node) for step, _ in edges]
    local_values = [f"{symbol} = {format_number(e.local)}" for symbol, (_, e) in zip(local, edges)]
    if len(edges) == 1:
        no_local = (
            f"which is the upstream gradient {upstream[0]} alone; "
            f"multiply it by the local derivative {local_values[0]}"
        )
        no_upstream = (
            f"which is the local derivative {local[0]} alone; "
            f"multiply it by the upstream gradient {upstream_values[0]}"
        )
    else:
        no_local = (
            f"which is the upstream gradients {' + '.join(upstream)} alone; "
            f"multiply each by its local derivative ({', '.join(local_values)})"
        )
        no_upstream = (
            f"which is the local derivatives {' + '.join(local)} alone; "
            f"multiply each by its upstream gradient ({', '.join(upstream_values)})"
        )
    yield "no-local", sum(edge.upstream for _, edge in edges), no_local
    yield "no-upstream", sum(edge.local for _, edge in edges), no_upstream


def exercise(level: int = 1, seed: int = 0) -> Exercise:
    """A small program to differentiate by hand, the same for the same level and seed.

    The structure is drawn as well as the numbers. Level 1: a chain of two to
    four of + - * with small integers; level 2: a node on two or three paths
    (like b in the worked example), some paths deeper than others; level 3:
    tanh, sigmoid, exp, log or a power at a point a table knows, sometimes two
    of them, sometimes a node used again after the function; level 4: one
    neuron (one to three inputs, with or without a bias, tanh, sigmoid or
    relu) and its loss (squared error, half of it, or cross-entropy).

    >>> ex = exercise(level=2, seed=1)
    >>> ex.program == exercise(level=2, seed=1).program
    True
    """
    if isinstance(level, bool) or level not in LEVELS:
        raise PracticeError(f"exercise: level must be 1, 2, 3 or 4, got {level!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"exercise: seed must be a whole number, got {seed!r}")
    if seed < 0:  # random.Random(-s) is random.Random(s): keep one name for each exercise
        raise PracticeError(f"exercise: seed must be 0 or more, got {seed}")
    rng = random.Random(seed)
    write = _WRITERS[level - 1]
    # Draw until the numbers are friendly; the same draws follow from the same seed.
    for _ in range(1000):
        statements, at = write(rng)
        candidate = _candidate("; ".join(statements), at, level, seed)
        if candidate is not None and _friendly(candidate):
            return candidate
    raise RuntimeError(f"exercise(level={level}, seed={seed}): no friendly exercise in 1000 draws")


def _candidate(program: str, at: dict[str, float], level: int, seed: int) -> Exercise | None:
    """The drawn program as an Exercise, its inputs given in the order the program uses
    them; None where an input is not one a student writes down (one decimal, and
    small: a bias like 11 is no fun by hand).

    The writers keep every function in its domain (log of a positive number, and
    so on), so an error here is a fault to report, not a draw to skip.
    """
    if any(abs(v) > 5 or v != round(v, 1) for v in at.values()):
        return None  # before anything is computed: most draws that fail, fail here
    names = re.findall(r"[A-Za-z_]\w*", program)  # as parse_program finds the inputs
    ordered = {name: at[name] for name in dict.fromkeys(names) if name in at}
    return Exercise(program, ordered, level, seed)


# Only rng.random() is used: Python promises its sequence for a seed across
# versions, not that of choice(), randrange() or shuffle().
def _pick(rng: random.Random, options):
    return options[int(rng.random() * len(options))]


def _chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


# No 1 or -1 among the inputs: multiplied by 1, a forgotten factor gives the
# right answer, and by -1 a forgotten factor is a sign slip.
def _integer(rng: random.Random) -> float:
    return float(_pick(rng, (-4, -3, -2, 2, 3, 4, 5)))


def _decimal(rng: random.Random) -> float:
    return _pick(rng, (-2.0, -1.5, -0.5, 0.5, 1.5, 2.0, 2.5, 3.0))


def _one_decimal(x: float) -> float:
    """x rounded to one decimal where that is x (0.1 - 0.3 is -0.2); else x itself,
    which ``_candidate`` refuses (an input such as 0.25 is not for these levels)."""
    rounded = round(x, 1)
    return rounded if abs(rounded - x) < 1e-9 else x


def _binary(left: str, op: str, right: str) -> str:
    return f"{left}*{right}" if op == "*" else f"{left} {op} {right}"


# The results of a chain, by its length: each statement uses the one before.
_CHAIN = {2: ("x", "z"), 3: ("x", "y", "z"), 4: ("x", "y", "u", "z")}


def _level1(rng: random.Random) -> tuple[list[str], dict[str, float]]:
    """A chain of two to four of + - *: x = a*b; y = 3 - x; z = y*c, and so on."""
    count = _pick(rng, (2, 3, 3, 4))
    ops = [_pick(rng, "+-*") for _ in range(count)]
    if "*" not in ops:  # a product at least, or every local derivative is ±1
        ops[int(rng.random() * count)] = "*"
    names = ["a", "b", "c", "d"]
    at: dict[str, float] = {}

    def operand(number_likely: float) -> str:
        if names and not _chance(rng, number_likely):
            name = names.pop(0)
            at[name] = _integer(rng)
            return name
        return str(_pick(rng, (2, 3, 4)))

    statements, before = [], ""
    for result, op in zip(_CHAIN[count], ops):
        # Operands drawn left to right, so that the inputs read a, b, c in the program.
        if _chance(rng, 0.6):
            left = before or operand(0.0)
            right = operand(0.35)
        else:
            left = operand(0.35)
            right = before or operand(0.0)
        statements.append(f"{result} = {_binary(left, op, right)}")
        before = result
    return statements, at


# How a path leaves the shared node s: with a number (k a factor, j a term) or
# with an input o of its own.
_BRANCHES = (
    "{s} + {j}",
    "{k}*{s}",
    "{s} - {j}",
    "{j} - {s}",
    "{o}*{s}",
    "{o} + {s}",
    "{o} - {s}",
    "{s} - {o}",
    "{k}*{o} + {s}",
    "{k}*{s} - {o}",
)
# One path made a step longer: p = b + 2; x = p*3.
_DEEPER = ("{p}*{k}", "{p} + {j}", "{j} - {p}", "{k}*{p} + {o}", "{o}*{p}")
# Where the paths meet: z from the two or three nodes that end them.
_JOINS = {
    2: ("{0}*{1}", "{0}*{1}", "{0} + {1}", "{0} - {1}", "{0} + {k}*{1}", "{k}*{0} - {1}"),
    3: ("{0}*{1} + {2}", "{0}*{1} - {2}", "{0} + {1}*{2}", "{0}*{1}*{2}", "{0}*({1} + {2})"),
}
# The shared node computed from two inputs: both reach z along every path.
_SHARED = ("a*b", "a + b", "a - b", "{k}*a + b")


def _level2(rng: random.Random) -> tuple[list[str], dict[str, float]]:
    """A node on two or three paths, as b in x = 2*w + b; y = b + 1; z = x*y."""
    paths = _pick(rng, (2, 2, 3))
    others = ["w", "c", "d", "g", "m", "n"]  # the inputs the paths take on their way
    at: dict[str, float] = {}
    statements = []

    def fill(template: str, **names: str) -> str:
        if "{o}" in template:
            names["o"] = others.pop(0)
            at[names["o"]] = _integer(rng)
        return template.format(k=_pick(rng, (2, 3, 4)), j=_pick(rng, (1, 2, 3)), **names)

    if _chance(rng, 0.25):
        at["a"], at["b"] = _integer(rng), _integer(rng)
        statements.append(f"u = {fill(_pick(rng, _SHARED))}")
        shared = "u"
    else:
        shared, at["b"] = "b", _integer(rng)
    ends = []
    for name, inner in zip(("x", "y", "v"), ("p", "q", "r")):
        if len(ends) == paths:
            break
        if len(ends) == 2 and _chance(rng, 0.4):  # the third path: the shared node itself
            ends.append(shared)
            continue
        expression = fill(_pick(rng, _BRANCHES), s=shared)
        if _chance(rng, 0.25):
            statements.append(f"{inner} = {expression}")
            expression = fill(_pick(rng, _DEEPER), p=inner)
        statements.append(f"{name} = {expression}")
        ends.append(name)
    statements.append(f"z = {_pick(rng, _JOINS[paths]).format(*ends, k=_pick(rng, (2, 3, 4)))}")
    return statements, at


# Where each function is evaluated: points a table or a calculator knows well.
_ARGUMENTS = {
    "tanh": (-1.0, -0.5, 0.5, 1.0),
    "sigmoid": (-1.0, 0.0, 0.5, 1.0, 2.0),
    "exp": (-1.0, 0.0, 0.5, 1.0),
    "log": (0.5, 2.0, 4.0, 5.0, 10.0),  # positive: log never sees 0 or less
    "**2": (-3.0, -1.5, -0.5, 0.5, 1.5, 2.0, 3.0),
    "**3": (-2.0, -1.0, 0.5, 1.0, 2.0),
    "**0.5": (1.0, 4.0, 9.0),  # positive: no root of a negative number
    "**-1": (-2.0, -0.5, 0.5, 2.0, 4.0),  # never 0
}
# The argument u of the function, from inputs; the last input is solved for so
# that u lands on a point of the table.
_ARGUMENT_FORMS = ("a + b", "a - b", "a*b + c", "a*b - c", "{k}*a + b", "{k} - a")
# What the output does with y = f(u): d is an input of its own, g a second function.
_OUTPUTS = ("y*d", "d - y", "y**2", "{k}*y + d", "y*u", "y*a", "y*g", "y + g", "g - y")


def _level3(rng: random.Random) -> tuple[list[str], dict[str, float]]:
    """A function or a power at a point a table knows: u = a*b + c; y = tanh(u); z = y*d, ..."""
    function = _pick(rng, tuple(_ARGUMENTS))
    target = _pick(rng, _ARGUMENTS[function])
    at: dict[str, float] = {}
    statements = []
    if _chance(rng, 0.2):  # the function of an input itself
        argument, at["a"] = "a", target
    else:
        form, k = _pick(rng, _ARGUMENT_FORMS), _pick(rng, (2, 3))
        a = _integer(rng)
        if form in ("a*b + c", "a*b - c"):
            b = _decimal(rng)
            c = target - a * b if form == "a*b + c" else a * b - target
            at.update(a=a, b=b, c=_one_decimal(c))
        elif form == "{k} - a":
            at["a"] = _one_decimal(k - target)
        else:
            b = {"a + b": target - a, "a - b": a - target, "{k}*a + b": target - k * a}[form]
            at.update(a=a, b=_one_decimal(b))
        statements.append(f"u = {form.format(k=k)}")
        argument = "u"
    statements.append(f"y = {_apply(function, argument)}")
    outputs = [o for o in _OUTPUTS if argument == "u" or "u" not in o]
    if function == "**0.5":  # (u**0.5)**2 is u again: nothing to learn
        outputs.remove("y**2")
    output = _pick(rng, outputs)
    if "g" in output:
        second = _pick(rng, tuple(_ARGUMENTS))
        at["d"] = _pick(rng, _ARGUMENTS[second])
        statements.append(f"g = {_apply(second, 'd')}")
    elif "d" in output:
        at["d"] = _integer(rng)
    statements.append(f"z = {output.format(k=_pick(rng, (2, 3)))}")
    return statements, at


def _apply(function: str, argument: str) -> str:
    return f"{argument}{function}" if function.startswith("**") else f"{function}({argument})"


# The weighted sum s at which each activation is evaluated (relu: where it is not flat).
_NEURON_SUMS = {
    "tanh": (-1.0, -0.5, 0.0, 0.5, 1.0),
    "sigmoid": (-1.0, 0.0, 1.0, 2.0),
    "relu": (1.0, 2.0, 3.0, 4.0),
}
# The targets y; for relu, half-way between its sums, or e and every gradient
# below it are small whole numbers that other slips give too.
_TARGETS = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "relu": (0.5, 1.5, 2.5)}
# The loss of the neuron's output h against the target y.
_LOSSES = (
    "e = h - y; L = e**2",
    "e = y - h; L = e**2",
    "e = h - y; L = 0.5*e**2",
    "L = (h - y)**2",
)
# Cross-entropy for a sigmoid output, written for the target it has: 1 or 0.
_CROSS_ENTROPY = ("L = -log(h)", "L = -log(1 - h)")


def _level4(rng: random.Random) -> tuple[list[str], dict[str, float]]:
    """One neuron and its loss: s = w1*x1 + w2*x2 + b; h = tanh(s); e = h - y; L = e**2."""
    activation = _pick(rng, tuple(_NEURON_SUMS))
    s = _pick(rng, _NEURON_SUMS[activation])
    count = _pick(rng, (1, 2, 2, 3))
    pairs = [("w", "x")] if count == 1 else [(f"w{i}", f"x{i}") for i in range(1, count + 1)]
    at: dict[str, float] = {}
    for w, x in pairs:
        at[w], at[x] = _decimal(rng), _integer(rng)
    weighted = " + ".join(f"{w}*{x}" for w, x in pairs)
    if _chance(rng, 0.7):
        at["b"] = _one_decimal(s - sum(at[w] * at[x] for w, x in pairs))
        weighted += " + b"
    else:  # no bias: the last weight is solved for
        *rest, (last_w, last_x) = pairs
        at[last_w] = _one_decimal((s - sum(at[w] * at[x] for w, x in rest)) / at[last_x])
    losses = _LOSSES + (_CROSS_ENTROPY if activation == "sigmoid" else ())
    loss = _pick(rng, losses)
    if "y" in loss:
        at["y"] = _pick(rng, _TARGETS[activation])
    return [f"s = {weighted}", f"h = {activation}(s)", *loss.split("; ")], at


_WRITERS = (_level1, _level2, _level3, _level4)


# A smaller gradient is all but 0 by hand, and the slips around it lie within
# the tolerance of one another.
_SMALLEST_GRADIENT = 0.05


def _friendly(ex: Exercise) -> bool:
    """Moderate numbers, no zero gradient, paths and slips that can be told apart."""
    diagnoses = ex.diagnoses()
    numbers = [s.value for s in ex.explanation().forward] + [d.gradient for d in diagnoses]
    if not all(math.isfinite(x) and abs(x) <= 200 for x in numbers):
        return False
    if any(abs(d.gradient) < _SMALLEST_GRADIENT for d in diagnoses):
        return False
    # A node on several paths: each path counts (no path, nor some of them together,
    # adds up to nothing, as b does through y = c - b and v = d + b in y + v), and
    # no two look alike.
    for d in diagnoses:
        contributions = [math.prod(p.factors) for p in d.leaf_sum.paths]
        some = [
            sum(chosen)
            for size in range(1, len(contributions))
            for chosen in itertools.combinations(contributions, size)
        ]
        if any(abs(c) < ATOL for c in some) or any(
            _matches(a, b) for a, b in itertools.combinations(contributions, 2)
        ):
            return False
    return _distinguishable(ex)


# Other values for the inputs, each moved by its own amount: two slips that give
# one number there too give it whatever the inputs (forgetting a local
# derivative of -1 is a sign slip); two that do not are apart by the choice of
# numbers, which the exercise must avoid.
# Each shift is large enough to move two such slips further apart than the
# tolerance, given gradients of at least _SMALLEST_GRADIENT.
_SHIFTS = (
    (0.31, -0.27, 0.43, -0.37, 0.29, 0.41, -0.33, 0.47, -0.39, 0.35),
    (-0.41, 0.33, -0.29, 0.47, -0.35, 0.27, 0.39, -0.43, 0.31, -0.45),
)


def _distinguishable(ex: Exercise) -> bool:
    """Every slip the diagnoses know gives its own number at every question,
    in practice and in the trainer, unless it gives that number at any inputs.

    A diagnosis leaves out a slip that gives the right answer or the number of a
    slip tried before it; the same program at other inputs must not keep a slip
    that the exercise's inputs leave out. Below, at a = 3, x = 2 is both the
    forward value of x and dz/dx = c; at a = 5 each slip has its own number, and
    forgetting ∂x/∂b = -1 gives what a sign slip gives, at any a, b and c.

    >>> _distinguishable(Exercise("x = a - b; z = x*c", {"a": 5, "b": 1, "c": 2}))
    True
    >>> _distinguishable(Exercise("x = a - b; z = x*c", {"a": 3, "b": 1, "c": 2}))
    False

    In the trainer, a wrong rule (``_wrong_rules``) must not give the local
    derivative nor its sign slip: at a = -3, b = 3, ∂x/∂a = b = 3 and a student
    who writes a for it would be told of a sign slip, not of x = a·b's rule.

    >>> _distinguishable(Exercise("x = a*b; z = x*c", {"a": -3, "b": 3, "c": 2}))
    False
    """
    here = _slips_kept(ex.explanation(), ex.diagnoses())
    rules = _wrong_rules(ex.explanation())
    program = parse_program(ex.program)
    compared = 0
    for shifts in _SHIFTS:
        moved = {name: v + shifts[i % len(shifts)] for i, (name, v) in enumerate(ex.at.items())}
        try:
            output, _ = program.run(moved)
        except ValueError:  # out of a function's domain there: the other shift may do
            continue
        there = explain(output)
        elsewhere = _slips_kept(there, diagnose(there))
        if any(elsewhere[key] - here[key] for key in here):
            return False
        # A local derivative that is the same there is a constant (+, -, a number
        # times): no rule to get wrong but the sign.
        for key, (local, apart) in _wrong_rules(there).items():
            if local != rules[key][0] and apart > rules[key][1]:
                return False
        compared += 1
    return compared > 0


def _slips_kept(explanation: Explanation, diagnoses: tuple[Diagnosis, ...]) -> dict[tuple, Counter]:
    """The codes of the slips each question's diagnosis keeps, for every question
    of practice (``diagnoses``, by node) and of the trainer (by step, node and slot)."""
    kept = {("gradient", d.node): Counter(m.code for m in d.mistakes) for d in diagnoses}
    for q in _trainer_questions(explanation):
        kept[(q.kind, q.step, q.node, q.slot)] = Counter(m.code for m in q.diagnosis.mistakes)
    return kept


def _wrong_rules(explanation: Explanation) -> dict[tuple, tuple[float, int]]:
    """For each local derivative the trainer asks, its number and how many wrong
    rules give a number apart from it and from its sign slip.

    A wrong rule puts the operand's value, or the operation's, in place of the
    derivative: x for ∂z/∂x of z = x·y, tanh(s) for ∂h/∂s of h = tanh(s).
    The trainer's verdict on it is local-rule, which names the right rule; a
    wrong rule that gives the right number, or minus it, would be told it is
    right, or a sign slip.
    """
    rules = {}
    for k, step in enumerate(explanation.backward, start=1):
        for edge in step.edges:
            if edge.constant:
                continue
            formula = edge.local_formula
            wrong = (formula.values[edge.slot], formula.out_value)
            apart = sum(not _matches(x, edge.local) and not _matches(x, -edge.local) for x in wrong)
            rules[(k, edge.parent, edge.slot)] = (edge.local, apart)
    return rules


def worksheet(count: int = 10, level: int = 1, seed: int = 0, fmt: str = "text") -> str:
    """``count`` exercises (seeds ``seed``, ``seed + 1``, ...), then the answer key
    with each solution's chain-rule sums; ``fmt`` is text, markdown or latex.

    >>> print(worksheet(1, level=1, seed=3))  # doctest: +ELLIPSIS
    Worksheet: 1 exercise at level 1 (seed 3)
    ...
    1. x = 2 - a; z = x*b   at a = -3, b = 2
       find dz/dx, dz/db, dz/da   (seed 3)
    <BLANKLINE>
    Answer key
    <BLANKLINE>
    1. z = 10
       dz/dx = ∂z/∂x = b = 2
       dz/db = ∂z/∂b = x = 5
       dz/da = ∂z/∂x·∂x/∂a = 2·(-1) = -2
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100:
        raise PracticeError(f"worksheet: count must be a whole number from 1 to 100, got {count!r}")
    if fmt not in FORMATS:
        raise PracticeError(f"worksheet: fmt must be one of {', '.join(FORMATS)}, got {fmt!r}")
    exercises = [exercise(level, seed + i) for i in range(count)]
    plural = "exercise" if count == 1 else "exercises"
    seeds = f"seed {seed}" if count == 1 else f"seeds {seed} to {seed + count - 1}"
    title = f"Worksheet: {count} {plural} at level {level} ({seeds})"
    task = (
        "Find the gradient of the output with respect to every input and named intermediate.\n"
        f"In the terminal, autograd practice --level {level} --seed SEED checks each answer."
    )
    write = {"text": _sheet_text, "markdown": _sheet_markdown, "latex": _sheet_latex}[fmt]
    return write(title, task, exercises)


def _sheet_text(title: str, task: str, exercises: list[Exercise]) -> str:
    lines = [title, task, ""]
    for i, ex in enumerate(exercises, 1):
        symbols = ", ".join(d.symbol for d in ex.diagnoses())
        indent = " " * len(f"{i}. ")
        lines += [f"{i}. {ex.heading()}", f"{indent}find {symbols}   (seed {ex.seed})", ""]
    lines += ["Answer key", ""]
    for i, ex in enumerate(exercises, 1):
        indent = " " * len(f"{i}. ")
        lines.append(f"{i}. {ex.output} = {format_number(ex.value)}")
        lines += [f"{indent}{d.explanation}" for d in ex.diagnoses()]
        lines.append("")
    return "\n".join(lines).rstrip()


def _sheet_markdown(title: str, task: str, exercises: list[Exercise]) -> str:
    lines = [f"## {title}", ""]
    for line in task.splitlines():
        lines += [markdown_escape(line), ""]
    for i, ex in enumerate(exercises, 1):
        given = ", ".join(f"{n} = {format_number(v)}" for n, v in ex.at.items())
        symbols = ", ".join(d.symbol for d in ex.diagnoses())
        lines.append(f"{i}. `{ex.program}` at {given}: find {symbols} (seed {ex.seed})")
    lines += ["", "## Answer key", ""]
    for i, ex in enumerate(exercises, 1):
        lines += [f"**{i}.** {ex.output} = {format_number(ex.value)}", ""]
        lines += [f"- {markdown_escape(d.explanation)}" for d in ex.diagnoses()]
        lines.append("")
    return "\n".join(lines).rstrip()


def _sheet_latex(title: str, task: str, exercises: list[Exercise]) -> str:
    task = task.replace("autograd practice --level", r"\verb|autograd practice --level")
    task = task.replace("SEED", "SEED|")
    lines = [rf"\section*{{{title}}}", task, r"\begin{enumerate}"]
    for ex in exercises:
        given = ", ".join(f"${latex_name(n)} = {latex_number(v)}$" for n, v in ex.at.items())
        symbols = ", ".join(f"${latex_gradient(ex.output, d.node)}$" for d in ex.diagnoses())
        # \verb prints the program as typed; a program never contains the | delimiter.
        lines.append(rf"\item \verb|{ex.program}| at {given}: find {symbols} (seed {ex.seed})")
    lines += [r"\end{enumerate}", r"\section*{Answer key}", r"\begin{enumerate}"]
    for ex in exercises:
        rows = " \\\\\n".join(d.leaf_sum.latex() for d in ex.diagnoses())
        value = rf"${latex_name(ex.output)} = {latex_number(ex.value)}$"
        lines += [rf"\item {value}", r"\[", r"\begin{aligned}", rows, r"\end{aligned}", r"\]"]
    lines.append(r"\end{enumerate}")
    return "\n".join(lines)
