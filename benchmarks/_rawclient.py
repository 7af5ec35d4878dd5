"""A load client much cheaper than the servers it measures: raw sockets, keep-alive, no parsing
beyond the response head's ``Content-Length``.

Each connection has at most one request in flight (no pipelining): a round sends one request on
every connection, then reads every answer. With one connection that is a plain sequential
keep-alive client; with eight, eight requests are in flight at once. About 10 us of client CPU per
request, against a few hundred for a Python WSGI server, so the server is what is measured.

``wrk`` (``apt-get install wrk``) is used instead when asked for and found on ``PATH``.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time

__all__ = ["ClientError", "keepalive_rate", "wrk_rate"]


class ClientError(Exception):
    """The server closed a connection or answered something other than the expected status."""


def _read_answer(sock: socket.socket, pending: bytearray) -> tuple[int, bytearray]:
    """Read one response from ``sock``; returns its status and the bytes after it."""
    while True:
        end = pending.find(b"\r\n\r\n")
        if end >= 0:
            break
        chunk = sock.recv(65536)
        if not chunk:
            raise ClientError("the server closed a kept-alive connection")
        pending += chunk
    head = bytes(pending[:end]).lower()
    status = int(head[9:12])
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        raise ClientError("an answer without Content-Length")
    line_end = head.find(b"\r\n", at + 2)
    length = int(head[at + 17 : line_end if line_end >= 0 else None])
    total = end + 4 + length
    while len(pending) < total:
        chunk = sock.recv(65536)
        if not chunk:
            raise ClientError("the server closed a connection mid-answer")
        pending += chunk
    return status, pending[total:]


def keepalive_rate(
    host: str,
    port: int,
    request: bytes,
    *,
    connections: int = 1,
    seconds: float = 2.0,
    max_requests: int = 1_000_000,
    expect: int = 200,
    reconnect: bool = False,
) -> float:
    """Requests per second over ``connections`` kept-alive sockets, for about ``seconds``.

    ``request`` is the whole request (head and body) sent for every call. Stops after
    ``max_requests`` at the latest. Raises :class:`ClientError` on a close or another status;
    with ``reconnect``, a connection the server closes between answers (as servers that cap
    the requests per connection do) is opened again and the request sent again.
    """

    def connect() -> socket.socket:
        sock = socket.create_connection((host, port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    socks = [connect() for _ in range(connections)]
    buffers = [bytearray() for _ in socks]
    try:
        done = 0
        started = time.perf_counter()
        deadline = started + seconds
        while done < max_requests:
            for sock in socks:
                sock.sendall(request)
            for n, sock in enumerate(socks):
                try:
                    status, buffers[n] = _read_answer(sock, buffers[n])
                except ClientError:
                    if not reconnect or buffers[n]:
                        raise
                    sock.close()
                    socks[n] = sock = connect()
                    sock.sendall(request)
                    status, buffers[n] = _read_answer(sock, buffers[n])
                if status != expect:
                    raise ClientError(f"status {status}, expected {expect}")
            done += len(socks)
            if time.perf_counter() >= deadline:
                break
        return done / (time.perf_counter() - started)
    finally:
        for sock in socks:
            sock.close()


def wrk_rate(
    url: str, headers: dict[str, str], *, connections: int, seconds: float, cpu: int | None
) -> float | None:
    """Requests per second that ``wrk`` measures for GET ``url``; None when wrk is not installed.

    One wrk thread, ``connections`` connections, ``seconds`` seconds, pinned to ``cpu`` with
    ``taskset`` when given. Raises :class:`ClientError` when wrk saw errors or non-2xx answers.
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    command = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    if cpu is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(cpu), *command]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise ClientError("wrk: " + " ".join(output.split()))
    match = re.search(r"Requests/sec:\s*([\d.]+)", output)
    if match is None:
        raise ClientError("wrk printed no rate: " + output)
    return float(match.group(1))
