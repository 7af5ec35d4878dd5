"""What the network transports share, without importing urllib3.

The pooled ``HttpTransport`` (urllib3, ``_transport.py``) and the single-connection
``SimpleTransport`` (``http.client``, ``_simple_transport.py``) use the same pieces for what the
SDK promises about every call:

- one TLS policy (:func:`tls_context`): TLS 1.2 or later, no compression, no session tickets,
  the server certificate and host name verified unless told otherwise, CA certificates loaded
  once per client;
- the deadline watchdog, which shuts down the socket of a call whose deadline passed, so a server
  that trickles bytes cannot hold a call beyond it;
- a response class that refuses headers cut by the end of data (``http.client`` would take them
  for complete);
- the bounded body read (:func:`read_body`): a declared length beyond the limit is refused before
  anything is read or allocated, an undeclared body is refused once it passes the limit.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import ssl
import sys
import threading
import time
from typing import Any

from profitbricks._pipeline import reply_too_large
from profitbricks.errors import PBConfigurationError

__all__ = ["WATCHDOG", "CheckedResponse", "HeadersCut", "read_body", "tls_context"]

_CHUNK = 256 * 1024


# The deadline watchdog


class _Watch:
    """One call in flight: its deadline and the connection it is using."""

    __slots__ = ("conn", "deadline", "expired")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.conn: Any = None
        self.expired = False


class _Watchdog:
    """Shuts down the socket of any call whose deadline passed (one thread, started on demand).

    The per-read timeout cannot bound a call whose server sends a byte every few seconds; closing
    the socket from outside does. The thread wakes every ``tick`` seconds while calls are in
    flight and ends after ``idle`` seconds without any.
    """

    tick = 0.1
    idle = 5.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watches: set[_Watch] = set()
        self._thread: threading.Thread | None = None
        self._local = threading.local()

    def start(self, deadline: float) -> _Watch:
        watch = _Watch(deadline)
        with self._lock:
            self._watches.add(watch)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="profitbricks-deadline", daemon=True
                )
                self._thread.start()
        self._local.watch = watch
        return watch

    def stop(self, watch: _Watch) -> None:
        self._local.watch = None
        with self._lock:
            self._watches.discard(watch)
            watch.conn = None

    def attach(self, conn: Any) -> None:
        """Tie ``conn`` to the call this thread is making (from the connection's own methods)."""
        watch = getattr(self._local, "watch", None)
        conn._pb_watch = watch
        if watch is not None:
            watch.conn = conn

    def _run(self) -> None:
        quiet_since = time.monotonic()
        while True:
            time.sleep(self.tick)
            now = time.monotonic()
            with self._lock:
                if not self._watches:
                    if now - quiet_since > self.idle:
                        self._thread = None
                        return
                    continue
                quiet_since = now
                for watch in self._watches:
                    if watch.expired or watch.deadline > now:
                        continue
                    watch.expired = True
                    conn = watch.conn
                    # A connection already handed to another call is tied to that call's watch.
                    if conn is not None and getattr(conn, "_pb_watch", None) is watch:
                        sock = getattr(conn, "sock", None)
                        if sock is not None:
                            with contextlib.suppress(OSError):
                                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def _after_fork(self) -> None:
        self._lock = threading.Lock()
        self._watches = set()
        self._thread = None
        self._local = threading.local()


WATCHDOG = _Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=WATCHDOG._after_fork)


class HeadersCut(http.client.RemoteDisconnected):
    """The connection ended inside the reply's headers (before the blank line that ends them)."""


class _LastLine:
    """A reader that remembers the last line read (to tell a blank line from the end of data)."""

    __slots__ = ("fp", "last")

    def __init__(self, fp: Any) -> None:
        self.fp = fp
        self.last = b""

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self.fp.readline(limit)
        self.last = line
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fp, name)


class CheckedResponse(http.client.HTTPResponse):
    """http.client takes the end of data for the end of the headers; this refuses it."""

    def begin(self) -> None:
        fp = self.fp
        reader = _LastLine(fp)
        self.fp = reader  # type: ignore[assignment]
        try:
            super().begin()
        finally:
            current: object = self.fp
            if current is reader:
                self.fp = fp
        if reader.last not in (b"\r\n", b"\n"):
            raise HeadersCut("the reply ended inside its headers")


# TLS


def tls_context(
    *,
    verify: bool = True,
    host_cert: str | None = None,
    cert_file: str | None = None,
    key_file: str | None = None,
) -> ssl.SSLContext:
    """The one TLS context of a client, CA certificates loaded into it once.

    TLS 1.2 or later, no TLS compression (CRIME), no TLS 1.2 session tickets, post-handshake
    client authentication allowed, host names checked against the certificate's subject
    alternative names only. ``verify``: check the server certificate and host name against the
    system CA store, or ``host_cert`` (a CA bundle file or a directory of CA certificates);
    ``cert_file``/``key_file``: a client certificate. Raises PBConfigurationError when a file
    cannot be loaded.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_TICKET
    if sys.version_info >= (3, 13):
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
    context.post_handshake_auth = True
    context.hostname_checks_common_name = False
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog:
        # The key log that Wireshark reads, as curl, browsers and urllib3 write it when asked.
        context.keylog_filename = os.path.expandvars(keylog)
    try:
        if verify:
            context.verify_mode = ssl.CERT_REQUIRED
            context.check_hostname = True
            if host_cert:
                if os.path.isdir(host_cert):
                    context.load_verify_locations(capath=host_cert)
                else:
                    context.load_verify_locations(cafile=host_cert)
            else:
                context.load_default_certs()
        else:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if cert_file:
            context.load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
        raise PBConfigurationError(f"cannot load the TLS certificates: {reason}") from None
    return context


def read_body(response: Any, declared: int | None, limit: int) -> bytes:
    """The whole body of ``response``, at most ``limit`` bytes.

    ``declared`` is the length the reply announced (``Content-Length``; None when it did not, or
    when it is chunked). Raises TransportFailure for a body over the limit: before reading
    anything when the declared length is over it. ``http.client.IncompleteRead`` (or the HTTP
    library's wrapper of it) propagates for a body cut short.
    """
    if declared is not None and declared > limit:
        raise reply_too_large(response.status, declared, limit)
    if declared is not None and "Content-Encoding" not in response.headers:
        # A declared length within the limit: http.client reads exactly that much.
        return bytes(response.read())
    chunks = []
    total = 0
    while True:
        chunk = response.read(min(_CHUNK, limit - total + 1))
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise reply_too_large(response.status, None, limit)
        chunks.append(chunk)
    return b"".join(chunks)
