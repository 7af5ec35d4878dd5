"""Servers (``/datacenters/{dc}/servers``), their attached volumes and CD-ROMs, power actions.

Rules (WIRE.md sections 8.2 and 10): ``cores`` (>= 1) and ``ram`` (a multiple of 256, >= 256 MB)
are required and bounded by the contract; zones AUTO, ZONE_1, ZONE_2; CPU family AMD_OPTERON or
INTEL_XEON; at most one boot device (``bootVolume`` xor ``bootCdrom``, given as ``{"id": …}`` or
a bare id). A create body may carry volumes to create or attach and NICs (with firewall rules).
A server without a boot device boots from the first volume it gets. ``vmState`` is null in the
create echo, RUNNING once provisioned, SHUTOFF after stop (state INACTIVE).
"""

from __future__ import annotations

from typing import Any

from ..effects import effect
from ..errors import Invalid
from ..requests import Request
from ..results import Echo, EchoNode, Record
from ..state import Datacenter, Image, Server, State, Volume
from . import nic as nic_rules
from . import volume as volume_rules
from .base import (
    ATTACHED_CDROM,
    ATTACHED_VOLUME,
    SERVER_BOOT_CDROM,
    SERVER_BOOT_VOLUME,
    SERVER_VOLUMES,
    BodyRef,
    Call,
    Result,
    creates,
    find_datacenter,
    find_server,
    listing,
    member,
    need_edit,
    resolve_image,
    resolve_volume,
    touch_datacenter,
)
from .contract import Demand, check
from .plan import Plan, Spec, create_in_datacenter
from .validators import (
    REQUIRED,
    Field,
    check_fields,
    check_replacement,
    entity_items,
    enum,
    id_body,
    integer,
    patch_body,
    put_body,
    ref_id,
    split_body,
    string,
)

__all__ = [
    "attach_cdrom",
    "attach_volume",
    "build",
    "create_server",
    "delete_server",
    "detach_cdrom",
    "detach_volume",
    "get_attached_cdrom",
    "get_attached_volume",
    "get_server",
    "list_attached_cdroms",
    "list_attached_volumes",
    "list_servers",
    "prepare",
    "reboot_server",
    "replace_server",
    "start_server",
    "stop_server",
    "update_server",
]


def _cores(attr: str, value: Any, at: str) -> int | None:
    return integer(attr, value, at, low=1)


def _ram(attr: str, value: Any, at: str) -> int | None:
    ram = integer(attr, value, at, low=256)
    if ram is not None and ram % 256:
        raise Invalid(attr, f"must be a multiple of 256, got {ram}", at=at)
    return ram


FIELDS: dict[str, Field] = {
    "name": Field("name", "rw", string),
    "cores": Field("cores", "rw", _cores, REQUIRED),
    "ram": Field("ram", "rw", _ram, REQUIRED),
    "availabilityZone": Field("availabilityZone", "rw", enum(("AUTO", "ZONE_1", "ZONE_2")), "AUTO"),
    "vmState": Field("vmState", "ro", string),
    "bootCdrom": Field("bootCdrom", "rw", ref_id),
    "bootVolume": Field("bootVolume", "rw", ref_id),
    "cpuFamily": Field("cpuFamily", "rw", enum(("AMD_OPTERON", "INTEL_XEON")), "AMD_OPTERON"),
}

# libcloud sends allowReboot with a cpuFamily change; the API accepted it.
_IGNORED = ("allowReboot",)


def _check_size(call: Call, props: dict[str, Any], at: str) -> None:
    limits = call.contract.limits
    cores, ram = props.get("cores"), props.get("ram")
    if cores is not None and cores > limits["coresPerServer"]:
        raise Invalid(
            "cores",
            f"exceeds the contract's resource limit coresPerServer={limits['coresPerServer']}, "
            f"got {cores}",
            at=at,
        )
    if ram is not None and ram > limits["ramPerServer"]:
        raise Invalid(
            "ram",
            f"exceeds the contract's resource limit ramPerServer={limits['ramPerServer']}, "
            f"got {ram}",
            at=at,
        )


