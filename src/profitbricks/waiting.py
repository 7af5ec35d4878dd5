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

Waiting for many requests polls every pending one each round, on one schedule. A wait for
:data:`LISTING_FROM` requests or more reads them, each round, with one ``GET /requests?depth=1``
(each listed request carries its status) instead of one ``GET /requests/{id}/status`` per pending
request, and polls individually only those the listing does not show. The listing holds the
account's whole request history, so when the first one lists more than :data:`LISTING_RATIO`
times the requests waited for, the wait polls each request instead
(``benchmarks/bulk_provisioning.py`` measures both ways: a listed request costs client and
server about the CPU of one status poll without its HTTP exchange, and a listing is one request
against the rate limit where per-request polls are one per pending request, each round).

The polling logic is written once, without I/O: :func:`polling` is a generator that yields what
to do next (:class:`Poll` these requests, :data:`LIST` the requests, :class:`Sleep`) and is
told what the polls returned. :func:`drive` carries the steps out with blocking calls (the
blocking client) and :func:`drive_async` with ``await`` (the asyncio client, polling a round's
requests with bounded concurrency).

Deadlines are in seconds; ``sleep`` and ``clock`` are injectable so tests never sleep.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from profitbricks.errors import PBFailedRequest, PBTimeoutError

__all__ = [
    "FIRST_INTERVAL",
    "GROWTH",
    "LIST",
    "LISTING_FROM",
    "LISTING_RATIO",
    "MAX_INTERVAL",
    "Poll",
    "Sleep",
    "WaitOutcome",
    "async_wait_for_completion",
    "async_wait_for_requests",
    "drive",
    "drive_async",
    "poll_offsets",
    "polling",
    "request_id_of",
    "statuses_from_listing",
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

#: A wait for this many requests or more reads them with one ``GET /requests?depth=1`` a round.
LISTING_FROM = 10
#: A first listing longer than this many times the requests waited for ends listing for the wait.
LISTING_RATIO = 8

#: Requests a round of the asyncio client polls at once (when they are polled one by one).
POLL_CONCURRENCY = 10

_log = logging.getLogger("profitbricks")

StatusDoc = dict[str, Any]
GetStatus = Callable[[str], StatusDoc]
ListStatuses = Callable[[], Mapping[str, StatusDoc]]
AsyncGetStatus = Callable[[str], Awaitable[StatusDoc]]
AsyncListStatuses = Callable[[], Awaitable[Mapping[str, StatusDoc]]]


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


# The steps of a wait


class Poll(NamedTuple):
    """Fetch ``GET /requests/{id}/status`` of each of ``ids``; send back ``{id: document}``."""

    ids: tuple[str, ...]


class _List(NamedTuple):
    """Fetch ``GET /requests?depth=1``; send back ``{id: status document}`` of what it lists."""


class Sleep(NamedTuple):
    """Sleep ``seconds``; send back None."""

    seconds: float


#: The one :class:`_List` step.
LIST = _List()

Step = Poll | _List | Sleep


class WaitOutcome(NamedTuple):
    """How a wait ended: nothing is raised by :func:`polling`, the caller decides.

    ``ids`` are the request ids in the order given (repeats included), ``final`` the DONE or
    FAILED status document of each finished request, ``failures`` one PBFailedRequest per FAILED
    request (in the order given), ``pending`` the requests still unfinished at the deadline and
    ``last`` the last document seen of each of them.
    """

    ids: list[str]
    final: dict[str, StatusDoc]
    failures: list[PBFailedRequest]
    pending: list[str]
    last: dict[str, StatusDoc]


def statuses_from_listing(collection: Mapping[str, object]) -> dict[str, StatusDoc]:
    """``{request id: status document}`` of a ``GET /requests?depth=1`` collection.

    Each item's ``metadata.requestStatus`` is the document ``GET /requests/{id}/status`` returns;
    items without a status in it are left out (they are then polled one by one).
    """
    statuses: dict[str, StatusDoc] = {}
    items = collection.get("items")
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        metadata = item.get("metadata")
        status = metadata.get("requestStatus") if isinstance(metadata, dict) else None
        request_id = item.get("id")
        if isinstance(request_id, str) and _status_of(status or {}) != "UNKNOWN":
            statuses[request_id] = status  # type: ignore[assignment]
    return statuses


def polling(
    ids: Sequence[str],
    timeout: float | None = 3600,
    initial_wait: float | None = None,
    scaleup: float | None = None,
    *,
    on_poll: Callable[[StatusDoc], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    listing: bool = False,
) -> Generator[Step, Any, WaitOutcome]:
    """The polling of one wait, without I/O: yields :class:`Poll`, :data:`LIST` or
    :class:`Sleep` steps and returns the :class:`WaitOutcome`.

    Each round polls every pending request (a repeated id once): with ``listing`` and at least
    :data:`LISTING_FROM` requests to wait for, one :data:`LIST` step, then a :class:`Poll` of the
    pending requests the listing did not show (only :class:`Poll` steps once the first listing
    held more than :data:`LISTING_RATIO` times the requests waited for). ``on_poll`` sees every
    status document. Rounds follow the default schedule (or the 4.x one, with
    ``initial_wait``/``scaleup``), timed from the start; the wait ends when every request is DONE
    or FAILED, or once ``timeout`` seconds have passed after a round (None or 0: no deadline).
    """
    unique = list(dict.fromkeys(ids))
    start = clock()
    deadline = _deadline(start, timeout)
    schedule = _Schedule(start, initial_wait, scaleup)
    final: dict[str, StatusDoc] = {}
    last: dict[str, StatusDoc] = {}
    failures: list[PBFailedRequest] = []
    pending = unique
    # Decided for the whole wait: as requests finish, one listing a round stays one request a
    # round, where polling the rest one by one would spend the rate limit again each round.
    listing = listing and len(unique) >= LISTING_FROM
    polls = 0
    while pending:
        polls += 1
        docs: dict[str, StatusDoc] = {}
        if listing:
            listed: Mapping[str, StatusDoc] = yield LIST
            docs = {
                request_id: listed[request_id] for request_id in pending if request_id in listed
            }
            if polls == 1 and len(listed) > LISTING_RATIO * len(unique):
                _log.debug(
                    "the requests listing holds %d requests for %d waited for: polling each",
                    len(listed),
                    len(unique),
                )
                listing = False
        if len(docs) < len(pending):
            missing = tuple(request_id for request_id in pending if request_id not in docs)
            fetched: Mapping[str, StatusDoc] = yield Poll(missing)
            docs.update(fetched)
        now = clock()
        still: list[str] = []
        for request_id in pending:
            doc = docs[request_id]
            status = _status_of(doc)
            _log.debug("request %s is %s (poll %d, %.2f s)", request_id, status, polls, now - start)
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
        if not pending or (deadline is not None and now >= deadline):
            break
        due = schedule.advance(now)
        if deadline is not None:
            due = min(due, deadline)
        pause = due - clock()
        if pause > 0:
            yield Sleep(pause)
    order = {request_id: n for n, request_id in enumerate(unique)}
    failures.sort(key=lambda failure: order[failure.request_id or ""])
    return WaitOutcome(list(ids), final, failures, pending, {p: last[p] for p in pending})


def drive(
    steps: Generator[Step, Any, WaitOutcome],
    get_status: GetStatus,
    list_statuses: ListStatuses | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitOutcome:
    """Carry out the steps of :func:`polling` with blocking calls; polls one after another."""
    try:
        step = next(steps)
        while True:
            result: Any = None
            if type(step) is Poll:
                result = {request_id: get_status(request_id) for request_id in step.ids}
            elif type(step) is Sleep:
                sleep(step.seconds)
            else:
                result = list_statuses() if list_statuses is not None else {}
            step = steps.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def drive_async(
    steps: Generator[Step, Any, WaitOutcome],
    get_status: AsyncGetStatus,
    list_statuses: AsyncListStatuses | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    concurrency: int = POLL_CONCURRENCY,
) -> WaitOutcome:
    """Carry out the steps of :func:`polling` with ``await``; a round's polls run ``concurrency``
    at a time."""
    import asyncio

    pause = asyncio.sleep if sleep is None else sleep
    try:
        step = next(steps)
        while True:
            result: Any = None
            if type(step) is Poll:
                result = await _poll_bounded(get_status, step.ids, concurrency)
            elif type(step) is Sleep:
                await pause(step.seconds)
            else:
                result = await list_statuses() if list_statuses is not None else {}
            step = steps.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def _poll_bounded(
    get_status: AsyncGetStatus, ids: Sequence[str], concurrency: int
) -> dict[str, StatusDoc]:
    """``{id: get_status(id)}`` with at most ``concurrency`` polls in flight; the first error
    cancels the others and is raised."""
    import asyncio

    results: dict[str, StatusDoc] = {}
    if len(ids) == 1:
        results[ids[0]] = await get_status(ids[0])
        return results
    queue = list(reversed(ids))

    async def worker() -> None:
        while queue:
            request_id = queue.pop()
            results[request_id] = await get_status(request_id)

    tasks = [asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(ids)))]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return {request_id: results[request_id] for request_id in ids}


# What the waits return or raise


def _ids_of(responses: Iterable[Any]) -> list[str]:
    ids: list[str] = []
    for response in responses:
        request_id = request_id_of(response)
        if request_id is not None:
            ids.append(request_id)
    return ids


def _completion(request_id: str, timeout: float | None, outcome: WaitOutcome) -> StatusDoc:
    if outcome.failures:
        raise outcome.failures[0]
    if outcome.pending:
        doc = outcome.last[request_id]
        raise PBTimeoutError(
            f"Timed out waiting for request {request_id} after {timeout} s "
            f"(last status {_status_of(doc)})",
            request_id,
            status=doc,
        )
    return outcome.final[request_id]


def _all_done(timeout: float | None, outcome: WaitOutcome) -> list[StatusDoc]:
    failures, pending = outcome.failures, outcome.pending
    count = len(dict.fromkeys(outcome.ids))
    if pending:
        failed = f"; {len(failures)} failed: " + "; ".join(map(str, failures)) if failures else ""
        raise PBTimeoutError(
            f"Timed out after {timeout} s waiting for {len(pending)} of {count} "
            f"request(s): {', '.join(pending)}{failed}",
            pending[0],
            status=outcome.last[pending[0]],
        )
    if failures:
        first = failures[0]
        raise PBFailedRequest(
            f"{len(failures)} of {count} request(s) failed: "
            + "; ".join(str(failure) for failure in failures),
            first.request_id,
            first.status,
            failures=failures,
        )
    return [outcome.final[request_id] for request_id in outcome.ids]


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
    steps = polling([request_id], timeout, initial_wait, scaleup, on_poll=on_poll, clock=clock)
    return _completion(request_id, timeout, drive(steps, get_status, sleep=sleep))


def wait_for_requests(
    get_status: GetStatus,
    responses: Iterable[Any],
    timeout: float | None = 3600,
    *,
    on_poll: Callable[[StatusDoc], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    list_statuses: ListStatuses | None = None,
) -> list[StatusDoc]:
    """Wait for many requests at once; each round polls every request still pending.

    Returns the final status documents, one per request waited for, in the order given (falsy
    responses have nothing to wait for and are skipped; a repeated id is polled once). N requests
    take about as long as the slowest. When all are finished and any ``FAILED``, raises
    PBFailedRequest naming every failure (``failures`` holds one error per failed request). After
    ``timeout`` seconds raises PBTimeoutError naming every request still pending (``request_id``
    and ``status`` are those of the first). ``list_statuses()`` (optional) reads
    ``GET /requests?depth=1`` as ``{id: status document}``; with it, rounds of at least
    :data:`LISTING_FROM` pending requests make one call instead of one per request.
    """
    steps = polling(
        _ids_of(responses),
        timeout,
        on_poll=on_poll,
        clock=clock,
        listing=list_statuses is not None,
    )
    return _all_done(timeout, drive(steps, get_status, list_statuses, sleep))


async def async_wait_for_completion(
    get_status: AsyncGetStatus,
    response: Any,
    timeout: float | None = 3600,
    initial_wait: float | None = None,
    scaleup: float | None = None,
    *,
    on_poll: Callable[[StatusDoc], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> StatusDoc | None:
    """:func:`wait_for_completion` for the asyncio client: ``get_status`` and ``sleep`` are
    awaited (``sleep`` defaults to ``asyncio.sleep``)."""
    request_id = request_id_of(response)
    if request_id is None:
        return None
    steps = polling([request_id], timeout, initial_wait, scaleup, on_poll=on_poll, clock=clock)
    return _completion(request_id, timeout, await drive_async(steps, get_status, sleep=sleep))


async def async_wait_for_requests(
    get_status: AsyncGetStatus,
    responses: Iterable[Any],
    timeout: float | None = 3600,
    *,
    on_poll: Callable[[StatusDoc], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    clock: Callable[[], float] = time.monotonic,
    list_statuses: AsyncListStatuses | None = None,
    concurrency: int = POLL_CONCURRENCY,
) -> list[StatusDoc]:
    """:func:`wait_for_requests` for the asyncio client; the requests a round polls one by one
    are polled ``concurrency`` at a time."""
    steps = polling(
        _ids_of(responses),
        timeout,
        on_poll=on_poll,
        clock=clock,
        listing=list_statuses is not None,
    )
    outcome = await drive_async(steps, get_status, list_statuses, sleep, concurrency)
    return _all_done(timeout, outcome)
