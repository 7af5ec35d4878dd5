"""The ``profitbricks`` command line: every operation of the SDK from the shell.

``main(argv)`` runs one command and returns its exit status (see ``profitbricks --help``):
0 success, 1 API error, 2 usage error, 3 request FAILED, 4 wait timeout, 5 credentials or
configuration, 130 interrupted. Importing this package loads nothing else; the parser and the
SDK load when a command needs them.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run ``profitbricks`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    arguments = sys.argv[1:] if argv is None else argv
    if list(arguments) in (["--version"], ["-V"]):
        # Answered before the parser is even imported: scripts call it to check the install.
        from .. import __version__

        sys.stdout.write(f"profitbricks {__version__}\n")
        return 0
    from ._app import run

    return run(arguments)
