"""What every rule module shares: the call context, results, lookups and access checks.

A :class:`Call` is one authenticated API call as the rules see it: who makes it, on which
contract, the requested depth, the view for rendering and a lazily parsed body. Lookups resolve
path ids within the caller's contract and visibility (anything else is :class:`NotFound`, so
foreign ids look exactly like missing ones); :func:`need_edit` turns a read-only share into
:class:`Forbidden`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .. import render
from ..errors import Forbidden, NotFound
from ..render import View
from ..requests import Request, RequestLog
from ..state import (
    Contract,
    Datacenter,
    Group,
    Image,
    IpBlock,
    Lan,
    LoadBalancer,
    Nic,
    Resource,
    Server,
    Snapshot,
    State,
    User,
    Volume,
)

__all__ = [
    "EDIT",
    "NONE",
    "READ",
    "Call",
    "Result",
    "child",
    "find_datacenter",
    "find_lan",
    "find_loadbalancer",
    "find_nic",
    "find_server",
    "find_volume",
    "has_privilege",
    "listing",
    "member",
    "need_edit",
    "rights",
    "visible_listing",
]

NONE, READ, EDIT = 0, 1, 2

_T = TypeVar("_T")
_R = TypeVar("_R", bound=Resource)


@dataclass(slots=True)
class Result:
    """What a rule returns: the document to send (or None) and the request it opened (if any)."""

    doc: dict[str, Any] | None
    request: Request | None = None


@dataclass(slots=True, eq=False)
class Call:
    """One authenticated API call."""

    state: State
    log: RequestLog
    user: User
    contract: Contract
    depth: int
    view: View
    now: str
    method: str
    #: (full URL, request headers) of the call, computed only when a request is recorded
    describe: Callable[[], tuple[str, dict[str, str]]]
    raw_body: bytes = field(repr=False)
    parse_body: Callable[[bool], Any]

    @property
    def admin(self) -> bool:
        return self.user.administrator

    def payload(self, *, form: bool = False) -> Any:
        """The parsed body: a JSON value, a dict of form fields (``form=True``), or None."""
        return self.parse_body(form)

    def echo_view(self) -> View:
        return View(self.view.base, self.state, self.log, echo=True)

    def open_request(self) -> Request:
        """Record this call as a provisioning request (the log masks secrets and bounds sizes)."""
        url, headers = self.describe()
        return self.log.open(
            contract=self.contract.number,
            user_id=self.user.id,
            created_by=self.user.email,
            created_date=self.now[:-1] + ".000Z" if self.now.endswith("Z") else self.now,
            method=self.method,
            url=url,
            headers=headers,
            body=self.raw_body,
        )

    def new_resource_fields(self) -> dict[str, Any]:
        """The common constructor arguments of a record created by this call."""
        return {
            "created_date": self.now,
            "created_by": self.user.email,
            "owner_id": self.user.id,
            "etag": self.state.new_etag(),
        }


def rights(call: Call, record: Resource) -> int:
    """What the caller may do with a data centre, image, snapshot or IP block."""
    if isinstance(record, Image) and record.contract is None:
        return READ
    user = call.user
    if user.administrator or record.owner_id == user.id:
        return EDIT
    best = NONE
    for group in call.contract.groups.values():
        if user.id in group.users:
            share = group.shares.get(record.id)
            if share is not None:
                best = max(best, EDIT if share.edit else READ)
                if best == EDIT:
                    break
    return best


def need_edit(call: Call, record: Resource) -> None:
    """Raise :class:`Forbidden` unless the caller may modify ``record``."""
    if rights(call, record) < EDIT:
        raise Forbidden(
            f"Access denied: the user has no edit privilege on {record.TYPE} {record.id}"
        )


def visible(call: Call, record: Resource) -> bool:
    return rights(call, record) > NONE


def has_privilege(call: Call, name: str) -> bool:
    """True when the caller is an administrator or in a group with privilege ``name``."""
    if call.admin:
        return True
    return any(
        call.user.id in group.users and group.props.get(name)
        for group in call.contract.groups.values()
    )


def need_privilege(call: Call, name: str, action: str) -> None:
    if not has_privilege(call, name):
        raise Forbidden(f"Access denied: the user may not {action} (group privilege '{name}')")


def child(records: Mapping[str, _T], record_id: str) -> _T:
    """``records[record_id]``; :class:`NotFound` when there is no such entry."""
    record = records.get(record_id)
    if record is None:
        raise NotFound()
    return record


def member(records: Iterable[_R], record_id: str) -> _R:
    """The record of ``records`` whose id is ``record_id``; :class:`NotFound` when none is."""
    for record in records:
        if record.id == record_id:
            return record
    raise NotFound()


def listing(call: Call, owner: Resource | User | Group, name: str, items: Iterable[Any]) -> Result:
    """``GET {owner}/{name}``: ``items`` as the collection ``{owner id}/{name}``."""
    href = f"{call.view.base}{owner.path}/{name}"
    return Result(render.collection(f"{owner.id}/{name}", href, items, call.depth, call.view))


def visible_listing(call: Call, name: str, records: Iterable[Resource]) -> Result:
    """``GET /{name}``: the ``records`` the caller may see, as the collection ``{name}``."""
    items = [record for record in records if visible(call, record)]
    href = f"{call.view.base}/{name}"
    return Result(render.collection(name, href, items, call.depth, call.view))


def _visible_child(call: Call, records: Mapping[str, _R], record_id: str) -> _R:
    record = records.get(record_id)
    if record is None or not visible(call, record):
        raise NotFound()
    return record


def find_datacenter(call: Call, dc_id: str) -> Datacenter:
    return _visible_child(call, call.contract.datacenters, dc_id)


def find_server(call: Call, dc_id: str, server_id: str) -> tuple[Datacenter, Server]:
    dc = find_datacenter(call, dc_id)
    return dc, child(dc.servers, server_id)


def find_volume(call: Call, dc_id: str, volume_id: str) -> tuple[Datacenter, Volume]:
    dc = find_datacenter(call, dc_id)
    return dc, child(dc.volumes, volume_id)


def find_nic(call: Call, dc_id: str, server_id: str, nic_id: str) -> tuple[Datacenter, Server, Nic]:
    dc, server = find_server(call, dc_id, server_id)
    return dc, server, child(server.nics, nic_id)


def find_lan(call: Call, dc_id: str, lan_id: str) -> tuple[Datacenter, Lan]:
    dc = find_datacenter(call, dc_id)
    return dc, child(dc.lans, lan_id)


def find_loadbalancer(call: Call, dc_id: str, lb_id: str) -> tuple[Datacenter, LoadBalancer]:
    dc = find_datacenter(call, dc_id)
    return dc, child(dc.loadbalancers, lb_id)


def find_image(call: Call, image_id: str) -> Image:
    image = call.state.public_images.get(image_id) or call.contract.images.get(image_id)
    if image is None or not visible(call, image):
        raise NotFound()
    return image


def find_snapshot(call: Call, snapshot_id: str) -> Snapshot:
    return _visible_child(call, call.contract.snapshots, snapshot_id)


def find_ipblock(call: Call, ipblock_id: str) -> IpBlock:
    return _visible_child(call, call.contract.ipblocks, ipblock_id)


def touch_datacenter(call: Call, request: Request, dc: Datacenter) -> None:
    """The data centre is busy while a change inside it is provisioned; its version grows."""
    if id(dc) in request.touched:
        return
    call.log.target(request, dc, listed=False)

    def bump() -> None:
        if not dc.gone:
            version = dc.props.get("version") or 0
            dc.props["version"] = version + 1

    call.log.on_done(request, bump)
