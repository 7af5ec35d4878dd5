"""The JSON the emulator writes: compact, or pretty-printed as the real API does by default.

The real API pretty-printed its replies in Jackson's style (2-space indent, ``"key" : value``,
``[ a, b ]``); ``?pretty=false`` gives the compact form. Both keep the key order of the
documents the renderer builds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

__all__ = ["dumps_compact", "dumps_pretty"]

dumps_compact: Callable[[Any], str] = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
).encode

_KEY_CACHE: dict[str, str] = {}


def _key(name: str) -> str:
    text = _KEY_CACHE.get(name)
    if text is None:
        text = encode_basestring(name) + " : "
        if len(_KEY_CACHE) < 4096:
            _KEY_CACHE[name] = text
    return text


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is float:
        return float.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


def _write(value: Any, out: list[str], newline: str) -> None:
    kind = type(value)
    if kind is dict:
        if not value:
            out.append("{ }")
            return
        inner = newline + "  "
        separator = "{" + inner
        for name, item in value.items():
            out.append(separator)
            out.append(_KEY_CACHE.get(name) or _key(name))
            t = type(item)
            if t is str:
                out.append(encode_basestring(item))
            elif t is dict or t is list or t is tuple:
                _write(item, out, inner)
            else:
                out.append(_scalar(item))
            separator = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[ ]")
            return
        out.append("[ ")
        first = True
        for item in value:
            if not first:
                out.append(", ")
            first = False
            t = type(item)
            if t is str:
                out.append(encode_basestring(item))
            elif t is dict or t is list or t is tuple:
                _write(item, out, newline)
            else:
                out.append(_scalar(item))
        out.append(" ]")
    elif kind is str:
        out.append(encode_basestring(value))
    else:
        out.append(_scalar(value))


def dumps_pretty(value: Any) -> str:
    """JSON in the real API's Jackson style: 2-space indent, ``"key" : value``, ``[ a, b ]``."""
    out: list[str] = []
    _write(value, out, "\n")
    return "".join(out)
