"""Serve an :class:`~profitbricks.emulator.Emulator` over HTTP with waitress.

:class:`EmulatorServer` binds at construction (``port=0`` picks a free port), serves in a
background thread after :meth:`EmulatorServer.start` or in the calling thread with
:meth:`EmulatorServer.serve_forever`, and :meth:`EmulatorServer.stop` closes the listening socket,
the open connections and the worker threads.

waitress reads request heads and bodies in its event loop and hands only complete requests to
the worker threads, so a slow client costs a socket, never a worker. On top of waitress 3.0.2
the server adds what a shared server needs (see :class:`ServerLimits`):

- **no request smuggling**: a request with both ``Content-Length`` and ``Transfer-Encoding``, a
  folded header line (obs-fold) or a chunk larger than the body limit is answered 400 (413) and
  its connection closed, so nothing sent behind it on that connection runs (waitress 3.0.2 runs a
  request hidden after a chunked body that also declares a length; fixed upstream, unreleased).
  Duplicate ``Content-Length``, bare LF and malformed chunk sizes waitress refuses itself;
- **time limits**: a request head must arrive completely within ``header_timeout`` seconds of
  its first byte (of the connection's opening, for a connection that sends nothing), a body
  within ``body_timeout`` of its head; a kept-alive connection idle for ``idle_timeout`` is
  closed. Overdue connections are closed without an answer;
- **no lock-out**: at ``connection_limit`` open connections, the connection that has waited
  longest without a request being served is closed to make room, so stalled clients cannot keep
  a well-behaved one out.

When the application has a ``stats`` attribute (a :class:`~profitbricks.emulator.control.Stats`,
as :class:`~profitbricks.emulator.Emulator` has), the server counts there every connection it
accepts and closes; ``GET /_emulator/stats`` shows them.
"""

from __future__ import annotations

import contextlib
import math
import re
import signal
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError, TransferEncodingNotImplemented
from waitress.receiver import ChunkedReceiver
from waitress.server import BaseWSGIServer, create_server
from waitress.utilities import RequestEntityTooLarge

from .control import Stats, binds_only_loopback

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["EmulatorServer", "ServerLimits"]

# How long one turn of the event loop may block. stop() wakes the loop at once; a signal handler
# must not (waitress's trigger takes a lock the interrupted loop may hold), so the loop that
# serve_forever() runs turns often enough to notice a signal quickly. The loop also turns at
# least as often as the time limits are checked (ServerLimits.check_interval).
_LOOP_TIMEOUT = 1.0
_SIGNAL_LOOP_TIMEOUT = 0.2

# A header line that starts with a space or tab continues the previous one (obs-fold, RFC 9112
# 5.2). Front ends disagree on it; refusing it is allowed and leaves nothing to disagree on.
_OBS_FOLD = re.compile(rb"\r\n[ \t]")
_BOTH = "Both Content-Length and Transfer-Encoding in the request head"


@dataclass(frozen=True)
class ServerLimits:
    """Time and connection limits of an :class:`EmulatorServer` (seconds, connections).

    ``header_timeout`` (10 s): a request head must be complete this long after its first byte
    (after the connection opened, for its first request). ``body_timeout`` (30 s): the body must
    be complete this long after the head. ``idle_timeout`` (120 s): a kept-alive connection
    without a request in progress is closed after this long. ``connection_limit`` (1000): open
    connections; at the limit the longest-waiting connection without a request being served is
    closed to admit the next. Raises ``ValueError`` for a limit that is not a positive number.
    """

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    idle_timeout: float = 120.0
    connection_limit: int = 1000

    def __post_init__(self) -> None:
        for name in ("header_timeout", "body_timeout", "idle_timeout"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a number > 0, got {value!r}")
        if not isinstance(self.connection_limit, int) or self.connection_limit < 1:
            raise ValueError(
                f"connection_limit must be an integer >= 1, got {self.connection_limit!r}"
            )

    @property
    def check_interval(self) -> float:
        """How often the time limits are checked: a quarter of the shortest, 10 ms to 0.5 s."""
        shortest = min(self.header_timeout, self.body_timeout, self.idle_timeout)
        return min(0.5, max(0.01, shortest / 4))


class _StrictParser(HTTPRequestParser):
    """waitress's request parser, refusing what lets two parsers disagree on where a request
    ends, and noting when the request started and when its head was complete."""

    head_done: float | None = None

    def __init__(self, adj: Any) -> None:
        super().__init__(adj)
        # The parser is created when the first byte of its request arrives.
        self.started = time.monotonic()

    def received(self, data: bytes) -> int:
        consumed: int = super().received(data)
        if self.headers_finished and self.head_done is None:
            self.head_done = time.monotonic()
        body = self.body_rcv
        if (
            isinstance(body, ChunkedReceiver)
            and not self.completed
            and body.chunk_remainder >= self.adj.max_request_body_size
        ):
            # Without this, waitress waits for a chunk of up to 2**64 bytes and more.
            self.error = RequestEntityTooLarge(
                f"chunk exceeds max_body of {self.adj.max_request_body_size}"
            )
            self.completed = True
        return consumed

    def parse_header(self, header_plus: bytes) -> None:
        if _OBS_FOLD.search(header_plus):
            raise ParsingError("Folded header line (obs-fold) in the request head")
        try:
            super().parse_header(header_plus)
        except TransferEncodingNotImplemented:
            if "CONTENT_LENGTH" in self.headers:
                raise ParsingError(_BOTH) from None
            raise
        headers = self.headers
        # waitress removes Transfer-Encoding from HTTP/1.1 heads once it has chosen chunked.
        if "CONTENT_LENGTH" in headers and (self.chunked or "TRANSFER_ENCODING" in headers):
            raise ParsingError(_BOTH)


class _WSGIApp(Protocol):
    base_path: str

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]: ...


