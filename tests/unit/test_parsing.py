"""The emulator's input limits: JSON nesting, digits, non-finite numbers, surrogates, depth."""

from __future__ import annotations

import json

import pytest

from profitbricks.emulator.errors import BadRequest, Invalid
from profitbricks.emulator.parsing import (
    MAX_INT_DIGITS,
    MAX_JSON_DEPTH,
    find_lone_surrogate,
    load_json,
    read_depth,
)


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_nesting_up_to_the_limit_is_read() -> None:
    assert load_json(_nested(MAX_JSON_DEPTH)) == json.loads(_nested(MAX_JSON_DEPTH))
    mixed = '{"a":' * (MAX_JSON_DEPTH - 1) + "[1]" + "}" * (MAX_JSON_DEPTH - 1)
    assert load_json(mixed) is not None


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH + 1, 1_000, 100_000])
def test_deeper_nesting_is_400(levels: int) -> None:
    with pytest.raises(BadRequest, match=f"nested deeper than {MAX_JSON_DEPTH} levels"):
        load_json(_nested(levels))


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"name": "[" * 500 + '\\"{' * 100, "list": ["]" * 50]})
    assert load_json(text)["list"] == ["]" * 50]


def test_unbalanced_deep_brackets_are_400_before_decoding() -> None:
    with pytest.raises(BadRequest, match="do not match"):
        load_json("[" * 50_000 + "}" * 50_000)


def test_integers_up_to_the_digit_limit_are_read() -> None:
    largest = "9" * MAX_INT_DIGITS
    assert load_json(f'{{"size": {largest}, "neg": -{largest}}}') == {
        "size": int(largest),
        "neg": -int(largest),
    }


@pytest.mark.parametrize("digits", [MAX_INT_DIGITS + 1, 4_301, 5_000, 100_000])
def test_longer_integers_are_422_naming_the_attribute(digits: int) -> None:
    body = '{"properties": {"size": ' + "1" * digits + "}}"
    with pytest.raises(Invalid) as caught:
        load_json(body)
    assert caught.value.attribute == "size"
    assert caught.value.at == "(root).properties"
    assert f"at most {MAX_INT_DIGITS} digits" in caught.value.message
    assert caught.value.message.startswith("[(root).properties.size] Attribute 'size'")


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1" * 400 + ".5"])
def test_numbers_beyond_a_double_are_422(number: str) -> None:
    with pytest.raises(Invalid, match=r"\[\(root\)\.entities\.items\[1\]\] .* must be a finite"):
        load_json('{"entities": {"items": [1, ' + number + "]}}")


def test_large_finite_numbers_are_read() -> None:
    assert load_json("[1e308, 4.9e-324, -0.0]") == [1e308, 5e-324, -0.0]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_400(constant: str) -> None:
    with pytest.raises(BadRequest, match="not a JSON value"):
        load_json(f'{{"latency": {constant}}}')


@pytest.mark.parametrize(
    ("text", "attribute", "at"),
    [
        ('{"properties": {"name": "x\\ud800y"}}', "name", "(root).properties"),
        ('{"properties": {"name": "\\udfff"}}', "name", "(root).properties"),
        ('{"a": [{"b": "ok"}, {"c": "cut \\ud83d"}]}', "c", "(root).a[1]"),
        ('{"sshKeys": ["fine", "\\udc00"]}', "sshKeys[1]", "(root)"),
        ('{"properties": {"x\\ud800": 1}}', "x\\ud800", "(root).properties"),
    ],
)
def test_lone_surrogates_are_422_naming_where(text: str, attribute: str, at: str) -> None:
    with pytest.raises(Invalid) as caught:
        load_json(text)
    assert caught.value.attribute == attribute
    assert caught.value.at == at
    assert "lone surrogate" in caught.value.message
    caught.value.message.encode("utf-8")  # the message itself can be sent


def test_a_lone_surrogate_as_the_whole_body_is_400() -> None:
    with pytest.raises(BadRequest, match="lone surrogate"):
        load_json('"\\ud800"')


def test_surrogate_pairs_and_escaped_backslashes_are_text() -> None:
    assert load_json('{"name": "\\ud83d\\ude00"}') == {"name": "\U0001f600"}
    assert load_json('{"name": "\\\\ud800"}') == {"name": "\\ud800"}


def test_find_lone_surrogate() -> None:
    assert find_lone_surrogate("plain é €") is None
    assert find_lone_surrogate("a\ud800b") == "\\ud800"


def test_malformed_json_is_400_with_a_position() -> None:
    with pytest.raises(BadRequest, match="line 1, column 2"):
        load_json("{not json")


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("0", 0),
        ("3", 3),
        ("5", 5),
        ("6", 5),
        ("0003", 3),
        ("10", 5),
        ("1" * 5_000, 5),
        ("0" * 5_000, 0),
        ("5?depth=5", 5),
        ("2abc", 2),
        (" 2 ", 2),
        ("", 0),
        ("abc", 0),
        ("-1", 0),
        ("+1", 0),
        ("²", 0),
        ("٣", 0),
        ("１", 0),
    ],
)
def test_depth_is_the_leading_ascii_digits_capped_at_5(text: str, depth: int) -> None:
    assert read_depth(text) == depth
