"""A mutating call that fails half-way leaves the state as it was (issue 7, item 1).

For every mutating route of the routing table, the rule is made to fail after it has done its
work: the answer must be the API's 500 and every listing of both accounts the same as before,
down to the ids generated next. The same call without the failure changes the listings, so
each case would notice a missing rollback.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from profitbricks.emulator import Emulator
from profitbricks.emulator import app as app_module
from profitbricks.emulator import routes as routes_module
from profitbricks.emulator.results import Echo, EchoNode
from profitbricks.emulator.routes import ROUTES
from profitbricks.emulator.rules import um
from profitbricks.emulator.rules.base import Call, Result
from profitbricks.emulator.state import Checkpoint, records_of

from .wsgi_helpers import (
    CREATE_BODIES,
    OTHER,
    Answer,
    build_world,
    call,
    fill,
    listing_routes,
    new_emulator,
)

_MUTATING = [(path, method) for path, table in ROUTES for method in table if method != "GET"]


@pytest.fixture(autouse=True)
def _cheap_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(um, "_ITERATIONS", 1)
        yield


def _kind(template: str) -> str:
    literal = [part for part in template.split("/") if part and not part.startswith("<")]
    return literal[-1]


def _candidates(template: str, world: dict[str, list[str]]) -> list[tuple[bytes, str]]:
    """Bodies to try, in order: the family's create body, a rename, each id, form fields."""
    kind = _kind(template)
    bodies: list[tuple[bytes, str]] = []
    if kind in CREATE_BODIES:
        bodies.append((json.dumps(CREATE_BODIES[kind]).encode(), "application/json"))
        bodies.append((json.dumps(CREATE_BODIES[kind]["properties"]).encode(), "application/json"))
    bodies.append((b'{"name": "renamed"}', "application/json"))
    for ids in world.values():
        for value in ids:
            bodies.append((json.dumps({"id": value}).encode(), "application/json"))
    form = "application/x-www-form-urlencoded"
    bodies.append((b"name=snap", form))
    bodies.append((f"snapshotId={world['snapshot_id'][0]}".encode(), form))
    bodies.append((b"", ""))
    return bodies


def _fresh() -> tuple[Emulator, dict[str, list[str]]]:
    app = new_emulator()
    return app, build_world(app)


def _send(app: Emulator, method: str, path: str, body: bytes, content_type: str) -> Answer:
    headers = {"Content-Type": content_type} if content_type else {}
    return call(app, method, path, body=body, headers=headers)


def _fingerprint(app: Emulator, world: dict[str, list[str]]) -> list[Any]:
    values = {name: ids[0] for name, ids in world.items()}
    docs: list[Any] = []
    for template in listing_routes():
        answer = call(app, "GET", fill(template, values), query="depth=5")
        docs.append((template, answer.status, answer.json))
    for path in ("/datacenters", "/um/users", "/requests"):
        docs.append((path, call(app, "GET", path, query="depth=5", auth=OTHER).json))
    return docs


def _paths(template: str, world: dict[str, list[str]]) -> list[str]:
    """``template`` filled with every combination of the world's ids for its parameters."""
    names = [part[1:-1] for part in template.split("/") if part.startswith("<")]
    return [
        fill(template, dict(zip(names, combination, strict=True)))
        for combination in itertools.product(*(world[name] for name in names))
    ]


def _accepted(template: str, method: str) -> tuple[str, bytes, str]:
    """(path, body, content type) of a call of this route that the rule carries out."""
    _, world = _fresh()
    for path in _paths(template, world):
        for body, content_type in _candidates(template, world):
            app, _ = _fresh()
            if _send(app, method, path, body, content_type).status in (200, 202):
                return path, body, content_type
    raise AssertionError(f"no call found that {method} {template} carries out")


def _failing_after(handler: Callable[..., Result]) -> Callable[..., Result]:
    def fail(call: Call, **args: str) -> Result:
        handler(call, **args)
        raise RuntimeError("the rule broke after doing its work")

    return fail


Undo = Callable[[], None]


