"""PUT (full replacement) and PATCH (merge) on every resource that has them (issue 8 A.1, A.13).

The routes come from the emulator's routing table and the properties from the rule modules'
field declarations, so a resource that gains PUT or PATCH, or a property, is covered without a
new test. The per-resource table below only says how to make one of each and which bodies are
valid, invalid or incomplete for it; every case is checked over HTTP.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from profitbricks.emulator.routes import ROUTES
from profitbricks.emulator.rules.validators import REQUIRED, Field
from profitbricks.emulator.testing import EmulatorHandle

from .emu_helpers import Api

_DC = "/datacenters/<dc_id>"
_SRV = _DC + "/servers/<srv_id>"
_NIC = _SRV + "/nics/<nic_id>"


def _world(api: Api, handle: EmulatorHandle) -> dict[str, str]:
    """One of each resource that has PUT or PATCH, every writable property set away from its
    default, so that a PUT leaving it out shows the default."""
    dc = api.ok(
        "POST",
        "/datacenters",
        {"properties": {"name": "dc", "location": "us/las", "description": "before"}},
    )["id"]
    d = f"/datacenters/{dc}"
    api.ok("POST", f"{d}/lans", {"properties": {"name": "lan", "public": True}})
    srv = api.server(dc, availabilityZone="ZONE_1", cpuFamily="INTEL_XEON")
    vol = api.volume(dc, bus="IDE", cpuHotPlug=True)
    # attached, so that its bus shows (null while unattached)
    api.ok("POST", f"{d}/servers/{srv}/volumes", {"id": vol})
    nic = api.ok(
        "POST",
        f"{d}/servers/{srv}/nics",
        {
            "properties": {
                "name": "n",
                "lan": 1,
                "dhcp": False,
                "nat": True,
                "firewallActive": True,
            }
        },
    )["id"]
    rule = api.ok(
        "POST",
        f"{d}/servers/{srv}/nics/{nic}/firewallrules",
        {
            "properties": {
                "name": "r",
                "protocol": "TCP",
                "sourceIp": "10.0.0.1",
                "portRangeStart": 22,
                "portRangeEnd": 22,
            }
        },
    )["id"]
    lb = api.ok("POST", f"{d}/loadbalancers", {"properties": {"name": "lb", "dhcp": False}})["id"]
    snap = api.ok(
        "POST",
        f"{d}/volumes/{vol}/create-snapshot",
        raw="name=snap&description=first",
        content_type="application/x-www-form-urlencoded",
    )["id"]
    image = handle.add_private_image(
        name="img",
        location="us/las",
        size=2,
        description="mine",
        licenceType="LINUX",
        nicHotPlug=True,
    )
    return {
        "<dc_id>": dc,
        "<srv_id>": srv,
        "<volume_id>": vol,
        "<nic_id>": nic,
        "<rule_id>": rule,
        "<lan_id>": "1",
        "<lb_id>": lb,
        "<snapshot_id>": snap,
        "<image_id>": image,
    }


@dataclass(frozen=True)
class Case:
    """Bodies (properties objects) for the PUT and PATCH of one route.

    ``full`` is a valid PUT; ``incomplete`` a PUT missing the required ``missing`` (None when
    nothing is required); ``invalid`` breaks the rule of ``bad``; ``immutable`` tries to change
    a create-only or read-only property; ``patch`` is a valid PATCH.
    """

    full: dict[str, Any]
    invalid: dict[str, Any]
    bad: str
    patch: dict[str, Any]
    incomplete: dict[str, Any] | None = None
    missing: str | None = None
    immutable: dict[str, Any] = field(default_factory=dict)


CASES: dict[str, Case] = {
    _DC: Case(
        full={"name": "after"},
        invalid={"name": "a@b"},
        bad="name",
        patch={"description": "patched"},
        incomplete={"description": "x"},
        missing="name",
        immutable={"name": "after", "location": "de/fra"},
    ),
    _SRV: Case(
        full={"name": "s2", "cores": "2", "ram": 2048},
        invalid={"cores": 1, "ram": 1000},
        bad="ram",
        patch={"name": "patched"},
        incomplete={"cores": 1},
        missing="ram",
        immutable={"cores": 1, "ram": 1024, "vmState": "SHUTOFF"},
    ),
    _DC + "/volumes/<volume_id>": Case(
        full={"size": 12, "licenceType": "WINDOWS"},
        invalid={"size": 5, "licenceType": "LINUX"},
        bad="size",
        patch={"name": "patched"},
        incomplete={"size": 12},
        missing="licenceType",
        immutable={"size": 12, "licenceType": "LINUX", "type": "SSD"},
    ),
    _NIC: Case(
        full={"lan": "1", "name": "n2"},
        invalid={"lan": 0},
        bad="lan",
        patch={"nat": False},
        incomplete={"name": "x"},
        missing="lan",
        immutable={"lan": 1, "mac": "02:01:00:00:00:01"},
    ),
    _NIC + "/firewallrules/<rule_id>": Case(
        full={"name": "w", "targetIp": "10.0.0.9"},
        invalid={"portRangeStart": 70000},
        bad="portRangeStart",
        patch={"sourceIp": "10.0.0.2"},
        immutable={"protocol": "UDP"},
    ),
    _DC + "/lans/<lan_id>": Case(
        full={"name": "l2"},
        invalid={"public": "maybe"},
        bad="public",
        patch={"name": "patched"},
    ),
    _DC + "/loadbalancers/<lb_id>": Case(
        full={"name": "lb2"},
        invalid={"ip": "x"},
        bad="ip",
        patch={"name": "patched"},
    ),
    "/snapshots/<snapshot_id>": Case(
        full={"name": "s2", "licenceType": "LINUX"},
        invalid={"licenceType": "BEOS"},
        bad="licenceType",
        patch={"description": "patched"},
        immutable={"size": 999},
    ),
    "/images/<image_id>": Case(
        full={"name": "i2"},
        invalid={"name": "i2", "licenceType": "BEOS"},
        bad="licenceType",
        patch={"description": "patched"},
        incomplete={"description": "x"},
        missing="name",
        immutable={"name": "i2", "imageType": "CDROM"},
    ),
}

PUT_ROUTES = [path for path, table in ROUTES if "PUT" in table and not path.startswith("/um/")]
PATCH_ROUTES = [path for path, table in ROUTES if "PATCH" in table]


def test_every_put_and_patch_route_has_a_case() -> None:
    assert set(CASES) == set(PUT_ROUTES) == set(PATCH_ROUTES)


def _fields(route: str) -> dict[str, Field]:
    handler = dict(ROUTES)[route]["PUT"]
    fields: dict[str, Field] = sys.modules[handler.__module__].FIELDS  # type: ignore[attr-defined]
    return fields


def _path(route: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        route = route.replace(name, value)
    assert "<" not in route, route
    return route


def _dc_version(api: Api, ids: dict[str, str]) -> Any:
    return api.get(f"/datacenters/{ids['<dc_id>']}").json["properties"]["version"]


def _message(reply: Any) -> str:
    assert reply.status == 422, (reply.status, reply.text[:300])
    return str(reply.message)


Setup = Callable[[], tuple[Api, dict[str, str]]]


@pytest.fixture
def world(api: Api, emulator: EmulatorHandle) -> tuple[Api, dict[str, str]]:
    return api, _world(api, emulator)


@pytest.mark.parametrize("route", PUT_ROUTES)
def test_put_replaces_every_writable_property(route: str, world: Any) -> None:
    api, ids = world
    case = CASES[route]
    path = _path(route, ids)
    before = api.get(path).json
    version = _dc_version(api, ids)
    reply = api.call("PUT", path, {"properties": case.full})
    assert reply.status == 202, reply.text[:300]
    assert reply.headers["Location"].endswith("/status")
    echo = reply.json
    assert list(echo) == ["id", "type", "href", "metadata", "properties"]
    assert echo["id"] == before["id"]
    assert echo["metadata"]["state"] == "BUSY"
    fields = _fields(route)
    for name, spec in fields.items():
        if name not in before["properties"]:  # write-only inputs (a volume's imageAlias)
            assert name not in echo["properties"], name
            continue
        if name in case.full:
            expected = spec.coerce(name, case.full[name], "")
        elif spec.access == "rw":
            assert spec.default is not REQUIRED, name
            expected = spec.default
        else:
            expected = before["properties"][name]
        assert echo["properties"][name] == expected, name
    after = api.get(path).json
    assert after["metadata"]["etag"] != before["metadata"]["etag"]
    assert after["metadata"]["state"] == "AVAILABLE"
    for name, spec in fields.items():
        if spec.access == "c":
            assert after["properties"].get(name) == before["properties"].get(name), name
    if "<dc_id>" in route:
        assert _dc_version(api, ids) > version


@pytest.mark.parametrize("route", PUT_ROUTES)
def test_put_validation_is_the_resources_and_changes_nothing(route: str, world: Any) -> None:
    api, ids = world
    case = CASES[route]
    path = _path(route, ids)
    before = api.get(path).json
    message = _message(api.call("PUT", path, {"properties": case.invalid}))
    assert f"[(root).properties.{case.bad}] Attribute '{case.bad}' " in message
    # the same rule, the same words, as a PATCH of the property
    patched = _message(api.call("PATCH", path, {case.bad: case.invalid[case.bad]}))
    assert patched.split("] ", 1)[1] == message.split("] ", 1)[1]
    unknown = _message(api.call("PUT", path, {"properties": {**case.full, "colour": "red"}}))
    assert "Attribute 'colour' is not a property of a" in unknown
    entities = {"properties": case.full, "entities": {"nics": {"items": []}}}
    assert "Attribute 'entities' is not allowed in a PUT" in _message(
        api.call("PUT", path, entities)
    )
    if case.immutable:
        changed = _message(api.call("PUT", path, {"properties": case.immutable}))
        assert "cannot be changed" in changed or "is read-only" in changed
    if case.missing is not None:
        assert case.incomplete is not None
        assert _fields(route)[case.missing].default is REQUIRED or route.endswith("<volume_id>")
        incomplete = _message(api.call("PUT", path, {"properties": case.incomplete}))
        assert f"Attribute '{case.missing}' is required" in incomplete
        nulled = {**case.full, case.missing: None}
        assert f"'{case.missing}' is required" in _message(
            api.call("PUT", path, {"properties": nulled})
        )
    else:
        assert not any(f.default is REQUIRED for f in _fields(route).values())
    assert api.get(path).json == before


@pytest.mark.parametrize("route", PATCH_ROUTES)
def test_patch_merges_the_given_properties(route: str, world: Any) -> None:
    api, ids = world
    case = CASES[route]
    path = _path(route, ids)
    before = api.get(path).json["properties"]
    echo = api.ok("PATCH", path, case.patch)
    assert echo["metadata"]["state"] == "BUSY"
    assert "entities" not in echo
    for name, value in before.items():
        if name in case.patch:
            assert echo["properties"][name] == case.patch[name], name
        elif name not in ("version", "vmState", "ips", "mac"):
            assert echo["properties"][name] == value, name
    wrapped = api.ok("PATCH", path, {"properties": {case.bad: before[case.bad]}})
    assert wrapped["properties"][case.bad] == before[case.bad]
    assert case.bad in _message(api.call("PATCH", path, {case.bad: case.invalid[case.bad]}))


def test_put_of_a_volume_from_an_image_takes_its_licence_and_flags(api: Api) -> None:
    dc = api.datacenter()
    body = {"properties": {"size": 10, "image": "0d4f97f0-1689-11e7-97ce-525400f64d8d"}}
    body["properties"]["imagePassword"] = "secretpassword123"
    vol = api.ok("POST", f"/datacenters/{dc}/volumes", body)["id"]
    path = f"/datacenters/{dc}/volumes/{vol}"
    licence = api.get(path).json["properties"]["licenceType"]
    echo = api.ok("PUT", path, {"properties": {"size": 11}})
    assert echo["properties"]["licenceType"] == licence == "LINUX"
    refused = api.call("PUT", path, {"properties": {"size": 11, "licenceType": "WINDOWS"}})
    assert "cannot be changed for a volume created from a public image" in _message(refused)


def test_put_of_a_server_drops_the_boot_device_it_leaves_out(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    vol = api.volume(dc)
    api.ok("POST", f"/datacenters/{dc}/servers/{srv}/volumes", {"id": vol})
    path = f"/datacenters/{dc}/servers/{srv}"
    assert api.get(path).json["properties"]["bootVolume"]["id"] == vol
    kept = api.ok("PUT", path, {"properties": {"cores": 1, "ram": 1024, "bootVolume": vol}})
    assert kept["properties"]["bootVolume"]["id"] == vol
    dropped = api.ok("PUT", path, {"properties": {"cores": 1, "ram": 1024}})
    assert dropped["properties"]["bootVolume"] is None
    assert api.get(f"{path}/volumes/{vol}").status == 200  # still attached


def test_put_of_a_nic_without_ips_gets_a_new_address(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    path = f"/datacenters/{dc}/servers/{srv}/nics"
    nic = api.ok("POST", path, {"properties": {"lan": 1, "ips": ["10.9.9.9"]}})["id"]
    echo = api.ok("PUT", f"{path}/{nic}", {"properties": {"lan": 1}})
    assert echo["properties"]["ips"] == []
    ips = api.get(f"{path}/{nic}").json["properties"]["ips"]
    assert len(ips) == 1
    assert ips != ["10.9.9.9"]


def test_put_on_a_public_image_is_forbidden(api: Api) -> None:
    reply = api.call(
        "PUT", "/images/0d4f97f0-1689-11e7-97ce-525400f64d8d", {"properties": {"name": "x"}}
    )
    assert reply.status == 403


def test_put_on_a_missing_resource_is_404_before_the_body(api: Api) -> None:
    dc = api.datacenter()
    for path in (
        "/datacenters/fake_id",
        f"/datacenters/{dc}/servers/fake_id",
        f"/datacenters/{dc}/lans/9",
        "/snapshots/fake_id",
    ):
        assert api.call("PUT", path, raw="{bad json").status == 404, path


def test_put_on_groups_users_and_shares_merges(api: Api) -> None:
    # WIRE.md 10: a group PUT with name and createDataCenter only keeps the rest.
    group = api.ok("POST", "/um/groups", {"properties": {"name": "g", "createSnapshot": True}})[
        "id"
    ]
    echo = api.ok(
        "PUT", f"/um/groups/{group}", {"properties": {"name": "g2", "createDataCenter": False}}
    )
    assert echo["properties"]["name"] == "g2"
    assert echo["properties"]["createSnapshot"] is True
    dc = api.datacenter()
    share = f"/um/groups/{group}/shares/{dc}"
    api.ok("POST", share, {"properties": {"editPrivilege": True}})
    put = api.ok("PUT", share, {"properties": {"sharePrivilege": True}})
    assert put["properties"] == {"editPrivilege": True, "sharePrivilege": True}


def test_put_of_null_is_the_default(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc, availabilityZone="ZONE_2")
    echo = api.ok(
        "PUT",
        f"/datacenters/{dc}/servers/{srv}",
        {"properties": {"cores": 1, "ram": 1024, "availabilityZone": None, "name": None}},
    )
    assert echo["properties"]["availabilityZone"] == "AUTO"
    assert echo["properties"]["name"] is None
    lan = api.ok("POST", f"/datacenters/{dc}/lans", {"properties": {"public": True}})["id"]
    put = api.ok("PUT", f"/datacenters/{dc}/lans/{lan}", {"properties": {"public": None}})
    assert put["properties"]["public"] is False
