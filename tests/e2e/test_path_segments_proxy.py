"""Through a real forward proxy that removes dot segments, a hostile path id acts on nothing.

Before the path-segment rule, ``delete_server(dc, "..")`` left the SDK as
``DELETE /datacenters/{dc}/servers/..``; a proxy normalising the path sent
``DELETE /datacenters/{dc}`` on, deleting the data centre. Here the SDK talks to the emulator
through ``ForwardProxy`` over loopback sockets, for every operation, every path parameter and a
few hostile values: the call raises PBValidationError, the proxy receives nothing, and the
emulator's data (a data centre with a server, volume, CD-ROM, LAN, NIC, firewall rule and load
balancer; a snapshot, an IP block, a group with a share and a user) is unchanged. The calls are
the ``test_wire`` rows with the real ids swapped in (``tests/contract/path_calls.py``), so that
without the rule they would reach the real resources' parents.
"""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from profitbricks._operations import OPERATIONS
from profitbricks.client import (
    LAN,
    NIC,
    Datacenter,
    FirewallRule,
    Group,
    IPBlock,
    LoadBalancer,
    PBNotFoundError,
    PBValidationError,
    ProfitBricksService,
    Server,
    User,
    Volume,
)
from profitbricks.emulator.testing import EmulatorHandle, InMemoryTransport, running_emulator

from ..contract.path_calls import call_with
from .forward_proxy import ForwardProxy, remove_dot_segments

API = "/cloudapi/v4"
HOSTILE = [
    ("dotdot", ".."),
    ("dot", "."),
    ("percent-dotdot", "%2e%2e"),
    ("slash-dotdot", "a/.."),
    ("dotdot-backslash", "..\\x"),
]


class World:
    """The emulator's resources: their ids by path parameter name, and the state they are in.

    ``state()`` reads everything through an in-process client (no sockets, no proxy). A test
    sets ``dirty`` before it acts and clears it once it has seen the state unchanged, so a
    failed test leaves the next one a rebuilt world.
    """

    def __init__(self, emulator: EmulatorHandle) -> None:
        self.emulator = emulator
        transport = InMemoryTransport(
            emulator.emulator, emulator.username, emulator.password, base_url=emulator.url
        )
        self.client = emulator.new_client(transport=transport)
        self.ids: dict[str, Any] = {}
        self.before: dict[str, Any] = {}
        self.dirty = True

    def state(self) -> dict[str, Any]:
        c = self.client
        return {
            "datacenters": c.list_datacenters(depth=5),
            "groups": c.list_groups(depth=3),
            "users": c.list_users(depth=2),
            "ipblocks": c.list_ipblocks(depth=1),
            "snapshots": c.list_snapshots(depth=1),
        }

    def ensure_built(self) -> None:
        if self.dirty:
            self.emulator.reset()
            self.ids = self._build()
            self.before = self.state()
            self.dirty = False

    def _build(self) -> dict[str, Any]:
        c = self.client

        def made(reply: Any) -> str:
            c.wait_for_completion(reply)
            return str(reply["id"])

        dc = made(c.create_datacenter(Datacenter(name="paths", location="de/fra")))
        lan = made(c.create_lan(dc, LAN(name="lan", public=True)))
        server = made(c.create_server(dc, Server(name="srv", cores=1, ram=1024)))
        volume = made(c.create_volume(dc, Volume(name="vol", size=10, licence_type="LINUX")))
        c.wait_for_completion(c.attach_volume(dc, server, volume))
        image = next(
            str(item["id"])
            for item in c.list_images()["items"]
            if item["properties"]["imageType"] == "CDROM"
            and item["properties"]["location"] == "de/fra"
        )
        c.wait_for_completion(c.attach_cdrom(dc, server, image))
        nic = made(c.create_nic(dc, server, NIC(name="nic", lan=int(lan))))
        rule = made(
            c.create_firewall_rule(
                dc,
                server,
                nic,
                FirewallRule(name="ssh", protocol="TCP", port_range_start=22, port_range_end=22),
            )
        )
        lb = made(c.create_loadbalancer(dc, LoadBalancer(name="lb", balancednics=[nic])))
        snapshot = made(c.create_snapshot(dc, volume, name="snap"))
        block = c.reserve_ipblock(IPBlock(location="de/fra", size=1))
        ipblock = made(block)
        group = made(c.create_group(Group(name="ops", create_datacenter=True)))
        c.wait_for_completion(c.add_share(group, dc, edit_privilege=True))
        user = made(
            c.create_user(
                User(firstname="Jo", lastname="Doe", email="jo@example.com", password="pa55word1")
            )
        )
        c.wait_for_completion(c.add_group_user(group, user))
        return {
            "datacenter_id": dc,
            "server_id": server,
            "volume_id": volume,
            "cdrom_id": image,
            "image_id": image,
            "lan_id": lan,
            "nic_id": nic,
            "firewall_rule_id": rule,
            "loadbalancer_id": lb,
            "snapshot_id": snapshot,
            "ipblock_id": ipblock,
            "group_id": group,
            "user_id": user,
            "resource_type": "datacenter",
            "resource_id": dc,
            "location_id": "de/fra",
            "request_id": block["requestId"],
        }

    def assert_unchanged(self) -> None:
        assert self.state() == self.before
        self.dirty = False


