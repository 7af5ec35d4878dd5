"""A Transport for unit tests: records (method, path, body) and accepts every call with 202."""

from __future__ import annotations

from collections.abc import Mapping

from profitbricks._transport import Reply


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bytes | None]] = []

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Reply:
        self.calls.append((method, path, body))
        return Reply(202, {}, {}, "req")

    def close(self) -> None:
        pass