def _cdrom(call: Call, location: str, image_id: str, ref: BodyRef, at: str) -> Image:
    image = resolve_image(call, ref, image_id, at)
    attr = ref.attr
    if image.props["imageType"] != "CDROM":
        raise Invalid(attr, f"must be a CD-ROM image, {image_id} is an HDD image", at=at)
    if image.props["location"] != location:
        raise Invalid(
            attr,
            f"must be in the data center's location {location}, {image_id} is in "
            f"{image.props['location']}",
            at=at,
        )
    return image


def _free_volume(
    call: Call, plan: Plan, volume_id: str, ref: BodyRef, at: str, server: Server | None = None
) -> Volume:
    volume = resolve_volume(call, ref, plan.dc, volume_id, at)
    if volume.server is not None and volume.server is not server:
        raise Invalid(ref.attr, f"volume {volume_id} is already attached to a server", at=at)
    return volume


def prepare(call: Call, plan: Plan, body: Any, root: str) -> Spec:
    """Validate a server create body located at ``root`` (with nested volumes and NICs)."""
    given, entities = split_body(body, root)
    at = root + ".properties"
    p = check_fields("server", FIELDS, given, at)
    if p.get("cores") is None:
        raise Invalid("cores", "is required", at=at)
    if p.get("ram") is None:
        raise Invalid("ram", "is required", at=at)
    _check_size(call, p, at)
    plan.demand.cores += p["cores"]
    plan.demand.ram += p["ram"]
    extra: dict[str, Any] = {"boot_volume": None, "boot_cdrom": None}
    if p.get("bootVolume") is not None and p.get("bootCdrom") is not None:
        raise Invalid(
            "bootVolume", "and 'bootCdrom' exclude each other: give one boot device", at=at
        )
    if p.get("bootVolume") is not None:
        volume = _free_volume(call, plan, p["bootVolume"], SERVER_BOOT_VOLUME, at)
        if volume.id in plan.claimed_volumes:
            raise Invalid("bootVolume", f"volume {volume.id} is claimed twice", at=at)
        plan.claimed_volumes.add(volume.id)
        extra["boot_volume"] = volume
    if p.get("bootCdrom") is not None:
        extra["boot_cdrom"] = _cdrom(call, plan.location, p["bootCdrom"], SERVER_BOOT_CDROM, at)
    items = entity_items(entities, ("volumes", "nics"), root)
    children: dict[str, list[Spec | str]] = {}
    if "volumes" in items:
        volumes: list[Spec | str] = []
        for index, item in enumerate(items["volumes"]):
            where = f"{root}.entities.volumes.items[{index}]"
            if "properties" not in item and "id" in item:
                volume_id = item["id"]
                if not isinstance(volume_id, str):
                    raise Invalid("id", "must be a volume id string", at=where)
                volume = _free_volume(call, plan, volume_id, SERVER_VOLUMES, where)
                already = extra["boot_volume"] is volume
                if volume.id in plan.claimed_volumes and not already:
                    raise Invalid("id", f"volume {volume_id} is claimed twice", at=where)
                plan.claimed_volumes.add(volume.id)
                volumes.append(volume.id)
            else:
                volumes.append(volume_rules.prepare(call, plan, item, where))
        children["volumes"] = volumes
    if "nics" in items:
        children["nics"] = [
            nic_rules.prepare(call, plan, item, f"{root}.entities.nics.items[{i}]")
            for i, item in enumerate(items["nics"])
        ]
    return Spec(p, children=children, extra=extra)


def _attach_cdrom_now(call: Call, server: Server, image: Image, request: Request) -> None:
    if image not in server.cdroms:
        server.cdroms = [*server.cdroms, image]


