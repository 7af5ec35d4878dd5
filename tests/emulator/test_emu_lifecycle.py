"""Provisioning requests and state: progression policies, BUSY/AVAILABLE, cascades, composites."""

from __future__ import annotations

import time

from profitbricks.emulator.testing import EmulatorHandle

from .emu_helpers import UBUNTU_LAS, Api


def test_polls_progression(api: Api, emulator: EmulatorHandle) -> None:
    emulator.configure(progression="polls:3")
    reply = api.call("POST", "/datacenters", {"properties": {"name": "p", "location": "us/las"}})
    dc = reply.json["id"]
    assert api.get(f"/datacenters/{dc}").json["metadata"]["state"] == "BUSY"
    record = api.get(f"/requests/{reply.request_id}", depth=1).json
    assert record["metadata"]["requestStatus"]["metadata"]["status"] == "QUEUED"
    assert [api.status(reply) for _ in range(3)] == ["RUNNING", "RUNNING", "DONE"]
    doc = api.get(f"/datacenters/{dc}").json
    assert doc["metadata"]["state"] == "AVAILABLE"
    assert doc["properties"]["version"] == 1


def test_completing_a_request_completes_the_earlier_ones(
    api: Api, emulator: EmulatorHandle
) -> None:
    emulator.configure(progression="polls:1")
    first = api.call("POST", "/datacenters", {"properties": {"name": "a", "location": "us/las"}})
    second = api.call("POST", "/datacenters", {"properties": {"name": "b", "location": "us/las"}})
    assert api.status(second) == "DONE"
    status = api.get(f"/requests/{first.request_id}/status").json["metadata"]
    assert status["status"] == "DONE"


def test_seconds_progression(api: Api, emulator: EmulatorHandle) -> None:
    emulator.configure(progression="seconds:0.2")
    reply = api.call("POST", "/datacenters", {"properties": {"name": "s", "location": "us/las"}})
    assert api.status(reply) in ("QUEUED", "RUNNING")
    deadline = time.monotonic() + 5
    while api.status(reply) != "DONE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert api.get(f"/datacenters/{reply.json['id']}").json["metadata"]["state"] == "AVAILABLE"


def test_queued_work_on_a_busy_resource_is_accepted(api: Api, emulator: EmulatorHandle) -> None:
    emulator.configure(progression="polls:100")
    dc = api.call("POST", "/datacenters", {"properties": {"name": "q", "location": "us/las"}})
    dc_id = dc.json["id"]
    patch = api.call("PATCH", f"/datacenters/{dc_id}", {"name": "renamed"})
    assert patch.status == 202
    delete = api.call("DELETE", f"/datacenters/{dc_id}")
    assert delete.status == 202
    # Still there (BUSY) until the delete is done.
    assert api.get(f"/datacenters/{dc_id}").json["metadata"]["state"] == "BUSY"
    emulator.configure(progression="immediate")
    api.get("/datacenters")
    assert api.get(f"/datacenters/{dc_id}").status == 404


def test_failed_requests(api: Api, emulator: EmulatorHandle) -> None:
    emulator.configure(fail_probability=1.0)
    reply = api.call("POST", "/datacenters", {"properties": {"name": "f", "location": "us/las"}})
    status = api.get(f"/requests/{reply.request_id}/status").json["metadata"]
    assert status["status"] == "FAILED"
    assert status["message"]
    assert status["targets"][0]["status"] == "FAILED"
    doc = api.get(f"/datacenters/{reply.json['id']}").json
    assert doc["metadata"]["state"] == "AVAILABLE"
    assert doc["properties"]["version"] is None
    emulator.configure(fail_probability=0.0)
    delete = api.call("DELETE", f"/datacenters/{reply.json['id']}")
    assert api.status(delete) == "DONE"


def test_server_power_states(api: Api) -> None:
    dc = api.datacenter()
    echo = api.ok("POST", f"/datacenters/{dc}/servers", {"properties": {"cores": 1, "ram": 512}})
    assert echo["properties"]["vmState"] is None
    path = f"/datacenters/{dc}/servers/{echo['id']}"
    server = api.get(path).json
    assert server["properties"]["vmState"] == "RUNNING"
    assert server["properties"]["cpuFamily"] == "AMD_OPTERON"
    assert server["properties"]["availabilityZone"] == "AUTO"
    api.ok("POST", path + "/stop")
    stopped = api.get(path).json
    assert stopped["properties"]["vmState"] == "SHUTOFF"
    assert stopped["metadata"]["state"] == "INACTIVE"
    api.ok("POST", path + "/start")
    started = api.get(path).json
    assert started["properties"]["vmState"] == "RUNNING"
    assert started["metadata"]["state"] == "AVAILABLE"
    api.ok("POST", path + "/reboot")
    assert api.get(path).json["properties"]["vmState"] == "RUNNING"


