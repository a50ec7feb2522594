"""Languages: choosing one, saying a sentence in it, and lining text up.

Every sentence a person reads is written in English where the code says it,
marked for the catalog, and looked up in the language of the call:

>>> message = "unknown language {lang!r}; the languages are {languages}"
>>> tr("en", message, lang="fr", languages="en, zh")
"unknown language 'fr'; the languages are en, zh"
>>> tr("zh", message, lang="fr", languages="en, zh")
"没有 'fr' 这种语言；可选的语言有：en, zh。"

The catalogs are standard gettext ones, one per language:
``autograd/locale/<lang>/LC_MESSAGES/autograd.po`` (English is the language
of the code, so it needs none). A sentence keeps its numbers and names as
named placeholders, ``"{node} receives {local} × {upstream} = {value}"``:
our code formats them, the catalog places them, so a translator can reorder
the sentence. Literal braces are written ``{{`` and ``}}``.

Which language:

- an explicit ``lang`` argument wins (``explain(z, lang="zh")``);
- otherwise the language of the current context: ``use_language("zh")`` for
  a block, ``set_language("zh")`` for the rest of a notebook or thread;
  English when nothing set it. Library calls never read the environment.
- Commands: ``--lang`` else the environment (``command_language``); the
  server: the request's ``Accept-Language`` (``language_from_accept_language``).

The marking functions are what Babel's extractor looks for (the keywords in
``pyproject.toml``'s ``[tool.babel]``): ``tr:2``, ``ntr:2,3``, ``ptr:2c,3``,
and ``N_``, ``Nn_:1,2`` for a sentence (a singular and plural pair) marked now
and translated later (and ``latex_sentence:2``, autograd.explain.latex's sentence
with formulas between its words). This module uses the standard library only and imports
no other part of autograd, so every floor of the house can use it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import io
import json
import math
import os
import re
import struct
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "N_",
    "Nn_",
    "Phrase",
    "TranslatableError",
    "TranslatableImportError",
    "TranslatableModuleNotFoundError",
    "TranslatableTypeError",
    "TranslatableValueError",
    "UnknownLanguageError",
    "center",
    "check_language",
    "command_language",
    "compile_po",
    "display_width",
    "error_text",
    "get_language",
    "json_reason",
    "language_from_accept_language",
    "language_from_environment",
    "language_name",
    "language_tag",
    "ljust",
    "match_language",
    "ntr",
    "parse_accept_language",
    "ptr",
    "reset_language",
    "resolve_language",
    "rjust",
    "set_language",
    "tr",
    "use_language",
]

DOMAIN = "autograd"
LOCALEDIR = Path(__file__).with_name("locale")
DEFAULT_LANGUAGE = "en"


def _catalog_languages(localedir: Path) -> tuple[str, ...]:
    """English, then every language that has a catalog: adding a language is adding a file."""
    found = {path.parent.parent.name for path in localedir.glob(f"*/LC_MESSAGES/{DOMAIN}.[mp]o")}
    return (DEFAULT_LANGUAGE, *sorted(found - {DEFAULT_LANGUAGE}))


LANGUAGES = _catalog_languages(LOCALEDIR)


def N_(message: str) -> str:
    """Mark a sentence for the catalog without translating it yet (gettext's ``gettext_noop``).

    For sentences kept in a table or stored in an error, and translated when
    shown: ``raise TranslatableValueError(N_("... {value!r}"), value=x)``.

    >>> N_("{who}: got no parameters to optimize")
    '{who}: got no parameters to optimize'
    """
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a sentence with a singular and a plural, to say later for a count (``ntr``).

    >>> Nn_("{count} logit", "{count} logits")
    ('{count} logit', '{count} logits')
    """
    return singular, plural


# Only a simplified-Chinese catalog exists. A reader of traditional characters
# (zh_TW, zh_HK, zh-Hant) reads simplified far more easily than English, so those
# tags choose it, until a zh_Hant catalog is added: then they choose that one.
_TRADITIONAL_CHINESE = {"hant", "tw", "hk", "mo"}
_TAG = re.compile(r"[A-Za-z0-9]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")


@functools.lru_cache(maxsize=256)  # every tr() call resolves its lang; browsers send few tags
def match_language(tag: str) -> str | None:
    """The catalog for a language tag or locale name (``zh-Hans``, ``zh_CN.UTF-8``),
    or None when there is none for it.

    The most specific catalog wins (``pt_BR`` before ``pt``); case, ``-`` or
    ``_``, the encoding (``.UTF-8``) and the modifier (``@euro``) do not matter.

    >>> [match_language(t) for t in ["zh", "zh_CN.UTF-8", "zh-Hans", "zh_SG", "en_US", "fr", "C"]]
    ['zh', 'zh', 'zh', 'zh', 'en', None, None]
    >>> match_language("zh_TW")  # a simplified catalog serves traditional readers too
    'zh'
    """
    base = str(tag).strip().split(".")[0].split("@")[0]
    if not _TAG.fullmatch(base):
        return None
    parts = re.split("[-_]", base.lower())
    candidates = ["_".join(parts[:k]) for k in range(len(parts), 0, -1)]
    if parts[0] == "zh" and _TRADITIONAL_CHINESE & set(parts[1:]):
        candidates.insert(-1, "zh_hant")
    ours = {lang.lower(): lang for lang in LANGUAGES}
    return next((ours[c] for c in candidates if c in ours), None)


class TranslatableError(Exception):
    """An error whose message is a catalog sentence with named parameters.

    Mix it into an exception class, before the built-in one it specializes
    (``class ProgramError(TranslatableError, ValueError)``), and raise it with
    the English sentence marked by ``N_`` and its parameters; a sentence marked
    by ``Nn_`` (singular and plural) takes the count after it. ``str(error)`` is the
    sentence in the context's language where it was raised (English unless
    ``use_language`` chose another); ``error_text(error, "zh")`` says it in
    any language.

    >>> unknown = N_("unknown language {lang!r}; the languages are {languages}")
    >>> error = TranslatableValueError(unknown, lang="fr", languages="en")
    >>> str(error), error.params
    ("unknown language 'fr'; the languages are en", {'lang': 'fr', 'languages': 'en'})
    >>> error_text(error, "zh")
    "没有 'fr' 这种语言；可选的语言有：en。"
    >>> str(TranslatableValueError(Nn_("{count} logit", "{count} logits"), 1, count=1))
    '1 logit'
    """

    def __init__(self, message: str | tuple[str, str], n: int | None = None, /, **params: object):
        self.message_id = message
        self.n = n
        self.params = params
        super().__init__(_say(None, message, n, params))

    def __reduce__(self):
        # pickle and copy rebuild the error from its sentence and parameters, not from str(error)
        return _rebuild_error, (type(self), self.message_id, self.n, self.params)


def _rebuild_error(cls: type, message, n: int | None, params: dict) -> TranslatableError:
    return cls(message, n, **params)


def _say(lang: str | None, message: str | tuple[str, str], n: int | None, params: dict) -> str:
    if isinstance(message, tuple):
        return ntr(lang, *message, n, **params)
    return tr(lang, message, **params)


class TranslatableValueError(TranslatableError, ValueError):
    """A ``ValueError`` whose message can be said in every language."""


class TranslatableTypeError(TranslatableError, TypeError):
    """A ``TypeError`` whose message can be said in every language."""


class TranslatableImportError(TranslatableError, ImportError):
    """An ``ImportError`` (an optional package is missing) that can be said in every language."""


class TranslatableModuleNotFoundError(TranslatableImportError, ModuleNotFoundError):
    """A ``ModuleNotFoundError`` that can be said in every language; ``name`` is the
    missing package (also a parameter of the sentence), as Python's own has it."""

    def __init__(self, message: str, n: int | None = None, /, *, name: str, **params: object):
        super().__init__(message, n, name=name, **params)
        self.name = name


class Phrase:
    """A piece of a sentence that has words of its own (``column 5``, ``x = 3.0 and
    y = 2.0``), said in the language of the sentence it is a parameter of.

    Some sentences take a part that varies in its words, not only in its
    numbers: where in a program, which values, an error inside another. Pass
    such a part as a Phrase (its own sentence, marked with ``N_``, and its
    parameters) or as a ``TranslatableError``: ``tr``, ``ntr``, ``ptr`` and
    ``error_text`` say it in their language before they fill it in.

    >>> where = Phrase(N_("line {line}, column {column}"), line=2, column=5)
    >>> message = Phrase(N_("invalid syntax"))
    >>> error = TranslatableValueError(N_("{message} ({where})"), message=message, where=where)
    >>> str(error), error_text(error, "zh")
    ('invalid syntax (line 2, column 5)', '语法错误（第 2 行，第 5 列）。')
    """

    __slots__ = ("message", "n", "params")

    def __init__(self, message: str | tuple[str, str], n: int | None = None, /, **params: object):
        self.message, self.n, self.params = message, n, params

    def say(self, lang: str | None = None) -> str:
        """The phrase in ``lang`` (None: the context's language)."""
        return _say(lang, self.message, self.n, self.params)

    def __str__(self) -> str:
        return self.say()

    def __repr__(self) -> str:
        return f"Phrase({self.message!r}, {self.n!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Phrase):
            return NotImplemented
        return (self.message, self.n, self.params) == (other.message, other.n, other.params)

    def __hash__(self) -> int:
        return hash((self.message, self.n))

    def __reduce__(self):
        return _rebuild_phrase, (self.message, self.n, self.params)


def _rebuild_phrase(message, n: int | None, params: dict) -> Phrase:
    return Phrase(message, n, **params)


def _said(lang: str, params: Mapping[str, object]) -> Mapping[str, object]:
    """The parameters, each Phrase and error of ours said in ``lang``."""
    if not any(isinstance(value, (Phrase, TranslatableError)) for value in params.values()):
        return params
    return {
        name: value.say(lang)
        if isinstance(value, Phrase)
        else _say(lang, value.message_id, value.n, value.params)
        if isinstance(value, TranslatableError)
        else value
        for name, value in params.items()
    }


class UnknownLanguageError(TranslatableValueError):
    """A language we have no catalog for."""


# Python's json module says why it cannot read a text in English words of its own
# (CPython's, 3.10 to 3.14): these are those words, so that a refusal reads in
# one language. One it does not know is passed on as it is.
_JSON_REASONS = {
    "Expecting value": N_("a value is missing"),
    "Expecting property name enclosed in double quotes": N_("a name in double quotes is missing"),
    "Expecting ':' delimiter": N_("a colon (:) is missing"),
    "Expecting ',' delimiter": N_("a comma (,) is missing"),
    "Unterminated string starting at": N_("a string is not closed"),
    "Invalid control character at": N_("a string holds a control character"),
    "Invalid \\escape": N_("a backslash escape is not valid"),
    "Invalid \\uXXXX escape": N_("a \\uXXXX escape is not valid"),
    "Extra data": N_("more follows the value"),
    "Illegal trailing comma before end of object": N_("a comma ends an object"),
    "Illegal trailing comma before end of array": N_("a comma ends a list"),
}


def json_reason(error: ValueError) -> Phrase | str:
    """Why ``json.loads`` refused a text, and where: a Phrase the catalogs translate
    (Python's own words for a reason this does not know).

    >>> try:
    ...     json.loads('{"w" 3}')
    ... except ValueError as error:
    ...     print(json_reason(error), "/", json_reason(error).say("zh"))
    a colon (:) is missing at line 1, column 6 / 第 1 行第 6 列：缺少冒号（:）
    """
    if isinstance(error, json.JSONDecodeError) and error.msg in _JSON_REASONS:
        return Phrase(
            N_("{reason} at line {line}, column {column}"),
            reason=Phrase(_JSON_REASONS[error.msg]),
            line=error.lineno,
            column=error.colno,
        )
    if isinstance(error, UnicodeDecodeError):
        return Phrase(N_("the text is not UTF-8"))
    return " ".join(str(error).split())


def error_text(error: BaseException, lang: str | None = None) -> str:
    """What an error says, in ``lang`` when it is one of ours, else ``str(error)``.

    >>> error_text(ValueError("plain"), "zh")
    'plain'
    """
    if isinstance(error, TranslatableError):
        return _say(lang, error.message_id, error.n, error.params)
    return str(error)


def check_language(lang: str) -> str:
    """The catalog name for a language a caller asked for; an error when we have none.

    >>> check_language("zh-CN"), check_language("en")
    ('zh', 'en')
    >>> check_language("fr")
    Traceback (most recent call last):
    ...
    autograd.i18n.UnknownLanguageError: unknown language 'fr'; the languages are en, zh
    """
    found = match_language(lang) if isinstance(lang, str) else None
    if found is None:
        raise UnknownLanguageError(
            N_("unknown language {lang!r}; the languages are {languages}"),
            lang=lang,
            languages=", ".join(LANGUAGES),
        )
    return found


# The language of library calls that pass no ``lang``. A ContextVar, like
# ``no_grad``: one thread, asyncio task or server request cannot change another's.
_language = contextvars.ContextVar("autograd_language", default=DEFAULT_LANGUAGE)


def get_language() -> str:
    """The language of the current context: English unless set.

    >>> get_language()
    'en'
    """
    return _language.get()


def set_language(lang: str) -> contextvars.Token:
    """Use ``lang`` from now on in this context (a notebook, a thread); returns the
    token that ``reset_language`` takes to undo it. ``use_language`` is the block form."""
    return _language.set(check_language(lang))


def reset_language(token: contextvars.Token) -> None:
    """Undo the ``set_language`` that returned ``token``."""
    _language.reset(token)


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[str]:
    """Inside this block, library calls without a ``lang`` speak ``lang``.

    >>> with use_language("zh"):
    ...     tr(None, "{who}: got no parameters to optimize", who="Adam")
    'Adam：没有收到要优化的参数。'
    """
    token = set_language(lang)
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def resolve_language(lang: str | None = None) -> str:
    """``lang`` if given (checked), else the context's language.

    >>> resolve_language("zh_CN"), resolve_language()
    ('zh', 'en')
    """
    return _language.get() if lang is None else check_language(lang)


# Python's gettext reads these, in this order, and takes the first one set.
ENVIRONMENT_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language a command's user chose with ``LANGUAGE``, ``LC_ALL``,
    ``LC_MESSAGES`` or ``LANG``, the way Python's gettext reads them.

    The first variable that is set and not empty decides; its value may list
    several languages (``LANGUAGE=fr:zh``): the first we have wins. ``C`` or
    ``POSIX`` ends the list. English when nothing matches.

    >>> language_from_environment({"LANG": "zh_CN.UTF-8"})
    'zh'
    >>> language_from_environment({"LANGUAGE": "en", "LANG": "zh_CN.UTF-8"})
    'en'
    """
    environ = os.environ if environ is None else environ
    value = next((environ[name] for name in ENVIRONMENT_VARIABLES if environ.get(name)), "")
    for tag in value.split(":"):
        if tag.split(".")[0] in ("C", "POSIX"):
            break
        if lang := match_language(tag):
            return lang
    return DEFAULT_LANGUAGE


def command_language(lang: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """A command's language: its ``--lang`` when given, else the environment's.

    >>> command_language("en", {"LANG": "zh_CN.UTF-8"}), command_language(None, {"LANG": "zh_SG"})
    ('en', 'zh')
    """
    return check_language(lang) if lang else language_from_environment(environ)


# A browser sends a handful of languages; more than this is not one, and no
# header makes us do unbounded work.
_MOST_ACCEPT_LANGUAGE_ITEMS = 32


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """The language ranges of an ``Accept-Language`` header with their weights (q),
    most wanted first; q=0 (not wanted) and malformed items are left out.

    >>> parse_accept_language("en;q=0.8, zh-CN, zh;q=0.9, fr;q=0")
    [('zh-CN', 1.0), ('zh', 0.9), ('en', 0.8)]
    """
    ranges = []
    for item in (header or "").split(",")[:_MOST_ACCEPT_LANGUAGE_ITEMS]:
        tag, *params = (part.strip() for part in item.split(";"))
        if tag != "*" and not _TAG.fullmatch(tag):
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = math.nan
        if 0.0 < q <= 1.0:  # also drops nan
            ranges.append((tag, q))
    ranges.sort(key=lambda item: -item[1])  # stable: equal weights keep the header's order
    return ranges


def language_from_accept_language(header: str | None) -> str:
    """The language to answer a request in: the most wanted one we have, else English.

    >>> language_from_accept_language("zh-CN,zh;q=0.9,en;q=0.8")
    'zh'
    >>> language_from_accept_language("fr-FR, fr;q=0.9, en;q=0.5, zh;q=0.4")
    'en'
    """
    for tag, _ in parse_accept_language(header):
        if tag == "*":
            return DEFAULT_LANGUAGE
        if lang := match_language(tag):
            return lang
    return DEFAULT_LANGUAGE


def tr(lang: str | None, message: str, /, **params: object) -> str:
    """``message`` in ``lang`` (None: the context's language), its placeholders filled.

    >>> unknown = "unknown language {lang!r}; the languages are {languages}"
    >>> tr("zh", unknown, lang="de", languages="en, zh")
    "没有 'de' 这种语言；可选的语言有：en, zh。"
    """
    lang = resolve_language(lang)
    translated = _translations(lang).gettext(message)
    return _fill(translated, message, _said(lang, params))


def ntr(lang: str | None, singular: str, plural: str, n: int, /, **params: object) -> str:
    """The sentence for a count ``n``: the catalog picks the form (Chinese has one,
    English two). Pass the count among ``params`` too when the sentence shows it.

    >>> [ntr("en", "{count} parameter", "{count} parameters", n, count=n) for n in (1, 2)]
    ['1 parameter', '2 parameters']

    A sentence the catalog lacks is said in English, in every language.
    """
    lang = resolve_language(lang)
    translated = _translations(lang).ngettext(singular, plural, n)
    return _fill(translated, singular if n == 1 else plural, _said(lang, params))


def ptr(lang: str | None, context: str, message: str, /, **params: object) -> str:
    """``message`` in ``lang`` where the same English words need different
    translations: ``context`` tells them apart (gettext's ``pgettext``).

    >>> ptr("zh", "the name of this catalog's language, written in it", "English")
    '中文'
    """
    lang = resolve_language(lang)
    translated = _translations(lang).pgettext(context, message)
    return _fill(translated, message, _said(lang, params))


def _fill(translated: str, english: str, params: Mapping[str, object]) -> str:
    try:
        return translated.format_map(params)
    except (KeyError, IndexError, ValueError):
        # A catalog that renamed a placeholder must not break a lesson: say it in
        # English. (tests/test_i18n.py keeps the catalogs from doing so.)
        return english.format_map(params)


def language_name(lang: str) -> str:
    """A language's name in that language, for a page's switch: its catalog says it.

    >>> [language_name(lang) for lang in LANGUAGES]
    ['English', '中文']
    """
    lang = check_language(lang)
    return ptr(lang, "the name of this catalog's language, written in it", "English")


def language_tag(lang: str) -> str:
    """The BCP 47 tag of a language, for ``<html lang=...>``: its catalog says it.

    >>> [language_tag(lang) for lang in LANGUAGES]
    ['en', 'zh-CN']
    """
    lang = check_language(lang)
    return ptr(lang, "the BCP 47 tag of this catalog's language", "en")


@functools.cache
def _translations(lang: str, localedir: Path = LOCALEDIR) -> gettext.NullTranslations:
    """The catalog of ``lang``: its compiled ``.mo``, or its ``.po`` compiled in
    memory when the ``.mo`` is missing or older (a checkout, a catalog just edited)."""
    po = localedir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if po.is_file() and (not mo.is_file() or mo.stat().st_mtime < po.stat().st_mtime):
        return gettext.GNUTranslations(io.BytesIO(compile_po(po)))
    return gettext.translation(DOMAIN, localedir, languages=[lang], fallback=True)


# Compiling a catalog: .po (text, in the repository) to .mo (what gettext reads) --

_PO_KEYWORD = re.compile(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")')
_PO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}


def compile_po(path: str | os.PathLike) -> bytes:
    """The ``.mo`` file for a ``.po`` catalog, as GNU ``msgfmt`` makes it: fuzzy
    and untranslated entries are left out (gettext then says them in English).

    The build (``hatch_build.py``) writes it into the wheel; ``tr`` compiles
    in memory when the ``.mo`` is missing or out of date.
    """
    messages = {}
    for fields, flags in _read_po(Path(path)):
        key = fields["msgid"]
        if "msgctxt" in fields:
            key = f"{fields['msgctxt']}\x04{key}"
        if "msgid_plural" in fields:
            key = f"{key}\x00{fields['msgid_plural']}"
            forms = [
                fields[k] for k in sorted(fields, key=_plural_index) if k.startswith("msgstr[")
            ]
            translated = "\x00".join(forms) if forms and all(forms) else ""
        else:
            translated = fields.get("msgstr", "")
        if fields["msgid"] == "" or (translated and "fuzzy" not in flags):  # "" is the header
            messages[key] = translated
    return _mo_bytes(messages)


def _plural_index(key: str) -> int:
    return int(key[7:-1]) if key.startswith("msgstr[") else -1


def _read_po(path: Path) -> list[tuple[dict[str, str], set[str]]]:
    """Each entry of a .po file: its fields (``msgid``, ``msgstr[0]``, ...) and flags."""
    entries = []
    fields: dict[str, str] = {}
    flags: set[str] = set()
    key = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if line.startswith('"') and key is not None:
            fields[key] += _unquote(line, path, number)
            continue
        keyword = _PO_KEYWORD.fullmatch(line)
        if (not keyword or keyword[1] in ("msgctxt", "msgid")) and any(
            k.startswith("msgstr") for k in fields
        ):
            entries.append((fields, flags))
            fields, flags, key = {}, set(), None
        if keyword:
            key = keyword[1]
            fields[key] = _unquote(keyword[2], path, number)
        elif line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif not line and not fields:
            flags = set()  # the flags of an obsolete (#~) entry end with it
        elif line and not line.startswith("#"):
            raise ValueError(f"{path}:{number}: not a line of a .po file: {line!r}")
    if any(k.startswith("msgstr") for k in fields):
        entries.append((fields, flags))
    for fields, _ in entries:
        if "msgid" not in fields:
            raise ValueError(f"{path}: an entry without msgid: {fields!r}")
    return entries


def _unquote(quoted: str, path: Path, number: int) -> str:
    if len(quoted) < 2 or not quoted.endswith('"'):
        raise ValueError(f"{path}:{number}: unterminated string {quoted!r}")
    return re.sub(r"\\(.)", lambda m: _PO_ESCAPES.get(m[1], m[0]), quoted[1:-1])


def _mo_bytes(messages: Mapping[str, str]) -> bytes:
    """The GNU .mo layout: a header, the tables of (length, offset) of the ids and
    of the translations, then the strings, each ending in NUL; ids sorted."""
    keys = sorted(messages)  # UTF-8 bytes sort as the code points do
    ids = [k.encode() for k in keys]
    strs = [messages[k].encode() for k in keys]
    count = len(keys)
    header = 7 * 4
    strings_start = header + 2 * 8 * count
    tables, data = [], b""
    for string in ids + strs:
        tables.append((len(string), strings_start + len(data)))
        data += string + b"\0"
    return (
        struct.pack("<7I", 0x950412DE, 0, count, header, header + 8 * count, 0, strings_start)
        + b"".join(struct.pack("<2I", length, offset) for length, offset in tables)
        + data
    )


@functools.lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0  # combining accents and zero-width joiners sit on the character before
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """How many terminal columns ``text`` takes: a CJK character two, a combining
    mark none, everything else one (``×`` and ``·`` too, as terminals draw them).

    >>> display_width("梯度 grad"), len("梯度 grad")
    (9, 7)
    """
    if text.isascii():
        return len(text)
    return sum(_char_width(char) for char in text)


def ljust(text: str, width: int, fill: str = " ") -> str:
    """``text`` padded on the right to ``width`` columns (``str.ljust`` counts characters).

    >>> ljust("梯度", 6) + "|", ljust("grad", 6) + "|"
    ('梯度  |', 'grad  |')
    """
    return text + fill * max(0, width - display_width(text))


def rjust(text: str, width: int, fill: str = " ") -> str:
    """``text`` padded on the left to ``width`` columns.

    >>> "|" + rjust("梯度", 6)
    '|  梯度'
    """
    return fill * max(0, width - display_width(text)) + text


def center(text: str, width: int, fill: str = " ") -> str:
    """``text`` centred in ``width`` columns (an odd space goes to the right).

    >>> "|" + center("梯度", 7) + "|"
    '| 梯度  |'
    """
    padding = max(0, width - display_width(text))
    return fill * (padding // 2) + text + fill * (padding - padding // 2)
