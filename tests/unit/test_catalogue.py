"""The emulator's seed catalogue: ids, aliases, locations and limits are consistent."""

from __future__ import annotations

import re

from profitbricks.emulator import catalogue

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FLAGS = (
    "cpuHotPlug",
    "cpuHotUnplug",
    "ramHotPlug",
    "ramHotUnplug",
    "nicHotPlug",
    "nicHotUnplug",
    "discVirtioHotPlug",
    "discVirtioHotUnplug",
    "discScsiHotPlug",
    "discScsiHotUnplug",
)


def test_locations_are_the_four_of_api_v4() -> None:
    names = {loc["id"]: loc["name"] for loc in catalogue.LOCATIONS}
    assert names == {
        "us/las": "lasvegas",
        "us/ewr": "newark",
        "de/fra": "frankfurt",
        "de/fkb": "karlsruhe",
    }
    for loc in catalogue.LOCATIONS:
        assert set(loc) == {"id", "name", "features", "imageAliases"}
        assert "SSD" in loc["features"]
        assert loc["imageAliases"] == sorted(catalogue.IMAGE_ALIASES[loc["id"]])


def test_image_ids_are_unique_uuids() -> None:
    ids = [image["id"] for image in catalogue.public_images()]
    assert len(ids) == len(set(ids))
    assert all(UUID.match(image_id) for image_id in ids)


def test_spec_example_image_is_an_ubuntu_hdd_in_las_vegas() -> None:
    by_id = {image["id"]: image for image in catalogue.public_images()}
    image = by_id["0d4f97f0-1689-11e7-97ce-525400f64d8d"]
    assert image["location"] == "us/las"
    assert image["imageType"] == "HDD"
    assert image["name"].startswith("Ubuntu")
    # SPEC.md's examples create a 20 GB volume from it.
    assert image["size"] <= 20


def test_every_location_has_hdd_and_cdrom_images_of_each_family() -> None:
    images = catalogue.public_images()
    for location in catalogue.LOCATION_IDS:
        here = [image for image in images if image["location"] == location]
        hdd = [image["name"] for image in here if image["imageType"] == "HDD"]
        cdrom = [image["name"] for image in here if image["imageType"] == "CDROM"]
        for family in ("Ubuntu", "CentOS", "Debian", "Windows2016"):
            assert any(name.startswith(family) for name in hdd), (location, family)
        assert any(name.endswith(".iso") for name in cdrom)
        assert all(name.endswith(".iso") for name in cdrom)


def test_image_shape_and_values() -> None:
    licences = {"LINUX", "WINDOWS", "WINDOWS2016", "OTHER", "UNKNOWN"}
    for image in catalogue.public_images():
        assert isinstance(image["size"], float)
        assert image["size"] > 0
        assert image["description"] is None
        assert image["public"] is True
        assert image["imageType"] in {"HDD", "CDROM"}
        assert image["licenceType"] in licences
        assert image["location"] in catalogue.LOCATION_IDS
        assert isinstance(image["imageAliases"], list)
        for flag in FLAGS:
            assert isinstance(image[flag], bool), flag
        if image["licenceType"].startswith("WINDOWS"):
            assert "Windows" in image["name"]


def test_aliases_resolve_to_images_of_the_right_type_in_the_same_location() -> None:
    by_id = {image["id"]: image for image in catalogue.public_images()}
    assert set(catalogue.IMAGE_ALIASES) == set(catalogue.LOCATION_IDS)
    for location, aliases in catalogue.IMAGE_ALIASES.items():
        assert "ubuntu:latest" in aliases
        assert "ubuntu:16.04_iso" in aliases
        for alias, image_id in aliases.items():
            image = by_id[image_id]
            assert image["location"] == location
            assert alias in image["imageAliases"]
            expected = "CDROM" if alias.endswith("_iso") else "HDD"
            assert image["imageType"] == expected, alias


def test_image_aliases_lists_exactly_the_aliases_resolving_to_it() -> None:
    for image in catalogue.public_images():
        table = catalogue.IMAGE_ALIASES[image["location"]]
        resolving = sorted(alias for alias, target in table.items() if target == image["id"])
        assert sorted(image["imageAliases"]) == resolving


def test_public_images_returns_fresh_dicts() -> None:
    first = catalogue.public_images()
    first[0]["name"] = "changed"
    first[0]["imageAliases"].append("mine:1")
    second = catalogue.public_images()
    assert second[0]["name"] != "changed"
    assert "mine:1" not in second[0]["imageAliases"]


def test_ids_are_stable_across_calls() -> None:
    assert [i["id"] for i in catalogue.public_images()] == [
        i["id"] for i in catalogue.public_images()
    ]


def test_default_resource_limits() -> None:
    limits = catalogue.DEFAULT_RESOURCE_LIMITS
    assert limits["coresPerServer"] == 62
    assert limits["coresPerContract"] == 500
    assert limits["ramPerServer"] == 245760
    assert limits["ramPerContract"] == 1024000
    assert limits["hddLimitPerVolume"] == 4096000
    assert limits["ssdLimitPerContract"] == 8192000
    assert limits["reservableIps"] == 50
    assert all(isinstance(value, int) for value in limits.values())
