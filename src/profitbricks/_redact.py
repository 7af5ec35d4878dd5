"""Values that never show their content in a repr: headers and bodies that may hold a secret.

Error reporters render the locals of every frame (``repr`` of each value); a header dict or a
request body held by an SDK frame must not show the ``Authorization`` value or a password there.
The values behave as ``str`` and ``bytes`` everywhere else.
"""

from __future__ import annotations

__all__ = ["Secret", "SecretBytes"]


class Secret(str):
    """A header value that shows as ``'<redacted>'`` in any repr (of a dict holding it, say)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<redacted>'"


class SecretBytes(bytes):
    """A request body that shows only its length in any repr (it may carry a password)."""

    def __repr__(self) -> str:
        return f"<request body: {len(self)} bytes>"
