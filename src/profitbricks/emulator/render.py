"""Depth 0-5 rendering of records into Cloud API v4 JSON (plain dicts).

The rule that reproduces the recorded v4 responses (WIRE.md section 3)::

    resource(r, d):   id, type, href, metadata, properties (embedded references expanded
                      when d >= 1), entities: collection(c, d - 1) if d >= 1 else a
                      collection reference without "items"
    collection(c, d): id, type "collection", href, items = references if d == 0
                      else [resource(i, d - 1) ...]

Every ``href`` is absolute: ``view.base`` (the public base URL) plus the record's canonical
path. Keys come out in the API's order (id, type, href, metadata, properties, entities).
Renderers only read state; call them under the emulator's lock. Replies are rendered through
:mod:`profitbricks.emulator.present`, which maps what a rule returns to these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .results import EchoNode
from .state import (
    Contract,
    Datacenter,
    FirewallRule,
    Group,
    Image,
    IpBlock,
    Lan,
    LoadBalancer,
    Nic,
    Resource,
    Server,
    Share,
    Snapshot,
    State,
    User,
    Volume,
    find_um_record,
    lan_nics,
    um_records,
)

if TYPE_CHECKING:
    from .requests import Request, RequestLog

__all__ = [
    "View",
    "collection",
    "contract",
    "echo",
    "listed_image",
    "location",
    "reference",
    "request",
    "request_status",
    "resource",
    "share",
    "um_resource",
]

Doc = dict[str, Any]


@dataclass(slots=True)
class View:
    """How to render: the public base URL, the state, the request log, echo mode."""

    base: str
    state: State
    log: RequestLog | None = None
    #: create echoes show write-only inputs (imagePassword, sshKeys) as sent
    echo: bool = False


def _meta(r: Resource) -> Doc:
    return {
        "createdDate": r.created_date,
        "createdBy": r.created_by,
        "etag": r.etag,
        "lastModifiedDate": r.modified_date,
        "lastModifiedBy": r.modified_by,
        "state": "BUSY" if r.busy else r.state,
    }


def reference(r: Any, v: View) -> Doc:
    """``{id, type, href}`` of a record, with its canonical href."""
    return {"id": r.id, "type": r.TYPE, "href": v.base + r.path}


def _stub(cid: str, href: str) -> Doc:
    return {"id": cid, "type": "collection", "href": href}


def collection(
    cid: str,
    href: str,
    items: Iterable[Any],
    depth: int,
    v: View,
    item: Callable[[Any, int, View], Doc] | None = None,
) -> Doc:
    """A collection document; ``href`` is absolute; items rendered at ``depth - 1``."""
    if depth <= 0:
        if item is None:
            base = v.base
            rendered = [{"id": i.id, "type": i.TYPE, "href": base + i.path} for i in items]
        else:
            rendered = [item(i, -1, v) for i in items]
    else:
        render_item = item or resource
        d = depth - 1
        rendered = [render_item(i, d, v) for i in items]
    return {"id": cid, "type": "collection", "href": href, "items": rendered}


def _entity(
    cid: str,
    href: str,
    items: Iterable[Any],
    depth: int,
    v: View,
    item: Callable[[Any, int, View], Doc] | None = None,
) -> Doc:
    if depth >= 1:
        return collection(cid, href, items, depth - 1, v, item)
    return _stub(cid, href)


def _head(r: Resource, v: View) -> tuple[Doc, str]:
    href = v.base + r.path
    return {
        "id": r.id,
        "type": r.TYPE,
        "href": href,
        "metadata": _meta(r),
        "properties": dict(r.props),
    }, href


# -- data-centre tree ---------------------------------------------------------------------------


def _datacenter(dc: Datacenter, d: int, v: View, entities: bool = True) -> Doc:
    out, href = _head(dc, v)
    if entities:
        i = dc.id
        out["entities"] = {
            "servers": _entity(i + "/servers", href + "/servers", dc.servers.values(), d, v),
            "volumes": _entity(i + "/volumes", href + "/volumes", dc.volumes.values(), d, v),
            "loadbalancers": _entity(
                i + "/loadbalancers", href + "/loadbalancers", dc.loadbalancers.values(), d, v
            ),
            "lans": _entity(i + "/lans", href + "/lans", dc.lans.values(), d, v),
        }
    return out


def _server(s: Server, d: int, v: View, entities: bool = True) -> Doc:
    out, href = _head(s, v)
    props = out["properties"]
    boot = s.boot_volume
    if boot is not None:
        props["bootVolume"] = _volume(boot, d - 1, v) if d >= 1 else reference(boot, v)
    cdrom = s.boot_cdrom
    if cdrom is not None:
        props["bootCdrom"] = _image(cdrom, d - 1, v) if d >= 1 else reference(cdrom, v)
    if entities:
        i = s.id
        out["entities"] = {
            "cdroms": _entity(i + "/cdroms", href + "/cdroms", s.cdroms, d, v),
            "volumes": _entity(i + "/volumes", href + "/volumes", s.volumes, d, v),
            "nics": _entity(i + "/nics", href + "/nics", s.nics.values(), d, v),
        }
    return out


def _volume(vol: Volume, d: int, v: View, entities: bool = True) -> Doc:
    out, _ = _head(vol, v)
    if v.echo and vol.echo_only:
        out["properties"].update(vol.echo_only)
    return out


def _nic(n: Nic, d: int, v: View, entities: bool = True) -> Doc:
    out, href = _head(n, v)
    if entities:
        out["entities"] = {
            "firewallrules": _entity(
                n.id + "/firewallrules", href + "/firewallrules", n.rules.values(), d, v
            )
        }
    return out


def _plain(r: Resource, d: int, v: View, entities: bool = True) -> Doc:
    return _head(r, v)[0]


def _lan(lan: Lan, d: int, v: View, entities: bool = True) -> Doc:
    out, href = _head(lan, v)
    if entities:
        out["entities"] = {"nics": _entity(lan.id + "/nics", href + "/nics", lan_nics(lan), d, v)}
    return out


def _loadbalancer(lb: LoadBalancer, d: int, v: View, entities: bool = True) -> Doc:
    out, href = _head(lb, v)
    if entities:
        out["entities"] = {
            "balancednics": _entity(lb.id + "/balancednics", href + "/balancednics", lb.nics, d, v)
        }
    return out


def _image(img: Image, d: int, v: View, entities: bool = True) -> Doc:
    return _head(img, v)[0]


def listed_image(img: Image, d: int, v: View) -> Doc:
    """An item of ``GET /images``: an image without a description shows ``""`` there, though
    ``GET /images/{id}`` shows null (two v4 SDK suites check both on the same image)."""
    if d < 0:
        return reference(img, v)
    doc = _head(img, v)[0]
    if doc["properties"]["description"] is None:
        doc["properties"]["description"] = ""
    return doc


# -- user management ----------------------------------------------------------------------------


def _um_path(r: Resource) -> str:
    return f"/um/resources/{r.TYPE}/{r.id}"


def _contract_of(number: int, v: View) -> Contract | None:
    return v.state.contracts.get(number)


def _groups_sharing(c: Contract, rid: str) -> list[Group]:
    return [g for g in c.groups.values() if rid in g.shares]


def um_resource(r: Resource, d: int, v: View, contract_number: int = 0) -> Doc:
    """``/um/resources/{type}/{id}``: id, type, href, metadata, entities.groups."""
    href = v.base + _um_path(r)
    if d < 0:
        return {"id": r.id, "type": r.TYPE, "href": href}
    owner = _contract_of(contract_number, v) if contract_number else None
    if owner is None:
        owner = _contract_of(getattr(r, "contract", None) or 0, v)
        if owner is None and isinstance(r, Datacenter):
            owner = _contract_of(r.contract, v)
    groups = _groups_sharing(owner, r.id) if owner is not None else []
    return {
        "id": r.id,
        "type": r.TYPE,
        "href": href,
        "metadata": _meta(r),
        "entities": {"groups": _entity(r.id + "/groups", href + "/groups", groups, d, v)},
    }


def _um_item(contract_number: int) -> Callable[[Any, int, View], Doc]:
    def render(r: Any, d: int, v: View) -> Doc:
        return um_resource(r, d, v, contract_number)

    return render


def _user(u: User, d: int, v: View, entities: bool = True) -> Doc:
    href = v.base + u.path
    out: Doc = {
        "id": u.id,
        "type": "user",
        "href": href,
        "metadata": {"etag": u.etag, "createdDate": u.created_date, "lastLogin": u.last_login},
        "properties": dict(u.props),
    }
    if entities:
        c = v.state.contracts.get(u.contract)
        owns: list[Resource] = []
        groups: list[Group] = []
        if c is not None:
            owns = [r for r in um_records(c, v.state) if r.owner_id == u.id]
            groups = [g for g in c.groups.values() if u.id in g.users]
        out["entities"] = {
            "owns": _entity(u.id + "/owns", href + "/owns", owns, d, v),
            "groups": _entity(u.id + "/groups", href + "/groups", groups, d, v),
        }
    return out


def _group(g: Group, d: int, v: View, entities: bool = True) -> Doc:
    href = v.base + g.path
    out: Doc = {"id": g.id, "type": "group", "href": href, "properties": dict(g.props)}
    if entities:
        c = v.state.contracts.get(g.contract)
        shared: list[Resource] = []
        if c is not None:
            for s in g.shares.values():
                r = find_um_record(c, v.state, s.resource_type, s.resource_id)
                if r is not None:
                    shared.append(r)
        out["entities"] = {
            "users": _entity(g.id + "/users", href + "/users", g.users.values(), d, v),
            "resources": _entity(
                g.id + "/resources", href + "/resources", shared, d, v, _um_item(g.contract)
            ),
        }
    return out


def share(g: Group, s: Share, v: View) -> Doc:
    """``/um/groups/{grp}/shares/{res}``: a ``resource`` with the group's rights."""
    return {
        "id": s.resource_id,
        "type": "resource",
        "href": f"{v.base}{g.path}/shares/{s.resource_id}",
        "properties": {"editPrivilege": s.edit, "sharePrivilege": s.share},
    }


