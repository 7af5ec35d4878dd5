"""Provisioning requests: records, lifecycle and progression policies.

Every mutating call opens a :class:`Request` (``QUEUED``), marks the resources it touches busy,
applies its structural change at once and registers *effects* (provisioning results, deferred
deletions) that run when the request completes. Requests complete in the order they were made
(one provisioning queue), when the progression policy says so:

``immediate``  right after the reply to the mutating call has been built;
``polls:N``    at the N-th ``GET /requests/{id}/status`` of that request (or of a later one);
``seconds:T``  T seconds after creation, noticed by the next call to the emulator.

A request that the controls decide should fail ends ``FAILED``: its effects do not run, its
targets become available again and its status carries a failure message. Not thread-safe by
itself: the emulator calls it under its state lock.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .state import State

__all__ = [
    "DONE_MESSAGE",
    "FAILED_MESSAGE",
    "Request",
    "RequestLog",
    "Target",
]

log = logging.getLogger("profitbricks.emulator")

DONE_MESSAGE = "Request has been successfully executed"
FAILED_MESSAGE = "Request has failed: the provisioning of the resources could not be completed"
QUEUED_MESSAGE = "Request has been queued"
RUNNING_MESSAGE = "Request is being processed"


class _Progression(Protocol):
    @property
    def mode(self) -> str: ...

    @property
    def value(self) -> float: ...


class ProgressionSource(Protocol):
    """What the request log needs from the emulator's controls."""

    @property
    def progression(self) -> _Progression: ...

    def request_should_fail(self) -> bool: ...


@dataclass(eq=False, slots=True)
class Target:
    """A resource a request acts on, as listed in ``metadata.targets`` of its status."""

    type: str
    id: str
    path: str


@dataclass(eq=False, slots=True)
class Request:
    """One recorded mutating call and its progress."""

    id: str
    contract: int
    user_id: str
    created_by: str
    created_date: str
    method: str
    url: str
    headers: dict[str, str]
    body: str | None
    created_at: float
    etag: str
    fail: bool = False
    status: str = "QUEUED"
    polls: int = 0
    targets: list[Target] = field(default_factory=list)
    touched: dict[int, Any] = field(default_factory=dict)
    effects: list[Callable[[], None]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return "/requests/" + self.id

    @property
    def finished(self) -> bool:
        return self.status in ("DONE", "FAILED")


class RequestLog:
    """All requests of the emulator, newest last, and the queue of unfinished ones."""

    def __init__(
        self,
        state: State,
        controls: ProgressionSource,
        *,
        clock: Callable[[], float] = time.monotonic,
        now_iso: Callable[[], str],
    ) -> None:
        self.state = state
        self.controls = controls
        self.clock = clock
        self.now_iso = now_iso
        self.requests: dict[str, Request] = {}
        self.pending: deque[Request] = deque()

    # -- creation ----------------------------------------------------------------------------

    def open(
        self,
        *,
        contract: int,
        user_id: str,
        created_by: str,
        created_date: str,
        method: str,
        url: str,
        headers: dict[str, str],
        body: str | None,
    ) -> Request:
        """Record a new QUEUED request (its outcome is drawn now, so seeded runs repeat)."""
        request = Request(
            id=self.state.new_id(),
            contract=contract,
            user_id=user_id,
            created_by=created_by,
            created_date=created_date,
            method=method,
            url=url,
            headers=headers,
            body=body,
            created_at=self.clock(),
            etag=self.state.new_etag(),
            fail=self.controls.request_should_fail(),
        )
        self.requests[request.id] = request
        self.pending.append(request)
        return request

    def target(self, request: Request, record: Any, *, listed: bool = True) -> None:
        """Mark ``record`` busy until ``request`` finishes; ``listed`` adds it to the targets."""
        if listed:
            request.targets.append(Target(record.TYPE, record.id, record.path))
        key = id(record)
        if key in request.touched:
            return
        request.touched[key] = record
        if hasattr(record, "busy"):
            record.busy += 1
            record.etag = self.state.new_etag()

    def on_done(self, request: Request, effect: Callable[[], None]) -> None:
        """Run ``effect`` when ``request`` completes successfully."""
        request.effects.append(effect)

    def submitted(self, request: Request) -> None:
        """Called once the reply to the mutating call is built: completes it when immediate."""
        if self.controls.progression.mode == "immediate":
            self.complete_through(request)

    # -- progress ----------------------------------------------------------------------------

    def advance(self) -> None:
        """Complete every request that the progression policy says is due by now."""
        if not self.pending:
            return
        progression = self.controls.progression
        if progression.mode == "immediate":
            self.complete_through(self.pending[-1])
        elif progression.mode == "seconds":
            horizon = self.clock() - progression.value
            while self.pending and self.pending[0].created_at <= horizon:
                self._complete(self.pending.popleft())

    def poll(self, request: Request) -> None:
        """Count a status poll of ``request``; under ``polls:N`` the N-th poll completes it."""
        if request.finished:
            return
        request.polls += 1
        progression = self.controls.progression
        if progression.mode == "polls" and request.polls >= progression.value:
            self.complete_through(request)

    def status(self, request: Request) -> str:
        """QUEUED, RUNNING, DONE or FAILED as the request looks now."""
        if request.finished:
            return request.status
        progression = self.controls.progression
        if progression.mode == "polls":
            return "RUNNING" if request.polls else "QUEUED"
        if progression.mode == "seconds":
            age = self.clock() - request.created_at
            return "RUNNING" if age >= progression.value / 2 else "QUEUED"
        return "QUEUED"

    def message(self, request: Request) -> str:
        status = self.status(request)
        return {
            "DONE": DONE_MESSAGE,
            "FAILED": FAILED_MESSAGE,
            "RUNNING": RUNNING_MESSAGE,
        }.get(status, QUEUED_MESSAGE)

    def complete_through(self, request: Request) -> None:
        """Complete the pending requests in order, up to and including ``request``."""
        while self.pending and not request.finished:
            self._complete(self.pending.popleft())

    def _complete(self, request: Request) -> None:
        if request.fail:
            request.status = "FAILED"
        else:
            request.status = "DONE"
            for effect in request.effects:
                try:
                    effect()
                except Exception:
                    # A broken effect must not take down the call that happened to advance the
                    # queue; the request is reported FAILED instead.
                    log.exception("provisioning effect of request %s raised", request.id)
                    request.status = "FAILED"
        request.effects = []
        now = self.now_iso()
        for record in request.touched.values():
            if hasattr(record, "busy") and record.busy > 0:
                record.busy -= 1
            if not getattr(record, "gone", False) and hasattr(record, "etag"):
                record.etag = self.state.new_etag()
                if hasattr(record, "modified_date"):
                    record.modified_date = now
        request.touched = {}
        request.etag = self.state.new_etag()

    # -- rollback ------------------------------------------------------------------------------

    def mark(self) -> Request | None:
        """A mark for :meth:`forget_since`: the newest pending request (None if there is none)."""
        return self.pending[-1] if self.pending else None

    def forget_since(self, mark: Request | None) -> None:
        """Drop the requests opened after :meth:`mark` returned ``mark``, as if never made.

        For a call that failed half-way: its records are put back by a state checkpoint, and
        its requests must not show up or complete later. New requests are the pending ones
        after the mark (pending requests complete, and leave, oldest first).
        """
        pending = self.pending
        while pending and pending[-1] is not mark:
            request = pending.pop()
            self.requests.pop(request.id, None)
