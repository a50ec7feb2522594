"""Languages: choosing one (environment, Accept-Language, the context), the pilot's
sentences in Chinese, the catalogs (complete, current, compiled the way gettext
reads them, into the wheel), and lining up text by display width."""

import gettext
import io
import os
import pickle
import re
import shutil
import string
import subprocess
import sys
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from autograd import Value, i18n
from autograd.datasets import make_moons
from autograd.i18n import (
    UnknownLanguageError,
    center,
    command_language,
    display_width,
    error_text,
    language_from_accept_language,
    language_from_environment,
    ljust,
    parse_accept_language,
    rjust,
    tr,
    use_language,
)
from autograd.losses import cross_entropy, mse
from autograd.nn import MLP
from autograd.optim import SGD, Adam
from autograd.train import fit

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "autograd" / "locale"
ZH_PO = LOCALE / "zh" / "LC_MESSAGES" / "autograd.po"

# (environment, language): Python's gettext order, the first variable set decides.
ENVIRONMENTS = [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh"}, "zh"),
    ({"LANG": "zh_CN"}, "zh"),
    ({"LANG": "zh_SG.UTF-8"}, "zh"),
    ({"LANG": "zh_CN.GB18030"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),  # traditional readers get the simplified catalog
    ({"LANG": "zh_HK.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "POSIX"}, "en"),
    ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "en"),
    ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LANGUAGE": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LANGUAGE": "", "LANG": "zh_CN.UTF-8"}, "zh"),  # empty counts as unset
    ({"LANGUAGE": "fr:zh", "LANG": "en_US.UTF-8"}, "zh"),  # the first we have
    ({"LANGUAGE": "fr", "LANG": "zh_CN.UTF-8"}, "en"),  # LANGUAGE decided: no fr, so English
    ({"LANGUAGE": "C:zh"}, "en"),  # C ends the list
    ({"LANGUAGE": "de_DE:en_GB:zh"}, "en"),
]


@pytest.mark.parametrize(("environ", "language"), ENVIRONMENTS)
def test_language_from_environment(environ, language):
    assert language_from_environment(environ) == language


@pytest.mark.parametrize(("environ", "language"), ENVIRONMENTS)
def test_the_environment_is_read_in_pythons_order(environ, language, monkeypatch, tmp_path):
    # Python's own gettext.find, over catalogs for en and zh, picks the same language.
    for lang in ("en", "zh"):
        mo = tmp_path / lang / "LC_MESSAGES" / "autograd.mo"
        mo.parent.mkdir(parents=True)
        mo.write_bytes(i18n._mo_bytes({"": ""}))
    for name in i18n.ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    found = gettext.find("autograd", tmp_path)
    assert (Path(found).parent.parent.name if found else "en") == language


def test_language_from_environment_reads_os_environ(monkeypatch):
    for name in i18n.ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert language_from_environment() == "zh"
    assert command_language() == "zh"
    assert command_language("en") == "en"  # --lang en overrides LANG


def test_command_language_checks_the_flag():
    assert command_language("zh-Hans", {}) == "zh"
    with pytest.raises(
        UnknownLanguageError, match="unknown language 'fr'; the languages are en, zh"
    ):
        command_language("fr", {"LANG": "zh_CN.UTF-8"})


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("zh", "zh"),
        ("zh-CN", "zh"),
        ("zh-Hans", "zh"),
        ("zh-Hans-CN", "zh"),
        ("ZH_cn", "zh"),
        ("zh-Hant", "zh"),
        ("zh-Hant-TW", "zh"),
        ("en", "en"),
        ("en-GB", "en"),
        ("fr", None),
        ("", None),
        ("*", None),
        ("zh;q=1", None),
        ("x" * 200, None),
    ],
)
def test_match_language(tag, language):
    assert i18n.match_language(tag) == language


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("zh-TW,zh;q=0.9", "zh"),
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "en"),
        ("fr, zh;q=0.5", "zh"),
        ("de, fr;q=0.5", "en"),  # nothing we have: English
        ("en;q=0.5, zh;q=0.9", "zh"),  # the weights decide, not the order
        ("en;q=0.5, zh;q=0.5", "en"),  # equal weights: the header's order
        ("zh;q=0, en", "en"),  # q=0: not wanted
        ("zh;q=abc, en;q=0.1", "en"),  # a malformed weight drops its item
        ("zh;q=1.5, en;q=0.1", "en"),
        ("zh;Q=0.8, en;q=0.7", "zh"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        (";;;,,,q=", "en"),
    ],
)
def test_language_from_accept_language(header, language):
    assert language_from_accept_language(header) == language


