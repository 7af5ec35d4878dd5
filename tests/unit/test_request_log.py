"""The request log's records: secrets masked as JSON decodes the keys, bodies truncated, and at
most ``limit`` finished requests kept per contract (unfinished ones never dropped)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profitbricks.emulator.control import Controls
from profitbricks.emulator.requests import (
    BODY_LIMIT,
    HEADER_COUNT,
    HEADER_VALUE_LIMIT,
    URL_LIMIT,
    RequestLog,
    mask_secrets,
    recorded_body,
)
from profitbricks.emulator.state import State

M = '"*****"'


@pytest.mark.parametrize(
    ("body", "masked"),
    [
        ('{"password": "s3cret"}', '{"password": ' + M + "}"),
        ('{"pass\\u0077ord":"s3cret"}', '{"pass\\u0077ord":' + M + "}"),
        (
            '{"\\u0070\\u0061ssword" : "s3cret", "a": 1}',
            '{"\\u0070\\u0061ssword" : ' + M + ', "a": 1}',
        ),
        ('{"image\\u0050assword": "Vol44lias"}', '{"image\\u0050assword": ' + M + "}"),
        ('{"imagePassword": "a\\"b\\\\", "x": "y"}', '{"imagePassword": ' + M + ', "x": "y"}'),
        ('{"PASSWORD": 12345, "b": 2}', '{"PASSWORD": ' + M + ', "b": 2}'),
        ('{"password": null}', '{"password": ' + M + "}"),
        ('{"password": {"a": ["}", "{"]}, "b": 2}', '{"password": ' + M + ', "b": 2}'),
        ('{"password": ["x", ["y"]], "b": 2}', '{"password": ' + M + ', "b": 2}'),
        (
            '{"entities": {"volumes": {"items": [{"properties": {"imagePassword": "p1"}}]}}}',
            '{"entities": {"volumes": {"items": [{"properties": {"imagePassword": ' + M + "}}]}}}",
        ),
        ('{"password": "a", "password": "b"}', '{"password": ' + M + ', "password": ' + M + "}"),
        # A value that merely reads "password" is not a key.
        ('{"name": "password", "x": "\\"password\\": 1"}', None),
        # Not JSON at all, or cut short: still masked.
        ('{"password": "unterminated', '{"password": ' + M),
        ('garbage "password": "x" more', 'garbage "password": ' + M + " more"),
        # Form fields, names URL-decoded.
        ("name=snap&pass%77ord=s3cret&x=1", "name=snap&pass%77ord=*****&x=1"),
        ("imagePassword=abc", "imagePassword=*****"),
        ('{"description": "a=b&c"}', None),
    ],
)
def test_mask_secrets(body: str, masked: str | None) -> None:
    assert mask_secrets(body) == (body if masked is None else masked)


def test_mask_secrets_at_any_depth() -> None:
    doc: Any = {"password": "deep-secret"}
    for n in range(200):
        doc = {f"k{n}": [doc]}
    masked = mask_secrets(json.dumps(doc))
    assert "deep-secret" not in masked
    assert json.loads(masked) is not None


# -- the property: masking equals decoding, replacing every secret value, and re-encoding -------

_KEYS = st.sampled_from(["password", "imagePassword", "Password", "name", "size", "items", "p"])
_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
_DOCS = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


def _spell(value: Any, rng: random.Random) -> str:
    """JSON text of ``value`` with random escapes, spacing and ASCII/non-ASCII choices."""
    if isinstance(value, dict):
        items = [
            _spell_string(k, rng) + rng.choice([":", ": ", " : "]) + _spell(v, rng)
            for k, v in value.items()
        ]
        return "{" + rng.choice([",", ", "]).join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_spell(v, rng) for v in value) + "]"
    if isinstance(value, str):
        return _spell_string(value, rng)
    return json.dumps(value)


def _spell_string(text: str, rng: random.Random) -> str:
    out = []
    for char in text:
        if rng.random() < 0.3:
            out.append(f"\\u{ord(char):04x}" if ord(char) < 0x10000 else json.dumps(char)[1:-1])
        else:
            out.append(json.dumps(char, ensure_ascii=rng.random() < 0.5)[1:-1])
    return '"' + "".join(out) + '"'


def _replace_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: "*****" if k.lower() in ("password", "imagepassword") else _replace_secrets(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_replace_secrets(v) for v in value]
    return value


@settings(max_examples=300, deadline=None)
@given(doc=_DOCS, seed=st.integers(0, 2**32))
def test_masking_any_spelling_equals_replacing_the_decoded_values(doc: Any, seed: int) -> None:
    text = _spell(doc, random.Random(seed))
    assert json.loads(text) == doc
    assert json.loads(mask_secrets(text)) == _replace_secrets(doc)


# -- bodies are truncated ---------------------------------------------------------------------


def test_small_bodies_are_kept_as_sent_and_empty_ones_are_none() -> None:
    assert recorded_body(b"") is None
    assert recorded_body(None) is None
    assert recorded_body(b'{"name" :  "x"}') == '{"name" :  "x"}'


def test_long_bodies_are_cut_at_the_limit_with_a_note() -> None:
    raw = b'{"name": "x"}' + b" " * (8 * 1024 * 1024)
    kept = recorded_body(raw)
    assert kept is not None
    assert kept.startswith('{"name": "x"}   ')
    assert kept.endswith(f"... [truncated: {len(raw)} bytes in all]")
    assert len(kept) < BODY_LIMIT + 100


def test_a_secret_cut_by_the_limit_is_still_masked() -> None:
    prefix = '{"name": "' + "n" * (BODY_LIMIT - 40) + '", "password": "'
    raw = (prefix + "s" * 100_000 + '"}').encode()
    kept = recorded_body(raw)
    assert kept is not None
    assert "sss" not in kept
    assert '"password": "*****"' in kept


def test_a_secret_past_the_decoded_prefix_is_never_shown() -> None:
    raw = ('{"name": "' + "é" * (4 * BODY_LIMIT) + '", "password": "s3cret"}').encode()
    kept = recorded_body(raw)
    assert kept is not None
    assert "s3cret" not in kept
    assert len(kept) < BODY_LIMIT + 100


# -- the log -----------------------------------------------------------------------------------


def _log(limit: int, progression: str = "immediate") -> RequestLog:
    return RequestLog(
        State(seed=3), Controls(progression=progression), now_iso=lambda: "t", limit=limit
    )


def _open(log: RequestLog, contract: int, body: bytes = b"", **kw: Any) -> Any:
    request = log.open(
        contract=contract,
        user_id="u",
        created_by="u@x",
        created_date="t",
        method="PATCH",
        url=kw.get("url", "http://h/cloudapi/v4/datacenters/x"),
        headers=kw.get("headers", {"content-type": "application/json"}),
        body=body,
    )
    log.submitted(request)
    return request


def test_the_oldest_finished_requests_are_dropped_per_contract() -> None:
    log = _log(limit=3)
    first = [_open(log, 1) for _ in range(5)]
    other = [_open(log, 2) for _ in range(2)]
    assert all(r.status == "DONE" for r in first)
    assert list(log.requests) == [r.id for r in first[2:] + other]


def test_unfinished_requests_are_never_dropped() -> None:
    log = _log(limit=2, progression="polls:1000")
    opened = [_open(log, 1) for _ in range(5)]
    assert list(log.requests) == [r.id for r in opened]
    log.poll(opened[2])  # one poll of 1000: nothing finishes
    assert len(log.requests) == 5
    log.complete_through(opened[2])  # the three oldest finish, in order
    assert list(log.requests) == [r.id for r in opened[3:]]
    log.complete_through(opened[4])
    assert list(log.requests) == [r.id for r in opened[3:]]
    newest = _open(log, 1)
    assert list(log.requests) == [opened[4].id, newest.id]


def test_headers_and_url_are_bounded_and_masked() -> None:
    log = _log(limit=10)
    headers = {f"x-h{n}": "v" * 10_000 for n in range(100)}
    url = "http://h/cloudapi/v4/datacenters?password=s3cret&depth=1&pad=" + "p" * 10_000
    request = _open(log, 1, headers=headers, url=url)
    assert len(request.headers) == HEADER_COUNT
    assert all(len(v) <= HEADER_VALUE_LIMIT + 3 for v in request.headers.values())
    assert len(request.url) <= URL_LIMIT + 3
    assert "s3cret" not in request.url
    assert "?password=*****&depth=1" in request.url


# -- per-operation durations -------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def _timed_log(progression: str, delay_for: dict[str, float]) -> tuple[RequestLog, _Clock]:
    clock = _Clock()
    controls = Controls(progression=progression, delay_for=delay_for)
    return RequestLog(State(seed=3), controls, clock=clock, now_iso=lambda: "t"), clock


def _open_kind(log: RequestLog, kind: str) -> Any:
    request = log.open(
        contract=1,
        user_id="u",
        created_by="u@x",
        created_date="t",
        method="POST",
        url="http://h/cloudapi/v4/x",
        headers={},
        body=b"",
        kind=kind,
    )
    log.submitted(request)
    return request


def test_a_timed_request_is_queued_running_then_done() -> None:
    log, clock = _timed_log("immediate", {"snapshot": 10})
    request = _open_kind(log, "snapshot.create")
    assert (request.duration, log.status(request)) == (10.0, "QUEUED")
    clock.now += 5
    assert log.status(request) == "RUNNING"
    log.advance()
    assert not request.finished
    clock.now += 5
    log.advance()
    assert request.status == "DONE"


def test_a_poll_releases_the_requests_behind_a_timed_one() -> None:
    log, clock = _timed_log("polls:1", {"snapshot.create": 10})
    slow = _open_kind(log, "snapshot.create")
    quick = _open_kind(log, "lan.create")
    log.poll(quick)
    log.poll(slow)  # polls never hurry a request with a duration
    assert (slow.finished, quick.finished, quick.released) == (False, False, True)
    clock.now += 10
    log.advance()
    assert (slow.status, quick.status) == ("DONE", "DONE")


def test_a_kind_without_a_duration_follows_the_progression() -> None:
    log, clock = _timed_log("seconds:3", {"ipblock.delete": 0.5})
    created = _open_kind(log, "ipblock.create")
    assert created.duration is None
    clock.now += 2.9
    log.advance()
    assert not created.finished
    clock.now += 0.1
    log.advance()
    assert created.finished
