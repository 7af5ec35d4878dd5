"""The emulator's store: typed records, their containers and a seeded id generator.

Plain data only: no HTTP, no validation, no clock (callers pass timestamps in). Every resource
belongs to one :class:`Contract`; a data centre holds its servers, volumes, LANs and load
balancers, a server its NICs, a NIC its firewall rules. Containers are insertion-ordered dicts,
so listings come out in creation order. Rules in :mod:`profitbricks.emulator.rules` validate and
then change these records; :mod:`profitbricks.emulator.render` turns them into API JSON.

Values stored in ``props`` are never mutated in place (lists are replaced), so a shallow copy
taken under the state lock can be serialised after the lock is released.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
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
#: what a request can change on a shared public image: its bookkeeping, never its properties
_IMAGE_BOOKKEEPING = ("busy", "etag", "modified_date", "modified_by", "state", "gone")


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


class Checkpoint:
    """Contracts as they were, to put back after a call that failed half-way.

    Captures every record of the given contracts (their fields, and copies of their dicts and
    lists), the bookkeeping of the public images, and the state's allocators (id generator,
    MAC addresses, public IP offsets, counters, the e-mail index). :meth:`restore` writes it
    all back into the same objects, so references held elsewhere stay valid; records created
    since are no longer reachable. Relies on the rule of this module that values in ``props``
    are replaced, never changed in place. Costs about a microsecond per record.
    """

    __slots__ = ("_allocators", "_images", "_records", "_state")

    def __init__(self, state: State, contracts: Iterable[Contract]) -> None:
        self._state = state
        records: list[tuple[Any, tuple[Any, ...], list[tuple[Any, Any]]]] = []
        append = records.append

        def capture(objects: Iterable[Any]) -> None:
            for obj in objects:
                _names, getter, containers = _layout(type(obj))
                values = getter(obj)
                append((obj, values, [(values[i], values[i].copy()) for i in containers]))

        for contract in contracts:
            capture((contract,))
            capture(contract.users.values())
            for group in contract.groups.values():
                capture((group,))
                capture(group.shares.values())
            for dc in contract.datacenters.values():
                capture((dc,))
                for server in dc.servers.values():
                    capture((server,))
                    for nic in server.nics.values():
                        capture((nic,))
                        capture(nic.rules.values())
                capture(dc.volumes.values())
                capture(dc.lans.values())
                capture(dc.loadbalancers.values())
            capture(contract.snapshots.values())
            capture(contract.ipblocks.values())
            capture(contract.images.values())
        self._records = records
        bookkeeping = attrgetter(*_IMAGE_BOOKKEEPING)
        self._images = [(image, bookkeeping(image)) for image in state.public_images.values()]
        self._allocators = (
            state.rng.getstate(),
            set(state.macs),
            dict(state.next_public),
            state.datacenter_count,
            dict(state.users_by_email),
            dict(state.contracts),
            state.auth_generation,
        )

    def restore(self) -> None:
        """Put the captured records and allocators back.

        ``auth_generation`` goes back too: a login cache filled before the checkpoint is right
        again, and none can be filled meanwhile, since the caller holds the emulator's lock.
        """
        for obj, values, copies in self._records:
            for name, value in zip(_layout(type(obj))[0], values, strict=True):
                setattr(obj, name, value)
            for container, copy in copies:
                container.clear()
                if type(container) is list:
                    container.extend(copy)
                else:
                    container.update(copy)
        for image, values in self._images:
            for name, value in zip(_IMAGE_BOOKKEEPING, values, strict=True):
                setattr(image, name, value)
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
