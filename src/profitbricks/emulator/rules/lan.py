"""LANs (``/datacenters/{dc}/lans``): ids ``"1"``, ``"2"``, … per data centre.

A new LAN gets the highest existing id + 1. A NIC naming a LAN id that does not exist creates
that (private) LAN in the same request. ``ipFailover`` entries must name a NIC of this LAN and
an IP that NIC already has.
"""

from __future__ import annotations

from typing import Any

from ..effects import effect
from ..errors import Conflict, Invalid
from ..requests import Request
from ..results import Echo, EchoNode, Record
from ..state import Datacenter, Lan, State, lan_nics
from .base import (
    LAN_FAILOVER,
    LAN_NICS,
    Call,
    Result,
    creates,
    find_datacenter,
    find_lan,
    listing,
    member,
    need_edit,
    resolve_nic,
    touch_datacenter,
)
from .plan import Plan, Spec, create_in_datacenter
from .validators import (
    Field,
    boolean,
    check_fields,
    check_replacement,
    entity_items,
    patch_body,
    put_body,
    split_body,
    string,
)

__all__ = [
    "build",
    "create_lan",
    "delete_lan",
    "ensure_lan",
    "get_lan",
    "get_lan_member",
    "list_lan_members",
    "list_lans",
    "new_lan",
    "prepare",
    "replace_lan",
    "reserve_number",
    "update_lan",
]


def _failover(attr: str, value: Any, at: str) -> list[dict[str, str]] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise Invalid(attr, 'must be a list of {"ip": ..., "nicUuid": ...} objects', at=at)
    out: list[dict[str, str]] = []
    for item in value:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("ip"), str)
            or not isinstance(item.get("nicUuid"), str)
            or set(item) - {"ip", "nicUuid"}
        ):
            raise Invalid(attr, 'must be a list of {"ip": ..., "nicUuid": ...} objects', at=at)
        out.append({"ip": item["ip"], "nicUuid": item["nicUuid"]})
    return out


FIELDS: dict[str, Field] = {
    "name": Field("name", "rw", string),
    "public": Field("public", "rw", boolean, False),
    "ipFailover": Field("ipFailover", "rw", _failover, []),
}


def _check_failover(
    call: Call, dc: Datacenter, lan_number: int, entries: list[dict[str, str]], at: str
) -> None:
    for entry in entries:
        nic = resolve_nic(call, LAN_FAILOVER, dc, entry["nicUuid"], at)
        if nic.props["lan"] != lan_number:
            raise Invalid(
                "ipFailover",
                f"names NIC {entry['nicUuid']}, which is not in LAN {lan_number}",
                at=at,
            )
        if entry["ip"] not in (nic.props["ips"] or ()):
            raise Invalid(
                "ipFailover", f"IP {entry['ip']} is not an address of NIC {nic.id}", at=at
            )


def _next_id(dc: Datacenter, plan: Plan | None = None) -> int:
    used = {int(i) for i in dc.lans}
    if plan is not None:
        used |= plan.lan_ids
    return max(used, default=0) + 1


def reserve_number(plan: Plan) -> int:
    """The id of a LAN the body of ``plan`` creates: the highest in use or reserved + 1."""
    number = max(plan.lan_ids, default=0) + 1
    if plan.dc is not None:
        number = max(number, _next_id(plan.dc))
    plan.lan_ids.add(number)
    return number


def prepare(call: Call, plan: Plan, body: Any, root: str) -> Spec:
    """Validate a LAN create body; reserves the next LAN id in ``plan``."""
    given, entities = split_body(body, root)
    at = root + ".properties"
    p = check_fields("lan", FIELDS, given, at)
    number = reserve_number(plan)
    if p.get("public"):
        plan.public_lans.add(number)
    moved: list[Spec | str] = []
    items = entity_items(entities, ("nics",), root)
    for index, item in enumerate(items.get("nics", [])):
        where = f"{root}.entities.nics.items[{index}]"
        nic = resolve_nic(call, LAN_NICS, plan.dc, item.get("id"), where)
        if nic.id in plan.claimed_nics:
            raise Invalid("id", f"lists NIC {nic.id} twice", at=where)
        plan.claimed_nics.add(nic.id)
        moved.append(nic.id)
    if p.get("ipFailover"):
        raise Invalid("ipFailover", "can only be set on an existing LAN (use PATCH)", at=at)
    return Spec(p, children={"nics": moved} if "nics" in items else {}, extra={"number": number})


def new_lan(dc: Datacenter, number: int, props: dict[str, Any], fields: dict[str, Any]) -> Lan:
    """Add LAN ``number`` with ``props`` and the record ``fields`` (creation date, creator,
    owner, etag) to ``dc`` (no request, no checks) and return it."""
    lan_id = str(number)
    lan = Lan(
        id=lan_id,
        path=f"/datacenters/{dc.id}/lans/{lan_id}",
        props=props,
        dc=dc,
        **fields,
    )
    dc.lans[lan_id] = lan
    return lan