def test_parse_accept_language():
    assert parse_accept_language("en;q=0.8, zh-CN, zh;q=0.9, fr;q=0, de;q=nan") == [
        ("zh-CN", 1.0),
        ("zh", 0.9),
        ("en", 0.8),
    ]
    # A header cannot make the parser do unbounded work: the first 32 items only.
    assert len(parse_accept_language(",".join(["fr;q=0.1"] * 10_000) + ",zh")) == 32
    assert language_from_accept_language(",".join(["fr;q=0.1"] * 100) + ",zh") == "en"


def test_the_context_language():
    assert i18n.get_language() == "en"
    with use_language("zh-CN") as lang:
        assert lang == "zh" and i18n.get_language() == "zh"
        assert i18n.resolve_language() == "zh"
        assert i18n.resolve_language("en") == "en"  # an explicit lang wins
        with use_language("en"):
            assert tr(None, "training") == "training"
        assert tr(None, "training") == "训练"
    assert tr(None, "training") == "training"
    token = i18n.set_language("zh")
    try:
        assert i18n.get_language() == "zh"
    finally:
        i18n.reset_language(token)
    assert i18n.get_language() == "en"
    with pytest.raises(UnknownLanguageError), use_language("klingon"):
        pass


def test_a_thread_keeps_its_own_language():
    seen = []
    with use_language("zh"):
        thread = threading.Thread(target=lambda: seen.append(i18n.get_language()))
        thread.start()
        thread.join()
    assert seen == ["en"]


def test_library_calls_never_read_the_environment(monkeypatch):
    monkeypatch.setenv("LANGUAGE", "zh")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    with pytest.raises(ValueError) as caught:
        SGD([], lr=0.1)
    assert str(caught.value) == "SGD: got no parameters to optimize"


def test_adding_a_language_is_adding_a_catalog(tmp_path):
    po = tmp_path / "pt_BR" / "LC_MESSAGES" / "autograd.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n')
    assert i18n._catalog_languages(tmp_path) == ("en", "pt_BR")
    assert i18n._catalog_languages(LOCALE) == i18n.LANGUAGES == ("en", "zh")


def test_language_names_and_tags_come_from_the_catalogs():
    assert [i18n.language_name(lang) for lang in i18n.LANGUAGES] == ["English", "中文"]
    assert [i18n.language_tag(lang) for lang in i18n.LANGUAGES] == ["en", "zh-CN"]


def errors_of(make):
    with pytest.raises((ValueError, TypeError)) as caught:
        make()
    return caught.value


