"""Per-call cost of the SDK's ``get_datacenter`` against plain ``http.client``, and thread sharing.

Two servers, each started in a subprocess pinned to CPU 0 (the client pins itself to CPU 1):

- ``fixed``: ``fixed_response_server.py``, which answers every request with one fixed 1.7 kB data
  center document and counts the connections it accepts (so new connections are counted at the
  server);
- ``emulator``: ``python -m profitbricks.emulator`` (the full emulator; its own work dominates),
  whose ``GET /_emulator/stats`` reports the connections its HTTP server accepted.

For each client, ``--calls`` sequential ``GET /cloudapi/v4/datacenters/<id>?depth=1`` with Basic
auth and JSON decoding, after ``--warmup`` calls, ``--repeat`` repetitions interleaved; the table
shows the median time per call and its ratio to plain ``http.client`` with one kept-alive
connection measured in the same repetition. With ``--callgrind`` (default when valgrind is
installed) each client also runs under ``valgrind --tool=callgrind``, and instructions per call
are the difference between a long and a short run divided by the extra calls.

Then ``--threads`` threads share one client and each makes ``--thread-calls`` calls: calls/s and
the connections the server saw.

Run: ``python benchmarks/sdk_percall.py [--server fixed|emulator|both] [--no-callgrind]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from base64 import b64encode
from collections.abc import Callable
from pathlib import Path
from typing import Any

import urllib3
from _support import CLIENT_CPU, SERVER_CPU, USER, can_pin, emulator_command, start_server

from profitbricks._pipeline import Pipeline
from profitbricks._transport import HttpTransport

HERE = Path(__file__).resolve().parent
AUTH = {
    "Authorization": "Basic " + b64encode(f"{USER[0]}:{USER[1]}".encode()).decode(),
    "User-Agent": "bench",
}
FIXED_DC = "7c3e1a6e-0f5b-4d2a-9a41-3f6f1f0c2b8d"

Call = Callable[[], Any]


def start(kind: str, pin: bool) -> tuple[subprocess.Popen[str], str]:
    """Start the ``fixed`` server or the emulator; return the process and its API base URL."""
    if kind == "fixed":
        command = [sys.executable, str(HERE / "fixed_response_server.py"), "--port", "0"]
        if pin:
            command += ["--cpu", str(SERVER_CPU)]
    else:
        command = emulator_command(pin, "--threads", "8")
    return start_server(command, f"{kind} server")


#: Where each server reports the connections it accepted, and how to read the count.
STATS = {
    "fixed": ("/_stats", lambda stats: stats["connections"]),
    "emulator": ("/_emulator/stats", lambda stats: stats["connections"]["accepted"]),
}


def server_connections(url: str, kind: str) -> int | None:
    """Connections accepted so far by the ``fixed`` server or the emulator (None if unknown).

    The probe opens a connection of its own, counted in the answer.
    """
    path, accepted = STATS[kind]
    parsed = urllib3.util.parse_url(url)
    connection = http.client.HTTPConnection(parsed.host or "", parsed.port)
    try:
        connection.request("GET", path)
        reply = connection.getresponse()
        body = reply.read()
    finally:
        connection.close()
    try:
        return int(accepted(json.loads(body)))
    except (ValueError, TypeError, KeyError):
        return None


def create_datacenter(url: str) -> str:
    """A data center to read (the fixed server answers any id)."""
    transport = pipeline(url)
    try:
        reply = transport.request(
            "POST",
            "/datacenters",
            body=b'{"properties": {"name": "bench", "location": "de/fra"}}',
            content_type="application/json",
        )
    finally:
        transport.close()
    return str(reply.data["id"])


def pipeline(url: str) -> Pipeline:
    """The SDK's request pipeline over its HTTP transport, as a client builds it."""
    return Pipeline(HttpTransport(url), url, username=USER[0], password=USER[1])


def have_facade() -> bool:
    try:
        from profitbricks.client import ProfitBricksService  # noqa: F401
    except ImportError:
        return False
    return True


