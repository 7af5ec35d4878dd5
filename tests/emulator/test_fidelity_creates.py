"""Creates: the resource definition, the order of required attributes, the echo (issue 8 A.2,
A.3, A.6, A.8, A.9, A.13).

The create routes are the rules registered in ``rules.base.CREATES``; the tests check them
against the routing table, so every POST of the table is either a create (refused without
``properties``) or an action, attach or member call (which has no such rule).
"""

from __future__ import annotations

from typing import Any

import pytest

from profitbricks.emulator.routes import ROUTES
from profitbricks.emulator.rules.base import CREATES
from profitbricks.emulator.rules.validators import MISSING_PROPERTIES
from profitbricks.emulator.testing import EmulatorHandle

from .emu_helpers import UBUNTU_LAS, Api

POSTS = [(path, table["POST"]) for path, table in ROUTES if "POST" in table]
CREATE_ROUTES = [path for path, handler in POSTS if handler in CREATES]

_DC = "/datacenters/<dc_id>"
_SRV = _DC + "/servers/<srv_id>"
_NIC = _SRV + "/nics/<nic_id>"
HOT_PLUG = [
    "cpuHotPlug",
    "cpuHotUnplug",
    "ramHotPlug",
    "ramHotUnplug",
    "nicHotPlug",
    "nicHotUnplug",
    "discVirtioHotPlug",
    "discVirtioHotUnplug",
    "discScsiHotPlug",
    "discScsiHotUnplug",
]


def _ids(api: Api) -> dict[str, str]:
    dc = api.datacenter()
    srv = api.server(dc)
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    lb = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {}})
    group = api.ok("POST", "/um/groups", {"properties": {"name": "g"}})
    return {
        "<dc_id>": dc,
        "<srv_id>": srv,
        "<nic_id>": nic["id"],
        "<volume_id>": api.volume(dc),
        "<lb_id>": lb["id"],
        "<group_id>": group["id"],
        "<resource_id>": dc,
    }


def _path(route: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        route = route.replace(name, value)
    assert "<" not in route, route
    return route


def _everything(api: Api) -> Any:
    return [api.get(path, depth=5).json for path in ("/datacenters", "/ipblocks", "/um/users")]


def test_the_registered_creates_are_post_routes() -> None:
    handlers = {handler for _, handler in POSTS}
    assert handlers >= CREATES
    assert len(CREATE_ROUTES) == len(CREATES) == 10


@pytest.mark.parametrize(("route", "handler"), POSTS, ids=[path for path, _ in POSTS])
def test_a_create_without_properties_is_refused(route: str, handler: Any, api: Api) -> None:
    path = _path(route, _ids(api))
    before = _everything(api)
    requests = len(api.get("/requests").json["items"])
    for body in (None, {}, {"entities": {}}, {"properties": None}):
        reply = api.call("POST", path, body)
        if handler in CREATES:
            assert reply.status == 422, (body, reply.text[:300])
            assert reply.json["messages"][0]["message"] == MISSING_PROPERTIES
            assert _everything(api) == before
            assert len(api.get("/requests").json["items"]) == requests
        else:
            assert reply.status != 500, reply.text[:300]
            assert MISSING_PROPERTIES not in reply.text


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/datacenters", {"properties": {"name": "d", "location": "us/las"}}),
        (_DC + "/lans", {"properties": {}}),
        (_DC + "/loadbalancers", {"properties": {}}),
    ],
)
def test_empty_properties_stay_a_definition(route: str, body: Any, api: Api) -> None:
    assert api.call("POST", _path(route, _ids(api)), body).status == 202


