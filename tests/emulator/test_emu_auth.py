"""Authentication over HTTP: throttled failures answer 429 with Retry-After, unknown e-mails cost a
digest like wrong passwords, and the digest is computed while the state lock is held elsewhere.

Decisions only: no test here measures a latency (``benchmarks/auth_flood.py`` does).
"""

from __future__ import annotations

import base64
import re
import threading
from typing import Any

import pytest
from werkzeug.test import Client

from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator.__main__ import build_parser, main
from profitbricks.emulator.config import DEFAULT_LOGIN_FAILURES
from profitbricks.emulator.rules import um
from profitbricks.emulator.testing import EmulatorHandle

from .emu_helpers import Api

JANE = ("jane@example.com", "jane-secret")
MAX = ("max@example.com", "max-secret")


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _get(client: Client, username: str, password: str) -> Any:
    return client.get("/cloudapi/v4/datacenters", headers=_basic(username, password))


class CountingDerive:
    """Wraps ``um.hash_password`` (which the emulator calls for every check) to observe it."""

    def __init__(self) -> None:
        self.real = um.hash_password
        self.salts: list[bytes] = []
        self.called = threading.Event()

    def __call__(self, password: str, salt: bytes | None = None) -> tuple[bytes, bytes]:
        self.called.set()
        if salt is not None:
            self.salts.append(salt)
        return self.real(password, salt)


@pytest.fixture
def derive(monkeypatch: pytest.MonkeyPatch) -> CountingDerive:
    counting = CountingDerive()
    monkeypatch.setattr(um, "hash_password", counting)
    return counting


def test_failures_are_throttled_with_429_and_retry_after(
    api: Api, emulator: EmulatorHandle
) -> None:
    for _ in range(DEFAULT_LOGIN_FAILURES):
        assert api.call("GET", "/datacenters", auth=(api.username, "guess")).status == 401
    refused = api.call("GET", "/datacenters", auth=(api.username.upper(), "guess"))
    assert refused.status == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json["httpStatus"] == 429
    assert refused.json["messages"][0]["errorCode"] == "429"
    assert "Too many failed login attempts" in refused.message
    # The right password is refused alike, so the throttle cannot be used to test guesses.
    right = api.call("GET", "/datacenters")
    assert right.status == 429
    # Alike but for the seconds left, which the tarpit's wait may have changed.
    assert re.sub(r"\d+ s", "N s", right.message) == re.sub(r"\d+ s", "N s", refused.message)
    assert right.json["messages"][0]["errorCode"] == refused.json["messages"][0]["errorCode"]
    # Another e-mail is not throttled; a reset forgets the failures.
    assert api.call("GET", "/datacenters", auth=("ghost@example.com", "x")).status == 401
    emulator.reset()
    assert api.call("GET", "/datacenters").status == 200


def test_unknown_emails_are_throttled_and_answered_like_known_ones(api: Api) -> None:
    for email in (api.username, "ghost@example.com"):
        replies = [
            api.call("GET", "/datacenters", auth=(email, "guess"))
            for _ in range(DEFAULT_LOGIN_FAILURES + 1)
        ]
        assert [r.status for r in replies] == [401] * DEFAULT_LOGIN_FAILURES + [429]
    known = api.call("GET", "/datacenters", auth=(api.username, "guess"))
    unknown = api.call("GET", "/datacenters", auth=("ghost@example.com", "guess"))
    assert known.json == unknown.json


def test_unknown_email_costs_a_digest_like_a_wrong_password(derive: CountingDerive) -> None:
    client = Client(Emulator(EmulatorConfig(users=[JANE], progression="immediate")))
    assert _get(client, JANE[0], "wrong").status_code == 401
    assert _get(client, "ghost@example.com", "wrong").status_code == 401
    assert _get(client, JANE[0].upper() + ".invalid", "wrong").status_code == 401
    assert [len(salt) for salt in derive.salts] == [16, 16, 16]


def test_another_tenant_is_served_while_a_digest_is_being_computed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator = Emulator(EmulatorConfig(users=[JANE, MAX], progression="immediate"))
    client = Client(emulator)
    assert _get(client, *MAX).status_code == 200  # Max's login is verified and cached
    real = um.hash_password
    hashing, release = threading.Event(), threading.Event()

    def slow_derive(password: str, salt: bytes | None = None) -> tuple[bytes, bytes]:
        # Jane's wrong password takes as long as the test wants.
        if password == "wrong":
            hashing.set()
            release.wait(timeout=30)
        return real(password, salt)

    monkeypatch.setattr(um, "hash_password", slow_derive)
    results: dict[str, int] = {}

    def call(name: str, username: str, password: str) -> None:
        results[name] = _get(client, username, password).status_code

    guesser = threading.Thread(target=call, args=("jane", JANE[0], "wrong"))
    other = threading.Thread(target=call, args=("max", *MAX))
    guesser.start()
    try:
        assert hashing.wait(timeout=10)
        other.start()
        # While Jane's digest is in progress, Max's call is served. Under the old design the
        # digest held the state lock, and Max waited until it was released.
        other.join(timeout=5)
        served = not other.is_alive()
    finally:
        release.set()
        guesser.join(timeout=30)
        other.join(timeout=30)
    assert served
    assert results == {"max": 200, "jane": 401}


