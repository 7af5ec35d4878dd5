"""Data centres (``/datacenters``): list, get, composite create, update, cascading delete.

Rules (WIRE.md sections 8.1 and 10): ``name`` and ``location`` are required; the name may not
contain ``@ / \\ | " '``; the location is one of the four v4 locations and cannot change.
A create body may nest LANs, volumes, servers (with volumes and NICs) and load balancers; it
is validated as a whole and provisioned as one request. Deleting a data centre removes
everything in it once the request is done.
"""

from __future__ import annotations

from typing import Any

from ..catalogue import LOCATION_IDS, LOCATIONS
from ..effects import effect
from ..errors import Invalid
from ..results import Echo, EchoNode, Record
from ..state import Datacenter, State
from . import lan as lan_rules
from . import loadbalancer as lb_rules
from . import server as server_rules
from . import volume as volume_rules
from .base import (
    Call,
    Result,
    creates,
    find_datacenter,
    need_edit,
    need_privilege,
    touch_datacenter,
    visible_listing,
)
from .contract import check
from .plan import Plan, Spec
from .validators import (
    REQUIRED,
    Field,
    check_fields,
    check_replacement,
    entity_items,
    enum,
    integer,
    patch_body,
    put_body,
    split_body,
    string,
)

__all__ = [
    "create_datacenter",
    "delete_datacenter",
    "get_datacenter",
    "list_datacenters",
    "remove",
    "replace_datacenter",
    "update_datacenter",
]

_FORBIDDEN_NAME_CHARS = "@/\\|\"'"
_FEATURES = {loc["id"]: list(loc["features"]) for loc in LOCATIONS}


def _name(attr: str, value: Any, at: str) -> str | None:
    name = string(attr, value, at)
    if name is not None:
        bad = sorted({c for c in name if c in _FORBIDDEN_NAME_CHARS})
        if bad:
            raise Invalid(
                attr,
                "must not contain any of the characters @ / \\ | \" ' (found "
                + " ".join(bad)
                + ")",
                at=at,
            )
    return name


def _features(attr: str, value: Any, at: str) -> Any:
    if value is None or isinstance(value, list):
        return value
    raise Invalid(attr, "must be a list", at=at)


FIELDS: dict[str, Field] = {
    "name": Field("name", "rw", _name, REQUIRED),
    "description": Field("description", "rw", string),
    "location": Field("location", "c", enum(LOCATION_IDS)),
    "version": Field("version", "ro", integer),
    "features": Field("features", "ro", _features),
}

_ENTITIES = ("servers", "volumes", "loadbalancers", "lans")


def list_datacenters(call: Call) -> Result:
    """``GET /datacenters``: the data centres the caller may see."""
    return visible_listing(call, "datacenters", call.contract.datacenters.values())


def get_datacenter(call: Call, dc_id: str) -> Result:
    """``GET /datacenters/{dc}``."""
    return Result(Record(find_datacenter(call, dc_id)))


@creates
def create_datacenter(call: Call) -> Result:
    """``POST /datacenters``: a data centre and everything its body nests, in one request."""
    need_privilege(call, "createDataCenter", "create data centers")
    body = call.body.get()
    given, entities = split_body(body)
    at = "(root).properties"
    p = check_fields("datacenter", FIELDS, given, at)
    # The API names the missing location first (issue 8).
    if p.get("location") is None:
        raise Invalid("location", "is required", at=at)
    if p.get("name") is None:
        raise Invalid("name", "is required", at=at)
    location: str = p["location"]
    plan = Plan(location=location, dc=None)
    plan.demand.datacenters = 1
    items = entity_items(entities, _ENTITIES, "(root)")
    specs: dict[str, list[Spec]] = {}
    for name, module in (
        ("lans", lan_rules),
        ("volumes", volume_rules),
        ("servers", server_rules),
        ("loadbalancers", lb_rules),
    ):
        if name in items:
            specs[name] = [
                module.prepare(call, plan, item, f"(root).entities.{name}.items[{i}]")
                for i, item in enumerate(items[name])
            ]
    check(call.contract, plan.demand, at)
    request = call.open_request()
    state = call.state
    state.datacenter_count += 1
    dc_id = state.new_id()
    dc = Datacenter(
        id=dc_id,
        path="/datacenters/" + dc_id,
        props={
            "name": p["name"],
            "description": p.get("description"),
            "location": location,
            "version": None,
            "features": [],
        },
        contract=call.contract.number,
        number=state.datacenter_count,
        **call.new_resource_fields(),
    )
    call.contract.datacenters[dc_id] = dc
    call.log.target(request, dc)
    node = EchoNode(dc)
    for name, module in (
        ("lans", lan_rules),
        ("volumes", volume_rules),
        ("servers", server_rules),
        ("loadbalancers", lb_rules),
    ):
        if name in specs:
            node.children[name] = [module.build(call, dc, spec, request) for spec in specs[name]]
    if node.children:
        node.children = {name: node.children[name] for name in _ENTITIES if name in node.children}
    call.log.on_done(request, _provision, dc)
    return Result(node, request)


@effect("datacenter.provision")
def _provision(state: State, dc: Datacenter) -> None:
    if not dc.gone:
        dc.props["version"] = 1
        dc.props["features"] = list(_FEATURES.get(str(dc.props["location"]), []))


def update_datacenter(call: Call, dc_id: str) -> Result:
    """``PATCH /datacenters/{dc}``: name and description; the location is fixed."""
    dc = find_datacenter(call, dc_id)
    need_edit(call, dc)
    given, at = patch_body(call.body.get())
    p = check_fields("datacenter", FIELDS, given, at, current=dc.props)
    if "name" in p and p["name"] is None:
        raise Invalid("name", "cannot be removed", at=at)
    return _change(call, dc, p)


def replace_datacenter(call: Call, dc_id: str) -> Result:
    """``PUT /datacenters/{dc}``: name (required) and description; the location is fixed."""
    dc = find_datacenter(call, dc_id)
    need_edit(call, dc)
    given, at = put_body(call.body.get())
    return _change(call, dc, check_replacement("datacenter", FIELDS, given, at, current=dc.props))


def _change(call: Call, dc: Datacenter, p: dict[str, Any]) -> Result:
    request = call.open_request()
    for name in ("name", "description"):
        if name in p:
            dc.props[name] = p[name]
    dc.modified_by = call.user.email
    touch_datacenter(call, request, dc)
    call.log.target(request, dc)
    return Result(Echo(dc), request)


@effect("datacenter.delete")
def remove(state: State, dc: Datacenter) -> None:
    """Delete ``dc`` and everything in it; shares of it disappear from every group."""
    contract = state.contracts.get(dc.contract)
    if contract is not None:
        contract.datacenters.pop(dc.id, None)
        for group in contract.groups.values():
            group.shares.pop(dc.id, None)
    for server in list(dc.servers.values()):
        server_rules.remove(server)
    for volume in list(dc.volumes.values()):
        volume_rules.remove(volume)
    for record in (*dc.lans.values(), *dc.loadbalancers.values()):
        record.gone = True
    dc.lans = {}
    dc.loadbalancers = {}
    dc.gone = True


def delete_datacenter(call: Call, dc_id: str) -> Result:
    """``DELETE /datacenters/{dc}``: everything inside goes with it once done."""
    dc = find_datacenter(call, dc_id)
    need_edit(call, dc)
    request = call.open_request()
    call.log.target(request, dc)
    call.log.on_done(request, remove, dc)
    return Result(None, request)
