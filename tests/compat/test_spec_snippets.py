"""Every code snippet of the SDK guide's Reference section, run as printed against the emulator.

The snippets are copied verbatim into ``CASES`` below (in the guide's order). Each test builds a
small world in a fresh emulator (a data center with a server, volumes, NICs, a firewall rule,
LANs, a load balancer, a snapshot, an IP block, a group with a user and a share, and for the
image snippets a private image uploaded through the emulator's control API), replaces the
guide's placeholders (``'UUID'``, ``ID``, ``'datacenter_id'``, ``'deleting_snapshot_id'``)
textually with the ids of those resources, executes the snippet with ``exec`` in a namespace where
``client`` is a ``ProfitBricksService`` connected to the emulator, and checks the snippet's result
and, for mutations, the emulator's state afterwards.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pytest

from profitbricks import client as client_module
from profitbricks.client import (
    LAN,
    NIC,
    Datacenter,
    FirewallRule,
    Group,
    IPBlock,
    LoadBalancer,
    ProfitBricksService,
    Server,
    User,
    Volume,
)
from profitbricks.emulator.testing import EmulatorHandle
from profitbricks.errors import PBError, PBNotAuthorizedError, PBNotFoundError

#: The Ubuntu HDD image in us/las that the guide's examples use.
SPEC_IMAGE = "0d4f97f0-1689-11e7-97ce-525400f64d8d"
LOCATIONS = {"us/las", "us/ewr", "de/fra", "de/fkb"}
RESOURCE_CLASSES = (
    "Datacenter",
    "Server",
    "Volume",
    "NIC",
    "FirewallRule",
    "LAN",
    "LoadBalancer",
    "IPBlock",
    "Group",
    "User",
)


# --- the world the snippets run in -------------------------------------------------------------


def build_world(client: ProfitBricksService, *, user_management: bool) -> dict[str, Any]:
    """Create the resources the snippets name; return world key -> id.

    The group, users and share are only made when ``user_management`` is true, so that the
    other snippets do not depend on /um. The emulator fixture completes requests immediately,
    so nothing needs waiting for.
    """
    w: dict[str, Any] = {}
    dc = client.create_datacenter(Datacenter(name="Snippets", location="us/las"))
    w["dc"] = dc["id"]
    w["request"] = dc["requestId"]
    w["lan"] = int(client.create_lan(w["dc"], LAN(name="Front", public=True))["id"])
    w["lan_empty"] = int(client.create_lan(w["dc"], LAN(name="Spare"))["id"])
    w["srv"] = client.create_server(w["dc"], Server(name="srv", cores=1, ram=1024))["id"]
    for key in ("vol", "vol_free"):
        volume = Volume(name=key, size=5, licence_type="LINUX")
        w[key] = client.create_volume(w["dc"], volume)["id"]
    client.attach_volume(w["dc"], w["srv"], w["vol"])
    cdroms = [
        image["id"]
        for image in client.list_images(depth=1)["items"]
        if image["properties"]["imageType"] == "CDROM"
        and image["properties"]["location"] == "us/las"
    ]
    w["cdrom"], w["cdrom_free"] = cdroms[:2]
    client.attach_cdrom(w["dc"], w["srv"], w["cdrom"])
    for key in ("nic", "nic2"):
        w[key] = client.create_nic(w["dc"], w["srv"], NIC(name=key, lan=w["lan"]))["id"]
    rule = FirewallRule(name="web", protocol="TCP", port_range_start=80, port_range_end=80)
    w["rule"] = client.create_firewall_rule(w["dc"], w["srv"], w["nic"], rule)["id"]
    w["lb"] = client.create_loadbalancer(w["dc"], LoadBalancer(name="lb", dhcp=True))["id"]
    client.add_loadbalanced_nics(w["dc"], w["lb"], w["nic"])
    # The balanced NIC is now in the load balancer's own LAN (a third one).
    w["lb_lan"] = client.get_nic(w["dc"], w["srv"], w["nic"])["properties"]["lan"]
    w["snap"] = client.create_snapshot(w["dc"], w["vol"], name="snap", description="d")["id"]
    w["ipb"] = client.reserve_ipblock(IPBlock(name="ipb", location="us/las", size=1))["id"]
    w["image"] = SPEC_IMAGE
    if not user_management:
        return w
    w["grp"] = client.create_group(Group(name="Snippet group", create_datacenter=True))["id"]
    for key, email in (("user", "member@example.com"), ("user2", "other@example.com")):
        user = User(firstname=key, lastname="Tester", email=email, password="secretpassword1")
        w[key] = client.create_user(user)["id"]
    client.add_group_user(w["grp"], w["user"])
    client.add_share(w["grp"], w["dc"], edit_privilege=False, share_privilege=False)
    return w


#: The world resource each placeholder keyword names, unless a case says otherwise.
DEFAULT_IDS = MappingProxyType(
    {
        "datacenter_id": "dc",
        "server_id": "srv",
        "volume_id": "vol",
        "cdrom_id": "cdrom",
        "nic_id": "nic",
        "firewall_rule_id": "rule",
        "loadbalancer_id": "lb",
        "snapshot_id": "snap",
        "image_id": "image",
        "ipblock_id": "ipb",
        "lan_id": "lan",
        "group_id": "grp",
        "user_id": "user",
        "resource_id": "dc",
        "request_id": "request",
    }
)

_KEYWORD_PLACEHOLDER = re.compile(
    r"\b(\w+)=(?:'UUID'|'datacenter_id'|'deleting_snapshot_id'|\bID\b)(?=[,)\s])"
)
_POSITIONAL_PLACEHOLDER = "('UUID')"


def substitute(snippet: str, ids: Mapping[str, str], world: Mapping[str, Any]) -> str:
    """Replace the guide's placeholders in ``snippet`` by the ids of world resources.

    ``keyword='UUID'`` (and ``=ID``, ``='datacenter_id'``, ``='deleting_snapshot_id'``) takes the
    resource ``ids`` (or ``DEFAULT_IDS``) names for the keyword; a positional ``('UUID')`` takes
    the resource named by ``ids["_"]``.
    """
    chosen = {**DEFAULT_IDS, **ids}

    def keyword(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{name}={world[chosen[name]]!r}"

    text = _KEYWORD_PLACEHOLDER.sub(keyword, snippet)
    if _POSITIONAL_PLACEHOLDER in text:
        text = text.replace(_POSITIONAL_PLACEHOLDER, f"({world[chosen['_']]!r})")
    assert "UUID" not in text
    assert not re.search(r"\bID\b", text)
    return text


def namespace(client: ProfitBricksService) -> dict[str, Any]:
    """The names the guide's snippets use: ``client`` and the resource classes."""
    names: dict[str, Any] = {name: getattr(client_module, name) for name in RESOURCE_CLASSES}
    names["client"] = client
    return names


