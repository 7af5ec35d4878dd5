"""profitbricks.emulator.testing: running_emulator, InMemoryTransport and the pytest fixtures."""

from __future__ import annotations

import json

import pytest
import urllib3

from profitbricks.client import Datacenter, ProfitBricksService
from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator.control import InvalidSetting
from profitbricks.emulator.testing import EmulatorHandle, InMemoryTransport, running_emulator
from profitbricks.errors import PBFailedRequest, PBNotAuthorizedError, PBNotFoundError


def test_running_emulator_serves_and_wires_a_client() -> None:
    users = [("jane@example.com", "jane-pw"), ("john@example.com", "john-pw")]
    with running_emulator(users) as emu:
        assert emu.url.startswith("http://127.0.0.1:")
        assert emu.url.endswith("/cloudapi/v4")
        assert (emu.username, emu.password) == users[0]
        assert emu.client is emu.client
        response = emu.client.create_datacenter(Datacenter(name="Web", location="de/fra"))
        emu.client.wait_for_completion(response)
        assert emu.client.get_datacenter(response["id"])["properties"]["name"] == "Web"
        other = emu.new_client("john@example.com", "john-pw")
        # accounts are separate: John does not see Jane's data centre
        assert other.list_datacenters()["items"] == []
        with pytest.raises(PBNotAuthorizedError):
            emu.new_client(password="wrong").list_datacenters()
        assert "jane-pw" not in repr(emu)
        url = emu.url
    with pytest.raises(urllib3.exceptions.HTTPError):
        urllib3.request("GET", url + "/locations", retries=False, timeout=5)


def test_running_emulator_passes_config() -> None:
    with running_emulator(progression="polls:1", fail_probability=1.0) as emu:
        assert str(emu.emulator.controls.progression) == "polls:1"
        response = emu.client.create_datacenter(Datacenter(name="x", location="us/las"))
        with pytest.raises(PBFailedRequest):
            emu.client.wait_for_completion(response, initial_wait=0.01, scaleup=1)


def test_running_emulator_needs_a_user() -> None:
    with pytest.raises(ValueError, match="at least one user"), running_emulator([]):
        pass


def test_in_memory_transport_drives_the_sdk() -> None:
    emulator = Emulator(EmulatorConfig(users=[("mem@example.com", "pw")], progression="immediate"))
    transport = InMemoryTransport(emulator, "mem@example.com", "pw")
    client = ProfitBricksService(
        username="mem@example.com",
        password="pw",
        transport=transport,
        use_config=False,
        use_keyring=False,
    )
    locations = client.list_locations()
    assert {item["id"] for item in locations["items"]} == {"us/las", "us/ewr", "de/fra", "de/fkb"}
    response = client.create_datacenter(Datacenter(name="In memory", location="us/las"))
    assert response["requestId"]
    client.wait_for_completion(response)
    fetched = client.get_datacenter(response["id"], depth=1)
    assert fetched["href"].startswith("http://emulator.invalid/cloudapi/v4/datacenters/")
    with pytest.raises(PBNotFoundError):
        client.get_datacenter("00000000-0000-0000-0000-000000000000")
    assert "pw" not in repr(transport)
    transport.close()


def test_in_memory_transport_raw_requests() -> None:
    emulator = Emulator(EmulatorConfig(users=[("mem@example.com", "pw")], progression="immediate"))
    headers: dict[str, str] = {}
    transport = InMemoryTransport(
        emulator,
        "mem@example.com",
        "pw",
        base_url="https://api.test:8443/cloudapi/v4/",
        headers=headers,
    )
    base = "https://api.test:8443/cloudapi/v4"
    body = json.dumps({"properties": {"name": "raw", "location": "de/fkb"}}).encode()
    sent = {"Content-Type": "application/json"}
    reply = transport.send("POST", base + "/datacenters", sent, body)
    assert reply.status == 202
    assert "/requests/" in reply.headers["Location"]
    assert json.loads(reply.body)["properties"]["name"] == "raw"
    headers["X-Trace"] = "1"
    listed = transport.send("GET", base + "/datacenters?depth=1", {}, None)
    items = json.loads(listed.body)["items"]
    assert items[0]["href"].startswith("https://api.test:8443/cloudapi/v4/")
    assert listed.headers["content-type"].startswith("application/json")
    refused = InMemoryTransport(emulator, "mem@example.com", "bad").send(
        "GET", base + "/datacenters", {}, None
    )
    assert refused.status == 401
    # The pipeline's Authorization header wins over the transport's own.
    wrong = transport.send("GET", base + "/datacenters", {"Authorization": "Basic eDp5"}, None)
    assert wrong.status == 401


def test_handle_without_server_uses_in_memory_transport() -> None:
    emulator = Emulator(EmulatorConfig(users=[("mem@example.com", "pw")], progression="immediate"))
    handle = EmulatorHandle(
        url="http://emulator.invalid/cloudapi/v4",
        username="mem@example.com",
        password="pw",
        emulator=emulator,
        server=None,
    )
    assert handle.base_url == "http://emulator.invalid"
    assert handle.client.list_datacenters()["items"] == []
    handle.close_clients()


def test_in_memory_client_sends_headers_given_and_set_later() -> None:
    emulator = Emulator(EmulatorConfig(users=[("mem@example.com", "pw")], progression="immediate"))
    handle = EmulatorHandle(
        url="http://emulator.invalid/cloudapi/v4",
        username="mem@example.com",
        password="pw",
        emulator=emulator,
        server=None,
    )
    client = handle.new_client(headers={"X-Given": "1"})
    client.headers["X-Later"] = "2"
    created = client.create_datacenter(Datacenter(name="hdr", location="us/las"))
    recorded = client.get_request(created["requestId"])["properties"]["headers"]
    assert recorded["x-given"] == "1"
    assert recorded["x-later"] == "2"
    handle.close_clients()


def _assert_fresh_then_dirty(emulator: EmulatorHandle) -> None:
    # Both tests below check the state the fixture hands them and then leave a mess behind,
    # so whichever runs second proves the reset.
    assert emulator.client.list_datacenters()["items"] == []
    settings = emulator.emulator.controls.settings()
    assert settings["progression"] == "immediate"
    assert settings["fail_probability"] == 0
    assert settings["rate_limit"] is None
    emulator.client.create_datacenter(Datacenter(name="mess", location="us/ewr"))
    emulator.configure(fail_probability=1.0, rate_limit=1000, progression="polls:5")


def test_fixture_gives_fresh_state_one(emulator: EmulatorHandle) -> None:
    _assert_fresh_then_dirty(emulator)


def test_fixture_gives_fresh_state_two(emulator: EmulatorHandle) -> None:
    _assert_fresh_then_dirty(emulator)


def test_fixture_shares_one_server(
    emulator: EmulatorHandle, emulator_server: EmulatorHandle
) -> None:
    assert emulator.url == emulator_server.url
    assert emulator.server is emulator_server.server
    with pytest.raises(InvalidSetting):
        emulator.configure(latency=-1)
