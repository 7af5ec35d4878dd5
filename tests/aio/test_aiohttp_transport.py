"""The aiohttp transport against a broken or hostile server: the blocking client's answers.

The same socket server as ``tests/e2e/test_hostile_server.py``; each case asserts what the
blocking client asserts there, through the asyncio client.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from profitbricks.client import Datacenter
from profitbricks.errors import PBError

from ..bridge import Blocking, blocking
from ..e2e.hostile import HostileServer, answer, hostile_server, raw, trickle

DC = "0c5b4a3e-6a1f-4c8e-9d2a-7b1e3f5a9c0d"
DOC = b'{"id": "x", "type": "datacenter", "properties": {}}'


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as hostile:
        yield hostile


def failure(server: HostileServer, call: str = "get", **options: Any) -> PBError:
    options.setdefault("retries", 0)
    with blocking(
        "user", "secret", host_base=server.url, use_config=False, use_keyring=False, **options
    ) as client:
        calls = {
            "get": lambda: client.get_datacenter(DC),
            "create": lambda: client.create_datacenter(Datacenter(name="x", location="de/fra")),
        }
        with pytest.raises(PBError) as info:
            calls[call]()
    return info.value


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"HTTP/1.1 200 OK\r\nContent-Le",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n",
        b"GARBAGE GARBAGE\r\n\r\n",
    ],
    ids=["closed-at-once", "cut-in-a-header", "cut-before-the-blank-line", "not-http"],
)
def test_a_reply_cut_inside_the_headers_is_a_network_error(
    server: HostileServer, data: bytes
) -> None:
    server.behaviour = raw(data)
    error = failure(server)
    assert error.resp is None
    assert "connection broken" in str(error)
    assert error.__cause__ is not None
    assert error.__cause__.__traceback__ is None


def test_a_truncated_body_is_a_network_error(server: HostileServer) -> None:
    server.behaviour = raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + DOC[:20])
    error = failure(server)
    assert error.resp is None
    assert "cut short" in str(error)


def test_a_post_cut_short_is_not_repeated(server: HostileServer) -> None:
    server.behaviour = raw(b"HTTP/1.1 202 Accepted\r\nContent-Le")
    error = failure(server, "create", retries=3)
    assert error.resp is None
    assert len(server.requests) == 1


def test_a_10_gib_content_length_is_refused_without_allocating_it(server: HostileServer) -> None:
    server.behaviour = raw(b"HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\n{", close=False)
    tracemalloc.start()
    try:
        error = failure(server)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.resp == 200
    assert "declares 10737418240 bytes, more than max_reply_bytes" in str(error)
    assert peak < 10 * 1024 * 1024


def test_an_undeclared_size_over_the_limit_is_refused(server: HostileServer) -> None:
    body = b'{"pad": "' + b"x" * 50_000 + b'"}'
    server.behaviour = raw(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body)
    error = failure(server, max_reply_bytes=4096)
    assert error.resp == 200
    assert "longer, more than max_reply_bytes (4096)" in str(error)


def test_a_trickling_server_is_cut_off_at_the_deadline(server: HostileServer) -> None:
    server.behaviour = trickle(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", every=0.05, total=8
    )
    started = time.monotonic()
    error = failure(server, deadline=0.6, timeout=5)
    assert error.resp is None
    assert "deadline" in str(error)
    assert time.monotonic() - started < 2.5


def test_silence_past_the_read_timeout_is_a_network_error(server: HostileServer) -> None:
    server.behaviour = trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", every=5, total=5)
    error = failure(server, timeout=0.3)
    assert error.resp is None
    assert "read timeout" in str(error)


def test_nothing_listening_is_a_connect_failure() -> None:
    with hostile_server() as gone:
        url = gone.url
    with (
        blocking("u", "p", host_base=url, use_config=False, retries=0) as client,
        pytest.raises(PBError, match="cannot connect"),
    ):
        client.get_datacenter(DC)


def test_a_redirect_is_not_followed(server: HostileServer) -> None:
    with hostile_server(answer(200, DOC)) as other:
        server.behaviour = answer(
            302, b"", headers={"Location": f"http://localhost:{other.port}/cloudapi/v4/x"}
        )
        error = failure(server)
        assert error.resp == 302
        assert other.connections == 0


def test_an_html_502_is_retried_then_raised_with_an_excerpt(server: HostileServer) -> None:
    page = b"<html><body><h1>Bad Gateway</h1> nginx</body></html>"
    server.behaviour = answer(502, page, headers={"Content-Type": "text/html"})
    with blocking(
        "u", "p", host_base=server.url, use_config=False, use_keyring=False, retries=2
    ) as client:
        pipeline = client.pipeline
        pipeline.rand = lambda: 0.0
        with pytest.raises(PBError) as info:
            client.get_datacenter(DC)
    assert info.value.resp == 502
    assert "Bad Gateway" in str(info.value)
    assert len(server.requests) == 3


def test_the_headers_the_server_receives(server: HostileServer) -> None:
    server.behaviour = answer(200, DOC)
    with blocking("user", "secret", host_base=server.url, use_config=False) as client:
        assert isinstance(client, Blocking)
        client.get_datacenter(DC)
    head = server.requests[0].split(b"\r\n\r\n")[0].decode().lower()
    assert head.startswith(f"get /cloudapi/v4/datacenters/{DC}?depth=1 http/1.1".lower())
    assert "authorization: basic dxnlcjpzzwnyzxq=" in head
    assert "user-agent: profitbricks-sdk-python/" in head
