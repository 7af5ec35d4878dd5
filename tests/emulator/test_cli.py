"""``python -m profitbricks.emulator``: prints URL and credentials, serves, stops cleanly."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import urllib3

from profitbricks.emulator.__main__ import main, parse_limit, parse_user

URL = re.compile(r"(http://\S+/cloudapi/v4)")
ACCOUNT = re.compile(r"user (\S+)\s+password (\S+)")
START_TIMEOUT = 30.0


class Running:
    def __init__(self, process: subprocess.Popen[str], url: str, accounts: list[tuple[str, str]]):
        self.process = process
        self.url = url
        self.accounts = accounts


StartCli = Callable[..., Running]


def _read_banner(
    process: subprocess.Popen[str], accounts: int
) -> tuple[str, list[tuple[str, str]]]:
    assert process.stdout is not None
    url = ""
    found: list[tuple[str, str]] = []
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and (not url or len(found) < accounts):
        line = process.stdout.readline()
        if not line:
            break
        if match := URL.search(line):
            url = match.group(1)
        elif match := ACCOUNT.search(line):
            found.append((match.group(1), match.group(2)))
    assert url, "the emulator printed no base URL"
    return url, found


@pytest.fixture
def start_cli() -> Iterator[StartCli]:
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str, accounts: int = 1, command: list[str] | None = None) -> Running:
        program = command or [sys.executable, "-m", "profitbricks.emulator"]
        process = subprocess.Popen(
            [*program, "--port", "0", "--quiet", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        url, found = _read_banner(process, accounts)
        return Running(process, url, found)

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def _get(url: str, username: str, password: str) -> urllib3.BaseHTTPResponse:
    headers = urllib3.make_headers(basic_auth=f"{username}:{password}")
    return urllib3.request("GET", url, headers=headers, retries=False, timeout=10)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serves_and_stops_cleanly_on_signal(start_cli: StartCli, signum: int) -> None:
    running = start_cli("--user", "jane@example.com:s3cret", "--delay", "0")
    assert running.accounts == [("jane@example.com", "s3cret")]
    assert running.url.startswith("http://127.0.0.1:")
    reply = _get(running.url + "/datacenters", "jane@example.com", "s3cret")
    assert reply.status == 200
    assert json.loads(reply.data)["type"] == "collection"
    assert _get(running.url + "/datacenters", "jane@example.com", "wrong").status == 401
    running.process.send_signal(signum)
    _out, err = running.process.communicate(timeout=15)
    assert running.process.returncode == 0
    assert "Traceback" not in err


def test_console_script(start_cli: StartCli) -> None:
    script = Path(sys.executable).with_name("profitbricks-emulator")
    if not script.exists():
        pytest.skip("the package is not installed with its console script")
    running = start_cli("--user", "s@example.com:pw", command=[str(script)])
    assert _get(running.url + "/locations", "s@example.com", "pw").status == 200
    running.process.terminate()
    running.process.communicate(timeout=15)
    assert running.process.returncode == 0


def test_several_users_and_demo_account(start_cli: StartCli) -> None:
    running = start_cli("--user", "a@example.com:pw-a", "--user", "b@example.com:pw:b", accounts=2)
    assert running.accounts == [("a@example.com", "pw-a"), ("b@example.com", "pw:b")]
    for username, password in running.accounts:
        assert _get(running.url + "/datacenters", username, password).status == 200

    demo = start_cli()
    ((username, password),) = demo.accounts
    assert "@" in username
    assert _get(demo.url + "/datacenters", username, password).status == 200


def test_limit_flags_set_the_contract_limits(start_cli: StartCli) -> None:
    running = start_cli(
        "--user",
        "l@example.com:pw",
        "--progression",
        "immediate",
        "--limit",
        "coresPerContract=2",
        "--limit",
        "reservableIps=7",
    )
    contract = json.loads(_get(running.url + "/contracts", "l@example.com", "pw").data)
    limits = contract["properties"]["resourceLimits"]
    assert (limits["coresPerContract"], limits["reservableIps"]) == (2, 7)
    assert limits["coresPerServer"] == 62
    headers = urllib3.make_headers(basic_auth="l@example.com:pw")
    dc = urllib3.request(
        "POST",
        running.url + "/datacenters",
        json={"properties": {"name": "d", "location": "us/las"}},
        headers=headers,
        retries=False,
        timeout=10,
    )
    server = {"properties": {"cores": 3, "ram": 256}}
    url = f"{running.url}/datacenters/{dc.json()['id']}/servers"
    refused = urllib3.request("POST", url, json=server, headers=headers, retries=False, timeout=10)
    assert refused.status == 422
    assert "coresPerContract=2" in refused.json()["messages"][0]["message"]


def test_parse_limit() -> None:
    assert parse_limit("coresPerContract=100_000") == ("coresPerContract", 100_000)
    assert parse_limit(" reservableIps = 0") == ("reservableIps", 0)
    for text, words in (
        ("coresPerContract", "KEY=N"),
        ("=5", "KEY=N"),
        ("cores=5", "unknown resource limit 'cores'"),
        ("coresPerContract=-1", "integer >= 0"),
        ("coresPerContract=many", "integer >= 0"),
    ):
        with pytest.raises(argparse.ArgumentTypeError, match=words):
            parse_limit(text)


def test_public_url_is_printed(start_cli: StartCli) -> None:
    running = start_cli("--public-url", "http://emulator.example:9000/cloudapi/v4")
    assert running.url == "http://emulator.example:9000/cloudapi/v4"


@pytest.mark.parametrize(
    "value", ["jane@example.com", "jane:secret", "@example.com:x", "jane@example.com:"]
)
def test_bad_user_is_a_usage_error(value: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "profitbricks.emulator", "--port", "0", "--user", value],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "EMAIL:PASSWORD" in result.stderr
    assert result.stdout == ""


def test_parse_user_never_repeats_the_password() -> None:
    with pytest.raises(Exception, match="EMAIL:PASSWORD") as excinfo:
        parse_user("no-at-sign:hunter22")
    assert "hunter22" not in str(excinfo.value)
    assert parse_user("x@y.z:a:b") == ("x@y.z", "a:b")
    with pytest.raises(Exception, match="empty password"):
        parse_user("x@y.z:")


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "70000"],
        ["--fail-probability", "1.5"],
        ["--error-probability", "-1"],
        ["--latency", "soon"],
        ["--rate-limit", "-3"],
        ["--rate-limit", "many"],
        ["--rate-window", "0"],
        ["--progression", "later"],
        ["--delay", "1", "--progression", "immediate"],
        ["--threads", "0"],
        ["--header-timeout", "0"],
        ["--body-timeout", "-1"],
        ["--idle-timeout", "inf"],
        ["--connection-limit", "0"],
        ["--connection-limit", "many"],
        ["--limit", "coresPerContract"],
        ["--limit", "nope=1"],
        ["--limit", "ramPerServer=-256"],
    ],
)
def test_bad_options_are_usage_errors(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["--port", "0", *args])
    assert excinfo.value.code == 2
    assert "error" in capsys.readouterr().err


def test_port_in_use_returns_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port), "--quiet"]) == 1
    assert "cannot listen" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_main_in_process_until_sigint(capsys: pytest.CaptureFixture[str]) -> None:
    port = _free_port()
    outcome: dict[str, int] = {}

    def client() -> None:
        url = f"http://127.0.0.1:{port}/cloudapi/v4/locations"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                reply = _get(url, "jane@example.com", "pw")
            except urllib3.exceptions.HTTPError:
                time.sleep(0.02)
                continue
            outcome["status"] = reply.status
            break
        os.kill(os.getpid(), signal.SIGINT)

    helper = threading.Thread(target=client)
    helper.start()
    code = main(
        [
            "--port",
            str(port),
            "--user",
            "jane@example.com:pw",
            "--progression",
            "polls:1",
            "--seed",
            "3",
            "--rate-limit",
            "100",
            "--rate-window",
            "2",
            "--fail-probability",
            "0",
            "--error-probability",
            "0",
            "--latency",
            "0",
            "--threads",
            "2",
            "--header-timeout",
            "5",
            "--body-timeout",
            "5",
            "--idle-timeout",
            "60",
            "--connection-limit",
            "50",
        ]
    )
    helper.join()
    assert code == 0
    assert outcome["status"] == 200
    out, err = capsys.readouterr()
    assert f"http://127.0.0.1:{port}/cloudapi/v4" in out
    assert "user jane@example.com  password pw" in out
    assert "polls:1" in err
    assert "stopped" in err


def test_server_limit_flags_and_their_defaults() -> None:
    from profitbricks.emulator.__main__ import build_parser
    from profitbricks.emulator.server import ServerLimits

    defaults = build_parser().parse_args([])
    limits = ServerLimits()
    assert (
        defaults.header_timeout,
        defaults.body_timeout,
        defaults.idle_timeout,
        defaults.connection_limit,
    ) == (limits.header_timeout, limits.body_timeout, limits.idle_timeout, limits.connection_limit)
    flags = "--header-timeout 2.5 --body-timeout 7 --idle-timeout 9 --connection-limit 64"
    given = build_parser().parse_args(flags.split())
    assert (given.header_timeout, given.body_timeout, given.idle_timeout) == (2.5, 7.0, 9.0)
    assert given.connection_limit == 64
