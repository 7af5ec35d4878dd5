"""The asyncio client of the Cloud API: :class:`AsyncProfitBricksService` (the ``async`` extra).

``pip install 'profitbricks[async]'`` brings aiohttp, which the client uses for HTTP. Importing
``profitbricks`` or ``profitbricks.client`` never imports this package or aiohttp; importing this
package does not load aiohttp either until a client makes its first call.
"""

from __future__ import annotations

from importlib.util import find_spec

if find_spec("aiohttp") is None:  # pragma: no cover - the dev environment has the extra
    raise ImportError(
        "profitbricks.aio needs aiohttp: pip install 'profitbricks[async]'", name="aiohttp"
    )

from profitbricks.aio._generated import AsyncProfitBricksService
from profitbricks.aio._transport import AiohttpTransport, BlockingTransport
from profitbricks.bulk import BulkOutcome, BulkProgress, BulkReport

__all__ = [
    "AiohttpTransport",
    "AsyncProfitBricksService",
    "BlockingTransport",
    "BulkOutcome",
    "BulkProgress",
    "BulkReport",
]
