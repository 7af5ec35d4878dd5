"""Load balancers (``/datacenters/{dc}/loadbalancers``) and their balanced NICs.

``name``, ``ip`` and ``dhcp`` are optional (a load balancer created with no properties is
accepted, WIRE.md section 9.4); ``ip`` is IPv4, private or of an IP block of the data centre's
location that the caller may see. A load balancer gets its IP once it balances a NIC (until
then ``ip`` is null, unless one was given), and every balanced NIC carries that IP too.

A load balancer puts the NICs it balances in a LAN of its own (the real API shows a NIC of
LAN 1 in LAN 2 once a new load balancer balances it): the first NIC it balances makes that LAN
(the next free LAN id, private); a NIC balanced is in it, as its server, the LAN listings and
the balancer show alike; a NIC removed from the balancer goes back to the LAN it came from.
A NIC is balanced by one load balancer at a time. Deleting the load balancer sends its NICs
back and removes its LAN if nothing else is in it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..effects import effect
from ..errors import Invalid
from ..requests import Request
from ..results import Echo, EchoNode, Record
from ..state import Datacenter, LoadBalancer, Nic, State, lan_nics
from . import lan as lan_rules
from .base import (
    BALANCED_NIC,
    BALANCED_NICS,
    LOADBALANCER_IP,
    Call,
    Result,
    creates,
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
    check_replacement,
    entity_items,
    id_body,
    ipv4,
    patch_body,
    put_body,
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
    "replace_loadbalancer",
    "update_loadbalancer",
]

FIELDS: dict[str, Field] = {
    "name": Field("name", "rw", string),
    "ip": Field("ip", "rw", ipv4),
    "dhcp": Field("dhcp", "rw", boolean, True),
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
        _not_balanced_elsewhere(nic, None, where)
        nics.append(nic)
    children: dict[str, list[Spec | str]] = {}
    if "balancednics" in items:
        children["balancednics"] = [nic.id for nic in nics]
    extra: dict[str, Any] = {"balancednics": nics, "lan": None}
    if nics:
        extra["lan"] = lan_rules.reserve_number(plan)
    return Spec(p, children=children, extra=extra)


def _balancer_of(nic: Nic) -> LoadBalancer | None:
    dc = nic.dc
    if dc is not None:
        for lb in dc.loadbalancers.values():
            if nic in lb.nics:
                return lb
    return None


def _not_balanced_elsewhere(nic: Nic, lb: LoadBalancer | None, at: str) -> None:
    other = _balancer_of(nic)
    if other is not None and other is not lb:
        raise Invalid(
            "id",
            f"names NIC {nic.id}, which load balancer {other.id} balances already "
            "(a NIC is balanced by one load balancer at a time)",
            at=at,
        )


def _balance(
    dc: Datacenter,
    lb: LoadBalancer,
    nic: Nic,
    fields: Callable[[], dict[str, Any]],
    number: int | None = None,
) -> None:
    """Balance ``nic`` now: it moves into the load balancer's LAN (made if needed, with the
    record fields ``fields()`` gives)."""
    if lb.lan_id is None or lb.lan_id not in dc.lans:
        lan = lan_rules.new_lan(
            dc,
            number or lan_rules.reserve_number(Plan.for_datacenter(dc)),
            {"name": None, "public": False, "ipFailover": []},
            fields(),
        )
        lb.lan_id = lan.id
    lb.nics = [*lb.nics, nic]
    if nic.home_lan is None:
        nic.home_lan = nic.props["lan"]
    nic.props["lan"] = int(lb.lan_id)


def _release(lb: LoadBalancer, nic: Nic) -> None:
    """``nic`` is no longer balanced: back to its own LAN, without the balancer's IP."""
    lb.nics = [n for n in lb.nics if n is not nic]
    if nic.gone:
        return
    if nic.home_lan is not None:
        nic.props["lan"] = nic.home_lan
        nic.home_lan = None
    ip = lb.props["ip"]
    if ip and ip in (nic.props["ips"] or []):
        nic.props["ips"] = [x for x in nic.props["ips"] if x != ip]


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
    # Without a NIC to balance a load balancer has no address yet (issue 8).
    if props["ip"] is None and lb.nics:
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
        for nic in spec.extra["balancednics"]:
            _balance(dc, lb, nic, call.new_resource_fields, spec.extra["lan"])
            call.log.target(request, nic, listed=False)
        if lb.lan_id is not None:
            call.log.target(request, dc.lans[lb.lan_id], listed=False)
        node.children["balancednics"] = [EchoNode(nic, created=False) for nic in lb.nics]
    call.log.on_done(request, _provision, dc, lb)
    return node


def list_loadbalancers(call: Call, dc_id: str) -> Result:
    """``GET /datacenters/{dc}/loadbalancers``."""
    dc = find_datacenter(call, dc_id)
    return listing(dc, "loadbalancers", dc.loadbalancers.values())


