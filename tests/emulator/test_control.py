"""The control API under /_emulator/ and the faults it switches on, seen over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3

from profitbricks.emulator.testing import EmulatorHandle, running_emulator


class Api:
    """A bare urllib3 client for the fixture's emulator (no SDK, no retries)."""

    def __init__(self, handle: EmulatorHandle) -> None:
        self.handle = handle
        self.pool = urllib3.PoolManager(retries=False, timeout=30)
        self.auth = urllib3.make_headers(basic_auth=f"{handle.username}:{handle.password}")

    def call(self, method: str, path: str, body: Any = None) -> urllib3.BaseHTTPResponse:
        headers = dict(self.auth)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return self.pool.request(method, self.handle.url + path, body=data, headers=headers)

    def control(self, method: str, path: str, body: Any = None) -> urllib3.BaseHTTPResponse:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        return self.pool.request(
            method, self.handle.base_url + "/_emulator" + path, body=data, headers=headers
        )

    def configure(self, **settings: Any) -> dict[str, Any]:
        reply = self.control("PATCH", "/config", settings)
        assert reply.status == 200, reply.data
        return json.loads(reply.data)  # type: ignore[no-any-return]

    def create_datacenter(self, name: str = "dc") -> urllib3.BaseHTTPResponse:
        return self.call(
            "POST", "/datacenters", {"properties": {"name": name, "location": "us/las"}}
        )

    def request_status(self, reply: urllib3.BaseHTTPResponse) -> dict[str, Any]:
        location = reply.headers["Location"]
        status = self.pool.request("GET", location, headers=self.auth)
        assert status.status == 200
        return json.loads(status.data)  # type: ignore[no-any-return]


@pytest.fixture
def api(emulator: EmulatorHandle) -> Iterator[Api]:
    client = Api(emulator)
    yield client
    client.pool.clear()


def test_settings_are_off_by_default_and_need_no_credentials(api: Api) -> None:
    reply = api.control("GET", "/config")
    assert reply.status == 200
    settings = json.loads(reply.data)
    assert settings["progression"] == "immediate"
    assert settings["rate_limit"] is None
    assert settings["fail_probability"] == 0
    assert settings["error_probability"] == 0
    assert settings["latency"] == 0
    assert json.loads(api.control("GET", "/").data) == settings


def test_invalid_setting_is_400_and_changes_nothing(api: Api) -> None:
    reply = api.control("PATCH", "/config", {"fail_probability": 2, "latency": 1})
    assert reply.status == 400
    assert "fail_probability" in json.loads(reply.data)["error"]
    assert json.loads(api.control("GET", "/config").data)["latency"] == 0
    assert api.control("GET", "/nothing").status == 404
    assert api.control("DELETE", "/config").status == 405


def test_rate_limit_answers_429_with_retry_after(api: Api) -> None:
    api.configure(rate_limit=2, rate_window=60)
    assert api.call("GET", "/datacenters").status == 200
    assert api.call("GET", "/locations").status == 200
    reply = api.call("GET", "/datacenters")
    assert reply.status == 429
    assert 1 <= int(reply.headers["Retry-After"]) <= 60
    body = json.loads(reply.data)
    assert body["httpStatus"] == 429
    assert body["messages"][0]["message"]
    assert isinstance(body["messages"][0]["errorCode"], str)
    # the control API is not rate limited
    assert api.control("GET", "/config").status == 200
    # turning the limit off lets requests through again
    api.configure(rate_limit=None)
    assert api.call("GET", "/datacenters").status == 200


def test_rate_limit_counts_per_account() -> None:
    users = [("a@example.com", "pw-a"), ("b@example.com", "pw-b")]
    with running_emulator(users, rate_limit=1, rate_window=60) as handle:
        first = Api(handle)
        assert first.call("GET", "/datacenters").status == 200
        assert first.call("GET", "/datacenters").status == 429
        second = Api(handle)
        second.auth = urllib3.make_headers(basic_auth="b@example.com:pw-b")
        assert second.call("GET", "/datacenters").status == 200
        first.pool.clear()
        second.pool.clear()


def test_error_probability_one_answers_503(api: Api) -> None:
    api.configure(error_probability=1.0)
    reply = api.call("GET", "/datacenters")
    assert reply.status == 503
    assert reply.headers["Retry-After"] == "1"
    assert json.loads(reply.data)["httpStatus"] == 503
    api.configure(error_probability=0.0)
    assert api.call("GET", "/datacenters").status == 200


def test_fail_probability_one_makes_requests_fail(api: Api) -> None:
    api.configure(fail_probability=1.0)
    reply = api.create_datacenter()
    assert reply.status == 202
    assert api.request_status(reply)["metadata"]["status"] == "FAILED"
    api.configure(fail_probability=0.0)
    assert api.request_status(api.create_datacenter())["metadata"]["status"] == "DONE"


def test_latency_delays_answers(api: Api) -> None:
    api.configure(latency=0.2)
    started = time.monotonic()
    assert api.call("GET", "/locations").status == 200
    assert time.monotonic() - started >= 0.2


def test_progression_setting_applies_to_new_requests(api: Api) -> None:
    api.configure(progression="polls:2")
    reply = api.create_datacenter()
    assert api.request_status(reply)["metadata"]["status"] != "DONE"
    statuses = [api.request_status(reply)["metadata"]["status"] for _ in range(3)]
    assert statuses[-1] == "DONE"


def test_reset_empties_the_state_and_switches_faults_off(api: Api) -> None:
    assert api.create_datacenter().status == 202
    assert len(json.loads(api.call("GET", "/datacenters").data)["items"]) == 1
    api.configure(error_probability=1.0, latency=0.01)
    reply = api.control("POST", "/reset")
    assert reply.status == 200
    assert json.loads(reply.data)["error_probability"] == 0
    assert json.loads(api.call("GET", "/datacenters").data)["items"] == []
    # the accounts and the catalogue survive
    assert json.loads(api.call("GET", "/images").data)["items"]


def test_seed_makes_ids_reproducible(api: Api) -> None:
    def ids_after_reset(seed: int) -> list[str]:
        assert api.control("POST", "/reset", {"seed": seed}).status == 200
        return [json.loads(api.create_datacenter(f"dc{i}").data)["id"] for i in range(3)]

    first = ids_after_reset(42)
    assert ids_after_reset(42) == first
    assert ids_after_reset(7) != first
    assert len(set(first)) == 3


def test_seed_patch_then_reset(api: Api) -> None:
    api.configure(seed=5)
    api.control("POST", "/reset")
    first = json.loads(api.create_datacenter().data)["id"]
    api.control("POST", "/reset")
    assert json.loads(api.create_datacenter().data)["id"] == first


def test_bad_reset_body_is_400(api: Api) -> None:
    assert api.create_datacenter().status == 202
    assert api.control("POST", "/reset", {"seed": "x"}).status == 400
    assert len(json.loads(api.call("GET", "/datacenters").data)["items"]) == 1
