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

from profitbricks.emulator.control import MAX_SECONDS, binds_only_loopback
from profitbricks.emulator.settings import (
    InvalidSetting,
    add_flags,
    check_control_token,
    config_values,
)
from profitbricks.emulator.settings import parse_limit as _parse_limit
from profitbricks.emulator.settings import parse_user as _parse_user

#: Where ``--control-token`` is read from when not given (a flag shows in process listings).
CONTROL_TOKEN_VARIABLE = "PROFITBRICKS_EMULATOR_CONTROL_TOKEN"

__all__ = ["build_parser", "main", "parse_limit", "parse_user"]


def parse_user(text: str) -> tuple[str, str]:
    """Split ``EMAIL:PASSWORD`` at its first colon.

    Raises ``argparse.ArgumentTypeError`` (whose message never repeats the password) when the
    e-mail is not of the form ``name@domain`` or the password is empty.
    """
    try:
        return _parse_user(text)
    except InvalidSetting as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_limit(text: str) -> tuple[str, int]:
    """Split ``KEY=N`` (a contract resource limit and its new value, an integer >= 0).

    Raises ``argparse.ArgumentTypeError`` for an unknown key or a bad value.
    """
    try:
        return _parse_limit(text)
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
    # The emulator's settings, each declared once in settings.py; the rest are the server's.
    add_flags(parser)
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
    try:
        settings = config_values(args)
    except InvalidSetting as exc:
        parser.error(str(exc))
    token: str | None = settings.get("control_token")
    no_control = settings.get("control_api") is False
    if token is None and not no_control and os.environ.get(CONTROL_TOKEN_VARIABLE):
        token = _parse_or_exit(parser, _token, os.environ[CONTROL_TOKEN_VARIABLE])
        settings["control_token"] = token
    if not binds_only_loopback(args.host):
        print(
            f"profitbricks-emulator: warning: --host {args.host} can be reached from other "
            "machines; the emulator is a test tool, not a hardened server, and its accounts "
            "and data are visible to anyone who can reach it.",
            file=sys.stderr,
        )
        if token is None and not no_control:
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
    try:
        config = EmulatorConfig(**settings)
    except InvalidSetting as exc:
        parser.error(str(exc))
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

    url = config.public_url if config.public_url else server.url
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
        if no_control:
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