def get_loadbalancer(call: Call, dc_id: str, lb_id: str) -> Result:
    """``GET /datacenters/{dc}/loadbalancers/{lb}``."""
    _, lb = find_loadbalancer(call, dc_id, lb_id)
    return Result(Record(lb))


@creates
def create_loadbalancer(call: Call, dc_id: str) -> Result:
    """``POST /datacenters/{dc}/loadbalancers``."""
    dc = find_datacenter(call, dc_id)
    return create_in_datacenter(call, dc, prepare, lambda spec, req: build(call, dc, spec, req))


def update_loadbalancer(call: Call, dc_id: str, lb_id: str) -> Result:
    """``PATCH /datacenters/{dc}/loadbalancers/{lb}``: name, ip, dhcp."""
    dc, lb = find_loadbalancer(call, dc_id, lb_id)
    need_edit(call, dc)
    given, at = patch_body(call.body.get())
    p = check_fields("loadbalancer", FIELDS, given, at, current=lb.props)
    return _change(call, dc, lb, p, at)


def replace_loadbalancer(call: Call, dc_id: str, lb_id: str) -> Result:
    """``PUT /datacenters/{dc}/loadbalancers/{lb}``: name, ip, dhcp; left out, ``ip`` is null
    (a new one is assigned when provisioned if the load balancer balances NICs) and ``dhcp``
    true."""
    dc, lb = find_loadbalancer(call, dc_id, lb_id)
    need_edit(call, dc)
    given, at = put_body(call.body.get())
    p = check_replacement("loadbalancer", FIELDS, given, at, current=lb.props)
    return _change(call, dc, lb, p, at)


def _change(call: Call, dc: Datacenter, lb: LoadBalancer, p: dict[str, Any], at: str) -> Result:
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
    return Result(Echo(lb), request)


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
    if dc.loadbalancers.pop(lb.id, None) is None:
        return
    for nic in list(lb.nics):
        _release(lb, nic)
    lb.gone = True
    lan = dc.lans.get(lb.lan_id or "")
    if lan is not None and not lan_nics(lan):
        del dc.lans[lan.id]
        lan.gone = True


def list_balanced_nics(call: Call, dc_id: str, lb_id: str) -> Result:
    """``GET …/loadbalancers/{lb}/balancednics``: items carry the NICs' server hrefs."""
    _, lb = find_loadbalancer(call, dc_id, lb_id)
    return listing(lb, "balancednics", lb.nics)


def get_balanced_nic(call: Call, dc_id: str, lb_id: str, nic_id: str) -> Result:
    """``GET …/loadbalancers/{lb}/balancednics/{nic}``."""
    _, lb = find_loadbalancer(call, dc_id, lb_id)
    return Result(Record(member(lb.nics, nic_id)))


def add_balanced_nic(call: Call, dc_id: str, lb_id: str) -> Result:
    """``POST …/loadbalancers/{lb}/balancednics`` with ``{"id": nic}``: the NIC as it was."""
    dc, lb = find_loadbalancer(call, dc_id, lb_id)
    need_edit(call, dc)
    nic_id = id_body(call.body.get())
    nic = resolve_nic(call, BALANCED_NIC, dc, nic_id, "(root)")
    _not_balanced_elsewhere(nic, lb, "(root)")
    request = call.open_request()
    call.log.target(request, nic)
    # The NIC as it is now, BUSY like every 202 echo (WIRE.md 5.2, 7), in the LAN it leaves.
    shown = Echo(nic, entities=True, props=dict(nic.props))
    # Balancing a NIC the load balancer balances already is accepted like any request
    # (WIRE.md 12); if a removal of it is still queued, it is balanced again after that.
    if nic not in lb.nics:
        _balance(dc, lb, nic, call.new_resource_fields)
    call.log.target(request, lb, listed=False)
    if lb.lan_id is not None:
        call.log.target(request, dc.lans[lb.lan_id], listed=False)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _balanced, dc, lb, nic)
    return Result(shown, request)


@effect("loadbalancer.balance-nic")
def _balanced(state: State, dc: Datacenter, lb: LoadBalancer, nic: Nic) -> None:
    if nic.gone or lb.gone:
        return
    if nic not in lb.nics:
        # A removal queued before this request took the NIC out; it is balanced again. Should
        # the balancer's LAN be gone, it is made again on the balancer's behalf.
        _balance(dc, lb, nic, lambda: _fields_of(state, lb))
    _provision(state, dc, lb)


def _fields_of(state: State, lb: LoadBalancer) -> dict[str, Any]:
    return {
        "created_date": lb.created_date,
        "created_by": lb.created_by,
        "owner_id": lb.owner_id,
        "etag": state.new_etag(),
    }


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
    if nic in lb.nics:
        _release(lb, nic)
