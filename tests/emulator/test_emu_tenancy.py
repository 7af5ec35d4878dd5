"""Ids and addresses named in request bodies stay within the caller's contract and rights.

The cases are generated from the registry of body references the rules resolve
(``rules.base.BODY_REFERENCES``): every registered (reference, operation) has at least one
case, so a new reference cannot be added without a test. Each case is run three times by the
same caller on the same path, only the referenced id or address changing: one that does not
exist (refused with 422), one of another tenant or not shared with the caller (refused exactly
the same way, nothing created or changed in either account), and the caller's own (accepted,
so each case can fail).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, cast

import pytest

from profitbricks.emulator.errors import Invalid
from profitbricks.emulator.routes import ROUTES
from profitbricks.emulator.rules.base import BODY_REFERENCES, BodyRef, resolve_user
from profitbricks.emulator.testing import EmulatorHandle, running_emulator

from .emu_helpers import Api, Reply

ALICE = ("alice@example.com", "alice-pass-1")
BOB = ("bob@example.com", "bob-pass-1")
JANE = ("jane@example.com", "jane-pass-1")

_DC = "/datacenters/<dc_id>"
_SRV = _DC + "/servers/<srv_id>"
_NIC = _SRV + "/nics/<nic_id>"
_LB = _DC + "/loadbalancers/<lb_id>"
_LAN = _DC + "/lans/<lan_id>"


@dataclass(frozen=True)
class Stage:
    """The resources of one account that a case works in (paths) or refers to (bodies).

    ``nic`` sits on ``server`` in LAN 1, a public LAN (only there are a NIC's addresses
    limited to reserved ones), and holds ``ip``, the only address of the IP block
    ``ipblock``; ``volume`` is unattached; ``lb`` balances nothing; ``image`` and ``cdrom``
    are private images in us/las; ``snapshot`` is a snapshot of ``volume``; ``user`` is a
    second user and ``group`` a group of the contract.
    """

    dc: str
    server: str
    nic: str
    volume: str
    lb: str
    ipblock: str
    ip: str
    image: str
    cdrom: str
    snapshot: str
    user: str
    group: str


#: Ids that exist nowhere (the emulator's ids come from a random generator) and an address no
#: IP block holds (TEST-NET-3).
MISSING = Stage(
    **{
        name: str(uuid.UUID(int=0x5EED_0000 + n, version=4))
        for n, name in enumerate(Stage.__dataclass_fields__)
        if name != "ip"
    },
    ip="203.0.113.9",
)


def furnish(api: Api, handle: EmulatorHandle, tag: str) -> Stage:
    """Create a :class:`Stage` in ``api``'s contract (``tag`` keeps names and e-mails unique)."""
    dc = api.datacenter(tag)
    server = api.server(dc)
    block = api.ok("POST", "/ipblocks", {"properties": {"location": "us/las", "size": 1}})
    ip = block["properties"]["ips"][0]
    api.ok("POST", f"/datacenters/{dc}/lans", {"properties": {"public": True}})
    nic = api.ok(
        "POST", f"/datacenters/{dc}/servers/{server}/nics", {"properties": {"lan": 1, "ips": [ip]}}
    )["id"]
    volume = api.volume(dc)
    snapshot = api.ok("POST", f"/datacenters/{dc}/volumes/{volume}/create-snapshot")["id"]
    lb = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {"name": "lb"}})["id"]
    image = handle.add_private_image(
        owner=api.username, name=f"{tag}-hdd", location="us/las", size=2
    )
    cdrom = handle.add_private_image(
        owner=api.username, name=f"{tag}-iso", location="us/las", size=1, imageType="CDROM"
    )
    user = api.ok(
        "POST",
        "/um/users",
        {
            "properties": {
                "firstname": "Other",
                "lastname": tag,
                "email": f"{tag}-other@example.com",
                "password": "other-pass-1",
            }
        },
    )["id"]
    group = api.ok("POST", "/um/groups", {"properties": {"name": f"{tag}-group"}})["id"]
    return Stage(
        dc=dc,
        server=server,
        nic=nic,
        volume=volume,
        lb=lb,
        ipblock=block["id"],
        ip=ip,
        image=image,
        cdrom=cdrom,
        snapshot=snapshot,
        user=user,
        group=group,
    )


