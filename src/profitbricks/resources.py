"""Resource objects: what you describe when you create something.

Each class keeps the constructor of the 4.x SDK (same argument names, positional order and
defaults) and is a dataclass. Every field carries, in its metadata, the API property it becomes
and the rule that decides whether it is sent; ``profitbricks._payload`` is the only code that
reads that metadata to build request bodies.

Field metadata keys:
    ``api``      JSON property name (``entity`` for child collections)
    ``rule``     ``always`` | ``truthy`` | ``not_none`` | ``always_top`` (always at top level,
                 truthy when nested in another resource)
    ``convert``  ``int`` | ``bool`` | ``ref`` | ``list`` (how the value is typed on the wire)
    ``unless``   field names: the property is left out when any of them is set
    ``secret``   the value is never shown (repr, validation messages)
    ``items``    for entities: ``resource`` (nested bodies) or ``ref`` (``{"id": ...}``)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from ._aliases import install_aliases

__all__ = [
    "LAN",
    "NIC",
    "Datacenter",
    "FirewallRule",
    "Group",
    "IPBlock",
    "LoadBalancer",
    "Resource",
    "Server",
    "Snapshot",
    "User",
    "Volume",
]

ALWAYS = "always"
TRUTHY = "truthy"
NOT_NONE = "not_none"
ALWAYS_TOP = "always_top"


def _prop(
    api: str,
    rule: str,
    default: Any = None,
    *,
    convert: str | None = None,
    unless: tuple[str, ...] = (),
    secret: bool = False,
) -> Any:
    meta = {"api": api, "rule": rule, "convert": convert, "unless": unless, "secret": secret}
    return field(default=default, metadata=meta)


def _entity(api: str, items: str) -> Any:
    return field(default=None, metadata={"entity": api, "items": items})


@dataclass(repr=False, eq=False)
class Resource:
    """Base of the resource classes: a repr that never shows secrets.

    ``kind`` names the resource family: the ``kind`` of its create and update operations in
    ``profitbricks._operations``, which selects their validation rules.
    """

    kind: ClassVar[str] = ""

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or (value == [] and "entity" in f.metadata):
                continue
            shown = "'***'" if f.metadata.get("secret") else repr(value)
            parts.append(f"{f.name}={shown}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # One __eq__ for every resource class (they are declared with eq=False): generating one per
    # class would cost an exec each at import. Same meaning as the generated one: equal when
    # the class is the same and the fields are equal, in order.
    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        names = [f.name for f in fields(self)]
        return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)

    def __post_init__(self) -> None:
        # 4.x turned missing child lists into empty lists; scripts append to them.
        for f in fields(self):
            if "entity" in f.metadata:
                value = getattr(self, f.name)
                setattr(self, f.name, [] if value is None else list(value))


@dataclass(repr=False, eq=False)
class FirewallRule(Resource):
    """A firewall rule of a NIC (``create_firewall_rule`` or ``NIC(firewall_rules=[...])``)."""

    kind: ClassVar[str] = "firewall_rule"

    name: str | None = _prop("name", ALWAYS_TOP)
    protocol: str | None = _prop("protocol", TRUTHY)
    source_mac: str | None = _prop("sourceMac", TRUTHY)
    source_ip: str | None = _prop("sourceIp", TRUTHY)
    target_ip: str | None = _prop("targetIp", TRUTHY)
    # 4.x sent each of these only when truthy: a port of 0 meant "no port" and was left out.
    port_range_start: int | str | None = _prop("portRangeStart", TRUTHY, convert="int")
    port_range_end: int | str | None = _prop("portRangeEnd", TRUTHY, convert="int")
    icmp_type: int | str | None = _prop("icmpType", TRUTHY, convert="int")
    icmp_code: int | str | None = _prop("icmpCode", TRUTHY, convert="int")

    def __post_init__(self) -> None:
        super().__post_init__()
        # 4.x stored the ICMP values as strings (scripts read ``rule.icmp_type == "8"``), which
        # also made an ICMP code of 0 truthy, hence sent; they still go out as JSON integers.
        if self.icmp_type is not None:
            self.icmp_type = str(self.icmp_type)
        if self.icmp_code is not None:
            self.icmp_code = str(self.icmp_code)


@dataclass(repr=False, eq=False)
class NIC(Resource):
    """A network interface (``create_nic`` or ``Server(nics=[...])``)."""

    kind: ClassVar[str] = "nic"

    name: str | None = _prop("name", ALWAYS)
    ips: Sequence[str] | None = _prop("ips", TRUTHY, convert="list")
    dhcp: bool | str | None = _prop("dhcp", NOT_NONE, convert="bool")
    lan: int | str | None = _prop("lan", TRUTHY, convert="int")
    firewall_active: bool | str | None = _prop("firewallActive", NOT_NONE, convert="bool")
    firewall_rules: Sequence[FirewallRule] | None = _entity("firewallrules", "resource")
    nat: bool | str | None = _prop("nat", TRUTHY, convert="bool")


@dataclass(repr=False, eq=False)
class Volume(Resource):
    """A storage volume (``create_volume``, ``Server(create_volumes=[...])``, ...).

    Also accepts ``type=`` for ``disk_type`` and ``license_type=`` for ``licence_type``.
    """

    kind: ClassVar[str] = "volume"

    name: str | None = _prop("name", ALWAYS)
    size: int | str | None = _prop("size", TRUTHY, convert="int")
    bus: str | None = _prop("bus", TRUTHY, "VIRTIO")
    image: str | None = _prop("image", TRUTHY)
    image_alias: str | None = _prop("imageAlias", TRUTHY)
    disk_type: str | None = _prop("type", TRUTHY, "HDD")
    # The licence comes from the image when one is used (4.x sent it only for blank volumes).
    licence_type: str | None = _prop(
        "licenceType", NOT_NONE, "UNKNOWN", unless=("image", "image_alias")
    )
    image_password: str | None = _prop("imagePassword", TRUTHY, secret=True)
    ssh_keys: Sequence[str] | None = _prop("sshKeys", TRUTHY, convert="list")
    availability_zone: str | None = _prop("availabilityZone", TRUTHY, "AUTO")


@dataclass(repr=False, eq=False)
class Server(Resource):
    """A server (``create_server`` or ``Datacenter(servers=[...])``).

    ``create_volumes`` are created with the server, ``attach_volumes`` (ids) attached to it.
    ``description=`` and ``location=`` (used by an example) are accepted and ignored.
    """

    kind: ClassVar[str] = "server"

    name: str | None = _prop("name", ALWAYS)
    cores: int | str | None = _prop("cores", TRUTHY, convert="int")
    ram: int | str | None = _prop("ram", TRUTHY, convert="int")
    availability_zone: str | None = _prop("availabilityZone", TRUTHY)
    boot_volume_id: str | None = _prop("bootVolume", TRUTHY, convert="ref")
    boot_cdrom: str | None = _prop("bootCdrom", TRUTHY, convert="ref")
    cpu_family: str | None = _prop("cpuFamily", TRUTHY)
    create_volumes: Sequence[Volume] | None = _entity("volumes", "resource")
    attach_volumes: Sequence[str] | None = _entity("volumes", "ref")
    nics: Sequence[NIC] | None = _entity("nics", "resource")


@dataclass(repr=False, eq=False)
class LAN(Resource):
    """A LAN of a data centre; ``nics`` are ids of existing NICs to move into it."""

    kind: ClassVar[str] = "lan"

    name: str | None = _prop("name", ALWAYS)
    public: bool | str | None = _prop("public", NOT_NONE, convert="bool")
    nics: Sequence[str] | None = _entity("nics", "ref")


@dataclass(repr=False, eq=False)
class LoadBalancer(Resource):
    """A load balancer; ``balancednics`` are ids of the NICs it balances."""

    kind: ClassVar[str] = "loadbalancer"

    name: str | None = _prop("name", TRUTHY)
    ip: str | None = _prop("ip", TRUTHY)
    dhcp: bool | str | None = _prop("dhcp", NOT_NONE, convert="bool")
    balancednics: Sequence[str] | None = _entity("balancednics", "ref")


@dataclass(repr=False, eq=False)
class Datacenter(Resource):
    """A virtual data centre, optionally with servers, volumes, LANs and load balancers."""

    kind: ClassVar[str] = "datacenter"

    name: str | None = _prop("name", ALWAYS)
    location: str | None = _prop("location", TRUTHY)
    description: str | None = _prop("description", TRUTHY)
    volumes: Sequence[Volume] | None = _entity("volumes", "resource")
    servers: Sequence[Server] | None = _entity("servers", "resource")
    lans: Sequence[LAN] | None = _entity("lans", "resource")
    loadbalancers: Sequence[LoadBalancer] | None = _entity("loadbalancers", "resource")


@dataclass(repr=False, eq=False)
class IPBlock(Resource):
    """A block of reserved public IPv4 addresses in a location (``reserve_ipblock``)."""

    kind: ClassVar[str] = "ipblock"

    name: str | None = _prop("name", ALWAYS)
    location: str | None = _prop("location", TRUTHY)
    size: int | str | None = _prop("size", TRUTHY, convert="int")


@dataclass(repr=False, eq=False)
class Snapshot(Resource):
    """Snapshot properties (``create_snapshot`` makes snapshots, ``update_snapshot`` edits)."""

    kind: ClassVar[str] = "snapshot"

    name: str | None = _prop("name", NOT_NONE)
    description: str | None = _prop("description", NOT_NONE)
    licence_type: str | None = _prop("licenceType", NOT_NONE, "UNKNOWN")
    size: int | str | None = _prop("size", NOT_NONE, convert="int")
    location: str | None = _prop("location", NOT_NONE)

    def __post_init__(self) -> None:
        super().__post_init__()
        # 4.x ran int(size) in the constructor (so snapshot.size read back as an int); only a
        # missing size is allowed now, the API fills it in.
        if self.size is not None:
            self.size = int(self.size)


@dataclass(repr=False, eq=False)
class Group(Resource):
    """A user group and its privileges (``create_group``)."""

    kind: ClassVar[str] = "group"

    name: str | None = _prop("name", TRUTHY)
    # The API spells this one with a capital C.
    create_datacenter: bool | None = _prop("createDataCenter", TRUTHY, convert="bool")
    create_snapshot: bool | None = _prop("createSnapshot", TRUTHY, convert="bool")
    reserve_ip: bool | None = _prop("reserveIp", TRUTHY, convert="bool")
    access_activity_log: bool | None = _prop("accessActivityLog", TRUTHY, convert="bool")


@dataclass(repr=False, eq=False)
class User(Resource):
    """A user of the contract (``create_user``)."""

    kind: ClassVar[str] = "user"

    firstname: str | None = _prop("firstname", TRUTHY)
    lastname: str | None = _prop("lastname", TRUTHY)
    email: str | None = _prop("email", TRUTHY)
    password: str | None = _prop("password", TRUTHY, secret=True)
    administrator: bool | None = _prop("administrator", TRUTHY, convert="bool")
    force_sec_auth: bool | None = _prop("forceSecAuth", TRUTHY, convert="bool")


for _cls in Resource.__subclasses__():
    install_aliases(_cls, constructor=True)
del _cls