def execute(code: str, names: dict[str, Any]) -> Any:
    """Run ``code``; return the value of a trailing expression, else of ``response``."""
    tree = ast.parse(code)
    last = tree.body[-1]
    if isinstance(last, ast.Expr):
        body = ast.Module(body=tree.body[:-1], type_ignores=[])
        exec(compile(body, "<snippet>", "exec"), names)
        return eval(compile(ast.Expression(last.value), "<snippet>", "eval"), names)
    exec(compile(tree, "<snippet>", "exec"), names)
    return names.get("response")


@dataclass
class Run:
    """What a check sees: the client, the world's ids, the snippet's result and namespace."""

    client: ProfitBricksService
    w: dict[str, Any]
    result: Any
    ns: dict[str, Any]
    error: PBError | None = None


# --- check helpers ----------------------------------------------------------------------------


def ids_of(collection: Mapping[str, Any]) -> list[str]:
    assert collection["type"] == "collection"
    return [item["id"] for item in collection["items"]]


def props(document: Mapping[str, Any]) -> Mapping[str, Any]:
    return document["properties"]


def accepted(r: Run) -> str:
    """The result of a mutation carries a request id, and that request completed."""
    request_id = r.result["requestId"]
    status = r.client.get_request(request_id=request_id, status=True)
    assert status["metadata"]["status"] == "DONE"
    return str(request_id)


def gone(call: Callable[..., Any], *args: Any) -> None:
    with pytest.raises(PBNotFoundError):
        call(*args)


# --- one check per snippet --------------------------------------------------------------------


def check_list_datacenters(r: Run) -> None:
    assert ids_of(r.result) == [r.w["dc"]]


def check_get_datacenter(r: Run) -> None:
    assert r.result["id"] == r.w["dc"]
    assert r.result["type"] == "datacenter"
    assert props(r.result)["name"] == "Snippets"


def check_datacenter_object(r: Run) -> None:
    datacenter = r.ns["datacenter"]
    assert isinstance(datacenter, Datacenter)
    assert datacenter.name == "Data Center Name"
    assert datacenter.description == "My new data center"
    assert datacenter.location == "de/fkb"


def check_create_datacenter(r: Run) -> None:
    accepted(r)
    assert r.result["type"] == "datacenter"
    created = props(r.client.get_datacenter(r.result["id"]))
    assert created["name"] == "Data Center Name"
    assert created["description"] == "My new data center"
    assert created["location"] == "de/fkb"
    assert set(ids_of(r.client.list_datacenters())) == {r.w["dc"], r.result["id"]}


def check_update_datacenter(r: Run) -> None:
    accepted(r)
    updated = props(r.client.get_datacenter(r.w["dc"]))
    assert updated["name"] == "New Name"
    assert updated["description"] == "New description"


def check_delete_datacenter(r: Run) -> None:
    accepted(r)
    gone(r.client.get_datacenter, r.w["dc"])
    assert ids_of(r.client.list_datacenters()) == []


def check_list_locations(r: Run) -> None:
    assert set(ids_of(r.result)) == LOCATIONS


def check_get_location(r: Run) -> None:
    assert r.result["id"] == "us/las"
    assert r.result["type"] == "location"


def check_list_servers(r: Run) -> None:
    assert ids_of(r.result) == [r.w["srv"]]


def check_get_server(r: Run) -> None:
    assert r.result["id"] == r.w["srv"]
    assert r.result["type"] == "server"
    assert props(r.result)["name"] == "srv"


def check_server_object(r: Run) -> None:
    server = r.ns["server"]
    assert isinstance(server, Server)
    assert (server.name, server.cores, server.ram) == ("Server Name", 1, 2048)


def check_create_server(r: Run) -> None:
    accepted(r)
    assert set(ids_of(r.client.list_servers(r.w["dc"]))) == {r.w["srv"], r.result["id"]}
    created = props(r.client.get_server(r.w["dc"], r.result["id"]))
    assert (created["name"], created["cores"], created["ram"]) == ("Server Name", 1, 2048)


def check_update_server(r: Run) -> None:
    accepted(r)
    assert props(r.client.get_server(r.w["dc"], r.w["srv"]))["name"] == "New Name"


def check_delete_server(r: Run) -> None:
    accepted(r)
    gone(r.client.get_server, r.w["dc"], r.w["srv"])
    assert ids_of(r.client.list_servers(r.w["dc"])) == []


def check_get_attached_volumes(r: Run) -> None:
    assert ids_of(r.result) == [r.w["vol"]]


def check_attach_volume(r: Run) -> None:
    accepted(r)
    assert r.result["id"] == r.w["vol_free"]
    attached = ids_of(r.client.get_attached_volumes(r.w["dc"], r.w["srv"]))
    assert set(attached) == {r.w["vol"], r.w["vol_free"]}


def check_get_attached_volume(r: Run) -> None:
    assert r.result["id"] == r.w["vol"]
    assert r.result["type"] == "volume"


def check_detach_volume(r: Run) -> None:
    accepted(r)
    assert ids_of(r.client.get_attached_volumes(r.w["dc"], r.w["srv"])) == []
    assert r.w["vol"] in ids_of(r.client.list_volumes(r.w["dc"]))


def check_get_attached_cdroms(r: Run) -> None:
    assert ids_of(r.result) == [r.w["cdrom"]]


def check_attach_cdrom(r: Run) -> None:
    accepted(r)
    assert r.result["id"] == r.w["cdrom_free"]
    attached = ids_of(r.client.get_attached_cdroms(r.w["dc"], r.w["srv"]))
    assert set(attached) == {r.w["cdrom"], r.w["cdrom_free"]}


def check_get_attached_cdrom(r: Run) -> None:
    assert r.result["id"] == r.w["cdrom"]
    assert r.result["type"] == "image"
    assert props(r.result)["imageType"] == "CDROM"


def check_detach_cdrom(r: Run) -> None:
    accepted(r)
    gone(r.client.get_attached_cdrom, r.w["dc"], r.w["srv"], r.w["cdrom"])
    assert ids_of(r.client.get_attached_cdroms(r.w["dc"], r.w["srv"])) == []


def _vm_state(r: Run) -> str:
    return str(props(r.client.get_server(r.w["dc"], r.w["srv"]))["vmState"])


def check_reboot_server(r: Run) -> None:
    accepted(r)
    assert _vm_state(r) == "RUNNING"


def stop_the_server(client: ProfitBricksService, w: dict[str, Any]) -> None:
    client.stop_server(w["dc"], w["srv"])
    assert props(client.get_server(w["dc"], w["srv"]))["vmState"] == "SHUTOFF"


def check_start_server(r: Run) -> None:
    accepted(r)
    assert _vm_state(r) == "RUNNING"


def check_stop_server(r: Run) -> None:
    accepted(r)
    assert _vm_state(r) == "SHUTOFF"


def check_list_images(r: Run) -> None:
    assert SPEC_IMAGE in ids_of(r.result)
    assert {item["type"] for item in r.result["items"]} == {"image"}


