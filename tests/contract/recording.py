"""A Transport that records what the SDK would send and answers with canned replies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from urllib3 import HTTPHeaderDict

from profitbricks._pipeline import RawReply

BASE_PATH = "/cloudapi/v4"
REQUEST_ID = "4a9f0c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b"
LOCATION = f"https://api.example.test/cloudapi/v4/requests/{REQUEST_ID}/status"


@dataclass(frozen=True)
class Recorded:
    """One request as the transport received it (path relative to the API base, query parsed)."""

    method: str
    path: str
    query: dict[str, str | int] | None
    body: bytes | None
    content_type: str | None


def _value(text: str) -> str | int:
    return int(text) if text.isdigit() else text


@dataclass
class RecordingTransport:
    """Records every call; answers GETs with ``get_data`` (200) and anything else with 202.

    A 202 carries ``Location`` (so the SDK finds ``REQUEST_ID``) and ``accepted_data`` as the body
    (None: an empty body, as the API sends for deletes and server actions).
    """

    get_data: Any = field(default_factory=lambda: {"id": "x", "type": "thing"})
    accepted_data: Any = None
    calls: list[Recorded] = field(default_factory=list)
    headers: list[Mapping[str, str]] = field(default_factory=list)
    closed: bool = False

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        deadline: float | None = None,
        max_bytes: int | None = None,
    ) -> RawReply:
        parts = urlsplit(url)
        path = parts.path.removeprefix(BASE_PATH)
        query = {k: _value(v) for k, v in parse_qsl(parts.query)} if parts.query else None
        plain = None if body is None else bytes(body)
        self.calls.append(Recorded(method, path, query, plain, headers.get("Content-Type")))
        self.headers.append(dict(headers))
        if method == "GET":
            return RawReply(200, HTTPHeaderDict(), json.dumps(self.get_data).encode())
        data = b"" if self.accepted_data is None else json.dumps(self.accepted_data).encode()
        return RawReply(202, HTTPHeaderDict({"Location": LOCATION}), data)

    def close(self) -> None:
        self.closed = True

    @property
    def last(self) -> Recorded:
        return self.calls[-1]