def build(call: Call, dc: Datacenter, spec: Spec, request: Request) -> EchoNode:
    """Create the LAN of ``spec`` (moving the NICs it lists into it)."""
    p = spec.props
    number: int = spec.extra["number"]
    # The API applies the default at once: the echo shows public false, not null (issue 8).
    public = p.get("public")
    lan = new_lan(
        dc,
        number,
        {
            "name": p.get("name"),
            "public": FIELDS["public"].default if public is None else public,
            "ipFailover": [],
        },
        call.new_resource_fields(),
    )
    call.log.target(request, lan)
    node = EchoNode(lan)
    moved = []
    for nic_id in spec.children.get("nics", []):
        for server in dc.servers.values():
            nic = server.nics.get(str(nic_id))
            if nic is not None:
                nic.props["lan"] = number
                call.log.target(request, nic, listed=False)
                moved.append(EchoNode(nic, created=False))
    if "nics" in spec.children:
        node.children["nics"] = moved
    return node


def ensure_lan(call: Call, dc: Datacenter, number: int, request: Request) -> Lan:
    """The LAN ``number`` of ``dc``, created (private) as part of ``request`` if missing."""
    lan = dc.lans.get(str(number))
    if lan is None:
        lan = new_lan(
            dc,
            number,
            {"name": None, "public": False, "ipFailover": []},
            call.new_resource_fields(),
        )
        call.log.target(request, lan)
    return lan


def list_lans(call: Call, dc_id: str) -> Result:
    """``GET /datacenters/{dc}/lans``."""
    dc = find_datacenter(call, dc_id)
    return listing(dc, "lans", dc.lans.values())


def get_lan(call: Call, dc_id: str, lan_id: str) -> Result:
    """``GET /datacenters/{dc}/lans/{lan}``."""
    _, lan = find_lan(call, dc_id, lan_id)
    return Result(Record(lan))


def list_lan_members(call: Call, dc_id: str, lan_id: str) -> Result:
    """``GET /datacenters/{dc}/lans/{lan}/nics``: the NICs in the LAN (canonical hrefs)."""
    _, lan = find_lan(call, dc_id, lan_id)
    return listing(lan, "nics", lan_nics(lan))


def get_lan_member(call: Call, dc_id: str, lan_id: str, nic_id: str) -> Result:
    """``GET /datacenters/{dc}/lans/{lan}/nics/{nic}``."""
    _, lan = find_lan(call, dc_id, lan_id)
    nic = member(lan_nics(lan), nic_id)
    return Result(Record(nic))


@creates
def create_lan(call: Call, dc_id: str) -> Result:
    """``POST /datacenters/{dc}/lans``."""
    dc = find_datacenter(call, dc_id)
    return create_in_datacenter(call, dc, prepare, lambda spec, req: build(call, dc, spec, req))


def update_lan(call: Call, dc_id: str, lan_id: str) -> Result:
    """``PATCH /datacenters/{dc}/lans/{lan}``: name, public, ipFailover."""
    dc, lan = find_lan(call, dc_id, lan_id)
    need_edit(call, dc)
    given, at = patch_body(call.body.get())
    p = check_fields("lan", FIELDS, given, at, current=lan.props)
    return _change(call, dc, lan, p, at)


def replace_lan(call: Call, dc_id: str, lan_id: str) -> Result:
    """``PUT /datacenters/{dc}/lans/{lan}``: name, public (default false), ipFailover
    (default none)."""
    dc, lan = find_lan(call, dc_id, lan_id)
    need_edit(call, dc)
    given, at = put_body(call.body.get())
    p = check_replacement("lan", FIELDS, given, at, current=lan.props)
    return _change(call, dc, lan, p, at)


def _change(call: Call, dc: Datacenter, lan: Lan, p: dict[str, Any], at: str) -> Result:
    if p.get("ipFailover"):
        _check_failover(call, dc, int(lan.id), p["ipFailover"], at)
    if "public" in p and p["public"] is None:
        raise Invalid("public", "must be true or false", at=at)
    request = call.open_request()
    for name, value in p.items():
        lan.props[name] = value if value is not None or name == "name" else []
    lan.modified_by = call.user.email
    call.log.target(request, lan)
    touch_datacenter(call, request, dc)
    return Result(Echo(lan), request)


def delete_lan(call: Call, dc_id: str, lan_id: str) -> Result:
    """``DELETE /datacenters/{dc}/lans/{lan}``; not the LAN of a load balancer (it goes with
    the load balancer)."""
    dc, lan = find_lan(call, dc_id, lan_id)
    need_edit(call, dc)
    for lb in dc.loadbalancers.values():
        if lb.lan_id == lan.id:
            raise Conflict(
                f"LAN {lan.id} is the LAN of load balancer {lb.id}, which balances its NICs "
                "there; it is removed with the load balancer"
            )
    request = call.open_request()
    call.log.target(request, lan)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _delete, dc, lan)
    return Result(None, request)


@effect("lan.delete")
def _delete(state: State, dc: Datacenter, lan: Lan) -> None:
    if dc.lans.pop(lan.id, None) is not None:
        lan.gone = True
