"""Serve an :class:`~profitbricks.emulator.Emulator` over HTTP with waitress.

:class:`EmulatorServer` binds at construction (``port=0`` picks a free port), serves in a
background thread after :meth:`EmulatorServer.start` or in the calling thread with
:meth:`EmulatorServer.serve_forever`, and :meth:`EmulatorServer.stop` closes the listening socket,
the open connections and the worker threads.

When the application has a ``stats`` attribute (a :class:`~profitbricks.emulator.control.Stats`,
as :class:`~profitbricks.emulator.Emulator` has), the server counts there every connection it
accepts and closes; ``GET /_emulator/stats`` shows them.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Iterable
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

from .control import Stats

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["EmulatorServer"]

# How long one turn of the event loop may block. stop() wakes the loop at once; a signal handler
# must not (waitress's trigger takes a lock the interrupted loop may hold), so the loop that
# serve_forever() runs turns often enough to notice a signal quickly.
_LOOP_TIMEOUT = 1.0
_SIGNAL_LOOP_TIMEOUT = 0.2


class _WSGIApp(Protocol):
    base_path: str

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]: ...


def _counting_channel(stats: Stats) -> type[HTTPChannel]:
    """A waitress channel class that reports its connection's life to ``stats``.

    waitress builds one ``channel_class`` instance per accepted connection and registers it
    with ``add_channel``; ``del_channel`` runs when the connection is closed by either side
    (the flag makes a repeated call count once).
    """

    class CountingChannel(HTTPChannel):
        counted = False

        def add_channel(self, map: Any = None) -> None:
            super().add_channel(map)
            if not self.counted:
                self.counted = True
                stats.connection_opened()

        def del_channel(self, map: Any = None) -> None:
            super().del_channel(map)
            if self.counted:
                self.counted = False
                stats.connection_closed()

    return CountingChannel


class EmulatorServer:
    """A waitress server for one emulator on ``host``:``port`` with ``threads`` workers.

    ``url`` is the Cloud API base (``http://127.0.0.1:<port>/cloudapi/v4``), ``base_url`` the
    server root (the control API lives at ``base_url + "/_emulator/"``), ``port`` the bound port.
    Usable as a context manager: the server runs inside the ``with`` block.
    Raises ``OSError`` when the address cannot be resolved or bound.
    """

    def __init__(
        self, emulator: _WSGIApp, host: str = "127.0.0.1", port: int = 0, threads: int = 8
    ) -> None:
        if threads < 1:
            raise ValueError("threads must be >= 1")
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
        )
        assert isinstance(server, BaseWSGIServer)
        stats = getattr(emulator, "stats", None)
        if isinstance(stats, Stats):
            # waitress builds each connection from its server's channel_class attribute.
            server.channel_class = _counting_channel(stats)
        self._server = server
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
        while not self._stopping.is_set() and self._map:
            wasyncore.loop(timeout=timeout, map=self._map, use_poll=True, count=1)

    def _close(self) -> None:
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
            # Workers finish (or drop) their tasks before their channels go away.
            self._server.task_dispatcher.shutdown()
            wasyncore.close_all(self._map)
