"""A network transport on the standard library: one ``http.client`` connection, kept alive.

:class:`SimpleTransport` moves the bytes of a call like ``HttpTransport`` does (the request
pipeline adds headers, retries, the deadline, errors and logging) with what Python itself ships,
so a short-lived process does not pay for importing urllib3 (about 70 ms, several times the rest
of a command line's start-up). It keeps every promise of the pooled transport that a single
connection can keep:

- one ``ssl.SSLContext`` per transport (:func:`~profitbricks._netbase.tls_context`, the TLS policy
  of every transport), the CA certificates and a client certificate loaded once;
- a finite connect and read timeout, and the call's deadline enforced while a server trickles
  bytes (the shared watchdog shuts the socket down);
- the bounded body read, headers cut by the end of data refused, redirects never followed;
- one connection kept alive between calls. A connection the server closed while it was idle is
  found before anything is sent on it and reopened, so the call goes out once on a fresh
  connection; a connection that breaks after the request went out is reported as sent (the
  pipeline then repeats idempotent methods only, never a POST).

It is not thread-safe and has no proxy support: it is meant for single-threaded, short-lived
processes (the command line uses it for single commands and keeps ``HttpTransport`` for bulk runs
and proxies). Use ``HttpTransport`` when threads share a client.
"""

from __future__ import annotations

import http.client
import math
import select
import socket
import ssl
import weakref
from collections.abc import Iterator, Mapping
from typing import Any, cast

from profitbricks._config import parse_base_url
from profitbricks._netbase import WATCHDOG, CheckedResponse, HeadersCut, read_body, tls_context
from profitbricks._pipeline import (
    CASE_INSENSITIVE_HEADERS,
    DEFAULT_MAX_REPLY_BYTES,
    RawReply,
    TransportFailure,
    deadline_failure,
    time_left,
)

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "ReplyHeaders",
    "SimpleTransport",
    "simple_transport_for",
]

#: Seconds to connect (and finish the TLS handshake), as ``HttpTransport``'s default.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Seconds between bytes of the answer, as ``HttpTransport``'s default.
DEFAULT_READ_TIMEOUT = 60.0


class ReplyHeaders(Mapping[str, str]):
    """The headers of a reply, looked up case-insensitively; a repeated header's values are
    joined with ``", "`` (as urllib3 joins them)."""

    __slots__ = ("_items",)

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        items: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            if key in items:
                value = f"{items[key][1]}, {value}"
                name = items[key][0]
            items[key] = (name, value)
        self._items = items

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self._items.values())!r})"


CASE_INSENSITIVE_HEADERS.add(ReplyHeaders)


def _timeouts(timeout: Any) -> tuple[float, float]:
    """(connect, read) seconds for a ``timeout=`` argument: seconds, a (connect, read) pair, or an
    object with ``connect_timeout``/``read_timeout`` (a ``urllib3.Timeout``); None: the default.

    A part left unset (None, or urllib3's sentinel) has no limit of its own; the call's deadline
    still bounds it.
    """
    if timeout is None:
        return DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return float(timeout), float(timeout)
    if isinstance(timeout, tuple) and len(timeout) == 2:
        connect, read = timeout
    elif hasattr(timeout, "connect_timeout") and hasattr(timeout, "read_timeout"):
        connect, read = timeout.connect_timeout, timeout.read_timeout
    else:
        raise TypeError(
            f"timeout must be seconds, a (connect, read) pair or a urllib3.Timeout, not {timeout!r}"
        )

    def seconds(value: object) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return math.inf

    return seconds(connect), seconds(read)


def _socket_timeout(seconds: float) -> float | None:
    return None if seconds == math.inf else seconds


def _dropped(sock: socket.socket) -> bool:
    """Whether an idle kept-alive connection is unusable: the server closed it (or sent bytes
    nobody asked for), which shows as the socket being readable while no answer is due."""
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _describe(exc: BaseException, sent: bool) -> tuple[str, bool, bool]:
    """A one-line reason for a network failure (the texts of ``HttpTransport``), whether the
    request may have been sent, and whether repeating may help. ``sent``: whether the failure
    came after the connection was made."""
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc}", sent, False
    if not sent:
        if isinstance(exc, TimeoutError):
            return "connect timed out", False, True
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return f"cannot connect ({reason})", False, True
    if isinstance(exc, TimeoutError):
        return "no answer within the read timeout", True, True
    if isinstance(exc, HeadersCut):
        return "connection broken: the reply was cut inside its headers", True, True
    if isinstance(exc, http.client.IncompleteRead):
        return "the reply was cut short (truncated body)", True, True
    if isinstance(exc, http.client.HTTPException):
        return f"connection broken before a complete reply ({type(exc).__name__})", True, True
    return f"connection broken ({type(exc).__name__})", True, True


