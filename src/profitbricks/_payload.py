"""The one serializer: resource objects and update keywords -> API request bodies.

Inclusion rules follow the 4.x SDK (a property is sent always, when truthy, or when not None,
as declared on each field in ``profitbricks.resources``), with its type bugs fixed: values go
out as proper JSON types because the API coerces both forms and types them on the way back.

* booleans are JSON booleans (``"true"``/``"false"`` strings are converted), never strings;
* integers are JSON integers (numeric strings such as NIC ``lan="1"``, IP block ``size`` or
  firewall ``icmpType`` are converted), never strings;
* boot devices are references: ``"bootVolume": {"id": ...}`` and ``"bootCdrom": {"id": ...}``;
* values that cannot be converted are sent as given, so that validation (or the API) can name
  them in its error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from .resources import ALWAYS, ALWAYS_TOP, NOT_NONE, TRUTHY, Resource

__all__ = ["camel_case", "encode_json", "resource_body", "update_properties"]


def camel_case(name: str) -> str:
    """``licence_type`` -> ``licenceType``: the API spelling of a Python keyword."""
    first, *rest = name.split("_")
    return first.lower() + "".join(word.capitalize() for word in rest)


def _to_int(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit():
            return int(text)
    return value


def _to_bool(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def _to_ref(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    return {"id": value}


def _to_list(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return list(value)
    return value


_CONVERTERS = {"int": _to_int, "bool": _to_bool, "ref": _to_ref, "list": _to_list}


def convert(kind: str | None, value: Any) -> Any:
    """Type ``value`` for the wire according to a field's ``convert`` metadata."""
    if kind is None or value is None:
        return value
    return _CONVERTERS[kind](value)


def _included(rule: str, value: Any, *, nested: bool) -> bool:
    if rule == ALWAYS or (rule == ALWAYS_TOP and not nested):
        return True
    if rule == NOT_NONE:
        return value is not None
    if rule in (TRUTHY, ALWAYS_TOP):
        return bool(value)
    raise ValueError(f"unknown inclusion rule {rule!r}")


def resource_body(resource: Resource, *, nested: bool = False) -> dict[str, Any]:
    """Return the ``{"properties": ..., "entities": ...}`` body describing ``resource``.

    ``nested`` selects the variant used inside another resource's ``entities`` (only firewall
    rules differ). ``entities`` appears only when a child list is non-empty.
    """
    properties: dict[str, Any] = {}
    entities: dict[str, dict[str, list[Any]]] = {}
    for f in fields(resource):
        value = getattr(resource, f.name)
        meta = f.metadata
        if "entity" in meta:
            if not value:
                continue
            if meta["items"] == "resource":
                items = [resource_body(child, nested=True) for child in value]
            else:
                items = [_to_ref(child) for child in value]
            entities.setdefault(meta["entity"], {"items": []})["items"].extend(items)
            continue
        if any(getattr(resource, other) is not None for other in meta["unless"]):
            continue
        if _included(meta["rule"], value, nested=nested):
            properties[meta["api"]] = convert(meta["convert"], value)
    body: dict[str, Any] = {"properties": properties}
    if entities:
        body["entities"] = entities
    return body


def update_properties(resource: type[Resource] | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """Return the properties object of an update from Python keywords.

    Keywords naming a field of ``resource`` take that field's API name and typing; any other
    keyword is camel-cased and sent as given. ``None`` values mean "leave unchanged".
    """
    known = {f.name: f.metadata for f in fields(resource)} if resource is not None else {}
    properties: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        meta = known.get(name)
        if meta is not None and "api" in meta:
            properties[meta["api"]] = convert(meta["convert"], value)
        else:
            properties[camel_case(name)] = value
    return properties


def encode_json(body: Any) -> bytes:
    """Serialize a body compactly as UTF-8 JSON (bytes that do not show in a repr)."""
    from ._redact import SecretBytes

    return SecretBytes(json.dumps(body, separators=(",", ":")).encode())