# -- the cases --------------------------------------------------------------------------------

Body = Callable[[Stage, Stage], Any]


@dataclass(frozen=True)
class Case:
    """A call on ``route`` in the caller's stage whose body names something of a target stage.

    ``body(stage, target)`` builds the body, ``value(target)`` is the id or address the body
    takes from the target (what an error message may quote).
    """

    ref: str
    method: str
    route: str
    label: str
    body: Body
    value: Callable[[Stage], str]

    @property
    def id(self) -> str:
        return f"{self.ref}:{self.method} {self.route}:{self.label}"

    def path(self, stage: Stage) -> str:
        fill = {
            "<dc_id>": stage.dc,
            "<srv_id>": stage.server,
            "<nic_id>": stage.nic,
            "<lb_id>": stage.lb,
            "<lan_id>": "1",
            "<volume_id>": stage.volume,
            "<group_id>": stage.group,
        }
        path = self.route
        for name, value in fill.items():
            path = path.replace(name, value)
        assert "<" not in path, path
        return path

    def run(self, actor: Api, stage: Stage, target: Stage) -> Reply:
        return actor.call(self.method, self.path(stage), self.body(stage, target))


def _volume(source: str) -> dict[str, Any]:
    return {"properties": {"name": "v", "size": 20, "image": source}}


def _server(entities: dict[str, Any] | None = None, **props: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"properties": {"name": "s", "cores": 1, "ram": 1024, **props}}
    if entities:
        body["entities"] = {name: {"items": items} for name, items in entities.items()}
    return body


def _datacenter(**entities: list[Any]) -> dict[str, Any]:
    return {
        "properties": {"name": "nested", "location": "us/las"},
        "entities": {name: {"items": items} for name, items in entities.items()},
    }


def _nic(ip: str) -> dict[str, Any]:
    return {"properties": {"lan": 1, "ips": [ip]}}


#: LAN 1 of a data centre made with a body, public like the stage's
_PUBLIC_LAN = {"properties": {"public": True}}


def _image(t: Stage) -> str:
    return t.image


def _snapshot(t: Stage) -> str:
    return t.snapshot


def _volume_id(t: Stage) -> str:
    return t.volume


def _cdrom(t: Stage) -> str:
    return t.cdrom


def _ip(t: Stage) -> str:
    return t.ip


def _nic_id(t: Stage) -> str:
    return t.nic


