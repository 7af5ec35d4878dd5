"""The ``profitbricks`` parser and entry point: commands from the operation table, the global
options, exit statuses and how errors are reported.

``build_parser()`` builds the whole command tree (shell completion walks it); a run builds only
the branch its command line names, so that start-up stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from .. import __version__
from ._console import Console

__all__ = ["EXIT_CODES", "build_parser", "run"]

OK, API_ERROR, USAGE, FAILED, TIMEOUT, CONFIGURATION, INTERRUPTED = 0, 1, 2, 3, 4, 5, 130

EXIT_CODES = """\
exit status:
  0    success
  1    the API answered with an error (or could not be reached)
  2    usage error: bad options or values (the SDK's validation), a delete not confirmed
  3    a request waited for ended FAILED
  4    --wait timed out (--timeout, default 600 s)
  5    credentials or configuration missing or refused (401)
  130  interrupted (Ctrl+C); pending request ids are printed

environment: PROFITBRICKS_USERNAME, PROFITBRICKS_PASSWORD, PROFITBRICKS_API_URL,
PROFITBRICKS_PROFILE, NO_COLOR"""

#: Commands contributed by modules of this package, each with an ``add_<name>_parser``.
EXTRA_COMMANDS = ("configure", "completion")

#: Global options taking a value, so that the command can be found without parsing.
_VALUE_OPTIONS = frozenset(
    {"-o", "--output", "--cols", "--query", "--profile", "--api-url", "--config-file"}
)

_RESOURCE_HELP = {
    "request": "provisioning requests: list, get, status, and wait for them",
}


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The options every command takes; on a command's own parser they default to unset, so
    that a value given before the command is kept."""
    default: Any = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("global options")
    group.add_argument(
        "-o", "--output", choices=("table", "json", "text"), default=default,
        help="table (default), json (the API's document as returned) or text (tab-separated)",
    )  # fmt: skip
    group.add_argument(
        "--json", dest="output", action="store_const", const="json", default=default,
        help=argparse.SUPPRESS,
    )  # fmt: skip
    group.add_argument(
        "--cols", default=default, metavar="PATHS",
        help="columns to show, as dotted paths (id,properties.name or id,name)",
    )  # fmt: skip
    group.add_argument(
        "--no-headers", action="store_true", default=default, help="leave out the header row"
    )
    group.add_argument(
        "--query", default=default, metavar="JMESPATH",
        help="a JMESPath expression applied to the document before output",
    )  # fmt: skip
    group.add_argument(
        "--profile", default=default, help="configuration profile (env PROFITBRICKS_PROFILE)"
    )
    group.add_argument(
        "--api-url", default=default, metavar="URL",
        help="API base URL (env PROFITBRICKS_API_URL; default the public Cloud API)",
    )  # fmt: skip
    group.add_argument(
        "--config-file", default=default, metavar="FILE", help="configuration file to read"
    )
    group.add_argument(
        "--debug", action="store_true", default=default,
        help="log every HTTP exchange to stderr (secrets masked); tracebacks on errors",
    )  # fmt: skip


def _resource_order() -> dict[str, list[tuple[str, Any]]]:
    from .._operations import OPERATIONS

    resources: dict[str, list[tuple[str, Any]]] = {}
    for operation in OPERATIONS.values():
        resource, verb = operation.cli
        resources.setdefault(resource, []).append((verb, operation))
    return resources


def build_parser(
    command: tuple[str | None, str | None] | None = None,
) -> argparse.ArgumentParser:
    """The ``profitbricks`` parser.

    Without ``command`` every resource, verb and option is built. With ``(resource, verb)`` (as
    found on a command line) only that branch gets its verbs and options, which is all a run
    needs.
    """
    from ._commands import DEFAULT_TIMEOUT, add_operation_arguments, run_request_wait
    from ._compat import RESOURCE_ALIASES, VERB_ALIASES

    full = command is None
    want_resource, want_verb = command or (None, None)
    want_resource = RESOURCE_ALIASES.get(want_resource or "", want_resource)
    parser = argparse.ArgumentParser(
        prog="profitbricks",
        description="Every operation of the ProfitBricks Cloud API v4 from the shell.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-V", "--version", action="version", version=f"profitbricks {__version__}")
    _global_options(parser, top=True)
    subparsers = parser.add_subparsers(dest="resource", metavar="COMMAND")
    resources = _resource_order()
    visible: list[str] = []
    aliases_of = {new: old for old, new in RESOURCE_ALIASES.items()}
    compat: dict[str, list[tuple[str, str, str | None]]] = {}
    for (old_resource, old_verb), (name, id_param) in VERB_ALIASES.items():
        compat.setdefault(old_resource, []).append((old_verb, name, id_param))

    def add_verbs(resource_parser: argparse.ArgumentParser, resource: str) -> None:
        from .._operations import OPERATIONS
        from ._commands import target_param

        verbs = resource_parser.add_subparsers(dest="verb", metavar="VERB", required=True)
        shown = []
        entries = list(resources.get(resource, ()))
        for verb, operation in entries:
            shown.append(verb)
            build = full or want_verb in (verb, "show" if verb == "get" else None)
            names = [verb, "show"] if verb == "get" else [verb]
            for index, name in enumerate(names):
                kwargs: dict[str, Any] = {"description": operation.summary}
                if index == 0:
                    kwargs["help"] = operation.summary
                sub = verbs.add_parser(name, **kwargs)
                if build and (full or name == want_verb):
                    add_operation_arguments(sub, operation, target_param(operation))
                    _global_options(sub, top=False)
        for old_verb, name, id_param in compat.get(resource, ()):
            if any(old_verb == verb for verb, _ in entries):
                continue
            operation = OPERATIONS[name]
            sub = verbs.add_parser(old_verb, description=operation.summary)
            if full or want_verb == old_verb:
                add_operation_arguments(sub, operation, id_param or target_param(operation))
                _global_options(sub, top=False)
        if resource == "request":
            shown.append("wait")
            sub = verbs.add_parser(
                "wait", help="Wait until provisioning requests are DONE (or FAILED).",
                description="Wait until provisioning requests are DONE (or FAILED); print "
                "their final status. Exit 3 when one FAILED, 4 on timeout.",
            )  # fmt: skip
            sub.add_argument("request_ids", nargs="+", metavar="REQUEST_ID")
            sub.add_argument(
                "--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                help=f"give up after SECONDS (default {DEFAULT_TIMEOUT:g}, exit 4)",
            )  # fmt: skip
            _global_options(sub, top=False)
            sub.set_defaults(handler=run_request_wait)
        verbs.metavar = "{" + ",".join(shown) + "}"

    for resource, entries in resources.items():
        verbs_text = ", ".join(verb for verb, _ in entries)
        help_text = _RESOURCE_HELP.get(resource, f"{verbs_text}")
        names = [resource]
        if resource in aliases_of:
            names.append(aliases_of[resource])
        for index, name in enumerate(names):
            kwargs: dict[str, Any] = {"description": f"Commands of {resource}: {verbs_text}."}
            if index == 0:
                kwargs["help"] = help_text
                visible.append(name)
            resource_parser = subparsers.add_parser(name, **kwargs)
            if full or want_resource == resource:
                add_verbs(resource_parser, resource)
    # 4.1.1 resources with no entry of their own (``snapshot create`` is ``volume snapshot``)
    # exist through their entries; those whose resource exists were added above.
    visible.append("emulator")
    emulator = subparsers.add_parser(
        "emulator", help="run the local API emulator (options: profitbricks emulator --help)",
        add_help=False,
    )  # fmt: skip
    emulator.add_argument("emulator_args", nargs=argparse.REMAINDER)
    emulator.set_defaults(handler=_run_emulator)
    for name in EXTRA_COMMANDS:
        try:
            module = import_module(f"{__package__}._{name}")
        except ImportError:
            continue
        if name == "completion":
            module.add_completion_parser(subparsers, build_parser)
        else:
            getattr(module, f"add_{name}_parser")(subparsers)
        visible.append(name)
    subparsers.metavar = "{" + ",".join(visible) + "}"
    return parser


def _run_emulator(args: argparse.Namespace, io: Console) -> int:
    from ..emulator.__main__ import main as emulator_main

    return emulator_main(args.emulator_args)


def _command_of(argv: Sequence[str]) -> tuple[str | None, str | None]:
    """The first two words of ``argv`` that are not options or their values."""
    words: list[str] = []
    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        if token == "--":
            break
        if token.startswith("-"):
            skip = token in _VALUE_OPTIONS
            continue
        words.append(token)
        if len(words) == 2:
            break
    words += [None] * (2 - len(words))  # type: ignore[list-item]
    return words[0], words[1]


@contextmanager
def _debug_log(io: Console, debug: bool) -> Iterator[None]:
    """With ``--debug``: the ``profitbricks`` logger at DEBUG on stderr for the command."""
    if not debug:
        yield
        return
    import logging

    handler = logging.StreamHandler(io.stderr)
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    logger = logging.getLogger("profitbricks")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def run(argv: Sequence[str] | None = None, io: Console | None = None) -> int:
    """Parse ``argv``, run the command, report errors; returns the exit status."""
    io = io or Console()
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    try:
        return _run(arguments, io, debug)
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly; Python's final flush of stdout must
        # not fail again either.
        _silence_stdout(io)
        return OK


def _silence_stdout(io: Console) -> None:
    try:
        fd = io.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _run(arguments: list[str], io: Console, debug: bool) -> int:
    from ._output import UsageError

    if arguments[:1] == ["emulator"]:
        # Everything after ``emulator`` is the emulator's own command line.
        return _run_emulator(argparse.Namespace(emulator_args=arguments[1:]), io)
    parser = build_parser(_command_of(arguments))
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = io.stdout, io.stderr
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else USAGE
    finally:
        sys.stdout, sys.stderr = stdout, stderr
    if getattr(args, "handler", None) is None:
        parser.print_help(io.stdout)
        return USAGE
    try:
        with _debug_log(io, debug):
            code: int = args.handler(args, io)
        io.stdout.flush()
        return code
    except BrokenPipeError:
        raise
    except UsageError as exc:
        io.error(str(exc))
        return USAGE
    except KeyboardInterrupt as exc:
        pending = getattr(exc, "request_ids", None)
        if pending:
            io.error(f"interrupted; requests still pending: {' '.join(pending)}")
        else:
            io.error("interrupted")
        return INTERRUPTED
    except Exception as exc:
        if debug:
            import traceback

            traceback.print_exc(file=io.stderr)
        io.error(_describe(exc))
        return exit_code(exc)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def exit_code(exc: BaseException) -> int:
    """The exit status for an error a command raised."""
    from ..errors import (
        PBConfigurationError,
        PBError,
        PBFailedRequest,
        PBNotAuthorizedError,
        PBTimeoutError,
        PBValidationError,
    )

    if isinstance(exc, (PBConfigurationError, PBNotAuthorizedError)):
        return CONFIGURATION
    if isinstance(exc, PBValidationError) and exc.url is None:
        return USAGE  # found by the SDK before anything was sent
    if isinstance(exc, PBFailedRequest):
        return FAILED
    if isinstance(exc, PBTimeoutError):
        return TIMEOUT
    if isinstance(exc, (PBError, OSError, ValueError, TypeError, NameError)):
        return API_ERROR if isinstance(exc, (PBError, OSError)) else USAGE
    return API_ERROR
