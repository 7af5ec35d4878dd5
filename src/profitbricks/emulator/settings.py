"""Every setting of the emulator, declared once: name, type, bounds, default, help, and whether
it can change while the emulator runs.

:data:`SETTINGS` is the one declaration. The command line of ``python -m profitbricks.emulator``
builds its flags from it (:func:`add_flags`), ``EmulatorConfig`` and the control API
(``PATCH``/``POST /_emulator/config``, and so the pytest fixture's ``configure(...)``) check
values with its ``check`` functions, and the settings table of README.md is generated from it
(:func:`readme_table`; ``python -m profitbricks.emulator.readme README.md`` rewrites the table
between its markers). A check takes a value as JSON or Python gives it and returns it
normalised, or raises :class:`InvalidSetting` whose message names the field and the rule.

Per-operation durations (``delay_for``) are keyed by the operation kinds of the routing table
(:data:`.routes.OPERATION_KINDS`, ``noun.verb`` such as ``snapshot.create``) or by a noun alone
(``snapshot``: every operation on snapshots); :data:`REALISTIC_DURATIONS` is the documented
profile that ``delay_for="realistic"`` selects.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .catalogue import DEFAULT_RESOURCE_LIMITS

__all__ = [
    "MAX_COUNT",
    "MAX_SECONDS",
    "REALISTIC_DURATIONS",
    "RUNTIME_SETTINGS",
    "SETTINGS",
    "InvalidSetting",
    "Progression",
    "Setting",
    "add_flags",
    "check_control_token",
    "check_delay_for",
    "check_resource_limits",
    "operation_kinds",
    "profile_table",
    "readme_table",
]

#: The longest duration a setting may name, in seconds (one day): sleeping or waiting longer
#: is never what a test wants, and far larger numbers overflow the clock.
MAX_SECONDS = 86_400.0
#: The largest count a setting may name (``polls:N``, ``rate_limit``).
MAX_COUNT = 1_000_000_000

ProgressionMode = Literal["immediate", "polls", "seconds"]


class InvalidSetting(ValueError):
    """A control setting or a control request field has a value out of its range or type.

    ``field`` names the offending field when there is one (``None`` otherwise).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Progression:
    """How fast a provisioning request goes from QUEUED to DONE.

    ``mode`` is ``"immediate"`` (DONE at once), ``"polls"`` (DONE after ``value`` status polls)
    or ``"seconds"`` (DONE ``value`` seconds after it was created). ``str()`` gives the text form
    that :meth:`parse` reads.
    """

    mode: ProgressionMode = "immediate"
    value: float = 0

    @classmethod
    def parse(cls, text: str) -> Progression:
        """Read ``"immediate"``, ``"polls:N"`` (N >= 0 integer) or ``"seconds:T"`` (T >= 0).

        Raises :class:`InvalidSetting` for anything else.
        """
        if not isinstance(text, str):
            raise InvalidSetting("progression must be a string", field="progression")
        mode, sep, arg = text.strip().partition(":")
        if mode == "immediate" and not sep:
            return cls("immediate", 0)
        if mode == "polls" and sep:
            count = arg.strip()
            polls = int(count) if count.isascii() and count.isdigit() and len(count) <= 10 else -1
            if not 0 <= polls <= MAX_COUNT:
                raise InvalidSetting(
                    f"polls:N needs an integer N from 0 to {MAX_COUNT}, got {arg[:40]!r}",
                    field="progression",
                )
            return cls("polls", polls)
        if mode == "seconds" and sep:
            try:
                seconds = float(arg) if len(arg) <= 40 else -1.0
            except ValueError:
                seconds = -1.0
            if not 0 <= seconds <= MAX_SECONDS:
                raise InvalidSetting(
                    f"seconds:T needs a number T from 0 to {MAX_SECONDS:g}, got {arg[:40]!r}",
                    field="progression",
                )
            return cls("seconds", seconds)
        raise InvalidSetting(
            f"progression must be 'immediate', 'polls:N' or 'seconds:T', got {text[:60]!r}",
            field="progression",
        )

    @classmethod
    def after_seconds(cls, seconds: float) -> Progression:
        """The ``delay=T`` policy: requests are DONE ``seconds`` after creation."""
        return cls.parse(f"seconds:{float(seconds)!r}")

    def __str__(self) -> str:
        if self.mode == "immediate":
            return "immediate"
        if self.mode == "polls":
            return f"polls:{int(self.value)}"
        return f"seconds:{float(self.value)!r}"


