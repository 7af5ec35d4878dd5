"""The wall-clock timestamps the emulator writes into metadata and request records."""

from __future__ import annotations

import time

__all__ = ["now_iso"]

_clock_text: tuple[int, str] = (0, "")


def now_iso() -> str:
    """The current UTC time as ``2017-05-02T09:12:44Z`` (formatted once per second)."""
    global _clock_text
    second = int(time.time())
    cached = _clock_text
    if cached[0] != second:
        cached = (second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second)))
        _clock_text = cached
    return cached[1]
