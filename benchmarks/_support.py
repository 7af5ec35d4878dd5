"""What the benchmark scripts share: the account, CPU pinning and starting a server subprocess.

The scripts run as ``python benchmarks/<script>.py``, so they import this module as a sibling.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

__all__ = ["CLIENT_CPU", "SERVER_CPU", "USER", "can_pin", "emulator_command", "start_server"]

#: The account every benchmark emulator serves.
USER = ("bench@example.com", "bench-password")
#: The server runs on one CPU and the client on the other, so neither measures the other.
SERVER_CPU = 0
CLIENT_CPU = 1


def can_pin() -> bool:
    """True when this process may run on both SERVER_CPU and CLIENT_CPU (Linux only)."""
    return hasattr(os, "sched_getaffinity") and {SERVER_CPU, CLIENT_CPU} <= os.sched_getaffinity(0)


def emulator_command(pin: bool, *options: str) -> list[str]:
    """The command line of ``python -m profitbricks.emulator`` on a free port, quiet, with
    immediate progression and the USER account, pinned to SERVER_CPU when ``pin``, plus
    ``options``."""
    code = (
        "import os, sys\n"
        f"if {pin!r}: os.sched_setaffinity(0, {{{SERVER_CPU}}})\n"
        "from profitbricks.emulator.__main__ import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    return [
        sys.executable,
        "-c",
        code,
        "--port",
        "0",
        "--quiet",
        "--progression",
        "immediate",
        "--user",
        f"{USER[0]}:{USER[1]}",
        *options,
    ]


def start_server(command: list[str], name: str) -> tuple[subprocess.Popen[str], str]:
    """Run ``command`` and return the process with the API base URL it prints on stdout.

    Raises SystemExit (after killing the process) when no URL comes within 30 seconds.
    """
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        match = re.search(r"(https?://\S+/cloudapi/v4)", line)
        if match:
            return process, match.group(1)
        if not line:
            break
    process.kill()
    raise SystemExit(f"the {name} did not start")
