"""Exceptions raised by the SDK.

``PBError(resp, content, uri)`` and its subclasses keep the attributes of the 4.x SDK: ``resp``
(also ``args[0]``) is the HTTP status, ``content`` the API's ``messages`` list and ``uri`` the URL
called.
They also carry ``status``, ``method``, ``url`` and ``request_id``, and ``str()`` is one line.
``PBRequestError(msg, request_id)`` is the base of the errors raised while waiting for a request.
``PBConfigurationError`` (a ``PBError`` and a ``ValueError``) reports missing or unusable settings.
``CleartextCredentialsWarning`` is the warning a client gives for a plain ``http://`` base URL to
another host; filter it as any warning class (``warnings.simplefilter("ignore",
CleartextCredentialsWarning)``).

No exception text ever contains a password or an ``Authorization`` header: the transport never puts
request headers or bodies into an error, only the status, method, URL and the API's messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

__all__ = [
    "CleartextCredentialsWarning",
    "PBConfigurationError",
    "PBError",
    "PBFailedRequest",
    "PBNotAuthorizedError",
    "PBNotFoundError",
    "PBRateLimitExceededError",
    "PBRequestError",
    "PBTimeoutError",
    "PBValidationError",
]

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _messages_text(content: Any) -> str:
    """Join the ``message`` texts of an API error body's ``messages`` list."""
    if isinstance(content, list):
        texts = []
        for item in content:
            if isinstance(item, dict):
                code = item.get("errorCode")
                text = str(item.get("message", ""))
                texts.append(f"[{code}] {text}" if code not in (None, "") else text)
            else:
                texts.append(str(item))
        return "; ".join(t for t in texts if t)
    if content is None:
        return ""
    return str(content)


class PBError(Exception):
    """An error answer of the Cloud API (any status without a more specific class).

    ``resp``/``status``: HTTP status; ``content``: the API's ``messages`` list (or a short
    excerpt of a body that was not the API's JSON); ``uri``/``url``: the URL called.
    """

    def __init__(
        self,
        resp: int | None,
        content: Any = None,
        uri: str | None = None,
        *,
        method: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(resp, content, uri)
        self.resp = resp
        self.content = content
        self.uri = uri
        self.method = method
        self.request_id = request_id

    @property
    def status(self) -> int | None:
        """The HTTP status code (same as ``resp``)."""
        return self.resp

    @property
    def url(self) -> str | None:
        """The URL that was called (same as ``uri``)."""
        return self.uri

    @property
    def message(self) -> str:
        """The API's error text(s), joined."""
        return _messages_text(self.content)

    def __str__(self) -> str:
        status = self.resp
        if status is None:
            head = "request failed"
        else:
            head = f"{status} {_REASONS.get(status, '')}".strip()
        text = self.message
        where = " ".join(part for part in (self.method, self.uri) if part)
        line = f"{head}: {text}" if text else head
        if where:
            line += f" ({where})"
        if self.request_id:
            line += f" [request {self.request_id}]"
        return line.replace("\n", " ")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.resp!r}, {self.content!r}, {self.uri!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        rebuild = partial(type(self), method=self.method, request_id=self.request_id)
        return rebuild, (self.resp, self.content, self.uri)


class PBConfigurationError(PBError, ValueError):
    """The SDK is missing a setting it needs (credentials, base URL) or a setting is unusable.

    ``resp`` is ``None``; ``str()`` says what is missing and how to provide it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(None, message)
        self.args = (message,)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.message,)


class PBNotAuthorizedError(PBError):
    """401: the credentials were missing or wrong."""


class PBNotFoundError(PBError):
    """404: a resource named in the path does not exist (or is not visible to this user)."""


class PBValidationError(PBError):
    """422: the API (or the SDK's own validation, with ``resp`` 422) rejected an input value."""


class PBRateLimitExceededError(PBError):
    """429: the rate limit was exceeded and the configured retries were spent."""


class PBRequestError(Exception):
    """A provisioning request that did not complete; ``request_id`` names it."""

    def __init__(self, msg: str, request_id: str | None) -> None:
        super().__init__(msg, request_id)
        self.msg = msg
        self.request_id = request_id

    def __str__(self) -> str:
        return self.msg


class PBFailedRequest(PBRequestError):
    """The request reached the FAILED state; ``status`` holds the last status document.

    When several requests were waited for at once, ``failures`` lists one ``PBFailedRequest`` per
    failed request (``request_id`` and ``status`` are then those of the first one).
    """

    def __init__(
        self,
        msg: str,
        request_id: str | None,
        status: dict[str, Any] | None = None,
        *,
        failures: Sequence[PBFailedRequest] = (),
    ) -> None:
        super().__init__(msg, request_id)
        self.status = status
        self.failures: tuple[PBFailedRequest, ...] = tuple(failures) or (self,)


class PBTimeoutError(PBRequestError):
    """The request did not complete within the timeout; ``status`` holds the last status seen."""

    def __init__(
        self, msg: str, request_id: str | None, status: dict[str, Any] | None = None
    ) -> None:
        super().__init__(msg, request_id)
        self.status = status


class CleartextCredentialsWarning(UserWarning):
    """The client sends credentials over plain ``http://`` to a host other than this machine."""
