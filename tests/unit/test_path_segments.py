"""Every path argument of every operation names exactly one path segment, or nothing is sent.

The cases are generated from the operation table: each operation, each of its path parameters,
each value below, with validation on and off (the rule is not a validation switch: it is what
makes a URL mean what the caller asked; ``..`` in ``delete_server`` would otherwise delete the
data centre once a proxy removes the dot segment). One test per operation and parameter runs
every value and reports every value that fails, by label: one test per value would be some
6000 tests and add seconds of test-runner overhead for microseconds of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from unittest import mock
from urllib.parse import unquote

import pytest

from profitbricks import _operations
from profitbricks._operations import OPERATIONS, Body, Operation
from profitbricks._validation import ERROR_CODE
from profitbricks.errors import PBValidationError

UUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
VALID = {"location_id": "de/fra", "resource_type": "datacenter"}

# (label for the test id, value)
BAD_IDS: list[tuple[str, Any]] = [
    ("none", None),
    ("empty", ""),
    ("dot", "."),
    ("dotdot", ".."),
    ("slash", "a/b"),
    ("slash-dotdot", "a/.."),
    ("backslash", "a\\b"),
    ("dotdot-backslash", "..\\x"),
    ("question", "a?b"),
    ("hash", "a#b"),
    ("percent-dot", "a%2e"),
    ("percent-dotdot", "%2e%2e"),
    ("percent-slash", "a%2Fb"),
    ("leading-space", " x"),
    ("trailing-tab", "x\t"),
    ("newline", "x\n"),
    ("carriage-return", "x\r"),
    ("nul", "\x00"),
    ("del", "\x7f"),
    ("c1-nel", "x\x85"),
    ("bidi-override", "\u202e"),
    ("zero-width-space", "\u200b"),
    ("byte-order-mark", "\ufeff"),
    ("line-separator", "\u2028"),
    ("paragraph-separator", "\u2029"),
    ("no-break-space", "\u00a0"),
    ("ideographic-space", "\u3000"),
    ("bool-true", True),
    ("bool-false", False),
    ("float", 1.5),
    ("bytes", b"x"),
    ("list", ["x"]),
    ("object", object()),
]
GOOD_IDS: list[tuple[str, Any]] = [
    ("colon", "a:b"),
    ("semicolon", "x;y"),
    ("umlaut", "\u00fc"),
    ("dash", "A-1"),
    ("lone-dash", "-"),
    ("dots-inside", "a..b"),
    ("three-dots", "..."),
    ("int", 7),
    ("uuid-object", uuid.UUID(UUID)),
]
BAD_LOCATIONS: list[tuple[str, Any]] = [
    ("none", None),
    ("empty", ""),
    ("dotdot", ".."),
    ("no-slash", "defra"),
    ("dotdot-part", "de/.."),
    ("dot-part", "./fra"),
    ("three-parts", "de/fra/x"),
    ("leading-slash", "/de"),
    ("trailing-slash", "de/"),
    ("double-slash", "de//fra"),
    ("percent-slash", "de%2Ffra"),
    ("backslash", "de\\fra"),
    ("space", "de/fra "),
    ("umlaut", "de/fr\u00e4"),
    ("part-starts-with-dash", "de/-fra"),
    ("int", 7),
    ("bool", True),
]
GOOD_LOCATIONS: list[tuple[str, str]] = [
    ("de-fra", "de/fra"),
    ("us-las", "us/las"),
    ("de-fkb", "de/fkb"),
    ("underscore-dash", "a_1/B-2"),
]


def _arguments(operation: Operation[Any]) -> dict[str, Any]:
    """Valid arguments for ``operation``: every path id, and a body the body builder accepts."""
    arguments: dict[str, Any] = {name: VALID.get(name, UUID) for name in operation.params}
    if operation.body is Body.RESOURCE:
        assert operation.body_arg is not None
        assert operation.resource is not None
        arguments[operation.body_arg] = operation.resource()
    elif operation.body is Body.REFERENCE:
        assert operation.body_arg is not None
        arguments[operation.body_arg] = UUID
    return arguments


def _cases(location: bool) -> list[Any]:
    return [
        pytest.param(operation, name, id=f"{operation.name}-{name}")
        for operation in OPERATIONS.values()
        for name in operation.params
        if (name in operation.keep_slash) is location
    ]


def _each(values: list[tuple[str, Any]], check: Callable[[Any], None]) -> None:
    """Run ``check`` on every value; fail naming every value (by label) that failed."""
    failures = []
    for label, value in values:
        try:
            check(value)
        except (Exception, pytest.fail.Exception) as error:
            failures.append(f"{label} ({value!r}): {type(error).__name__}: {error}")
    assert not failures, "\n".join(failures)


def _path_error(operation: Operation[Any], name: str, value: Any, validate: bool) -> str:
    arguments = _arguments(operation)
    arguments[name] = value
    with pytest.raises(PBValidationError) as caught:
        operation.prepare(arguments, validate=validate)
    error = caught.value
    assert error.status == 422
    assert error.uri is None
    assert len(error.content) == 1
    assert error.content[0]["errorCode"] == ERROR_CODE
    message: str = error.content[0]["message"]
    assert message.startswith(f"{name}: "), message
    return message


def _segments(path: str) -> list[str]:
    return path.split("/")


def test_every_path_parameter_is_covered() -> None:
    params = [name for op in OPERATIONS.values() for name in op.params]
    assert len(params) > 100
    assert len(_cases(False)) + len(_cases(True)) == len(params)
    assert {name for op in OPERATIONS.values() for name in op.keep_slash} == {"location_id"}


def test_a_failing_value_is_reported_by_label() -> None:
    def check(value: Any) -> None:
        assert value != 2

    with pytest.raises(AssertionError, match="two"):
        _each([("one", 1), ("two", 2)], check)


@pytest.mark.parametrize(("operation", "name"), _cases(False))
def test_a_bad_path_id_is_refused(operation: Operation[Any], name: str) -> None:
    def check(value: Any) -> None:
        for validate in (True, False):
            message = _path_error(operation, name, value, validate)
            if value is None:
                assert "required" in message
            elif isinstance(value, str):
                assert "is not allowed: a path id must be one path segment" in message
            else:
                assert f"must be a string id, not {type(value).__name__}" in message

    _each(BAD_IDS, check)


@pytest.mark.parametrize(("operation", "name"), _cases(False))
def test_a_good_path_id_is_one_quoted_segment(operation: Operation[Any], name: str) -> None:
    template = _segments(operation.path)
    position = template.index("{" + name + "}")

    def check(value: Any) -> None:
        arguments = _arguments(operation)
        arguments[name] = value
        sent = _segments(operation.prepare(arguments, validate=False).path)
        assert len(sent) == len(template)
        assert unquote(sent[position], errors="strict") == str(value)
        assert all(ch.isalnum() or ch in "-._~%" for ch in sent[position]), sent[position]

    _each(GOOD_IDS, check)


@pytest.mark.parametrize(("operation", "name"), _cases(True))
def test_a_bad_location_id_is_refused(operation: Operation[Any], name: str) -> None:
    def check(value: Any) -> None:
        for validate in (True, False):
            message = _path_error(operation, name, value, validate)
            if isinstance(value, str):
                assert "must be a location id like 'de/fra'" in message

    _each(BAD_LOCATIONS, check)


@pytest.mark.parametrize(("operation", "name"), _cases(True))
def test_a_location_id_keeps_its_one_slash(operation: Operation[Any], name: str) -> None:
    template = _segments(operation.path)
    position = template.index("{" + name + "}")

    def check(value: str) -> None:
        arguments = _arguments(operation)
        arguments[name] = value
        sent = _segments(operation.prepare(arguments, validate=False).path)
        assert len(sent) == len(template) + 1
        assert "/".join(sent[position : position + 2]) == value

    _each(GOOD_LOCATIONS, check)


def test_a_long_value_is_cut_short_in_the_message() -> None:
    message = _path_error(OPERATIONS["delete_server"], "server_id", "../" + "x" * 500, True)
    assert message.startswith("server_id: '../xxx")
    assert "..." in message
    assert len(message) < 250


def test_the_message_shows_control_characters_escaped() -> None:
    message = _path_error(OPERATIONS["delete_server"], "server_id", "a\u202eb\n", False)
    assert "'a\\u202eb\\n'" in message
    assert message.isprintable()


def test_a_plain_id_takes_the_fast_path() -> None:
    # A UUID (or any ASCII letters, digits and dashes) is sent as is, without the full check.
    operation = OPERATIONS["get_firewall_rule"]
    with mock.patch.object(_operations, "_path_segment", side_effect=AssertionError("slow path")):
        path = operation.prepare(_arguments(operation)).path
    assert path == "/".join(["", "datacenters", UUID, "servers", UUID, "nics", UUID]) + (
        f"/firewallrules/{UUID}"
    )
