"""Locations (``/locations``, ``/locations/{region}``, ``/locations/{region}/{city}``)."""

from __future__ import annotations

from ..catalogue import LOCATIONS
from ..errors import NotFound
from ..results import Location, Locations
from .base import Call, Result

__all__ = ["get_location", "list_locations", "list_region"]


def list_locations(call: Call) -> Result:
    """``GET /locations``: the four v4 locations."""
    return Result(Locations("locations", "/locations", LOCATIONS))


def list_region(call: Call, region: str) -> Result:
    """``GET /locations/{region}``: the locations of one region (``us``, ``de``)."""
    items = [loc for loc in LOCATIONS if loc["id"].split("/", 1)[0] == region]
    if not items:
        raise NotFound()
    return Result(Locations(region, f"/locations/{region}", items))


def get_location(call: Call, region: str, city: str) -> Result:
    """``GET /locations/{region}/{city}``."""
    wanted = f"{region}/{city}"
    for loc in LOCATIONS:
        if loc["id"] == wanted:
            return Result(Location(loc))
    raise NotFound()