# -- checks: value as JSON or Python gives it -> normalised value, or InvalidSetting ---------------


def _short(value: object) -> str:
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**40 else "a huge number"
    return text if len(text) <= 60 else text[:57] + "..."


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidSetting(f"{name} must be a number, got {_short(value)}", field=name)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise InvalidSetting(f"{name} must be finite, got {_short(value)}", field=name)
    return number


def _duration(name: str, value: object, limit: float = MAX_SECONDS) -> float:
    number = _number(name, value)
    if not 0 <= number <= limit:
        raise InvalidSetting(
            f"{name} must be a number of seconds from 0 to {limit:g}, got {_short(value)}",
            field=name,
        )
    return number


def _positive_duration(name: str, value: object) -> float:
    number = _duration(name, value)
    if number <= 0:
        raise InvalidSetting(f"{name} must be > 0 seconds, got {_short(value)}", field=name)
    return number


def _probability(name: str, value: object) -> float:
    number = _number(name, value)
    if not 0.0 <= number <= 1.0:
        raise InvalidSetting(f"{name} must be between 0 and 1, got {value!r}", field=name)
    return number


def _count(name: str, value: object, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAX_COUNT:
        raise InvalidSetting(
            f"{name} must be an integer from {least} to {MAX_COUNT}, got {_short(value)}",
            field=name,
        )
    return value


def check_progression(value: object) -> Progression:
    """A progression policy from its text (or a :class:`Progression`)."""
    if isinstance(value, Progression):
        return value
    if not isinstance(value, str):
        raise InvalidSetting(
            f"progression must be a string, got {_short(value)}", field="progression"
        )
    return Progression.parse(value)


def check_delay(value: object) -> float | None:
    """``delay`` T (short for ``seconds:T``), or None."""
    return None if value is None else _duration("delay", value)


def check_rate_limit(value: object) -> int | None:
    """Requests per window and account, or None (no limit); 0 reads as no limit too."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise InvalidSetting(
            f"rate_limit must be an integer from 1 to {MAX_COUNT} or null, got {_short(value)}",
            field="rate_limit",
        )
    # 0 reads naturally as "no limit" on a command line.
    return value or None


def check_seed(value: object) -> int | None:
    """An integer of at most 64 bits, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**64) < value < 2**64:
        raise InvalidSetting(
            f"seed must be an integer of at most 64 bits or null, got {_short(value)}",
            field="seed",
        )
    return value


def check_resource_limits(limits: object) -> dict[str, int]:
    """Overrides of the contract's resource limits as a new dict (``{}`` for None).

    Keys are those of :data:`~profitbricks.emulator.catalogue.DEFAULT_RESOURCE_LIMITS`
    (``coresPerContract``, ``ramPerServer``, ...), values integers >= 0. Raises
    :class:`InvalidSetting` (a ``ValueError``) naming the unknown key or the bad value.
    """
    if limits is None:
        return {}
    if not isinstance(limits, Mapping):
        raise InvalidSetting(
            f"resource_limits must be an object or null, got {_short(limits)}",
            field="resource_limits",
        )
    checked: dict[str, int] = {}
    for key, value in limits.items():
        if key not in DEFAULT_RESOURCE_LIMITS:
            known = ", ".join(DEFAULT_RESOURCE_LIMITS)
            raise InvalidSetting(
                f"resource_limits: unknown resource limit {key!r} (known: {known})",
                field="resource_limits",
            )
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidSetting(
                f"resource_limits: resource limit {key} must be an integer >= 0, got {value!r}",
                field="resource_limits",
            )
        checked[key] = value
    return checked


def check_users(value: object) -> list[tuple[str, str]]:
    """Accounts as a list of (e-mail, password) pairs of strings."""
    rule = "users must be a list of (e-mail, password) pairs"
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise InvalidSetting(f"{rule}, got {type(value).__name__}", field="users")
    users: list[tuple[str, str]] = []
    for pair in value:
        if (
            not isinstance(pair, (list, tuple))
            or len(pair) != 2
            or not all(isinstance(part, str) for part in pair)
        ):
            # The pair may hold a password: only its shape is shown.
            raise InvalidSetting(
                f"{rule}, got an entry of {len(pair)} item(s)"
                if isinstance(pair, (list, tuple))
                else f"{rule}",
                field="users",
            )
        users.append((pair[0], pair[1]))
    return users


