"""Volume, snapshot and image operations against the emulator, state checked by GETs."""

from __future__ import annotations

import pytest

from profitbricks.client import (
    Datacenter,
    PBError,
    PBNotFoundError,
    PBValidationError,
    ProfitBricksService,
    Volume,
)

UBUNTU_LAS = "0d4f97f0-1689-11e7-97ce-525400f64d8d"


@pytest.fixture
def dc_id(client: ProfitBricksService) -> str:
    created = client.create_datacenter(Datacenter(name="Storage", location="us/las"))
    client.wait_for_completion(created)
    return created["id"]


@pytest.fixture
def volume_id(client: ProfitBricksService, dc_id: str) -> str:
    created = client.create_volume(dc_id, Volume(name="data", size=10, licence_type="LINUX"))
    client.wait_for_completion(created)
    return created["id"]


def test_volume_lifecycle(client: ProfitBricksService, dc_id: str) -> None:
    created = client.create_volume(
        datacenter_id=dc_id,
        volume=Volume(
            name="name",
            size=20,
            bus="VIRTIO",
            type="HDD",
            licence_type="LINUX",
            availability_zone="ZONE_3",
        ),
    )
    assert created["requestId"]
    assert created["properties"]["size"] == 20
    client.wait_for_completion(created)
    vol = created["id"]

    fetched = client.get_volume(dc_id, vol)
    props = fetched["properties"]
    assert (props["name"], props["size"], props["type"]) == ("name", 20, "HDD")
    assert (props["licenceType"], props["availabilityZone"]) == ("LINUX", "ZONE_3")
    assert [v["id"] for v in client.list_volumes(dc_id)["items"]] == [vol]

    client.wait_for_completion(client.update_volume(dc_id, vol, size=30, name="New Name"))
    props = client.get_volume(dc_id, vol)["properties"]
    assert (props["name"], props["size"]) == ("New Name", 30)

    client.wait_for_completion(client.delete_volume(dc_id, vol))
    with pytest.raises(PBNotFoundError):
        client.get_volume(dc_id, vol)
    assert client.list_volumes(dc_id)["items"] == []


def test_volume_from_public_image(client: ProfitBricksService, dc_id: str) -> None:
    created = client.create_volume(
        dc_id,
        Volume(name="os", size=20, image=UBUNTU_LAS, image_password="secretpassword123"),
    )
    client.wait_for_completion(created)
    props = client.get_volume(dc_id, created["id"])["properties"]
    assert props["image"] == UBUNTU_LAS
    assert props["licenceType"] == "LINUX"
    assert props["imagePassword"] is None


def test_volume_shrink_is_refused_by_the_api(
    client: ProfitBricksService, dc_id: str, volume_id: str
) -> None:
    with pytest.raises(PBValidationError):
        client.update_volume(dc_id, volume_id, size=5)
    assert client.get_volume(dc_id, volume_id)["properties"]["size"] == 10


def test_snapshot_lifecycle(client: ProfitBricksService, dc_id: str, volume_id: str) -> None:
    snapshot = client.create_snapshot(
        datacenter_id=dc_id,
        volume_id=volume_id,
        name="Snapshot Name",
        description="Snapshot description",
    )
    assert snapshot["requestId"]
    client.wait_for_completion(snapshot)
    snap = snapshot["id"]

    fetched = client.get_snapshot(snap)
    assert fetched["properties"]["name"] == "Snapshot Name"
    assert fetched["properties"]["description"] == "Snapshot description"
    assert fetched["properties"]["size"] == 10
    assert fetched["properties"]["location"] == "us/las"
    assert snap in [s["id"] for s in client.list_snapshots()["items"]]

    client.wait_for_completion(
        client.update_snapshot(snap, name="New Name", description="New", cpu_hot_plug=True)
    )
    props = client.get_snapshot(snapshot_id=snap)["properties"]
    assert (props["name"], props["description"], props["cpuHotPlug"]) == ("New Name", "New", True)

    restored = client.restore_snapshot(dc_id, volume_id, snap)
    assert set(restored) == {"requestId"}
    client.wait_for_completion(restored)
    assert client.get_request(restored["requestId"], status=True)["metadata"]["status"] == "DONE"

    client.wait_for_completion(client.delete_snapshot(snap))
    with pytest.raises(PBNotFoundError):
        client.get_snapshot(snap)


def test_snapshot_defaults_and_remove_snapshot(
    client: ProfitBricksService, dc_id: str, volume_id: str
) -> None:
    snapshot = client.create_snapshot(dc_id, volume_id)
    client.wait_for_completion(snapshot)
    props = client.get_snapshot(snapshot["id"])["properties"]
    assert props["name"] != "None"
    assert props["name"].startswith("data")
    assert props["description"] != "None"

    client.wait_for_completion(client.remove_snapshot(snapshot["id"]))
    assert snapshot["id"] not in [s["id"] for s in client.list_snapshots()["items"]]


def test_images(client: ProfitBricksService) -> None:
    images = client.list_images()["items"]
    assert UBUNTU_LAS in [image["id"] for image in images]
    image = client.get_image(UBUNTU_LAS)
    assert image["properties"]["imageType"] == "HDD"
    assert image["properties"]["location"] == "us/las"
    assert image["properties"]["public"] is True


def test_public_images_cannot_be_changed(client: ProfitBricksService) -> None:
    before = client.get_image(UBUNTU_LAS)["properties"]
    with pytest.raises(PBError) as updating:
        client.update_image(UBUNTU_LAS, name="Mine now", licence_type="OTHER")
    assert updating.value.resp in (403, 422)
    with pytest.raises(PBError) as deleting:
        client.delete_image(UBUNTU_LAS)
    assert deleting.value.resp in (403, 422)
    assert client.get_image(UBUNTU_LAS)["properties"] == before
