"""The retry policy's decisions and delays, and the small parsing helpers of the transport."""

from __future__ import annotations

import pytest

from profitbricks._transport import (
    RetryPolicy,
    encode_query,
    parse_retry_after,
    request_id_from,
)
from profitbricks.errors import PBConfigurationError


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_idempotent_methods_retry_every_transient_status(method: str, status: int) -> None:
    assert RetryPolicy().retries_status(method, status)


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_non_idempotent_methods_retry_only_when_the_server_did_not_act(method: str) -> None:
    policy = RetryPolicy()
    assert policy.retries_status(method, 429)
    assert policy.retries_status(method, 503)
    assert not policy.retries_status(method, 502)
    assert not policy.retries_status(method, 504)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 415, 422, 500])
def test_other_statuses_are_never_retried(status: int) -> None:
    assert not RetryPolicy().retries_status("GET", status)


def test_network_failures_before_sending_are_retried_for_every_method() -> None:
    policy = RetryPolicy()
    assert policy.retries_failure("POST", sent=False)
    assert policy.retries_failure("GET", sent=False)


def test_network_failures_after_sending_are_retried_only_for_idempotent_methods() -> None:
    policy = RetryPolicy()
    assert policy.retries_failure("GET", sent=True)
    assert policy.retries_failure("DELETE", sent=True)
    assert not policy.retries_failure("POST", sent=True)
    assert not policy.retries_failure("PATCH", sent=True)


def test_delay_grows_exponentially_under_the_cap_with_full_jitter() -> None:
    policy = RetryPolicy(attempts=10, backoff=0.5, factor=2.0, max_backoff=3.0, max_total=1e9)
    highest = [policy.delay(n, 0.0, rand=lambda: 1.0) for n in range(1, 7)]
    assert highest == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    assert policy.delay(1, 0.0, rand=lambda: 0.0) == 0.0
    assert policy.delay(3, 0.0, rand=lambda: 0.25) == 0.5


def test_delay_is_none_once_attempts_are_spent() -> None:
    policy = RetryPolicy(attempts=3)
    assert policy.delay(2, 0.0, rand=lambda: 1.0) is not None
    assert policy.delay(3, 0.0, rand=lambda: 1.0) is None


def test_delay_is_none_when_it_would_exceed_the_total_time() -> None:
    policy = RetryPolicy(attempts=10, backoff=1.0, max_total=5.0)
    assert policy.delay(1, 3.9, rand=lambda: 1.0) == 1.0
    assert policy.delay(1, 4.5, rand=lambda: 1.0) is None


def test_retry_after_is_the_minimum_wait() -> None:
    policy = RetryPolicy(backoff=0.5)
    assert policy.delay(1, 0.0, retry_after=2.0, rand=lambda: 1.0) == 2.0
    assert policy.delay(1, 0.0, retry_after=0.0, rand=lambda: 1.0) == 0.5


def test_retry_after_beyond_the_cap_gives_up_at_once() -> None:
    policy = RetryPolicy(max_backoff=30.0)
    assert policy.delay(1, 0.0, retry_after=30.0, rand=lambda: 0.0) == 30.0
    assert policy.delay(1, 0.0, retry_after=31.0, rand=lambda: 0.0) is None


def test_from_arg() -> None:
    assert RetryPolicy.from_arg(None) == RetryPolicy()
    assert RetryPolicy.from_arg(0).attempts == 1
    assert RetryPolicy.from_arg(5).attempts == 6
    custom = RetryPolicy(attempts=2, backoff=0.0)
    assert RetryPolicy.from_arg(custom) is custom
    with pytest.raises(PBConfigurationError):
        RetryPolicy.from_arg(-1)


def test_default_policy_is_bounded() -> None:
    policy = RetryPolicy()
    assert policy.attempts == 4
    assert policy.max_total == 60.0
    assert policy.max_backoff == 30.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), (" 1.5 ", 1.5), ("0", 0.0), ("-4", 0.0), ("", None), (None, None), ("soon", None)],
)
def test_parse_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = 1_700_000_000.0  # 2023-11-14T22:13:20Z
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", now=lambda: now) == 10.0
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:00 GMT", now=lambda: now) == 0.0


def test_encode_query() -> None:
    assert encode_query({"depth": 1}) == "depth=1"
    assert encode_query({"depth": 5, "pretty": False}) == "depth=5&pretty=false"
    assert encode_query({"name": "a b&c"}) == "name=a%20b%26c"


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (
            "https://api.example.com/cloudapi/v4/requests/4a9f0c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b/status",
            "4a9f0c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
        ),
        ("http://127.0.0.1:1/cloudapi/v4/requests/ABCDEF01-0000", "ABCDEF01-0000"),
        ("https://api.example.com/cloudapi/v4/datacenters/x", None),
    ],
)
def test_request_id_from_location(location: str, expected: str | None) -> None:
    assert request_id_from({"Location": location}) == expected


def test_request_id_from_without_location() -> None:
    assert request_id_from({}) is None


def test_policy_is_immutable_comparable_and_readable() -> None:
    policy = RetryPolicy(attempts=2, statuses=[503])
    with pytest.raises(AttributeError):
        policy.attempts = 5
    assert policy == RetryPolicy(attempts=2, statuses=(503,))
    assert policy != RetryPolicy()
    assert hash(policy) == hash(RetryPolicy(attempts=2, statuses={503}))
    assert repr(policy).startswith("RetryPolicy(attempts=2, backoff=0.5, factor=2.0, ")
    assert "statuses=(503,)" in repr(policy)
    with pytest.raises(PBConfigurationError):
        RetryPolicy(attempts=0)
