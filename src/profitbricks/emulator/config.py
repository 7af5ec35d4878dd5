"""Configuration of an :class:`~profitbricks.emulator.Emulator`."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from .catalogue import DEFAULT_RESOURCE_LIMITS

__all__ = ["DEFAULT_USERNAME", "EmulatorConfig", "check_control_token", "check_resource_limits"]

DEFAULT_USERNAME = "demo@example.com"

_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def _random_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(20))


def _default_users() -> list[tuple[str, str]]:
    return [(DEFAULT_USERNAME, _random_password())]


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
