"""WIRE.md statement by statement: one focused HTTP-level test per statement or table."""

from __future__ import annotations

import base64
import http.client
import json
import re
from typing import Any
from unittest.mock import ANY
from urllib.parse import urlsplit

import pytest

from .emu_helpers import UBUNTU_LAS, Api


def _connection(api: Api) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
    parts = urlsplit(api.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    token = base64.b64encode(f"{api.username}:{api.password}".encode()).decode()
    return conn, parts.path, {"Authorization": f"Basic {token}"}


# -- 1 Transport ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [("/datacenters", 200), ("/datacenters/fake_id", 404), ("/datacenters/x/servers", 404)],
)
def test_head_never_has_a_body_so_the_connection_stays_usable(
    api: Api, path: str, status: int
) -> None:
    conn, base, auth = _connection(api)
    try:
        conn.request("HEAD", base + path, headers=auth)
        head = conn.getresponse()
        assert head.status == status
        assert head.read() == b""
        # the next reply on the same kept-alive connection parses cleanly
        conn.request("GET", base + "/datacenters?pretty=false", headers=auth)
        after = conn.getresponse()
        assert after.status == 200
        assert json.loads(after.read())["id"] == "datacenters"
    finally:
        conn.close()


def test_head_without_credentials_is_401_without_body(api: Api) -> None:
    conn, base, _ = _connection(api)
    try:
        conn.request("HEAD", base + "/datacenters")
        reply = conn.getresponse()
        assert reply.status == 401
        assert reply.read() == b""
        conn.request("GET", base + "/datacenters")
        assert conn.getresponse().status == 401
    finally:
        conn.close()


# -- 5.3 The create echo -------------------------------------------------------------------------

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
NO_FLAGS = dict.fromkeys(HOT_PLUG, False)


def _server_in(api: Api) -> tuple[str, str]:
    dc = api.datacenter()
    return dc, api.server(dc)


def test_create_echo_server_has_null_boot_devices_and_vm_state(api: Api) -> None:
    dc = api.datacenter()
    body = {
        "properties": {"name": "s", "cores": 1, "ram": 1024},
        "entities": {"volumes": {"items": [{"properties": {"size": 5, "licenceType": "LINUX"}}]}},
    }
    echo = api.ok("POST", f"/datacenters/{dc}/servers", body)
    assert echo["metadata"]["state"] == "BUSY"
    assert echo["properties"] == {
        "name": "s",
        "cores": 1,
        "ram": 1024,
        "availabilityZone": None,
        "vmState": None,
        "bootCdrom": None,
        "bootVolume": None,
        "cpuFamily": None,
    }
    assert list(echo["entities"]) == ["volumes"]


def test_create_echo_blank_volume(api: Api) -> None:
    dc = api.datacenter()
    body = {"properties": {"name": "v", "size": 5, "licenceType": "UNKNOWN", "type": "HDD"}}
    echo = api.ok("POST", f"/datacenters/{dc}/volumes", body)
    assert "entities" not in echo
    assert echo["properties"] == {
        "name": "v",
        "type": "HDD",
        "size": 5,
        "availabilityZone": None,
        "image": None,
        "imagePassword": None,
        "sshKeys": None,
        "bus": None,
        "licenceType": "UNKNOWN",
        **NO_FLAGS,
        "deviceNumber": None,
    }
    got = api.get(f"/datacenters/{dc}/volumes/{echo['id']}").json["properties"]
    assert {k: got[k] for k in HOT_PLUG} == NO_FLAGS
    assert got["bus"] is None
    assert got["deviceNumber"] is None


def test_create_echo_volume_from_image_echoes_secrets_as_sent(api: Api) -> None:
    dc = api.datacenter()
    body = {
        "properties": {
            "name": "v",
            "size": 5,
            "image": UBUNTU_LAS,
            "imagePassword": "secretpassword123",
            "sshKeys": ["ssh-rsa AAAAB3NzaC1"],
            "bus": "VIRTIO",
        }
    }
    props = api.ok("POST", f"/datacenters/{dc}/volumes", body)["properties"]
    assert props["bus"] == "VIRTIO"
    assert props["imagePassword"] == "secretpassword123"
    assert props["sshKeys"] == ["ssh-rsa AAAAB3NzaC1"]
    assert props["licenceType"] is None
    assert props["deviceNumber"] is None


def test_create_echo_nic_nulls_and_typed_lan(api: Api) -> None:
    dc, srv = _server_in(api)
    body = {"properties": {"name": "n", "lan": "1", "ips": ["10.0.0.5"]}}
    echo = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", body)
    assert echo["properties"] == {
        "name": "n",
        "mac": None,
        "ips": ["10.0.0.5"],
        "dhcp": None,
        "lan": 1,
        "firewallActive": None,
        "nat": None,
    }


def test_create_echo_firewall_rule_unsent_fields_null(api: Api) -> None:
    dc, srv = _server_in(api)
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    body = {"properties": {"name": "fw", "protocol": "ICMP", "icmpType": "8", "icmpCode": "0"}}
    echo = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics/{nic['id']}/firewallrules", body)
    assert "entities" not in echo
    assert echo["properties"] == {
        "name": "fw",
        "protocol": "ICMP",
        "sourceMac": None,
        "sourceIp": None,
        "targetIp": None,
        "icmpCode": 0,
        "icmpType": 8,
        "portRangeStart": None,
        "portRangeEnd": None,
    }


