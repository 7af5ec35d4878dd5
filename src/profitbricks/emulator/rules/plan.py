"""Two-phase creation: validate a whole (possibly nested) create body, then build it.

A composite create (a data centre with servers, which carry volumes and NICs, which carry
firewall rules) is one request and must be all-or-nothing. Each resource module therefore has a
``prepare`` step that validates its part of the body against the :class:`Plan` (the target data
centre as it will be, the resources claimed so far, the extra usage for the contract limits)
and returns a :class:`Spec`, and a ``build`` step that creates records from specs that are
known to be valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..state import Datacenter
from .contract import Demand

__all__ = ["Plan", "Spec"]


@dataclass(eq=False, slots=True)
class Spec:
    """A validated create body: coerced ``props``, nested ``children`` (specs, or ids of
    existing resources to attach), and resolved references in ``extra``."""

    props: dict[str, Any]
    children: dict[str, list[Spec | str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class Plan:
    """The data centre a create body lands in, and what the body claims of it."""

    location: str
    dc: Datacenter | None
    demand: Demand = field(default_factory=Demand)
    lan_ids: set[int] = field(default_factory=set)
    claimed_volumes: set[str] = field(default_factory=set)
    claimed_nics: set[str] = field(default_factory=set)

    @classmethod
    def for_datacenter(cls, dc: Datacenter) -> Plan:
        return cls(
            location=str(dc.props["location"]),
            dc=dc,
            lan_ids={int(lan_id) for lan_id in dc.lans},
        )
