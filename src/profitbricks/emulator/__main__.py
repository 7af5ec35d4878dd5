"""``python -m profitbricks.emulator`` (or ``profitbricks-emulator``): serve the emulator on a port.

Prints the Cloud API base URL and the credentials it accepts, serves until SIGINT or SIGTERM and
then exits with status 0. Without ``--user`` one demo account with a fresh password is created.
With ``--state-file PATH`` the whole state is loaded from PATH and kept there
(:mod:`profitbricks.emulator.statefile`); a file that cannot be loaded stops the start (status 1).

Bound to an address other machines can reach (``--host 0.0.0.0``, a LAN address), it warns on
stderr, and refuses to start (status 2) unless the control API is protected by a token
(``--control-token``, or the environment variable ``PROFITBRICKS_EMULATOR_CONTROL_TOKEN``) or
turned off (``--no-control``): without either, anyone on the network could reset it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import sys
from collections.abc import Callable, Sequence

from profitbricks.emulator.catalogue import DEFAULT_RESOURCE_LIMITS
from profitbricks.emulator.config import (
    DEFAULT_LOGIN_FAILURES,
    DEFAULT_LOGIN_WINDOW,
    DEFAULT_REQUEST_LOG_LIMIT,
    check_control_token,
)
from profitbricks.emulator.control import (
    MAX_SECONDS,
    InvalidSetting,
    Progression,
    binds_only_loopback,
)

#: Where ``--control-token`` is read from when not given (a flag shows in process listings).
CONTROL_TOKEN_VARIABLE = "PROFITBRICKS_EMULATOR_CONTROL_TOKEN"

__all__ = ["build_parser", "main", "parse_limit", "parse_user"]


def parse_user(text: str) -> tuple[str, str]:
    """Split ``EMAIL:PASSWORD`` at its first colon.

    Raises ``argparse.ArgumentTypeError`` (whose message never repeats the password) when the
    e-mail is not of the form ``name@domain`` or the password is empty.
    """
    email, sep, password = text.partition(":")
    local, at, domain = email.partition("@")
    if not sep or not at or not local or not domain or any(c.isspace() for c in email):
        raise argparse.ArgumentTypeError("expected EMAIL:PASSWORD, e.g. jane@example.com:secret")
    if not password:
        raise argparse.ArgumentTypeError(f"empty password for {email}; expected EMAIL:PASSWORD")
    return email, password


def parse_limit(text: str) -> tuple[str, int]:
    """Split ``KEY=N`` (a contract resource limit and its new value, an integer >= 0).

    Raises ``argparse.ArgumentTypeError`` for an unknown key or a bad value.
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise argparse.ArgumentTypeError(
            f"expected KEY=N, e.g. coresPerContract=1000, got {text!r}"
        )
    if key not in DEFAULT_RESOURCE_LIMITS:
        known = ", ".join(DEFAULT_RESOURCE_LIMITS)
        raise argparse.ArgumentTypeError(f"unknown resource limit {key!r} (known: {known})")
    try:
        number = int(value.strip().replace("_", ""))
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"{key} needs an integer >= 0, got {value!r}")
    return key, number


def _progression(text: str) -> str:
    try:
        return str(Progression.parse(text))
    except InvalidSetting as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _seconds(text: str) -> float:
    value = _non_negative(text)
    if value > MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"expected at most {MAX_SECONDS:g} seconds (one day), got {text!r}"
        )
    return value


