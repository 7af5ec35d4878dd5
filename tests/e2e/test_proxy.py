"""The SDK goes through an HTTP proxy when told to: requests leave in the proxy's absolute form."""

from __future__ import annotations

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
