"""The emulator's store: typed records, their containers and a seeded id generator.

Plain data only: no HTTP, no validation, no clock (callers pass timestamps in). Every resource
belongs to one :class:`Contract`; a data centre holds its servers, volumes, LANs and load
balancers, a server its NICs, a NIC its firewall rules. Containers are insertion-ordered dicts,
so listings come out in creation order. Rules in :mod:`profitbricks.emulator.rules` validate and
then change these records; :mod:`profitbricks.emulator.present` has them rendered into API JSON
(:mod:`profitbricks.emulator.render`).

Values stored in ``props`` are never mutated in place (lists are replaced), so a shallow copy
taken under the state lock can be serialised after the lock is released, and a
:class:`Checkpoint` of shallow copies can put records back after a call that failed half-way
(:func:`affected` says which records a call may change).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, ClassVar

__all__ = [
    "Checkpoint",
    "Contract",
    "Datacenter",
    "FirewallRule",
    "Group",
    "Image",
    "IpBlock",
    "Lan",
    "LoadBalancer",
    "Nic",
    "Resource",
    "Server",
    "Share",
    "Snapshot",
    "State",
    "User",
    "Volume",
    "affected",
    "find_um_record",
    "lan_nics",
    "records_of",
    "um_records",
]


@dataclass(eq=False, slots=True, repr=False)
class Resource:
    """A resource with the six-key ``metadata``: id, canonical path and API properties.

    ``busy`` counts the pending requests touching it (``state`` shows ``BUSY`` while > 0);
    ``state`` is the resting state (``AVAILABLE`` or ``INACTIVE``). ``gone`` is set when the
    record has been removed, so deferred work can skip it.
    """

    TYPE: ClassVar[str] = ""

    id: str
    path: str
    props: dict[str, Any]
    created_date: str
    created_by: str
    owner_id: str
    etag: str
    modified_date: str = ""
    modified_by: str = ""
    state: str = "AVAILABLE"
    busy: int = 0
    gone: bool = False

    def __repr__(self) -> str:
        # Records link to parents and children; a short repr keeps logs readable.
        return f"<{type(self).__name__} {self.id} {self.path}>"

    def __post_init__(self) -> None:
        if not self.modified_date:
            self.modified_date = self.created_date
        if not self.modified_by:
            self.modified_by = self.created_by


@dataclass(eq=False, slots=True, repr=False)
class Datacenter(Resource):
    TYPE: ClassVar[str] = "datacenter"

    contract: int = 0
    number: int = 0
    servers: dict[str, Server] = field(default_factory=dict)
    volumes: dict[str, Volume] = field(default_factory=dict)
    lans: dict[str, Lan] = field(default_factory=dict)
    loadbalancers: dict[str, LoadBalancer] = field(default_factory=dict)


@dataclass(eq=False, slots=True, repr=False)
class Server(Resource):
    TYPE: ClassVar[str] = "server"

    dc: Datacenter | None = None
    volumes: list[Volume] = field(default_factory=list)
    cdroms: list[Image] = field(default_factory=list)
    nics: dict[str, Nic] = field(default_factory=dict)
    boot_volume: Volume | None = None
    boot_cdrom: Image | None = None


@dataclass(eq=False, slots=True, repr=False)
class Volume(Resource):
    TYPE: ClassVar[str] = "volume"

    dc: Datacenter | None = None
    server: Server | None = None
    #: the bus the volume uses once attached (``props["bus"]`` is null while unattached)
    bus: str = "VIRTIO"
    #: id of the public image or snapshot it was created from
    source_id: str | None = None
    source_public: bool = False
    #: write-only inputs shown only in the create echo (imagePassword, sshKeys)
    echo_only: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(eq=False, slots=True, repr=False)
class Nic(Resource):
    TYPE: ClassVar[str] = "nic"

    dc: Datacenter | None = None
    server: Server | None = None
    rules: dict[str, FirewallRule] = field(default_factory=dict)
    #: while a load balancer balances it (and so has it in its own LAN): the LAN it returns to
    home_lan: int | None = None


@dataclass(eq=False, slots=True, repr=False)
class FirewallRule(Resource):
    TYPE: ClassVar[str] = "firewall-rule"

    nic: Nic | None = None


@dataclass(eq=False, slots=True, repr=False)
class Lan(Resource):
    TYPE: ClassVar[str] = "lan"

    dc: Datacenter | None = None
    next_host: int = 11


@dataclass(eq=False, slots=True, repr=False)
class LoadBalancer(Resource):
    TYPE: ClassVar[str] = "loadbalancer"

    dc: Datacenter | None = None
    nics: list[Nic] = field(default_factory=list)
    #: id of the LAN the load balancer puts the NICs it balances in (made with the first one)
    lan_id: str | None = None


@dataclass(eq=False, slots=True, repr=False)
class Image(Resource):
    TYPE: ClassVar[str] = "image"

    contract: int | None = None


@dataclass(eq=False, slots=True, repr=False)
class Snapshot(Resource):
    TYPE: ClassVar[str] = "snapshot"

    contract: int = 0


@dataclass(eq=False, slots=True, repr=False)
class IpBlock(Resource):
    TYPE: ClassVar[str] = "ipblock"

    contract: int = 0


@dataclass(eq=False, slots=True)
class User:
    """A user of a contract. ``password_hash`` is a salted key-derivation digest."""

    TYPE: ClassVar[str] = "user"

    id: str
    contract: int
    props: dict[str, Any]
    salt: bytes = field(repr=False)
    password_hash: bytes = field(repr=False)
    created_date: str
    etag: str
    last_login: str | None = None
    owner: bool = False
    gone: bool = False

    @property
    def path(self) -> str:
        return "/um/users/" + self.id

    @property
    def email(self) -> str:
        return str(self.props["email"])

    @property
    def administrator(self) -> bool:
        return self.owner or bool(self.props["administrator"])


@dataclass(eq=False, slots=True)
class Share:
    """A resource shared with a group, with the group's rights on it."""

    resource_id: str
    resource_type: str
    edit: bool = False
    share: bool = False


