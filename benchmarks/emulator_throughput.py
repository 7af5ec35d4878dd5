"""Emulator throughput: GETs per second over keep-alive, as a ratio to a minimal app on the same
server, and a depth-5 GET of a big data centre.

Starts two servers in subprocesses pinned to CPU 0, with the same ``EmulatorServer`` settings
(``--threads``, default 8 as the command line): the emulator (``python -m profitbricks.emulator``)
and a minimal WSGI app that answers every request with a fixed small JSON. This process, pinned to
CPU 1, is the client: raw sockets with keep-alive and one request in flight per connection
(``_rawclient.py``, about 10 us per request, so the server is what is measured), or ``wrk`` with
``--client wrk`` when it is installed (``apt-get install wrk``). Rounds alternate between the two
servers and between 1 and 8 connections, so drifts in machine load hit both alike; each ratio is
the median of the per-round ratios. Printed, medians of ``--repeat`` rounds:

- ``GET /datacenters/{id}`` per second on the emulator with 1 and with 8 connections
  (target: at least 1,500/s; 8 connections at least as fast as 1);
- the same for the minimal app, and the emulator's rate as a ratio to it (target: >= 0.6x);
- on Linux, each server's CPU time per request (user + system, from ``/proc``), which machine
  load disturbs less than rates do, and its ratio;
- the time of ``GET /datacenters/{id}?depth=5`` for a data centre with 1,000 servers, each with
  a volume and a NIC (target < 0.5 s).

Run: ``python benchmarks/emulator_throughput.py [--repeat 7] [--seconds 2] [--servers 1000]
[--threads 8] [--client raw|wrk]``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import urllib3
from _rawclient import keepalive_rate, wrk_rate
from _support import CLIENT_CPU, SERVER_CPU, USER, can_pin, emulator_command, start_server

CONNECTIONS = (1, 8)

# The minimal app, served by the emulator's own server class with the given thread count.
MINIMAL_SERVER = """
import os, sys
if {pin!r}: os.sched_setaffinity(0, {{{cpu}}})
from profitbricks.emulator.server import EmulatorServer

BODY = b'{{"ok": true}}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]

def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]

app.base_path = "/cloudapi/v4"
server = EmulatorServer(app, port=0, threads={threads})
print("minimal app at", server.url, flush=True)
server.serve_forever()
"""


def start_emulator(pin: bool, threads: int) -> tuple[subprocess.Popen[str], str]:
    """Start the emulator in a subprocess (pinned to SERVER_CPU); return it and its API URL."""
    # A contract allows 500 cores; the big data centre needs one per server.
    command = emulator_command(pin, "--threads", str(threads), "--limit", "coresPerContract=100000")
    return start_server(command, "emulator")


def start_minimal(pin: bool, threads: int) -> tuple[subprocess.Popen[str], str]:
    """Start the minimal app on the same server class and settings; return it and its URL."""
    code = MINIMAL_SERVER.format(pin=pin, cpu=SERVER_CPU, threads=threads)
    return start_server([sys.executable, "-c", code], "minimal app")


class Api:
    def __init__(self, url: str) -> None:
        parsed = urllib3.util.parse_url(url)
        self.host = parsed.host or "127.0.0.1"
        self.port = parsed.port or 80
        self.prefix = parsed.path or ""
        self.pool = urllib3.HTTPConnectionPool(
            self.host, self.port, maxsize=1, block=True, retries=False, timeout=120
        )
        self.headers = urllib3.make_headers(basic_auth=f"{USER[0]}:{USER[1]}")
        self.headers["Content-Type"] = "application/json"

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        reply = self.pool.request(method, self.prefix + path, body=data, headers=self.headers)
        if reply.status >= 300:
            raise SystemExit(f"{method} {path}: {reply.status} {reply.data[:300]!r}")
        return json.loads(reply.data) if reply.data else None


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, all threads) that process ``pid`` used so far; None off Linux."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Target:
    """One server (process ``pid``) and the GET sent to it."""

    def __init__(self, url: str, path: str, headers: dict[str, str], pid: int) -> None:
        self.pid = pid
        parsed = urllib3.util.parse_url(url)
        self.host = parsed.host or "127.0.0.1"
        self.port = parsed.port or 80
        self.url = f"http://{self.host}:{self.port}{path}"
        self.headers = headers
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode()

    def measure(self, connections: int, seconds: float, client: str) -> tuple[float, float]:
        """Requests per second, and the server's CPU microseconds per request (0 if unknown)."""
        before = cpu_seconds(self.pid)
        started = time.perf_counter()
        rate = self.rate(connections, seconds, client)
        elapsed = time.perf_counter() - started
        after = cpu_seconds(self.pid)
        if before is None or after is None:
            return rate, 0.0
        return rate, (after - before) / (rate * elapsed) * 1e6

    def rate(self, connections: int, seconds: float, client: str) -> float:
        if client == "wrk":
            cpu = CLIENT_CPU if can_pin() else None
            rate = wrk_rate(
                self.url, self.headers, connections=connections, seconds=seconds, cpu=cpu
            )
            if rate is None:
                raise SystemExit("--client wrk: wrk is not installed (apt-get install wrk)")
            return rate
        return keepalive_rate(
            self.host, self.port, self.request, connections=connections, seconds=seconds
        )


