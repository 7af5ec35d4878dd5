"""Which proxy the SDK uses: the argument, else the environment read once, never for loopback."""

from __future__ import annotations

import pytest

from profitbricks._config import resolve_proxy
from profitbricks.client import ProfitBricksService

API = "https://api.profitbricks.com/cloudapi/v4"
_VARS = ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _VARS:
        monkeypatch.delenv(name, raising=False)


def test_no_proxy_by_default() -> None:
    assert resolve_proxy(API, None) is None


def test_argument_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://env-proxy:3128")
    assert resolve_proxy(API, "http://arg-proxy:8080") == "http://arg-proxy:8080"
    assert resolve_proxy(API, "") is None


@pytest.mark.parametrize("name", ["https_proxy", "HTTPS_PROXY"])
def test_https_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "http://proxy.corp:3128")
    assert resolve_proxy(API, None) == "http://proxy.corp:3128"
    assert resolve_proxy("http://api.example.com/cloudapi/v4", None) is None


def test_http_proxy_for_an_http_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.corp:3128")
    assert resolve_proxy("http://api.example.com:8080/cloudapi/v4", None) == (
        "http://proxy.corp:3128"
    )


@pytest.mark.parametrize(
    ("no_proxy", "proxied"),
    [
        ("profitbricks.com", False),
        (".profitbricks.com", False),
        ("api.profitbricks.com", False),
        ("example.com, *", False),
        ("other.com,notprofitbricks.com", True),
        ("", True),
    ],
)
def test_no_proxy_matches_hosts_and_subdomains(
    monkeypatch: pytest.MonkeyPatch, no_proxy: str, proxied: bool
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert (resolve_proxy(API, None) is not None) is proxied


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/cloudapi/v4", "http://localhost/cloudapi/v4", "http://[::1]:80/x"],
)
def test_loopback_is_never_proxied(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.corp:3128")
    assert resolve_proxy(url, None) is None


def test_the_service_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    client = ProfitBricksService("u", "p", use_config=False, use_keyring=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://changed:1")
    assert client.proxy == "http://proxy.corp:3128"