def check_get_image(r: Run) -> None:
    assert r.result["id"] == SPEC_IMAGE
    assert r.result["type"] == "image"
    assert props(r.result)["public"] is True


#: The private image the image snippets change: an upload in the real API, made here through the
#: emulator's control API.
PRIVATE_IMAGE = {
    "name": "Uploaded image",
    "description": "Uploaded",
    "location": "us/las",
    "size": 4.0,
    "licenceType": "UNKNOWN",
}


def check_update_image(r: Run) -> None:
    accepted(r)
    assert r.result["id"] == r.w["private_image"]
    image = r.client.get_image(r.w["private_image"])
    assert props(image)["name"] == "New Name"
    assert props(image)["description"] == "New description"
    assert props(image)["licenceType"] == "LINUX"
    assert props(image)["public"] is False
    assert props(image)["size"] == PRIVATE_IMAGE["size"]


def check_delete_image(r: Run) -> None:
    accepted(r)
    gone(r.client.get_image, r.w["private_image"])
    listed = ids_of(r.client.list_images())
    assert r.w["private_image"] not in listed
    assert SPEC_IMAGE in listed


def _refused_for_a_public_image(r: Run) -> None:
    # The guide says public images cannot be changed or deleted: the call must reach the API
    # and be refused, and the image stays as it was.
    assert isinstance(r.error, PBError)
    assert r.error.resp == 403
    assert r.error.url is not None
    assert r.error.url.endswith(f"/images/{SPEC_IMAGE}")
    image = r.client.get_image(SPEC_IMAGE)
    assert props(image)["name"] == "Ubuntu-16.04-LTS-server-2017-10-01"
    assert props(image)["licenceType"] == "LINUX"


def check_update_public_image(r: Run) -> None:
    _refused_for_a_public_image(r)
    assert r.error is not None
    assert r.error.method == "PATCH"


def check_delete_public_image(r: Run) -> None:
    _refused_for_a_public_image(r)
    assert r.error is not None
    assert r.error.method == "DELETE"


def check_list_volumes(r: Run) -> None:
    assert set(ids_of(r.result)) == {r.w["vol"], r.w["vol_free"]}


def check_get_volume(r: Run) -> None:
    assert r.result["id"] == r.w["vol"]
    assert props(r.result)["size"] == 5


def check_volume_object(r: Run) -> None:
    volume = r.ns["volume"]
    assert isinstance(volume, Volume)
    assert (volume.name, volume.size, volume.bus) == ("name", 20, "VIRTIO")
    assert volume.disk_type == "HDD"
    assert volume.licence_type == "LINUX"
    assert volume.availability_zone == "ZONE_3"


def check_create_volume(r: Run) -> None:
    accepted(r)
    created = props(r.client.get_volume(r.w["dc"], r.result["id"]))
    assert (created["name"], created["size"], created["type"]) == ("name", 20, "HDD")
    assert created["licenceType"] == "LINUX"
    assert created["availabilityZone"] == "ZONE_3"


def check_update_volume(r: Run) -> None:
    accepted(r)
    updated = props(r.client.get_volume(r.w["dc"], r.w["vol"]))
    assert (updated["size"], updated["name"]) == (6, "New Name")


def check_delete_volume(r: Run) -> None:
    accepted(r)
    gone(r.client.get_volume, r.w["dc"], r.w["vol_free"])
    assert ids_of(r.client.list_volumes(r.w["dc"])) == [r.w["vol"]]


def check_create_snapshot(r: Run) -> None:
    accepted(r)
    assert r.result["type"] == "snapshot"
    created = props(r.client.get_snapshot(r.result["id"]))
    assert created["name"] == "Snapshot Name"
    assert created["description"] == "Snapshot description"
    assert created["location"] == "us/las"


def check_restore_snapshot(r: Run) -> None:
    accepted(r)
    assert r.client.get_volume(r.w["dc"], r.w["vol"])["metadata"]["state"] == "AVAILABLE"


def check_list_snapshots(r: Run) -> None:
    assert ids_of(r.result) == [r.w["snap"]]


def check_get_snapshot(r: Run) -> None:
    assert r.result["id"] == r.w["snap"]
    assert r.result["type"] == "snapshot"


def check_update_snapshot(r: Run) -> None:
    accepted(r)
    updated = props(r.client.get_snapshot(r.w["snap"]))
    assert (updated["name"], updated["description"]) == ("New Name", "New description")


def check_delete_snapshot(r: Run) -> None:
    accepted(r)
    gone(r.client.get_snapshot, r.w["snap"])
    assert ids_of(r.client.list_snapshots()) == []


def check_list_ipblocks(r: Run) -> None:
    assert ids_of(r.result) == [r.w["ipb"]]


def check_get_ipblock(r: Run) -> None:
    assert r.result["id"] == r.w["ipb"]
    assert props(r.result)["size"] == 1


def check_ipblock_object(r: Run) -> None:
    ipblock = r.ns["ipblock"]
    assert isinstance(ipblock, IPBlock)
    assert (ipblock.name, ipblock.size, ipblock.location) == ("IP Block Name", 4, "de/fkb")


def check_reserve_ipblock(r: Run) -> None:
    accepted(r)
    created = props(r.client.get_ipblock(r.result["id"]))
    assert (created["name"], created["size"], created["location"]) == ("IP Block Name", 4, "de/fkb")
    assert len(created["ips"]) == 4


def check_delete_ipblock(r: Run) -> None:
    accepted(r)
    gone(r.client.get_ipblock, r.w["ipb"])
    assert ids_of(r.client.list_ipblocks()) == []


def check_list_lans(r: Run) -> None:
    assert set(ids_of(r.result)) == {str(r.w[k]) for k in ("lan", "lan_empty", "lb_lan")}


def check_lan_object(r: Run) -> None:
    lan = r.ns["lan"]
    assert isinstance(lan, LAN)
    assert (lan.name, lan.public) == ("LAN Name", True)


def check_create_lan(r: Run) -> None:
    accepted(r)
    created = props(r.client.get_lan(r.w["dc"], r.result["id"]))
    assert (created["name"], created["public"]) == ("LAN Name", True)
    assert len(ids_of(r.client.list_lans(r.w["dc"]))) == 4


def check_get_lan(r: Run) -> None:
    assert r.result["id"] == str(r.w["lan"])
    assert r.result["type"] == "lan"
    assert props(r.result)["public"] is True


def check_get_lan_members(r: Run) -> None:
    # the balanced NIC is in the load balancer's LAN
    assert ids_of(r.result) == [r.w["nic2"]]


def check_update_lan(r: Run) -> None:
    accepted(r)
    updated = props(r.client.get_lan(r.w["dc"], r.w["lan"]))
    assert (updated["name"], updated["public"]) == ("New LAN Name", False)


