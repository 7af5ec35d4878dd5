"""Per-operation durations (``delay_for``): over HTTP with an injected clock, through the
control API, the command line and the pytest fixture, and their kinds against the routing
table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3

from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator.__main__ import build_parser, main
from profitbricks.emulator.routes import OPERATION_KINDS, ROUTES, match, operation_kind
from profitbricks.emulator.server import EmulatorServer
from profitbricks.emulator.settings import (
    REALISTIC_DURATIONS,
    InvalidSetting,
    config_values,
    duration_for,
)
from profitbricks.emulator.testing import EmulatorHandle

from .emu_helpers import Api, Reply

USER = ("durations@example.com", "durations-secret")
FORM = "application/x-www-form-urlencoded"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Served:
    def __init__(self, handle: EmulatorHandle, clock: Clock) -> None:
        self.handle = handle
        self.clock = clock
        self.api = Api(handle, *USER)
        self.pool = urllib3.PoolManager(retries=False, timeout=30)

    def control(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        reply = self.pool.request(
            method,
            self.handle.base_url + "/_emulator" + path,
            body=data,
            headers={"Content-Type": "application/json"},
        )
        return reply.status, json.loads(reply.data)

    def configure(self, **settings: Any) -> dict[str, Any]:
        status, body = self.control("PATCH", "/config", settings)
        assert status == 200, body
        return body  # type: ignore[no-any-return]

    def status(self, reply: Reply) -> str:
        return str(self.api.status(reply))

    def snapshot(self, dc: str, volume: str) -> Reply:
        reply = self.api.call(
            "POST",
            f"/datacenters/{dc}/volumes/{volume}/create-snapshot",
            raw="name=snap",
            content_type=FORM,
        )
        assert reply.status == 202, reply.text
        return reply


def _serve(**config: Any) -> Iterator[Served]:
    clock = Clock()
    emulator = Emulator(EmulatorConfig(users=[USER], **config), clock=clock)
    server = EmulatorServer(emulator, host="127.0.0.1", port=0, threads=2)
    handle = EmulatorHandle(
        url=server.url, username=USER[0], password=USER[1], emulator=emulator, server=server
    )
    server.start()
    try:
        yield Served(handle, clock)
    finally:
        server.stop()


@pytest.fixture
def served() -> Iterator[Served]:
    yield from _serve(progression="immediate")


def _dc_and_volume(served: Served) -> tuple[str, str]:
    dc = served.api.datacenter()
    return dc, served.api.volume(dc)


def test_a_slow_kind_and_a_fast_kind_each_take_their_time(served: Served) -> None:
    settings = served.configure(delay_for={"snapshot": 30, "ipblock.delete": 0.2})
    assert settings["delay_for"] == {"snapshot": 30.0, "ipblock.delete": 0.2}
    dc, volume = _dc_and_volume(served)
    snapshot = served.snapshot(dc, volume)
    assert served.status(snapshot) == "QUEUED"
    served.clock.now += 15
    assert served.status(snapshot) == "RUNNING"
    served.clock.now += 15
    assert served.status(snapshot) == "DONE"

    # Creating an IP block has no duration of its own: immediate, as the progression says.
    created = served.api.call(
        "POST", "/ipblocks", {"properties": {"location": "us/las", "size": 1}}
    )
    assert served.status(created) == "DONE"
    deleted = served.api.call("DELETE", f"/ipblocks/{created.json['id']}")
    assert deleted.status == 202
    assert served.status(deleted) == "QUEUED"
    served.clock.now += 0.2
    assert served.status(deleted) == "DONE"


def test_a_kind_of_its_own_wins_over_its_noun(served: Served) -> None:
    served.configure(delay_for={"snapshot": 30, "snapshot.create": 1})
    dc, volume = _dc_and_volume(served)
    snapshot = served.snapshot(dc, volume)
    served.clock.now += 1
    assert served.status(snapshot) == "DONE"


def test_the_queue_keeps_its_order_behind_a_slow_request(served: Served) -> None:
    served.configure(delay_for={"snapshot.create": 30})
    dc, volume = _dc_and_volume(served)
    snapshot = served.snapshot(dc, volume)
    lan = served.api.call("POST", f"/datacenters/{dc}/lans", {"properties": {"name": "l"}})
    assert (served.status(snapshot), served.status(lan)) == ("QUEUED", "QUEUED")
    served.clock.now += 30
    assert (served.status(snapshot), served.status(lan)) == ("DONE", "DONE")


def test_durations_under_the_polls_policy(served: Served) -> None:
    served.configure(progression="polls:1", delay_for={"lan": 10})
    dc = served.api.call(
        "POST", "/datacenters", {"properties": {"name": "d", "location": "us/las"}}
    )
    assert served.status(dc) == "DONE"
    lan = served.api.call(
        "POST", f"/datacenters/{dc.json['id']}/lans", {"properties": {"name": "l"}}
    )
    # Polls do not hurry a request whose kind has a duration.
    assert served.status(lan) == "QUEUED"
    assert served.status(lan) == "QUEUED"
    served.clock.now += 10
    assert served.status(lan) == "DONE"


def test_durations_under_the_seconds_policy() -> None:
    for served in _serve(progression="seconds:5"):
        served.configure(delay_for={"ipblock.delete": 0.2})
        created = served.api.call(
            "POST", "/ipblocks", {"properties": {"location": "us/las", "size": 1}}
        )
        served.clock.now += 4
        assert served.status(created) == "RUNNING"
        served.clock.now += 1
        assert served.status(created) == "DONE"
        deleted = served.api.call("DELETE", f"/ipblocks/{created.json['id']}")
        served.clock.now += 0.2
        assert served.status(deleted) == "DONE"


def test_the_realistic_profile_through_the_control_api(served: Served) -> None:
    settings = served.configure(delay_for="realistic")
    assert settings["delay_for"] == REALISTIC_DURATIONS
    dc = served.api.call(
        "POST", "/datacenters", {"properties": {"name": "d", "location": "us/las"}}
    )
    served.clock.now += REALISTIC_DURATIONS["datacenter.create"] - 1
    assert served.status(dc) == "RUNNING"
    served.clock.now += 1
    assert served.status(dc) == "DONE"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"snapshots": 1}, ["delay_for", "unknown operation kind 'snapshots'", "ipblock.delete"]),
        ({"ipblock.remove": 1}, ["snapshot.create", "datacenter.create"]),
        ({"snapshot": -1}, ["delay_for.snapshot", "from 0 to 86400"]),
        ({"snapshot": "slow"}, ["delay_for.snapshot", "must be a number"]),
        ("fast", ["delay_for", "'realistic'"]),
        ([1, 2], ["delay_for"]),
    ],
)
def test_an_invalid_duration_is_refused_naming_the_field(
    served: Served, value: Any, words: list[str]
) -> None:
    served.configure(delay_for={"lan": 1})
    status, body = served.control("PATCH", "/config", {"delay_for": value, "latency": 1})
    assert status == 400
    assert body["field"] == "delay_for"
    for word in words:
        assert word in body["error"]
    status, settings = served.control("GET", "/config")
    assert (settings["delay_for"], settings["latency"]) == ({"lan": 1.0}, 0.0)


def test_every_operation_kind_of_the_routing_table_is_accepted(served: Served) -> None:
    every = dict.fromkeys(OPERATION_KINDS, 0.5)
    assert served.configure(delay_for=every)["delay_for"] == every
    nouns = {kind.split(".", 1)[0]: 1 for kind in OPERATION_KINDS}
    assert served.configure(delay_for=nouns)["delay_for"] == nouns


_MUTATING = [(method, path) for path, table in ROUTES for method in table if method != "GET"]


@pytest.mark.parametrize(("method", "path"), _MUTATING, ids=str)
def test_every_mutating_route_carries_its_kind(method: str, path: str) -> None:
    handler = dict(ROUTES)[path][method]
    concrete = path.replace("<lan_id>", "1").replace("<resource_type>", "datacenter")
    for name in ("dc_id", "srv_id", "nic_id", "rule_id", "volume_id", "image_id", "lb_id"):
        concrete = concrete.replace(f"<{name}>", "0" * 8 + "-0000-0000-0000-" + "0" * 12)
    for name in ("snapshot_id", "ipblock_id", "group_id", "user_id", "resource_id"):
        concrete = concrete.replace(f"<{name}>", "1" * 8 + "-1111-1111-1111-" + "1" * 12)
    kind = match(method, concrete).kind
    assert kind == operation_kind(handler)
    assert (method, path) in OPERATION_KINDS[kind]
    # The realistic profile gives every kind a duration, of its own or of its noun.
    assert duration_for(REALISTIC_DURATIONS, kind) is not None


def test_the_realistic_profile_is_in_proportion() -> None:
    nouns = {kind.split(".", 1)[0] for kind in OPERATION_KINDS}
    assert set(REALISTIC_DURATIONS) <= set(OPERATION_KINDS) | nouns
    slowest = max(REALISTIC_DURATIONS.values())
    assert REALISTIC_DURATIONS["snapshot.create"] == slowest
    assert REALISTIC_DURATIONS["datacenter.create"] > REALISTIC_DURATIONS["server.create"]
    assert REALISTIC_DURATIONS["ipblock.delete"] == min(REALISTIC_DURATIONS.values())


def test_the_command_line_takes_repeated_durations() -> None:
    args = build_parser().parse_args(
        ["--delay-for", "snapshot=30", "--delay-for", "ipblock.delete=0.2"]
    )
    assert config_values(args)["delay_for"] == {"snapshot": 30.0, "ipblock.delete": 0.2}
    args = build_parser().parse_args(["--delay-for", "realistic", "--delay-for", "snapshot=1"])
    assert config_values(args)["delay_for"] == {**REALISTIC_DURATIONS, "snapshot": 1.0}
    config = EmulatorConfig(**config_values(args))
    assert Emulator(config).controls.settings()["delay_for"]["snapshot"] == 1.0


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("snapshots=30", "unknown operation kind 'snapshots'"),
        ("snapshot", "KIND=SECONDS"),
        ("snapshot=soon", "expected a number"),
        ("snapshot=-2", "delay_for.snapshot"),
    ],
)
def test_a_bad_duration_flag_is_a_usage_error(
    entry: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--port", "0", "--delay-for", entry])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--delay-for" in err
    assert words in err


def test_the_fixture_configures_durations(emulator: EmulatorHandle) -> None:
    settings = emulator.configure(delay_for={"snapshot": 30})
    assert settings["delay_for"] == {"snapshot": 30.0}
    with pytest.raises(InvalidSetting, match="unknown operation kind") as caught:
        emulator.configure(delay_for={"snapshot.make": 1})
    assert caught.value.field == "delay_for"
    assert emulator.emulator.controls.settings()["delay_for"] == {"snapshot": 30.0}


def test_a_control_reset_puts_the_start_up_durations_back() -> None:
    for served in _serve(progression="immediate", delay_for={"lan": 3}):
        served.configure(delay_for={"snapshot": 1})
        status, body = served.control("POST", "/reset")
        assert (status, body["delay_for"]) == (200, {"lan": 3.0})
