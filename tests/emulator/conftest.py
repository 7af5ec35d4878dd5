"""Fixtures for the emulator's HTTP-level tests (helpers in emu_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from profitbricks.emulator.testing import EmulatorHandle

from .emu_helpers import Api


@pytest.fixture
def api(emulator: EmulatorHandle) -> Iterator[Api]:
    """The first account's API (an administrator, owner of its contract)."""
    client = Api(emulator, emulator.username, emulator.password)
    yield client
    client.pool.clear()


@pytest.fixture
def new_user(api: Api) -> Any:
    """Create a user in ``api``'s contract and return an :class:`Api` logged in as it."""
    created: list[Api] = []

    def make(email: str, password: str = "user-secret-1", administrator: bool = False) -> Api:
        body = {
            "properties": {
                "firstname": "Test",
                "lastname": "User",
                "email": email,
                "password": password,
                "administrator": administrator,
            }
        }
        user = api.ok("POST", "/um/users", body)
        other = Api(api.handle, email, password)
        other.user_id = user["id"]
        created.append(other)
        return other

    yield make
    for other in created:
        other.pool.clear()
