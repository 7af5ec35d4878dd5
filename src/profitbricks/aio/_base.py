"""The hand-written part of ``AsyncProfitBricksService``: what differs from the blocking client.

``_generated.py`` copies every method of ``ProfitBricksService`` (construction, the operations,
the helpers) as a coroutine, except those defined here: the asyncio pipeline and transport,
``close``/``async with``, ``_run`` (which awaits the pipeline), the waits (driving the shared
polling steps with ``await``) and ``bulk``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from profitbricks import _operations as op
from profitbricks import waiting

if TYPE_CHECKING:
    import threading

    from urllib3 import Timeout

    from profitbricks._pipeline import AnyTransport, AsyncPipeline, AsyncTransport, RetryPolicy
    from profitbricks.bulk import BulkProgress, BulkReport
    from profitbricks.types import RequestStatusDoc

__all__ = ["AsyncServiceBase"]

T = TypeVar("T")
StatusCallback = Callable[[dict[str, Any]], None]


class AsyncServiceBase:
    """What ``AsyncProfitBricksService`` does differently from ``ProfitBricksService``."""

    # Set by the constructor (generated from ProfitBricksService.__init__).
    username: str | None
    _password: str | None
    host_base: str
    host_cert: str | None
    ssl_verify: bool
    headers: dict[str, str]
    user_agent: str
    timeout: float | Timeout | None
    retries: RetryPolicy | int | None
    deadline: float
    max_reply_bytes: int
    proxy: str | None
    client_cert: str | tuple[str, str] | None
    validate: bool
    _given_transport: AnyTransport | None
    _pipeline: AsyncPipeline | None
    _transport_lock: threading.Lock

    @property
    def transport(self) -> AsyncTransport:
        """The transport calls go through (the aiohttp transport is created on first use)."""
        return self.pipeline.transport

    @property
    def pipeline(self) -> AsyncPipeline:
        """The request pipeline (headers, retries, deadline, errors) in front of the transport."""
        pipeline = self._pipeline
        if pipeline is None:
            with self._transport_lock:
                pipeline = self._pipeline
                if pipeline is None:
                    pipeline = self._pipeline = self._new_pipeline()
        return pipeline

    def _new_pipeline(self) -> AsyncPipeline:
        from profitbricks._pipeline import AsyncPipeline
        from profitbricks.client import _pipeline_options, _transport_options

        from ._transport import AiohttpTransport, as_async_transport

        given = self._given_transport
        transport: AsyncTransport
        if given is None:
            transport = AiohttpTransport(self.host_base, **_transport_options(self))
        else:
            transport = as_async_transport(given)
        return AsyncPipeline(transport, self.host_base, **_pipeline_options(self))

    async def close(self) -> None:
        """Close the connections (a new session is made if the client is used again).

        A transport passed as ``transport=`` is closed too, and is the one used afterwards.
        """
        with self._transport_lock:
            pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            await pipeline.close()

    async def __aenter__(self) -> AsyncServiceBase:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __enter__(self) -> AsyncServiceBase:
        raise TypeError("AsyncProfitBricksService is closed by 'async with', not 'with'")

    def __exit__(self, *exc_info: object) -> None:
        """Never reached: ``__enter__`` refuses."""

    async def _run(self, operation: op.Operation[T], /, **arguments: Any) -> T:
        method, path, query, body, content_type = operation.prepare(
            arguments, validate=self.validate
        )
        pipeline = self._pipeline
        if pipeline is None:
            pipeline = self.pipeline
        reply = await pipeline.request(
            method, path, query=query, body=body, content_type=content_type
        )
        return operation.result(reply, method, pipeline.base_url + path)

    # Waiting for provisioning requests

    async def wait_for_completion(
        self,
        response: Any,
        timeout: float | None = 3600,
        initial_wait: float | None = None,
        scaleup: float | None = None,
        *,
        on_poll: StatusCallback | None = None,
    ) -> RequestStatusDoc | None:
        """Wait until the request behind ``response`` (a mutating call's result) is DONE.

        Polls ``GET /requests/{id}/status``; returns the final status document, or None at once
        for a falsy ``response``. Raises PBFailedRequest when the request FAILED and
        PBTimeoutError after ``timeout`` seconds (None: no limit).
        """
        final = await waiting.async_wait_for_completion(
            self._request_status, response, timeout, initial_wait, scaleup, on_poll=on_poll
        )
        return cast("RequestStatusDoc | None", final)

    async def wait_for_requests(
        self,
        responses: Iterable[Any],
        timeout: float | None = 3600,
        *,
        on_poll: StatusCallback | None = None,
    ) -> list[RequestStatusDoc]:
        """Wait for several requests at once; returns their final status documents in order.

        Each round polls every pending request, ten at a time, or reads them all with one
        ``GET /requests?depth=1`` when there are many. Raises PBFailedRequest naming every failed
        request, PBTimeoutError after ``timeout``.
        """
        finals = await waiting.async_wait_for_requests(
            self._request_status,
            responses,
            timeout,
            on_poll=on_poll,
            list_statuses=self._request_statuses,
        )
        return cast("list[RequestStatusDoc]", finals)

    async def _request_status(self, request_id: str) -> dict[str, Any]:
        status = await self._run(op.GET_REQUEST_STATUS, request_id=request_id)
        return cast("dict[str, Any]", status)

    async def _request_statuses(self) -> dict[str, dict[str, Any]]:
        listing = await self._run(op.LIST_REQUESTS, depth=1)
        return waiting.statuses_from_listing(listing)

    # Bulk provisioning

    async def bulk(
        self,
        calls: Iterable[Any],
        *,
        concurrency: int = 10,
        wait: bool = True,
        timeout: float | None = 3600,
        on_progress: Callable[[BulkProgress], object] | None = None,
    ) -> BulkReport:
        """Make many calls, ``concurrency`` at a time, then wait for their requests.

        ``calls`` are functions of no arguments returning an awaitable (e.g.
        ``functools.partial(client.create_server, dc_id, server)``), or awaitables such as
        ``client.create_server(dc_id, server)`` itself. With ``wait`` the requests they started
        are waited for together, on one schedule, for at most ``timeout`` seconds.
        ``on_progress`` gets a :class:`~profitbricks.bulk.BulkProgress` whenever a count changes.
        Returns a :class:`~profitbricks.bulk.BulkReport`: one outcome per call, in order, with its
        result, request id, final status and error; a failed call or request raises nothing.
        Cancelling lets the calls in flight finish and re-raises the ``CancelledError`` with
        ``request_ids`` (every request submitted) set on it (see ``profitbricks.bulk``).
        """
        from profitbricks.bulk import run_async

        return await run_async(
            self,
            calls,
            concurrency=concurrency,
            wait=wait,
            timeout=timeout,
            on_progress=on_progress,
        )
