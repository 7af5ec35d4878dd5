"""Client-side validation of request bodies, applied before anything is sent.

The rules are the ones SPEC.md states (WIRE.md section 10 collects them). They are checked on
the JSON body the SDK is about to send, nested children included, so a composite create is
either sent whole or not at all. A failure raises ``PBValidationError`` with status 422 and one
``{"errorCode": "client-validation", "message": ...}`` entry per problem; each message names the
field, the value and the rule, and secret values (image and user passwords) appear as ``'***'``.
``ProfitBricksService(validate=False)`` turns this off and leaves the checking to the API.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import PBValidationError

__all__ = ["ERROR_CODE", "LOCATIONS", "validate_create", "validate_update", "validation_error"]

#: ``errorCode`` of the messages of a client-side validation error.
ERROR_CODE = "client-validation"
#: The locations of the Cloud API v4.
LOCATIONS = ("us/las", "us/ewr", "de/fra", "de/fkb")

_SECRET_KEYS = frozenset({"imagePassword", "password"})
_MAC = re.compile(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}")
_IMAGE_PASSWORD = re.compile(r"[A-Za-z0-9]{8,50}")
_NAME_FORBIDDEN = "@/\\|\"'"
_VOLUME_LICENCES = ("LINUX", "WINDOWS", "WINDOWS2016", "UNKNOWN", "OTHER")
_IMAGE_LICENCES = ("LINUX", "WINDOWS", "WINDOWS2016", "OTHER")

Check = tuple[Callable[[Any], bool], str]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_between(low: int, high: int | None = None) -> Check:
    if high is None:
        return (lambda v: _is_int(v) and v >= low), f"must be an integer >= {low}"
    return (lambda v: _is_int(v) and low <= v <= high), f"must be an integer from {low} to {high}"


def _one_of(*values: str) -> Check:
    return (lambda v: v in values), "must be one of " + ", ".join(values)


def _is_ipv4(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


_IPV4: Check = (_is_ipv4, "must be an IPv4 address such as 192.168.1.10")
_BOOLEAN: Check = (lambda v: isinstance(v, bool), "must be a boolean (true or false)")
_IPV4_LIST: Check = (
    lambda v: isinstance(v, list) and all(_is_ipv4(ip) for ip in v),
    "must be a list of IPv4 addresses",
)
_DATACENTER_NAME: Check = (
    lambda v: isinstance(v, str) and not any(c in v for c in _NAME_FORBIDDEN),
    "must be text without any of the characters @ / \\ | \" '",
)
_RAM: Check = (
    lambda v: _is_int(v) and v >= 256 and v % 256 == 0,
    "must be an integer multiple of 256 (MB), at least 256",
)
_PORT = _int_between(1, 65534)
_ICMP = _int_between(0, 254)
_IMAGE_PASSWORD_RULE: Check = (
    lambda v: isinstance(v, str) and _IMAGE_PASSWORD.fullmatch(v) is not None,
    "must be 8 to 50 characters, letters A-Z, a-z and digits 0-9 only",
)
_MAC_RULE: Check = (
    lambda v: isinstance(v, str) and _MAC.fullmatch(v) is not None,
    "must be a MAC address in the format aa:bb:cc:dd:ee:ff",
)


@dataclass(frozen=True)
class _Kind:
    """What is checked for one resource family."""

    label: str
    checks: Mapping[str, Check] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    immutable: tuple[str, ...] = ()
    children: Mapping[str, str] = field(default_factory=dict)


_KINDS: dict[str, _Kind] = {
    "datacenter": _Kind(
        "datacenter",
        {"name": _DATACENTER_NAME, "location": _one_of(*LOCATIONS)},
        required=("name", "location"),
        immutable=("location",),
        children={
            "servers": "server",
            "volumes": "volume",
            "lans": "lan",
            "loadbalancers": "loadbalancer",
        },
    ),
    "server": _Kind(
        "server",
        {
            "cores": _int_between(1),
            "ram": _RAM,
            "availabilityZone": _one_of("AUTO", "ZONE_1", "ZONE_2"),
            "cpuFamily": _one_of("AMD_OPTERON", "INTEL_XEON"),
        },
        required=("cores", "ram"),
        children={"volumes": "volume", "nics": "nic"},
    ),
    "volume": _Kind(
        "volume",
        {
            "size": _int_between(1),
            "type": _one_of("HDD", "SSD"),
            "bus": _one_of("VIRTIO", "IDE"),
            "licenceType": _one_of(*_VOLUME_LICENCES),
            "availabilityZone": _one_of("AUTO", "ZONE_1", "ZONE_2", "ZONE_3"),
            "imagePassword": _IMAGE_PASSWORD_RULE,
        },
        required=("size",),
        immutable=("image", "type", "availabilityZone"),
    ),
    "nic": _Kind(
        "nic",
        {
            "lan": _int_between(1),
            "ips": _IPV4_LIST,
            "dhcp": _BOOLEAN,
            "nat": _BOOLEAN,
            "firewallActive": _BOOLEAN,
        },
        required=("lan",),
        children={"firewallrules": "firewall_rule"},
    ),
    "firewall_rule": _Kind(
        "firewall rule",
        {
            "protocol": _one_of("TCP", "UDP", "ICMP", "ANY"),
            "sourceMac": _MAC_RULE,
            "sourceIp": _IPV4,
            "targetIp": _IPV4,
            "portRangeStart": _PORT,
            "portRangeEnd": _PORT,
            "icmpType": _ICMP,
            "icmpCode": _ICMP,
        },
        required=("protocol",),
        immutable=("protocol",),
    ),
    "lan": _Kind("lan", {"public": _BOOLEAN}, children={"nics": "nic"}),
    "loadbalancer": _Kind(
        "load balancer", {"ip": _IPV4, "dhcp": _BOOLEAN}, children={"balancednics": "nic"}
    ),
    "ipblock": _Kind(
        "ipblock",
        {"location": _one_of(*LOCATIONS), "size": _int_between(1)},
        required=("location", "size"),
    ),
    "image": _Kind("image", {"licenceType": _one_of(*_IMAGE_LICENCES)}),
    "snapshot": _Kind("snapshot", {"licenceType": _one_of(*_IMAGE_LICENCES)}),
    "user": _Kind("user", required=("firstname", "lastname", "email", "password")),
    "group": _Kind("group", required=("name",)),
    "share": _Kind("share"),
}


def _shown(key: str, value: Any) -> str:
    if key in _SECRET_KEYS:
        return "'***'"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _missing(value: Any) -> bool:
    return value is None or value == ""


class _Collector:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def invalid(self, where: str, key: str, value: Any, rule: str) -> None:
        self.messages.append(f"[{where}] {key}={_shown(key, value)} is invalid: {rule}")

    def required(self, where: str, key: str) -> None:
        self.messages.append(f"[{where}] Attribute '{key}' is required")

    def immutable(self, where: str, key: str, value: Any) -> None:
        self.messages.append(
            f"[{where}] {key}={_shown(key, value)} is invalid: {key} cannot be changed after "
            "creation"
        )


def _check_fields(out: _Collector, kind: _Kind, where: str, props: Mapping[str, Any]) -> None:
    for key, (accepts, rule) in kind.checks.items():
        value = props.get(key)
        if value is not None and not accepts(value):
            out.invalid(where, key, value, rule)


def _check_cross(out: _Collector, name: str, where: str, props: Mapping[str, Any]) -> None:
    """Rules that involve more than one property."""
    if name == "server" and props.get("bootVolume") and props.get("bootCdrom"):
        out.invalid(
            where,
            "bootCdrom",
            props["bootCdrom"],
            "a server boots from either a volume or a CD-ROM, not both (bootVolume is set)",
        )
    if name == "volume" and props.get("type") == "SSD":
        zone = props.get("availabilityZone")
        if zone not in (None, "", "AUTO"):
            out.invalid(where, "availabilityZone", zone, "SSD volumes only allow AUTO")
    if name == "firewall_rule":
        start, end = props.get("portRangeStart"), props.get("portRangeEnd")
        if isinstance(start, int) and isinstance(end, int) and start > end:
            out.invalid(where, "portRangeEnd", end, f"must be >= portRangeStart ({start})")


def _check_create(out: _Collector, name: str, where: str, body: Any) -> None:
    kind = _KINDS[name]
    if not isinstance(body, Mapping):
        out.messages.append(f"[{where}] a {kind.label} must be an object, not {body!r}")
        return
    if "id" in body and "properties" not in body:
        return  # a reference to an existing resource, e.g. a volume to attach
    props = body.get("properties") or {}
    for key in kind.required:
        if _missing(props.get(key)):
            out.required(where, key)
    if name == "volume" and not any(props.get(k) for k in ("image", "imageAlias", "licenceType")):
        out.required(where, "licenceType")
    _check_fields(out, kind, where, props)
    _check_cross(out, name, where, props)
    entities = body.get("entities") or {}
    for entity, child in kind.children.items():
        items = (entities.get(entity) or {}).get("items") or []
        for index, item in enumerate(items):
            _check_create(out, child, f"{where}.{entity}[{index}]", item)


def validation_error(messages: Sequence[str]) -> PBValidationError:
    """The error raised for client-side validation failures (status 422, no URL)."""
    return PBValidationError(422, [{"errorCode": ERROR_CODE, "message": m} for m in messages], None)


def validate_create(kind: str, body: Mapping[str, Any]) -> None:
    """Check the body of a create (``{"properties": ..., "entities": ...}``) of ``kind``.

    Raises PBValidationError naming every problem found, nested resources included.
    """
    out = _Collector()
    _check_create(out, kind, kind, body)
    if out.messages:
        raise validation_error(out.messages)


def validate_update(kind: str, properties: Mapping[str, Any]) -> None:
    """Check the properties given to an update (PATCH or PUT) of ``kind``.

    Only the properties present are checked; properties fixed at creation are refused.
    Raises PBValidationError naming every problem found.
    """
    spec = _KINDS[kind]
    out = _Collector()
    for key in spec.immutable:
        if key in properties:
            out.immutable(kind, key, properties[key])
    for key in spec.required:
        if key in properties and _missing(properties[key]):
            out.required(kind, key)
    _check_fields(out, spec, kind, properties)
    _check_cross(out, kind, kind, properties)
    if out.messages:
        raise validation_error(out.messages)
