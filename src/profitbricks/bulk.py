"""Bulk provisioning: many calls at a bounded concurrency, then one wait for all their requests.

``ProfitBricksService.bulk`` (threads) and ``AsyncProfitBricksService.bulk`` (tasks) take a list
of calls, each a function of no arguments that makes one API call (for the asyncio client it
returns an awaitable; a coroutine object may also be passed as it is)::

    from functools import partial

    report = client.bulk(
        [partial(client.create_server, dc_id, Server(name=f"web{n}", cores=1, ram=1024))
         for n in range(100)],
        concurrency=10,
        on_progress=print,
    )
    for outcome in report.failures:
        print(outcome.index, outcome.request_id, outcome.error)

At most ``concurrency`` calls are in flight at once. Once every call has returned (or raised),
the requests they started are waited for together, on one polling schedule (see
``profitbricks.waiting``). Nothing is raised for a call that failed or a request that ended
FAILED or timed out: the :class:`BulkReport` holds one :class:`BulkOutcome` per call, in the
order given, with its result, request id, final status document and error. A 429 pauses every
call of the client for its ``Retry-After`` (one shared backoff, in the request pipeline).

Stopping early (Ctrl+C in the blocking client, cancelling the task in the asyncio one) lets the
calls already in flight finish, starts no new ones, and logs a WARNING on the ``profitbricks``
logger naming every request already submitted. The blocking client then raises
:class:`BulkInterrupted` (a ``KeyboardInterrupt``); the asyncio client lets the
``asyncio.CancelledError`` go on (the same object, so ``asyncio.timeout`` and task groups work as
usual) with ``request_ids`` and ``outcomes`` set on it. No request is left behind unseen.

This module holds what both clients share: the bookkeeping of a run (:class:`_BulkRun`), the
report types, the blocking driver (:func:`run_blocking`, worker threads) and the asyncio driver
(:func:`run_async`, worker tasks).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, overload

from profitbricks import waiting
from profitbricks.errors import PBTimeoutError

__all__ = [
    "DEFAULT_CONCURRENCY",
    "BulkInterrupted",
    "BulkOutcome",
    "BulkProgress",
    "BulkReport",
]

#: Calls in flight at once unless ``concurrency=`` says otherwise.
DEFAULT_CONCURRENCY = 10

_log = logging.getLogger("profitbricks")


class BulkProgress(NamedTuple):
    """A snapshot of a bulk run, handed to ``on_progress`` whenever a count changes.

    ``total`` calls; ``submitted``: calls that returned (their request accepted); of those,
    ``queued`` (not seen running yet), ``running`` and ``done`` (DONE, or a call that started no
    request); ``failed``: calls that raised and requests that ended FAILED or timed out;
    ``elapsed`` seconds since the run began.
    """

    total: int
    submitted: int
    queued: int
    running: int
    done: int
    failed: int
    elapsed: float

    @property
    def finished(self) -> int:
        """Calls whose outcome is known: ``done + failed``."""
        return self.done + self.failed


@dataclass(frozen=True)
class BulkOutcome:
    """What became of one call of a bulk run.

    ``index``: its position in the calls given; ``result``: what the call returned (None when it
    raised); ``request_id``: the provisioning request it started (None when it raised or started
    none); ``status``: the request's final status document (DONE or FAILED; the last one seen
    when the wait timed out; None when not waited for); ``error``: the exception of the call, a
    ``PBFailedRequest`` for a FAILED request or a ``PBTimeoutError``, else None.
    """

    index: int
    result: Any = None
    request_id: str | None = None
    status: dict[str, Any] | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        """True when the call succeeded and its request (if waited for) is DONE."""
        return self.error is None


class BulkReport(Sequence[BulkOutcome]):
    """Every outcome of a bulk run, in the order the calls were given (a sequence of them)."""

    def __init__(self, outcomes: Sequence[BulkOutcome], progress: BulkProgress) -> None:
        self.outcomes: tuple[BulkOutcome, ...] = tuple(outcomes)
        #: the counts at the end of the run
        self.progress = progress

    @overload
    def __getitem__(self, index: int) -> BulkOutcome: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[BulkOutcome]: ...

    def __getitem__(self, index: int | slice) -> BulkOutcome | Sequence[BulkOutcome]:
        return self.outcomes[index]

    def __len__(self) -> int:
        return len(self.outcomes)

    def __iter__(self) -> Iterator[BulkOutcome]:
        return iter(self.outcomes)

    def __repr__(self) -> str:
        p = self.progress
        return (
            f"<BulkReport {p.total} call(s): {p.done} done, {p.failed} failed, "
            f"{p.queued + p.running} unfinished, in {p.elapsed:.1f} s>"
        )

    @property
    def ok(self) -> bool:
        """True when every call succeeded and every request waited for is DONE."""
        return all(outcome.error is None for outcome in self.outcomes)

    @property
    def results(self) -> list[Any]:
        """The return values of the calls that succeeded, in order."""
        return [outcome.result for outcome in self.outcomes if outcome.error is None]

    @property
    def failures(self) -> list[BulkOutcome]:
        """The outcomes with an error (the call raised, or its request FAILED or timed out)."""
        return [outcome for outcome in self.outcomes if outcome.error is not None]

    @property
    def request_ids(self) -> list[str]:
        """The ids of every request the calls started, in order."""
        return [o.request_id for o in self.outcomes if o.request_id is not None]

    @property
    def elapsed(self) -> float:
        """Seconds the run took."""
        return self.progress.elapsed


class BulkInterrupted(KeyboardInterrupt):
    """Ctrl+C stopped ``ProfitBricksService.bulk``: ``request_ids`` lists every request it had
    already submitted, ``outcomes`` what was known of each call (calls never made have no result
    and no error)."""

    def __init__(
        self, message: str, request_ids: Sequence[str], outcomes: Sequence[BulkOutcome]
    ) -> None:
        super().__init__(message)
        self.request_ids: tuple[str, ...] = tuple(request_ids)
        self.outcomes: tuple[BulkOutcome, ...] = tuple(outcomes)


def _request_id(result: Any) -> str | None:
    if isinstance(result, dict):
        request_id = result.get("requestId")
        if isinstance(request_id, str) and request_id:
            return request_id
    return None


class _BulkRun:
    """The bookkeeping of one bulk run, without I/O: which call is next, what each one gave,
    the counts, the progress callback, the report and the abort error. Thread-safe where the
    blocking driver's worker threads touch it (:meth:`take`)."""

    def __init__(
        self,
        calls: Iterable[Any],
        on_progress: Callable[[BulkProgress], object] | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.calls = list(calls)
        self.on_progress = on_progress
        self.clock = clock
        self.started = clock()
        self.outcomes = [BulkOutcome(index) for index in range(len(self.calls))]
        #: "", "submitted", "QUEUED", "RUNNING", "DONE", "FAILED", "error" per call
        self.states = [""] * len(self.calls)
        self.by_request: dict[str, int] = {}
        self._next = 0
        self._stopped = False
        self._lock = threading.Lock()
        self._last: BulkProgress | None = None

    def __len__(self) -> int:
        return len(self.calls)

    def take(self) -> tuple[int, Any] | None:
        """The next call to make and its index, or None when all are taken or the run stopped."""
        with self._lock:
            if self._stopped or self._next >= len(self.calls):
                return None
            index = self._next
            self._next += 1
            return index, self.calls[index]

    def stop(self) -> list[Any]:
        """Take no more calls and report no more progress; returns the calls never taken."""
        self.on_progress = None
        with self._lock:
            self._stopped = True
            untaken = self.calls[self._next :]
            self._next = len(self.calls)
            return untaken

    # What happened

    def returned(self, index: int, result: Any) -> None:
        request_id = _request_id(result)
        self.outcomes[index] = BulkOutcome(index, result, request_id)
        if request_id is None:
            self.states[index] = "DONE"
        else:
            self.states[index] = "submitted"
            self.by_request[request_id] = index
        self.progress()

    def raised(self, index: int, error: BaseException) -> None:
        self.outcomes[index] = BulkOutcome(index, error=error)
        self.states[index] = "error"
        _log.debug("bulk call %d failed: %s", index, error)
        self.progress()

    def polled(self, doc: dict[str, Any]) -> None:
        """``on_poll`` of the wait: follow each request's status."""
        request_id = str(doc.get("id", "")).removesuffix("/status")
        index = self.by_request.get(request_id)
        if index is None:
            return
        metadata = doc.get("metadata")
        status = metadata.get("status") if isinstance(metadata, dict) else None
        if status in ("QUEUED", "RUNNING", "DONE", "FAILED"):
            self.states[index] = status
            self.progress()

    def waited(self, outcome: waiting.WaitOutcome, timeout: float | None) -> None:
        """Record the end of the wait: final documents, failures, timeouts."""
        failures = {failure.request_id: failure for failure in outcome.failures}
        for request_id, index in self.by_request.items():
            previous = self.outcomes[index]
            if request_id in outcome.final:
                doc = outcome.final[request_id]
                self.outcomes[index] = replace(previous, status=doc, error=failures.get(request_id))
            elif request_id in outcome.last:
                doc = outcome.last[request_id]
                error = PBTimeoutError(
                    f"Timed out after {timeout} s waiting for request {request_id}",
                    request_id,
                    status=doc,
                )
                self.outcomes[index] = replace(previous, status=doc, error=error)
                self.states[index] = "timeout"
        self.progress()

    @property
    def request_ids(self) -> list[str]:
        return list(self.by_request)

    # What is told

    def snapshot(self) -> BulkProgress:
        counts = dict.fromkeys(
            ("submitted", "QUEUED", "RUNNING", "DONE", "FAILED", "error", "timeout"), 0
        )
        for state in self.states:
            if state:
                counts[state] += 1
        finished_requests = counts["DONE"] + counts["FAILED"] + counts["timeout"]
        queued = counts["submitted"] + counts["QUEUED"]
        return BulkProgress(
            total=len(self.calls),
            submitted=queued + counts["RUNNING"] + finished_requests,
            queued=queued,
            running=counts["RUNNING"],
            done=counts["DONE"],
            failed=counts["FAILED"] + counts["error"] + counts["timeout"],
            elapsed=self.clock() - self.started,
        )

    def progress(self) -> None:
        """Call ``on_progress`` when a count changed since the last call."""
        if self.on_progress is None:
            return
        snapshot = self.snapshot()
        last = self._last
        if last is not None and snapshot[:6] == last[:6]:
            return
        self._last = snapshot
        self.on_progress(snapshot)

    def report(self) -> BulkReport:
        return BulkReport(self.outcomes, self.snapshot())

    def aborted(self, how: str) -> tuple[str, list[str], list[BulkOutcome]]:
        """The message of the abort error (also logged as a WARNING), the ids and outcomes."""
        ids = self.request_ids
        made = sum(1 for state in self.states if state)
        message = (
            f"bulk run {how} after {made} of {len(self.calls)} call(s); "
            f"{len(ids)} request(s) submitted: {', '.join(ids) if ids else 'none'}"
        )
        _log.warning("%s", message)
        return message, ids, list(self.outcomes)


def run_blocking(
    client: Any,
    calls: Iterable[Callable[[], Any]],
    *,
    concurrency: int,
    wait: bool,
    timeout: float | None,
    on_progress: Callable[[BulkProgress], object] | None,
) -> BulkReport:
    """``ProfitBricksService.bulk``: ``concurrency`` worker threads make the calls; this thread
    reports progress and then waits for the requests (see the module docstring)."""
    run = _BulkRun(calls, on_progress)
    for call in run.calls:
        if not callable(call):
            raise TypeError(
                f"bulk() takes functions of no arguments, not {type(call).__name__}; "
                "wrap a call in functools.partial or a lambda"
            )
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be an integer >= 1, got {concurrency!r}")
    events: queue.SimpleQueue[tuple[int, bool, Any]] = queue.SimpleQueue()

    def work() -> None:
        while (item := run.take()) is not None:
            index, call = item
            try:
                result = call()
            except Exception as exc:
                events.put((index, False, exc))
            else:
                events.put((index, True, result))
        events.put((-1, False, None))

    workers = [
        threading.Thread(target=work, name=f"profitbricks-bulk-{n}", daemon=True)
        for n in range(min(concurrency, len(run)) or 0)
    ]
    running = len(workers)
    try:
        for worker in workers:
            worker.start()
        while running:
            running -= _record(run, events.get())
        if wait and run.by_request:
            steps = waiting.polling(
                run.request_ids, timeout, on_poll=run.polled, listing=True, clock=run.clock
            )
            outcome = waiting.drive(steps, client._request_status, client._request_statuses)
            run.waited(outcome, timeout)
    except KeyboardInterrupt:
        run.stop()
        # The calls in flight finish (each within its deadline), so their request ids are known.
        while running:
            try:
                running -= _record(run, events.get())
            except KeyboardInterrupt:
                break
        message, ids, outcomes = run.aborted("interrupted")
        raise BulkInterrupted(message, ids, outcomes) from None
    return run.report()


def _record(run: _BulkRun, event: tuple[int, bool, Any]) -> int:
    """Record one worker event; 1 when it says a worker ended."""
    index, ok, value = event
    if index < 0:
        return 1
    if ok:
        run.returned(index, value)
    else:
        run.raised(index, value)
    return 0


async def run_async(
    client: Any,
    calls: Iterable[Any],
    *,
    concurrency: int,
    wait: bool,
    timeout: float | None,
    on_progress: Callable[[BulkProgress], object] | None,
) -> BulkReport:
    """``AsyncProfitBricksService.bulk``: ``concurrency`` worker tasks make the calls (each a
    function returning an awaitable, or an awaitable), then the requests are waited for, a
    round's polls ``concurrency`` at a time (see the module docstring)."""
    import asyncio
    import inspect

    run = _BulkRun(calls, on_progress)
    for call in run.calls:
        if not (callable(call) or inspect.isawaitable(call)):
            _close_all(run.calls)
            raise TypeError(
                f"bulk() takes functions of no arguments or awaitables, not {type(call).__name__}"
            )
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        _close_all(run.calls)
        raise ValueError(f"concurrency must be an integer >= 1, got {concurrency!r}")

    async def work() -> None:
        while (item := run.take()) is not None:
            index, call = item
            try:
                result = call if inspect.isawaitable(call) else call()
                if inspect.isawaitable(result):
                    result = await result
            except Exception as exc:
                run.raised(index, exc)
            else:
                run.returned(index, result)

    workers = [asyncio.ensure_future(work()) for _ in range(min(concurrency, len(run)))]
    calls_made = asyncio.gather(*workers)
    try:
        # Shielded: a cancellation stops new calls but lets the ones in flight return their ids.
        await asyncio.shield(calls_made)
        if wait and run.by_request:
            steps = waiting.polling(
                run.request_ids, timeout, on_poll=run.polled, listing=True, clock=run.clock
            )
            outcome = await waiting.drive_async(
                steps,
                client._request_status,
                client._request_statuses,
                concurrency=concurrency,
            )
            run.waited(outcome, timeout)
    except asyncio.CancelledError as cancelled:
        _close_all(run.stop())
        if not calls_made.done():
            try:
                await asyncio.shield(calls_made)
            except asyncio.CancelledError:
                calls_made.cancel()
            except Exception as exc:  # from on_progress: the cancellation goes on regardless
                _log.warning("bulk run: %s while stopping", exc)
        message, ids, outcomes = run.aborted("cancelled")
        cancelled.request_ids = tuple(ids)  # type: ignore[attr-defined]
        cancelled.outcomes = tuple(outcomes)  # type: ignore[attr-defined]
        if hasattr(cancelled, "add_note"):
            cancelled.add_note(message)
        raise
    except KeyboardInterrupt as interrupted:
        # Ctrl+C inside the loop (Python 3.10; 3.11's asyncio.run cancels the task instead):
        # the loop is going down, so report what is known without waiting.
        _close_all(run.stop())
        calls_made.cancel()
        message, ids, outcomes = run.aborted("interrupted")
        interrupted.request_ids = tuple(ids)  # type: ignore[attr-defined]
        interrupted.outcomes = tuple(outcomes)  # type: ignore[attr-defined]
        raise
    except BaseException:
        _close_all(run.stop())
        calls_made.cancel()
        raise
    return run.report()


def _close_all(calls: Iterable[Any]) -> None:
    """Close the coroutine objects among ``calls`` that will never run (no "never awaited")."""
    import inspect

    for call in calls:
        if inspect.iscoroutine(call):
            call.close()
