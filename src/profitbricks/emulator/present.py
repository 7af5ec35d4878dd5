"""The one place where a rule's result becomes a Cloud API document.

Rules return records of what a reply shows (:mod:`profitbricks.emulator.results`);
:func:`present` renders them with :mod:`profitbricks.emulator.render` at the call's ``depth``
and with the call's view (public base URL, state, request log). Call it under the state lock,
before the call's request is submitted: it reads the state as the rule left it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

from . import render
from .render import View
from .results import (
    ApiRoot,
    ContractUsage,
    Echo,
    EchoNode,
    Listing,
    Location,
    Locations,
    Record,
    RequestDetail,
    RequestList,
    RequestStatus,
    Shared,
    Shares,
    Shown,
    UmResource,
)

__all__ = ["present"]

Doc = dict[str, Any]


def _record(shown: Record, depth: int, view: View) -> Doc:
    return render.resource(shown.record, depth, view)


def _echo(shown: Echo, depth: int, view: View) -> Doc:
    doc = render.resource(shown.record, 0, view, entities=shown.entities)
    if shown.props is not None:
        doc["properties"].update(shown.props)
    if shown.busy:
        doc["metadata"] = {**doc["metadata"], "state": "BUSY"}
    return doc


def _echo_tree(shown: EchoNode, depth: int, view: View) -> Doc:
    return render.echo(shown, View(view.base, view.state, view.log, echo=True))


def _um_item(contract: int) -> Callable[[Any, int, View], Doc]:
    def item(record: Any, depth: int, view: View) -> Doc:
        return render.um_resource(record, depth, view, contract)

    return item


def _listing(shown: Listing, depth: int, view: View) -> Doc:
    item: Callable[[Any, int, View], Doc] | None = None
    if shown.items_as == "listed-image":
        item = render.listed_image
    elif shown.items_as == "um-resource":
        item = _um_item(shown.contract)
    return render.collection(shown.id, view.base + shown.path, shown.items, depth, view, item)


def _um_resource(shown: UmResource, depth: int, view: View) -> Doc:
    return render.um_resource(shown.record, depth, view, shown.contract)


def _shares(shown: Shares, depth: int, view: View) -> Doc:
    return render.shares(shown.group, depth, view)


def _shared(shown: Shared, depth: int, view: View) -> Doc:
    return render.share(shown.group, shown.share, view)


def _contract(shown: ContractUsage, depth: int, view: View) -> Doc:
    return render.contract(shown.contract, shown.usage)


def _location(shown: Location, depth: int, view: View) -> Doc:
    return render.location(shown.location, depth, view)


def _locations(shown: Locations, depth: int, view: View) -> Doc:
    return {
        "id": shown.id,
        "type": "collection",
        "href": view.base + shown.path,
        "items": [render.location(loc, depth - 1, view) for loc in shown.items],
    }


def _requests(shown: RequestList, depth: int, view: View) -> Doc:
    # Items in full (depth >= 1) carry their status with its metadata: a recorded v4 listing at
    # the SDK's default depth 1 shows it filled, and deeper listings showed no more detail.
    d = max(depth - 1, 1) if depth >= 1 else -1
    return {
        "id": "requests",
        "type": "collection",
        "href": view.base + "/requests",
        "items": [render.request(r, d, view) for r in shown.items],
    }


def _request(shown: RequestDetail, depth: int, view: View) -> Doc:
    return render.request(shown.request, depth, view)


def _request_status(shown: RequestStatus, depth: int, view: View) -> Doc:
    return render.request_status(shown.request, view)


def _root(shown: ApiRoot, depth: int, view: View) -> Doc:
    return {"href": view.base + "/", "name": "CLOUD API", "version": "4.0"}


_PRESENTERS: dict[type, Callable[[Any, int, View], Doc]] = {
    Record: _record,
    Echo: _echo,
    EchoNode: _echo_tree,
    Listing: _listing,
    UmResource: _um_resource,
    Shares: _shares,
    Shared: _shared,
    ContractUsage: _contract,
    Location: _location,
    Locations: _locations,
    RequestList: _requests,
    RequestDetail: _request,
    RequestStatus: _request_status,
    ApiRoot: _root,
}


@overload
def present(shown: Shown, depth: int, view: View) -> Doc: ...


@overload
def present(shown: None, depth: int, view: View) -> None: ...


@overload
def present(shown: Shown | None, depth: int, view: View) -> Doc | None: ...


def present(shown: Shown | None, depth: int, view: View) -> Doc | None:
    """The document a reply shows for ``shown`` at ``depth`` (None for a reply without body).

    Raises ``KeyError`` for an object that is not one of the records of
    :mod:`profitbricks.emulator.results`.
    """
    if shown is None:
        return None
    return _PRESENTERS[type(shown)](shown, depth, view)
