"""中文 for practice, the lesson page's data and the server (issue 21, part 3).

Every diagnosis of every mistake code in Chinese (the worked example, the
micrograd lecture's neuron, generated exercises at every level), with the same
numbers as the English and no English word left but names and notation;
worksheets in Chinese, the same for the same seed; the terminal dialogue; the
lesson page's words and <html lang>; the server's language from ``?lang=``,
its cookie and ``Accept-Language``, with ``Vary``.
"""

import re
from collections import Counter

import pytest
from worked import LECTURE_AT, LECTURE_NEURON, worked_output

from autograd import explain
from autograd.i18n import error_text, tr, use_language
from autograd.lesson import WORDS, lesson, lesson_data
from autograd.practice import (
    CODES,
    Exercise,
    PracticeError,
    check,
    code_meaning,
    diagnose,
    dialogue,
    exercise,
    practice_data,
    questions,
    score_card,
    worksheet,
)

WORKED = Exercise("x = 2*w + b; y = b + 1; z = x*y", {"w": 3, "b": 4})
NEURON = Exercise(LECTURE_NEURON, LECTURE_AT)
GENERATED = [exercise(level, seed) for level in (1, 2, 3, 4) for seed in range(6)]
EXERCISES = [WORKED, NEURON, *GENERATED]

CJK = re.compile("[\u4e00-\u9fff]")
# Notation a Chinese sentence keeps: d and ∂ quotients, numbers, functions and operators.
NOTATION = re.compile(r"[d∂]\w*/[d∂]\w*|(?<![\w.])\d+(?:\.\d+)?(?:e[-+]?\d+)?")
# and the engine's formulas: relu's local derivative is "1 if s > 0 else 0".
FUNCTIONS = {"tanh", "sigmoid", "relu", "exp", "log", "if", "else"}


def english_words(text: str, names=()) -> list[str]:
    """The Latin-letter words of ``text`` that are not names, notation or functions."""
    text = NOTATION.sub(" ", text)
    allowed = {str(name) for name in names} | FUNCTIONS
    return [w for w in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text) if w not in allowed]


def numbers(text: str) -> Counter:
    return Counter(re.findall(r"-?\d+(?:\.\d+)?", text))


def names_of(ex: Exercise) -> set[str]:
    nodes = {node.name for node in ex.explanation().nodes}
    return nodes | set(ex.at) | {ex.output}


def every_verdict(ex: Exercise, lang: str):
    """(where, code, message) for every verdict practice and the trainer can give."""
    for d in ex.diagnoses(lang):
        yield ("gradient", d.node), None, d.right
        for m in d.mistakes:
            yield ("gradient", d.node), m.code, m.message
        yield ("gradient", d.node), d.other_code, d.other
    for i, q in enumerate(questions(ex, "trainer", lang)):
        for verdict in q.to_dict()["verdicts"]:
            yield ("trainer", i), verdict["code"], verdict["message"]
        otherwise = q.to_dict()["otherwise"]
        yield ("trainer", i), otherwise["code"], otherwise["message"]


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: f"{ex.level}-{ex.seed}-{ex.output}")
def test_every_verdict_in_chinese_with_the_same_numbers(ex):
    english = list(every_verdict(ex, "en"))
    chinese = list(every_verdict(ex, "zh"))
    assert [(where, code) for where, code, _ in english] == [(w, c) for w, c, _ in chinese]
    for (where, code, en), (_, _, zh) in zip(english, chinese):
        assert CJK.search(zh), (where, code, zh)
        assert english_words(zh, names_of(ex)) == [], (where, code, zh)
        assert numbers(zh) == numbers(en), (where, code, en, zh)


def test_every_mistake_code_is_diagnosed_in_chinese():
    seen = {code for ex in EXERCISES for _, code, _ in every_verdict(ex, "zh")} - {None}
    assert seen == set(CODES)


def test_the_worked_example_in_chinese():
    feedback = check(WORKED, {"w": 10, "b": 5, "x": -5, "y": 7}, lang="zh")
    assert [r.mistake for r in feedback] == ["sign", "other", None, "missed-path"]
    assert feedback["b"].message == (
        "dz/db：你的答案是 5，这只是经过 x 的路径；b 还经过 y (10) 到达 z。"
    )
    assert feedback["w"].message == "dz/dw = 10：正确"
    assert feedback["x"].message == (
        "dz/dx：你的答案是 -5，大小对了，但符号错了；请检查 dz/dx = ∂z/∂x = y 中每个因子的符号。"
    )
    # the trainer: a wrong local rule names the operation's rule
    local = questions(WORKED, "trainer", lang="zh")[0]
    assert local.judge(10).message == "∂z/∂x：这不是局部导数；对 z = x·y，∂z/∂x 是 y = 5。"
    assert local.label() == "你算出的 ∂z/∂x"


def test_the_context_language_is_practices_default():
    with use_language("zh"):
        said = diagnose(explain(worked_output()))[-1].mistakes[0].message
        assert str(check(WORKED, {"b": 15})).startswith("✓ dz/db = ")
        assert "未作答：x, y, w" in str(check(WORKED, {"b": 15}))
    assert said.startswith("dz/db：你的答案是 ")
    assert diagnose(explain(worked_output()))[-1].mistakes[0].message.startswith("dz/db: you have")


