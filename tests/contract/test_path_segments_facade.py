"""Through ``ProfitBricksService``: a path argument ``..`` is refused and nothing is sent.

One case per operation and path parameter (the operation's SDK method, or the method that
reaches it, called as in ``test_wire``), with validation on and off. The client's request
pipeline (the only way to the transport) is replaced by a counter that fails the test when the
client asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import PropertyMock, patch

import pytest

from profitbricks._operations import OPERATIONS
from profitbricks.client import PBValidationError, ProfitBricksService

from .path_calls import FIRST_ROWS, call_with


class Sent(Exception):
    """The client asked for its request pipeline: it was about to send a request."""


CASES = [
    pytest.param(operation.name, name, id=f"{operation.name}-{name}")
    for operation in OPERATIONS.values()
    for name in operation.params
]


@pytest.fixture
def transport() -> Iterator[PropertyMock]:
    with patch.object(ProfitBricksService, "pipeline", new_callable=PropertyMock) as counter:
        counter.side_effect = Sent
        yield counter


def _client(validate: bool) -> ProfitBricksService:
    return ProfitBricksService(
        "user", "secret", use_config=False, use_keyring=False, validate=validate
    )


def test_every_operation_and_method_is_covered() -> None:
    assert set(FIRST_ROWS) == set(OPERATIONS)
    methods = {name for name in OPERATIONS if hasattr(ProfitBricksService, name)}
    # Reached through list_resources(resource_type=...) and get_request(..., status=True).
    assert set(OPERATIONS) - methods == {"list_resources_of_type", "get_request_status"}


@pytest.mark.parametrize("validate", [True, False], ids=["validate", "no-validate"])
@pytest.mark.parametrize(("operation", "name"), CASES)
def test_dot_dot_is_refused_before_sending(
    transport: PropertyMock, operation: str, name: str, validate: bool
) -> None:
    with pytest.raises(PBValidationError) as caught:
        call_with(operation, {name: ".."})(_client(validate))
    assert transport.call_count == 0
    message: Any = caught.value.content[0]["message"]
    rule = "a path id must be one path segment"
    if name in OPERATIONS[operation].keep_slash:
        rule = "must be a location id like 'de/fra'"
    assert message.startswith(f"{name}: '..' is not allowed: {rule}")


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_the_same_call_with_its_own_ids_is_sent(transport: PropertyMock, operation: str) -> None:
    # The counter does count: without the bad id, each call reaches the transport.
    called: list[str] = []
    with pytest.raises(Sent):
        call_with(operation, {}, called)(_client(True))
    assert transport.call_count == 1
    # ... and the call is the operation's own SDK method where it has one.
    if hasattr(ProfitBricksService, operation):
        assert called == [operation]