def check_delete_lan(r: Run) -> None:
    accepted(r)
    gone(r.client.get_lan, r.w["dc"], r.w["lan_empty"])
    assert ids_of(r.client.list_lans(r.w["dc"])) == [str(r.w["lan"]), str(r.w["lb_lan"])]


def check_list_nics(r: Run) -> None:
    assert set(ids_of(r.result)) == {r.w["nic"], r.w["nic2"]}


def check_get_nic(r: Run) -> None:
    assert r.result["id"] == r.w["nic"]
    assert props(r.result)["lan"] == r.w["lb_lan"] == 3


def check_nic_object(r: Run) -> None:
    nic = r.ns["nic"]
    assert isinstance(nic, NIC)
    assert (nic.name, nic.dhcp, nic.lan, nic.nat) == ("NIC Name", True, 1, False)


def check_create_nic(r: Run) -> None:
    accepted(r)
    created = props(r.client.get_nic(r.w["dc"], r.w["srv"], r.result["id"]))
    assert (created["name"], created["lan"], created["dhcp"]) == ("NIC Name", 1, True)
    assert len(ids_of(r.client.list_nics(r.w["dc"], r.w["srv"]))) == 3


def check_update_nic(r: Run) -> None:
    accepted(r)
    assert props(r.client.get_nic(r.w["dc"], r.w["srv"], r.w["nic"]))["name"] == "New Name"


def check_delete_nic(r: Run) -> None:
    accepted(r)
    gone(r.client.get_nic, r.w["dc"], r.w["srv"], r.w["nic2"])
    assert ids_of(r.client.list_nics(r.w["dc"], r.w["srv"])) == [r.w["nic"]]


def _rules(r: Run) -> list[str]:
    return ids_of(r.client.get_firewall_rules(r.w["dc"], r.w["srv"], r.w["nic"]))


def _rule(r: Run, rule_id: str) -> Mapping[str, Any]:
    return props(r.client.get_firewall_rule(r.w["dc"], r.w["srv"], r.w["nic"], rule_id))


def check_get_firewall_rules(r: Run) -> None:
    assert ids_of(r.result) == [r.w["rule"]]


def check_get_firewall_rule(r: Run) -> None:
    assert r.result["id"] == r.w["rule"]
    assert r.result["type"] == "firewall-rule"
    assert props(r.result)["name"] == "web"


def check_firewall_rule_object(r: Run) -> None:
    rule = r.ns["fwrule"]
    assert isinstance(rule, FirewallRule)
    assert (rule.name, rule.protocol, rule.source_mac) == ("Allow SSH", "TCP", "01:23:45:67:89:00")
    assert (rule.port_range_start, rule.port_range_end) == (22, 22)


def check_create_firewall_rule(r: Run) -> None:
    accepted(r)
    assert set(_rules(r)) == {r.w["rule"], r.result["id"]}
    created = _rule(r, r.result["id"])
    assert (created["name"], created["protocol"]) == ("Allow SSH", "TCP")
    assert created["sourceMac"] == "01:23:45:67:89:00"
    assert (created["portRangeStart"], created["portRangeEnd"]) == (22, 22)


def check_update_firewall_rule(r: Run) -> None:
    accepted(r)
    assert _rule(r, r.w["rule"])["name"] == "Updated Name"


def check_delete_firewall_rule(r: Run) -> None:
    accepted(r)
    gone(r.client.get_firewall_rule, r.w["dc"], r.w["srv"], r.w["nic"], r.w["rule"])
    assert _rules(r) == []


def check_list_loadbalancers(r: Run) -> None:
    assert ids_of(r.result) == [r.w["lb"]]


def check_get_loadbalancer(r: Run) -> None:
    assert r.result["id"] == r.w["lb"]
    assert r.result["type"] == "loadbalancer"


def check_loadbalancer_object(r: Run) -> None:
    loadbalancer = r.ns["loadbalancer"]
    assert isinstance(loadbalancer, LoadBalancer)
    assert (loadbalancer.name, loadbalancer.dhcp) == ("Load Balancer Name", True)


def check_create_loadbalancer(r: Run) -> None:
    accepted(r)
    created = props(r.client.get_loadbalancer(r.w["dc"], r.result["id"]))
    assert (created["name"], created["dhcp"]) == ("Load Balancer Name", True)


def check_update_loadbalancer(r: Run) -> None:
    accepted(r)
    assert props(r.client.get_loadbalancer(r.w["dc"], r.w["lb"]))["name"] == "New Name"


def check_delete_loadbalancer(r: Run) -> None:
    accepted(r)
    gone(r.client.get_loadbalancer, r.w["dc"], r.w["lb"])
    assert ids_of(r.client.list_loadbalancers(r.w["dc"])) == []


def _members(r: Run) -> list[str]:
    return ids_of(r.client.get_loadbalancer_members(r.w["dc"], r.w["lb"]))


def check_get_loadbalancer_members(r: Run) -> None:
    assert ids_of(r.result) == [r.w["nic"]]


def check_get_loadbalanced_nic(r: Run) -> None:
    assert r.result["id"] == r.w["nic"]
    assert r.result["type"] == "nic"


def check_add_loadbalanced_nics(r: Run) -> None:
    accepted(r)
    assert r.result["id"] == r.w["nic2"]
    assert set(_members(r)) == {r.w["nic"], r.w["nic2"]}


def check_remove_loadbalanced_nic(r: Run) -> None:
    accepted(r)
    assert _members(r) == []


def check_list_groups(r: Run) -> None:
    assert ids_of(r.result) == [r.w["grp"]]


def check_get_group(r: Run) -> None:
    assert r.result["id"] == r.w["grp"]
    assert r.result["type"] == "group"
    assert props(r.result)["name"] == "Snippet group"


def check_group_object(r: Run) -> None:
    group = r.ns["group"]
    assert isinstance(group, Group)
    assert group.name == "my-group"
    assert (group.create_datacenter, group.create_snapshot) == (True, False)
    assert (group.reserve_ip, group.access_activity_log) == (True, False)


_GROUP_FLAGS = ("createDataCenter", "createSnapshot", "reserveIp", "accessActivityLog")


def check_create_group(r: Run) -> None:
    accepted(r)
    created = props(r.client.get_group(r.result["id"]))
    assert created["name"] == "my-group"
    assert [created[flag] for flag in _GROUP_FLAGS] == [True, False, True, False]


def check_update_group(r: Run) -> None:
    accepted(r)
    updated = props(r.client.get_group(r.w["grp"]))
    assert updated["name"] == "my-group"
    assert [updated[flag] for flag in _GROUP_FLAGS] == [False, True, False, True]


def check_delete_group(r: Run) -> None:
    accepted(r)
    gone(r.client.get_group, r.w["grp"])
    assert ids_of(r.client.list_groups()) == []


def check_list_shares(r: Run) -> None:
    assert ids_of(r.result) == [r.w["dc"]]


def check_get_share(r: Run) -> None:
    assert r.result["id"] == r.w["dc"]
    assert r.result["type"] == "resource"
    assert props(r.result)["editPrivilege"] is False