def test_create_echo_loadbalancer_ip_null_and_no_entities(api: Api) -> None:
    dc = api.datacenter()
    echo = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {"dhcp": "true"}})
    assert list(echo) == ["id", "type", "href", "metadata", "properties"]
    assert echo["properties"] == {"name": None, "ip": None, "dhcp": True}


def test_create_echo_ipblock_has_ips_already(api: Api) -> None:
    body = {"properties": {"name": "b", "location": "us/las", "size": "2"}}
    echo = api.ok("POST", "/ipblocks", body)
    assert list(echo) == ["id", "type", "href", "metadata", "properties"]
    props = echo["properties"]
    assert props["size"] == 2
    assert len(props["ips"]) == 2
    assert api.get(f"/ipblocks/{echo['id']}").json["properties"]["ips"] == props["ips"]


def test_create_echo_lan_id_one_and_empty_failover(api: Api) -> None:
    dc = api.datacenter()
    echo = api.ok("POST", f"/datacenters/{dc}/lans", {"properties": {"public": "false"}})
    assert echo["id"] == "1"
    assert echo["properties"] == {"name": None, "public": False, "ipFailover": []}
    assert "entities" not in echo


@pytest.mark.parametrize(
    ("path", "props", "expected"),
    [
        (
            "/um/users",
            {
                "firstname": "a",
                "lastname": "b",
                "email": "echo@example.com",
                "password": "pw12345678",
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
        (
            "/um/groups",
            {"name": "g"},
            {
                "name": "g",
                "createDataCenter": False,
                "createSnapshot": False,
                "reserveIp": False,
                "accessActivityLog": False,
            },
        ),
    ],
)
def test_create_echo_um_defaults_false_and_no_entities(
    api: Api, path: str, props: dict[str, Any], expected: dict[str, Any]
) -> None:
    echo = api.ok("POST", path, {"properties": props})
    assert echo["properties"] == expected
    assert "entities" not in echo
    assert "password" not in echo["properties"]
    # a GET still lists the entities
    assert "entities" in api.get(f"{path}/{echo['id']}").json


def test_create_echo_snapshot_then_get_after_done(api: Api) -> None:
    dc = api.datacenter()
    vol = api.volume(dc, size=7, licenceType="UNKNOWN")
    echo = api.ok(
        "POST",
        f"/datacenters/{dc}/volumes/{vol}/create-snapshot",
        raw="name=snap&description=d",
        content_type="application/x-www-form-urlencoded",
    )
    assert list(echo) == ["id", "type", "href", "metadata", "properties"]
    assert echo["href"] == f"{api.url}/snapshots/{echo['id']}"
    props = echo["properties"]
    assert props["size"] is None
    assert props["licenceType"] is None
    assert props["location"] == "us/las"
    assert props["description"] == "d"
    assert {k: props[k] for k in HOT_PLUG} == NO_FLAGS
    got = api.get(f"/snapshots/{echo['id']}").json["properties"]
    assert got["size"] == 7
    assert got["licenceType"] == "UNKNOWN"
    assert {k: got[k] for k in HOT_PLUG} == NO_FLAGS


# -- 5.2 Bodies of 202 replies -------------------------------------------------------------------


def test_attach_volume_echo_is_the_volume_now_busy_with_null_bus(api: Api) -> None:
    dc, srv = _server_in(api)
    vol = api.volume(dc, licenceType="UNKNOWN")
    echo = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/volumes", {"id": vol})
    assert echo["id"] == vol
    assert echo["href"] == f"{api.url}/datacenters/{dc}/volumes/{vol}"
    assert echo["metadata"]["state"] == "BUSY"
    assert echo["properties"]["bus"] is None
    assert echo["properties"]["deviceNumber"] is None
    assert "entities" not in echo
    attached = api.get(f"/datacenters/{dc}/servers/{srv}/volumes/{vol}").json["properties"]
    assert attached["bus"] == "VIRTIO"
    assert attached["deviceNumber"] == 1
    assert attached["licenceType"] == "UNKNOWN"
    assert attached["image"] is None
    assert attached["imagePassword"] is None
    assert {k: attached[k] for k in HOT_PLUG} == NO_FLAGS


def test_add_balanced_nic_echo_is_the_nic_busy(api: Api) -> None:
    dc, srv = _server_in(api)
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    lb = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {"name": "lb"}})
    echo = api.ok("POST", f"/datacenters/{dc}/loadbalancers/{lb['id']}/balancednics", nic)
    assert echo["id"] == nic["id"]
    assert echo["type"] == "nic"
    assert echo["href"] == f"{api.url}/datacenters/{dc}/servers/{srv}/nics/{nic['id']}"
    assert echo["metadata"]["state"] == "BUSY"
    lb_ip = api.get(f"/datacenters/{dc}/loadbalancers/{lb['id']}").json["properties"]["ip"]
    assert lb_ip is not None
    member = api.get(f"/datacenters/{dc}/loadbalancers/{lb['id']}/balancednics/{nic['id']}")
    assert member.json["href"] == echo["href"]
    assert lb_ip in member.json["properties"]["ips"]


