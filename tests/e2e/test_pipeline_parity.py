"""One request pipeline: the in-process transport retries, waits and fails exactly as HTTP does.

Each scenario runs once through the HTTP transport and once through ``InMemoryTransport`` against
the same emulator, with the same retry settings and a recording sleep, and the two runs must make
the same attempts, the same waits and end the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from profitbricks.client import Datacenter, ProfitBricksService
from profitbricks.emulator.testing import EmulatorHandle, InMemoryTransport
from profitbricks.errors import PBError


class Run:
    """What one client did: its waits, the server's request count, and how the call ended."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.outcome: Any = None


def _client(emulator: EmulatorHandle, kind: str, retries: int) -> ProfitBricksService:
    if kind == "http":
        return emulator.new_client(retries=retries)
    transport = InMemoryTransport(
        emulator.emulator, emulator.username, emulator.password, base_url=emulator.url
    )
    return emulator.new_client(retries=retries, transport=transport)


SCENARIOS: dict[str, tuple[dict[str, Any], Callable[[ProfitBricksService], Any], bool]] = {
    # name: (emulator settings, the call, whether the first wait heals the fault)
    "429-then-ok": ({"rate_limit": 1, "rate_window": 5}, lambda c: c.list_datacenters(), True),
    "429-spent": ({"rate_limit": 1, "rate_window": 5}, lambda c: c.list_datacenters(), False),
    "503-then-ok": ({"error_probability": 1.0}, lambda c: c.list_datacenters(), True),
    "503-spent": ({"error_probability": 1.0}, lambda c: c.list_datacenters(), False),
    "503-post": (
        {"error_probability": 1.0},
        lambda c: c.create_datacenter(Datacenter(name="x", location="de/fra")),
        False,
    ),
}


def _run(emulator: EmulatorHandle, kind: str, scenario: str) -> Run:
    settings, call, heals = SCENARIOS[scenario]
    emulator.reset()
    client = _client(emulator, kind, retries=3)
    run = Run()

    def sleep(seconds: float) -> None:
        run.waits.append(round(seconds, 3))
        if heals:
            emulator.configure(rate_limit=None, error_probability=0.0)

    client.pipeline.sleep = sleep
    client.pipeline.rand = lambda: 0.5
    emulator.configure(**settings)
    if settings.get("rate_limit"):
        client.list_locations()  # spends the one request the window allows
    try:
        result = call(client)
    except PBError as error:
        run.outcome = (type(error).__name__, error.resp)
    else:
        run.outcome = ("ok", sorted(result))
    emulator.configure(rate_limit=None, error_probability=0.0)
    client.close()
    return run


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_in_process_and_http_retry_alike(emulator: EmulatorHandle, scenario: str) -> None:
    over_http = _run(emulator, "http", scenario)
    in_process = _run(emulator, "in-process", scenario)
    assert over_http.waits, "the scenario must make the pipeline wait at least once"
    assert in_process.waits == over_http.waits
    assert in_process.outcome == over_http.outcome


def test_an_in_process_client_waits_for_retry_after(emulator: EmulatorHandle) -> None:
    run = _run(emulator, "in-process", "429-then-ok")
    assert len(run.waits) == 1
    assert run.waits[0] >= 1.0  # the emulator's Retry-After, whole seconds
    assert run.outcome[0] == "ok"


def test_in_process_retries_are_spent_like_http(emulator: EmulatorHandle) -> None:
    run = _run(emulator, "in-process", "503-spent")
    assert len(run.waits) == 3  # retries=3: four attempts, three waits
    assert run.outcome == ("PBError", 503)
