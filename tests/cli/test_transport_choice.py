"""Which transport the command line's client uses: the http.client connection for a single
command, the pooled urllib3 transport for bulk runs and behind a proxy."""

from __future__ import annotations

import argparse
import subprocess
import sys
import warnings
from typing import Any

import pytest

from profitbricks._simple_transport import SimpleTransport
from profitbricks._transport import HttpTransport
from profitbricks.cli._commands import make_client
from profitbricks.errors import CleartextCredentialsWarning
from profitbricks.resources import Datacenter

from .conftest import Cli


@pytest.fixture
def dc_id(cli: Cli) -> str:
    client = cli.emulator.client
    created = client.create_datacenter(Datacenter(name="gamma", location="us/las"))
    client.wait_for_completion(created)
    return str(created["id"])


def _args(api_url: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(profile=None, api_url=api_url, config_file=None)


def test_a_single_command_talks_through_one_http_client_connection(cli: Cli) -> None:
    with make_client(_args()) as client:
        assert isinstance(client.transport, SimpleTransport)
        assert client.transport.base_url == cli.emulator.url
        assert client.list_datacenters()["items"] == []


def test_bulk_runs_share_the_pooled_transport(cli: Cli) -> None:
    with make_client(_args(), pooled=True) as client:
        assert isinstance(client.transport, HttpTransport)


def test_a_proxy_keeps_the_pooled_transport(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with make_client(_args("https://api.example.invalid/cloudapi/v4")) as client:
        assert client.proxy == "http://127.0.0.1:9"
        assert isinstance(client.transport, HttpTransport)


def test_no_proxy_for_the_host_uses_the_http_client_connection(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "example.invalid")
    with make_client(_args("https://api.example.invalid/cloudapi/v4")) as client:
        assert isinstance(client.transport, SimpleTransport)


def test_plain_http_to_another_host_still_warns_once(cli: Cli) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = make_client(_args("http://api.example.invalid/cloudapi/v4"))
    client.close()
    assert [type(w.message) for w in caught] == [CleartextCredentialsWarning]
    assert isinstance(client.transport, SimpleTransport)


def test_a_bulk_create_runs_on_the_pooled_transport(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    for cls in (HttpTransport, SimpleTransport):
        original = cls.send

        def counted(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            sent.append(type(self).__name__)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "send", counted)
    result = cli("datacenter", "create", "--name", "dc-{i}", "--location", "us/las",
                 "--count", "3", "-o", "json")  # fmt: skip
    assert result.code == 0, result.err
    assert sent == ["HttpTransport"] * 3
    listed = cli.emulator.client.list_datacenters(depth=1)["items"]
    assert sorted(dc["properties"]["name"] for dc in listed) == ["dc-1", "dc-2", "dc-3"]


@pytest.mark.parametrize(
    "argv",
    [
        ["datacenter", "list"],
        ["datacenter", "get", "DC"],
        ["datacenter", "update", "DC", "--name", "renamed", "--wait"],
        ["lan", "create", "--datacenter-id", "DC", "--name", "l", "--wait"],
    ],
    ids=["list", "get", "update-wait", "create-wait"],
)
def test_single_commands_never_import_urllib3(cli: Cli, dc_id: str, argv: list[str]) -> None:
    argv = [dc_id if arg == "DC" else arg for arg in argv]
    code = (
        "import sys\n"
        "from profitbricks.cli import main\n"
        f"code = main({argv!r})\n"
        "print('urllib3' in sys.modules, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=cli.env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "False"
    assert done.stdout
