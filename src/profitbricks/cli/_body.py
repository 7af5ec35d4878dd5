"""Request bodies from the command line: options named after the resource's fields, and
``--from-file`` documents in the API's own JSON form turned back into the SDK's resource objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from .._operations import Body, Operation
from ._output import UsageError

if TYPE_CHECKING:
    from ..resources import Resource

__all__ = [
    "FieldOption",
    "field_options",
    "method_defaults",
    "read_document",
    "resource_from_document",
    "sdk_method",
    "snake",
]

_ENTITY_CLASS = re.compile(r"Sequence\[(\w+)\]")
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")


class FieldOption(NamedTuple):
    """A body property given as an option: the SDK's argument name, its type, its API name."""

    name: str
    kind: str  # "str" | "int" | "bool" | "list" | "failover" (IP,NIC_ID pairs)
    api: str


def _kind_of(meta: Mapping[str, Any] | None, annotation: str) -> str:
    convert = meta.get("convert") if meta else None
    if convert in ("int", "bool", "list"):
        return str(convert)
    if convert == "ref":
        return "str"
    if annotation.startswith(("bool", "int")):
        return annotation.split(" ", 1)[0].split("|", 1)[0]
    if annotation.startswith("Sequence[Mapping"):
        return "failover"
    if annotation.startswith(("Sequence", "list")):
        return "list"
    return "str"


def sdk_method(operation: Operation[Any]) -> Callable[..., Any] | None:
    """The ``ProfitBricksService`` method named after ``operation`` (unwrapped), or None."""
    from ..client import ProfitBricksService

    method = getattr(ProfitBricksService, operation.name, None)
    return getattr(method, "__wrapped__", method)


def method_defaults(operation: Operation[Any]) -> dict[str, Any]:
    """The defaults of the SDK method's arguments (``depth=1``, ...), by name."""
    func = sdk_method(operation)
    if func is None:
        return {name: 1 for name in operation.query if name == "depth"}
    code = func.__code__
    names = code.co_varnames[: code.co_argcount]
    defaults = func.__defaults__ or ()
    result = dict(zip(names[len(names) - len(defaults) :], defaults, strict=False))
    result.update(func.__kwdefaults__ or {})
    return result


def field_options(operation: Operation[Any]) -> list[FieldOption]:
    """The body properties ``operation`` takes as options, in the SDK's order.

    A create takes the fields of its resource class (lists of references included; nested
    resources only through ``--from-file``); an update, snapshot or share takes the keyword
    arguments of its SDK method, typed by the resource's field where it has one.
    """
    if operation.body not in (Body.RESOURCE, Body.PATCH, Body.PROPERTIES, Body.FORM):
        return []
    from dataclasses import fields

    resource = operation.resource
    metas: dict[str, tuple[Mapping[str, Any] | None, str]] = (
        {f.name: (f.metadata, str(f.type)) for f in fields(resource)} if resource else {}
    )
    if operation.body is Body.RESOURCE:
        options = []
        for name, (meta, annotation) in metas.items():
            if meta is None:
                continue
            if "entity" in meta:
                if meta["items"] == "ref":
                    options.append(FieldOption(name, "list", f"ids of {meta['entity']}"))
                continue
            options.append(FieldOption(name, _kind_of(meta, annotation), meta["api"]))
        return options
    func = sdk_method(operation)
    if func is None:
        return []
    code = func.__code__
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    skip = {"self", *operation.params, *operation.query}
    annotations = func.__annotations__
    options = []
    for name in names:
        if name in skip:
            continue
        meta, annotation = metas.get(name, (None, str(annotations.get(name, "str"))))
        api = meta["api"] if meta and "api" in meta else _camel(name)
        options.append(FieldOption(name, _kind_of(meta, annotation), api))
    return options


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def snake(name: str) -> str:
    """``licenceType`` -> ``licence_type``: the SDK's keyword for an API property name."""
    return _CAMEL_HUMP.sub(r"_\1", name).lower()


def read_document(path: str, stdin: Any) -> Any:
    """The JSON document in file ``path`` (``-``: standard input); raises UsageError."""
    try:
        if path == "-":
            text = stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        raise UsageError(f"--from-file {path}: {exc.strerror or exc}") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--from-file {path}: not valid JSON: {exc}") from exc


def resource_from_document(cls: type[Resource], doc: Any, where: str) -> Resource:
    """The resource object that serializes to ``doc`` (``{"properties": ..., "entities": ...}``).

    Nested resources become resource objects of their own class, ``{"id": ...}`` items become
    references. Raises UsageError naming the path of any property or entity the class lacks.
    """
    from dataclasses import fields

    from .. import resources

    if not isinstance(doc, Mapping):
        raise UsageError(f"{where}: must be a JSON object with 'properties'")
    unknown = set(doc) - {"properties", "entities"}
    if unknown:
        raise UsageError(f"{where}.{sorted(unknown)[0]}: not allowed here (properties, entities)")
    properties = doc.get("properties") or {}
    entities = doc.get("entities") or {}
    if not isinstance(properties, Mapping) or not isinstance(entities, Mapping):
        raise UsageError(f"{where}: 'properties' and 'entities' must be JSON objects")
    by_api = {}
    by_entity: dict[str, list[Any]] = {}
    for f in fields(cls):
        if "entity" in f.metadata:
            by_entity.setdefault(f.metadata["entity"], []).append(f)
        else:
            by_api[f.metadata["api"]] = f
    values: dict[str, Any] = {}
    for api, value in properties.items():
        prop = by_api.get(api)
        if prop is None:
            raise UsageError(
                f"{where}.properties.{api}: not a property of {cls.__name__} "
                f"(one of: {', '.join(sorted(by_api))})"
            )
        if prop.metadata.get("convert") == "ref" and isinstance(value, Mapping):
            value = value.get("id")
        values[prop.name] = value
    for api, group in entities.items():
        candidates = by_entity.get(api)
        if candidates is None:
            raise UsageError(f"{where}.entities.{api}: {cls.__name__} has no such entities")
        items = group.get("items") if isinstance(group, Mapping) else None
        if not isinstance(items, list):
            raise UsageError(f"{where}.entities.{api}: must be an object with an 'items' list")
        for index, item in enumerate(items):
            path = f"{where}.entities.{api}.items[{index}]"
            by_reference = isinstance(item, Mapping) and set(item) == {"id"}
            for f in candidates:
                if (f.metadata["items"] == "ref") == by_reference:
                    break
            else:
                wanted = "an object with properties" if by_reference else 'a reference {"id": ...}'
                raise UsageError(f"{path}: must be {wanted}")
            if by_reference:
                child: Any = item["id"]
            else:
                match = _ENTITY_CLASS.search(str(f.type))
                child_cls = getattr(resources, match.group(1)) if match else None
                if child_cls is None:
                    raise UsageError(f"{path}: nested {api} cannot be described here")
                child = resource_from_document(child_cls, item, path)
            values.setdefault(f.name, []).append(child)
    return cls(**values)