@pytest.mark.parametrize(
    ("make", "english", "chinese"),
    [
        (
            lambda: SGD([], lr=0.1),
            "SGD: got no parameters to optimize",
            "SGD：没有收到要优化的参数。",
        ),
        (
            lambda: Adam([Value(1.0), 2.0]),
            "Adam: parameter 1 is float 2.0, not a Value; pass model.parameters()",
            "Adam：参数 1 是 float 2.0，不是 Value；请传入 model.parameters()",
        ),
        (
            lambda: SGD([Value(1.0)], lr=-0.1),
            "SGD: lr (the learning rate) must be a positive number, got -0.1",
            "SGD：lr（学习率）必须是正数，收到的是 -0.1。",
        ),
        (
            lambda: SGD([Value(1.0)], lr=0.1, momentum=-0.9),
            "SGD: momentum must be a number ≥ 0, got -0.9",
            "SGD：momentum 必须是 ≥ 0 的数，收到的是 -0.9。",
        ),
        (
            lambda: cross_entropy([1.0, 2.0, 3.0], 3),
            "cross_entropy: target index 3 is out of range for 3 logits (valid: 0 to 2)",
            "cross_entropy：目标下标 3 超出了 3 个 logits 的范围（有效范围：0 到 2）。",
        ),
        (
            lambda: cross_entropy([1.0], 1),  # the singular
            "cross_entropy: target index 1 is out of range for 1 logit (valid: 0 to 0)",
            "cross_entropy：目标下标 1 超出了 1 个 logits 的范围（有效范围：0 到 0）。",
        ),
        (
            lambda: mse([Value(1.0)], [1.0], reduction="max"),
            "mse: reduction must be 'mean' or 'sum', got 'max'",
            "mse：reduction 必须是 'mean' 或 'sum'，收到的是 'max'。",
        ),
        (
            lambda: mse([[1.0, 2.0]], [[1.0]]),
            "mse: predictions[0] has 2 items and targets[0] has 1; they must match and not be "
            "empty",
            "mse：predictions[0] 有 2 项，targets[0] 有 1 项；两者必须一样多，而且不能为空。",
        ),
        (
            lambda: make_moons(1),
            "make_moons: n must be a whole number ≥ 2 (one point per moon), got 1",
            "make_moons：n 必须是 ≥ 2 的整数（每个月牙至少一个点），收到的是 1。",
        ),
        (
            lambda: fit(MLP(1, [1], seed=0), [[1.0]], [], optimizer=SGD([Value(1.0)], lr=0.1)),
            "fit: X has 1 examples but y has 0 targets",
            "fit：X 有 1 个样本，但 y 有 0 个目标值。",
        ),
    ],
)
def test_the_pilots_errors_in_chinese(make, english, chinese):
    error = errors_of(make)
    assert str(error) == english == error_text(error) == error_text(error, "en")
    assert error_text(error, "zh") == chinese
    with use_language("zh"):
        assert error_text(error) == chinese
        assert str(errors_of(make)) == chinese  # raised in a Chinese context: said in Chinese
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == english
    assert error_text(copy, "zh") == chinese


def test_fit_speaks_its_lang(capsys):
    from autograd.datasets import xor

    X, y = xor()
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history = fit(
        model, X, y, optimizer=SGD(model.parameters(), lr=0.5), epochs=20, print_every=10, lang="zh"
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"轮次 {k:>5}  损失 {history[k - 1]:.6f}" for k in (10, 20)]
    with pytest.raises(ValueError, match="fit：epochs 必须是 ≥ 0 的整数，收到的是 -1。"):
        fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.5), epochs=-1, lang="zh")
    # The loss's errors too, raised inside fit:
    with pytest.raises(ValueError, match="mse：predictions 和 targets 的形状不同"):
        fit(model, X, [[1.0, 2.0]] * 4, optimizer=SGD(model.parameters(), lr=0.5), lang="zh")
    assert i18n.get_language() == "en"  # fit gave the context back


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("tqdm", [True, False])
def test_the_progress_bar_speaks_fits_lang(tqdm, monkeypatch):
    if tqdm:
        pytest.importorskip("tqdm")
    else:
        monkeypatch.setitem(sys.modules, "tqdm", None)  # as if tqdm were not installed
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    model = MLP(1, [1], seed=0)
    history = fit(
        model, [[1.0]], [2.0], optimizer=SGD(model.parameters(), lr=0.1), epochs=3, lang="zh"
    )
    shown = terminal.getvalue()
    if tqdm:
        assert "训练" in shown and "轮/s" in shown and f"损失={history[-1]:.4g}" in shown
    else:
        assert f"\r轮次 3/3  损失 {history[-1]:.4g}" in shown
    assert "epoch" not in shown and "loss" not in shown and "training" not in shown


def test_a_catalog_mistake_falls_back_to_english(monkeypatch):
    broken = gettext.GNUTranslations()
    broken._catalog = {"{who}: got no parameters to optimize": "{wer}：没有参数。"}
    monkeypatch.setattr(i18n, "_translations", lambda lang: broken)
    assert tr("zh", "{who}: got no parameters to optimize", who="SGD") == (
        "SGD: got no parameters to optimize"
    )


def extract(tmp_path: Path):
    """The messages in the code now, by `make messages`'s own extraction."""
    frontend = pytest.importorskip("babel.messages.frontend")
    from babel.messages.pofile import read_po

    pot = tmp_path / "autograd.pot"
    frontend.CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "pyproject.toml"), "-o", str(pot), "autograd"]
    )
    with pot.open("rb") as f:
        return read_po(f)


def read(path: Path):
    pofile = pytest.importorskip("babel.messages.pofile")
    with path.open("rb") as f:
        return pofile.read_po(f)


