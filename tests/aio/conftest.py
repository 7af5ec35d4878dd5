"""Fixtures for the asyncio client: a client of the test's emulator, over loopback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from profitbricks.aio import AsyncProfitBricksService
from profitbricks.emulator.testing import EmulatorHandle

NewClient = Callable[..., AsyncProfitBricksService]


@pytest.fixture
def new_client(emulator: EmulatorHandle) -> NewClient:
    """``new_client(**options)``: an asyncio client of the emulator's first account (close it)."""

    def make(**options: Any) -> AsyncProfitBricksService:
        options.setdefault("host_base", emulator.url)
        options.setdefault("use_config", False)
        options.setdefault("use_keyring", False)
        return AsyncProfitBricksService(emulator.username, emulator.password, **options)

    return make
