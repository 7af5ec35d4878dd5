"""Under ``polls:N`` a ``GET /requests`` listing at depth >= 1 is a poll of every listed request."""

from __future__ import annotations

from profitbricks.client import Datacenter
from profitbricks.emulator.testing import EmulatorHandle


def statuses(listing: dict) -> list[str]:  # type: ignore[type-arg]
    return [item["metadata"]["requestStatus"]["metadata"]["status"] for item in listing["items"]]


def test_a_listing_at_depth_1_counts_as_a_poll_of_each_request(emulator: EmulatorHandle) -> None:
    emulator.configure(progression="polls:2")
    client = emulator.client
    ids = [
        client.create_datacenter(Datacenter(name=f"dc{n}", location="de/fra"))["requestId"]
        for n in range(3)
    ]
    assert statuses(client.list_requests(depth=1)) == ["RUNNING"] * 3
    assert statuses(client.list_requests(depth=1)) == ["DONE"] * 3
    assert [client.get_request(rid, status=True)["metadata"]["status"] for rid in ids] == [
        "DONE"
    ] * 3


def test_a_listing_at_depth_0_shows_no_status_and_is_no_poll(emulator: EmulatorHandle) -> None:
    emulator.configure(progression="polls:2")
    client = emulator.client
    created = client.create_datacenter(Datacenter(name="dc", location="de/fra"))
    client.list_requests(depth=0)
    status = client.get_request(created["requestId"], status=True)
    assert status["metadata"]["status"] == "RUNNING"  # the first poll of two
