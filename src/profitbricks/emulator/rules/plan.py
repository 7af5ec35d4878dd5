"""Two-phase creation: validate a whole (possibly nested) create body, then build it.

A composite create (a data centre with servers, which carry volumes and NICs, which carry
firewall rules) is one request and must be all-or-nothing. Each resource module therefore has a
``prepare`` step that validates its part of the body against the :class:`Plan` (the target data
centre as it will be, the resources claimed so far, the extra usage for the contract limits)
and returns a :class:`Spec`, and a ``build`` step that creates records from specs that are
known to be valid. :func:`create_in_datacenter` runs the two steps for a create inside a data
centre.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..requests import Request
from ..results import EchoNode
from ..state import Datacenter, Resource
from .base import Call, Result, need_edit, touch_datacenter
from .contract import Demand, check

__all__ = ["Plan", "Spec", "create_in_datacenter"]


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
    #: the LANs that are (or the body makes) public: their NICs need reserved addresses
    public_lans: set[int] = field(default_factory=set)
    claimed_volumes: set[str] = field(default_factory=set)
    claimed_nics: set[str] = field(default_factory=set)

    @classmethod
    def for_datacenter(cls, dc: Datacenter) -> Plan:
        return cls(
            location=str(dc.props["location"]),
            dc=dc,
            lan_ids={int(lan_id) for lan_id in dc.lans},
            public_lans={int(lan.id) for lan in dc.lans.values() if lan.props["public"]},
        )


def create_in_datacenter(
    call: Call,
    dc: Datacenter,
    prepare: Callable[[Call, Plan, Any, str], Spec],
    build: Callable[[Spec, Request], EchoNode],
    parent: Resource | None = None,
) -> Result:
    """Create what the body of ``call`` describes in ``dc``, as one request: the echo and it.

    ``prepare`` validates the whole body and ``build`` creates the records from its spec;
    ``parent`` (the server of a NIC, the NIC of a firewall rule) is busy with the request too.
    Raises ``Forbidden`` without edit rights and ``Invalid`` for a bad body or a contract limit,
    in both cases before anything changes.
    """
    need_edit(call, dc)
    plan = Plan.for_datacenter(dc)
    spec = prepare(call, plan, call.body.get(), "(root)")
    check(call.contract, plan.demand)
    request = call.open_request()
    node = build(spec, request)
    if parent is not None:
        call.log.target(request, parent, listed=False)
    touch_datacenter(call, request, dc)
    return Result(node, request)
