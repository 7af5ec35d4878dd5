"""Fixtures shared by the operation tests: the wired client, and a server in the module's
``dc_id`` data centre (each module declares its own ``dc_id``)."""

from __future__ import annotations

from typing import Any

import pytest

from profitbricks.client import ProfitBricksService, Server


@pytest.fixture
def client(emulator: Any) -> ProfitBricksService:
    return emulator.client  # type: ignore[no-any-return]


@pytest.fixture
def server_id(client: ProfitBricksService, dc_id: str) -> str:
    created = client.create_server(dc_id, Server(name="app", cores=1, ram=1024))
    client.wait_for_completion(created)
    return created["id"]