def test_attached_volumes_list_in_attach_order(api: Api) -> None:
    dc, srv = _server_in(api)
    first = api.volume(dc)
    second = api.volume(dc)
    for vol in (second, first):
        api.ok("POST", f"/datacenters/{dc}/servers/{srv}/volumes", {"id": vol})
    items = api.get(f"/datacenters/{dc}/servers/{srv}/volumes", depth=1).json["items"]
    assert [i["id"] for i in items] == [second, first]
    assert [i["properties"]["deviceNumber"] for i in items] == [1, 2]
    server = api.get(f"/datacenters/{dc}/servers/{srv}", depth=1).json
    assert server["properties"]["bootVolume"]["id"] == second


# -- 9.4 Precedence ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("GET", "/datacenters", "depth=abc"),
        ("GET", "/datacenters/fake_id", "depth=1"),
        ("POST", "/datacenters", "depth=-1"),
        ("DELETE", "/datacenters", ""),
        ("GET", "/no/such/route", ""),
    ],
)
def test_authentication_comes_before_everything_else(
    api: Api, method: str, path: str, query: str
) -> None:
    reply = api.call(
        method, path, raw="{bad json", query=query, auth=("nobody@example.com", "wrong")
    )
    assert reply.status == 401
    assert reply.json == {
        "httpStatus": 401,
        "messages": [{"errorCode": "315", "message": "Unauthorized"}],
    }


def test_malformed_depth_reads_its_leading_digits_or_the_default(api: Api) -> None:
    # Issue 8 A.11: never a 400; a v4 SDK sends depth=5?depth=5 and the API answered at depth 5.
    dc = api.datacenter()
    reply = api.call("GET", "/datacenters", query="depth=abc&pretty=false")
    assert reply.status == 200
    assert reply.json["items"] == [{"id": dc, "type": "datacenter", "href": ANY}]
    assert "\n" not in reply.text
    deep = api.call("GET", "/datacenters", query="depth=5?depth=5")
    assert deep.status == 200
    assert deep.json["items"][0]["properties"]["name"] == "dc"


# -- 2 Envelopes: user management shapes (2.1, 8.13-8.16, 9.4.5, 10) ------------------------------


def _group(api: Api, name: str = "g") -> str:
    return str(api.ok("POST", "/um/groups", {"properties": {"name": name}})["id"])


def test_user_metadata_has_its_own_shape(api: Api) -> None:
    users = api.get("/um/users", depth=1).json["items"]
    owner = users[0]
    assert list(owner) == ["id", "type", "href", "metadata", "properties", "entities"]
    assert list(owner["metadata"]) == ["etag", "createdDate", "lastLogin"]
    assert "password" not in owner["properties"]
    assert owner["properties"]["secAuthActive"] is False
    assert list(owner["entities"]) == ["owns", "groups"]


def test_group_and_share_have_no_metadata(api: Api) -> None:
    dc = api.datacenter()
    grp = _group(api)
    group = api.get(f"/um/groups/{grp}", depth=1).json
    assert list(group) == ["id", "type", "href", "properties", "entities"]
    assert list(group["entities"]) == ["users", "resources"]
    api.ok("POST", f"/um/groups/{grp}/shares/{dc}", {"properties": {"editPrivilege": True}})
    share = api.get(f"/um/groups/{grp}/shares/{dc}").json
    assert share == {
        "id": dc,
        "type": "resource",
        "href": f"{api.url}/um/groups/{grp}/shares/{dc}",
        "properties": {"editPrivilege": True, "sharePrivilege": False},
    }


def test_um_resource_has_metadata_and_groups_but_no_properties(api: Api) -> None:
    dc = api.datacenter()
    grp = _group(api)
    api.ok("POST", f"/um/groups/{grp}/shares/{dc}", {"properties": {}})
    doc = api.get(f"/um/resources/datacenter/{dc}", depth=1).json
    assert list(doc) == ["id", "type", "href", "metadata", "entities"]
    assert doc["type"] == "datacenter"
    assert doc["href"] == f"{api.url}/um/resources/datacenter/{dc}"
    assert list(doc["metadata"]) == [
        "createdDate",
        "createdBy",
        "etag",
        "lastModifiedDate",
        "lastModifiedBy",
        "state",
    ]
    assert [g["id"] for g in doc["entities"]["groups"]["items"]] == [grp]


def test_public_images_are_image_resources(api: Api) -> None:
    listed = api.get("/um/resources/image", depth=0).json
    assert listed["id"] == "resources"
    assert any(i["id"] == UBUNTU_LAS for i in listed["items"])
    assert all(i["type"] == "image" for i in listed["items"])
    assert api.get(f"/um/resources/image/{UBUNTU_LAS}").status == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/um/resources/unknown"),
        ("GET", "/um/resources/unknown/11111111-1111-4111-8111-111111111111"),
        ("GET", "/um/resources/datacenter/11111111-1111-4111-8111-111111111111"),
        ("GET", "/um/groups/{grp}/shares/11111111-1111-4111-8111-111111111111"),
        ("POST", "/um/groups/{grp}/shares/11111111-1111-4111-8111-111111111111"),
        ("GET", "/um/groups/11111111-1111-4111-8111-111111111111"),
    ],
)
def test_um_unknown_type_or_id_is_404(api: Api, method: str, path: str) -> None:
    grp = _group(api)
    reply = api.call(method, path.format(grp=grp), {"properties": {}})
    assert reply.status == 404
    assert reply.json["messages"] == [{"errorCode": "309", "message": "Resource does not exist"}]


