"""Users, groups, shares and contracts are enforced: who sees and changes what."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from profitbricks.emulator.testing import EmulatorHandle, running_emulator

from .emu_helpers import UBUNTU_LAS, Api

NewUser = Callable[..., Api]


@pytest.fixture(scope="module")
def two_contracts() -> Iterator[EmulatorHandle]:
    users = [("alice@example.com", "alice-pass-1"), ("bob@example.com", "bob-pass-1")]
    with running_emulator(users=users, progression="immediate") as handle:
        yield handle


def test_contracts_never_see_each_other(two_contracts: EmulatorHandle) -> None:
    two_contracts.emulator.reset()
    alice = Api(two_contracts, "alice@example.com", "alice-pass-1")
    bob = Api(two_contracts, "bob@example.com", "bob-pass-1")
    dc = alice.datacenter("alice-dc")
    snap_vol = alice.volume(dc)
    snap = alice.ok("POST", f"/datacenters/{dc}/volumes/{snap_vol}/create-snapshot")["id"]
    block = alice.ok("POST", "/ipblocks", {"properties": {"location": "us/las", "size": 1}})["id"]
    assert bob.get("/datacenters").json["items"] == []
    assert bob.get(f"/datacenters/{dc}").status == 404
    assert bob.call("DELETE", f"/datacenters/{dc}").status == 404
    assert bob.get(f"/snapshots/{snap}").status == 404
    assert bob.get(f"/ipblocks/{block}").status == 404
    assert bob.get("/requests").json["items"] == []
    assert bob.get("/um/users", depth=1).json["items"][0]["properties"]["email"] == bob.username
    assert bob.get(f"/images/{UBUNTU_LAS}").status == 200
    assert bob.get("/contracts").json["properties"]["owner"] == "bob@example.com"
    assert (
        alice.get("/contracts").json["properties"]["contractNumber"]
        != bob.get("/contracts").json["properties"]["contractNumber"]
    )
    group = bob.ok("POST", "/um/groups", {"properties": {"name": "g"}})["id"]
    assert bob.call("POST", f"/um/groups/{group}/shares/{dc}").status == 404
    for user in (alice, bob):
        user.pool.clear()


def test_owner_is_an_administrator_user_without_password(api: Api) -> None:
    users = api.get("/um/users", depth=1).json["items"]
    assert len(users) == 1
    owner = users[0]
    assert owner["properties"]["email"] == api.username
    assert owner["properties"]["administrator"] is True
    assert "password" not in owner["properties"]
    assert list(owner["metadata"]) == ["etag", "createdDate", "lastLogin"]
    assert list(owner["entities"]) == ["owns", "groups"]


def test_created_user_logs_in_and_is_confined(api: Api, new_user: NewUser) -> None:
    dc = api.datacenter("admins")
    jane = new_user("jane@example.com", "jane-secret-1")
    echo = api.get(f"/um/users/{jane.user_id}").json
    assert echo["properties"]["forceSecAuth"] is False
    assert echo["properties"]["secAuthActive"] is False
    assert jane.get("/datacenters").json["items"] == []
    assert jane.get(f"/datacenters/{dc}").status == 404
    assert jane.get("/um/users").status == 403
    assert jane.get("/um/groups").status == 403
    assert jane.get("/um/resources").status == 403
    assert jane.call("POST", "/datacenters", {"properties": {"name": "x"}}).status == 403
    assert jane.call("POST", "/ipblocks", {"properties": {}}).status == 403
    assert jane.get(f"/images/{UBUNTU_LAS}").status == 200
    assert jane.get("/contracts").status == 200
    assert jane.call("GET", "/datacenters", auth=(jane.username, "wrong")).status == 401


def test_shares_give_read_and_edit(api: Api, new_user: NewUser) -> None:
    dc = api.datacenter("shared")
    srv = api.server(dc)
    jane = new_user("jane@example.com")
    group = api.ok("POST", "/um/groups", {"properties": {"name": "ops"}})
    assert group["properties"] == {
        "name": "ops",
        "createDataCenter": False,
        "createSnapshot": False,
        "reserveIp": False,
        "accessActivityLog": False,
    }
    gid = group["id"]
    added = api.ok("POST", f"/um/groups/{gid}/users", {"id": jane.user_id})
    assert added["type"] == "user"
    share = api.ok("POST", f"/um/groups/{gid}/shares/{dc}", {"properties": {}})
    assert share == {
        "id": dc,
        "type": "resource",
        "href": f"{api.url}/um/groups/{gid}/shares/{dc}",
        "properties": {"editPrivilege": False, "sharePrivilege": False},
    }
    assert api.call("POST", f"/um/groups/{gid}/shares/{dc}").status == 422
    assert [d["id"] for d in jane.get("/datacenters").json["items"]] == [dc]
    assert jane.get(f"/datacenters/{dc}/servers/{srv}").status == 200
    assert jane.call("PATCH", f"/datacenters/{dc}", {"name": "mine"}).status == 403
    assert jane.call("DELETE", f"/datacenters/{dc}/servers/{srv}").status == 403
    assert jane.call("POST", f"/datacenters/{dc}/servers/{srv}/stop").status == 403
    # 404 (missing) still wins over 403 (read-only)
    assert jane.call("DELETE", f"/datacenters/{dc}/servers/nope").status == 404
    updated = api.ok(
        "PUT", f"/um/groups/{gid}/shares/{dc}", {"properties": {"editPrivilege": True}}
    )
    assert updated["properties"] == {"editPrivilege": True, "sharePrivilege": False}
    assert jane.call("PATCH", f"/datacenters/{dc}", {"name": "mine"}).status == 202
    listed = api.get(f"/um/groups/{gid}/shares", depth=1).json
    assert listed["id"] == f"{gid}/shares"
    assert listed["items"][0]["properties"]["editPrivilege"] is True
    resource = api.get(f"/um/resources/datacenter/{dc}", depth=1).json
    assert resource["type"] == "datacenter"
    assert resource["href"] == f"{api.url}/um/resources/datacenter/{dc}"
    assert [g["id"] for g in resource["entities"]["groups"]["items"]] == [gid]
    api.ok("DELETE", f"/um/groups/{gid}/shares/{dc}")
    assert jane.get(f"/datacenters/{dc}").status == 404
    assert api.get(f"/um/groups/{gid}/shares/{dc}").status == 404


def test_group_privileges_and_ownership(api: Api, new_user: NewUser) -> None:
    jane = new_user("jane@example.com")
    gid = api.ok("POST", "/um/groups", {"properties": {"name": "builders"}})["id"]
    api.ok("POST", f"/um/groups/{gid}/users", {"id": jane.user_id})
    body = {"properties": {"name": "janes", "location": "us/las"}}
    assert jane.call("POST", "/datacenters", body).status == 403
    put = api.ok("PUT", f"/um/groups/{gid}", {"properties": {"createDataCenter": "true"}})
    assert put["properties"]["name"] == "builders"
    assert put["properties"]["createDataCenter"] is True
    dc = jane.ok("POST", "/datacenters", body)["id"]
    # the creator owns it: full rights without a share
    assert jane.call("PATCH", f"/datacenters/{dc}", {"description": "d"}).status == 202
    vol = jane.volume(dc)
    assert jane.call("POST", f"/datacenters/{dc}/volumes/{vol}/create-snapshot").status == 403
    api.ok("PUT", f"/um/groups/{gid}", {"properties": {"createSnapshot": True, "reserveIp": True}})
    assert jane.call("POST", f"/datacenters/{dc}/volumes/{vol}/create-snapshot").status == 202
    assert (
        jane.call("POST", "/ipblocks", {"properties": {"location": "us/las", "size": 1}}).status
        == 202
    )
    owns = api.get(f"/um/users/{jane.user_id}/owns").json
    assert dc in [item["id"] for item in owns["items"]]
    groups = api.get(f"/um/users/{jane.user_id}/groups").json
    assert [g["id"] for g in groups["items"]] == [gid]
    api.ok("DELETE", f"/um/groups/{gid}/users/{jane.user_id}")
    assert api.get(f"/um/groups/{gid}/users").json["items"] == []
    assert jane.call("POST", "/datacenters", body).status == 403


def test_password_change_and_user_deletion_take_effect(api: Api, new_user: NewUser) -> None:
    jane = new_user("jane@example.com", "first-pass")
    assert jane.get("/datacenters").status == 200
    reply = api.call(
        "PUT", f"/um/users/{jane.user_id}", {"properties": {"password": "second-pass"}}
    )
    assert reply.status == 202
    assert "password" not in reply.json["properties"]
    assert "second-pass" not in api.get(f"/requests/{reply.request_id}").json["properties"]["body"]
    assert jane.get("/datacenters").status == 401
    jane.password = "second-pass"
    assert jane.get("/datacenters").status == 200
    api.ok("DELETE", f"/um/users/{jane.user_id}")
    assert jane.get("/datacenters").status == 401
    assert api.get(f"/um/users/{jane.user_id}").status == 404


def test_admin_users_and_user_rules(api: Api, new_user: NewUser) -> None:
    boss = new_user("boss@example.com", administrator=True)
    assert boss.get("/um/users").status == 200
    body = {
        "properties": {
            "firstname": "A",
            "lastname": "B",
            "email": "boss@example.com",
            "password": "x1",
        }
    }
    assert "already used" in api.call("POST", "/um/users", body).message
    body["properties"]["email"] = "not-an-email"
    assert (
        "Attribute 'email' must be an e-mail address" in api.call("POST", "/um/users", body).message
    )
    owner_id = api.get("/um/users", depth=1).json["items"][0]["id"]
    assert api.call("DELETE", f"/um/users/{owner_id}").status == 422
    put = api.ok("PUT", f"/um/users/{boss.user_id}", {"properties": {"lastname": "Z"}})
    assert put["properties"]["firstname"] == "Test"
    assert put["properties"]["lastname"] == "Z"


def test_resources_listing(api: Api) -> None:
    dc = api.datacenter()
    every = api.get("/um/resources").json
    assert every["id"] == "resources"
    kinds = {item["type"] for item in every["items"]}
    assert {"datacenter", "image"} <= kinds
    only = api.get("/um/resources/datacenter").json
    assert only["id"] == "resources"
    assert only["items"] == [
        {"id": dc, "type": "datacenter", "href": f"{api.url}/um/resources/datacenter/{dc}"}
    ]
    image = api.get(f"/um/resources/image/{UBUNTU_LAS}").json
    assert image["id"] == UBUNTU_LAS
    assert "properties" not in image
    assert api.get("/um/resources/snapshot/nope").status == 404
    gid = api.ok("POST", "/um/groups", {"properties": {"name": "g"}})["id"]
    assert api.call("POST", f"/um/groups/{gid}/shares/not-a-resource").status == 404
    assert api.get(f"/um/groups/{gid}/shares/{dc}").status == 404