@dataclass(eq=False, slots=True)
class Group:
    TYPE: ClassVar[str] = "group"

    id: str
    contract: int
    props: dict[str, Any]
    users: dict[str, User] = field(default_factory=dict)
    shares: dict[str, Share] = field(default_factory=dict)
    gone: bool = False

    @property
    def path(self) -> str:
        return "/um/groups/" + self.id


@dataclass(eq=False, slots=True)
class Contract:
    """A customer contract: its owner, limits, users, groups and account-level resources."""

    number: int
    owner: User | None = None
    limits: dict[str, int] = field(default_factory=dict)
    datacenter_limit: int = 100
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    datacenters: dict[str, Datacenter] = field(default_factory=dict)
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    ipblocks: dict[str, IpBlock] = field(default_factory=dict)
    images: dict[str, Image] = field(default_factory=dict)


class State:
    """Everything the emulator knows: contracts, users by e-mail, public images, allocators.

    Ids, etags, MAC addresses and contract numbers come from ``random.Random(seed)``, so the
    same sequence of calls with the same seed produces the same documents (dates aside).
    """

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)
        self.contracts: dict[int, Contract] = {}
        self.users_by_email: dict[str, User] = {}
        self.public_images: dict[str, Image] = {}
        self.macs: set[str] = set()
        self.next_public: dict[str, int] = {}
        self.datacenter_count = 0
        #: bumped whenever a password, an e-mail address or a user's existence changes
        self.auth_generation = 0

    def new_id(self) -> str:
        """A fresh lower-case UUID (version 4 layout) from the seeded generator."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def new_etag(self) -> str:
        """32 lower-case hex characters."""
        return f"{self.rng.getrandbits(128):032x}"

    def new_mac(self) -> str:
        """A unique lower-case MAC address starting ``02:01:``."""
        while True:
            value = self.rng.getrandbits(32)
            mac = "02:01:" + ":".join(f"{(value >> s) & 0xFF:02x}" for s in (24, 16, 8, 0))
            if mac not in self.macs:
                self.macs.add(mac)
                return mac

    def new_contract_number(self) -> int:
        while True:
            number = self.rng.randint(10_000_000, 39_999_999)
            if number not in self.contracts:
                return number


# -- checkpoints ---------------------------------------------------------------------------------

#: per record class: its field names, a getter of all of them, the positions of its containers
_LAYOUTS: dict[type, tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]], tuple[int, ...]]] = {}


def _layout(cls: type) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]], tuple[int, ...]]:
    layout = _LAYOUTS.get(cls)
    if layout is None:
        names = tuple(f.name for f in fields(cls))
        containers = tuple(
            i
            for i, f in enumerate(fields(cls))
            if str(f.type).startswith(("dict[", "list[", "set["))
        )
        layout = (names, attrgetter(*names), containers)
        _LAYOUTS[cls] = layout
    return layout


def lan_nics(lan: Lan) -> list[Nic]:
    """The NICs connected to ``lan``, in server then NIC creation order."""
    dc = lan.dc
    if dc is None:
        return []
    number = int(lan.id)
    return [
        nic
        for server in dc.servers.values()
        for nic in server.nics.values()
        if nic.props["lan"] == number
    ]


def um_records(c: Contract, state: State) -> list[Resource]:
    """Every resource of ``c`` that user management knows: data centres, images, snapshots,
    IP blocks (public images included)."""
    out: list[Resource] = list(c.datacenters.values())
    out.extend(state.public_images.values())
    out.extend(c.images.values())
    out.extend(c.snapshots.values())
    out.extend(c.ipblocks.values())
    return out


def find_um_record(c: Contract, state: State, kind: str, rid: str) -> Resource | None:
    """The data centre, image, snapshot or IP block ``rid`` of contract ``c``, if any."""
    if kind == "datacenter":
        return c.datacenters.get(rid)
    if kind == "image":
        return state.public_images.get(rid) or c.images.get(rid)
    if kind == "snapshot":
        return c.snapshots.get(rid)
    if kind == "ipblock":
        return c.ipblocks.get(rid)
    return None


def records_of(contract: Contract) -> list[Any]:
    """Every record of ``contract``: itself, its users, groups and shares, data centres and
    everything in them, snapshots, IP blocks and private images."""
    out: list[Any] = [contract, *contract.users.values()]
    for group in contract.groups.values():
        out.append(group)
        out.extend(group.shares.values())
    for dc in contract.datacenters.values():
        out.append(dc)
        for server in dc.servers.values():
            out.append(server)
            for nic in server.nics.values():
                out.append(nic)
                out.extend(nic.rules.values())
        out.extend(dc.volumes.values())
        out.extend(dc.lans.values())
        out.extend(dc.loadbalancers.values())
    out.extend(contract.snapshots.values())
    out.extend(contract.ipblocks.values())
    out.extend(contract.images.values())
    return out


def affected(
    state: State, contract: Contract, dc_id: str | None, ids: Collection[str]
) -> list[Any]:
    """The records a mutating call may change while its rule runs (before any effect).

    The call acts on ``contract``, inside the data centre ``dc_id`` if its path names one,
    and ``ids`` are the ids its path and body name. That is: the contract's own records
    (users, groups, shares, snapshots, IP blocks, private images, and every data centre
    record but not what is inside), the public images named by ``ids``, and in the named
    data centre its LANs, its load balancers with their NICs, and the servers (with their
    NICs, firewall rules, volumes and CD-ROMs), volumes (with their server) and NICs (with
    their rules and server) named by ``ids``.
    Linear in those, not in the size of the data centre: a call changes what it names, and
    the rules keep references inside one data centre. The emulator's tests check, for every
    route, that a rule changes nothing else.
    """
    out: dict[int, Any] = {}

    def add(*records: Any) -> None:
        for record in records:
            out[id(record)] = record

    add(contract, *contract.users.values(), *contract.groups.values())
    for group in contract.groups.values():
        add(*group.shares.values())
    add(*contract.snapshots.values(), *contract.ipblocks.values(), *contract.images.values())
    add(*contract.datacenters.values())
    images = state.public_images
    add(*(images[i] for i in ids if i in images))
    dc = contract.datacenters.get(dc_id) if dc_id is not None else None
    if dc is None:
        return list(out.values())

    def add_nic(nic: Nic) -> None:
        add(nic, *nic.rules.values())
        if nic.server is not None:
            add(nic.server)

    add(*dc.lans.values())
    for lb in dc.loadbalancers.values():
        add(lb)
        for nic in lb.nics:
            add_nic(nic)
    unresolved = []
    for record_id in ids:
        server = dc.servers.get(record_id)
        volume = dc.volumes.get(record_id)
        if server is not None:
            add(server, *server.volumes, *server.cdroms)
            if server.boot_volume is not None:
                add(server.boot_volume)
            if server.boot_cdrom is not None:
                add(server.boot_cdrom)
            for nic in server.nics.values():
                add_nic(nic)
        elif volume is not None:
            add(volume)
            if volume.server is not None:
                add(volume.server)
        else:
            unresolved.append(record_id)
    known = (contract.datacenters, contract.snapshots, contract.ipblocks, contract.images)
    wanted = {i for i in unresolved if not any(i in records for records in known)}
    if wanted:
        for server in dc.servers.values():
            for nic in server.nics.values():
                if nic.id in wanted or not wanted.isdisjoint(nic.rules):
                    add_nic(nic)
    return list(out.values())


class Checkpoint:
    """Records as they were, to put back after a call that failed half-way.

    Captures the given records (their fields, and copies of their dicts and lists) and the
    state's allocators (id generator, MAC
    addresses, public IP offsets, counters, the e-mail index, the contracts).
    :meth:`restore` writes it all back into the same objects, so references held elsewhere
    stay valid; records created since are no longer reachable from restored containers.
    Relies on the rule of this module that values in ``props`` are replaced, never changed in
    place. Costs about a microsecond per record.
    """

    __slots__ = ("_allocators", "_records", "_state")

    def __init__(self, state: State, records: Iterable[Any]) -> None:
        self._state = state
        captured: list[tuple[Any, tuple[Any, ...], list[tuple[Any, Any]]]] = []
        for record in records:
            _names, getter, containers = _layout(type(record))
            values = getter(record)
            captured.append((record, values, [(values[i], values[i].copy()) for i in containers]))
        self._records = captured
        self._allocators = (
            state.rng.getstate(),
            set(state.macs),
            dict(state.next_public),
            state.datacenter_count,
            dict(state.users_by_email),
            dict(state.contracts),
            state.auth_generation,
        )

    def changed(self) -> list[Any]:
        """The captured records that differ from their capture now (for tests)."""
        out = []
        for record, values, copies in self._records:
            now = _layout(type(record))[1](record)
            if any(a is not b for a, b in zip(now, values, strict=True)) or any(
                container != copy for container, copy in copies
            ):
                out.append(record)
        return out

    def restore(self) -> None:
        """Put the captured records and allocators back.

        ``auth_generation`` goes back too: a login cache filled before the checkpoint is right
        again, and none can be filled meanwhile, since the caller holds the emulator's lock.
        """
        for record, values, copies in self._records:
            for name, value in zip(_layout(type(record))[0], values, strict=True):
                setattr(record, name, value)
            for container, copy in copies:
                container.clear()
                if type(container) is list:
                    container.extend(copy)
                else:
                    container.update(copy)
        state = self._state
        (
            rng_state,
            macs,
            next_public,
            datacenter_count,
            users_by_email,
            contracts,
            auth_generation,
        ) = self._allocators
        state.rng.setstate(rng_state)
        state.macs.clear()
        state.macs.update(macs)
        state.next_public.clear()
        state.next_public.update(next_public)
        state.datacenter_count = datacenter_count
        state.users_by_email.clear()
        state.users_by_email.update(users_by_email)
        state.contracts.clear()
        state.contracts.update(contracts)
        state.auth_generation = auth_generation
