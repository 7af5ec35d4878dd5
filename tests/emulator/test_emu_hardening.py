"""Bad input is refused before anything changes (issue 7, item 1): each case answered 500 once.

In-process against the WSGI application, so that a header can carry what no HTTP server would
pass on and the state can be compared before and after.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from profitbricks.emulator import Emulator
from profitbricks.emulator import routes as routes_module
from profitbricks.emulator.control import MAX_SECONDS
from profitbricks.emulator.rules import um

from .wsgi_helpers import Answer, call, new_emulator, ok

DC = {"properties": {"name": "dc", "location": "us/las"}}


@pytest.fixture
def app() -> Iterator[Emulator]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(um, "_ITERATIONS", 1)
        yield new_emulator()


def _post(app: Emulator, path: str, text: str | bytes, **kw: Any) -> Answer:
    body = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
    return call(app, "POST", path, body=body, headers=headers, **kw)


def _error(answer: Answer, status: int) -> str:
    assert answer.status == status, (answer.status, answer.text[:300])
    doc = answer.json
    assert doc["httpStatus"] == status
    return str(doc["messages"][0]["message"])


def _everything(app: Emulator) -> list[Any]:
    """Every listing of the account at depth 5: each must answer 200."""
    docs = []
    for path in ("/datacenters", "/requests", "/um/users", "/um/groups", "/images", "/ipblocks"):
        answer = call(app, "GET", path, query="depth=5")
        assert answer.status == 200, (path, answer.status, answer.text[:300])
        docs.append(answer.json)
    return docs


# -- bodies ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"properties": {"name": "x\\ud800y", "location": "us/las"}}', "name"),
        (
            '{"properties": {"name": "dc", "description": "\\udfff", "location": "us/las"}}',
            "description",
        ),
        ('{"properties": {"name": "dc", "location": "us/las", "x\\ud800": 1}}', "x\\ud800"),
        (
            '{"properties": {"name": "dc", "location": "us/las"}, "entities": {"servers": '
            '{"items": [{"properties": {"name": "\\ud800", "cores": 1, "ram": 256}}]}}}',
            "name",
        ),
    ],
)
def test_a_lone_surrogate_is_422_and_nothing_is_stored(
    app: Emulator, body: str, field: str
) -> None:
    before = _everything(app)
    message = _error(_post(app, "/datacenters", body), 422)
    assert f"Attribute '{field}'" in message
    assert "lone surrogate" in message
    assert _everything(app) == before


def test_a_surrogate_pair_is_stored_and_listed(app: Emulator) -> None:
    created = _post(
        app, "/datacenters", '{"properties": {"name": "\\ud83d\\ude00", "location": "us/las"}}'
    )
    assert created.status == 202
    assert _everything(app)[0]["items"][0]["properties"]["name"] == "\U0001f600"


@pytest.mark.parametrize("digits", [21, 5_000])
def test_an_integer_of_too_many_digits_is_422(app: Emulator, digits: int) -> None:
    dc = ok(app, "POST", "/datacenters", DC)["id"]
    before = _everything(app)
    body = '{"properties": {"name": "v", "licenceType": "LINUX", "size": ' + "1" * digits + "}}"
    message = _error(_post(app, f"/datacenters/{dc}/volumes", body), 422)
    assert "[(root).properties.size] Attribute 'size' must be an integer of at most 20" in message
    assert _everything(app) == before


def test_json_nested_100000_deep_is_400(app: Emulator) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert "nested deeper" in _error(_post(app, "/datacenters", deep), 400)
    control = call(
        app,
        "POST",
        "/_emulator/config",
        body=deep.encode(),
        headers={"Content-Type": "application/json"},
        api=False,
        auth=None,
    )
    assert control.status == 400
    assert "nested deeper" in control.json["error"]


@pytest.mark.parametrize("number", ["1e400", "-1e400"])
def test_a_number_beyond_a_double_is_422(app: Emulator, number: str) -> None:
    dc = ok(app, "POST", "/datacenters", DC)["id"]
    body = '{"properties": {"name": "s", "cores": ' + number + ', "ram": 256}}'
    assert "Attribute 'cores' must be a finite number" in _error(
        _post(app, f"/datacenters/{dc}/servers", body), 422
    )


@pytest.mark.parametrize("query", ["depth=²", "depth=" + "1" * 5_000, "depth=٣", "depth=-1"])
def test_a_malformed_depth_is_the_default(app: Emulator, query: str) -> None:
    ok(app, "POST", "/datacenters", DC)
    answer = call(app, "GET", "/datacenters", query=query)
    assert answer.status == 200
    item = answer.json["items"][0]
    expanded = query == "depth=" + "1" * 5_000
    assert ("properties" in item) is expanded


# -- headers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", ["²", "1_0", "-1", " +4", "1" * 30, "0x10"])
def test_content_length_must_be_ascii_digits(app: Emulator, length: str) -> None:
    answer = call(app, "POST", "/datacenters", body=json.dumps(DC).encode(), content_length=length)
    assert "Content-Length" in _error(answer, 400)
    assert _everything(app)[0]["items"] == []


@pytest.mark.parametrize("host", ["exa mple", "h\x00st", "a" * 300, "évil.example", "x\r\ny"])
def test_a_host_that_cannot_go_into_hrefs_is_400(app: Emulator, host: str) -> None:
    answer = call(app, "GET", "/datacenters", headers={"Host": host})
    assert "Host" in _error(answer, 400)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8080", "[::1]:8080", "api.example.com"])
def test_ordinary_hosts_go_into_hrefs(app: Emulator, host: str) -> None:
    answer = call(app, "GET", "/datacenters", headers={"Host": host})
    assert answer.json["href"] == f"http://{host}/cloudapi/v4/datacenters"


def test_a_header_that_a_request_record_cannot_hold_is_400(app: Emulator) -> None:
    # No HTTP server passes this on (WSGI headers are latin-1); an in-process caller can.
    answer = _post(app, "/datacenters", json.dumps(DC), headers={"X-Trace": "a\ud800"})
    assert "X-Trace" in _error(answer, 400)
    assert _everything(app)[1]["items"] == []


# -- the control API's settings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"latency": 1e300}', "latency"),
        ('{"latency": 86401}', "latency"),
        ('{"latency": -1}', "latency"),
        ('{"delay": 1e300}', "delay"),
        ('{"rate_window": 1e300}', "rate_window"),
        ('{"rate_window": 0}', "rate_window"),
        ('{"progression": "seconds:1e300"}', "progression"),
        ('{"progression": "polls:' + "9" * 5_000 + '"}', "progression"),
        ('{"rate_limit": 10000000000}', "rate_limit"),
        ('{"seed": 1180591620717411303424}', "seed"),
        ('{"seed": ' + "1" * 5_000 + "}", "seed"),
        ('{"resource_limits": {"coresPerContract": 1e400}}', "resource_limits.coresPerContract"),
        ('{"fail_probability": 1e400}', "fail_probability"),
        ('{"x\\ud800": 1}', "x\\ud800"),
    ],
)
def test_out_of_range_settings_are_400_and_change_nothing(
    app: Emulator, body: str, field: str
) -> None:
    before = app.controls.settings()
    answer = call(
        app,
        "PATCH",
        "/_emulator/config",
        body=body.encode("utf-8", "surrogatepass"),
        headers={"Content-Type": "application/json"},
        api=False,
        auth=None,
    )
    assert answer.status == 400, answer.text
    doc = answer.json
    assert doc["field"] == field
    assert doc["httpStatus"] == 400
    assert doc["messages"][0]["message"] == doc["error"]
    assert app.controls.settings() == before
    assert call(app, "GET", "/datacenters").status == 200


def test_the_longest_durations_are_accepted(app: Emulator) -> None:
    settings = app.controls.update(
        {"rate_window": MAX_SECONDS, "progression": f"seconds:{MAX_SECONDS}"}
    )
    assert settings["rate_window"] == MAX_SECONDS
    assert settings["delay"] == MAX_SECONDS


# -- the WSGI entry -------------------------------------------------------------------------------


def test_an_error_outside_the_rules_is_the_api_500(
    app: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(method: str, path: str) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(routes_module, "match", broken)
    answer = call(app, "GET", "/datacenters")
    assert _error(answer, 500) == "Internal error of the emulator"


def test_an_error_in_the_control_api_is_a_500_body(
    app: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.controls, "settings", broken)
    answer = call(app, "GET", "/_emulator/config", api=False, auth=None)
    assert answer.status == 500
    assert answer.json["httpStatus"] == 500
    assert answer.json["error"] == "Internal error of the emulator"


def test_nothing_escapes_the_application(app: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(app, "_dispatch", broken)
    assert _error(call(app, "GET", "/datacenters"), 500) == "Internal error of the emulator"
