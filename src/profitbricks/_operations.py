"""The operation table: one declarative entry per Cloud API operation the SDK calls.

An entry names the HTTP verb, the path template (its ``{placeholders}`` are the method's
arguments), the query parameters, how the request body is built, what the reply becomes, a
one-line summary and the ``(resource, verb)`` a command line exposes it as. ``ProfitBricksService``
methods only bind their arguments to an entry; ``Operation.prepare`` turns those arguments into
the exact wire request and ``Operation.result`` turns the reply into the return value.

``prepare`` lets every path argument name exactly one path segment: an empty id, ``.``, ``..``,
or an id with ``/``, ``\\``, ``?``, ``#``, ``%``, whitespace or a non-printable character raises
``PBValidationError`` before anything is sent, even with ``validate=False`` (a proxy or server
that removes dot segments would otherwise turn ``DELETE .../servers/..`` into a delete of the
data centre). A location id keeps its one ``/`` and must look like ``de/fra``.

Importing this module stays cheap (it runs before every script's first call): the resource
classes, the serializer and the validation rules are loaded when a request body needs them.
"""

from __future__ import annotations

import enum
import re
import string
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, NamedTuple, TypeVar, cast
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    from . import resources as res
    from ._transport import Reply
    from .errors import PBValidationError
    from .types import (
        Accepted,
        Collection,
        ContractDoc,
        DatacenterDoc,
        FirewallRuleDoc,
        GroupDoc,
        ImageDoc,
        IpBlockDoc,
        LanDoc,
        LoadBalancerDoc,
        LocationDoc,
        NicDoc,
        RequestDoc,
        RequestStatusDoc,
        ResourceDoc,
        ServerDoc,
        ShareDoc,
        SnapshotDoc,
        UserDoc,
        VolumeDoc,
    )

__all__ = ["OPERATIONS", "Body", "Operation", "ReplyKind", "WireRequest", "find_by_name"]

T = TypeVar("T")

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


class Body(enum.Enum):
    """How an operation's request body is built from its arguments."""

    NONE = "none"  # no body (GET, DELETE)
    RESOURCE = "resource"  # {"properties", "entities"} from the resource object in ``body_arg``
    REFERENCE = "reference"  # {"id": <body_arg>} (attach an existing resource)
    PATCH = "patch"  # the flat properties object from the keywords
    PROPERTIES = "properties"  # {"properties": ...} from the keywords (PUT, add share)
    FORM = "form"  # the keywords, form-encoded (create/restore snapshot)
    ACTION = "action"  # an empty form body (start, stop, reboot)


class ReplyKind(enum.Enum):
    """What the reply must hold and what it becomes."""

    JSON = "json"  # a JSON object: the dict
    ACCEPTED = "accepted"  # 202 with a JSON object and a request id: the dict plus "requestId"
    QUEUED = "queued"  # 202 with a request id, body empty (or an object): {"requestId": ...}


class WireRequest(NamedTuple):
    """The exact request an operation sends: method, quoted path, query, body, content type."""

    method: str
    path: str
    query: dict[str, str | int] | None
    body: bytes | None
    content_type: str | None


_FORMATTER = string.Formatter()

_SEGMENT_RULE = (
    "a path id must be one path segment (not empty, '.' or '..'; "
    "no '/', '\\', '?', '#', '%', whitespace or control characters)"
)
_LOCATION_RULE = (
    "must be a location id like 'de/fra' (two parts of letters, digits, '_' and '-', "
    "each starting with a letter or digit, joined by one '/')"
)
_LOCATION_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_NOT_IN_SEGMENT = frozenset("/\\?#%")


def _shown(value: Any) -> str:
    """``repr(value)``, cut short so that a huge argument does not make a huge message."""
    if isinstance(value, str) and len(value) > 40:
        return repr(value[:40]) + "..."
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _path_segment(name: str, value: Any, location: bool) -> str:
    """The percent-encoded path segment(s) for argument ``name``; raises PBValidationError.

    An ``int`` (a LAN id) or ``uuid.UUID`` becomes its ``str()``; any other non-string is refused.
    """
    if isinstance(value, str):
        text = value
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(int(value))
    else:
        # A UUID object can only exist once its module is loaded; importing it is cheap then.
        from uuid import UUID

        if not isinstance(value, UUID):
            if value is None:
                problem = f"{name}: a path id is required, got None"
            else:
                problem = (
                    f"{name}: {_shown(value)} is not allowed: "
                    f"must be a string id, not {type(value).__name__}"
                )
            raise _path_error(problem)
        text = str(value)
    if location:
        head, slash, tail = text.partition("/")
        if not (slash and _LOCATION_PART.fullmatch(head) and _LOCATION_PART.fullmatch(tail)):
            raise _path_error(f"{name}: {_shown(value)} is not allowed: {_LOCATION_RULE}")
        return text
    if (
        text in ("", ".", "..")
        or not _NOT_IN_SEGMENT.isdisjoint(text)
        or not all(ch.isprintable() and not ch.isspace() for ch in text)
    ):
        raise _path_error(f"{name}: {_shown(value)} is not allowed: {_SEGMENT_RULE}")
    return quote(text, safe="")


