"""The exact wire request of every operation: verb, path, query, body and content type.

Every test runs for the blocking client and for the asyncio one (behind a blocking bridge).

One row per call; a recording transport captures what the SDK sends. JSON bodies are compared
as parsed JSON (and must be compact), form bodies as text. The rows also pin the wire types we
chose (JSON booleans and integers, ``{"id": ...}`` boot devices), see ``profitbricks._payload``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from profitbricks._operations import OPERATIONS
from profitbricks.client import (
    LAN,
    NIC,
    Datacenter,
    FirewallRule,
    Group,
    IPBlock,
    LoadBalancer,
    ProfitBricksService,
    Server,
    User,
    Volume,
)

from ..bridge import blocking
from .recording import REQUEST_ID, RecordingTransport

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
NO_BODY = object()

DC, SRV, VOL, NICID, FW, LB = "dc-1", "srv-1", "vol-1", "nic-1", "fw-1", "lb-1"
IMG, SNAP, IPB, GRP, USR, RES, REQ = "img-1", "snap-1", "ipb-1", "grp-1", "usr-1", "res-1", "req-1"
D = f"/datacenters/{DC}"
S = f"{D}/servers/{SRV}"
N = f"{S}/nics/{NICID}"
L = f"{D}/loadbalancers/{LB}"
G = f"/um/groups/{GRP}"

Call = Callable[[ProfitBricksService], Any]


def row(
    op: str,
    call: Call,
    method: str,
    path: str,
    query: dict[str, Any] | None = None,
    body: Any = NO_BODY,
    content_type: str | None = None,
    *,
    id: str | None = None,
) -> Any:
    if content_type is None and isinstance(body, dict):
        content_type = JSON
    return pytest.param(op, call, method, path, query, body, content_type, id=id or op)


def depth(n: int) -> dict[str, Any]:
    return {"depth": n}


ROWS = [
    # Contract, data centres, locations
    row("list_contracts", lambda c: c.list_contracts(), "GET", "/contracts", depth(1)),
    row("list_datacenters", lambda c: c.list_datacenters(depth=3), "GET", "/datacenters", depth(3)),
    row("get_datacenter", lambda c: c.get_datacenter(DC), "GET", D, depth(1)),
    row(
        "create_datacenter",
        lambda c: c.create_datacenter(Datacenter(name="Web", location="de/fra")),
        "POST",
        "/datacenters",
        body={"properties": {"name": "Web", "location": "de/fra"}},
    ),
    row(
        "update_datacenter",
        lambda c: c.update_datacenter(DC, name="New", description="Desc"),
        "PATCH",
        D,
        body={"name": "New", "description": "Desc"},
    ),
    row("delete_datacenter", lambda c: c.delete_datacenter(DC), "DELETE", D),
    row("list_locations", lambda c: c.list_locations(), "GET", "/locations", depth(0)),
    row("get_location", lambda c: c.get_location("us/las"), "GET", "/locations/us/las", depth(0)),
    # Servers
    row("list_servers", lambda c: c.list_servers(DC), "GET", f"{D}/servers", depth(1)),
    row("get_server", lambda c: c.get_server(DC, SRV, depth=2), "GET", S, depth(2)),
    row(
        "create_server",
        lambda c: c.create_server(
            DC,
            Server(
                name="web",
                cores=2,
                ram=2048,
                availability_zone="ZONE_1",
                boot_cdrom=IMG,
                cpu_family="INTEL_XEON",
                create_volumes=[Volume(name="os", size=10, image_alias="ubuntu:latest")],
                attach_volumes=[VOL],
                nics=[NIC(name="eth0", lan="1", dhcp="true")],
            ),
        ),
        "POST",
        f"{D}/servers",
        body={
            "properties": {
                "name": "web",
                "cores": 2,
                "ram": 2048,
                "availabilityZone": "ZONE_1",
                "bootCdrom": {"id": IMG},
                "cpuFamily": "INTEL_XEON",
            },
            "entities": {
                "volumes": {
                    "items": [
                        {
                            "properties": {
                                "name": "os",
                                "size": 10,
                                "bus": "VIRTIO",
                                "imageAlias": "ubuntu:latest",
                                "type": "HDD",
                                "availabilityZone": "AUTO",
                            }
                        },
                        {"id": VOL},
                    ]
                },
                "nics": {"items": [{"properties": {"name": "eth0", "dhcp": True, "lan": 1}}]},
            },
        },
    ),
    row(
        "update_server",
        lambda c: c.update_server(DC, SRV, name="n", cores=4, ram=4096, boot_volume_id=VOL),
        "PATCH",
        S,
        body={"name": "n", "cores": 4, "ram": 4096, "bootVolume": {"id": VOL}},
    ),
    row(
        "update_server",
        lambda c: c.update_server(DC, SRV, boot_cdrom=IMG, allow_reboot=True),
        "PATCH",
        S,
        body={"bootCdrom": {"id": IMG}, "allowReboot": True},
        id="update_server-cdrom-extra-keyword",
    ),
    row(
        "update_server",
        lambda c: c.update_server(DC, SRV, boot_volume=VOL),
        "PATCH",
        S,
        body={"bootVolume": {"id": VOL}},
        id="update_server-boot_volume-alias",
    ),
    row("delete_server", lambda c: c.delete_server(DC, SRV), "DELETE", S),
    row(
        "get_attached_volumes",
        lambda c: c.get_attached_volumes(DC, SRV),
        "GET",
        f"{S}/volumes",
        depth(1),
    ),
    row(
        "get_attached_volume",
        lambda c: c.get_attached_volume(DC, SRV, VOL),
        "GET",
        f"{S}/volumes/{VOL}",
    ),
    row(
        "attach_volume",
        lambda c: c.attach_volume(DC, SRV, VOL),
        "POST",
        f"{S}/volumes",
        body={"id": VOL},
    ),
    row("detach_volume", lambda c: c.detach_volume(DC, SRV, VOL), "DELETE", f"{S}/volumes/{VOL}"),
    row(
        "get_attached_cdroms",
        lambda c: c.get_attached_cdroms(DC, SRV),
        "GET",
        f"{S}/cdroms",
        depth(1),
    ),
    row(
        "get_attached_cdrom",
        lambda c: c.get_attached_cdrom(DC, SRV, IMG),
        "GET",
        f"{S}/cdroms/{IMG}",
    ),
    row(
        "attach_cdrom",
        lambda c: c.attach_cdrom(DC, SRV, IMG),
        "POST",
        f"{S}/cdroms",
        body={"id": IMG},
    ),
    row("detach_cdrom", lambda c: c.detach_cdrom(DC, SRV, IMG), "DELETE", f"{S}/cdroms/{IMG}"),
    row(
        "reboot_server", lambda c: c.reboot_server(DC, SRV), "POST", f"{S}/reboot", None, b"", FORM
    ),
    row("start_server", lambda c: c.start_server(DC, SRV), "POST", f"{S}/start", None, b"", FORM),
    row("stop_server", lambda c: c.stop_server(DC, SRV), "POST", f"{S}/stop", None, b"", FORM),
    # Images
    row("list_images", lambda c: c.list_images(), "GET", "/images", depth(1)),
    row("get_image", lambda c: c.get_image(IMG), "GET", f"/images/{IMG}"),
    row(
        "update_image",
        lambda c: c.update_image(
            IMG, name="i", licence_type="LINUX", cpu_hot_plug=True, disc_scsi_hot_unplug=False
        ),
        "PATCH",
        f"/images/{IMG}",
        body={"name": "i", "licenceType": "LINUX", "cpuHotPlug": True, "discScsiHotUnplug": False},
    ),
    row("delete_image", lambda c: c.delete_image(IMG), "DELETE", f"/images/{IMG}"),
    # Volumes and volume snapshots
    row("list_volumes", lambda c: c.list_volumes(DC), "GET", f"{D}/volumes", depth(1)),
    row("get_volume", lambda c: c.get_volume(DC, VOL), "GET", f"{D}/volumes/{VOL}"),
    row(
        "create_volume",
        lambda c: c.create_volume(
            DC,
            Volume(
                name="data",
                size="20",
                type="SSD",
                license_type="LINUX",
                ssh_keys=("ssh-rsa AAAA",),
            ),
        ),
        "POST",
        f"{D}/volumes",
        body={
            "properties": {
                "name": "data",
                "size": 20,
                "bus": "VIRTIO",
                "type": "SSD",
                "licenceType": "LINUX",
                "sshKeys": ["ssh-rsa AAAA"],
                "availabilityZone": "AUTO",
            }
        },
    ),
    row(
        "create_volume",
        lambda c: c.create_volume(
            DC, Volume(name="os", size=20, image=IMG, image_password="s3cr3tpass0rd")
        ),
        "POST",
        f"{D}/volumes",
        body={
            "properties": {
                "name": "os",
                "size": 20,
                "bus": "VIRTIO",
                "image": IMG,
                "type": "HDD",
                "imagePassword": "s3cr3tpass0rd",
                "availabilityZone": "AUTO",
            }
        },
        id="create_volume-from-image-no-licence",
    ),
    row(
        "update_volume",
        lambda c: c.update_volume(DC, VOL, size=30, name="bigger", license_type="OTHER"),
        "PATCH",
        f"{D}/volumes/{VOL}",
        body={"size": 30, "name": "bigger", "licenceType": "OTHER"},
    ),
    row("delete_volume", lambda c: c.delete_volume(DC, VOL), "DELETE", f"{D}/volumes/{VOL}"),
    row(
        "create_snapshot",
        lambda c: c.create_snapshot(DC, VOL, name="Snap 1", description="nightly & safe"),
        "POST",
        f"{D}/volumes/{VOL}/create-snapshot",
        None,
        b"name=Snap+1&description=nightly+%26+safe",
        FORM,
    ),
    row(
        "create_snapshot",
        lambda c: c.create_snapshot(DC, VOL),
        "POST",
        f"{D}/volumes/{VOL}/create-snapshot",
        None,
        b"",
        FORM,
        id="create_snapshot-defaults-omitted",
    ),
    row(
        "restore_snapshot",
        lambda c: c.restore_snapshot(DC, VOL, SNAP),
        "POST",
        f"{D}/volumes/{VOL}/restore-snapshot",
        None,
        f"snapshotId={SNAP}".encode(),
        FORM,
    ),
    # Snapshots
    row("list_snapshots", lambda c: c.list_snapshots(), "GET", "/snapshots", depth(1)),
    row("get_snapshot", lambda c: c.get_snapshot(SNAP), "GET", f"/snapshots/{SNAP}"),
    row(
        "update_snapshot",
        lambda c: c.update_snapshot(SNAP, name="s", description="d", ram_hot_plug=True),
        "PATCH",
        f"/snapshots/{SNAP}",
        body={"name": "s", "description": "d", "ramHotPlug": True},
    ),
    row("delete_snapshot", lambda c: c.delete_snapshot(SNAP), "DELETE", f"/snapshots/{SNAP}"),
    row(
        "delete_snapshot",
        lambda c: c.remove_snapshot(SNAP),
        "DELETE",
        f"/snapshots/{SNAP}",
        id="remove_snapshot",
    ),
    # IP blocks
    row("list_ipblocks", lambda c: c.list_ipblocks(), "GET", "/ipblocks", depth(1)),
    row("get_ipblock", lambda c: c.get_ipblock(IPB), "GET", f"/ipblocks/{IPB}"),
    row(
        "reserve_ipblock",
        lambda c: c.reserve_ipblock(IPBlock(name="b", location="us/ewr", size="2")),
        "POST",
        "/ipblocks",
        body={"properties": {"name": "b", "location": "us/ewr", "size": 2}},
    ),
    row(
        "reserve_ipblock",
        lambda c: c.reserve_ipblock(IPBlock(location="us/las", size=5)),
        "POST",
        "/ipblocks",
        body={"properties": {"name": None, "location": "us/las", "size": 5}},
        id="reserve_ipblock-unnamed",
    ),
    row("delete_ipblock", lambda c: c.delete_ipblock(IPB), "DELETE", f"/ipblocks/{IPB}"),
    # LANs
    row("list_lans", lambda c: c.list_lans(DC), "GET", f"{D}/lans", depth(1)),
    row(
        "create_lan",
        lambda c: c.create_lan(DC, LAN(name="Public", public=True, nics=[NICID])),
        "POST",
        f"{D}/lans",
        body={
            "properties": {"name": "Public", "public": True},
            "entities": {"nics": {"items": [{"id": NICID}]}},
        },
    ),
    row(
        "create_lan",
        lambda c: c.create_lan(DC, LAN(public="false")),
        "POST",
        f"{D}/lans",
        body={"properties": {"name": None, "public": False}},
        id="create_lan-string-boolean",
    ),
    row("get_lan", lambda c: c.get_lan(DC, 1), "GET", f"{D}/lans/1", depth(1)),
    row(
        "get_lan_members", lambda c: c.get_lan_members(DC, "2"), "GET", f"{D}/lans/2/nics", depth(1)
    ),
    row(
        "update_lan",
        lambda c: c.update_lan(
            DC,
            1,
            name="Public LAN",
            public=False,
            ip_failover=[{"ip": "1.2.3.4", "nicUuid": NICID}],
        ),
        "PATCH",
        f"{D}/lans/1",
        body={
            "name": "Public LAN",
            "public": False,
            "ipFailover": [{"ip": "1.2.3.4", "nicUuid": NICID}],
        },
    ),
    row(
        "update_lan",
        lambda c: c.update_lan(DC, "2", "", False, []),
        "PATCH",
        f"{D}/lans/2",
        body={"public": False},
        id="update_lan-empty-name-and-failover-left-out",
    ),
    row("delete_lan", lambda c: c.delete_lan(DC, 3), "DELETE", f"{D}/lans/3"),
    # NICs
    row("list_nics", lambda c: c.list_nics(DC, SRV), "GET", f"{S}/nics", depth(1)),
    row("get_nic", lambda c: c.get_nic(DC, SRV, NICID), "GET", N, depth(1)),
    row(
        "create_nic",
        lambda c: c.create_nic(
            DC,
            SRV,
            NIC(
                name="eth1",
                ips=["10.0.0.5"],
                dhcp=False,
                lan=2,
                firewall_active=True,
                nat=True,
                firewall_rules=[FirewallRule(protocol="ICMP", icmp_type="8", icmp_code=0)],
            ),
        ),
        "POST",
        f"{S}/nics",
        body={
            "properties": {
                "name": "eth1",
                "ips": ["10.0.0.5"],
                "dhcp": False,
                "lan": 2,
                "firewallActive": True,
                "nat": True,
            },
            "entities": {
                "firewallrules": {
                    "items": [{"properties": {"protocol": "ICMP", "icmpType": 8, "icmpCode": 0}}]
                }
            },
        },
    ),
    row(
        "update_nic",
        lambda c: c.update_nic(DC, SRV, NICID, name="n", lan="3", dhcp=True, ips=("10.0.0.9",)),
        "PATCH",
        N,
        body={"name": "n", "ips": ["10.0.0.9"], "dhcp": True, "lan": 3},
    ),
    row("delete_nic", lambda c: c.delete_nic(DC, SRV, NICID), "DELETE", N),
    # Firewall rules
    row(
        "get_firewall_rules",
        lambda c: c.get_firewall_rules(DC, SRV, NICID),
        "GET",
        f"{N}/firewallrules",
        depth(1),
    ),
    row(
        "get_firewall_rule",
        lambda c: c.get_firewall_rule(
            datacenter_id=DC, loadbalancer_id=SRV, nic_id=NICID, firewall_rule_id=FW
        ),
        "GET",
        f"{N}/firewallrules/{FW}",
    ),
    row(
        "create_firewall_rule",
        lambda c: c.create_firewall_rule(
            datacenter_id=DC,
            loadbalancer_id=SRV,
            nic_id=NICID,
            firewall_rule=FirewallRule(
                name="Allow SSH",
                protocol="TCP",
                source_mac="01:23:45:67:89:00",
                port_range_start=22,
                port_range_end=22,
            ),
        ),
        "POST",
        f"{N}/firewallrules",
        body={
            "properties": {
                "name": "Allow SSH",
                "protocol": "TCP",
                "sourceMac": "01:23:45:67:89:00",
                "portRangeStart": 22,
                "portRangeEnd": 22,
            }
        },
    ),
    row(
        "create_firewall_rule",
        lambda c: c.create_firewall_rule(DC, SRV, NICID, FirewallRule(protocol="ANY")),
        "POST",
        f"{N}/firewallrules",
        body={"properties": {"name": None, "protocol": "ANY"}},
        id="create_firewall_rule-unnamed",
    ),
    row(
        "update_firewall_rule",
        lambda c: c.update_firewall_rule(
            DC,
            SRV,
            NICID,
            FW,
            name="r",
            source_ip="10.1.1.1",
            target_ip="10.1.1.2",
            port_range_start="80",
            port_range_end=81,
            icmp_type=None,
        ),
        "PATCH",
        f"{N}/firewallrules/{FW}",
        body={
            "name": "r",
            "sourceIp": "10.1.1.1",
            "targetIp": "10.1.1.2",
            "portRangeStart": 80,
            "portRangeEnd": 81,
        },
    ),
    row(
        "delete_firewall_rule",
        lambda c: c.delete_firewall_rule(DC, SRV, NICID, FW),
        "DELETE",
        f"{N}/firewallrules/{FW}",
    ),
    # Load balancers
    row(
        "list_loadbalancers",
        lambda c: c.list_loadbalancers(DC),
        "GET",
        f"{D}/loadbalancers",
        depth(1),
    ),
    row("get_loadbalancer", lambda c: c.get_loadbalancer(DC, LB), "GET", L),
    row(
        "create_loadbalancer",
        lambda c: c.create_loadbalancer(
            DC, LoadBalancer(name="lb", ip="10.2.0.1", dhcp="true", balancednics=[NICID])
        ),
        "POST",
        f"{D}/loadbalancers",
        body={
            "properties": {"name": "lb", "ip": "10.2.0.1", "dhcp": True},
            "entities": {"balancednics": {"items": [{"id": NICID}]}},
        },
    ),
    row(
        "create_loadbalancer",
        lambda c: c.create_loadbalancer(DC, LoadBalancer()),
        "POST",
        f"{D}/loadbalancers",
        body={"properties": {}},
        id="create_loadbalancer-empty",
    ),
    row(
        "update_loadbalancer",
        lambda c: c.update_loadbalancer(DC, LB, name="lb2", ip="10.2.0.2", dhcp=False),
        "PATCH",
        L,
        body={"name": "lb2", "ip": "10.2.0.2", "dhcp": False},
    ),
    row(
        "delete_loadbalancer",
        lambda c: c.delete_loadbalancer(datacenter_id=DC, load_balancer_id=LB),
        "DELETE",
        L,
    ),
    row(
        "get_loadbalancer_members",
        lambda c: c.get_loadbalancer_members(DC, LB),
        "GET",
        f"{L}/balancednics",
        depth(1),
    ),
    row(
        "get_loadbalanced_nic",
        lambda c: c.get_loadbalanced_nic(DC, LB, NICID),
        "GET",
        f"{L}/balancednics/{NICID}",
        depth(1),
    ),
    row(
        "add_loadbalanced_nics",
        lambda c: c.add_loadbalanced_nics(DC, LB, NICID),
        "POST",
        f"{L}/balancednics",
        body={"id": NICID},
    ),
    row(
        "remove_loadbalanced_nic",
        lambda c: c.remove_loadbalanced_nic(DC, LB, NICID),
        "DELETE",
        f"{L}/balancednics/{NICID}",
    ),
    # User management
    row("list_groups", lambda c: c.list_groups(), "GET", "/um/groups", depth(1)),
    row("get_group", lambda c: c.get_group(GRP), "GET", G, depth(1)),
    row(
        "create_group",
        lambda c: c.create_group(
            Group(name="ops", create_datacenter=True, create_snapshot=False, reserve_ip=True)
        ),
        "POST",
        "/um/groups",
        body={"properties": {"name": "ops", "createDataCenter": True, "reserveIp": True}},
    ),
    row(
        "update_group",
        lambda c: c.update_group(
            GRP, name="ops", create_datacenter=False, access_activity_log=True
        ),
        "PUT",
        G,
        body={"properties": {"name": "ops", "createDataCenter": False, "accessActivityLog": True}},
    ),
    row("delete_group", lambda c: c.delete_group(GRP), "DELETE", G),
    row("list_shares", lambda c: c.list_shares(GRP), "GET", f"{G}/shares", depth(1)),
    row("get_share", lambda c: c.get_share(GRP, RES), "GET", f"{G}/shares/{RES}", depth(1)),
    row(
        "add_share",
        lambda c: c.add_share(GRP, RES, edit_privilege=True, share_privilege=False),
        "POST",
        f"{G}/shares/{RES}",
        body={"properties": {"editPrivilege": True, "sharePrivilege": False}},
    ),
    row(
        "update_share",
        lambda c: c.update_share(GRP, RES, share_privilege=True),
        "PUT",
        f"{G}/shares/{RES}",
        body={"properties": {"sharePrivilege": True}},
    ),
    row("delete_share", lambda c: c.delete_share(GRP, RES), "DELETE", f"{G}/shares/{RES}"),
    row("list_users", lambda c: c.list_users(), "GET", "/um/users", depth(1)),
    row("get_user", lambda c: c.get_user(USR), "GET", f"/um/users/{USR}", depth(1)),
    row(
        "create_user",
        lambda c: c.create_user(
            User(
                firstname="John",
                lastname="Doe",
                email="john@example.com",
                password="secretpassword123",
                administrator=True,
                force_sec_auth=False,
            )
        ),
        "POST",
        "/um/users",
        body={
            "properties": {
                "firstname": "John",
                "lastname": "Doe",
                "email": "john@example.com",
                "password": "secretpassword123",
                "administrator": True,
            }
        },
    ),
    row(
        "update_user",
        lambda c: c.update_user(
            USR,
            firstname="J",
            lastname="D",
            email="j@example.com",
            administrator=False,
            force_sec_auth=True,
        ),
        "PUT",
        f"/um/users/{USR}",
        body={
            "properties": {
                "firstname": "J",
                "lastname": "D",
                "email": "j@example.com",
                "administrator": False,
                "forceSecAuth": True,
            }
        },
    ),
    row("delete_user", lambda c: c.delete_user(USR), "DELETE", f"/um/users/{USR}"),
    row("list_group_users", lambda c: c.list_group_users(GRP), "GET", f"{G}/users", depth(1)),
    row(
        "add_group_user",
        lambda c: c.add_group_user(GRP, USR),
        "POST",
        f"{G}/users",
        body={"id": USR},
    ),
    row(
        "remove_group_user",
        lambda c: c.remove_group_user(GRP, USR),
        "DELETE",
        f"{G}/users/{USR}",
    ),
    row("list_resources", lambda c: c.list_resources(), "GET", "/um/resources", depth(1)),
    row(
        "list_resources_of_type",
        lambda c: c.list_resources(resource_type="snapshot", depth=2),
        "GET",
        "/um/resources/snapshot",
        depth(2),
    ),
    row(
        "get_resource",
        lambda c: c.get_resource("datacenter", DC),
        "GET",
        f"/um/resources/datacenter/{DC}",
        depth(1),
    ),
    # Requests
    row("list_requests", lambda c: c.list_requests(), "GET", "/requests", depth(1)),
    row("get_request", lambda c: c.get_request(REQ), "GET", f"/requests/{REQ}"),
    row(
        "get_request_status",
        lambda c: c.get_request(request_id=REQ, status=True),
        "GET",
        f"/requests/{REQ}/status",
    ),
    # Path quoting: ids are percent-quoted, a location keeps its slash.
    row(
        "get_server",
        lambda c: c.get_server("a:b;c", "\u00fc=@x", depth=0),
        "GET",
        "/datacenters/a%3Ab%3Bc/servers/%C3%BC%3D%40x",
        depth(0),
        id="get_server-quoted-ids",
    ),
    row(
        "get_location",
        lambda c: c.get_location("de/fkb", depth=1),
        "GET",
        "/locations/de/fkb",
        depth(1),
        id="get_location-depth",
    ),
]


@pytest.fixture
def transport() -> RecordingTransport:
    return RecordingTransport(accepted_data={"id": "new", "type": "thing"})


Make = Callable[[RecordingTransport], Any]


@pytest.fixture(params=["sync", "async"])
def make(request: pytest.FixtureRequest) -> Iterator[Make]:
    """Builds the blocking client, or the asyncio one behind a blocking bridge (same rows)."""
    if request.param == "sync":
        yield lambda transport: ProfitBricksService(transport=transport)
        return
    with contextlib.ExitStack() as stack:
        yield lambda transport: stack.enter_context(blocking(transport=transport))


@pytest.fixture
def client(make: Make, transport: RecordingTransport) -> Any:
    return make(transport)


@pytest.mark.parametrize(("op", "call", "method", "path", "query", "body", "content_type"), ROWS)
def test_wire_request(
    client: Any,
    transport: RecordingTransport,
    op: str,
    call: Call,
    method: str,
    path: str,
    query: dict[str, Any] | None,
    body: Any,
    content_type: str | None,
) -> None:
    assert OPERATIONS[op].method == method
    call(client)
    assert len(transport.calls) == 1
    sent = transport.last
    assert (sent.method, sent.path, sent.query) == (method, path, query)
    assert sent.content_type == content_type
    if body is NO_BODY:
        assert sent.body is None
    elif isinstance(body, dict):
        assert sent.body is not None
        assert json.loads(sent.body) == body
        assert sent.body == json.dumps(json.loads(sent.body), separators=(",", ":")).encode()
    else:
        assert sent.body == body


def test_every_operation_has_a_row() -> None:
    covered = {param.values[0] for param in ROWS}
    assert covered == set(OPERATIONS)


def test_every_public_method_has_a_row() -> None:
    rows = {str(param.id).split("-")[0] for param in ROWS}
    # Covered by their own tests below.
    helpers = {"get_datacenter_by_name", "wait_for_completion", "wait_for_requests", "bulk"}
    methods = {
        name
        for name in dir(ProfitBricksService)
        if not name.startswith("_") and name not in ("close", "pipeline", "transport")
    }
    assert methods - helpers == rows - {"list_resources_of_type", "get_request_status"}


@pytest.mark.parametrize(("op", "call", "method", "path", "query", "body", "content_type"), ROWS)
def test_return_value(
    client: Any,
    transport: RecordingTransport,
    op: str,
    call: Call,
    method: str,
    path: str,
    query: Any,
    body: Any,
    content_type: Any,
) -> None:
    result = call(client)
    assert isinstance(result, dict)
    if method == "GET":
        assert result == {"id": "x", "type": "thing"}
    else:
        assert result == {"id": "new", "type": "thing", "requestId": REQUEST_ID}


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.delete_datacenter(DC),
        lambda c: c.detach_volume(DC, SRV, VOL),
        lambda c: c.start_server(DC, SRV),
        lambda c: c.stop_server(DC, SRV),
        lambda c: c.reboot_server(DC, SRV),
        lambda c: c.restore_snapshot(DC, VOL, SNAP),
        lambda c: c.remove_group_user(GRP, USR),
    ],
)
def test_bodiless_accepted_reply_is_a_truthy_request_dict(make: Make, call: Call) -> None:
    client = make(RecordingTransport(accepted_data=None))
    result = call(client)
    assert result == {"requestId": REQUEST_ID}
    assert result


def test_get_datacenter_by_name_lists_then_matches(make: Make) -> None:
    items = [
        {"id": "1", "properties": {"name": "Production"}},
        {"id": "2", "properties": {"name": "production-eu"}},
        {"id": "3", "properties": {"name": "Staging"}},
    ]
    transport = RecordingTransport(get_data={"id": "datacenters", "items": items})
    client = make(transport)
    assert client.get_datacenter_by_name("Production")["id"] == "1"
    assert client.get_datacenter_by_name("stag", depth=2)["id"] == "3"
    assert [(c.method, c.path, c.query) for c in transport.calls] == [
        ("GET", "/datacenters", {"depth": 1}),
        ("GET", "/datacenters", {"depth": 2}),
    ]
    assert client.get_datacenter_by_name("prod")["id"] == "2"
    assert client.get_datacenter_by_name("PRODUCTION")["id"] == "1"
    with pytest.raises(NameError, match="2 data centres"):
        client.get_datacenter_by_name("roduction")
    with pytest.raises(NameError):
        client.get_datacenter_by_name("qa")


def test_get_resource_without_type_looks_the_type_up(make: Make) -> None:
    items = [{"id": "snap-9", "type": "snapshot", "href": "h"}]
    transport = RecordingTransport(get_data={"id": "resources", "items": items})
    client = make(transport)
    client.get_resource(resource_id="snap-9")
    assert [(c.path, c.query) for c in transport.calls] == [
        ("/um/resources", {"depth": 0}),
        ("/um/resources/snapshot/snap-9", {"depth": 1}),
    ]


def test_wait_for_completion_polls_the_request_status(make: Make) -> None:
    transport = RecordingTransport(
        get_data={"id": f"{REQUEST_ID}/status", "metadata": {"status": "DONE"}}
    )
    client = make(transport)
    response = client.delete_server(DC, SRV)
    final = client.wait_for_completion(response)
    assert final is not None
    assert final["metadata"]["status"] == "DONE"
    assert (transport.last.method, transport.last.path, transport.last.query) == (
        "GET",
        f"/requests/{REQUEST_ID}/status",
        None,
    )
    assert client.wait_for_completion(None) is None
