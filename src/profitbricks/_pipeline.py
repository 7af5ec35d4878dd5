"""The request pipeline: what every call goes through, whatever moves its bytes.

``ProfitBricksService`` hands each call (method, path, query, body) to a :class:`Pipeline`, which

1. builds the headers: ``User-Agent``, ``Authorization`` (held as a redacting string), the
   client's extra headers (checked for CR/LF on every call: they may change after construction)
   and ``Content-Type``;
2. sends the bytes through its :class:`Transport` with the call's deadline and reply limit;
3. repeats the call as :class:`RetryPolicy` says, within its attempts, its ``max_total`` and the
   call's deadline;
4. maps a non-2xx answer to its ``PBError`` subclass, parses a 2xx body as JSON and reads the
   request id from ``Location``;
5. logs one DEBUG record per exchange and one INFO record per retry (never headers or bodies).

A 429 also pauses every other call of the same pipeline (all threads, or all tasks) until its
``Retry-After`` has passed: one shared backoff instead of each call running into the limit again.

A transport only moves bytes: ``HttpTransport`` (urllib3, in ``_transport.py``) and the emulator's
``InMemoryTransport`` implement :class:`Transport`, so both get exactly this behaviour. The asyncio
client's :class:`AsyncPipeline` drives the same per-call state machine (:class:`_Call`) with
``await`` over an :class:`AsyncTransport` (``profitbricks.aio``): one copy of every decision.

A network failure is reported as :class:`TransportFailure`, which carries text only; the
``PBError`` raised for it has a frame-free copy of the cause (its type and message), so no frame
that held the ``Authorization`` header survives in a traceback.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import random
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, NamedTuple, Protocol
from urllib.parse import quote

from profitbricks import __version__
from profitbricks._config import check_headers, parse_base_url
from profitbricks._redact import Secret, SecretBytes
from profitbricks.errors import (
    PBConfigurationError,
    PBError,
    PBNotAuthorizedError,
    PBNotFoundError,
    PBRateLimitExceededError,
    PBValidationError,
)

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_REPLY_BYTES",
    "DEFAULT_USER_AGENT",
    "AnyTransport",
    "AsyncPipeline",
    "AsyncTransport",
    "Pipeline",
    "RawReply",
    "Reply",
    "RetryPolicy",
    "Transport",
    "TransportFailure",
    "deadline_failure",
    "detached",
    "error_for",
    "reply_from",
    "reply_too_large",
    "request_id_from",
    "time_left",
]

DEFAULT_USER_AGENT = f"profitbricks-sdk-python/{__version__}"

#: Seconds a whole call may take, every attempt and every wait between attempts included.
DEFAULT_DEADLINE = 300.0

#: The largest reply body read (128 MiB). A depth-5 listing of a data centre with 1,000 servers,
#: each with a volume and a NIC, is about 9 MB pretty-printed, so this holds over 10,000 servers.
DEFAULT_MAX_REPLY_BYTES = 128 * 1024 * 1024

_log = logging.getLogger("profitbricks")

# A pattern, not a compiled regex: re compiles and caches it on first use, off the import path.
_REQUEST_ID = r"/requests/([-A-Fa-f0-9]+)(?:/|$)"
_EXCERPT = 200

_ERRORS: dict[int, type[PBError]] = {
    401: PBNotAuthorizedError,
    404: PBNotFoundError,
    422: PBValidationError,
    429: PBRateLimitExceededError,
}


class RetryPolicy:
    """When and how a call is repeated; the one place these rules are written.

    A call is repeated when:

    - the reply is one of ``statuses`` (429, 502, 503, 504) and the method is idempotent
      (``GET``, ``HEAD``, ``PUT``, ``DELETE``, ``OPTIONS``), or the method is not idempotent
      (``POST``, ``PATCH``) and the status is one of ``unsent_statuses`` (429, 503), that is a
      status with which the server says it did not act;
    - connecting failed (refused, unreachable, connect timeout): the request was never sent, so
      every method is repeated;
    - the connection broke or timed out after the request was sent: idempotent methods only.

    TLS errors, other statuses, proxy errors, an oversized reply and a passed deadline are never
    repeated.

    Waits: before retry ``n`` (1, 2, …) the pipeline sleeps a random time between 0 and
    ``min(max_backoff, backoff * factor ** (n - 1))`` (exponential backoff with full jitter), with
    the defaults at most 0.5 s, 1 s, 2 s. A ``Retry-After`` header (seconds or an HTTP date) is
    honoured as the minimum wait; when it asks for more than ``max_backoff`` the pipeline gives up
    at once instead of stalling the caller.

    Bounds: at most ``attempts`` tries in all (the first included), no retry that would end later
    than ``max_total`` seconds after the first try started, and none past the call's deadline.
    When retries are spent the last answer is raised as its mapped error (429 ->
    ``PBRateLimitExceededError``), or, for a network failure, a ``PBError`` with ``resp=None``.

    The same policy applies to every transport (HTTP, the in-process emulator, the async client).
    ``ProfitBricksService(retries=...)`` takes a ``RetryPolicy``, an ``int`` (the number of retries
    after the first try; ``0`` disables retrying) or ``None`` (this default policy).
    """

    # A hand-written immutable class rather than a dataclass: building a dataclass at import
    # costs about a millisecond, and the SDK's import time is part of its budget.
    __slots__ = (
        "attempts",
        "backoff",
        "factor",
        "idempotent_methods",
        "max_backoff",
        "max_total",
        "statuses",
        "unsent_statuses",
    )
    attempts: int
    backoff: float
    factor: float
    max_backoff: float
    max_total: float
    statuses: frozenset[int]
    unsent_statuses: frozenset[int]
    idempotent_methods: frozenset[str]

    def __init__(
        self,
        attempts: int = 4,
        backoff: float = 0.5,
        factor: float = 2.0,
        max_backoff: float = 30.0,
        max_total: float = 60.0,
        statuses: Iterable[int] = (429, 502, 503, 504),
        unsent_statuses: Iterable[int] = (429, 503),
        idempotent_methods: Iterable[str] = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS"),
    ) -> None:
        if attempts < 1:
            raise PBConfigurationError("RetryPolicy.attempts counts the first try: at least 1")
        values = {
            "attempts": attempts,
            "backoff": backoff,
            "factor": factor,
            "max_backoff": max_backoff,
            "max_total": max_total,
            "statuses": frozenset(statuses),
            "unsent_statuses": frozenset(unsent_statuses),
            "idempotent_methods": frozenset(m.upper() for m in idempotent_methods),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    _FIELDS = (
        "attempts",
        "backoff",
        "factor",
        "max_backoff",
        "max_total",
        "statuses",
        "unsent_statuses",
        "idempotent_methods",
    )

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"RetryPolicy is immutable; build a new one instead of setting {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RetryPolicy):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        def show(value: object) -> str:
            if isinstance(value, frozenset):
                return repr(tuple(sorted(value)))
            return repr(value)

        args = ", ".join(f"{name}={show(getattr(self, name))}" for name in self._FIELDS)
        return f"RetryPolicy({args})"

    @classmethod
    def from_arg(cls, retries: RetryPolicy | int | None) -> RetryPolicy:
        """The policy meant by a ``retries=`` argument (see the class docstring)."""
        if retries is None:
            return _DEFAULT_POLICY
        if isinstance(retries, RetryPolicy):
            return retries
        if isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0:
            return cls(attempts=retries + 1)
        raise PBConfigurationError(
            "retries must be a RetryPolicy, a number of retries >= 0, or None for the default"
        )

    def retries_status(self, method: str, status: int) -> bool:
        """Whether a reply with ``status`` to ``method`` may be repeated at all."""
        if status not in self.statuses:
            return False
        return method in self.idempotent_methods or status in self.unsent_statuses

    def retries_failure(self, method: str, *, sent: bool) -> bool:
        """Whether a network failure may be repeated; ``sent``: the request may have gone out."""
        return not sent or method in self.idempotent_methods

    def delay(
        self,
        attempt: int,
        elapsed: float,
        retry_after: float | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float | None:
        """Seconds to wait before try ``attempt + 1``, or None when retries are spent.

        ``attempt`` counts the tries made so far (1 after the first), ``elapsed`` the seconds since
        the first try started, ``retry_after`` the server's ``Retry-After`` in seconds.
        """
        if attempt >= self.attempts:
            return None
        wait = rand() * min(self.max_backoff, self.backoff * self.factor ** (attempt - 1))
        if retry_after is not None:
            if retry_after > self.max_backoff:
                return None
            wait = max(wait, retry_after)
        if elapsed + wait > self.max_total:
            return None
        return wait


_DEFAULT_POLICY = RetryPolicy()


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds asked for by ``Retry-After`` (delta-seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when.timestamp() - now())


class Reply(NamedTuple):
    """A successful (2xx) answer of the API (immutable; built positionally or by keyword)."""

    status: int
    #: case-insensitive
    headers: Mapping[str, str]
    #: the parsed JSON body, or None for an empty body
    data: Any
    #: from the ``Location`` header (``…/requests/<id>/status``), else None
    request_id: str | None


class RawReply(NamedTuple):
    """An answer as a transport received it: status, headers (case-insensitive), whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class TransportFailure(Exception):
    """A call that got no complete answer (refused, broken, timed out, oversized, past deadline).

    ``reason`` is one line of text; ``sent`` tells whether the request may have reached the server
    (which decides whether a POST may be repeated); ``retry`` is False for failures that repeating
    cannot mend; ``status`` is the answer's status when one was received (an oversized reply);
    ``cause`` is a frame-free copy (see :func:`detached`) of the error behind it. Transports raise
    it outside their ``except`` blocks, so it holds no reference to the frames that sent headers.
    """

    def __init__(
        self,
        reason: str,
        *,
        sent: bool,
        retry: bool = True,
        status: int | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sent = sent
        self.retry = retry
        self.status = status
        self.cause = None if cause is None else detached(cause)


def time_left(deadline: float) -> float:
    """Seconds left before the monotonic ``deadline``; raises TransportFailure (nothing sent,
    not worth repeating) once it has passed. Every transport asks it before a call goes out."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TransportFailure("the call's deadline passed", sent=False, retry=False)
    return left


def deadline_failure(cause: BaseException | None = None) -> TransportFailure:
    """The failure of a call whose deadline passed while its answer was awaited (the request may
    have been acted on; not repeated). Every transport reports it with this one text."""
    return TransportFailure(
        "no complete answer before the call's deadline", sent=True, retry=False, cause=cause
    )


def reply_too_large(status: int, size: int | None, limit: int) -> TransportFailure:
    """The failure for a reply body over ``limit`` bytes (``size``: its declared length, if any).

    Every transport reports an oversized reply with it, so the error reads the same everywhere.
    """
    what = f"declares {size} bytes" if size is not None else "is longer"
    return TransportFailure(
        f"the reply {what}, more than max_reply_bytes ({limit})",
        sent=True,
        retry=False,
        status=status,
    )


def detached(exc: BaseException) -> BaseException:
    """An exception of ``exc``'s type and message, without traceback, chain or other attributes.

    Error reporters walk ``__cause__`` and capture every frame's locals; the frames of an HTTP
    library's exception hold the request headers, ``Authorization`` included. The copy keeps what
    is useful (the type and the text) and none of that.
    """
    message = str(exc)
    cls = type(exc)
    try:
        copy = cls.__new__(cls)
        copy.args = (message,)
        str(copy)
    except Exception:  # a class that cannot be built or shown without its own arguments
        copy = RuntimeError(f"{cls.__module__}.{cls.__qualname__}: {message}")
    return copy


class Transport(Protocol):
    """What moves the bytes of a call: HTTP (``HttpTransport``) or in-process (the emulator).

    ``send`` sends one request to ``url`` (absolute: the base URL, the path, the query) with
    exactly ``headers`` and ``body``, and returns the whole answer, whatever its status. It never
    retries, maps statuses or logs: the :class:`Pipeline` does. It reads at most ``max_bytes`` of
    body and raises :class:`TransportFailure` for a network failure, a bigger reply, or when the
    monotonic ``deadline`` passes (when it can tell; the pipeline checks it between attempts).
    """

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        deadline: float | None,
        max_bytes: int,
    ) -> RawReply:
        """Send one request and return its answer (see the class docstring)."""
        ...

    def close(self) -> None:
        """Release connections; the transport must not be used afterwards."""
        ...


def excerpt(body: bytes) -> str:
    """A short one-line text of a body that is not the API's JSON (e.g. a proxy's HTML page)."""
    text = body[: _EXCERPT * 8].decode("utf-8", "replace")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", text)).strip()
    if len(text) > _EXCERPT:
        text = text[: _EXCERPT - 1] + "…"
    return text or f"<{len(body)} bytes>"


def request_id_from(headers: Mapping[str, str]) -> str | None:
    """The request id in a ``Location: …/requests/<id>/status`` header, or None."""
    # Most replies have no Location; HTTPHeaderDict.get would raise and catch a KeyError for them.
    if "Location" not in headers:
        return None
    location = headers["Location"]
    if not location:
        return None
    match = re.search(_REQUEST_ID, location)
    return match.group(1) if match else None


def error_for(
    status: int, body: bytes, method: str | None, url: str | None, request_id: str | None = None
) -> PBError:
    """The exception for a non-2xx answer: the class by status, ``content`` the ``messages``.

    A body that is not the API's error JSON (an HTML page of a proxy, a truncated body) gives the
    same class with a short text excerpt as ``content``.
    """
    content: Any
    try:
        parsed = json.loads(body) if body else None
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("messages"), list):
        content = parsed["messages"]
    elif body:
        content = excerpt(body)
    else:
        content = None
    cls = _ERRORS.get(status, PBError)
    return cls(status, content, url, method=method, request_id=request_id)


#: Header mapping types that already look names up case-insensitively (a transport adds its own,
#: e.g. the asyncio transport's multidict) and are used as they are.
CASE_INSENSITIVE_HEADERS: set[type] = set()


def _case_insensitive(headers: Mapping[str, str]) -> Mapping[str, str]:
    if type(headers) in CASE_INSENSITIVE_HEADERS:
        return headers
    import urllib3

    if isinstance(headers, urllib3.HTTPHeaderDict):
        CASE_INSENSITIVE_HEADERS.add(type(headers))
        return headers
    return urllib3.HTTPHeaderDict(headers)


def reply_from(
    status: int, headers: Mapping[str, str], body: bytes, method: str, url: str
) -> Reply:
    """Turn a raw answer into a :class:`Reply`, or raise its mapped ``PBError``.

    A 2xx body that is not JSON raises ``PBError`` with the status and an excerpt, never a
    ``JSONDecodeError``; an empty body gives ``data=None`` (the operation decides whether that is
    acceptable).
    """
    headers = _case_insensitive(headers)
    request_id = request_id_from(headers)
    if not 200 <= status < 300:
        raise error_for(status, body, method, url, request_id)
    if not body:
        return Reply(status, headers, None, request_id)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise PBError(
            status,
            f"the reply is not JSON: {excerpt(body)}",
            url,
            method=method,
            request_id=request_id,
        ) from None
    return Reply(status, headers, data, request_id)


def encode_query(query: Mapping[str, str | int]) -> str:
    """``depth=1&pretty=false``: ints and booleans as text, strings percent-quoted."""
    parts = []
    for name, value in query.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int):
            text = str(value)
        else:
            text = quote(str(value), safe="")
        parts.append(f"{name}={text}")
    return "&".join(parts)


def authorization(username: str, password: str) -> Secret:
    """The ``Authorization`` value for Basic auth, as a redacting string."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return Secret(f"Basic {token}")


