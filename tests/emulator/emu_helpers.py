"""Raw HTTP helpers for the emulator's own tests: urllib3 over loopback, no SDK."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import urllib3

from profitbricks.emulator.testing import EmulatorHandle

UBUNTU_LAS = "0d4f97f0-1689-11e7-97ce-525400f64d8d"


@dataclass
class Reply:
    status: int
    headers: Any
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None

    @property
    def message(self) -> str:
        return str(self.json["messages"][0]["message"])

    @property
    def request_id(self) -> str:
        location = self.headers["Location"]
        assert location.endswith("/status")
        return str(location.rsplit("/", 2)[-2])


class Api:
    """Calls the emulator's Cloud API as one user; ``pretty=false`` unless asked otherwise."""

    def __init__(self, handle: EmulatorHandle, username: str, password: str) -> None:
        self.handle = handle
        self.url = handle.url
        self.username = username
        self.password = password
        self.user_id = ""
        self.pool = urllib3.PoolManager(retries=False, timeout=30)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | str | None = None,
        query: str = "pretty=false",
        content_type: str | None = None,
        auth: tuple[str, str] | bool | None = True,
    ) -> Reply:
        headers: dict[str, str] = {}
        if auth is True:
            headers.update(urllib3.make_headers(basic_auth=f"{self.username}:{self.password}"))
        elif isinstance(auth, tuple):
            headers.update(urllib3.make_headers(basic_auth=f"{auth[0]}:{auth[1]}"))
        data: bytes | None = None
        if raw is not None:
            data = raw.encode() if isinstance(raw, str) else raw
        elif body is not None:
            data = json.dumps(body).encode()
        if content_type is not None:
            headers["Content-Type"] = content_type
        url = self.url + path + (f"?{query}" if query else "")
        reply = self.pool.request(method, url, body=data, headers=headers)
        return Reply(reply.status, reply.headers, reply.data.decode("utf-8"))

    def get(self, path: str, depth: int | None = None, **kw: Any) -> Reply:
        query = "pretty=false" + (f"&depth={depth}" if depth is not None else "")
        return self.call("GET", path, query=query, **kw)

    def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        """A call that must succeed (200/202); returns the parsed body."""
        reply = self.call(method, path, body, **kw)
        assert reply.status in (200, 202), (method, path, reply.status, reply.text[:300])
        return reply.json

    def datacenter(self, name: str = "dc", location: str = "us/las", **extra: Any) -> str:
        body = {"properties": {"name": name, "location": location}, **extra}
        return str(self.ok("POST", "/datacenters", body)["id"])

    def server(self, dc: str, cores: int = 1, ram: int = 1024, **props: Any) -> str:
        body = {"properties": {"name": "srv", "cores": cores, "ram": ram, **props}}
        return str(self.ok("POST", f"/datacenters/{dc}/servers", body)["id"])

    def volume(self, dc: str, size: int = 10, **props: Any) -> str:
        body = {"properties": {"name": "vol", "size": size, "licenceType": "LINUX", **props}}
        return str(self.ok("POST", f"/datacenters/{dc}/volumes", body)["id"])

    def status(self, reply: Reply) -> Any:
        return self.get(f"/requests/{reply.request_id}/status").json["metadata"]["status"]
