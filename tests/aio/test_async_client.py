"""AsyncProfitBricksService against the emulator over loopback: calls, errors, limits, waits."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Mapping
from typing import Any

import pytest

from profitbricks._pipeline import RawReply, RetryPolicy, parse_retry_after
from profitbricks.aio import AiohttpTransport, AsyncProfitBricksService
from profitbricks.client import Datacenter, LoadBalancer
from profitbricks.emulator.testing import EmulatorHandle, InMemoryTransport
from profitbricks.errors import (
    CleartextCredentialsWarning,
    PBConfigurationError,
    PBError,
    PBFailedRequest,
    PBNotFoundError,
    PBRateLimitExceededError,
    PBTimeoutError,
    PBValidationError,
)

from .conftest import NewClient

DC = Datacenter(name="async", location="de/fra")


class Recording:
    """Wraps a client's asyncio transport: when each request went out and what came back."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.exchanges: list[tuple[float, float, int, float | None]] = []

    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, **kw: Any
    ) -> RawReply:
        sent = time.monotonic()
        raw: RawReply = await self.transport.send(method, url, headers, body, **kw)
        retry_after = parse_retry_after(raw.headers.get("Retry-After"))
        self.exchanges.append((sent, time.monotonic(), raw.status, retry_after))
        return raw

    async def close(self) -> None:
        await self.transport.close()

    def sent_during_a_pause(self) -> int:
        pauses = [(end, end + ra) for _, end, status, ra in self.exchanges if status == 429 and ra]
        return sum(
            1 for sent, *_ in self.exchanges for start, stop in pauses if start < sent < stop - 0.01
        )


def test_a_datacenter_round_trip(new_client: NewClient) -> None:
    async def scenario() -> None:
        async with new_client() as client:
            created = await client.create_datacenter(DC)
            assert created["requestId"]
            final = await client.wait_for_completion(created)
            assert final is not None
            assert final["metadata"]["status"] == "DONE"
            assert (await client.get_datacenter(created["id"]))["properties"]["name"] == "async"
            assert (await client.get_datacenter_by_name("ASYNC"))["id"] == created["id"]
            found = await client.get_resource(resource_id=created["id"])
            assert found["type"] == "datacenter"
            deleted = await client.delete_datacenter(created["id"])
            assert deleted == {"requestId": deleted["requestId"]}
            assert await client.wait_for_completion(None) is None

    asyncio.run(scenario())


def test_aliases_validation_and_errors_are_the_blocking_clients(new_client: NewClient) -> None:
    async def scenario() -> None:
        async with new_client() as client:
            dc = await client.create_datacenter(DC)
            call = client.get_loadbalancer(dc["id"], load_balancer_id="0c5b4a3e-6a1f-4c8e")
            assert inspect.iscoroutine(call)
            with pytest.raises(PBNotFoundError):
                await call
            with pytest.raises(TypeError, match="both"):
                await client.get_loadbalancer(dc["id"], loadbalancer_id="x", load_balancer_id="y")
            with pytest.raises(PBValidationError, match="client-validation"):
                await client.create_loadbalancer(dc["id"], LoadBalancer(name="lb", ip="no-ip"))
            with pytest.raises(PBValidationError, match="one path segment"):
                await client.delete_datacenter("..")

    asyncio.run(scenario())


def test_the_client_closes_with_async_with_and_refuses_with(new_client: NewClient) -> None:
    async def scenario() -> None:
        client = new_client()
        with pytest.raises(TypeError, match="async with"), client:
            pass
        async with client:
            await client.list_locations()
            transport = client.transport
            assert isinstance(transport, AiohttpTransport)
        assert transport._session is None
        # Used again: a new session, closed again.
        await client.list_locations()
        assert client.transport is not transport
        await client.close()

    asyncio.run(scenario())


def test_one_session_and_one_tls_context_per_client(tmp_path: Any) -> None:
    client = AsyncProfitBricksService(
        "u", "p", host_base="https://127.0.0.1:9/cloudapi/v4", use_config=False
    )
    transport = client.pipeline.transport
    assert isinstance(transport, AiohttpTransport)
    assert transport.tls is not None
    assert client.pipeline.transport is transport


def test_construction_checks_are_the_blocking_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROFITBRICKS_USERNAME", raising=False)
    monkeypatch.delenv("PROFITBRICKS_PASSWORD", raising=False)
    with pytest.raises(PBConfigurationError, match="PROFITBRICKS_USERNAME"):
        AsyncProfitBricksService(use_config=False, use_keyring=False)
    with pytest.raises(PBConfigurationError):
        AsyncProfitBricksService("u", "p", host_base="ftp://example.com/", use_config=False)
    with pytest.raises(PBValidationError):
        AsyncProfitBricksService("u", "p", headers={"X-Bad": "a\r\nb"}, use_config=False)
    with pytest.warns(CleartextCredentialsWarning):
        AsyncProfitBricksService("u", "p", host_base="http://example.com/v4", use_config=False)


def test_a_blocking_transport_is_run_off_the_loop(emulator: EmulatorHandle) -> None:
    transport = InMemoryTransport(
        emulator.emulator, emulator.username, emulator.password, base_url=emulator.url
    )

    async def scenario() -> None:
        async with AsyncProfitBricksService(transport=transport) as client:
            created = await client.create_datacenter(DC)
            await client.wait_for_completion(created)
            assert (await client.list_datacenters())["items"][0]["id"] == created["id"]

    asyncio.run(scenario())