@pytest.fixture(scope="module")
def emulator_and_proxy() -> Iterator[tuple[World, ForwardProxy, ProfitBricksService]]:
    with running_emulator() as emulator, ForwardProxy() as proxy:
        client = ProfitBricksService(
            emulator.username,
            emulator.password,
            host_base=emulator.url,
            proxy=proxy.url,
            use_config=False,
            use_keyring=False,
        )
        with client:
            yield World(emulator), proxy, client


@pytest.fixture
def world(emulator_and_proxy: tuple[World, ForwardProxy, ProfitBricksService]) -> World:
    world, proxy, _ = emulator_and_proxy
    world.ensure_built()
    proxy.take()
    world.dirty = True
    return world


@pytest.fixture
def proxy(emulator_and_proxy: tuple[World, ForwardProxy, ProfitBricksService]) -> ForwardProxy:
    return emulator_and_proxy[1]


@pytest.fixture
def client(
    emulator_and_proxy: tuple[World, ForwardProxy, ProfitBricksService],
) -> ProfitBricksService:
    return emulator_and_proxy[2]


CASES = [
    pytest.param(operation.name, name, value, id=f"{operation.name}-{name}-{label}")
    for operation in OPERATIONS.values()
    for name in operation.params
    for label, value in HOSTILE
]


@pytest.mark.parametrize(("operation", "name", "value"), CASES)
def test_a_hostile_path_id_sends_nothing_and_changes_nothing(
    world: World,
    proxy: ForwardProxy,
    client: ProfitBricksService,
    operation: str,
    name: str,
    value: str,
) -> None:
    call = call_with(operation, {**world.ids, name: value})
    with pytest.raises(PBValidationError) as caught:
        call(client)
    assert caught.value.content[0]["message"].startswith(f"{name}: {value!r} is not allowed")
    assert proxy.take() == []
    world.assert_unchanged()


def test_a_normal_call_goes_through_the_proxy(
    world: World, proxy: ForwardProxy, client: ProfitBricksService
) -> None:
    dc, server = world.ids["datacenter_id"], world.ids["server_id"]
    assert client.get_server(dc, server)["id"] == server
    assert proxy.take() == [("GET", f"{API}/datacenters/{dc}/servers/{server}")]
    world.assert_unchanged()


def test_the_proxy_sends_a_dot_dot_segment_to_the_parent(world: World, proxy: ForwardProxy) -> None:
    # What the SDK used to cause: the request for ".../servers/%2e%2e" reaches the data centre.
    dc = world.ids["datacenter_id"]
    emulator = world.emulator
    auth = base64.b64encode(f"{emulator.username}:{emulator.password}".encode()).decode()
    host, port = proxy.server_address[:2]
    connection = http.client.HTTPConnection(str(host), port, timeout=10)
    try:
        connection.request(
            "GET",
            f"{emulator.url}/datacenters/{dc}/servers/%2e%2e",
            headers={"Authorization": f"Basic {auth}"},
        )
        reply = connection.getresponse()
        body = reply.read()
    finally:
        connection.close()
    assert reply.status == 200
    assert json.loads(body)["id"] == dc
    assert proxy.take() == [("GET", f"{API}/datacenters/{dc}/")]
    world.assert_unchanged()


@pytest.mark.parametrize(
    "value", ["x;y", "\u00fc", "a:b", "..."], ids=["semicolon", "umlaut", "colon", "three-dots"]
)
def test_an_odd_legal_id_is_one_segment_and_not_found(
    world: World, proxy: ForwardProxy, client: ProfitBricksService, value: str
) -> None:
    dc, server = world.ids["datacenter_id"], world.ids["server_id"]
    with pytest.raises(PBNotFoundError):
        client.delete_server(dc, value)
    with pytest.raises(PBNotFoundError):
        client.delete_nic(dc, server, value)
    segment = quote(value, safe="")
    assert proxy.take() == [
        ("DELETE", f"{API}/datacenters/{dc}/servers/{segment}"),
        ("DELETE", f"{API}/datacenters/{dc}/servers/{server}/nics/{segment}"),
    ]
    world.assert_unchanged()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # RFC 3986 section 5.2.4 and the normal examples of section 5.4.1 that have dot segments.
        ("/a/b/c/./../../g", "/a/g"),
        ("mid/content=5/../6", "mid/6"),
        ("/b/c/./g", "/b/c/g"),
        ("/b/c/.", "/b/c/"),
        ("/b/c/..", "/b/"),
        ("/b/c/../..", "/"),
        ("/b/c/../../../g", "/g"),
        ("/b/c/g.", "/b/c/g."),
        ("/b/c/..g", "/b/c/..g"),
        ("/b/c/g/../h", "/b/c/h"),
        ("/datacenters/d/servers/..", "/datacenters/d/"),
        ("/datacenters/d/servers/...", "/datacenters/d/servers/..."),
    ],
)
def test_the_proxy_removes_dot_segments_as_rfc_3986_says(path: str, expected: str) -> None:
    assert remove_dot_segments(path) == expected
