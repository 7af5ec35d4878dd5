"""ProfitBricksService construction: credentials, base URL, headers, user agent, transport."""

from __future__ import annotations

import pytest

from profitbricks import __version__
from profitbricks._transport import HttpTransport
from profitbricks.client import PBConfigurationError, ProfitBricksService

from .recorder import Recorder


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PROFITBRICKS_USERNAME", "PROFITBRICKS_PASSWORD", "PROFITBRICKS_API_URL"):
        monkeypatch.delenv(name, raising=False)


def _offline(**kwargs: object) -> ProfitBricksService:
    return ProfitBricksService(use_config=False, use_keyring=False, **kwargs)  # type: ignore[arg-type]


def test_missing_credentials_fail_at_construction() -> None:
    with pytest.raises(PBConfigurationError, match="username and password"):
        _offline()


def test_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROFITBRICKS_USERNAME", "env-user")
    monkeypatch.setenv("PROFITBRICKS_PASSWORD", "env-pass")
    client = _offline()
    assert client.username == "env-user"
    assert "env-pass" not in repr(client)


def test_repr_shows_user_and_url_but_never_the_password() -> None:
    client = _offline(username="jane", password="Sup3rS3cret", host_base="http://127.0.0.1:1/v4")
    assert repr(client) == "ProfitBricksService(username='jane', host_base='http://127.0.0.1:1/v4')"


def test_base_url_from_argument_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _offline(username="u", password="p").host_base.startswith("https://api.profitbricks")
    monkeypatch.setenv("PROFITBRICKS_API_URL", "http://127.0.0.1:8080/cloudapi/v4/")
    assert _offline(username="u", password="p").host_base == "http://127.0.0.1:8080/cloudapi/v4"
    explicit = _offline(username="u", password="p", host_base="http://localhost:9/x")
    assert explicit.host_base == "http://localhost:9/x"


def test_headers_dict_is_kept_by_reference() -> None:
    headers = {"X-One": "1"}
    client = _offline(username="u", password="p", headers=headers)
    assert client.headers is headers
    assert _offline(username="u", password="p").headers == {}


def test_user_agent() -> None:
    plain = _offline(username="u", password="p")
    assert plain.user_agent == f"profitbricks-sdk-python/{__version__}"
    prefixed = _offline(username="u", password="p", client_user_agent="tool/1.0")
    assert prefixed.user_agent == f"tool/1.0 profitbricks-sdk-python/{__version__}"


def test_http_transport_is_made_on_first_use_and_replaced_after_close() -> None:
    client = _offline(username="u", password="p", host_base="http://127.0.0.1:9/cloudapi/v4")
    transport = client.transport
    assert isinstance(transport, HttpTransport)
    assert transport.base_url == "http://127.0.0.1:9/cloudapi/v4"
    assert client.transport is transport
    client.close()
    assert client.transport is not transport
    client.close()


def test_given_transport_needs_no_credentials_and_is_closed_on_exit() -> None:
    transport = Recorder()
    with _offline(transport=transport) as client:
        assert client.transport is transport
        assert client.list_datacenters() == {}
    assert transport.closed


def test_validate_switch() -> None:
    assert _offline(username="u", password="p").validate is True
    assert _offline(username="u", password="p", validate=False).validate is False
