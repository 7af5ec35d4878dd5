"""Restoring a 1,000-server estate: the pytest fixture's ``restore()`` and ``PUT /_emulator/state``.

Builds the estate once through the Cloud API (one data centre; ``--servers`` servers, each
created with a volume and a NIC in one request), then measures, side by side in one run:

1. ``snapshot()`` of the fixture handle (in process, no JSON text): median time.
2. ``restore(snapshot)`` of the fixture handle (target: under 0.2 s): median time.
3. ``GET /_emulator/state`` over HTTP: median time and the document's size.
4. ``PUT /_emulator/state`` over HTTP with that document: median time (JSON decoding, checking
   and building included).
5. The state file as ``--state-file`` writes it: size, and the median time to encode and write
   it atomically.

Every restore is checked: the server count after it is the estate's.

Run: ``python benchmarks/state_restore.py [--servers 1000] [--repeat 7]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import urllib3
from _support import USER

from profitbricks.emulator.statefile import encode, write_state_file
from profitbricks.emulator.testing import EmulatorHandle, running_emulator


def median_seconds(action: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def build_estate(emu: EmulatorHandle, http: urllib3.PoolManager, servers: int) -> str:
    headers = urllib3.make_headers(basic_auth=f"{USER[0]}:{USER[1]}")
    headers["Content-Type"] = "application/json"

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = http.request("POST", emu.url + path, body=json.dumps(body), headers=headers)
        if reply.status != 202:
            raise SystemExit(f"POST {path}: {reply.status} {reply.data[:300]!r}")
        doc: dict[str, Any] = json.loads(reply.data)
        return doc

    dc = post("/datacenters", {"properties": {"name": "estate", "location": "de/fra"}})
    for n in range(servers):
        post(
            f"/datacenters/{dc['id']}/servers",
            {
                "properties": {"name": f"server-{n}", "cores": 1, "ram": 1024},
                "entities": {
                    "volumes": {
                        "items": [
                            {
                                "properties": {
                                    "name": f"disk-{n}",
                                    "size": 10,
                                    "type": "HDD",
                                    "licenceType": "LINUX",
                                }
                            }
                        ]
                    },
                    "nics": {"items": [{"properties": {"name": f"nic-{n}", "lan": 1}}]},
                },
            },
        )
    return str(dc["id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    limits = {
        "coresPerContract": 10 * args.servers,
        "ramPerContract": 2048 * args.servers,
        "hddLimitPerContract": 11 * 1024 * args.servers,
    }
    http = urllib3.PoolManager()
    with running_emulator([USER], resource_limits=limits) as emu:
        started = time.perf_counter()
        dc_id = build_estate(emu, http, args.servers)
        print(
            f"estate: {args.servers} servers, each with a volume and a NIC, built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        contract = emu.emulator.contract_of(USER[0])

        def servers_now() -> int:
            return len(contract_now().datacenters[dc_id].servers)

        def contract_now() -> Any:
            return emu.emulator.contract_of(USER[0])

        del contract
        snapshot = emu.snapshot()
        print(f"records in the document: {snapshot.size}")
        snap_time = median_seconds(emu.snapshot, args.repeat)

        def fixture_restore() -> None:
            emu.restore(snapshot)
            if servers_now() != args.servers:
                raise SystemExit("restore lost servers")

        restore_time = median_seconds(fixture_restore, args.repeat)
        control = emu.base_url + "/_emulator/state"
        exported: list[bytes] = []

        def export() -> None:
            reply = http.request("GET", control)
            if reply.status != 200:
                raise SystemExit(f"GET /_emulator/state: {reply.status}")
            exported[:] = [reply.data]

        export_time = median_seconds(export, args.repeat)
        body = exported[0]

        def put() -> None:
            reply = http.request("PUT", control, body=body, headers=emu.control_headers())
            if reply.status != 200:
                raise SystemExit(f"PUT /_emulator/state: {reply.status} {reply.data[:300]!r}")
            if servers_now() != args.servers:
                raise SystemExit("import lost servers")

        put_time = median_seconds(put, args.repeat)
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "state.json")

            def save() -> None:
                write_state_file(path, encode(emu.emulator.export_state()))

            save_time = median_seconds(save, args.repeat)
            file_size = os.path.getsize(path)

    print(f"fixture snapshot()            median {snap_time * 1000:8.1f} ms")
    print(
        f"fixture restore(snapshot)     median {restore_time * 1000:8.1f} ms "
        f"(target < 200 ms: {'met' if restore_time < 0.2 else 'MISSED'})"
    )
    print(
        f"GET /_emulator/state          median {export_time * 1000:8.1f} ms "
        f"({len(body) / 1e6:.2f} MB, pretty-printed)"
    )
    print(f"PUT /_emulator/state          median {put_time * 1000:8.1f} ms")
    print(
        f"state file write (atomic)     median {save_time * 1000:8.1f} ms "
        f"({file_size / 1e6:.2f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
