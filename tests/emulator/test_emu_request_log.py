"""The request log over HTTP: retained memory stays bounded, the log is capped per contract,
and secrets are masked in every view whatever their JSON spelling."""

from __future__ import annotations

import base64
import gc
import json
import tracemalloc
from typing import Any

from werkzeug.test import Client

from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator.config import DEFAULT_REQUEST_LOG_LIMIT

from .emu_helpers import UBUNTU_LAS, Api

JANE = ("jane@example.com", "jane-secret")
MAX = ("max@example.com", "max-secret")
BASE = "/cloudapi/v4"


class Caller:
    """One user's in-process calls to an emulator (no sockets)."""

    def __init__(self, emulator: Emulator, username: str, password: str) -> None:
        self.client = Client(emulator)
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.auth = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, raw: bytes | str | None = None) -> tuple[int, Any]:
        reply = self.client.open(BASE + path, method=method, data=raw, headers=self.auth)
        data = reply.get_data()
        return reply.status_code, (json.loads(data) if data else None)

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, doc = self.call(method, path, None if body is None else json.dumps(body))
        assert status in (200, 202), (status, doc)
        return doc

    def size(self, path: str) -> int:
        return len(self.client.get(BASE + path, headers=self.auth).get_data())


def _emulator(**config: Any) -> Emulator:
    config.setdefault("progression", "immediate")
    return Emulator(EmulatorConfig(users=[JANE, MAX], **config))


def test_ten_8_mb_patches_retain_little_and_list_small() -> None:
    emulator = _emulator()
    jane = Caller(emulator, *JANE)
    dc = jane.ok("POST", "/datacenters", {"properties": {"name": "a", "location": "us/las"}})["id"]
    padding = b" " * (8 * 1024 * 1024)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(10):
            status, _ = jane.call("PATCH", f"/datacenters/{dc}", b'{"name": "n%d"}' % n + padding)
            assert status == 202
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert retained < 2 * 1024 * 1024, f"{retained} bytes retained"
    assert jane.size("/requests?depth=1") < 400 * 1024
    latest = jane.ok("GET", "/requests?depth=1")["items"][0]["properties"]["body"]
    assert latest.startswith('{"name": "n9"}')
    assert latest.endswith(f"... [truncated: {len(padding) + 14} bytes in all]")


def test_the_default_cap_keeps_the_newest_requests_per_contract() -> None:
    emulator = _emulator()
    jane, max_ = Caller(emulator, *JANE), Caller(emulator, *MAX)
    dc = jane.ok("POST", "/datacenters", {"properties": {"name": "a", "location": "us/las"}})["id"]
    max_.ok("POST", "/datacenters", {"properties": {"name": "b", "location": "us/las"}})
    patched = [
        jane.call("PATCH", f"/datacenters/{dc}", '{"name": "x"}')
        for _ in range(DEFAULT_REQUEST_LOG_LIMIT + 4)
    ]
    assert {status for status, _ in patched} == {202}
    listed = jane.ok("GET", "/requests")["items"]
    assert len(listed) == DEFAULT_REQUEST_LOG_LIMIT
    oldest_kept = listed[-1]["id"]
    assert jane.ok("GET", f"/requests/{oldest_kept}")["properties"]["method"] == "PATCH"
    # The create and the first PATCHes were dropped; the other contract keeps its request.
    assert all(
        item["properties"]["method"] == "PATCH"
        for item in jane.ok("GET", "/requests?depth=1")["items"]
    )
    assert len(max_.ok("GET", "/requests")["items"]) == 1


def test_the_cap_is_configurable_and_dropped_requests_are_404() -> None:
    emulator = _emulator(request_log_limit=3)
    jane = Caller(emulator, *JANE)
    ids = []
    for n in range(5):
        body = {"properties": {"name": f"dc{n}", "location": "us/las"}}
        status, _ = jane.call("POST", "/datacenters", json.dumps(body))
        assert status == 202
        ids.append(jane.ok("GET", "/requests")["items"][0]["id"])
    assert [item["id"] for item in jane.ok("GET", "/requests")["items"]] == ids[:1:-1]
    assert jane.call("GET", f"/requests/{ids[0]}")[0] == 404
    assert jane.call("GET", f"/requests/{ids[1]}/status")[0] == 404


def test_queued_requests_are_kept_past_the_cap_until_they_finish() -> None:
    emulator = _emulator(request_log_limit=2, progression="polls:1000")
    jane = Caller(emulator, *JANE)
    for n in range(4):
        jane.ok("POST", "/datacenters", {"properties": {"name": f"d{n}", "location": "us/las"}})
    items = jane.ok("GET", "/requests?depth=1")["items"]
    assert len(items) == 4
    # A listing counts as a poll of each listed request (polls:N), so they may be RUNNING.
    statuses = {i["metadata"]["requestStatus"]["metadata"]["status"] for i in items}
    assert statuses <= {"QUEUED", "RUNNING"}
    emulator.controls.update({"progression": "immediate"})
    assert len(jane.ok("GET", "/requests")["items"]) == 2


def _bodies(api: Api, request_id: str) -> list[str]:
    """The request's body in every view that shows it."""
    views = [api.get(f"/requests/{request_id}", depth=d).json for d in (0, 1, 5)]
    for depth in (1, 5):
        items = api.get("/requests", depth=depth).json["items"]
        views += [item for item in items if item["id"] == request_id]
    return [view["properties"]["body"] for view in views]


def test_secrets_are_masked_under_any_json_spelling_in_every_view(api: Api) -> None:
    user = api.call(
        "POST",
        "/um/users",
        raw='{"properties": {"firstname": "A", "lastname": "B", "email": "a@example.com",'
        ' "pass\\u0077ord": "UserSecret1"}}',
        content_type="application/json",
    )
    assert user.status == 202
    dc = api.datacenter()
    volume = api.call(
        "POST",
        f"/datacenters/{dc}/volumes",
        raw='{"properties": {"size": 5, "image": "' + UBUNTU_LAS + '",'
        ' "\\u0069mage\\u0050assword": "VolSecret22"}}',
        content_type="application/json",
    )
    assert volume.status == 202, volume.text
    server = api.call(
        "POST",
        f"/datacenters/{dc}/servers",
        raw=json.dumps(
            {
                "properties": {"name": "s", "cores": 1, "ram": 256},
                "entities": {
                    "volumes": {
                        "items": [
                            {
                                "properties": {
                                    "size": 5,
                                    "image": UBUNTU_LAS,
                                    "imagePassword": "NestedSecret3",
                                }
                            }
                        ]
                    }
                },
            }
        ),
        content_type="application/json",
    )
    assert server.status == 202, server.text
    for reply, secret in (
        (user, "UserSecret1"),
        (volume, "VolSecret22"),
        (server, "NestedSecret3"),
    ):
        bodies = _bodies(api, reply.request_id)
        assert len(bodies) == 5
        for body in bodies:
            assert secret not in body
            assert '"*****"' in body
    everything = api.get("/requests", depth=5).text
    assert not {"UserSecret1", "VolSecret22", "NestedSecret3"} & set(everything.split('"'))
