"""The bulk helper of both clients against the emulator: results, failures, limits, stopping."""

from __future__ import annotations

import asyncio
import itertools
import logging
from functools import partial
from typing import Any

import pytest

from profitbricks.bulk import BulkInterrupted, BulkProgress, BulkReport
from profitbricks.client import Datacenter, ProfitBricksService
from profitbricks.emulator.testing import EmulatorHandle
from profitbricks.errors import PBFailedRequest, PBTimeoutError, PBValidationError

from .conftest import NewClient


def datacenters(count: int, prefix: str = "dc") -> list[Datacenter]:
    return [Datacenter(name=f"{prefix}{n}", location="de/fra") for n in range(count)]


def assert_counts_only_grow(seen: list[BulkProgress]) -> None:
    for before, after in itertools.pairwise(seen):
        assert after.submitted >= before.submitted
        assert after.finished >= before.finished


def test_async_bulk_returns_every_result_in_order(
    emulator: EmulatorHandle, new_client: NewClient
) -> None:
    emulator.configure(progression="polls:2")
    seen: list[BulkProgress] = []

    async def scenario() -> BulkReport:
        async with new_client() as client:
            calls = [partial(client.create_datacenter, dc) for dc in datacenters(15)]
            return await client.bulk(calls, concurrency=4, on_progress=seen.append)

    report = asyncio.run(scenario())
    assert report.ok
    assert len(report) == 15
    assert [o.result["properties"]["name"] for o in report] == [f"dc{n}" for n in range(15)]
    assert all(o.status is not None and o.status["metadata"]["status"] == "DONE" for o in report)
    assert report.request_ids == [o.result["requestId"] for o in report]
    assert report.progress.done == 15
    assert seen[-1].done == 15
    assert any(p.queued or p.running for p in seen)
    assert_counts_only_grow(seen)
    assert "15 done, 0 failed" in repr(report)


def test_coroutines_may_be_passed_as_they_are(new_client: NewClient) -> None:
    async def scenario() -> BulkReport:
        async with new_client() as client:
            return await client.bulk([client.create_datacenter(dc) for dc in datacenters(3)])

    assert asyncio.run(scenario()).ok


def test_failures_are_reported_not_raised_and_nothing_is_cancelled(
    emulator: EmulatorHandle, new_client: NewClient
) -> None:
    async def scenario() -> BulkReport:
        async with new_client() as client:
            emulator.configure(progression="polls:2", fail_probability=1.0)
            doomed = [partial(client.create_datacenter, dc) for dc in datacenters(2, "bad")]
            emulator_calls: list[Any] = [
                *doomed,
                partial(client.create_datacenter, Datacenter(name="x", location="nowhere")),
            ]
            return await client.bulk(emulator_calls)

    report = asyncio.run(scenario())
    assert not report.ok
    assert len(report.failures) == 3
    first, second, invalid = report
    for outcome in (first, second):
        assert isinstance(outcome.error, PBFailedRequest)
        assert outcome.error.request_id == outcome.request_id is not None
        assert outcome.status is not None
        assert outcome.status["metadata"]["status"] == "FAILED"
    assert isinstance(invalid.error, PBValidationError)
    assert invalid.request_id is None
    assert report.progress.failed == 3


def test_a_bulk_wait_times_out_per_request(emulator: EmulatorHandle, new_client: NewClient) -> None:
    async def scenario() -> BulkReport:
        async with new_client() as client:
            emulator.configure(progression="seconds:60")
            calls = [partial(client.create_datacenter, dc) for dc in datacenters(2)]
            return await client.bulk(calls, timeout=0.3)

    report = asyncio.run(scenario())
    assert [type(o.error) for o in report] == [PBTimeoutError, PBTimeoutError]
    assert [o.error.request_id for o in report] == report.request_ids  # type: ignore[union-attr]


