"""Provisioning requests: records, lifecycle and progression policies.

Every mutating call opens a :class:`Request` (``QUEUED``), marks the resources it touches busy,
applies its structural change at once and registers *effects* (provisioning results, deferred
deletions) that run when the request completes. Requests complete in the order they were made
(one provisioning queue), when the progression policy says so:

``immediate``  right after the reply to the mutating call has been built;
``polls:N``    at the N-th ``GET /requests/{id}/status`` of that request (or of a later one); a
               ``GET /requests?depth=1`` listing counts as a poll of each request it lists;
``seconds:T``  T seconds after creation, noticed by the next call to the emulator.

Per-operation durations (the ``delay_for`` setting) take precedence over the policy: a request
whose operation kind (``snapshot.create``) or noun (``snapshot``) has a duration D is due D
seconds after creation whatever the policy, and is QUEUED for the first half of D, RUNNING for
the second. The queue stays one queue: a request completes only once every earlier one has, so
a fast request made behind a slow one completes with it.

A request that the controls decide should fail ends ``FAILED``: its effects do not run, its
targets become available again and its status carries a failure message. Not thread-safe by
itself: the emulator calls it under its state lock.

What a record keeps is what ``GET /requests/{id}`` shows (WIRE.md 6.1: method, URL, headers and
the body as a string), bounded so that the log's memory stays bounded:

- the body: at most :data:`BODY_LIMIT` characters of it; a longer body is cut there and ends
  with ``... [truncated: N bytes in all]``. Nothing beyond that prefix is kept or decoded.
- secrets: the value of any key named ``password`` or ``imagePassword`` (the write-only secrets
  the rules take; compared without regard to case) is shown as ``"*****"``, at any nesting
  depth. Keys are compared as JSON decodes them, so ``"pass\u0077ord"`` is ``password`` too;
  a value that is an object or a list is replaced whole; form fields (``password=...``, names
  URL-decoded) and the query string of the URL are masked alike. Bodies that are not valid
  JSON are scanned the same way. The rest of the body keeps its original spelling.
- headers: at most :data:`HEADER_COUNT` of them, values cut at :data:`HEADER_VALUE_LIMIT`
  characters; the URL is cut at :data:`URL_LIMIT` characters.
- per contract, the newest ``limit`` requests (:data:`DEFAULT_LIMIT` by default): when a
  contract has more, its oldest *finished* (DONE or FAILED) requests are dropped and then
  answer 404. A QUEUED or RUNNING request is never dropped, as a client may still poll it.

So a record takes about 50 kB at most (a body of 8,192 characters beyond U+FFFF and 32 long
headers) and about 1 kB for an ordinary call; a contract's log at most ``limit`` times that,
plus its unfinished requests.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote_plus

from .effects import EffectFunction, effect_name
from .state import State

__all__ = [
    "BODY_LIMIT",
    "DEFAULT_LIMIT",
    "DONE_MESSAGE",
    "FAILED_MESSAGE",
    "HEADER_COUNT",
    "HEADER_VALUE_LIMIT",
    "SECRET_KEYS",
    "URL_LIMIT",
    "Request",
    "RequestLog",
    "Target",
    "mask_secrets",
    "recorded_body",
]

log = logging.getLogger("profitbricks.emulator")

DONE_MESSAGE = "Request has been successfully executed"
FAILED_MESSAGE = "Request has failed: the provisioning of the resources could not be completed"
QUEUED_MESSAGE = "Request has been queued"
RUNNING_MESSAGE = "Request is being processed"

#: Requests kept per contract unless the emulator is configured otherwise.
DEFAULT_LIMIT = 1000
#: Characters of a request body kept in its record.
BODY_LIMIT = 8192
#: Request headers kept per record, and characters kept of each header value.
HEADER_COUNT = 32
HEADER_VALUE_LIMIT = 256
#: Characters kept of a request's URL.
URL_LIMIT = 2048
#: Keys whose values never appear in a record, in lower case: the secrets the rules take
#: (a user's ``password``, a volume's ``imagePassword``).
SECRET_KEYS = frozenset({"password", "imagepassword"})

_MASK = "*****"
# A JSON string token; an unterminated one runs to the end of the text.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.S)
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.S)
_COLON = re.compile(r"\s*:\s*")
_SCALAR = re.compile(r"[^,}\]\s]*")
# The longest spelling of a secret key: every character escaped as \uXXXX, plus the quotes.
_LONGEST_KEY = 2 + 6 * max(len(k) for k in SECRET_KEYS)


def _is_secret_key(token: str) -> bool:
    if len(token) > _LONGEST_KEY or len(token) < 2 or token[-1] != '"':
        return False
    if "\\" in token:
        try:
            key = json.loads(token)
        except ValueError:
            return False
    else:
        key = token[1:-1]
    return isinstance(key, str) and key.lower() in SECRET_KEYS


def _value_end(text: str, start: int) -> int:
    """Where the JSON value starting at ``start`` ends (the end of the text if it does not)."""
    if start >= len(text):
        return start
    first = text[start]
    if first == '"':
        match = _STRING.match(text, start)
        return match.end() if match else start
    if first in "{[":
        depth = 0
        for token in _STRING_OR_BRACKET.finditer(text, start):
            bracket = token.group()
            if bracket == "{" or bracket == "[":
                depth += 1
            elif bracket == "}" or bracket == "]":
                depth -= 1
                if depth == 0:
                    return token.end()
        return len(text)
    scalar = _SCALAR.match(text, start)
    return scalar.end() if scalar else start


def _mask_json(text: str) -> str:
    # One pass over the string tokens: a token in key position (followed by a colon) that
    # decodes to a secret key has its value replaced. Everything else is copied as written.
    out: list[str] = []
    copied = 0
    at = text.find('"')
    while at >= 0:
        token = _STRING.match(text, at)
        end = token.end() if token else at + 1
        colon = _COLON.match(text, end) if token and _is_secret_key(token.group()) else None
        if colon is not None:
            value_start = colon.end()
            out.append(text[copied:value_start])
            out.append(f'"{_MASK}"')
            copied = end = max(_value_end(text, value_start), value_start)
        at = text.find('"', end)
    out.append(text[copied:])
    return "".join(out)


def _mask_form(text: str) -> str:
    if "=" not in text:
        return text
    fields = text.split("&")
    changed = False
    for n, pair in enumerate(fields):
        name, sep, _ = pair.partition("=")
        if sep and len(name) <= 3 * _LONGEST_KEY and unquote_plus(name).lower() in SECRET_KEYS:
            fields[n] = f"{name}={_MASK}"
            changed = True
    return "&".join(fields) if changed else text


def mask_secrets(text: str) -> str:
    """``text`` (a JSON or form body) with the values of the :data:`SECRET_KEYS` masked."""
    return _mask_form(_mask_json(text))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def recorded_body(raw: bytes | str | None) -> str | None:
    """The body as a record keeps it: secrets masked, at most :data:`BODY_LIMIT` characters
    (then ``... [truncated: N bytes in all]``); None for no body."""
    if not raw:
        return None
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    # Only the prefix that can be shown is decoded and masked (UTF-8 needs <= 4 bytes a char).
    head = raw[: 4 * BODY_LIMIT]
    text = mask_secrets(head.decode("utf-8", "replace"))
    if len(head) == len(raw) and len(text) <= BODY_LIMIT:
        return text
    return f"{text[:BODY_LIMIT]}... [truncated: {len(raw)} bytes in all]"


def _recorded_url(url: str) -> str:
    path, sep, query = url.partition("?")
    return _clip(path + sep + _mask_form(query), URL_LIMIT)


def _recorded_headers(headers: Mapping[str, str]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in headers.items():
        if len(kept) >= HEADER_COUNT:
            break
        kept[_clip(name, 64)] = _clip(value, HEADER_VALUE_LIMIT)
    return kept


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

    def duration_for(self, kind: str) -> float | None: ...


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
    #: the operation kind (``snapshot.create``) and, when ``delay_for`` gives it one, the
    #: seconds it takes (None: the progression policy decides)
    kind: str = ""
    duration: float | None = None
    #: completion was asked for (an immediate reply, the N-th poll) while an earlier request
    #: with a duration still ran: it completes as soon as that one has
    released: bool = False
    targets: list[Target] = field(default_factory=list)
    touched: dict[int, Any] = field(default_factory=dict)
    #: (effect, arguments) to run in order when the request completes successfully
    effects: list[tuple[EffectFunction, tuple[Any, ...]]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return "/requests/" + self.id

    @property
    def finished(self) -> bool:
        return self.status in ("DONE", "FAILED")


class RequestLog:
    """The emulator's requests, newest last, and the queue of unfinished ones.

    Each contract keeps its newest ``limit`` requests; more only while unfinished ones need it.
    """

    def __init__(
        self,
        state: State,
        controls: ProgressionSource,
        *,
        clock: Callable[[], float] = time.monotonic,
        now_iso: Callable[[], str],
        limit: int = DEFAULT_LIMIT,
    ) -> None:
        self.state = state
        self.controls = controls
        self.clock = clock
        self.now_iso = now_iso
        self.limit = limit
        self.requests: dict[str, Request] = {}
        self.pending: deque[Request] = deque()
        self._by_contract: dict[int, OrderedDict[str, Request]] = {}

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
        headers: Mapping[str, str],
        body: bytes | str | None,
        kind: str = "",
    ) -> Request:
        """Record a new QUEUED request (its outcome is drawn now, so seeded runs repeat).

        ``url``, ``headers`` and ``body`` are the call's as received; the record keeps them
        bounded and with secrets masked (see the module docstring). The contract's oldest
        finished requests beyond ``limit`` are dropped. ``kind`` is the operation kind of the
        call, which decides its duration under ``delay_for``.
        """
        request = Request(
            id=self.state.new_id(),
            contract=contract,
            user_id=user_id,
            created_by=created_by,
            created_date=created_date,
            method=method,
            url=_recorded_url(url),
            headers=_recorded_headers(headers),
            body=recorded_body(body),
            created_at=self.clock(),
            etag=self.state.new_etag(),
            fail=self.controls.request_should_fail(),
            kind=kind,
            duration=self.controls.duration_for(kind) if kind else None,
        )
        self.requests[request.id] = request
        self._by_contract.setdefault(contract, OrderedDict())[request.id] = request
        self.pending.append(request)
        self._trim(contract)
        return request

    def _trim(self, contract: int) -> None:
        kept = self._by_contract.get(contract)
        while kept is not None and len(kept) > self.limit:
            oldest = next(iter(kept.values()))
            if not oldest.finished:
                # Requests finish in the order they were made, so the newer ones are unfinished
                # as well: nothing can be dropped until this one finishes.
                return
            kept.popitem(last=False)
            del self.requests[oldest.id]

    def adopt(self, request: Request) -> None:
        """Add a request read back from a state document; requests come oldest first."""
        self.requests[request.id] = request
        self._by_contract.setdefault(request.contract, OrderedDict())[request.id] = request
        if not request.finished:
            self.pending.append(request)

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

    def on_done(self, request: Request, effect: EffectFunction, *args: Any) -> None:
        """Run ``effect(state, *args)`` when ``request`` completes successfully.

        ``effect`` must be registered with :func:`~profitbricks.emulator.effects.effect` and
        ``args`` be records of the state or JSON values, so that a pending request can be saved
        and completed after a restart; raises ``TypeError`` for an unregistered function.
        """
        effect_name(effect)
        request.effects.append((effect, args))

    def submitted(self, request: Request) -> None:
        """Called once the reply to the mutating call is built: completes it when immediate."""
        if self.controls.progression.mode == "immediate":
            self.complete_through(request)

    # -- progress ----------------------------------------------------------------------------

    def _due(self, request: Request, now: float) -> bool:
        """Whether ``request`` may complete now, earlier requests aside."""
        if request.duration is not None:
            return now - request.created_at >= request.duration
        if request.released:
            return True
        progression = self.controls.progression
        if progression.mode == "immediate":
            return True
        if progression.mode == "seconds":
            return now - request.created_at >= progression.value
        return False

    def advance(self) -> None:
        """Complete every request that its duration or the progression policy says is due by
        now, oldest first, stopping at the first that is not."""
        pending = self.pending
        if not pending:
            return
        now = self.clock()
        while pending and self._due(pending[0], now):
            self._complete(pending.popleft())

    def poll(self, request: Request) -> None:
        """Count a status poll of ``request``; under ``polls:N`` the N-th poll completes it."""
        if request.finished:
            return
        request.polls += 1
        progression = self.controls.progression
        if (
            progression.mode == "polls"
            and request.duration is None
            and request.polls >= progression.value
        ):
            self.complete_through(request)

    def status(self, request: Request) -> str:
        """QUEUED, RUNNING, DONE or FAILED as the request looks now."""
        if request.finished:
            return request.status
        if request.duration is not None:
            age = self.clock() - request.created_at
            return "RUNNING" if age >= request.duration / 2 else "QUEUED"
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
        """Complete the pending requests in order, up to and including ``request``.

        A request with a duration that has not run out stops this; ``request`` and those
        before it are then released, to complete as soon as that one has.
        """
        pending = self.pending
        now = self.clock()
        while pending and not request.finished:
            head = pending[0]
            if head.duration is not None and now - head.created_at < head.duration:
                for waiting in pending:
                    if waiting.duration is None:
                        waiting.released = True
                    if waiting is request:
                        break
                return
            self._complete(pending.popleft())

    def _complete(self, request: Request) -> None:
        if request.fail:
            request.status = "FAILED"
        else:
            request.status = "DONE"
            for effect, args in request.effects:
                try:
                    effect(self.state, *args)
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
        self._trim(request.contract)

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
            kept = self._by_contract.get(request.contract)
            if kept is not None:
                kept.pop(request.id, None)
