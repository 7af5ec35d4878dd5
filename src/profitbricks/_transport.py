"""The HTTP transport of the SDK: one urllib3 connection pool and one TLS context per client.

:class:`HttpTransport` only moves bytes (see ``profitbricks._pipeline``, which adds the headers,
retries, deadline, error mapping and logging for every transport). It

- keeps one connection pool for the base URL's host (or one proxy manager), safe to share between
  threads;
- builds one ``ssl.SSLContext`` when it is created (:func:`tls_context`, the TLS policy every
  transport shares), loads the CA certificates (the system store, or ``host_cert``) and the client
  certificate into it once, and hands it to every new connection and reconnect (urllib3 would
  otherwise build a context and load the CA store per connection);
- reads a reply body with a limit: a declared ``Content-Length`` beyond it is refused before
  anything is read or allocated, an undeclared body is read in chunks and refused once it passes;
- enforces the call's deadline also while a server trickles bytes: a watchdog thread shuts down
  the socket of a call whose deadline passed, so a read blocked on it ends at once;
- never follows a redirect (a 3xx is an answer like any other; the ``Authorization`` header never
  goes to another host).

The names of the request pipeline are re-exported here for code that imported them from this
module.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util import Timeout
from urllib3.util.retry import Retry

from profitbricks._config import parse_base_url
from profitbricks._netbase import WATCHDOG, CheckedResponse, HeadersCut, read_body, tls_context
from profitbricks._pipeline import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_REPLY_BYTES,
    DEFAULT_USER_AGENT,
    Pipeline,
    RawReply,
    Reply,
    RetryPolicy,
    Transport,
    TransportFailure,
    deadline_failure,
    encode_query,
    error_for,
    parse_retry_after,
    reply_from,
    request_id_from,
    time_left,
)

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_REPLY_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_USER_AGENT",
    "HttpTransport",
    "Pipeline",
    "RawReply",
    "Reply",
    "RetryPolicy",
    "Transport",
    "TransportFailure",
    "encode_query",
    "error_for",
    "parse_retry_after",
    "reply_from",
    "request_id_from",
    "tls_context",
]

#: 10 s to connect, 60 s between bytes of the answer. Provisioning calls answer at once (202), so a
#: minute of silence means trouble, not a slow operation.
DEFAULT_TIMEOUT = Timeout(connect=10.0, read=60.0)

# urllib3 must neither retry nor follow redirects: the pipeline decides. One shared object, so no
# Retry is built per call.
_NO_RETRY = Retry(total=False, redirect=False, raise_on_redirect=False, raise_on_status=False)


class _Watched:
    """Ties a connection to the deadline of the call using it, whenever it connects or sends."""

    response_class: Any = CheckedResponse

    def connect(self) -> None:
        WATCHDOG.attach(self)
        super().connect()  # type: ignore[misc]

    def request(self, *args: Any, **kwargs: Any) -> None:
        WATCHDOG.attach(self)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _describe(exc: Exception) -> tuple[str, bool, bool]:
    """A one-line reason for a network failure, whether the request may have been sent, and
    whether repeating may help."""
    if isinstance(exc, NewConnectionError):
        cause = exc.__context__ or exc.__cause__
        reason = (getattr(cause, "strerror", None) or type(cause).__name__) if cause else "failed"
        return f"cannot connect ({reason})", False, True
    if isinstance(exc, ConnectTimeoutError):
        return "connect timed out", False, True
    if isinstance(exc, ReadTimeoutError):
        return "no answer within the read timeout", True, True
    if isinstance(exc, SSLError):
        return f"TLS failed: {exc}", False, False
    if isinstance(exc, ProtocolError):
        inner = exc.args[1] if len(exc.args) > 1 else None
        if isinstance(inner, HeadersCut):
            return "connection broken: the reply was cut inside its headers", True, True
        if type(inner).__name__ == "IncompleteRead":
            return "the reply was cut short (truncated body)", True, True
        detail = type(inner).__name__ if isinstance(inner, BaseException) else "broken"
        return f"connection broken before a complete reply ({detail})", True, True
    return f"{type(exc).__name__}: {exc}", True, False


class HttpTransport:
    """The network :class:`~profitbricks._pipeline.Transport`: one urllib3 pool, one TLS context.

    The pool keeps up to ``maxsize`` connections alive and is safe to share between threads; give
    it at least as many connections as threads that share it (a thread that finds none free waits
    for one, until the call's deadline, instead of opening a throw-away connection).

    - ``timeout``: seconds (connect and read) or a ``urllib3.Timeout``; None means
      :data:`DEFAULT_TIMEOUT` (10 s connect, 60 s read). There is always a finite timeout.
    - ``ssl_verify``: verify the server certificate (default). ``host_cert``: a CA bundle file (or
      a directory of CA certificates) to verify against instead of the system's;
      ``cert_file``/``key_file``: a client certificate. All loaded once, into one context.
    - ``proxy_url``: send everything through this HTTP(S) proxy.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float | Timeout | None = None,
        ssl_verify: bool = True,
        host_cert: str | None = None,
        maxsize: int = 10,
        proxy_url: str | None = None,
        cert_file: str | None = None,
        key_file: str | None = None,
    ) -> None:
        base = parse_base_url(base_url)
        self.base_url = base.url
        if timeout is None:
            timeout = DEFAULT_TIMEOUT
        elif not isinstance(timeout, Timeout):
            timeout = Timeout(connect=timeout, read=timeout)
        self.timeout: Timeout = timeout
        self._longest = max(
            t for t in (timeout.connect_timeout, timeout.read_timeout, 0.0) if isinstance(t, float)
        )
        pool_kw: dict[str, Any] = {
            "maxsize": maxsize,
            "block": True,
            "timeout": timeout,
            "retries": _NO_RETRY,
        }
        self.tls: ssl.SSLContext | None = None
        if base.scheme == "https":
            self.tls = tls_context(
                verify=ssl_verify, host_cert=host_cert, cert_file=cert_file, key_file=key_file
            )
            pool_kw["ssl_context"] = self.tls
            pool_kw["cert_reqs"] = "CERT_REQUIRED" if ssl_verify else "CERT_NONE"
            if not ssl_verify:
                pool_kw["assert_hostname"] = False
        self._pool: HTTPConnectionPool | urllib3.ProxyManager
        self._origin = base.origin
        if proxy_url:
            # Through a proxy urllib3 needs absolute URLs and its proxy bookkeeping; the manager
            # holds one pool for our single host.
            # urllib3 leaves Nagle's algorithm on behind a proxy; it sends a request's headers
            # and body in two writes, so every call with a body would wait for a delayed ACK
            # (40 ms on Linux). TCP_NODELAY as on a direct connection.
            pool_kw["socket_options"] = HTTPConnection.default_socket_options
            manager = urllib3.ProxyManager(proxy_url, num_pools=1, **pool_kw)
            manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
            self._pool = manager
            self._cut = 0
        else:
            pool_cls = _HTTPSPool if base.scheme == "https" else _HTTPPool
            self._pool = pool_cls(base.host, base.port, **pool_kw)
            self._cut = len(base.origin)

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

    def _timeout(self, deadline: float | None) -> tuple[Timeout, float | None]:
        if deadline is None:
            return self.timeout, None
        left = time_left(deadline)
        if left >= self._longest:
            return self.timeout, left
        return Timeout(connect=left, read=left), left

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        deadline: float | None = None,
        max_bytes: int = DEFAULT_MAX_REPLY_BYTES,
    ) -> RawReply:
        """Send one request and read its whole answer (see the Transport protocol)."""
        if not url.startswith(self._origin):
            raise ValueError(f"{url!r} is not on {self._origin}")
        timeout, left = self._timeout(deadline)
        watch = WATCHDOG.start(deadline) if deadline is not None else None
        failure: TransportFailure | None = None
        response: Any = None
        data = None
        try:
            response = self._pool.urlopen(
                method,
                url[self._cut :],
                body=body,
                headers=headers,
                retries=_NO_RETRY,
                redirect=False,
                timeout=timeout,
                pool_timeout=left,  # type: ignore[arg-type]  # urllib3 takes any number
                preload_content=False,
                release_conn=False,
            )
            data = read_body(response, response.length_remaining, max_bytes)
        except TransportFailure as exc:
            failure = exc
        except HTTPError as exc:
            reason, sent, retry = _describe(exc)
            failure = TransportFailure(reason, sent=sent, retry=retry, cause=exc)
        except OSError as exc:  # a socket error urllib3 did not wrap
            failure = TransportFailure(
                f"connection broken ({type(exc).__name__})", sent=True, cause=exc
            )
        finally:
            if response is not None:
                if data is None:
                    # Not read to the end (a failure, or an interruption such as Ctrl+C): the
                    # connection must not go back to the pool with a reply half read.
                    response.close()
                response.release_conn()
            if watch is not None:
                WATCHDOG.stop(watch)
        if watch is not None and watch.expired:
            failure = deadline_failure()
        if failure is not None:
            raise failure
        assert data is not None
        return RawReply(response.status, response.headers, data)
