"""The SDK goes through an HTTP proxy when told to: requests leave in the proxy's absolute form."""

from __future__ import annotations

import socket

import pytest

from profitbricks.client import CleartextCredentialsWarning, Datacenter, ProfitBricksService
from profitbricks.emulator.testing import EmulatorHandle


def test_calls_go_through_the_proxy(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The emulator's server accepts absolute-form request targets, as a forward proxy does, so it
    # stands in for one: the client names a host that does not resolve and reaches the emulator
    # only through the proxy setting.
    server_root = emulator.url.rsplit("/cloudapi/v4", 1)[0]
    monkeypatch.setenv("HTTP_PROXY", server_root)
    with pytest.warns(CleartextCredentialsWarning, match="plain http"):
        client = ProfitBricksService(
            emulator.username,
            emulator.password,
            host_base="http://api.profitbricks.invalid/cloudapi/v4",
            use_config=False,
            use_keyring=False,
        )
    assert client.proxy == server_root
    created = client.create_datacenter(Datacenter(name="via-proxy", location="us/las"))
    assert created["href"].startswith("http://api.profitbricks.invalid/cloudapi/v4/datacenters/")
    names = [dc["properties"]["name"] for dc in emulator.client.list_datacenters()["items"]]
    assert names == ["via-proxy"]
    client.close()


def test_an_empty_proxy_argument_bypasses_the_environment(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    client = ProfitBricksService(
        emulator.username, emulator.password, host_base=emulator.url, proxy=""
    )
    assert client.proxy is None
    assert client.list_datacenters()["items"] == []


def test_connections_through_a_proxy_do_not_wait_for_delayed_acks(
    emulator: EmulatorHandle,
) -> None:
    # Headers and body leave in two writes: with Nagle's algorithm on (urllib3's default behind a
    # proxy) every call with a body waited about 40 ms for the proxy's delayed ACK.
    from .forward_proxy import ForwardProxy

    with ForwardProxy() as proxy:
        client = emulator.new_client(proxy=proxy.url)
        created = client.create_datacenter(Datacenter(name="nodelay", location="de/fra"))
        assert proxy.take()[0][0] == "POST"
        manager = client.transport._pool  # type: ignore[attr-defined]
        (pool,) = manager.pools._container.values()
        sockets = [conn.sock for conn in list(pool.pool.queue) if conn is not None and conn.sock]
        assert sockets
        for sock in sockets:
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert created["properties"]["name"] == "nodelay"
        client.close()
