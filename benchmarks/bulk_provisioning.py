"""Bulk provisioning against the emulator: 100 servers in about the time of one.

The emulator runs in a subprocess (pinned to CPU 0, the client to CPU 1) with every provisioning
request taking ``--provisioning`` seconds (``seconds:T``). Each server has a volume (from an
image) and a NIC. All figures come from one run of this script:

1. **One request**: create one server and ``wait_for_completion`` it (asyncio client): the
   duration of one provisioning run as a client sees it.
2. **Bulk**: ``AsyncProfitBricksService.bulk`` creates ``--servers`` servers (10 at a time) and
   waits for all of them on one schedule; elapsed time and its ratio to (1) (target: at most
   1.5). Beside it: ``ProfitBricksService.bulk`` (threads), and the 4.x way, one create and one
   4.x-schedule wait after another, computed from the measured create call and the 4.x schedule
   (first poll after 5 s, then every 5 s doubling).
3. **Rate limit**: the same bulk with the emulator's rate limit at ``--rate`` requests per second
   (every API request counts, polls included): failures (target: none), 429 answers, whether each
   was honoured (no new request sent between a 429's arrival and the end of its
   ``Retry-After``), elapsed against ``servers / rate + provisioning``.
4. **Listing or per-request polls**: for batches of 10 and ``--servers`` requests already
   submitted, the wait alone with one ``GET /requests?depth=1`` per round against one
   ``GET /requests/{id}/status`` per pending request (10 at a time): elapsed, lateness after the
   last request completed, and API requests served (counted by the emulator), without and with
   the rate limit.

Run: ``python benchmarks/bulk_provisioning.py [--servers 100] [--provisioning 5] [--rate 20]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Mapping
from functools import partial
from typing import Any, NamedTuple

import urllib3
from _support import CLIENT_CPU, SERVER_CPU, USER, can_pin, emulator_command, start_server

from profitbricks import waiting
from profitbricks._pipeline import RawReply, parse_retry_after
from profitbricks.aio import AsyncProfitBricksService
from profitbricks.client import NIC, Datacenter, ProfitBricksService, Server, Volume


def server(name: str) -> Server:
    volume = Volume(
        name=f"{name}-os",
        size=10,
        image_alias="ubuntu:latest",
        image_password="benchPassw0rd",
        disk_type="HDD",
    )
    return Server(
        name=name, cores=1, ram=1024, create_volumes=[volume], nics=[NIC(name="eth0", lan=1)]
    )


class Control:
    """The emulator's control API, statistics and CPU time."""

    def __init__(self, url: str, pid: int) -> None:
        self.root = url.split("/cloudapi/")[0] + "/_emulator"
        self.http = urllib3.PoolManager()
        self.pid = pid

    def cpu_seconds(self) -> float:
        """User + system CPU time of the emulator process (Linux ``/proc``; 0 elsewhere)."""
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def configure(self, **settings: Any) -> None:
        reply = self.http.request("PATCH", self.root + "/config", body=json.dumps(settings))
        assert reply.status == 200, reply.data

    def api_requests(self) -> int:
        reply = self.http.request("GET", self.root + "/stats")
        return int(json.loads(reply.data)["requests"]["api"])


