"""The SDK guide's examples (examples/*.py), run as written against the emulator.

Each example runs in this process against the ``emulator`` fixture (its credentials and URL in
the environment, exactly as a user would set them), and the test checks both what it printed and
what the emulator holds afterwards. The ``--emulator`` switch is checked by running every example
as a script in a subprocess, the way the README tells users to.
"""

from __future__ import annotations

import io
import json
import os
import re
import runpy
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from profitbricks.client import Datacenter, ProfitBricksService
from profitbricks.errors import PBFailedRequest, PBTimeoutError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SPEC_IMAGE = "0d4f97f0-1689-11e7-97ce-525400f64d8d"
RUNNABLE = [
    "list_datacenters.py",
    "search_images.py",
    "reserve_ipblock.py",
    "component_build.py",
    "composite_build.py",
]

RunExample = Callable[..., "pytest.CaptureResult[str]"]


@pytest.fixture
def examples_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make ``import common`` / ``import _runner`` find the examples' modules, freshly imported."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    for name in ("common", "_runner"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    yield
    for name in ("common", "_runner"):
        sys.modules.pop(name, None)


@pytest.fixture
def run_example(
    emulator: Any,
    examples_path: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> RunExample:
    """Run ``examples/<name>`` as __main__ against the fixture's emulator; return its output."""
    monkeypatch.setenv("PROFITBRICKS_USERNAME", emulator.username)
    monkeypatch.setenv("PROFITBRICKS_PASSWORD", emulator.password)
    monkeypatch.setenv("PROFITBRICKS_API_URL", emulator.url)

    def run(name: str, *argv: str) -> pytest.CaptureResult[str]:
        path = EXAMPLES / name
        monkeypatch.setattr(sys, "argv", [str(path), *argv])
        capsys.readouterr()
        runpy.run_path(str(path), run_name="__main__")
        return capsys.readouterr()

    return run


def _items(document: dict[str, Any], collection: str) -> list[dict[str, Any]]:
    return list(document["entities"][collection]["items"])


def _by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["properties"]["name"]: item for item in items}


def _check_built_datacenter(
    datacenter: dict[str, Any], nic_names: set[str], client: ProfitBricksService | None = None
) -> None:
    """The data center both build examples make: one server with two volumes, a public LAN 1.

    With ``client``, also checks the firewall rule's properties in the emulator.
    """
    assert datacenter["type"] == "datacenter"
    assert datacenter["properties"]["name"] == "Python SDK Data Center"
    assert datacenter["properties"]["location"] == "us/las"
    (server,) = _items(datacenter, "servers")
    assert server["properties"]["name"] == "Python SDK Server"
    assert server["properties"]["cores"] == 4
    assert server["properties"]["ram"] == 4096
    assert server["properties"]["cpuFamily"] == "INTEL_XEON"

    volumes = _by_name(_items(server, "volumes"))
    assert set(volumes) == {"System Volume", "Data Volume"}
    system, data = volumes["System Volume"]["properties"], volumes["Data Volume"]["properties"]
    assert system["image"] == SPEC_IMAGE
    assert system["size"] == 20
    assert system["type"] == "HDD"
    assert system["imagePassword"] is None
    assert data["size"] == 100
    assert data["type"] == "SSD"
    assert data["licenceType"] == "OTHER"
    assert {v["id"] for v in _items(datacenter, "volumes")} == {v["id"] for v in volumes.values()}

    nics = _by_name(_items(server, "nics"))
    assert set(nics) == nic_names
    public = nics["Public NIC"]
    assert public["properties"]["lan"] == 1
    assert public["properties"]["firewallActive"] is True
    # depth 5 shows the NIC's firewall rules as references only (their properties need depth 6)
    (rule,) = _items(public, "firewallrules")
    assert rule["type"] == "firewall-rule"
    if client is not None:
        properties = client.get_firewall_rule(
            datacenter["id"], server["id"], public["id"], rule["id"]
        )["properties"]
        assert properties["name"] == "Allow SSH"
        assert properties["protocol"] == "TCP"
        assert properties["sourceIp"] == "0.0.0.0"
        assert (properties["portRangeStart"], properties["portRangeEnd"]) == (22, 22)

    lans = {lan["id"]: lan for lan in _items(datacenter, "lans")}
    assert lans["1"]["properties"]["public"] is True
    assert lans["1"]["properties"]["name"] == "Public LAN"
    assert public["id"] in {nic["id"] for nic in _items(lans["1"], "nics")}


# --- the examples, in process ------------------------------------------------------------------


def test_list_datacenters_prints_the_accounts_datacenters(
    emulator: Any, run_example: RunExample
) -> None:
    created = emulator.client.create_datacenter(Datacenter(name="Existing", location="de/fra"))

    out = run_example("list_datacenters.py").out

    printed = json.loads(out)
    assert printed["type"] == "collection"
    assert [item["id"] for item in printed["items"]] == [created["id"]]


