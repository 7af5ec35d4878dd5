"""Contract resource limits are enforced and usage is reported."""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3

from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator.catalogue import DEFAULT_RESOURCE_LIMITS
from profitbricks.emulator.control import Controls, InvalidSetting
from profitbricks.emulator.testing import EmulatorHandle

from .emu_helpers import Api


def _limits(emulator: EmulatorHandle, **limits: int) -> None:
    contract = emulator.emulator.contract_of(emulator.username)
    contract.limits.update(limits)


def test_usage_is_reported(api: Api) -> None:
    dc = api.datacenter()
    api.server(dc, cores=3, ram=2048)
    api.volume(dc, size=10)
    api.volume(dc, size=2, type="SSD")
    limits = api.get("/contracts").json["properties"]["resourceLimits"]
    assert list(limits) == [
        "coresPerServer",
        "coresPerContract",
        "coresProvisioned",
        "ramPerServer",
        "ramPerContract",
        "ramProvisioned",
        "hddLimitPerVolume",
        "hddLimitPerContract",
        "hddVolumeProvisioned",
        "ssdLimitPerVolume",
        "ssdLimitPerContract",
        "ssdVolumeProvisioned",
        "reservableIps",
        "reservedIpsOnContract",
        "reservedIpsInUse",
    ]
    assert limits["coresProvisioned"] == 3
    assert limits["ramProvisioned"] == 2048
    assert limits["hddVolumeProvisioned"] == 10 * 1024
    assert limits["ssdVolumeProvisioned"] == 2 * 1024


def test_core_and_ram_limits(api: Api, emulator: EmulatorHandle) -> None:
    _limits(emulator, coresPerServer=4, coresPerContract=6, ramPerServer=4096, ramPerContract=6144)
    dc = api.datacenter()
    too_big = api.call(
        "POST", f"/datacenters/{dc}/servers", {"properties": {"cores": 5, "ram": 256}}
    )
    assert too_big.status == 422
    assert "coresPerServer=4" in too_big.message
    assert (
        "ramPerServer=4096"
        in api.call(
            "POST", f"/datacenters/{dc}/servers", {"properties": {"cores": 1, "ram": 4352}}
        ).message
    )
    srv = api.server(dc, cores=4, ram=4096)
    over = api.call("POST", f"/datacenters/{dc}/servers", {"properties": {"cores": 3, "ram": 256}})
    assert "coresPerContract=6" in over.message
    ram = api.call("POST", f"/datacenters/{dc}/servers", {"properties": {"cores": 1, "ram": 2304}})
    assert "ramPerContract=6144" in ram.message
    assert api.call("PATCH", f"/datacenters/{dc}/servers/{srv}", {"cores": 5}).status == 422
    assert api.call("PATCH", f"/datacenters/{dc}/servers/{srv}", {"cores": 2}).status == 202
    assert (
        api.call(
            "POST", f"/datacenters/{dc}/servers", {"properties": {"cores": 3, "ram": 256}}
        ).status
        == 202
    )


def test_storage_and_ip_limits(api: Api, emulator: EmulatorHandle) -> None:
    _limits(emulator, hddLimitPerVolume=20 * 1024, hddLimitPerContract=30 * 1024, reservableIps=3)
    dc = api.datacenter()
    big = api.call(
        "POST", f"/datacenters/{dc}/volumes", {"properties": {"size": 21, "licenceType": "LINUX"}}
    )
    assert "hddLimitPerVolume" in big.message
    vol = api.volume(dc, size=20)
    assert (
        "hddLimitPerContract"
        in api.call(
            "POST",
            f"/datacenters/{dc}/volumes",
            {"properties": {"size": 11, "licenceType": "LINUX"}},
        ).message
    )
    assert api.call("PATCH", f"/datacenters/{dc}/volumes/{vol}", {"size": 21}).status == 422
    api.ok("POST", "/ipblocks", {"properties": {"location": "us/las", "size": 2}})
    refused = api.call("POST", "/ipblocks", {"properties": {"location": "us/las", "size": 2}})
    assert refused.status == 422
    assert "reservableIps=3" in refused.message


def test_datacenter_limit(api: Api, emulator: EmulatorHandle) -> None:
    emulator.emulator.contract_of(emulator.username).datacenter_limit = 2
    api.datacenter()
    api.datacenter()
    refused = api.call("POST", "/datacenters", {"properties": {"name": "c", "location": "us/las"}})
    assert refused.status == 422
    assert "allows 2 data centers" in refused.message


