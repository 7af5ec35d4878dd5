"""Every operation called through ``ProfitBricksService`` with path arguments of our choosing.

The calls are the rows of ``test_wire`` (for each operation, the first row naming it), so the
non-path arguments (resource objects, keywords) are the ones that table already builds. A row's
path arguments are found by value: the row runs once against a spy ``Operation.prepare`` that
records the arguments by name; ``call_with`` then runs the row through a client wrapper that
swaps those values for others.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Mapping
from typing import Any
from unittest import mock

from profitbricks._operations import Operation
from profitbricks.client import ProfitBricksService

from .test_wire import ROWS

Call = Callable[[ProfitBricksService], Any]

#: operation name -> the call of the first ``test_wire`` row for it
FIRST_ROWS: dict[str, Call] = {}
for _param in ROWS:
    FIRST_ROWS.setdefault(_param.values[0], _param.values[1])


class _Stop(Exception):
    pass


@functools.cache
def path_arguments(operation: str) -> Mapping[str, Any]:
    """The path arguments, by name, that the row of ``operation`` passes to ``prepare``."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def spy(self: Operation[Any], arguments: Mapping[str, Any], **_: Any) -> Any:
        seen.append((self.name, {name: arguments[name] for name in self.params}))
        raise _Stop

    client = ProfitBricksService("user", "secret", use_config=False, use_keyring=False)
    with mock.patch.object(Operation, "prepare", spy), contextlib.suppress(_Stop):
        FIRST_ROWS[operation](client)
    assert [name for name, _ in seen] == [operation], seen
    return seen[0][1]


class _Swapping:
    """Calls methods of ``client`` with every argument equal to an old value swapped."""

    def __init__(
        self,
        client: ProfitBricksService,
        swaps: Mapping[str, tuple[Any, Any]],
        called: list[str] | None,
    ) -> None:
        self._client = client
        self._swaps = swaps
        self._called = called

    def _swap(self, value: Any, done: set[str]) -> Any:
        for name, (old, new) in self._swaps.items():
            if type(value) is type(old) and value == old:
                assert name not in done, f"{name}: {old!r} passed twice"
                done.add(name)
                return new
        return value

    def __getattr__(self, attribute: str) -> Any:
        method = getattr(self._client, attribute)
        if self._called is not None:
            self._called.append(attribute)

        def call(*args: Any, **kwargs: Any) -> Any:
            done: set[str] = set()
            args = tuple(self._swap(value, done) for value in args)
            kwargs = {key: self._swap(value, done) for key, value in kwargs.items()}
            assert done == set(self._swaps), f"not passed to {attribute}: {set(self._swaps) - done}"
            return method(*args, **kwargs)

        return call


def call_with(
    operation: str, replacements: Mapping[str, Any], called: list[str] | None = None
) -> Call:
    """The row call of ``operation`` with the path arguments in ``replacements`` replaced.

    ``replacements`` maps path parameter names (as in the operation's template) to values;
    names the operation does not have are ignored. The names of the client methods the call
    uses are appended to ``called``.
    """
    original = path_arguments(operation)
    swaps = {name: (original[name], new) for name, new in replacements.items() if name in original}
    row = FIRST_ROWS[operation]

    def call(client: ProfitBricksService) -> Any:
        return row(_Swapping(client, swaps, called))  # type: ignore[arg-type]

    return call
