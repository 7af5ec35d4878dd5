"""Concurrent clients: no lost update, no torn read, every request finishes."""

from __future__ import annotations

import threading
from collections.abc import Callable

from profitbricks.emulator.testing import EmulatorHandle

from .emu_helpers import Api

THREADS = 6


def _run(work: Callable[[int], None]) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[0]


def test_concurrent_creates_and_patches_lose_nothing(api: Api, emulator: EmulatorHandle) -> None:
    dc = api.datacenter()
    clients = [Api(emulator, api.username, api.password) for _ in range(THREADS)]
    created: list[list[str]] = [[] for _ in range(THREADS)]

    def work(index: int) -> None:
        client = clients[index]
        for n in range(8):
            srv = client.ok(
                "POST",
                f"/datacenters/{dc}/servers",
                {"properties": {"name": f"t{index}-{n}", "cores": 1, "ram": 256}},
            )["id"]
            created[index].append(srv)
            client.ok("PATCH", f"/datacenters/{dc}/servers/{srv}", {"name": f"done-{index}-{n}"})
            nic = client.ok(
                "POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": index + 1}}
            )
            assert nic["properties"]["lan"] == index + 1
            doc = client.get(f"/datacenters/{dc}", depth=1).json
            assert doc["properties"]["name"] == "dc"

    _run(work)
    servers = api.get(f"/datacenters/{dc}/servers", depth=1).json["items"]
    assert len(servers) == THREADS * 8
    names = {s["properties"]["name"] for s in servers}
    assert names == {f"done-{i}-{n}" for i in range(THREADS) for n in range(8)}
    assert {s["id"] for s in servers} == {sid for ids in created for sid in ids}
    lans = api.get(f"/datacenters/{dc}/lans").json["items"]
    assert sorted(int(lan["id"]) for lan in lans) == list(range(1, THREADS + 1))
    # every request finished; the data centre saw every change
    statuses = {
        item["metadata"]["requestStatus"]["metadata"]["status"]
        for item in api.get("/requests", depth=2).json["items"]
    }
    assert statuses == {"DONE"}
    version = api.get(f"/datacenters/{dc}").json["properties"]["version"]
    assert version == 1 + THREADS * 8 * 3
    for client in clients:
        client.pool.clear()


def test_concurrent_seconds_progression_finishes(api: Api, emulator: EmulatorHandle) -> None:
    emulator.configure(progression="seconds:0.05")
    clients = [Api(emulator, api.username, api.password) for _ in range(THREADS)]
    replies: list[str] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        for n in range(5):
            reply = clients[index].call(
                "POST",
                "/datacenters",
                {"properties": {"name": f"{index}-{n}", "location": "us/las"}},
            )
            assert reply.status == 202
            with lock:
                replies.append(reply.request_id)

    _run(work)
    threading.Event().wait(0.1)
    for request_id in replies:
        status = api.get(f"/requests/{request_id}/status").json["metadata"]["status"]
        assert status == "DONE"
    items = api.get("/datacenters", depth=1).json["items"]
    assert len(items) == THREADS * 5
    assert {i["metadata"]["state"] for i in items} == {"AVAILABLE"}
    for client in clients:
        client.pool.clear()
