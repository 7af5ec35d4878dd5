"""Private images: created through POST /_emulator/images, then read, changed, deleted and used
through the Cloud API like uploads of the real one."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import urllib3

from profitbricks.emulator.control import InvalidSetting
from profitbricks.emulator.testing import EmulatorHandle, running_emulator

from .emu_helpers import UBUNTU_LAS, Api, Reply

NewUser = Callable[..., Api]

IMAGE = {"name": "golden", "location": "us/las", "size": 3.5, "licenceType": "LINUX"}


def control(
    handle: EmulatorHandle, method: str, body: Any = None, *, raw: bytes | None = None
) -> Reply:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    with urllib3.PoolManager(retries=False, timeout=30) as pool:
        headers = {"Content-Type": "application/json"} if data is not None else {}
        reply = pool.request(
            method, handle.base_url + "/_emulator/images", body=data, headers=headers
        )
        return Reply(reply.status, reply.headers, reply.data.decode("utf-8"))


def upload(handle: EmulatorHandle, **props: Any) -> dict[str, Any]:
    reply = control(handle, "POST", {"owner": handle.username, **IMAGE, **props})
    assert reply.status == 201, reply.text
    doc: dict[str, Any] = reply.json
    return doc


def test_control_route_creates_a_private_image(api: Api, emulator: EmulatorHandle) -> None:
    reply = control(
        emulator,
        "POST",
        {"owner": emulator.username, **IMAGE, "description": "base", "cpuHotPlug": True},
    )

    assert reply.status == 201
    doc = reply.json
    assert reply.headers["Location"] == doc["href"] == f"{emulator.url}/images/{doc['id']}"
    assert doc["type"] == "image"
    assert doc["metadata"]["state"] == "AVAILABLE"
    assert doc["metadata"]["createdBy"] == emulator.username
    props = doc["properties"]
    assert props["public"] is False
    assert (props["name"], props["description"], props["location"]) == ("golden", "base", "us/las")
    assert props["size"] == 3.5
    assert (props["imageType"], props["licenceType"]) == ("HDD", "LINUX")
    assert props["imageAliases"] == []
    assert props["cpuHotPlug"] is True
    assert props["ramHotPlug"] is False
    assert api.get(f"/images/{doc['id']}").json == doc
    assert list(api.get(f"/images/{doc['id']}").json["properties"]) == list(
        api.get(f"/images/{UBUNTU_LAS}").json["properties"]
    )


def test_defaults_and_the_python_helper(api: Api, emulator: EmulatorHandle) -> None:
    image_id = emulator.add_private_image(name="iso", location="de/fra", size=1, imageType="CDROM")

    props = api.get(f"/images/{image_id}").json["properties"]
    assert (props["imageType"], props["licenceType"], props["size"]) == ("CDROM", "UNKNOWN", 1.0)
    assert props["description"] is None
    with pytest.raises(InvalidSetting) as info:
        emulator.add_private_image(name="x", location="us/las", size=0)
    assert info.value.field == "size"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"name": None}, "name", "is required"),
        ({"name": ""}, "name", "non-empty string"),
        ({"location": None}, "location", "is required"),
        ({"location": "us/nowhere"}, "location", "must be one of"),
        ({"size": None}, "size", "is required"),
        ({"size": -1}, "size", "> 0"),
        ({"size": "3"}, "size", "> 0"),
        ({"size": True}, "size", "> 0"),
        ({"imageType": "SSD"}, "imageType", "HDD, CDROM"),
        ({"licenceType": "BSD"}, "licenceType", "must be one of"),
        ({"description": 5}, "description", "string"),
        ({"nicHotPlug": "yes"}, "nicHotPlug", "boolean"),
        ({"owner": None}, "owner", "is required"),
        ({"owner": "nobody@example.com"}, "owner", "existing user"),
        ({"public": True}, "public", "not a field"),
    ],
)
def test_invalid_fields_are_400_naming_the_field(
    api: Api, emulator: EmulatorHandle, change: dict[str, Any], field: str, words: str
) -> None:
    body = {"owner": emulator.username, **IMAGE, **change}
    body = {name: value for name, value in body.items() if value is not None or name in change}

    reply = control(emulator, "POST", body)

    assert reply.status == 400
    assert reply.json["field"] == field
    assert f"'{field}'" in reply.json["error"]
    assert words in reply.json["error"]
    assert [
        i for i in api.get("/images", depth=1).json["items"] if not i["properties"]["public"]
    ] == []


def test_malformed_bodies_and_methods(emulator: EmulatorHandle) -> None:
    assert control(emulator, "POST", raw=b"{").status == 400
    assert "JSON object" in control(emulator, "POST", [1]).json["error"]
    assert control(emulator, "GET").status == 405


def test_listed_for_its_contract_and_in_um_resources(api: Api, emulator: EmulatorHandle) -> None:
    image_id = upload(emulator)["id"]

    listed = [item["id"] for item in api.get("/images").json["items"]]
    assert image_id in listed
    assert UBUNTU_LAS in listed
    resources = [item["id"] for item in api.get("/um/resources/image").json["items"]]
    assert image_id in resources
    resource = api.get(f"/um/resources/image/{image_id}").json
    assert (resource["id"], resource["type"]) == (image_id, "image")


@pytest.fixture(scope="module")
def two_contracts() -> Iterator[EmulatorHandle]:
    users = [("alice@example.com", "alice-pass-1"), ("bob@example.com", "bob-pass-1")]
    with running_emulator(users=users, progression="immediate") as handle:
        yield handle


def test_other_contracts_never_see_it(two_contracts: EmulatorHandle) -> None:
    two_contracts.emulator.reset()
    alice = Api(two_contracts, "alice@example.com", "alice-pass-1")
    bob = Api(two_contracts, "bob@example.com", "bob-pass-1")
    image_id = upload(two_contracts, owner="bob@example.com")["id"]
    try:
        assert bob.get(f"/images/{image_id}").status == 200
        assert alice.get(f"/images/{image_id}").status == 404
        assert image_id not in [item["id"] for item in alice.get("/images").json["items"]]
        assert alice.get(f"/um/resources/image/{image_id}").status == 404
        assert image_id not in [i["id"] for i in alice.get("/um/resources/image").json["items"]]
        assert alice.call("PATCH", f"/images/{image_id}", {"name": "mine"}).status == 404
        assert alice.call("DELETE", f"/images/{image_id}").status == 404
        dc = alice.datacenter()
        volume = {"properties": {"size": 5, "image": image_id}}
        assert alice.call("POST", f"/datacenters/{dc}/volumes", volume).status == 422
    finally:
        for user in (alice, bob):
            user.pool.clear()


def test_patch_updates_through_a_request(api: Api, emulator: EmulatorHandle) -> None:
    image_id = upload(emulator)["id"]
    emulator.configure(progression="polls:2")
    changes = {
        "name": "renamed",
        "description": "described",
        "licenceType": "WINDOWS",
        "ramHotPlug": True,
        "discScsiHotUnplug": True,
    }

    reply = api.call("PATCH", f"/images/{image_id}", changes)

    assert reply.status == 202
    assert reply.json["properties"]["name"] == "renamed"
    assert api.get(f"/images/{image_id}").json["metadata"]["state"] == "BUSY"
    assert [api.status(reply), api.status(reply)] == ["RUNNING", "DONE"]
    doc = api.get(f"/images/{image_id}").json
    assert doc["metadata"]["state"] == "AVAILABLE"
    props = doc["properties"]
    assert {name: props[name] for name in changes} == changes
    assert (props["size"], props["location"], props["public"]) == (3.5, "us/las", False)
    record = api.get(f"/requests/{reply.request_id}", depth=1).json
    assert record["properties"]["method"] == "PATCH"


def test_patch_rejects_read_only_properties(api: Api, emulator: EmulatorHandle) -> None:
    image_id = upload(emulator)["id"]

    for change in ({"size": 9}, {"location": "de/fra"}, {"public": True}, {"imageType": "CDROM"}):
        reply = api.call("PATCH", f"/images/{image_id}", change)
        assert reply.status == 422, change
    assert api.call("PATCH", f"/images/{image_id}", {"licenceType": "BSD"}).status == 422
    assert api.get(f"/images/{image_id}").json["properties"]["size"] == 3.5


def test_delete_removes_it_once_done(api: Api, emulator: EmulatorHandle) -> None:
    image_id = upload(emulator)["id"]
    emulator.configure(progression="polls:1")

    reply = api.call("DELETE", f"/images/{image_id}")

    assert reply.status == 202
    assert reply.text == ""
    assert api.status(reply) == "DONE"
    assert api.get(f"/images/{image_id}").status == 404
    assert image_id not in [item["id"] for item in api.get("/images").json["items"]]
    assert api.get(f"/um/resources/image/{image_id}").status == 404


def test_public_images_still_refuse_changes(api: Api) -> None:
    assert api.call("PATCH", f"/images/{UBUNTU_LAS}", {"name": "mine"}).status == 403
    assert api.call("DELETE", f"/images/{UBUNTU_LAS}").status == 403
    assert api.get(f"/images/{UBUNTU_LAS}").json["properties"]["name"].startswith("Ubuntu-16.04")


def test_volumes_from_a_private_image(api: Api, emulator: EmulatorHandle) -> None:
    image_id = upload(emulator, licenceType="WINDOWS2016", nicHotPlug=True)["id"]
    dc = api.datacenter()
    path = f"/datacenters/{dc}/volumes"

    created = api.ok("POST", path, {"properties": {"name": "v", "size": 4, "image": image_id}})

    props = api.get(f"{path}/{created['id']}").json["properties"]
    assert props["image"] == image_id
    assert (props["licenceType"], props["nicHotPlug"], props["cpuHotPlug"]) == (
        "WINDOWS2016",
        True,
        False,
    )
    with_password = {"size": 4, "image": image_id, "imagePassword": "secretpassword123"}
    reply = api.call("POST", path, {"properties": with_password})
    assert reply.status == 422
    assert "public image" in reply.message
    reply = api.call("POST", path, {"properties": {"size": 4, "image": image_id, "sshKeys": ["k"]}})
    assert reply.status == 422
    assert api.call("POST", path, {"properties": {"size": 3, "image": image_id}}).status == 422
    far = upload(emulator, location="de/fra")["id"]
    assert api.call("POST", path, {"properties": {"size": 4, "image": far}}).status == 422
    iso = upload(emulator, imageType="CDROM")["id"]
    assert api.call("POST", path, {"properties": {"size": 4, "image": iso}}).status == 422


def test_users_need_a_share_to_see_it(
    api: Api, emulator: EmulatorHandle, new_user: NewUser
) -> None:
    image_id = upload(emulator)["id"]
    member = new_user("member@example.com")
    assert member.get(f"/images/{image_id}").status == 404
    group = api.ok("POST", "/um/groups", {"properties": {"name": "readers"}})["id"]
    api.ok("POST", f"/um/groups/{group}/users", {"id": member.user_id})
    api.ok("POST", f"/um/groups/{group}/shares/{image_id}", {"properties": {}})

    assert member.get(f"/images/{image_id}").status == 200
    assert member.call("PATCH", f"/images/{image_id}", {"name": "x"}).status == 403
    api.ok("PUT", f"/um/groups/{group}/shares/{image_id}", {"properties": {"editPrivilege": True}})
    assert member.call("PATCH", f"/images/{image_id}", {"name": "x"}).status == 202


def test_reset_removes_private_images(api: Api, emulator: EmulatorHandle) -> None:
    image_id = upload(emulator)["id"]
    with urllib3.PoolManager(retries=False) as pool:
        assert pool.request("POST", emulator.base_url + "/_emulator/reset").status == 200
    assert api.get(f"/images/{image_id}").status == 404
