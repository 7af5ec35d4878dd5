"""Image descriptions, NIC addresses by LAN, lenient depth (issue 8 A.4, A.5, A.11)."""

from __future__ import annotations

from typing import Any

import pytest

from profitbricks.emulator.testing import EmulatorHandle

from .emu_helpers import UBUNTU_LAS, Api

# -- A.4 image descriptions --------------------------------------------------------------------


def test_image_description_is_empty_in_the_list_and_null_alone(
    api: Api, emulator: EmulatorHandle
) -> None:
    described = emulator.add_private_image(
        name="mine", location="us/las", size=1, description="my own"
    )
    bare = emulator.add_private_image(name="bare", location="us/las", size=1)
    for depth in (1, 2, 5):
        items = {i["id"]: i for i in api.get("/images", depth=depth).json["items"]}
        assert items[UBUNTU_LAS]["properties"]["description"] == ""
        assert items[bare]["properties"]["description"] == ""
        assert items[described]["properties"]["description"] == "my own"
    refs = api.get("/images", depth=0).json["items"]
    assert all(list(item) == ["id", "type", "href"] for item in refs)
    assert api.get(f"/images/{UBUNTU_LAS}").json["properties"]["description"] is None
    assert api.get(f"/images/{bare}", depth=1).json["properties"]["description"] is None
    assert api.get(f"/images/{described}").json["properties"]["description"] == "my own"


# -- A.5 NIC addresses: any on a private LAN, reserved ones on a public LAN -----------------------


def _reserved(api: Api) -> str:
    block = api.ok("POST", "/ipblocks", {"properties": {"location": "us/las", "size": 1}})
    return str(block["properties"]["ips"][0])


@pytest.mark.parametrize("address", ["127.0.0.1", "8.8.8.8", "10.1.2.3", "203.0.113.9"])
def test_a_private_lan_nic_takes_any_address(address: str, api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    nics = f"/datacenters/{dc}/servers/{srv}/nics"
    echo = api.ok("POST", nics, {"properties": {"lan": 1, "ips": [address]}})
    assert echo["properties"]["ips"] == [address]
    path = f"{nics}/{echo['id']}"
    assert api.get(path).json["properties"]["ips"] == [address]
    assert api.call("PATCH", path, {"ips": [address, "127.0.0.2"]}).status == 202
    assert api.call("PUT", path, {"properties": {"lan": 1, "ips": [address]}}).status == 202
    nested = api.call(
        "POST",
        "/datacenters",
        {
            "properties": {"name": "n", "location": "us/las"},
            "entities": {
                "servers": {
                    "items": [
                        {
                            "properties": {"cores": 1, "ram": 1024},
                            "entities": {
                                "nics": {"items": [{"properties": {"lan": 1, "ips": [address]}}]}
                            },
                        }
                    ]
                }
            },
        },
    )
    assert nested.status == 202, nested.text[:300]


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "203.0.113.9"])
def test_a_public_lan_nic_takes_only_reserved_addresses(address: str, api: Api) -> None:
    dc = api.datacenter()
    lan = api.ok("POST", f"/datacenters/{dc}/lans", {"properties": {"public": True}})["id"]
    srv = api.server(dc)
    nics = f"/datacenters/{dc}/servers/{srv}/nics"
    refused = api.call("POST", nics, {"properties": {"lan": int(lan), "ips": [address]}})
    assert refused.status == 422
    assert refused.message == (
        "[(root).properties.ips] Attribute 'ips' on a public LAN must hold addresses of a "
        f"reserved IP block of us/las, got {address}"
    )
    reserved = _reserved(api)
    nic = api.ok("POST", nics, {"properties": {"lan": int(lan), "ips": [reserved]}})["id"]
    assert api.call("PATCH", f"{nics}/{nic}", {"ips": [address]}).status == 422
    assert (
        api.call("PUT", f"{nics}/{nic}", {"properties": {"lan": 1, "ips": [address]}}).status == 422
    )
    # moving the NIC to a private LAN frees the choice
    private = api.call("PUT", f"{nics}/{nic}", {"properties": {"lan": 7, "ips": [address]}})
    assert private.status == 202, private.text[:300]


def test_a_public_lan_made_in_the_same_body_restricts_its_nics(api: Api) -> None:
    def body(public: bool) -> dict[str, Any]:
        nic = {"properties": {"lan": 1, "ips": ["127.0.0.1"]}}
        return {
            "properties": {"name": "n", "location": "us/las"},
            "entities": {
                "lans": {"items": [{"properties": {"public": public}}]},
                "servers": {
                    "items": [
                        {
                            "properties": {"cores": 1, "ram": 1024},
                            "entities": {"nics": {"items": [nic]}},
                        }
                    ]
                },
            },
        }

    refused = api.call("POST", "/datacenters", body(True))
    assert refused.status == 422
    assert "on a public LAN must hold addresses of a reserved IP block" in refused.message
    assert api.call("POST", "/datacenters", body(False)).status == 202


# -- A.11 depth is read leniently ---------------------------------------------------------------


def _rule_tree(api: Api) -> str:
    dc = api.datacenter()
    srv = api.server(dc)
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    api.ok(
        "POST",
        f"/datacenters/{dc}/servers/{srv}/nics/{nic['id']}/firewallrules",
        {"properties": {"protocol": "ANY"}},
    )
    return dc


def test_a_repeated_depth_reads_its_leading_digits(api: Api) -> None:
    dc = _rule_tree(api)
    reply = api.call("GET", f"/datacenters/{dc}", query="depth=5?depth=5")
    assert reply.status == 200
    server = reply.json["entities"]["servers"]["items"][0]
    nic = server["entities"]["nics"]["items"][0]
    rules = nic["entities"]["firewallrules"]
    # depth 5: firewall rules listed as references (WIRE.md 3.1)
    assert [list(item) for item in rules["items"]] == [["id", "type", "href"]]
    assert reply.json == api.get(f"/datacenters/{dc}", depth=5).json


@pytest.mark.parametrize("query", ["depth=%C2%B2", "depth=", "depth=-1", "depth=abc"])
def test_a_depth_without_leading_digits_is_the_default(query: str, api: Api) -> None:
    dc = _rule_tree(api)
    reply = api.call("GET", f"/datacenters/{dc}", query=query)
    assert reply.status == 200
    assert "items" not in reply.json["entities"]["servers"]  # depth 0
    assert reply.json == api.get(f"/datacenters/{dc}").json