def test_a_rate_limited_bulk_has_no_failures(
    emulator: EmulatorHandle, new_client: NewClient
) -> None:
    async def scenario() -> BulkReport:
        async with new_client() as client:
            emulator.configure(rate_limit=10, rate_window=1)
            calls = [partial(client.create_datacenter, dc) for dc in datacenters(25)]
            return await client.bulk(calls)

    report = asyncio.run(scenario())
    assert report.ok, report.failures


def test_cancelling_reports_every_request_already_submitted(
    emulator: EmulatorHandle, new_client: NewClient, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.configure(latency=0.05)

    async def scenario() -> tuple[BaseException, list[str]]:
        async with new_client() as client:
            calls = [partial(client.create_datacenter, dc) for dc in datacenters(40)]
            task = asyncio.ensure_future(client.bulk(calls, concurrency=2))
            await asyncio.sleep(0.4)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError as cancelled:
                listed = await client.list_requests()
                return cancelled, [item["id"] for item in listed["items"]]
            raise AssertionError("the bulk run was not cancelled")

    with caplog.at_level(logging.WARNING, logger="profitbricks"):
        cancelled, on_the_server = asyncio.run(scenario())
    request_ids = cancelled.request_ids  # type: ignore[attr-defined]
    assert 0 < len(request_ids) < 40
    # Every request the emulator received was reported: none orphaned unseen.
    assert sorted(request_ids) == sorted(on_the_server)
    warning = next(r for r in caplog.records if "bulk run cancelled" in r.getMessage())
    assert all(request_id in warning.getMessage() for request_id in request_ids)


def test_the_blocking_bulk_on_threads(emulator: EmulatorHandle) -> None:
    emulator.configure(progression="polls:2", rate_limit=8, rate_window=1)
    client: ProfitBricksService = emulator.client
    seen: list[BulkProgress] = []
    calls = [partial(client.create_datacenter, dc) for dc in datacenters(14)]
    calls.append(partial(client.get_datacenter, "0c5b4a3e-6a1f-4c8e-9d2a-7b1e3f5a9c0d"))
    report = client.bulk(calls, concurrency=5, on_progress=seen.append)
    assert len(report.failures) == 1
    assert report[-1].error is not None
    assert report[-1].request_id is None
    assert [o.status["metadata"]["status"] for o in report[:14]] == ["DONE"] * 14  # type: ignore[index]
    assert seen[-1].done == 14
    assert seen[-1].failed == 1
    assert_counts_only_grow(seen)


def test_ctrl_c_stops_the_blocking_bulk_and_names_what_was_submitted(
    emulator: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    client: ProfitBricksService = emulator.client
    calls = [partial(client.create_datacenter, dc) for dc in datacenters(30)]

    def interrupt(progress: BulkProgress) -> None:
        if progress.submitted >= 5:
            raise KeyboardInterrupt

    with (
        caplog.at_level(logging.WARNING, logger="profitbricks"),
        pytest.raises(BulkInterrupted) as info,
    ):
        client.bulk(calls, concurrency=2, on_progress=interrupt)
    assert isinstance(info.value, KeyboardInterrupt)
    on_the_server = [item["id"] for item in client.list_requests()["items"]]
    assert 5 <= len(info.value.request_ids) < 30
    assert sorted(info.value.request_ids) == sorted(on_the_server)
    assert any("bulk run interrupted" in r.getMessage() for r in caplog.records)


def test_bulk_refuses_what_it_cannot_call(emulator: EmulatorHandle, new_client: NewClient) -> None:
    with pytest.raises(TypeError, match="functions of no arguments"):
        emulator.client.bulk([{"not": "callable"}])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="concurrency"):
        emulator.client.bulk([], concurrency=0)

    async def scenario() -> None:
        async with new_client() as client:
            with pytest.raises(TypeError, match="awaitables"):
                await client.bulk([42])
            assert len(await client.bulk([])) == 0

    asyncio.run(scenario())