def _path_error(message: str) -> PBValidationError:
    from ._validation import validation_error

    return validation_error([message])


class Operation(Generic[T]):
    """One API operation (read-only). ``T`` is the type of the value the SDK method returns.

    ``resource`` is the resource class a create or update works on, given by its name in
    ``profitbricks.resources`` so that the classes load only when a call needs them.
    """

    __slots__ = (
        "_pieces",
        "_reserved",
        "_resource_name",
        "body",
        "body_arg",
        "cli",
        "keep_slash",
        "kind",
        "method",
        "name",
        "params",
        "path",
        "query",
        "reply",
        "summary",
    )

    def __init__(
        self,
        name: str,
        method: str,
        path: str,
        summary: str,
        cli: tuple[str, str],
        query: tuple[str, ...] = (),
        body: Body = Body.NONE,
        body_arg: str | None = None,
        resource: str | None = None,
        kind: str | None = None,
        reply: ReplyKind = ReplyKind.JSON,
        keep_slash: tuple[str, ...] = (),
    ) -> None:
        self.name: Final = name
        self.method: Final = method
        self.path: Final = path
        self.summary: Final = summary
        self.cli: Final = cli
        self.query: Final = query
        self.body: Final = body
        self.body_arg: Final = body_arg
        self.kind: Final = kind
        self.reply: Final = reply
        #: path parameters that hold a location id, which keeps its one slash (``us/las``)
        self.keep_slash: Final = keep_slash
        # The template as (literal text, parameter or None, is a location id) pieces, joined by
        # ``prepare``.
        self._pieces: Final = tuple(
            (text, name or None, name in keep_slash) for text, name, _, _ in _FORMATTER.parse(path)
        )
        self.params: Final = tuple(name for _, name, _ in self._pieces if name)
        self._resource_name: Final = resource
        self._reserved: Final = frozenset((*self.params, *query, body_arg))

    def __repr__(self) -> str:
        return f"Operation({self.name!r}, {self.method!r}, {self.path!r})"

    @property
    def resource(self) -> type[res.Resource] | None:
        """The resource class of a create or update (None for the other operations)."""
        if self._resource_name is None:
            return None
        from . import resources

        return cast("type[res.Resource]", getattr(resources, self._resource_name))

    def prepare(self, arguments: Mapping[str, Any], *, validate: bool = True) -> WireRequest:
        """Build the wire request for ``arguments`` (the method's arguments by name).

        Each path argument is percent-encoded into exactly one path segment; a missing one, a
        non-string (other than an ``int`` or ``uuid.UUID``), ``.``, ``..``, or one containing
        ``/``, ``\\``, ``?``, ``#``, ``%``, whitespace or a non-printable character raises
        PBValidationError whether or not ``validate`` is set; a location id must look like
        ``de/fra``. Raises ValueError for a missing reference id in the body, TypeError for a
        resource argument of the wrong class, and PBValidationError (when ``validate``) for an
        invalid body.
        """
        parts = []
        for text, name, location in self._pieces:
            parts.append(text)
            if name is None:
                continue
            value = arguments.get(name)
            # An ASCII id of letters, digits and dashes (the usual UUID) is its own quoting; only
            # other values pay for the full check.
            if (
                location
                or type(value) is not str
                or not (value.isascii() and value.replace("-", "").isalnum())
            ):
                value = _path_segment(name, value, location)
            parts.append(value)
        path = "".join(parts)
        query: dict[str, str | int] | None = None
        for name in self.query:
            value = arguments.get(name)
            if value is not None:
                if query is None:
                    query = {}
                query[name] = value
        if self.body is Body.NONE:
            return WireRequest(self.method, path, query, None, None)
        body, content_type = self._body(arguments, validate)
        return WireRequest(self.method, path, query, body, content_type)

    def _body(self, arguments: Mapping[str, Any], validate: bool) -> tuple[bytes, str]:
        if self.body is Body.ACTION:
            return b"", FORM
        from ._payload import encode_json, resource_body, update_properties

        if self.body is Body.REFERENCE:
            assert self.body_arg is not None
            target = arguments.get(self.body_arg)
            if target is None or target == "":
                raise ValueError(f"{self.name}(): {self.body_arg} is required, got {target!r}")
            return encode_json({"id": target}), JSON
        resource = self.resource
        if self.body is Body.RESOURCE:
            assert self.body_arg is not None
            assert resource is not None
            obj = arguments.get(self.body_arg)
            if not isinstance(obj, resource):
                raise TypeError(
                    f"{self.name}(): {self.body_arg} must be a {resource.__name__}, "
                    f"not {type(obj).__name__}"
                )
            body = resource_body(obj)
            if validate:
                from ._validation import validate_create

                validate_create(self.kind or "", body)
            return encode_json(body), JSON
        reserved = self._reserved
        fields = {k: v for k, v in arguments.items() if k not in reserved}
        if self.body is Body.FORM:
            from ._redact import SecretBytes

            form = {k: str(v) for k, v in update_properties(None, fields).items()}
            return SecretBytes(urlencode(form).encode()), FORM
        properties = update_properties(resource, fields)
        if validate:
            from ._validation import validate_update

            validate_update(self.kind or "", properties)
        if self.body is Body.PROPERTIES:
            return encode_json({"properties": properties}), JSON
        return encode_json(properties), JSON

    def result(self, reply: Reply, method: str | None = None, url: str | None = None) -> T:
        """Turn a successful reply into the return value (a dict, ``requestId`` added).

        Raises PBError (with the reply's status) when the reply lacks what this operation
        returns: a JSON object (every operation but deletes, detaches, server actions and
        restore-snapshot, whose 202 has an empty body) or, for a mutating call, the request id of
        its ``Location`` header. Such a reply is never taken for success.
        """
        data = reply.data
        request_id = reply.request_id
        kind = self.reply
        problem = None
        if not isinstance(data, dict):
            if data is None and kind is ReplyKind.QUEUED:
                data = {}
            elif data is None:
                problem = "the reply has no body, where the API returns a JSON object"
            else:
                problem = f"the reply is a JSON {type(data).__name__}, not an object"
        if problem is None and kind is not ReplyKind.JSON and request_id is None:
            problem = "the reply has no Location header with a request id to wait for"
        if problem is not None:
            from .errors import PBError

            raise PBError(reply.status, f"{problem} ({self.name})", url, method=method)
        if request_id is not None or kind is not ReplyKind.JSON:
            data["requestId"] = request_id
        return cast(T, data)


