"""A broken or hostile server never yields success, a hang, a huge allocation or a leaked header.

Every case talks to a real local socket server (``hostile.py``) through the public client, on each
network transport (urllib3's pool, and the command line's http.client connection), and asserts
the documented exception: ``PBError`` with the status when there was one, ``resp=None``
for a network failure, and a message that says what was wrong.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from profitbricks._simple_transport import SimpleTransport
from profitbricks._transport import HttpTransport
from profitbricks.client import Datacenter, ProfitBricksService
from profitbricks.errors import PBError

from .hostile import HostileServer, answer, hostile_server, raw, trickle
from .pipelines import service_on

Transport = type[HttpTransport] | type[SimpleTransport]

DC = "0c5b4a3e-6a1f-4c8e-9d2a-7b1e3f5a9c0d"
LOCATION = {"Location": f"http://127.0.0.1/cloudapi/v4/requests/{DC}/status"}
DOC = b'{"id": "x", "type": "datacenter", "properties": {}}'


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as hostile:
        yield hostile


def client_for(server: HostileServer, transport: Transport, **options: Any) -> ProfitBricksService:
    """A client of ``server`` on ``transport`` (no retries unless ``options`` ask for them)."""
    options.setdefault("retries", 0)
    client = service_on(transport, server.url, "user", "secret", **options)
    client.pipeline.sleep = lambda seconds: None
    return client


def failure(
    server: HostileServer, transport: Transport, call: str = "get", **options: Any
) -> PBError:
    """The PBError a call raises against the server's current behaviour."""
    client = client_for(server, transport, **options)
    calls = {
        "get": lambda: client.get_datacenter(DC),
        "create": lambda: client.create_datacenter(Datacenter(name="x", location="de/fra")),
        "delete": lambda: client.delete_datacenter(DC),
    }
    with pytest.raises(PBError) as info:
        calls[call]()
    client.close()
    return info.value


# The reply is not what the operation returns


def test_empty_200_for_a_document_is_an_error(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = answer(200, b"")
    error = failure(server, transport_class)
    assert error.resp == 200
    assert "no body" in str(error)
    assert "get_datacenter" in str(error)


def test_empty_202_for_a_create_is_an_error(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = answer(202, b"", headers=LOCATION)
    error = failure(server, transport_class, "create")
    assert error.resp == 202
    assert "no body" in str(error)


def test_202_without_location_is_an_error(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = answer(202, DOC)
    error = failure(server, transport_class, "create")
    assert error.resp == 202
    assert "no Location header" in str(error)


def test_empty_202_without_location_for_a_delete_is_an_error(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = answer(202, b"")
    error = failure(server, transport_class, "delete")
    assert "no Location header" in str(error)


def test_empty_202_with_location_for_a_delete_is_success(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = answer(202, b"", headers=LOCATION)
    client = client_for(server, transport_class)
    assert client.delete_datacenter(DC) == {"requestId": DC}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"<html><body>Service moved</body></html>", "not JSON: Service moved"),
        (b'{"id": "x"', "not JSON"),
        (b"[1, 2, 3]", "a JSON list, not an object"),
        (b'"text"', "a JSON str, not an object"),
        (b"[" * 100_000, "not JSON"),
    ],
    ids=["html", "cut-json", "list", "string", "deeply-nested"],
)
def test_a_2xx_body_that_is_not_a_json_object_is_an_error(
    server: HostileServer, transport_class: Transport, body: bytes, words: str
) -> None:
    server.behaviour = answer(200, body)
    error = failure(server, transport_class)
    assert error.resp == 200
    assert words in str(error)


# Broken connections


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"HTTP/1.1 200 OK\r\nContent-Le",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n",
        b"GARBAGE GARBAGE\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" * 4,
    ],
    ids=["closed-at-once", "cut-in-a-header", "cut-before-the-blank-line", "not-http", "binary"],
)
def test_a_reply_cut_inside_the_headers_is_a_network_error(
    server: HostileServer, transport_class: Transport, data: bytes
) -> None:
    server.behaviour = raw(data)
    error = failure(server, transport_class)
    assert error.resp is None
    assert "connection broken" in str(error)


