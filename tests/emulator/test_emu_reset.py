"""Reset is one method, ``Emulator.reset``: every entry point that resets goes through it.

Each test replaces the method with a recorder that does nothing, then uses an entry point: the
recorder must have been called (with the settings policy of that entry point), and the state
must be untouched, which shows that nothing else reset it behind the method's back.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3

from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator.testing import EmulatorHandle, running_emulator

from .emu_helpers import Api

USER = ("reset@example.com", "reset-secret")


class Recorder:
    """Stands in for ``Emulator.reset`` and records the keyword arguments of each call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, emulator: Emulator, **options: Any) -> None:
        self.calls.append(options)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    spy = Recorder()
    original = Emulator.reset

    def recording(self: Emulator, **options: Any) -> None:
        spy(self, **options)
        if not getattr(self, "_reset_recording_only", False):
            original(self, **options)

    monkeypatch.setattr(Emulator, "reset", recording)
    return spy


def _datacenters(handle: EmulatorHandle) -> int:
    api = Api(handle, handle.username, handle.password)
    return len(api.ok("GET", "/datacenters")["items"])


def _only_record(handle: EmulatorHandle) -> None:
    # From here on the recorder does not pass the call on: a reset must not happen at all.
    handle.emulator._reset_recording_only = True  # type: ignore[attr-defined]


def _seed_one_datacenter(handle: EmulatorHandle) -> None:
    Api(handle, handle.username, handle.password).datacenter("kept")
    assert _datacenters(handle) == 1


def test_the_constructor_resets_through_the_method(recorder: Recorder) -> None:
    Emulator(EmulatorConfig(users=[USER]))
    assert recorder.calls == [{}]


def test_the_control_api_resets_through_the_method(recorder: Recorder) -> None:
    with running_emulator([USER]) as handle:
        _seed_one_datacenter(handle)
        _only_record(handle)
        recorder.calls.clear()
        pool = urllib3.PoolManager(retries=False, timeout=30)
        reply = pool.request(
            "POST",
            handle.base_url + "/_emulator/reset",
            body=json.dumps({"seed": 4}).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert reply.status == 200
        assert recorder.calls == [{"settings": "initial", "seed": 4}]
        assert _datacenters(handle) == 1


def test_the_fixture_handle_resets_through_the_method(recorder: Recorder) -> None:
    with running_emulator([USER]) as handle:
        _seed_one_datacenter(handle)
        _only_record(handle)
        recorder.calls.clear()
        handle.reset()
        assert recorder.calls == [{"settings": "off"}]
        assert _datacenters(handle) == 1


def test_the_pytest_fixture_resets_through_the_method(
    recorder: Recorder, emulator: EmulatorHandle
) -> None:
    # ``recorder`` is set up first, so the fixture's reset of this test went through it.
    assert recorder.calls == [{"settings": "off"}]
    assert _datacenters(emulator) == 0


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("keep", {"progression": "polls:3", "fail_probability": 0.5, "delay_for": {"lan": 2.0}}),
        ("initial", {"progression": "seconds:9.0", "fail_probability": 0.0, "delay_for": {}}),
        ("off", {"progression": "immediate", "fail_probability": 0.0, "delay_for": {}}),
    ],
)
def test_what_a_reset_does_with_the_settings(settings: Any, expected: dict[str, Any]) -> None:
    emulator = Emulator(EmulatorConfig(users=[USER], delay=9.0))
    emulator.controls.update(
        {"progression": "polls:3", "fail_probability": 0.5, "delay_for": {"lan": 2}}
    )
    emulator.reset(settings=settings)
    current = emulator.controls.settings()
    assert {name: current[name] for name in expected} == expected


def test_an_unknown_settings_policy_is_refused_before_anything_changes() -> None:
    emulator = Emulator(EmulatorConfig(users=[USER]))
    emulator.controls.update({"fail_probability": 0.5})
    state = emulator.state
    with pytest.raises(ValueError, match="'keep', 'initial' or 'off'"):
        emulator.reset(settings="inital")  # type: ignore[arg-type]
    assert emulator.state is state
    assert emulator.controls.settings()["fail_probability"] == 0.5
