"""wait_for_completion / wait_for_requests against the emulator's request lifecycle."""

from __future__ import annotations

from typing import Any

import pytest

from profitbricks.client import Datacenter
from profitbricks.emulator.testing import EmulatorHandle
from profitbricks.errors import PBFailedRequest, PBTimeoutError


def create(emulator: EmulatorHandle, name: str) -> dict[str, Any]:
    response = dict(emulator.client.create_datacenter(Datacenter(name=name, location="de/fra")))
    assert response["requestId"]
    return response


def test_wait_returns_the_done_document_after_n_polls(emulator: EmulatorHandle) -> None:
    emulator.configure(progression="polls:3")
    response = create(emulator, "polled")
    seen: list[dict[str, Any]] = []
    final = emulator.client.wait_for_completion(response, on_poll=seen.append)
    assert final is not None
    assert final["metadata"]["status"] == "DONE"
    assert final["id"] == f"{response['requestId']}/status"
    assert [doc["metadata"]["status"] for doc in seen] == ["RUNNING", "RUNNING", "DONE"]
    assert seen[-1] == final
    dc = emulator.client.get_datacenter(response["id"])
    assert dc["metadata"]["state"] == "AVAILABLE"


def test_wait_follows_a_request_in_real_time(emulator: EmulatorHandle) -> None:
    emulator.configure(progression="seconds:0.3")
    response = create(emulator, "timed")
    seen: list[str] = []
    final = emulator.client.wait_for_completion(
        response, on_poll=lambda doc: seen.append(doc["metadata"]["status"])
    )
    assert final is not None
    assert final["metadata"]["status"] == "DONE"
    assert seen[-1] == "DONE"
    assert len(seen) >= 2
    assert set(seen[:-1]) <= {"QUEUED", "RUNNING"}


def test_wait_on_a_bodiless_reply(emulator: EmulatorHandle) -> None:
    response = create(emulator, "to-delete")
    emulator.client.wait_for_completion(response)
    emulator.configure(progression="polls:2")
    deleted = emulator.client.delete_datacenter(response["id"])
    assert deleted["requestId"]
    final = emulator.client.wait_for_completion(deleted)
    assert final is not None
    assert final["metadata"]["status"] == "DONE"


def test_failed_request_raises_with_its_id(emulator: EmulatorHandle) -> None:
    emulator.configure(fail_probability=1.0, progression="polls:2")
    response = create(emulator, "doomed")
    with pytest.raises(PBFailedRequest) as info:
        emulator.client.wait_for_completion(response)
    error = info.value
    assert error.request_id == response["requestId"]
    assert error.status is not None
    assert error.status["metadata"]["status"] == "FAILED"
    assert response["requestId"] in str(error)
    message = error.status["metadata"].get("message")
    if message:
        assert message in str(error)


def test_timeout_raises_with_the_last_status(emulator: EmulatorHandle) -> None:
    emulator.configure(progression="seconds:60")
    response = create(emulator, "slow")
    with pytest.raises(PBTimeoutError) as info:
        emulator.client.wait_for_completion(response, timeout=0.25)
    assert info.value.request_id == response["requestId"]
    assert info.value.status is not None
    assert info.value.status["metadata"]["status"] in ("QUEUED", "RUNNING")


def test_wait_for_requests_waits_for_all(emulator: EmulatorHandle) -> None:
    emulator.configure(progression="polls:2")
    responses = [create(emulator, f"dc-{n}") for n in range(4)]
    polled: list[str] = []
    finals = emulator.client.wait_for_requests(
        responses, on_poll=lambda doc: polled.append(doc["id"])
    )
    assert [doc["id"] for doc in finals] == [f"{r['requestId']}/status" for r in responses]
    assert {doc["metadata"]["status"] for doc in finals} == {"DONE"}
    # Two rounds, each polling every pending request once.
    assert sorted(polled) == sorted([doc["id"] for doc in finals] * 2)


def test_wait_for_requests_lists_every_failure(emulator: EmulatorHandle) -> None:
    emulator.configure(progression="polls:2")
    good = [create(emulator, f"good-{n}") for n in range(2)]
    emulator.configure(fail_probability=1.0)
    bad = [create(emulator, f"bad-{n}") for n in range(2)]
    with pytest.raises(PBFailedRequest) as info:
        emulator.client.wait_for_requests([good[0], bad[0], good[1], bad[1]])
    error = info.value
    assert [failure.request_id for failure in error.failures] == [r["requestId"] for r in bad]
    assert error.request_id == bad[0]["requestId"]
    for response in bad:
        assert response["requestId"] in str(error)
    for response in good:
        assert response["requestId"] not in str(error)
    assert "2 of 4" in str(error)
