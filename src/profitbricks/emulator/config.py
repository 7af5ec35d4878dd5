"""Configuration of an :class:`~profitbricks.emulator.Emulator`."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from .catalogue import DEFAULT_RESOURCE_LIMITS

__all__ = [
    "DEFAULT_LOGIN_FAILURES",
    "DEFAULT_LOGIN_TARPIT",
    "DEFAULT_LOGIN_WINDOW",
    "DEFAULT_REQUEST_LOG_LIMIT",
    "DEFAULT_USERNAME",
    "EmulatorConfig",
    "check_control_token",
    "check_resource_limits",
]

DEFAULT_USERNAME = "demo@example.com"
#: Failed logins of one account within DEFAULT_LOGIN_WINDOW seconds before it answers 429.
DEFAULT_LOGIN_FAILURES = 10
DEFAULT_LOGIN_WINDOW = 60.0
#: Seconds a throttled login attempt is held before its 429 (at most two held at a time).
DEFAULT_LOGIN_TARPIT = 1.0
#: Requests the log keeps per contract (the newest; unfinished ones are always kept).
DEFAULT_REQUEST_LOG_LIMIT = 1000

_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def _random_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(20))


def _default_users() -> list[tuple[str, str]]:
    return [(DEFAULT_USERNAME, _random_password())]


def _whole(value: object, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def check_resource_limits(limits: Mapping[str, object]) -> dict[str, int]:
    """Validate overrides of the contract's resource limits; return them as a new dict.

    Keys are those of :data:`~profitbricks.emulator.catalogue.DEFAULT_RESOURCE_LIMITS`
    (``coresPerContract``, ``ramPerServer``, ...), values integers >= 0. Raises ``ValueError``
    naming the unknown key or the bad value.
    """
    checked: dict[str, int] = {}
    for key, value in limits.items():
        if key not in DEFAULT_RESOURCE_LIMITS:
            known = ", ".join(DEFAULT_RESOURCE_LIMITS)
            raise ValueError(f"unknown resource limit {key!r} (known: {known})")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"resource limit {key} must be an integer >= 0, got {value!r}")
        checked[key] = value
    return checked


def check_control_token(token: object) -> str:
    """Return ``token`` if it can be a control token: 1 to 1024 visible ASCII characters.

    Raises ``ValueError`` otherwise (without repeating the token).
    """
    if not isinstance(token, str) or not 1 <= len(token) <= 1024:
        raise ValueError("the control token must be a string of 1 to 1024 characters")
    if not all("!" <= char <= "~" for char in token):
        raise ValueError("the control token may hold visible ASCII characters only (no spaces)")
    return token


@dataclass
class EmulatorConfig:
    """Settings of an emulator.

    ``users``: one contract per (e-mail, password) pair, that user being its owner and
    administrator (default: ``demo@example.com`` with a random password chosen at
    construction). ``progression``: ``"immediate"``, ``"polls:N"`` or ``"seconds:T"``
    (default ``seconds:1.0``; ``delay=T`` is short for ``seconds:T``). ``public_url``: the base
    written into hrefs and ``Location`` (default: from the request's Host header +
    ``/cloudapi/v4``). ``seed``: seeds ids and etags for reproducible runs. The fault settings
    (``rate_limit`` requests per ``rate_window`` seconds, ``fail_probability`` of a request
    ending FAILED, ``error_probability`` of an injected 503, ``latency`` seconds per answer)
    are all off by default. ``resource_limits`` overrides some of every contract's limits
    (keys of ``catalogue.DEFAULT_RESOURCE_LIMITS`` such as ``coresPerContract``, integers >= 0;
    ``ValueError`` otherwise), e.g. ``{"coresPerContract": 100_000}`` for a large benchmark.
    ``login_failures`` failed logins of one account within ``login_window`` seconds make further
    attempts for it answer 429 until the oldest of them is that old (default 10 in 60 s; 0 turns
    the throttle off); a throttled attempt is answered after ``login_tarpit`` seconds (default
    1.0, at most its Retry-After; 0 answers at once). ``request_log_limit`` is how many
    requests ``GET /requests`` keeps per contract (default 1,000, the newest; unfinished ones are
    never dropped). ``ValueError`` for
    values out of range.
    ``control_token``: when set, every call of the control API under ``/_emulator/`` needs
    ``Authorization: Bearer <token>`` (visible ASCII characters, no spaces; ``ValueError``
    otherwise). ``control_api=False`` turns the control API off (404); the Python helpers keep
    working, since they do not go through HTTP.
    """

    users: list[tuple[str, str]] = field(default_factory=_default_users)
    progression: str | None = None
    delay: float | None = None
    public_url: str | None = None
    seed: int | None = None
    rate_limit: int | None = None
    rate_window: float = 1.0
    fail_probability: float = 0.0
    error_probability: float = 0.0
    latency: float = 0.0
    resource_limits: Mapping[str, int] | None = None
    login_failures: int = DEFAULT_LOGIN_FAILURES
    login_window: float = DEFAULT_LOGIN_WINDOW
    login_tarpit: float = DEFAULT_LOGIN_TARPIT
    request_log_limit: int = DEFAULT_REQUEST_LOG_LIMIT
    control_token: str | None = field(default=None, repr=False)
    control_api: bool = True

    def __post_init__(self) -> None:
        if self.control_token is not None:
            check_control_token(self.control_token)
        if self.progression is None:
            self.progression = (
                f"seconds:{float(self.delay)!r}" if self.delay is not None else "seconds:1.0"
            )
        if self.public_url is not None:
            self.public_url = self.public_url.rstrip("/")
        self.users = [(str(name), str(password)) for name, password in self.users]
        if self.resource_limits is not None:
            self.resource_limits = check_resource_limits(self.resource_limits)
        if not _whole(self.login_failures, 0):
            raise ValueError(f"login_failures must be an integer >= 0, got {self.login_failures!r}")
        window = self.login_window
        if isinstance(window, bool) or not isinstance(window, (int, float)) or not 0 < window < 1e9:
            raise ValueError(f"login_window must be a number of seconds > 0, got {window!r}")
        tarpit = self.login_tarpit
        if (
            isinstance(tarpit, bool)
            or not isinstance(tarpit, (int, float))
            or not 0 <= tarpit <= 60
        ):
            raise ValueError(
                f"login_tarpit must be a number of seconds from 0 to 60, got {tarpit!r}"
            )
        if not _whole(self.request_log_limit, 1):
            raise ValueError(
                f"request_log_limit must be an integer >= 1, got {self.request_log_limit!r}"
            )

    def __repr__(self) -> str:
        # Passwords stay out of reprs, logs and tracebacks.
        names = ", ".join(repr(name) for name, _ in self.users)
        return (
            f"EmulatorConfig(users=[{names}], progression={self.progression!r}, "
            f"public_url={self.public_url!r}, seed={self.seed!r}, "
            f"resource_limits={self.resource_limits!r}, "
            f"control_token={'<set>' if self.control_token is not None else None}, "
            f"control_api={self.control_api!r})"
        )