class _Channel(HTTPChannel):
    """A waitress connection with the strict parser and the times the limits need."""

    parser_class = _StrictParser
    received_any = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.opened = time.monotonic()
        self.idle_since = self.opened
        super().__init__(*args, **kwargs)

    def received(self, data: bytes) -> bool:
        if data:
            self.received_any = True
        result: bool = super().received(data)
        return result

    def service(self) -> None:
        # A worker thread runs this. While it does, and until it has set the end time, the
        # connection counts as busy: the event loop may see the request list empty before then.
        self.idle_since = math.inf
        super().service()
        self.idle_since = time.monotonic()


def _channel_class(stats: Stats | None) -> type[HTTPChannel]:
    """The channel class for one server: reports each connection's life to ``stats``, if any.

    waitress builds one ``channel_class`` instance per accepted connection and registers it
    with ``add_channel``; ``del_channel`` runs when the connection is closed by either side
    (the flag makes a repeated call count once).
    """
    if stats is None:
        return _Channel
    counter = stats

    class CountingChannel(_Channel):
        counted = False

        def add_channel(self, map: Any = None) -> None:
            super().add_channel(map)
            if not self.counted:
                self.counted = True
                counter.connection_opened()

        def del_channel(self, map: Any = None) -> None:
            super().del_channel(map)
            if self.counted:
                self.counted = False
                counter.connection_closed()

    return CountingChannel


def _waiting_since(channel: _Channel, limits: ServerLimits) -> tuple[float, float] | None:
    """When ``channel`` started waiting without being served, and when that wait is overdue;
    None while a request of it is queued or being served (or its answer is being sent)."""
    if channel.requests or channel.total_outbufs_len:
        return None
    request = channel.request
    if not isinstance(request, _StrictParser):
        if not channel.received_any:
            return channel.opened, channel.opened + limits.header_timeout
        return channel.idle_since, channel.idle_since + limits.idle_timeout
    if request.head_done is None:
        return request.started, request.started + limits.header_timeout
    return request.started, request.head_done + limits.body_timeout


