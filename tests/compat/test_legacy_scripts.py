"""Scripts and test flows in the style of the 4.1.x era, run unchanged against the emulator.

Scripts of that time built resource objects from a dict of keyword arguments, waited with
``client.wait_for_completion(response)`` after every change, read the returned dicts directly,
asserted ``assertTrue(response)`` on deletes and caught ``PBNotFoundError`` reading
``e.resp`` and ``e.content[0]['message']``. Each flow below is written the way such a script
was, and checks the outcome the real API gave (WIRE.md section 12).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from profitbricks.client import (
    LAN,
    NIC,
    Datacenter,
    FirewallRule,
    Group,
    IPBlock,
    LoadBalancer,
    PBError,
    PBNotFoundError,
    ProfitBricksService,
    Server,
    User,
    Volume,
)

UUID = re.compile(r"^\w{8}-\w{4}-\w{4}-\w{4}-\w{12}$")
MAC = re.compile(r"^([0-9a-f]{2}[:]){5}([0-9a-f]{2})$")
IMAGE = "0d4f97f0-1689-11e7-97ce-525400f64d8d"  # Ubuntu HDD image in us/las


def resource() -> dict[str, Any]:
    """The keyword dicts the old test suites built their objects from."""
    return {
        "datacenter": {
            "name": "Python SDK Test",
            "description": "Python SDK test datacenter",
            "location": "us/las",
        },
        "server": {
            "name": "Python SDK Test",
            "ram": 1024,
            "cores": 1,
            "cpu_family": "INTEL_XEON",
            "availability_zone": "ZONE_1",
        },
        "volume": {
            "name": "Python SDK Test",
            "size": 2,
            "bus": "VIRTIO",
            "disk_type": "HDD",
            "licence_type": "UNKNOWN",
            "availability_zone": "ZONE_3",
        },
        "nic": {
            "name": "Python SDK Test",
            "dhcp": True,
            "lan": 1,
            "firewall_active": True,
            "nat": False,
        },
        "fwrule": {
            "name": "SSH",
            "protocol": "TCP",
            "source_mac": "01:23:45:67:89:00",
            "source_ip": None,
            "target_ip": None,
            "port_range_start": 22,
            "port_range_end": 22,
            "icmp_type": None,
            "icmp_code": None,
        },
        "loadbalancer": {"name": "python sdk test", "dhcp": True},
        "lan": {"name": "Python SDK Test", "public": True},
        "ipblock": {"location": "us/las", "size": 1},
        "group": {
            "name": "Python SDK Test",
            "create_datacenter": True,
            "create_snapshot": True,
            "reserve_ip": True,
            "access_activity_log": True,
        },
        "user": {
            "firstname": "John",
            "lastname": "Doe",
            "password": "secretpassword123",
            "administrator": True,
            "force_sec_auth": False,
        },
    }


@pytest.fixture
def client(emulator: Any) -> ProfitBricksService:
    """A client made the 4.x way: credentials as arguments, the endpoint as host_base."""
    return ProfitBricksService(
        username=emulator.username,
        password=emulator.password,
        host_base=emulator.url,
        use_config=False,
        use_keyring=False,
    )


def test_composite_datacenter_script(client: ProfitBricksService) -> None:
    res = resource()
    fwrule = FirewallRule(**res["fwrule"])
    nic = NIC(firewall_rules=[fwrule], **res["nic"])
    volume = Volume(
        image=IMAGE,
        image_password="secretpassword123",
        ssh_keys=["ssh-rsa AAAAB3NzaC1"],
        **res["volume"],
    )
    server = Server(create_volumes=[volume], nics=[nic], **res["server"])
    datacenter = Datacenter(servers=[server], **res["datacenter"])
    # Old scripts appended to the child lists of objects built without them.
    datacenter.lans.append(LAN(**res["lan"]))
    assert datacenter.servers[0].create_volumes[0].disk_type == "HDD"
    assert datacenter.servers[0].nics[0].lan == 1

    response = client.create_datacenter(datacenter=datacenter)
    client.wait_for_completion(response)
    assert UUID.match(response["id"])
    assert response["type"] == "datacenter"

    dc = client.get_datacenter(datacenter_id=response["id"], depth=5)
    assert dc["properties"]["name"] == res["datacenter"]["name"]
    assert dc["properties"]["description"] == res["datacenter"]["description"]
    assert dc["properties"]["location"] == res["datacenter"]["location"]
    servers = dc["entities"]["servers"]["items"]
    assert len(servers) == 1
    srv = servers[0]
    assert srv["properties"]["cores"] == 1
    assert srv["properties"]["ram"] == 1024
    assert srv["properties"]["vmState"] in ("RUNNING", "SHUTOFF")
    assert len(srv["entities"]["volumes"]["items"]) >= 1
    assert len(srv["entities"]["nics"]["items"]) >= 1
    lans = dc["entities"]["lans"]["items"]
    assert lans[0]["id"] == "1"
    assert lans[0]["properties"]["public"] is True

    nic_doc = client.get_nic(dc["id"], srv["id"], srv["entities"]["nics"]["items"][0]["id"])
    assert nic_doc["properties"]["nat"] is False
    assert nic_doc["properties"]["lan"] == 1
    assert nic_doc["properties"]["ips"]
    assert MAC.match(nic_doc["properties"]["mac"])
    rules = client.get_firewall_rules(dc["id"], srv["id"], nic_doc["id"], depth=1)
    assert rules["items"][0]["properties"]["portRangeStart"] == 22
    assert rules["items"][0]["properties"]["sourceIp"] is None

    vol_id = srv["entities"]["volumes"]["items"][0]["id"]
    attached = client.get_attached_volume(dc["id"], srv["id"], vol_id)
    assert attached["properties"]["size"] == 2
    assert attached["properties"]["bus"] == "VIRTIO"
    assert attached["properties"]["imagePassword"] is None

    deleted = client.delete_datacenter(datacenter_id=dc["id"])
    assert deleted
    client.wait_for_completion(deleted)
    with pytest.raises(PBNotFoundError):
        client.get_datacenter(dc["id"])


def test_component_build_script(client: ProfitBricksService) -> None:
    res = resource()
    dc = client.create_datacenter(datacenter=Datacenter(**res["datacenter"]))
    client.wait_for_completion(dc)

    lan = client.create_lan(datacenter_id=dc["id"], lan=LAN(**res["lan"]))
    client.wait_for_completion(lan)
    assert lan["id"] == "1"

    server = client.create_server(datacenter_id=dc["id"], server=Server(**res["server"]))
    client.wait_for_completion(server)

    nic = client.create_nic(datacenter_id=dc["id"], server_id=server["id"], nic=NIC(**res["nic"]))
    client.wait_for_completion(nic)
    nic = client.get_nic(dc["id"], server["id"], nic["id"])
    assert nic["properties"]["nat"] is False
    assert nic["properties"]["firewallActive"] is True

    rule = FirewallRule(name="Ping", protocol="ICMP", icmp_type=8, icmp_code=0)
    assert (rule.icmp_type, rule.icmp_code) == ("8", "0")
    fw = client.create_firewall_rule(dc["id"], server["id"], nic["id"], rule)
    client.wait_for_completion(fw)
    fw = client.get_firewall_rule(dc["id"], server["id"], nic["id"], fw["id"])
    assert fw["properties"]["icmpType"] == 8
    assert fw["properties"]["icmpCode"] == 0
    # 4.x left a port of 0 out: the rule then covers every port.
    any_port = FirewallRule(name="Any", protocol="TCP", port_range_start=0, port_range_end=0)
    fw = client.create_firewall_rule(dc["id"], server["id"], nic["id"], any_port)
    client.wait_for_completion(fw)
    assert fw["properties"]["portRangeStart"] is None

    volume = client.create_volume(datacenter_id=dc["id"], volume=Volume(**res["volume"]))
    client.wait_for_completion(volume)
    response = client.attach_volume(dc["id"], server["id"], volume["id"])
    client.wait_for_completion(response)
    attached = client.get_attached_volumes(dc["id"], server["id"])
    assert [item["id"] for item in attached["items"]] == [volume["id"]]

    lb = client.create_loadbalancer(
        dc["id"], LoadBalancer(balancednics=[nic["id"]], **res["loadbalancer"])
    )
    client.wait_for_completion(lb)
    lb = client.get_loadbalancer(dc["id"], lb["id"])
    assert lb["properties"]["ip"] is not None
    assert lb["properties"]["dhcp"] is True
    members = client.get_loadbalancer_members(dc["id"], lb["id"])
    assert [item["id"] for item in members["items"]] == [nic["id"]]

    updated = client.update_datacenter(datacenter_id=dc["id"], description="renamed")
    client.wait_for_completion(updated)
    again = client.get_datacenter(dc["id"])
    assert again["properties"]["description"] == "renamed"
    assert again["properties"]["version"] > 1

    for deleted in (
        client.remove_loadbalanced_nic(dc["id"], lb["id"], nic["id"]),
        client.detach_volume(dc["id"], server["id"], volume["id"]),
        client.stop_server(dc["id"], server["id"]),
    ):
        assert deleted
        client.wait_for_completion(deleted)
    assert client.get_server(dc["id"], server["id"])["properties"]["vmState"] == "SHUTOFF"
    found = client.get_datacenter_by_name("python sdk")
    assert found["id"] == dc["id"]


def test_volume_snapshot_script(client: ProfitBricksService) -> None:
    res = resource()
    dc = client.create_datacenter(datacenter=Datacenter(**res["datacenter"]))
    client.wait_for_completion(dc)
    volume = client.create_volume(dc["id"], Volume(**res["volume"]))
    client.wait_for_completion(volume)

    snapshot = client.create_snapshot(
        datacenter_id=dc["id"],
        volume_id=volume["id"],
        name="Python SDK Test",
        description="Python SDK test snapshot",
    )
    client.wait_for_completion(snapshot)
    snap = client.get_snapshot(snapshot_id=snapshot["id"])
    assert snap["properties"]["name"] == "Python SDK Test"
    assert (
        snap["properties"]["size"]
        == client.get_volume(dc["id"], volume["id"])["properties"]["size"]
    )
    assert snap["properties"]["location"] == "us/las"

    restored = client.restore_snapshot(dc["id"], volume["id"], snap["id"])
    assert restored
    client.wait_for_completion(restored)
    removed = client.remove_snapshot(snapshot_id=snap["id"])
    assert removed
    client.wait_for_completion(removed)
    with pytest.raises(PBNotFoundError) as caught:
        client.get_snapshot(snap["id"])
    assert caught.value.resp == 404
    assert "Resource does not exist" in caught.value.content[0]["message"]


def test_ipblock_script(client: ProfitBricksService) -> None:
    res = resource()
    ipblock = client.reserve_ipblock(IPBlock(**res["ipblock"]))
    client.wait_for_completion(ipblock)
    block = client.get_ipblock(ipblock["id"])
    assert block["properties"]["size"] == 1
    assert block["properties"]["location"] == "us/las"
    assert len(block["properties"]["ips"]) == 1
    assert client.delete_ipblock(ipblock["id"])


def test_user_management_script(client: ProfitBricksService) -> None:
    res = resource()
    dc = client.create_datacenter(datacenter=Datacenter(**res["datacenter"]))
    client.wait_for_completion(dc)
    group = client.create_group(Group(**res["group"]))
    client.wait_for_completion(group)
    assert group["properties"]["createDataCenter"] is True

    user = client.create_user(User(email="legacy.user@example.com", **res["user"]))
    client.wait_for_completion(user)
    assert user["properties"]["forceSecAuth"] is False
    assert "password" not in user["properties"]

    member = client.add_group_user(group_id=group["id"], user_id=user["id"])
    client.wait_for_completion(member)
    users = client.list_group_users(group["id"])
    assert [item["id"] for item in users["items"]] == [user["id"]]
    assert users["items"][0]["type"] == "user"

    share = client.add_share(group["id"], dc["id"], edit_privilege=True, share_privilege=True)
    client.wait_for_completion(share)
    share = client.update_share(group["id"], dc["id"], share_privilege=False)
    client.wait_for_completion(share)
    share = client.get_share(group["id"], dc["id"])
    assert share["type"] == "resource"
    assert share["properties"] == {"editPrivilege": True, "sharePrivilege": False}

    group = client.update_group(
        group["id"], name="Python SDK Test - RENAME", create_datacenter=False
    )
    client.wait_for_completion(group)
    group = client.get_group(group["id"])
    assert group["properties"]["name"] == "Python SDK Test - RENAME"
    assert group["properties"]["createDataCenter"] is False

    user = client.update_user(
        user["id"],
        firstname="Jane",
        lastname="Doe",
        email="legacy.user@example.com",
        administrator=False,
    )
    client.wait_for_completion(user)
    assert client.get_user(user["id"])["properties"]["firstname"] == "Jane"

    for response in (
        client.delete_share(group["id"], dc["id"]),
        client.remove_group_user(group["id"], user["id"]),
        client.delete_user(user["id"]),
        client.delete_group(group["id"]),
    ):
        assert response
        client.wait_for_completion(response)


def test_error_handling_script(client: ProfitBricksService) -> None:
    res = resource()
    # Written the way 4.x scripts were: catch, keep the error, read resp and content.
    not_found: PBNotFoundError | None = None
    try:
        client.get_datacenter(datacenter_id="00000000-0000-0000-0000-000000000000")
    except PBNotFoundError as e:
        not_found = e
    assert not_found is not None
    assert not_found.resp == 404
    assert "Resource does not exist" in not_found.content[0]["message"]

    invalid: PBError | None = None
    try:
        client.create_datacenter(Datacenter(name=res["datacenter"]["name"]))
    except PBError as e:
        invalid = e
    assert invalid is not None
    assert invalid.resp == 422
    assert "Attribute 'location' is required" in invalid.content[0]["message"]

    with pytest.raises(NameError):
        client.get_datacenter_by_name("no such datacenter")
    assert client.wait_for_completion(None) is None
    assert client.wait_for_completion({}) is None
