"""Errors and validation: status codes, error bodies, precedence, rule messages, coercion."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .emu_helpers import UBUNTU_LAS, Api


def _error(reply: Any, status: int) -> str:
    assert reply.status == status, (reply.status, reply.text[:300])
    body = reply.json
    assert list(body) == ["httpStatus", "messages"]
    assert body["httpStatus"] == status
    assert isinstance(body["messages"][0]["errorCode"], str)
    assert body["messages"][0]["errorCode"].isdigit()
    return str(body["messages"][0]["message"])


def test_missing_and_wrong_credentials_are_401(api: Api) -> None:
    assert _error(api.call("GET", "/datacenters", auth=False), 401) == "Unauthorized"
    assert _error(api.call("GET", "/datacenters", auth=(api.username, "nope")), 401)
    assert _error(api.call("GET", "/datacenters", auth=("ghost@example.com", "x")), 401)
    # 401 comes before 404 and 405
    assert api.call("GET", "/no/such/path", auth=False).status == 401
    assert api.call("DELETE", "/datacenters", auth=False).status == 401
    reply = api.pool.request(
        "GET", api.url + "/datacenters", headers={"Authorization": "Basic !!notbase64"}
    )
    assert reply.status == 401


def test_unknown_ids_and_paths_are_404(api: Api) -> None:
    dc = api.datacenter()
    for path in (
        "/datacenters/fake_id",
        f"/datacenters/{dc}/servers/bad_id",
        f"/datacenters/{dc}/lans/0",
        f"/datacenters/{dc}/volumes/00000000-0000-4000-8000-000000000000",
        "/um/resources/unknown",
        "/nothing/here",
        "/requests/abc/status",
    ):
        assert _error(api.get(path), 404) == "Resource does not exist", path
    assert api.pool.request("GET", api.url.replace("/cloudapi/v4", "/other")).status == 404


def test_wrong_method_is_405_with_allow(api: Api) -> None:
    reply = api.call("DELETE", "/datacenters")
    _error(reply, 405)
    assert reply.headers["Allow"] == "GET, HEAD, POST"
    assert api.call("PATCH", "/datacenters").status == 405
    assert api.call("PUT", "/datacenters").status == 405
    assert api.call("PATCH", "/ipblocks/x").status == 405


def test_malformed_bodies_are_400(api: Api) -> None:
    assert "Malformed JSON" in _error(api.call("POST", "/datacenters", raw="{not json"), 400)
    assert _error(api.call("POST", "/datacenters", raw="[1, 2]"), 400)
    assert _error(api.call("POST", "/datacenters", raw='"text"'), 400)
    assert _error(api.call("POST", "/datacenters", raw=b"\xff\xfe"), 400)
    assert _error(api.call("POST", "/datacenters", raw='{"a": NaN}'), 400)
    # A malformed depth is not an error (issue 8 A.11): it reads as the default.
    assert api.call("GET", "/datacenters", query="depth=abc").status == 200
    assert api.call("GET", "/datacenters", query="depth=-1").status == 200


def test_404_before_422_and_required_before_references(api: Api) -> None:
    missing = "/datacenters/00000000-0000-4000-8000-000000000000"
    assert api.call("POST", missing + "/lans").status == 404
    assert api.call("POST", missing + "/loadbalancers", raw="{bad").status == 404
    dc = api.datacenter()
    reply = api.call(
        "POST", f"/datacenters/{dc}/volumes", {"properties": {"image": "no-such-image"}}
    )
    assert "Attribute 'size' is required" in _error(reply, 422)
    reply = api.call(
        "POST", f"/datacenters/{dc}/volumes", {"properties": {"image": "no-such", "size": 5}}
    )
    assert "[(root).properties.image]" in _error(reply, 422)


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/datacenters", {"properties": {"name": "x"}}, "Attribute 'location' is required"),
        ("/datacenters", {"properties": {"location": "us/las"}}, "Attribute 'name' is required"),
        (
            "/datacenters",
            {"properties": {"name": "a@b", "location": "us/las"}},
            "Attribute 'name' must not contain",
        ),
        (
            "/datacenters",
            {"properties": {"name": "x", "location": "us/aa"}},
            "Attribute 'location' must be one of us/las, us/ewr, de/fra, de/fkb",
        ),
        (
            "/datacenters",
            {"properties": {"name": "x", "location": "us/las", "colour": "red"}},
            "Attribute 'colour' is not a property of a datacenter",
        ),
        ("/datacenters", {"props": {}}, "Attribute 'props' is not allowed here"),
        ("/ipblocks", {"properties": {"size": 1}}, "Attribute 'location' is required"),
        ("/ipblocks", {"properties": {"location": "us/las"}}, "Attribute 'size' is required"),
        ("/um/users", {"properties": {"firstname": "a"}}, "Attribute 'lastname' is required"),
        ("/um/groups", {"properties": {}}, "Attribute 'name' is required"),
    ],
)
def test_top_level_rules(api: Api, path: str, body: Any, expected: str) -> None:
    assert expected in _error(api.call("POST", path, body), 422)


SERVER_CASES = [
    ({"ram": 1024}, "Attribute 'cores' is required"),
    ({"cores": 1}, "Attribute 'ram' is required"),
    (
        {"cores": 1, "ram": 1000},
        "[(root).properties.ram] Attribute 'ram' must be a multiple of 256",
    ),
    ({"cores": 1, "ram": 128}, "Attribute 'ram' must be at least 256"),
    ({"cores": 0, "ram": 256}, "Attribute 'cores' must be at least 1"),
    ({"cores": "two", "ram": 256}, "Attribute 'cores' must be an integer"),
    ({"cores": 1, "ram": 256, "availabilityZone": "ZONE_3"}, "Attribute 'availabilityZone'"),
    ({"cores": 1, "ram": 256, "cpuFamily": "ARM"}, "Attribute 'cpuFamily' must be one of"),
    ({"cores": 1, "ram": 256, "vmState": "RUNNING"}, "Attribute 'vmState' is read-only"),
    (
        {"cores": 1, "ram": 256, "bootVolume": {"id": "x"}, "bootCdrom": "y"},
        "Attribute 'bootVolume' and 'bootCdrom' exclude each other",
    ),
    ({"cores": 1, "ram": 256, "bootVolume": "nope"}, "refers to no volume of this data center"),
    ({"cores": 1, "ram": 256, "bootCdrom": UBUNTU_LAS}, "must be a CD-ROM image"),
]


@pytest.mark.parametrize(("props", "expected"), SERVER_CASES)
def test_server_rules(api: Api, props: dict[str, Any], expected: str) -> None:
    dc = api.datacenter()
    reply = api.call("POST", f"/datacenters/{dc}/servers", {"properties": props})
    assert expected in _error(reply, 422)


VOLUME_CASES = [
    ({"licenceType": "LINUX"}, "Attribute 'size' is required"),
    ({"size": 0, "licenceType": "LINUX"}, "Attribute 'size' must be at least 1"),
    ({"size": 5}, "Attribute 'licenceType' is required when neither 'image' nor 'imageAlias'"),
    ({"size": 5, "licenceType": "BSD"}, "Attribute 'licenceType' must be one of"),
    ({"size": 5, "licenceType": "LINUX", "type": "TAPE"}, "Attribute 'type' must be one of HDD"),
    ({"size": 5, "licenceType": "LINUX", "bus": "SCSI"}, "Attribute 'bus' must be one of VIRTIO"),
    (
        {"size": 5, "licenceType": "LINUX", "availabilityZone": "ZONE_9"},
        "Attribute 'availabilityZone' must be one of",
    ),
    (
        {"size": 5, "licenceType": "LINUX", "type": "SSD", "availabilityZone": "ZONE_1"},
        "Attribute 'availabilityZone' must be AUTO or unset for an SSD volume",
    ),
    ({"size": 5, "image": UBUNTU_LAS}, "Attribute 'imagePassword' or 'sshKeys' is required"),
    ({"size": 5, "image": UBUNTU_LAS, "imagePassword": "short"}, "must be 8 to 50 characters"),
    ({"size": 5, "image": UBUNTU_LAS, "imagePassword": "with space 123"}, "letters and digits"),
    (
        {"size": 5, "licenceType": "LINUX", "imagePassword": "longenough1"},
        "Attribute 'imagePassword' can only be set for a volume created from a public image",
    ),
    ({"size": 5, "imageAlias": "plan9:latest", "sshKeys": ["k"]}, "is not an image alias"),
]


@pytest.mark.parametrize(("props", "expected"), VOLUME_CASES)
def test_volume_rules(api: Api, props: dict[str, Any], expected: str) -> None:
    dc = api.datacenter()
    reply = api.call("POST", f"/datacenters/{dc}/volumes", {"properties": props})
    message = _error(reply, 422)
    assert expected in message
    assert "with space" not in message


def test_volume_image_must_be_hdd_of_the_location(api: Api) -> None:
    images = api.get("/images", depth=1).json["items"]
    iso = next(
        i["id"]
        for i in images
        if i["properties"]["imageType"] == "CDROM" and i["properties"]["location"] == "us/las"
    )
    fra = next(
        i["id"]
        for i in images
        if i["properties"]["imageType"] == "HDD" and i["properties"]["location"] == "de/fra"
    )
    dc = api.datacenter()
    body = {"properties": {"size": 5, "image": iso, "sshKeys": ["ssh-rsa AAAA"]}}
    assert "must be an HDD image" in _error(
        api.call("POST", f"/datacenters/{dc}/volumes", body), 422
    )
    body["properties"]["image"] = fra
    assert "must be in the data center's location us/las" in _error(
        api.call("POST", f"/datacenters/{dc}/volumes", body), 422
    )
    windows = next(
        i
        for i in images
        if i["properties"]["name"].startswith("Windows2016")
        and i["properties"]["location"] == "us/las"
    )
    body["properties"].update(image=windows["id"], size=1)
    assert "must be at least" in _error(api.call("POST", f"/datacenters/{dc}/volumes", body), 422)


def test_volume_alias_resolves_and_inherits_licence(api: Api) -> None:
    dc = api.datacenter()
    body = {"properties": {"size": 5, "imageAlias": "ubuntu:latest", "sshKeys": ["ssh-rsa AA"]}}
    echo = api.ok("POST", f"/datacenters/{dc}/volumes", body)
    assert echo["properties"]["sshKeys"] == ["ssh-rsa AA"]
    assert echo["properties"]["licenceType"] is None
    assert "imageAlias" not in echo["properties"]
    got = api.get(f"/datacenters/{dc}/volumes/{echo['id']}").json["properties"]
    assert got["image"] == UBUNTU_LAS
    assert got["licenceType"] == "LINUX"
    assert got["sshKeys"] is None
    assert got["bus"] is None


def test_volume_updates(api: Api) -> None:
    dc = api.datacenter()
    vol = api.volume(dc, size=10)
    path = f"/datacenters/{dc}/volumes/{vol}"
    assert "Attribute 'size' can only be increased" in _error(
        api.call("PATCH", path, {"size": 5}), 422
    )
    assert "cannot be changed after creation" in _error(
        api.call("PATCH", path, {"type": "SSD"}), 422
    )
    assert "cannot be changed" in _error(api.call("PATCH", path, {"image": UBUNTU_LAS}), 422)
    assert "cannot be changed" in _error(
        api.call("PATCH", path, {"availabilityZone": "ZONE_2"}), 422
    )
    echo = api.ok("PATCH", path, {"size": "20", "name": "bigger", "type": "HDD"})
    assert echo["properties"]["size"] == 20
    assert api.get(path).json["properties"]["name"] == "bigger"
    public = api.ok(
        "POST",
        f"/datacenters/{dc}/volumes",
        {"properties": {"size": 5, "image": UBUNTU_LAS, "imagePassword": "abcdefgh1"}},
    )["id"]
    assert "cannot be changed for a volume created from a public image" in _error(
        api.call("PATCH", f"/datacenters/{dc}/volumes/{public}", {"licenceType": "WINDOWS"}), 422
    )


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({}, "Attribute 'protocol' is required"),
        ({"protocol": "GRE"}, "Attribute 'protocol' must be one of TCP, UDP, ICMP, ANY"),
        ({"protocol": "TCP", "portRangeStart": 0}, "Attribute 'portRangeStart' must be at least 1"),
        ({"protocol": "TCP", "portRangeEnd": 65535}, "must be at most 65534"),
        (
            {"protocol": "TCP", "portRangeStart": 90, "portRangeEnd": 80},
            "Attribute 'portRangeEnd' must not be lower than portRangeStart (90), got 80",
        ),
        ({"protocol": "ICMP", "portRangeStart": 22}, "only allowed for protocol TCP or UDP"),
        ({"protocol": "TCP", "icmpType": 8}, "only allowed for protocol ICMP"),
        ({"protocol": "ICMP", "icmpCode": 255}, "Attribute 'icmpCode' must be at most 254"),
        ({"protocol": "TCP", "sourceMac": "01:23:45"}, "Attribute 'sourceMac' must be a MAC"),
        ({"protocol": "TCP", "sourceIp": "300.1.1.1"}, "Attribute 'sourceIp' must be an IPv4"),
        ({"protocol": "TCP", "targetIp": "::1"}, "Attribute 'targetIp' must be an IPv4"),
    ],
)
def test_firewall_rules(api: Api, props: dict[str, Any], expected: str) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    reply = api.call(
        "POST",
        f"/datacenters/{dc}/servers/{srv}/nics/{nic['id']}/firewallrules",
        {"properties": props},
    )
    assert expected in _error(reply, 422)


def test_firewall_coercion_and_immutable_protocol(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": "1"}})
    assert nic["properties"]["lan"] == 1
    base = f"/datacenters/{dc}/servers/{srv}/nics/{nic['id']}/firewallrules"
    rule = api.ok(
        "POST",
        base,
        {"properties": {"name": "ping", "protocol": "ICMP", "icmpType": "8", "icmpCode": "0"}},
    )
    assert rule["properties"]["icmpType"] == 8
    assert rule["properties"]["icmpCode"] == 0
    assert rule["properties"]["sourceMac"] is None
    assert "cannot be changed" in _error(
        api.call("PATCH", f"{base}/{rule['id']}", {"protocol": "TCP"}), 422
    )
    mac = api.ok("PATCH", f"{base}/{rule['id']}", {"sourceMac": "AA:BB:CC:DD:EE:FF"})
    assert mac["properties"]["sourceMac"] == "aa:bb:cc:dd:ee:ff"


def test_nic_rules(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    path = f"/datacenters/{dc}/servers/{srv}/nics"
    assert "Attribute 'lan' is required" in _error(api.call("POST", path, {"properties": {}}), 422)
    assert "Attribute 'lan' must be at least 1" in _error(
        api.call("POST", path, {"properties": {"lan": 0}}), 422
    )
    assert "Attribute 'ips' must be an IPv4" in _error(
        api.call("POST", path, {"properties": {"lan": 1, "ips": ["10.0.0.300"]}}), 422
    )
    # Any address on a private LAN (issue 8 A.5); reserved ones only on a public LAN.
    assert api.ok("POST", path, {"properties": {"lan": 1, "ips": ["8.8.8.8"]}})["properties"][
        "ips"
    ] == ["8.8.8.8"]
    public = api.ok("POST", f"/datacenters/{dc}/lans", {"properties": {"public": True}})["id"]
    assert "addresses of a reserved IP block of us/las, got 8.8.8.8" in _error(
        api.call("POST", path, {"properties": {"lan": int(public), "ips": ["8.8.8.8"]}}), 422
    )
    assert "Attribute 'mac' is read-only" in _error(
        api.call("POST", path, {"properties": {"lan": 1, "mac": "02:01:00:00:00:01"}}), 422
    )
    assert "Attribute 'dhcp' must be a boolean" in _error(
        api.call("POST", path, {"properties": {"lan": 1, "dhcp": "maybe"}}), 422
    )
    block = api.ok("POST", "/ipblocks", {"properties": {"location": "us/las", "size": "2"}})
    assert block["properties"]["size"] == 2
    public_ip = block["properties"]["ips"][0]
    nic = api.ok(
        "POST", path, {"properties": {"lan": 1, "ips": [public_ip, "10.1.1.5"], "dhcp": "false"}}
    )
    assert nic["properties"]["dhcp"] is False
    assert nic["properties"]["ips"] == [public_ip, "10.1.1.5"]


def test_loadbalancer_accepts_empty_properties_and_checks_ip(api: Api) -> None:
    dc = api.datacenter()
    echo = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {}})
    assert echo["properties"] == {"name": None, "ip": None, "dhcp": None}
    assert "entities" not in echo
    got = api.get(f"/datacenters/{dc}/loadbalancers/{echo['id']}").json["properties"]
    assert got["dhcp"] is True
    assert got["ip"] is None  # until it balances a NIC (issue 8 A.8)
    assert "Attribute 'ip' must be an IPv4" in _error(
        api.call("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {"ip": "x"}}), 422
    )


def test_string_booleans_and_integers_are_coerced(api: Api) -> None:
    dc = api.datacenter()
    lb = api.ok(
        "POST", f"/datacenters/{dc}/loadbalancers", {"properties": {"name": "lb", "dhcp": "true"}}
    )
    assert lb["properties"]["dhcp"] is True
    srv = api.ok("POST", f"/datacenters/{dc}/servers", {"properties": {"cores": "2", "ram": 512.0}})
    assert srv["properties"]["cores"] == 2
    assert srv["properties"]["ram"] == 512
    assert "must be an integer" in _error(
        api.call("POST", f"/datacenters/{dc}/servers", {"properties": {"cores": True, "ram": 512}}),
        422,
    )


def test_request_encodings(api: Api) -> None:
    body = json.dumps({"properties": {"name": "a", "location": "us/las"}})
    for content_type in (
        None,
        "application/json",
        "application/vnd.profitbricks.resource+json",
        "text/plain",
    ):
        assert api.call("POST", "/datacenters", raw=body, content_type=content_type).status == 202
    dc = api.datacenter()
    vol = api.volume(dc)
    path = f"/datacenters/{dc}/volumes/{vol}/create-snapshot"
    form = "application/x-www-form-urlencoded; charset=UTF-8"
    snap = api.ok("POST", path, raw="name=snap&description=d", content_type=form)
    assert snap["properties"]["name"] == "snap"
    no_type = api.ok("POST", path, raw="name=second")
    assert no_type["properties"]["name"] == "second"
    as_json = api.ok("POST", path, {"name": "third"})
    assert as_json["properties"]["name"] == "third"
    srv = api.server(dc)
    for raw, ctype in (("{}", form), ("", None), ("x=1", form)):
        reply = api.call(
            "POST", f"/datacenters/{dc}/servers/{srv}/stop", raw=raw, content_type=ctype
        )
        assert reply.status == 202
    assert api.call("GET", f"/datacenters/{dc}", query="depth=1&pretty=true").status == 200
    assert api.call("DELETE", f"/datacenters/{dc}/volumes/{vol}", query="depth=2").status == 202


@pytest.mark.parametrize(
    "raw",
    [
        "{}",
        "null",
        '{"properties": null}',
        '{"properties": []}',
        '{"properties": {"name": {"x": 1}}}',
        '{"entities": {"servers": {"items": [1]}}}',
        '{"entities": {"servers": {"items": [{"properties": {"cores": 1e400}}]}}}',
        '{"properties": {"name": "x", "location": "us/las"}, "entities": {"servers": 3}}',
        '{"properties": {"name": "x", "location": "us/las"},'
        ' "entities": {"servers": {"items": [{"entities": {"volumes": {"items": [{"id": 5}]}}}]}}}',
        "[" * 5000,
    ],
)
def test_odd_bodies_never_cause_500(api: Api, raw: str) -> None:
    reply = api.call("POST", "/datacenters", raw=raw)
    assert reply.status in (202, 400, 422), reply.text[:200]


def test_odd_patch_bodies_never_cause_500(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    path = f"/datacenters/{dc}/servers/{srv}"
    for body in ([], "x", 5, {"cores": None}, {"bootVolume": 7}, {"ram": "1e3"}, {"name": None}):
        reply = api.call("PATCH", path, raw=json.dumps(body))
        assert reply.status in (202, 400, 422), (body, reply.text[:200])
