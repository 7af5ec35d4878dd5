"""The polling steps shared by both clients: listing or per-request polls, and both drivers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from profitbricks import waiting
from profitbricks.waiting import LIST, LISTING_FROM, LISTING_RATIO, Poll, Sleep, polling


def doc(request_id: str, status: str) -> dict[str, Any]:
    return {"id": f"{request_id}/status", "metadata": {"status": status}}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run(steps: Any, answer: Any) -> tuple[list[Any], waiting.WaitOutcome]:
    """Drive ``steps`` by hand: ``answer(step)`` gives what each step returns."""
    seen = []
    try:
        step = next(steps)
        while True:
            seen.append(step)
            step = steps.send(answer(step))
    except StopIteration as stop:
        return seen, stop.value


def test_many_pending_requests_are_read_with_one_listing_per_round() -> None:
    ids = [f"r{n}" for n in range(LISTING_FROM)]
    clock = Clock()
    rounds = [0]

    def answer(step: Any) -> Any:
        if step is LIST:
            rounds[0] += 1
            status = "DONE" if rounds[0] == 2 else "RUNNING"
            return {rid: doc(rid, status) for rid in ids}
        assert type(step) is Sleep
        clock.now += step.seconds
        return None

    seen, outcome = run(polling(ids, None, listing=True, clock=clock), answer)
    assert [type(step) for step in seen] == [type(LIST), Sleep, type(LIST)]
    assert sorted(outcome.final) == sorted(ids)


def test_requests_the_listing_does_not_show_are_polled_one_by_one() -> None:
    ids = [f"r{n}" for n in range(LISTING_FROM)]

    def answer(step: Any) -> Any:
        if step is LIST:
            return {rid: doc(rid, "DONE") for rid in ids[1:]}
        assert step == Poll(("r0",))
        return {"r0": doc("r0", "DONE")}

    seen, outcome = run(polling(ids, None, listing=True), answer)
    assert seen == [LIST, Poll(("r0",))]
    assert len(outcome.final) == LISTING_FROM


def test_few_requests_or_a_long_history_mean_one_poll_per_request() -> None:
    few = [f"r{n}" for n in range(LISTING_FROM - 1)]
    seen, _ = run(polling(few, None, listing=True), lambda step: {r: doc(r, "DONE") for r in few})
    assert seen == [Poll(tuple(few))]

    ids = [f"r{n}" for n in range(LISTING_FROM)]
    history = {f"old{n}": doc(f"old{n}", "DONE") for n in range(LISTING_RATIO * LISTING_FROM)}
    clock = Clock()
    polls = [0]

    def answer(step: Any) -> Any:
        if step is LIST:
            return {**history, **{rid: doc(rid, "RUNNING") for rid in ids}}
        if type(step) is Sleep:
            clock.now += step.seconds
            return None
        polls[0] += 1
        return {rid: doc(rid, "DONE") for rid in step.ids}

    seen, outcome = run(polling(ids, None, listing=True, clock=clock), answer)
    assert seen[0] is LIST
    assert [type(s) for s in seen[1:]] == [Sleep, Poll]
    assert len(outcome.final) == LISTING_FROM


def test_the_listing_statuses_come_from_each_items_request_status() -> None:
    listing = {
        "items": [
            {"id": "a", "metadata": {"requestStatus": doc("a", "DONE")}},
            {"id": "b", "metadata": {"requestStatus": {"id": "b/status", "href": "h"}}},
            {"id": "c"},
            "junk",
        ]
    }
    assert waiting.statuses_from_listing(listing) == {"a": doc("a", "DONE")}
    assert waiting.statuses_from_listing({}) == {}


def test_the_async_driver_polls_a_round_with_bounded_concurrency() -> None:
    ids = [f"r{n}" for n in range(25)]
    in_flight = [0]
    most = [0]

    async def get_status(request_id: str) -> dict[str, Any]:
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        await asyncio.sleep(0.001)
        in_flight[0] -= 1
        return doc(request_id, "DONE")

    async def scenario() -> waiting.WaitOutcome:
        return await waiting.drive_async(polling(ids, None), get_status, concurrency=4)

    outcome = asyncio.run(scenario())
    assert sorted(outcome.final) == sorted(ids)
    assert most[0] == 4


def test_the_first_poll_error_cancels_the_others_and_is_raised() -> None:
    started: list[str] = []
    cancelled: list[str] = []

    async def get_status(request_id: str) -> dict[str, Any]:
        started.append(request_id)
        if request_id == "r1":
            raise LookupError(request_id)
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(request_id)
            raise
        return doc(request_id, "DONE")

    async def scenario() -> None:
        await waiting.drive_async(polling(["r0", "r1", "r2"], None), get_status, concurrency=3)

    with pytest.raises(LookupError):
        asyncio.run(scenario())
    assert sorted(cancelled) == ["r0", "r2"]


def test_async_waits_raise_like_the_blocking_ones() -> None:
    async def get_status(request_id: str) -> dict[str, Any]:
        return doc(request_id, "FAILED")

    async def no_sleep(seconds: float) -> None:
        return None

    async def scenario() -> None:
        with pytest.raises(waiting.PBFailedRequest, match="Request a failed"):
            await waiting.async_wait_for_completion(get_status, "a", sleep=no_sleep)
        with pytest.raises(waiting.PBFailedRequest, match="2 of 2 request"):
            await waiting.async_wait_for_requests(get_status, ["a", "b"], sleep=no_sleep)
        assert await waiting.async_wait_for_completion(get_status, None) is None

    asyncio.run(scenario())
