"""LAN, NIC, firewall rule, load balancer and IP block operations against the emulator."""

from __future__ import annotations

import ipaddress

import pytest

from profitbricks.client import (
    LAN,
    NIC,
    Datacenter,
    FirewallRule,
    IPBlock,
    LoadBalancer,
    PBNotFoundError,
    ProfitBricksService,
)


@pytest.fixture
def dc_id(client: ProfitBricksService) -> str:
    created = client.create_datacenter(Datacenter(name="Network", location="de/fra"))
    client.wait_for_completion(created)
    return created["id"]


@pytest.fixture
def nic_id(client: ProfitBricksService, dc_id: str, server_id: str) -> str:
    created = client.create_nic(dc_id, server_id, NIC(name="eth0", lan=1, dhcp=True))
    client.wait_for_completion(created)
    return created["id"]


def test_lan_lifecycle(client: ProfitBricksService, dc_id: str) -> None:
    created = client.create_lan(dc_id, lan=LAN(name="LAN Name", public=True))
    assert created["id"] == "1"
    client.wait_for_completion(created)
    fetched = client.get_lan(dc_id, lan_id=1)
    assert (fetched["properties"]["name"], fetched["properties"]["public"]) == ("LAN Name", True)
    assert [lan["id"] for lan in client.list_lans(dc_id)["items"]] == ["1"]

    client.wait_for_completion(client.update_lan(dc_id, "1", name="New LAN Name", public=False))
    props = client.get_lan(dc_id, 1)["properties"]
    assert (props["name"], props["public"]) == ("New LAN Name", False)

    client.wait_for_completion(client.delete_lan(datacenter_id=dc_id, lan_id=1))
    with pytest.raises(PBNotFoundError):
        client.get_lan(dc_id, 1)
    assert client.list_lans(dc_id)["items"] == []


def test_lan_members(client: ProfitBricksService, dc_id: str, server_id: str, nic_id: str) -> None:
    members = client.get_lan_members(dc_id, 1)["items"]
    assert [nic["id"] for nic in members] == [nic_id]


def test_nic_lifecycle(client: ProfitBricksService, dc_id: str, server_id: str) -> None:
    created = client.create_nic(
        datacenter_id=dc_id,
        server_id=server_id,
        nic=NIC(name="NIC Name", dhcp=True, lan=1, nat=False),
    )
    client.wait_for_completion(created)
    nic = created["id"]
    # A missing LAN is created for the NIC.
    assert client.get_lan(dc_id, 1)["id"] == "1"

    props = client.get_nic(dc_id, server_id, nic)["properties"]
    assert (props["name"], props["lan"], props["dhcp"], props["nat"]) == (
        "NIC Name",
        1,
        True,
        False,
    )
    assert len(props["ips"]) == 1
    assert [n["id"] for n in client.list_nics(dc_id, server_id)["items"]] == [nic]

    client.wait_for_completion(
        client.update_nic(dc_id, server_id, nic, name="New Name", ips=["10.0.0.10"], lan=2)
    )
    props = client.get_nic(dc_id, server_id, nic)["properties"]
    assert (props["name"], props["ips"], props["lan"]) == ("New Name", ["10.0.0.10"], 2)

    client.wait_for_completion(client.delete_nic(dc_id, server_id, nic))
    with pytest.raises(PBNotFoundError):
        client.get_nic(dc_id, server_id, nic)
    assert client.list_nics(dc_id, server_id)["items"] == []


def test_firewall_rule_lifecycle(
    client: ProfitBricksService, dc_id: str, server_id: str, nic_id: str
) -> None:
    created = client.create_firewall_rule(
        datacenter_id=dc_id,
        loadbalancer_id=server_id,
        nic_id=nic_id,
        firewall_rule=FirewallRule(
            name="Allow SSH",
            protocol="TCP",
            source_mac="01:23:45:67:89:00",
            port_range_start=22,
            port_range_end=22,
        ),
    )
    client.wait_for_completion(created)
    rule = created["id"]

    props = client.get_firewall_rule(dc_id, server_id, nic_id, rule)["properties"]
    assert (props["protocol"], props["sourceMac"]) == ("TCP", "01:23:45:67:89:00")
    assert (props["portRangeStart"], props["portRangeEnd"]) == (22, 22)
    assert [r["id"] for r in client.get_firewall_rules(dc_id, server_id, nic_id)["items"]] == [rule]

    client.wait_for_completion(
        client.update_firewall_rule(
            datacenter_id=dc_id,
            loadbalancer_id=server_id,
            nic_id=nic_id,
            firewall_rule_id=rule,
            name="Updated Name",
            source_ip="10.0.0.1",
            port_range_end=23,
        )
    )
    props = client.get_firewall_rule(dc_id, server_id, nic_id, rule)["properties"]
    assert (props["name"], props["sourceIp"], props["portRangeEnd"]) == (
        "Updated Name",
        "10.0.0.1",
        23,
    )

    client.wait_for_completion(client.delete_firewall_rule(dc_id, server_id, nic_id, rule))
    with pytest.raises(PBNotFoundError):
        client.get_firewall_rule(dc_id, server_id, nic_id, rule)


