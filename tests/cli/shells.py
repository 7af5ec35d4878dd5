"""Run a completion script in a real shell and collect what it offers for a command line.

``candidates(shell, script, prog, words)`` loads ``script`` into ``shell`` (bash, zsh or fish),
asks it to complete ``words`` (the last word is the one being completed, ``""`` for a new one) and
returns the words offered. It works for any script and program name, so the real command line's
parser can be checked the same way as a test tree.

- bash: the function registered with ``complete -F`` for ``prog`` is called with ``COMP_WORDS``,
  ``COMP_CWORD``, ``COMP_LINE`` and ``COMP_POINT`` set; ``COMPREPLY`` is printed.
- zsh: an interactive ``zsh`` in a pseudo-terminal loads ``compinit`` and evaluates the script
  (``eval "$(profitbricks completion zsh)"``, as a user's ``.zshrc`` would), the line is
  typed followed by Tab, and a ``compadd`` wrapper records every match the completion adds.
- fish: ``complete -C LINE`` prints the candidates.
"""

from __future__ import annotations

import argparse
import os
import select
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

TIMEOUT = 30.0

_BASH = r"""
source "$1"; shift
spec=$(complete -p "$1") || exit 3
fn=${spec##*-F }; fn=${fn%% *}
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""

_ZSHRC = r"""
bindkey -e
unsetopt AUTO_LIST LIST_AMBIGUOUS BEEP
autoload -Uz compinit && compinit -u -D
eval "$(<{script})"
compadd () {{
  local arg
  for arg in "$@"; do
    [[ $arg == (-|--) ]] && break
    # compadd calls that only compute matches into arrays are internal to the helpers.
    [[ $arg == -[OAD]* ]] && {{ builtin compadd "$@"; return }}
  done
  local -a hits
  builtin compadd -A hits "$@"
  (( ${{#hits}} )) && print -rl -- "${{hits[@]}}" >> {out}
  builtin compadd "$@"
}}
PROMPT='READY> '
"""


def available(shell: str) -> bool:
    return shutil.which(shell) is not None


def candidates(shell: str, script: str, prog: str, words: list[str]) -> list[str]:
    """The sorted, distinct words ``shell`` offers when completing the command line ``words``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{prog}.{shell}"
        path.write_text(script, encoding="utf-8")
        if shell == "bash":
            out = _run(["bash", "--norc", "--noprofile", "-c", _BASH, "bash", str(path), *words])
        elif shell == "fish":
            line = " ".join(shlex.quote(w) for w in words[:-1]) + " " + words[-1]
            command = f"source {shlex.quote(str(path))}; complete -C $argv[1]"
            out = _run(["fish", "--no-config", "-c", command, line])
            out = "\n".join(row.split("\t", 1)[0] for row in out.splitlines())
        elif shell == "zsh":
            out = _zsh(Path(tmp), path, words)
        else:
            raise ValueError(shell)
    return sorted({word for word in out.splitlines() if word})


def _run(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{argv[0]} exited {done.returncode}: {done.stderr}")
    return done.stdout


def _zsh(tmp: Path, script: Path, words: list[str]) -> str:
    out, marker = tmp / "matches", tmp / "done"
    (tmp / ".zshrc").write_text(
        _ZSHRC.format(script=shlex.quote(str(script)), out=shlex.quote(str(out))),
        encoding="utf-8",
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp), "ZDOTDIR": str(tmp)}
    env["TERM"] = "xterm"
    master, slave = os.openpty()
    child = subprocess.Popen(
        ["zsh", "-d", "-i"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=tmp,
        start_new_session=True,
    )
    os.close(slave)
    seen = bytearray()
    deadline = time.monotonic() + TIMEOUT
    try:
        _wait(master, seen, deadline, lambda: b"READY> " in seen)
        line = " ".join(shlex.quote(w) for w in words[:-1]) + " " + words[-1]
        # Typed in order: the completion ends before ^U (kill the line) and the next command.
        keys = f"{line}\t\x15print -r done > {shlex.quote(str(marker))}\n"
        os.write(master, keys.encode())
        _wait(master, seen, deadline, marker.exists)
        os.write(master, b"exit\n")
        child.wait(timeout=TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)
    return out.read_text(encoding="utf-8") if out.exists() else ""


def _wait(fd: int, seen: bytearray, deadline: float, ready: object) -> None:
    assert callable(ready)
    while not ready():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"zsh did not answer in time; terminal: {bytes(seen)[-500:]!r}")
        readable, _, _ = select.select([fd], [], [], min(remaining, 0.05))
        if readable:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                raise AssertionError(f"zsh ended early; terminal: {bytes(seen)[-500:]!r}")
            seen += chunk


class Level(NamedTuple):
    """What completing after ``path`` (subcommand names below the program) must and must not offer.

    ``commands``/``hidden_commands``: the visible and hidden subcommands; ``options``/
    ``hidden_options``: the visible and hidden long options; ``choices``: the choices of each
    visible option that has some.
    """

    path: tuple[str, ...]
    commands: frozenset[str]
    hidden_commands: frozenset[str]
    options: frozenset[str]
    hidden_options: frozenset[str]
    choices: dict[str, frozenset[str]]


def levels(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Level]:
    """Every visible (sub)command of ``parser``'s tree, at any depth, with what it must offer.

    A subcommand is visible when its parent's help lists it (an entry whose help is not
    ``argparse.SUPPRESS``); an option when its help is not ``argparse.SUPPRESS``.
    """
    commands: set[str] = set()
    hidden: set[str] = set()
    children: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            listed = {a.dest for a in action._choices_actions if a.help != argparse.SUPPRESS}
            for name, child in action.choices.items():
                (commands if name in listed else hidden).add(name)
                if name in listed:
                    children[name] = child
    options: set[str] = set()
    hidden_options: set[str] = set()
    choices: dict[str, frozenset[str]] = {}
    for action in parser._actions:
        longs = [s for s in action.option_strings if s.startswith("--")]
        if action.help == argparse.SUPPRESS:
            hidden_options.update(longs)
            continue
        options.update(longs)
        if action.choices is not None and longs:
            for name in longs:
                choices[name] = frozenset(str(c) for c in action.choices)
    yield Level(
        path,
        frozenset(commands),
        frozenset(hidden - commands),
        frozenset(options),
        frozenset(hidden_options - options),
        choices,
    )
    for name, child in sorted(children.items()):
        yield from levels(child, (*path, name))
