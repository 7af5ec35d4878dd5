"""WIRE.md statement by statement: one focused HTTP-level test per statement or table."""

from __future__ import annotations

import base64
import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from .emu_helpers import UBUNTU_LAS, Api


def _connection(api: Api) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
    parts = urlsplit(api.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    token = base64.b64encode(f"{api.username}:{api.password}".encode()).decode()
    return conn, parts.path, {"Authorization": f"Basic {token}"}


# -- 1 Transport ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [("/datacenters", 200), ("/datacenters/fake_id", 404), ("/datacenters/x/servers", 404)],
)
def test_head_never_has_a_body_so_the_connection_stays_usable(
    api: Api, path: str, status: int
) -> None:
    conn, base, auth = _connection(api)
    try:
        conn.request("HEAD", base + path, headers=auth)
        head = conn.getresponse()
        assert head.status == status
        assert head.read() == b""
        # the next reply on the same kept-alive connection parses cleanly
        conn.request("GET", base + "/datacenters?pretty=false", headers=auth)
        after = conn.getresponse()
        assert after.status == 200
        assert json.loads(after.read())["id"] == "datacenters"
    finally:
        conn.close()


def test_head_without_credentials_is_401_without_body(api: Api) -> None:
    conn, base, _ = _connection(api)
    try:
        conn.request("HEAD", base + "/datacenters")
        reply = conn.getresponse()
        assert reply.status == 401
        assert reply.read() == b""
        conn.request("GET", base + "/datacenters")
        assert conn.getresponse().status == 401
    finally:
        conn.close()