CASES = [
    Case("volume.image", "POST", _DC + "/volumes", "image", lambda s, t: _volume(t.image), _image),
    Case(
        "volume.image",
        "POST",
        _DC + "/volumes",
        "snapshot",
        lambda s, t: _volume(t.snapshot),
        _snapshot,
    ),
    Case(
        "volume.image",
        "POST",
        _DC + "/servers",
        "image",
        lambda s, t: _server({"volumes": [_volume(t.image)]}),
        _image,
    ),
    Case(
        "volume.image",
        "POST",
        _DC + "/servers",
        "snapshot",
        lambda s, t: _server({"volumes": [_volume(t.snapshot)]}),
        _snapshot,
    ),
    Case(
        "volume.image",
        "POST",
        "/datacenters",
        "image",
        lambda s, t: _datacenter(volumes=[_volume(t.image)]),
        _image,
    ),
    Case(
        "volume.image",
        "POST",
        "/datacenters",
        "snapshot in a server",
        lambda s, t: _datacenter(servers=[_server({"volumes": [_volume(t.snapshot)]})]),
        _snapshot,
    ),
    Case(
        "server.bootVolume",
        "POST",
        _DC + "/servers",
        "",
        lambda s, t: _server(bootVolume={"id": t.volume}),
        _volume_id,
    ),
    Case("server.bootVolume", "PATCH", _SRV, "", lambda s, t: {"bootVolume": t.volume}, _volume_id),
    Case(
        "server.bootVolume",
        "PUT",
        _SRV,
        "",
        lambda s, t: _server(bootVolume={"id": t.volume}),
        _volume_id,
    ),
    Case(
        "server.bootCdrom",
        "PUT",
        _SRV,
        "",
        lambda s, t: _server(bootCdrom={"id": t.cdrom}),
        _cdrom,
    ),
    Case(
        "server.bootCdrom",
        "POST",
        _DC + "/servers",
        "",
        lambda s, t: _server(bootCdrom={"id": t.cdrom}),
        _cdrom,
    ),
    Case(
        "server.bootCdrom",
        "PATCH",
        _SRV,
        "",
        lambda s, t: {"bootCdrom": {"id": t.cdrom}},
        _cdrom,
    ),
    Case(
        "server.bootCdrom",
        "POST",
        "/datacenters",
        "",
        lambda s, t: _datacenter(servers=[_server(bootCdrom={"id": t.cdrom})]),
        _cdrom,
    ),
    Case(
        "server.entities.volumes",
        "POST",
        _DC + "/servers",
        "",
        lambda s, t: _server({"volumes": [{"id": t.volume}]}),
        _volume_id,
    ),
    Case(
        "server.volumes.id",
        "POST",
        _SRV + "/volumes",
        "",
        lambda s, t: {"id": t.volume},
        _volume_id,
    ),
    Case("server.cdroms.id", "POST", _SRV + "/cdroms", "", lambda s, t: {"id": t.cdrom}, _cdrom),
    Case("nic.ips", "POST", _SRV + "/nics", "", lambda s, t: _nic(t.ip), _ip),
    Case("nic.ips", "PATCH", _NIC, "", lambda s, t: {"ips": [t.ip]}, _ip),
    Case("nic.ips", "PUT", _NIC, "", lambda s, t: _nic(t.ip), _ip),
    Case(
        "nic.ips",
        "POST",
        _DC + "/servers",
        "",
        lambda s, t: _server({"nics": [_nic(t.ip)]}),
        _ip,
    ),
    Case(
        "nic.ips",
        "POST",
        "/datacenters",
        "",
        lambda s, t: _datacenter(lans=[_PUBLIC_LAN], servers=[_server({"nics": [_nic(t.ip)]})]),
        _ip,
    ),
    Case(
        "loadbalancer.ip",
        "POST",
        _DC + "/loadbalancers",
        "balancing the caller's NIC",
        lambda s, t: {
            "properties": {"ip": t.ip},
            "entities": {"balancednics": {"items": [{"id": s.nic}]}},
        },
        _ip,
    ),
    Case("loadbalancer.ip", "PATCH", _LB, "", lambda s, t: {"ip": t.ip}, _ip),
    Case("loadbalancer.ip", "PUT", _LB, "", lambda s, t: {"properties": {"ip": t.ip}}, _ip),
    Case(
        "loadbalancer.ip",
        "POST",
        "/datacenters",
        "",
        lambda s, t: _datacenter(loadbalancers=[{"properties": {"ip": t.ip}}]),
        _ip,
    ),
    Case(
        "loadbalancer.entities.balancednics",
        "POST",
        _DC + "/loadbalancers",
        "",
        lambda s, t: {"properties": {}, "entities": {"balancednics": {"items": [{"id": t.nic}]}}},
        _nic_id,
    ),
    Case(
        "loadbalancer.balancednics.id",
        "POST",
        _LB + "/balancednics",
        "",
        lambda s, t: {"id": t.nic},
        _nic_id,
    ),
    Case(
        "lan.entities.nics",
        "POST",
        _DC + "/lans",
        "",
        lambda s, t: {"properties": {}, "entities": {"nics": {"items": [{"id": t.nic}]}}},
        _nic_id,
    ),
    Case(
        "lan.ipFailover",
        "PATCH",
        _LAN,
        "a NIC and its address",
        lambda s, t: {"ipFailover": [{"ip": t.ip, "nicUuid": t.nic}]},
        _nic_id,
    ),
    Case(
        "lan.ipFailover",
        "PATCH",
        _LAN,
        "an address on the caller's NIC",
        lambda s, t: {"ipFailover": [{"ip": t.ip, "nicUuid": s.nic}]},
        _ip,
    ),
    Case(
        "lan.ipFailover",
        "PUT",
        _LAN,
        "",
        lambda s, t: {
            "properties": {"public": True, "ipFailover": [{"ip": s.ip, "nicUuid": t.nic}]}
        },
        _nic_id,
    ),
    Case(
        "volume.restore-snapshot.snapshotId",
        "POST",
        _DC + "/volumes/<volume_id>/restore-snapshot",
        "",
        lambda s, t: {"snapshotId": t.snapshot},
        _snapshot,
    ),
    Case(
        "group.users.id",
        "POST",
        "/um/groups/<group_id>/users",
        "",
        lambda s, t: {"id": t.user},
        lambda t: t.user,
    ),
]

