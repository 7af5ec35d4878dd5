"""IP blocks (``/ipblocks``) and the emulator's pools of public-looking addresses.

IP blocks belong to a location, not to a data centre. Their addresses are allocated at creation
(they are already in the 202 echo) from a per-location pool that never hands out an address
twice, so blocks of different contracts never overlap.
"""

from __future__ import annotations

import ipaddress

from ..catalogue import LOCATION_IDS
from ..effects import effect
from ..errors import Invalid
from ..results import Echo, Record
from ..state import Contract, IpBlock, State
from .base import Call, Result, creates, find_ipblock, need_edit, need_privilege, visible_listing
from .contract import Demand, check
from .validators import Field, check_fields, enum, integer, split_body, string

__all__ = [
    "allocate_public",
    "create_ipblock",
    "delete_ipblock",
    "get_ipblock",
    "list_ipblocks",
]

# First address of each location's public pool (documentation-free, realistic-looking ranges).
_POOL_START = {
    "us/las": int(ipaddress.IPv4Address("158.222.102.10")),
    "us/ewr": int(ipaddress.IPv4Address("157.97.104.10")),
    "de/fra": int(ipaddress.IPv4Address("85.184.248.10")),
    "de/fkb": int(ipaddress.IPv4Address("185.48.116.10")),
}


def allocate_public(state: State, location: str, count: int) -> list[str]:
    """``count`` fresh public addresses of ``location`` (never .0 or .255)."""
    out: list[str] = []
    start = _POOL_START.get(location, _POOL_START["us/las"])
    offset = state.next_public.get(location, 0)
    while len(out) < count:
        address = start + offset
        offset += 1
        if address & 0xFF in (0, 255):
            continue
        out.append(str(ipaddress.IPv4Address(address)))
    state.next_public[location] = offset
    return out


def _size(attr: str, value: object, at: str) -> int | None:
    return integer(attr, value, at, low=1)


FIELDS = {
    "ips": Field("ips", "ro", lambda a, v, at: v),
    "location": Field("location", "c", enum(LOCATION_IDS)),
    "size": Field("size", "c", _size),
    "name": Field("name", "rw", string),
}


def list_ipblocks(call: Call) -> Result:
    """``GET /ipblocks``."""
    return visible_listing(call, "ipblocks", call.contract.ipblocks.values())


def get_ipblock(call: Call, ipblock_id: str) -> Result:
    """``GET /ipblocks/{id}``."""
    return Result(Record(find_ipblock(call, ipblock_id)))


@creates
def create_ipblock(call: Call) -> Result:
    """``POST /ipblocks``: reserve ``size`` addresses in ``location``."""
    need_privilege(call, "reserveIp", "reserve IP blocks")
    given, entities = split_body(call.body.get())
    at = "(root).properties"
    if entities:
        raise Invalid("entities", "is not allowed for an IP block", at="(root)")
    props = check_fields("ipblock", FIELDS, given, at)
    location = props.get("location")
    if location is None:
        raise Invalid("location", "is required", at=at)
    size = props.get("size")
    if size is None:
        raise Invalid("size", "is required", at=at)
    check(call.contract, Demand(ips=size), at)
    block = IpBlock(
        id=call.state.new_id(),
        path="",
        props={
            "ips": allocate_public(call.state, location, size),
            "location": location,
            "size": size,
            "name": props.get("name"),
        },
        contract=call.contract.number,
        **call.new_resource_fields(),
    )
    block.path = "/ipblocks/" + block.id
    call.contract.ipblocks[block.id] = block
    request = call.open_request()
    call.log.target(request, block)
    return Result(Echo(block, entities=True), request)


def delete_ipblock(call: Call, ipblock_id: str) -> Result:
    """``DELETE /ipblocks/{id}``: released when the request is done."""
    block = find_ipblock(call, ipblock_id)
    need_edit(call, block)
    request = call.open_request()
    call.log.target(request, block)
    call.log.on_done(request, _release, call.contract, block)
    return Result(None, request)


@effect("ipblock.delete")
def _release(state: State, contract: Contract, block: IpBlock) -> None:
    if contract.ipblocks.pop(block.id, None) is not None:
        block.gone = True
        for group in contract.groups.values():
            group.shares.pop(block.id, None)
