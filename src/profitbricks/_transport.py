"""HTTP transport of the SDK: one urllib3 connection pool, Basic auth, retries, error mapping.

The facade (``client.py``) talks to a :class:`Transport`; :class:`HttpTransport` is the one that
goes over the network. Any other implementation (for example an in-memory one calling the
emulator's WSGI app) turns its raw answer into a :class:`Reply` with :func:`reply_from`, so the
error mapping and the ``Location`` -> request id rule live here only.

Logging goes to ``logging.getLogger("profitbricks")``: one DEBUG record per HTTP exchange
(``GET https://…/datacenters/x -> 200 in 1.2 ms (request <id>)``) and one INFO record per retry.
Headers and bodies are never logged, and the ``Authorization`` value never leaves this module except
on the wire.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple, Protocol
from urllib.parse import quote

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util import Timeout, parse_url
from urllib3.util.retry import Retry

from profitbricks import __version__
from profitbricks.errors import (
    PBConfigurationError,
    PBError,
    PBNotAuthorizedError,
    PBNotFoundError,
    PBRateLimitExceededError,
    PBValidationError,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "DEFAULT_USER_AGENT",
    "HttpTransport",
    "Reply",
    "RetryPolicy",
    "Transport",
    "error_for",
    "reply_from",
]

DEFAULT_USER_AGENT = f"profitbricks-sdk-python/{__version__}"

#: 10 s to connect, 60 s between bytes of the answer. Provisioning calls answer at once (202), so a
#: minute of silence means trouble, not a slow operation.
DEFAULT_TIMEOUT = Timeout(connect=10.0, read=60.0)

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

# urllib3 must neither retry nor follow redirects: RetryPolicy decides. One shared object, so no
# Retry is built per call.
_NO_RETRY = Retry(total=False, redirect=False, raise_on_redirect=False, raise_on_status=False)


class RetryPolicy:
    """When and how the transport repeats a call; the one place these rules are written.

    A call is repeated when:

    - the reply is one of ``statuses`` (429, 502, 503, 504) and the method is idempotent
      (``GET``, ``HEAD``, ``PUT``, ``DELETE``, ``OPTIONS``), or the method is not idempotent
      (``POST``, ``PATCH``) and the status is one of ``unsent_statuses`` (429, 503), that is a
      status with which the server says it did not act;
    - connecting failed (refused, unreachable, connect timeout): the request was never sent, so
      every method is repeated;
    - the connection broke or timed out after the request was sent: idempotent methods only.

    TLS errors, other statuses and proxy errors are never repeated.

    Waits: before retry ``n`` (1, 2, …) the transport sleeps a random time between 0 and
    ``min(max_backoff, backoff * factor ** (n - 1))`` (exponential backoff with full jitter), with
    the defaults at most 0.5 s, 1 s, 2 s. A ``Retry-After`` header (seconds or an HTTP date) is
    honoured as the minimum wait; when it asks for more than ``max_backoff`` the transport gives up
    at once instead of stalling the caller.

    Bounds: at most ``attempts`` tries in all (the first included), and no retry that would end
    later than ``max_total`` seconds after the first try started. When retries are spent the last
    answer is raised as its mapped error (429 -> ``PBRateLimitExceededError``), or, for a network
    failure, a ``PBError`` with ``resp=None`` chained from the urllib3 error.

    ``ProfitBricksService(retries=...)`` and ``HttpTransport(retries=...)`` take a ``RetryPolicy``,
    an ``int`` (the number of retries after the first try; ``0`` disables retrying) or ``None``
    (this default policy).
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
        if isinstance(retries, int) and retries >= 0:
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
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
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


class Transport(Protocol):
    """What the facade needs from a transport."""

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Reply:
        """Send one call; ``path`` is relative to the base URL and already percent-quoted.

        Returns the 2xx reply; raises the mapped ``PBError`` subclass for any other status (after
        retries) and ``PBError`` with ``resp=None`` for a network failure.
        """
        ...

    def close(self) -> None:
        """Release connections; the transport must not be used afterwards."""
        ...


