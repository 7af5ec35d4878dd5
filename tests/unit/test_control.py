"""Controls: progression parsing, rate limit windows, fault draws and the control API."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import pytest

from profitbricks.emulator.control import Controls, InvalidSetting, Progression, Rejection


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ResetCounter:
    """Stands in for the emulator: records the arguments of every reset."""

    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    @property
    def resets(self) -> int:
        return len(self.calls)

    def reset(self, **options: object) -> None:
        self.calls.append(options)


@pytest.mark.parametrize(
    ("text", "mode", "value", "canonical"),
    [
        ("immediate", "immediate", 0, "immediate"),
        ("polls:3", "polls", 3, "polls:3"),
        ("polls:0", "polls", 0, "polls:0"),
        ("seconds:1.5", "seconds", 1.5, "seconds:1.5"),
        ("seconds:2", "seconds", 2.0, "seconds:2.0"),
        (" seconds:0 ", "seconds", 0.0, "seconds:0.0"),
    ],
)
def test_progression_parse(text: str, mode: str, value: float, canonical: str) -> None:
    progression = Progression.parse(text)
    assert progression.mode == mode
    assert progression.value == value
    assert str(progression) == canonical
    assert Progression.parse(str(progression)) == progression


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soon",
        "polls",
        "polls:",
        "polls:-1",
        "polls:1.5",
        "seconds:x",
        "seconds:-2",
        "seconds:inf",
        "immediate:3",
        "seconds:nan",
    ],
)
def test_progression_parse_rejects(text: str) -> None:
    with pytest.raises(InvalidSetting):
        Progression.parse(text)


def test_progression_parse_rejects_non_string() -> None:
    with pytest.raises(InvalidSetting):
        Progression.parse(3)  # type: ignore[arg-type]


def test_defaults_are_off() -> None:
    controls = Controls()
    assert all(controls.admit("a") is None for _ in range(1000))
    assert not any(controls.request_should_fail() for _ in range(1000))
    assert controls.latency() == 0.0
    assert str(controls.progression) == "immediate"


def test_rate_limit_window_and_retry_after() -> None:
    clock = FakeClock()
    controls = Controls(rate_limit=3, rate_window=10.0, clock=clock)
    assert [controls.admit("jane") for _ in range(3)] == [None, None, None]
    rejection = controls.admit("jane")
    assert isinstance(rejection, Rejection)
    assert rejection.status == 429
    assert rejection.headers["Retry-After"] == "10"
    body = rejection.body()
    assert body["httpStatus"] == 429
    assert body["messages"][0]["errorCode"] == "429"
    assert "Rate limit" in body["messages"][0]["message"]
    # another account has its own budget
    assert controls.admit("john") is None
    clock.now += 7.2
    again = controls.admit("jane")
    assert again is not None
    assert again.headers["Retry-After"] == "3"
    clock.now += 2.9
    assert controls.admit("jane") is None


def test_retry_after_is_at_least_one_second() -> None:
    clock = FakeClock()
    controls = Controls(rate_limit=1, rate_window=0.25, clock=clock)
    assert controls.admit("a") is None
    rejection = controls.admit("a")
    assert rejection is not None
    assert rejection.headers["Retry-After"] == "1"
    clock.now += 0.25
    assert controls.admit("a") is None


def test_rejected_requests_do_not_use_the_budget() -> None:
    clock = FakeClock()
    controls = Controls(rate_limit=2, rate_window=1.0, clock=clock)
    controls.admit("a")
    clock.now += 0.5
    controls.admit("a")
    for _ in range(5):
        assert controls.admit("a") is not None
    clock.now += 0.5
    # the first slot has freed; the rejected attempts took none
    assert controls.admit("a") is None


def test_error_probability_one_always_503() -> None:
    controls = Controls(error_probability=1.0)
    rejection = controls.admit("a")
    assert rejection is not None
    assert rejection.status == 503
    assert rejection.headers["Retry-After"] == "1"


def test_seeded_fault_draws_are_reproducible() -> None:
    first = Controls(fail_probability=0.5, error_probability=0.5, seed=42)
    second = Controls(fail_probability=0.5, error_probability=0.5, seed=42)

    def draws(controls: Controls) -> list[object]:
        return [(controls.request_should_fail(), controls.admit("x")) for _ in range(50)]

    one = draws(first)
    assert one == draws(second)
    assert any(fail for fail, _ in one)
    assert not all(fail for fail, _ in one)
    first.reset()
    assert draws(first) == one


def test_from_config_reads_fields_and_delay() -> None:
    @dataclass
    class Config:
        delay: float | None = 2.5
        progression: str | None = None
        rate_limit: int | None = 10
        rate_window: float | None = None
        fail_probability: float = 0.1
        error_probability: float = 0.2
        latency: float = 0.05
        seed: int | None = 7
        resource_limits: dict[str, int] | None = None

    controls = Controls.from_config(Config(resource_limits={"reservableIps": 5}))
    assert controls.settings() == {
        "progression": "seconds:2.5",
        "delay": 2.5,
        "rate_limit": 10,
        "rate_window": 1.0,
        "fail_probability": 0.1,
        "error_probability": 0.2,
        "latency": 0.05,
        "seed": 7,
        "resource_limits": {"reservableIps": 5},
        "delay_for": {},
    }
    assert Controls.from_config(Config()).settings()["resource_limits"] == {}
    assert str(Controls.from_config(Config(progression="polls:2")).progression) == "polls:2"
    assert str(Controls.from_config(Config(delay=0)).progression) == "immediate"
    assert str(Controls.from_config(object()).progression) == "immediate"


def test_update_validates_everything_before_applying() -> None:
    controls = Controls()
    with pytest.raises(InvalidSetting):
        controls.update({"latency": 0.5, "fail_probability": 1.5})
    assert controls.latency() == 0.0
    assert controls.update({"delay": 0.5})["progression"] == "seconds:0.5"
    assert controls.update({"delay": None})["progression"] == "immediate"
    assert controls.update({"rate_limit": 0})["rate_limit"] is None


@pytest.mark.parametrize(
    "changes",
    [
        {"rate_limit": -1},
        {"rate_limit": 2.5},
        {"rate_limit": True},
        {"rate_window": 0},
        {"rate_window": "1"},
        {"fail_probability": -0.1},
        {"error_probability": 2},
        {"latency": -1},
        {"latency": float("inf")},
        {"seed": "abc"},
        {"seed": 1.5},
        {"progression": 3},
        {"progression": "later"},
        {"delay": -1},
        {"color": "red"},
    ],
)
def test_update_rejects_bad_values(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidSetting):
        Controls().update(changes)


def test_restore_defaults() -> None:
    controls = Controls(
        rate_limit=1, fail_probability=1.0, latency=1.0, seed=3, progression="polls:2"
    )
    controls.restore_defaults()
    assert controls.settings() == Controls().settings()


def test_handle_get_and_patch_config() -> None:
    controls = Controls()
    emulator = ResetCounter()
    status, body = controls.handle(emulator, "GET", "/_emulator/", b"")
    assert status == 200
    assert body["progression"] == "immediate"
    assert controls.handle(emulator, "GET", "/_emulator/config", b"")[0] == 200
    status, body = controls.handle(
        emulator,
        "PATCH",
        "/_emulator/config",
        json.dumps({"rate_limit": 5, "latency": 0.01, "progression": "polls:1"}).encode(),
    )
    assert status == 200
    assert body["rate_limit"] == 5
    assert body["progression"] == "polls:1"
    assert controls.latency() == 0.01
    status, body = controls.handle(emulator, "POST", "/_emulator/config", b'{"seed": 9}')
    assert (status, body["seed"]) == (200, 9)


@pytest.mark.parametrize(
    "body", [b"{", b"[1, 2]", b'{"fail_probability": 3}', b'{"nope": 1}', b"\xff\xfe"]
)
def test_handle_bad_config_is_400(body: bytes) -> None:
    controls = Controls()
    status, answer = controls.handle(ResetCounter(), "PATCH", "/_emulator/config", body)
    assert status == 400
    assert isinstance(answer["error"], str)
    assert controls.settings() == Controls().settings()


def test_handle_reset_hands_the_reset_to_the_emulator() -> None:
    controls = Controls(rate_limit=1, progression="polls:2")
    emulator = ResetCounter()
    status, body = controls.handle(emulator, "POST", "/_emulator/reset", b"")
    assert (status, body["reset"]) == (200, True)
    assert emulator.calls == [{"settings": "initial"}]
    status, body = controls.handle(emulator, "POST", "/_emulator/reset", b'{"seed": 5}')
    assert status == 200
    assert emulator.calls[-1] == {"settings": "initial", "seed": 5}
    assert controls.handle(emulator, "POST", "/_emulator/reset", b'{"other": 1}')[0] == 400
    assert emulator.resets == 2


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("DELETE", "/_emulator/config", 405),
        ("PATCH", "/_emulator/", 405),
        ("GET", "/_emulator/reset", 405),
        ("GET", "/_emulator/nothing", 404),
    ],
)
def test_handle_unknown(method: str, path: str, status: int) -> None:
    got, body = Controls().handle(ResetCounter(), method, path, b"")
    assert got == status
    assert "error" in body


def test_admit_is_thread_safe() -> None:
    controls = Controls(rate_limit=100, rate_window=3600.0)
    admitted: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        results = [controls.admit("shared") is None for _ in range(50)]
        with lock:
            admitted.extend(results)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admitted.count(True) == 100
    assert admitted.count(False) == 300
