"""Authentication of Cloud API calls: Basic credentials, a cache of verified ones, a throttle.

Passwords are stored as salted PBKDF2 digests (:func:`.rules.um.hash_password`), whose
computation costs about 30 ms of CPU. That work runs *outside* the emulator's state lock:
under the lock :class:`Authenticator` only reads the user's salt and digest and, after a match,
records the login. A caller guessing passwords therefore costs CPU time but never holds up
other tenants' calls waiting for the lock.

No timing oracle: an unknown e-mail address (or a deleted user) is checked against a dummy salt
and digest with the same key derivation, so it costs what a wrong password costs, answers the
same 401, and is throttled the same way.

Throttle policy (:class:`Throttle`): failed attempts are counted per account key (the e-mail
address in lower case, whether or not such a user exists). Once an account has ``failures``
failed attempts within the last ``window`` seconds, every further attempt for it answers 429
with ``Retry-After`` (whole seconds until the oldest of those failures is ``window`` seconds
old), without computing any digest, and whatever the password: a correct password is refused
too, so the throttle cannot be used to test guesses. Attempts already being checked when the
limit is reached still finish, so at most ``failures`` plus the number of worker threads are
checked per window. A success does not clear the count; failures simply age out. The throttle
remembers at most ``max_accounts`` keys (10,000 by default), dropping the one whose last
failure is oldest; filling it takes ``max_accounts`` digest computations, far longer than a
window, so unknown e-mail addresses cannot grow it without bound nor flush a live entry early.

Tarpit: a 429 for a throttled account is answered after ``tarpit`` seconds (at most its
``Retry-After``; ``login_tarpit`` of the configuration, ``--login-tarpit``), so a client that
ignores ``Retry-After`` and retries at once makes about one attempt per ``tarpit`` seconds per
connection instead of thousands: without it, a flood of cheap 429s still takes a share of the
server's CPU from every other tenant. The wait holds a worker thread, so at most
``tarpit_slots`` (2) throttled attempts wait at any moment and the others are answered at once:
flooders never occupy more than two of the server's worker threads, and other tenants are
always served. A client that honours ``Retry-After`` does not notice: it waits longer anyway.

Successful checks are cached per (e-mail, password) so that a client's later calls cost no
digest. The cache is dropped whenever a password, an e-mail address or a user's existence
changes (``State.auth_generation``) and on reset, and is cleared when it holds ``cache_size``
entries. Failures are not cached: every failed attempt counts towards the throttle.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .config import DEFAULT_LOGIN_TARPIT
from .errors import Throttled, Unauthorized
from .rules import um
from .state import State, User

__all__ = ["Authenticator", "Throttle", "parse_basic"]


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """``(e-mail in lower case, password)`` of an ``Authorization: Basic ...`` header.

    Returns None for a missing or malformed header (another scheme, bad base64, no colon).
    """
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    return username.lower(), password


class Throttle:
    """Failed login attempts per account key within a sliding window (see the module docstring).

    ``failures`` = 0 switches it off. ``clock`` (monotonic seconds) is injectable for tests.
    Thread-safe.
    """

    def __init__(
        self,
        failures: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_accounts: int = 10_000,
    ) -> None:
        self.failures = failures
        self.window = window
        self.clock = clock
        self.max_accounts = max_accounts
        self._lock = threading.Lock()
        # account key -> times of its recent failures (at most ``failures``), oldest first; the
        # dict is ordered by each key's latest failure, so the first key is the stalest.
        self._recent: dict[str, list[float]] = {}

    def __len__(self) -> int:
        return len(self._recent)

    def retry_after(self, account: str) -> int | None:
        """Seconds to wait (>= 1) when ``account`` is throttled now, else None."""
        if not self.failures or account not in self._recent:
            return None
        with self._lock:
            times = self._recent.get(account)
            if times is None:
                return None
            now = self.clock()
            horizon = now - self.window
            while times and times[0] <= horizon:
                del times[0]
            if not times:
                del self._recent[account]
                return None
            if len(times) < self.failures:
                return None
            return max(1, math.ceil(times[0] + self.window - now))

    def failed(self, account: str) -> None:
        """Count a failed attempt for ``account``."""
        if not self.failures:
            return
        with self._lock:
            times = self._recent.pop(account, None)
            if times is None:
                times = []
                if len(self._recent) >= self.max_accounts:
                    del self._recent[next(iter(self._recent))]
            times.append(self.clock())
            if len(times) > self.failures:
                del times[0]
            self._recent[account] = times

    def clear(self) -> None:
        """Forget every failure."""
        with self._lock:
            self._recent.clear()


@dataclass(eq=False)
class _Verified:
    """Credentials verified against one state at one ``auth_generation``."""

    state: State | None
    generation: int
    users: dict[bytes, User] = field(default_factory=dict)


class Authenticator:
    """Checks the Basic credentials of a call against the users of the emulator's state.

    ``lock`` is the emulator's state lock and ``current_state`` returns its state (replaced on
    reset). ``failures``/``window`` configure the :class:`Throttle`; ``clock`` is its clock and
    ``now_iso`` stamps ``lastLogin``. ``derive`` is the key derivation ``(password, salt) ->
    (salt, digest)`` (injectable so tests can count or observe it). ``tarpit`` (seconds, 0 for
    none), ``tarpit_slots`` and ``sleep`` configure the tarpit of throttled attempts.
    """

    def __init__(
        self,
        lock: threading.Lock,
        current_state: Callable[[], State],
        *,
        failures: int,
        window: float,
        now_iso: Callable[[], str],
        clock: Callable[[], float] = time.monotonic,
        derive: Callable[[str, bytes], tuple[bytes, bytes]] | None = None,
        cache_size: int = 10_000,
        tarpit: float = DEFAULT_LOGIN_TARPIT,
        tarpit_slots: int = 2,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self._lock = lock
        self._state = current_state
        self._now_iso = now_iso
        self._derive = derive
        self.throttle = Throttle(failures, window, clock=clock)
        self.cache_size = cache_size
        self.tarpit = tarpit
        self._tarpit_slots = threading.BoundedSemaphore(max(1, tarpit_slots))
        self.sleep = sleep
        self._verified = _Verified(None, -1)
        # Compared against when the e-mail is unknown: same salt length, same derivation.
        self._dummy = (os.urandom(16), os.urandom(32))

    def reset(self) -> None:
        """Forget verified credentials and failures (the emulator calls it on reset)."""
        self._verified = _Verified(None, -1)
        self.throttle.clear()

    def authenticate(self, header: str | None) -> User:
        """The user whose credentials ``header`` carries.

        Raises :class:`Unauthorized` for missing, malformed or wrong credentials and
        :class:`Throttled` while the account is throttled. Call it without holding the lock.
        """
        credentials = parse_basic(header)
        if credentials is None:
            raise Unauthorized()
        account, password = credentials
        wait = self.throttle.retry_after(account)
        if wait is not None:
            if self._hold(wait):
                wait = self.throttle.retry_after(account) or 1
            raise Throttled(wait)
        key = hashlib.sha256(
            f"{len(account)}:{account}:{password}".encode("utf-8", "surrogatepass")
        ).digest()
        verified = self._verified
        state = self._state()
        if verified.state is state and verified.generation == state.auth_generation:
            user = verified.users.get(key)
            if user is not None and not user.gone:
                return user
        # A password or the state may change while the digest is computed; then look again.
        for _ in range(3):
            with self._lock:
                state = self._state()
                user = state.users_by_email.get(account)
                if user is not None and user.gone:
                    user = None
                salt, digest = (user.salt, user.password_hash) if user else self._dummy
            derive = self._derive or um.hash_password
            matches = hmac.compare_digest(derive(password, salt)[1], digest)
            if user is None or not matches:
                self.throttle.failed(account)
                raise Unauthorized()
            with self._lock:
                if (
                    self._state() is state
                    and not user.gone
                    and user.password_hash is digest
                    and state.users_by_email.get(account) is user
                ):
                    user.last_login = self._now_iso()
                    self._remember(state, key, user)
                    return user
        raise Unauthorized()

    def _hold(self, retry_after: int) -> bool:
        # The tarpit: only while a slot is free, so waiting attempts never fill the workers.
        # True when it waited (the Retry-After is then computed again).
        if self.tarpit <= 0 or not self._tarpit_slots.acquire(blocking=False):
            return False
        try:
            self.sleep(min(self.tarpit, retry_after))
        finally:
            self._tarpit_slots.release()
        return True

    def _remember(self, state: State, key: bytes, user: User) -> None:
        # Under the lock, right after checking that the user's credentials are current.
        verified = self._verified
        if (
            verified.state is not state
            or verified.generation != state.auth_generation
            or len(verified.users) >= self.cache_size
        ):
            verified = self._verified = _Verified(state, state.auth_generation)
        verified.users[key] = user
