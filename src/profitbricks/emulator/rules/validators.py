"""Shared validation helpers: coercion of request values and the generic property check.

Real v4 clients send booleans as ``"true"``/``"false"`` strings and integers as numeric strings
(OPERATIONS.md section 3); the API accepted and typed them, so the coercers here do the same.
Every failure is an :class:`~profitbricks.emulator.errors.Invalid` naming the attribute and the
rule. Values of secret attributes are never quoted in messages.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequest, Invalid

__all__ = [
    "MISSING_PROPERTIES",
    "REQUIRED",
    "Field",
    "MissingProperties",
    "boolean",
    "check_fields",
    "check_replacement",
    "describe",
    "enum",
    "integer",
    "ipv4",
    "ipv4_list",
    "is_private_ip",
    "mac",
    "ref_id",
    "split_body",
    "string",
    "string_list",
]

Coercer = Callable[[str, Any, str], Any]

_INT_TEXT = re.compile(r"[+-]?\d{1,18}\Z")
_MAC = re.compile(r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\Z")
_PRIVATE_NETS = (
    ipaddress.IPv4Network("10.0.0.0/8"),
    ipaddress.IPv4Network("172.16.0.0/12"),
    ipaddress.IPv4Network("192.168.0.0/16"),
)


def describe(value: Any) -> str:
    """A short JSON rendering of a (non-secret) value for error messages."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def string(attr: str, value: Any, at: str) -> str | None:
    """A string or null."""
    if value is None or isinstance(value, str):
        return value
    raise Invalid(attr, f"must be a string, got {describe(value)}", at=at)


def boolean(attr: str, value: Any, at: str) -> bool | None:
    """A boolean, also from the strings ``"true"``/``"false"``; or null."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise Invalid(attr, f"must be a boolean, got {describe(value)}", at=at)


def integer(
    attr: str, value: Any, at: str, *, low: int | None = None, high: int | None = None
) -> int | None:
    """An integer, also from a numeric string or an integral float; or null. Bounds inclusive."""
    if value is None:
        return None
    number: int
    if isinstance(value, bool):
        raise Invalid(attr, f"must be an integer, got {describe(value)}", at=at)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INT_TEXT.match(value.strip()):
        number = int(value.strip())
    else:
        raise Invalid(attr, f"must be an integer, got {describe(value)}", at=at)
    if low is not None and number < low:
        raise Invalid(attr, f"must be at least {low}, got {number}", at=at)
    if high is not None and number > high:
        raise Invalid(attr, f"must be at most {high}, got {number}", at=at)
    return number


def enum(choices: Iterable[str]) -> Coercer:
    """A coercer accepting one of ``choices`` (case-insensitive, stored as listed) or null."""
    table = {c.upper(): c for c in choices}
    listed = ", ".join(table.values())

    def coerce(attr: str, value: Any, at: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            found = table.get(value.strip().upper())
            if found is not None:
                return found
        raise Invalid(attr, f"must be one of {listed}, got {describe(value)}", at=at)

    return coerce


def ipv4(attr: str, value: Any, at: str) -> str | None:
    """A dotted-quad IPv4 address or null."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return str(ipaddress.IPv4Address(value.strip()))
        except ValueError:
            pass
    raise Invalid(attr, f"must be an IPv4 address, got {describe(value)}", at=at)


def ipv4_list(attr: str, value: Any, at: str) -> list[str] | None:
    """A list of distinct IPv4 addresses or null."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise Invalid(attr, f"must be a list of IPv4 addresses, got {describe(value)}", at=at)
    out: list[str] = []
    for item in value:
        address = ipv4(attr, item, at)
        if address is None:
            raise Invalid(attr, "must not contain null", at=at)
        if address in out:
            raise Invalid(attr, f"must not list {address} twice", at=at)
        out.append(address)
    return out


def is_private_ip(address: str) -> bool:
    """True for 10/8, 172.16/12 and 192.168/16 addresses."""
    ip = ipaddress.IPv4Address(address)
    return any(ip in net for net in _PRIVATE_NETS)


def mac(attr: str, value: Any, at: str) -> str | None:
    """A MAC address ``aa:bb:cc:dd:ee:ff`` (stored lower-case) or null."""
    if value is None:
        return None
    if isinstance(value, str) and _MAC.match(value.strip()):
        return value.strip().lower()
    raise Invalid(
        attr, f"must be a MAC address like aa:bb:cc:dd:ee:ff, got {describe(value)}", at=at
    )


def string_list(attr: str, value: Any, at: str) -> list[str] | None:
    """A list of strings (e.g. SSH keys) or null."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise Invalid(attr, "must be a list of strings", at=at)


