"""Waiting for provisioning requests: ``wait_for_completion`` and ``wait_for_requests``.

Every mutating call of the Cloud API answers ``202 Accepted`` with a request id; the work is done
when ``GET /requests/{id}/status`` reports ``metadata.status`` ``DONE`` (or ``FAILED``).

Default polling (``initial_wait=None`` and ``scaleup=None``): the first poll at once, then after
0.1 s, and each interval 1.2 times the previous one up to 10 s (polls at about 0, 0.1, 0.22, 0.36,
0.54, 0.74, 0.99, 1.3 s, …). Completion is noticed at most ``0.2 * t + 0.1`` seconds late for a
request that takes ``t`` seconds (at most 10 s late once the cap is reached), with about 15 polls
for a 5 s request and 28 for a 60 s one. Polls are scheduled from the start of the wait, so the
time each poll takes does not add up.

Explicit ``initial_wait``/``scaleup`` keep the 4.x meaning: poll at once, then every
``initial_wait`` seconds, doubling the interval (and ``scaleup``) each time ``interval * scaleup``
seconds have passed since the last increase.

Deadlines are in seconds; ``sleep`` and ``clock`` are injectable so tests never sleep.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from profitbricks.errors import PBFailedRequest, PBTimeoutError

__all__ = [
    "FIRST_INTERVAL",
    "GROWTH",
    "MAX_INTERVAL",
    "poll_offsets",
    "request_id_of",
    "wait_for_completion",
    "wait_for_requests",
]

#: seconds between the first and the second poll in the default schedule
FIRST_INTERVAL = 0.1
#: each interval is this many times the previous one
GROWTH = 1.2
#: the interval never grows beyond this many seconds
MAX_INTERVAL = 10.0

# The 4.x defaults, used when only one of initial_wait / scaleup is given.
_LEGACY_INITIAL_WAIT = 5.0
_LEGACY_SCALEUP = 10.0

_log = logging.getLogger("profitbricks")

StatusDoc = dict[str, Any]
GetStatus = Callable[[str], StatusDoc]


def request_id_of(response: Any) -> str | None:
    """The request id a mutating call's return value carries, or None for a falsy value.

    Accepts a dict with ``requestId`` (what every mutating call returns) or the id itself as a
    string. Raises TypeError naming what it got for anything else: the type, and for a dict its
    keys and its ``requestId`` (never the other values: they may hold a password).
    """
    if not response:
        return None
    if isinstance(response, str):
        return response
    if isinstance(response, dict):
        request_id = response.get("requestId")
        if isinstance(request_id, str) and request_id:
            return request_id
        keys = ", ".join(repr(key) for key in list(response)[:10])
        if len(response) > 10:
            keys += ", ..."
        if "requestId" in response:
            got = f"'requestId' is {_shown(request_id)}"
        else:
            got = f"no 'requestId' among its keys ({keys})"
        raise TypeError(
            f"cannot wait for this dict: {got}; pass the dict a mutating call returned, "
            "or its request id"
        )
    raise TypeError(
        f"cannot wait for a {type(response).__name__}: pass the dict a mutating call returned, "
        "or its request id"
    )


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, int, float, type(None))) else type(value).__name__
    return text if len(text) <= 40 else text[:39] + "…"


def poll_offsets(count: int) -> list[float]:
    """The first ``count`` poll times (seconds after the wait started) of the default schedule."""
    offsets = []
    at, interval = 0.0, FIRST_INTERVAL
    for _ in range(count):
        offsets.append(at)
        at += interval
        interval = min(interval * GROWTH, MAX_INTERVAL)
    return offsets


def _status_of(doc: StatusDoc) -> str:
    metadata = doc.get("metadata") if isinstance(doc, dict) else None
    status = metadata.get("status") if isinstance(metadata, dict) else None
    return status if isinstance(status, str) else "UNKNOWN"


def _message_of(doc: StatusDoc) -> str:
    metadata = doc.get("metadata") if isinstance(doc, dict) else None
    message = metadata.get("message") if isinstance(metadata, dict) else None
    return str(message) if message else "no message"


def _failed(request_id: str, doc: StatusDoc) -> PBFailedRequest:
    return PBFailedRequest(
        f"Request {request_id} failed to complete: {_message_of(doc)}", request_id, status=doc
    )


class _Schedule:
    """When the next poll is due; the default geometric schedule or the 4.x doubling one."""

    def __init__(self, start: float, initial_wait: float | None, scaleup: float | None) -> None:
        self.legacy = initial_wait is not None or scaleup is not None
        self.next_at = start
        if self.legacy:
            self.interval = float(_LEGACY_INITIAL_WAIT if initial_wait is None else initial_wait)
            self.scaleup = float(_LEGACY_SCALEUP if scaleup is None else scaleup)
            self.next_increase = start + self.interval * self.scaleup
        else:
            self.interval = FIRST_INTERVAL

    def advance(self, now: float) -> float:
        """Move past a poll made at ``now``; return the time the next poll is due."""
        if self.legacy:
            if now > self.next_increase:
                self.interval *= 2
                self.next_increase = now + self.interval * self.scaleup
                self.scaleup *= 2
            self.next_at = now + self.interval
        else:
            # Absolute schedule: the time a poll takes is not added to the next interval.
            self.next_at = max(self.next_at + self.interval, now)
            self.interval = min(self.interval * GROWTH, MAX_INTERVAL)
        return self.next_at


def _deadline(start: float, timeout: float | None) -> float | None:
    # 4.x treated any false timeout (None or 0) as "no deadline"; keep that.
    return start + timeout if timeout else None


def _sleep_until(
    due: float, deadline: float | None, sleep: Callable[[float], None], clock: Callable[[], float]
) -> None:
    if deadline is not None:
        due = min(due, deadline)
    pause = due - clock()
    if pause > 0:
        sleep(pause)


def wait_for_completion(
    get_status: GetStatus,
    response: Any,
    timeout: float | None = 3600,
    initial_wait: float | None = None,
    scaleup: float | None = None,
    *,
    on_poll: Callable[[StatusDoc], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> StatusDoc | None:
    """Poll ``GET /requests/{id}/status`` until the request of ``response`` is done.

    ``get_status(request_id)`` fetches the status document. Returns the final (``DONE``) status
    document, or None at once when ``response`` is falsy (nothing to wait for). ``on_poll`` sees
    every status document. Raises PBFailedRequest (with ``request_id`` and ``status``, the
    document) when the request reaches ``FAILED``, and PBTimeoutError (with the last document)
    when it has not completed ``timeout`` seconds after the wait began (None or 0: no deadline).
    """
    request_id = request_id_of(response)
    if request_id is None:
        return None
    start = clock()
    deadline = _deadline(start, timeout)
    schedule = _Schedule(start, initial_wait, scaleup)
    polls = 0
    while True:
        doc = get_status(request_id)
        polls += 1
        now = clock()
        status = _status_of(doc)
        _log.debug("request %s is %s (poll %d, %.2f s)", request_id, status, polls, now - start)
        if on_poll is not None:
            on_poll(doc)
        if status == "DONE":
            return doc
        if status == "FAILED":
            raise _failed(request_id, doc)
        if deadline is not None and now >= deadline:
            raise PBTimeoutError(
                f"Timed out waiting for request {request_id} after {timeout} s "
                f"(last status {status})",
                request_id,
                status=doc,
            )
        _sleep_until(schedule.advance(now), deadline, sleep, clock)


def wait_for_requests(
    get_status: GetStatus,
    responses: Iterable[Any],
    timeout: float | None = 3600,
    *,
    on_poll: Callable[[StatusDoc], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[StatusDoc]:
    """Wait for many requests at once; each round polls every request still pending.

    Returns the final status documents, one per request waited for, in the order given (falsy
    responses have nothing to wait for and are skipped; a repeated id is polled once). N requests
    take about as long as the slowest. When all are finished and any ``FAILED``, raises
    PBFailedRequest naming every failure (``failures`` holds one error per failed request). After
    ``timeout`` seconds raises PBTimeoutError naming every request still pending (``request_id``
    and ``status`` are those of the first).
    """
    ids: list[str] = []
    for response in responses:
        request_id = request_id_of(response)
        if request_id is not None:
            ids.append(request_id)
    unique = list(dict.fromkeys(ids))
    start = clock()
    deadline = _deadline(start, timeout)
    schedule = _Schedule(start, None, None)
    final: dict[str, StatusDoc] = {}
    last: dict[str, StatusDoc] = {}
    failures: list[PBFailedRequest] = []
    pending = unique
    rounds = 0
    while pending:
        rounds += 1
        still: list[str] = []
        for request_id in pending:
            doc = get_status(request_id)
            status = _status_of(doc)
            _log.debug("request %s is %s (round %d)", request_id, status, rounds)
            if on_poll is not None:
                on_poll(doc)
            if status == "DONE":
                final[request_id] = doc
            elif status == "FAILED":
                final[request_id] = doc
                failures.append(_failed(request_id, doc))
            else:
                last[request_id] = doc
                still.append(request_id)
        pending = still
        if not pending:
            break
        now = clock()
        if deadline is not None and now >= deadline:
            failed = (
                f"; {len(failures)} failed: " + "; ".join(map(str, failures)) if failures else ""
            )
            raise PBTimeoutError(
                f"Timed out after {timeout} s waiting for {len(pending)} of {len(unique)} "
                f"request(s): {', '.join(pending)}{failed}",
                pending[0],
                status=last[pending[0]],
            )
        _sleep_until(schedule.advance(now), deadline, sleep, clock)
    if failures:
        first = failures[0]
        raise PBFailedRequest(
            f"{len(failures)} of {len(unique)} request(s) failed: "
            + "; ".join(str(failure) for failure in failures),
            first.request_id,
            first.status,
            failures=failures,
        )
    return [final[request_id] for request_id in ids]
