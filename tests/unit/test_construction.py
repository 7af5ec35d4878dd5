"""What a client refuses or warns about when it is built: base URLs, headers, clear-text links."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from profitbricks.client import (
    CleartextCredentialsWarning,
    PBConfigurationError,
    PBValidationError,
    ProfitBricksService,
)

from .recorder import Recorder


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PROFITBRICKS_USERNAME", "PROFITBRICKS_PASSWORD", "PROFITBRICKS_API_URL"):
        monkeypatch.delenv(name, raising=False)


def build(**kwargs: Any) -> ProfitBricksService:
    kwargs.setdefault("username", "u")
    kwargs.setdefault("password", "p")
    return ProfitBricksService(use_config=False, use_keyring=False, **kwargs)


# Base URLs


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::1/cloudapi/v4", "Invalid IPv6 URL"),
        ("api.profitbricks.com/cloudapi/v4", "no scheme"),
        ("ftp://api.profitbricks.com/cloudapi/v4", "must be http or https"),
        ("file:///etc/passwd", "must be http or https"),
        ("https://", "no host"),
        ("https:///cloudapi/v4", "no host"),
        ("https://api.profitbricks.com:99999/cloudapi/v4", "Port out of range"),
        ("https://api.profitbricks.com:port/cloudapi/v4", "Port could not be cast"),
        ("https://api.profit bricks.com/cloudapi/v4", "whitespace or control characters"),
        ("https://api.profitbricks.com/cloudapi/v4\r\nX: y", "whitespace or control"),
        ("https://api.profitbricks.com/cloudapi/v4?depth=1", "query or a fragment"),
        ("https://api.profitbricks.com/cloudapi/v4#top", "query or a fragment"),
    ],
)
def test_an_unusable_base_url_is_refused_at_construction(url: str, reason: str) -> None:
    with pytest.raises(PBConfigurationError, match="unusable API base URL") as info:
        build(host_base=url)
    assert reason in str(info.value)


def test_a_base_url_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROFITBRICKS_API_URL", "gopher://api.example.com/v4")
    with pytest.raises(PBConfigurationError, match="must be http or https"):
        build()


def test_a_refused_url_with_credentials_is_not_shown() -> None:
    with pytest.raises(PBConfigurationError) as info:
        build(host_base="ftp://jane:TopSecret@api.example.com/")
    assert "TopSecret" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.profitbricks.com/cloudapi/v4/", "https://api.profitbricks.com/cloudapi/v4"),
        ("HTTPS://api.profitbricks.com/cloudapi/v4", "https://api.profitbricks.com/cloudapi/v4"),
        ("  https://h:8443/v4  ", "https://h:8443/v4"),
        ("http://[::1]:8080/cloudapi/v4", "http://[::1]:8080/cloudapi/v4"),
    ],
)
def test_a_usable_base_url_is_normalised(url: str, expected: str) -> None:
    assert build(host_base=url).host_base == expected


# Headers


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"X-Trace": "a\r\nX-Injected: 1"}, "X-Trace"),
        ({"X-Trace": "a\nb"}, "X-Trace"),
        ({"X-Trace": "a\rb"}, "X-Trace"),
        ({"X-Trace": "a\0b"}, "X-Trace"),
        ({"X Trace": "a"}, "X Trace"),
        ({"X-Trace:": "a"}, "X-Trace:"),
        ({"": "a"}, "''"),
        ({"X-Count": 3}, "X-Count"),
    ],
)
def test_a_header_that_cannot_be_sent_is_refused_at_construction(
    headers: dict[str, Any], named: str
) -> None:
    with pytest.raises(PBValidationError) as info:
        build(headers=headers)
    assert named in str(info.value)


def test_a_user_agent_with_a_line_break_is_refused() -> None:
    with pytest.raises(PBValidationError, match="User-Agent"):
        build(client_user_agent="tool/1.0\r\nX-Injected: 1")


def test_a_header_changed_later_is_refused_before_sending() -> None:
    headers = {"X-Trace": "ok"}
    recorder = Recorder()
    client = build(headers=headers, transport=recorder)
    client.list_datacenters()
    headers["X-Trace"] = "bad\r\nX-Injected: 1"
    with pytest.raises(PBValidationError, match="X-Trace"):
        client.list_datacenters()
    assert len(recorder.calls) == 1


# Clear text


@pytest.mark.parametrize(
    "url",
    [
        "http://api.profitbricks.com/cloudapi/v4",
        "http://10.0.0.5:8080/cloudapi/v4",
        "http://emulator.internal/cloudapi/v4",
        "http://[2001:db8::1]/cloudapi/v4",
    ],
)
def test_plain_http_to_another_host_warns_once(url: str) -> None:
    with pytest.warns(CleartextCredentialsWarning, match="unencrypted") as caught:
        build(host_base=url)
    assert len(caught) == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://api.profitbricks.com/cloudapi/v4",
        "http://127.0.0.1:8080/cloudapi/v4",
        "http://127.3.2.1/cloudapi/v4",
        "http://localhost:8080/cloudapi/v4",
        "http://LOCALHOST/cloudapi/v4",
        "http://emulator.localhost/cloudapi/v4",
        "http://[::1]:8080/cloudapi/v4",
    ],
)
def test_https_and_loopback_stay_silent(url: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build(host_base=url)


def test_the_warning_can_be_filtered_by_its_class() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", CleartextCredentialsWarning)
        build(host_base="http://api.profitbricks.com/cloudapi/v4")
    assert caught == []


def test_a_given_transport_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build(host_base="http://emulator.invalid/cloudapi/v4", transport=Recorder())