class EmulatorServer:
    """A waitress server for one emulator on ``host``:``port`` with ``threads`` workers.

    ``url`` is the Cloud API base (``http://127.0.0.1:<port>/cloudapi/v4``), ``base_url`` the
    server root (the control API lives at ``base_url + "/_emulator/"``), ``port`` the bound port.
    ``limits`` are the time and connection limits (default :class:`ServerLimits`).
    Usable as a context manager: the server runs inside the ``with`` block.
    Raises ``OSError`` when the address cannot be resolved or bound, and ``ValueError`` for an
    emulator whose control API would be open to other machines: on a ``host`` they can reach,
    its configuration needs ``control_token`` or ``control_api=False``.
    """

    def __init__(
        self,
        emulator: _WSGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        limits: ServerLimits | None = None,
    ) -> None:
        if threads < 1:
            raise ValueError("threads must be >= 1")
        config = getattr(emulator, "config", None)
        if (
            config is not None
            and getattr(config, "control_api", False)
            and getattr(config, "control_token", None) is None
            and not binds_only_loopback(host)
        ):
            raise ValueError(
                f"host {host!r} can be reached from other machines: give control_token=... or "
                "control_api=False, or anyone there could reset the emulator"
            )
        self.limits = limits if limits is not None else ServerLimits()
        self.emulator = emulator
        self._map: dict[int, Any] = {}
        # Bind here rather than in waitress: a failed bind then leaves no half-built server
        # (worker threads, wake-up pipe) behind, and a name such as "localhost" that resolves to
        # several addresses still yields one socket and one URL.
        family, socktype, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
        sock = socket.socket(family, socktype, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
        except OSError:
            sock.close()
            raise
        server = create_server(
            emulator,
            map=self._map,
            sockets=[sock],
            threads=threads,
            ident="profitbricks-emulator",
            asyncore_use_poll=True,
            # The emulator is reached directly; no proxy headers to trust or strip.
            clear_untrusted_proxy_headers=False,
            # The map also holds the listening socket and the wake-up pipe. The loop below makes
            # room before waitress's own limit is reached, and enforces the idle timeout itself.
            connection_limit=self.limits.connection_limit + 3,
            channel_timeout=math.ceil(self.limits.idle_timeout) + 1,
        )
        assert isinstance(server, BaseWSGIServer)
        stats = getattr(emulator, "stats", None)
        # waitress builds each connection from its server's channel_class attribute.
        server.channel_class = _channel_class(stats if isinstance(stats, Stats) else None)
        self._server = server
        self._next_check = 0.0
        host_name, port_text = server.getsockname()
        self.host: str = host_name
        self.port: int = int(port_text)
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url = f"http://{shown}:{self.port}"
        self.url = self.base_url + emulator.base_path
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._close_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<EmulatorServer {self.url}>"

    def start(self) -> EmulatorServer:
        """Serve in a daemon thread and return ``self``; raises ``RuntimeError`` if closed."""
        if self._closed or self._thread is not None:
            raise RuntimeError("the server was already started or stopped")
        self._thread = threading.Thread(
            target=self._run, name=f"profitbricks-emulator:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and join the threads; safe to call twice."""
        self._stopping.set()
        self._wake()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._close()

    def serve_forever(self, *, handle_signals: bool = True) -> None:
        """Serve in the calling thread until :meth:`stop`, SIGINT or SIGTERM, then close.

        With ``handle_signals`` (only possible in the main thread) SIGINT and SIGTERM stop the
        server cleanly and the previous handlers are restored on return.
        """
        previous: dict[signal.Signals, Any] = {}
        if handle_signals:
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, self._on_signal)
        try:
            self._run(_SIGNAL_LOOP_TIMEOUT if handle_signals else _LOOP_TIMEOUT)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self._close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stopping.set()

    def _wake(self) -> None:
        if not self._closed:
            # An OSError means the trigger is already closed: the loop is gone.
            with contextlib.suppress(OSError):
                self._server.pull_trigger()

    def _run(self, timeout: float = _LOOP_TIMEOUT) -> None:
        timeout = min(timeout, self.limits.check_interval)
        channels = self._channels()
        limit = self.limits.connection_limit
        while not self._stopping.is_set() and self._map:
            wasyncore.loop(timeout=timeout, map=self._map, use_poll=True, count=1)
            now = time.monotonic()
            if len(channels) >= limit or now >= self._next_check:
                self._next_check = now + self.limits.check_interval
                self._enforce_limits(now)

    def _channels(self) -> dict[int, HTTPChannel]:
        """waitress's map of open connections by file descriptor (mistyped in its stubs)."""
        channels: dict[int, HTTPChannel] = self._server.active_channels  # type: ignore[assignment]
        return channels

    def _enforce_limits(self, now: float) -> None:
        """Close overdue connections; at the connection limit, also the longest-waiting ones.

        Runs in the event loop thread, which alone reads requests, and only touches connections
        with no request queued or being served, which no worker thread holds.
        """
        limits = self.limits
        waiting: list[tuple[float, _Channel]] = []
        channels = self._channels()
        for channel in list(channels.values()):
            if not isinstance(channel, _Channel):
                continue
            times = _waiting_since(channel, limits)
            if times is None:
                continue
            since, deadline = times
            if now >= deadline:
                channel.handle_close()
            else:
                waiting.append((since, channel))
        # Room for one more connection: the listening socket is not polled at the limit.
        excess = len(channels) - limits.connection_limit + 1
        if excess > 0:
            waiting.sort(key=lambda item: item[0])
            for _since, channel in waiting[:excess]:
                channel.handle_close()

    def _close(self) -> None:
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
            # Workers finish (or drop) their tasks before their channels go away.
            self._server.task_dispatcher.shutdown()
            wasyncore.close_all(self._map)