@pytest.mark.parametrize(
    ("route", "body", "at"),
    [
        (
            "/datacenters",
            {
                "properties": {"name": "d", "location": "us/las"},
                "entities": {"lans": {"items": [{}]}},
            },
            "(root).entities.lans.items[0]",
        ),
        (
            _DC + "/servers",
            {
                "properties": {"cores": 1, "ram": 1024},
                "entities": {"volumes": {"items": [{"entities": {}}]}},
            },
            "(root).entities.volumes.items[0]",
        ),
        (
            _SRV + "/nics",
            {"properties": {"lan": 1}, "entities": {"firewallrules": {"items": [{}]}}},
            "(root).entities.firewallrules.items[0]",
        ),
    ],
)
def test_a_nested_definition_needs_properties_too(route: str, body: Any, at: str, api: Api) -> None:
    reply = api.call("POST", _path(route, _ids(api)), body)
    assert reply.status == 422
    assert reply.message == f"[{at}] {MISSING_PROPERTIES}"


def test_a_nested_reference_needs_no_properties(api: Api) -> None:
    dc = api.datacenter()
    vol = api.volume(dc)
    body = {
        "properties": {"cores": 1, "ram": 1024},
        "entities": {"volumes": {"items": [{"id": vol}]}},
    }
    echo = api.ok("POST", f"/datacenters/{dc}/servers", body)
    assert echo["entities"]["volumes"]["items"][0]["id"] == vol


def test_a_datacenter_names_the_missing_location_first(api: Api) -> None:
    reply = api.call("POST", "/datacenters", {"properties": {}})
    assert reply.status == 422
    assert reply.json["messages"][0]["message"].endswith("Attribute 'location' is required")
    named = api.call("POST", "/datacenters", {"properties": {"name": "x"}})
    assert named.message.endswith("Attribute 'location' is required")
    located = api.call("POST", "/datacenters", {"properties": {"location": "us/las"}})
    assert located.message.endswith("Attribute 'name' is required")


# -- the create echo (WIRE.md 5.3) --------------------------------------------------------------

NO_FLAGS = dict.fromkeys(HOT_PLUG, False)

#: route -> (minimal create body, every property of the echo)
ECHOES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "/datacenters": (
        {"properties": {"name": "d", "location": "us/las"}},
        {"name": "d", "description": None, "location": "us/las", "version": None, "features": []},
    ),
    _DC + "/servers": (
        {"properties": {"cores": "1", "ram": 1024}},
        {
            "name": None,
            "cores": 1,
            "ram": 1024,
            "availabilityZone": None,
            "vmState": None,
            "bootCdrom": None,
            "bootVolume": None,
            "cpuFamily": None,
        },
    ),
    _DC + "/volumes": (
        {"properties": {"size": 5, "licenceType": "LINUX"}},
        {
            "name": None,
            "type": None,
            "size": 5,
            "availabilityZone": None,
            "image": None,
            "imagePassword": None,
            "sshKeys": None,
            "bus": None,
            "licenceType": "LINUX",
            **NO_FLAGS,
            "deviceNumber": None,
        },
    ),
    # no ips sent: [] (A.9); nat and firewallActive null until provisioned (WIRE.md 5.3)
    _SRV + "/nics": (
        {"properties": {"lan": 1}},
        {
            "name": None,
            "mac": None,
            "ips": [],
            "dhcp": None,
            "lan": 1,
            "firewallActive": None,
            "nat": None,
        },
    ),
    _NIC + "/firewallrules": (
        {"properties": {"protocol": "tcp"}},
        {
            "name": None,
            "protocol": "TCP",
            "sourceMac": None,
            "sourceIp": None,
            "targetIp": None,
            "icmpCode": None,
            "icmpType": None,
            "portRangeStart": None,
            "portRangeEnd": None,
        },
    ),
    # public false, not null (A.6)
    _DC + "/lans": ({"properties": {}}, {"name": None, "public": False, "ipFailover": []}),
    _DC + "/loadbalancers": ({"properties": {}}, {"name": None, "ip": None, "dhcp": None}),
    "/ipblocks": (
        {"properties": {"location": "us/las", "size": 1}},
        {"ips": ["<allocated>"], "location": "us/las", "size": 1, "name": None},
    ),
    "/um/groups": (
        {"properties": {"name": "g2"}},
        {
            "name": "g2",
            "createDataCenter": False,
            "createSnapshot": False,
            "reserveIp": False,
            "accessActivityLog": False,
        },
    ),
    "/um/users": (
        {
            "properties": {
                "firstname": "a",
                "lastname": "b",
                "email": "echo@example.com",
                "password": "pw123456",
            }
        },
        {
            "firstname": "a",
            "lastname": "b",
            "email": "echo@example.com",
            "administrator": False,
            "forceSecAuth": False,
            "secAuthActive": False,
        },
    ),
}


