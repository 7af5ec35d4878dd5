#!/usr/bin/env python3
"""Bulk Build: many servers, each with a volume and a NIC, provisioned together.

Creates a data center, then ``--servers`` servers (default 10), each with a system volume from an
Ubuntu image and a NIC in LAN 1, with the asyncio client's ``bulk`` helper: at most
``--concurrency`` create calls in flight (default 10), then one wait for all the requests. While
it runs, standard error shows how many requests are submitted, running, done and failed (a rich
progress bar on a terminal, plain lines otherwise); at the end it prints a summary as JSON on
standard output. Ctrl+C stops it and lists the requests already submitted.

Uses PROFITBRICKS_USERNAME / PROFITBRICKS_PASSWORD; ``--emulator`` runs it against a local
emulator::

    python examples/bulk_build.py --emulator --servers 100
"""

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from functools import partial

from _runner import prepare

from profitbricks.aio import AsyncProfitBricksService, BulkProgress
from profitbricks.client import NIC, Datacenter, Server, Volume

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], add_help=False)
parser.add_argument("--servers", type=int, default=10, help="servers to build (10)")
parser.add_argument("--concurrency", type=int, default=10, help="calls in flight at once (10)")
options, rest = parser.parse_known_args()
if "-h" in rest or "--help" in rest:
    parser.print_help()
prepare(rest)
# The embedded emulator's web server warns when its threads are all busy; expected here.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)


def new_server(number: int) -> Server:
    """A small server with a system volume and a NIC in LAN 1."""
    volume = Volume(
        name=f"web-{number:03d}-os",
        size=10,
        image_alias="ubuntu:latest",
        image_password="bulkBuild2024",
        type="HDD",
    )
    nic = NIC(name=f"web-{number:03d}-eth0", lan=1, dhcp=True)
    return Server(name=f"web-{number:03d}", cores=1, ram=1024, create_volumes=[volume], nics=[nic])


class Display:
    """The progress of the bulk run on standard error: a rich bar on a terminal, else lines."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.rich = sys.stderr.isatty() and _has_rich()
        self.last_line = 0.0
        if self.rich:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("[bold]servers"),
                BarColumn(),
                TextColumn(
                    "submitted {task.fields[submitted]}/{task.total} · "
                    "[cyan]running {task.fields[running]}[/] · "
                    "[green]done {task.fields[done]}[/] · [red]failed {task.fields[failed]}[/]"
                ),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self.progress.start()
            self.task = self.progress.add_task(
                "servers", total=total, submitted=0, running=0, done=0, failed=0
            )

    def __call__(self, p: BulkProgress) -> None:
        if self.rich:
            self.progress.update(
                self.task,
                completed=p.finished,
                submitted=p.submitted,
                running=p.queued + p.running,
                done=p.done,
                failed=p.failed,
            )
            return
        now = time.monotonic()
        if now - self.last_line >= 0.5 or p.finished == p.total:
            self.last_line = now
            print(
                f"submitted {p.submitted}/{p.total}, running {p.queued + p.running}, "
                f"done {p.done}, failed {p.failed} ({p.elapsed:.1f}s)",
                file=sys.stderr,
                flush=True,
            )

    def stop(self) -> None:
        if self.rich:
            self.progress.stop()


def _has_rich() -> bool:
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


async def main() -> dict:
    async with AsyncProfitBricksService(
        username=os.getenv("PROFITBRICKS_USERNAME"), password=os.getenv("PROFITBRICKS_PASSWORD")
    ) as client:
        datacenter = await client.create_datacenter(
            Datacenter(name="Bulk Build", description="bulk_build.py", location="de/fra")
        )
        await client.wait_for_completion(datacenter)
        datacenter_id = datacenter["id"]

        calls = [
            partial(client.create_server, datacenter_id, new_server(number))
            for number in range(1, options.servers + 1)
        ]
        display = Display(len(calls))
        started = time.monotonic()
        try:
            report = await client.bulk(calls, concurrency=options.concurrency, on_progress=display)
        except asyncio.CancelledError as stopped:
            display.stop()
            submitted = getattr(stopped, "request_ids", ())
            print(
                f"Stopped. {len(submitted)} request(s) were already submitted:",
                *submitted,
                sep="\n  ",
                file=sys.stderr,
            )
            raise
        display.stop()
        elapsed = time.monotonic() - started
        built = [outcome.result["id"] for outcome in report if outcome.ok]
        print(
            f"Built {len(built)} of {len(calls)} servers in {elapsed:.1f} s; "
            f"{len(report.failures)} failed.",
            file=sys.stderr,
        )
        return {
            "datacenter_id": datacenter_id,
            "servers_requested": len(calls),
            "servers_built": len(built),
            "elapsed_seconds": round(elapsed, 2),
            "server_ids": built,
            "failures": [
                {
                    "server": calls[outcome.index].args[1].name,
                    "request_id": outcome.request_id,
                    "error": str(outcome.error),
                }
                for outcome in report.failures
            ],
        }


try:
    summary = asyncio.run(main())
except KeyboardInterrupt:
    sys.exit(130)
print(json.dumps(summary, indent=4))
