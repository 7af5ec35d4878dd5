"""Load balancers (``/datacenters/{dc}/loadbalancers``) and their balanced NICs.

``name``, ``ip`` and ``dhcp`` are optional (a load balancer created with no properties is
accepted, WIRE.md section 9.4); ``ip`` is IPv4, private or of an IP block of the data centre's
location that the caller may see (as a NIC's). Once provisioned with ``dhcp`` a load balancer
has an IP, and every balanced NIC carries that IP too.
"""

from __future__ import annotations

from typing import Any

from .. import render
from ..effects import effect
from ..errors import Invalid
from ..render import EchoNode
from ..requests import Request
from ..state import Datacenter, LoadBalancer, Nic, State
from .base import (
    BALANCED_NIC,
    BALANCED_NICS,
    LOADBALANCER_IP,
    Call,
    Result,
    find_datacenter,
    find_loadbalancer,
    listing,
    member,
    need_edit,
    resolve_ips,
    resolve_nic,
    touch_datacenter,
)
from .ipblock import allocate_public
from .plan import Plan, Spec, create_in_datacenter
from .validators import (
    Field,
    boolean,
    check_fields,
    entity_items,
    id_body,
    ipv4,
    patch_body,
    split_body,
    string,
)

__all__ = [
    "add_balanced_nic",
    "build",
    "create_loadbalancer",
    "delete_loadbalancer",
    "get_balanced_nic",
    "get_loadbalancer",
    "list_balanced_nics",
    "list_loadbalancers",
    "prepare",
    "remove_balanced_nic",
    "update_loadbalancer",
]

FIELDS: dict[str, Field] = {
    "name": Field("name", "rw", string),
    "ip": Field("ip", "rw", ipv4),
    "dhcp": Field("dhcp", "rw", boolean),
}


def prepare(call: Call, plan: Plan, body: Any, root: str) -> Spec:
    """Validate a load balancer create body located at ``root``."""
    given, entities = split_body(body, root)
    at = root + ".properties"
    p = check_fields("loadbalancer", FIELDS, given, at)
    if p.get("ip") is not None:
        resolve_ips(call, LOADBALANCER_IP, plan.location, (p["ip"],), at)
    items = entity_items(entities, ("balancednics",), root)
    nics: list[Nic] = []
    for index, item in enumerate(items.get("balancednics", [])):
        where = f"{root}.entities.balancednics.items[{index}]"
        nic = resolve_nic(call, BALANCED_NICS, plan.dc, item.get("id"), where)
        if nic in nics:
            raise Invalid("id", f"lists NIC {nic.id} twice", at=where)
        nics.append(nic)
    children: dict[str, list[Spec | str]] = {}
    if "balancednics" in items:
        children["balancednics"] = [nic.id for nic in nics]
    return Spec(p, children=children, extra={"balancednics": nics})


def _give_ip(nic: Nic, ip: str | None) -> None:
    if ip and not nic.gone:
        ips = nic.props["ips"] or []
        if ip not in ips:
            nic.props["ips"] = [*ips, ip]


@effect("loadbalancer.provision")
def _provision(state: State, dc: Datacenter, lb: LoadBalancer) -> None:
    if lb.gone:
        return
    props = lb.props
    if props["dhcp"] is None:
        props["dhcp"] = True
    if props["ip"] is None:
        props["ip"] = allocate_public(state, str(dc.props["location"]), 1)[0]
    for nic in lb.nics:
        _give_ip(nic, props["ip"])


def build(call: Call, dc: Datacenter, spec: Spec, request: Request) -> EchoNode:
    """Create the load balancer of ``spec`` in ``dc``."""
    lid = call.state.new_id()
    lb = LoadBalancer(
        id=lid,
        path=f"/datacenters/{dc.id}/loadbalancers/{lid}",
        props={name: spec.props.get(name) for name in FIELDS},
        dc=dc,
        **call.new_resource_fields(),
    )
    dc.loadbalancers[lid] = lb
    call.log.target(request, lb)
    node = EchoNode(lb)
    if "balancednics" in spec.children:
        lb.nics = list(spec.extra["balancednics"])
        node.children["balancednics"] = [EchoNode(nic, created=False) for nic in lb.nics]
    call.log.on_done(request, _provision, dc, lb)
    return node


def list_loadbalancers(call: Call, dc_id: str) -> Result:
    """``GET /datacenters/{dc}/loadbalancers``."""
    dc = find_datacenter(call, dc_id)
    return listing(call, dc, "loadbalancers", dc.loadbalancers.values())


def get_loadbalancer(call: Call, dc_id: str, lb_id: str) -> Result:
    """``GET /datacenters/{dc}/loadbalancers/{lb}``."""
    _, lb = find_loadbalancer(call, dc_id, lb_id)
    return Result(render.resource(lb, call.depth, call.view))


