"""JSON over HTTP for the server's routes: a request's body read and checked, errors in one line.

Both the lesson routes (``autograd.serve``) and the class routes
(``autograd.classroom``) read their bodies here, so that a body is refused
for the same reasons in the same words everywhere: not typed as JSON (415),
not UTF-8, not JSON, nested too deeply, NaN or Infinity, an integer of more
than 20 digits (400). The size of a body is bounded before it is read
(``serve.BodyLimit``).

Every sentence is a catalog's, said in the request's language: a
``RequestError`` keeps its sentence and parameters (``text(lang)``), and
``json_type`` is a ``Phrase`` said in the language of the sentence it is in.
The request's language is chosen here too (``request_language``), for both.

>>> one_line(ValueError("the program\\n  has two lines"))
'the program has two lines'
>>> str(json_type([])), json_value(False), str(json_value(3))
('a list', 'false', 'a number')
>>> error = RequestError(N_("program must be a string, not {type}"), type=json_type([]))
>>> error.text("en"), error.text("zh")
('program must be a string, not a list', 'program 必须是字符串，而不是 列表。')
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Scope

from autograd.i18n import (
    N_,
    Phrase,
    error_text,
    json_reason,
    language_from_accept_language,
    match_language,
    resolve_language,
    tr,
)

__all__ = [
    "LANGUAGE_COOKIE",
    "RequestError",
    "error_data",
    "error_response",
    "json_type",
    "json_value",
    "one_line",
    "read_json",
    "request_language",
]

# The cookie that keeps the language a reader chose with the page's switch.
LANGUAGE_COOKIE = "autograd_lang"


def request_language(scope: Scope) -> str:
    """The language to answer a request in (``request.scope``; a middleware has only
    the scope): its ``lang`` query parameter, else the cookie the page's switch set,
    else its ``Accept-Language``; English when none names a language we have.

    >>> def ask(query=b"", **headers):
    ...     pairs = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    ...     return request_language({"type": "http", "query_string": query, "headers": pairs})
    >>> ask(accept_language="zh-TW,zh;q=0.9"), ask(accept_language="zh-CN,zh;q=0.9"), ask()
    ('zh', 'zh', 'en')
    >>> ask(accept_language="fr, en;q=0.5"), ask(cookie="autograd_lang=zh")
    ('en', 'zh')
    >>> ask(b"lang=en", accept_language="zh"), ask(b"lang=en", cookie="autograd_lang=zh")
    ('en', 'en')
    >>> ask(cookie="autograd_lang=zh", accept_language="en")
    'zh'
    """
    request = Request(scope)
    for chosen in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if chosen and (lang := match_language(chosen[:35])):
            return lang
    return language_from_accept_language(request.headers.get("accept-language"))


class RequestError(ValueError):
    """A request the server will not compute: the one line to send back, and its status.

    ``message`` is a catalog sentence (marked with ``N_``) and ``params`` its
    parameters (a ``Phrase`` among them is said in the same language), or
    ``cause`` the error it reports (a ProgramError, say): either is said in a
    request's language by ``text``. ``extra`` goes into the JSON as it is.
    """

    def __init__(
        self,
        message: str | None = None,
        status: int = 400,
        *,
        cause: BaseException | None = None,
        extra: dict | None = None,
        **params,
    ):
        self.message, self.params, self.cause = message, params, cause
        self.status = status
        self.extra = extra or {}
        super().__init__(self.text())

    def text(self, lang: str | None = None) -> str:
        """The error's one line in ``lang`` (the context's language by default)."""
        lang = resolve_language(lang)
        if self.cause is not None:
            return one_line(error_text(self.cause, lang))
        return one_line(tr(lang, self.message, **self.params))


async def read_json(request: Request):
    """The request's body as JSON data, or ``RequestError`` saying why it is not."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise RequestError(
            N_("send the request body as JSON, with Content-Type: application/json"), 415
        )
    body = await request.body()
    try:
        # NaN and Infinity are not JSON, though Python's json reads them; an
        # integer of thousands of digits is no value for an input either.
        return json.loads(body, parse_constant=_reject_constant, parse_int=_json_integer)
    except RecursionError:
        raise RequestError(N_("the request body is nested too deeply to read")) from None
    except UnicodeDecodeError:
        raise RequestError(N_("the request body is not UTF-8 text")) from None
    except ValueError as error:  # JSONDecodeError, or an integer with too many digits
        raise RequestError(
            N_("the request body is not valid JSON: {error}"), error=_json_error(error)
        ) from None


class _NotJson(ValueError):
    """What json.loads was told by a parse hook, said when the error is."""

    def __init__(self, phrase: Phrase):
        super().__init__(str(phrase))
        self.phrase = phrase


def _reject_constant(name: str):
    raise _NotJson(Phrase(N_("{name} is not a number JSON allows"), name=name))


def _json_integer(digits: str) -> int:
    count = len(digits.lstrip("-"))
    if count > 20:
        raise _NotJson(Phrase(N_("an integer of {count} digits is too large"), count=count))
    return int(digits)


def _json_error(error: ValueError) -> Phrase | str:
    """Why json.loads refused a body: a hook's phrase, or json's reason (``json_reason``)."""
    return error.phrase if isinstance(error, _NotJson) else json_reason(error)


def error_data(error: RequestError, lang: str | None = None) -> dict:
    """The JSON of a refusal: its one line in ``lang``, and its ``extra``."""
    return {"error": error.text(lang), **error.extra}


def error_response(error: RequestError, lang: str | None = None) -> JSONResponse:
    return JSONResponse(error_data(error, lang), error.status)


def one_line(error: BaseException | str) -> str:
    return " ".join(str(error).split())


_JSON_TYPES = {
    bool: N_("true or false"),
    str: N_("a string"),
    list: N_("a list"),
    dict: N_("an object"),
}


def json_type(value) -> Phrase | str:
    """What a JSON value is, in words (``a string``, ``a list``, ``null``, ...): a
    ``Phrase``, said in the language of the sentence it is a parameter of."""
    if value is None:
        return "null"
    return Phrase(_JSON_TYPES.get(type(value), N_("a number")))


def json_value(value) -> Phrase | str:
    """``json_type``, with true, false and null said as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return json_type(value)
