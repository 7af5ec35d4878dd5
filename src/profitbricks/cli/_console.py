"""The streams a command reads and writes, and what they are connected to.

Every command handler gets a :class:`Console`: output goes to ``stdout``, progress, prompts and
errors to ``stderr``. Colour is used only on a terminal and never when ``NO_COLOR`` is set
(https://no-color.org: any non-empty value).
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

__all__ = ["Console"]

_RED = "\033[31m"
_BOLD = "\033[1m"
_RESET = "\033[0m"


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Console:
    """``stdin``, ``stdout`` and ``stderr`` with their terminal flags.

    ``isatty_stdin``/``isatty_stdout``/``isatty_stderr`` tell which streams are terminals;
    ``color`` is True when stdout may be coloured, ``color_stderr`` the same for stderr (both
    False with ``NO_COLOR`` set or ``TERM=dumb``).
    """

    def __init__(
        self,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        environ: dict[str, str] | None = None,
    ) -> None:
        self.stdin: TextIO = stdin if stdin is not None else sys.stdin
        self.stdout: TextIO = stdout if stdout is not None else sys.stdout
        self.stderr: TextIO = stderr if stderr is not None else sys.stderr
        env = os.environ if environ is None else environ
        self.isatty_stdin = _isatty(self.stdin)
        self.isatty_stdout = _isatty(self.stdout)
        self.isatty_stderr = _isatty(self.stderr)
        no_color = bool(env.get("NO_COLOR")) or env.get("TERM") == "dumb"
        self.color = self.isatty_stdout and not no_color
        self.color_stderr = self.isatty_stderr and not no_color

    @property
    def interactive(self) -> bool:
        """True when a person can answer a prompt: stdin and stderr are terminals."""
        return self.isatty_stdin and self.isatty_stderr

    def out(self, text: str) -> None:
        """Write ``text`` and a newline to stdout."""
        self.stdout.write(text + "\n")

    def bold(self, text: str) -> str:
        """``text`` in bold when stdout is coloured."""
        return f"{_BOLD}{text}{_RESET}" if self.color else text

    def note(self, text: str) -> None:
        """Write an informational line to stderr."""
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def error(self, text: str) -> None:
        """Write ``profitbricks: error: text`` on one line to stderr (red on a terminal)."""
        line = " ".join(text.split("\n"))
        prefix = "profitbricks: error:"
        if self.color_stderr:
            prefix = f"{_RED}{prefix}{_RESET}"
        self.stderr.write(f"{prefix} {line}\n")
        self.stderr.flush()

    def ask(self, question: str) -> str:
        """Print ``question`` on stderr and return the line read from stdin ("" at end of input)."""
        self.stderr.write(question)
        self.stderr.flush()
        return self.stdin.readline().strip()
