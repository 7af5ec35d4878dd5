"""The emulator's public catalogue: locations, public images, image aliases, contract limits.

Pure data. The four Cloud API v4 locations (``GET /locations``), the public HDD images and CD-ROM
ISOs of the 2017 catalogue in each of them (``GET /images``), the aliases that a volume's
``imageAlias`` resolves per location, and the contract's default resource limits
(``GET /contracts``).

Image ids are stable across runs and machines: the Ubuntu 16.04 HDD image in ``us/las`` keeps the
id the API reference's examples use, every other id is a UUID version 5 derived from
:data:`IMAGE_NAMESPACE` and ``"<location>/<image name>"``.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = [
    "DEFAULT_RESOURCE_LIMITS",
    "HOT_PLUG_FLAGS",
    "IMAGE_ALIASES",
    "IMAGE_NAMESPACE",
    "LOCATIONS",
    "LOCATION_IDS",
    "public_images",
]

#: Namespace of the UUID-5 image ids (``uuid5(IMAGE_NAMESPACE, "<location>/<name>")``).
IMAGE_NAMESPACE = uuid.UUID("5c0a7e52-2f4b-4d8e-9b1a-6f3c2d1e0a90")

#: The location ids of Cloud API v4, in the order ``GET /locations`` lists them.
LOCATION_IDS: tuple[str, ...] = ("us/las", "us/ewr", "de/fra", "de/fkb")

_LOCATION_NAMES = {
    "us/las": "lasvegas",
    "us/ewr": "newark",
    "de/fra": "frankfurt",
    "de/fkb": "karlsruhe",
}

# Every location of that era offered SSD storage and multi-core servers.
_LOCATION_FEATURES = {
    "us/las": ["SSD", "MULTIPLE_CPU"],
    "us/ewr": ["SSD", "MULTIPLE_CPU"],
    "de/fra": ["SSD", "MULTIPLE_CPU"],
    "de/fkb": ["SSD", "MULTIPLE_CPU"],
}

# Ids that the API reference's own examples hard-code, keyed by (location, image name).
_FIXED_IDS = {
    ("us/las", "Ubuntu-16.04-LTS-server-2017-10-01"): "0d4f97f0-1689-11e7-97ce-525400f64d8d",
}

#: The hot-plug flags of images, snapshots and volumes, in the order the API lists them.
HOT_PLUG_FLAGS: tuple[str, ...] = (
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

# Linux kernels of that era hot-plug CPUs, RAM, NICs and virtio discs, and release NICs and
# virtio discs again; they cannot give back CPUs or RAM, and the SCSI path was not offered.
_LINUX_FLAGS = (True, False, True, False, True, True, True, True, False, False)
# Windows Server hot-adds CPUs, RAM, NICs and virtio discs but removes nothing while running.
_WINDOWS_FLAGS = (True, False, True, False, True, False, True, False, False, False)
# Installer media of other systems: no hot-plug promises.
_NO_FLAGS = (False,) * len(HOT_PLUG_FLAGS)

# (name, imageType, licenceType, size in GB, flags, aliases), offered in every location.
_IMAGES: tuple[tuple[str, str, str, float, tuple[bool, ...], tuple[str, ...]], ...] = (
    (
        "Ubuntu-16.04-LTS-server-2017-10-01",
        "HDD",
        "LINUX",
        2.0,
        _LINUX_FLAGS,
        ("ubuntu:latest", "ubuntu:16.04"),
    ),
    ("Ubuntu-14.04-LTS-server-2017-10-01", "HDD", "LINUX", 2.0, _LINUX_FLAGS, ("ubuntu:14.04",)),
    (
        "CentOS-7-server-2017-10-01",
        "HDD",
        "LINUX",
        2.0,
        _LINUX_FLAGS,
        ("centos:latest", "centos:7"),
    ),
    ("CentOS-6-server-2017-10-01", "HDD", "LINUX", 2.0, _LINUX_FLAGS, ("centos:6",)),
    (
        "Debian-9-server-2017-10-01",
        "HDD",
        "LINUX",
        2.0,
        _LINUX_FLAGS,
        ("debian:latest", "debian:9"),
    ),
    ("Debian-8-server-2017-10-01", "HDD", "LINUX", 2.0, _LINUX_FLAGS, ("debian:8",)),
    (
        "Windows2012R2-server-2017-10-01",
        "HDD",
        "WINDOWS",
        14.0,
        _WINDOWS_FLAGS,
        ("windows:2012r2",),
    ),
    (
        "Windows2016-server-2017-10-01",
        "HDD",
        "WINDOWS2016",
        15.0,
        _WINDOWS_FLAGS,
        ("windows:latest", "windows:2016"),
    ),
    (
        "ubuntu-16.04.3-server-amd64.iso",
        "CDROM",
        "LINUX",
        0.83,
        _LINUX_FLAGS,
        ("ubuntu:16.04_iso",),
    ),
    ("ubuntu-14.04.5-server-amd64.iso", "CDROM", "LINUX", 0.6, _LINUX_FLAGS, ()),
    ("CentOS-7-x86_64-Minimal-1708.iso", "CDROM", "LINUX", 0.79, _LINUX_FLAGS, ("centos:7_iso",)),
    ("CentOS-6.8-x86_64-netinstall.iso", "CDROM", "LINUX", 0.23, _LINUX_FLAGS, ()),
    ("debian-9.2.1-amd64-netinst.iso", "CDROM", "LINUX", 0.29, _LINUX_FLAGS, ("debian:9_iso",)),
    ("debian-8.9.0-amd64-netinst.iso", "CDROM", "LINUX", 0.24, _LINUX_FLAGS, ()),
    ("Windows-Server-2012R2-x64.iso", "CDROM", "WINDOWS", 4.1, _WINDOWS_FLAGS, ()),
    ("Windows-Server-2016-x64.iso", "CDROM", "WINDOWS2016", 5.2, _WINDOWS_FLAGS, ()),
    ("FreeBSD-11.1-RELEASE-amd64-disc1.iso", "CDROM", "OTHER", 0.61, _NO_FLAGS, ()),
    ("gparted-live-0.29.0-1-amd64.iso", "CDROM", "UNKNOWN", 0.27, _NO_FLAGS, ()),
)


def _image_id(location: str, name: str) -> str:
    fixed = _FIXED_IDS.get((location, name))
    if fixed is not None:
        return fixed
    return str(uuid.uuid5(IMAGE_NAMESPACE, f"{location}/{name}"))


def _build_aliases() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for location in LOCATION_IDS:
        aliases: dict[str, str] = {}
        for name, _type, _licence, _size, _flags, names in _IMAGES:
            for alias in names:
                aliases[alias] = _image_id(location, name)
        table[location] = dict(sorted(aliases.items()))
    return table


#: location id -> alias (``"ubuntu:latest"``) -> id of the public image it resolves to there.
#: ``*_iso`` aliases resolve to CD-ROM images, all others to HDD images.
IMAGE_ALIASES: dict[str, dict[str, str]] = _build_aliases()

#: ``GET /locations`` items' data: id, name, features and the alias names valid there.
LOCATIONS: list[dict[str, Any]] = [
    {
        "id": location,
        "name": _LOCATION_NAMES[location],
        "features": list(_LOCATION_FEATURES[location]),
        "imageAliases": list(IMAGE_ALIASES[location]),
    }
    for location in LOCATION_IDS
]

#: The contract's limits (``GET /contracts`` ``resourceLimits``): cores, RAM in MB, disc in MB,
#: reservable IPs. The ``*Provisioned`` / ``reservedIps*`` usage counters are computed from state.
DEFAULT_RESOURCE_LIMITS: dict[str, int] = {
    "coresPerServer": 62,
    "coresPerContract": 500,
    "ramPerServer": 245760,
    "ramPerContract": 1024000,
    "hddLimitPerVolume": 4096000,
    "hddLimitPerContract": 8192000,
    "ssdLimitPerVolume": 4096000,
    "ssdLimitPerContract": 8192000,
    "reservableIps": 50,
}


def public_images() -> list[dict[str, Any]]:
    """Return the public images of every location as new dicts (safe to mutate).

    Each dict has ``id`` and the image properties of ``GET /images/{id}``: name, description
    (``None``), location, size (float GB), imageType, licenceType, public, imageAliases and the
    ten hot-plug flags. Order: location by location, as :data:`LOCATION_IDS`.
    """
    images: list[dict[str, Any]] = []
    for location in LOCATION_IDS:
        for name, image_type, licence, size, flags, aliases in _IMAGES:
            image: dict[str, Any] = {
                "id": _image_id(location, name),
                "name": name,
                "description": None,
                "location": location,
                "size": size,
                "imageType": image_type,
                "licenceType": licence,
                "public": True,
                "imageAliases": list(aliases),
            }
            image.update(zip(HOT_PLUG_FLAGS, flags, strict=True))
            images.append(image)
    return images