OPERATIONS: dict[str, Operation[Any]] = {}


def _op(
    name: str,
    method: str,
    path: str,
    summary: str,
    cli: tuple[str, str],
    **options: Any,
) -> Operation[Any]:
    if method == "DELETE" or options.get("body") is Body.ACTION:
        options.setdefault("reply", ReplyKind.QUEUED)
    elif method != "GET":
        options.setdefault("reply", ReplyKind.ACCEPTED)
    operation: Operation[Any] = Operation(name, method, path, summary, cli, **options)
    if name in OPERATIONS:
        raise ValueError(f"operation {name!r} declared twice")
    OPERATIONS[name] = operation
    return operation


DEPTH = ("depth",)
_DC = "/datacenters/{datacenter_id}"
_SRV = _DC + "/servers/{server_id}"
_NIC = _SRV + "/nics/{nic_id}"
_LB = _DC + "/loadbalancers/{loadbalancer_id}"
_GRP = "/um/groups/{group_id}"


def _create(kind: str, resource: str) -> dict[str, Any]:
    # The argument carrying the resource object is named after its kind (``datacenter``, ...).
    return {"body": Body.RESOURCE, "body_arg": kind, "resource": resource, "kind": kind}


def _patch(kind: str, resource: str | None = None) -> dict[str, Any]:
    return {"body": Body.PATCH, "resource": resource, "kind": kind}


def _put(kind: str, resource: str | None = None) -> dict[str, Any]:
    return {"body": Body.PROPERTIES, "resource": resource, "kind": kind}


