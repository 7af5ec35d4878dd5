"""The command line as a process: in a real pseudo-terminal (prompts, progress, colour,
Ctrl+C), in a pipe closed early, and as a plain subprocess."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from profitbricks.client import Datacenter

from .conftest import PROFITBRICKS, Cli

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")


class Terminal:
    """``profitbricks`` with stdin and stderr on a pseudo-terminal (stdout too unless piped)."""

    def __init__(self, argv: list[str], env: dict[str, str], *, pipe_stdout: bool) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [*PROFITBRICKS, *argv],
            stdin=slave,
            stdout=subprocess.PIPE if pipe_stdout else slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.seen = b""

    def read_until(self, needle: bytes, timeout: float = 20.0) -> bytes:
        deadline = time.monotonic() + timeout
        while needle not in self.seen:
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not seen; last output: {self.seen[-300:]!r}")
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk
        return self.seen

    def finish(self, timeout: float = 20.0) -> tuple[int, bytes]:
        stdout = b""
        if self.proc.stdout is not None:
            stdout = self.proc.stdout.read()
            self.proc.stdout.close()
        code = self.proc.wait(timeout)
        try:
            while chunk := os.read(self.master, 4096):
                self.seen += chunk
        except OSError:
            pass
        os.close(self.master)
        return code, stdout


@pytest.fixture
def dc_id(cli: Cli) -> str:
    client = cli.emulator.client
    created = client.create_datacenter(Datacenter(name="beta", location="us/las"))
    client.wait_for_completion(created)
    return str(created["id"])


@pytest.mark.parametrize(
    ("answer", "deleted"), [(b"\r", False), (b"n\r", False), (b"y\r", True), (b"yes\r", True)]
)
def test_delete_prompt_names_the_resource_and_defaults_to_no(
    cli: Cli, dc_id: str, answer: bytes, deleted: bool
) -> None:
    term = Terminal(["datacenter", "delete", dc_id], cli.env(), pipe_stdout=False)
    term.read_until(f"Delete datacenter 'beta' ({dc_id})? This cannot be undone. [y/N]".encode())
    os.write(term.master, answer)
    code, _ = term.finish()
    assert code == (0 if deleted else 2)
    names = [d["id"] for d in cli.emulator.client.list_datacenters()["items"]]
    assert (dc_id not in names) is deleted


def test_progress_on_the_terminal_and_only_the_document_on_stdout(cli: Cli, dc_id: str) -> None:
    cli.emulator.configure(progression="polls:3")
    argv = ["datacenter", "update", dc_id, "--name", "renamed", "--wait", "-o", "json"]
    term = Terminal(argv, cli.env(), pipe_stdout=True)
    code, stdout = term.finish()
    assert code == 0, term.seen
    assert b"request " in term.seen
    assert b"DONE" in term.seen
    assert json.loads(stdout)["properties"]["name"] == "renamed"


def test_no_progress_without_a_terminal(cli: Cli, dc_id: str) -> None:
    cli.emulator.configure(progression="polls:3")
    argv = ["datacenter", "update", dc_id, "--name", "renamed", "--wait", "-o", "json"]
    done = subprocess.run([*PROFITBRICKS, *argv], env=cli.env(), capture_output=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, b"")


def test_ctrl_c_while_waiting_prints_the_pending_request(cli: Cli, dc_id: str) -> None:
    cli.emulator.configure(progression="polls:100000")
    term = Terminal(
        ["datacenter", "update", dc_id, "--name", "x", "--wait"], cli.env(), pipe_stdout=True
    )
    term.read_until(b"request ")
    os.killpg(term.proc.pid, signal.SIGINT)
    code, _stdout = term.finish()
    assert code == 130
    pending = cli.emulator.client.list_requests(depth=1)["items"][0]["id"]
    assert f"requests still pending: {pending}".encode() in term.seen
    assert b"Traceback" not in term.seen


@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False)])
def test_colour_only_on_a_terminal_without_no_color(
    cli: Cli, dc_id: str, no_color: str | None, coloured: bool
) -> None:
    env = cli.env()
    if no_color is not None:
        env["NO_COLOR"] = no_color
    term = Terminal(["datacenter", "list"], env, pipe_stdout=False)
    code, _ = term.finish()
    assert code == 0
    assert (b"\x1b[" in term.seen) is coloured
    piped = subprocess.run(
        [*PROFITBRICKS, "datacenter", "list"], env=cli.env(), capture_output=True, timeout=60
    )
    assert b"\x1b[" not in piped.stdout


def test_closed_pipe_ends_quietly(cli: Cli) -> None:
    client = cli.emulator.client
    # About 1.8 kB each at depth 3: far more than a pipe holds, so the write meets the closed end.
    for n in range(90):
        client.create_datacenter(Datacenter(name=f"dc{n:03}", location="us/las"))
    proc = subprocess.Popen(
        [*PROFITBRICKS, "datacenter", "list", "-o", "json", "--depth", "3"],
        env=cli.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(60) == 0
    assert err == b""


def test_subprocess_sample(cli: Cli, dc_id: str) -> None:
    env: dict[str, Any] = cli.env()
    listed = subprocess.run(
        [*PROFITBRICKS, "datacenter", "list", "-o", "text", "--cols", "id"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, dc_id + "\n", "")
    missing = subprocess.run(
        [*PROFITBRICKS, "datacenter", "get", "nope"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1
    assert missing.stderr.startswith("profitbricks: error: 404")
    assert missing.stdout == ""
    unconfirmed = subprocess.run(
        [*PROFITBRICKS, "datacenter", "delete", dc_id],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
    )
    assert unconfirmed.returncode == 2
    env.pop("PROFITBRICKS_PASSWORD")
    env["HOME"] = "/nonexistent"
    env["XDG_CONFIG_HOME"] = "/nonexistent"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    nocreds = subprocess.run(
        [*PROFITBRICKS, "datacenter", "list"], env=env, capture_output=True, text=True, timeout=60
    )
    assert nocreds.returncode == 5, nocreds.stderr


@pytest.mark.parametrize(
    ("argv", "absent"),
    [
        (["--version"], ("argparse", "urllib3", "profitbricks.client", "profitbricks._operations")),
        (
            ["datacenter", "list"],
            ("rich", "jmespath", "profitbricks.aio", "aiohttp", "profitbricks.resources",
             "profitbricks.emulator", "dataclasses", "urllib3"),
        ),
        (
            ["datacenter", "list", "--query", "items", "-o", "json"],
            ("rich", "profitbricks.aio", "urllib3"),
        ),
    ],
)  # fmt: skip
def test_heavy_modules_load_only_when_used(
    cli: Cli, dc_id: str, argv: list[str], absent: tuple[str, ...]
) -> None:
    code = (
        "import sys\n"
        "from profitbricks.cli import main\n"
        f"code = main({argv!r})\n"
        f"loaded = [m for m in {absent!r} if m in sys.modules]\n"
        "print(loaded, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=cli.env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "[]"


def test_ctrl_c_during_a_bulk_wait_lists_every_submitted_request(cli: Cli, dc_id: str) -> None:
    cli.emulator.configure(progression="polls:100000")
    argv = ["server", "create", "--datacenter-id", dc_id, "--count", "3", "--name", "s-{i}",
            "--cores", "1", "--ram", "1024", "--wait"]  # fmt: skip
    term = Terminal(argv, cli.env(), pipe_stdout=True)
    term.read_until(b"3 submitted")
    os.killpg(term.proc.pid, signal.SIGINT)
    code, _ = term.finish()
    assert code == 130
    requests = cli.emulator.client.list_requests(depth=1)["items"][:3]
    line = term.seen.split(b"requests still pending: ", 1)[1].split(b"\r\n", 1)[0]
    assert sorted(line.decode().split()) == sorted(r["id"] for r in requests)
    assert term.seen.count(b"pending") == 1
    assert b"Traceback" not in term.seen


def test_delete_prompt_is_not_shown_for_a_missing_resource(cli: Cli) -> None:
    term = Terminal(["datacenter", "delete", "no-such-dc"], cli.env(), pipe_stdout=False)
    code, _ = term.finish()
    assert code == 1
    assert b"404" in term.seen
    assert b"[y/N]" not in term.seen
