"""A 429 pauses every thread of a blocking client for its Retry-After (one shared backoff)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from profitbricks._pipeline import RawReply, parse_retry_after
from profitbricks.client import Datacenter
from profitbricks.emulator.testing import EmulatorHandle


class Recording:
    """Wraps a blocking transport: when each request went out and what came back."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.lock = threading.Lock()
        self.exchanges: list[tuple[float, float, int, float | None]] = []

    def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, **kw: Any
    ) -> RawReply:
        sent = time.monotonic()
        raw: RawReply = self.transport.send(method, url, headers, body, **kw)
        retry_after = parse_retry_after(raw.headers.get("Retry-After"))
        with self.lock:
            self.exchanges.append((sent, time.monotonic(), raw.status, retry_after))
        return raw

    def close(self) -> None:
        self.transport.close()


def test_threads_of_one_client_wait_out_a_429_together(emulator: EmulatorHandle) -> None:
    client = emulator.new_client()
    created = client.create_datacenter(Datacenter(name="shared", location="de/fra"))
    recording = Recording(client.pipeline.transport)
    client.pipeline.transport = recording  # type: ignore[assignment]
    emulator.configure(rate_limit=4, rate_window=1)
    results: list[str] = []

    def work() -> None:
        for _ in range(2):
            results.append(client.get_datacenter(created["id"])["id"])

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [created["id"]] * 12
    statuses = [status for *_, status, _ in recording.exchanges]
    assert statuses.count(429) >= 1
    pauses = [(end, end + ra) for _, end, status, ra in recording.exchanges if status == 429 and ra]
    sent_in_a_pause = [
        sent
        for sent, *_ in recording.exchanges
        for start, stop in pauses
        if start < sent < stop - 0.01
    ]
    assert sent_in_a_pause == []
    # The pause is the pipeline's: a call that starts later waits too.
    assert client.pipeline.paused_until > 0
