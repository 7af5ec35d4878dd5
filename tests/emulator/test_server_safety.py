"""The HTTP server is safe and fair: no request smuggling, time limits, no lock-out.

Real sockets over loopback; every wait is bounded. The smuggling tests hide a DELETE of a data
centre behind a request whose framing two parsers could read differently, and prove the DELETE
never ran; the slow-client tests stall hundreds of connections and time a well-behaved client.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import time
from collections.abc import Iterator

import pytest

from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator.server import EmulatorServer, ServerLimits
from profitbricks.emulator.testing import EmulatorHandle

USER = ("safe@example.com", "safe-password")
HOST = "127.0.0.1"


def _auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _read(sock: socket.socket, seconds: float) -> tuple[bytes, bool]:
    """What the server sends within ``seconds``, and whether it closed the connection."""
    data = b""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, False
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return data, False
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk


def _statuses(data: bytes) -> list[int]:
    return [int(line[9:12]) for line in data.split(b"\r\n") if line.startswith(b"HTTP/1.")]


def _get(port: int, path: str, authorization: str, timeout: float = 5.0) -> int:
    """Status of a GET on a new connection (Connection: close); 0 when none came in time."""
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: {authorization}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        data, _closed = _read(sock, timeout)
    statuses = _statuses(data)
    return statuses[0] if statuses else 0


# --------------------------------------------------------------------------------------------
# Request smuggling


def _hidden_delete(path: str, authorization: str) -> bytes:
    return (
        f"DELETE {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: {authorization}\r\n\r\n"
    ).encode()


def _front(te_header: bytes, body: bytes, version: bytes = b"1.1") -> bytes:
    """A POST whose Content-Length covers ``body`` and which also carries ``te_header``."""
    return (
        b"POST /cloudapi/v4/datacenters HTTP/" + version + b"\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n" + te_header + b"\r\n\r\n" + body
    )


def _smuggling_shapes(hidden: bytes) -> dict[str, bytes]:
    chunked_then_hidden = b"0\r\n\r\n" + hidden
    return {
        "CL and TE chunked": _front(b"Transfer-Encoding: chunked", chunked_then_hidden),
        "TE before CL": (
            b"POST /cloudapi/v4/datacenters HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Transfer-Encoding: chunked\r\nContent-Length: "
            + str(len(chunked_then_hidden)).encode()
            + b"\r\n\r\n"
            + chunked_then_hidden
        ),
        "CL and TE chunked, HTTP/1.0": _front(
            b"Transfer-Encoding: chunked", chunked_then_hidden, b"1.0"
        ),
        "CL and TE folded onto a second line": _front(
            b"Transfer-Encoding:\r\n chunked", chunked_then_hidden
        ),
        "CL and TE with two codings": _front(
            b"Transfer-Encoding: gzip, chunked", chunked_then_hidden
        ),
        "CL and an unknown TE": _front(b"Transfer-Encoding: xchunked", chunked_then_hidden),
        "two different Content-Length": (
            b"POST /cloudapi/v4/datacenters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
            b"Content-Length: " + str(len(hidden)).encode() + b"\r\n\r\n" + hidden
        ),
        "a bare LF before Content-Length": (
            b"POST /cloudapi/v4/datacenters HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\n"
            b"Content-Length: " + str(len(hidden)).encode() + b"\r\n\r\n" + hidden
        ),
        "a chunk size with a prefix": (
            b"POST /cloudapi/v4/datacenters HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0x0\r\n\r\n" + hidden
        ),
        "a chunk longer than its size": (
            b"POST /cloudapi/v4/datacenters HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n1\r\n{}\r\n0\r\n\r\n" + hidden
        ),
    }


SHAPES = list(_smuggling_shapes(b""))


@pytest.mark.parametrize("shape", SHAPES)
def test_a_request_hidden_behind_an_ambiguous_body_never_runs(
    emulator: EmulatorHandle, shape: str
) -> None:
    authorization = _auth(emulator.username, emulator.password)
    dc_id = _create_datacenter(emulator)
    path = f"/cloudapi/v4/datacenters/{dc_id}"
    raw = _smuggling_shapes(_hidden_delete(path, authorization))[shape]
    assert emulator.server is not None
    port = emulator.server.port

    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(raw)
        data, closed = _read(sock, 3.0)

    assert _get(port, path, authorization) == 200, "the hidden DELETE ran"
    assert _statuses(data) == [400], data[:300]
    assert closed
    assert b"connection: close" in data.lower()


def _create_datacenter(emulator: EmulatorHandle) -> str:
    from profitbricks.client import Datacenter

    reply = emulator.client.create_datacenter(Datacenter(name="target", location="us/las"))
    return str(reply["id"])


def test_content_length_with_transfer_encoding_is_refused_even_alone(
    emulator: EmulatorHandle,
) -> None:
    assert emulator.server is not None
    raw = _front(b"Transfer-Encoding: chunked", b"0\r\n\r\n")

    with socket.create_connection((HOST, emulator.server.port), timeout=5) as sock:
        sock.sendall(raw)
        data, closed = _read(sock, 3.0)

    assert _statuses(data) == [400]
    assert b"Content-Length and Transfer-Encoding" in data
    assert closed


def test_a_folded_header_is_refused(emulator: EmulatorHandle) -> None:
    assert emulator.server is not None
    raw = b"GET /cloudapi/v4/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: a\r\n b\r\n\r\n"

    with socket.create_connection((HOST, emulator.server.port), timeout=5) as sock:
        sock.sendall(raw)
        data, closed = _read(sock, 3.0)

    assert _statuses(data) == [400]
    assert closed


def test_a_chunk_larger_than_any_body_is_refused_at_once(emulator: EmulatorHandle) -> None:
    assert emulator.server is not None
    raw = (
        b"POST /cloudapi/v4/datacenters HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n{}"
    )

    with socket.create_connection((HOST, emulator.server.port), timeout=5) as sock:
        sock.sendall(raw)
        data, closed = _read(sock, 3.0)

    assert _statuses(data) == [413]
    assert closed


def test_a_chunked_body_alone_is_still_served(emulator: EmulatorHandle) -> None:
    assert emulator.server is not None
    body = json.dumps({"properties": {"name": "chunked", "location": "us/las"}}).encode()
    raw = (
        b"POST /cloudapi/v4/datacenters HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: " + _auth(emulator.username, emulator.password).encode() + b"\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + f"{len(body):x}\r\n".encode()
        + body
        + b"\r\n0\r\n\r\n"
    )

    with socket.create_connection((HOST, emulator.server.port), timeout=5) as sock:
        sock.sendall(raw)
        data, closed = _read(sock, 1.0)

    assert _statuses(data) == [202]
    assert not closed


# --------------------------------------------------------------------------------------------
# Slow and idle clients


def _emulator() -> Emulator:
    return Emulator(EmulatorConfig(users=[USER], progression="immediate"))


@contextlib.contextmanager
def _stalled(port: int, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections: a third idle, a third half a head, a third a head and half a body."""
    socks: list[socket.socket] = []
    try:
        for n in range(count):
            sock = socket.create_connection((HOST, port), timeout=5)
            socks.append(sock)
            if n % 3 == 1:
                sock.sendall(b"GET /cloudapi/v4/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            elif n % 3 == 2:
                sock.sendall(
                    b"POST /cloudapi/v4/datacenters HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"pro'
                )
        yield socks
    finally:
        for sock in socks:
            sock.close()


def _served_within(port: int, seconds: float) -> float:
    """Seconds a well-behaved client needs for an authenticated GET on a new connection."""
    started = time.monotonic()
    status = _get(port, "/cloudapi/v4/locations", _auth(*USER), timeout=seconds)
    elapsed = time.monotonic() - started
    assert status == 200, f"not served within {seconds} s"
    return elapsed


def test_two_hundred_stalled_connections_do_not_lock_out_a_client() -> None:
    with EmulatorServer(_emulator(), threads=2) as server, _stalled(server.port, 200):
        for _ in range(3):
            assert _served_within(server.port, 1.0) < 1.0


def test_at_the_connection_limit_the_longest_waiting_connection_makes_room() -> None:
    limits = ServerLimits(connection_limit=20)
    emulator = _emulator()
    with (
        EmulatorServer(emulator, threads=2, limits=limits) as server,
        _stalled(server.port, 60) as socks,
    ):
        assert _served_within(server.port, 1.0) < 1.0
        open_now = emulator.stats.snapshot()["connections"]["open"]
        assert open_now <= limits.connection_limit
        # The oldest stalled connections were the ones closed.
        _data, closed = _read(socks[0], 1.0)
        assert closed


@pytest.fixture(scope="module")
def strict_server() -> Iterator[EmulatorServer]:
    limits = ServerLimits(header_timeout=0.5, body_timeout=0.5, idle_timeout=1.0)
    with EmulatorServer(_emulator(), threads=2, limits=limits) as server:
        yield server


def _closed_after(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closes ``sock`` (None if not within ``seconds``)."""
    started = time.monotonic()
    _data, closed = _read(sock, seconds)
    return time.monotonic() - started if closed else None


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(
    strict_server: EmulatorServer,
) -> None:
    with socket.create_connection((HOST, strict_server.port), timeout=5) as sock:
        waited = _closed_after(sock, 3.0)
    assert waited is not None
    assert 0.3 <= waited <= 1.5


def test_a_dripping_request_head_is_closed_after_the_header_timeout(
    strict_server: EmulatorServer,
) -> None:
    head = b"GET /cloudapi/v4/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100
    with socket.create_connection((HOST, strict_server.port), timeout=5) as sock:
        started = time.monotonic()
        closed = False
        for n in range(30):  # a byte every 0.1 s: never idle, never complete
            try:
                sock.sendall(head[n : n + 1])
            except OSError:
                closed = True
                break
            _data, closed = _read(sock, 0.1)
            if closed:
                break
        waited = time.monotonic() - started
    assert closed
    assert 0.3 <= waited <= 1.5


def test_a_stalled_body_is_closed_after_the_body_timeout(strict_server: EmulatorServer) -> None:
    with socket.create_connection((HOST, strict_server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /cloudapi/v4/datacenters HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Length: 100\r\n\r\n{"
        )
        waited = _closed_after(sock, 3.0)
    assert waited is not None
    assert 0.3 <= waited <= 1.5


def _answer(sock: socket.socket, seconds: float) -> int:
    """Read one whole answer (its Content-Length body included); return its status."""
    data = b""
    deadline = time.monotonic() + seconds
    while b"\r\n\r\n" not in data or len(data) < _answer_length(data):
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        assert chunk, "closed before the answer was complete"
        data += chunk
    return _statuses(data)[0]


def _answer_length(data: bytes) -> int:
    head, _sep, _body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _colon, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(head) + 4 + int(value)
    return len(head) + 4


def test_a_kept_alive_connection_is_closed_after_the_idle_timeout(
    strict_server: EmulatorServer,
) -> None:
    request = (
        f"GET /cloudapi/v4/locations HTTP/1.1\r\nHost: {HOST}\r\n"
        f"Authorization: {_auth(*USER)}\r\n\r\n"
    ).encode()
    with socket.create_connection((HOST, strict_server.port), timeout=5) as sock:
        sock.sendall(request)
        assert _answer(sock, 2.0) == 200
        # Longer than the header timeout: between requests the idle timeout applies.
        time.sleep(0.7)
        sock.sendall(request)
        assert _answer(sock, 2.0) == 200
        waited = _closed_after(sock, 3.0)
    assert waited is not None
    assert 0.8 <= waited <= 2.0


def test_a_request_served_longer_than_every_time_limit_is_not_cut_off(
    strict_server: EmulatorServer,
) -> None:
    request = (
        f"GET /cloudapi/v4/locations HTTP/1.1\r\nHost: {HOST}\r\n"
        f"Authorization: {_auth(*USER)}\r\n\r\n"
    ).encode()
    emulator = strict_server.emulator
    assert isinstance(emulator, Emulator)
    emulator.controls.update({"latency": 1.3})
    try:
        with socket.create_connection((HOST, strict_server.port), timeout=5) as sock:
            sock.sendall(request)
            assert _answer(sock, 4.0) == 200
            emulator.controls.update({"latency": 0})
            sock.sendall(request)
            assert _answer(sock, 2.0) == 200
    finally:
        emulator.controls.update({"latency": 0})


def test_a_slow_request_within_the_limits_is_served(strict_server: EmulatorServer) -> None:
    head = (
        f"GET /cloudapi/v4/locations HTTP/1.1\r\nHost: {HOST}\r\n"
        f"Authorization: {_auth(*USER)}\r\n\r\n"
    ).encode()
    with socket.create_connection((HOST, strict_server.port), timeout=5) as sock:
        sock.sendall(head[:20])
        time.sleep(0.2)
        sock.sendall(head[20:])
        data, _closed = _read(sock, 1.0)
    assert _statuses(data) == [200]


# --------------------------------------------------------------------------------------------
# Limits


@pytest.mark.parametrize(
    "settings",
    [
        {"header_timeout": 0},
        {"body_timeout": -1.0},
        {"idle_timeout": float("inf")},
        {"header_timeout": float("nan")},
        {"connection_limit": 0},
        {"connection_limit": 2.5},
    ],
)
def test_invalid_limits_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(settings))):
        ServerLimits(**settings)  # type: ignore[arg-type]


def test_the_limits_are_checked_often_enough() -> None:
    assert ServerLimits().check_interval == 0.5
    assert ServerLimits(header_timeout=0.2).check_interval == pytest.approx(0.05)
    assert ServerLimits(body_timeout=0.001).check_interval == 0.01