def _excerpt(body: bytes) -> str:
    """A short one-line text of a body that is not the API's JSON (e.g. a proxy's HTML page)."""
    text = body[: _EXCERPT * 8].decode("utf-8", "replace")
    # re caches compiled patterns; compiling them only here keeps the import cheap.
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
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("messages"), list):
        content = parsed["messages"]
    elif body:
        content = _excerpt(body)
    else:
        content = None
    cls = _ERRORS.get(status, PBError)
    return cls(status, content, url, method=method, request_id=request_id)


def reply_from(
    status: int, headers: Mapping[str, str], body: bytes, method: str, url: str
) -> Reply:
    """Turn a raw HTTP answer into a :class:`Reply`, or raise its mapped ``PBError``.

    ``headers`` should be case-insensitive (a plain dict is copied into one). A 2xx body that is
    not JSON raises ``PBError`` with the status and an excerpt, never a ``JSONDecodeError``.
    """
    if not isinstance(headers, urllib3.HTTPHeaderDict):
        headers = urllib3.HTTPHeaderDict(headers)
    request_id = request_id_from(headers)
    if not 200 <= status < 300:
        raise error_for(status, body, method, url, request_id)
    if not body:
        return Reply(status, headers, None, request_id)
    try:
        data = json.loads(body)
    except ValueError:
        raise PBError(
            status,
            f"invalid JSON in the reply: {_excerpt(body)}",
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


class _Secret(str):
    """A header value that shows as ``'<redacted>'`` in any repr (of a dict holding it, say)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<redacted>'"


def _describe(exc: Exception) -> tuple[str, bool]:
    """A one-line reason for a network failure and whether the request may have been sent."""
    if isinstance(exc, NewConnectionError):
        cause = exc.__context__ or exc.__cause__
        reason = (getattr(cause, "strerror", None) or type(cause).__name__) if cause else "failed"
        return f"cannot connect ({reason})", False
    if isinstance(exc, ConnectTimeoutError):
        return "connect timed out", False
    if isinstance(exc, ReadTimeoutError):
        return "no answer within the read timeout", True
    if isinstance(exc, ProtocolError):
        inner = exc.args[1] if len(exc.args) > 1 else None
        detail = type(inner).__name__ if isinstance(inner, BaseException) else "broken"
        return f"connection broken ({detail})", True
    return f"{type(exc).__name__}: {exc}", True


_RETRYABLE_FAILURES = (NewConnectionError, ConnectTimeoutError, ReadTimeoutError, ProtocolError)


class HttpTransport:
    """The network :class:`Transport`: one urllib3 connection pool for the base URL's host.

    The pool keeps up to ``maxsize`` connections alive and is safe to share between threads; give it
    at least as many connections as threads that share it (a thread that finds none free waits for
    one instead of opening a throw-away connection).

    - ``timeout``: seconds (connect and read) or a ``urllib3.Timeout``; None means
      :data:`DEFAULT_TIMEOUT` (10 s connect, 60 s read). There is always a finite timeout.
    - ``retries``: see :class:`RetryPolicy`.
    - ``ssl_verify``: verify the server certificate (default). ``host_cert``: a CA bundle file (or a
      directory of CA certificates) to verify against instead of the system's;
      ``cert_file``/``key_file``: a client certificate.
    - ``headers``: extra headers, kept by reference and read on every call (changes made later
      apply). They cannot replace ``Authorization``.
    - ``proxy_url``: send everything through this HTTP(S) proxy.
    - ``sleep``/``clock``/``rand``: injectable for tests of the retry timing.
    """

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: float | Timeout | None = None,
        retries: RetryPolicy | int | None = None,
        ssl_verify: bool = True,
        host_cert: str | None = None,
        headers: Mapping[str, str] | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        maxsize: int = 10,
        proxy_url: str | None = None,
        cert_file: str | None = None,
        key_file: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        parsed = parse_url(base_url)
        if parsed.auth:
            raise PBConfigurationError(
                "the API base URL must not contain credentials; pass username= and password="
            )
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise PBConfigurationError("the API base URL must be an absolute http(s) URL")
        self.base_url = f"{parsed.scheme}://{parsed.netloc}{(parsed.path or '').rstrip('/')}"
        self.retry_policy = RetryPolicy.from_arg(retries)
        if timeout is None:
            timeout = DEFAULT_TIMEOUT
        elif not isinstance(timeout, Timeout):
            timeout = Timeout(connect=timeout, read=timeout)
        self.timeout: Timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._rand = rand
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._fixed_headers: dict[str, str] = {
            "User-Agent": user_agent,
            "Authorization": _Secret(f"Basic {token}"),
        }
        self._extra_headers: Mapping[str, str] = headers if headers is not None else {}

        pool_kw: dict[str, Any] = {
            "maxsize": maxsize,
            "block": True,
            "timeout": timeout,
            "retries": _NO_RETRY,
        }
        if parsed.scheme == "https":
            pool_kw["cert_reqs"] = "CERT_REQUIRED" if ssl_verify else "CERT_NONE"
            if not ssl_verify:
                pool_kw["assert_hostname"] = False
            elif host_cert:
                import os.path

                pool_kw["ca_cert_dir" if os.path.isdir(host_cert) else "ca_certs"] = host_cert
            if cert_file:
                pool_kw["cert_file"] = cert_file
                pool_kw["key_file"] = key_file
        self._pool: urllib3.HTTPConnectionPool | urllib3.ProxyManager
        if proxy_url:
            # Through a proxy urllib3 needs absolute URLs and its proxy bookkeeping; the manager
            # holds one pool for our single host.
            self._pool = urllib3.ProxyManager(proxy_url, num_pools=1, **pool_kw)
            self._prefix = f"{parsed.scheme}://{parsed.netloc}"
        elif parsed.scheme == "https":
            self._pool = urllib3.HTTPSConnectionPool(parsed.host, parsed.port, **pool_kw)
            self._prefix = ""
        else:
            self._pool = urllib3.HTTPConnectionPool(parsed.host, parsed.port, **pool_kw)
            self._prefix = ""
        self._origin = f"{parsed.scheme}://{parsed.netloc}"
        self._base_path = (parsed.path or "").rstrip("/")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection."""
        if isinstance(self._pool, urllib3.ProxyManager):
            self._pool.clear()
        else:
            self._pool.close()

    def _headers(self, content_type: str | None) -> dict[str, str]:
        headers = self._fixed_headers.copy()
        extra = self._extra_headers
        if extra:
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

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Reply:
        """Send ``method`` to ``base URL + path`` (see :class:`Transport`), retrying per policy."""
        target = self._base_path + path
        if query:
            target = f"{target}?{encode_query(query)}"
        headers = self._headers(content_type)
        policy = self.retry_policy
        clock = self._clock
        first = clock()
        attempt = 1
        while True:
            started = clock() if attempt > 1 else first
            try:
                response = self._pool.urlopen(
                    method,
                    self._prefix + target,
                    body=body,
                    headers=headers,
                    retries=_NO_RETRY,
                    redirect=False,
                )
            except _RETRYABLE_FAILURES as exc:
                reason, sent = _describe(exc)
                url = self._origin + target
                wait = None
                if policy.retries_failure(method, sent=sent):
                    wait = policy.delay(attempt, clock() - first, None, self._rand)
                if wait is None:
                    _log.debug("%s %s failed: %s", method, url, reason)
                    raise PBError(
                        None, f"{reason} after {attempt} attempt(s)", url, method=method
                    ) from exc
                _log.info(
                    "retrying %s %s in %.2f s after %s (attempt %d of %d)",
                    method,
                    url,
                    wait,
                    reason,
                    attempt + 1,
                    policy.attempts,
                )
                self._sleep(wait)
                attempt += 1
                continue
            except HTTPError as exc:
                url = self._origin + target
                reason, _ = _describe(exc)
                raise PBError(None, reason, url, method=method) from exc

            status = response.status
            url = self._origin + target
            if status >= 300 and policy.retries_status(method, status):
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                wait = policy.delay(attempt, clock() - first, retry_after, self._rand)
                if wait is not None:
                    _log.info(
                        "retrying %s %s in %.2f s after %d (attempt %d of %d)",
                        method,
                        url,
                        wait,
                        status,
                        attempt + 1,
                        policy.attempts,
                    )
                    self._sleep(wait)
                    attempt += 1
                    continue
            if _log.isEnabledFor(logging.DEBUG):
                rid = request_id_from(response.headers)
                _log.debug(
                    "%s %s -> %d in %.1f ms%s",
                    method,
                    url,
                    status,
                    (clock() - started) * 1000.0,
                    f" (request {rid})" if rid else "",
                )
            return reply_from(status, response.headers, response.data, method, url)