# The pipeline


class _Call:
    """One call through the pipeline: its request, attempts, clock and deadline.

    Every decision of a call is a method here (wait before sending, retry or not, how long to
    wait, which error); :meth:`Pipeline.request` and :meth:`AsyncPipeline.request` only carry the
    decisions out, one with blocking calls and the other with ``await``.
    """

    __slots__ = (
        "attempt",
        "body",
        "deadline",
        "first",
        "headers",
        "method",
        "pipeline",
        "ready",
        "started",
        "url",
    )

    def __init__(
        self,
        pipeline: _PipelineBase,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
    ) -> None:
        self.pipeline = pipeline
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.attempt = 1
        #: when the wait this call chose before its next attempt ends
        self.ready = 0.0
        self.first = self.started = pipeline.clock()
        self.deadline = self.first + pipeline.deadline

    def __repr__(self) -> str:
        return f"<call {self.method} {self.url} attempt {self.attempt}>"

    def check_deadline(self) -> None:
        if self.pipeline.clock() >= self.deadline:
            raise self.failure(f"the call's deadline of {self.pipeline.deadline:g} s passed")

    def resume(self) -> None:
        """After a wait: the next attempt starts now, if the deadline has not passed."""
        self.started = self.pipeline.clock()
        self.check_deadline()

    def paused(self) -> float:
        """Seconds to wait before sending, while the client is paused by a 429 (0: send now).

        The wait ends at the call's deadline at the latest (``resume`` then raises).
        """
        until = self.pipeline.paused_until
        if until <= self.started or until <= self.ready:
            return 0.0
        now = self.pipeline.clock()
        if until <= now:
            return 0.0
        _log.debug(
            "%s %s waits %.2f s: the client is paused by a 429", self.method, self.url, until - now
        )
        return min(until, self.deadline) - now

    def failure(self, reason: str, status: int | None = None) -> PBError:
        return PBError(
            status, f"{reason} after {self.attempt} attempt(s)", self.url, method=self.method
        )

    def _next(self, retry_after: float | None) -> float | None:
        pipeline = self.pipeline
        now = pipeline.clock()
        policy = pipeline.retry_policy
        wait = policy.delay(self.attempt, now - self.first, retry_after, pipeline.rand)
        if wait is None or now + wait >= self.deadline:
            return None
        self.ready = now + wait
        return wait

    def _retrying(self, wait: float, why: object) -> float:
        _log.info(
            "retrying %s %s in %.2f s after %s (attempt %d of %d)",
            self.method,
            self.url,
            wait,
            why,
            self.attempt + 1,
            self.pipeline.retry_policy.attempts,
        )
        self.attempt += 1
        return wait

    def failed(self, failure: TransportFailure) -> float:
        """Seconds to wait before repeating after ``failure``; raises PBError when done."""
        wait = None
        if failure.retry and self.pipeline.retry_policy.retries_failure(
            self.method, sent=failure.sent
        ):
            wait = self._next(None)
        if wait is None:
            _log.debug("%s %s failed: %s", self.method, self.url, failure.reason)
            error = self.failure(failure.reason, failure.status)
            error.__cause__ = failure.cause
            raise error
        return self._retrying(wait, failure.reason)

    def answered(self, raw: RawReply) -> float | None:
        """Seconds to wait before repeating after ``raw``, or None to take it as the answer.

        A 429 also pauses every other call of the client (see :meth:`_PipelineBase.hold`).
        """
        status = raw.status
        if status < 300:
            return None
        policy = self.pipeline.retry_policy
        retrying = policy.retries_status(self.method, status)
        if not retrying and status != 429:
            return None
        retry_after = parse_retry_after(raw.headers.get("Retry-After"))
        wait = self._next(retry_after) if retrying else None
        if status == 429:
            if wait is not None:
                self.pipeline.hold(self.ready)
            elif retry_after is not None and retry_after <= policy.max_backoff:
                self.pipeline.hold(self.pipeline.clock() + retry_after)
        return None if wait is None else self._retrying(wait, status)

    def reply(self, raw: RawReply) -> Reply:
        """The answer as a Reply, or its mapped PBError."""
        if _log.isEnabledFor(logging.DEBUG):
            rid = request_id_from(raw.headers)
            _log.debug(
                "%s %s -> %d in %.1f ms%s",
                self.method,
                self.url,
                raw.status,
                (self.pipeline.clock() - self.started) * 1000.0,
                f" (request {rid})" if rid else "",
            )
        return reply_from(raw.status, raw.headers, raw.body, self.method, self.url)


