"""NICs (``/datacenters/{dc}/servers/{srv}/nics``).

Rules (WIRE.md sections 8.4 and 10): ``lan`` is required, an integer >= 1 (numeric strings are
accepted) and a LAN that does not exist yet is created; ``ips`` are IPv4 addresses. On a
private LAN any address will do (the API accepted 127.0.0.1 there); on a public LAN only
addresses of IP blocks in the data centre's location that the caller may see, or addresses the
NIC already has. A NIC created without IPs shows ``ips: []``; once provisioned it has a MAC
(``02:01:…``), at least one IP, and ``dhcp``, ``nat``, ``firewallActive`` set. While a load
balancer balances a NIC, the NIC is in the balancer's LAN and its LAN cannot be changed.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ..effects import effect
from ..errors import Invalid
from ..requests import Request
from ..results import Echo, EchoNode, Record
from ..state import Datacenter, Nic, Server, State
from . import firewall
from . import lan as lan_rules
from .base import (
    NIC_IPS,
    Call,
    Result,
    creates,
    find_nic,
    find_server,
    listing,
    need_edit,
    resolve_ips,
    touch_datacenter,
)
from .ipblock import allocate_public
from .plan import Plan, Spec, create_in_datacenter
from .validators import (
    REQUIRED,
    Field,
    boolean,
    check_fields,
    check_replacement,
    entity_items,
    integer,
    ipv4_list,
    mac,
    patch_body,
    put_body,
    split_body,
    string,
)

__all__ = [
    "build",
    "create_nic",
    "delete_nic",
    "get_nic",
    "list_nics",
    "prepare",
    "remove",
    "replace_nic",
    "update_nic",
]


def _lan(attr: str, value: Any, at: str) -> int | None:
    return integer(attr, value, at, low=1)


FIELDS: dict[str, Field] = {
    "name": Field("name", "rw", string),
    "mac": Field("mac", "ro", mac),
    # Left out of a PUT: no address given, so one is assigned again when provisioned.
    "ips": Field("ips", "rw", ipv4_list, []),
    "dhcp": Field("dhcp", "rw", boolean, True),
    "lan": Field("lan", "rw", _lan, REQUIRED),
    "firewallActive": Field("firewallActive", "rw", boolean, False),
    "nat": Field("nat", "rw", boolean, False),
}


def prepare(call: Call, plan: Plan, body: Any, root: str) -> Spec:
    """Validate a NIC create body located at ``root`` (with nested firewall rules)."""
    given, entities = split_body(body, root)
    at = root + ".properties"
    p = check_fields("nic", FIELDS, given, at)
    if p.get("lan") is None:
        raise Invalid("lan", "is required", at=at)
    if p["lan"] in plan.public_lans:
        resolve_ips(call, NIC_IPS, plan.location, p.get("ips") or (), at, private=False)
    plan.lan_ids.add(p["lan"])
    children: dict[str, list[Spec | str]] = {}
    items = entity_items(entities, ("firewallrules",), root)
    if "firewallrules" in items:
        children["firewallrules"] = [
            firewall.prepare(call, plan, item, f"{root}.entities.firewallrules.items[{i}]")
            for i, item in enumerate(items["firewallrules"])
        ]
    return Spec(p, children=children)


def private_ip(state: State, dc: Datacenter, lan_number: int) -> str:
    """The next private address of LAN ``lan_number`` in ``dc`` (10.x.y.z)."""
    lan = dc.lans.get(str(lan_number))
    index = 0
    if lan is not None:
        index = lan.next_host - 11
        lan.next_host += 1
    third = (lan_number * 16 + index // 240) % 256
    fourth = 11 + index % 240
    return str(
        ipaddress.IPv4Address((10 << 24) | ((dc.number % 256) << 16) | (third << 8) | fourth)
    )


@effect("nic.provision")
def _provision(state: State, dc: Datacenter, nic: Nic) -> None:
    if nic.gone:
        return
    props = nic.props
    if props["mac"] is None:
        props["mac"] = state.new_mac()
    if props["dhcp"] is None:
        props["dhcp"] = True
    if props["firewallActive"] is None:
        props["firewallActive"] = False
    if props["nat"] is None:
        props["nat"] = False
    if not props["ips"]:
        lan = dc.lans.get(str(props["lan"]))
        if lan is not None and lan.props["public"]:
            props["ips"] = allocate_public(state, str(dc.props["location"]), 1)
        else:
            props["ips"] = [private_ip(state, dc, props["lan"])]
    for lb in dc.loadbalancers.values():
        ip = lb.props["ip"]
        if nic in lb.nics and ip and ip not in props["ips"]:
            props["ips"] = [*props["ips"], ip]


def build(call: Call, dc: Datacenter, server: Server, spec: Spec, request: Request) -> EchoNode:
    """Create the NIC of ``spec`` on ``server`` (and its LAN if missing, and its rules)."""
    p = spec.props
    lan_rules.ensure_lan(call, dc, p["lan"], request)
    nid = call.state.new_id()
    nic = Nic(
        id=nid,
        path=f"{server.path}/nics/{nid}",
        props={
            "name": p.get("name"),
            "mac": None,
            "ips": list(p.get("ips") or ()),
            "dhcp": p.get("dhcp"),
            "lan": p["lan"],
            "firewallActive": p.get("firewallActive"),
            "nat": p.get("nat"),
        },
        dc=dc,
        server=server,
        **call.new_resource_fields(),
    )
    server.nics[nid] = nic
    call.log.target(request, nic)
    node = EchoNode(nic)
    if "firewallrules" in spec.children:
        node.children["firewallrules"] = [
            firewall.build(call, nic, child, request)
            for child in spec.children["firewallrules"]
            if isinstance(child, Spec)
        ]
    call.log.on_done(request, _provision, dc, nic)
    return node


def remove(nic: Nic) -> None:
    """Delete ``nic`` (and its rules) from state, and from any load balancer."""
    server, dc = nic.server, nic.dc
    if server is not None:
        server.nics.pop(nic.id, None)
    if dc is not None:
        for lb in dc.loadbalancers.values():
            if nic in lb.nics:
                lb.nics = [n for n in lb.nics if n is not nic]
    nic.gone = True
    for rule in nic.rules.values():
        rule.gone = True


@effect("nic.delete")
def _delete(state: State, nic: Nic) -> None:
    remove(nic)


def list_nics(call: Call, dc_id: str, srv_id: str) -> Result:
    """``GET /datacenters/{dc}/servers/{srv}/nics``."""
    _, server = find_server(call, dc_id, srv_id)
    return listing(server, "nics", server.nics.values())


def get_nic(call: Call, dc_id: str, srv_id: str, nic_id: str) -> Result:
    """``GET /datacenters/{dc}/servers/{srv}/nics/{nic}``."""
    _, _, nic = find_nic(call, dc_id, srv_id, nic_id)
    return Result(Record(nic))


@creates
def create_nic(call: Call, dc_id: str, srv_id: str) -> Result:
    """``POST /datacenters/{dc}/servers/{srv}/nics``."""
    dc, server = find_server(call, dc_id, srv_id)
    return create_in_datacenter(
        call, dc, prepare, lambda spec, req: build(call, dc, server, spec, req), parent=server
    )


def update_nic(call: Call, dc_id: str, srv_id: str, nic_id: str) -> Result:
    """``PATCH …/nics/{nic}``: name, ips, dhcp, lan (created if missing), nat, firewallActive."""
    dc, _, nic = find_nic(call, dc_id, srv_id, nic_id)
    need_edit(call, dc)
    given, at = patch_body(call.body.get())
    p = check_fields("nic", FIELDS, given, at, current=nic.props)
    if "lan" in p and p["lan"] is None:
        raise Invalid("lan", "cannot be removed", at=at)
    return _change(call, dc, nic, p, at)


def replace_nic(call: Call, dc_id: str, srv_id: str, nic_id: str) -> Result:
    """``PUT …/nics/{nic}``: every writable property (``lan`` required); left out, ``ips`` is
    empty until an address is assigned, ``dhcp`` true, ``nat`` and ``firewallActive`` false."""
    dc, _, nic = find_nic(call, dc_id, srv_id, nic_id)
    need_edit(call, dc)
    given, at = put_body(call.body.get())
    p = check_replacement("nic", FIELDS, given, at, current=nic.props)
    return _change(call, dc, nic, p, at)


def _change(call: Call, dc: Datacenter, nic: Nic, p: dict[str, Any], at: str) -> Result:
    number = p.get("lan", nic.props["lan"])
    if number != nic.props["lan"] and nic.home_lan is not None:
        raise Invalid(
            "lan",
            f"cannot be changed while a load balancer balances the NIC (it is in the load "
            f"balancer's LAN {nic.props['lan']}); remove it from the load balancer first",
            at=at,
        )
    lan = dc.lans.get(str(number))
    if lan is not None and lan.props["public"]:
        location = str(dc.props["location"])
        held = nic.props["ips"] or ()
        resolve_ips(call, NIC_IPS, location, p.get("ips") or (), at, held=held, private=False)
    request = call.open_request()
    if "lan" in p:
        lan_rules.ensure_lan(call, dc, p["lan"], request)
    for name, value in p.items():
        if name == "mac":
            continue
        if value is None and name != "name":
            continue
        nic.props[name] = value
    nic.modified_by = call.user.email
    call.log.target(request, nic)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _provision, dc, nic)
    return Result(Echo(nic), request)


def delete_nic(call: Call, dc_id: str, srv_id: str, nic_id: str) -> Result:
    """``DELETE …/nics/{nic}``."""
    dc, server, nic = find_nic(call, dc_id, srv_id, nic_id)
    need_edit(call, dc)
    request = call.open_request()
    call.log.target(request, nic)
    call.log.target(request, server, listed=False)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _delete, nic)
    return Result(None, request)