def test_volume_attach_detach_and_boot_volume(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    first = api.volume(dc, size=5)
    second = api.volume(dc, size=6)
    assert api.get(f"/datacenters/{dc}/volumes/{first}").json["properties"]["bus"] is None
    attach = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/volumes", {"id": first})
    assert attach["id"] == first
    assert attach["properties"]["bus"] is None
    api.ok("POST", f"/datacenters/{dc}/servers/{srv}/volumes", {"id": second})
    server = api.get(f"/datacenters/{dc}/servers/{srv}", depth=1).json
    assert server["properties"]["bootVolume"]["id"] == first
    assert [i["id"] for i in server["entities"]["volumes"]["items"]] == [first, second]
    vol = api.get(f"/datacenters/{dc}/volumes/{first}").json["properties"]
    assert vol["bus"] == "VIRTIO"
    assert vol["deviceNumber"] == 1
    assert vol["licenceType"] == "LINUX"
    # attaching what is attached is accepted like any request (issue 8 A.7)
    again = api.call("POST", f"/datacenters/{dc}/servers/{srv}/volumes", {"id": first})
    assert again.status == 202
    assert again.json["properties"]["deviceNumber"] == 1
    assert api.call("POST", f"/datacenters/{dc}/servers/{srv}/volumes", {}).status == 422
    api.ok("DELETE", f"/datacenters/{dc}/servers/{srv}/volumes/{first}")
    assert api.get(f"/datacenters/{dc}/servers/{srv}/volumes/{first}").status == 404
    detached = api.get(f"/datacenters/{dc}/volumes/{first}").json["properties"]
    assert detached["bus"] is None
    assert detached["deviceNumber"] is None
    assert api.get(f"/datacenters/{dc}/servers/{srv}").json["properties"]["bootVolume"] is None


def test_cdroms(api: Api) -> None:
    images = api.get("/images", depth=1).json["items"]
    iso = next(
        i["id"]
        for i in images
        if i["properties"]["imageType"] == "CDROM" and i["properties"]["location"] == "us/las"
    )
    dc = api.datacenter()
    srv = api.server(dc)
    echo = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/cdroms", {"id": iso})
    assert echo["type"] == "image"
    assert echo["href"] == f"{api.url}/images/{iso}"
    assert echo["metadata"]["state"] == "BUSY"
    assert api.get(f"/images/{iso}").json["metadata"]["state"] == "AVAILABLE"
    listed = api.get(f"/datacenters/{dc}/servers/{srv}/cdroms", depth=1).json
    assert listed["id"] == f"{srv}/cdroms"
    assert listed["items"][0]["properties"]["imageType"] == "CDROM"
    assert (
        api.call("POST", f"/datacenters/{dc}/servers/{srv}/cdroms", {"id": UBUNTU_LAS}).status
        == 422
    )
    api.ok("DELETE", f"/datacenters/{dc}/servers/{srv}/cdroms/{iso}")
    assert api.get(f"/datacenters/{dc}/servers/{srv}/cdroms/{iso}").status == 404
    boot = api.ok(
        "PATCH", f"/datacenters/{dc}/servers/{srv}", {"bootCdrom": iso, "name": "from-iso"}
    )
    assert boot["properties"]["bootCdrom"]["id"] == iso
    assert boot["properties"]["bootVolume"] is None


def test_delete_server_keeps_volumes_and_delete_attached_volume_detaches(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    keep = api.volume(dc)
    gone = api.volume(dc)
    for vol in (keep, gone):
        api.ok("POST", f"/datacenters/{dc}/servers/{srv}/volumes", {"id": vol})
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    api.ok("DELETE", f"/datacenters/{dc}/volumes/{gone}")
    assert api.get(f"/datacenters/{dc}/volumes/{gone}").status == 404
    assert [v["id"] for v in api.get(f"/datacenters/{dc}/servers/{srv}/volumes").json["items"]] == [
        keep
    ]
    api.ok("DELETE", f"/datacenters/{dc}/servers/{srv}")
    assert api.get(f"/datacenters/{dc}/servers/{srv}").status == 404
    assert api.get(f"/datacenters/{dc}/servers/{srv}/nics/{nic['id']}").status == 404
    assert api.get(f"/datacenters/{dc}/volumes/{keep}").json["properties"]["bus"] is None
    assert api.get(f"/datacenters/{dc}/lans/1/nics").json["items"] == []


def test_delete_datacenter_removes_everything(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    vol = api.volume(dc)
    api.ok("POST", f"/datacenters/{dc}/lans", {"properties": {"name": "l"}})
    lb = api.ok("POST", f"/datacenters/{dc}/loadbalancers", {"properties": {"name": "lb"}})
    api.ok("DELETE", f"/datacenters/{dc}")
    for path in (
        f"/datacenters/{dc}",
        f"/datacenters/{dc}/servers/{srv}",
        f"/datacenters/{dc}/volumes/{vol}",
        f"/datacenters/{dc}/lans/1",
        f"/datacenters/{dc}/loadbalancers/{lb['id']}",
    ):
        assert api.get(path).status == 404
    assert api.get("/datacenters").json["items"] == []
    usage = api.get("/contracts").json["properties"]["resourceLimits"]
    assert usage["coresProvisioned"] == 0
    assert usage["hddVolumeProvisioned"] == 0


def test_composite_server_with_new_lan_and_provisioned_nics(api: Api) -> None:
    dc = api.datacenter()
    body = {
        "properties": {"name": "web", "cores": 1, "ram": 1024},
        "entities": {
            "volumes": {"items": [{"properties": {"size": 4, "licenceType": "OTHER"}}]},
            "nics": {
                "items": [
                    {
                        "properties": {"name": "pub", "lan": 3, "nat": True},
                        "entities": {
                            "firewallrules": {
                                "items": [{"properties": {"protocol": "TCP", "portRangeStart": 22}}]
                            }
                        },
                    }
                ]
            },
        },
    }
    echo = api.ok("POST", f"/datacenters/{dc}/servers", body)
    assert echo["properties"]["bootVolume"] is None
    assert list(echo["entities"]) == ["volumes", "nics"]
    nic_echo = echo["entities"]["nics"]["items"][0]
    assert nic_echo["properties"]["mac"] is None
    assert nic_echo["properties"]["firewallActive"] is None
    assert nic_echo["entities"]["firewallrules"]["items"][0]["properties"]["portRangeStart"] == 22
    assert api.get(f"/datacenters/{dc}/lans/3").json["properties"]["public"] is False
    nic = api.get(f"/datacenters/{dc}/servers/{echo['id']}/nics/{nic_echo['id']}", depth=2).json
    props = nic["properties"]
    assert props["mac"].startswith("02:01:")
    assert props["mac"] == props["mac"].lower()
    assert props["ips"]
    assert props["ips"][0].startswith("10.")
    assert props["dhcp"] is True
    assert props["nat"] is True
    assert props["firewallActive"] is False
    assert len(nic["entities"]["firewallrules"]["items"]) == 1
    members = api.get(f"/datacenters/{dc}/lans/3/nics").json
    assert members["id"] == "3/nics"
    assert [m["id"] for m in members["items"]] == [nic_echo["id"]]
    server = api.get(f"/datacenters/{dc}/servers/{echo['id']}").json
    assert server["properties"]["bootVolume"]["id"] == echo["entities"]["volumes"]["items"][0]["id"]


def test_composite_is_all_or_nothing(api: Api) -> None:
    body = {
        "properties": {"name": "x", "location": "us/las"},
        "entities": {
            "servers": {
                "items": [
                    {"properties": {"cores": 1, "ram": 512}},
                    {"properties": {"cores": 1, "ram": 500}},
                ]
            }
        },
    }
    reply = api.call("POST", "/datacenters", body)
    assert reply.status == 422
    assert "[(root).entities.servers.items[1].properties.ram]" in reply.message
    assert api.get("/datacenters").json["items"] == []
    assert api.get("/requests").json["items"] == []


def test_public_lan_gives_public_ip_and_loadbalancer_ip_is_shared(api: Api) -> None:
    dc = api.datacenter()
    api.ok("POST", f"/datacenters/{dc}/lans", {"properties": {"public": True}})
    srv = api.server(dc)
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    ips = api.get(f"/datacenters/{dc}/servers/{srv}/nics/{nic['id']}").json["properties"]["ips"]
    assert not ips[0].startswith(("10.", "172.", "192.168."))
    lb = api.ok(
        "POST",
        f"/datacenters/{dc}/loadbalancers",
        {
            "properties": {"name": "lb"},
            "entities": {"balancednics": {"items": [{"id": nic["id"]}]}},
        },
    )
    assert lb["entities"]["balancednics"]["items"][0]["id"] == nic["id"]
    lb_ip = api.get(f"/datacenters/{dc}/loadbalancers/{lb['id']}").json["properties"]["ip"]
    member = api.get(f"/datacenters/{dc}/loadbalancers/{lb['id']}/balancednics/{nic['id']}").json
    assert member["href"].endswith(f"/servers/{srv}/nics/{nic['id']}")
    assert lb_ip in member["properties"]["ips"]
    api.ok("DELETE", f"/datacenters/{dc}/loadbalancers/{lb['id']}/balancednics/{nic['id']}")
    assert api.get(f"/datacenters/{dc}/loadbalancers/{lb['id']}/balancednics").json["items"] == []


def test_lan_failover_rules(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})
    ip = api.get(f"/datacenters/{dc}/servers/{srv}/nics/{nic['id']}").json["properties"]["ips"][0]
    bad = api.call(
        "PATCH",
        f"/datacenters/{dc}/lans/1",
        {"ipFailover": [{"ip": "10.9.9.9", "nicUuid": nic["id"]}]},
    )
    assert bad.status == 422
    good = api.ok(
        "PATCH", f"/datacenters/{dc}/lans/1", {"ipFailover": [{"ip": ip, "nicUuid": nic["id"]}]}
    )
    assert good["properties"]["ipFailover"] == [{"ip": ip, "nicUuid": nic["id"]}]


def test_snapshots(api: Api) -> None:
    dc = api.datacenter("Main")
    vol = api.volume(dc, size=12, name="data")
    snap = api.ok("POST", f"/datacenters/{dc}/volumes/{vol}/create-snapshot")
    props = snap["properties"]
    assert props["name"].startswith("data-Snapshot-")
    assert props["description"] == 'Created from "data" in Data Center "Main"'
    assert props["location"] == "us/las"
    assert props["size"] is None
    assert props["licenceType"] is None
    assert props["cpuHotPlug"] is False
    assert "entities" not in snap
    done = api.get(f"/snapshots/{snap['id']}").json["properties"]
    assert done["size"] == 12
    assert done["licenceType"] == "LINUX"
    assert api.call("PATCH", f"/snapshots/{snap['id']}", {"licenceType": "UNKNOWN"}).status == 422
    api.ok("PATCH", f"/snapshots/{snap['id']}", {"licenceType": "WINDOWS", "ramHotPlug": "true"})
    restore = api.call(
        "POST",
        f"/datacenters/{dc}/volumes/{vol}/restore-snapshot",
        raw=f"snapshotId={snap['id']}",
        content_type="application/x-www-form-urlencoded",
    )
    assert restore.status == 202
    assert restore.text == ""
    restored = api.get(f"/datacenters/{dc}/volumes/{vol}").json["properties"]
    assert restored["licenceType"] == "WINDOWS"
    assert restored["ramHotPlug"] is True
    missing = api.call("POST", f"/datacenters/{dc}/volumes/{vol}/restore-snapshot", {})
    assert "Attribute 'snapshotId' is required" in missing.message
    from_snap = api.ok(
        "POST", f"/datacenters/{dc}/volumes", {"properties": {"size": 12, "image": snap["id"]}}
    )
    assert (
        api.get(f"/datacenters/{dc}/volumes/{from_snap['id']}").json["properties"]["licenceType"]
        == "WINDOWS"
    )
    api.ok("DELETE", f"/snapshots/{snap['id']}")
    assert api.get(f"/snapshots/{snap['id']}").status == 404


def test_ipblocks(api: Api) -> None:
    block = api.ok(
        "POST", "/ipblocks", {"properties": {"location": "de/fra", "size": 3, "name": "b"}}
    )
    assert block["metadata"]["state"] == "BUSY"
    assert len(block["properties"]["ips"]) == 3
    assert len(set(block["properties"]["ips"])) == 3
    other = api.ok("POST", "/ipblocks", {"properties": {"location": "de/fra", "size": 1}})
    assert not set(other["properties"]["ips"]) & set(block["properties"]["ips"])
    assert api.get("/contracts").json["properties"]["resourceLimits"]["reservedIpsOnContract"] == 4
    api.ok("DELETE", f"/ipblocks/{block['id']}")
    assert api.get(f"/ipblocks/{block['id']}").status == 404
    assert [b["id"] for b in api.get("/ipblocks").json["items"]] == [other["id"]]


def test_seeded_ids_are_reproducible(api: Api, emulator: EmulatorHandle) -> None:
    ids = []
    for _ in range(2):
        emulator.configure(seed=42)
        emulator.emulator.reset()
        ids.append(api.datacenter())
    assert ids[0] == ids[1]