class _PipelineBase:
    """What the blocking and the asyncio pipelines share: everything but moving the bytes."""

    def __init__(
        self,
        base_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        headers: Mapping[str, str] | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        retries: RetryPolicy | int | None = None,
        deadline: float | None = None,
        max_reply_bytes: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.base_url = parse_base_url(base_url).url
        self.retry_policy = RetryPolicy.from_arg(retries)
        self.deadline = check_deadline(deadline)
        self.max_reply_bytes = check_max_reply_bytes(max_reply_bytes)
        self.clock = clock
        self.rand = rand
        #: the monotonic time until which every call waits before sending (a 429's Retry-After)
        self.paused_until = 0.0
        self._pause_lock = threading.Lock()
        check_headers({"User-Agent": user_agent})
        self._fixed_headers: dict[str, str] = {"User-Agent": user_agent}
        if username is not None or password is not None:
            self._fixed_headers["Authorization"] = authorization(username or "", password or "")
        self._extra_headers: Mapping[str, str] = headers if headers is not None else {}
        check_headers(self._extra_headers)

    def headers(self, content_type: str | None) -> dict[str, str]:
        """The headers of one call (the extra headers checked again: they may have changed)."""
        headers = self._fixed_headers.copy()
        extra = self._extra_headers
        if extra:
            check_headers(extra)
            for name, value in extra.items():
                lower = name.lower()
                if lower == "authorization":
                    continue
                if lower == "user-agent":
                    headers["User-Agent"] = value
                else:
                    headers[name] = value
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def call(
        self,
        method: str,
        path: str,
        query: Mapping[str, str | int] | None,
        body: bytes | None,
        content_type: str | None,
    ) -> _Call:
        """A new call of ``method`` to ``base URL + path`` (already percent-quoted)."""
        url = self.base_url + path
        if query:
            url = f"{url}?{encode_query(query)}"
        headers = self.headers(content_type)
        if body is not None and type(body) is not SecretBytes:
            body = SecretBytes(body)
        return _Call(self, method, url, headers, body)

    def hold(self, until: float) -> None:
        """Pause every call of this client until the monotonic time ``until`` (after a 429).

        One shared backoff: calls about to be sent wait until the pause ends instead of each
        running into the rate limit on its own. The call that got the 429 passes the end of its
        own wait (at least the ``Retry-After``); a ``Retry-After`` beyond the policy's
        ``max_backoff`` is never shared (the call that got it gives up at once, as the policy
        says).
        """
        with self._pause_lock:
            if until <= self.paused_until:
                return
            self.paused_until = until
        _log.info(
            "rate limited (429): every call of this client waits %.2f s", until - self.clock()
        )


class Pipeline(_PipelineBase):
    """Headers, retries, deadline, error mapping and logging for every call (module docstring).

    ``transport`` moves the bytes; ``base_url`` (checked by :func:`parse_base_url`) is prefixed to
    every path. ``username``/``password`` give the ``Authorization`` header (None: the transport
    authenticates on its own, as an in-process transport built with credentials does). ``headers``
    is kept by reference and read on every call; it cannot replace ``Authorization``.
    ``deadline``: seconds a call may take in all; ``max_reply_bytes``: the largest body accepted.
    ``sleep``/``clock``/``rand`` are injectable for tests of the retry timing. A 429 pauses every
    call of the pipeline (all threads) for its ``Retry-After``.
    """

    def __init__(
        self,
        transport: Transport,
        base_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        headers: Mapping[str, str] | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        retries: RetryPolicy | int | None = None,
        deadline: float | None = None,
        max_reply_bytes: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(
            base_url,
            username=username,
            password=password,
            headers=headers,
            user_agent=user_agent,
            retries=retries,
            deadline=deadline,
            max_reply_bytes=max_reply_bytes,
            clock=clock,
            rand=rand,
        )
        self.transport = transport
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"Pipeline({self.base_url!r}, transport={type(self.transport).__name__})"

    def close(self) -> None:
        """Close the transport."""
        self.transport.close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Reply:
        """Send ``method`` to ``base URL + path`` (already percent-quoted), repeating per policy.

        Returns the 2xx reply; raises the mapped ``PBError`` subclass for any other status (after
        retries), PBValidationError for a header that cannot be sent, and ``PBError`` with
        ``resp=None`` for a network failure, an oversized reply or a passed deadline.
        """
        call = self.call(method, path, query, body, content_type)
        send = self.transport.send
        while True:
            pause = call.paused()
            while pause:
                self.sleep(pause)
                call.resume()
                pause = call.paused()
            failure: TransportFailure | None = None
            wait: float | None
            try:
                raw = send(
                    method,
                    call.url,
                    call.headers,
                    call.body,
                    deadline=call.deadline,
                    max_bytes=self.max_reply_bytes,
                )
            except TransportFailure as exc:
                failure = exc
            if failure is not None:
                # Raised outside the except block: the PBError's context stays empty, and the
                # failure's own frames (the transport's) are dropped.
                failure.__traceback__ = None
                wait = call.failed(failure)
            else:
                wait = call.answered(raw)
                if wait is None:
                    return call.reply(raw)
            self.sleep(wait)
            call.resume()


class AsyncTransport(Protocol):
    """The asyncio version of :class:`Transport`: ``send`` and ``close`` are coroutines.

    Same contract: one request, the whole answer whatever its status, no retries, at most
    ``max_bytes`` of body, :class:`TransportFailure` for a network failure (with a frame-free
    cause), never a redirect followed.
    """

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        deadline: float | None,
        max_bytes: int,
    ) -> RawReply:
        """Send one request and return its answer (see the class docstring)."""
        ...

    async def close(self) -> None:
        """Release connections; the transport must not be used afterwards."""
        ...


#: What a client accepts as ``transport=``: the asyncio client wraps a blocking one.
AnyTransport = Transport | AsyncTransport


class AsyncPipeline(_PipelineBase):
    """The request pipeline of the asyncio client: :class:`Pipeline` with ``await``.

    Same arguments, headers, retries, deadline, shared 429 pause, errors and logging (the same
    :class:`_Call` decides everything); ``transport`` is an :class:`AsyncTransport` and ``sleep``
    a coroutine function (default ``asyncio.sleep``).
    """

    def __init__(
        self,
        transport: AsyncTransport,
        base_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        headers: Mapping[str, str] | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        retries: RetryPolicy | int | None = None,
        deadline: float | None = None,
        max_reply_bytes: int | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(
            base_url,
            username=username,
            password=password,
            headers=headers,
            user_agent=user_agent,
            retries=retries,
            deadline=deadline,
            max_reply_bytes=max_reply_bytes,
            clock=clock,
            rand=rand,
        )
        if sleep is None:
            # Imported here: the blocking client never loads asyncio.
            import asyncio

            sleep = asyncio.sleep
        self.transport = transport
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"AsyncPipeline({self.base_url!r}, transport={type(self.transport).__name__})"

    async def close(self) -> None:
        """Close the transport."""
        await self.transport.close()

    async def __aenter__(self) -> AsyncPipeline:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Reply:
        """:meth:`Pipeline.request`, awaiting the transport and the waits."""
        call = self.call(method, path, query, body, content_type)
        send = self.transport.send
        while True:
            pause = call.paused()
            while pause:
                await self.sleep(pause)
                call.resume()
                pause = call.paused()
            failure: TransportFailure | None = None
            wait: float | None
            try:
                raw = await send(
                    method,
                    call.url,
                    call.headers,
                    call.body,
                    deadline=call.deadline,
                    max_bytes=self.max_reply_bytes,
                )
            except TransportFailure as exc:
                failure = exc
            if failure is not None:
                failure.__traceback__ = None
                wait = call.failed(failure)
            else:
                wait = call.answered(raw)
                if wait is None:
                    return call.reply(raw)
            await self.sleep(wait)
            call.resume()


def check_deadline(deadline: float | None) -> float:
    """The per-call deadline meant by a ``deadline=`` argument (None: the default)."""
    if deadline is None:
        return DEFAULT_DEADLINE
    if (
        isinstance(deadline, bool)
        or not isinstance(deadline, (int, float))
        or not math.isfinite(deadline)
        or deadline <= 0
    ):
        raise PBConfigurationError(
            f"deadline must be a finite number of seconds > 0 (None: {DEFAULT_DEADLINE:g} s)"
        )
    return float(deadline)


def check_max_reply_bytes(limit: int | None) -> int:
    """The reply limit meant by a ``max_reply_bytes=`` argument (None: the default)."""
    if limit is None:
        return DEFAULT_MAX_REPLY_BYTES
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise PBConfigurationError(
            f"max_reply_bytes must be an integer >= 1 (None: {DEFAULT_MAX_REPLY_BYTES} bytes)"
        )
    return limit
