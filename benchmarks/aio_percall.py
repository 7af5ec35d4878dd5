"""Calls per second of the asyncio client's ``get_datacenter`` against raw aiohttp, 16 tasks each.

``fixed_response_server.py`` runs in a subprocess pinned to CPU 0 (the client pins itself to
CPU 1) and answers every request with one fixed 1.7 kB data-center document. Three clients, each
making ``--calls`` ``GET /cloudapi/v4/datacenters/<id>?depth=1`` with Basic auth and JSON
decoding, split over ``--tasks`` concurrent callers, after a warm-up, in ``--repeat`` interleaved
repetitions:

- raw aiohttp: one ``ClientSession`` shared by 16 tasks, ``json.loads(await response.read())``;
- ``AsyncProfitBricksService.get_datacenter``: one client shared by 16 tasks;
- ``ProfitBricksService.get_datacenter``: one blocking client shared by 16 threads.

The table shows the median calls/s and the median of the per-repetition ratio to raw aiohttp
(each ratio from one repetition, so machine noise hits both alike). Target: the asyncio client at
least 0.8x raw aiohttp. The server counts the connections each client opened.

With ``--callgrind`` (default when valgrind is installed) the two asyncio clients also run under
``valgrind --tool=callgrind``: instructions per call (a long run minus a short one, divided by
the extra calls) do not move with the machine's load, unlike calls/s on a shared machine.

Run: ``python benchmarks/aio_percall.py [--calls 8000] [--tasks 16] [--repeat 7]
[--no-callgrind]``.
"""

from __future__ import annotations

import argparse
import asyncio
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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _support import CLIENT_CPU, SERVER_CPU, USER, can_pin, start_server
from sdk_percall import FIXED_DC, server_connections

HERE = Path(__file__).resolve().parent
AUTH = {
    "Authorization": "Basic " + b64encode(f"{USER[0]}:{USER[1]}".encode()).decode(),
    "User-Agent": "bench",
}


async def run_tasks(call: Callable[[], Awaitable[Any]], tasks: int, calls: int) -> float:
    """Seconds for ``calls`` awaited calls split over ``tasks`` tasks."""
    per_task = calls // tasks

    async def work() -> None:
        for _ in range(per_task):
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(work() for _ in range(tasks)))
    return time.perf_counter() - started


async def raw_aiohttp(url: str, tasks: int, calls: int, warmup: int) -> float:
    import aiohttp

    target = f"{url}/datacenters/{FIXED_DC}?depth=1"
    async with aiohttp.ClientSession() as session:

        async def call() -> Any:
            async with session.get(target, headers=AUTH) as response:
                return json.loads(await response.read())

        await run_tasks(call, tasks, warmup)
        return calls / await run_tasks(call, tasks, calls)


async def sdk_async(url: str, tasks: int, calls: int, warmup: int) -> float:
    from profitbricks.aio import AsyncProfitBricksService

    async with AsyncProfitBricksService(
        *USER, host_base=url, use_config=False, use_keyring=False
    ) as client:

        async def call() -> Any:
            return await client.get_datacenter(FIXED_DC, depth=1)

        await run_tasks(call, tasks, warmup)
        return calls / await run_tasks(call, tasks, calls)


def sdk_threads(url: str, threads: int, calls: int, warmup: int) -> float:
    from profitbricks.client import ProfitBricksService

    with ProfitBricksService(*USER, host_base=url, use_config=False, use_keyring=False) as client:

        def run(count: int) -> float:
            per_thread = count // threads
            barrier = threading.Barrier(threads + 1)

            def work() -> None:
                barrier.wait()
                for _ in range(per_thread):
                    client.get_datacenter(FIXED_DC, depth=1)

            workers = [threading.Thread(target=work) for _ in range(threads)]
            for worker in workers:
                worker.start()
            barrier.wait()
            started = time.perf_counter()
            for worker in workers:
                worker.join()
            return time.perf_counter() - started

        run(warmup)
        return calls / run(calls)


SINGLE = {"raw": raw_aiohttp, "sdk": sdk_async}


