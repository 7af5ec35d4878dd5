"""The state persists: ``GET``/``PUT /_emulator/state``, ``--state-file`` and the fixture's
``snapshot()``/``restore()``.

In process through the WSGI application for the document (every record kind and every pending
effect, generated from the state module and the effect registry), in real subprocesses for the
state file (restart, SIGTERM, kill -9, damaged files).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3

from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator import state as state_module
from profitbricks.emulator.effects import registered_effects
from profitbricks.emulator.persist import FORMAT, VERSION, StateDocumentError
from profitbricks.emulator.rules import um
from profitbricks.emulator.statefile import WINDOW, Autosaver, read_state_file

from .wsgi_helpers import OTHER, USER, Answer, build_world, call, new_emulator, ok

JSON = {"Content-Type": "application/json"}

#: every record class of the state module (not the shared base class)
RECORD_KINDS = [
    name
    for name in state_module.__all__
    if dataclasses.is_dataclass(getattr(state_module, name))
    and getattr(state_module, name) is not state_module.Resource
]


@pytest.fixture(autouse=True)
def _cheap_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(um, "_ITERATIONS", 1)
        yield


def fresh(seed: int) -> Emulator:
    """A new emulator with the accounts of ``new_emulator()`` and another seed."""
    return Emulator(EmulatorConfig(users=[USER, OTHER], progression="immediate", seed=seed))


def export(app: Emulator) -> dict[str, Any]:
    answer = call(app, "GET", "/_emulator/state", api=False, auth=None)
    assert answer.status == 200, answer.text[:300]
    doc: dict[str, Any] = answer.json
    return doc


def put(app: Emulator, doc: Any) -> Answer:
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return call(app, "PUT", "/_emulator/state", api=False, auth=None, body=body, headers=JSON)


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` without what depends on the wall clock: request ages, modification times,
    last logins."""
    doc = copy.deepcopy(doc)
    for request in doc["requests"]:
        request["age"] = 0
    for record in doc["records"]:
        for name in ("modified_date", "last_login"):
            if name in record:
                record[name] = ""
    return doc


def without_logins(value: Any) -> Any:
    """A rendered document without the ``lastLogin`` times of users."""
    if isinstance(value, dict):
        return {k: without_logins(v) for k, v in value.items() if k != "lastLogin"}
    if isinstance(value, list):
        return [without_logins(v) for v in value]
    return value