def shares(g: Group, depth: int, v: View) -> Doc:
    """``/um/groups/{grp}/shares``."""
    href = f"{v.base}{g.path}/shares"
    items: list[Doc] = []
    for s in g.shares.values():
        doc = share(g, s, v)
        if depth <= 0:
            del doc["properties"]
        items.append(doc)
    return {"id": g.id + "/shares", "type": "collection", "href": href, "items": items}


# -- catalogue, contract, requests --------------------------------------------------------------


def location(loc: Mapping[str, Any], d: int, v: View) -> Doc:
    """A location: id, type, href, properties (no metadata, no entities)."""
    lid = loc["id"]
    doc: Doc = {"id": lid, "type": "location", "href": f"{v.base}/locations/{lid}"}
    if d >= 0:
        doc["properties"] = {
            "name": loc["name"],
            "features": list(loc["features"]),
            "imageAliases": list(loc["imageAliases"]),
        }
    return doc


def contract(c: Contract, usage: Mapping[str, int]) -> Doc:
    """``GET /contracts``: one contract object with limits and usage."""
    lim = c.limits
    owner = c.owner.email if c.owner is not None else None
    return {
        "type": "contract",
        "properties": {
            "contractNumber": c.number,
            "owner": owner,
            "status": "BILLABLE",
            "resourceLimits": {
                "coresPerServer": lim["coresPerServer"],
                "coresPerContract": lim["coresPerContract"],
                "coresProvisioned": usage["cores"],
                "ramPerServer": lim["ramPerServer"],
                "ramPerContract": lim["ramPerContract"],
                "ramProvisioned": usage["ram"],
                "hddLimitPerVolume": lim["hddLimitPerVolume"],
                "hddLimitPerContract": lim["hddLimitPerContract"],
                "hddVolumeProvisioned": usage["hdd"],
                "ssdLimitPerVolume": lim["ssdLimitPerVolume"],
                "ssdLimitPerContract": lim["ssdLimitPerContract"],
                "ssdVolumeProvisioned": usage["ssd"],
                "reservableIps": lim["reservableIps"],
                "reservedIpsOnContract": usage["ips"],
                "reservedIpsInUse": usage["ips_in_use"],
            },
        },
    }