def clients(url: str, dc_id: str) -> dict[str, Callable[[], tuple[Call, Callable[[], None]]]]:
    """Client name -> factory returning (one call, close)."""
    parsed = urllib3.util.parse_url(url)
    host, port, prefix = parsed.host or "", parsed.port, parsed.path or ""
    path = f"{prefix}/datacenters/{dc_id}?depth=1"

    def raw() -> tuple[Call, Callable[[], None]]:
        connection = http.client.HTTPConnection(host, port)

        def call() -> Any:
            connection.request("GET", path, headers=AUTH)
            return json.loads(connection.getresponse().read())

        return call, connection.close

    def pool() -> tuple[Call, Callable[[], None]]:
        connections = urllib3.HTTPConnectionPool(host, port, maxsize=10, retries=False)

        def call() -> Any:
            return json.loads(connections.request("GET", path, headers=AUTH).data)

        return call, connections.close

    def transport() -> tuple[Call, Callable[[], None]]:
        sdk = pipeline(url)
        relative = f"/datacenters/{dc_id}"
        query = {"depth": 1}

        def call() -> Any:
            return sdk.request("GET", relative, query=query).data

        return call, sdk.close

    def facade() -> tuple[Call, Callable[[], None]]:
        from profitbricks.client import ProfitBricksService

        service = ProfitBricksService(*USER, host_base=url)

        def call() -> Any:
            return service.get_datacenter(dc_id, depth=1)

        close: Callable[[], None] = getattr(service, "close", lambda: None)
        return call, close

    table: dict[str, Callable[[], tuple[Call, Callable[[], None]]]] = {
        "http.client, one kept-alive connection": raw,
        "urllib3.HTTPConnectionPool": pool,
        "profitbricks Pipeline.request": transport,
    }
    if have_facade():
        table["profitbricks get_datacenter"] = facade
    return table


def time_calls(call: Call, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - started) / count


def bench_sequential(
    url: str, kind: str, dc_id: str, calls: int, warmup: int, repeat: int
) -> dict[str, dict[str, float]]:
    """Median microseconds per call, ratio to raw, and new connections per call."""
    table = clients(url, dc_id)
    times: dict[str, list[float]] = {name: [] for name in table}
    ratios: dict[str, list[float]] = {name: [] for name in table}
    new_connections: dict[str, list[int]] = {name: [] for name in table}
    raw_name = next(iter(table))
    for _ in range(repeat):
        per_call: dict[str, float] = {}
        for name, factory in table.items():
            call, close = factory()
            for _ in range(warmup):
                call()
            before = server_connections(url, kind)
            per_call[name] = time_calls(call, calls)
            after = server_connections(url, kind)
            if before is not None and after is not None:
                # The stats probe itself opens one connection.
                new_connections[name].append(after - before - 1)
            close()
        for name, seconds in per_call.items():
            times[name].append(seconds)
            ratios[name].append(seconds / per_call[raw_name])
    result = {}
    for name in table:
        result[name] = {
            "us": statistics.median(times[name]) * 1e6,
            "ratio": statistics.median(ratios[name]),
            "new_connections": float(max(new_connections[name]))
            if new_connections[name]
            else float("nan"),
        }
    return result


def callgrind_instructions(url: str, dc_id: str, name: str, short: int, long: int) -> float:
    """Instructions per call of client ``name`` under callgrind (long run minus short run)."""
    totals = []
    for count in (short, long):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "callgrind.out"
            command = [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                str(Path(__file__).resolve()),
                "--single",
                name,
                "--url",
                url,
                "--dc",
                dc_id,
                "--calls",
                str(count),
            ]
            subprocess.run(command, check=True, capture_output=True)
            text = out.read_text(errors="replace")
            match = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.MULTILINE)
            if not match:
                raise SystemExit("no totals in the callgrind output")
            totals.append(int(match.group(1)))
    return (totals[1] - totals[0]) / (long - short)


def run_single(name: str, url: str, dc_id: str, calls: int) -> int:
    """Child process of the callgrind measurement: warm up, then make ``calls`` calls."""
    call, close = clients(url, dc_id)[name]()
    for _ in range(20):
        call()
    for _ in range(calls):
        call()
    close()
    return 0