@pytest.fixture
def patch_handler() -> Iterator[Callable[..., Undo]]:
    """Replace the rule of a route by ``wrap(rule)``; returns a function that puts it back."""
    undos: list[Undo] = []

    def patch(template: str, method: str, wrap: Callable[..., Callable[..., Result]]) -> Undo:
        original = routes_module.ROUTER
        table = {
            path: {
                m: wrap(rule) if (path, m) == (template, method) else rule for m, rule in t.items()
            }
            for path, t in routes_module.ROUTES
        }
        routes_module.ROUTER = routes_module.Router(
            list(table.items()), routes_module.UNIMPLEMENTED
        )

        def undo() -> None:
            routes_module.ROUTER = original

        undos.append(undo)
        return undo

    yield patch
    for undo in reversed(undos):
        undo()


@pytest.mark.parametrize(("template", "method"), _MUTATING, ids=lambda v: str(v))
def test_a_failing_call_changes_nothing(
    template: str, method: str, patch_handler: Callable[..., Undo]
) -> None:
    path, body, content_type = _accepted(template, method)

    # Carried out, the call changes what the listings show.
    changed, world = _fresh()
    unchanged = _fingerprint(changed, world)
    assert _send(changed, method, path, body, content_type).status in (200, 202)
    assert _fingerprint(changed, world) != unchanged

    # Failing after the rule did its work, it changes nothing, not even the ids to come.
    app, world = _fresh()
    before = _fingerprint(app, world)
    undo = patch_handler(template, method, _failing_after)
    answer = _send(app, method, path, body, content_type)
    assert answer.status == 500
    assert answer.json == {
        "httpStatus": 500,
        "messages": [{"errorCode": "500", "message": "Internal error of the emulator"}],
    }
    assert _fingerprint(app, world) == before
    undo()
    untouched, _ = _fresh()
    dc = {"properties": {"name": "next", "location": "de/fra"}}
    created = [
        _send(emulator, "POST", "/datacenters", json.dumps(dc).encode(), "application/json")
        for emulator in (app, untouched)
    ]
    assert created[0].json == created[1].json


def test_a_reply_that_cannot_be_written_rolls_the_call_back(
    patch_handler: Callable[..., Undo],
) -> None:
    def with_unwritable_reply(handler: Callable[..., Result]) -> Callable[..., Result]:
        def rule(call: Call, **args: str) -> Result:
            result = handler(call, **args)
            assert isinstance(result.shown, EchoNode)
            unwritable = Echo(result.shown.record, props={"name": "\ud800"})
            return Result(unwritable, result.request)

        return rule

    app, world = _fresh()
    before = _fingerprint(app, world)
    patch_handler("/datacenters", "POST", with_unwritable_reply)
    body = json.dumps(CREATE_BODIES["datacenters"]).encode()
    assert _send(app, "POST", "/datacenters", body, "application/json").status == 500
    assert _fingerprint(app, world) == before


def test_a_failing_private_image_upload_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    app, world = _fresh()
    before = _fingerprint(app, world)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("rendering broke")

    monkeypatch.setattr(app_module, "present", broken)
    with pytest.raises(RuntimeError):
        app.add_private_image(owner="fuzz@example.com", name="i", location="us/las", size=1)
    monkeypatch.undo()
    assert _fingerprint(app, world) == before


def test_a_checkpoint_puts_the_same_objects_back() -> None:
    app, world = _fresh()
    state = app.state
    contract = next(iter(state.contracts.values()))
    dc = contract.datacenters[world["dc_id"][0]]
    server = dc.servers[world["srv_id"][0]]
    props, servers, volumes = dict(dc.props), dict(dc.servers), list(server.volumes)
    next_id = state.rng.getstate()
    macs = set(state.macs)

    saved = Checkpoint(state, records_of(contract))
    dc.props["name"] = "changed"
    dc.servers.clear()
    server.volumes.append(server.volumes[0])
    server.busy += 3
    state.new_id()
    state.new_mac()
    contract.datacenters.pop(dc.id)
    saved.restore()

    assert contract.datacenters[dc.id] is dc
    assert dc.props == props
    assert dc.servers == servers
    assert server.volumes == volumes
    assert server.busy == 0
    assert state.rng.getstate() == next_id
    assert state.macs == macs