def test_search_images_prints_ubuntu_hdd_images_in_de_fkb(
    emulator: Any, run_example: RunExample
) -> None:
    out = run_example("search_images.py").out

    printed = {tuple(line.split("\t")) for line in out.splitlines()}
    expected = {
        (image["id"], image["properties"]["name"], "de/fkb")
        for image in emulator.client.list_images(depth=1)["items"]
        if image["properties"]["location"] == "de/fkb"
        and image["properties"]["imageType"] == "HDD"
        and "ubuntu" in image["properties"]["name"].lower()
    }
    assert expected
    assert printed == expected


def test_reserve_ipblock_prints_the_reply_and_reserves_five_addresses(
    emulator: Any, run_example: RunExample
) -> None:
    out = run_example("reserve_ipblock.py").out

    printed = json.loads(out)
    assert printed["requestId"]
    assert printed["type"] == "ipblock"
    assert printed["properties"]["location"] == "us/las"
    assert printed["properties"]["size"] == 5
    (block,) = emulator.client.list_ipblocks(depth=1)["items"]
    assert block["id"] == printed["id"]
    assert len(block["properties"]["ips"]) == 5


def test_component_build_provisions_each_component_and_prints_the_datacenter(
    emulator: Any, run_example: RunExample
) -> None:
    captured = run_example("component_build.py")

    printed = json.loads(captured.out)
    _check_built_datacenter(printed, {"Public NIC"})
    (datacenter,) = emulator.client.list_datacenters(depth=1)["items"]
    assert datacenter["id"] == printed["id"]
    live = emulator.client.get_datacenter(printed["id"], depth=5)
    _check_built_datacenter(live, {"Public NIC"}, emulator.client)
    # one progress line per awaited request: dc, lan, server, nic, rule, 2 volumes, 2 attaches
    assert captured.err.count(": DONE (") == 9


def test_composite_build_provisions_everything_in_one_request(
    emulator: Any, run_example: RunExample
) -> None:
    captured = run_example("composite_build.py")

    printed = json.loads(captured.out)
    _check_built_datacenter(printed, {"Public NIC", "Private NIC"})
    (datacenter,) = emulator.client.list_datacenters(depth=1)["items"]
    assert datacenter["id"] == printed["id"]
    live = emulator.client.get_datacenter(printed["id"], depth=5)
    _check_built_datacenter(live, {"Public NIC", "Private NIC"}, emulator.client)
    private = _by_name(_items(_items(live, "servers")[0], "nics"))["Private NIC"]
    assert private["properties"]["lan"] == 2
    assert {lan["id"] for lan in _items(live, "lans")} == {"1", "2"}
    assert captured.err.count(": DONE (") == 2


# --- common.wait_for_completion ---------------------------------------------------------------


def _create_datacenter(client: ProfitBricksService) -> dict[str, Any]:
    return dict(client.create_datacenter(Datacenter(name="Waiting", location="us/las")))


@pytest.mark.parametrize("response", [None, {}])
def test_wait_for_completion_returns_at_once_for_a_falsy_response(
    emulator: Any,
    examples_path: None,
    capsys: pytest.CaptureFixture[str],
    response: dict[str, Any] | None,
) -> None:
    from common import wait_for_completion

    assert wait_for_completion(emulator.client, response, 10) is None
    assert capsys.readouterr().err == ""


