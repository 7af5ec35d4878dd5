"""A small HTTP forward proxy for tests, normalising paths as real proxies and servers do.

``ForwardProxy`` serves on a free loopback port in background threads. It accepts absolute-form
request targets (``GET http://host:port/path HTTP/1.1``), decodes ``%2E``/``%2e`` to ``.``,
removes dot segments (RFC 3986 section 5.2.4), records ``(method, normalised path)`` and forwards
the request to the origin with ``http.client``, relaying status, headers and body.
"""

from __future__ import annotations

import http.client
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

__all__ = ["ForwardProxy", "remove_dot_segments"]

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_ENCODED_DOT = re.compile("%2e", re.IGNORECASE)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, step by step as the RFC writes it (steps A to E)."""
    output: list[str] = []
    while path:
        if path.startswith("../"):  # A
            path = path[3:]
        elif path.startswith(("./", "/./")):  # A, B
            path = path[2:]
        elif path == "/.":  # B
            path = "/"
        elif path.startswith("/../") or path == "/..":  # C
            path = "/" + path[4:]
            if output:
                output.pop()
        elif path in (".", ".."):  # D
            path = ""
        else:  # E
            end = path.find("/", 1 if path.startswith("/") else 0)
            if end == -1:
                end = len(path)
            output.append(path[:end])
            path = path[end:]
    return "".join(output)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The reply goes out in two writes (head, then body): without this, Nagle's algorithm and
    # the client's delayed ACK hold the body back some 40 ms.
    disable_nagle_algorithm = True
    server: ForwardProxy

    def _forward(self) -> None:
        target = urlsplit(self.path)
        if target.scheme != "http" or not target.hostname:
            self.send_error(400, "absolute-form http:// request target expected")
            return
        path = remove_dot_segments(_ENCODED_DOT.sub(".", target.path)) or "/"
        self.server.record(self.command, path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        origin = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
        try:
            origin.request(
                self.command,
                path + (f"?{target.query}" if target.query else ""),
                body=body,
                headers=headers,
            )
            reply = origin.getresponse()
            data = reply.read()
        finally:
            origin.close()
        self.send_response(reply.status, reply.reason)
        for name, value in reply.getheaders():
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


class ForwardProxy(ThreadingHTTPServer):
    """The proxy on ``127.0.0.1``; ``url`` to use it, ``requests`` for what it received."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="forward-proxy"
        )

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))

    def take(self) -> list[tuple[str, str]]:
        """The requests received since the last ``take()``."""
        with self._lock:
            taken, self.requests = self.requests, []
        return taken

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()
