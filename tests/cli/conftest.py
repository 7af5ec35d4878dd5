"""Running the command line in-process (``run(argv, io)``) and in a subprocess, against the
session's emulator."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest

from profitbricks.cli._app import run
from profitbricks.cli._console import Console


class Result(NamedTuple):
    code: int
    out: str
    err: str


class Cli:
    """Calls ``profitbricks`` in-process with the emulator's URL and credentials in the
    environment, capturing its streams."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator

    def __call__(self, *argv: str, stdin: str = "") -> Result:
        out, err = io.StringIO(), io.StringIO()
        console = Console(io.StringIO(stdin), out, err, environ={})
        code = run(list(argv), console)
        return Result(code, out.getvalue(), err.getvalue())

    def env(self) -> dict[str, str]:
        """The environment of a subprocess that talks to the emulator."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROFITBRICKS_")}
        env.pop("NO_COLOR", None)
        # Streams buffered as a user's shell has them: unbuffered, a write that a closed pipe
        # cut short can go unnoticed.
        env.pop("PYTHONUNBUFFERED", None)
        env.update(
            PROFITBRICKS_USERNAME=self.emulator.username,
            PROFITBRICKS_PASSWORD=self.emulator.password,
            PROFITBRICKS_API_URL=self.emulator.url,
            TERM="xterm",
        )
        return env


@pytest.fixture
def cli(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.setenv("PROFITBRICKS_USERNAME", emulator.username)
    monkeypatch.setenv("PROFITBRICKS_PASSWORD", emulator.password)
    monkeypatch.setenv("PROFITBRICKS_API_URL", emulator.url)
    monkeypatch.delenv("PROFITBRICKS_PROFILE", raising=False)
    return Cli(emulator)


#: The console script's command: the interpreter running the tests, on the package.
PROFITBRICKS = [sys.executable, "-m", "profitbricks.cli"]
