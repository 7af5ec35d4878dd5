"""Plumbing shared by the examples: the ``--emulator`` switch and the progress display.

Every example calls :func:`prepare` before its own code runs. Without arguments nothing changes and
the example talks to the Cloud API with the credentials in ``PROFITBRICKS_USERNAME`` and
``PROFITBRICKS_PASSWORD``. With ``--emulator`` a local emulator is started in this process and
``PROFITBRICKS_USERNAME``, ``PROFITBRICKS_PASSWORD`` and ``PROFITBRICKS_API_URL`` are pointed at it,
so the example's code runs unchanged against it. The emulator stops when the process exits.

:func:`request_progress` draws one line per provisioning request while an example waits for it
(a ``rich`` spinner on a terminal, plain lines otherwise). It writes to standard error, so that
standard output carries only what the example prints (JSON that can be piped into other tools).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TextIO

from profitbricks.errors import PBTimeoutError

#: Progression of the emulator's provisioning requests when none is given on the command line.
DEFAULT_PROGRESSION = "seconds:1.0"

_running = contextlib.ExitStack()
atexit.register(_running.close)


def prepare(argv: Sequence[str] | None = None) -> Any:
    """Parse the example's command line; with ``--emulator`` start a local emulator.

    Returns the emulator handle (``.url``, ``.username``, ``.password``, ``.client``), or ``None``
    when the example is to use the Cloud API. ``argv`` defaults to ``sys.argv[1:]``.
    """
    parser = argparse.ArgumentParser(
        description="Runs against the ProfitBricks Cloud API with the credentials in "
        "PROFITBRICKS_USERNAME and PROFITBRICKS_PASSWORD, or against a local emulator."
    )
    parser.add_argument(
        "--emulator",
        action="store_true",
        help="start a local ProfitBricks emulator in this process and run against it",
    )
    parser.add_argument(
        "--progression",
        default=DEFAULT_PROGRESSION,
        metavar="POLICY",
        help="how the emulator's requests complete: 'immediate', 'polls:N' or 'seconds:T' "
        f"(default {DEFAULT_PROGRESSION})",
    )
    args = parser.parse_args(argv)
    if not args.emulator:
        return None
    try:
        from profitbricks.emulator.testing import running_emulator
    except ImportError as exc:
        parser.error(
            f"--emulator needs the emulator extra (pip install 'profitbricks[emulator]'): {exc}"
        )
    emu = _running.enter_context(running_emulator(progression=args.progression))
    os.environ["PROFITBRICKS_USERNAME"] = emu.username
    os.environ["PROFITBRICKS_PASSWORD"] = emu.password
    os.environ["PROFITBRICKS_API_URL"] = emu.url
    print(f"Using a local emulator at {emu.url}", file=sys.stderr, flush=True)
    return emu


def shutdown() -> None:
    """Stop an emulator started by :func:`prepare` (also done automatically at exit)."""
    _running.close()


def describe(response: Mapping[str, Any]) -> str:
    """Short label for the request behind ``response``: ``datacenter 'Web' (request 1a2b3c4d)``."""
    request = f"request {str(response.get('requestId', '?'))[:8]}"
    kind = response.get("type")
    if not kind:
        return request
    properties = response.get("properties") or {}
    name = properties.get("name") if isinstance(properties, Mapping) else None
    what = f"{kind} {name!r}" if name else str(kind)
    return f"{what} ({request})"


def _gave_up(exc: BaseException) -> str:
    return "TIMED OUT" if isinstance(exc, PBTimeoutError) else "FAILED"


def _status_of(document: Mapping[str, Any]) -> str:
    metadata = document.get("metadata") or {}
    return str(metadata.get("status", "?"))


def _use_rich(stream: TextIO) -> bool:
    if not stream.isatty():
        return False
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def _rich_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


_STATUS_STYLE = {
    "QUEUED": "yellow",
    "RUNNING": "cyan",
    "DONE": "green",
    "FAILED": "bold red",
    "TIMED OUT": "bold red",
}


@contextlib.contextmanager
def _rich_progress(label: str) -> Iterator[Callable[[Mapping[str, Any]], None]]:
    from rich.progress import Progress, SpinnerColumn, TextColumn

    def styled(status: str) -> str:
        return f"[{_STATUS_STYLE.get(status, 'white')}]{status}[/]"

    progress = Progress(
        SpinnerColumn(finished_text="[green]✓[/]"),
        TextColumn("{task.description}"),
        TextColumn("{task.fields[status]}"),
        TextColumn("[yellow]{task.elapsed:.1f}s"),
        console=_rich_console(),
    )
    with progress:
        task = progress.add_task(label, total=None, status=styled("QUEUED"))

        def on_poll(document: Mapping[str, Any]) -> None:
            progress.update(task, status=styled(_status_of(document)))

        try:
            yield on_poll
        except BaseException as exc:
            progress.update(task, status=styled(_gave_up(exc)))
            progress.stop_task(task)
            raise
        progress.update(task, total=1, completed=1, status=styled("DONE"))
        progress.stop_task(task)


@contextlib.contextmanager
def _plain_progress(label: str, stream: TextIO) -> Iterator[Callable[[Mapping[str, Any]], None]]:
    started = time.monotonic()
    last: list[str] = []

    def show(status: str) -> None:
        if last and last[-1] == status:
            return
        last.append(status)
        print(f"{label}: {status} ({time.monotonic() - started:.1f}s)", file=stream, flush=True)

    def on_poll(document: Mapping[str, Any]) -> None:
        show(_status_of(document))

    try:
        yield on_poll
    except BaseException as exc:
        show(_gave_up(exc))
        raise
    show("DONE")


@contextlib.contextmanager
def request_progress(
    response: Mapping[str, Any], stream: TextIO | None = None
) -> Iterator[Callable[[Mapping[str, Any]], None]]:
    """Show the progress of the request behind ``response`` while the block runs.

    Yields the ``on_poll`` callback to hand to ``ProfitBricksService.wait_for_completion``. Draws a
    ``rich`` spinner line (status QUEUED/RUNNING/DONE and elapsed time) when ``stream`` (default:
    standard error) is a terminal and ``rich`` is installed, else prints a plain line per change
    of status. An exception in the block marks the request FAILED (or TIMED OUT) and propagates.
    """
    out = sys.stderr if stream is None else stream
    label = describe(response)
    if stream is None and _use_rich(out):
        with _rich_progress(label) as on_poll:
            yield on_poll
    else:
        with _plain_progress(label, out) as on_poll:
            yield on_poll
