"""One of every resource, made with the SDK, so that every command has ids to work on."""

from __future__ import annotations

from typing import Any

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


def _made(client: ProfitBricksService, reply: Any) -> str:
    client.wait_for_completion(reply)
    return str(reply["id"])


def _cdroms(client: ProfitBricksService, location: str) -> list[str]:
    return [
        image["id"]
        for image in client.list_images()["items"]
        if image["properties"]["imageType"] == "CDROM"
        and image["properties"]["location"] == location
    ]


def build_world(emulator: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ids by SDK argument name, and a second set of ids not yet linked (for add and attach)."""
    c = emulator.client
    dc = _made(c, c.create_datacenter(Datacenter(name="world", location="us/las")))
    dc2 = _made(c, c.create_datacenter(Datacenter(name="other", location="us/las")))
    server = _made(c, c.create_server(dc, Server(name="app", cores=1, ram=1024)))
    lan = _made(c, c.create_lan(dc, LAN(name="lan", public=False)))
    nic = _made(c, c.create_nic(dc, server, NIC(name="eth0", lan=int(lan), dhcp=True)))
    nic2 = _made(c, c.create_nic(dc, server, NIC(name="eth1", lan=int(lan), dhcp=True)))
    rule = _made(
        c, c.create_firewall_rule(dc, server, nic, FirewallRule(name="ssh", protocol="TCP"))
    )
    volume = _made(c, c.create_volume(dc, Volume(name="data", size=10, licence_type="LINUX")))
    volume2 = _made(c, c.create_volume(dc, Volume(name="spare", size=10, licence_type="LINUX")))
    c.wait_for_completion(c.attach_volume(dc, server, volume))
    cdrom, cdrom2 = _cdroms(c, "us/las")[:2]
    c.wait_for_completion(c.attach_cdrom(dc, server, cdrom))
    lb = _made(c, c.create_loadbalancer(dc, LoadBalancer(name="lb")))
    c.wait_for_completion(c.add_loadbalanced_nics(dc, lb, nic))
    snapshot = _made(c, c.create_snapshot(dc, volume, name="snap"))
    ipblock = _made(c, c.reserve_ipblock(IPBlock(name="ips", location="us/las", size=1)))
    group = _made(c, c.create_group(Group(name="ops", create_datacenter=True)))
    user = _made(c, c.create_user(User("Ann", "Lee", "ann@example.com", "Secret123pw")))
    user2 = _made(c, c.create_user(User("Bo", "Kim", "bo@example.com", "Secret123pw")))
    c.wait_for_completion(c.add_group_user(group, user))
    c.wait_for_completion(c.add_share(group, dc, edit_privilege=True))
    image = emulator.add_private_image(name="private", location="us/las", size=1)
    request = c.list_requests()["items"][0]["id"]
    ids = {
        "datacenter_id": dc, "server_id": server, "lan_id": lan, "nic_id": nic,
        "firewall_rule_id": rule, "volume_id": volume, "cdrom_id": cdrom, "loadbalancer_id": lb,
        "snapshot_id": snapshot, "ipblock_id": ipblock, "group_id": group, "user_id": user,
        "resource_id": dc, "resource_type": "datacenter", "image_id": image,
        "request_id": request, "location_id": "us/las",
    }  # fmt: skip
    fresh = {"volume_id": volume2, "cdrom_id": cdrom2, "nic_id": nic2, "user_id": user2,
             "resource_id": dc2}  # fmt: skip
    return ids, fresh