#: References whose operations need an administrator: a non-administrator is refused (403)
#: before any body is read, so the per-user table leaves them out.
ADMIN_ONLY = {"group.users.id"}


def test_every_registered_reference_has_a_case() -> None:
    registered = {
        (name, method, route)
        for name, ref in BODY_REFERENCES.items()
        for method, route in ref.operations
    }
    covered = {(case.ref, case.method, case.route) for case in CASES}
    assert registered - covered == set(), "body references without a tenancy case"
    assert covered - registered == set(), "cases for references the rules do not register"
    assert len({case.id for case in CASES}) == len(CASES)


def test_registered_operations_are_routes() -> None:
    routes = dict(ROUTES)
    for ref in BODY_REFERENCES.values():
        for method, route in ref.operations:
            assert method in routes.get(route, {}), (ref.name, method, route)


def test_an_unregistered_reference_is_refused() -> None:
    stray = BodyRef("stray", "id", "user", "refers to nothing: {value}", ())
    with pytest.raises(TypeError, match="stray is not a registered user reference"):
        resolve_user(cast(Any, None), stray, "x", "(root)")
    registered = BODY_REFERENCES["group.users.id"]
    mistyped = replace(registered, kind="nic")
    with pytest.raises(TypeError):
        resolve_user(cast(Any, None), mistyped, "x", "(root)")
    with pytest.raises(Invalid, match="refers to no user of this contract: 12"):
        resolve_user(cast(Any, None), registered, 12, "(root)")


# -- running them -----------------------------------------------------------------------------

_LISTINGS = (
    "/datacenters",
    "/ipblocks",
    "/snapshots",
    "/images",
    "/um/groups",
    "/um/users",
    "/requests",
    "/contracts",
)


def _strip_logins(doc: Any) -> Any:
    # Every authenticated call moves lastLogin; nothing else may change.
    if isinstance(doc, dict):
        return {k: _strip_logins(v) for k, v in doc.items() if k != "lastLogin"}
    if isinstance(doc, list):
        return [_strip_logins(v) for v in doc]
    return doc


def account_state(admin: Api) -> dict[str, Any]:
    """Everything ``admin`` (an administrator) can list of its contract, at depth 5."""
    out: dict[str, Any] = {}
    for path in _LISTINGS:
        reply = admin.get(path, depth=5)
        assert reply.status == 200, (path, reply.text[:300])
        out[path] = _strip_logins(reply.json)
    return out