def test_icmp_firewall_rule_types_come_back_as_integers(
    client: ProfitBricksService, dc_id: str, server_id: str, nic_id: str
) -> None:
    created = client.create_firewall_rule(
        dc_id,
        server_id,
        nic_id,
        FirewallRule(name="ping", protocol="ICMP", icmp_type="8", icmp_code=0),
    )
    client.wait_for_completion(created)
    props = client.get_firewall_rule(dc_id, server_id, nic_id, created["id"])["properties"]
    assert (props["icmpType"], props["icmpCode"]) == (8, 0)


def test_loadbalancer_lifecycle(
    client: ProfitBricksService, dc_id: str, server_id: str, nic_id: str
) -> None:
    created = client.create_loadbalancer(
        datacenter_id=dc_id, loadbalancer=LoadBalancer(name="Load Balancer Name", dhcp=True)
    )
    client.wait_for_completion(created)
    lb = created["id"]
    fetched = client.get_loadbalancer(dc_id, lb)
    assert fetched["properties"]["name"] == "Load Balancer Name"
    assert fetched["properties"]["dhcp"] is True
    assert fetched["properties"]["ip"] is None  # until it balances a NIC
    assert [item["id"] for item in client.list_loadbalancers(dc_id)["items"]] == [lb]

    client.wait_for_completion(
        client.update_loadbalancer(dc_id, lb, name="New Name", ip="10.2.0.1", dhcp=False)
    )
    props = client.get_loadbalancer(dc_id, lb)["properties"]
    assert (props["name"], props["ip"], props["dhcp"]) == ("New Name", "10.2.0.1", False)

    added = client.add_loadbalanced_nics(dc_id, lb, nic_id)
    assert added["id"] == nic_id
    client.wait_for_completion(added)
    assert [n["id"] for n in client.get_loadbalancer_members(dc_id, lb)["items"]] == [nic_id]
    assert client.get_loadbalanced_nic(dc_id, lb, nic_id)["id"] == nic_id

    client.wait_for_completion(client.remove_loadbalanced_nic(dc_id, lb, nic_id))
    assert client.get_loadbalancer_members(dc_id, lb)["items"] == []
    with pytest.raises(PBNotFoundError):
        client.get_loadbalanced_nic(dc_id, lb, nic_id)
    assert client.get_nic(dc_id, server_id, nic_id)["id"] == nic_id

    client.wait_for_completion(client.delete_loadbalancer(datacenter_id=dc_id, load_balancer_id=lb))
    with pytest.raises(PBNotFoundError):
        client.get_loadbalancer(dc_id, lb)


def test_empty_loadbalancer_is_accepted(client: ProfitBricksService, dc_id: str) -> None:
    created = client.create_loadbalancer(dc_id, LoadBalancer())
    client.wait_for_completion(created)
    assert client.get_loadbalancer(dc_id, created["id"])["id"] == created["id"]


def test_ipblock_lifecycle(client: ProfitBricksService) -> None:
    reserved = client.reserve_ipblock(IPBlock(name="IP Block Name", size=4, location="de/fkb"))
    assert reserved["requestId"]
    assert len(reserved["properties"]["ips"]) == 4
    client.wait_for_completion(reserved)
    block = reserved["id"]

    props = client.get_ipblock(block)["properties"]
    assert (props["name"], props["size"], props["location"]) == ("IP Block Name", 4, "de/fkb")
    assert all(ipaddress.IPv4Address(ip) for ip in props["ips"])
    assert [b["id"] for b in client.list_ipblocks()["items"]] == [block]

    client.wait_for_completion(client.delete_ipblock(block))
    with pytest.raises(PBNotFoundError):
        client.get_ipblock(block)
    assert client.list_ipblocks()["items"] == []


def test_string_values_of_old_scripts_arrive_typed(
    client: ProfitBricksService, dc_id: str, server_id: str
) -> None:
    lan = client.create_lan(dc_id, LAN(name="legacy", public="true"))
    client.wait_for_completion(lan)
    nic = client.create_nic(dc_id, server_id, NIC(name="legacy", lan=lan["id"], dhcp="false"))
    client.wait_for_completion(nic)
    request = client.get_request(nic["requestId"])
    assert '"lan":1' in request["properties"]["body"]
    assert '"dhcp":false' in request["properties"]["body"]
    props = client.get_nic(dc_id, server_id, nic["id"])["properties"]
    assert (props["lan"], props["dhcp"]) == (1, False)
    assert client.get_lan(dc_id, lan["id"])["properties"]["public"] is True
