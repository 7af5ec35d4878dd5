"""profitbricks.emulator: a stateful, validating, multi-user Cloud API v4 on your machine.

``Emulator(EmulatorConfig(...))`` is a WSGI application serving ``/cloudapi/v4`` with HTTP
Basic auth, asynchronous provisioning requests, depth 0-5 rendering, users, groups and shares,
and contract limits; ``python -m profitbricks.emulator`` serves it with waitress.
"""

from __future__ import annotations

from .app import Emulator
from .config import EmulatorConfig

__all__ = ["Emulator", "EmulatorConfig"]