def test_composite_counts_everything_it_creates(api: Api, emulator: EmulatorHandle) -> None:
    _limits(emulator, coresPerContract=3)
    body = {
        "properties": {"name": "x", "location": "us/las"},
        "entities": {
            "servers": {"items": [{"properties": {"cores": 2, "ram": 256}} for _ in range(2)]}
        },
    }
    reply = api.call("POST", "/datacenters", body)
    assert reply.status == 422
    assert "coresPerContract=3" in reply.message
    assert api.get("/datacenters").json["items"] == []


_JSON_HEADERS = {"Content-Type": "application/json"}


def _config(handle: EmulatorHandle, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    with urllib3.PoolManager(retries=False, timeout=30) as pool:
        reply = pool.request(
            method, f"{handle.base_url}/_emulator{path}", body=data, headers=_JSON_HEADERS
        )
    return reply.status, json.loads(reply.data)


def test_configured_limits_apply_to_every_contract() -> None:
    users = [("a@example.com", "pw-a"), ("b@example.com", "pw-b")]
    config = EmulatorConfig(users=users, resource_limits={"coresPerContract": 100_000})
    emulator = Emulator(config)

    for email, _ in users:
        limits = emulator.contract_of(email).limits
        assert limits == {**DEFAULT_RESOURCE_LIMITS, "coresPerContract": 100_000}
    assert "coresPerContract" in repr(config)
    emulator.reset()
    assert emulator.contract_of("b@example.com").limits["coresPerContract"] == 100_000


@pytest.mark.parametrize(
    ("limits", "words"),
    [
        ({"coresPerCluster": 1}, "unknown resource limit 'coresPerCluster'"),
        ({"reservableIps": -1}, "integer >= 0"),
        ({"ramPerServer": 1.5}, "integer >= 0"),
        ({"ramPerServer": True}, "integer >= 0"),
    ],
)
def test_invalid_configured_limits_are_value_errors(limits: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        EmulatorConfig(resource_limits=limits)
    with pytest.raises(InvalidSetting, match=words):
        Controls().update({"resource_limits": limits})


def test_control_api_changes_limits_at_once_until_reset(api: Api, emulator: EmulatorHandle) -> None:
    dc = api.datacenter()
    status, settings = _config(
        emulator, "PATCH", "/config", {"resource_limits": {"coresPerContract": 2}}
    )
    assert status == 200
    assert settings["resource_limits"] == {"coresPerContract": 2}

    limits = api.get("/contracts").json["properties"]["resourceLimits"]
    assert limits["coresPerContract"] == 2
    refused = api.call(
        "POST", f"/datacenters/{dc}/servers", {"properties": {"cores": 3, "ram": 256}}
    )
    assert "coresPerContract=2" in refused.message
    status, answer = _config(emulator, "PATCH", "/config", {"resource_limits": {"cores": 2}})
    assert status == 400
    assert "unknown resource limit 'cores'" in answer["error"]
    assert _config(emulator, "PATCH", "/config", {"resource_limits": [1]})[0] == 400
    assert _config(emulator, "GET", "/config")[1]["resource_limits"] == {"coresPerContract": 2}

    # The fixture's emulator started without overrides: a reset brings the defaults back.
    assert _config(emulator, "POST", "/reset")[0] == 200
    limits = api.get("/contracts").json["properties"]["resourceLimits"]
    assert limits["coresPerContract"] == DEFAULT_RESOURCE_LIMITS["coresPerContract"]
    emulator.configure(resource_limits={"reservableIps": 1})
    assert api.get("/contracts").json["properties"]["resourceLimits"]["reservableIps"] == 1
    emulator.configure(resource_limits=None)
    assert api.get("/contracts").json["properties"]["resourceLimits"]["reservableIps"] == 50


def test_reset_restores_the_start_up_limits() -> None:
    controls = Controls(resource_limits={"coresPerServer": 8})
    emulator = Emulator(EmulatorConfig(users=[("c@example.com", "pw")]), controls=controls)
    controls.update({"resource_limits": {"coresPerServer": 2}})
    status, body = controls.handle(emulator, "POST", "/_emulator/reset", b"")
    assert status == 200
    assert body["resource_limits"] == {"coresPerServer": 8}
    assert emulator.contract_of("c@example.com").limits["coresPerServer"] == 8