def bench_threads(
    url: str, kind: str, dc_id: str, threads: int, per_thread: int
) -> list[tuple[str, float, int | None]]:
    """(client, calls/s, connections opened) with ``threads`` threads sharing one client."""
    results: list[tuple[str, float, int | None]] = []
    factories: dict[str, Callable[[], tuple[Call, Callable[[], None]]]] = {}
    table = clients(url, dc_id)
    factories["urllib3.HTTPConnectionPool (maxsize 10)"] = table["urllib3.HTTPConnectionPool"]
    factories["profitbricks Pipeline.request"] = table["profitbricks Pipeline.request"]
    if "profitbricks get_datacenter" in table:
        factories["profitbricks get_datacenter"] = table["profitbricks get_datacenter"]
    for name, factory in factories.items():
        call, close = factory()
        before = server_connections(url, kind)
        barrier = threading.Barrier(threads + 1)

        def work(call: Call = call, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            for _ in range(per_thread):
                call()

        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        barrier.wait()
        started = time.perf_counter()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        after = server_connections(url, kind)
        close()
        opened = after - before - 1 if before is not None and after is not None else None
        results.append((name, threads * per_thread / elapsed, opened))
    return results


def report(kind: str, url: str, args: argparse.Namespace, pin: bool) -> None:
    dc_id = FIXED_DC if kind == "fixed" else create_datacenter(url)
    sequential = bench_sequential(url, kind, dc_id, args.calls, args.warmup, args.repeat)
    instructions: dict[str, float] = {}
    if args.callgrind:
        for name in sequential:
            instructions[name] = callgrind_instructions(
                url, dc_id, name, args.callgrind_short, args.callgrind_long
            )
    raw_name = next(iter(sequential))
    pinning = f"server on CPU {SERVER_CPU}, client on CPU {CLIENT_CPU}" if pin else "not pinned"
    server = "fixed-response server" if kind == "fixed" else "emulator (waitress, 8 threads)"
    print()
    print(
        f"### {server}: GET /datacenters/<id>?depth=1, {args.calls} calls x {args.repeat} "
        f"repetitions, medians ({pinning})"
    )
    print()
    print("| client | us/call | x raw | instructions/call | instr. x raw | new conns/call |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, row in sequential.items():
        instr = instructions.get(name)
        instr_text = f"{instr:,.0f}" if instr is not None else "-"
        ratio_text = f"{instr / instructions[raw_name]:.2f}" if instr is not None else "-"
        new = row["new_connections"]
        conns = "n/a" if new != new else f"{new / args.calls:.4f}"
        print(
            f"| {name} | {row['us']:.1f} | {row['ratio']:.2f} | {instr_text} | {ratio_text} "
            f"| {conns} |"
        )
    if any(row["new_connections"] == row["new_connections"] for row in sequential.values()):
        print()
        print(
            "New connections are counted at the server over each timed run (after the warm-up); "
            "0 means every call reused a kept-alive connection."
        )
    threads = bench_threads(url, kind, dc_id, args.threads, args.thread_calls)
    print()
    print(f"{args.threads} threads sharing one client, {args.thread_calls} calls each:")
    print()
    print("| client | calls/s | connections opened |")
    print("|---|---:|---:|")
    for name, rate, opened in threads:
        print(f"| {name} | {rate:,.0f} | {'n/a' if opened is None else opened} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=["fixed", "emulator", "both"], default="both")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--thread-calls", type=int, default=1000)
    parser.add_argument(
        "--callgrind",
        action=argparse.BooleanOptionalAction,
        default=shutil.which("valgrind") is not None,
    )
    parser.add_argument("--callgrind-short", type=int, default=100)
    parser.add_argument("--callgrind-long", type=int, default=600)
    parser.add_argument("--single", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--dc", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.single:
        return run_single(args.single, args.url, args.dc, args.calls)

    pin = can_pin()
    kinds = ["fixed", "emulator"] if args.server == "both" else [args.server]
    for kind in kinds:
        process, url = start(kind, pin)
        try:
            if pin:
                os.sched_setaffinity(0, {CLIENT_CPU})
            report(kind, url, args, pin)
        finally:
            if pin:
                os.sched_setaffinity(0, {SERVER_CPU, CLIENT_CPU})
            process.terminate()
            process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
