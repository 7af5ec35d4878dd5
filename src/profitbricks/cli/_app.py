"""The ``profitbricks`` parser and entry point: commands from the operation table, the global
options, exit statuses and how errors are reported.

``build_parser()`` builds the whole command tree (shell completion walks it); a run builds only
the branch its command line names, so that start-up stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from .. import __version__
from ._console import Console

__all__ = ["EXIT_CODES", "EXTRA_COMMANDS", "build_parser", "exit_code", "run"]

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


class _Verb:
    """A verb of a resource: the operation it runs (None: built by ``build``), the argument
    its ``-i/--id`` gives (None: the id the operation acts on), and whether help and completion
    show it."""

    __slots__ = ("build", "id_param", "name", "operation", "summary", "visible")

    def __init__(
        self,
        name: str,
        operation: Any,
        id_param: str | None,
        visible: bool,
        build: Callable[[argparse.ArgumentParser], None] | None = None,
        summary: str = "",
    ) -> None:
        self.name = name
        self.operation = operation
        self.id_param = id_param
        self.visible = visible
        self.build = build
        self.summary = summary or (operation.summary if operation is not None else "")


def _commands() -> dict[str, dict[str, _Verb]]:
    """Every resource and its verbs, in the table's order, hidden 4.1.1 verbs included."""
    from .._operations import OPERATIONS
    from ._compat import VERB_ALIASES

    tree: dict[str, dict[str, _Verb]] = {}
    for operation in OPERATIONS.values():
        resource, verb = operation.cli
        verbs = tree.setdefault(resource, {})
        verbs[verb] = _Verb(verb, operation, None, True)
        if verb == "get":
            verbs["show"] = _Verb("show", operation, None, False)
    from . import _extras

    tree["request"]["wait"] = _Verb(
        "wait", None, None, True, _extras.add_request_wait_arguments, _extras.REQUEST_WAIT_HELP
    )
    tree["image"]["aliases"] = _Verb(
        "aliases", None, None, True, _extras.add_image_aliases_arguments,
        _extras.IMAGE_ALIASES_HELP,
    )  # fmt: skip
    tree["group"]["user"] = _Verb(
        "user", None, None, False, _extras.add_group_user_arguments, "Add or remove a member."
    )
    for (resource, verb), (name, id_param) in VERB_ALIASES.items():
        operation = OPERATIONS[name]
        tree[resource].setdefault(verb, _Verb(verb, operation, id_param, False))
    return tree


