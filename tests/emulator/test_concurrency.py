"""Many clients at once over HTTP: nothing is lost, duplicated or answered with a 500."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import urllib3

from profitbricks.emulator.testing import EmulatorHandle

THREADS = 8
PER_THREAD = 12


class Client:
    def __init__(self, handle: EmulatorHandle) -> None:
        self.url = handle.url
        self.pool = urllib3.PoolManager(retries=False, timeout=60)
        self.headers = urllib3.make_headers(basic_auth=f"{handle.username}:{handle.password}")
        self.headers["Content-Type"] = "application/json"
        self.statuses: list[int] = []

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        reply = self.pool.request(method, self.url + path, body=data, headers=self.headers)
        self.statuses.append(reply.status)
        assert reply.status < 300, (method, path, reply.status, reply.data[:200])
        return json.loads(reply.data) if reply.data else None, reply.headers.get("Location")

    def done(self, location: str | None) -> bool:
        assert location
        reply = self.pool.request("GET", location, headers=self.headers)
        self.statuses.append(reply.status)
        return bool(json.loads(reply.data)["metadata"]["status"] == "DONE")


def run_threads(handle: EmulatorHandle, work: Callable[[Client, int], None]) -> list[Client]:
    clients = [Client(handle) for _ in range(THREADS)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(clients[index], index)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[0]
    for client in clients:
        assert 500 not in client.statuses
        client.pool.clear()
    return clients


def test_concurrent_creates_all_complete_and_add_up(emulator: EmulatorHandle) -> None:
    created: list[list[str]] = [[] for _ in range(THREADS)]
    requests_done: list[bool] = []

    def work(client: Client, index: int) -> None:
        for n in range(PER_THREAD):
            body = {"properties": {"name": f"dc-{index}-{n}", "location": "de/fra"}}
            doc, location = client.call("POST", "/datacenters", body)
            created[index].append(doc["id"])
            requests_done.append(client.done(location))

    run_threads(emulator, work)
    all_ids = [dc_id for ids in created for dc_id in ids]
    assert len(all_ids) == THREADS * PER_THREAD
    assert len(set(all_ids)) == len(all_ids)
    assert all(requests_done)
    listing = Client(emulator).call("GET", "/datacenters?depth=1")[0]
    assert sorted(item["id"] for item in listing["items"]) == sorted(all_ids)
    names = {item["properties"]["name"] for item in listing["items"]}
    assert len(names) == THREADS * PER_THREAD


def test_concurrent_children_of_one_datacenter(emulator: EmulatorHandle) -> None:
    setup = Client(emulator)
    dc = setup.call(
        "POST", "/datacenters", {"properties": {"name": "shared", "location": "us/las"}}
    )[0]
    path = f"/datacenters/{dc['id']}"

    def work(client: Client, index: int) -> None:
        for n in range(PER_THREAD // 2):
            client.call("POST", path + "/lans", {"properties": {"name": f"lan-{index}-{n}"}})
            client.call(
                "POST",
                path + "/servers",
                {"properties": {"name": f"srv-{index}-{n}", "cores": 1, "ram": 256}},
            )

    run_threads(emulator, work)
    expected = THREADS * (PER_THREAD // 2)
    lans = setup.call("GET", path + "/lans")[0]["items"]
    servers = setup.call("GET", path + "/servers")[0]["items"]
    assert len(servers) == expected
    assert len({item["id"] for item in servers}) == expected
    # LAN ids count up from "1" with neither gaps nor duplicates
    assert sorted(int(item["id"]) for item in lans) == list(range(1, expected + 1))
    setup.pool.clear()


def test_concurrent_patches_of_different_resources_are_not_lost(
    emulator: EmulatorHandle,
) -> None:
    setup = Client(emulator)
    dc_ids = [
        setup.call(
            "POST", "/datacenters", {"properties": {"name": f"dc-{i}", "location": "us/ewr"}}
        )[0]["id"]
        for i in range(THREADS)
    ]
    patches = PER_THREAD

    def work(client: Client, index: int) -> None:
        for n in range(patches):
            client.call(
                "PATCH",
                f"/datacenters/{dc_ids[index]}",
                {"name": f"dc-{index}-v{n}", "description": f"patched {n}"},
            )

    run_threads(emulator, work)
    etags = []
    for index, dc_id in enumerate(dc_ids):
        doc = setup.call("GET", f"/datacenters/{dc_id}")[0]
        assert doc["properties"]["name"] == f"dc-{index}-v{patches - 1}"
        assert doc["properties"]["description"] == f"patched {patches - 1}"
        assert doc["properties"]["version"] >= patches
        etags.append(doc["metadata"]["etag"])
    assert len(set(etags)) == THREADS
    setup.pool.clear()


def test_concurrent_reads_during_writes(emulator: EmulatorHandle) -> None:
    setup = Client(emulator)
    dc = setup.call("POST", "/datacenters", {"properties": {"name": "busy", "location": "de/fkb"}})[
        0
    ]
    path = f"/datacenters/{dc['id']}"

    def work(client: Client, index: int) -> None:
        for n in range(PER_THREAD):
            if index % 2:
                client.call(
                    "POST",
                    path + "/volumes",
                    {"properties": {"name": f"v-{index}-{n}", "size": 1, "licenceType": "OTHER"}},
                )
            else:
                doc = client.call("GET", path + "?depth=5")[0]
                assert doc["id"] == dc["id"]

    run_threads(emulator, work)
    volumes = setup.call("GET", path + "/volumes")[0]["items"]
    assert len(volumes) == (THREADS // 2) * PER_THREAD
    setup.pool.clear()