# Contract, data centres, locations
LIST_CONTRACTS: Operation[ContractDoc] = _op(
    "list_contracts", "GET", "/contracts", "Get the contract: resource limits and usage.",
    ("contract", "get"), query=DEPTH,
)  # fmt: skip
LIST_DATACENTERS: Operation[Collection] = _op(
    "list_datacenters", "GET", "/datacenters", "List the data centres.",
    ("datacenter", "list"), query=DEPTH,
)  # fmt: skip
GET_DATACENTER: Operation[DatacenterDoc] = _op(
    "get_datacenter", "GET", _DC, "Get a data centre.", ("datacenter", "get"), query=DEPTH,
)  # fmt: skip
CREATE_DATACENTER: Operation[DatacenterDoc] = _op(
    "create_datacenter", "POST", "/datacenters",
    "Create a data centre, with any servers, volumes, LANs and load balancers it describes.",
    ("datacenter", "create"), **_create("datacenter", "Datacenter"),
)  # fmt: skip
UPDATE_DATACENTER: Operation[DatacenterDoc] = _op(
    "update_datacenter", "PATCH", _DC, "Change a data centre's name or description.",
    ("datacenter", "update"), **_patch("datacenter", "Datacenter"),
)  # fmt: skip
DELETE_DATACENTER: Operation[Accepted] = _op(
    "delete_datacenter", "DELETE", _DC, "Delete a data centre and everything in it.",
    ("datacenter", "delete"),
)  # fmt: skip
LIST_LOCATIONS: Operation[Collection] = _op(
    "list_locations", "GET", "/locations", "List the locations.", ("location", "list"),
    query=DEPTH,
)  # fmt: skip
GET_LOCATION: Operation[LocationDoc] = _op(
    "get_location", "GET", "/locations/{location_id}", "Get a location (id like us/las).",
    ("location", "get"), query=DEPTH, keep_slash=("location_id",),
)  # fmt: skip

# Servers, attached volumes and CD-ROMs, power actions
LIST_SERVERS: Operation[Collection] = _op(
    "list_servers", "GET", _DC + "/servers", "List the servers of a data centre.",
    ("server", "list"), query=DEPTH,
)  # fmt: skip
GET_SERVER: Operation[ServerDoc] = _op(
    "get_server", "GET", _SRV, "Get a server.", ("server", "get"), query=DEPTH,
)  # fmt: skip
CREATE_SERVER: Operation[ServerDoc] = _op(
    "create_server", "POST", _DC + "/servers",
    "Create a server, with any volumes and NICs it describes.",
    ("server", "create"), **_create("server", "Server"),
)  # fmt: skip
UPDATE_SERVER: Operation[ServerDoc] = _op(
    "update_server", "PATCH", _SRV, "Change a server's properties or boot device.",
    ("server", "update"), **_patch("server", "Server"),
)  # fmt: skip
DELETE_SERVER: Operation[Accepted] = _op(
    "delete_server", "DELETE", _SRV, "Delete a server (its volumes are kept).",
    ("server", "delete"),
)  # fmt: skip
GET_ATTACHED_VOLUMES: Operation[Collection] = _op(
    "get_attached_volumes", "GET", _SRV + "/volumes", "List the volumes attached to a server.",
    ("server-volume", "list"), query=DEPTH,
)  # fmt: skip
GET_ATTACHED_VOLUME: Operation[VolumeDoc] = _op(
    "get_attached_volume", "GET", _SRV + "/volumes/{volume_id}",
    "Get a volume attached to a server.", ("server-volume", "get"),
)  # fmt: skip
ATTACH_VOLUME: Operation[VolumeDoc] = _op(
    "attach_volume", "POST", _SRV + "/volumes", "Attach an existing volume to a server.",
    ("server-volume", "attach"), body=Body.REFERENCE, body_arg="volume_id",
)  # fmt: skip
DETACH_VOLUME: Operation[Accepted] = _op(
    "detach_volume", "DELETE", _SRV + "/volumes/{volume_id}",
    "Detach a volume from a server (the volume is kept).", ("server-volume", "detach"),
)  # fmt: skip
GET_ATTACHED_CDROMS: Operation[Collection] = _op(
    "get_attached_cdroms", "GET", _SRV + "/cdroms", "List the CD-ROMs attached to a server.",
    ("server-cdrom", "list"), query=DEPTH,
)  # fmt: skip
GET_ATTACHED_CDROM: Operation[ImageDoc] = _op(
    "get_attached_cdrom", "GET", _SRV + "/cdroms/{cdrom_id}",
    "Get a CD-ROM attached to a server.", ("server-cdrom", "get"),
)  # fmt: skip
ATTACH_CDROM: Operation[ImageDoc] = _op(
    "attach_cdrom", "POST", _SRV + "/cdroms", "Attach a CD-ROM image to a server.",
    ("server-cdrom", "attach"), body=Body.REFERENCE, body_arg="cdrom_id",
)  # fmt: skip
DETACH_CDROM: Operation[Accepted] = _op(
    "detach_cdrom", "DELETE", _SRV + "/cdroms/{cdrom_id}", "Detach a CD-ROM from a server.",
    ("server-cdrom", "detach"),
)  # fmt: skip
REBOOT_SERVER: Operation[Accepted] = _op(
    "reboot_server", "POST", _SRV + "/reboot", "Hard-reboot a server.", ("server", "reboot"),
    body=Body.ACTION,
)  # fmt: skip
START_SERVER: Operation[Accepted] = _op(
    "start_server", "POST", _SRV + "/start", "Start a server.", ("server", "start"),
    body=Body.ACTION,
)  # fmt: skip
STOP_SERVER: Operation[Accepted] = _op(
    "stop_server", "POST", _SRV + "/stop", "Power a server off.", ("server", "stop"),
    body=Body.ACTION,
)  # fmt: skip

