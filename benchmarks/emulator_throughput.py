"""Emulator throughput: GETs per second over keep-alive, and a depth-5 GET of a big data centre.

Starts its own emulator (``python -m profitbricks.emulator``) in a subprocess pinned to CPU 0,
pins itself to CPU 1, runs bounded loops and prints medians of several repetitions:

- ``GET /datacenters/{id}`` per second over one keep-alive connection (target >= 1,500/s);
- the time of ``GET /datacenters/{id}?depth=5`` for a data centre with 1,000 servers, each with
  a volume and a NIC (target < 0.5 s).

Run: ``python benchmarks/emulator_throughput.py [--repeat 5] [--gets 3000] [--servers 1000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import urllib3
from _support import CLIENT_CPU, SERVER_CPU, USER, can_pin, emulator_command, start_server


def start_emulator(pin: bool) -> tuple[subprocess.Popen[str], str]:
    """Start the emulator in a subprocess (pinned to SERVER_CPU); return it and its API URL."""
    # A contract allows 500 cores; the big data centre needs one per server.
    command = emulator_command(pin, "--threads", "4", "--limit", "coresPerContract=100000")
    return start_server(command, "emulator")


class Api:
    def __init__(self, url: str) -> None:
        parsed = urllib3.util.parse_url(url)
        self.prefix = parsed.path or ""
        self.pool = urllib3.HTTPConnectionPool(
            parsed.host, parsed.port, maxsize=1, block=True, retries=False, timeout=120
        )
        self.headers = urllib3.make_headers(basic_auth=f"{USER[0]}:{USER[1]}")
        self.headers["Content-Type"] = "application/json"

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        reply = self.pool.request(method, self.prefix + path, body=data, headers=self.headers)
        if reply.status >= 300:
            raise SystemExit(f"{method} {path}: {reply.status} {reply.data[:300]!r}")
        return json.loads(reply.data) if reply.data else None


def bench_gets(api: Api, dc_id: str, count: int) -> float:
    path = f"{api.prefix}/datacenters/{dc_id}"
    request = api.pool.request
    headers = api.headers
    started = time.perf_counter()
    for _ in range(count):
        reply = request("GET", path, headers=headers)
        if reply.status != 200:
            raise SystemExit(f"GET {path}: {reply.status}")
    return count / (time.perf_counter() - started)


def build_big_datacenter(api: Api, servers: int) -> str:
    dc_id: str = api.call(
        "POST", "/datacenters", {"properties": {"name": "big", "location": "us/las"}}
    )["id"]
    api.call("POST", f"/datacenters/{dc_id}/lans", {"properties": {"name": "lan"}})
    for n in range(servers):
        api.call(
            "POST",
            f"/datacenters/{dc_id}/servers",
            {
                "properties": {"name": f"server-{n}", "cores": 1, "ram": 256},
                "entities": {
                    "volumes": {
                        "items": [
                            {
                                "properties": {
                                    "name": f"volume-{n}",
                                    "size": 1,
                                    "licenceType": "LINUX",
                                }
                            }
                        ]
                    },
                    "nics": {"items": [{"properties": {"name": f"nic-{n}", "lan": 1}}]},
                },
            },
        )
    return dc_id


def bench_depth5(api: Api, dc_id: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    reply = api.pool.request(
        "GET", f"{api.prefix}/datacenters/{dc_id}?depth=5", headers=api.headers
    )
    elapsed = time.perf_counter() - started
    if reply.status != 200:
        raise SystemExit(f"depth-5 GET: {reply.status}")
    doc = json.loads(reply.data)
    return elapsed, len(doc["entities"]["servers"]["items"]), len(reply.data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per figure (5)")
    parser.add_argument("--gets", type=int, default=3000, help="GETs per repetition (3000)")
    parser.add_argument("--servers", type=int, default=1000, help="servers in the big DC (1000)")
    args = parser.parse_args(argv)

    pin = can_pin()
    process, url = start_emulator(pin)
    try:
        if pin:
            os.sched_setaffinity(0, {CLIENT_CPU})
        api = Api(url)
        dc_id = api.call(
            "POST", "/datacenters", {"properties": {"name": "bench", "location": "de/fra"}}
        )["id"]
        bench_gets(api, dc_id, min(200, args.gets))  # warm-up
        rates = [bench_gets(api, dc_id, args.gets) for _ in range(args.repeat)]

        started = time.perf_counter()
        big_id = build_big_datacenter(api, args.servers)
        build_time = time.perf_counter() - started
        depth5 = [bench_depth5(api, big_id) for _ in range(args.repeat)]
    finally:
        process.terminate()
        process.wait(timeout=30)

    seconds = [elapsed for elapsed, _servers, _size in depth5]
    _elapsed, servers, size = depth5[0]
    pinning = f"server on CPU {SERVER_CPU}, client on CPU {CLIENT_CPU}" if pin else "not pinned"
    print(f"profitbricks emulator throughput ({pinning}; medians of {args.repeat})")
    print(f"{'figure':<52} {'median':>12} {'min':>10} {'max':>10} {'target':>10}")
    print(
        f"{'GET /datacenters/{id} per second (keep-alive)':<52} "
        f"{statistics.median(rates):>12,.0f} {min(rates):>10,.0f} {max(rates):>10,.0f} "
        f"{'>= 1,500':>10}"
    )
    print(
        f"{f'GET depth=5, {servers} servers+volumes+NICs (s)':<52} "
        f"{statistics.median(seconds):>12.3f} {min(seconds):>10.3f} {max(seconds):>10.3f} "
        f"{'< 0.5':>10}"
    )
    print(f"(depth-5 body {size / 1e6:.1f} MB; building the data centre took {build_time:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