def test_a_changed_password_invalidates_the_cached_login(api: Api, new_user: Any) -> None:
    jim = new_user("jim@example.com", "first-password")
    assert jim.get("/datacenters").status == 200  # verified and cached
    api.ok("PUT", f"/um/users/{jim.user_id}", {"properties": {"password": "second-password"}})
    assert jim.get("/datacenters").status == 401
    jim.password = "second-password"
    assert jim.get("/datacenters").status == 200


def test_throttle_settings_come_from_the_configuration(derive: CountingDerive) -> None:
    now = [100.0]
    emulator = Emulator(
        EmulatorConfig(users=[JANE, MAX], login_failures=2, login_window=5),
        clock=lambda: now[0],
    )
    client = Client(emulator)
    assert [_get(client, *JANE).status_code for _ in range(2)] == [200, 200]
    assert [_get(client, JANE[0], "x").status_code for _ in range(3)] == [401, 401, 429]
    throttled = _get(client, *JANE)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "5"
    assert _get(client, *MAX).status_code == 200
    now[0] += 4.5
    assert _get(client, *JANE).headers["Retry-After"] == "1"
    now[0] += 0.5  # both failures are now a window old
    assert _get(client, *JANE).status_code == 200
    off = Client(Emulator(EmulatorConfig(users=[JANE], login_failures=0)))
    assert {_get(off, JANE[0], "x").status_code for _ in range(15)} == {401}


def test_command_line_flags_set_the_limits() -> None:
    args = build_parser().parse_args(
        [
            "--login-failures",
            "3",
            "--login-window",
            "7.5",
            "--request-log-limit",
            "50",
            "--login-tarpit",
            "0.25",
        ]
    )
    assert (args.login_failures, args.login_window, args.request_log_limit) == (3, 7.5, 50)
    assert args.login_tarpit == 0.25
    defaults = build_parser().parse_args([])
    assert (defaults.login_failures, defaults.login_window) == (10, 60.0)
    assert defaults.login_tarpit == 1.0
    assert defaults.request_log_limit == 1000
    for bad in (["--login-window", "0"], ["--login-failures", "-1"], ["--login-tarpit", "-1"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(bad)
    with pytest.raises(SystemExit) as refused:
        main(["--request-log-limit", "0", "--port", "0"])
    assert refused.value.code == 2


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"login_failures": -1}, "login_failures"),
        ({"login_failures": 2.5}, "login_failures"),
        ({"login_window": 0}, "login_window"),
        ({"login_window": float("nan")}, "login_window"),
        ({"login_tarpit": -0.5}, "login_tarpit"),
        ({"login_tarpit": 61}, "login_tarpit"),
        ({"login_tarpit": "1"}, "login_tarpit"),
        ({"request_log_limit": 0}, "request_log_limit"),
        ({"request_log_limit": True}, "request_log_limit"),
    ],
)
def test_invalid_settings_are_value_errors(settings: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        EmulatorConfig(**settings)


def test_throttled_attempts_are_held_by_the_configured_tarpit_two_at_a_time() -> None:
    emulator = Emulator(
        EmulatorConfig(users=[JANE, MAX], login_failures=2, login_tarpit=0.75),
    )
    client = Client(emulator)
    assert [_get(client, JANE[0], "x").status_code for _ in range(2)] == [401, 401]
    held = threading.Semaphore(0)
    release = threading.Event()
    waits: list[float] = []

    def tarpit(seconds: float) -> None:
        waits.append(seconds)
        held.release()
        assert release.wait(timeout=30)

    emulator.auth.sleep = tarpit
    statuses: list[int] = []
    holders = [
        threading.Thread(target=lambda: statuses.append(_get(client, *JANE).status_code))
        for _ in range(2)
    ]
    for thread in holders:
        thread.start()
    try:
        assert held.acquire(timeout=10)
        assert held.acquire(timeout=10)
        # Two attempts wait in the tarpit; a third answers at once, another tenant is served.
        assert _get(client, JANE[0], "x").status_code == 429
        assert _get(client, *MAX).status_code == 200
    finally:
        release.set()
        for thread in holders:
            thread.join(timeout=30)
    assert statuses == [429, 429]
    assert waits == [0.75, 0.75]


def test_a_new_password_is_derived_outside_the_state_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    emulator = Emulator(EmulatorConfig(users=[JANE], progression="immediate"))
    client = Client(emulator)
    real = um.hash_password
    held: list[tuple[str, bool]] = []

    def observed(password: str, salt: bytes | None = None) -> tuple[bytes, bytes]:
        if salt is None:  # deriving a new password (a login check passes the stored salt)
            held.append((password, emulator._lock.locked()))
        return real(password, salt)

    monkeypatch.setattr(um, "hash_password", observed)
    user = {"firstname": "A", "lastname": "B", "email": "ann@example.com", "password": "first-pw"}
    created = client.post("/cloudapi/v4/um/users", json={"properties": user}, headers=_basic(*JANE))
    assert created.status_code == 202, created.get_data(as_text=True)
    user_id = created.get_json()["id"]
    changed = client.put(
        f"/cloudapi/v4/um/users/{user_id}",
        json={"properties": {"password": "second-pw"}},
        headers=_basic(*JANE),
    )
    assert changed.status_code == 202, changed.get_data(as_text=True)
    assert held == [("first-pw", False), ("second-pw", False)]
    # The digests derived ahead are the ones stored: the new password logs in, the old does not.
    assert _get(client, "ann@example.com", "second-pw").status_code == 200
    assert _get(client, "ann@example.com", "first-pw").status_code == 401