# Images
LIST_IMAGES: Operation[Collection] = _op(
    "list_images", "GET", "/images", "List the images.", ("image", "list"), query=DEPTH,
)  # fmt: skip
GET_IMAGE: Operation[ImageDoc] = _op(
    "get_image", "GET", "/images/{image_id}", "Get an image.", ("image", "get"),
)  # fmt: skip
UPDATE_IMAGE: Operation[ImageDoc] = _op(
    "update_image", "PATCH", "/images/{image_id}", "Change a private image's properties.",
    ("image", "update"), **_patch("image"),
)  # fmt: skip
DELETE_IMAGE: Operation[Accepted] = _op(
    "delete_image", "DELETE", "/images/{image_id}", "Delete a private image.",
    ("image", "delete"),
)  # fmt: skip

# Volumes and volume snapshots
LIST_VOLUMES: Operation[Collection] = _op(
    "list_volumes", "GET", _DC + "/volumes", "List the volumes of a data centre.",
    ("volume", "list"), query=DEPTH,
)  # fmt: skip
GET_VOLUME: Operation[VolumeDoc] = _op(
    "get_volume", "GET", _DC + "/volumes/{volume_id}", "Get a volume.", ("volume", "get"),
)  # fmt: skip
CREATE_VOLUME: Operation[VolumeDoc] = _op(
    "create_volume", "POST", _DC + "/volumes", "Create a volume (not attached).",
    ("volume", "create"), **_create("volume", "Volume"),
)  # fmt: skip
UPDATE_VOLUME: Operation[VolumeDoc] = _op(
    "update_volume", "PATCH", _DC + "/volumes/{volume_id}",
    "Change a volume's name, size (grow only), bus or licence.",
    ("volume", "update"), **_patch("volume", "Volume"),
)  # fmt: skip
DELETE_VOLUME: Operation[Accepted] = _op(
    "delete_volume", "DELETE", _DC + "/volumes/{volume_id}", "Delete a volume.",
    ("volume", "delete"),
)  # fmt: skip
CREATE_SNAPSHOT: Operation[SnapshotDoc] = _op(
    "create_snapshot", "POST", _DC + "/volumes/{volume_id}/create-snapshot",
    "Take a snapshot of a volume.", ("volume", "snapshot"), body=Body.FORM,
)  # fmt: skip
RESTORE_SNAPSHOT: Operation[Accepted] = _op(
    "restore_snapshot", "POST", _DC + "/volumes/{volume_id}/restore-snapshot",
    "Restore a snapshot onto a volume.", ("volume", "restore"), body=Body.FORM,
    reply=ReplyKind.QUEUED,
)  # fmt: skip

# Snapshots
LIST_SNAPSHOTS: Operation[Collection] = _op(
    "list_snapshots", "GET", "/snapshots", "List the snapshots.", ("snapshot", "list"),
    query=DEPTH,
)  # fmt: skip
GET_SNAPSHOT: Operation[SnapshotDoc] = _op(
    "get_snapshot", "GET", "/snapshots/{snapshot_id}", "Get a snapshot.", ("snapshot", "get"),
)  # fmt: skip
UPDATE_SNAPSHOT: Operation[SnapshotDoc] = _op(
    "update_snapshot", "PATCH", "/snapshots/{snapshot_id}", "Change a snapshot's properties.",
    ("snapshot", "update"), **_patch("snapshot", "Snapshot"),
)  # fmt: skip
DELETE_SNAPSHOT: Operation[Accepted] = _op(
    "delete_snapshot", "DELETE", "/snapshots/{snapshot_id}", "Delete a snapshot.",
    ("snapshot", "delete"),
)  # fmt: skip

