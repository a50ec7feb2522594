"""JSON over HTTP for the server's routes: a request's body read and checked, errors in one line.

Both the lesson routes (``autograd.serve``) and the class routes
(``autograd.classroom``) read their bodies here, so that a body is refused
for the same reasons in the same words everywhere: not typed as JSON (415),
not UTF-8, not JSON, nested too deeply, NaN or Infinity, an integer of more
than 20 digits (400). The size of a body is bounded before it is read
(``serve.BodyLimit``).

>>> one_line(ValueError("the program\\n  has two lines"))
'the program has two lines'
>>> json_type([]), json_value(False), json_value(3)
('a list', 'false', 'a number')
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse

__all__ = [
    "RequestError",
    "error_data",
    "error_response",
    "json_type",
    "json_value",
    "one_line",
    "read_json",
]


class RequestError(ValueError):
    """A request the server will not compute: the one line to send back, and its status."""

    def __init__(self, message: str, status: int = 400, **extra):
        super().__init__(message)
        self.status = status
        self.extra = extra


async def read_json(request: Request):
    """The request's body as JSON data, or ``RequestError`` saying why it is not."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise RequestError(
            "send the request body as JSON, with Content-Type: application/json", 415
        )
    body = await request.body()
    try:
        # NaN and Infinity are not JSON, though Python's json reads them; an
        # integer of thousands of digits is no value for an input either.
        return json.loads(body, parse_constant=_reject_constant, parse_int=_json_integer)
    except RecursionError:
        raise RequestError("the request body is nested too deeply to read") from None
    except UnicodeDecodeError:
        raise RequestError("the request body is not UTF-8 text") from None
    except ValueError as error:  # JSONDecodeError, or an integer with too many digits
        raise RequestError(f"the request body is not valid JSON: {one_line(error)}") from None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _json_integer(digits: str) -> int:
    if len(digits.lstrip("-")) > 20:
        raise ValueError(f"an integer of {len(digits.lstrip('-'))} digits is too large")
    return int(digits)


def error_data(error: RequestError) -> dict:
    return {"error": one_line(error), **error.extra}


def error_response(error: RequestError) -> JSONResponse:
    return JSONResponse(error_data(error), error.status)


def one_line(error: BaseException | str) -> str:
    return " ".join(str(error).split())


def json_type(value) -> str:
    """What a JSON value is, in words: ``a string``, ``a list``, ``null``, ..."""
    names = {bool: "true or false", str: "a string", list: "a list", dict: "an object"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


def json_value(value) -> str:
    """``json_type``, with true, false and null said as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return json_type(value)
