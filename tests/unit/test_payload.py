"""The serializer: resource objects and update keywords to request bodies."""

from __future__ import annotations

import json

import pytest

from profitbricks._payload import camel_case, encode_json, resource_body, update_properties
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
    Snapshot,
    User,
    Volume,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("name", "name"),
        ("licence_type", "licenceType"),
        ("disc_virtio_hot_plug", "discVirtioHotPlug"),
        ("availability_zone", "availabilityZone"),
        ("force_sec_auth", "forceSecAuth"),
        ("allow_reboot", "allowReboot"),
    ],
)
def test_camel_case(name: str, expected: str) -> None:
    assert camel_case(name) == expected


def test_datacenter_minimal_has_no_entities() -> None:
    assert resource_body(Datacenter(name="dc")) == {"properties": {"name": "dc"}}


def test_datacenter_entities_only_for_non_empty_lists() -> None:
    body = resource_body(
        Datacenter(name="dc", location="us/las", lans=[LAN(name="l")], servers=[], volumes=None)
    )
    assert body["entities"] == {"lans": {"items": [{"properties": {"name": "l"}}]}}


def test_name_is_always_sent_even_when_missing() -> None:
    assert resource_body(Datacenter()) == {"properties": {"name": None}}
    assert resource_body(IPBlock(location="us/las", size=1))["properties"]["name"] is None


def test_server_boot_devices_are_references_and_volumes_are_merged_in_order() -> None:
    body = resource_body(
        Server(
            name="s",
            cores=1,
            ram=256,
            boot_volume_id="v-boot",
            create_volumes=[Volume(name="new", size=5)],
            attach_volumes=["v-old"],
        )
    )
    assert body["properties"]["bootVolume"] == {"id": "v-boot"}
    items = body["entities"]["volumes"]["items"]
    assert items[0]["properties"]["name"] == "new"
    assert items[1] == {"id": "v-old"}
    cdrom = resource_body(Server(name="s", boot_cdrom="img"))["properties"]["bootCdrom"]
    assert cdrom == {"id": "img"}


def test_server_falsy_numbers_are_left_out() -> None:
    assert resource_body(Server(name="s", cores=0, ram=0)) == {"properties": {"name": "s"}}


def test_volume_licence_only_without_image_or_alias() -> None:
    blank = resource_body(Volume(name="v", size=1))["properties"]
    assert blank["licenceType"] == "UNKNOWN"
    assert "licenceType" not in resource_body(Volume(size=1, image="i"))["properties"]
    assert "licenceType" not in resource_body(Volume(size=1, image_alias="a"))["properties"]
    assert "licenceType" not in resource_body(Volume(size=1, licence_type=None))["properties"]


def test_volume_numbers_and_lists_are_typed() -> None:
    props = resource_body(Volume(size="20", ssh_keys=("k1", "k2")))["properties"]
    assert props["size"] == 20
    assert props["sshKeys"] == ["k1", "k2"]
    assert resource_body(Volume(size=20.0))["properties"]["size"] == 20


def test_values_that_do_not_convert_are_sent_as_given() -> None:
    assert resource_body(Volume(size="big"))["properties"]["size"] == "big"
    assert resource_body(LAN(public="maybe"))["properties"]["public"] == "maybe"
    assert resource_body(NIC(lan=True))["properties"]["lan"] is True


def test_nic_types_and_inclusion() -> None:
    props = resource_body(NIC(name="n", lan="2", dhcp="TRUE", nat=False, firewall_active=False))
    assert props == {"properties": {"name": "n", "dhcp": True, "lan": 2, "firewallActive": False}}


def test_firewall_rule_name_always_at_top_level_only_when_set_nested() -> None:
    rule = FirewallRule(protocol="TCP")
    assert resource_body(rule) == {"properties": {"name": None, "protocol": "TCP"}}
    assert resource_body(rule, nested=True) == {"properties": {"protocol": "TCP"}}
    nic = resource_body(NIC(lan=1, firewall_rules=[rule]))
    assert nic["entities"]["firewallrules"]["items"] == [{"properties": {"protocol": "TCP"}}]


def test_firewall_icmp_zero_is_sent_as_integer() -> None:
    props = resource_body(FirewallRule(protocol="ICMP", icmp_type=0, icmp_code="0"))["properties"]
    assert props["icmpType"] == 0
    assert props["icmpCode"] == 0


