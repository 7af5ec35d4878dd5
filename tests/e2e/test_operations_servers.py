"""Server operations, attached volumes and CD-ROMs, power actions, against the emulator."""

from __future__ import annotations

import pytest

from profitbricks.client import (
    Datacenter,
    PBNotFoundError,
    ProfitBricksService,
    Server,
    Volume,
)


@pytest.fixture
def dc_id(client: ProfitBricksService) -> str:
    created = client.create_datacenter(Datacenter(name="Servers", location="us/las"))
    client.wait_for_completion(created)
    return created["id"]


def _cdrom_in(client: ProfitBricksService, location: str) -> str:
    for image in client.list_images()["items"]:
        props = image["properties"]
        if props["imageType"] == "CDROM" and props["location"] == location:
            return str(image["id"])
    raise AssertionError(f"no CD-ROM image in {location}")


def test_server_lifecycle(client: ProfitBricksService, dc_id: str) -> None:
    created = client.create_server(
        datacenter_id=dc_id,
        server=Server(
            name="Server Name",
            cores=2,
            ram=2048,
            availability_zone="ZONE_1",
            description="My new server",
            location="de/fkb",
        ),
    )
    assert created["requestId"]
    client.wait_for_completion(created)
    srv = created["id"]

    fetched = client.get_server(dc_id, srv)
    assert fetched["properties"]["cores"] == 2
    assert fetched["properties"]["ram"] == 2048
    assert fetched["properties"]["availabilityZone"] == "ZONE_1"
    assert fetched["properties"]["vmState"] == "RUNNING"
    assert [s["id"] for s in client.list_servers(dc_id)["items"]] == [srv]

    client.wait_for_completion(client.update_server(dc_id, srv, name="Renamed", cores=4, ram=4096))
    fetched = client.get_server(dc_id, srv, depth=0)
    assert fetched["properties"]["name"] == "Renamed"
    assert (fetched["properties"]["cores"], fetched["properties"]["ram"]) == (4, 4096)

    deleted = client.delete_server(dc_id, srv)
    assert deleted["requestId"]
    client.wait_for_completion(deleted)
    with pytest.raises(PBNotFoundError):
        client.get_server(dc_id, srv)
    assert client.list_servers(dc_id)["items"] == []


def test_power_actions(client: ProfitBricksService, dc_id: str, server_id: str) -> None:
    stopped = client.stop_server(dc_id, server_id)
    assert set(stopped) == {"requestId"}
    client.wait_for_completion(stopped)
    assert client.get_server(dc_id, server_id)["properties"]["vmState"] == "SHUTOFF"

    client.wait_for_completion(client.start_server(dc_id, server_id))
    assert client.get_server(dc_id, server_id)["properties"]["vmState"] == "RUNNING"

    rebooted = client.reboot_server(datacenter_id=dc_id, server_id=server_id)
    assert rebooted["requestId"]
    client.wait_for_completion(rebooted)
    assert client.get_server(dc_id, server_id)["properties"]["vmState"] == "RUNNING"


def test_attach_and_detach_volume(client: ProfitBricksService, dc_id: str, server_id: str) -> None:
    volume = client.create_volume(dc_id, Volume(name="data", size=10, licence_type="LINUX"))
    client.wait_for_completion(volume)
    vol = volume["id"]

    attached = client.attach_volume(dc_id, server_id, vol)
    assert attached["id"] == vol
    client.wait_for_completion(attached)
    assert [v["id"] for v in client.get_attached_volumes(dc_id, server_id)["items"]] == [vol]
    on_server = client.get_attached_volume(dc_id, server_id, vol)
    assert on_server["properties"]["bus"] == "VIRTIO"

    # The first volume of a server without a boot device becomes its boot volume.
    boot = client.get_server(dc_id, server_id)["properties"]["bootVolume"]
    assert boot is not None
    assert boot["id"] == vol

    client.wait_for_completion(client.detach_volume(dc_id, server_id, vol))
    assert client.get_attached_volumes(dc_id, server_id)["items"] == []
    with pytest.raises(PBNotFoundError):
        client.get_attached_volume(dc_id, server_id, vol)
    assert client.get_volume(dc_id, vol)["id"] == vol


def test_boot_volume_update(client: ProfitBricksService, dc_id: str, server_id: str) -> None:
    first = client.create_volume(dc_id, Volume(name="one", size=5, licence_type="LINUX"))
    second = client.create_volume(dc_id, Volume(name="two", size=5, licence_type="LINUX"))
    client.wait_for_requests([first, second])
    for volume in (first, second):
        client.wait_for_completion(client.attach_volume(dc_id, server_id, volume["id"]))
    client.wait_for_completion(client.update_server(dc_id, server_id, boot_volume_id=second["id"]))
    boot = client.get_server(dc_id, server_id)["properties"]["bootVolume"]
    assert boot is not None
    assert boot["id"] == second["id"]


def test_attach_and_detach_cdrom(client: ProfitBricksService, dc_id: str, server_id: str) -> None:
    image = _cdrom_in(client, "us/las")
    attached = client.attach_cdrom(dc_id, server_id, image)
    assert attached["id"] == image
    client.wait_for_completion(attached)
    assert [c["id"] for c in client.get_attached_cdroms(dc_id, server_id)["items"]] == [image]
    assert client.get_attached_cdrom(dc_id, server_id, image)["properties"]["imageType"] == "CDROM"

    client.wait_for_completion(client.detach_cdrom(dc_id, server_id, image))
    assert client.get_attached_cdroms(dc_id, server_id)["items"] == []
    with pytest.raises(PBNotFoundError):
        client.get_attached_cdrom(dc_id, server_id, image)


def test_boot_from_cdrom(client: ProfitBricksService, dc_id: str) -> None:
    image = _cdrom_in(client, "us/las")
    created = client.create_server(dc_id, Server(name="iso", cores=1, ram=512, boot_cdrom=image))
    client.wait_for_completion(created)
    boot = client.get_server(dc_id, created["id"])["properties"]["bootCdrom"]
    assert boot is not None
    assert boot["id"] == image


def test_switch_boot_device_to_cdrom_with_an_extra_keyword(
    client: ProfitBricksService, dc_id: str, server_id: str
) -> None:
    volume = client.create_volume(dc_id, Volume(name="disk", size=5, licence_type="LINUX"))
    client.wait_for_completion(volume)
    client.wait_for_completion(client.attach_volume(dc_id, server_id, volume["id"]))
    image = _cdrom_in(client, "us/las")
    client.wait_for_completion(client.attach_cdrom(dc_id, server_id, image))

    # allow_reboot is not a documented keyword: it is camel-cased into the PATCH body.
    updated = client.update_server(dc_id, server_id, boot_cdrom=image, allow_reboot=True)
    client.wait_for_completion(updated)
    props = client.get_server(dc_id, server_id)["properties"]
    assert props["bootCdrom"] is not None
    assert props["bootCdrom"]["id"] == image
    assert props["bootVolume"] is None