def test_a_truncated_body_is_a_network_error(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + DOC[:20])
    error = failure(server, transport_class)
    assert error.resp is None
    assert "cut short" in str(error)


def test_a_truncated_chunked_body_is_a_network_error(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = raw(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + DOC[:20]
    )
    error = failure(server, transport_class)
    assert error.resp is None
    assert "connection broken" in str(error) or "cut short" in str(error)


def test_a_get_cut_short_is_retried_and_then_succeeds(
    server: HostileServer, transport_class: Transport
) -> None:
    replies = [raw(b"HTTP/1.1 200 OK\r\nContent-Le"), answer(200, DOC)]
    server.behaviour = lambda conn, request: replies.pop(0)(conn, request)
    client = client_for(server, transport_class, retries=2)
    assert client.get_datacenter(DC)["id"] == "x"
    assert len(server.requests) == 2


def test_a_post_cut_short_is_not_repeated(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = raw(b"HTTP/1.1 202 Accepted\r\nContent-Le")
    error = failure(server, transport_class, "create", retries=3)
    assert error.resp is None
    assert len(server.requests) == 1


# Sizes


def test_a_10_gib_content_length_is_refused_without_allocating_it(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = raw(b"HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\n{", close=False)
    tracemalloc.start()
    try:
        error = failure(server, transport_class)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.resp == 200
    assert "declares 10737418240 bytes, more than max_reply_bytes" in str(error)
    assert peak < 10 * 1024 * 1024


def test_a_declared_size_over_the_limit_is_refused(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = answer(200, b'{"pad": "' + b"x" * 5000 + b'"}')
    error = failure(server, transport_class, max_reply_bytes=4096)
    assert "more than max_reply_bytes (4096)" in str(error)


def test_an_undeclared_size_over_the_limit_is_refused(
    server: HostileServer, transport_class: Transport
) -> None:
    body = b'{"pad": "' + b"x" * 50_000 + b'"}'
    server.behaviour = raw(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body)
    error = failure(server, transport_class, max_reply_bytes=4096)
    assert error.resp == 200
    assert "longer, more than max_reply_bytes (4096)" in str(error)


def test_a_reply_within_the_limit_is_read(
    server: HostileServer, transport_class: Transport
) -> None:
    body = b'{"id": "x", "pad": "' + b"x" * 3000 + b'"}'
    server.behaviour = raw(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body)
    client = client_for(server, transport_class, max_reply_bytes=4096)
    assert client.get_datacenter(DC)["id"] == "x"


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10"])
def test_max_reply_bytes_must_be_a_positive_integer(value: Any) -> None:
    with pytest.raises(PBError, match="max_reply_bytes must be an integer"):
        ProfitBricksService("u", "p", use_config=False, max_reply_bytes=value)


# Time


@pytest.mark.parametrize(
    "head",
    [b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", b"HTTP/1.1 200 OK\r\nX-Slow: "],
    ids=["in-the-body", "in-the-headers"],
)
def test_a_trickling_server_is_cut_off_at_the_deadline(
    server: HostileServer, transport_class: Transport, head: bytes
) -> None:
    server.behaviour = trickle(head, every=0.05, total=8)
    started = time.monotonic()
    error = failure(server, transport_class, deadline=0.6, timeout=5)
    elapsed = time.monotonic() - started
    assert error.resp is None
    assert "deadline" in str(error)
    assert elapsed < 2.5


def test_the_deadline_also_bounds_retries(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = answer(503, b"{}")
    client = client_for(server, transport_class, retries=50, deadline=0.5)
    client.pipeline.sleep = time.sleep
    started = time.monotonic()
    with pytest.raises(PBError) as info:
        client.get_datacenter(DC)
    assert time.monotonic() - started < 2.0
    assert info.value.resp == 503


@pytest.mark.parametrize("value", [0, -1, float("inf"), float("nan"), True, "5"])
def test_the_deadline_must_be_a_positive_finite_number(value: Any) -> None:
    with pytest.raises(PBError, match="deadline must be a finite number"):
        ProfitBricksService("u", "p", use_config=False, deadline=value)


def test_the_default_deadline_is_finite() -> None:
    client = ProfitBricksService("u", "p", use_config=False)
    assert client.deadline == 300.0


# Redirects and error pages


def test_a_redirect_to_another_host_is_not_followed(
    server: HostileServer, transport_class: Transport
) -> None:
    with hostile_server(answer(200, DOC)) as other:
        server.behaviour = answer(
            302, b"", headers={"Location": f"http://localhost:{other.port}/cloudapi/v4/x"}
        )
        error = failure(server, transport_class)
        assert error.resp == 302
        assert other.requests == []
        assert other.connections == 0


def test_an_html_502_is_retried_then_raised_with_an_excerpt(
    server: HostileServer, transport_class: Transport
) -> None:
    page = b"<html><head><title>502</title></head><body><h1>Bad Gateway</h1> nginx</body></html>"
    server.behaviour = answer(502, page, headers={"Content-Type": "text/html"})
    error = failure(server, transport_class, retries=2)
    assert error.resp == 502
    assert "Bad Gateway" in str(error)
    assert "<h1>" not in str(error)
    assert len(server.requests) == 3


# Kept-alive connections


def _closed_by_the_server(server: HostileServer) -> None:
    """Wait until the server has closed every connection it served (its threads ended)."""
    for thread in server._threads:
        thread.join(timeout=5)


def test_calls_share_one_kept_alive_connection(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = answer(200, DOC)
    client = client_for(server, transport_class)
    for _ in range(3):
        assert client.get_datacenter(DC)["id"] == "x"
    client.close()
    assert len(server.requests) == 3
    assert server.connections == 1


@pytest.mark.parametrize("call", ["get", "create"])
def test_a_connection_closed_while_idle_is_reopened_before_sending(
    server: HostileServer, transport_class: Transport, call: str
) -> None:
    # A complete answer, then the server ends the connection (an idle timeout): the next call,
    # even a POST, goes out once on a new connection, without any retry.
    server.behaviour = raw(
        b"HTTP/1.1 202 Accepted\r\nContent-Length: %d\r\nLocation: %s\r\n\r\n%s"
        % (len(DOC), LOCATION["Location"].encode(), DOC)
    )
    client = client_for(server, transport_class, retries=0)
    client.get_datacenter(DC)
    _closed_by_the_server(server)
    if call == "get":
        assert client.get_datacenter(DC)["id"] == "x"
    else:
        assert client.create_datacenter(Datacenter(name="x", location="de/fra"))["id"] == "x"
    client.close()
    assert server.connections == 2
    assert [request.split(b" ", 1)[0] for request in server.requests] == [
        b"GET",
        b"GET" if call == "get" else b"POST",
    ]


def test_a_connection_closed_after_a_post_was_sent_is_not_repeated(
    server: HostileServer, transport_class: Transport
) -> None:
    # The server reads the POST and ends the connection without answering: it may have acted,
    # so the POST is not sent again, whatever the retries.
    replies = [answer(200, DOC), raw(b"")]
    server.behaviour = lambda conn, request: replies.pop(0)(conn, request)
    client = client_for(server, transport_class, retries=3)
    client.get_datacenter(DC)
    with pytest.raises(PBError) as info:
        client.create_datacenter(Datacenter(name="x", location="de/fra"))
    client.close()
    assert info.value.resp is None
    assert "connection broken" in str(info.value)
    assert [request.split(b" ", 1)[0] for request in server.requests] == [b"GET", b"POST"]


def test_a_get_whose_connection_broke_after_sending_is_repeated(
    server: HostileServer, transport_class: Transport
) -> None:
    replies = [answer(200, DOC), raw(b""), answer(200, DOC)]
    server.behaviour = lambda conn, request: replies.pop(0)(conn, request)
    client = client_for(server, transport_class, retries=1)
    client.get_datacenter(DC)
    assert client.get_datacenter(DC)["id"] == "x"
    client.close()
    assert len(server.requests) == 3
    assert server.connections == 2


def test_no_answer_within_the_read_timeout_is_a_network_error(
    server: HostileServer, transport_class: Transport
) -> None:
    server.behaviour = trickle(b"", every=0.05, total=0)
    started = time.monotonic()
    error = failure(server, transport_class, timeout=0.3)
    assert error.resp is None
    assert "no answer within the read timeout" in str(error)
    assert time.monotonic() - started < 2.5
