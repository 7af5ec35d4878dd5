"""What a provisioning request does when it completes, as data: a named function and arguments.

A rule that defers part of its work (provisioning results, deletions) registers the function that
does it with :func:`effect` under a stable name, and hands it to
:meth:`~profitbricks.emulator.requests.RequestLog.on_done` with its arguments: records of the
state and JSON values (strings, numbers, booleans, None, lists of them). When the request
completes the log calls ``function(state, *arguments)``.

Because an effect is a name plus data, a pending request can be written to a state document
and completed after a restart (:mod:`profitbricks.emulator.persist`): the name is looked up
here again and the records are those of the restored state. An effect reads whatever else it
needs from the records when it runs, never from the call that registered it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["EffectFunction", "effect", "effect_name", "find_effect", "registered_effects"]

EffectFunction = Callable[..., None]

_F = TypeVar("_F", bound=EffectFunction)

_BY_NAME: dict[str, EffectFunction] = {}
_NAMES: dict[EffectFunction, str] = {}


def effect(name: str) -> Callable[[_F], _F]:
    """Register the decorated function as the effect ``name``; returns it unchanged.

    Raises ``ValueError`` when ``name`` is taken by another function.
    """

    def register(function: _F) -> _F:
        known = _BY_NAME.get(name)
        if known is not None and known is not function:
            raise ValueError(f"effect name {name!r} is already registered")
        _BY_NAME[name] = function
        _NAMES[function] = name
        return function

    return register


def effect_name(function: Any) -> str:
    """The name ``function`` was registered under; ``TypeError`` if it is not an effect."""
    try:
        return _NAMES[function]
    except (KeyError, TypeError):
        raise TypeError(
            f"{function!r} is not a registered effect (decorate it with @effect(name))"
        ) from None


def find_effect(name: str) -> EffectFunction | None:
    """The effect registered as ``name``, or None."""
    return _BY_NAME.get(name)


def registered_effects() -> dict[str, EffectFunction]:
    """Every registered effect by name (a copy)."""
    return dict(_BY_NAME)