def test_wait_for_completion_shows_each_status_until_done(
    emulator: Any, examples_path: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from common import wait_for_completion

    emulator.configure(progression="polls:3")
    response = _create_datacenter(emulator.client)

    wait_for_completion(emulator.client, response, 30)

    lines = capsys.readouterr().err.splitlines()
    label = f"datacenter 'Waiting' (request {response['requestId'][:8]})"
    assert all(line.startswith(f"{label}: ") for line in lines)
    statuses = [line[len(label) + 2 :].rsplit(" (", 1)[0] for line in lines]
    assert statuses[-1] == "DONE"
    assert len(statuses) >= 2
    assert set(statuses[:-1]) <= {"QUEUED", "RUNNING"}
    assert len(statuses) == len(set(statuses))
    status = emulator.client.get_request(response["requestId"], status=True)
    assert status["metadata"]["status"] == "DONE"


def test_wait_for_completion_raises_when_the_request_failed(
    emulator: Any, examples_path: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from common import wait_for_completion

    emulator.configure(fail_probability=1.0)
    response = _create_datacenter(emulator.client)

    with pytest.raises(Exception, match=r"^Request [-0-9a-f]+ failed to complete: ") as info:
        wait_for_completion(emulator.client, response, 30)

    assert isinstance(info.value, PBFailedRequest)
    assert info.value.request_id == response["requestId"]
    assert str(info.value).startswith(f"Request {response['requestId']} failed to complete: ")
    assert capsys.readouterr().err.rstrip().rsplit(": ", 1)[1].startswith("FAILED (")


def test_wait_for_completion_raises_after_the_timeout(
    emulator: Any, examples_path: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from common import wait_for_completion

    emulator.configure(progression="polls:100000")
    response = _create_datacenter(emulator.client)

    with pytest.raises(Exception, match=r"^Timed out waiting for request ") as info:
        wait_for_completion(emulator.client, response, 0.05)

    assert isinstance(info.value, PBTimeoutError)
    assert str(info.value) == f"Timed out waiting for request {response['requestId']}."
    assert "TIMED OUT (" in capsys.readouterr().err


def test_progress_draws_a_rich_line_on_a_terminal(
    emulator: Any, examples_path: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import _runner
    from common import wait_for_completion
    from rich.console import Console

    screen = io.StringIO()
    monkeypatch.setattr(_runner, "_use_rich", lambda stream: True)
    monkeypatch.setattr(
        _runner, "_rich_console", lambda: Console(file=screen, force_terminal=True, width=120)
    )
    response = _create_datacenter(emulator.client)

    wait_for_completion(emulator.client, response, 30)

    drawn = screen.getvalue()
    assert "\x1b[" in drawn  # a live display, not plain lines
    assert f"datacenter 'Waiting' (request {response['requestId'][:8]})" in drawn
    assert "DONE" in drawn
    assert re.search(r"DONE\S* \S*\d+\.\ds", drawn)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_falls_back_to_plain_lines_without_rich(
    examples_path: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import _runner

    assert _runner._use_rich(_Terminal()) is True
    assert _runner._use_rich(io.StringIO()) is False
    monkeypatch.setitem(sys.modules, "rich", None)  # makes ``import rich`` raise ImportError
    assert _runner._use_rich(_Terminal()) is False


def test_describe_labels_requests_with_and_without_a_resource() -> None:
    sys.path.insert(0, str(EXAMPLES))
    try:
        import _runner
    finally:
        sys.path.remove(str(EXAMPLES))

    assert _runner.describe({"requestId": "0123456789abcdef"}) == "request 01234567"
    labelled = {"requestId": "feedc0de-0000", "type": "lan", "properties": {"name": "Public"}}
    assert _runner.describe(labelled) == "lan 'Public' (request feedc0de)"
    assert _runner.describe({"requestId": "ab", "type": "share", "properties": {}}) == (
        "share (request ab)"
    )


# --- the --emulator switch ---------------------------------------------------------------------


def test_prepare_without_arguments_changes_nothing(
    examples_path: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import _runner

    monkeypatch.setenv("PROFITBRICKS_API_URL", "https://api.example.invalid/cloudapi/v4")

    assert _runner.prepare([]) is None
    assert os.environ["PROFITBRICKS_API_URL"] == "https://api.example.invalid/cloudapi/v4"


def test_prepare_with_emulator_points_the_environment_at_a_running_emulator(
    examples_path: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import _runner

    for name in ("PROFITBRICKS_USERNAME", "PROFITBRICKS_PASSWORD", "PROFITBRICKS_API_URL"):
        monkeypatch.setenv(name, "unset")
    try:
        emu = _runner.prepare(["--emulator", "--progression", "immediate"])
        assert os.environ["PROFITBRICKS_API_URL"] == emu.url
        assert emu.url.startswith("http://127.0.0.1:")
        client = ProfitBricksService(
            username=os.environ["PROFITBRICKS_USERNAME"],
            password=os.environ["PROFITBRICKS_PASSWORD"],
        )
        assert client.list_datacenters()["items"] == []
        assert f"Using a local emulator at {emu.url}" in capsys.readouterr().err
    finally:
        _runner.shutdown()


def _run_script(name: str, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PROFITBRICKS_") and key not in {"FORCE_COLOR", "TTY_COMPATIBLE"}
    }
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.mark.parametrize("name", RUNNABLE)
def test_example_runs_as_a_script_with_emulator(name: str, tmp_path: Path) -> None:
    result = _run_script(name, "--emulator", "--progression", "polls:2", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("Using a local emulator at http://127.0.0.1:")
    if name == "search_images.py":
        lines = result.stdout.splitlines()
        assert lines
        assert all(line.endswith("\tde/fkb") and "ubuntu" in line.lower() for line in lines)
    else:
        printed = json.loads(result.stdout)  # progress must not leak into standard output
        assert isinstance(printed, dict)
    if name == "component_build.py":
        _check_built_datacenter(printed, {"Public NIC"})
        assert result.stderr.count(": DONE (") == 9
        assert ": QUEUED (" in result.stderr or ": RUNNING (" in result.stderr


def test_composite_build_main_job_with_the_default_progression(tmp_path: Path) -> None:
    result = _run_script("composite_build.py", "--emulator", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    _check_built_datacenter(json.loads(result.stdout), {"Public NIC", "Private NIC"})
    progress = result.stderr.splitlines()[1:]
    assert [line.split(": ")[-1].split(" (")[0] for line in progress][-1] == "DONE"
    assert sum(line.endswith("s)") and ": DONE (" in line for line in progress) == 2
    assert progress[0].startswith("datacenter 'Python SDK Data Center' (request ")


def test_example_rejects_an_unknown_option(tmp_path: Path) -> None:
    result = _run_script("list_datacenters.py", "--bogus", cwd=tmp_path)

    assert result.returncode == 2
    assert "unrecognized arguments: --bogus" in result.stderr
