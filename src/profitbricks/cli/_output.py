"""Printing API documents: ``-o json`` (the document as the API returned it), ``-o table``
(aligned columns chosen per kind of resource) and ``-o text`` (tab-separated, one row per item),
with ``--cols`` (dotted paths), ``--no-headers`` and ``--query`` (JMESPath over the document).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ._console import Console

__all__ = ["COLUMNS", "UsageError", "cell", "lookup", "render"]

_MISSING = object()


class UsageError(Exception):
    """A command line that cannot be run as given (exit status 2)."""


#: Default columns per ``type`` of document; a bare name is looked up at the top level, then
#: in ``properties``, then in ``metadata``.
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "datacenter": ("id", "name", "location", "description", "state"),
    "server": ("id", "name", "cores", "ram", "availabilityZone", "vmState", "state"),
    "volume": ("id", "name", "size", "properties.type", "licenceType", "bus", "state"),
    "nic": ("id", "name", "mac", "ips", "lan", "dhcp", "state"),
    "lan": ("id", "name", "public", "state"),
    "firewall-rule": (
        "id", "name", "protocol", "sourceIp", "targetIp", "portRangeStart", "portRangeEnd",
        "state",
    ),
    "loadbalancer": ("id", "name", "ip", "dhcp", "state"),
    "ipblock": ("id", "name", "location", "size", "ips", "state"),
    "image": ("id", "name", "location", "imageType", "licenceType", "size", "public"),
    "snapshot": ("id", "name", "location", "size", "licenceType", "state"),
    "location": ("id", "name", "features"),
    "group": ("id", "name", "createDataCenter", "createSnapshot", "reserveIp"),
    "user": ("id", "firstname", "lastname", "email", "administrator"),
    "resource": ("id", "type", "editPrivilege", "sharePrivilege"),
    "request": (
        "id", "createdDate", "method", "url", "metadata.requestStatus.metadata.status",
    ),
    "request-status": ("id", "status", "message"),
    "contract": (
        "contractNumber", "owner", "status", "properties.resourceLimits.coresProvisioned",
        "properties.resourceLimits.ramProvisioned", "properties.resourceLimits.reservedIpsInUse",
    ),
}  # fmt: skip
_FALLBACK = ("id", "type", "name", "state")


def lookup(item: Any, path: str) -> Any:
    """The value at dotted ``path`` in ``item`` (``properties.name``), or None.

    A path of one name that is not a top-level key is looked up in ``properties``, then in
    ``metadata`` (so ``--cols id,name,state`` works on every resource).
    """
    if not isinstance(item, Mapping):
        return None
    value = _walk(item, path.split("."))
    if value is _MISSING and "." not in path:
        for section in ("properties", "metadata"):
            inner = item.get(section)
            if isinstance(inner, Mapping) and path in inner:
                return inner[path]
    return None if value is _MISSING else value


def _walk(value: Any, parts: Sequence[str]) -> Any:
    for part in parts:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif (
            isinstance(value, list)
            and part.lstrip("-").isdigit()
            and -len(value) <= int(part) < len(value)
        ):
            value = value[int(part)]
        else:
            return _MISSING
    return value


_ONE_LINE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def cell(value: Any) -> str:
    """A value as one table cell: lists joined by commas, objects as compact JSON, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(cell(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    # One cell stays one cell: a tab or a line break would split the row in text output.
    return str(value).translate(_ONE_LINE)


def _rows_of(doc: Any) -> tuple[list[Any], str | None]:
    """The items to print (one per row) and their kind."""
    if isinstance(doc, Mapping) and isinstance(doc.get("items"), list):
        items = list(doc["items"])
        kinds = {item.get("type") for item in items if isinstance(item, Mapping)}
        kind = kinds.pop() if len(kinds) == 1 else None
        if kind is None and doc.get("type") == "collection" and isinstance(doc.get("id"), str):
            # An empty collection still tells its kind by its id (``servers``, ``firewallrules``).
            kind = _KIND_OF_COLLECTION.get(doc["id"].rsplit("/", 1)[-1])
        return items, kind
    if isinstance(doc, list):
        return list(doc), None
    kind = doc.get("type") if isinstance(doc, Mapping) else None
    return [doc], kind if isinstance(kind, str) else None


_KIND_OF_COLLECTION = {
    "datacenters": "datacenter", "servers": "server", "volumes": "volume", "nics": "nic",
    "lans": "lan", "firewallrules": "firewall-rule", "loadbalancers": "loadbalancer",
    "balancednics": "nic", "ipblocks": "ipblock", "images": "image", "snapshots": "snapshot",
    "locations": "location", "groups": "group", "users": "user", "requests": "request",
    "cdroms": "image", "resources": "resource", "shares": "resource",
}  # fmt: skip


def _default_columns(items: list[Any], kind: str | None) -> tuple[str, ...]:
    if kind is not None and kind in COLUMNS:
        return COLUMNS[kind]
    if items and all(isinstance(i, Mapping) for i in items):
        first = items[0]
        if "properties" in first or "id" in first:
            return _FALLBACK
        return tuple(first)
    return ()


def render(
    io: Console,
    doc: Any,
    output: str,
    *,
    cols: str | None = None,
    headers: bool = True,
    query: str | None = None,
) -> None:
    """Print ``doc`` to ``io.stdout`` as ``output`` (``json``, ``table`` or ``text``).

    Raises UsageError for an invalid JMESPath ``query``.
    """
    if query:
        doc = _search(query, doc)
    if output == "json":
        io.out(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    if query and not isinstance(doc, (Mapping, list)):
        if doc is not None:
            io.out(cell(doc))
        return
    items, kind = _rows_of(doc)
    if items and not any(isinstance(i, Mapping) for i in items):
        for item in items:
            io.out(cell(item))
        return
    columns = tuple(c.strip() for c in cols.split(",") if c.strip()) if cols else ()
    if not columns:
        columns = _default_columns(items, kind)
    rows = [[cell(lookup(item, c)) for c in columns] for item in items]
    if output == "text":
        for row in rows:
            io.out("\t".join(row))
        return
    titles = [c.rsplit(".", 1)[-1].upper() for c in columns]
    widths = [len(t) for t in titles]
    for row in rows:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=False)]
    if headers:
        line = "  ".join(t.ljust(w) for t, w in zip(titles, widths, strict=False)).rstrip()
        io.out(io.bold(line))
    for row in rows:
        io.out("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)).rstrip())


def _search(query: str, doc: Any) -> Any:
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.search(query, doc)
    except JMESPathError as exc:
        raise UsageError(f"--query {query!r}: {' '.join(str(exc).split())}") from exc
