"""A Transport for unit tests: records (method, path, body); GETs get ``{}``, the rest a 202."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from urllib3 import HTTPHeaderDict

from profitbricks._pipeline import RawReply

LOCATION = "https://api.example.test/cloudapi/v4/requests/4a9f0c1e-2b3d-4e5f-8a9b/status"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bytes | None]] = []
        self.closed = False

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
        path = urlsplit(url).path.removeprefix("/cloudapi/v4")
        self.calls.append((method, path, None if body is None else bytes(body)))
        if method == "GET":
            return RawReply(200, HTTPHeaderDict(), b"{}")
        return RawReply(202, HTTPHeaderDict({"Location": LOCATION}), b"{}")

    def close(self) -> None:
        self.closed = True
