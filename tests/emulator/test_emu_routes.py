"""The routing table against the SDK's operation table and the API reference, and the answers
for what it does not serve: 404 (unknown path), 405 (known path, other method, with ``Allow``)
and 501 (a route of the real API that the emulator does not implement)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest

from profitbricks._operations import OPERATIONS
from profitbricks.emulator import routes
from profitbricks.emulator.errors import MethodNotAllowed, NotFound, NotImplementedRoute
from profitbricks.emulator.routes import ROUTES, UNIMPLEMENTED, Router, match

from .emu_helpers import Api

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# A value for each placeholder of the SDK's paths; ids that exist nowhere are fine, since
# routing comes before any lookup.
_SDK_VALUES = {
    "location_id": "us/las",
    "resource_type": "datacenter",
    "lan_id": "1",
}
_EMULATOR_VALUES = {"region": "us", "city": "las", "resource_type": "datacenter", "lan_id": "1"}

# Routes of the real API that the SDK does not call (OPERATIONS.md section 5, WIRE.md): each
# must be served or declared unimplemented.
_DOCUMENTED_BEYOND_THE_SDK = [
    ("GET", "/"),
    ("GET", "/locations/<region>"),
    *(
        ("PUT", path)
        for path in (
            "/datacenters/<dc_id>",
            "/datacenters/<dc_id>/servers/<srv_id>",
            "/datacenters/<dc_id>/volumes/<volume_id>",
            "/datacenters/<dc_id>/servers/<srv_id>/nics/<nic_id>",
            "/datacenters/<dc_id>/lans/<lan_id>",
            "/datacenters/<dc_id>/loadbalancers/<lb_id>",
            "/datacenters/<dc_id>/servers/<srv_id>/nics/<nic_id>/firewallrules/<rule_id>",
            "/snapshots/<snapshot_id>",
            "/images/<image_id>",
        )
    ),
]


def _sdk_path(template: str) -> str:
    def value(found: re.Match[str]) -> str:
        return _SDK_VALUES.get(found.group(1), str(uuid.uuid4()))

    return re.sub(r"\{(\w+)\}", value, template)


def _fill(template: str) -> str:
    def value(found: re.Match[str]) -> str:
        return _EMULATOR_VALUES.get(found.group(1), str(uuid.uuid4()))

    return re.sub(r"<(\w+)>", value, template)


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile(
        re.sub(r"<\w+>", "[^/]+", re.escape(template).replace(r"\<", "<").replace(r"\>", ">"))
        + r"/?\Z"
    )


_SERVED = [(method, path) for path, table in ROUTES for method in table]
_DECLARED = [(method, path) for path, methods in UNIMPLEMENTED for method in methods]


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_sdk_operation_has_a_route(name: str) -> None:
    operation = OPERATIONS[name]
    handler, _, kind, _ = match(operation.method, _sdk_path(operation.path))
    assert callable(handler)
    assert (kind == "") == (operation.method == "GET")


@pytest.mark.parametrize(("method", "template"), _DOCUMENTED_BEYOND_THE_SDK, ids=str)
def test_every_documented_route_is_served_or_declared(method: str, template: str) -> None:
    assert (method, template) in _SERVED or (method, template) in _DECLARED


def test_the_declared_unimplemented_routes_are_not_served() -> None:
    served_paths = {path for path, _ in ROUTES}
    for method, path in _DECLARED:
        assert (method, path) not in _SERVED
        # An unimplemented method hangs on a path the emulator knows, or nothing would say 405.
        assert path in served_paths


_OTHER_METHODS = [
    (method, path)
    for path, table in ROUTES
    for method in _METHODS
    if method not in table and (method, path) not in _DECLARED
]


@pytest.fixture
def declare(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], None]:
    """Serve the emulator with ``method`` on ``template`` declared unimplemented."""

    def declare(method: str, template: str) -> None:
        monkeypatch.setattr(
            routes, "ROUTER", Router(ROUTES, [*UNIMPLEMENTED, (template, (method,))])
        )

    return declare


@pytest.mark.parametrize(("method", "template"), _DECLARED + _OTHER_METHODS, ids=str)
def test_a_declared_route_answers_501_with_the_api_error_body(
    api: Api, declare: Callable[[str, str], None], method: str, template: str
) -> None:
    # Every route the table declares, and (to prove the mechanism on every path while the
    # declared list is empty) every path of the table with a method it does not take.
    declare(method, template)
    with pytest.raises(NotImplementedRoute):
        match(method, _fill(template))
    reply = api.call(method, _fill(template), {"properties": {}})
    assert reply.status == 501
    body = reply.json
    assert body["httpStatus"] == 501
    (message,) = body["messages"]
    assert message["errorCode"] == "501"
    shown = template.replace("<", "{").replace(">", "}")
    assert f"{method} {shown}" in message["message"]
    assert "not implement" in message["message"]
    # Another method the path does not take still answers 405, whose Allow leaves it out.
    other = next((m for m in _METHODS if m != method and (m, template) in _OTHER_METHODS), None)
    if other is not None:
        refused = api.call(other, _fill(template), {"properties": {}})
        assert refused.status == 405
        assert method not in {m.strip() for m in refused.headers["Allow"].split(",")}


@pytest.mark.parametrize(("method", "template"), _OTHER_METHODS, ids=str)
def test_a_known_path_with_another_method_is_405_with_allow(
    api: Api, method: str, template: str
) -> None:
    table = dict(ROUTES)[template]
    reply = api.call(method, _fill(template), {"properties": {}})
    assert reply.status == 405, reply.text
    assert reply.json["httpStatus"] == 405
    assert (
        reply.json["messages"][0]["message"] == f"Method {method} is not allowed on this resource"
    )
    allowed = {m.strip() for m in reply.headers["Allow"].split(",")}
    expected = set(table) | ({"HEAD"} if "GET" in table else set())
    assert allowed == expected
    # A route the emulator answers 501 for is not offered as allowed.
    assert not allowed & {m for m, p in _DECLARED if p == template}


_UNKNOWN = [
    path + suffix
    for path, _ in ROUTES
    for suffix in ("/no-such-route", "/no/such/route")
    if not any(_template_regex(other).match(path + suffix) for other, _ in ROUTES)
] + ["/datacenter", "/servers", "/um", "/um/nothing"]


@pytest.mark.parametrize("template", _UNKNOWN)
def test_an_unknown_path_is_404_with_the_api_error_body(api: Api, template: str) -> None:
    for method in ("GET", "POST"):
        reply = api.call(method, _fill(template))
        assert reply.status == 404, (method, template, reply.text)
        assert reply.json == {
            "httpStatus": 404,
            "messages": [{"errorCode": "309", "message": "Resource does not exist"}],
        }
    with pytest.raises(NotFound):
        match("GET", _fill(template))


def test_match_raises_method_not_allowed_with_the_served_methods() -> None:
    with pytest.raises(MethodNotAllowed) as caught:
        match("PUT", "/datacenters")
    assert caught.value.allowed == ["GET", "HEAD", "POST"]
