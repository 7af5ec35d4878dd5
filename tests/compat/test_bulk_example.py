"""examples/bulk_build.py, run as a script against its own emulator, as the README shows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bulk_build.py"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PROFITBRICKS_")}


def test_bulk_build_builds_100_servers_and_prints_a_summary(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(EXAMPLE),
            "--emulator",
            "--servers",
            "100",
            "--progression",
            "seconds:1",
        ],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["servers_requested"] == summary["servers_built"] == 100
    assert len(set(summary["server_ids"])) == 100
    assert summary["failures"] == []
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Using a local emulator at http://127.0.0.1:")
    assert "submitted 100/100, running 0, done 100, failed 0" in result.stderr
    assert lines[-1].startswith("Built 100 of 100 servers in ")


def test_ctrl_c_lists_the_requests_already_submitted(tmp_path: Path) -> None:
    # The data center takes 3 s, each server 3 s more: Ctrl+C while the servers are provisioned.
    command = ["--emulator", "--servers", "12", "--progression", "seconds:3"]
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLE), *command],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    seen = ""
    while "submitted 12/12" not in seen and time.monotonic() < deadline:
        seen += process.stderr.readline()
    assert "submitted 12/12" in seen, seen
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert out == ""
    assert "Stopped. 12 request(s) were already submitted" in err
    listed = err.split("were already submitted:")[1].split("\n  ")[1:]
    assert len({line.strip() for line in listed}) == 12
