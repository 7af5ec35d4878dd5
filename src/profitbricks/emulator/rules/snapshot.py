"""Snapshots (``/snapshots``) and the volume actions ``create-snapshot`` / ``restore-snapshot``.

``create-snapshot`` takes form fields (or JSON) ``name`` and ``description``; absent ones get the
API's defaults (WIRE.md section 8.7). The echo has ``size`` and ``licenceType`` null and the
hot-plug flags false; once done the snapshot has the volume's size, licence and flags.
``restore-snapshot`` takes ``snapshotId`` and copies the snapshot onto the volume once done.
"""

from __future__ import annotations

import time
from typing import Any

from ..catalogue import HOT_PLUG_FLAGS
from ..effects import effect
from ..errors import BadRequest, Invalid
from ..results import Echo, Record
from ..state import Contract, Snapshot, State, Volume
from .base import (
    RESTORE_SNAPSHOT,
    Call,
    Result,
    find_snapshot,
    find_volume,
    need_edit,
    need_privilege,
    resolve_snapshot,
    touch_datacenter,
    visible_listing,
)
from .validators import (
    Field,
    boolean,
    check_fields,
    check_replacement,
    enum,
    integer,
    patch_body,
    put_body,
    string,
)

__all__ = [
    "create_snapshot",
    "delete_snapshot",
    "get_snapshot",
    "list_snapshots",
    "replace_snapshot",
    "restore_snapshot",
    "update_snapshot",
]

FIELDS: dict[str, Field] = {
    "name": Field("name", "rw", string),
    "description": Field("description", "rw", string),
    "location": Field("location", "ro", string),
    "size": Field("size", "ro", integer),
    **{flag: Field(flag, "rw", boolean, False) for flag in HOT_PLUG_FLAGS},
    # A PUT without a licence gives the snapshot the licence of a blank volume's.
    "licenceType": Field(
        "licenceType", "rw", enum(("LINUX", "WINDOWS", "WINDOWS2016", "OTHER")), "UNKNOWN"
    ),
}