def create_loadbalancer(call: Call, dc_id: str) -> Result:
    """``POST /datacenters/{dc}/loadbalancers``."""
    dc = find_datacenter(call, dc_id)
    return create_in_datacenter(call, dc, prepare, lambda spec, req: build(call, dc, spec, req))


def update_loadbalancer(call: Call, dc_id: str, lb_id: str) -> Result:
    """``PATCH /datacenters/{dc}/loadbalancers/{lb}``: name, ip, dhcp."""
    dc, lb = find_loadbalancer(call, dc_id, lb_id)
    need_edit(call, dc)
    given, at = patch_body(call.payload())
    p = check_fields("loadbalancer", FIELDS, given, at, current=lb.props)
    if p.get("ip") is not None:
        location = str(dc.props["location"])
        resolve_ips(call, LOADBALANCER_IP, location, (p["ip"],), at, held=(lb.props["ip"],))
    request = call.open_request()
    old_ip = lb.props["ip"]
    lb.props.update(p)
    if "ip" in p and p["ip"] != old_ip:
        for nic in lb.nics:
            ips = [ip for ip in (nic.props["ips"] or []) if ip != old_ip]
            nic.props["ips"] = ips
    lb.modified_by = call.user.email
    call.log.target(request, lb)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _provision, dc, lb)
    return Result(render.resource(lb, 0, call.view, entities=False), request)


def delete_loadbalancer(call: Call, dc_id: str, lb_id: str) -> Result:
    """``DELETE /datacenters/{dc}/loadbalancers/{lb}``."""
    dc, lb = find_loadbalancer(call, dc_id, lb_id)
    need_edit(call, dc)
    request = call.open_request()
    call.log.target(request, lb)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _delete, dc, lb)
    return Result(None, request)


@effect("loadbalancer.delete")
def _delete(state: State, dc: Datacenter, lb: LoadBalancer) -> None:
    if dc.loadbalancers.pop(lb.id, None) is not None:
        lb.gone = True


def list_balanced_nics(call: Call, dc_id: str, lb_id: str) -> Result:
    """``GET …/loadbalancers/{lb}/balancednics``: items carry the NICs' server hrefs."""
    _, lb = find_loadbalancer(call, dc_id, lb_id)
    return listing(call, lb, "balancednics", lb.nics)


def get_balanced_nic(call: Call, dc_id: str, lb_id: str, nic_id: str) -> Result:
    """``GET …/loadbalancers/{lb}/balancednics/{nic}``."""
    _, lb = find_loadbalancer(call, dc_id, lb_id)
    return Result(render.resource(member(lb.nics, nic_id), call.depth, call.view))


def add_balanced_nic(call: Call, dc_id: str, lb_id: str) -> Result:
    """``POST …/loadbalancers/{lb}/balancednics`` with ``{"id": nic}``: the NIC as it was."""
    dc, lb = find_loadbalancer(call, dc_id, lb_id)
    need_edit(call, dc)
    nic_id = id_body(call.payload())
    nic = resolve_nic(call, BALANCED_NIC, dc, nic_id, "(root)")
    if nic in lb.nics:
        raise Invalid("id", f"NIC {nic_id} is already balanced by this load balancer", at="(root)")
    request = call.open_request()
    call.log.target(request, nic)
    # The NIC as it is now, BUSY like every 202 echo (WIRE.md 5.2, 7).
    doc = render.resource(nic, 0, call.view)
    lb.nics = [*lb.nics, nic]
    call.log.target(request, lb, listed=False)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _balanced, lb, nic)
    return Result(doc, request)


@effect("loadbalancer.balance-nic")
def _balanced(state: State, lb: LoadBalancer, nic: Nic) -> None:
    _give_ip(nic, lb.props["ip"])


def remove_balanced_nic(call: Call, dc_id: str, lb_id: str, nic_id: str) -> Result:
    """``DELETE …/loadbalancers/{lb}/balancednics/{nic}``."""
    dc, lb = find_loadbalancer(call, dc_id, lb_id)
    need_edit(call, dc)
    nic = member(lb.nics, nic_id)
    request = call.open_request()
    call.log.target(request, nic)
    call.log.target(request, lb, listed=False)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _unbalanced, lb, nic)
    return Result(None, request)


@effect("loadbalancer.remove-nic")
def _unbalanced(state: State, lb: LoadBalancer, nic: Nic) -> None:
    lb.nics = [n for n in lb.nics if n is not nic]
    ip = lb.props["ip"]
    if ip and not nic.gone and ip in (nic.props["ips"] or []):
        nic.props["ips"] = [x for x in nic.props["ips"] if x != ip]