def ref_id(attr: str, value: Any, at: str) -> str | None:
    """A reference given as ``{"id": "<uuid>"}`` or as the bare id string; or null."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise Invalid(attr, 'must be an object {"id": "<id>"} or an id string', at=at)


class _Required:
    """The marker of a writable property that a full replacement (PUT) must give."""

    def __repr__(self) -> str:
        return "REQUIRED"


#: ``Field.default`` of a property that a PUT may not leave out (e.g. a server's ``cores``).
REQUIRED: Any = _Required()


@dataclass(frozen=True, slots=True)
class Field:
    """A property of a resource type: name, access (``rw``, ``c`` create-only, ``ro``), coercer.

    ``default`` is the value a writable property takes when a PUT (full replacement) leaves it
    out: the API's default for it, None (null) unless declared, or :data:`REQUIRED`.
    """

    name: str
    access: str
    coerce: Coercer
    default: Any = None


def check_fields(
    kind: str,
    fields: Mapping[str, Field],
    given: Mapping[str, Any],
    at: str,
    *,
    current: Mapping[str, Any] | None = None,
    ignore: Iterable[str] = (),
) -> dict[str, Any]:
    """Validate and coerce the properties ``given`` for a ``kind`` resource.

    On create (``current`` is None) read-only properties may only be null. On update
    (``current`` given) create-only and read-only properties may only repeat their current
    value. Unknown names are rejected. Returns the coerced values of the names given (minus
    ``ignore``), in the order of ``fields``.
    """
    skip = set(ignore)
    for name in given:
        if name not in fields and name not in skip:
            known = ", ".join(fields)
            raise Invalid(name, f"is not a property of a {kind} (known: {known})", at=at)
    out: dict[str, Any] = {}
    for name, spec in fields.items():
        if name not in given:
            continue
        value = spec.coerce(name, given[name], at)
        if current is None:
            if spec.access == "ro" and value is not None:
                raise Invalid(name, f"is read-only and cannot be set on a {kind}", at=at)
        elif spec.access in ("ro", "c") and value != current.get(name):
            rule = "is read-only" if spec.access == "ro" else "cannot be changed after creation"
            raise Invalid(name, f"{rule} (a {kind}'s {name} is immutable)", at=at)
        out[name] = value
    return out


def check_replacement(
    kind: str,
    fields: Mapping[str, Field],
    given: Mapping[str, Any],
    at: str,
    *,
    current: Mapping[str, Any],
    defaults: Mapping[str, Any] | None = None,
    ignore: Iterable[str] = (),
) -> dict[str, Any]:
    """Validate the properties of a PUT ``given`` for a ``kind`` resource: a full replacement.

    The properties given are checked as by :func:`check_fields` on update (create-only and
    read-only ones may only repeat their current value, and are kept when left out). Every
    writable property left out (or given as null) takes its default: ``defaults[name]`` where
    the resource derives one (e.g. from the image a volume was made from), else the field's
    declared ``default``.
    Returns the coerced values of every writable property plus the others given. Raises
    :class:`Invalid` for a bad value and ``Attribute '<name>' is required`` for a required
    property left out or given as null.
    """
    out = check_fields(kind, fields, given, at, current=current, ignore=ignore)
    derived = defaults or {}
    for name, spec in fields.items():
        if spec.access != "rw":
            continue
        default = derived.get(name, spec.default)
        if default is REQUIRED:
            if out.get(name) is None:
                raise Invalid(name, "is required", at=at)
        elif out.get(name) is None:
            out[name] = list(default) if isinstance(default, list) else default
    return {name: out[name] for name in fields if name in out}


class MissingProperties(Invalid):
    """A create body without its ``properties`` attribute (the API's own message)."""

    def __init__(self, at: str) -> None:
        super().__init__("properties", "is required", at=at)
        self.message = MISSING_PROPERTIES if at == "(root)" else f"[{at}] {MISSING_PROPERTIES}"
        self.args = (self.message,)


#: The API's message for a create body without ``properties`` (issue 8).
MISSING_PROPERTIES = "Resource-definition requires 'properties' attribute"

_ENVELOPE_KEYS = frozenset({"id", "type", "href", "metadata", "properties", "entities"})


def split_body(body: Any, at: str = "(root)") -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a create body ``{"properties": {...}, "entities": {...}}`` into its two parts.

    The body is a resource definition: without ``properties`` (no body, no key, or null) it is
    refused with the API's :class:`MissingProperties`; ``{"properties": {}}`` is a definition
    with no properties given. Missing entities count as empty. Raises :class:`BadRequest` when
    the body is not an object and :class:`Invalid` for unknown top-level keys or parts of the
    wrong type.
    """
    if body is None:
        raise MissingProperties(at)
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    for key in body:
        if key not in _ENVELOPE_KEYS:
            raise Invalid(key, "is not allowed here (expected 'properties' and 'entities')", at=at)
    props = body.get("properties")
    entities = body.get("entities")
    if props is None:
        raise MissingProperties(at)
    if entities is None:
        entities = {}
    if not isinstance(props, dict):
        raise Invalid("properties", "must be an object", at=at)
    if not isinstance(entities, dict):
        raise Invalid("entities", "must be an object", at=at)
    return props, entities


def entity_items(
    entities: Mapping[str, Any], allowed: Iterable[str], at: str
) -> dict[str, list[Any]]:
    """``entities`` of a create body as ``{name: [item, ...]}``; items are objects."""
    names = tuple(allowed)
    out: dict[str, list[Any]] = {}
    for name, value in entities.items():
        where = f"{at}.entities"
        if name not in names:
            raise Invalid(
                name, f"is not an entity of this resource (known: {', '.join(names)})", at=where
            )
        if value is None:
            continue
        if not isinstance(value, dict):
            raise Invalid(name, 'must be an object {"items": [...]}', at=where)
        items = value.get("items")
        if items is None:
            items = []
        if not isinstance(items, list):
            raise Invalid("items", "must be a list", at=f"{where}.{name}")
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise Invalid(f"items[{index}]", "must be an object", at=f"{where}.{name}")
        out[name] = items
    return out


def patch_body(body: Any) -> tuple[dict[str, Any], str]:
    """The properties of a PATCH body and their JSON location.

    v4 clients send the flat properties object; a ``{"properties": {...}}`` wrapper is accepted
    too (no resource has a property called ``properties``). Raises :class:`BadRequest` when
    the body is not an object.
    """
    if body is None:
        return {}, "(root)"
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    inner = body.get("properties")
    if len(body) == 1 and isinstance(inner, dict):
        return inner, "(root).properties"
    return body, "(root)"


def put_body(body: Any) -> tuple[dict[str, Any], str]:
    """The properties of a PUT body ``{"properties": {...}}`` (a flat object is accepted).

    A PUT changes properties only: ``entities`` in its body is refused (:class:`Invalid`).
    """
    if body is None:
        return {}, "(root).properties"
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    if "properties" in body:
        if body.get("entities") is not None:
            raise Invalid("entities", "is not allowed in a PUT, which sets properties", at="(root)")
        if body["properties"] is None:
            return {}, "(root).properties"
        props, _ = split_body(body)
        return props, "(root).properties"
    return body, "(root)"


def id_body(body: Any, at: str = "(root)") -> str:
    """The ``id`` of a body ``{"id": "<uuid>"}`` (attach, add member calls)."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    value = body.get("id")
    if value is None:
        raise Invalid("id", "is required", at=at)
    if not isinstance(value, str) or not value.strip():
        raise Invalid("id", f"must be an id string, got {describe(value)}", at=at)
    return value.strip()
