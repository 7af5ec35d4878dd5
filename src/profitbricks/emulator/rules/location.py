"""Locations (``/locations``, ``/locations/{region}``, ``/locations/{region}/{city}``)."""

from __future__ import annotations

from typing import Any

from .. import render
from ..catalogue import LOCATIONS
from ..errors import NotFound
from .base import Call, Result

__all__ = ["get_location", "list_locations", "list_region"]


def _collection(cid: str, href: str, items: list[dict[str, Any]], call: Call) -> Result:
    d = call.depth - 1
    return Result(
        {
            "id": cid,
            "type": "collection",
            "href": href,
            "items": [render.location(loc, d, call.view) for loc in items],
        }
    )


def list_locations(call: Call) -> Result:
    """``GET /locations``: the four v4 locations."""
    return _collection("locations", call.view.base + "/locations", LOCATIONS, call)


def list_region(call: Call, region: str) -> Result:
    """``GET /locations/{region}``: the locations of one region (``us``, ``de``)."""
    items = [loc for loc in LOCATIONS if loc["id"].split("/", 1)[0] == region]
    if not items:
        raise NotFound()
    return _collection(region, f"{call.view.base}/locations/{region}", items, call)


def get_location(call: Call, region: str, city: str) -> Result:
    """``GET /locations/{region}/{city}``."""
    wanted = f"{region}/{city}"
    for loc in LOCATIONS:
        if loc["id"] == wanted:
            return Result(render.location(loc, call.depth, call.view))
    raise NotFound()
