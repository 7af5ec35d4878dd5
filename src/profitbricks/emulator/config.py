"""Configuration of an :class:`~profitbricks.emulator.Emulator`."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from .settings import (
    SETTINGS,
    Progression,
    check_control_token,
    check_resource_limits,
    setting,
)

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
DEFAULT_LOGIN_FAILURES: int = setting("login_failures").default
DEFAULT_LOGIN_WINDOW: float = setting("login_window").default
#: Seconds a throttled login attempt is held before its 429 (at most two held at a time).
DEFAULT_LOGIN_TARPIT: float = setting("login_tarpit").default
#: Requests the log keeps per contract (the newest; unfinished ones are always kept).
DEFAULT_REQUEST_LOG_LIMIT: int = setting("request_log_limit").default

_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def _random_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(20))


def _default_users() -> list[tuple[str, str]]:
    return [(DEFAULT_USERNAME, _random_password())]


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
    never dropped). ``ValueError`` for values out of range.
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
    delay_for: Mapping[str, float] | str | None = None
    login_failures: int = DEFAULT_LOGIN_FAILURES
    login_window: float = DEFAULT_LOGIN_WINDOW
    login_tarpit: float = DEFAULT_LOGIN_TARPIT
    request_log_limit: int = DEFAULT_REQUEST_LOG_LIMIT
    control_token: str | None = field(default=None, repr=False)
    control_api: bool = True

    def __post_init__(self) -> None:
        # Every value goes through the check of its declaration (settings.py), which names the
        # setting and the rule in its error.
        for entry in SETTINGS:
            value = getattr(self, entry.name)
            if value is not None:
                setattr(self, entry.name, entry.check(value))
        progression = self.progression
        if isinstance(progression, Progression):
            self.progression = str(progression)
        elif self.delay is not None:
            self.progression = str(Progression.after_seconds(self.delay))
        else:
            self.progression = "seconds:1.0"

    def __repr__(self) -> str:
        # Passwords stay out of reprs, logs and tracebacks.
        names = ", ".join(repr(name) for name, _ in self.users)
        return (
            f"EmulatorConfig(users=[{names}], progression={self.progression!r}, "
            f"public_url={self.public_url!r}, seed={self.seed!r}, "
            f"resource_limits={self.resource_limits!r}, delay_for={self.delay_for!r}, "
            f"control_token={'<set>' if self.control_token is not None else None}, "
            f"control_api={self.control_api!r})"
        )
