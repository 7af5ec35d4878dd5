"""EmulatorServer: binds at construction, serves in a thread, stops cleanly and only once."""

from __future__ import annotations

import json
import socket

import pytest
import urllib3

from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator.server import EmulatorServer

USER = ("srv@example.com", "srv-pw")


def _emulator() -> Emulator:
    return Emulator(EmulatorConfig(users=[USER], progression="immediate"))


def test_context_manager_serves_then_closes() -> None:
    with EmulatorServer(_emulator(), threads=2) as server:
        assert server.url == f"http://127.0.0.1:{server.port}/cloudapi/v4"
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        assert repr(server) == f"<EmulatorServer {server.url}>"
        headers = urllib3.make_headers(basic_auth=":".join(USER))
        reply = urllib3.request("GET", server.url + "/locations", headers=headers, retries=False)
        assert reply.status == 200
        assert len(json.loads(reply.data)["items"]) == 4
        with pytest.raises(RuntimeError):
            server.start()
    with pytest.raises(urllib3.exceptions.HTTPError):
        urllib3.request("GET", server.url + "/locations", retries=False, timeout=5)
    server.stop()  # a second stop is harmless
    with pytest.raises(RuntimeError):
        server.start()


def test_stop_without_start_releases_the_port() -> None:
    server = EmulatorServer(_emulator())
    port = server.port
    server.stop()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def test_bind_failure_and_bad_threads() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            EmulatorServer(_emulator(), port=taken.getsockname()[1])
    with pytest.raises(ValueError, match="threads"):
        EmulatorServer(_emulator(), threads=0)


def test_ipv6_loopback_url() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server = EmulatorServer(_emulator(), host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    with server:
        assert server.base_url == f"http://[::1]:{server.port}"
