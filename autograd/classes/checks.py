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
        raise InvalidInput(f"{name} must be a whole number, got {show(value)}")
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be from {low} to {high}, got {value}")
    return value


def text(name: str, value, limit: int, *, empty: bool = False) -> str:
    """A one-line text field: printable, 1 to ``limit`` characters (or any text if ``empty``)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be text, got {show(value)}")
    if len(value) > limit:
        raise InvalidInput(f"{name} must be at most {limit} characters, got {len(value)}")
    if not empty:
        if not value:
            raise InvalidInput(f"{name} must not be empty")
        if not value.isprintable():
            raise InvalidInput(f"{name} must be printable characters, got {show(value)}")
    return value


def number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{name} must be a number, got {show(value)}")
    if not math.isfinite(value):
        raise InvalidInput(f"{name} must be finite, got {value}")
    return float(value)


def flag(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be True or False, got {show(value)}")
    return value


def verdict(correct, mistake, message) -> None:
    """The verdict practice gave: right with no mistake, or wrong with a mistake code."""
    flag("correct", correct)
    if correct and mistake is not None:
        raise InvalidInput(f"a right answer has no mistake, got {show(mistake)}")
    if not correct and not (isinstance(mistake, str) and MISTAKE_CODE.fullmatch(mistake)):
        raise InvalidInput(
            f"a wrong answer needs a mistake code such as 'missed-path', got {show(mistake)}"
        )
    text("message", message, MAX_MESSAGE, empty=True)


def nickname(name) -> tuple[str, str]:
    """The nickname as stored, and the key that makes it unique in its class."""
    if not isinstance(name, str):
        raise InvalidName(f"a nickname is text, got {show(name)}")
    if len(name) > 4 * MAX_NAME:  # far too long: say so before normalising it
        raise InvalidName(f"a nickname is at most {MAX_NAME} characters, got {len(name)}")
    name = re.sub(" +", " ", unicodedata.normalize("NFC", name).strip())
    if not name:
        raise InvalidName("a nickname needs at least one character")
    if len(name) > MAX_NAME:
        raise InvalidName(f"a nickname is at most {MAX_NAME} characters, got {len(name)}")
    if not name.isprintable():
        bad = next(c for c in name if not c.isprintable())
        kind = unicodedata.name(bad, "a control character").lower()
        raise InvalidName(f"a nickname cannot hold the character U+{ord(bad):04X} ({kind})")
    key = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return name, key


def items(value) -> tuple[str, int]:
    """What a class works on, as JSON text, and how many items.

    Each item is ``{"program": str, "at": {name: number}}`` or ``{"level":
    int, "seed": int}``; other keys (a ``"mode"``, say) are kept as given.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidInput(f"a class works on a list of items, got {show(value)}")
    if not 1 <= len(value) <= MAX_ITEMS:
        raise InvalidInput(f"a class works on 1 to {MAX_ITEMS} items, got {len(value)}")
    for index, item in enumerate(value):
        where = f"item {index}"
        if not isinstance(item, dict):
            raise InvalidInput(f"{where} must be an object, got {show(item)}")
        if "program" in item:
            text(f"{where}'s program", item["program"], MAX_PROGRAM, empty=True)
            values = item.get("at", {})
            if not isinstance(values, dict):
                raise InvalidInput(f"{where}'s 'at' must map names to numbers, got {show(values)}")
            for name, v in values.items():
                number(f"{where}'s {show(name)}", v)
        elif "level" in item:
            integer(f"{where}'s level", item["level"], 1, 100)
            integer(f"{where}'s seed", item.get("seed", 0), 0, 2**32 - 1)
        else:
            raise InvalidInput(f"{where} needs a 'program' (with 'at') or a 'level' (with 'seed')")
    try:
        encoded = json.dumps(list(value), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"the items must be plain JSON data: {error}") from None
    size = len(encoded.encode())
    if size > MAX_ITEMS_BYTES:
        raise InvalidInput(f"the items take {size} bytes, more than {MAX_ITEMS_BYTES}")
    return encoded, len(value)


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