class SimpleTransport:
    """A :class:`~profitbricks._pipeline.Transport` over one kept-alive ``http.client``
    connection, for single-threaded, short-lived processes (see the module docstring).

    - ``timeout``: seconds (connect and read), a (connect, read) pair, or a ``urllib3.Timeout``
      (read by its attributes: urllib3 is not imported); None means 10 s to connect and 60 s
      between bytes of the answer, as ``HttpTransport``.
    - ``ssl_verify``, ``host_cert``, ``cert_file``/``key_file``: as ``HttpTransport``, loaded once
      into one TLS context (PBConfigurationError when a file cannot be loaded).

    Not thread-safe: one call at a time. ``close()`` closes the connection; a later call opens a
    new one.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: Any = None,
        ssl_verify: bool = True,
        host_cert: str | None = None,
        cert_file: str | None = None,
        key_file: str | None = None,
    ) -> None:
        base = parse_base_url(base_url)
        self.base_url = base.url
        self._origin = base.origin
        self._cut = len(base.origin)
        self.connect_timeout, self.read_timeout = _timeouts(timeout)
        self.tls: ssl.SSLContext | None = None
        conn: http.client.HTTPConnection
        if base.scheme == "https":
            self.tls = tls_context(
                verify=ssl_verify, host_cert=host_cert, cert_file=cert_file, key_file=key_file
            )
            conn = http.client.HTTPSConnection(base.host, base.port or 443, context=self.tls)
        else:
            conn = http.client.HTTPConnection(base.host, base.port or 80)
        conn.response_class = CheckedResponse
        self._conn = conn
        # A transport dropped without close() (a client never closed) still closes its socket,
        # as urllib3's pool does.
        weakref.finalize(self, conn.close)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"

    def __enter__(self) -> SimpleTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (the next call opens a new one)."""
        self._conn.close()

    def _limits(self, deadline: float | None) -> tuple[float, float]:
        if deadline is None:
            return self.connect_timeout, self.read_timeout
        left = time_left(deadline)
        return min(self.connect_timeout, left), min(self.read_timeout, left)

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
        """Send one request and read its whole answer (see the Transport protocol).

        Raises ValueError for a URL not on the base URL's origin, TransportFailure for a network
        failure, an oversized reply or a passed deadline.
        """
        if not url.startswith(self._origin):
            raise ValueError(f"{url!r} is not on {self._origin}")
        connect_timeout, read_timeout = self._limits(deadline)
        conn = self._conn
        watch = WATCHDOG.start(deadline) if deadline is not None else None
        failure: TransportFailure | None = None
        connected = False
        response: http.client.HTTPResponse | None = None
        data = None
        try:
            WATCHDOG.attach(conn)
            if conn.sock is not None and _dropped(conn.sock):
                # Closed by the server while idle: nothing was sent on it, so this call goes out
                # on a new connection, once.
                conn.close()
            if conn.sock is None:
                conn.timeout = _socket_timeout(connect_timeout)
                conn.connect()
                # http.client sets it only from Python 3.11 on: with Nagle's algorithm, a request
                # sent in two writes (headers, then body) waits for a delayed ACK (40 ms on Linux).
                opened = cast(socket.socket, conn.sock)
                opened.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connected = True
            conn.sock.settimeout(_socket_timeout(read_timeout))
            conn.request(method, url[self._cut :], body=body, headers=headers)
            response = conn.getresponse()
            data = read_body(response, response.length, max_bytes)
        except TransportFailure as exc:
            failure = exc
        except (OSError, http.client.HTTPException) as exc:
            reason, sent, retry = _describe(exc, connected)
            failure = TransportFailure(reason, sent=sent, retry=retry, cause=exc)
        finally:
            if data is None:
                # A failure, or an interruption such as Ctrl+C: the connection is in an unknown
                # state (a reply half read, a request half sent) and is not used again.
                conn.close()
            elif response is not None:
                response.close()
            if watch is not None:
                WATCHDOG.stop(watch)
        if watch is not None and watch.expired:
            conn.close()
            failure = deadline_failure()
        if failure is not None:
            raise failure
        assert response is not None
        assert data is not None
        return RawReply(response.status, ReplyHeaders(response.getheaders()), data)


def simple_transport_for(service: Any) -> SimpleTransport | None:
    """A :class:`SimpleTransport` with the timeout and TLS settings (CA bundle, verification,
    client certificate) of ``service`` (a ``ProfitBricksService``), or None when the service
    reaches its API through a proxy, which only ``HttpTransport`` supports.

    Raises PBConfigurationError when a certificate file cannot be loaded.
    """
    from profitbricks.client import _transport_options

    options = _transport_options(service)
    if options.pop("proxy_url"):
        return None
    return SimpleTransport(service.host_base, **options)