def _share(r: Run, resource_id: str) -> Mapping[str, Any]:
    return props(r.client.get_share(r.w["grp"], resource_id))


def check_add_share(r: Run) -> None:
    accepted(r)
    assert (_share(r, r.w["ipb"])["editPrivilege"], _share(r, r.w["ipb"])["sharePrivilege"]) == (
        True,
        True,
    )
    assert set(ids_of(r.client.list_shares(r.w["grp"]))) == {r.w["dc"], r.w["ipb"]}


def check_update_share(r: Run) -> None:
    accepted(r)
    share = _share(r, r.w["dc"])
    assert (share["editPrivilege"], share["sharePrivilege"]) == (True, True)


def check_delete_share(r: Run) -> None:
    accepted(r)
    gone(r.client.get_share, r.w["grp"], r.w["dc"])
    assert ids_of(r.client.list_shares(r.w["grp"])) == []


def check_list_users(r: Run) -> None:
    assert {r.w["user"], r.w["user2"]} <= set(ids_of(r.result))


def check_get_user(r: Run) -> None:
    assert r.result["id"] == r.w["user"]
    assert r.result["type"] == "user"
    assert props(r.result)["email"] == "member@example.com"


def check_user_object(r: Run) -> None:
    user = r.ns["user"]
    assert isinstance(user, User)
    assert (user.firstname, user.lastname, user.email) == ("John", "Doe", "no-reply@example.com")
    assert (user.administrator, user.force_sec_auth) == (True, False)
    assert "secretpassword123" not in repr(user)


def check_create_user(r: Run) -> None:
    accepted(r)
    created = props(r.client.get_user(r.result["id"]))
    assert (created["firstname"], created["lastname"]) == ("John", "Doe")
    assert created["email"] == "no-reply@example.com"
    assert (created["administrator"], created["forceSecAuth"]) == (True, False)
    assert "password" not in created


def check_update_user(r: Run) -> None:
    accepted(r)
    updated = props(r.client.get_user(r.w["user"]))
    assert (updated["firstname"], updated["lastname"]) == ("John", "Doe")
    assert updated["email"] == "no-reply@example.com"
    assert (updated["administrator"], updated["forceSecAuth"]) == (True, False)


def check_delete_user(r: Run) -> None:
    accepted(r)
    gone(r.client.get_user, r.w["user"])
    assert r.w["user"] not in ids_of(r.client.list_users())


def _group_users(r: Run) -> list[str]:
    return ids_of(r.client.list_group_users(r.w["grp"]))


def check_list_group_users(r: Run) -> None:
    assert ids_of(r.result) == [r.w["user"]]


def check_add_group_user(r: Run) -> None:
    accepted(r)
    assert r.result["id"] == r.w["user2"]
    assert set(_group_users(r)) == {r.w["user"], r.w["user2"]}


def check_remove_group_user(r: Run) -> None:
    accepted(r)
    assert _group_users(r) == []


def check_list_resources(r: Run) -> None:
    assert r.result["id"] == "resources"
    assert {r.w["dc"], r.w["snap"], r.w["ipb"]} <= set(ids_of(r.result))


def check_list_snapshot_resources(r: Run) -> None:
    assert r.result["id"] == "resources"
    assert ids_of(r.result) == [r.w["snap"]]
    assert {item["type"] for item in r.result["items"]} == {"snapshot"}


def check_get_resource_without_type(r: Run) -> None:
    # OPERATIONS.md D11: the table says resource_type is required, the example omits it; this
    # SDK looks the type up in GET /um/resources, so the example works.
    assert r.result["id"] == r.w["dc"]
    assert r.result["type"] == "datacenter"
    with pytest.raises(PBNotFoundError):
        r.client.get_resource(resource_id="00000000-0000-0000-0000-000000000000")


def check_get_resource(r: Run) -> None:
    assert r.result["id"] == r.w["dc"]
    assert r.result["type"] == "datacenter"


def check_list_contracts(r: Run) -> None:
    assert r.result["type"] == "contract"
    assert "properties" in r.result


def check_list_requests(r: Run) -> None:
    assert r.w["request"] in ids_of(r.result)
    assert {item["type"] for item in r.result["items"]} == {"request"}


def check_get_request(r: Run) -> None:
    assert r.result["id"] == r.w["request"]
    assert r.result["type"] == "request"
    assert props(r.result)["method"] == "POST"
    assert props(r.result)["url"].endswith("/datacenters")


def check_get_request_status(r: Run) -> None:
    assert r.result["id"] == f"{r.w['request']}/status"
    assert r.result["type"] == "request-status"
    assert r.result["metadata"]["status"] == "DONE"


# --- the snippets, verbatim, in the guide's order ---------------------------------------------

DATACENTER = """\
datacenter = Datacenter(
    name='Data Center Name',
    description='My new data center',
    location='de/fkb')"""

UPDATE_DATACENTER = """\
response = client.update_datacenter(
    datacenter_id='UUID',
    name='New Name'
    description='New description')"""

SERVER = """\
server = Server(
    name='Server Name',
    cores=1,
    ram=2048,
    description='My new server',
    location='de/fkb')"""

VOLUME = """\
volume = Volume(
    name='name',
    size=20,
    bus='VIRTIO',
    type='HDD',
    licence_type='LINUX',
    availability_zone='ZONE_3')"""

IPBLOCK = """\
ipblock = IPBlock(
    name='IP Block Name',
    size=4,
    location='de/fkb')"""

LAN_OBJECT = """\
lan = LAN(
    name='LAN Name',
    public=True)"""

NIC_OBJECT = """\
nic = NIC(
    name='NIC Name',
    dhcp=True,
    lan=1,
    nat=False)"""

FWRULE = """\
fwrule = FirewallRule(
    name='Allow SSH',
    protocol='TCP',
    source_mac='01:23:45:67:89:00',
    port_range_start=22,
    port_range_end=22)"""

LOADBALANCER = """\
loadbalancer = LoadBalancer(
    name='Load Balancer Name',
    dhcp=True)"""

GROUP = """\
group = Group(
    name='my-group',
    create_datacenter=True,
    create_snapshot=False,
    reserve_ip=True,
    access_activity_log=False)"""

USER = """\
user = User(
    firstname='John',
    lastname='Doe',
    email='no-reply@example.com',
    password='secretpassword123',
    administrator=True,
    force_sec_auth=False)"""

GET_RESOURCE_WITHOUT_TYPE = "response = client.get_resource(resource_id='UUID')"


@dataclass(frozen=True)
class Case:
    """One snippet: its text, its check, and how to run it.

    ``ids`` overrides ``DEFAULT_IDS`` for this snippet's placeholders; ``before`` are snippets
    run first (the resource object a create call passes); ``prepare`` sets the world up further.
    ``refused``: the API answers this call with an error, as the guide says it does; the check
    then examines ``Run.error``.
    """

    name: str
    snippet: str
    check: Callable[[Run], None]
    ids: Mapping[str, str] = field(default_factory=dict)
    before: tuple[str, ...] = ()
    prepare: Callable[[ProfitBricksService, dict[str, Any]], None] | None = None
    refused: bool = False


