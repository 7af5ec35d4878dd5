"""wait_for_completion / wait_for_requests with an injected clock: no test here sleeps."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from profitbricks.errors import PBFailedRequest, PBTimeoutError
from profitbricks.waiting import (
    FIRST_INTERVAL,
    GROWTH,
    MAX_INTERVAL,
    poll_offsets,
    request_id_of,
    wait_for_completion,
    wait_for_requests,
)


class FakeClock:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds


def doc(request_id: str, status: str, message: str = "") -> dict[str, Any]:
    return {
        "id": f"{request_id}/status",
        "type": "request-status",
        "metadata": {"status": status, "message": message or f"request is {status}"},
    }


class FakeRequests:
    """Status documents for requests that finish a given number of seconds after the start."""

    def __init__(self, clock: FakeClock, **finish: tuple[float, str]) -> None:
        self.clock = clock
        self.start = clock.now
        self.finish = finish
        self.polls: list[tuple[str, float]] = []

    def __call__(self, request_id: str) -> dict[str, Any]:
        elapsed = self.clock.now - self.start
        self.polls.append((request_id, elapsed))
        after, final = self.finish[request_id]
        if elapsed >= after:
            return doc(request_id, final, "the volume could not be created")
        return doc(request_id, "RUNNING" if elapsed > 0 else "QUEUED")


def test_request_id_of() -> None:
    assert request_id_of({"requestId": "abc", "id": "x"}) == "abc"
    assert request_id_of("abc") == "abc"
    assert request_id_of(None) is None
    assert request_id_of({}) is None
    assert request_id_of(False) is None


@pytest.mark.parametrize("value", [{"id": "x"}, True, 42, ["abc"]])
def test_request_id_of_rejects_values_without_an_id(value: object) -> None:
    with pytest.raises(TypeError) as info:
        request_id_of(value)
    assert "cannot wait" in str(info.value)


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"id": "x", "type": "server"}, "no 'requestId' among its keys ('id', 'type')"),
        ({"requestId": None, "id": "x"}, "'requestId' is None"),
        ({"requestId": "", "id": "x"}, "'requestId' is ''"),
        ({"requestId": 42}, "'requestId' is 42"),
        ({"requestId": ["a"]}, "'requestId' is list"),
        (True, "cannot wait for a bool"),
        (42, "cannot wait for a int"),
        (["abc"], "cannot wait for a list"),
        (object(), "cannot wait for a object"),
    ],
)
def test_the_error_names_what_it_got(value: object, named: str) -> None:
    with pytest.raises(TypeError) as info:
        request_id_of(value)
    assert named in str(info.value)


def test_wait_for_completion_names_what_it_got() -> None:
    from profitbricks.client import ProfitBricksService

    client = ProfitBricksService("u", "p", use_config=False)
    with pytest.raises(TypeError, match="'requestId' is None"):
        client.wait_for_completion({"requestId": None, "id": "x"})
    with pytest.raises(TypeError, match="no 'requestId' among its keys"):
        client.wait_for_requests([{"id": "x"}])


def test_type_error_does_not_show_the_value() -> None:
    with pytest.raises(TypeError) as info:
        request_id_of({"properties": {"imagePassword": "hunter2hunter2"}})
    assert "hunter2hunter2" not in str(info.value)


def test_falsy_response_returns_none_without_polling() -> None:
    def get_status(request_id: str) -> dict[str, Any]:
        raise AssertionError("must not poll")

    assert wait_for_completion(get_status, None) is None
    assert wait_for_completion(get_status, {}) is None


def test_default_schedule_is_geometric_from_a_tenth_of_a_second() -> None:
    offsets = poll_offsets(6)
    assert offsets[0] == 0.0
    assert offsets[1] == pytest.approx(FIRST_INTERVAL)
    assert offsets[2] - offsets[1] == pytest.approx(FIRST_INTERVAL * GROWTH)
    far = poll_offsets(200)
    assert far[-1] - far[-2] == pytest.approx(MAX_INTERVAL)


@pytest.mark.parametrize(
    ("seconds", "max_polls"), [(0.2, 4), (1.0, 9), (5.0, 20), (60.0, 40), (600.0, 120)]
)
def test_completion_is_noticed_promptly_with_few_polls(seconds: float, max_polls: int) -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, r=(seconds, "DONE"))
    final = wait_for_completion(requests, {"requestId": "r"}, sleep=clock.sleep, clock=clock)
    assert final is not None
    assert final["metadata"]["status"] == "DONE"
    lateness = (clock.now - requests.start) - seconds
    assert 0 <= lateness <= 0.25 * seconds + 0.1
    assert len(requests.polls) <= max_polls


@pytest.mark.parametrize("seconds", [0.05, 0.11, 0.23, 0.5, 0.99, 1.01, 2.0, 3.3, 7.0, 42.0])
def test_lateness_bound_holds_between_poll_times(seconds: float) -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, r=(seconds, "DONE"))
    wait_for_completion(requests, "r", sleep=clock.sleep, clock=clock)
    assert (clock.now - requests.start) - seconds <= 0.25 * seconds + 0.1


def test_schedule_does_not_drift_when_polls_take_time() -> None:
    clock = FakeClock()
    finish = 3.0
    start = clock.now
    polled_at: list[float] = []

    def slow_status(request_id: str) -> dict[str, Any]:
        polled_at.append(clock.now - start)
        clock.now += 0.03  # each poll takes 30 ms
        return doc(request_id, "DONE" if clock.now - start >= finish else "RUNNING")

    wait_for_completion(slow_status, "r", sleep=clock.sleep, clock=clock)
    expected = poll_offsets(len(polled_at))
    assert polled_at == pytest.approx(expected, abs=1e-9)


def test_on_poll_sees_every_status_document() -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, r=(1.0, "DONE"))
    seen: list[dict[str, Any]] = []
    final = wait_for_completion(requests, "r", on_poll=seen.append, sleep=clock.sleep, clock=clock)
    assert len(seen) == len(requests.polls)
    assert seen[-1] is final
    assert [d["metadata"]["status"] for d in seen[:2]] == ["QUEUED", "RUNNING"]


def test_each_poll_is_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, r=(0.5, "DONE"))
    with caplog.at_level(logging.DEBUG, logger="profitbricks"):
        wait_for_completion(requests, "r", sleep=clock.sleep, clock=clock)
    records = [
        r for r in caplog.records if r.name == "profitbricks" and "request r is" in r.getMessage()
    ]
    assert len(records) == len(requests.polls)
    assert records[-1].getMessage().startswith("request r is DONE")


def test_failed_request_raises_with_message_id_and_status() -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, r=(0.3, "FAILED"))
    with pytest.raises(PBFailedRequest) as info:
        wait_for_completion(requests, {"requestId": "r"}, sleep=clock.sleep, clock=clock)
    error = info.value
    assert error.request_id == "r"
    assert error.status is not None
    assert error.status["metadata"]["status"] == "FAILED"
    assert "the volume could not be created" in str(error)
    assert "r" in str(error)
    assert error.failures == (error,)


def test_timeout_raises_with_the_last_status_at_the_deadline() -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, r=(100.0, "DONE"))
    with pytest.raises(PBTimeoutError) as info:
        wait_for_completion(requests, "r", timeout=7, sleep=clock.sleep, clock=clock)
    assert info.value.request_id == "r"
    assert info.value.status is not None
    assert info.value.status["metadata"]["status"] == "RUNNING"
    assert clock.now - requests.start == pytest.approx(7.0)
    assert requests.polls[-1][1] == pytest.approx(7.0)


@pytest.mark.parametrize("timeout", [None, 0])
def test_no_deadline_without_timeout(timeout: float | None) -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, r=(20000.0, "DONE"))
    final = wait_for_completion(requests, "r", timeout=timeout, sleep=clock.sleep, clock=clock)
    assert final is not None


def test_explicit_initial_wait_and_scaleup_keep_the_old_doubling_schedule() -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, r=(100.0, "DONE"))
    wait_for_completion(requests, "r", initial_wait=1, scaleup=3, sleep=clock.sleep, clock=clock)
    # Polls at 0, 1, 2, 3, 4: past 1*3 s, so the interval doubles to 2 s for the next 2*3 s;
    # polls at 6, 8, 10, 12: past that, 4 s for the next 4*6 s; then 8 s.
    assert clock.sleeps[:16] == [1.0] * 4 + [2.0] * 4 + [4.0] * 7 + [8.0]


def test_only_scaleup_given_uses_the_old_initial_wait() -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, r=(12.0, "DONE"))
    wait_for_completion(requests, "r", scaleup=10, sleep=clock.sleep, clock=clock)
    assert clock.sleeps == [5.0, 5.0, 5.0]


def test_sleep_is_cut_at_the_deadline_in_the_old_schedule() -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, r=(100.0, "DONE"))
    with pytest.raises(PBTimeoutError):
        wait_for_completion(
            requests, "r", timeout=12, initial_wait=5, scaleup=10, sleep=clock.sleep, clock=clock
        )
    assert clock.sleeps == [5.0, 5.0, 2.0]


def test_wait_for_requests_takes_as_long_as_the_slowest() -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, a=(0.5, "DONE"), b=(5.0, "DONE"), c=(2.0, "DONE"))
    docs = wait_for_requests(
        requests,
        [{"requestId": "a"}, None, {"requestId": "b"}, "c"],
        sleep=clock.sleep,
        clock=clock,
    )
    assert [d["id"] for d in docs] == ["a/status", "b/status", "c/status"]
    elapsed = clock.now - requests.start
    assert 5.0 <= elapsed <= 5.0 * 1.25 + 0.1
    polls_of_b = [p for p in requests.polls if p[0] == "b"]
    polls_of_a = [p for p in requests.polls if p[0] == "a"]
    assert len(polls_of_b) <= 20
    assert len(polls_of_a) < len(polls_of_b)


def test_wait_for_requests_polls_a_repeated_id_once_per_round() -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, a=(0.0, "DONE"))
    docs = wait_for_requests(requests, ["a", {"requestId": "a"}], sleep=clock.sleep, clock=clock)
    assert len(docs) == 2
    assert len(requests.polls) == 1


def test_wait_for_requests_lists_every_failure() -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, a=(0.2, "FAILED"), b=(1.0, "DONE"), c=(3.0, "FAILED"))
    seen: list[dict[str, Any]] = []
    with pytest.raises(PBFailedRequest) as info:
        wait_for_requests(
            requests, ["a", "b", "c"], on_poll=seen.append, sleep=clock.sleep, clock=clock
        )
    error = info.value
    assert [f.request_id for f in error.failures] == ["a", "c"]
    assert error.request_id == "a"
    assert "2 of 3" in str(error)
    assert "Request a failed" in str(error)
    assert "Request c failed" in str(error)
    # Waited for the slow failure too before raising.
    assert clock.now - requests.start >= 3.0
    assert len(seen) == len(requests.polls)


def test_wait_for_requests_timeout_names_every_pending_request() -> None:
    clock = FakeClock()
    requests = FakeRequests(clock, a=(1.0, "DONE"), b=(50.0, "DONE"), c=(60.0, "DONE"))
    with pytest.raises(PBTimeoutError) as info:
        wait_for_requests(requests, ["a", "b", "c"], timeout=10, sleep=clock.sleep, clock=clock)
    assert info.value.request_id == "b"
    assert "b, c" in str(info.value)
    assert "2 of 3" in str(info.value)
    assert clock.now - requests.start == pytest.approx(10.0)


def test_wait_for_requests_with_nothing_to_wait_for() -> None:
    def get_status(request_id: str) -> dict[str, Any]:
        raise AssertionError("must not poll")

    assert wait_for_requests(get_status, [None, {}]) == []