class Recording:
    """Wraps the asyncio client's transport: when each request was sent and what came back."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        #: (sent at, answered at, status, Retry-After seconds or None)
        self.exchanges: list[tuple[float, float, int, float | None]] = []
        self.received = 0

    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, **kw: Any
    ) -> RawReply:
        sent = time.monotonic()
        raw: RawReply = await self.transport.send(method, url, headers, body, **kw)
        retry_after = parse_retry_after(raw.headers.get("Retry-After"))
        self.received += len(raw.body)
        self.exchanges.append((sent, time.monotonic(), raw.status, retry_after))
        return raw

    async def close(self) -> None:
        await self.transport.close()

    def violations(self) -> int:
        """Requests sent while a 429 received earlier still asked to wait."""
        pauses = [(end, end + ra) for _, end, status, ra in self.exchanges if status == 429 and ra]
        return sum(
            1 for sent, *_ in self.exchanges for start, stop in pauses if start < sent < stop - 0.01
        )


def new_async(url: str) -> AsyncProfitBricksService:
    return AsyncProfitBricksService(*USER, host_base=url, use_config=False, use_keyring=False)


async def setup(url: str) -> str:
    async with new_async(url) as client:
        created = await client.create_datacenter(Datacenter(name="bulk", location="de/fra"))
        await client.wait_for_completion(created)
        return str(created["id"])


async def one_request(url: str, dc: str) -> tuple[float, float]:
    """(create call seconds, create + wait seconds) for one server."""
    async with new_async(url) as client:
        await client.list_locations()  # the connection is open before timing
        started = time.monotonic()
        created = await client.create_server(dc, server("single"))
        submitted = time.monotonic()
        await client.wait_for_completion(created)
        return submitted - started, time.monotonic() - started


class Submitted:
    """``on_progress``: when every call had returned."""

    def __init__(self) -> None:
        self.after: float | None = None

    def __call__(self, progress: Any) -> None:
        if self.after is None and progress.submitted + progress.failed >= progress.total:
            self.after = progress.elapsed


async def bulk_async(
    url: str, dc: str, count: int, tag: str
) -> tuple[float, Any, Recording, Submitted]:
    async with new_async(url) as client:
        await client.list_locations()
        recording = Recording(client.pipeline.transport)
        client.pipeline.transport = recording  # type: ignore[assignment]
        calls = [partial(client.create_server, dc, server(f"{tag}-{n}")) for n in range(count)]
        submitted = Submitted()
        started = time.monotonic()
        report = await client.bulk(calls, concurrency=10, on_progress=submitted)
        return time.monotonic() - started, report, recording, submitted


def bulk_threads(url: str, dc: str, count: int, tag: str) -> tuple[float, Any, Submitted]:
    with ProfitBricksService(*USER, host_base=url, use_config=False, use_keyring=False) as client:
        client.list_locations()
        calls = [partial(client.create_server, dc, server(f"{tag}-{n}")) for n in range(count)]
        submitted = Submitted()
        started = time.monotonic()
        report = client.bulk(calls, concurrency=10, on_progress=submitted)
        return time.monotonic() - started, report, submitted


def legacy_wait(seconds: float) -> float:
    """How long the 4.x schedule (initial_wait=5, scaleup=10) waits for a ``seconds`` request."""
    now = [0.0]

    def sleep(pause: float) -> None:
        now[0] += pause

    def get_status(request_id: str) -> dict[str, Any]:
        return {"metadata": {"status": "DONE" if now[0] >= seconds else "RUNNING"}}

    # 4.x slept initial_wait before its first poll.
    now[0] = 5.0
    waiting.wait_for_completion(get_status, "r", None, 5, 10, sleep=sleep, clock=lambda: now[0])
    return now[0]


class Wait(NamedTuple):
    seconds: float  # the wait
    late: float  # after the last request was due
    served: int  # API requests the emulator served during the wait
    received: int  # reply bytes
    server_cpu: float  # emulator CPU seconds during the wait
    history: int  # requests in the account (what a listing returns)
    failures: int


async def wait_only(
    url: str, dc: str, count: int, listing: bool, control: Control, provisioning: float, tag: str
) -> Wait:
    """Submit ``count`` servers, then wait for them polling one way."""
    async with new_async(url) as client:
        calls = [partial(client.create_server, dc, server(f"{tag}-{n}")) for n in range(count)]
        report = await client.bulk(calls, wait=False)
        due = time.monotonic() + provisioning  # the last create was answered before this
        recording = Recording(client.pipeline.transport)
        client.pipeline.transport = recording  # type: ignore[assignment]
        before, cpu = control.api_requests(), control.cpu_seconds()
        started = time.monotonic()
        steps = waiting.polling(report.request_ids, 600, listing=listing)
        outcome = await waiting.drive_async(steps, client._request_status, client._request_statuses)
        ended = time.monotonic()
        served = control.api_requests() - before - 1  # the stats probe is not an API call
        cpu = control.cpu_seconds() - cpu
        history = len(await client._request_statuses())
        return Wait(
            ended - started,
            ended - due,
            served,
            recording.received,
            cpu,
            history,
            len(outcome.failures) + len(outcome.pending),
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--provisioning", type=float, default=5.0, help="seconds per request")
    parser.add_argument("--rate", type=int, default=20, help="rate limit, requests per second")
    args = parser.parse_args(argv)
    n, t, rate = args.servers, args.provisioning, args.rate

    pin = can_pin()
    command = emulator_command(
        pin,
        "--progression",
        f"seconds:{t:g}",
        "--limit",
        "coresPerContract=100000",
        "--limit",
        "ramPerContract=100000000",
        "--limit",
        "hddLimitPerContract=100000000",
    )
    process, url = start_server(command, "emulator")
    control = Control(url, process.pid)
    try:
        if pin:
            os.sched_setaffinity(0, {CLIENT_CPU})
        dc = asyncio.run(setup(url))
        create_s, single = asyncio.run(one_request(url, dc))
        elapsed, report, _, async_submitted = asyncio.run(bulk_async(url, dc, n, "async"))
        threads_elapsed, threads_report, threads_submitted = bulk_threads(url, dc, n, "threads")
        control.configure(rate_limit=rate, rate_window=1.0)
        rl_elapsed, rl_report, rl_recording, rl_submitted = asyncio.run(
            bulk_async(url, dc, n, "limited")
        )
        control.configure(rate_limit=None)
        polls: list[tuple[str, int, bool, Wait]] = []
        for limited in (False, True):
            if limited:
                control.configure(rate_limit=rate, rate_window=1.0)
            for count in (10, n):
                for listing in (True, False):
                    tag = f"poll-{limited}-{count}-{listing}"
                    result = asyncio.run(wait_only(url, dc, count, listing, control, t, tag))
                    polls.append(("limited" if limited else "free", count, listing, result))
            control.configure(rate_limit=None)
    finally:
        if pin:
            os.sched_setaffinity(0, {SERVER_CPU, CLIENT_CPU})
        process.terminate()
        process.wait(timeout=30)

    legacy_each = create_s + legacy_wait(t)
    legacy_total = n * legacy_each
    pinning = f"emulator on CPU {SERVER_CPU}, client on CPU {CLIENT_CPU}" if pin else "not pinned"
    print(
        f"### {n} servers (each with a volume and a NIC), provisioning {t:g} s per request "
        f"({pinning})"
    )
    print()
    print("| run | all submitted after s | elapsed s | x one request | failures |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| one server: create + wait_for_completion | {create_s:.3f} | {single:.2f} | 1.00 | 0 |"
    )
    print(
        f"| AsyncProfitBricksService.bulk, {n} servers | {async_submitted.after or 0:.2f} | "
        f"{elapsed:.2f} | {elapsed / single:.2f} | {len(report.failures)} |"
    )
    print(
        f"| ProfitBricksService.bulk (threads), {n} servers | "
        f"{threads_submitted.after or 0:.2f} | {threads_elapsed:.2f} | "
        f"{threads_elapsed / single:.2f} | {len(threads_report.failures)} |"
    )
    print(
        f"| 4.x: create and wait, one after another (computed: {n} x ({create_s * 1000:.0f} ms "
        f"+ {legacy_wait(t):.1f} s)) | - | {legacy_total:.0f} | {legacy_total / single:.1f} | - |"
    )
    print()
    ok = elapsed / single <= 1.5
    print(
        f"Bulk: {elapsed / single:.2f}x one request's duration (target: at most 1.5): "
        f"{'met' if ok else 'NOT met'}; {legacy_total / elapsed:.0f}x faster than the 4.x way."
    )
    exchanges = rl_recording.exchanges
    limited_429 = sum(1 for *_, status, _ in exchanges if status == 429)
    violations = rl_recording.violations()
    expected = n / rate + t
    print()
    print(f"### The same bulk with the emulator's rate limit at {rate} requests/s")
    print()
    print(
        "| all submitted after s | elapsed s | servers/rate + provisioning s | requests sent "
        "| 429 answers | sent during a Retry-After | failures |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {rl_submitted.after or 0:.2f} | {rl_elapsed:.2f} | {expected:.2f} | {len(exchanges)} "
        f"| {limited_429} | {violations} | {len(rl_report.failures)} |"
    )
    print()
    print(
        f"Rate-limited bulk: {len(rl_report.failures)} failures (target 0), every 429 honoured: "
        f"{'yes' if violations == 0 else 'NO'}, elapsed {rl_elapsed / expected:.2f}x "
        f"(servers/rate + provisioning)."
    )
    print()
    print("### Waiting for a batch: one listing per round, or one status poll per request")
    print()
    print(
        "| rate limit | requests | polling | wait s | late s | API requests | reply kB "
        "| emulator CPU s | requests listed | failures |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for limit, count, listing, w in polls:
        how = "GET /requests?depth=1" if listing else "GET /requests/{id}/status each"
        limit_text = f"{rate}/s" if limit == "limited" else "none"
        print(
            f"| {limit_text} | {count} | {how} | {w.seconds:.2f} | {w.late:.2f} | {w.served} | "
            f"{w.received / 1000:,.0f} | {w.server_cpu:.2f} | {w.history} | {w.failures} |"
        )
    print()
    print(
        "Late: the wait's end minus the time the last request was due (its create answered + "
        "provisioning). Requests listed: what one listing returns (the account's history)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
