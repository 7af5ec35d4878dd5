"""A keep-alive HTTP server that answers every request with one fixed v4 data-center document.

It stands in for a very fast API so that client-side costs show: asyncio, one process, no parsing
beyond finding the end of the request head (and skipping a ``Content-Length`` body). It counts the
connections it accepts; ``GET /_stats`` answers ``{"connections": n, "requests": m}``.

``--tls CERT KEY`` serves HTTPS with that certificate chain and key (connections are counted once
their handshake is done). ``--close`` answers every request with ``Connection: close`` and closes
the connection, so each request costs the client a new connection.

Run: ``python benchmarks/fixed_response_server.py [--port 0] [--cpu N] [--tls CERT KEY]
[--close]``; it prints ``listening on http(s)://127.0.0.1:<port>/cloudapi/v4`` once ready.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import ssl
import sys

DATACENTER_ID = "7c3e1a6e-0f5b-4d2a-9a41-3f6f1f0c2b8d"
BASE = "https://api.profitbricks.com/cloudapi/v4"


def datacenter_document() -> bytes:
    """A depth-1 data center as the API renders it: metadata, properties, entity references."""
    href = f"{BASE}/datacenters/{DATACENTER_ID}"
    doc = {
        "id": DATACENTER_ID,
        "type": "datacenter",
        "href": href,
        "metadata": {
            "etag": "5a2b0e7fd6b2e4a1c9d8f3b47e61a0c2",
            "createdDate": "2017-05-02T09:12:44Z",
            "createdBy": "jane@example.com",
            "lastModifiedDate": "2017-05-03T11:40:02Z",
            "lastModifiedBy": "jane@example.com",
            "state": "AVAILABLE",
        },
        "properties": {
            "name": "Production web tier",
            "description": "Front-end servers, load balancer and the shared storage volumes",
            "location": "de/fra",
            "version": 12,
            "features": ["SSD", "MULTIPLE_CPU", "CPU_HOT_PLUG", "RAM_HOT_PLUG", "NIC_HOT_PLUG"],
        },
        "entities": {
            name: {"id": f"{DATACENTER_ID}/{name}", "type": "collection", "href": f"{href}/{name}"}
            for name in ("servers", "volumes", "loadbalancers", "lans")
        },
    }
    return json.dumps(doc, indent=2).encode()


BODY = datacenter_document()
STATS = {"connections": 0, "requests": 0}


def response(body: bytes, close: bool = False) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
    )
    return head.encode() + body


FIXED = response(BODY)
FIXED_CLOSE = response(BODY, close=True)


class FixedResponse(asyncio.Protocol):
    def __init__(self, close: bool) -> None:
        # With ``close``: answer ``Connection: close`` and close after the first request.
        self.close = close
        self.fixed = FIXED_CLOSE if close else FIXED

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""
        STATS["connections"] += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            length = 0
            lower = head.lower()
            at = lower.find(b"\r\ncontent-length:")
            if at >= 0:
                line_end = lower.find(b"\r\n", at + 2)
                value = lower[at + 17 : line_end if line_end >= 0 else None]
                length = int(value.strip() or b"0")
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            STATS["requests"] += 1
            if head.startswith(b"GET /_stats "):
                self.transport.write(response(json.dumps(STATS).encode(), self.close))
            else:
                self.transport.write(self.fixed)
            if self.close:
                self.transport.close()
                return


async def serve(port: int, tls: ssl.SSLContext | None, close: bool) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: FixedResponse(close), "127.0.0.1", port, backlog=128, ssl=tls
    )
    bound = server.sockets[0].getsockname()[1]
    scheme = "https" if tls else "http"
    print(
        f"listening on {scheme}://127.0.0.1:{bound}/cloudapi/v4 ({len(BODY)}-byte body)",
        flush=True,
    )
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS")
    parser.add_argument("--close", action="store_true", help="one request per connection")
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    tls = None
    if args.tls:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*args.tls)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, tls, args.close))
    return 0


if __name__ == "__main__":
    sys.exit(main())