def test_sharing_an_already_shared_resource_is_422(api: Api) -> None:
    dc = api.datacenter()
    grp = _group(api)
    api.ok("POST", f"/um/groups/{grp}/shares/{dc}", {"properties": {"editPrivilege": True}})
    again = api.call("POST", f"/um/groups/{grp}/shares/{dc}", {"properties": {}})
    assert again.status == 422
    assert again.json["httpStatus"] == 422


def test_put_group_and_share_merge_the_given_properties(api: Api) -> None:
    dc = api.datacenter()
    created = api.ok(
        "POST",
        "/um/groups",
        {"properties": {"name": "g", "reserveIp": True, "createSnapshot": True}},
    )
    grp = created["id"]
    put = api.call(
        "PUT", f"/um/groups/{grp}", {"properties": {"name": "g2", "createDataCenter": False}}
    )
    assert put.status == 202
    assert "/requests/" in put.headers["Location"]
    assert put.json["properties"] == {
        "name": "g2",
        "createDataCenter": False,
        "createSnapshot": True,
        "reserveIp": True,
        "accessActivityLog": False,
    }
    api.ok("POST", f"/um/groups/{grp}/shares/{dc}", {"properties": {"editPrivilege": True}})
    share = api.ok("PUT", f"/um/groups/{grp}/shares/{dc}", {"properties": {"sharePrivilege": True}})
    assert share["properties"] == {"editPrivilege": True, "sharePrivilege": True}


def test_add_group_user_echo_and_listing(api: Api) -> None:
    grp = _group(api)
    body = {
        "properties": {
            "firstname": "a",
            "lastname": "b",
            "email": "member@example.com",
            "password": "pw12345678",
        }
    }
    user = api.ok("POST", "/um/users", body)
    reply = api.call("POST", f"/um/groups/{grp}/users", {"id": user["id"]})
    assert reply.status == 202
    assert "/requests/" in reply.headers["Location"]
    assert reply.json["id"] == user["id"]
    assert reply.json["type"] == "user"
    listed = api.get(f"/um/groups/{grp}/users", depth=1).json
    assert listed["id"] == f"{grp}/users"
    assert [(i["id"], i["type"]) for i in listed["items"]] == [(user["id"], "user")]
    assert listed["items"][0]["href"] == f"{api.url}/um/users/{user['id']}"


# -- 2.3 Collections -----------------------------------------------------------------------------


def _tree(api: Api) -> dict[str, str]:
    """A data centre with one of everything; the ids by name."""
    dc = api.datacenter()
    srv = api.server(dc)
    vol = api.volume(dc)
    api.ok("POST", f"/datacenters/{dc}/servers/{srv}/volumes", {"id": vol})
    images = api.get("/images", depth=1).json["items"]
    cdrom = next(
        i["id"]
        for i in images
        if i["properties"]["imageType"] == "CDROM" and i["properties"]["location"] == "us/las"
    )
    api.ok("POST", f"/datacenters/{dc}/servers/{srv}/cdroms", {"id": cdrom})
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})["id"]
    rule = api.ok(
        "POST",
        f"/datacenters/{dc}/servers/{srv}/nics/{nic}/firewallrules",
        {"properties": {"protocol": "ANY"}},
    )["id"]
    lb = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {"name": "lb"}})["id"]
    api.ok("POST", f"/datacenters/{dc}/loadbalancers/{lb}/balancednics", {"id": nic})
    snap = api.ok("POST", f"/datacenters/{dc}/volumes/{vol}/create-snapshot")["id"]
    ipb = api.ok("POST", "/ipblocks", {"properties": {"location": "us/las", "size": 1}})["id"]
    grp = _group(api)
    api.ok("POST", f"/um/groups/{grp}/shares/{dc}", {"properties": {}})
    usr = api.get("/um/users").json["items"][0]["id"]
    api.ok("POST", f"/um/groups/{grp}/users", {"id": usr})
    return {
        "dc": dc, "srv": srv, "vol": vol, "cdrom": cdrom, "nic": nic, "rule": rule, "lb": lb,
        "snap": snap, "ipb": ipb, "grp": grp, "usr": usr,
    }  # fmt: skip


