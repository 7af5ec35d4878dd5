"""A Transport that records what the SDK would send and answers with canned replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from profitbricks._transport import Reply

REQUEST_ID = "4a9f0c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b"
LOCATION = f"https://api.example.test/cloudapi/v4/requests/{REQUEST_ID}/status"


@dataclass(frozen=True)
class Recorded:
    """One request as the transport received it."""

    method: str
    path: str
    query: dict[str, str | int] | None
    body: bytes | None
    content_type: str | None


@dataclass
class RecordingTransport:
    """Records every call; answers GETs with ``get_data`` (200) and anything else with 202.

    A 202 carries ``Location`` (so the SDK finds ``REQUEST_ID``) and ``accepted_data`` as the body
    (None: an empty body, as the API sends for deletes and server actions).
    """

    get_data: Any = field(default_factory=lambda: {"id": "x", "type": "thing"})
    accepted_data: Any = None
    calls: list[Recorded] = field(default_factory=list)
    closed: bool = False

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Reply:
        self.calls.append(
            Recorded(method, path, None if query is None else dict(query), body, content_type)
        )
        if method == "GET":
            return Reply(200, {}, self.get_data, None)
        return Reply(202, {"Location": LOCATION}, self.accepted_data, REQUEST_ID)

    def close(self) -> None:
        self.closed = True

    @property
    def last(self) -> Recorded:
        return self.calls[-1]