CASES = [
    # Data Centers
    Case("list_datacenters", "response = client.list_datacenters()", check_list_datacenters),
    Case(
        "get_datacenter",
        "response = client.get_datacenter(datacenter_id='UUID')",
        check_get_datacenter,
    ),
    Case("Datacenter", DATACENTER, check_datacenter_object),
    Case(
        "create_datacenter",
        "response = client.create_datacenter(datacenter=datacenter)",
        check_create_datacenter,
        before=(DATACENTER,),
    ),
    # (update_datacenter: see test_update_datacenter_snippet_* below)
    Case(
        "delete_datacenter",
        "response = client.delete_datacenter(datacenter_id='UUID')",
        check_delete_datacenter,
    ),
    # Locations
    Case("list_locations", "response = client.list_locations()", check_list_locations),
    Case("get_location", "client.get_location('us/las')", check_get_location),
    # Servers
    Case(
        "list_servers",
        "response = client.list_servers(datacenter_id='UUID')",
        check_list_servers,
    ),
    Case(
        "get_server",
        """\
response = client.get_server(
    datacenter_id='UUID',
    server_id='UUID')""",
        check_get_server,
    ),
    Case("Server", SERVER, check_server_object),
    Case(
        "create_server",
        """\
response = client.create_server(
    datacenter_id='UUID',
    server=server)""",
        check_create_server,
        before=(SERVER,),
    ),
    Case(
        "update_server",
        """\
response = client.update_server(
    datacenter_id='UUID',
    server_id='UUID',
    name='New Name')""",
        check_update_server,
    ),
    Case(
        "delete_server",
        """\
response = client.delete_server(
    datacenter_id='UUID',
    server_id='UUID')""",
        check_delete_server,
    ),
    Case(
        "get_attached_volumes",
        """\
response = client.get_attached_volumes(
    datacenter_id='UUID',
    server_id='UUID')""",
        check_get_attached_volumes,
    ),
    Case(
        "attach_volume",
        """\
response = client.attach_volume(
    datacenter_id='UUID',
    server_id='UUID',
    volume_id='UUID')""",
        check_attach_volume,
        ids={"volume_id": "vol_free"},
    ),
    Case(
        "get_attached_volume",
        """\
response = client.get_attached_volume(
    datacenter_id='UUID',
    server_id='UUID',
    volume_id='UUID')""",
        check_get_attached_volume,
    ),
    Case(
        "detach_volume",
        """\
response = client.detach_volume(
    datacenter_id='UUID',
    server_id='UUID',
    volume_id='UUID')""",
        check_detach_volume,
    ),
    Case(
        "get_attached_cdroms",
        """\
response = client.get_attached_cdroms(
    datacenter_id='UUID',
    server_id='UUID')""",
        check_get_attached_cdroms,
    ),
    Case(
        "attach_cdrom",
        """\
response = client.attach_cdrom(
    datacenter_id='UUID',
    server_id='UUID',
    cdrom_id='UUID')""",
        check_attach_cdrom,
        ids={"cdrom_id": "cdrom_free"},
    ),
    Case(
        "get_attached_cdrom",
        """\
response = client.get_attached_cdrom(
    datacenter_id='UUID',
    server_id='UUID',
    cdrom_id='UUID')""",
        check_get_attached_cdrom,
    ),
    Case(
        "detach_cdrom",
        """\
response = client.detach_cdrom(
    datacenter_id='UUID',
    server_id='UUID',
    cdrom_id='UUID')""",
        check_detach_cdrom,
    ),
    Case(
        "reboot_server",
        """\
response = client.reboot_server(
    datacenter_id='UUID',
    server_id='UUID')""",
        check_reboot_server,
    ),
    Case(
        "start_server",
        """\
response = client.start_server(
    datacenter_id='UUID',
    server_id='UUID')""",
        check_start_server,
        prepare=stop_the_server,
    ),
    Case(
        "stop_server",
        """\
response = client.stop_server(
    datacenter_id='UUID',
    server_id='UUID')""",
        check_stop_server,
    ),
    # Images
    Case("list_images", "response = client.list_images()", check_list_images),
    Case("get_image", "response = client.get_image('UUID')", check_get_image, ids={"_": "image"}),
    Case(
        "update_image",
        """\
response = client.update_image(
    image_id='UUID',
    name='New Name',
    description='New description',
    licence_type='LINUX')""",
        check_update_image,
        ids={"image_id": "private_image"},
    ),
    Case(
        "delete_image",
        "response = client.delete_image('UUID')",
        check_delete_image,
        ids={"_": "private_image"},
    ),
    # Volumes
    Case(
        "list_volumes",
        "response = client.list_volumes(datacenter_id='UUID')",
        check_list_volumes,
    ),
    Case(
        "get_volume",
        """\
response = client.get_volume(
    datacenter_id='UUID',
    volume_id='UUID')""",
        check_get_volume,
    ),
    Case("Volume", VOLUME, check_volume_object),
    Case(
        "create_volume",
        """\
response = client.create_volume(
    datacenter_id='UUID',
    volume=volume)""",
        check_create_volume,
        before=(VOLUME,),
    ),
    Case(
        "update_volume",
        """\
response = client.update_volume(
    datacenter_id='UUID',
    volume_id='UUID',
    size=6,
    name='New Name')""",
        check_update_volume,
    ),
    Case(
        "delete_volume",
        """\
response = client.delete_volume(
    datacenter_id='UUID',
    volume_id='UUID')""",
        check_delete_volume,
        ids={"volume_id": "vol_free"},
    ),
    Case(
        "create_snapshot",
        """\
response = client.create_snapshot(
    datacenter_id='UUID',
    volume_id='UUID',
    name='Snapshot Name',
    description='Snapshot description')""",
        check_create_snapshot,
    ),
    Case(
        "restore_snapshot",
        """\
response = client.restore_snapshot(
    datacenter_id='UUID',
    volume_id='UUID',
    snapshot_id='UUID')""",
        check_restore_snapshot,
    ),
    # Snapshots
    Case("list_snapshots", "response = client.list_snapshots()", check_list_snapshots),
    Case(
        "get_snapshot",
        "response = client.get_snapshot(snapshot_id='UUID')",
        check_get_snapshot,
    ),
    Case(
        "update_snapshot",
        """\
response = client.update_snapshot(
    snapshot_id='UUID',
    name='New Name',
    description='New description')""",
        check_update_snapshot,
    ),
    Case(
        "delete_snapshot",
        "response = client.delete_snapshot(snapshot_id='deleting_snapshot_id')",
        check_delete_snapshot,
    ),
    # IP Blocks
    Case("list_ipblocks", "response = client.list_ipblocks()", check_list_ipblocks),
    Case(
        "get_ipblock", "response = client.get_ipblock('UUID')", check_get_ipblock, ids={"_": "ipb"}
    ),
    Case("IPBlock", IPBLOCK, check_ipblock_object),
    Case(
        "reserve_ipblock",
        "response = client.reserve_ipblock(ipblock)",
        check_reserve_ipblock,
        before=(IPBLOCK,),
    ),
    Case(
        "delete_ipblock",
        "response = client.delete_ipblock('UUID')",
        check_delete_ipblock,
        ids={"_": "ipb"},
    ),
    # LANs
    Case("list_lans", "response = client.list_lans(datacenter_id='UUID')", check_list_lans),
    Case("LAN", LAN_OBJECT, check_lan_object),
    Case(
        "create_lan",
        """\
response = client.create_lan(
    datacenter_id='UUID',
    lan=lan)""",
        check_create_lan,
        before=(LAN_OBJECT,),
    ),
    Case(
        "get_lan",
        """\
response = client.get_lan(
    datacenter_id='UUID',
    lan_id=ID)""",
        check_get_lan,
    ),
    Case(
        "get_lan_members",
        """\
response = client.get_lan_members(
    datacenter_id='UUID',
    lan_id=ID)""",
        check_get_lan_members,
    ),
    Case(
        "update_lan",
        """\
response = client.update_lan(
    datacenter_id='UUID',
    lan_id=ID,
    name='New LAN Name',
    public=False)""",
        check_update_lan,
    ),
    Case(
        "delete_lan",
        """\
response = client.delete_lan(
    datacenter_id='datacenter_id',
    lan_id=ID)""",
        check_delete_lan,
        ids={"lan_id": "lan_empty"},
    ),
    # NICs
    Case(
        "list_nics",
        """\
response = client.list_nics(
    datacenter_id='UUID',
    server_id='UUID')""",
        check_list_nics,
    ),
    Case(
        "get_nic",
        """\
response = client.get_nic(
    datacenter_id='UUID',
    server_id='UUID',
    nic_id='UUID')""",
        check_get_nic,
    ),
    Case("NIC", NIC_OBJECT, check_nic_object),
    Case(
        "create_nic",
        """\
response = client.create_nic(
    datacenter_id='UUID',
    server_id='UUID',
    nic=nic)""",
        check_create_nic,
        before=(NIC_OBJECT,),
    ),
    Case(
        "update_nic",
        """\
response = client.update_nic(
    datacenter_id='UUID',
    server_id='UUID',
    nic_id='UUID',
    name='New Name')""",
        check_update_nic,
    ),
    Case(
        "delete_nic",
        """\
response = client.delete_nic(
    datacenter_id='UUID',
    server_id='UUID',
    nic_id='UUID')""",
        check_delete_nic,
        ids={"nic_id": "nic2"},
    ),
    # Firewall Rules (the guide passes loadbalancer_id where the server's id belongs)
    Case(
        "get_firewall_rules",
        """\
response = client.get_firewall_rules(
    datacenter_id='UUID',
    server_id='UUID',
    nic_id='UUID')""",
        check_get_firewall_rules,
    ),
    Case(
        "get_firewall_rule",
        """\
response = client.get_firewall_rule(
    datacenter_id='UUID',
    loadbalancer_id='UUID',
    nic_id='UUID',
    firewall_rule_id='UUID')""",
        check_get_firewall_rule,
        ids={"loadbalancer_id": "srv"},
    ),
    Case("FirewallRule", FWRULE, check_firewall_rule_object),
    Case(
        "create_firewall_rule",
        """\
response = client.create_firewall_rule(
    datacenter_id='UUID',
    loadbalancer_id='UUID',
    nic_id='UUID',
    firewall_rule=fwrule)""",
        check_create_firewall_rule,
        ids={"loadbalancer_id": "srv"},
        before=(FWRULE,),
    ),
    Case(
        "update_firewall_rule",
        """\
response = client.update_firewall_rule(
    datacenter_id='UUID',
    loadbalancer_id='UUID',
    nic_id='UUID',
    firewall_rule_id='UUID',
    name="Updated Name")""",
        check_update_firewall_rule,
        ids={"loadbalancer_id": "srv"},
    ),
    Case(
        "delete_firewall_rule",
        """\
response = client.delete_firewall_rule(
    datacenter_id='UUID',
    server_id='UUID',
    nic_id='UUID',
    firewall_rule_id='UUID')""",
        check_delete_firewall_rule,
    ),
    # Load Balancers
    Case(
        "list_loadbalancers",
        "response = client.list_loadbalancers(datacenter_id='UUID')",
        check_list_loadbalancers,
    ),
    Case(
        "get_loadbalancer",
        """\
response = client.get_loadbalancer(
    datacenter_id='UUID',
    loadbalancer_id='UUID')""",
        check_get_loadbalancer,
    ),
    Case("LoadBalancer", LOADBALANCER, check_loadbalancer_object),
    Case(
        "create_loadbalancer",
        """\
response = client.create_loadbalancer(
    datacenter_id='UUID',
    loadbalancer=loadbalancer)""",
        check_create_loadbalancer,
        before=(LOADBALANCER,),
    ),
    Case(
        "update_loadbalancer",
        """\
response = client.update_loadbalancer(
    datacenter_id='UUID',
    loadbalancer_id='UUID',
    name="New Name")""",
        check_update_loadbalancer,
    ),
    Case(
        "delete_loadbalancer",
        """\
response = client.delete_loadbalancer(
    datacenter_id='UUID',
    loadbalancer_id='UUID')""",
        check_delete_loadbalancer,
    ),
    Case(
        "get_loadbalancer_members",
        """\
response = client.get_loadbalancer_members(
    datacenter_id='UUID',
    loadbalancer_id='UUID')""",
        check_get_loadbalancer_members,
    ),
    Case(
        "get_loadbalanced_nic",
        """\
response = client.get_loadbalanced_nic(
    datacenter_id='UUID',
    loadbalancer_id='UUID',
    nic_id='UUID')""",
        check_get_loadbalanced_nic,
    ),
    Case(
        "add_loadbalanced_nics",
        """\
response = client.add_loadbalanced_nics(
    datacenter_id='UUID',
    loadbalancer_id='UUID',
    nic_id='UUID')""",
        check_add_loadbalanced_nics,
        ids={"nic_id": "nic2"},
    ),
    Case(
        "remove_loadbalanced_nic",
        """\
response = client.remove_loadbalanced_nic(
    datacenter_id='UUID',
    loadbalancer_id='UUID',
    nic_id='UUID')""",
        check_remove_loadbalanced_nic,
    ),
    # User Management: groups
    Case("list_groups", "response = client.list_groups()", check_list_groups),
    Case("get_group", "response = client.get_group(group_id='UUID')", check_get_group),
    Case("Group", GROUP, check_group_object),
    Case(
        "create_group",
        "response = client.create_group(group)",
        check_create_group,
        before=(GROUP,),
    ),
    Case(
        "update_group",
        """\
response = client.update_group(
    group_id='UUID',
    name='my-group',
    create_datacenter=False,
    create_snapshot=True,
    reserve_ip=False,
    access_activity_log=True)""",
        check_update_group,
    ),
    Case("delete_group", "response = client.delete_group(group_id='UUID')", check_delete_group),
    # User Management: shares
    Case("list_shares", "response = client.list_shares(group_id='UUID')", check_list_shares),
    Case(
        "get_share",
        """\
response = client.get_share(
    group_id='UUID',
    resource_id='UUID')""",
        check_get_share,
    ),
    Case(
        "add_share",
        """\
response = client.add_share(
    group_id='UUID',
    resource_id='UUID',
    edit_privilege=True,
    share_privilege=True)""",
        check_add_share,
        ids={"resource_id": "ipb"},
    ),
    Case(
        "update_share",
        """\
response = client.update_share(
    group_id='UUID',
    resource_id='UUID',
    edit_privilege=True,
    share_privilege=True)""",
        check_update_share,
    ),
    Case(
        "delete_share",
        """\
response = client.delete_share(
    group_id='UUID',
    resource_id='UUID')""",
        check_delete_share,
    ),
    # User Management: users
    Case("list_users", "response = client.list_users()", check_list_users),
    Case("get_user", "response = client.get_user(user_id='UUID')", check_get_user),
    Case("User", USER, check_user_object),
    Case("create_user", "response = client.create_user(user)", check_create_user, before=(USER,)),
    Case(
        "update_user",
        """\
response = client.update_user(
    user_id='UUID',
    firstname='John',
    lastname='Doe',
    email='no-reply@example.com',
    administrator=True,
    force_sec_auth=False)""",
        check_update_user,
    ),
    Case("delete_user", "response = client.delete_user(user_id='UUID')", check_delete_user),
    Case(
        "list_group_users",
        "response = client.list_group_users(group_id='UUID')",
        check_list_group_users,
    ),
    Case(
        "add_group_user",
        """\
response = client.add_group_user(
    group_id='UUID',
    user_id='UUID')""",
        check_add_group_user,
        ids={"user_id": "user2"},
    ),
    Case(
        "remove_group_user",
        """\
response = client.remove_group_user(
    group_id='UUID',
    user_id='UUID')""",
        check_remove_group_user,
    ),
    # User Management: resources
    Case("list_resources", "response = client.list_resources()", check_list_resources),
    Case(
        "list_resources_snapshot",
        "response = client.list_resources(resource_type='snapshot')",
        check_list_snapshot_resources,
    ),
    Case("get_resource_without_type", GET_RESOURCE_WITHOUT_TYPE, check_get_resource_without_type),
    Case(
        "get_resource",
        """\
response = client.get_resource(
    resource_type='datacenter',
    resource_id='UUID')""",
        check_get_resource,
    ),
    # Contract Resources
    Case("list_contracts", "response = client.list_contracts()", check_list_contracts),
    # Requests
    Case("list_requests", "response = client.list_requests()", check_list_requests),
    Case(
        "get_request",
        """\
response = client.get_request(
    request_id='UUID',
    status=False)""",
        check_get_request,
    ),
    Case(
        "get_request_status",
        """\
response = client.get_request(
    request_id='UUID',
    status=True)""",
        check_get_request_status,
    ),
]