_D = "/datacenters/{dc}"
_S = _D + "/servers/{srv}"
COLLECTIONS = [
    # (GET path, collection id, item type, canonical href of the known item)
    ("/datacenters", "datacenters", "datacenter", _D),
    (_D + "/servers", "{dc}/servers", "server", _S),
    (_D + "/volumes", "{dc}/volumes", "volume", _D + "/volumes/{vol}"),
    (_D + "/lans", "{dc}/lans", "lan", _D + "/lans/1"),
    (_D + "/loadbalancers", "{dc}/loadbalancers", "loadbalancer", _D + "/loadbalancers/{lb}"),
    (_S + "/volumes", "{srv}/volumes", "volume", _D + "/volumes/{vol}"),
    (_S + "/cdroms", "{srv}/cdroms", "image", "/images/{cdrom}"),
    (_S + "/nics", "{srv}/nics", "nic", _S + "/nics/{nic}"),
    (_S + "/nics/{nic}/firewallrules", "{nic}/firewallrules", "firewall-rule",
     _S + "/nics/{nic}/firewallrules/{rule}"),
    # the balanced NIC is in the load balancer's own LAN, 2 (issue 8 A.10)
    (_D + "/lans/2/nics", "2/nics", "nic", _S + "/nics/{nic}"),
    (_D + "/loadbalancers/{lb}/balancednics", "{lb}/balancednics", "nic", _S + "/nics/{nic}"),
    ("/images", "images", "image", "/images/{cdrom}"),
    ("/snapshots", "snapshots", "snapshot", "/snapshots/{snap}"),
    ("/ipblocks", "ipblocks", "ipblock", "/ipblocks/{ipb}"),
    ("/locations", "locations", "location", "/locations/us/las"),
    ("/um/groups", "groups", "group", "/um/groups/{grp}"),
    ("/um/users", "users", "user", "/um/users/{usr}"),
    ("/um/groups/{grp}/users", "{grp}/users", "user", "/um/users/{usr}"),
    ("/um/groups/{grp}/shares", "{grp}/shares", "resource", "/um/groups/{grp}/shares/{dc}"),
    ("/um/resources", "resources", "datacenter", "/um/resources/datacenter/{dc}"),
    ("/um/resources/datacenter", "resources", "datacenter", "/um/resources/datacenter/{dc}"),
]  # fmt: skip


def test_collection_table(api: Api) -> None:
    ids = _tree(api)
    for path, cid, item_type, href in COLLECTIONS:
        for depth in (0, 1, 2):
            doc = api.get(path.format(**ids), depth=depth).json
            assert list(doc) == ["id", "type", "href", "items"], (path, depth)
            assert doc["id"] == cid.format(**ids), path
            assert doc["type"] == "collection"
            assert doc["href"] == api.url + path.format(**ids)
            wanted = api.url + href.format(**ids)
            found = [i for i in doc["items"] if i["href"] == wanted]
            assert len(found) == 1, (path, depth, wanted)
            assert found[0]["type"] == item_type, path
            if depth == 0:
                assert list(found[0]) == ["id", "type", "href"], path
            else:
                # um resources have metadata but no properties; shares no metadata
                assert len(found[0]) > 3, path


def test_requests_collection_newest_first(api: Api) -> None:
    first = api.call("POST", "/datacenters", {"properties": {"name": "a", "location": "us/las"}})
    second = api.call("DELETE", f"/datacenters/{first.json['id']}")
    doc = api.get("/requests", depth=0).json
    assert list(doc) == ["id", "type", "href", "items"]
    assert doc["id"] == "requests"
    assert [i["id"] for i in doc["items"]] == [second.request_id, first.request_id]
    assert doc["items"][0] == {
        "id": second.request_id,
        "type": "request",
        "href": f"{api.url}/requests/{second.request_id}",
    }


# -- 1 Query parameters, 5.1 Location, OPERATIONS.md 1.1 content types -----------------------------

LOCATION_RE = r"/requests/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/status"


def _mutations(api: Api) -> list[tuple[str, str, Any, str | None, bool]]:
    """(method, path, body, content type, reply has a body) for every kind of 202 call."""
    ids = _tree(api)
    dc, srv, vol, nic, lb, grp = (ids[k] for k in ("dc", "srv", "vol", "nic", "lb", "grp"))
    extra_vol = api.volume(dc)
    extra_nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    user = api.ok(
        "POST",
        "/um/users",
        {
            "properties": {
                "firstname": "a",
                "lastname": "b",
                "email": "m@e.test",
                "password": "x" * 8,
            }
        },
    )["id"]
    form = "application/x-www-form-urlencoded"
    s = f"/datacenters/{dc}/servers/{srv}"
    return [
        ("POST", "/datacenters", {"properties": {"name": "n", "location": "de/fra"}}, None, True),
        ("PATCH", f"/datacenters/{dc}", {"name": "renamed"}, "application/json", True),
        ("POST", f"{s}/volumes", {"id": extra_vol}, None, True),
        ("POST", f"{s}/stop", None, form, False),
        ("POST", f"{s}/start", None, None, False),
        ("POST", f"{s}/reboot", "{}", form + "; charset=UTF-8", False),
        ("POST", f"/datacenters/{dc}/volumes/{vol}/create-snapshot", "name=x", form, True),
        (
            "POST",
            f"/datacenters/{dc}/volumes/{vol}/restore-snapshot",
            f"snapshotId={ids['snap']}",
            form,
            False,
        ),
        ("POST", f"/datacenters/{dc}/loadbalancers/{lb}/balancednics", {"id": extra_nic["id"]},
         None, True),
        ("POST", f"/um/groups/{grp}/shares/{ids['ipb']}", {"properties": {}}, None, True),
        ("PUT", f"/um/groups/{grp}/shares/{ids['ipb']}", {"properties": {}}, None, True),
        ("POST", f"/um/groups/{grp}/users", {"id": user}, None, True),
        ("PUT", f"/um/users/{user}", {"properties": {"lastname": "c"}}, None, True),
        ("DELETE", f"/um/groups/{grp}/users/{user}", None, "application/json", False),
        ("DELETE", f"{s}/nics/{nic}", None, None, False),
        ("DELETE", f"/datacenters/{dc}", None, "application/json", False),
    ]  # fmt: skip


