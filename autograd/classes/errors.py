"""What the class database refuses, each with the HTTP status a web layer answers with.

Each error is a catalog sentence with named parameters (``TranslatableError``):
``str(error)`` is English, ``error_text(error, lang)`` the sentence in ``lang``.

>>> from autograd.i18n import N_
>>> error = NameTaken(N_("the nickname {name!r} is taken in class {code}: choose another"),
...                   name="Ann", code="K7XM2Q")
>>> error.status, error.reason, isinstance(error, ValueError)
(409, 'name-taken', True)
>>> str(error)
"the nickname 'Ann' is taken in class K7XM2Q: choose another"
"""

from autograd.i18n import TranslatableError

__all__ = [
    "Busy",
    "ClassEnded",
    "ClassError",
    "ClassFull",
    "Forbidden",
    "InvalidInput",
    "InvalidName",
    "KeyReused",
    "NameTaken",
    "Paused",
    "SchemaError",
    "TooManyAnswers",
    "Unauthorized",
    "UnknownClass",
    "UnknownStudent",
]


class ClassError(TranslatableError, Exception):
    """A request the class database refuses.

    ``status`` is the HTTP status to answer with, ``reason`` a short code a
    page can act on; the message is a sentence marked with ``N_`` and its named
    parameters, said in a request's language by ``error_text``.
    """

    status = 500
    reason = "error"


class InvalidInput(ClassError, ValueError):
    """A field of the wrong type, size or range."""

    status, reason = 400, "invalid"


class InvalidName(InvalidInput):
    """A nickname that is empty, too long, or holds a character that is not printable."""

    reason = "name-invalid"


class Unauthorized(ClassError, LookupError):
    """A token that opens nothing in this class (forged, or another class's)."""

    status, reason = 401, "unauthorized"


class Forbidden(ClassError, LookupError):
    """A token of this class on the wrong side: a student's on the teacher's, or back."""

    status, reason = 403, "forbidden"


class UnknownClass(ClassError, LookupError):
    """No class has this code (or it has been deleted)."""

    status, reason = 404, "unknown-class"


class UnknownStudent(ClassError, LookupError):
    """No student of this class has this id."""

    status, reason = 404, "unknown-student"


class NameTaken(ClassError, ValueError):
    """The nickname is taken in this class."""

    status, reason = 409, "name-taken"


class ClassFull(ClassError, ValueError):
    """The class has as many students as it takes."""

    status, reason = 409, "class-full"


class KeyReused(ClassError, ValueError):
    """An idempotency key sent again with a different answer."""

    status, reason = 409, "key-reused"


class TooManyAnswers(ClassError, ValueError):
    """A student has sent as many answers as one may."""

    status, reason = 409, "too-many-answers"


class Paused(ClassError, RuntimeError):
    """An answer sent while the teacher has paused the class (one sent before is kept)."""

    status, reason = 423, "paused"


class ClassEnded(ClassError, LookupError):
    """Joining, answering or pacing a class that has ended."""

    status, reason = 410, "class-ended"


class Busy(ClassError, RuntimeError):
    """The database stayed locked, or out of connections, for the whole timeout."""

    status, reason = 503, "busy"


class SchemaError(RuntimeError):
    """A database this code cannot use: newer than it, or not to be opened."""