def _token(text: str) -> str:
    try:
        return check_control_token(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _probability(text: str) -> float:
    value = _non_negative(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"expected a probability between 0 and 1, got {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _connection_limit(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _port(text: str) -> int:
    value = _count(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port between 0 and 65535, got {text!r}")
    return value


def _allow_open_files(wanted: int) -> None:
    """Raise this process's soft limit of open files towards ``wanted`` (never above the hard
    limit), so that the connection limit, not the file limit, decides who is admitted."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``profitbricks-emulator``."""
    parser = argparse.ArgumentParser(
        prog="profitbricks-emulator",
        description="Serve a local, stateful emulator of the ProfitBricks Cloud API v4.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=8080, help="port to listen on (8080; 0 picks a free port)"
    )
    parser.add_argument(
        "--user",
        dest="users",
        metavar="EMAIL:PASSWORD",
        type=parse_user,
        action="append",
        help="an account to accept (repeatable); without it a demo account is created",
    )
    timing = parser.add_mutually_exclusive_group()
    timing.add_argument(
        "--delay",
        type=_seconds,
        metavar="T",
        help="requests are DONE T seconds after creation (default 1.0; 0 = immediately)",
    )
    timing.add_argument(
        "--progression",
        type=_progression,
        metavar="POLICY",
        help="request progression: immediate, polls:N (DONE after N status polls) or seconds:T",
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="base written into hrefs and Location headers (default: as the client called it)",
    )
    parser.add_argument("--seed", type=int, help="seed that makes generated ids reproducible")
    parser.add_argument(
        "--rate-limit",
        type=_count,
        metavar="N",
        help="answer 429 past N requests per window and account (default: no limit)",
    )
    parser.add_argument(
        "--rate-window",
        type=_positive,
        default=1.0,
        metavar="S",
        help="rate-limit window in seconds (1.0)",
    )
    parser.add_argument(
        "--fail-probability",
        type=_probability,
        default=0.0,
        metavar="P",
        help="probability that a provisioning request ends FAILED (0)",
    )
    parser.add_argument(
        "--error-probability",
        type=_probability,
        default=0.0,
        metavar="P",
        help="probability of a 503 answer (0)",
    )
    parser.add_argument(
        "--latency",
        type=_seconds,
        default=0.0,
        metavar="S",
        help="seconds added to every API answer (0)",
    )
    parser.add_argument(
        "--limit",
        dest="limits",
        metavar="KEY=N",
        type=parse_limit,
        action="append",
        help="override a contract resource limit, e.g. coresPerContract=1000 (repeatable); "
        f"keys: {', '.join(DEFAULT_RESOURCE_LIMITS)}",
    )
    parser.add_argument(
        "--login-failures",
        type=_count,
        default=DEFAULT_LOGIN_FAILURES,
        metavar="N",
        help=f"failed logins of one account per --login-window before it answers 429 "
        f"({DEFAULT_LOGIN_FAILURES}; 0 = no throttle)",
    )
    parser.add_argument(
        "--login-window",
        type=_positive,
        default=DEFAULT_LOGIN_WINDOW,
        metavar="S",
        help=f"seconds over which failed logins are counted ({DEFAULT_LOGIN_WINDOW:g})",
    )
    parser.add_argument(
        "--request-log-limit",
        type=_count,
        default=DEFAULT_REQUEST_LOG_LIMIT,
        metavar="N",
        help=f"requests kept per contract in /requests, the newest ({DEFAULT_REQUEST_LOG_LIMIT})",
    )
    control = parser.add_mutually_exclusive_group()
    control.add_argument(
        "--control-token",
        type=_token,
        metavar="TOKEN",
        help="control API calls (/_emulator/) need 'Authorization: Bearer TOKEN' "
        f"(default: ${CONTROL_TOKEN_VARIABLE}, else none)",
    )
    control.add_argument(
        "--no-control",
        action="store_true",
        help="turn the control API off (/_emulator/ answers 404)",
    )
    parser.add_argument("--threads", type=int, default=8, metavar="N", help="worker threads (8)")
    parser.add_argument(
        "--header-timeout",
        type=_positive,
        default=10.0,
        metavar="S",
        help="seconds a request head may take from its first byte (10)",
    )
    parser.add_argument(
        "--body-timeout",
        type=_positive,
        default=30.0,
        metavar="S",
        help="seconds a request body may take after its head (30)",
    )
    parser.add_argument(
        "--idle-timeout",
        type=_positive,
        default=120.0,
        metavar="S",
        help="seconds a kept-alive connection may wait for its next request (120)",
    )
    parser.add_argument(
        "--connection-limit",
        type=_connection_limit,
        default=1000,
        metavar="N",
        help="open connections; at the limit the longest-waiting idle one is closed (1000)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print only the URL and the credentials"
    )
    parser.add_argument(
        "--state-file",
        metavar="PATH",
        help="keep the whole state in PATH: loaded at start if it exists, written atomically "
        "at most 0.5 s after each change and when stopped",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until SIGINT/SIGTERM; returns the exit status (0 after a clean stop).

    Invalid arguments exit with status 2 (argparse), and so does a non-loopback ``--host``
    without ``--control-token`` or ``--no-control``; an address that cannot be bound, or a
    ``--state-file`` that cannot be loaded (left untouched) or written, returns 1.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error("--threads must be >= 1")
    if args.request_log_limit < 1:
        parser.error("--request-log-limit must be >= 1")
    token: str | None = args.control_token
    if token is None and not args.no_control and os.environ.get(CONTROL_TOKEN_VARIABLE):
        token = _parse_or_exit(parser, _token, os.environ[CONTROL_TOKEN_VARIABLE])
    if not binds_only_loopback(args.host):
        print(
            f"profitbricks-emulator: warning: --host {args.host} can be reached from other "
            "machines; the emulator is a test tool, not a hardened server, and its accounts "
            "and data are visible to anyone who can reach it.",
            file=sys.stderr,
        )
        if token is None and not args.no_control:
            print(
                "profitbricks-emulator: refusing to start: on this address anyone could reset "
                "the emulator or change its faults through the control API (/_emulator/). "
                "Give --control-token TOKEN (or set "
                f"{CONTROL_TOKEN_VARIABLE}) or --no-control.",
                file=sys.stderr,
            )
            return 2

    from profitbricks.emulator import Emulator, EmulatorConfig
    from profitbricks.emulator.server import EmulatorServer, ServerLimits

    # Without --user the configuration creates the demo account with a fresh password.
    config = EmulatorConfig(
        **({"users": args.users} if args.users else {}),
        delay=args.delay,
        progression=args.progression,
        public_url=args.public_url,
        seed=args.seed,
        rate_limit=args.rate_limit or None,
        rate_window=args.rate_window,
        fail_probability=args.fail_probability,
        error_probability=args.error_probability,
        latency=args.latency,
        resource_limits=dict(args.limits) if args.limits else None,
        login_failures=args.login_failures,
        login_window=args.login_window,
        request_log_limit=args.request_log_limit,
        control_token=token,
        control_api=not args.no_control,
    )
    emulator = Emulator(config)
    loaded = False
    if args.state_file:
        from profitbricks.emulator.statefile import StateFileError, load_into

        try:
            loaded = load_into(emulator, args.state_file)
        except StateFileError as exc:
            print(f"profitbricks-emulator: {exc}", file=sys.stderr)
            return 1

    logging.basicConfig(
        level=logging.ERROR if args.quiet else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        limits = ServerLimits(
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
            idle_timeout=args.idle_timeout,
            connection_limit=args.connection_limit,
        )
        _allow_open_files(limits.connection_limit + 64)
        server = EmulatorServer(
            emulator, host=args.host, port=args.port, threads=args.threads, limits=limits
        )
    except (OSError, ValueError) as exc:
        print(
            f"profitbricks-emulator: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 1

    saver = None
    if args.state_file:
        from profitbricks.emulator.statefile import Autosaver

        try:
            saver = Autosaver(emulator, args.state_file).start()
        except OSError as exc:
            print(f"profitbricks-emulator: cannot write {args.state_file}: {exc}", file=sys.stderr)
            return 1

    url = args.public_url.rstrip("/") if args.public_url else server.url
    print(f"ProfitBricks Cloud API v4 emulator at {url}")
    if args.state_file and loaded:
        # The accounts are the state file's; their passwords are not kept in clear there.
        for contract in emulator.state.contracts.values():
            if contract.owner is not None:
                print(f"  user {contract.owner.email}  password as saved in {args.state_file}")
    else:
        for email, password in config.users:
            print(f"  user {email}  password {password}")
    if not args.quiet:
        if args.no_control:
            control = "control API off"
        elif token is not None:
            control = (
                f"control API at {server.base_url}/_emulator/ "
                "(with Authorization: Bearer <control token>)"
            )
        else:
            control = f"control API at {server.base_url}/_emulator/"
        print(
            f"Listening on {server.base_url}; {control}; "
            f"progression {emulator.controls.progression}. Stop with Ctrl+C.",
            file=sys.stderr,
        )
    sys.stdout.flush()
    server.serve_forever()
    if saver is not None:
        try:
            saver.close()
        except OSError as exc:
            print(f"profitbricks-emulator: cannot write {args.state_file}: {exc}", file=sys.stderr)
            return 1
    if not args.quiet:
        print("profitbricks-emulator stopped", file=sys.stderr)
    return 0


def _parse_or_exit(
    parser: argparse.ArgumentParser, convert: Callable[[str], str], text: str
) -> str:
    try:
        return convert(text)
    except argparse.ArgumentTypeError as exc:
        parser.error(f"{CONTROL_TOKEN_VARIABLE}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