@pytest.mark.parametrize("query", ["", "depth=2&pretty=true", "pretty=false&depth=5"])
def test_every_202_has_location_and_accepts_depth_and_pretty(api: Api, query: str) -> None:
    for method, path, body, content_type, has_body in _mutations(api):
        raw = body if isinstance(body, str) else None
        reply = api.call(
            method,
            path,
            None if raw is not None else body,
            raw=raw,
            query=query,
            content_type=content_type,
        )
        assert reply.status == 202, (method, path, reply.text[:200])
        assert re.fullmatch(re.escape(api.url) + LOCATION_RE, reply.headers["Location"])
        assert api.status(reply) == "DONE"
        if has_body:
            assert reply.json["id"], (method, path)
            assert ("\n" in reply.text) is ("pretty=false" not in query), (method, path)
        else:
            assert reply.text == "", (method, path)


def test_get_replies_have_no_location(api: Api) -> None:
    dc = api.datacenter()
    for path in ("/datacenters", f"/datacenters/{dc}", "/locations", "/contracts", "/requests"):
        reply = api.get(path)
        assert reply.status == 200
        assert "Location" not in reply.headers


JSON_TYPES = [
    None,
    "application/json",
    "application/json; charset=UTF-8",
    "application/vnd.profitbricks.resource+json",
    "application/vnd.profitbricks.partial-properties+json",
]


@pytest.mark.parametrize("content_type", JSON_TYPES)
def test_json_routes_accept_every_content_type_variant(api: Api, content_type: str | None) -> None:
    created = api.call(
        "POST",
        "/datacenters",
        {"properties": {"name": "ct", "location": "us/las"}},
        content_type=content_type,
    )
    assert created.status == 202, created.text
    dc = created.json["id"]
    patched = api.call("PATCH", f"/datacenters/{dc}", {"name": "ct2"}, content_type=content_type)
    assert patched.status == 202, patched.text
    assert patched.json["properties"]["name"] == "ct2"
    grp = api.call(
        "POST", "/um/groups", {"properties": {"name": "ct"}}, content_type=content_type
    ).json["id"]
    put = api.call(
        "PUT", f"/um/groups/{grp}", {"properties": {"name": "ct3"}}, content_type=content_type
    )
    assert put.status == 202
    assert put.json["properties"]["name"] == "ct3"


@pytest.mark.parametrize("action", ["start", "stop", "reboot"])
@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        (None, None),
        (None, ""),
        ("application/x-www-form-urlencoded", ""),
        ("application/x-www-form-urlencoded; charset=UTF-8", "{}"),
        ("application/json", "{}"),
    ],
)
def test_power_actions_ignore_body_and_content_type(
    api: Api, action: str, content_type: str | None, raw: str | None
) -> None:
    dc, srv = _server_in(api)
    reply = api.call(
        "POST", f"/datacenters/{dc}/servers/{srv}/{action}", raw=raw, content_type=content_type
    )
    assert reply.status == 202, reply.text
    assert reply.text == ""
    assert api.status(reply) == "DONE"


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("application/x-www-form-urlencoded", "name=snap&description=d"),
        ("application/x-www-form-urlencoded; charset=UTF-8", "name=snap&description=d"),
        (None, "name=snap&description=d"),
        ("application/json", '{"name": "snap", "description": "d"}'),
        (None, '{"name": "snap", "description": "d"}'),
    ],
)
def test_create_snapshot_accepts_form_or_no_content_type(
    api: Api, content_type: str | None, raw: str
) -> None:
    dc = api.datacenter()
    vol = api.volume(dc)
    reply = api.call(
        "POST",
        f"/datacenters/{dc}/volumes/{vol}/create-snapshot",
        raw=raw,
        content_type=content_type,
    )
    assert reply.status == 202, reply.text
    assert reply.json["type"] == "snapshot"
    assert reply.json["properties"]["name"] == "snap"
    assert reply.json["properties"]["description"] == "d"


# -- 6 Requests and request status ---------------------------------------------------------------


def test_request_record_of_a_delete(api: Api) -> None:
    dc = api.datacenter()
    reply = api.call("DELETE", f"/datacenters/{dc}", query="depth=1&pretty=false")
    record = api.get(f"/requests/{reply.request_id}").json
    assert list(record) == ["id", "type", "href", "metadata", "properties"]
    assert record["metadata"]["requestStatus"] == {
        "id": f"{reply.request_id}/status",
        "type": "request-status",
        "href": f"{api.url}/requests/{reply.request_id}/status",
    }
    props = record["properties"]
    assert list(props) == ["method", "headers", "body", "url"]
    assert props["method"] == "DELETE"
    assert props["body"] is None
    assert props["url"] == f"{api.url}/datacenters/{dc}?depth=1&pretty=false"
    assert all(name == name.lower() for name in props["headers"])
    status = api.get(f"/requests/{reply.request_id}/status").json["metadata"]
    assert status["targets"] == [
        {
            "target": {"id": dc, "type": "datacenter", "href": f"{api.url}/datacenters/{dc}"},
            "status": "DONE",
        }
    ]