def _error(reply: Reply, value: str) -> tuple[int, int, str, str]:
    body = reply.json
    message = body["messages"][0]
    text = str(message["message"]).replace(value, "<ref>")
    return reply.status, body["httpStatus"], message["errorCode"], text


def assert_refused_like_missing(
    case: Case, actor: Api, stage: Stage, target: Stage, admins: list[Api]
) -> None:
    """``target``'s reference is refused exactly as a missing one and nothing changes."""
    before = [account_state(admin) for admin in admins]
    missing = case.run(actor, stage, MISSING)
    assert missing.status == 422, missing.text[:300]
    assert case.value(MISSING) in missing.message
    foreign = case.run(actor, stage, target)
    assert _error(foreign, case.value(target)) == _error(missing, case.value(MISSING)), (
        foreign.text[:300]
    )
    assert [account_state(admin) for admin in admins] == before


def assert_accepted(case: Case, actor: Api, stage: Stage) -> None:
    own = case.run(actor, stage, stage)
    assert own.status in (200, 202), own.text[:300]


@pytest.fixture(scope="module")
def tenants_server() -> Iterator[EmulatorHandle]:
    with running_emulator(users=[ALICE, BOB], progression="immediate") as handle:
        yield handle


@pytest.fixture
def tenants(tenants_server: EmulatorHandle) -> Iterator[tuple[Api, Api]]:
    tenants_server.reset()
    alice, bob = Api(tenants_server, *ALICE), Api(tenants_server, *BOB)
    yield alice, bob
    for api in (alice, bob):
        api.pool.clear()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_another_tenants_reference_is_refused_like_a_missing_one(
    case: Case, tenants: tuple[Api, Api], tenants_server: EmulatorHandle
) -> None:
    alice, bob = tenants
    a = furnish(alice, tenants_server, "alice")
    b = furnish(bob, tenants_server, "bob")
    assert_refused_like_missing(case, bob, b, a, [alice, bob])
    assert_accepted(case, bob, b)


@pytest.fixture
def colleagues(tenants: tuple[Api, Api], tenants_server: EmulatorHandle) -> Iterator[Any]:
    """Jane, a non-administrator of Alice's contract, with edit rights on one of Alice's stages
    (whose images, snapshot and IP block are shared with her) and none on another."""
    alice, _ = tenants
    shared = furnish(alice, tenants_server, "shared")
    hidden = furnish(alice, tenants_server, "hidden")
    user = alice.ok(
        "POST",
        "/um/users",
        {
            "properties": {
                "firstname": "Jane",
                "lastname": "Doe",
                "email": JANE[0],
                "password": JANE[1],
            }
        },
    )["id"]
    group = alice.ok(
        "POST", "/um/groups", {"properties": {"name": "staff", "createDataCenter": True}}
    )["id"]
    alice.ok("POST", f"/um/groups/{group}/users", {"id": user})
    alice.ok(
        "POST", f"/um/groups/{group}/shares/{shared.dc}", {"properties": {"editPrivilege": True}}
    )
    for resource in (shared.image, shared.cdrom, shared.snapshot, shared.ipblock):
        alice.ok("POST", f"/um/groups/{group}/shares/{resource}", {"properties": {}})
    jane = Api(tenants_server, *JANE)
    jane.user_id = user
    for resource in ("images", "snapshots", "ipblocks"):
        seen = {item["id"] for item in jane.get(f"/{resource}").json["items"]}
        assert not seen & {hidden.image, hidden.cdrom, hidden.snapshot, hidden.ipblock}
    yield alice, jane, shared, hidden
    jane.pool.clear()


USER_CASES = [case for case in CASES if case.ref not in ADMIN_ONLY]


@pytest.mark.parametrize("case", USER_CASES, ids=[case.id for case in USER_CASES])
def test_what_a_user_cannot_see_is_refused_like_a_missing_one(case: Case, colleagues: Any) -> None:
    alice, jane, shared, hidden = colleagues
    assert_refused_like_missing(case, jane, shared, hidden, [alice])
    assert_accepted(case, jane, shared)