def keys(catalog):
    return {(message.id, message.context) for message in catalog if message.id}


@pytest.fixture(scope="module")
def in_code(tmp_path_factory, request):
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.chdir(ROOT)  # pyproject's patterns are relative to the repository
    request.addfinalizer(monkeypatch.undo)
    return extract(tmp_path_factory.mktemp("pot"))


def test_the_template_is_up_to_date(in_code):
    template = read(LOCALE / "autograd.pot")
    assert keys(in_code), "extraction found no message: check [tool.babel] in pyproject.toml"
    missing, stale = keys(in_code) - keys(template), keys(template) - keys(in_code)
    assert not missing and not stale, (
        f"autograd/locale/autograd.pot is out of date (run `make messages`): "
        f"new in the code {sorted(missing, key=str)}, gone from it {sorted(stale, key=str)}"
    )


# Modules whose every sentence goes through the catalogs; add a module once it is marked.
MARKED_MODULES = [
    "optim",
    "losses",
    "train",
    "datasets",
    "errors",
    "engine",
    "program",
    "compile",
    "define",
    "forward",
    "finite_differences",
    "nn",
    "draw",
    "trace",
    "explain/__init__",
    "explain/build",
    "explain/model",
    "explain/text",
    "explain/markdown",
    "explain/latex",
    "explain/forward_mode",
    "explain/serial",
    "practice",
    "lesson",
    "serve",
    "httpjson",
    "classroom",
    "classpages",
    "classes/checks",
    "classes/database",
    "classes/errors",
]


@pytest.mark.parametrize("module", MARKED_MODULES)
def test_marked_modules_raise_and_print_no_bare_sentence(module):
    import ast

    path = ROOT / "autograd" / f"{module}.py"
    bare = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            arguments = node.exc.args
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
            arguments = node.args
        else:
            continue
        for argument in arguments:
            is_text = isinstance(argument, ast.JoinedStr) or (
                isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            )
            if is_text and getattr(argument, "value", None) not in ("", "\r"):
                bare.append(f"{path.name}:{node.lineno}")
    assert not bare, f"sentences not marked for the catalogs (tr, N_): {bare}"