class _Parser(argparse.ArgumentParser):
    """argparse's parser, with a short answer for an unknown command: the visible commands only
    (not the hidden 4.1.1 spellings) and the nearest one, as in ``unknown command 'serverz'
    (did you mean 'server'?)``. The parsers of the subcommands are of this class too."""

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if isinstance(action, argparse._SubParsersAction) and value not in action.choices:
            import difflib

            shown = [choice.dest for choice in action._choices_actions]
            near = difflib.get_close_matches(str(value), shown, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise argparse.ArgumentError(
                None,
                f"unknown command {value!r}{hint}; '{self.prog} --help' lists the commands",
            )
        super()._check_value(action, value)


def build_parser(
    command: tuple[str | None, str | None] | None = None,
) -> argparse.ArgumentParser:
    """The ``profitbricks`` parser.

    Without ``command`` every resource, verb and option is built. With ``(resource, verb)`` (the
    first two words of a command line) only that branch is built when both name a command,
    which is all a run needs; help and error messages still list every visible command.
    """
    from ._compat import RESOURCE_ALIASES

    parser = _Parser(
        prog="profitbricks",
        description="Every operation of the ProfitBricks Cloud API v4 from the shell.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-V", "--version", action="version", version=f"profitbricks {__version__}")
    _global_options(parser, top=True)
    subparsers = parser.add_subparsers(dest="resource", metavar="COMMAND")
    tree = _commands()
    names = {**{r: r for r in tree}, **RESOURCE_ALIASES}
    typed_resource, typed_verb = command or (None, None)
    only = None if command is None or typed_resource not in names else typed_resource
    visible: list[str] = []
    for name, resource in names.items():
        verbs = tree[resource]
        hidden = name in RESOURCE_ALIASES
        shown = [verb.name for verb in verbs.values() if verb.visible]
        if not hidden:
            visible.append(name)
        if only is not None and name != only:
            continue
        kwargs: dict[str, Any] = {"description": f"Commands of {resource}: {', '.join(shown)}."}
        if not hidden:
            kwargs["help"] = ", ".join(shown)
        resource_parser = subparsers.add_parser(name, **kwargs)
        if command is None or only is not None:
            _add_verbs(resource_parser, verbs, None if command is None else typed_verb)
    if only is not None:
        # A run of a known resource needs nothing more (its usage lines say COMMAND here).
        return parser
    visible.append("emulator")
    emulator = subparsers.add_parser(
        "emulator", help="run the local API emulator (options: profitbricks emulator --help)",
        add_help=False,
    )  # fmt: skip
    emulator.add_argument("emulator_args", nargs=argparse.REMAINDER)
    emulator.set_defaults(handler=_run_emulator)
    for name in EXTRA_COMMANDS:
        module_name = f"{__package__}._{name}"
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise  # the module is there but needs something missing: say so
            continue
        visible.append(name)
        if name == "completion":
            module.add_completion_parser(subparsers, build_parser)
        else:
            getattr(module, f"add_{name}_parser")(subparsers)
    subparsers.metavar = "{" + ",".join(visible) + "}"
    return parser


def _add_verbs(
    resource_parser: argparse.ArgumentParser, verbs: dict[str, _Verb], typed_verb: str | None
) -> None:
    """The verbs of a resource; all of them, or only ``typed_verb`` when it names one."""
    from ._commands import add_operation_arguments, target_param

    subparsers = resource_parser.add_subparsers(dest="verb", required=True)
    subparsers.metavar = "{" + ",".join(v.name for v in verbs.values() if v.visible) + "}"
    for verb in verbs.values():
        if typed_verb in verbs and verb.name != typed_verb:
            continue
        kwargs: dict[str, Any] = {"description": verb.summary}
        if verb.visible:
            kwargs["help"] = verb.summary
        sub = subparsers.add_parser(verb.name, **kwargs)
        if verb.build is not None:
            verb.build(sub)
        else:
            id_param = verb.id_param or target_param(verb.operation)
            add_operation_arguments(sub, verb.operation, id_param)
        _global_options(sub, top=False)


def _run_emulator(args: argparse.Namespace, io: Console) -> int:
    from importlib.util import find_spec

    # The emulator's own modules need its extra (werkzeug, waitress); say so instead of a
    # traceback when it is missing.
    missing = [name for name in ("werkzeug", "waitress") if find_spec(name) is None]
    if missing:
        io.stderr.write(
            f"profitbricks emulator: needs {' and '.join(missing)}: "
            "pip install 'profitbricks[emulator]'\n"
        )
        return CONFIGURATION
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
            return words[0], words[1]
    return (words[0] if words else None), None


@contextmanager
def _debug_log(io: Console, debug: bool) -> Iterator[None]:
    """With ``--debug``: the ``profitbricks`` logger at DEBUG on stderr for the command.

    Without it the SDK's records go nowhere: what a command has to say (an interrupted bulk
    run's requests, say) it says in its own one-line error.
    """
    import logging

    handler: logging.Handler
    if debug:
        handler = logging.StreamHandler(io.stderr)
        handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    else:
        handler = logging.NullHandler()
    logger = logging.getLogger("profitbricks")
    level = logger.level
    logger.addHandler(handler)
    if debug:
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
        try:
            return _run(arguments, io, debug)
        finally:
            io.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly; Python's final flush of stdout must
        # not fail again either.
        _silence_stdout(io)
        return OK
    except KeyboardInterrupt as exc:
        pending = getattr(exc, "request_ids", None)
        if pending:
            io.error(f"interrupted; requests still pending: {' '.join(pending)}")
        else:
            io.error("interrupted")
        return INTERRUPTED


def _silence_stdout(io: Console) -> None:
    try:
        fd = io.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _run(arguments: list[str], io: Console, debug: bool) -> int:
    from ._compat import COMMAND_ALIASES
    from ._output import UsageError

    if arguments and arguments[0] in COMMAND_ALIASES:
        arguments = [COMMAND_ALIASES[arguments[0]], *arguments[1:]]
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
    if isinstance(exc, (PBError, OSError)):
        return API_ERROR
    if isinstance(exc, (ValueError, TypeError)):
        return USAGE  # the SDK refused an argument before sending anything
    return API_ERROR
