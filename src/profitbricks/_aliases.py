"""Alternate argument spellings accepted by the SDK, declared in one table.

SPEC.md's examples use names that the 4.x code never accepted (``Volume(type=...)``,
``license_type=...``, ``loadbalancer_id=`` for a firewall rule's server, ...). Scripts copied from
those examples must run, so each documented spelling is mapped here to the canonical argument.
A target of ``None`` means "accepted and ignored": the API has no such property.

The canonical names stay the only ones in the signatures (``inspect.signature`` and type
checkers see them); the aliases are translated by a thin wrapper before Python binds arguments.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

__all__ = ["ALIASES", "apply_aliases", "install_aliases"]

_F = TypeVar("_F", bound=Callable[..., Any])

# inspect.CO_COROUTINE, without importing inspect (the blocking client's import time counts).
_CO_COROUTINE = 0x80

_FIREWALL_SERVER = {"loadbalancer_id": "server_id"}
_LOADBALANCER = {"load_balancer_id": "loadbalancer_id"}
_LICENCE = {"license_type": "licence_type"}

#: ``{scope: {alias: canonical argument or None}}``. A scope is a resource class name (its
#: constructor) or a ``ProfitBricksService`` method name.
ALIASES: Mapping[str, Mapping[str, str | None]] = {
    # Resource constructors (OPERATIONS.md section 4, D5 and D6).
    "Volume": {"type": "disk_type", **_LICENCE},
    "Server": {"description": None, "location": None},
    "Snapshot": _LICENCE,
    # Firewall rule operations: the examples pass the server as ``loadbalancer_id`` (D1).
    "get_firewall_rules": _FIREWALL_SERVER,
    "get_firewall_rule": _FIREWALL_SERVER,
    "create_firewall_rule": _FIREWALL_SERVER,
    "update_firewall_rule": _FIREWALL_SERVER,
    "delete_firewall_rule": _FIREWALL_SERVER,
    # Load balancer operations: the delete table spells the id ``load_balancer_id`` (D9).
    "get_loadbalancer": _LOADBALANCER,
    "update_loadbalancer": _LOADBALANCER,
    "delete_loadbalancer": _LOADBALANCER,
    "get_loadbalancer_members": _LOADBALANCER,
    "get_loadbalanced_nic": _LOADBALANCER,
    "add_loadbalanced_nics": _LOADBALANCER,
    "remove_loadbalanced_nic": _LOADBALANCER,
    # IP blocks belong to a location, not a data centre; the spec table lists one anyway (D2).
    "reserve_ipblock": {"datacenter_id": None},
    # Update keywords (D5, D7).
    "update_server": {"boot_volume": "boot_volume_id"},
    "update_volume": _LICENCE,
    "update_image": _LICENCE,
    "update_snapshot": _LICENCE,
}


def apply_aliases(scope: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Return ``kwargs`` with the aliases of ``scope`` renamed to their canonical names.

    Raises TypeError when both an alias and its canonical name are given.
    """
    table = ALIASES.get(scope)
    if not table or not any(name in kwargs for name in table):
        return kwargs
    result = dict(kwargs)
    for alias, canonical in table.items():
        if alias not in result:
            continue
        value = result.pop(alias)
        if canonical is None:
            continue
        if canonical in result:
            raise TypeError(f"{scope}() got both {canonical!r} and its alias {alias!r}")
        result[canonical] = value
    return result


def _wrap(scope: str, func: _F) -> _F:
    table = ALIASES[scope]

    if getattr(getattr(func, "__code__", None), "co_flags", 0) & _CO_COROUTINE:
        # A coroutine function stays one (the asyncio client's methods): inspect and asyncio
        # tell coroutine functions by their code, so the wrapper must be ``async def`` too.
        @functools.wraps(func)
        async def with_aliases_async(*args: Any, **kwargs: Any) -> Any:
            if kwargs and not table.keys().isdisjoint(kwargs):
                kwargs = apply_aliases(scope, kwargs)
            return await func(*args, **kwargs)

        return with_aliases_async  # type: ignore[return-value]

    @functools.wraps(func)
    def with_aliases(*args: Any, **kwargs: Any) -> Any:
        # Checked here first: calls without an alias (nearly all) go straight through.
        if kwargs and not table.keys().isdisjoint(kwargs):
            kwargs = apply_aliases(scope, kwargs)
        return func(*args, **kwargs)

    return with_aliases  # type: ignore[return-value]


def install_aliases(owner: type, *, constructor: bool = False) -> None:
    """Let ``owner`` accept the aliases declared for it.

    With ``constructor=True`` the scope is the class name and ``__init__`` is wrapped; otherwise
    every method named as a scope in ``ALIASES`` is wrapped.
    """
    targets = {"__init__": owner.__name__} if constructor else {name: name for name in ALIASES}
    for attribute, scope in targets.items():
        method = owner.__dict__.get(attribute)
        if scope in ALIASES and callable(method):
            setattr(owner, attribute, _wrap(scope, method))