_USER_MANAGEMENT = re.compile(r"group|user|share|resource")


def run_case(case: Case, emulator: EmulatorHandle) -> Run:
    client = emulator.client
    world = build_world(client, user_management=bool(_USER_MANAGEMENT.search(case.snippet)))
    if "private_image" in case.ids.values():
        world["private_image"] = emulator.add_private_image(**PRIVATE_IMAGE)
    if case.prepare is not None:
        case.prepare(client, world)
    names = namespace(client)
    for text in case.before:
        execute(substitute(text, case.ids, world), names)
    code = substitute(case.snippet, case.ids, world)
    if not case.refused:
        return Run(client=client, w=world, result=execute(code, names), ns=names)
    with pytest.raises(PBError) as refusal:
        execute(code, names)
    return Run(client=client, w=world, result=None, ns=names, error=refusal.value)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_snippet_runs_as_printed(case: Case, emulator: Any) -> None:
    run = run_case(case, emulator)

    case.check(run)


@pytest.mark.parametrize("name", ["update_image", "delete_image"])
def test_image_snippets_are_refused_for_a_public_image(name: str, emulator: Any) -> None:
    printed = next(case for case in CASES if case.name == name)
    check = check_update_public_image if name == "update_image" else check_delete_public_image
    case = Case(name, printed.snippet, check, ids={"image_id": "image", "_": "image"}, refused=True)

    run = run_case(case, emulator)

    case.check(run)


