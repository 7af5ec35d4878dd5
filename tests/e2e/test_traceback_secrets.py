"""No frame of an SDK error holds the password or the Authorization header, in any failure mode.

Error reporters (pytest --showlocals, Sentry, ``TracebackException(capture_locals=True)``) render
the locals of every frame of an exception and of its causes. Each failure mode below is provoked
with a canary password (also used as an image password and a user password in request bodies),
then the whole chain is rendered with its locals and searched for the canary and for its Basic
token.
"""

from __future__ import annotations

import base64
import socket
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from profitbricks.client import ProfitBricksService, User, Volume
from profitbricks.emulator.testing import EmulatorHandle
from profitbricks.errors import PBError

from .hostile import HostileServer, answer, hostile_server, raw, trickle

CANARY_USER = "canary@example.com"
CANARY = "Canary9f3c2e7dPW"
TOKEN = base64.b64encode(f"{CANARY_USER}:{CANARY}".encode()).decode()
DC = "0c5b4a3e-6a1f-4c8e-9d2a-7b1e3f5a9c0d"
LOCATION = {"Location": f"http://127.0.0.1/cloudapi/v4/requests/{DC}/status"}


def rendered(error: BaseException) -> str:
    """Everything a reporter capturing locals shows for ``error`` and its chain."""
    parts = []
    exc = traceback.TracebackException.from_exception(error, capture_locals=True)
    parts.append("".join(exc.format()))
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(repr(current))
        parts.append(repr(current.args))
        parts.append(repr(vars(current)))
        tb = current.__traceback__
        while tb is not None:
            parts.extend(f"{name}={value!r}" for name, value in tb.tb_frame.f_locals.items())
            tb = tb.tb_next
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def assert_clean(error: BaseException) -> None:
    text = rendered(error)
    assert CANARY not in text
    assert TOKEN not in text


def test_the_search_finds_a_canary_in_a_frame_local() -> None:
    # Positive control: a frame holding the canary in a plain local is caught.
    def leaky(secret: str) -> None:
        raise PBError(None, "boom")

    with pytest.raises(PBError) as info:
        leaky(CANARY)
    with pytest.raises(AssertionError):
        assert_clean(info.value)


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as hostile:
        yield hostile


def client_for(url: str, **options: Any) -> ProfitBricksService:
    options.setdefault("retries", 1)
    client = ProfitBricksService(
        CANARY_USER, CANARY, host_base=url, use_config=False, use_keyring=False, **options
    )
    client.pipeline.sleep = lambda seconds: None
    return client


VOLUME = Volume(name="v", size=10, image_alias="ubuntu:16.04", image_password=CANARY)
USER = User(firstname="C", lastname="B", email="c@example.com", password=CANARY)

CALLS: dict[str, Callable[[ProfitBricksService], Any]] = {
    "get_datacenter": lambda client: client.get_datacenter(DC),
    "create_volume": lambda client: client.create_volume(DC, VOLUME),
    "create_user": lambda client: client.create_user(USER),
    "delete_datacenter": lambda client: client.delete_datacenter(DC),
}

BEHAVIOURS = {
    "cut-in-headers": raw(b"HTTP/1.1 200 OK\r\nContent-Le"),
    "closed-at-once": raw(b""),
    "truncated-body": raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"),
    "not-json": answer(200, b"<html>oops</html>"),
    "no-body": answer(200, b""),
    "no-location": answer(202, b""),
    "oversized": raw(b"HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\n", close=False),
    "401": answer(401, b'{"httpStatus": 401, "messages": []}'),
    "429": answer(429, b"{}", headers={"Retry-After": "0"}),
    "500": answer(500, b'{"httpStatus": 500, "messages": []}'),
    "502-html": answer(502, b"<html>Bad Gateway</html>"),
    "redirect": answer(302, b"", headers={"Location": "http://localhost:1/x"}),
    "trickle": trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ", every=0.05, total=5),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("mode", sorted(BEHAVIOURS))
def test_no_secret_in_any_failure(server: HostileServer, mode: str, call: str) -> None:
    server.behaviour = BEHAVIOURS[mode]
    client = client_for(server.url, deadline=0.5 if mode == "trickle" else 30)
    with pytest.raises(PBError) as info:
        CALLS[call](client)
    assert_clean(info.value)
    client.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("call", sorted(CALLS))
def test_no_secret_when_the_connection_is_refused(call: str) -> None:
    client = client_for(f"http://127.0.0.1:{_free_port()}/cloudapi/v4")
    with pytest.raises(PBError) as info:
        CALLS[call](client)
    error = info.value
    assert error.resp is None
    assert "cannot connect" in str(error)
    # The cause keeps its type and message, and none of its frames.
    assert error.__cause__ is not None
    assert error.__cause__.__traceback__ is None
    assert error.__context__ is None
    assert_clean(error)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_no_secret_when_tls_fails(server: HostileServer, call: str) -> None:
    server.on_connect = lambda conn: conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    client = client_for(f"https://127.0.0.1:{server.port}/cloudapi/v4")
    with pytest.raises(PBError) as info:
        CALLS[call](client)
    assert "TLS" in str(info.value)
    assert_clean(info.value)


def test_no_secret_on_a_read_timeout(server: HostileServer) -> None:
    server.behaviour = lambda conn, request: None
    client = client_for(server.url, timeout=0.2, retries=0)
    with pytest.raises(PBError) as info:
        client.get_datacenter(DC)
    assert "read timeout" in str(info.value)
    assert_clean(info.value)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_no_secret_through_the_in_process_transport(emulator: EmulatorHandle, call: str) -> None:
    from profitbricks.emulator.testing import InMemoryTransport

    transport = InMemoryTransport(emulator.emulator, CANARY_USER, CANARY, base_url=emulator.url)
    client = ProfitBricksService(
        CANARY_USER, CANARY, transport=transport, use_config=False, use_keyring=False
    )
    with pytest.raises(PBError) as info:
        CALLS[call](client)
    assert info.value.resp == 401
    assert_clean(info.value)