def request_status(req: Request, v: View) -> Doc:
    """``GET /requests/{id}/status``: status, message, etag and targets."""
    assert v.log is not None
    status = v.log.status(req)
    base = v.base
    href = f"{base}{req.path}/status"
    return {
        "id": req.id + "/status",
        "type": "request-status",
        "href": href,
        "metadata": {
            "status": status,
            "message": v.log.message(req),
            "etag": req.etag,
            "targets": [
                {"target": {"id": t.id, "type": t.type, "href": base + t.path}, "status": status}
                for t in req.targets
            ],
        },
    }


def request(req: Request, d: int, v: View) -> Doc:
    """``GET /requests/{id}``: the recorded call; ``requestStatus`` expanded when d >= 1."""
    href = v.base + req.path
    if d < 0:
        return {"id": req.id, "type": "request", "href": href}
    status: Doc
    if d >= 1:
        status = request_status(req, v)
    else:
        status = {"id": req.id + "/status", "type": "request-status", "href": href + "/status"}
    return {
        "id": req.id,
        "type": "request",
        "href": href,
        "metadata": {
            "createdDate": req.created_date,
            "createdBy": req.created_by,
            "etag": req.etag,
            "requestStatus": status,
        },
        "properties": {
            "method": req.method,
            "headers": dict(req.headers),
            "body": req.body,
            "url": req.url,
        },
    }


# -- dispatch ------------------------------------------------------------------------------------

_RENDERERS: dict[type, Callable[..., Doc]] = {
    Datacenter: _datacenter,
    Server: _server,
    Volume: _volume,
    Nic: _nic,
    FirewallRule: _plain,
    Lan: _lan,
    LoadBalancer: _loadbalancer,
    Image: _image,
    Snapshot: _plain,
    IpBlock: _plain,
    User: _user,
    Group: _group,
}


def resource(r: Any, depth: int, v: View, entities: bool = True) -> Doc:
    """Render any record at ``depth``; ``entities=False`` omits the entities (PATCH echo)."""
    if depth < 0:
        return reference(r, v)
    return _RENDERERS[type(r)](r, depth, v, entities)


def echo(node: EchoNode, v: View) -> Doc:
    """The 202 body of a create: the new record (depth 0, no entities) plus the entities the
    request carried, created children in full and attached ones as references."""
    r = node.record
    out = resource(r, 0, v, entities=False)
    if node.children:
        href = out["href"]
        ents: Doc = {}
        for name, items in node.children.items():
            ents[name] = {
                "id": f"{r.id}/{name}",
                "type": "collection",
                "href": f"{href}/{name}",
                "items": [echo(c, v) if c.created else reference(c.record, v) for c in items],
            }
        out["entities"] = ents
    return out