def check_control_token(token: object) -> str:
    """Return ``token`` if it can be a control token: 1 to 1024 visible ASCII characters.

    Raises :class:`InvalidSetting` (a ``ValueError``) otherwise, without repeating the token.
    """
    if not isinstance(token, str) or not 1 <= len(token) <= 1024:
        raise InvalidSetting(
            "the control token must be a string of 1 to 1024 characters", field="control_token"
        )
    if not all("!" <= char <= "~" for char in token):
        raise InvalidSetting(
            "the control token may hold visible ASCII characters only (no spaces)",
            field="control_token",
        )
    return token


# -- per-operation durations -----------------------------------------------------------------------

#: The realistic profile (``delay_for="realistic"``, ``--delay-for realistic``): seconds per
#: operation kind, or per noun for every operation on it without an entry of its own. Estimates
#: in realistic proportion, not measurements: snapshots and data-centre creates slow, IP block
#: deletes and user management fast. Every kind of the routing table gets a duration from it.
REALISTIC_DURATIONS: dict[str, float] = {
    "datacenter": 10.0,
    "datacenter.create": 30.0,
    "datacenter.delete": 20.0,
    "server": 10.0,
    "server.create": 25.0,
    "server.start": 15.0,
    "server.reboot": 20.0,
    "volume": 5.0,
    "volume.create": 15.0,
    "cdrom": 5.0,
    "snapshot": 5.0,
    "snapshot.create": 60.0,
    "snapshot.restore": 60.0,
    "nic": 5.0,
    "firewall_rule": 2.0,
    "lan": 3.0,
    "loadbalancer": 5.0,
    "loadbalancer.create": 10.0,
    "balanced_nic": 3.0,
    "image": 2.0,
    "ipblock": 1.0,
    "ipblock.delete": 0.2,
    "group": 0.5,
    "group_user": 0.5,
    "share": 0.5,
    "user": 0.5,
}


def operation_kinds() -> list[str]:
    """The operation kinds of the routing table (``snapshot.create``, ``ipblock.delete``, ...)."""
    from .routes import OPERATION_KINDS  # the routing table imports every rule module

    return list(OPERATION_KINDS)


def check_delay_for(value: object) -> dict[str, float]:
    """Per-operation durations: ``{kind or noun: seconds}``, ``"realistic"`` for
    :data:`REALISTIC_DURATIONS`, or None / ``{}`` for none.

    Keys are operation kinds of the routing table (``snapshot.create``) or nouns
    (``snapshot``); values seconds from 0 to :data:`MAX_SECONDS`. Raises
    :class:`InvalidSetting` naming the key and listing the allowed kinds.
    """
    if value is None:
        return {}
    if value == "realistic":
        return dict(REALISTIC_DURATIONS)
    if not isinstance(value, Mapping):
        raise InvalidSetting(
            f"delay_for must be an object of operation kinds and seconds, 'realistic' or null, "
            f"got {_short(value)}",
            field="delay_for",
        )
    kinds = operation_kinds()
    nouns = {kind.split(".", 1)[0] for kind in kinds}
    checked: dict[str, float] = {}
    for key, seconds in value.items():
        if not isinstance(key, str) or (key not in kinds and key not in nouns):
            raise InvalidSetting(
                f"delay_for: unknown operation kind {_short(key)}; allowed: "
                f"{', '.join(kinds)}, or a noun alone ({', '.join(sorted(nouns))})",
                field="delay_for",
            )
        try:
            checked[key] = _duration(f"delay_for.{key}", seconds)
        except InvalidSetting as exc:
            raise InvalidSetting(str(exc), field="delay_for") from None
    return checked


def duration_for(durations: Mapping[str, float], kind: str) -> float | None:
    """The seconds ``durations`` gives operations of ``kind``: its own entry, else its noun's,
    else None (the progression setting decides)."""
    if not durations or not kind:
        return None
    own = durations.get(kind)
    if own is not None:
        return own
    return durations.get(kind.split(".", 1)[0])


# -- the declaration -------------------------------------------------------------------------------


def _text_number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidSetting(f"expected a number, got {text[:40]!r}") from None


def _text_int(text: str) -> int:
    try:
        return int(text.strip().replace("_", ""))
    except ValueError:
        raise InvalidSetting(f"expected an integer, got {text[:40]!r}") from None


