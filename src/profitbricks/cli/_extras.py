"""Commands that are not one entry of the operation table: waiting for requests, the image
aliases of a location, and 4.1.1's ``group user --adduser/--removeuser``."""

from __future__ import annotations

import argparse
from typing import Any

from ._commands import DEFAULT_TIMEOUT, _print, _seconds, make_client, run_operation
from ._console import Console
from ._output import UsageError

__all__ = ["add_group_user_arguments", "add_image_aliases_arguments", "add_request_wait_arguments"]

REQUEST_WAIT_HELP = (
    "Wait until provisioning requests are DONE (or FAILED); print their final status. "
    "Exit 3 when one FAILED, 4 on timeout."
)
IMAGE_ALIASES_HELP = "List the image aliases of a location (ubuntu:latest, ...)."


def add_request_wait_arguments(parser: argparse.ArgumentParser) -> None:
    """``profitbricks request wait REQUEST_ID... [--timeout SECONDS]``."""
    from ._commands import run_request_wait

    parser.add_argument("request_ids", nargs="+", metavar="REQUEST_ID")
    parser.add_argument(
        "--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
        help=f"give up after SECONDS (default {DEFAULT_TIMEOUT:g}, exit 4)",
    )  # fmt: skip
    parser.set_defaults(handler=run_request_wait)


def add_image_aliases_arguments(parser: argparse.ArgumentParser) -> None:
    """``profitbricks image aliases --location LOCATION``."""
    parser.add_argument("location", nargs="?", metavar="LOCATION", help="a location id: us/las")
    parser.add_argument("--location", "-l", dest="location_option", help=argparse.SUPPRESS)
    parser.set_defaults(handler=_image_aliases)


def _image_aliases(args: argparse.Namespace, io: Console) -> int:
    location = args.location or args.location_option
    if not location:
        raise UsageError("a location is required: profitbricks image aliases us/las")
    with make_client(args) as client:
        doc = client.get_location(location, depth=1)
    aliases = (doc.get("properties") or {}).get("imageAliases") or []
    _print(args, io, aliases)
    return 0


def add_group_user_arguments(parser: argparse.ArgumentParser) -> None:
    """4.1.1's ``group user -i GROUP (--adduser USER | --removeuser USER)``."""
    parser.add_argument("-i", "--id", "--group-id", dest="group", required=True)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--adduser", "--add-user", dest="add")
    which.add_argument("--removeuser", "--remove-user", dest="remove")
    parser.add_argument("--wait", action="store_true")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT)
    parser.add_argument("--dry-run", action="store_true")
    parser.set_defaults(handler=_group_user)


def _group_user(args: argparse.Namespace, io: Console) -> int:
    operation = "add_group_user" if args.add else "remove_group_user"
    given: dict[str, Any] = {
        **vars(args),
        "operation": operation,
        "a_group_id": args.group,
        "a_user_id": args.add or args.remove,
        "id_param": None,
    }
    return run_operation(argparse.Namespace(**given), io)
