"""Typed shapes of the Cloud API's JSON replies (see WIRE.md).

The SDK returns plain ``dict`` objects; these ``TypedDict`` classes only describe them for type
checkers. Keys vary with ``depth`` and with the call, so every shape is ``total=False``.
Replies to mutating calls also carry ``requestId`` (the provisioning request to wait for).
"""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = [
    "Accepted",
    "Collection",
    "ContractDoc",
    "ContractProperties",
    "DatacenterDoc",
    "DatacenterProperties",
    "FirewallRuleDoc",
    "FirewallRuleProperties",
    "GroupDoc",
    "GroupProperties",
    "ImageDoc",
    "ImageProperties",
    "IpBlockDoc",
    "IpBlockProperties",
    "LanDoc",
    "LanProperties",
    "LoadBalancerDoc",
    "LoadBalancerProperties",
    "LocationDoc",
    "LocationProperties",
    "Metadata",
    "NicDoc",
    "NicProperties",
    "Reference",
    "RequestDoc",
    "RequestMetadata",
    "RequestProperties",
    "RequestStatusDoc",
    "RequestStatusMetadata",
    "RequestTarget",
    "ResourceDoc",
    "ServerDoc",
    "ServerProperties",
    "ShareDoc",
    "ShareProperties",
    "SnapshotDoc",
    "SnapshotProperties",
    "UserDoc",
    "UserMetadata",
    "UserProperties",
    "VolumeDoc",
    "VolumeProperties",
]


class Accepted(TypedDict, total=False):
    """Reply of a call the API accepted without a body (delete, detach, start, stop, ...)."""

    requestId: str | None


class Reference(TypedDict, total=False):
    """A resource that is not expanded: ``{"id", "type", "href"}``."""

    id: str
    type: str
    href: str


class Metadata(TypedDict, total=False):
    """``metadata`` of most resources; ``state`` is AVAILABLE, BUSY or INACTIVE."""

    createdDate: str
    createdBy: str
    etag: str
    lastModifiedDate: str
    lastModifiedBy: str
    state: str


class Collection(TypedDict, total=False):
    """A list reply: ``items`` are references at depth 0, full resources above."""

    id: str
    type: str
    href: str
    items: list[Any]
    requestId: str


class _Doc(TypedDict, total=False):
    id: str
    type: str
    href: str
    metadata: Metadata
    entities: dict[str, Any]
    requestId: str


class DatacenterProperties(TypedDict, total=False):
    name: str
    description: str | None
    location: str
    version: int | None
    features: list[str]


class DatacenterDoc(_Doc, total=False):
    """A data centre (``/datacenters/{id}``)."""

    properties: DatacenterProperties


class ServerProperties(TypedDict, total=False):
    name: str
    cores: int
    ram: int
    availabilityZone: str
    vmState: str | None
    bootVolume: dict[str, Any] | None
    bootCdrom: dict[str, Any] | None
    cpuFamily: str


class ServerDoc(_Doc, total=False):
    """A server (``/datacenters/{dc}/servers/{id}``)."""

    properties: ServerProperties


class VolumeProperties(TypedDict, total=False):
    name: str | None
    type: str
    size: int
    availabilityZone: str
    image: str | None
    imagePassword: str | None
    sshKeys: list[str] | None
    bus: str | None
    licenceType: str | None
    cpuHotPlug: bool
    cpuHotUnplug: bool
    ramHotPlug: bool
    ramHotUnplug: bool
    nicHotPlug: bool
    nicHotUnplug: bool
    discVirtioHotPlug: bool
    discVirtioHotUnplug: bool
    discScsiHotPlug: bool
    discScsiHotUnplug: bool
    deviceNumber: int | None


class VolumeDoc(_Doc, total=False):
    """A volume (``/datacenters/{dc}/volumes/{id}``)."""

    properties: VolumeProperties


class NicProperties(TypedDict, total=False):
    name: str | None
    mac: str | None
    ips: list[str]
    dhcp: bool
    lan: int
    firewallActive: bool | None
    nat: bool | None


class NicDoc(_Doc, total=False):
    """A NIC (``/datacenters/{dc}/servers/{srv}/nics/{id}``)."""

    properties: NicProperties


class FirewallRuleProperties(TypedDict, total=False):
    name: str | None
    protocol: str
    sourceMac: str | None
    sourceIp: str | None
    targetIp: str | None
    icmpCode: int | None
    icmpType: int | None
    portRangeStart: int | None
    portRangeEnd: int | None


class FirewallRuleDoc(_Doc, total=False):
    """A firewall rule (``…/nics/{nic}/firewallrules/{id}``)."""

    properties: FirewallRuleProperties


class LanProperties(TypedDict, total=False):
    name: str | None
    public: bool
    ipFailover: list[dict[str, str]]


