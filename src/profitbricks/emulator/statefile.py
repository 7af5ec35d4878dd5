"""The state file: the emulator's state on disk, read at start and kept up to date while it runs.

``python -m profitbricks.emulator --state-file PATH`` loads PATH if it exists (else starts
fresh and creates it), then writes the state document (:mod:`profitbricks.emulator.persist`)
back after changes and once more when it stops.

- Writes are atomic: the document goes to a temporary file in the same directory, is flushed
  and ``fsync``-ed, and replaces PATH with ``os.replace`` (then the directory is synced). A
  reader or a crash sees the old file or the new one, never a mix.
- Writes are debounced by a background thread, so no API call waits for the disk: the first
  change after a write schedules the next write :data:`WINDOW` seconds later, and that write
  takes every change made until then. The document is taken under the emulator's lock (a few
  milliseconds for a thousand servers); encoding and writing happen outside it. A write whose
  document equals the file's content is skipped.
- A clean stop (SIGINT, SIGTERM) writes the final state after the last call is served, so
  nothing is lost. After ``kill -9`` or a power cut the changes of at most the last
  :data:`WINDOW` seconds, plus the duration of a write in progress, are lost, and PATH holds the
  last complete document.
- A file that cannot be read (not JSON, another format or version, a document that does not
  load) is never overwritten: :func:`read_state_file` raises :class:`StateFileError` naming the
  file and the problem, and the command line exits with status 1 before serving.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from .errors import BadRequest, Invalid
from .parsing import load_json
from .persist import StateDocumentError

__all__ = [
    "WINDOW",
    "Autosaver",
    "StateFileError",
    "encode",
    "load_into",
    "read_state_file",
    "write_state_file",
]

log = logging.getLogger("profitbricks.emulator")

#: Seconds from the first unsaved change to the write that saves it.
WINDOW = 0.5


class StateFileError(Exception):
    """A state file that cannot be used; the message names the file and the problem."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        super().__init__(f"state file {os.fspath(path)}: {problem}")
        self.path = os.fspath(path)
        self.problem = problem


class _Persistent(Protocol):
    on_change: Callable[[], None] | None

    def export_state(self) -> dict[str, Any]: ...

    def import_state(self, document: Any) -> None: ...


def encode(document: dict[str, Any]) -> bytes:
    """The bytes of a state document as the state file holds them (compact UTF-8 JSON)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def read_state_file(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The state document in ``path``, or None when there is no such file.

    Raises :class:`StateFileError` when the file cannot be read or holds no JSON object.
    Whether the document loads is checked by ``Emulator.import_state``.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateFileError(path, f"cannot be read: {exc.strerror or exc}") from None
    if not data.strip():
        raise StateFileError(path, "is empty, not a state document")
    try:
        document = load_json(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise StateFileError(path, "is not UTF-8 text, not a state document") from None
    except BadRequest as exc:
        raise StateFileError(path, f"is damaged: {exc.message}") from None
    except Invalid as exc:
        raise StateFileError(path, f"is damaged: {exc.message}") from None
    if not isinstance(document, dict):
        raise StateFileError(path, "holds no JSON object, not a state document")
    return document


def write_state_file(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (temporary file, fsync, ``os.replace``).

    Raises ``OSError`` when the directory cannot be written; ``path`` is then unchanged.
    """
    target = Path(path)
    directory = target.parent
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    # The rename itself survives a crash only once the directory is on disk.
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def load_into(emulator: _Persistent, path: str | os.PathLike[str]) -> bool:
    """Load the state file ``path`` into ``emulator``; False when there is no such file.

    Raises :class:`StateFileError` (the file is left as it is) when it cannot be loaded.
    """
    document = read_state_file(path)
    if document is None:
        return False
    try:
        emulator.import_state(document)
    except StateDocumentError as exc:
        raise StateFileError(path, str(exc)) from None
    return True


class Autosaver:
    """Keeps a state file up to date with an emulator from a background thread.

    :meth:`start` writes the file once and hooks into ``emulator.on_change``; each change
    schedules a write at most ``window`` seconds later. :meth:`close` unhooks, stops the thread
    and writes the final state. A failed write is logged and retried at the next change; the
    file keeps its previous content meanwhile.
    """

    def __init__(
        self,
        emulator: _Persistent,
        path: str | os.PathLike[str],
        *,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.emulator = emulator
        self.path = os.fspath(path)
        self.window = window
        self.clock = clock
        self.writes = 0
        self._condition = threading.Condition()
        self._due: float | None = None
        self._closing = False
        self._written: bytes | None = None
        self._write_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"<Autosaver {self.path} window={self.window}s>"

    def start(self) -> Autosaver:
        """Write the current state, then follow changes; returns ``self``."""
        self.flush()
        self.emulator.on_change = self.changed
        self._thread = threading.Thread(target=self._run, name="emulator-state-file", daemon=True)
        self._thread.start()
        return self

    def changed(self) -> None:
        """Note a change: the next write happens at most ``window`` seconds from now."""
        with self._condition:
            if self._due is None:
                self._due = self.clock() + self.window
                self._condition.notify()

    def flush(self) -> bool:
        """Write the state now if it differs from the file's; True when it was written."""
        with self._write_lock:
            data = encode(self.emulator.export_state())
            if data == self._written:
                return False
            write_state_file(self.path, data)
            self._written = data
            self.writes += 1
            return True

    def close(self) -> None:
        """Stop following changes and write the final state (``OSError`` if that fails)."""
        if self.emulator.on_change == self.changed:
            self.emulator.on_change = None
        with self._condition:
            self._closing = True
            self._condition.notify()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._closing and (self._due is None or self._due > self.clock()):
                    wait = None if self._due is None else self._due - self.clock()
                    self._condition.wait(wait)
                if self._closing:
                    return
                self._due = None
            try:
                self.flush()
            except OSError as exc:
                log.error("could not write the state file %s: %s", self.path, exc)
