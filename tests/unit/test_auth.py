"""Authentication decisions: Basic header parsing, the login throttle, the dummy digest for
unknown e-mails, the verified-credential cache, and the digest computed outside the lock.

Time is a fake clock and the key derivation a cheap counting stand-in, so nothing here depends
on how long PBKDF2 takes; the latency figures are left to ``benchmarks/auth_flood.py``.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable

import pytest

from profitbricks.emulator.auth import Authenticator, Throttle, parse_basic
from profitbricks.emulator.errors import Throttled, Unauthorized
from profitbricks.emulator.rules import um
from profitbricks.emulator.state import Contract, State, User


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# -- parse_basic --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer abc",
        "Basic",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
    ],
)
def test_malformed_headers_carry_no_credentials(header: str | None) -> None:
    assert parse_basic(header) is None


def test_basic_header_gives_lower_case_email_and_password_with_colons() -> None:
    assert parse_basic(basic("Jane@Example.COM", "a:b:c")) == ("jane@example.com", "a:b:c")
    assert parse_basic("  basic " + basic("x@y.z", "")[6:] + " ") == ("x@y.z", "")


# -- Throttle ----------------------------------------------------------------------------------


def test_throttle_answers_after_n_failures_within_the_window() -> None:
    clock = FakeClock()
    throttle = Throttle(3, 60.0, clock=clock)
    for _ in range(2):
        throttle.failed("a@x")
        clock.now += 1
    assert throttle.retry_after("a@x") is None
    throttle.failed("a@x")  # third failure at t=1002; the first was at t=1000
    assert throttle.retry_after("a@x") == 58
    clock.now = 1059.5
    assert throttle.retry_after("a@x") == 1  # at least one second
    clock.now = 1060.0  # the first failure is 60 s old: one more attempt is allowed
    assert throttle.retry_after("a@x") is None
    throttle.failed("a@x")
    assert throttle.retry_after("a@x") == 1  # until the failure at t=1001 ages out
    clock.now = 1200.0
    assert throttle.retry_after("a@x") is None
    assert len(throttle) == 0  # fully aged-out keys are forgotten


def test_throttle_is_per_account_and_can_be_switched_off() -> None:
    clock = FakeClock()
    throttle = Throttle(2, 10.0, clock=clock)
    throttle.failed("a@x")
    throttle.failed("a@x")
    assert throttle.retry_after("a@x") == 10
    assert throttle.retry_after("b@x") is None
    off = Throttle(0, 10.0, clock=clock)
    for _ in range(100):
        off.failed("a@x")
    assert off.retry_after("a@x") is None
    assert len(off) == 0


def test_throttle_memory_is_bounded_in_keys_and_in_failures_per_key() -> None:
    clock = FakeClock()
    throttle = Throttle(3, 60.0, clock=clock, max_accounts=100)
    for n in range(1000):
        throttle.failed(f"ghost-{n}@x")
        clock.now += 0.001
    assert len(throttle) == 100
    # The stalest keys were dropped, the most recent kept.
    assert throttle.retry_after("ghost-999@x") is None
    for _ in range(50):
        throttle.failed("ghost-999@x")
    assert len(throttle._recent["ghost-999@x"]) == 3
    assert throttle.retry_after("ghost-999@x") is not None


def test_a_recent_failure_moves_a_key_away_from_eviction() -> None:
    clock = FakeClock()
    throttle = Throttle(2, 60.0, clock=clock, max_accounts=2)
    throttle.failed("victim@x")
    throttle.failed("other@x")
    throttle.failed("victim@x")  # victim is now the most recently failed key
    throttle.failed("third@x")  # evicts other@x, the stalest
    assert set(throttle._recent) == {"victim@x", "third@x"}
    assert throttle.retry_after("victim@x") == 60


# -- Authenticator -----------------------------------------------------------------------------


class Derive:
    """A cheap stand-in for PBKDF2 that counts its calls and checks the lock is free."""

    def __init__(self, lock: threading.Lock) -> None:
        self.lock = lock
        self.salts: list[bytes] = []
        self.held_lock = False
        self.during: Callable[[], None] | None = None

    def __call__(self, password: str, salt: bytes) -> tuple[bytes, bytes]:
        self.salts.append(salt)
        if self.lock.locked():
            self.held_lock = True
        if self.during is not None:
            during, self.during = self.during, None
            during()
        return salt, self.digest(password, salt)

    @staticmethod
    def digest(password: str, salt: bytes) -> bytes:
        return hashlib.sha256(salt + password.encode()).digest()

    @property
    def calls(self) -> int:
        return len(self.salts)


class World:
    """A state with two contracts, one user each, and an authenticator over it."""

    def __init__(
        self,
        failures: int = 3,
        window: float = 60.0,
        cache_size: int = 100,
        tarpit: float = 1.0,
    ) -> None:
        self.lock = threading.Lock()
        self.sleeps: list[float] = []
        self.clock = FakeClock()
        self.derive = Derive(self.lock)
        self.state = self.new_state()
        self.auth = Authenticator(
            self.lock,
            lambda: self.state,
            failures=failures,
            window=window,
            now_iso=lambda: "2020-01-01T00:00:00Z",
            clock=self.clock,
            derive=self.derive,
            cache_size=cache_size,
            tarpit=tarpit,
            sleep=self.sleeps.append,
        )

    def new_state(self) -> State:
        state = State(seed=1)
        for email, password in (("jane@example.com", "right"), ("max@example.com", "other")):
            contract = Contract(number=state.new_contract_number())
            state.contracts[contract.number] = contract
            salt = email.encode()[:16].ljust(16, b"-")
            digest = Derive.digest(password, salt)
            um.new_user(state, contract, {"email": email}, salt, digest, "t", owner=True)
        return state

    def user(self, email: str) -> User:
        return self.state.users_by_email[email]

    def login(self, email: str, password: str) -> User:
        return self.auth.authenticate(basic(email, password))

    def set_password(self, email: str, password: str) -> None:
        user = self.user(email)
        user.salt = b"new-salt-16bytes"
        user.password_hash = Derive.digest(password, user.salt)
        self.state.auth_generation += 1


def test_right_password_logs_in_and_stamps_last_login() -> None:
    world = World()
    user = world.login("Jane@Example.com", "right")
    assert user is world.user("jane@example.com")
    assert user.last_login == "2020-01-01T00:00:00Z"
    assert world.derive.calls == 1


def test_unknown_email_costs_one_digest_like_a_wrong_password() -> None:
    world = World()
    with pytest.raises(Unauthorized) as wrong:
        world.login("jane@example.com", "wrong")
    with pytest.raises(Unauthorized) as unknown:
        world.login("ghost@example.com", "wrong")
    assert world.derive.calls == 2
    # Same derivation input shape (a 16-byte salt), same answer.
    assert [len(salt) for salt in world.derive.salts] == [16, 16]
    assert str(wrong.value) == str(unknown.value) == "Unauthorized"


def test_deleted_user_costs_one_digest_like_a_wrong_password() -> None:
    world = World()
    world.user("max@example.com").gone = True
    with pytest.raises(Unauthorized):
        world.login("max@example.com", "other")
    assert world.derive.calls == 1


def test_malformed_header_costs_no_digest() -> None:
    world = World()
    for header in (None, "", "Bearer x", "Basic ???"):
        with pytest.raises(Unauthorized):
            world.auth.authenticate(header)
    assert world.derive.calls == 0


def test_the_digest_is_computed_without_the_state_lock() -> None:
    world = World()
    world.login("jane@example.com", "right")
    with pytest.raises(Unauthorized):
        world.login("jane@example.com", "wrong")
    with pytest.raises(Unauthorized):
        world.login("ghost@example.com", "wrong")
    assert world.derive.calls == 3
    assert world.derive.held_lock is False


def test_throttled_account_answers_429_without_digest_even_for_the_right_password() -> None:
    world = World(failures=3, window=60.0)
    for _ in range(3):
        with pytest.raises(Unauthorized):
            world.login("jane@example.com", "guess")
        world.clock.now += 1
    calls = world.derive.calls
    with pytest.raises(Throttled) as refused:
        world.login("jane@example.com", "guess")
    assert refused.value.retry_after == 57
    with pytest.raises(Throttled):
        world.login("jane@example.com", "right")
    assert world.derive.calls == calls  # no digest while throttled
    # Another account is not affected.
    assert world.login("max@example.com", "other") is world.user("max@example.com")
    # Once the oldest failure is a window old, the right password works again.
    world.clock.now += 57
    assert world.login("jane@example.com", "right") is world.user("jane@example.com")


def test_a_cached_login_is_throttled_too() -> None:
    world = World(failures=2)
    world.login("jane@example.com", "right")  # now cached
    for _ in range(2):
        with pytest.raises(Unauthorized):
            world.login("jane@example.com", "guess")
    with pytest.raises(Throttled):
        world.login("jane@example.com", "right")


def test_unknown_email_is_throttled_exactly_like_a_known_one() -> None:
    world = World(failures=3)
    for _ in range(3):
        for email in ("jane@example.com", "ghost@example.com"):
            with pytest.raises(Unauthorized):
                world.login(email, "guess")
        world.clock.now += 2
    with pytest.raises(Throttled) as known:
        world.login("jane@example.com", "guess")
    with pytest.raises(Throttled) as unknown:
        world.login("ghost@example.com", "guess")
    assert known.value.retry_after == unknown.value.retry_after
    assert str(known.value) == str(unknown.value)


def test_failures_are_not_cached_and_all_count() -> None:
    world = World(failures=5)
    for _ in range(5):
        with pytest.raises(Unauthorized):
            world.login("jane@example.com", "same-guess")
    assert world.derive.calls == 5
    with pytest.raises(Throttled):
        world.login("jane@example.com", "same-guess")


def test_successes_are_cached_until_credentials_change() -> None:
    world = World()
    world.login("jane@example.com", "right")
    world.login("jane@example.com", "right")
    world.login("JANE@example.com", "right")
    assert world.derive.calls == 1
    world.set_password("jane@example.com", "changed")
    world.derive.salts.clear()
    with pytest.raises(Unauthorized):
        world.login("jane@example.com", "right")
    assert world.login("jane@example.com", "changed") is world.user("jane@example.com")
    assert world.derive.calls == 2


def test_reset_forgets_cached_logins_and_failures() -> None:
    world = World(failures=1)
    world.login("max@example.com", "other")
    with pytest.raises(Unauthorized):
        world.login("jane@example.com", "guess")
    world.auth.reset()
    world.derive.salts.clear()
    assert world.login("jane@example.com", "right") is world.user("jane@example.com")
    world.login("max@example.com", "other")
    assert world.derive.calls == 2


def test_the_cache_is_bounded() -> None:
    world = World(cache_size=2)
    for password in ("right", "other"):
        email = "jane@example.com" if password == "right" else "max@example.com"
        world.login(email, password)
        world.login(email.upper(), password)
    assert len(world.auth._verified.users) <= 2


def test_a_password_changed_while_hashing_is_checked_again() -> None:
    world = World()
    world.derive.during = lambda: world.set_password("jane@example.com", "changed")
    # The old password matched the digest read before the change, but is no longer valid.
    with pytest.raises(Unauthorized):
        world.login("jane@example.com", "right")
    assert world.derive.calls == 2


def test_a_reset_while_hashing_logs_in_to_the_new_state() -> None:
    world = World()
    old = world.state

    def reset() -> None:
        world.state = world.new_state()

    world.derive.during = reset
    user = world.login("jane@example.com", "right")
    assert world.state is not old
    assert user is world.user("jane@example.com")


# -- the tarpit ---------------------------------------------------------------------------------


def _throttle(world: World, email: str = "jane@example.com") -> None:
    for _ in range(world.auth.throttle.failures):
        with pytest.raises(Unauthorized):
            world.login(email, "guess")


def test_a_throttled_attempt_waits_the_tarpit_but_failures_and_successes_do_not() -> None:
    world = World(failures=3, window=60.0, tarpit=1.5)
    world.login("jane@example.com", "right")
    _throttle(world)
    assert world.sleeps == []  # a success and ordinary failures answer at once
    with pytest.raises(Throttled):
        world.login("jane@example.com", "right")
    assert world.sleeps == [1.5]
    # Never longer than the Retry-After it answers with.
    world.clock.now += 59.5
    with pytest.raises(Throttled) as refused:
        world.login("jane@example.com", "guess")
    assert refused.value.retry_after == 1
    assert world.sleeps == [1.5, 1]


def test_no_tarpit_when_switched_off() -> None:
    world = World(failures=2, tarpit=0)
    _throttle(world)
    for _ in range(3):
        with pytest.raises(Throttled):
            world.login("jane@example.com", "guess")
    assert world.sleeps == []


def test_at_most_two_throttled_attempts_wait_at_once_and_the_rest_answer_at_once() -> None:
    world = World(failures=2, tarpit=5.0)
    _throttle(world)
    waiting = threading.Semaphore(0)
    release = threading.Event()

    def held(seconds: float) -> None:
        world.sleeps.append(seconds)
        waiting.release()
        assert release.wait(timeout=30)

    world.auth.sleep = held
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            world.login("jane@example.com", "guess")
        except Throttled:
            outcomes.append("429")

    holders = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in holders:
        thread.start()
    try:
        assert waiting.acquire(timeout=10)
        assert waiting.acquire(timeout=10)
        # Both slots are taken: a third throttled attempt is answered without waiting, and
        # another account is served as usual.
        attempt()
        assert outcomes == ["429"]
        assert world.login("max@example.com", "other") is world.user("max@example.com")
    finally:
        release.set()
        for thread in holders:
            thread.join(timeout=30)
    assert outcomes == ["429"] * 3
    assert world.sleeps == [5.0, 5.0]
    # The slots are free again.
    world.auth.sleep = world.sleeps.append
    attempt()
    assert world.sleeps == [5.0, 5.0, 5.0]