def records_of_kind(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [record for record in doc["records"] if record["type"] == kind]


def pending_effects(doc: dict[str, Any]) -> set[str]:
    return {effect["name"] for request in doc["requests"] for effect in request["effects"]}


# -- the document ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> tuple[Emulator, dict[str, Any]]:
    """An emulator with one of everything, every request done, and its exported document."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(um, "_ITERATIONS", 1)
        app = new_emulator()
        build_world(app)
        return app, export(app)


def _pending_world(app: Emulator) -> None:
    """Requests that stay pending, one for each kind of deferred work the rules have."""
    ids = build_world(app)
    app.controls.update({"progression": "polls:1000"})
    dc = ids["dc_id"][0]
    d = f"/datacenters/{dc}"
    srv = f"{d}/servers/{ids['srv_id'][0]}"
    attached, loose = ids["volume_id"]
    cdrom, private = ids["image_id"][:2]
    nic, spare_nic = ids["nic_id"]
    lb = f"{d}/loadbalancers/{ids['lb_id'][0]}"
    group = f"/um/groups/{ids['group_id'][0]}"
    member, loner = ids["user_id"]
    snapshot = ids["snapshot_id"][0]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    nested = {
        "properties": {"name": "nested", "location": "de/fra"},
        "entities": {
            "lans": {"items": [{"properties": {"name": "l"}}]},
            "servers": {
                "items": [
                    {
                        "properties": {"name": "s", "cores": 1, "ram": 512},
                        "entities": {
                            "volumes": {
                                "items": [{"properties": {"size": 2, "licenceType": "LINUX"}}]
                            },
                            "nics": {"items": [{"properties": {"lan": 1}}]},
                        },
                    }
                ]
            },
            "loadbalancers": {"items": [{"properties": {"name": "b"}}]},
        },
    }
    steps: list[tuple[str, str, Any]] = [
        ("POST", "/datacenters", nested),
        ("POST", f"{srv}/stop", None),
        ("DELETE", f"{srv}/volumes/{attached}", None),
        ("POST", f"{srv}/volumes", {"id": attached}),  # attached again after the detach
        ("DELETE", f"{srv}/cdroms/{cdrom}", None),
        ("POST", f"{srv}/cdroms", {"id": cdrom}),
        ("POST", f"{lb}/balancednics", {"id": spare_nic}),
        ("DELETE", f"{lb}/balancednics/{nic}", None),
        ("POST", f"{d}/volumes/{loose}/create-snapshot", "name=more"),
        ("POST", f"{d}/volumes/{loose}/restore-snapshot", f"snapshotId={snapshot}"),
        ("DELETE", f"/snapshots/{snapshot}", None),
        ("DELETE", f"{srv}/nics/{nic}/firewallrules/{ids['rule_id'][0]}", None),
        ("DELETE", f"{srv}/nics/{spare_nic}", None),
        ("DELETE", f"/ipblocks/{ids['ipblock_id'][0]}", None),
        ("DELETE", f"/images/{private}", None),
        ("DELETE", f"{group}/users/{member}", None),
        ("POST", f"{group}/users", {"id": member}),
        ("DELETE", f"{group}/shares/{dc}", None),
        ("DELETE", f"/um/users/{loner}", None),
        ("DELETE", group, None),
        ("POST", f"{d}/lans", {"properties": {"name": "spare"}}),
        # The LAN just created (LAN 2 is the load balancer's own LAN).
        ("DELETE", f"{d}/lans/{{created}}", None),
        ("DELETE", lb, None),
        ("DELETE", srv, None),
        ("DELETE", f"{d}/volumes/{loose}", None),
        ("DELETE", d, None),
    ]
    created = ""
    for method, template, body in steps:
        path = template.replace("{created}", created)
        if isinstance(body, str):
            answer = call(app, method, path, body=body.encode(), headers=form)
        else:
            data = b"" if body is None else json.dumps(body).encode()
            answer = call(app, method, path, body=data, headers=JSON)
        assert answer.status == 202, (method, path, answer.status, answer.text[:300])
        if method == "POST" and answer.json and "id" in answer.json:
            created = str(answer.json["id"])


@pytest.fixture(scope="module")
def pending() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(the document of a world with pending work of every kind, the state after that work
    completed in the original emulator, the state after it completed in an emulator that
    imported the document)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(um, "_ITERATIONS", 1)
        original = new_emulator()
        _pending_world(original)
        doc = export(original)
        restored = new_emulator()
        assert put(restored, doc).status == 200
        finished = []
        for app in (original, restored):
            app.controls.update({"progression": "immediate"})
            ok(app, "GET", "/datacenters")
            finished.append(export(app))
        return doc, finished[0], finished[1]


def test_the_document_is_versioned_json(world: tuple[Emulator, dict[str, Any]]) -> None:
    _app, doc = world
    assert doc["format"] == FORMAT
    assert doc["version"] == VERSION
    json.dumps(doc, allow_nan=False)


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_every_record_kind_round_trips(world: tuple[Emulator, dict[str, Any]], kind: str) -> None:
    _app, doc = world
    saved = records_of_kind(doc, kind)
    assert saved, f"the world holds no {kind}"
    record_class = getattr(state_module, kind)
    assert set(saved[0]) == {"type"} | {f.name for f in dataclasses.fields(record_class)}
    copy_app = fresh(99)
    assert put(copy_app, doc).status == 200
    assert records_of_kind(export(copy_app), kind) == saved


def test_export_then_import_gives_the_same_document_and_api(
    world: tuple[Emulator, dict[str, Any]],
) -> None:
    app, doc = world
    copy_app = fresh(7)
    answer = put(copy_app, doc)
    assert answer.status == 200
    assert answer.json["imported"] is True
    assert comparable(export(copy_app)) == comparable(doc)
    for path in ("/datacenters", "/images", "/snapshots", "/ipblocks", "/um/users", "/um/groups"):
        # Each GET is a login of its own, at the time it is made.
        before = without_logins(call(app, "GET", path, query="depth=5").json)
        after = without_logins(call(copy_app, "GET", path, query="depth=5").json)
        assert after == before, path
    requests_before = call(app, "GET", "/requests", query="depth=1").json
    assert call(copy_app, "GET", "/requests", query="depth=1").json == requests_before


def test_passwords_work_after_import_and_new_ids_do_not_repeat(
    world: tuple[Emulator, dict[str, Any]],
) -> None:
    _app, doc = world
    copy_app = fresh(1234)
    assert put(copy_app, doc).status == 200
    # The same seed would give the same ids again; the saved generator position does not.
    created = ok(copy_app, "POST", "/ipblocks", {"properties": {"location": "us/las", "size": 1}})
    known = {record.get("id") for record in doc["records"]}
    assert created["id"] not in known
    member = ("member@example.com", "member-secret")
    assert call(copy_app, "GET", "/datacenters", auth=member).status == 200
    assert call(copy_app, "GET", "/datacenters", auth=("member@example.com", "wrong")).status == 401


@pytest.mark.parametrize("name", sorted(registered_effects()))
def test_every_pending_effect_completes_after_import(
    pending: tuple[dict[str, Any], dict[str, Any], dict[str, Any]], name: str
) -> None:
    doc, finished_original, finished_restored = pending
    assert name in pending_effects(doc), f"no pending request with the effect {name}"
    assert all(request["status"] == "DONE" for request in finished_restored["requests"])
    assert comparable(finished_restored) == comparable(finished_original)


@pytest.mark.parametrize(("age", "expected"), [(0.0, "QUEUED"), (29.0, "RUNNING"), (31.0, "DONE")])
def test_a_pending_request_keeps_its_remaining_time(age: float, expected: str) -> None:
    app = new_emulator()
    app.controls.update({"progression": "seconds:30"})
    reply = call(
        app,
        "POST",
        "/datacenters",
        body=json.dumps({"properties": {"name": "d", "location": "us/las"}}).encode(),
        headers=JSON,
    )
    assert reply.status == 202
    request_id = reply.headers["Location"].rsplit("/", 2)[-2]
    doc = export(app)
    (saved,) = [r for r in doc["requests"] if r["id"] == request_id]
    saved["age"] = age
    restored = new_emulator()
    assert put(restored, doc).status == 200
    status = ok(restored, "GET", f"/requests/{request_id}/status")["metadata"]["status"]
    assert status == expected
    server_state = ok(restored, "GET", "/datacenters/" + reply.json["id"])["metadata"]["state"]
    assert server_state == ("AVAILABLE" if expected == "DONE" else "BUSY")


# -- bad documents -------------------------------------------------------------------------------


def _wrong_value(value: Any) -> Any:
    """A JSON value of a type the field holding ``value`` never takes."""
    if isinstance(value, str):
        return 1
    return [] if value is None else "x"


def _damaged(world_doc: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """(case, document, text the error must contain): every field of the first record of each
    kind given a value of the wrong type and left out, plus damage to the rest."""
    cases: list[tuple[str, dict[str, Any], str]] = []
    for kind in RECORD_KINDS:
        index = next(i for i, r in enumerate(world_doc["records"]) if r["type"] == kind)
        for name in world_doc["records"][index]:
            if name == "type":
                continue
            doc = copy.deepcopy(world_doc)
            doc["records"][index][name] = _wrong_value(doc["records"][index][name])
            cases.append((f"{kind}.{name}=wrong", doc, f"records[{index}].{name}"))
            doc = copy.deepcopy(world_doc)
            del doc["records"][index][name]
            cases.append((f"{kind}.{name} missing", doc, f"missing field '{name}'"))
    doc = copy.deepcopy(world_doc)
    doc["version"] = VERSION + 1
    cases.append(("version", doc, "unsupported version"))
    doc = copy.deepcopy(world_doc)
    doc["format"] = "something-else"
    cases.append(("format", doc, "format"))
    doc = copy.deepcopy(world_doc)
    server = next(r for r in doc["records"] if r["type"] == "Server")
    server["dc"] = next(i for i, r in enumerate(doc["records"]) if r["type"] == "Volume")
    cases.append(("reference to the wrong kind", doc, "is a Volume, not a Datacenter"))
    doc = copy.deepcopy(world_doc)
    doc["records"].append({"type": "Spaceship"})
    cases.append(("unknown record type", doc, "unknown record type"))
    doc = copy.deepcopy(world_doc)
    doc["settings"]["progression"] = "eventually"
    cases.append(("setting", doc, "settings.progression"))
    doc = copy.deepcopy(world_doc)
    doc["requests"][-1]["status"] = "QUEUED"
    doc["requests"][-1]["effects"] = [{"name": "server.teleport", "args": []}]
    cases.append(("unknown effect", doc, "unknown effect 'server.teleport'"))
    doc = copy.deepcopy(world_doc)
    doc["requests"][-1]["status"] = "QUEUED"
    doc["requests"][-1]["effects"] = [{"name": "server.provision", "args": [{"value": "x"}]}]
    cases.append(("effect argument", doc, "expected a reference, got a value"))
    doc = copy.deepcopy(world_doc)
    del doc["state"]["ids"]
    cases.append(("id generator", doc, "missing key 'ids'"))
    return cases


def test_a_bad_document_is_refused_and_nothing_changes(
    world: tuple[Emulator, dict[str, Any]],
) -> None:
    _app, world_doc = world
    app = new_emulator()
    ok(app, "POST", "/datacenters", {"properties": {"name": "keep", "location": "us/las"}})
    app.controls.update({"latency": 0.0, "rate_limit": 77})
    before = comparable(export(app))
    cases = _damaged(world_doc)
    assert len(cases) > 100
    for case, doc, expected in cases:
        answer = put(app, doc)
        assert answer.status == 422, (case, answer.status, answer.text[:300])
        message = answer.json["error"]
        assert expected in message, (case, message)
        assert comparable(export(app)) == before, case


@pytest.mark.parametrize("body", [b"", b"{", b"[1, 2]", b'{"format": NaN}'])
def test_a_body_that_is_no_document_is_refused(body: bytes) -> None:
    app = new_emulator()
    before = comparable(export(app))
    answer = put(app, body)
    assert answer.status in (400, 422)
    assert answer.json["error"]
    assert comparable(export(app)) == before


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_the_state_endpoint_keeps_the_control_api_access_rules(method: str) -> None:
    app = new_emulator(control_token="state-token")
    body = json.dumps(export_document(app)).encode() if method == "PUT" else b""
    path = "/_emulator/state"
    assert call(app, method, path, api=False, auth=None, body=body, headers=JSON).status == 401
    bearer = {**JSON, "Authorization": "Bearer state-token"}
    foreign = {**bearer, "Origin": "https://attacker.example"}
    assert call(app, method, path, api=False, auth=None, body=body, headers=foreign).status == 403
    if method == "PUT":
        text = {"Authorization": "Bearer state-token", "Content-Type": "text/plain"}
        assert call(app, method, path, api=False, auth=None, body=body, headers=text).status == 415
    assert call(app, method, path, api=False, auth=None, body=body, headers=bearer).status == 200


def export_document(app: Emulator) -> dict[str, Any]:
    return app.export_state()


def test_import_checks_everything_before_replacing_in_process() -> None:
    app = new_emulator()
    state, log = app.state, app.log
    with pytest.raises(StateDocumentError, match="unsupported version"):
        app.import_state({"format": FORMAT, "version": 0})
    assert app.state is state
    assert app.log is log


# -- the state file, in real processes -----------------------------------------------------------

URL = re.compile(r"(http://\S+/cloudapi/v4)")
ACCOUNT = ("keeper@example.com", "keeper-secret")


class Cli:
    """``python -m profitbricks.emulator --state-file PATH`` in a subprocess."""

    def __init__(self, path: Path, *options: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "profitbricks.emulator",
                "--port",
                "0",
                "--quiet",
                "--user",
                f"{ACCOUNT[0]}:{ACCOUNT[1]}",
                "--state-file",
                str(path),
                *options,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = URL.search(line)
        if match is None:
            _out, err = self.process.communicate(timeout=30)
            raise AssertionError(f"no URL; exit {self.process.returncode}: {line}{err}")
        self.url = match.group(1)
        self.pool = urllib3.PoolManager(retries=False, timeout=30)
        self.headers = {
            **urllib3.make_headers(basic_auth=f"{ACCOUNT[0]}:{ACCOUNT[1]}"),
            "Content-Type": "application/json",
        }

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        reply = self.pool.request(method, self.url + path, body=data, headers=self.headers)
        assert reply.status in (200, 202), (method, path, reply.status, reply.data[:300])
        return json.loads(reply.data) if reply.data else None

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(signum)
        _out, err = self.process.communicate(timeout=30)
        return self.process.returncode, err


@pytest.fixture
def clis() -> Iterator[list[Cli]]:
    started: list[Cli] = []
    yield started
    for cli in started:
        if cli.process.poll() is None:
            cli.process.kill()
            cli.process.communicate(timeout=10)


def _datacenter_with_server() -> dict[str, Any]:
    return {
        "properties": {"name": "kept", "location": "us/las"},
        "entities": {
            "servers": {"items": [{"properties": {"name": "web", "cores": 1, "ram": 1024}}]}
        },
    }


def test_restart_from_the_file_completes_a_pending_request(tmp_path: Path, clis: list[Cli]) -> None:
    path = tmp_path / "state.json"
    first = Cli(path, "--progression", "polls:2")
    clis.append(first)
    dc = first.call("POST", "/datacenters", _datacenter_with_server())
    server_id = dc["entities"]["servers"]["items"][0]["id"]
    request_id = first.call("GET", "/requests")["items"][0]["id"]
    assert first.call("GET", f"/requests/{request_id}/status")["metadata"]["status"] == "RUNNING"
    code, err = first.stop()
    assert code == 0, err

    saved = read_state_file(path)
    assert saved is not None
    (request,) = [r for r in saved["requests"] if r["id"] == request_id]
    assert (request["status"], request["polls"]) == ("QUEUED", 1)
    assert {effect["name"] for effect in request["effects"]} >= {"server.provision"}

    second = Cli(path, "--progression", "polls:2")
    clis.append(second)
    server_path = f"/datacenters/{dc['id']}/servers/{server_id}"
    assert second.call("GET", server_path)["metadata"]["state"] == "BUSY"
    assert second.call("GET", f"/requests/{request_id}/status")["metadata"]["status"] == "DONE"
    server = second.call("GET", server_path)
    assert server["metadata"]["state"] == "AVAILABLE"
    assert server["properties"]["vmState"] == "RUNNING"
    code, err = second.stop()
    assert code == 0, err


def test_sigterm_loses_nothing(tmp_path: Path, clis: list[Cli]) -> None:
    path = tmp_path / "state.json"
    cli = Cli(path)
    clis.append(cli)
    names = [f"lan-{n}" for n in range(5)]
    dc = cli.call("POST", "/datacenters", {"properties": {"name": "d", "location": "us/las"}})
    for name in names:
        cli.call("POST", f"/datacenters/{dc['id']}/lans", {"properties": {"name": name}})
    # Straight after the last reply, well inside the write window.
    code, err = cli.stop(signal.SIGTERM)
    assert code == 0, err
    assert "Traceback" not in err
    saved = read_state_file(path)
    assert saved is not None
    assert [r["props"]["name"] for r in records_of_kind(saved, "Lan")] == names
    assert not [p for p in os.listdir(tmp_path) if p != "state.json"]


def test_kill_9_while_writing_leaves_a_valid_recent_file(tmp_path: Path, clis: list[Cli]) -> None:
    path = tmp_path / "state.json"
    cli = Cli(path)
    clis.append(cli)
    dc = cli.call("POST", "/datacenters", {"properties": {"name": "d", "location": "us/las"}})
    created: list[float] = []
    stop = threading.Event()

    def churn() -> None:
        n = 0
        while not stop.is_set():
            try:
                cli.call("POST", "/um/groups", {"properties": {"name": f"group-{n}"}})
            except urllib3.exceptions.HTTPError:
                return
            created.append(time.monotonic())
            n += 1

    worker = threading.Thread(target=churn)
    worker.start()
    # Kill once several write windows have passed, while changes keep coming.
    time.sleep(5 * WINDOW + 1.0)
    cli.process.kill()
    killed_at = time.monotonic()
    cli.process.communicate(timeout=10)
    stop.set()
    worker.join(timeout=30)
    saved = read_state_file(path)
    assert saved is not None
    fresh = new_emulator()
    fresh.import_state(saved)
    assert records_of_kind(saved, "Datacenter")[0]["id"] == dc["id"]
    # Everything answered more than the window (plus slack for a loaded machine) before the
    # kill is in the file.
    settled = [t for t in created if t < killed_at - WINDOW - 1.0]
    assert settled
    assert len(records_of_kind(saved, "Group")) >= len(settled)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty"),
        (b'{"format": "profitbricks-emulator-state", "version": 1, "rec', "is damaged"),
        (b"\xff\xfe not text", "not UTF-8"),
        (b"[]", "holds no JSON object"),
        (b'{"format": "profitbricks-emulator-state", "version": 99}', "unsupported version 99"),
        (b'{"format": "other", "version": 1}', "format"),
        (b'{"format": "profitbricks-emulator-state", "version": 1}', "settings"),
    ],
)
def test_a_damaged_or_incompatible_file_stops_the_start(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    process = subprocess.run(
        [sys.executable, "-m", "profitbricks.emulator", "--port", "0", "--state-file", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 1
    assert str(path) in process.stderr
    assert problem in process.stderr
    assert "Traceback" not in process.stderr
    assert path.read_bytes() == content
    assert os.listdir(tmp_path) == ["state.json"]


def test_the_autosaver_follows_changes_and_writes_the_last_state_on_close(
    tmp_path: Path,
) -> None:
    app = new_emulator()
    path = tmp_path / "state.json"
    saver = Autosaver(app, path).start()
    try:
        assert saver.writes == 1
        assert not saver.flush(), "an unchanged state is not written again"
        ok(app, "POST", "/datacenters", {"properties": {"name": "first", "location": "us/las"}})
        deadline = time.monotonic() + 30
        while saver.writes < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        saved = read_state_file(path)
        assert saved is not None
        assert [r["props"]["name"] for r in records_of_kind(saved, "Datacenter")] == ["first"]
        ok(app, "POST", "/datacenters", {"properties": {"name": "last", "location": "us/las"}})
    finally:
        saver.close()
    assert app.on_change is None
    saved = read_state_file(path)
    assert saved is not None
    assert [r["props"]["name"] for r in records_of_kind(saved, "Datacenter")] == ["first", "last"]
    assert os.listdir(tmp_path) == ["state.json"]


def test_pending_work_must_be_a_registered_effect() -> None:
    app = new_emulator()
    request = app.log.open(
        contract=next(iter(app.state.contracts)),
        user_id="u",
        created_by=USER[0],
        created_date="2017-01-01T00:00:00Z",
        method="POST",
        url="http://localhost/cloudapi/v4/datacenters",
        headers={},
        body=None,
    )
    with pytest.raises(TypeError, match="not a registered effect"):
        app.log.on_done(request, lambda state: None)