def test_every_create_has_an_echo_case() -> None:
    assert set(ECHOES) == set(CREATE_ROUTES)


@pytest.mark.parametrize("route", CREATE_ROUTES)
def test_create_echo(route: str, api: Api) -> None:
    body, expected = ECHOES[route]
    reply = api.call("POST", _path(route, _ids(api)), body)
    assert reply.status == 202, reply.text[:300]
    echo = reply.json
    assert "entities" not in echo
    props = echo["properties"]
    if route == "/ipblocks":
        assert len(props["ips"]) == 1
        props = {**props, "ips": ["<allocated>"]}
    assert props == expected


def test_lan_public_is_false_from_the_echo_on(api: Api) -> None:
    dc = api.datacenter()
    echo = api.ok("POST", f"/datacenters/{dc}/lans", {"properties": {"name": "x"}})
    assert echo["properties"]["public"] is False
    assert api.get(f"/datacenters/{dc}/lans/{echo['id']}").json["properties"]["public"] is False
    nested = api.ok(
        "POST",
        "/datacenters",
        {
            "properties": {"name": "n", "location": "us/las"},
            "entities": {"lans": {"items": [{"properties": {}}]}},
        },
    )
    assert nested["entities"]["lans"]["items"][0]["properties"]["public"] is False


def test_nic_without_ips_echoes_an_empty_list_then_gets_one(
    api: Api, emulator: EmulatorHandle
) -> None:
    emulator.configure(progression="polls:2")
    dc = api.datacenter()
    srv = api.server(dc)
    reply = api.call("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    assert reply.json["properties"]["ips"] == []
    path = f"/datacenters/{dc}/servers/{srv}/nics/{reply.json['id']}"
    assert api.get(path).json["properties"]["ips"] == []  # still queued
    while api.status(reply) != "DONE":
        pass
    assert len(api.get(path).json["properties"]["ips"]) == 1
    nested = api.ok(
        "POST",
        f"/datacenters/{dc}/servers",
        {
            "properties": {"cores": 1, "ram": 1024},
            "entities": {"nics": {"items": [{"properties": {"lan": 2}}]}},
        },
    )
    assert nested["entities"]["nics"]["items"][0]["properties"]["ips"] == []


def test_loadbalancer_ip_stays_null_until_it_balances_a_nic(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    lb = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {"name": "lb"}})["id"]
    path = f"/datacenters/{dc}/loadbalancers/{lb}"
    assert api.get(path).json["properties"]["ip"] is None
    api.ok("PATCH", path, {"name": "renamed"})
    assert api.get(path).json["properties"]["ip"] is None
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    api.ok("POST", f"{path}/balancednics", {"id": nic["id"]})
    ip = api.get(path).json["properties"]["ip"]
    assert ip is not None
    other = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    with_nics = api.ok(
        "POST",
        f"/datacenters/{dc}/loadbalancers",
        {"properties": {}, "entities": {"balancednics": {"items": [{"id": other["id"]}]}}},
    )
    assert with_nics["properties"]["ip"] is None  # the echo; assigned when provisioned


def test_image_volume_echo_keeps_its_secrets_and_null_licence(api: Api) -> None:
    dc = api.datacenter()
    body = {"properties": {"size": 5, "image": UBUNTU_LAS, "imagePassword": "secretpassword123"}}
    echo = api.ok("POST", f"/datacenters/{dc}/volumes", body)["properties"]
    assert echo["imagePassword"] == "secretpassword123"
    assert echo["licenceType"] is None
