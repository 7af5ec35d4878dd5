"""GET /_emulator/stats: requests served and connections accepted, cumulative since start."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import urllib3

from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator.testing import EmulatorHandle, InMemoryTransport


class Probe:
    """Reads the stats over one kept-alive connection of its own, so probing opens none."""

    def __init__(self, handle: EmulatorHandle) -> None:
        parts = urlsplit(handle.base_url)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)

    def call(self, method: str, path: str = "/_emulator/stats") -> tuple[int, Any]:
        self.connection.request(method, path)
        reply = self.connection.getresponse()
        return reply.status, json.loads(reply.read())

    def stats(self) -> Any:
        status, body = self.call("GET")
        assert status == 200
        return body


@pytest.fixture
def probe(emulator: EmulatorHandle) -> Iterator[Probe]:
    probe = Probe(emulator)
    yield probe
    probe.connection.close()


def test_counts_requests_and_connections(emulator: EmulatorHandle, probe: Probe) -> None:
    before = probe.stats()
    pool = urllib3.HTTPConnectionPool(
        "127.0.0.1", emulator.server.port if emulator.server else 0, maxsize=1, retries=False
    )
    headers = urllib3.make_headers(basic_auth=f"{emulator.username}:{emulator.password}")
    path = urlsplit(emulator.url).path
    statuses = [
        pool.request("GET", path + "/datacenters", headers=headers).status for _ in range(5)
    ]
    statuses.append(pool.request("GET", path + "/nothing", headers=headers).status)
    statuses.append(pool.request("GET", "/elsewhere").status)

    during = probe.stats()

    assert statuses == [200] * 5 + [404, 404]
    assert during["requests"]["api"] - before["requests"]["api"] == 7
    assert during["requests"]["control"] - before["requests"]["control"] == 1
    assert during["requests"]["total"] == during["requests"]["api"] + during["requests"]["control"]
    assert during["connections"]["accepted"] - before["connections"]["accepted"] == 1
    assert during["connections"]["open"] >= 2

    pool.close()
    # The server learns of the close asynchronously; wait for it, boundedly.
    deadline = time.monotonic() + 10
    after = probe.stats()
    while after["connections"]["open"] >= during["connections"]["open"]:
        assert time.monotonic() < deadline, after
        time.sleep(0.01)
        after = probe.stats()
    assert after["connections"]["accepted"] == during["connections"]["accepted"]


def test_a_new_connection_per_request_is_counted(emulator: EmulatorHandle, probe: Probe) -> None:
    before = probe.stats()
    parts = urlsplit(emulator.url)
    for _ in range(3):
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        connection.request("GET", parts.path + "/locations")
        assert connection.getresponse().status == 401
        connection.close()

    after = probe.stats()

    assert after["connections"]["accepted"] - before["connections"]["accepted"] == 3
    assert after["requests"]["api"] - before["requests"]["api"] == 3
    assert after["requests"]["control"] - before["requests"]["control"] == 1


def test_stats_are_cumulative_across_resets(emulator: EmulatorHandle, probe: Probe) -> None:
    before = probe.stats()
    assert probe.call("POST", "/_emulator/reset")[0] == 200

    after = probe.stats()

    assert after["requests"]["control"] == before["requests"]["control"] + 2
    assert after["requests"]["api"] >= before["requests"]["api"]
    assert after["connections"]["accepted"] >= before["connections"]["accepted"]
    status, body = probe.call("POST")
    assert status == 405
    assert "not allowed" in body["error"]


def test_in_process_counts_requests_only() -> None:
    emulator = Emulator(EmulatorConfig(users=[("mem@example.com", "pw")], progression="immediate"))
    transport = InMemoryTransport(emulator, "mem@example.com", "pw")
    for _ in range(4):
        assert transport.send("GET", transport.base_url + "/locations", {}, None).status == 200

    assert emulator.stats.snapshot() == {
        "requests": {"api": 4, "control": 0, "total": 4},
        "connections": {"accepted": 0, "open": 0},
    }
