"""User management operations (groups, users, shares, resources) against the emulator."""

from __future__ import annotations

import pytest

from profitbricks.client import (
    Datacenter,
    Group,
    PBNotFoundError,
    ProfitBricksService,
    User,
)


@pytest.fixture
def group_id(client: ProfitBricksService) -> str:
    created = client.create_group(Group(name="ops", create_datacenter=True))
    client.wait_for_completion(created)
    return created["id"]


@pytest.fixture
def user_id(client: ProfitBricksService) -> str:
    created = client.create_user(
        User(firstname="Jane", lastname="Roe", email="jane.roe@example.com", password="pa55word1")
    )
    client.wait_for_completion(created)
    return created["id"]


@pytest.fixture
def dc_id(client: ProfitBricksService) -> str:
    created = client.create_datacenter(Datacenter(name="Shared", location="us/ewr"))
    client.wait_for_completion(created)
    return created["id"]


def test_group_lifecycle(client: ProfitBricksService) -> None:
    created = client.create_group(
        Group(
            name="my-group",
            create_datacenter=True,
            create_snapshot=False,
            reserve_ip=True,
            access_activity_log=False,
        )
    )
    client.wait_for_completion(created)
    grp = created["id"]
    props = client.get_group(grp)["properties"]
    assert props == {
        "name": "my-group",
        "createDataCenter": True,
        "createSnapshot": False,
        "reserveIp": True,
        "accessActivityLog": False,
    }
    assert grp in [g["id"] for g in client.list_groups()["items"]]

    client.wait_for_completion(
        client.update_group(
            group_id=grp,
            name="my-group",
            create_datacenter=False,
            create_snapshot=True,
            reserve_ip=False,
            access_activity_log=True,
        )
    )
    props = client.get_group(grp)["properties"]
    assert (props["createDataCenter"], props["createSnapshot"]) == (False, True)
    assert (props["reserveIp"], props["accessActivityLog"]) == (False, True)

    client.wait_for_completion(client.delete_group(group_id=grp))
    with pytest.raises(PBNotFoundError):
        client.get_group(grp)


def test_user_lifecycle(client: ProfitBricksService) -> None:
    created = client.create_user(
        User(
            firstname="John",
            lastname="Doe",
            email="no-reply@example.com",
            password="secretpassword123",
            administrator=True,
            force_sec_auth=False,
        )
    )
    client.wait_for_completion(created)
    usr = created["id"]
    props = client.get_user(usr)["properties"]
    assert (props["firstname"], props["lastname"], props["email"]) == (
        "John",
        "Doe",
        "no-reply@example.com",
    )
    assert (props["administrator"], props["forceSecAuth"]) == (True, False)
    assert "password" not in props
    assert usr in [u["id"] for u in client.list_users()["items"]]

    client.wait_for_completion(
        client.update_user(
            user_id=usr,
            firstname="Johnny",
            lastname="Doe",
            email="no-reply@example.com",
            administrator=False,
            force_sec_auth=False,
        )
    )
    props = client.get_user(usr)["properties"]
    assert (props["firstname"], props["administrator"]) == ("Johnny", False)

    client.wait_for_completion(client.delete_user(user_id=usr))
    with pytest.raises(PBNotFoundError):
        client.get_user(usr)


def test_group_membership(client: ProfitBricksService, group_id: str, user_id: str) -> None:
    added = client.add_group_user(group_id=group_id, user_id=user_id)
    assert added["id"] == user_id
    client.wait_for_completion(added)
    members = client.list_group_users(group_id)["items"]
    assert [(m["id"], m["type"]) for m in members] == [(user_id, "user")]

    client.wait_for_completion(client.remove_group_user(group_id, user_id))
    assert client.list_group_users(group_id)["items"] == []
    assert client.get_user(user_id)["id"] == user_id


def test_share_lifecycle(client: ProfitBricksService, group_id: str, dc_id: str) -> None:
    added = client.add_share(
        group_id=group_id, resource_id=dc_id, edit_privilege=True, share_privilege=True
    )
    client.wait_for_completion(added)
    share = client.get_share(group_id, dc_id)
    assert (share["id"], share["type"]) == (dc_id, "resource")
    assert share["properties"] == {"editPrivilege": True, "sharePrivilege": True}
    assert [s["id"] for s in client.list_shares(group_id)["items"]] == [dc_id]

    client.wait_for_completion(client.update_share(group_id, dc_id, share_privilege=False))
    assert client.get_share(group_id, dc_id)["properties"] == {
        "editPrivilege": True,
        "sharePrivilege": False,
    }

    client.wait_for_completion(client.delete_share(group_id, dc_id))
    with pytest.raises(PBNotFoundError):
        client.get_share(group_id, dc_id)
    assert client.list_shares(group_id)["items"] == []


def test_resources(client: ProfitBricksService, dc_id: str) -> None:
    everything = client.list_resources()
    assert (everything["id"], everything["type"]) == ("resources", "collection")
    assert dc_id in [r["id"] for r in everything["items"]]
    datacenters = client.list_resources(resource_type="datacenter")
    assert [r["id"] for r in datacenters["items"]] == [dc_id]
    assert client.list_resources("image")["items"]

    resource = client.get_resource(resource_type="datacenter", resource_id=dc_id)
    assert (resource["id"], resource["type"]) == (dc_id, "datacenter")
    assert client.get_resource(resource_id=dc_id)["id"] == dc_id
    with pytest.raises(PBNotFoundError):
        client.list_resources("unknown")