def bench_gets(
    emulator: Target, minimal: Target, rounds: int, seconds: float, client: str
) -> dict[str, dict[int, list[float]]]:
    """Alternating rounds: for each round and connection count, the minimal app then the
    emulator. Returns rates, server CPU per request and per-round ratios by connection count."""
    for target in (minimal, emulator):  # warm-up
        target.rate(1, 0.5, "raw")
    keys = ("emulator", "minimal", "ratio", "emulator cpu", "minimal cpu", "cpu ratio")
    found: dict[str, dict[int, list[float]]] = {key: {n: [] for n in CONNECTIONS} for key in keys}
    for _ in range(rounds):
        for n in CONNECTIONS:
            base, base_cpu = minimal.measure(n, seconds, client)
            rate, cpu = emulator.measure(n, seconds, client)
            found["minimal"][n].append(base)
            found["emulator"][n].append(rate)
            found["ratio"][n].append(rate / base)
            if cpu and base_cpu:
                found["minimal cpu"][n].append(base_cpu)
                found["emulator cpu"][n].append(cpu)
                found["cpu ratio"][n].append(base_cpu / cpu)
    return found


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
    parser.add_argument("--repeat", type=int, default=7, help="rounds per figure (7)")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per GET round (2)")
    parser.add_argument("--servers", type=int, default=1000, help="servers in the big DC (1000)")
    parser.add_argument("--threads", type=int, default=8, help="server worker threads (8)")
    parser.add_argument("--client", choices=("raw", "wrk"), default="raw", help="load client")
    args = parser.parse_args(argv)

    pin = can_pin()
    emulator_process, url = start_emulator(pin, args.threads)
    processes = [emulator_process]
    try:
        minimal_process, minimal_url = start_minimal(pin, args.threads)
        processes.append(minimal_process)
        if pin:
            os.sched_setaffinity(0, {CLIENT_CPU})
        api = Api(url)
        dc_id = api.call(
            "POST", "/datacenters", {"properties": {"name": "bench", "location": "de/fra"}}
        )["id"]
        token = base64.b64encode(f"{USER[0]}:{USER[1]}".encode()).decode()
        emulator = Target(
            url,
            f"{api.prefix}/datacenters/{dc_id}",
            {"Authorization": f"Basic {token}"},
            emulator_process.pid,
        )
        minimal = Target(minimal_url, "/cloudapi/v4/ok", {}, minimal_process.pid)
        gets = bench_gets(emulator, minimal, args.repeat, args.seconds, args.client)

        started = time.perf_counter()
        big_id = build_big_datacenter(api, args.servers)
        build_time = time.perf_counter() - started
        depth5 = [bench_depth5(api, big_id) for _ in range(args.repeat)]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)

    seconds = [elapsed for elapsed, _servers, _size in depth5]
    _elapsed, servers, size = depth5[0]
    pinning = f"servers on CPU {SERVER_CPU}, client on CPU {CLIENT_CPU}" if pin else "not pinned"
    client = "wrk" if args.client == "wrk" else "raw-socket client"
    print(
        f"profitbricks emulator throughput ({pinning}; {client}; {args.threads} server threads; "
        f"medians of {args.repeat} alternating rounds of {args.seconds:g} s)"
    )
    print(f"{'figure':<56} {'median':>10} {'min':>10} {'max':>10} {'target':>10}")

    def row(label: str, values: list[float], target: str, fmt: str = ",.0f") -> None:
        print(
            f"{label:<56} {statistics.median(values):>10{fmt}} {min(values):>10{fmt}} "
            f"{max(values):>10{fmt}} {target:>10}"
        )

    for n in CONNECTIONS:
        row(
            f"GET /datacenters/{{id}} per second, {n} connection(s)",
            gets["emulator"][n],
            ">= 1,500",
        )
    for n in CONNECTIONS:
        row(f"minimal app (fixed small JSON) per second, {n} connection(s)", gets["minimal"][n], "")
    for n in CONNECTIONS:
        row(f"emulator / minimal app, {n} connection(s)", gets["ratio"][n], ">= 0.60", ".2f")
    for n in CONNECTIONS:
        for key, label in (("emulator cpu", "emulator"), ("minimal cpu", "minimal app")):
            if gets[key][n]:
                row(f"{label}: server CPU us per request, {n} connection(s)", gets[key][n], "")
    for n in CONNECTIONS:
        if gets["cpu ratio"][n]:
            row(
                f"minimal app CPU / emulator CPU per request, {n} conn.",
                gets["cpu ratio"][n],
                "",
                ".2f",
            )
    scaling = [
        eight / one for one, eight in zip(gets["emulator"][1], gets["emulator"][8], strict=True)
    ]
    row("emulator, 8 connections / 1 connection", scaling, ">= 1.00", ".2f")
    row(f"GET depth=5, {servers} servers+volumes+NICs (s)", seconds, "< 0.5", ".3f")
    print(f"(depth-5 body {size / 1e6:.1f} MB; building the data centre took {build_time:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
