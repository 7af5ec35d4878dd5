"""Volumes (``/datacenters/{dc}/volumes``): create (also nested in servers and data centres),
update, delete, attach/detach helpers.

Rules (WIRE.md sections 8.3 and 10): ``size`` is required and only grows; ``type``, ``image``,
``availabilityZone`` are fixed at creation; a volume needs an image, an image alias or a licence
type; ``imagePassword``/``sshKeys`` only go with public HDD images, which need one of them; SSD
volumes have no zone; an image must be HDD, in the data centre's location and not larger than the
volume. ``bus`` is null while the volume is not attached.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..catalogue import HOT_PLUG_FLAGS, IMAGE_ALIASES
from ..effects import effect
from ..errors import Invalid
from ..requests import Request
from ..results import Echo, EchoNode, Record
from ..state import Datacenter, Image, Server, Snapshot, State, Volume
from .base import (
    VOLUME_IMAGE,
    Call,
    Result,
    creates,
    find_datacenter,
    find_volume,
    listing,
    need_edit,
    resolve_source,
    touch_datacenter,
)
from .contract import Demand, check
from .plan import Plan, Spec, create_in_datacenter
from .validators import (
    REQUIRED,
    Field,
    boolean,
    check_fields,
    check_replacement,
    enum,
    integer,
    patch_body,
    put_body,
    split_body,
    string,
    string_list,
)

__all__ = [
    "LICENCE_TYPES",
    "attach",
    "build",
    "connect",
    "create_volume",
    "delete_volume",
    "detach",
    "get_volume",
    "list_volumes",
    "prepare",
    "replace_volume",
    "update_volume",
]

LICENCE_TYPES = ("LINUX", "WINDOWS", "WINDOWS2016", "UNKNOWN", "OTHER")
_PASSWORD = re.compile(r"[A-Za-z0-9]{8,50}\Z")


def _size(attr: str, value: Any, at: str) -> int | None:
    return integer(attr, value, at, low=1)


def _password(attr: str, value: Any, at: str) -> str | None:
    # The value is a secret: the message states the rule and never quotes it.
    if value is None:
        return None
    if not isinstance(value, str) or not _PASSWORD.match(value):
        raise Invalid(attr, "must be 8 to 50 characters long, letters and digits only", at=at)
    return value


FIELDS: dict[str, Field] = {
    "name": Field("name", "rw", string),
    "type": Field("type", "c", enum(("HDD", "SSD"))),
    "size": Field("size", "rw", _size, REQUIRED),
    "availabilityZone": Field(
        "availabilityZone", "c", enum(("AUTO", "ZONE_1", "ZONE_2", "ZONE_3"))
    ),
    "image": Field("image", "c", string),
    "imageAlias": Field("imageAlias", "c", string),
    "imagePassword": Field("imagePassword", "c", _password),
    "sshKeys": Field("sshKeys", "c", string_list),
    "bus": Field("bus", "rw", enum(("VIRTIO", "IDE")), "VIRTIO"),
    # A PUT without a licence or flags takes those of the volume's image or snapshot
    # (see _derived_defaults); a blank volume has no licence to fall back on.
    "licenceType": Field("licenceType", "rw", enum(LICENCE_TYPES), REQUIRED),
    **{flag: Field(flag, "rw", boolean, False) for flag in HOT_PLUG_FLAGS},
    "deviceNumber": Field("deviceNumber", "ro", integer),
}


def prepare(call: Call, plan: Plan, body: Any, root: str) -> Spec:
    """Validate a volume create body located at ``root`` (e.g. ``(root)``) against ``plan``."""
    given, entities = split_body(body, root)
    at = root + ".properties"
    if entities:
        raise Invalid("entities", "is not allowed for a volume", at=root)
    p = check_fields("volume", FIELDS, given, at)
    size = p.get("size")
    if size is None:
        raise Invalid("size", "is required", at=at)
    image_id = p.get("image")
    alias = p.get("imageAlias")
    if alias is not None:
        resolved = IMAGE_ALIASES.get(plan.location, {}).get(alias)
        if resolved is None:
            raise Invalid(
                "imageAlias", f"is not an image alias of location {plan.location}: {alias}", at=at
            )
        if image_id is not None and image_id != resolved:
            raise Invalid("imageAlias", "cannot be combined with a different 'image'", at=at)
        image_id = resolved
    source: Image | Snapshot | None = None
    if image_id is not None:
        source = resolve_source(call, VOLUME_IMAGE, image_id, at)
        if isinstance(source, Image) and source.props["imageType"] != "HDD":
            raise Invalid("image", f"must be an HDD image, {image_id} is a CD-ROM image", at=at)
        if source.props["location"] != plan.location:
            raise Invalid(
                "image",
                f"must be in the data center's location {plan.location}, "
                f"{image_id} is in {source.props['location']}",
                at=at,
            )
    elif p.get("licenceType") is None:
        raise Invalid(
            "licenceType", "is required when neither 'image' nor 'imageAlias' is given", at=at
        )
    public = isinstance(source, Image) and source.contract is None
    password, keys = p.get("imagePassword"), p.get("sshKeys")
    if (password is not None or keys) and not public:
        name = "imagePassword" if password is not None else "sshKeys"
        raise Invalid(name, "can only be set for a volume created from a public image", at=at)
    if public and password is None and not keys:
        raise Invalid(
            "imagePassword",
            "or 'sshKeys' is required for a volume created from a public image",
            at=at,
        )
    disk_type = p.get("type") or "HDD"
    if disk_type == "SSD" and p.get("availabilityZone") not in (None, "AUTO"):
        raise Invalid("availabilityZone", "must be AUTO or unset for an SSD volume", at=at)
    if source is not None:
        minimum = math.ceil(source.props["size"] or 0)
        if size < minimum:
            raise Invalid(
                "size", f"must be at least {minimum} GB, the size of image {source.id}", at=at
            )
    limit_name = "ssdLimitPerVolume" if disk_type == "SSD" else "hddLimitPerVolume"
    limit = call.contract.limits[limit_name]
    if size * 1024 > limit:
        raise Invalid(
            "size", f"exceeds the contract's resource limit {limit_name}={limit} MB", at=at
        )
    plan.demand.add_volume(disk_type, size)
    return Spec(p, extra={"source": source, "public": public})


def build(call: Call, dc: Datacenter, spec: Spec, request: Request) -> EchoNode:
    """Create the volume of a prepared ``spec`` in ``dc`` (unattached) as part of ``request``."""
    p = spec.props
    source: Image | Snapshot | None = spec.extra["source"]
    vid = call.state.new_id()
    props: dict[str, Any] = {
        "name": p.get("name"),
        "type": p.get("type"),
        "size": p["size"],
        "availabilityZone": p.get("availabilityZone"),
        "image": source.id if source is not None else None,
        "imagePassword": None,
        "sshKeys": None,
        "bus": p.get("bus"),
        "licenceType": p.get("licenceType") if source is None else None,
    }
    for flag in HOT_PLUG_FLAGS:
        props[flag] = bool(p.get(flag))
    props["deviceNumber"] = None
    volume = Volume(
        id=vid,
        path=f"/datacenters/{dc.id}/volumes/{vid}",
        props=props,
        dc=dc,
        bus=p.get("bus") or "VIRTIO",
        source_id=source.id if source is not None else None,
        source_public=bool(spec.extra["public"]),
        echo_only={"imagePassword": p.get("imagePassword"), "sshKeys": p.get("sshKeys")},
        **call.new_resource_fields(),
    )
    dc.volumes[vid] = volume
    call.log.target(request, volume)
    given_flags = [flag for flag in HOT_PLUG_FLAGS if flag in p]
    call.log.on_done(request, _provision, volume, source, given_flags)
    return EchoNode(volume)


@effect("volume.provision")
def _provision(
    state: State, volume: Volume, source: Image | Snapshot | None, given_flags: list[str]
) -> None:
    if volume.gone:
        return
    props = volume.props
    props["type"] = props["type"] or "HDD"
    props["availabilityZone"] = props["availabilityZone"] or "AUTO"
    if source is not None:
        props["licenceType"] = source.props.get("licenceType") or "UNKNOWN"
        for flag in HOT_PLUG_FLAGS:
            if flag not in given_flags:
                props[flag] = bool(source.props.get(flag))
    props["bus"] = volume.bus if volume.server is not None else None
    volume.echo_only = {}


def attach(call: Call, server: Server, volume: Volume, request: Request) -> None:
    """Connect ``volume`` to ``server`` now; bus and device number show once provisioned."""
    volume.server = server
    server.volumes.append(volume)
    call.log.target(request, volume, listed=False)
    call.log.on_done(request, _attached, server, volume)


@effect("volume.attach")
def _attached(state: State, server: Server, volume: Volume) -> None:
    if not volume.gone and volume.server is server:
        _provision_attachment(server, volume)


def connect(server: Server, volume: Volume) -> None:
    """Attach ``volume`` to ``server`` at once, provisioned (the effect of a queued attach)."""
    volume.server = server
    server.volumes.append(volume)
    _provision_attachment(server, volume)


def _provision_attachment(server: Server, volume: Volume) -> None:
    numbers = [v.props["deviceNumber"] or 0 for v in server.volumes if v is not volume]
    volume.props["deviceNumber"] = max(numbers, default=0) + 1
    volume.props["bus"] = volume.bus
    if server.boot_volume is None and server.boot_cdrom is None:
        server.boot_volume = volume


def detach(volume: Volume) -> None:
    """Disconnect ``volume`` from its server (no-op when unattached)."""
    server = volume.server
    if server is None:
        return
    if volume in server.volumes:
        server.volumes.remove(volume)
    if server.boot_volume is volume:
        server.boot_volume = None
    volume.server = None
    volume.props["bus"] = None
    volume.props["deviceNumber"] = None


def remove(volume: Volume) -> None:
    """Delete ``volume`` from state (detaching it first)."""
    detach(volume)
    dc = volume.dc
    if dc is not None:
        dc.volumes.pop(volume.id, None)
    volume.gone = True


@effect("volume.delete")
def _delete(state: State, volume: Volume) -> None:
    remove(volume)


def list_volumes(call: Call, dc_id: str) -> Result:
    """``GET /datacenters/{dc}/volumes``."""
    dc = find_datacenter(call, dc_id)
    return listing(dc, "volumes", dc.volumes.values())


def get_volume(call: Call, dc_id: str, volume_id: str) -> Result:
    """``GET /datacenters/{dc}/volumes/{vol}``."""
    _, volume = find_volume(call, dc_id, volume_id)
    return Result(Record(volume))


@creates
def create_volume(call: Call, dc_id: str) -> Result:
    """``POST /datacenters/{dc}/volumes``: a new, unattached volume."""
    dc = find_datacenter(call, dc_id)
    return create_in_datacenter(call, dc, prepare, lambda spec, req: build(call, dc, spec, req))


def update_volume(call: Call, dc_id: str, volume_id: str) -> Result:
    """``PATCH /datacenters/{dc}/volumes/{vol}``: name, size (grow only), bus, licence, flags."""
    dc, volume = find_volume(call, dc_id, volume_id)
    need_edit(call, dc)
    given, at = patch_body(call.body.get())
    p = check_fields("volume", FIELDS, given, at, current=volume.props)
    return _change(call, dc, volume, p, at)


def _derived_defaults(call: Call, volume: Volume) -> dict[str, Any]:
    """What a PUT gives the licence and flags it leaves out: those of the volume's image or
    snapshot while that exists (a create takes them from there too)."""
    source_id = volume.source_id
    if source_id is None:
        return {}
    contract = call.contract
    source = (
        call.state.public_images.get(source_id)
        or contract.images.get(source_id)
        or contract.snapshots.get(source_id)
    )
    if source is None:
        return {}
    out: dict[str, Any] = {flag: bool(source.props.get(flag)) for flag in HOT_PLUG_FLAGS}
    out["licenceType"] = source.props.get("licenceType") or "UNKNOWN"
    return out


def replace_volume(call: Call, dc_id: str, volume_id: str) -> Result:
    """``PUT /datacenters/{dc}/volumes/{vol}``: every writable property (size only grows);
    left out, bus is VIRTIO and licence and flags are those of the volume's image (a blank
    volume must give its licence)."""
    dc, volume = find_volume(call, dc_id, volume_id)
    need_edit(call, dc)
    given, at = put_body(call.body.get())
    derived = _derived_defaults(call, volume)
    p = check_replacement("volume", FIELDS, given, at, current=volume.props, defaults=derived)
    return _change(call, dc, volume, p, at)


def _change(call: Call, dc: Datacenter, volume: Volume, p: dict[str, Any], at: str) -> Result:
    size = p.get("size", volume.props["size"])
    if size is None:
        raise Invalid("size", "cannot be removed", at=at)
    current_size = volume.props["size"] or 0
    if size < current_size:
        raise Invalid("size", f"can only be increased, got {size} < current {current_size}", at=at)
    licence = p.get("licenceType")
    if "licenceType" in p and licence is None:
        raise Invalid("licenceType", "cannot be removed", at=at)
    if licence is not None and volume.source_public and licence != volume.props["licenceType"]:
        raise Invalid(
            "licenceType", "cannot be changed for a volume created from a public image", at=at
        )
    if "bus" in p and p["bus"] is None:
        raise Invalid("bus", "cannot be removed", at=at)
    if size > current_size:
        disk_type = volume.props["type"] or "HDD"
        limit_name = "ssdLimitPerVolume" if disk_type == "SSD" else "hddLimitPerVolume"
        limit = call.contract.limits[limit_name]
        if size * 1024 > limit:
            raise Invalid(
                "size", f"exceeds the contract's resource limit {limit_name}={limit} MB", at=at
            )
        demand = Demand()
        demand.add_volume(disk_type, size - current_size)
        check(call.contract, demand, at)
    request = call.open_request()
    for name, value in p.items():
        if name == "bus":
            volume.bus = value
            if volume.server is not None:
                volume.props["bus"] = value
        elif name in (
            "type",
            "availabilityZone",
            "image",
            "imageAlias",
            "imagePassword",
            "sshKeys",
        ):
            continue
        elif name in volume.props and (value is not None or name == "name"):
            volume.props[name] = value
    volume.modified_by = call.user.email
    call.log.target(request, volume)
    touch_datacenter(call, request, dc)
    return Result(Echo(volume), request)


def delete_volume(call: Call, dc_id: str, volume_id: str) -> Result:
    """``DELETE /datacenters/{dc}/volumes/{vol}``: detached if needed, then deleted."""
    dc, volume = find_volume(call, dc_id, volume_id)
    need_edit(call, dc)
    request = call.open_request()
    call.log.target(request, volume)
    if volume.server is not None:
        call.log.target(request, volume.server, listed=False)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _delete, volume)
    return Result(None, request)