def _fields(body: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    """Form fields or a JSON object (flat or ``{"properties": …}``) as a dict."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise BadRequest("The request body must be form fields or a JSON object")
    if isinstance(body.get("properties"), dict) and len(body) == 1:
        body = body["properties"]
    for key in body:
        if key not in allowed:
            raise Invalid(
                key, f"is not a parameter of this action (known: {', '.join(allowed)})", at="(root)"
            )
    return dict(body)


def list_snapshots(call: Call) -> Result:
    """``GET /snapshots``."""
    return visible_listing(call, "snapshots", call.contract.snapshots.values())


def get_snapshot(call: Call, snapshot_id: str) -> Result:
    """``GET /snapshots/{id}``."""
    return Result(Record(find_snapshot(call, snapshot_id)))


def create_snapshot(call: Call, dc_id: str, volume_id: str) -> Result:
    """``POST /datacenters/{dc}/volumes/{vol}/create-snapshot``: the new snapshot."""
    dc, volume = find_volume(call, dc_id, volume_id)
    need_privilege(call, "createSnapshot", "create snapshots")
    fields = _fields(call.body.get(), ("name", "description"))
    name = string("name", fields.get("name"), "(root)")
    description = string("description", fields.get("description"), "(root)")
    volume_name = volume.props["name"] or ""
    if name is None:
        name = f"{volume_name}-Snapshot-{time.strftime('%m/%d/%Y', time.gmtime())}"
    if description is None:
        description = f'Created from "{volume_name}" in Data Center "{dc.props["name"]}"'
    request = call.open_request()
    sid = call.state.new_id()
    props: dict[str, Any] = {
        "name": name,
        "description": description,
        "location": dc.props["location"],
        "size": None,
    }
    for flag in HOT_PLUG_FLAGS:
        props[flag] = False
    props["licenceType"] = None
    snapshot = Snapshot(
        id=sid,
        path="/snapshots/" + sid,
        props=props,
        contract=call.contract.number,
        **call.new_resource_fields(),
    )
    call.contract.snapshots[sid] = snapshot
    call.log.target(request, snapshot)
    call.log.target(request, volume, listed=False)
    call.log.on_done(request, _provision, snapshot, volume)
    return Result(Echo(snapshot, entities=True), request)


@effect("snapshot.provision")
def _provision(state: State, snapshot: Snapshot, volume: Volume) -> None:
    if snapshot.gone:
        return
    props, source = snapshot.props, volume.props
    props["size"] = source["size"]
    for flag in HOT_PLUG_FLAGS:
        props[flag] = bool(source[flag])
    props["licenceType"] = source["licenceType"] or "UNKNOWN"


def restore_snapshot(call: Call, dc_id: str, volume_id: str) -> Result:
    """``POST /datacenters/{dc}/volumes/{vol}/restore-snapshot`` with ``snapshotId``."""
    dc, volume = find_volume(call, dc_id, volume_id)
    need_edit(call, dc)
    fields = _fields(call.body.get(), ("snapshotId",))
    snapshot_id = string("snapshotId", fields.get("snapshotId"), "(root)")
    if not snapshot_id:
        raise Invalid("snapshotId", "is required", at="(root)")
    snapshot = resolve_snapshot(call, RESTORE_SNAPSHOT, snapshot_id, "(root)")
    if snapshot.props["location"] != dc.props["location"]:
        raise Invalid(
            "snapshotId",
            f"must be in the data center's location {dc.props['location']}, "
            f"the snapshot is in {snapshot.props['location']}",
            at="(root)",
        )
    request = call.open_request()
    call.log.target(request, volume)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _restore, volume, snapshot)
    return Result(None, request)


@effect("snapshot.restore")
def _restore(state: State, volume: Volume, snapshot: Snapshot) -> None:
    if volume.gone or snapshot.gone:
        return
    source = snapshot.props
    if source["size"] and source["size"] > (volume.props["size"] or 0):
        volume.props["size"] = source["size"]
    for flag in HOT_PLUG_FLAGS:
        volume.props[flag] = bool(source[flag])
    if source["licenceType"]:
        volume.props["licenceType"] = source["licenceType"]


def update_snapshot(call: Call, snapshot_id: str) -> Result:
    """``PATCH /snapshots/{id}``: name, description, licence type, hot-plug flags."""
    snapshot = find_snapshot(call, snapshot_id)
    need_edit(call, snapshot)
    given, at = patch_body(call.body.get())
    p = check_fields("snapshot", FIELDS, given, at, current=snapshot.props)
    return _change(call, snapshot, p)


def replace_snapshot(call: Call, snapshot_id: str) -> Result:
    """``PUT /snapshots/{id}``: name, description, licence type, hot-plug flags; left out,
    null, null, ``UNKNOWN`` and false."""
    snapshot = find_snapshot(call, snapshot_id)
    need_edit(call, snapshot)
    given, at = put_body(call.body.get())
    p = check_replacement("snapshot", FIELDS, given, at, current=snapshot.props)
    return _change(call, snapshot, p)


def _change(call: Call, snapshot: Snapshot, p: dict[str, Any]) -> Result:
    request = call.open_request()
    for name, value in p.items():
        if name in ("location", "size"):
            continue
        if value is not None or name in ("name", "description"):
            snapshot.props[name] = value
    snapshot.modified_by = call.user.email
    call.log.target(request, snapshot)
    return Result(Echo(snapshot), request)


def delete_snapshot(call: Call, snapshot_id: str) -> Result:
    """``DELETE /snapshots/{id}``."""
    snapshot = find_snapshot(call, snapshot_id)
    need_edit(call, snapshot)
    request = call.open_request()
    call.log.target(request, snapshot)
    call.log.on_done(request, _delete, call.contract, snapshot)
    return Result(None, request)


@effect("snapshot.delete")
def _delete(state: State, contract: Contract, snapshot: Snapshot) -> None:
    if contract.snapshots.pop(snapshot.id, None) is not None:
        snapshot.gone = True
        for group in contract.groups.values():
            group.shares.pop(snapshot.id, None)