# IP blocks
LIST_IPBLOCKS: Operation[Collection] = _op(
    "list_ipblocks", "GET", "/ipblocks", "List the reserved IP blocks.", ("ipblock", "list"),
    query=DEPTH,
)  # fmt: skip
GET_IPBLOCK: Operation[IpBlockDoc] = _op(
    "get_ipblock", "GET", "/ipblocks/{ipblock_id}", "Get an IP block.", ("ipblock", "get"),
)  # fmt: skip
RESERVE_IPBLOCK: Operation[IpBlockDoc] = _op(
    "reserve_ipblock", "POST", "/ipblocks", "Reserve a block of public IPs in a location.",
    ("ipblock", "reserve"), **_create("ipblock", "IPBlock"),
)  # fmt: skip
DELETE_IPBLOCK: Operation[Accepted] = _op(
    "delete_ipblock", "DELETE", "/ipblocks/{ipblock_id}", "Release an IP block.",
    ("ipblock", "delete"),
)  # fmt: skip

# LANs
LIST_LANS: Operation[Collection] = _op(
    "list_lans", "GET", _DC + "/lans", "List the LANs of a data centre.", ("lan", "list"),
    query=DEPTH,
)  # fmt: skip
CREATE_LAN: Operation[LanDoc] = _op(
    "create_lan", "POST", _DC + "/lans", "Create a LAN.", ("lan", "create"),
    **_create("lan", "LAN"),
)  # fmt: skip
GET_LAN: Operation[LanDoc] = _op(
    "get_lan", "GET", _DC + "/lans/{lan_id}", "Get a LAN.", ("lan", "get"), query=DEPTH,
)  # fmt: skip
GET_LAN_MEMBERS: Operation[Collection] = _op(
    "get_lan_members", "GET", _DC + "/lans/{lan_id}/nics", "List the NICs in a LAN.",
    ("lan", "members"), query=DEPTH,
)  # fmt: skip
UPDATE_LAN: Operation[LanDoc] = _op(
    "update_lan", "PATCH", _DC + "/lans/{lan_id}", "Change a LAN's name, public flag or failover.",
    ("lan", "update"), **_patch("lan", "LAN"),
)  # fmt: skip
DELETE_LAN: Operation[Accepted] = _op(
    "delete_lan", "DELETE", _DC + "/lans/{lan_id}", "Delete a LAN.", ("lan", "delete"),
)  # fmt: skip

# NICs
LIST_NICS: Operation[Collection] = _op(
    "list_nics", "GET", _SRV + "/nics", "List the NICs of a server.", ("nic", "list"),
    query=DEPTH,
)  # fmt: skip
GET_NIC: Operation[NicDoc] = _op(
    "get_nic", "GET", _NIC, "Get a NIC.", ("nic", "get"), query=DEPTH,
)  # fmt: skip
CREATE_NIC: Operation[NicDoc] = _op(
    "create_nic", "POST", _SRV + "/nics", "Add a NIC to a server.", ("nic", "create"),
    **_create("nic", "NIC"),
)  # fmt: skip
UPDATE_NIC: Operation[NicDoc] = _op(
    "update_nic", "PATCH", _NIC, "Change a NIC's properties.", ("nic", "update"),
    **_patch("nic", "NIC"),
)  # fmt: skip
DELETE_NIC: Operation[Accepted] = _op(
    "delete_nic", "DELETE", _NIC, "Delete a NIC.", ("nic", "delete"),
)  # fmt: skip

# Firewall rules
GET_FIREWALL_RULES: Operation[Collection] = _op(
    "get_firewall_rules", "GET", _NIC + "/firewallrules", "List the firewall rules of a NIC.",
    ("firewall-rule", "list"), query=DEPTH,
)  # fmt: skip
GET_FIREWALL_RULE: Operation[FirewallRuleDoc] = _op(
    "get_firewall_rule", "GET", _NIC + "/firewallrules/{firewall_rule_id}",
    "Get a firewall rule.", ("firewall-rule", "get"),
)  # fmt: skip
CREATE_FIREWALL_RULE: Operation[FirewallRuleDoc] = _op(
    "create_firewall_rule", "POST", _NIC + "/firewallrules", "Add a firewall rule to a NIC.",
    ("firewall-rule", "create"), **_create("firewall_rule", "FirewallRule"),
)  # fmt: skip
UPDATE_FIREWALL_RULE: Operation[FirewallRuleDoc] = _op(
    "update_firewall_rule", "PATCH", _NIC + "/firewallrules/{firewall_rule_id}",
    "Change a firewall rule (not its protocol).", ("firewall-rule", "update"),
    **_patch("firewall_rule", "FirewallRule"),
)  # fmt: skip
DELETE_FIREWALL_RULE: Operation[Accepted] = _op(
    "delete_firewall_rule", "DELETE", _NIC + "/firewallrules/{firewall_rule_id}",
    "Delete a firewall rule.", ("firewall-rule", "delete"),
)  # fmt: skip

