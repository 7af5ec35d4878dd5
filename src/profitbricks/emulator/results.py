"""What a rule returns: records of what the reply shows, and the request the call opened.

A rule decides *what* a reply shows; it never renders. It returns a :class:`Result` whose
``shown`` is one of the records below (or None for a reply without a body), and
:mod:`profitbricks.emulator.present` renders that record at the call's depth with
:mod:`profitbricks.emulator.render`. The records hold references into the state: they are
presented under the state lock, before the call's request can make progress.

- :class:`Record`: one resource, user or group at the call's depth (a ``GET`` of it);
- :class:`Echo`: one record at depth 0, as a 202 reply echoes it (an update, an attach);
- :class:`EchoNode`: the echo of a create, with the children the request carried;
- :class:`Listing`: a collection at the call's depth;
- the documents of their own kind: :class:`ApiRoot`, :class:`ContractUsage`,
  :class:`Location`, :class:`Locations`, :class:`RequestDetail`, :class:`RequestList`,
  :class:`RequestStatus`, :class:`Shared`, :class:`Shares` and :class:`UmResource`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from .state import Contract, Group, Resource, Share

if TYPE_CHECKING:
    from .requests import Request

__all__ = [
    "ApiRoot",
    "ContractUsage",
    "Echo",
    "EchoNode",
    "Listing",
    "Location",
    "Locations",
    "Record",
    "RequestDetail",
    "RequestList",
    "RequestStatus",
    "Result",
    "Shared",
    "Shares",
    "Shown",
    "UmResource",
]


@dataclass(frozen=True, slots=True)
class Record:
    """One resource, user or group, rendered at the call's depth."""

    record: Any


@dataclass(frozen=True, slots=True)
class Echo:
    """One record as a 202 reply echoes it: at depth 0, with references to its entities only
    where ``entities`` (an update's echo has none).

    ``props``, when given, are the properties to show instead of the record's current ones: the
    record as it was when the request was accepted, before the rule changed it. ``busy`` shows
    the state ``BUSY`` where the record itself is not busy (a shared public image).
    """

    record: Any
    entities: bool = False
    props: Mapping[str, Any] | None = None
    busy: bool = False


@dataclass(eq=False, slots=True)
class EchoNode:
    """A record in a create reply: ``created`` children are echoed in full, others as refs."""

    record: Any
    created: bool = True
    children: dict[str, list[EchoNode]] = field(default_factory=dict)


#: How the items of a listing are rendered: as resources, as items of ``GET /images`` (an
#: empty description shows ``""``), or as user-management resources of a contract.
ItemStyle = Literal["resource", "listed-image", "um-resource"]


@dataclass(frozen=True, slots=True)
class Listing:
    """The collection ``id`` at ``path`` (relative to the API's base URL) of ``items``.

    ``contract`` is the contract whose groups ``um-resource`` items show.
    """

    id: str
    path: str
    items: Sequence[Any]
    items_as: ItemStyle = "resource"
    contract: int = 0


@dataclass(frozen=True, slots=True)
class UmResource:
    """``GET /um/resources/{type}/{id}``: ``record`` with the groups of ``contract`` sharing it."""

    record: Resource
    contract: int


@dataclass(frozen=True, slots=True)
class Shares:
    """``GET /um/groups/{grp}/shares``: the group's shares."""

    group: Group


@dataclass(frozen=True, slots=True)
class Shared:
    """One share of a group: the resource's id and the group's privileges on it."""

    group: Group
    share: Share


@dataclass(frozen=True, slots=True)
class ContractUsage:
    """``GET /contracts``: the contract's limits and ``usage`` (cores, ram, hdd, ssd, ips,
    ips_in_use)."""

    contract: Contract
    usage: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Location:
    """One location of the catalogue, at the call's depth."""

    location: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Locations:
    """The collection ``id`` at ``path`` of catalogue locations."""

    id: str
    path: str
    items: Sequence[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class RequestList:
    """``GET /requests``: the recorded requests, newest first."""

    items: Sequence[Request]


@dataclass(frozen=True, slots=True)
class RequestDetail:
    """``GET /requests/{id}``: the recorded call."""

    request: Request


@dataclass(frozen=True, slots=True)
class RequestStatus:
    """``GET /requests/{id}/status``: where the request stands."""

    request: Request


@dataclass(frozen=True, slots=True)
class ApiRoot:
    """``GET /``: the API's name and version."""


Shown: TypeAlias = (
    Record
    | Echo
    | EchoNode
    | Listing
    | UmResource
    | Shares
    | Shared
    | ContractUsage
    | Location
    | Locations
    | RequestList
    | RequestDetail
    | RequestStatus
    | ApiRoot
)


@dataclass(slots=True)
class Result:
    """What a rule returns: what the reply shows (None: no body) and the request it opened
    (None for a read; the reply is then 200, else 202 with ``Location``)."""

    shown: Shown | None
    request: Request | None = None
