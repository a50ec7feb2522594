"""What comes into the class database, checked before any work: nicknames, codes, tokens, items.

A nickname is stripped, its runs of spaces become one, and it is put in
Unicode's NFC form; it may then hold 1 to 24 printable characters (letters,
marks, digits, punctuation, symbols and the plain space: no control, format
or other separator characters, so no line breaks, no invisible characters and
no right-to-left override). Two nicknames are the same name when they match
case-insensitively and up to compatibility forms (NFKC), so ``Ann``, ``ANN``
and ``Ａｎｎ`` are one name.

>>> nickname("  Zoë   Lee ")
('Zoë Lee', 'zoë lee')
>>> nickname("ＡＮＮ")[1] == nickname("ann")[1]
True
>>> join_code("k7x-m2q")
'K7XM2Q'
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import unicodedata
from collections.abc import Sequence

from autograd.classes.errors import InvalidInput, InvalidName
from autograd.i18n import N_, Phrase

# Join codes: no 0/O, 1/I/L, which read alike on a projector. 31**6 ≈ 8.9e8 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
TOKEN_BYTES = 32  # 256 random bits
MAX_TOKEN = 200  # characters: anything longer is no token of ours, and is not hashed
MAX_NAME = 24
MAX_KEY = 64
MAX_NODE = 64
MAX_MESSAGE = 2000
MAX_ITEMS = 100
MAX_ITEMS_BYTES = 64 * 1024
MAX_PROGRAM = 10_000
MISTAKE_CODE = re.compile(r"[a-z][a-z0-9-]{0,31}")  # practice's codes: missed-path, sign, ...


def show(value) -> str:
    """``repr(value)``, cut short: an error quotes what it refused, never all of it."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def integer(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(
            N_("{name} must be a whole number, got {value}"), name=name, value=show(value)
        )
    if not low <= value <= high:
        raise InvalidInput(
            N_("{name} must be from {low} to {high}, got {value}"),
            name=name, low=low, high=high, value=value,
        )  # fmt: skip
    return value


def text(name: str, value, limit: int, *, empty: bool = False) -> str:
    """A one-line text field: printable, 1 to ``limit`` characters (or any text if ``empty``)."""
    if not isinstance(value, str):
        raise InvalidInput(N_("{name} must be text, got {value}"), name=name, value=show(value))
    if len(value) > limit:
        raise InvalidInput(
            N_("{name} must be at most {limit} characters, got {length}"),
            name=name, limit=limit, length=len(value),
        )  # fmt: skip
    if not empty:
        if not value:
            raise InvalidInput(N_("{name} must not be empty"), name=name)
        if not value.isprintable():
            raise InvalidInput(
                N_("{name} must be printable characters, got {value}"), name=name, value=show(value)
            )
    return value


def number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(N_("{name} must be a number, got {value}"), name=name, value=show(value))
    if not math.isfinite(value):
        raise InvalidInput(N_("{name} must be finite, got {value}"), name=name, value=value)
    return float(value)


def flag(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(
            N_("{name} must be True or False, got {value}"), name=name, value=show(value)
        )
    return value


def verdict(correct, mistake, message) -> None:
    """The verdict practice gave: right with no mistake, or wrong with a mistake code."""
    flag("correct", correct)
    if correct and mistake is not None:
        raise InvalidInput(
            N_("a right answer has no mistake, got {mistake}"), mistake=show(mistake)
        )
    if not correct and not (isinstance(mistake, str) and MISTAKE_CODE.fullmatch(mistake)):
        raise InvalidInput(
            N_("a wrong answer needs a mistake code such as 'missed-path', got {mistake}"),
            mistake=show(mistake),
        )
    text("message", message, MAX_MESSAGE, empty=True)


def nickname(name) -> tuple[str, str]:
    """The nickname as stored, and the key that makes it unique in its class."""
    if not isinstance(name, str):
        raise InvalidName(N_("a nickname is text, got {value}"), value=show(name))
    if len(name) > 4 * MAX_NAME:  # far too long: say so before normalising it
        raise _too_long(len(name))
    name = re.sub(" +", " ", unicodedata.normalize("NFC", name).strip())
    if not name:
        raise InvalidName(N_("a nickname needs at least one character"))
    if len(name) > MAX_NAME:
        raise _too_long(len(name))
    if not name.isprintable():
        bad = next(c for c in name if not c.isprintable())
        kind = unicodedata.name(bad, "a control character").lower()
        raise InvalidName(
            N_("a nickname cannot hold the character {character} ({kind})"),
            character=f"U+{ord(bad):04X}", kind=kind,
        )  # fmt: skip
    key = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return name, key


def _too_long(length: int) -> InvalidName:
    return InvalidName(
        N_("a nickname is at most {limit} characters, got {length}"), limit=MAX_NAME, length=length
    )


def items(value) -> tuple[str, int]:
    """What a class works on, as JSON text, and how many items.

    Each item is ``{"program": str, "at": {name: number}}`` or ``{"level":
    int, "seed": int}``; other keys (a ``"mode"``, say) are kept as given.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidInput(N_("a class works on a list of items, got {value}"), value=show(value))
    if not 1 <= len(value) <= MAX_ITEMS:
        raise InvalidInput(
            N_("a class works on 1 to {most} items, got {count}"), most=MAX_ITEMS, count=len(value)
        )
    for index, item in enumerate(value):
        where = Phrase(N_("item {index}"), index=index)
        if not isinstance(item, dict):
            raise InvalidInput(
                N_("{where} must be an object, got {value}"), where=where, value=show(item)
            )
        if "program" in item:
            text(_of(where, "program"), item["program"], MAX_PROGRAM, empty=True)
            values = item.get("at", {})
            if not isinstance(values, dict):
                raise InvalidInput(
                    N_("{where}'s 'at' must map names to numbers, got {value}"),
                    where=where, value=show(values),
                )  # fmt: skip
            for name, v in values.items():
                number(_of(where, show(name)), v)
        elif "level" in item:
            integer(_of(where, "level"), item["level"], 1, 100)
            integer(_of(where, "seed"), item.get("seed", 0), 0, 2**32 - 1)
        else:
            raise InvalidInput(
                N_("{where} needs a 'program' (with 'at') or a 'level' (with 'seed')"), where=where
            )
    try:
        encoded = json.dumps(list(value), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidInput(
            N_("the items must be plain JSON data: {error}"), error=str(error)
        ) from None
    size = len(encoded.encode())
    if size > MAX_ITEMS_BYTES:
        raise InvalidInput(
            N_("the items take {size} bytes, more than {most}"), size=size, most=MAX_ITEMS_BYTES
        )
    return encoded, len(value)


def _of(where: Phrase, field: str) -> Phrase:
    """A field of an item, as an error names it: ``item 2's seed``."""
    return Phrase(N_("{where}'s {field}"), where=where, field=field)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def join_code(code) -> str | None:
    """A join code as typed (any case, spaces or a dash), or None if it cannot be one."""
    if not isinstance(code, str) or len(code) > 20:
        return None
    cleaned = code.replace(" ", "").replace("-", "").upper()
    if len(cleaned) != CODE_LENGTH or not set(cleaned) <= set(CODE_ALPHABET):
        return None
    return cleaned


def new_token() -> str:
    """256 random bits, URL-safe: 43 characters."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    # A fast hash is enough for random tokens: there is no dictionary to try.
    return hashlib.sha256(token.encode()).hexdigest()


def token_digest(token) -> str | None:
    """The digest of what was presented as a token, or None if it cannot be one of ours."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
        return None
    return digest(token)