# Load balancers
LIST_LOADBALANCERS: Operation[Collection] = _op(
    "list_loadbalancers", "GET", _DC + "/loadbalancers", "List the load balancers.",
    ("loadbalancer", "list"), query=DEPTH,
)  # fmt: skip
GET_LOADBALANCER: Operation[LoadBalancerDoc] = _op(
    "get_loadbalancer", "GET", _LB, "Get a load balancer.", ("loadbalancer", "get"),
)  # fmt: skip
CREATE_LOADBALANCER: Operation[LoadBalancerDoc] = _op(
    "create_loadbalancer", "POST", _DC + "/loadbalancers", "Create a load balancer.",
    ("loadbalancer", "create"), **_create("loadbalancer", "LoadBalancer"),
)  # fmt: skip
UPDATE_LOADBALANCER: Operation[LoadBalancerDoc] = _op(
    "update_loadbalancer", "PATCH", _LB, "Change a load balancer's name, IP or DHCP flag.",
    ("loadbalancer", "update"), **_patch("loadbalancer", "LoadBalancer"),
)  # fmt: skip
DELETE_LOADBALANCER: Operation[Accepted] = _op(
    "delete_loadbalancer", "DELETE", _LB, "Delete a load balancer.", ("loadbalancer", "delete"),
)  # fmt: skip
GET_LOADBALANCER_MEMBERS: Operation[Collection] = _op(
    "get_loadbalancer_members", "GET", _LB + "/balancednics",
    "List the NICs a load balancer balances.", ("loadbalancer-nic", "list"), query=DEPTH,
)  # fmt: skip
GET_LOADBALANCED_NIC: Operation[NicDoc] = _op(
    "get_loadbalanced_nic", "GET", _LB + "/balancednics/{nic_id}",
    "Get a NIC balanced by a load balancer.", ("loadbalancer-nic", "get"), query=DEPTH,
)  # fmt: skip
ADD_LOADBALANCED_NICS: Operation[NicDoc] = _op(
    "add_loadbalanced_nics", "POST", _LB + "/balancednics", "Add a NIC to a load balancer.",
    ("loadbalancer-nic", "add"), body=Body.REFERENCE, body_arg="nic_id",
)  # fmt: skip
REMOVE_LOADBALANCED_NIC: Operation[Accepted] = _op(
    "remove_loadbalanced_nic", "DELETE", _LB + "/balancednics/{nic_id}",
    "Remove a NIC from a load balancer.", ("loadbalancer-nic", "remove"),
)  # fmt: skip