def build(call: Call, dc: Datacenter, spec: Spec, request: Request) -> EchoNode:
    """Create the server of ``spec`` in ``dc`` with its volumes and NICs."""
    p = spec.props
    sid = call.state.new_id()
    server = Server(
        id=sid,
        path=f"/datacenters/{dc.id}/servers/{sid}",
        props={
            "name": p.get("name"),
            "cores": p["cores"],
            "ram": p["ram"],
            "availabilityZone": p.get("availabilityZone"),
            "vmState": None,
            "bootCdrom": None,
            "bootVolume": None,
            "cpuFamily": p.get("cpuFamily"),
        },
        dc=dc,
        **call.new_resource_fields(),
    )
    dc.servers[sid] = server
    call.log.target(request, server)
    node = EchoNode(server)
    boot_volume: Volume | None = spec.extra["boot_volume"]
    boot_cdrom: Image | None = spec.extra["boot_cdrom"]
    if boot_volume is not None:
        server.boot_volume = boot_volume
        if boot_volume.server is None:
            volume_rules.attach(call, server, boot_volume, request)
    if boot_cdrom is not None:
        server.boot_cdrom = boot_cdrom
        _attach_cdrom_now(call, server, boot_cdrom, request)
    if "volumes" in spec.children:
        echoed: list[EchoNode] = []
        for child in spec.children["volumes"]:
            if isinstance(child, Spec):
                child_node = volume_rules.build(call, dc, child, request)
                volume_rules.attach(call, server, child_node.record, request)
                echoed.append(child_node)
            else:
                volume = dc.volumes[child]
                if volume.server is None:
                    volume_rules.attach(call, server, volume, request)
                echoed.append(EchoNode(volume, created=False))
        node.children["volumes"] = echoed
    if "nics" in spec.children:
        node.children["nics"] = [
            nic_rules.build(call, dc, server, child, request)
            for child in spec.children["nics"]
            if isinstance(child, Spec)
        ]
    call.log.on_done(request, _provision, server)
    return node


@effect("server.provision")
def _provision(state: State, server: Server) -> None:
    if server.gone:
        return
    props = server.props
    props["vmState"] = "RUNNING"
    props["availabilityZone"] = props["availabilityZone"] or "AUTO"
    props["cpuFamily"] = props["cpuFamily"] or "AMD_OPTERON"


def remove(server: Server) -> None:
    """Delete ``server``: NICs go with it, volumes stay (detached)."""
    for volume in list(server.volumes):
        volume_rules.detach(volume)
    for nic in list(server.nics.values()):
        nic_rules.remove(nic)
    dc = server.dc
    if dc is not None:
        dc.servers.pop(server.id, None)
    server.gone = True


@effect("server.delete")
def _delete(state: State, server: Server) -> None:
    remove(server)


# -- routes ----------------------------------------------------------------------------------


def list_servers(call: Call, dc_id: str) -> Result:
    """``GET /datacenters/{dc}/servers``."""
    dc = find_datacenter(call, dc_id)
    return listing(dc, "servers", dc.servers.values())


def get_server(call: Call, dc_id: str, srv_id: str) -> Result:
    """``GET /datacenters/{dc}/servers/{srv}``."""
    _, server = find_server(call, dc_id, srv_id)
    return Result(Record(server))


@creates
def create_server(call: Call, dc_id: str) -> Result:
    """``POST /datacenters/{dc}/servers``: one request for the server and what it carries."""
    dc = find_datacenter(call, dc_id)
    return create_in_datacenter(call, dc, prepare, lambda spec, req: build(call, dc, spec, req))


def update_server(call: Call, dc_id: str, srv_id: str) -> Result:
    """``PATCH /datacenters/{dc}/servers/{srv}``."""
    dc, server = find_server(call, dc_id, srv_id)
    need_edit(call, dc)
    given, at = patch_body(call.body.get())
    p = check_fields("server", FIELDS, given, at, current=server.props, ignore=_IGNORED)
    for name in ("cores", "ram"):
        if name in p and p[name] is None:
            raise Invalid(name, "cannot be removed", at=at)
    return _change(call, dc, server, p, at)


def replace_server(call: Call, dc_id: str, srv_id: str) -> Result:
    """``PUT /datacenters/{dc}/servers/{srv}``: every writable property; those left out take
    their defaults (no boot device, zone AUTO, CPU family AMD_OPTERON)."""
    dc, server = find_server(call, dc_id, srv_id)
    need_edit(call, dc)
    given, at = put_body(call.body.get())
    p = check_replacement("server", FIELDS, given, at, current=server.props, ignore=_IGNORED)
    return _change(call, dc, server, p, at)