def test_lan_and_loadbalancer_booleans_and_references() -> None:
    assert resource_body(LAN(name="l", public="true", nics=["n1"])) == {
        "properties": {"name": "l", "public": True},
        "entities": {"nics": {"items": [{"id": "n1"}]}},
    }
    assert resource_body(LoadBalancer(dhcp=False)) == {"properties": {"dhcp": False}}


def test_group_and_user_send_only_truthy_fields() -> None:
    assert resource_body(Group(name="g", create_datacenter=True, reserve_ip=False)) == {
        "properties": {"name": "g", "createDataCenter": True}
    }
    body = resource_body(User(firstname="a", lastname="b", email="e", password="p"))
    assert body == {
        "properties": {"firstname": "a", "lastname": "b", "email": "e", "password": "p"}
    }


def test_update_properties_use_field_metadata_then_camel_case() -> None:
    assert update_properties(
        Server,
        {"boot_volume_id": "v", "boot_cdrom": "c", "cores": "2", "allow_reboot": True, "x": None},
    ) == {"bootVolume": {"id": "v"}, "bootCdrom": {"id": "c"}, "cores": 2, "allowReboot": True}
    assert update_properties(Group, {"create_datacenter": False}) == {"createDataCenter": False}
    assert update_properties(None, {"disc_scsi_hot_plug": True}) == {"discScsiHotPlug": True}
    assert update_properties(Snapshot, {"licence_type": "LINUX"}) == {"licenceType": "LINUX"}


def test_encode_json_is_compact() -> None:
    data = {"properties": {"name": "Zürich", "size": 1}}
    encoded = encode_json(data)
    assert b" " not in encoded
    assert json.loads(encoded) == data


def test_legacy_body_builders_are_the_serializer() -> None:
    client = ProfitBricksService(transport=object())  # type: ignore[arg-type]
    server = Server(name="s", cores=1, ram=256, nics=[NIC(lan=1)])
    assert client._create_server_dict(server) == resource_body(server)
    assert client._create_volume_dict(Volume(size=1)) == resource_body(Volume(size=1))
    assert client._create_nic_dict(NIC(lan=1)) == resource_body(NIC(lan=1))
    assert client._create_lan_dict(LAN(public=True)) == resource_body(LAN(public=True))
    lb = LoadBalancer(name="lb")
    assert client._create_loadbalancer_dict(lb) == resource_body(lb)
    rule = FirewallRule(protocol="UDP")
    assert client._create_firewallrule_dict(rule) == {"properties": {"protocol": "UDP"}}


def test_child_lists_default_to_fresh_empty_lists() -> None:
    first, second = Server(), Server()
    first.nics.append(NIC(lan=1))  # type: ignore[union-attr]
    assert second.nics == []
    assert Datacenter().servers == []


def test_repr_never_shows_secrets() -> None:
    volume = Volume(size=10, image="i", image_password="TopSecret99")
    user = User(email="e@example.com", password="hunter2hunter2")
    assert "TopSecret99" not in repr(volume)
    assert "image_password='***'" in repr(volume)
    assert "hunter2hunter2" not in repr(user)
    assert "e@example.com" in repr(user)


def test_firewall_rule_keeps_icmp_as_strings_like_4x_and_sends_integers() -> None:
    rule = FirewallRule(protocol="ICMP", icmp_type=8, icmp_code=0)
    assert (rule.icmp_type, rule.icmp_code) == ("8", "0")
    assert FirewallRule().icmp_type is None
    for nested in (False, True):
        props = resource_body(rule, nested=nested)["properties"]
        assert (props["icmpType"], props["icmpCode"]) == (8, 0)


def test_firewall_rule_port_zero_or_empty_icmp_is_left_out_like_4x() -> None:
    rule = FirewallRule(name="all", protocol="TCP", port_range_start=0, port_range_end=0)
    assert resource_body(rule) == {"properties": {"name": "all", "protocol": "TCP"}}
    assert resource_body(FirewallRule(protocol="ICMP", icmp_type="")) == {
        "properties": {"name": None, "protocol": "ICMP"}
    }


def test_snapshot_size_is_an_int_as_4x_made_it() -> None:
    assert Snapshot(name="s", size="10").size == 10
    assert Snapshot(license_type="LINUX").size is None
    with pytest.raises(ValueError, match="invalid literal"):
        Snapshot(size="big")