def parse_user(text: str) -> tuple[str, str]:
    """Split ``EMAIL:PASSWORD`` at its first colon.

    Raises :class:`InvalidSetting` (whose message never repeats the password) when the e-mail is
    not of the form ``name@domain`` or the password is empty.
    """
    email, sep, password = text.partition(":")
    local, at, domain = email.partition("@")
    if not sep or not at or not local or not domain or any(c.isspace() for c in email):
        raise InvalidSetting("expected EMAIL:PASSWORD, e.g. jane@example.com:secret", field="users")
    if not password:
        raise InvalidSetting(f"empty password for {email}; expected EMAIL:PASSWORD", field="users")
    return email, password


def parse_limit(text: str) -> tuple[str, int]:
    """Split ``KEY=N`` (a contract resource limit and its new value, an integer >= 0).

    Raises :class:`InvalidSetting` for an unknown key or a bad value.
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InvalidSetting(
            f"expected KEY=N, e.g. coresPerContract=1000, got {text!r}", field="resource_limits"
        )
    if key not in DEFAULT_RESOURCE_LIMITS:
        known = ", ".join(DEFAULT_RESOURCE_LIMITS)
        raise InvalidSetting(
            f"unknown resource limit {key!r} (known: {known})", field="resource_limits"
        )
    try:
        number = int(value.strip().replace("_", ""))
    except ValueError:
        number = -1
    if number < 0:
        raise InvalidSetting(f"{key} needs an integer >= 0, got {value!r}", field="resource_limits")
    return key, number


def parse_duration_entry(text: str) -> tuple[str, object]:
    """Read one ``--delay-for`` entry: ``KIND=SECONDS`` or ``realistic`` (the whole profile)."""
    if text.strip() == "realistic":
        return "realistic", None
    kind, sep, seconds = text.partition("=")
    if not sep or not kind.strip():
        raise InvalidSetting(
            f"expected KIND=SECONDS (e.g. snapshot=30) or 'realistic', got {text[:60]!r}",
            field="delay_for",
        )
    entry = {kind.strip(): _text_number(seconds.strip())}
    check_delay_for(entry)
    return kind.strip(), entry[kind.strip()]


def combine_durations(entries: Sequence[tuple[str, object]]) -> dict[str, float]:
    """The ``delay_for`` mapping of repeated ``--delay-for`` entries, in order: ``realistic``
    loads the profile, later entries override earlier ones."""
    durations: dict[str, float] = {}
    for kind, seconds in entries:
        if kind == "realistic":
            durations.update(REALISTIC_DURATIONS)
        elif isinstance(seconds, float):
            durations[kind] = seconds
    return check_delay_for(durations)


@dataclass(frozen=True)
class Setting:
    """One setting of the emulator.

    ``name`` is its name in ``EmulatorConfig``, the control API and ``configure(...)``;
    ``type`` and ``bounds`` describe its values for people; ``default`` is its value when not
    set; ``runtime`` says whether the control API may change it while the emulator runs;
    ``check`` normalises a value or raises :class:`InvalidSetting`. On the command line it is
    ``flag`` (``None``: no flag), whose text ``from_text`` turns into a value for ``check``;
    a ``repeatable`` flag collects its entries and ``combine`` makes the value of them.
    ``exclusive`` names a group of flags of which one at most may be given.
    """

    name: str
    type: str
    bounds: str
    default: Any
    help: str
    runtime: bool
    check: Callable[[Any], Any]
    flag: str | None = None
    metavar: str | None = None
    from_text: Callable[[str], Any] = _text_number
    repeatable: bool = False
    combine: Callable[[Sequence[Any]], Any] | None = None
    exclusive: str | None = None

    def parse_text(self, text: str) -> Any:
        """The value of one command-line entry; raises :class:`InvalidSetting`."""
        value = self.from_text(text)
        return value if self.repeatable else self.check(value)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "users",
        "list of (e-mail, password)",
        "e-mail `name@domain`, non-empty password",
        "one demo account with a random password",
        "an account to accept, owning a contract of its own",
        runtime=False,
        check=check_users,
        flag="--user",
        metavar="EMAIL:PASSWORD",
        from_text=parse_user,
        repeatable=True,
        combine=list,
    ),
    Setting(
        "progression",
        "text",
        "`immediate`, `polls:N` (N up to 10^9) or `seconds:T` (T up to 86,400)",
        "`seconds:1.0` (`immediate` in the pytest fixture)",
        "request progression: immediate, polls:N (DONE after N status polls) or seconds:T",
        runtime=True,
        check=check_progression,
        flag="--progression",
        metavar="POLICY",
        from_text=str,
        exclusive="timing",
    ),
    Setting(
        "delay",
        "seconds or null",
        "0 to 86,400",
        "1.0",
        "requests are DONE T seconds after creation (short for progression seconds:T)",
        runtime=True,
        check=check_delay,
        flag="--delay",
        metavar="T",
        exclusive="timing",
    ),
    Setting(
        "delay_for",
        "{operation kind or noun: seconds}, or `realistic`",
        "kinds of the routing table; 0 to 86,400 s",
        "none",
        "how long one kind of operation takes, e.g. snapshot=30 or ipblock.delete=0.2; "
        "'realistic' loads the realistic profile",
        runtime=True,
        check=check_delay_for,
        flag="--delay-for",
        metavar="KIND=SECONDS",
        from_text=parse_duration_entry,
        repeatable=True,
        combine=combine_durations,
    ),
    Setting(
        "rate_limit",
        "integer or null",
        "1 to 10^9 (0 or null: no limit)",
        "no limit",
        "answer 429 past N requests per rate window and account",
        runtime=True,
        check=check_rate_limit,
        flag="--rate-limit",
        metavar="N",
        from_text=_text_int,
    ),
    Setting(
        "rate_window",
        "seconds",
        "> 0, at most 86,400",
        1.0,
        "rate-limit window in seconds",
        runtime=True,
        check=lambda value: _positive_duration("rate_window", value),
        metavar="S",
    ),
    Setting(
        "fail_probability",
        "probability",
        "0 to 1",
        0.0,
        "probability that a provisioning request ends FAILED",
        runtime=True,
        check=lambda value: _probability("fail_probability", value),
        metavar="P",
    ),
    Setting(
        "error_probability",
        "probability",
        "0 to 1",
        0.0,
        "probability of a 503 answer",
        runtime=True,
        check=lambda value: _probability("error_probability", value),
        metavar="P",
    ),
    Setting(
        "latency",
        "seconds",
        "0 to 86,400",
        0.0,
        "seconds added to every API answer",
        runtime=True,
        check=lambda value: _duration("latency", value),
        metavar="S",
    ),
    Setting(
        "seed",
        "integer or null",
        "64 bits",
        "none",
        "seed that makes generated ids (and fault draws) reproducible",
        runtime=True,
        check=check_seed,
        metavar="N",
        from_text=_text_int,
    ),
    Setting(
        "resource_limits",
        "{limit: integer}",
        f"keys {', '.join(f'`{key}`' for key in DEFAULT_RESOURCE_LIMITS)}; integers >= 0",
        "the catalogue's limits",
        "override a contract resource limit, e.g. coresPerContract=1000",
        runtime=True,
        check=check_resource_limits,
        flag="--limit",
        metavar="KEY=N",
        from_text=parse_limit,
        repeatable=True,
        combine=lambda entries: check_resource_limits(dict(entries)),
    ),
    Setting(
        "public_url",
        "URL or null",
        "any",
        "as the client called it",
        "base written into hrefs and Location headers",
        runtime=False,
        check=lambda value: None if value is None else str(value).rstrip("/"),
        metavar="URL",
        from_text=str,
    ),
    Setting(
        "login_failures",
        "integer",
        "0 to 10^9 (0: no throttle)",
        10,
        "failed logins of one account per login window before it answers 429",
        runtime=False,
        check=lambda value: _count("login_failures", value, 0),
        metavar="N",
        from_text=_text_int,
    ),
    Setting(
        "login_window",
        "seconds",
        "> 0, at most 86,400",
        60.0,
        "seconds over which failed logins are counted",
        runtime=False,
        check=lambda value: _positive_duration("login_window", value),
        metavar="S",
    ),
    Setting(
        "login_tarpit",
        "seconds",
        "0 to 60 (0: answer at once)",
        1.0,
        "seconds a throttled login waits before its 429 (at most its Retry-After), two at a time",
        runtime=False,
        check=lambda value: _duration("login_tarpit", value, 60.0),
        metavar="S",
    ),
    Setting(
        "request_log_limit",
        "integer",
        "1 to 10^9",
        1000,
        "requests kept per contract in /requests, the newest",
        runtime=False,
        check=lambda value: _count("request_log_limit", value, 1),
        metavar="N",
        from_text=_text_int,
    ),
    Setting(
        "control_token",
        "text or null",
        "1 to 1,024 visible ASCII characters",
        "none (or $PROFITBRICKS_EMULATOR_CONTROL_TOKEN)",
        "control API calls (/_emulator/) need 'Authorization: Bearer TOKEN'",
        runtime=False,
        check=lambda value: None if value is None else check_control_token(value),
        metavar="TOKEN",
        from_text=str,
        exclusive="control",
    ),
    Setting(
        "control_api",
        "boolean",
        "true or false",
        True,
        "whether the control API under /_emulator/ is served; --no-control turns it off (404)",
        runtime=False,
        check=bool,
        flag="--no-control",
        exclusive="control",
    ),
)

#: The settings the control API (and the fixture's ``configure``) may change, by name.
RUNTIME_SETTINGS: dict[str, Setting] = {s.name: s for s in SETTINGS if s.runtime}
_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """The declaration of setting ``name`` (``KeyError`` for an unknown one)."""
    return _BY_NAME[name]


def _flag_of(entry: Setting) -> str:
    return entry.flag if entry.flag is not None else _flag(entry.name)


# -- the command line ------------------------------------------------------------------------------


def _argument_type(entry: Setting) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return entry.parse_text(text)
        except InvalidSetting as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = entry.name
    return convert


def add_flags(parser: argparse.ArgumentParser) -> None:
    """Add a flag for every declared setting to ``parser`` (destination: the setting's name).

    A flag left out parses as the declared default when that is a number, else as None (the
    configuration's own default applies); :func:`config_values` turns the parsed arguments into
    settings.
    """
    groups: dict[str, argparse._MutuallyExclusiveGroup] = {}
    for entry in SETTINGS:
        target: Any = parser
        if entry.exclusive is not None:
            target = groups.get(entry.exclusive)
            if target is None:
                target = groups[entry.exclusive] = parser.add_mutually_exclusive_group()
        text = f"{entry.help} (default: {_plain(entry.default)})"
        if entry.name == "control_api":
            target.add_argument(
                _flag_of(entry), dest=entry.name, action="store_false", default=None, help=text
            )
            continue
        target.add_argument(
            _flag_of(entry),
            dest=entry.name,
            type=_argument_type(entry),
            metavar=entry.metavar,
            action="append" if entry.repeatable else "store",
            default=_parsed_default(entry),
            help=text.replace("%", "%%"),
        )


def _parsed_default(entry: Setting) -> Any:
    # Numbers are their own default; a described default ("no limit") is the configuration's.
    value = entry.default
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return value if numeric and not entry.repeatable else None


def config_values(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line (parsed by :func:`add_flags`), combined and
    checked; raises :class:`InvalidSetting` naming the setting."""
    values: dict[str, Any] = {}
    for entry in SETTINGS:
        value = getattr(args, entry.name, None)
        if value is None:
            continue
        if entry.repeatable and entry.combine is not None:
            value = entry.combine(value)
        values[entry.name] = value
    return values


def _plain(value: object) -> str:
    return re.sub(r"`", "", str(value))


# -- the README table ------------------------------------------------------------------------------


def readme_table() -> str:
    """The Markdown table of every setting, as README.md shows it between its markers."""
    lines = [
        "| setting | flag | values | default | run time | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for entry in SETTINGS:
        flag = _flag_of(entry) + (f" {entry.metavar}" if entry.metavar else "")
        if entry.repeatable:
            flag += " (repeatable)"
        default = entry.default if isinstance(entry.default, str) else _json_text(entry.default)
        lines.append(
            f"| `{entry.name}` | `{flag}` | {entry.type}; {entry.bounds} | {default} | "
            f"{'yes' if entry.runtime else 'no'} | {entry.help} |"
        )
    return "\n".join(lines) + "\n"


def _json_text(value: object) -> str:
    if value is True:
        return "`true`"
    if value is False:
        return "`false`"
    if value is None:
        return "`null`"
    return f"`{value}`"


def profile_table() -> str:
    """The Markdown table of :data:`REALISTIC_DURATIONS`, as README.md shows it."""
    lines = ["| kind or noun | seconds |", "|---|---|"]
    lines.extend(f"| `{kind}` | {seconds:g} |" for kind, seconds in REALISTIC_DURATIONS.items())
    return "\n".join(lines) + "\n"
