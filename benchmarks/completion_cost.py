"""What one Tab costs: a dynamic completer (a Python process per Tab) against static scripts.

The parser is the command line's own (``profitbricks.cli._app.build_parser``) when it is
installed, else one of the same shape built here from the operation table: every (resource, verb)
with its path ids, ``--depth`` and the resource's fields as options, and the global options. The
first line says which one was measured.

Rows (medians):

- ``python -c pass``: a bare interpreter, fresh process;
- ``dynamic completer, lower bound``: a fresh process that imports the SDK's operation table and
  builds the parser, which is what argcomplete does on every Tab before it even starts completing
  (it also imports itself and the CLI's modules, so the real figure is higher);
- ``generate script (<shell>)``: ``completion_script`` in one process, paid once at install;
- ``static script, per Tab (<shell>)``: the shtab script answering ``profitbricks server create
  --`` inside the shell (bash: the completion function, timed with ``$EPOCHREALTIME`` over a
  loop; zsh: the completion function timed inside an interactive zsh in a pseudo-terminal; fish:
  ``complete -C`` timed with fish's ``time`` over a loop); a shell that is not installed is
  skipped.

Run: ``python benchmarks/completion_cost.py [--runs 20]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import select
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROG = "profitbricks"
WORDS = [PROG, "server", "create", "--"]


def build_parser() -> tuple[argparse.ArgumentParser, str]:
    """The parser to measure and a line saying which one it is."""
    try:
        from profitbricks.cli._app import build_parser as real
    except ImportError:
        return table_shaped_parser(), "a parser of the CLI's shape built from the operation table"
    return real(), "the command line's parser (profitbricks.cli._app.build_parser)"


def table_shaped_parser() -> argparse.ArgumentParser:
    from profitbricks._operations import OPERATIONS

    root = argparse.ArgumentParser(prog=PROG)
    for flag in ("--profile", "--api-url", "--config-file", "--query", "--cols", "--timeout"):
        root.add_argument(flag, help=flag[2:])
    root.add_argument("-o", "--output", choices=["table", "json", "text"], help="format")
    for flag in ("--wait", "--debug", "--dry-run", "--yes", "--no-headers"):
        root.add_argument(flag, action="store_true", help=flag[2:])
    resources = root.add_subparsers(dest="resource")
    verbs: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for op in OPERATIONS.values():
        resource, verb = op.cli
        if resource not in verbs:
            verbs[resource] = resources.add_parser(resource, help=resource).add_subparsers()
        sub = verbs[resource].add_parser(verb, help=op.summary)
        names = [f for _, f, _, _ in string.Formatter().parse(op.path) if f]
        names += [q for q in op.query if q not in names]
        if op.resource is not None and dataclasses.is_dataclass(op.resource):
            names += [f.name for f in dataclasses.fields(op.resource) if f.name not in names]
        for name in names:
            sub.add_argument("--" + name.replace("_", "-"), help=name)
    return root


def median_ms(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


BASH = r"""
source "$1"
spec=$(complete -p profitbricks); fn=${spec##*-F }; fn=${fn%% *}
COMP_WORDS=(profitbricks server create --); COMP_CWORD=3
COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
for run in $(seq "$2"); do
  start=$EPOCHREALTIME
  for i in $(seq 20); do COMPREPLY=(); "$fn" profitbricks -- create; done
  echo $(( (${EPOCHREALTIME/./} - ${start/./}) / 20 ))
done
"""

FISH = r"""
source $argv[1]
for run in (seq $argv[2])
  time for i in (seq 20); complete -C 'profitbricks server create --' >/dev/null; end
end
"""

ZSHRC = r"""
bindkey -e
unsetopt AUTO_LIST LIST_AMBIGUOUS BEEP
zmodload zsh/datetime
autoload -Uz compinit && compinit -u -D
eval "$(<{script})"
functions[_pb_timed]=$functions[_shtab_profitbricks]
_shtab_profitbricks () {{
  local start=$EPOCHREALTIME
  _pb_timed "$@"
  print $(( (EPOCHREALTIME - start) * 1000000 )) >> {times}
}}
PROMPT='READY> '
"""


def bash_per_tab_ms(script: Path, runs: int) -> float:
    out = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", BASH, "bash", str(script), str(runs)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return statistics.median(int(x) for x in out.split()) / 1000


def fish_per_tab_ms(script: Path, runs: int) -> float:
    err = subprocess.run(
        ["fish", "--no-config", "-c", FISH, str(script), str(runs)],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    values = []
    for number, unit in re.findall(r"Executed in\s+([\d.]+)\s+(\w+)", err):
        scale = {"micros": 0.001, "millis": 1.0, "secs": 1000.0}[unit]
        values.append(float(number) * scale / 20)
    return statistics.median(values)


def zsh_per_tab_ms(script: Path, runs: int) -> float:
    tmp = script.parent
    times, marker = tmp / "times", tmp / "done"
    (tmp / ".zshrc").write_text(ZSHRC.format(script=script, times=times), encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp), "ZDOTDIR": str(tmp)}
    env["TERM"] = "xterm"
    master, slave = os.openpty()
    child = subprocess.Popen(
        ["zsh", "-d", "-i"], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=tmp,
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 120

    def pump(ready: object) -> None:
        nonlocal seen
        while not ready():  # type: ignore[operator]
            if time.monotonic() > deadline:
                raise SystemExit(f"zsh did not answer: {seen[-300:]!r}")
            if select.select([master], [], [], 0.05)[0]:
                seen += os.read(master, 65536)

    try:
        pump(lambda: b"READY> " in seen)
        keys = "profitbricks server create --\t\x15" * runs + f"print done > {marker}\n"
        os.write(master, keys.encode())
        pump(marker.exists)
        os.write(master, b"exit\n")
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        os.close(master)
    return statistics.median(float(x) for x in times.read_text().split()) / 1000


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--runs", type=int, default=20)
    runs = cli.parse_args().runs
    parser, which = build_parser()
    print(f"parser: {which}")
    print(f"python -c pass: {median_ms([sys.executable, '-c', 'pass'], runs):.1f} ms")
    here = str(Path(__file__).parent)
    build = (
        f"import sys; sys.path.insert(0, {here!r}); import completion_cost as c; c.build_parser()"
    )
    dynamic = median_ms([sys.executable, "-c", build], runs)
    print(f"dynamic completer, lower bound (start + import + build parser): {dynamic:.1f} ms/Tab")

    from profitbricks.cli._completion import completion_script

    measure = {"bash": bash_per_tab_ms, "zsh": zsh_per_tab_ms, "fish": fish_per_tab_ms}
    for shell, per_tab in measure.items():
        start = time.perf_counter()
        script = completion_script(shell, parser, PROG)
        generate = (time.perf_counter() - start) * 1000
        print(f"generate script ({shell}): {generate:.0f} ms, {len(script) // 1024} KiB")
        if shutil.which(shell) is None:
            print(f"static script, per Tab ({shell}): skipped, {shell} not installed")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{PROG}.{shell}"
            path.write_text(script, encoding="utf-8")
            print(f"static script, per Tab ({shell}): {per_tab(path, runs):.1f} ms")


if __name__ == "__main__":
    main()