def test_request_status_lifecycle_messages(api: Api, emulator: Any) -> None:
    emulator.configure(progression="polls:2")
    reply = api.call("POST", "/datacenters", {"properties": {"name": "a", "location": "us/las"}})
    record = api.get(f"/requests/{reply.request_id}", depth=1).json
    pending = record["metadata"]["requestStatus"]["metadata"]
    assert pending["status"] in ("QUEUED", "RUNNING")
    assert pending["message"]
    assert pending["targets"][0]["status"] == pending["status"]
    seen = []
    for _ in range(3):
        meta = api.get(f"/requests/{reply.request_id}/status").json["metadata"]
        seen.append(meta["status"])
        if meta["status"] == "DONE":
            assert meta["message"] == "Request has been successfully executed"
            assert meta["targets"][0]["status"] == "DONE"
            break
    assert seen[-1] == "DONE"
    assert set(seen) <= {"QUEUED", "RUNNING", "DONE"}


def test_request_status_failed_has_a_message(api: Api, emulator: Any) -> None:
    emulator.configure(fail_probability=1.0)
    reply = api.call("POST", "/datacenters", {"properties": {"name": "a", "location": "us/las"}})
    meta = api.get(f"/requests/{reply.request_id}/status").json["metadata"]
    assert meta["status"] == "FAILED"
    assert meta["message"]
    assert meta["targets"][0]["status"] == "FAILED"


def test_hrefs_and_location_use_the_public_url() -> None:
    from profitbricks.emulator.testing import running_emulator

    public = "https://api.example.test/cloudapi/v4"
    with running_emulator(public_url=public) as emu:
        api = Api(emu, emu.username, emu.password)
        try:
            reply = api.call(
                "POST", "/datacenters", {"properties": {"name": "a", "location": "us/las"}}
            )
            assert reply.headers["Location"].startswith(public + "/requests/")
            dc = reply.json["id"]
            assert reply.json["href"] == f"{public}/datacenters/{dc}"
            doc = api.get(f"/datacenters/{dc}").json
            assert doc["entities"]["servers"]["href"] == f"{public}/datacenters/{dc}/servers"
            record = api.get(f"/requests/{reply.request_id}").json
            assert record["href"] == f"{public}/requests/{reply.request_id}"
            assert record["properties"]["url"] == f"{public}/datacenters?pretty=false"
            status = api.get(f"/requests/{reply.request_id}/status").json
            assert status["metadata"]["targets"][0]["target"]["href"] == doc["href"]
        finally:
            api.pool.clear()


# -- 12 Observed behaviour worth matching --------------------------------------------------------


def test_locations_are_the_four_of_v4(api: Api) -> None:
    for depth in (0, 1):
        doc = api.get("/locations", depth=depth).json
        assert len(doc) == 4
        assert {i["id"] for i in doc["items"]} == {"us/las", "us/ewr", "de/fra", "de/fkb"}
    names = {i["id"]: i["properties"]["name"] for i in api.get("/locations", depth=1).json["items"]}
    assert names == {
        "us/las": "lasvegas",
        "us/ewr": "newark",
        "de/fra": "frankfurt",
        "de/fkb": "karlsruhe",
    }


def test_nic_with_lan_one_in_a_fresh_datacenter(api: Api) -> None:
    dc, srv = _server_in(api)
    assert api.get(f"/datacenters/{dc}/lans/0").status == 404
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    lans = api.get(f"/datacenters/{dc}/lans", depth=0).json["items"]
    assert [lan["id"] for lan in lans] == ["1"]
    got = api.get(f"/datacenters/{dc}/servers/{srv}/nics/{nic['id']}").json["properties"]
    assert got["lan"] == 1
    assert got["nat"] is False
    assert got["dhcp"] is True
    assert got["firewallActive"] is False
    assert got["ips"]
    assert re.fullmatch(r"02:01(:[0-9a-f]{2}){4}", got["mac"])
    assert api.get(f"/datacenters/{dc}/lans/0").status == 404


def test_server_from_public_image_with_password_and_ssh_key(api: Api) -> None:
    dc = api.datacenter()
    body = {
        "properties": {"name": "web", "cores": 1, "ram": 1024},
        "entities": {
            "volumes": {
                "items": [
                    {
                        "properties": {
                            "name": "system",
                            "size": 5,
                            "image": UBUNTU_LAS,
                            "imagePassword": "secretpassword123",
                            "sshKeys": ["ssh-rsa AAAAB3NzaC1"],
                        }
                    }
                ]
            },
            "nics": {"items": [{"properties": {"name": "nic", "lan": 1}}]},
        },
    }
    echo = api.ok("POST", f"/datacenters/{dc}/servers", body)
    volume_echo = echo["entities"]["volumes"]["items"][0]["properties"]
    assert volume_echo["imagePassword"] == "secretpassword123"
    assert volume_echo["sshKeys"] == ["ssh-rsa AAAAB3NzaC1"]
    server = api.get(f"/datacenters/{dc}/servers/{echo['id']}", depth=1).json
    assert server["properties"]["vmState"] == "RUNNING"
    assert len(server["entities"]["volumes"]["items"]) >= 1
    assert len(server["entities"]["nics"]["items"]) >= 1
    vol = server["entities"]["volumes"]["items"][0]["id"]
    got = api.get(f"/datacenters/{dc}/volumes/{vol}").json["properties"]
    assert got["licenceType"] == "LINUX"  # inherited from the image
    assert got["imagePassword"] is None
    assert got["sshKeys"] is None
    assert got["image"] == UBUNTU_LAS