def placeholders(text: str) -> list[tuple[str, str | None, str | None]]:
    """The named fields of a format string: name, conversion, format spec."""
    return sorted(
        (name, conversion, spec)
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


def test_every_message_is_translated_into_chinese(in_code):
    chinese = read(ZH_PO)
    assert chinese.plural_forms == "nplurals=1; plural=0;"
    problems = []
    for message in in_code:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for english in ids:
            fields = placeholders(english)
            if any(not name or name.isdigit() for name, _, _ in fields):
                problems.append(f"{english!r}: placeholders must be named, not {{}} or {{0}}")
        if len(ids) == 2 and placeholders(ids[0]) != placeholders(ids[1]):
            problems.append(f"{ids[0]!r}: the singular and plural have different placeholders")
        translated = chinese.get(message.id, message.context)
        if translated is None:
            problems.append(f"{ids[0]!r}: missing from {ZH_PO.relative_to(ROOT)}")
            continue
        if translated.fuzzy:
            problems.append(f"{ids[0]!r}: marked fuzzy (check it, then remove the flag)")
        forms = translated.string if isinstance(translated.string, tuple) else (translated.string,)
        for form in forms:
            if not form:
                problems.append(f"{ids[0]!r}: not translated")
            elif placeholders(form) != placeholders(ids[-1]):
                problems.append(
                    f"{ids[0]!r}: the translation {form!r} has placeholders "
                    f"{placeholders(form)}, the message {placeholders(ids[-1])}"
                )
    assert not problems, "\n".join(problems)


CJK = "\u4e00-\u9fff"


def test_chinese_sentences_use_chinese_punctuation_and_the_glossary():
    avoid = glossary_avoided_terms()
    assert "前向传播" in avoid  # the UI says 正向传播: see GLOSSARY.md
    problems = []
    for message in read(ZH_PO):
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for form in forms:
            if re.search(f"[{CJK}][,;:!?]|[,;:!?][{CJK}]", form):
                problems.append(f"{form!r}: ASCII punctuation next to Chinese; use ，；：！？")
            english = message.id if isinstance(message.id, str) else message.id[0]
            if re.match(r"[\w{}]+: ", english) and not re.match(r"\S+?：", form):
                problems.append(f"{form!r}: the name before the message takes ：")
            problems += [f"{form!r}: says {term!r}; GLOSSARY.md" for term in avoid if term in form]
    assert not problems, "\n".join(problems)


def glossary_avoided_terms() -> set[str]:
    """The 'not' column of GLOSSARY.md's table: words the catalogs do not use."""
    text = (LOCALE / "GLOSSARY.md").read_text(encoding="utf-8")
    avoided = set()
    for row in re.findall(r"^\|(.+)\|\s*$", text, flags=re.M):
        cells = [cell.strip() for cell in row.split("|")]
        if len(cells) >= 3 and cells[2] and not set(cells[2]) <= set("-: "):
            avoided |= {term.strip() for term in re.split("[/,、]", cells[2]) if term.strip()}
    return avoided - {"not", "—"}


def test_compile_po_agrees_with_babel():
    catalog = read(ZH_PO)
    ours = gettext.GNUTranslations(io.BytesIO(i18n.compile_po(ZH_PO)))
    assert ours.info()["plural-forms"] == "nplurals=1; plural=0;"
    checked = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            for n in (1, 2, 5):
                if message.context:
                    said = ours.npgettext(message.context, *message.id, n)
                else:
                    said = ours.ngettext(*message.id, n)
                assert said == message.string[0]
        elif message.context:
            assert ours.pgettext(message.context, message.id) == message.string
        else:
            assert ours.gettext(message.id) == message.string
        checked += 1
    assert checked == len([m for m in catalog if m.id]) > 40
    # Babel's own .mo writer, read back by gettext, holds the same translations.
    from babel.messages.mofile import write_mo

    theirs = io.BytesIO()
    write_mo(theirs, catalog)
    theirs.seek(0)
    assert ours._catalog == gettext.GNUTranslations(theirs)._catalog


def test_compile_po_reads_escapes_flags_and_continuations(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\n'
        'msgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=2; '
        'plural=(n != 1);\\n"\n\n'
        '#: a.py\nmsgid "a \\"quoted\\"\\tline\\n"\nmsgstr ""\n"甲 \\"引\\"\\t"\n"行\\n"\n\n'
        '#, fuzzy\nmsgid "fuzzy"\nmsgstr "模糊"\n\n'
        'msgid "empty"\nmsgstr ""\n\n'
        'msgctxt "menu"\nmsgid "open"\nmsgstr "打开"\n\n'
        'msgid "{n} apple"\nmsgid_plural "{n} apples"\n'
        'msgstr[0] "{n} 苹果"\nmsgstr[1] "{n} 苹果们"\n\n'
        '#, fuzzy\n#~ msgid "old"\n#~ msgstr "旧"\n\n'
        'msgid "after"\nmsgstr "之后"\n',
        encoding="utf-8",
    )
    t = gettext.GNUTranslations(io.BytesIO(i18n.compile_po(po)))
    assert t.gettext('a "quoted"\tline\n') == '甲 "引"\t行\n'
    assert t.gettext("fuzzy") == "fuzzy"  # fuzzy: left out, as msgfmt does
    assert t.gettext("empty") == "empty"
    assert t.pgettext("menu", "open") == "打开" and t.gettext("open") == "open"
    assert [t.ngettext("{n} apple", "{n} apples", n) for n in (1, 2)] == ["{n} 苹果", "{n} 苹果们"]
    assert t.gettext("old") == "old" and t.gettext("after") == "之后"
    po.write_text('msgid "x"\nmsgstr "y"\nbroken line\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"x.po:3: not a line of a .po file"):
        i18n.compile_po(po)


def test_compile_po_matches_gnu_msgfmt(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext's msgfmt is not installed")
    theirs = tmp_path / "theirs.mo"
    subprocess.run([msgfmt, "-o", str(theirs), str(ZH_PO)], check=True)
    ours = gettext.GNUTranslations(io.BytesIO(i18n.compile_po(ZH_PO)))
    with theirs.open("rb") as f:
        gnu = gettext.GNUTranslations(f)
    header = ""  # msgfmt drops the header's POT-Creation-Date
    assert {**ours._catalog, header: None} == {**gnu._catalog, header: None}


def test_a_stale_or_missing_mo_is_compiled_from_the_po(tmp_path):
    catalogs = tmp_path / "zh" / "LC_MESSAGES"
    catalogs.mkdir(parents=True)
    po, mo = catalogs / "autograd.po", catalogs / "autograd.mo"
    shutil.copy(ZH_PO, po)
    assert i18n._translations("zh", tmp_path).gettext("training") == "训练"  # no .mo: from the .po

    # A .mo newer than its .po is what gettext.translation reads.
    po.with_name("edited.po").write_text(
        ZH_PO.read_text(encoding="utf-8").replace('msgstr "训练"', 'msgstr "训练中"'),
        encoding="utf-8",
    )
    mo.write_bytes(i18n.compile_po(po.with_name("edited.po")))
    newer = po.stat().st_mtime + 10
    os.utime(mo, (newer, newer))
    i18n._translations.cache_clear()
    assert i18n._translations("zh", tmp_path).gettext("training") == "训练中"

    # A .po edited after its .mo wins.
    os.utime(po, (newer + 10, newer + 10))
    i18n._translations.cache_clear()
    assert i18n._translations("zh", tmp_path).gettext("training") == "训练"
    i18n._translations.cache_clear()


def test_the_build_compiles_the_catalogs(tmp_path):
    """From a clean copy of the repository, as `pip install .` and `pip install -e .` build it:
    the wheel carries the .mo (and no .po), the sdist the .po and the build hook, and an
    editable build leaves the .mo next to the .po for gettext.translation."""
    pytest.importorskip("hatchling")
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    source = tmp_path / "source"
    for name in tracked:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path / "dist"
    build = (
        "import sys, hatchling.build as b; print(getattr(b, 'build_' + sys.argv[1])(sys.argv[2]))"
    )

    def run(kind):
        done = subprocess.run(
            [sys.executable, "-c", build, kind, str(out)],
            cwd=source,
            capture_output=True,
            text=True,
            check=True,
        )
        return out / done.stdout.split()[-1]

    mo_name = "autograd/locale/zh/LC_MESSAGES/autograd.mo"
    with zipfile.ZipFile(run("wheel")) as wheel:
        names = set(wheel.namelist())
        assert mo_name in names
        assert not [n for n in names if n.endswith((".po", ".pot"))]
        compiled = gettext.GNUTranslations(io.BytesIO(wheel.read(mo_name)))
    assert compiled.gettext("training") == "训练"

    with tarfile.open(run("sdist")) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"hatch_build.py", "autograd/locale/zh/LC_MESSAGES/autograd.po"} <= names

    # hatchling's editable build needs the `editables` package, which pip puts in the
    # build's own environment: call the hook the way that build does.
    assert not (source / mo_name).exists()
    sys.path.insert(0, str(source))
    try:
        from hatch_build import CatalogsBuildHook
    finally:
        sys.path.remove(str(source))
        sys.modules.pop("hatch_build", None)
    CatalogsBuildHook(str(source), {}, None, None, str(out), "wheel").initialize("editable", {})
    translation = gettext.translation(
        "autograd", source / "autograd" / "locale", languages=["zh"]
    )  # no fallback: the .mo must be there
    assert translation.gettext("training") == "训练"


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("", 0),
        ("dz/db", 5),
        ("梯度", 4),
        ("反向传播 backward", 17),
        ("，。：", 6),  # full-width punctuation
        ("ＡＢ", 4),  # full-width letters
        ("한국", 4),
        ("é", 1),
        ("e\u0301", 1),  # e + a combining accent
        ("a\u200db", 2),  # a zero-width joiner
        ("∂z/∂b = 5·1 × 2", 15),  # ambiguous-width maths: one column, as terminals draw it
    ],
)
def test_display_width(text, width):
    assert display_width(text) == width


def test_columns_line_up_by_display_width():
    rows = [("节点", "梯度"), ("b", "15"), ("中间结果", "5.0")]
    width = max(display_width(name) for name, _ in rows) + 2
    lines = [ljust(name, width) + rjust(value, 6) + "|" for name, value in rows]
    assert {display_width(line) for line in lines} == {width + 6 + 1}
    assert lines[0] == "节点        梯度|"
    assert center("梯度", 8, "-") == "--梯度--"
    assert center("梯度", 5) == "梯度 "  # an odd space goes to the right
    assert ljust("反向传播", 2) == "反向传播"  # never cut
