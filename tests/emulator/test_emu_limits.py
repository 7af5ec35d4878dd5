"""Contract resource limits are enforced and usage is reported."""

from __future__ import annotations

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
