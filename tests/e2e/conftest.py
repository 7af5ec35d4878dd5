"""Fixtures shared by the end-to-end tests: the wired client, a server in the module's ``dc_id``
data centre (each module declares its own ``dc_id``), and each network transport in turn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from profitbricks._simple_transport import SimpleTransport
from profitbricks._transport import HttpTransport
from profitbricks.client import ProfitBricksService, Server

from .pipelines import TRANSPORTS, service_on


@pytest.fixture
def client(
    emulator: Any, transport_class: type[HttpTransport] | type[SimpleTransport]
) -> Iterator[ProfitBricksService]:
    """A client of the emulator's first account, on each network transport in turn."""
    with service_on(transport_class, emulator.url, emulator.username, emulator.password) as sdk:
        yield sdk


@pytest.fixture
def server_id(client: ProfitBricksService, dc_id: str) -> str:
    created = client.create_server(dc_id, Server(name="app", cores=1, ram=1024))
    client.wait_for_completion(created)
    return created["id"]


@pytest.fixture(params=sorted(TRANSPORTS), ids=str)
def transport_class(request: pytest.FixtureRequest) -> type[HttpTransport] | type[SimpleTransport]:
    """Each network transport in turn (the pooled urllib3 one, and the http.client one)."""
    return TRANSPORTS[request.param]
