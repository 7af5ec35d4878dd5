"""Attaching what is attached, detaching what is not, and the load balancer's LAN (issue 8
A.7, A.10, A.13).

The associations are found in the routing table: a POST on a collection that is not a create
(``rules.base.CREATES``) and whose members can be deleted. For each, attaching a member twice is
accepted like any request, also while a detach of it is still queued (the member ends
attached), and detaching a member that is not attached is 404.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from profitbricks.emulator.routes import ROUTES
from profitbricks.emulator.rules.base import CREATES
from profitbricks.emulator.testing import EmulatorHandle

from .emu_helpers import Api

_ROUTES = dict(ROUTES)
ASSOCIATIONS = sorted(
    (path, member)
    for path, table in ROUTES
    if "POST" in table and table["POST"] not in CREATES
    for member, member_table in ROUTES
    if member.startswith(path + "/<")
    and member.count("/") == path.count("/") + 1
    and "DELETE" in member_table
)

_DC = "/datacenters/<dc_id>"
_SRV = _DC + "/servers/<srv_id>"


def _cdrom(api: Api) -> str:
    return next(
        i["id"]
        for i in api.get("/images", depth=1).json["items"]
        if i["properties"]["imageType"] == "CDROM" and i["properties"]["location"] == "us/las"
    )


def _user(api: Api) -> str:
    body = {
        "properties": {
            "firstname": "m",
            "lastname": "m",
            "email": "member@example.com",
            "password": "pw123456",
        }
    }
    return str(api.ok("POST", "/um/users", body)["id"])


#: association route -> how to make a member for it, given the data centre and the server
MEMBERS: dict[str, Callable[[Api, str, str], str]] = {
    _SRV + "/volumes": lambda api, dc, srv: api.volume(dc),
    _SRV + "/cdroms": lambda api, dc, srv: _cdrom(api),
    _DC + "/loadbalancers/<lb_id>/balancednics": lambda api, dc, srv: str(
        api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})["id"]
    ),
    "/um/groups/<group_id>/users": lambda api, dc, srv: _user(api),
}


def test_every_association_has_a_member() -> None:
    assert {path for path, _ in ASSOCIATIONS} == set(MEMBERS)


def _collection(api: Api, path: str) -> tuple[str, str]:
    dc = api.datacenter()
    srv = api.server(dc)
    lb = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {}})["id"]
    group = api.ok("POST", "/um/groups", {"properties": {"name": "g"}})["id"]
    filled = (
        path.replace("<dc_id>", dc)
        .replace("<srv_id>", srv)
        .replace("<lb_id>", lb)
        .replace("<group_id>", group)
    )
    return filled, MEMBERS[path](api, dc, srv)


def _members(api: Api, path: str) -> list[str]:
    return [item["id"] for item in api.get(path).json["items"]]


def _finish(api: Api, *replies: object) -> None:
    """Poll the last request until it (and so every earlier one) is done."""
    last = replies[-1]
    for _ in range(10):
        if api.status(last) == "DONE":  # type: ignore[arg-type]
            return
    raise AssertionError("the request did not finish")


@pytest.mark.parametrize(("route", "member_route"), ASSOCIATIONS)
def test_attaching_twice_is_accepted(route: str, member_route: str, api: Api) -> None:
    path, member = _collection(api, route)
    first = api.call("POST", path, {"id": member})
    assert first.status == 202, first.text[:300]
    again = api.call("POST", path, {"id": member})
    assert again.status == 202, again.text[:300]
    assert again.headers["Location"].endswith("/status")
    assert again.json["id"] == member
    assert again.json["metadata"].get("state", "BUSY") == "BUSY"
    assert api.status(again) == "DONE"
    assert _members(api, path) == [member]


@pytest.mark.parametrize(("route", "member_route"), ASSOCIATIONS)
def test_attach_while_a_detach_is_queued_ends_attached(
    route: str, member_route: str, api: Api, emulator: EmulatorHandle
) -> None:
    path, member = _collection(api, route)
    api.ok("POST", path, {"id": member})
    emulator.configure(progression="polls:2")
    detach = api.call("DELETE", f"{path}/{member}")
    assert detach.status == 202
    attach = api.call("POST", path, {"id": member})
    assert attach.status == 202, attach.text[:300]
    _finish(api, detach, attach)
    assert _members(api, path) == [member]
    # and the other way round: detached at the end
    attach = api.call("POST", path, {"id": member})
    detach = api.call("DELETE", f"{path}/{member}")
    assert (attach.status, detach.status) == (202, 202)
    _finish(api, attach, detach)
    assert _members(api, path) == []


@pytest.mark.parametrize(("route", "member_route"), ASSOCIATIONS)
def test_detaching_what_is_not_attached_is_404(route: str, member_route: str, api: Api) -> None:
    path, member = _collection(api, route)
    reply = api.call("DELETE", f"{path}/{member}")
    assert reply.status == 404
    assert reply.message == "Resource does not exist"


def test_attached_cdrom_reattached_after_a_queued_detach_can_boot(
    api: Api, emulator: EmulatorHandle
) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    iso = _cdrom(api)
    api.ok("POST", f"/datacenters/{dc}/servers/{srv}/cdroms", {"id": iso})
    emulator.configure(progression="polls:2")
    detach = api.call("DELETE", f"/datacenters/{dc}/servers/{srv}/cdroms/{iso}")
    attach = api.call("POST", f"/datacenters/{dc}/servers/{srv}/cdroms", {"id": iso})
    _finish(api, detach, attach)
    assert api.get(f"/datacenters/{dc}/servers/{srv}/cdroms/{iso}").status == 200


def test_volume_reattached_after_a_queued_detach_is_provisioned(
    api: Api, emulator: EmulatorHandle
) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    vol = api.volume(dc)
    api.ok("POST", f"/datacenters/{dc}/servers/{srv}/volumes", {"id": vol})
    emulator.configure(progression="polls:2")
    detach = api.call("DELETE", f"/datacenters/{dc}/servers/{srv}/volumes/{vol}")
    attach = api.call("POST", f"/datacenters/{dc}/servers/{srv}/volumes", {"id": vol})
    _finish(api, detach, attach)
    props = api.get(f"/datacenters/{dc}/servers/{srv}/volumes/{vol}").json["properties"]
    assert (props["bus"], props["deviceNumber"]) == ("VIRTIO", 1)


def test_a_volume_of_another_server_is_still_refused(api: Api) -> None:
    dc = api.datacenter()
    one, two = api.server(dc), api.server(dc)
    vol = api.volume(dc)
    api.ok("POST", f"/datacenters/{dc}/servers/{one}/volumes", {"id": vol})
    reply = api.call("POST", f"/datacenters/{dc}/servers/{two}/volumes", {"id": vol})
    assert reply.status == 422
    assert "is attached to another server" in reply.message


def test_sharing_twice_is_still_refused(api: Api) -> None:
    # WIRE.md 9.2 records the API's 422 for a resource already shared with the group.
    dc = api.datacenter()
    group = api.ok("POST", "/um/groups", {"properties": {"name": "g"}})["id"]
    path = f"/um/groups/{group}/shares/{dc}"
    assert api.call("POST", path, {"properties": {}}).status == 202
    assert api.call("POST", path, {"properties": {}}).status == 422
    assert api.call("DELETE", path).status == 202
    assert api.call("DELETE", path).status == 404


# -- the load balancer's own LAN (A.10) -----------------------------------------------------------


def _lan_members(api: Api, dc: str, lan: str) -> list[str]:
    return _members(api, f"/datacenters/{dc}/lans/{lan}/nics")


def test_a_balanced_nic_is_in_the_load_balancers_lan(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    nics = f"/datacenters/{dc}/servers/{srv}/nics"
    nic = api.ok("POST", nics, {"properties": {"lan": 1}})["id"]
    lb = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {}})["id"]
    lb_path = f"/datacenters/{dc}/loadbalancers/{lb}"
    assert _members(api, f"/datacenters/{dc}/lans") == ["1"]  # no NIC, no LAN of its own
    api.ok("POST", f"{lb_path}/balancednics", {"id": nic})

    balanced = api.get(f"{lb_path}/balancednics/{nic}").json
    assert balanced["properties"]["lan"] == 2
    assert api.get(f"{nics}/{nic}").json["properties"]["lan"] == 2
    assert _members(api, f"/datacenters/{dc}/lans") == ["1", "2"]
    lan = api.get(f"/datacenters/{dc}/lans/2").json["properties"]
    assert lan == {"name": None, "public": False, "ipFailover": []}
    assert _lan_members(api, dc, "2") == [nic]
    assert _lan_members(api, dc, "1") == []
    lb_ip = api.get(lb_path).json["properties"]["ip"]
    assert lb_ip in balanced["properties"]["ips"]

    # the LAN cannot be taken away from the balancer, nor the NIC from the LAN
    refused = api.call("DELETE", f"/datacenters/{dc}/lans/2")
    assert refused.status == 422
    assert f"load balancer {lb}" in refused.message
    moved = api.call("PATCH", f"{nics}/{nic}", {"lan": 1})
    assert moved.status == 422
    assert "Attribute 'lan' cannot be changed while a load balancer balances" in moved.message
    assert api.call("PUT", f"{nics}/{nic}", {"properties": {"lan": 2}}).status == 202

    # removed from the balancer, the NIC goes back to its LAN, without the balancer's IP
    api.ok("DELETE", f"{lb_path}/balancednics/{nic}")
    back = api.get(f"{nics}/{nic}").json["properties"]
    assert back["lan"] == 1
    assert lb_ip not in back["ips"]
    assert _lan_members(api, dc, "1") == [nic]
    assert _lan_members(api, dc, "2") == []

    # balanced again it uses the same LAN; deleting the balancer sends it home, LAN and all
    api.ok("POST", f"{lb_path}/balancednics", {"id": nic})
    assert api.get(f"{nics}/{nic}").json["properties"]["lan"] == 2
    api.ok("DELETE", lb_path)
    assert api.get(f"{nics}/{nic}").json["properties"]["lan"] == 1
    assert _members(api, f"/datacenters/{dc}/lans") == ["1"]


def test_the_balancer_lan_is_the_next_free_one(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    api.ok("POST", f"/datacenters/{dc}/lans", {"properties": {}})
    api.ok("POST", f"/datacenters/{dc}/lans", {"properties": {}})
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    lb = api.ok(
        "POST",
        f"/datacenters/{dc}/loadbalancers",
        {"properties": {}, "entities": {"balancednics": {"items": [{"id": nic["id"]}]}}},
    )
    got = api.get(f"/datacenters/{dc}/loadbalancers/{lb['id']}/balancednics/{nic['id']}").json
    assert got["properties"]["lan"] == 3
    assert _lan_members(api, dc, "3") == [nic["id"]]


def test_a_nic_is_balanced_by_one_load_balancer_at_a_time(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    one = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {}})["id"]
    two = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {}})["id"]
    api.ok("POST", f"/datacenters/{dc}/loadbalancers/{one}/balancednics", nic)
    reply = api.call("POST", f"/datacenters/{dc}/loadbalancers/{two}/balancednics", nic)
    assert reply.status == 422
    assert f"which load balancer {one} balances already" in reply.message


def test_deleting_a_balanced_nic_leaves_the_balancer_lan(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    lb = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {}})["id"]
    api.ok("POST", f"/datacenters/{dc}/loadbalancers/{lb}/balancednics", nic)
    api.ok("DELETE", f"/datacenters/{dc}/servers/{srv}/nics/{nic['id']}")
    assert _members(api, f"/datacenters/{dc}/loadbalancers/{lb}/balancednics") == []
    assert _lan_members(api, dc, "2") == []