# User management
LIST_GROUPS: Operation[Collection] = _op(
    "list_groups", "GET", "/um/groups", "List the groups.", ("group", "list"), query=DEPTH,
)  # fmt: skip
GET_GROUP: Operation[GroupDoc] = _op(
    "get_group", "GET", _GRP, "Get a group.", ("group", "get"), query=DEPTH,
)  # fmt: skip
CREATE_GROUP: Operation[GroupDoc] = _op(
    "create_group", "POST", "/um/groups", "Create a group with its privileges.",
    ("group", "create"), **_create("group", "Group"),
)  # fmt: skip
UPDATE_GROUP: Operation[GroupDoc] = _op(
    "update_group", "PUT", _GRP, "Change a group's name or privileges.", ("group", "update"),
    **_put("group", "Group"),
)  # fmt: skip
DELETE_GROUP: Operation[Accepted] = _op(
    "delete_group", "DELETE", _GRP, "Delete a group.", ("group", "delete"),
)  # fmt: skip
LIST_SHARES: Operation[Collection] = _op(
    "list_shares", "GET", _GRP + "/shares", "List the resources shared with a group.",
    ("share", "list"), query=DEPTH,
)  # fmt: skip
GET_SHARE: Operation[ShareDoc] = _op(
    "get_share", "GET", _GRP + "/shares/{resource_id}", "Get a resource share of a group.",
    ("share", "get"), query=DEPTH,
)  # fmt: skip
ADD_SHARE: Operation[ShareDoc] = _op(
    "add_share", "POST", _GRP + "/shares/{resource_id}", "Share a resource with a group.",
    ("share", "add"), **_put("share"),
)  # fmt: skip
UPDATE_SHARE: Operation[ShareDoc] = _op(
    "update_share", "PUT", _GRP + "/shares/{resource_id}",
    "Change a group's privileges on a shared resource.", ("share", "update"), **_put("share"),
)  # fmt: skip
DELETE_SHARE: Operation[Accepted] = _op(
    "delete_share", "DELETE", _GRP + "/shares/{resource_id}",
    "Stop sharing a resource with a group.", ("share", "delete"),
)  # fmt: skip
LIST_USERS: Operation[Collection] = _op(
    "list_users", "GET", "/um/users", "List the users.", ("user", "list"), query=DEPTH,
)  # fmt: skip
GET_USER: Operation[UserDoc] = _op(
    "get_user", "GET", "/um/users/{user_id}", "Get a user.", ("user", "get"), query=DEPTH,
)  # fmt: skip
CREATE_USER: Operation[UserDoc] = _op(
    "create_user", "POST", "/um/users", "Create a user.", ("user", "create"),
    **_create("user", "User"),
)  # fmt: skip
UPDATE_USER: Operation[UserDoc] = _op(
    "update_user", "PUT", "/um/users/{user_id}", "Change a user's properties.",
    ("user", "update"), **_put("user", "User"),
)  # fmt: skip
DELETE_USER: Operation[Accepted] = _op(
    "delete_user", "DELETE", "/um/users/{user_id}", "Delete a user.", ("user", "delete"),
)  # fmt: skip
LIST_GROUP_USERS: Operation[Collection] = _op(
    "list_group_users", "GET", _GRP + "/users", "List the members of a group.",
    ("group-user", "list"), query=DEPTH,
)  # fmt: skip
ADD_GROUP_USER: Operation[UserDoc] = _op(
    "add_group_user", "POST", _GRP + "/users", "Add a user to a group.", ("group-user", "add"),
    body=Body.REFERENCE, body_arg="user_id",
)  # fmt: skip
REMOVE_GROUP_USER: Operation[Accepted] = _op(
    "remove_group_user", "DELETE", _GRP + "/users/{user_id}", "Remove a user from a group.",
    ("group-user", "remove"),
)  # fmt: skip
LIST_RESOURCES: Operation[Collection] = _op(
    "list_resources", "GET", "/um/resources", "List every resource of the contract.",
    ("resource", "list"), query=DEPTH,
)  # fmt: skip
LIST_RESOURCES_OF_TYPE: Operation[Collection] = _op(
    "list_resources_of_type", "GET", "/um/resources/{resource_type}",
    "List the resources of one type (datacenter, image, snapshot or ipblock).",
    ("resource", "list-type"), query=DEPTH,
)  # fmt: skip
GET_RESOURCE: Operation[ResourceDoc] = _op(
    "get_resource", "GET", "/um/resources/{resource_type}/{resource_id}",
    "Get a resource and the groups it is shared with.", ("resource", "get"), query=DEPTH,
)  # fmt: skip

# Requests
LIST_REQUESTS: Operation[Collection] = _op(
    "list_requests", "GET", "/requests", "List the provisioning requests, newest first.",
    ("request", "list"), query=DEPTH,
)  # fmt: skip
GET_REQUEST: Operation[RequestDoc] = _op(
    "get_request", "GET", "/requests/{request_id}", "Get a provisioning request.",
    ("request", "get"),
)  # fmt: skip
GET_REQUEST_STATUS: Operation[RequestStatusDoc] = _op(
    "get_request_status", "GET", "/requests/{request_id}/status",
    "Get the status of a provisioning request.", ("request", "status"),
)  # fmt: skip


def find_by_name(items: Iterable[Mapping[str, Any]], name: str) -> Mapping[str, Any]:
    """Return the one item whose ``properties.name`` matches ``name``.

    Tries, in order: exact, case-insensitive, prefix, case-insensitive prefix, substring,
    case-insensitive substring; the first test with any hit decides. Raises NameError when
    that test has no hit or more than one.
    """
    named = [(str((item.get("properties") or {}).get("name") or ""), item) for item in items]
    folded = name.casefold()
    tests = (
        lambda n: n == name,
        lambda n: n.casefold() == folded,
        lambda n: n.startswith(name),
        lambda n: n.casefold().startswith(folded),
        lambda n: name in n,
        lambda n: folded in n.casefold(),
    )
    for test in tests:
        hits = [item for n, item in named if test(n)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise NameError(f"{len(hits)} data centres match the name {name!r}")
    raise NameError(f"no data centre matches the name {name!r}")