def test_a_429_pauses_every_task_of_the_client(
    emulator: EmulatorHandle, new_client: NewClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> Recording:
        async with new_client() as client:
            created = await client.create_datacenter(DC)
            recording = Recording(client.pipeline.transport)
            client.pipeline.transport = recording  # type: ignore[assignment]
            emulator.configure(rate_limit=4, rate_window=1)
            results = await asyncio.gather(
                *(client.get_datacenter(created["id"]) for _ in range(12))
            )
            assert {r["id"] for r in results} == {created["id"]}
            return recording

    with caplog.at_level(logging.INFO, logger="profitbricks"):
        recording = asyncio.run(scenario())
    statuses = [status for *_, status, _ in recording.exchanges]
    assert statuses.count(200) == 12
    assert statuses.count(429) >= 1
    assert recording.sent_during_a_pause() == 0
    assert any("every call of this client waits" in r.getMessage() for r in caplog.records)


def test_a_retry_after_beyond_the_policy_is_raised_at_once(
    emulator: EmulatorHandle, new_client: NewClient
) -> None:
    async def scenario() -> None:
        policy = RetryPolicy(max_backoff=0.5)
        async with new_client(retries=policy) as client:
            emulator.configure(rate_limit=1, rate_window=30)
            await client.list_locations()
            started = time.monotonic()
            with pytest.raises(PBRateLimitExceededError):
                await client.list_locations()
            assert time.monotonic() - started < 1.0

    asyncio.run(scenario())


def test_a_failed_request_and_a_timeout(emulator: EmulatorHandle, new_client: NewClient) -> None:
    async def scenario() -> None:
        async with new_client() as client:
            emulator.configure(fail_probability=1.0, progression="polls:2")
            doomed = await client.create_datacenter(DC)
            with pytest.raises(PBFailedRequest) as failed:
                await client.wait_for_completion(doomed)
            assert failed.value.request_id == doomed["requestId"]
            emulator.configure(fail_probability=0.0, progression="seconds:60")
            slow = await client.create_datacenter(Datacenter(name="slow", location="de/fra"))
            with pytest.raises(PBTimeoutError) as timed_out:
                await client.wait_for_completion(slow, timeout=0.3)
            assert timed_out.value.request_id == slow["requestId"]

    asyncio.run(scenario())


def test_wait_for_requests_lists_many_requests_in_one_call(
    emulator: EmulatorHandle, new_client: NewClient
) -> None:
    async def scenario() -> None:
        async with new_client() as client:
            emulator.configure(progression="polls:2")
            responses = [
                await client.create_datacenter(Datacenter(name=f"dc{n}", location="de/fra"))
                for n in range(12)
            ]
            served = emulator.emulator.stats.snapshot()["requests"]["api"]
            finals = await client.wait_for_requests(responses)
            assert [f["metadata"]["status"] for f in finals] == ["DONE"] * 12
            # polls:2 counts each listing as a poll of every listed request: two listings.
            assert emulator.emulator.stats.snapshot()["requests"]["api"] - served == 2

    asyncio.run(scenario())


def test_few_requests_are_polled_one_by_one_concurrently(
    emulator: EmulatorHandle, new_client: NewClient
) -> None:
    async def scenario() -> None:
        async with new_client() as client:
            emulator.configure(progression="polls:2")
            responses = [
                await client.create_datacenter(Datacenter(name=f"dc{n}", location="de/fra"))
                for n in range(3)
            ]
            polled: list[str] = []
            finals = await client.wait_for_requests(
                responses, on_poll=lambda doc: polled.append(doc["id"])
            )
            assert sorted(polled) == sorted([doc["id"] for doc in finals] * 2)

    asyncio.run(scenario())


def test_a_call_waits_out_a_shared_pause_only_until_its_deadline(
    emulator: EmulatorHandle, new_client: NewClient
) -> None:
    async def scenario() -> None:
        async with new_client(deadline=1.5) as client:
            emulator.configure(rate_limit=1, rate_window=5)
            await client.list_locations()
            # Retry-After 5 s is past this call's deadline: raised at once, the pause shared.
            with pytest.raises(PBRateLimitExceededError):
                await client.list_locations()
            assert client.pipeline.paused_until > time.monotonic() + 3
            started = time.monotonic()
            with pytest.raises(PBError, match="deadline"):
                await client.list_locations()
            assert 1.0 < time.monotonic() - started < 2.5

    asyncio.run(scenario())


def test_no_secret_in_errors_or_reprs(emulator: EmulatorHandle) -> None:
    secret = "wrong-but-secret-password"

    async def scenario() -> PBError:
        async with AsyncProfitBricksService(
            emulator.username, secret, host_base=emulator.url, use_config=False
        ) as client:
            assert secret not in repr(client)
            assert secret not in repr(client.pipeline)
            with pytest.raises(PBError) as info:
                await client.list_datacenters()
            return info.value

    error = asyncio.run(scenario())
    assert error.resp == 401
    assert secret not in str(error)
    assert secret not in repr(error)