def callgrind_instructions(url: str, name: str, tasks: int, short: int, long: int) -> float:
    """Instructions per call of ``name`` (raw or sdk) under callgrind: long minus short run."""
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
                "--calls",
                str(count),
                "--tasks",
                str(tasks),
            ]
            subprocess.run(command, check=True, capture_output=True)
            match = re.search(r"^(?:summary|totals):\s*(\d+)", out.read_text(), re.MULTILINE)
            if not match:
                raise SystemExit("no totals in the callgrind output")
            totals.append(int(match.group(1)))
    return (totals[1] - totals[0]) / (long - short)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=8000, help="calls per client and repetition")
    parser.add_argument("--warmup", type=int, default=800)
    parser.add_argument("--tasks", type=int, default=16, help="tasks (and threads) per client")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--callgrind",
        action=argparse.BooleanOptionalAction,
        default=shutil.which("valgrind") is not None,
    )
    parser.add_argument("--single", choices=sorted(SINGLE), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.single:
        asyncio.run(SINGLE[args.single](args.url, args.tasks, args.calls, 16 * args.tasks))
        return 0

    pin = can_pin()
    command = [sys.executable, str(HERE / "fixed_response_server.py"), "--port", "0"]
    if pin:
        command += ["--cpu", str(SERVER_CPU)]
    process, url = start_server(command, "fixed-response server")
    try:
        if pin:
            os.sched_setaffinity(0, {CLIENT_CPU})
        clients: dict[str, Callable[[], float]] = {
            f"raw aiohttp, one session, {args.tasks} tasks": lambda: asyncio.run(
                raw_aiohttp(url, args.tasks, args.calls, args.warmup)
            ),
            f"AsyncProfitBricksService.get_datacenter, {args.tasks} tasks": lambda: asyncio.run(
                sdk_async(url, args.tasks, args.calls, args.warmup)
            ),
            f"ProfitBricksService.get_datacenter, {args.tasks} threads": lambda: sdk_threads(
                url, args.tasks, args.calls, args.warmup
            ),
        }
        rates: dict[str, list[float]] = {name: [] for name in clients}
        ratios: dict[str, list[float]] = {name: [] for name in clients}
        connections: dict[str, list[int]] = {name: [] for name in clients}
        raw_name = next(iter(clients))
        for _ in range(args.repeat):
            this_round: dict[str, float] = {}
            for name, run in clients.items():
                before = server_connections(url, "fixed")
                this_round[name] = run()
                after = server_connections(url, "fixed")
                if before is not None and after is not None:
                    connections[name].append(after - before - 1)
            for name, rate in this_round.items():
                rates[name].append(rate)
                ratios[name].append(rate / this_round[raw_name])
        instructions: dict[str, float] = {}
        if args.callgrind:
            for single in ("raw", "sdk"):
                instructions[single] = callgrind_instructions(
                    url, single, args.tasks, 10 * args.tasks, 60 * args.tasks
                )
    finally:
        if pin:
            os.sched_setaffinity(0, {SERVER_CPU, CLIENT_CPU})
        process.terminate()
        process.wait(timeout=30)

    pinning = f"server on CPU {SERVER_CPU}, client on CPU {CLIENT_CPU}" if pin else "not pinned"
    print(
        f"### GET /datacenters/<id>?depth=1 against the fixed-response server, {args.calls} calls "
        f"x {args.repeat} repetitions, medians ({pinning})"
    )
    print()
    print("| client | calls/s | x raw aiohttp | connections opened |")
    print("|---|---:|---:|---:|")
    for name in clients:
        opened = max(connections[name]) if connections[name] else "n/a"
        print(
            f"| {name} | {statistics.median(rates[name]):,.0f} | "
            f"{statistics.median(ratios[name]):.2f} | {opened} |"
        )
    async_name = list(clients)[1]
    ratio = statistics.median(ratios[async_name])
    print()
    print(
        f"Asyncio client: {ratio:.2f}x raw aiohttp's calls/s (target: at least 0.80): "
        f"{'met' if ratio >= 0.8 else 'NOT met'}."
    )
    if instructions:
        raw_i, sdk_i = instructions["raw"], instructions["sdk"]
        print(
            f"Instructions per call under callgrind: raw aiohttp {raw_i:,.0f}, asyncio client "
            f"{sdk_i:,.0f}: raw/client = {raw_i / sdk_i:.2f} (the calls/s ratio the client's "
            "CPU alone allows)."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
