"""Reading untrusted input: JSON bodies within limits, the ``depth`` parameter, text checks.

Everything a client sends is read here before any state changes, for the Cloud API and the
control API alike, so that nothing stored can later fail to render. A JSON body is refused when

- it is nested more than :data:`MAX_JSON_DEPTH` levels deep (400);
- it holds ``NaN``, ``Infinity`` or ``-Infinity``, which are not JSON (400);
- an integer has more than :data:`MAX_INT_DIGITS` digits (422): Python refuses to convert
  strings of over 4,300 digits, and no API value needs more than a 64-bit integer;
- a number is too large for a double, such as ``1e400`` (422);
- a string or an object key holds a lone surrogate escape such as ``"\\ud800"`` (422): it
  decodes, but the text can never be written out as UTF-8 again.

Value errors are :class:`~profitbricks.emulator.errors.Invalid` naming the attribute and its
place in the body (``[(root).properties.name] Attribute 'name' ...``); structural ones are
:class:`~profitbricks.emulator.errors.BadRequest`.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from .errors import BadRequest, EmulatorError, Invalid

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = [
    "MAX_BODY",
    "MAX_DEPTH_PARAMETER",
    "MAX_INT_DIGITS",
    "MAX_JSON_DEPTH",
    "check_request_text",
    "find_lone_surrogate",
    "ids_in",
    "load_json",
    "parse_body",
    "parse_or_error",
    "read_body",
    "read_depth",
    "read_query",
]

#: Arrays and objects may nest this many levels (a data centre with servers, NICs and firewall
#: rules in one body needs about 15).
MAX_JSON_DEPTH = 32
#: Digits an integer may have (2**64 has 20).
MAX_INT_DIGITS = 20
#: The largest ``depth`` the API renders; larger values read as this.
MAX_DEPTH_PARAMETER = 5

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A surrogate can only enter decoded JSON through a \u escape: strict UTF-8 decoding refuses
# encoded ones. Pairs decode to one character and are fine; the walk below tells them apart.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DIGITS = re.compile(r"[0-9]+")


class _Refused:
    """Stands in for a number that cannot be kept, until the walk names where it is."""

    __slots__ = ("rule",)

    def __init__(self, rule: str) -> None:
        self.rule = rule


def _parse_int(text: str) -> int | _Refused:
    digits = len(text) - (text[0] == "-")
    if digits > MAX_INT_DIGITS:
        return _Refused(f"must be an integer of at most {MAX_INT_DIGITS} digits, got {digits}")
    return int(text)


def _parse_float(text: str) -> float | _Refused:
    value = float(text)
    if not math.isfinite(value):
        return _Refused(f"must be a finite number, got {text[:40]}")
    return value


def _reject_constant(name: str) -> Any:
    raise BadRequest(f"Malformed JSON in the request body: {name} is not a JSON value")


def _nesting_problem(text: str, limit: int) -> str | None:
    """Why the arrays and objects of ``text`` cannot be decoded safely, or None when they can.

    Runs before the decoder, so that no input makes it recurse deeply. Each pass removes the
    innermost level of brackets everywhere (string contents removed first), in C.
    """
    if text.count("[") + text.count("{") <= limit:
        return None
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    for _ in range(limit):
        if not brackets:
            return None
        shorter = brackets.replace("[]", "").replace("{}", "")
        if len(shorter) == len(brackets):
            return "its brackets do not match"
        brackets = shorter
    return f"nested deeper than {limit} levels" if brackets else None


def _escaped(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def find_lone_surrogate(text: str) -> str | None:
    """The first lone surrogate in ``text`` written as ``\\udXXX``, or None when there is none."""
    found = _LONE_SURROGATE.search(text)
    return None if found is None else f"\\u{ord(found.group()):04x}"


def _check_value(value: Any, at: str, name: str) -> None:
    """Raise :class:`Invalid` for the first value under ``value`` that cannot be kept."""
    kind = type(value)
    rule = None
    if kind is str:
        surrogate = find_lone_surrogate(value)
        if surrogate is not None:
            rule = f"must be valid Unicode text; it contains a lone surrogate {surrogate}"
    elif kind is _Refused:
        rule = value.rule
    if rule is not None:
        if name == "":
            raise BadRequest(f"The request body {rule}")
        raise Invalid(name, rule, at=at)
    if kind is dict:
        where = at if name == "" else f"{at}.{name}" if name[:1] != "[" else at + name
        for key, item in value.items():
            surrogate = find_lone_surrogate(key)
            if surrogate is not None:
                raise Invalid(
                    _escaped(key),
                    f"is not a valid name; it contains a lone surrogate {surrogate}",
                    at=where,
                )
            _check_value(item, where, key)
    elif kind is list:
        for index, item in enumerate(value):
            _check_value(item, at, f"{name}[{index}]")


def load_json(text: str) -> Any:
    """Decode the JSON ``text`` of a request body within the limits of this module.

    Raises :class:`BadRequest` for malformed or over-deep JSON and :class:`Invalid` (naming the
    attribute) for a value that cannot be stored: see the module docstring.
    """
    problem = _nesting_problem(text, MAX_JSON_DEPTH)
    if problem is not None:
        raise BadRequest(f"Malformed JSON in the request body: {problem}")
    refused: list[_Refused] = []

    def parse_int(digits: str) -> Any:
        number = _parse_int(digits)
        if type(number) is _Refused:
            refused.append(number)
        return number

    def parse_float(digits: str) -> Any:
        number = _parse_float(digits)
        if type(number) is _Refused:
            refused.append(number)
        return number

    try:
        value = json.loads(
            text, parse_int=parse_int, parse_float=parse_float, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"Malformed JSON in the request body at line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}"
        ) from None
    except RecursionError:
        raise BadRequest("Malformed JSON in the request body: nested too deeply") from None
    if refused or _SURROGATE_ESCAPE.search(text):
        _check_value(value, "(root)", "")
    return value


def read_depth(text: str) -> int:
    """The ``depth`` query parameter: its leading run of ASCII digits, capped at 5; else 0.

    Never an error: a v4 SDK sends ``depth=5?depth=5`` and the API answered it at depth 5;
    ``depth=²``, ``depth=-1`` and ``depth=`` read as the default, 0.
    """
    found = _DIGITS.match(text.strip())
    if found is None:
        return 0
    digits = found.group().lstrip("0")
    if len(digits) > 1:
        return MAX_DEPTH_PARAMETER
    return min(int(digits or "0"), MAX_DEPTH_PARAMETER)


def parse_body(raw: bytes, content_type: str, form: bool) -> Any:
    """Parse a request body: JSON (any or no Content-Type), or form fields where ``form``.

    Returns None for an empty body. Raises :class:`BadRequest` for undecodable bodies and
    :class:`Invalid` for JSON values that cannot be stored (see :func:`load_json`).
    """
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The request body is not valid UTF-8") from None
    media = content_type.split(";", 1)[0].strip().lower()
    looks_like_json = text.lstrip()[:1] in ("{", "[", '"')
    if form and media == "application/x-www-form-urlencoded" and not looks_like_json:
        return dict(parse_qsl(text, keep_blank_values=True))
    try:
        return load_json(text)
    except BadRequest:
        if form and not looks_like_json and "=" in text:
            return dict(parse_qsl(text, keep_blank_values=True))
        raise


def read_query(qs: str) -> tuple[int, bool]:
    """(depth, pretty) of a query string; a malformed ``depth`` reads as the default (issue 8)."""
    depth, pretty = 0, True
    for name, value in parse_qsl(qs, keep_blank_values=True):
        if name == "depth":
            depth = read_depth(value)
        elif name == "pretty":
            pretty = value.strip().lower() not in ("false", "0", "no")
    return depth, pretty


_TEXT_KEYS = frozenset({"PATH_INFO", "QUERY_STRING", "CONTENT_TYPE"})


def check_request_text(environ: WSGIEnvironment) -> None:
    """Refuse (400) a path, query or header that a request record could not render later."""
    texts = [
        name + value
        for name, value in environ.items()
        if (name.startswith("HTTP_") or name in _TEXT_KEYS) and type(value) is str
    ]
    if "".join(texts).isascii():
        return
    for name, value in environ.items():
        if not (name.startswith("HTTP_") or name in _TEXT_KEYS):
            continue
        if find_lone_surrogate(name) is not None or (
            isinstance(value, str) and find_lone_surrogate(value) is not None
        ):
            label = name[5:].replace("_", "-").title() if name.startswith("HTTP_") else name
            raise BadRequest(f"Invalid request: {_printable(label)} is not valid text")


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")[:60]


def ids_in(body: Any) -> list[str]:
    """The strings of a parsed JSON body shaped like the ids of records (UUIDs)."""
    found: list[str] = []
    stack = [body]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str:
            if len(value) == 36 and value.count("-") == 4:
                found.append(value)
        elif kind is dict:
            stack.extend(value.values())
        elif kind is list:
            stack.extend(value)
    return found


def parse_or_error(raw: bytes, content_type: str, form: bool) -> Any:
    """:func:`parse_body`, with its error returned instead of raised (to be raised later)."""
    try:
        return parse_body(raw, content_type, form)
    except EmulatorError as error:
        return error


#: The largest request body read, in bytes.
MAX_BODY = 16 * 1024 * 1024
_CONTENT_LENGTH = re.compile(r"[0-9]{1,18}\Z")


def read_body(environ: WSGIEnvironment) -> bytes:
    """The request body of a WSGI call (``b""`` without one).

    Raises :class:`BadRequest` for a ``Content-Length`` that is not ASCII digits or a body
    larger than :data:`MAX_BODY`.
    """
    length_text = (environ.get("CONTENT_LENGTH") or "").strip()
    if length_text and not _CONTENT_LENGTH.match(length_text):
        raise BadRequest("Invalid Content-Length header")
    length = int(length_text) if length_text else 0
    if length <= 0:
        return b""
    if length > MAX_BODY:
        raise BadRequest(f"The request body is larger than {MAX_BODY} bytes")
    data: bytes = environ["wsgi.input"].read(length)
    return data
