"""How fast ``wait_for_completion`` notices that a request is done, and how many polls it makes.

For requests that take 0.2 s, 1 s and 5 s: the real emulator (served on loopback in this process)
with progression ``seconds:T`` and real time. Each run creates a data center and waits for it;
lateness is the time ``wait_for_completion`` returns minus (the time the create call started +
T), an upper bound of the true lateness. For 60 s (and longer, for information): a simulated
clock, since the schedule is a pure function of time (``--real-60`` runs the 60 s case for real).

Targets: lateness at most 25% of the request's duration + 100 ms; at most 20 polls for a 5 s
request and 40 for a 60 s one. The last column shows the 4.x schedule (``initial_wait=5``,
``scaleup=10``), simulated, for comparison.

Run: ``python benchmarks/wait_latency.py [--runs 5] [--real-60]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

from profitbricks.client import Datacenter
from profitbricks.emulator.testing import running_emulator
from profitbricks.waiting import wait_for_completion


def simulate(
    seconds: float, initial_wait: float | None = None, scaleup: float | None = None
) -> tuple[float, int]:
    """(lateness, polls) of waiting for a request that is DONE ``seconds`` after the start."""
    now = [0.0]
    polls = [0]

    def clock() -> float:
        return now[0]

    def sleep(pause: float) -> None:
        now[0] += pause

    def get_status(request_id: str) -> dict[str, Any]:
        polls[0] += 1
        status = "DONE" if now[0] > seconds else "RUNNING"
        return {"metadata": {"status": status}}

    wait_for_completion(get_status, "r", None, initial_wait, scaleup, sleep=sleep, clock=clock)
    return now[0] - seconds, polls[0]


def measure_real(emulator: Any, seconds: float, runs: int) -> tuple[list[float], list[int]]:
    emulator.configure(progression=f"seconds:{seconds:g}")
    client = emulator.new_client()
    client.list_locations()  # open the connection before timing
    lateness: list[float] = []
    polls: list[int] = []
    for run in range(runs):
        seen: list[dict[str, Any]] = []
        started = time.perf_counter()
        response = client.create_datacenter(Datacenter(name=f"wait-{run}", location="de/fra"))
        final = client.wait_for_completion(response, on_poll=seen.append)
        ended = time.perf_counter()
        assert final is not None
        assert final["metadata"]["status"] == "DONE"
        lateness.append(ended - started - seconds)
        polls.append(len(seen))
    return lateness, polls


def row(label: str, seconds: float, lateness: list[float], polls: list[int], source: str) -> str:
    bound = 0.25 * seconds + 0.1
    limit = {5.0: 20, 60.0: 40}.get(seconds)
    old_late, old_polls = simulate(seconds, initial_wait=5, scaleup=10)
    ok = max(lateness) <= bound and (limit is None or max(polls) <= limit)
    return (
        f"| {label} | {source} | {statistics.median(lateness) * 1000:.0f} | "
        f"{max(lateness) * 1000:.0f} | {bound * 1000:.0f} | {statistics.median(polls):.0f} | "
        f"{max(polls)} | {limit if limit is not None else '-'} | {'yes' if ok else 'NO'} | "
        f"{old_late * 1000:.0f} ms, {old_polls} polls |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per real-time case (5)")
    parser.add_argument("--real-60", action="store_true", help="also run 60 s in real time")
    args = parser.parse_args(argv)

    rows = []
    with running_emulator(progression="immediate") as emulator:
        for seconds in (0.2, 1.0, 5.0):
            runs = args.runs if seconds < 5 else max(2, args.runs // 2)
            lateness, polls = measure_real(emulator, seconds, runs)
            rows.append(row(f"{seconds:g} s", seconds, lateness, polls, f"emulator, {runs} runs"))
        if args.real_60:
            lateness, polls = measure_real(emulator, 60.0, 1)
            rows.append(row("60 s", 60.0, lateness, polls, "emulator, 1 run"))
    for seconds in (60.0, 600.0, 3600.0):
        late, count = simulate(seconds)
        rows.append(row(f"{seconds:g} s", seconds, [late], [count], "simulated clock"))

    print("### wait_for_completion: completion-detection latency (default schedule)")
    print()
    print(
        "| request takes | measured with | median late ms | max late ms | bound ms "
        "| median polls | max polls | poll limit | meets targets | 4.x schedule |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---|")
    for line in rows:
        print(line)
    print()
    print(
        "Bound: 25% of the duration + 100 ms. Real-time rows: the emulator with progression "
        "seconds:T over loopback, lateness measured from the start of the create call. "
        "Simulated rows: an injected clock and a status function that turns DONE at T."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