class LanDoc(_Doc, total=False):
    """A LAN (``/datacenters/{dc}/lans/{id}``); its ``id`` is a decimal string."""

    properties: LanProperties


class LoadBalancerProperties(TypedDict, total=False):
    name: str | None
    ip: str | None
    dhcp: bool


class LoadBalancerDoc(_Doc, total=False):
    """A load balancer (``/datacenters/{dc}/loadbalancers/{id}``)."""

    properties: LoadBalancerProperties


class ImageProperties(TypedDict, total=False):
    name: str
    description: str | None
    location: str
    size: float
    licenceType: str
    imageType: str
    public: bool
    imageAliases: list[str]
    cpuHotPlug: bool
    cpuHotUnplug: bool
    ramHotPlug: bool
    ramHotUnplug: bool
    nicHotPlug: bool
    nicHotUnplug: bool
    discVirtioHotPlug: bool
    discVirtioHotUnplug: bool
    discScsiHotPlug: bool
    discScsiHotUnplug: bool


class ImageDoc(_Doc, total=False):
    """An image (``/images/{id}``), also the items of a server's ``cdroms``."""

    properties: ImageProperties


class SnapshotProperties(TypedDict, total=False):
    name: str
    description: str | None
    location: str
    size: int | None
    licenceType: str | None
    cpuHotPlug: bool
    cpuHotUnplug: bool
    ramHotPlug: bool
    ramHotUnplug: bool
    nicHotPlug: bool
    nicHotUnplug: bool
    discVirtioHotPlug: bool
    discVirtioHotUnplug: bool
    discScsiHotPlug: bool
    discScsiHotUnplug: bool


class SnapshotDoc(_Doc, total=False):
    """A snapshot (``/snapshots/{id}``)."""

    properties: SnapshotProperties


class IpBlockProperties(TypedDict, total=False):
    name: str | None
    location: str
    size: int
    ips: list[str]


class IpBlockDoc(_Doc, total=False):
    """A reserved IP block (``/ipblocks/{id}``)."""

    properties: IpBlockProperties


class LocationProperties(TypedDict, total=False):
    name: str
    features: list[str]
    imageAliases: list[str]


class LocationDoc(TypedDict, total=False):
    """A location (``/locations/{region}/{city}``); no metadata."""

    id: str
    type: str
    href: str
    properties: LocationProperties


class ContractProperties(TypedDict, total=False):
    contractNumber: int
    owner: str
    status: str
    resourceLimits: dict[str, int]


class ContractDoc(TypedDict, total=False):
    """The contract of the account (``/contracts``), a single object."""

    type: str
    properties: ContractProperties


class GroupProperties(TypedDict, total=False):
    name: str
    createDataCenter: bool
    createSnapshot: bool
    reserveIp: bool
    accessActivityLog: bool


class GroupDoc(TypedDict, total=False):
    """A group (``/um/groups/{id}``); no metadata."""

    id: str
    type: str
    href: str
    properties: GroupProperties
    entities: dict[str, Any]
    requestId: str


class UserProperties(TypedDict, total=False):
    firstname: str
    lastname: str
    email: str
    administrator: bool
    forceSecAuth: bool
    secAuthActive: bool


class UserMetadata(TypedDict, total=False):
    etag: str
    createdDate: str
    lastLogin: str | None


class UserDoc(TypedDict, total=False):
    """A user (``/um/users/{id}``)."""

    id: str
    type: str
    href: str
    metadata: UserMetadata
    properties: UserProperties
    entities: dict[str, Any]
    requestId: str


class ShareProperties(TypedDict, total=False):
    editPrivilege: bool
    sharePrivilege: bool


class ShareDoc(TypedDict, total=False):
    """A resource shared with a group (``/um/groups/{grp}/shares/{id}``); ``type`` is resource."""

    id: str
    type: str
    href: str
    properties: ShareProperties
    requestId: str


class ResourceDoc(_Doc, total=False):
    """A resource as user management sees it (``/um/resources/{type}/{id}``)."""


class RequestMetadata(TypedDict, total=False):
    createdDate: str
    createdBy: str
    etag: str
    requestStatus: dict[str, Any]


class RequestProperties(TypedDict, total=False):
    method: str
    headers: dict[str, str]
    body: str | None
    url: str


class RequestDoc(TypedDict, total=False):
    """A provisioning request (``/requests/{id}``)."""

    id: str
    type: str
    href: str
    metadata: RequestMetadata
    properties: RequestProperties


class RequestTarget(TypedDict, total=False):
    target: Reference
    status: str


class RequestStatusMetadata(TypedDict, total=False):
    status: str
    message: str | None
    etag: str
    targets: list[RequestTarget]


class RequestStatusDoc(TypedDict, total=False):
    """The status of a request (``/requests/{id}/status``): QUEUED, RUNNING, DONE or FAILED."""

    id: str
    type: str
    href: str
    metadata: RequestStatusMetadata
