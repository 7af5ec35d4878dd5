"""Run the asyncio client through tests written for the blocking one.

:class:`Blocking` wraps an ``AsyncProfitBricksService`` and runs each of its coroutine methods to
completion on one event loop, so a test body such as ``client.get_datacenter(dc)`` exercises both
clients unchanged. The loop and the client are closed by :func:`blocking`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Coroutine, Iterator
from typing import Any

from profitbricks.aio import AsyncProfitBricksService


class Blocking:
    """An asyncio client whose coroutine methods block until done (see the module docstring)."""

    def __init__(self, client: AsyncProfitBricksService, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coroutine)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.client, name)
        if inspect.iscoroutinefunction(value):

            def call(*args: Any, **kwargs: Any) -> Any:
                return self.run(value(*args, **kwargs))

            return call
        return value

    def __repr__(self) -> str:
        return f"Blocking({self.client!r})"


@contextlib.contextmanager
def blocking(*args: Any, **kwargs: Any) -> Iterator[Blocking]:
    """An ``AsyncProfitBricksService(*args, **kwargs)`` behind :class:`Blocking`, closed after."""
    loop = asyncio.new_event_loop()
    try:
        client = AsyncProfitBricksService(*args, **kwargs)
        try:
            yield Blocking(client, loop)
        finally:
            loop.run_until_complete(client.close())
            loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