def test_practice_data_and_score_card_in_chinese():
    data = practice_data(WORKED, lang="zh")
    assert data["meanings"]["missed-path"] == code_meaning("missed-path", "zh")
    assert all(CJK.search(meaning) for meaning in data["meanings"].values())
    assert score_card(9, 7, {"sign": 1, "local-rule": 2}, 1, lang="zh") == [
        "得分：9 题中 7 题第一次就答对",
        "1 × sign：符号错了",
        "2 × local-rule：局部导数错了",
        "直接查看答案：1 次",
    ]


def test_practice_errors_in_chinese():
    with pytest.raises(PracticeError) as caught:
        exercise(level=7)
    assert str(caught.value) == "exercise: level must be 1, 2, 3 or 4, got 7"
    assert error_text(caught.value, "zh") == "exercise：level 必须是 1、2、3 或 4，收到的是 7。"
    with pytest.raises(PracticeError) as caught:
        check(WORKED, {"q": 1})
    assert error_text(caught.value, "zh") == (
        "check：没有要回答的节点 'q'；要回答的节点是 x, y, w, b。"
    )


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_worksheets_in_chinese_by_seed(fmt):
    chinese = worksheet(3, level=2, seed=5, fmt=fmt, lang="zh")
    english = worksheet(3, level=2, seed=5, fmt=fmt)
    assert chinese == worksheet(3, level=2, seed=5, fmt=fmt, lang="zh")  # reproducible
    assert numbers(chinese) == numbers(english)  # the same exercises and answers
    names = set().union(*(names_of(exercise(2, s)) for s in (5, 6, 7)))
    commands = {"autograd", "practice", "level", "seed", "SEED"}  # the command to copy
    markup = {"section", "begin", "end", "enumerate", "item", "verb", "aligned", "frac",
              "partial", "cdot", "mathrm", "left", "right", "quad", "d", "v_"}  # fmt: skip
    leftover = set(english_words(chinese, names | commands | markup))
    assert leftover == set(), leftover
    assert "练习单：第 2 级，3 道练习（种子 5 到 7）" in chinese
    assert "答案" in chinese


def test_the_text_worksheet_in_chinese():
    assert worksheet(1, level=1, seed=3, lang="zh").splitlines()[:5] == [
        "练习单：第 1 级，1 道练习（种子 3）",
        "求输出对每个输入和每个有名字的中间结果的梯度。",
        "在终端里，autograd practice --level 1 --seed SEED 会检查每个答案。",
        "",
        "1. x = 2 - a; z = x*b   其中 a = -3, b = 2",
    ]


def test_the_terminal_dialogue_in_chinese():
    lines = []
    answers = iter(["5", "abc", "10", "5", "15", "?"])
    right = dialogue(
        WORKED,
        "zh",
        read=lambda prompt: next(answers, None),
        write=lambda *a: lines.append(" ".join(a)),
    )
    text = "\n".join(lines)
    assert right == 2
    assert "正向传播：" in text and "反向传播：请输入每个梯度的数值，或输入 ? 查看答案。" in text
    assert "'abc' 不是数：请输入一个数，例如 2.5 或 -0.25，或输入 ? 查看答案。" in text
    assert "dz/dw：你的答案是 5，这只是上游梯度 dz/dv1；还要乘以局部导数 ∂v1/∂w = 2。" in text
    assert "请再试一次，或输入 ? 查看答案。" in text
    assert "答案：dz/dw = ∂z/∂x·∂x/∂w = 5·2 = 10" in text
    assert text.endswith("得分：3 题中 2 题第一次就答对（输入在第 3 题后结束，共 4 题）")


# The lesson page's data and markup


def test_the_lesson_page_in_chinese():
    page = lesson(worked_output(), lang="zh")
    assert page.lang == "zh"
    assert '<html lang="zh-CN">' in page.html
    assert "@@W:" not in page.html
    for word in ("练习", "链式法则训练", "演示", "显示答案", "检查", "这一步", "局部导数"):
        assert word in page.html
    assert 'aria-label="反向传播的步骤"' in page.html
    # a CJK font stack, none from the network
    assert '"Noto Sans CJK SC"' in page.html and "@font-face" not in page.html
    assert "课程页面没有显示" in page._repr_html_()
    english = lesson(worked_output())
    assert '<html lang="en">' in english.html and ">Show answer<" in english.html


def test_every_word_of_the_page_has_its_chinese():
    data = lesson_data(worked_output(), lang="zh")
    text = data["view"]["text"]
    said = [*text["words"].values(), *text["meanings"].values(), *text["kinds"].values()]
    said += [text["not_a_number"], text["score"]["score"], text["score"]["shown"]]
    assert all(CJK.search(s) for s in said), said
    assert text["score"]["score"] == "得分：{asked} 题中 {right} 题第一次就答对"
    assert [step["position"] for step in data["view"]["steps"]][:2] == [
        "第 0 步，共 4 步",
        "第 1 步，共 4 步",
    ]
    assert {node["kind_name"] for node in data["view"]["nodes"]} == {
        "输入",
        "常数",
        "中间结果",
        "输出",
    }
    assert data["lang"] == "zh" and data["title"] == "z = x·y = 10·5 = 50 的反向传播"
    for mode in ("practice", "trainer"):
        for question in data["view"]["modes"][mode]:
            assert question["label"].startswith("你算出的 ")
            messages = [v["message"] for v in question["verdicts"]]
            assert all(CJK.search(m) for m in [*messages, question["otherwise"]["message"]])
    assert all(tr("zh", word) != word for word in WORDS.values())


def test_an_unknown_language_is_refused():
    from autograd.i18n import UnknownLanguageError

    with pytest.raises(UnknownLanguageError):
        lesson_data(worked_output(), lang="fr")