def _change(call: Call, dc: Datacenter, server: Server, p: dict[str, Any], at: str) -> Result:
    current = dict(server.props)
    _check_size(call, p, at)
    demand = Demand(
        cores=max(0, p.get("cores", current["cores"]) - current["cores"]),
        ram=max(0, p.get("ram", current["ram"]) - current["ram"]),
    )
    check(call.contract, demand, at)
    if p.get("bootVolume") is not None and p.get("bootCdrom") is not None:
        raise Invalid(
            "bootVolume", "and 'bootCdrom' exclude each other: give one boot device", at=at
        )
    plan = Plan.for_datacenter(dc)
    boot_volume = (
        _free_volume(call, plan, p["bootVolume"], SERVER_BOOT_VOLUME, at, server)
        if p.get("bootVolume") is not None
        else None
    )
    location = str(dc.props["location"])
    boot_cdrom = (
        _cdrom(call, location, p["bootCdrom"], SERVER_BOOT_CDROM, at)
        if p.get("bootCdrom") is not None
        else None
    )
    request = call.open_request()
    for name in ("name", "cores", "ram", "availabilityZone", "cpuFamily"):
        if name in p and (p[name] is not None or name == "name"):
            server.props[name] = p[name]
    if "bootVolume" in p:
        if boot_volume is None:
            server.boot_volume = None
        else:
            if boot_volume.server is None:
                volume_rules.attach(call, server, boot_volume, request)
            server.boot_volume = boot_volume
            server.boot_cdrom = None
    if "bootCdrom" in p:
        if boot_cdrom is None:
            server.boot_cdrom = None
        else:
            _attach_cdrom_now(call, server, boot_cdrom, request)
            server.boot_cdrom = boot_cdrom
            server.boot_volume = None
    server.modified_by = call.user.email
    call.log.target(request, server)
    touch_datacenter(call, request, dc)
    return Result(Echo(server), request)


def delete_server(call: Call, dc_id: str, srv_id: str) -> Result:
    """``DELETE /datacenters/{dc}/servers/{srv}``: its volumes are detached, not deleted."""
    dc, server = find_server(call, dc_id, srv_id)
    need_edit(call, dc)
    request = call.open_request()
    call.log.target(request, server)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _delete, server)
    return Result(None, request)


def _power(call: Call, dc_id: str, srv_id: str, vm_state: str, state: str) -> Result:
    dc, server = find_server(call, dc_id, srv_id)
    need_edit(call, dc)
    request = call.open_request()
    call.log.target(request, server)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _switch, server, vm_state, state)
    return Result(None, request)


@effect("server.power")
def _switch(state: State, server: Server, vm_state: str, resting: str) -> None:
    if not server.gone:
        server.props["vmState"] = vm_state
        server.state = resting


def start_server(call: Call, dc_id: str, srv_id: str) -> Result:
    """``POST …/servers/{srv}/start``: RUNNING once done (the body is ignored)."""
    return _power(call, dc_id, srv_id, "RUNNING", "AVAILABLE")


def stop_server(call: Call, dc_id: str, srv_id: str) -> Result:
    """``POST …/servers/{srv}/stop``: SHUTOFF and INACTIVE once done."""
    return _power(call, dc_id, srv_id, "SHUTOFF", "INACTIVE")


def reboot_server(call: Call, dc_id: str, srv_id: str) -> Result:
    """``POST …/servers/{srv}/reboot``: RUNNING once done."""
    return _power(call, dc_id, srv_id, "RUNNING", "AVAILABLE")


# -- attached volumes -------------------------------------------------------------------------


def list_attached_volumes(call: Call, dc_id: str, srv_id: str) -> Result:
    """``GET …/servers/{srv}/volumes``: items carry the volumes' canonical hrefs."""
    _, server = find_server(call, dc_id, srv_id)
    return listing(server, "volumes", server.volumes)


def get_attached_volume(call: Call, dc_id: str, srv_id: str, volume_id: str) -> Result:
    """``GET …/servers/{srv}/volumes/{vol}``."""
    _, server = find_server(call, dc_id, srv_id)
    return Result(Record(member(server.volumes, volume_id)))


