"""What every rule module shares: the call context, results, lookups and access checks.

A rule is a domain function: ``rule(call, **path_ids) -> Result``. A :class:`Call` is one
authenticated API call as the rules see it: who makes it, on which contract, the requested
depth and the request :class:`Body`, already parsed by the web application
(:mod:`profitbricks.emulator.app`). A rule validates the body's fields, changes the state and
returns a :class:`~profitbricks.emulator.results.Result`: records of what the reply shows and
the request it opened. It never renders: :mod:`profitbricks.emulator.present` turns the result
into the API's JSON, in one place. Lookups resolve path ids within the caller's contract and
visibility (anything else is :class:`NotFound`, so foreign ids look exactly like missing ones);
:func:`need_edit` turns a read-only share into :class:`Forbidden`. Ids and addresses named in
request bodies go through the ``resolve_*`` functions and the registry
:data:`BODY_REFERENCES`, which use the same lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..effects import effect
from ..errors import EmulatorError, Forbidden, Invalid, NotFound
from ..requests import Request, RequestLog
from ..results import Listing, Result
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
from .validators import describe, is_private_ip

__all__ = [
    "BODY_REFERENCES",
    "CREATES",
    "EDIT",
    "NONE",
    "READ",
    "Body",
    "BodyRef",
    "Call",
    "Result",
    "child",
    "creates",
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
    "resolve_image",
    "resolve_ips",
    "resolve_nic",
    "resolve_snapshot",
    "resolve_source",
    "resolve_user",
    "resolve_volume",
    "rights",
    "visible_listing",
]

NONE, READ, EDIT = 0, 1, 2

_T = TypeVar("_T")
_R = TypeVar("_R", bound=Resource)


@dataclass(frozen=True, slots=True)
class Body:
    """A request body as the web application parsed it.

    ``value`` is a JSON value, or the form fields (a dict of strings) of a form-encoded body
    sent to a route that takes them (:data:`profitbricks.emulator.routes.FORM_BODIES`), or None
    when the call has no body. A body that could not be parsed holds the ``error`` instead.
    """

    value: Any = None
    error: EmulatorError | None = None
    #: (password, salt, digest) derived before the call took the state lock, for a rule that
    #: stores the password the body carries (see :meth:`digest_of`)
    derived: tuple[str, bytes, bytes] | None = None

    def digest_of(
        self, password: str, derive: Callable[[str], tuple[bytes, bytes]]
    ) -> tuple[bytes, bytes]:
        """(salt, digest) of ``password``: the one derived ahead of the lock when it is that
        password, else ``derive(password)`` now."""
        if self.derived is not None and self.derived[0] == password:
            return self.derived[1], self.derived[2]
        return derive(password)

    def get(self) -> Any:
        """The parsed body; raises the parse error (``BadRequest`` or ``Invalid``) if it had one.

        A rule reads its body once it has resolved its path, so that a 404 comes before a 400.
        """
        if self.error is not None:
            raise self.error
        return self.value


@dataclass(slots=True, eq=False)
class Call:
    """One authenticated API call."""

    state: State
    log: RequestLog
    user: User
    contract: Contract
    #: the ``depth`` query parameter (the reply is rendered at it; ``GET /requests`` polls at 1+)
    depth: int
    now: str
    method: str
    #: (full URL, request headers) of the call, computed only when a request is recorded
    describe: Callable[[], tuple[str, dict[str, str]]]
    #: the body as sent, for the request record
    raw_body: bytes = field(repr=False)
    body: Body
    #: the operation kind of the route (``snapshot.create``; ``""`` for a read), which decides
    #: how long the request it opens takes under per-operation durations
    kind: str = ""

    @property
    def admin(self) -> bool:
        return self.user.administrator

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
            kind=self.kind,
        )

    def new_resource_fields(self) -> dict[str, Any]:
        """The common constructor arguments of a record created by this call."""
        return {
            "created_date": self.now,
            "created_by": self.user.email,
            "owner_id": self.user.id,
            "etag": self.state.new_etag(),
        }


_F = TypeVar("_F", bound=Callable[..., Result])

#: The rules that create a resource from a resource definition ``{"properties": …,
#: "entities": …}``: without ``properties`` their body is refused with the API's message
#: (issue 8). The emulator's tests are generated from this set and the routing table.
CREATES: set[Callable[..., Result]] = set()


def creates(rule: _F) -> _F:
    """Register ``rule`` in :data:`CREATES` (a decorator) and return it unchanged."""
    CREATES.add(rule)
    return rule


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


def listing(owner: Resource | User | Group, name: str, items: Iterable[Any]) -> Result:
    """``GET {owner}/{name}``: ``items`` as the collection ``{owner id}/{name}``."""
    return Result(Listing(f"{owner.id}/{name}", f"{owner.path}/{name}", list(items)))


def visible_listing(call: Call, name: str, records: Iterable[Resource]) -> Result:
    """``GET /{name}``: the ``records`` the caller may see, as the collection ``{name}``."""
    return Result(Listing(name, f"/{name}", [r for r in records if visible(call, r)]))


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
    call.log.on_done(request, _bump_version, dc)


@effect("datacenter.bump-version")
def _bump_version(state: State, dc: Datacenter) -> None:
    if not dc.gone:
        version = dc.props.get("version") or 0
        dc.props["version"] = version + 1


# -- references in request bodies -------------------------------------------------------------
#
# Ids and addresses named in a body are looked up with the lookups the paths use, so whatever the
# caller could not GET (another contract's, or not shared with this user) is refused exactly
# like an id that does not exist: 422 naming the attribute, the API's answer to an unknown id in
# a body (WIRE.md 9.2, e.g. a volume's ``image``).

#: (method, route) of an operation, the route spelled as in the emulator's routing table
Operation = tuple[str, str]

_DC = "/datacenters/<dc_id>"
_SRV = _DC + "/servers/<srv_id>"


@dataclass(frozen=True, slots=True)
class BodyRef:
    """A request-body field that names a resource or an address of the caller.

    ``name`` is the registry key, ``attr`` the attribute an error names, ``kind`` what the value
    must resolve to (``image``, ``image-or-snapshot``, ``snapshot``, ``volume``, ``nic``,
    ``user`` or ``ip``), ``missing`` the rule an error states (``{value}`` is the id or address,
    ``{location}`` the data centre's location), ``operations`` the operations whose bodies
    carry the field and where it can name something that exists (nested create bodies
    included; in the body of a new data centre, ids of its volumes and NICs cannot exist yet and
    are always refused).
    """

    name: str
    attr: str
    kind: str
    missing: str
    operations: tuple[Operation, ...]


#: Every body reference, by name. A resolver only accepts a registered one, and the tenancy
#: tests are generated from this table.
BODY_REFERENCES: dict[str, BodyRef] = {}


def _reference(name: str, attr: str, kind: str, missing: str, *operations: Operation) -> BodyRef:
    ref = BodyRef(name, attr, kind, missing, operations)
    BODY_REFERENCES[name] = ref
    return ref


_NO_VOLUME = "refers to no volume of this data center: {value}"
_NO_NIC = "refers to no NIC of this data center: {value}"
_NO_IMAGE = "refers to no image that exists: {value}"

VOLUME_IMAGE = _reference(
    "volume.image",
    "image",
    "image-or-snapshot",
    "refers to no image or snapshot that exists: {value}",
    ("POST", _DC + "/volumes"),
    ("POST", _DC + "/servers"),
    ("POST", "/datacenters"),
)
SERVER_BOOT_VOLUME = _reference(
    "server.bootVolume",
    "bootVolume",
    "volume",
    _NO_VOLUME,
    ("POST", _DC + "/servers"),
    ("PATCH", _SRV),
    ("PUT", _SRV),
)
SERVER_BOOT_CDROM = _reference(
    "server.bootCdrom",
    "bootCdrom",
    "image",
    _NO_IMAGE,
    ("POST", _DC + "/servers"),
    ("PATCH", _SRV),
    ("PUT", _SRV),
    ("POST", "/datacenters"),
)
SERVER_VOLUMES = _reference(
    "server.entities.volumes", "id", "volume", _NO_VOLUME, ("POST", _DC + "/servers")
)
ATTACHED_VOLUME = _reference(
    "server.volumes.id", "id", "volume", _NO_VOLUME, ("POST", _SRV + "/volumes")
)
ATTACHED_CDROM = _reference(
    "server.cdroms.id", "id", "image", _NO_IMAGE, ("POST", _SRV + "/cdroms")
)
NIC_IPS = _reference(
    "nic.ips",
    "ips",
    "ip",
    "on a public LAN must hold addresses of a reserved IP block of {location}, got {value}",
    ("POST", _SRV + "/nics"),
    ("PATCH", _SRV + "/nics/<nic_id>"),
    ("PUT", _SRV + "/nics/<nic_id>"),
    ("POST", _DC + "/servers"),
    ("POST", "/datacenters"),
)
LOADBALANCER_IP = _reference(
    "loadbalancer.ip",
    "ip",
    "ip",
    "must be a private address or an address of a reserved IP block of {location}, got {value}",
    ("POST", _DC + "/loadbalancers"),
    ("PATCH", _DC + "/loadbalancers/<lb_id>"),
    ("PUT", _DC + "/loadbalancers/<lb_id>"),
    ("POST", "/datacenters"),
)
BALANCED_NICS = _reference(
    "loadbalancer.entities.balancednics", "id", "nic", _NO_NIC, ("POST", _DC + "/loadbalancers")
)
BALANCED_NIC = _reference(
    "loadbalancer.balancednics.id",
    "id",
    "nic",
    _NO_NIC,
    ("POST", _DC + "/loadbalancers/<lb_id>/balancednics"),
)
LAN_NICS = _reference("lan.entities.nics", "id", "nic", _NO_NIC, ("POST", _DC + "/lans"))
LAN_FAILOVER = _reference(
    "lan.ipFailover",
    "ipFailover",
    "nic",
    "names NIC {value}, which is not a NIC of this data center",
    ("PATCH", _DC + "/lans/<lan_id>"),
    ("PUT", _DC + "/lans/<lan_id>"),
)
RESTORE_SNAPSHOT = _reference(
    "volume.restore-snapshot.snapshotId",
    "snapshotId",
    "snapshot",
    "refers to no snapshot that exists: {value}",
    ("POST", _DC + "/volumes/<volume_id>/restore-snapshot"),
)
GROUP_USER = _reference(
    "group.users.id",
    "id",
    "user",
    "refers to no user of this contract: {value}",
    ("POST", "/um/groups/<group_id>/users"),
)


def _resolve(
    ref: BodyRef, kind: str, value: object, at: str, lookup: Callable[[str], _T], **details: str
) -> _T:
    """``lookup(value)``, or :class:`Invalid` stating ``ref``'s rule when that is NotFound."""
    if BODY_REFERENCES.get(ref.name) is not ref or ref.kind != kind:
        raise TypeError(f"{ref.name} is not a registered {kind} reference")
    if isinstance(value, str) and value:
        try:
            return lookup(value)
        except NotFound:
            pass
    shown = value if isinstance(value, str) else describe(value)
    raise Invalid(ref.attr, ref.missing.format(value=shown, **details), at=at)


def _image_or_snapshot(call: Call, source_id: str) -> Image | Snapshot:
    try:
        return find_image(call, source_id)
    except NotFound:
        return find_snapshot(call, source_id)


def _dc_volume(dc: Datacenter | None, volume_id: str) -> Volume:
    if dc is None:
        raise NotFound()
    return child(dc.volumes, volume_id)


def _dc_nic(dc: Datacenter | None, nic_id: str) -> Nic:
    if dc is not None:
        for server in dc.servers.values():
            nic = server.nics.get(nic_id)
            if nic is not None:
                return nic
    raise NotFound()


def resolve_image(call: Call, ref: BodyRef, image_id: object, at: str) -> Image:
    """The image ``image_id`` as ``GET /images/{id}`` finds it for the caller (public, or the
    contract's and visible to the caller); else :class:`Invalid` naming ``ref``."""
    return _resolve(ref, "image", image_id, at, lambda i: find_image(call, i))


def resolve_source(call: Call, ref: BodyRef, source_id: object, at: str) -> Image | Snapshot:
    """The image, else the snapshot, ``source_id`` as the caller may GET it; else
    :class:`Invalid`."""
    return _resolve(ref, "image-or-snapshot", source_id, at, lambda i: _image_or_snapshot(call, i))


def resolve_snapshot(call: Call, ref: BodyRef, snapshot_id: object, at: str) -> Snapshot:
    """The snapshot ``snapshot_id`` as ``GET /snapshots/{id}`` finds it; else :class:`Invalid`."""
    return _resolve(ref, "snapshot", snapshot_id, at, lambda i: find_snapshot(call, i))


def resolve_volume(
    call: Call, ref: BodyRef, dc: Datacenter | None, volume_id: object, at: str
) -> Volume:
    """The volume ``volume_id`` of ``dc`` (found through the caller's path, None while the data
    centre is being created); else :class:`Invalid`."""
    return _resolve(ref, "volume", volume_id, at, lambda i: _dc_volume(dc, i))


def resolve_nic(call: Call, ref: BodyRef, dc: Datacenter | None, nic_id: object, at: str) -> Nic:
    """The NIC ``nic_id`` of a server of ``dc`` (found through the caller's path, None while
    the data centre is being created); else :class:`Invalid`."""
    return _resolve(ref, "nic", nic_id, at, lambda i: _dc_nic(dc, i))


def resolve_user(call: Call, ref: BodyRef, user_id: object, at: str) -> User:
    """The user ``user_id`` of the caller's contract; else :class:`Invalid`."""
    return _resolve(ref, "user", user_id, at, lambda i: child(call.contract.users, i))


def resolve_ips(
    call: Call,
    ref: BodyRef,
    location: str,
    ips: Iterable[str],
    at: str,
    *,
    held: Iterable[str | None] = (),
    private: bool = True,
) -> None:
    """Check that each of ``ips`` is the caller's to use in ``location``: one the changed
    resource ``held`` already, one of an IP block of ``location`` that the caller may GET, or
    (where ``private``) a private address. Raises :class:`Invalid` naming ``ref`` for the first
    that is not."""
    kept = {ip for ip in held if ip}
    blocks = [
        block
        for block in call.contract.ipblocks.values()
        if block.props["location"] == location and visible(call, block)
    ]

    def lookup(ip: str) -> str:
        if (
            (private and is_private_ip(ip))
            or ip in kept
            or any(ip in b.props["ips"] for b in blocks)
        ):
            return ip
        raise NotFound()

    for ip in ips:
        _resolve(ref, "ip", ip, at, lookup, location=location)