def test_only_administrators_add_group_members(colleagues: Any) -> None:
    alice, jane, shared, _ = colleagues
    reply = jane.call("POST", f"/um/groups/{shared.group}/users", {"id": jane.user_id})
    assert reply.status == 403
    assert alice.get(f"/um/groups/{shared.group}/users").json["items"] == []


# -- paths: shares and the resources they name ------------------------------------------------


@pytest.mark.parametrize("kind", ["dc", "image", "cdrom", "snapshot", "ipblock"])
def test_another_tenants_resource_cannot_be_shared(
    kind: str, tenants: tuple[Api, Api], tenants_server: EmulatorHandle
) -> None:
    alice, bob = tenants
    a = furnish(alice, tenants_server, "alice")
    b = furnish(bob, tenants_server, "bob")
    before = [account_state(alice), account_state(bob)]
    for target in (MISSING, a):
        path = f"/um/groups/{b.group}/shares/{getattr(target, kind)}"
        reply = bob.call("POST", path, {"properties": {"editPrivilege": True}})
        assert reply.status == 404, reply.text[:300]
        assert reply.message == "Resource does not exist"
    assert [account_state(alice), account_state(bob)] == before
    bob.ok("POST", f"/um/groups/{b.group}/shares/{getattr(b, kind)}", {"properties": {}})


def test_public_images_are_everybodys(tenants: tuple[Api, Api]) -> None:
    _, bob = tenants
    images = bob.get("/images", depth=1).json["items"]
    cdrom = next(
        i["id"]
        for i in images
        if i["properties"]["public"]
        and i["properties"]["imageType"] == "CDROM"
        and i["properties"]["location"] == "us/las"
    )
    dc = bob.datacenter()
    server = bob.server(dc)
    bob.ok("POST", f"/datacenters/{dc}/servers/{server}/cdroms", {"id": cdrom})
    hdd = next(
        i
        for i in images
        if i["properties"]["public"]
        and i["properties"]["imageType"] == "HDD"
        and i["properties"]["location"] == "us/las"
    )
    body = _volume(hdd["id"])
    body["properties"]["imagePassword"] = "secretpassword123"
    bob.ok("POST", f"/datacenters/{dc}/volumes", body)


def test_addresses_a_resource_already_holds_stay_valid(tenants: tuple[Api, Api]) -> None:
    _, bob = tenants
    dc = bob.datacenter()
    server = bob.server(dc)
    lan = bob.ok("POST", f"/datacenters/{dc}/lans", {"properties": {"public": True}})["id"]
    nic = bob.ok(
        "POST", f"/datacenters/{dc}/servers/{server}/nics", {"properties": {"lan": int(lan)}}
    )["id"]
    nic_path = f"/datacenters/{dc}/servers/{server}/nics/{nic}"
    # a public LAN hands out an address of no IP block
    ips = bob.get(nic_path).json["properties"]["ips"]
    assert bob.call("PATCH", nic_path, {"ips": ips}).status == 202
    lb = bob.ok(
        "POST",
        f"/datacenters/{dc}/loadbalancers",
        {"properties": {}, "entities": {"balancednics": {"items": [{"id": nic}]}}},
    )["id"]
    lb_path = f"/datacenters/{dc}/loadbalancers/{lb}"
    lb_ip = bob.get(lb_path).json["properties"]["ip"]
    assert bob.call("PATCH", lb_path, {"ip": lb_ip}).status == 202
    assert lb_ip in bob.get(nic_path).json["properties"]["ips"]
    other = bob.server(dc)
    refused = bob.call(
        "POST", f"/datacenters/{dc}/servers/{other}/nics", {"properties": {"lan": 1, "ips": ips}}
    )
    assert refused.status == 422
    assert f"reserved IP block of us/las, got {ips[0]}" in refused.message