def attach_volume(call: Call, dc_id: str, srv_id: str) -> Result:
    """``POST …/servers/{srv}/volumes`` with ``{"id": vol}``: the volume as it was."""
    dc, server = find_server(call, dc_id, srv_id)
    need_edit(call, dc)
    volume_id = id_body(call.body.get())
    volume = resolve_volume(call, ATTACHED_VOLUME, dc, volume_id, "(root)")
    if volume.server is not None and volume.server is not server:
        raise Invalid("id", f"volume {volume_id} is attached to another server", at="(root)")
    request = call.open_request()
    call.log.target(request, volume)
    # The volume as it is now: BUSY like every 202 echo, bus still null (WIRE.md 5.2, 7).
    shown = Echo(volume, entities=True)
    if volume.server is None:
        volume_rules.attach(call, server, volume, request)
    else:
        # Attaching what is attached already is accepted like any request (WIRE.md 12); if a
        # detach of it is still queued, the volume is attached again after that.
        call.log.on_done(request, _reattach_volume, server, volume)
    call.log.target(request, server, listed=False)
    touch_datacenter(call, request, dc)
    return Result(shown, request)


def detach_volume(call: Call, dc_id: str, srv_id: str, volume_id: str) -> Result:
    """``DELETE …/servers/{srv}/volumes/{vol}``: detached (not deleted) once done."""
    dc, server = find_server(call, dc_id, srv_id)
    need_edit(call, dc)
    volume = member(server.volumes, volume_id)
    request = call.open_request()
    call.log.target(request, volume)
    call.log.target(request, server, listed=False)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _detach_volume, server, volume)
    return Result(None, request)


@effect("server.reattach-volume")
def _reattach_volume(state: State, server: Server, volume: Volume) -> None:
    if volume.server is None and not volume.gone and not server.gone:
        volume_rules.connect(server, volume)


@effect("server.detach-volume")
def _detach_volume(state: State, server: Server, volume: Volume) -> None:
    if volume.server is server:
        volume_rules.detach(volume)


# -- CD-ROMs ----------------------------------------------------------------------------------


def list_attached_cdroms(call: Call, dc_id: str, srv_id: str) -> Result:
    """``GET …/servers/{srv}/cdroms``: items are images."""
    _, server = find_server(call, dc_id, srv_id)
    return listing(server, "cdroms", server.cdroms)


def get_attached_cdrom(call: Call, dc_id: str, srv_id: str, image_id: str) -> Result:
    """``GET …/servers/{srv}/cdroms/{img}``."""
    _, server = find_server(call, dc_id, srv_id)
    return Result(Record(member(server.cdroms, image_id)))


def attach_cdrom(call: Call, dc_id: str, srv_id: str) -> Result:
    """``POST …/servers/{srv}/cdroms`` with ``{"id": image}``: a CD-ROM image of the location."""
    dc, server = find_server(call, dc_id, srv_id)
    need_edit(call, dc)
    image_id = id_body(call.body.get())
    image = _cdrom(call, str(dc.props["location"]), image_id, ATTACHED_CDROM, "(root)")
    request = call.open_request()
    # Every 202 reply shows its resource BUSY; the shared public image itself stays AVAILABLE
    # for everybody else, so only this reply says so.
    shown = Echo(image, entities=True, busy=True)
    # A CD-ROM attached already is accepted like any request (WIRE.md 12); if a detach of it
    # is still queued, it is attached again after that.
    _attach_cdrom_now(call, server, image, request)
    call.log.on_done(request, _reattach_cdrom, server, image)
    call.log.target(request, server)
    touch_datacenter(call, request, dc)
    return Result(shown, request)


@effect("server.reattach-cdrom")
def _reattach_cdrom(state: State, server: Server, image: Image) -> None:
    if not server.gone and not image.gone and image not in server.cdroms:
        server.cdroms = [*server.cdroms, image]


def detach_cdrom(call: Call, dc_id: str, srv_id: str, image_id: str) -> Result:
    """``DELETE …/servers/{srv}/cdroms/{img}``: gone once done."""
    dc, server = find_server(call, dc_id, srv_id)
    need_edit(call, dc)
    image = member(server.cdroms, image_id)
    request = call.open_request()
    call.log.target(request, server)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _detach_cdrom, server, image)
    return Result(None, request)


@effect("server.detach-cdrom")
def _detach_cdrom(state: State, server: Server, image: Image) -> None:
    server.cdroms = [i for i in server.cdroms if i is not image]
    if server.boot_cdrom is image:
        server.boot_cdrom = None
