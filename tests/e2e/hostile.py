"""A local socket server that answers however a test tells it to: broken, slow, lying, hostile.

Each accepted connection has its request head (and a ``Content-Length`` body) read, then the
current behaviour is called with the socket and the raw request. The server counts connections
and keeps the requests, so a test can assert what reached it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

Behaviour = Callable[[socket.socket, bytes], None]


class HostileServer:
    """A threaded TCP server on 127.0.0.1 with a replaceable behaviour."""

    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.behaviour: Behaviour = behaviour or answer(200, b"{}")
        #: when set, called with each new connection instead of reading requests (a server that
        #: speaks first, e.g. plain HTTP where the client starts TLS)
        self.on_connect: Callable[[socket.socket], None] | None = None
        self.requests: list[bytes] = []
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._open: list[socket.socket] = []
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/cloudapi/v4"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            self._open.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        with contextlib.suppress(OSError), conn:
            if self.on_connect is not None:
                self.on_connect(conn)
                return
            while not self._stop.is_set():
                request = read_request(conn)
                if not request:
                    return
                self.requests.append(request)
                self.behaviour(conn, request)
                if b"connection: close" in request.lower():
                    return

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._accepter.join(timeout=5)
        for conn in self._open:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)


def read_request(conn: socket.socket) -> bytes:
    """One request (head and ``Content-Length`` body) from ``conn``; b"" at end of stream."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


def answer(
    status: int,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    reason: str = "Whatever",
) -> Behaviour:
    """A well-formed answer with ``Content-Length`` (and any ``headers``)."""

    def behaviour(conn: socket.socket, request: bytes) -> None:
        lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    return behaviour


def raw(data: bytes, *, close: bool = True) -> Behaviour:
    """Send ``data`` as it is, then close the connection (or keep it open)."""

    def behaviour(conn: socket.socket, request: bytes) -> None:
        conn.sendall(data)
        if close:
            conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    return behaviour


def trickle(head: bytes, *, every: float, total: float) -> Behaviour:
    """Send ``head`` then one byte every ``every`` seconds for at most ``total`` seconds."""

    def behaviour(conn: socket.socket, request: bytes) -> None:
        conn.sendall(head)
        ends = time.monotonic() + total
        while time.monotonic() < ends:
            time.sleep(every)
            conn.sendall(b" ")

    return behaviour


@contextlib.contextmanager
def hostile_server(behaviour: Behaviour | None = None) -> Iterator[HostileServer]:
    server = HostileServer(behaviour)
    try:
        yield server
    finally:
        server.close()
