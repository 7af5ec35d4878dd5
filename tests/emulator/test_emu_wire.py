"""Wire format of the emulator: envelopes, key order, hrefs, depth 0-5, pretty output, requests."""

from __future__ import annotations

import re

from profitbricks.emulator.pretty import dumps_pretty

from .emu_helpers import UBUNTU_LAS, Api

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
META_KEYS = ["createdDate", "createdBy", "etag", "lastModifiedDate", "lastModifiedBy", "state"]


def test_create_datacenter_echo_and_location(api: Api) -> None:
    reply = api.call(
        "POST", "/datacenters", {"properties": {"name": "Staging", "location": "de/fra"}}
    )
    assert reply.status == 202
    location = reply.headers["Location"]
    assert re.fullmatch(re.escape(api.url) + r"/requests/[0-9a-f-]{36}/status", location), location
    doc = reply.json
    assert list(doc) == ["id", "type", "href", "metadata", "properties"]
    assert UUID.match(doc["id"])
    assert doc["type"] == "datacenter"
    assert doc["href"] == f"{api.url}/datacenters/{doc['id']}"
    assert list(doc["metadata"]) == META_KEYS
    assert doc["metadata"]["state"] == "BUSY"
    assert doc["metadata"]["createdBy"] == api.username
    assert re.fullmatch(r"[0-9a-f]{32}", doc["metadata"]["etag"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["metadata"]["createdDate"])
    assert doc["properties"] == {
        "name": "Staging",
        "description": None,
        "location": "de/fra",
        "version": None,
        "features": [],
    }


def test_datacenter_after_provisioning(api: Api) -> None:
    dc = api.datacenter("Prod", "us/ewr")
    doc = api.get(f"/datacenters/{dc}").json
    assert doc["metadata"]["state"] == "AVAILABLE"
    assert doc["properties"]["version"] == 1
    assert doc["properties"]["features"] == ["SSD", "MULTIPLE_CPU"]
    assert list(doc) == ["id", "type", "href", "metadata", "properties", "entities"]
    assert list(doc["entities"]) == ["servers", "volumes", "loadbalancers", "lans"]
    for name, coll in doc["entities"].items():
        # depth 0: collection references without items
        assert coll == {
            "id": f"{dc}/{name}",
            "type": "collection",
            "href": f"{api.url}/datacenters/{dc}/{name}",
        }


def test_patch_echoes_merged_busy_without_entities_and_bumps_version(api: Api) -> None:
    dc = api.datacenter("Old")
    before = api.get(f"/datacenters/{dc}").json["metadata"]["etag"]
    reply = api.call("PATCH", f"/datacenters/{dc}", {"description": "new"})
    assert reply.status == 202
    doc = reply.json
    assert "entities" not in doc
    assert doc["metadata"]["state"] == "BUSY"
    assert doc["properties"]["name"] == "Old"
    assert doc["properties"]["description"] == "new"
    after = api.get(f"/datacenters/{dc}").json
    assert after["properties"]["version"] == 2
    assert after["metadata"]["etag"] != before


def test_delete_and_actions_have_empty_body_and_location(api: Api) -> None:
    dc = api.datacenter()
    srv = api.server(dc)
    for method, path in [
        ("POST", f"/datacenters/{dc}/servers/{srv}/stop"),
        ("POST", f"/datacenters/{dc}/servers/{srv}/start"),
        ("POST", f"/datacenters/{dc}/servers/{srv}/reboot"),
        ("DELETE", f"/datacenters/{dc}/servers/{srv}"),
    ]:
        reply = api.call(method, path)
        assert reply.status == 202
        assert reply.text == ""
        assert "/requests/" in reply.headers["Location"]


def test_collection_shape_and_order(api: Api) -> None:
    first = api.datacenter("a")
    second = api.datacenter("b")
    doc = api.get("/datacenters", depth=0).json
    assert list(doc) == ["id", "type", "href", "items"]
    assert doc["id"] == "datacenters"
    assert doc["href"] == f"{api.url}/datacenters"
    assert doc["items"] == [
        {"id": first, "type": "datacenter", "href": f"{api.url}/datacenters/{first}"},
        {"id": second, "type": "datacenter", "href": f"{api.url}/datacenters/{second}"},
    ]
    full = api.get("/datacenters", depth=1).json["items"][0]
    assert full["properties"]["name"] == "a"
    assert "items" not in full["entities"]["servers"]


def _composite(api: Api) -> tuple[str, str, str, str, str]:
    body = {
        "properties": {"name": "composite", "location": "us/las"},
        "entities": {
            "servers": {
                "items": [
                    {
                        "properties": {"name": "web", "cores": 2, "ram": 2048},
                        "entities": {
                            "volumes": {
                                "items": [
                                    {
                                        "properties": {
                                            "name": "system",
                                            "size": 10,
                                            "image": UBUNTU_LAS,
                                            "imagePassword": "secretpassword123",
                                        }
                                    }
                                ]
                            },
                            "nics": {
                                "items": [
                                    {
                                        "properties": {"name": "nic", "lan": 1},
                                        "entities": {
                                            "firewallrules": {
                                                "items": [{"properties": {"protocol": "ICMP"}}]
                                            }
                                        },
                                    }
                                ]
                            },
                        },
                    }
                ]
            }
        },
    }
    echo = api.ok("POST", "/datacenters", body)
    dc = echo["id"]
    server = echo["entities"]["servers"]["items"][0]
    volume = server["entities"]["volumes"]["items"][0]
    nic = server["entities"]["nics"]["items"][0]
    rule = nic["entities"]["firewallrules"]["items"][0]
    return dc, server["id"], volume["id"], nic["id"], rule["id"]


def test_depth_levels_of_a_datacenter(api: Api) -> None:
    dc, srv, vol, nic, rule = _composite(api)
    d1 = api.get(f"/datacenters/{dc}", depth=1).json
    assert d1["entities"]["servers"]["items"] == [
        {"id": srv, "type": "server", "href": f"{api.url}/datacenters/{dc}/servers/{srv}"}
    ]
    assert d1["entities"]["lans"]["items"][0]["id"] == "1"

    d2 = api.get(f"/datacenters/{dc}", depth=2).json
    server = d2["entities"]["servers"]["items"][0]
    assert server["properties"]["bootVolume"] == {
        "id": vol,
        "type": "volume",
        "href": f"{api.url}/datacenters/{dc}/volumes/{vol}",
    }
    assert "items" not in server["entities"]["volumes"]
    assert list(server["entities"]) == ["cdroms", "volumes", "nics"]

    d3 = api.get(f"/datacenters/{dc}", depth=3).json
    server = d3["entities"]["servers"]["items"][0]
    assert server["properties"]["bootVolume"]["properties"]["size"] == 10
    assert server["entities"]["nics"]["items"] == [
        {
            "id": nic,
            "type": "nic",
            "href": f"{api.url}/datacenters/{dc}/servers/{srv}/nics/{nic}",
        }
    ]

    d4 = api.get(f"/datacenters/{dc}", depth=4).json
    full_nic = d4["entities"]["servers"]["items"][0]["entities"]["nics"]["items"][0]
    assert full_nic["properties"]["lan"] == 1
    assert "items" not in full_nic["entities"]["firewallrules"]

    d5 = api.get(f"/datacenters/{dc}", depth=5).json
    rules = d5["entities"]["servers"]["items"][0]["entities"]["nics"]["items"][0]["entities"]
    assert rules["firewallrules"]["items"] == [
        {
            "id": rule,
            "type": "firewall-rule",
            "href": f"{api.url}/datacenters/{dc}/servers/{srv}/nics/{nic}/firewallrules/{rule}",
        }
    ]
    lan_nics = d5["entities"]["lans"]["items"][0]["entities"]["nics"]["items"]
    assert lan_nics[0]["href"] == f"{api.url}/datacenters/{dc}/servers/{srv}/nics/{nic}"


def test_attached_volume_href_is_canonical(api: Api) -> None:
    dc, srv, vol, _, _ = _composite(api)
    coll = api.get(f"/datacenters/{dc}/servers/{srv}/volumes", depth=0).json
    assert coll["id"] == f"{srv}/volumes"
    assert coll["items"][0]["href"] == f"{api.url}/datacenters/{dc}/volumes/{vol}"
    single = api.get(f"/datacenters/{dc}/servers/{srv}/volumes/{vol}").json
    assert single["href"] == f"{api.url}/datacenters/{dc}/volumes/{vol}"
    assert single["properties"]["bus"] == "VIRTIO"
    assert single["properties"]["deviceNumber"] == 1
    assert single["properties"]["licenceType"] == "LINUX"
    assert single["properties"]["imagePassword"] is None


def test_pretty_output_is_jackson_style_by_default(api: Api) -> None:
    dc = api.datacenter()
    reply = api.call("GET", f"/datacenters/{dc}", query="")
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.text.startswith('{\n  "id" : "')
    assert '\n  "metadata" : {\n    "createdDate" : "' in reply.text
    assert '"features" : [ "SSD", "MULTIPLE_CPU" ]' in reply.text
    compact = api.call("GET", f"/datacenters/{dc}", query="pretty=false").text
    assert "\n" not in compact
    assert compact.startswith('{"id":"')
    assert reply.json == api.call("GET", f"/datacenters/{dc}", query="pretty=false").json


def test_pretty_printer_formats_nested_containers() -> None:
    doc = {"a": [], "b": {}, "c": [{"x": 1}, {"y": None}], "d": [1.5, True, "é"]}
    assert dumps_pretty(doc) == (
        '{\n  "a" : [ ],\n  "b" : { },\n  "c" : [ {\n    "x" : 1\n  }, {\n    "y" : null\n  } ],'
        '\n  "d" : [ 1.5, true, "é" ]\n}'
    )


def test_public_url_from_host_header(api: Api) -> None:
    reply = api.pool.request(
        "GET",
        api.url + "/datacenters?pretty=false",
        headers={**_auth(api), "Host": "api.example.test:8443"},
    )
    assert reply.json()["href"] == "http://api.example.test:8443/cloudapi/v4/datacenters"


def _auth(api: Api) -> dict[str, str]:
    import urllib3

    return dict(urllib3.make_headers(basic_auth=f"{api.username}:{api.password}"))


def test_lan_ids_count_up(api: Api) -> None:
    dc = api.datacenter()
    first = api.ok(
        "POST", f"/datacenters/{dc}/lans", {"properties": {"name": "a", "public": "true"}}
    )
    assert first["id"] == "1"
    assert first["properties"]["public"] is True
    assert first["properties"]["ipFailover"] == []
    assert first["href"] == f"{api.url}/datacenters/{dc}/lans/1"
    second = api.ok("POST", f"/datacenters/{dc}/lans", {"properties": {"name": "b"}})
    assert second["id"] == "2"
    assert api.get(f"/datacenters/{dc}/lans/2").json["properties"]["public"] is False
    assert api.get(f"/datacenters/{dc}/lans/0").status == 404


def test_request_records_mask_secrets_and_list_newest_first(api: Api) -> None:
    dc = api.datacenter()
    reply = api.call(
        "POST",
        f"/datacenters/{dc}/volumes",
        {"properties": {"size": 5, "image": UBUNTU_LAS, "imagePassword": "TopSecret99"}},
        content_type="application/json",
    )
    assert reply.status == 202
    record = api.get(f"/requests/{reply.request_id}", depth=1).json
    assert record["type"] == "request"
    assert list(record["metadata"]) == ["createdDate", "createdBy", "etag", "requestStatus"]
    props = record["properties"]
    assert props["method"] == "POST"
    assert props["url"] == f"{api.url}/datacenters/{dc}/volumes?pretty=false"
    assert "TopSecret99" not in props["body"]
    assert '"imagePassword": "*****"' in props["body"]
    assert "authorization" not in props["headers"]
    assert props["headers"]["content-type"] == "application/json"
    assert record["metadata"]["requestStatus"]["metadata"]["status"] == "DONE"
    listed = api.get("/requests", depth=0).json
    assert listed["id"] == "requests"
    assert listed["items"][0]["id"] == reply.request_id


def test_request_status_document(api: Api) -> None:
    reply = api.call("POST", "/datacenters", {"properties": {"name": "x", "location": "us/las"}})
    status = api.get(f"/requests/{reply.request_id}/status").json
    assert status["id"] == f"{reply.request_id}/status"
    assert status["type"] == "request-status"
    assert status["href"] == f"{api.url}/requests/{reply.request_id}/status"
    meta = status["metadata"]
    assert meta["status"] == "DONE"
    assert meta["message"] == "Request has been successfully executed"
    assert meta["targets"] == [
        {
            "target": {
                "id": reply.json["id"],
                "type": "datacenter",
                "href": reply.json["href"],
            },
            "status": "DONE",
        }
    ]


def test_locations_contract_and_root(api: Api) -> None:
    locs = api.get("/locations").json
    assert list(locs) == ["id", "type", "href", "items"]
    assert [i["id"] for i in locs["items"]] == ["us/las", "us/ewr", "de/fra", "de/fkb"]
    assert locs["items"][0] == {
        "id": "us/las",
        "type": "location",
        "href": f"{api.url}/locations/us/las",
    }
    las = api.get("/locations/us/las").json
    assert las["properties"]["name"] == "lasvegas"
    assert "metadata" not in las
    region = api.get("/locations/de", depth=1).json
    assert [i["id"] for i in region["items"]] == ["de/fra", "de/fkb"]
    assert api.get("/locations/us/aa").status == 404
    contract = api.get("/contracts").json
    assert contract["type"] == "contract"
    limits = contract["properties"]["resourceLimits"]
    assert isinstance(contract["properties"]["contractNumber"], int)
    assert contract["properties"]["owner"] == api.username
    assert limits["coresProvisioned"] == 0
    assert api.get("/").json["href"] == api.url + "/"


def test_images_catalogue(api: Api) -> None:
    images = api.get("/images", depth=1).json["items"]
    assert any(i["id"] == UBUNTU_LAS for i in images)
    ubuntu = api.get(f"/images/{UBUNTU_LAS}").json
    props = ubuntu["properties"]
    assert props["public"] is True
    assert props["imageType"] == "HDD"
    assert props["location"] == "us/las"
    assert isinstance(props["size"], float)
    assert props["description"] is None
    assert list(props)[:4] == ["name", "description", "location", "size"]
    assert "entities" not in ubuntu
    assert api.call("PATCH", f"/images/{UBUNTU_LAS}", {"name": "mine"}).status == 403
    assert api.call("DELETE", f"/images/{UBUNTU_LAS}").status == 403
