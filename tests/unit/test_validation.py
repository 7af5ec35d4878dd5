"""Client-side validation: every rule, nothing sent on failure, secrets masked, switch off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from profitbricks._validation import ERROR_CODE
from profitbricks.client import (
    LAN,
    NIC,
    Datacenter,
    FirewallRule,
    Group,
    IPBlock,
    LoadBalancer,
    PBValidationError,
    ProfitBricksService,
    Server,
    User,
    Volume,
)

from .recorder import Recorder

Call = Callable[[ProfitBricksService], Any]


def _server(**changes: Any) -> Server:
    values: dict[str, Any] = {"name": "s", "cores": 1, "ram": 1024}
    values.update(changes)
    return Server(**values)


def _volume(**changes: Any) -> Volume:
    values: dict[str, Any] = {"name": "v", "size": 10}
    values.update(changes)
    return Volume(**values)


def _rule(**changes: Any) -> FirewallRule:
    values: dict[str, Any] = {"protocol": "TCP"}
    values.update(changes)
    return FirewallRule(**values)


INVALID = [
    # (call, field named in the message, text of the rule in the message)
    (lambda c: c.create_datacenter(Datacenter(name="a@b", location="us/las")), "name", "@"),
    (lambda c: c.create_datacenter(Datacenter(name="a/b", location="us/las")), "name", "/"),
    (lambda c: c.create_datacenter(Datacenter(name="a'b", location="us/las")), "name", "'"),
    (lambda c: c.create_datacenter(Datacenter(name="dc", location="us/xyz")), "location", "us/ewr"),
    (lambda c: c.create_datacenter(Datacenter(name="dc")), "location", "is required"),
    (lambda c: c.create_datacenter(Datacenter(location="us/las")), "name", "is required"),
    (lambda c: c.create_server("dc", _server(cores=None)), "cores", "is required"),
    (lambda c: c.create_server("dc", _server(cores=-1)), "cores", ">= 1"),
    (lambda c: c.create_server("dc", _server(cores="two")), "cores", "integer"),
    (lambda c: c.create_server("dc", _server(ram=1000)), "ram", "multiple of 256"),
    (lambda c: c.create_server("dc", _server(ram=-256)), "ram", "at least 256"),
    (lambda c: c.create_server("dc", _server(ram=None)), "ram", "is required"),
    (lambda c: c.create_server("dc", _server(availability_zone="ZONE_3")), "availabilityZone", ""),
    (lambda c: c.create_server("dc", _server(cpu_family="ARM")), "cpuFamily", "INTEL_XEON"),
    (
        lambda c: c.create_server("dc", _server(boot_volume_id="v", boot_cdrom="i")),
        "bootCdrom",
        "not both",
    ),
    (lambda c: c.create_volume("dc", _volume(size=None)), "size", "is required"),
    (lambda c: c.create_volume("dc", _volume(size=-5)), "size", ">= 1"),
    (lambda c: c.create_volume("dc", _volume(size="1.5")), "size", "integer"),
    (lambda c: c.create_volume("dc", _volume(disk_type="NVME")), "type", "HDD, SSD"),
    (lambda c: c.create_volume("dc", _volume(bus="SCSI")), "bus", "VIRTIO, IDE"),
    (lambda c: c.create_volume("dc", _volume(licence_type="BSD")), "licenceType", "LINUX"),
    (lambda c: c.create_volume("dc", _volume(licence_type=None)), "licenceType", "is required"),
    (lambda c: c.create_volume("dc", _volume(availability_zone="ZONE_4")), "availabilityZone", ""),
    (
        lambda c: c.create_volume("dc", _volume(type="SSD", availability_zone="ZONE_1")),
        "availabilityZone",
        "SSD",
    ),
    (
        lambda c: c.create_volume("dc", _volume(image="i", image_password="short1")),
        "imagePassword",
        "8 to 50",
    ),
    (
        lambda c: c.create_volume("dc", _volume(image="i", image_password="has space 123")),
        "imagePassword",
        "A-Z",
    ),
    (lambda c: c.create_nic("dc", "s", NIC(name="n")), "lan", "is required"),
    (lambda c: c.create_nic("dc", "s", NIC(lan=-1)), "lan", ">= 1"),
    (lambda c: c.create_nic("dc", "s", NIC(lan="one")), "lan", "integer"),
    (lambda c: c.create_nic("dc", "s", NIC(lan=1, ips=["10.0.0.300"])), "ips", "IPv4"),
    (lambda c: c.create_nic("dc", "s", NIC(lan=1, ips="10.0.0.1")), "ips", "list"),
    (lambda c: c.create_nic("dc", "s", NIC(lan=1, dhcp="yes")), "dhcp", "boolean"),
    (lambda c: c.create_firewall_rule("d", "s", "n", _rule(protocol=None)), "protocol", "required"),
    (lambda c: c.create_firewall_rule("d", "s", "n", _rule(protocol="GRE")), "protocol", "ICMP"),
    (
        lambda c: c.create_firewall_rule("d", "s", "n", _rule(source_mac="01:23:45")),
        "sourceMac",
        "",
    ),
    (lambda c: c.create_firewall_rule("d", "s", "n", _rule(source_ip="1.2.3")), "sourceIp", "IPv4"),
    (lambda c: c.create_firewall_rule("d", "s", "n", _rule(target_ip="::1")), "targetIp", "IPv4"),
    (
        lambda c: c.create_firewall_rule("d", "s", "n", _rule(port_range_start=65535)),
        "portRangeStart",
        "1 to 65534",
    ),
    (
        lambda c: c.create_firewall_rule(
            "d", "s", "n", _rule(port_range_start=80, port_range_end=79)
        ),
        "portRangeEnd",
        ">= portRangeStart",
    ),
    (
        lambda c: c.create_firewall_rule("d", "s", "n", _rule(protocol="ICMP", icmp_type=255)),
        "icmpType",
        "0 to 254",
    ),
    (
        lambda c: c.create_firewall_rule("d", "s", "n", _rule(protocol="ICMP", icmp_code=-1)),
        "icmpCode",
        "0 to 254",
    ),
    (lambda c: c.create_lan("dc", LAN(public="sometimes")), "public", "boolean"),
    (lambda c: c.create_loadbalancer("dc", LoadBalancer(ip="10.0.0")), "ip", "IPv4"),
    (lambda c: c.reserve_ipblock(IPBlock(size=1)), "location", "is required"),
    (lambda c: c.reserve_ipblock(IPBlock(location="nl/ams", size=1)), "location", "de/fkb"),
    (lambda c: c.reserve_ipblock(IPBlock(location="us/las")), "size", "is required"),
    (lambda c: c.reserve_ipblock(IPBlock(location="us/las", size=-2)), "size", ">= 1"),
    (lambda c: c.create_group(Group(create_snapshot=True)), "name", "is required"),
    (
        lambda c: c.create_user(User(firstname="a", lastname="b", password="p4ssword")),
        "email",
        "is required",
    ),
    (
        lambda c: c.create_user(User(lastname="b", email="e@x.org", password="p4ssword")),
        "firstname",
        "is required",
    ),
    (
        lambda c: c.create_user(User(firstname="a", email="e@x.org", password="p4ssword")),
        "lastname",
        "is required",
    ),
    (
        lambda c: c.create_user(User(firstname="a", lastname="b", email="e@x.org")),
        "password",
        "is required",
    ),
    # Updates: only the fields given are checked; creation-only fields are refused.
    (lambda c: c.update_datacenter("dc", name="a|b"), "name", "|"),
    (lambda c: c.update_datacenter("dc", location="de/fra"), "location", "cannot be changed"),
    (lambda c: c.update_server("dc", "s", ram=300), "ram", "multiple of 256"),
    (lambda c: c.update_server("dc", "s", cores=0), "cores", ">= 1"),
    (lambda c: c.update_server("dc", "s", boot_volume_id="v", boot_cdrom="i"), "bootCdrom", ""),
    (lambda c: c.update_volume("dc", "v", size=0), "size", ">= 1"),
    (lambda c: c.update_volume("dc", "v", bus="USB"), "bus", "VIRTIO"),
    (lambda c: c.update_volume("dc", "v", type="SSD"), "type", "cannot be changed"),
    (lambda c: c.update_volume("dc", "v", image="i"), "image", "cannot be changed"),
    (lambda c: c.update_volume("dc", "v", availability_zone="ZONE_1"), "availabilityZone", ""),
    (lambda c: c.update_nic("d", "s", "n", lan=0), "lan", ">= 1"),
    (lambda c: c.update_nic("d", "s", "n", ips=["300.1.1.1"]), "ips", "IPv4"),
    (lambda c: c.update_firewall_rule("d", "s", "n", "f", source_mac="zz"), "sourceMac", ""),
    (lambda c: c.update_firewall_rule("d", "s", "n", "f", protocol="UDP"), "protocol", "changed"),
    (lambda c: c.update_firewall_rule("d", "s", "n", "f", icmp_code=300), "icmpCode", "254"),
    (lambda c: c.update_loadbalancer("dc", "lb", ip="localhost"), "ip", "IPv4"),
    (lambda c: c.update_lan("dc", 1, public="no"), "public", "boolean"),
    (lambda c: c.update_image("img", licence_type="UNKNOWN"), "licenceType", "OTHER"),
    (lambda c: c.update_snapshot("snap", licence_type="DOS"), "licenceType", "WINDOWS2016"),
    (lambda c: c.update_group("g", name=""), "name", "is required"),
]


@pytest.mark.parametrize(("call", "field", "rule"), INVALID)
def test_invalid_input_is_refused_before_sending(call: Call, field: str, rule: str) -> None:
    recorder = Recorder()
    client = ProfitBricksService(transport=recorder)
    with pytest.raises(PBValidationError) as caught:
        call(client)
    assert recorder.calls == []
    error = caught.value
    assert error.resp == 422
    assert error.uri is None
    assert all(m["errorCode"] == ERROR_CODE for m in error.content)
    text = str(error)
    assert field in text
    assert rule in text


@pytest.mark.parametrize(("call", "field", "rule"), INVALID)
def test_validate_false_leaves_checking_to_the_api(call: Call, field: str, rule: str) -> None:
    recorder = Recorder()
    client = ProfitBricksService(transport=recorder, validate=False)
    call(client)
    assert len(recorder.calls) == 1


def test_message_names_field_value_and_rule() -> None:
    client = ProfitBricksService(transport=Recorder())
    with pytest.raises(PBValidationError) as caught:
        client.create_server("dc", _server(ram=1000))
    assert caught.value.content == [
        {
            "errorCode": "client-validation",
            "message": "[server] ram=1000 is invalid: must be an integer multiple of 256 (MB), "
            "at least 256",
        }
    ]


def test_secret_values_are_masked() -> None:
    client = ProfitBricksService(transport=Recorder())
    with pytest.raises(PBValidationError) as caught:
        client.create_volume("dc", _volume(image="i", image_password="bad pass word!"))
    text = str(caught.value) + repr(caught.value)
    assert "bad pass word!" not in text
    assert "imagePassword='***'" in text


def test_nested_problems_are_all_reported_and_nothing_is_sent() -> None:
    recorder = Recorder()
    client = ProfitBricksService(transport=recorder)
    datacenter = Datacenter(
        name="dc",
        location="us/las",
        servers=[
            _server(
                nics=[NIC(lan=1, firewall_rules=[_rule(source_ip="999.0.0.1")])],
                create_volumes=[_volume(size=0), _volume(licence_type="WINDOWS")],
                attach_volumes=["existing-volume"],
            )
        ],
        lans=[LAN(public="nope")],
        loadbalancers=[LoadBalancer(ip="1.2.3.4.5")],
        volumes=[_volume(bus="FLOPPY")],
    )
    with pytest.raises(PBValidationError) as caught:
        client.create_datacenter(datacenter)
    assert recorder.calls == []
    where = sorted(m["message"].split("] ")[0] + "]" for m in caught.value.content)
    assert where == [
        "[datacenter.lans[0]]",
        "[datacenter.loadbalancers[0]]",
        "[datacenter.servers[0].nics[0].firewallrules[0]]",
        "[datacenter.servers[0].volumes[0]]",
        "[datacenter.volumes[0]]",
    ]


SPEC_EXAMPLES = [
    lambda c: c.create_datacenter(
        Datacenter(name="Data Center Name", description="My new data center", location="de/fkb")
    ),
    lambda c: c.create_server(
        "dc",
        Server(name="Server Name", cores=1, ram=2048, description="My new server", location="x"),
    ),
    lambda c: c.create_volume(
        "dc",
        Volume(
            name="name",
            size=20,
            bus="VIRTIO",
            type="HDD",
            licence_type="LINUX",
            availability_zone="ZONE_3",
        ),
    ),
    lambda c: c.reserve_ipblock(IPBlock(name="IP Block Name", size=4, location="de/fkb")),
    lambda c: c.create_lan("dc", LAN(name="LAN Name", public=True)),
    lambda c: c.create_nic("dc", "s", NIC(name="NIC Name", dhcp=True, lan=1, nat=False)),
    lambda c: c.create_firewall_rule(
        datacenter_id="dc",
        loadbalancer_id="s",
        nic_id="n",
        firewall_rule=FirewallRule(
            name="Allow SSH",
            protocol="TCP",
            source_mac="01:23:45:67:89:00",
            port_range_start=22,
            port_range_end=22,
        ),
    ),
    lambda c: c.create_loadbalancer("dc", LoadBalancer(name="Load Balancer Name", dhcp=True)),
    lambda c: c.create_group(
        Group(
            name="my-group",
            create_datacenter=True,
            create_snapshot=False,
            reserve_ip=True,
            access_activity_log=False,
        )
    ),
    lambda c: c.create_user(
        User(
            firstname="John",
            lastname="Doe",
            email="no-reply@example.com",
            password="secretpassword123",
            administrator=True,
            force_sec_auth=False,
        )
    ),
    lambda c: c.update_lan(datacenter_id="dc", lan_id=1, name="New LAN Name", public=False),
    lambda c: c.update_image("img", name="New Name", description="d", licence_type="LINUX"),
    lambda c: c.create_datacenter(
        Datacenter(
            name="Python SDK Data Center",
            description="Python SDK data center",
            location="us/las",
            servers=[
                Server(
                    name="Python SDK Server",
                    ram=4096,
                    cores=4,
                    cpu_family="INTEL_XEON",
                    nics=[
                        NIC(
                            name="Public NIC",
                            dhcp=True,
                            lan=1,
                            firewall_active=True,
                            firewall_rules=[
                                FirewallRule(
                                    name="Allow SSH",
                                    protocol="TCP",
                                    source_ip="0.0.0.0",
                                    port_range_start=22,
                                    port_range_end=22,
                                    icmp_type=None,
                                )
                            ],
                            nat=False,
                        ),
                        NIC(name="Private NIC", dhcp=True, lan=2),
                    ],
                    create_volumes=[
                        Volume(
                            name="System Volume",
                            size=20,
                            image="0d4f97f0-1689-11e7-97ce-525400f64d8d",
                            bus="VIRTIO",
                            type="HDD",
                            ssh_keys=["ssh-rsa AAAAB3NzaC1yc2EAAAADAQ..."],
                            image_password="s3cr3tpass0rd",
                            availability_zone="ZONE_3",
                        ),
                        Volume(
                            name="Data Volume",
                            size=100,
                            type="SSD",
                            bus="VIRTIO",
                            license_type="OTHER",
                        ),
                    ],
                )
            ],
        )
    ),
]


@pytest.mark.parametrize("call", SPEC_EXAMPLES)
def test_spec_examples_pass_validation(call: Call) -> None:
    recorder = Recorder()
    call(ProfitBricksService(transport=recorder))
    assert len(recorder.calls) == 1


def test_missing_ids_are_refused_before_sending() -> None:
    recorder = Recorder()
    client = ProfitBricksService(transport=recorder)
    # A path id breaks the path rule (tests/unit/test_path_segments.py); a missing body reference
    # is an argument error.
    with pytest.raises(PBValidationError, match="server_id"):
        client.delete_server("dc", "")
    with pytest.raises(ValueError, match="volume_id"):
        client.attach_volume("dc", "srv", None)  # type: ignore[arg-type]
    assert recorder.calls == []


def test_wrong_resource_class_is_a_type_error() -> None:
    client = ProfitBricksService(transport=Recorder())
    with pytest.raises(TypeError, match="must be a Server"):
        client.create_server("dc", Volume(size=1))  # type: ignore[arg-type]