def test_public_image_catalogue_types(api: Api) -> None:
    items = api.get("/images", depth=1).json["items"]
    assert {i["properties"]["imageType"] for i in items} == {"HDD", "CDROM"}
    for item in items:
        assert list(item) == ["id", "type", "href", "metadata", "properties"]
        props = item["properties"]
        assert props["description"] == ""  # null on GET /images/{id} (issue 8 A.4)
        assert api.get(item["href"][len(api.url) :]).json["properties"]["description"] is None
        assert type(props["size"]) is float
        assert props["size"] > 0
        assert isinstance(props["imageAliases"], list)
        assert props["public"] is True
        assert all(type(props[flag]) is bool for flag in HOT_PLUG)
        assert item["metadata"]["state"] == "AVAILABLE"


def test_user_create_echo_and_get(api: Api) -> None:
    body = {
        "properties": {
            "firstname": "a",
            "lastname": "b",
            "email": "sec@example.com",
            "password": "pw12345678",
        }
    }
    echo = api.ok("POST", "/um/users", body)
    assert echo["properties"]["forceSecAuth"] is False
    got = api.get(f"/um/users/{echo['id']}").json
    assert got["properties"]["secAuthActive"] is False
    assert "password" not in got["properties"]


# -- 4 Embedded references -----------------------------------------------------------------------


def _cdrom_las(api: Api) -> str:
    items = api.get("/images", depth=1).json["items"]
    return str(
        next(
            i["id"]
            for i in items
            if i["properties"]["imageType"] == "CDROM" and i["properties"]["location"] == "us/las"
        )
    )


def test_boot_devices_accept_bare_ids_and_exclude_each_other(api: Api) -> None:
    dc = api.datacenter()
    cdrom = _cdrom_las(api)
    echo = api.ok(
        "POST",
        f"/datacenters/{dc}/servers",
        {"properties": {"name": "s", "cores": 1, "ram": 1024, "bootCdrom": cdrom}},
    )
    srv = echo["id"]
    path = f"/datacenters/{dc}/servers/{srv}"
    got = api.get(path, depth=0).json["properties"]
    assert got["bootCdrom"] == {"id": cdrom, "type": "image", "href": f"{api.url}/images/{cdrom}"}
    assert got["bootVolume"] is None
    vol = api.volume(dc)
    api.ok("POST", f"{path}/volumes", {"id": vol})
    api.ok("PATCH", path, {"bootVolume": vol})  # bare string, as libcloud sends it
    got = api.get(path, depth=1).json["properties"]
    assert got["bootCdrom"] is None
    assert got["bootVolume"]["id"] == vol
    assert got["bootVolume"]["properties"]["size"] == 10  # full object at depth >= 1
    api.ok("PATCH", path, {"bootCdrom": {"id": cdrom}})
    got = api.get(path).json["properties"]
    assert got["bootVolume"] is None
    assert got["bootCdrom"]["id"] == cdrom


def test_depth_table_boot_cdrom_and_cdrom_items(api: Api) -> None:
    dc = api.datacenter()
    cdrom = _cdrom_las(api)
    api.ok(
        "POST",
        f"/datacenters/{dc}/servers",
        {"properties": {"name": "s", "cores": 1, "ram": 1024, "bootCdrom": {"id": cdrom}}},
    )
    d2 = api.get(f"/datacenters/{dc}", depth=2).json["entities"]["servers"]["items"][0]
    assert list(d2["properties"]["bootCdrom"]) == ["id", "type", "href"]
    assert "items" not in d2["entities"]["cdroms"]
    d3 = api.get(f"/datacenters/{dc}", depth=3).json["entities"]["servers"]["items"][0]
    assert d3["properties"]["bootCdrom"]["properties"]["imageType"] == "CDROM"
    assert [list(i) for i in d3["entities"]["cdroms"]["items"]] == [["id", "type", "href"]]
    d4 = api.get(f"/datacenters/{dc}", depth=4).json["entities"]["servers"]["items"][0]
    assert d4["entities"]["cdroms"]["items"][0]["properties"]["imageType"] == "CDROM"
    assert "entities" not in d4["entities"]["cdroms"]["items"][0]


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_request_listing_carries_each_status_from_depth_1(api: Api, depth: int) -> None:
    api.datacenter()
    items = api.get("/requests", depth=depth).json["items"]
    status = items[0]["metadata"]["requestStatus"]
    assert list(status) == ["id", "type", "href", "metadata"]
    assert status["metadata"]["status"] == "DONE"
    assert status["metadata"]["message"] == "Request has been successfully executed"


def test_request_listing_at_depth_0_lists_references(api: Api) -> None:
    api.datacenter()
    items = api.get("/requests", depth=0).json["items"]
    assert list(items[0]) == ["id", "type", "href"]
