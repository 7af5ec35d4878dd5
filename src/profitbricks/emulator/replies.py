"""What the Cloud API answers: status lines, the error body, and a rule's result as a reply.

Domain errors (:mod:`.errors`) become their HTTP status here and the API's error body
``{"httpStatus": ..., "messages": [{"errorCode": ..., "message": ...}]}``. A rule's
:class:`~.results.Result` is rendered into a document by :mod:`.present` (the one place that
renders what rules return); :func:`reply` makes that document the reply: 202 with ``Location``
when the call opened a request, else 200.
"""

from __future__ import annotations

from typing import Any

from .errors import (
    BadRequest,
    Conflict,
    EmulatorError,
    Forbidden,
    Invalid,
    MethodNotAllowed,
    NotFound,
    NotImplementedRoute,
    Throttled,
    Unauthorized,
)
from .pretty import dumps_compact, dumps_pretty
from .requests import Request

__all__ = ["STATUS_LINES", "error_body", "reply", "status_of"]

STATUS_LINES = {
    200: "200 OK",
    201: "201 Created",
    202: "202 Accepted",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    413: "413 Payload Too Large",
    415: "415 Unsupported Media Type",
    422: "422 Unprocessable Entity",
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
    501: "501 Not Implemented",
    503: "503 Service Unavailable",
}

_ERROR_STATUS: tuple[tuple[type[EmulatorError], int], ...] = (
    (NotFound, 404),
    (Unauthorized, 401),
    (Throttled, 429),
    (Forbidden, 403),
    (Invalid, 422),
    (Conflict, 422),
    (BadRequest, 400),
    (MethodNotAllowed, 405),
    (NotImplementedRoute, 501),
)


def status_of(error: EmulatorError) -> int:
    """The HTTP status of a domain error (422 for any other rule error)."""
    for cls, status in _ERROR_STATUS:
        if isinstance(error, cls):
            return status
    return 422


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The Cloud API error body with one message."""
    return {"httpStatus": status, "messages": [{"errorCode": code, "message": message}]}


def reply(
    request: Request | None, doc: dict[str, Any] | None, base_url: str, pretty: bool
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of a call that showed ``doc`` (None: an empty body) and opened
    ``request``: 202 with ``Location`` when it opened one, 200 otherwise.

    Raises ``UnicodeEncodeError`` for a document that cannot be written as UTF-8.
    """
    headers: list[tuple[str, str]] = []
    if request is not None:
        status = 202
        headers.append(("Location", f"{base_url}{request.path}/status"))
    else:
        status = 200
    if doc is None:
        headers.append(("Content-Length", "0"))
        return status, headers, b""
    body = (dumps_pretty(doc) if pretty else dumps_compact(doc)).encode()
    headers.append(("Content-Type", "application/json"))
    headers.append(("Content-Length", str(len(body))))
    return status, headers, body
