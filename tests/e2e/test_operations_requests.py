"""Request operations and waiting, against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from profitbricks.client import Datacenter, IPBlock, PBNotFoundError, ProfitBricksService


def test_requests_are_listed_and_described(client: ProfitBricksService) -> None:
    created = client.create_datacenter(Datacenter(name="Requested", location="de/fra"))
    request_id = created["requestId"]

    assert request_id in [r["id"] for r in client.list_requests()["items"]]
    request = client.get_request(request_id=request_id, status=False)
    assert request["type"] == "request"
    assert request["properties"]["method"] == "POST"
    assert request["properties"]["url"].endswith("/datacenters")

    status = client.get_request(request_id=request_id, status=True)
    assert status["type"] == "request-status"
    assert status["metadata"]["status"] == "DONE"
    targets = [t["target"]["id"] for t in status["metadata"]["targets"]]
    assert created["id"] in targets

    with pytest.raises(PBNotFoundError):
        client.get_request("00000000-0000-0000-0000-000000000000")


def test_every_kind_of_reply_is_waitable(client: ProfitBricksService) -> None:
    created = client.create_datacenter(Datacenter(name="Wait", location="us/las"))
    updated = client.update_datacenter(created["id"], name="Waited")
    block = client.reserve_ipblock(IPBlock(location="us/las", size=1))
    deleted = client.delete_ipblock(block["id"])
    finals = client.wait_for_requests([created, updated, block, deleted])
    assert [f["metadata"]["status"] for f in finals] == ["DONE"] * 4
    polled: list[dict[str, Any]] = []
    final = client.wait_for_completion(deleted, on_poll=polled.append)
    assert final is not None
    assert polled[-1] == final
    assert client.list_ipblocks()["items"] == []