def test_every_snippet_has_a_distinct_case() -> None:
    snippets = [case.snippet for case in CASES] + [UPDATE_DATACENTER]
    assert len(snippets) == len(set(snippets)) == 103
    assert len({case.name for case in CASES}) == len(CASES)


# --- the guide's snippets that cannot run exactly as printed -----------------------------------


def test_update_datacenter_snippet_is_a_syntax_error_as_printed() -> None:
    # The guide's "Update a Data Center" snippet lacks the comma after name='New Name'.
    with pytest.raises(SyntaxError):
        compile(UPDATE_DATACENTER, "<SPEC.md>", "exec")


def test_update_datacenter_snippet_works_with_the_missing_comma(emulator: Any) -> None:
    corrected = UPDATE_DATACENTER.replace("name='New Name'\n", "name='New Name',\n")
    assert corrected != UPDATE_DATACENTER
    case = Case("update_datacenter", corrected, check_update_datacenter)

    run = run_case(case, emulator)

    case.check(run)


def test_authenticating_snippet(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    snippet = """\
client = ProfitBricksService(
    username='YOUR_USERNAME', password='YOUR_PASSWORD')"""
    monkeypatch.setenv("PROFITBRICKS_API_URL", emulator.url)
    as_printed: dict[str, Any] = {"ProfitBricksService": ProfitBricksService}
    exec(snippet, as_printed)
    with pytest.raises(PBNotAuthorizedError):
        as_printed["client"].list_datacenters()

    filled = snippet.replace("YOUR_USERNAME", emulator.username).replace(
        "YOUR_PASSWORD", emulator.password
    )
    names: dict[str, Any] = {"ProfitBricksService": ProfitBricksService}
    exec(filled, names)
    assert names["client"].list_datacenters()["items"] == []


def test_error_classes_of_the_guide_are_raised(emulator: Any) -> None:
    with pytest.raises(PBNotFoundError) as info:
        emulator.client.get_datacenter(datacenter_id="00000000-0000-0000-0000-000000000000")
    assert isinstance(info.value, PBError)
    assert info.value.resp == 404
