"""Contract, locations and data centre operations against the emulator, state checked by GETs."""

from __future__ import annotations

from typing import Any

import pytest

from profitbricks.client import (
    NIC,
    Datacenter,
    FirewallRule,
    LoadBalancer,
    PBNotFoundError,
    PBValidationError,
    ProfitBricksService,
    Server,
    Volume,
)

UBUNTU_LAS = "0d4f97f0-1689-11e7-97ce-525400f64d8d"


def test_list_contracts(emulator: Any) -> None:
    contract = emulator.client.list_contracts()
    assert contract["type"] == "contract"
    assert isinstance(contract["properties"]["contractNumber"], int)
    assert contract["properties"]["resourceLimits"]["coresPerServer"] > 0


def test_list_and_get_locations(emulator: Any) -> None:
    client = emulator.client
    locations = client.list_locations()
    assert {item["id"] for item in locations["items"]} == {"us/las", "us/ewr", "de/fra", "de/fkb"}
    assert set(locations) == {"id", "type", "href", "items"}
    location = client.get_location("us/las")
    assert location["id"] == "us/las"
    assert location["properties"]["name"] == "lasvegas"
    with pytest.raises(PBNotFoundError):
        client.get_location("us/aa")


def test_datacenter_lifecycle(emulator: Any) -> None:
    client: ProfitBricksService = emulator.client
    created = client.create_datacenter(
        Datacenter(name="Staging", description="before", location="de/fra")
    )
    assert created["requestId"]
    assert created["properties"]["name"] == "Staging"
    final = client.wait_for_completion(created)
    assert final is not None
    assert final["metadata"]["status"] == "DONE"
    dc_id = created["id"]

    fetched = client.get_datacenter(dc_id)
    assert fetched["properties"]["location"] == "de/fra"
    assert fetched["properties"]["description"] == "before"
    assert fetched["metadata"]["state"] == "AVAILABLE"
    assert dc_id in [item["id"] for item in client.list_datacenters()["items"]]
    assert client.get_datacenter_by_name("stag")["id"] == dc_id

    updated = client.update_datacenter(dc_id, name="Production", description="after")
    client.wait_for_completion(updated)
    fetched = client.get_datacenter(datacenter_id=dc_id, depth=0)
    assert fetched["properties"]["name"] == "Production"
    assert fetched["properties"]["description"] == "after"
    assert fetched["properties"]["version"] > 1

    deleted = client.delete_datacenter(dc_id)
    assert deleted["requestId"]
    client.wait_for_completion(deleted)
    with pytest.raises(PBNotFoundError):
        client.get_datacenter(dc_id)
    assert client.list_datacenters()["items"] == []
    with pytest.raises(NameError):
        client.get_datacenter_by_name("Production")


def test_composite_create_builds_the_whole_tree(emulator: Any) -> None:
    client: ProfitBricksService = emulator.client
    rule = FirewallRule(
        name="Allow SSH",
        protocol="TCP",
        source_ip="0.0.0.0",
        port_range_start=22,
        port_range_end=22,
    )
    server = Server(
        name="web",
        ram=4096,
        cores=4,
        cpu_family="INTEL_XEON",
        nics=[
            NIC(name="public", dhcp=True, lan=1, firewall_active=True, firewall_rules=[rule]),
            NIC(name="private", dhcp=True, lan=2),
        ],
        create_volumes=[
            Volume(
                name="system",
                size=20,
                image=UBUNTU_LAS,
                type="HDD",
                ssh_keys=["ssh-rsa AAAAB3NzaC1yc2EAAAADAQ"],
                image_password="s3cr3tpass0rd",
                availability_zone="ZONE_3",
            ),
            Volume(name="data", size=100, type="SSD", license_type="OTHER"),
        ],
    )
    created = client.create_datacenter(
        Datacenter(
            name="Composite",
            location="us/las",
            servers=[server],
            volumes=[Volume(name="spare", size=5, licence_type="LINUX")],
            loadbalancers=[LoadBalancer(name="lb", dhcp=True)],
        )
    )
    client.wait_for_completion(created, timeout=60)
    dc_id = created["id"]

    tree = client.get_datacenter(dc_id, depth=5)
    servers = tree["entities"]["servers"]["items"]
    assert [s["properties"]["name"] for s in servers] == ["web"]
    srv = servers[0]
    assert srv["properties"]["cpuFamily"] == "INTEL_XEON"
    nics = {n["properties"]["name"]: n for n in srv["entities"]["nics"]["items"]}
    assert {n["properties"]["lan"] for n in nics.values()} == {1, 2}
    assert nics["public"]["properties"]["firewallActive"] is True
    rules = client.get_firewall_rules(dc_id, srv["id"], nics["public"]["id"], depth=1)["items"]
    assert [(r["properties"]["name"], r["properties"]["portRangeStart"]) for r in rules] == [
        ("Allow SSH", 22)
    ]
    attached = client.get_attached_volumes(dc_id, srv["id"])["items"]
    assert {v["properties"]["name"] for v in attached} == {"system", "data"}
    assert {v["properties"]["name"] for v in client.list_volumes(dc_id)["items"]} == {
        "system",
        "data",
        "spare",
    }
    assert {lan["id"] for lan in client.list_lans(dc_id)["items"]} == {"1", "2"}
    assert [lb["properties"]["name"] for lb in client.list_loadbalancers(dc_id)["items"]] == ["lb"]

    client.wait_for_completion(client.update_lan(dc_id, 1, name="Public LAN", public=True))
    assert client.get_lan(dc_id, 1)["properties"]["public"] is True


def test_invalid_composite_sends_nothing(emulator: Any) -> None:
    client: ProfitBricksService = emulator.client
    bad = Datacenter(
        name="Broken",
        location="us/las",
        servers=[Server(name="s", cores=1, ram=1024, nics=[NIC(name="n", lan=0)])],
    )
    with pytest.raises(PBValidationError):
        client.create_datacenter(bad)
    assert client.list_datacenters()["items"] == []
    assert client.list_requests()["items"] == []


def test_headers_set_after_construction_are_sent(emulator: Any) -> None:
    client: ProfitBricksService = emulator.new_client(client_user_agent="deploy-bot/2.1")
    client.headers["X-Correlation-Id"] = "abc-123"
    created = client.create_datacenter(Datacenter(name="Headers", location="de/fkb"))
    request = client.get_request(created["requestId"])
    headers = request["properties"]["headers"]
    assert headers["x-correlation-id"] == "abc-123"
    assert headers["user-agent"].startswith("deploy-bot/2.1 profitbricks-sdk-python/")
    assert "authorization" not in headers


def test_client_repr_hides_the_password(emulator: Any) -> None:
    client: ProfitBricksService = emulator.client
    assert emulator.password not in repr(client)
    assert emulator.username in repr(client)
