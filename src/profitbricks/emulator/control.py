"""Run-time controls of the emulator: progression, durations, rate limit, faults, latency, seed.

Everything here is off by default. The settings come from the emulator's configuration (and so
from the command line) and can be read and changed while it runs through the control API under
the reserved prefix ``/_emulator/``, which needs no credentials:

``GET /_emulator/`` or ``GET /_emulator/config``
    the current settings as JSON.
``PATCH`` or ``POST /_emulator/config``
    change any of the run-time settings declared in :mod:`.settings` (``progression``,
    ``delay``, ``delay_for``, ``rate_limit``, ``rate_window``, ``fail_probability``,
    ``error_probability``, ``latency``, ``seed``, ``resource_limits``), each checked by its
    declaration; answers the new settings, or 400 ``{"error": "..."}`` (nothing is changed) when
    a value is invalid. ``resource_limits`` is an object of overrides of the contract limits
    (``{"coresPerContract": 1000}``; ``{}`` or ``null`` for the defaults) replacing the previous
    overrides; it applies at once to every contract. ``delay_for`` likewise replaces the
    per-operation durations.
``POST /_emulator/reset``
    back to the initial state (accounts and catalogue only), with progression, durations, rate
    limit, faults, latency and resource limits back to their start-up values (configuration or
    command line), through :meth:`.app.Emulator.reset`. The seed stays as set; an optional JSON
    body ``{"seed": n}`` sets it first.
``POST /_emulator/images``
    create a private image, as an upload would in the real API (which offers no route for it).
    JSON body: ``owner`` (e-mail of an existing user; the image joins that user's contract),
    ``name``, ``location`` (a location id), ``size`` (GB, a number > 0), and optionally
    ``imageType`` (``HDD``, the default, or ``CDROM``), ``licenceType`` (default ``UNKNOWN``),
    ``description`` and any of the ten hot-plug flags (default ``false``). Answers 201 with the
    image as ``GET /images/{id}`` renders it (``public: false``, ``state: AVAILABLE``) and a
    ``Location`` header naming it, or 400 ``{"error": "...", "field": "<name>"}``. The image is
    listed in ``/images`` and ``/um/resources/image`` of that contract only, can be changed with
    ``PATCH /images/{id}``, deleted, and used as the ``image`` of new volumes (without
    ``imagePassword``/``sshKeys``, which only public images take). A reset removes it.
``GET /_emulator/state`` and ``PUT /_emulator/state``
    export and import the whole state (accounts, resources, request log, pending requests,
    settings) as one versioned JSON document (:mod:`.persist`). A PUT is checked completely
    before anything is replaced: a body that is not JSON answers 400, a document that cannot be
    loaded 422 naming the place and the problem (``records[3].dc: ...``), and the state stays
    as it was. A PUT answers ``{"imported": true}`` and the settings now in force.
``GET /_emulator/stats``
    counters of what the emulator served: ``requests`` (``api``, ``control``, ``total``; every
    call answered, errors included, this one too) and ``connections`` (``accepted`` by the HTTP
    server and ``open`` right now, both 0 without a server, e.g. in process). The counters are
    cumulative since the emulator was created: ``POST /_emulator/reset`` does not clear them, so
    take differences between two reads.

Error answers are ``{"error": "...", "field": "<name>"}`` (``field`` when one is to blame) with
the Cloud API's ``httpStatus`` and ``messages`` alongside. Durations (``delay``, ``latency``,
``rate_window``, ``seconds:T``) are at most :data:`MAX_SECONDS`; counts (``polls:N``,
``rate_limit``) at most :data:`MAX_COUNT`. Bodies are read by :func:`.parsing.load_json`, within
its limits.

Browsers must not reach the control API from other sites (:func:`check_access`): there are no
CORS headers; a call with a body needs ``Content-Type: application/json`` (415); a request with
an ``Origin`` other than the emulator's own is refused (403), and so is, without a control token,
one whose ``Host`` is not a loopback name (a DNS-rebinding page). With a control token every call
needs ``Authorization: Bearer <token>`` (401).

Fault draws use a random generator of their own, seeded from ``seed``, so a seeded run fails the
same requests every time.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from .errors import BadRequest, Invalid
from .parsing import load_json
from .settings import (
    MAX_COUNT,
    MAX_SECONDS,
    RUNTIME_SETTINGS,
    InvalidSetting,
    Progression,
    check_delay_for,
    check_progression,
    check_rate_limit,
    check_resource_limits,
    check_seed,
    duration_for,
    setting,
)

__all__ = [
    "CONTROL_PREFIX",
    "MAX_COUNT",
    "MAX_SECONDS",
    "Controls",
    "InvalidSetting",
    "Progression",
    "Rejection",
    "Stats",
    "binds_only_loopback",
    "check_access",
    "control_error",
    "is_loopback_name",
]

#: Paths under this prefix are the control API, never the Cloud API.
CONTROL_PREFIX = "/_emulator"


@dataclass(frozen=True)
class Rejection:
    """A request turned away before it reaches the API: 429 (rate limit) or 503 (injected).

    The HTTP layer answers ``status`` with ``headers`` and the API error body of :meth:`body`.
    """

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    message: str = ""

    def body(self) -> dict[str, Any]:
        """The Cloud API error body: ``{"httpStatus": ..., "messages": [...]}``."""
        return {
            "httpStatus": self.status,
            "messages": [{"errorCode": str(self.status), "message": self.message}],
        }


class Stats:
    """Thread-safe counters of requests served and connections accepted, since creation.

    The WSGI application counts requests (:meth:`request_served`); the HTTP server counts the
    connections it accepts and closes (:meth:`connection_opened`, :meth:`connection_closed`).
    Nothing resets them: callers compare two :meth:`snapshot` reads.
    """

    __slots__ = ("_accepted", "_api", "_closed", "_control", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._api = 0
        self._control = 0
        self._accepted = 0
        self._closed = 0

    def __repr__(self) -> str:
        return f"<Stats {self.snapshot()}>"

    def request_served(self, *, control: bool = False) -> None:
        """Count one answered request (Cloud API, or control API with ``control=True``)."""
        with self._lock:
            if control:
                self._control += 1
            else:
                self._api += 1

    def connection_opened(self) -> None:
        """Count one connection accepted by the HTTP server."""
        with self._lock:
            self._accepted += 1

    def connection_closed(self) -> None:
        """Count one accepted connection closed again (by either side)."""
        with self._lock:
            self._closed += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        """``{"requests": {"api", "control", "total"}, "connections": {"accepted", "open"}}``."""
        with self._lock:
            return {
                "requests": {
                    "api": self._api,
                    "control": self._control,
                    "total": self._api + self._control,
                },
                "connections": {
                    "accepted": self._accepted,
                    "open": self._accepted - self._closed,
                },
            }


class ControlTarget(Protocol):
    """What the control API acts on: the emulator (``reset``, private images, ``stats``)."""

    stats: Stats

    def reset(
        self, *, settings: Literal["keep", "initial", "off"] = "keep", seed: int | None = ...
    ) -> None:
        """Back to the initial state; ``settings`` and ``seed`` as :meth:`.app.Emulator.reset`."""
        ...

    def create_private_image(self, spec: Mapping[str, Any], base_url: str) -> dict[str, Any]:
        """Create a private image from ``spec``; return its API document.

        Raises :class:`InvalidSetting` (``field`` names the wrong field) for an invalid spec.
        """
        ...

    def export_state(self) -> dict[str, Any]: ...

    def import_state(self, document: Any) -> None: ...


# Settings kept under another attribute name by the controls.
_ATTRIBUTES = {"latency": "latency_seconds"}


def _check(name: str, value: object) -> Any:
    return setting(name).check(value)


class Controls:
    """The emulator's switchable behaviour, shared by all threads serving requests.

    Construct it with keyword settings (all off by default) or from an ``EmulatorConfig`` with
    :meth:`from_config`. Every method is thread-safe. ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        *,
        progression: Progression | str = "immediate",
        rate_limit: int | None = None,
        rate_window: float = 1.0,
        fail_probability: float = 0.0,
        error_probability: float = 0.0,
        latency: float = 0.0,
        seed: int | None = None,
        resource_limits: Mapping[str, int] | None = None,
        delay_for: Mapping[str, float] | str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.progression: Progression = check_progression(progression)
        self.rate_limit: int | None = check_rate_limit(rate_limit)
        self.rate_window: float = _check("rate_window", rate_window)
        self.fail_probability: float = _check("fail_probability", fail_probability)
        self.error_probability: float = _check("error_probability", error_probability)
        self.latency_seconds: float = _check("latency", latency)
        self.seed: int | None = check_seed(seed)
        #: seconds per operation kind or noun (``delay_for``); see :meth:`duration_for`
        self.delay_for: dict[str, float] = check_delay_for(delay_for)
        #: overrides of the contract limits; ``limits_version`` counts their changes, so the
        #: emulator knows when to apply them to the contracts it has
        self.resource_limits: dict[str, int] = check_resource_limits(resource_limits)
        self.limits_version = 0
        self._random = random.Random(self.seed)
        self._windows: dict[str, deque[float]] = {}
        self._initial = self._current()

    def _current(self) -> dict[str, Any]:
        return {
            "progression": self.progression,
            "rate_limit": self.rate_limit,
            "rate_window": self.rate_window,
            "fail_probability": self.fail_probability,
            "error_probability": self.error_probability,
            "latency_seconds": self.latency_seconds,
            "resource_limits": dict(self.resource_limits),
            "delay_for": dict(self.delay_for),
        }

    @classmethod
    def from_config(
        cls, config: object, *, clock: Callable[[], float] = time.monotonic
    ) -> Controls:
        """Build the controls from an ``EmulatorConfig`` (or any object with its field names).

        ``progression`` wins when set; otherwise ``delay`` T means ``seconds:T`` and no delay
        means ``immediate``. Raises :class:`InvalidSetting` for invalid values.
        """
        progression = getattr(config, "progression", None)
        if progression is None:
            delay = getattr(config, "delay", None)
            progression = (
                Progression.after_seconds(_check("delay", delay)) if delay else Progression()
            )
        rate_window = getattr(config, "rate_window", None)
        return cls(
            progression=progression,
            rate_limit=getattr(config, "rate_limit", None),
            rate_window=1.0 if rate_window is None else rate_window,
            fail_probability=getattr(config, "fail_probability", None) or 0.0,
            error_probability=getattr(config, "error_probability", None) or 0.0,
            latency=getattr(config, "latency", None) or 0.0,
            seed=getattr(config, "seed", None),
            resource_limits=getattr(config, "resource_limits", None),
            delay_for=getattr(config, "delay_for", None),
            clock=clock,
        )

    # -- per-request hooks -------------------------------------------------------------------

    def admit(self, account_key: str) -> Rejection | None:
        """Decide whether a Cloud API request of ``account_key`` may proceed.

        Returns ``None`` to go on, or a 429 :class:`Rejection` when the account has used up its
        ``rate_limit`` requests of the last ``rate_window`` seconds (``Retry-After``: whole
        seconds until a slot frees, at least 1), or an injected 503 drawn with
        ``error_probability`` (``Retry-After: 1``). Rejected requests do not use the budget.
        """
        with self._lock:
            limit = self.rate_limit
            if limit is not None:
                now = self._clock()
                window = self._windows.get(account_key)
                if window is None:
                    window = self._windows[account_key] = deque()
                horizon = now - self.rate_window
                while window and window[0] <= horizon:
                    window.popleft()
                if len(window) >= limit:
                    wait = window[len(window) - limit] + self.rate_window - now
                    retry_after = max(1, math.ceil(wait))
                    return Rejection(
                        429,
                        {"Retry-After": str(retry_after)},
                        f"Rate limit exceeded: at most {limit} requests per "
                        f"{self.rate_window:g} s; retry in {retry_after} s",
                    )
                window.append(now)
            if self.error_probability and self._random.random() < self.error_probability:
                return Rejection(
                    503, {"Retry-After": "1"}, "Service temporarily unavailable (injected fault)"
                )
        return None

    def latency(self) -> float:
        """Seconds the HTTP layer waits before answering a Cloud API request (0 = none)."""
        return self.latency_seconds

    def duration_for(self, kind: str) -> float | None:
        """Seconds a request of operation kind ``kind`` takes under ``delay_for`` (its own
        entry, else its noun's), or None when the progression setting decides."""
        return duration_for(self.delay_for, kind)

    def request_should_fail(self) -> bool:
        """Draw whether a new provisioning request ends FAILED (``fail_probability``)."""
        with self._lock:
            return bool(self.fail_probability) and self._random.random() < self.fail_probability

    # -- settings ------------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """The current settings, as ``GET /_emulator/config`` shows them."""
        with self._lock:
            progression = self.progression
            return {
                "progression": str(progression),
                "delay": progression.value if progression.mode == "seconds" else None,
                "rate_limit": self.rate_limit,
                "rate_window": self.rate_window,
                "fail_probability": self.fail_probability,
                "error_probability": self.error_probability,
                "latency": self.latency_seconds,
                "seed": self.seed,
                "resource_limits": dict(self.resource_limits),
                "delay_for": dict(self.delay_for),
            }

    def update(self, changes: Mapping[str, object]) -> dict[str, Any]:
        """Apply settings (names as in :meth:`settings`) all at once and return the new settings.

        ``delay`` T is short for ``progression`` ``seconds:T``. A new ``seed`` reseeds the fault
        generator. Raises :class:`InvalidSetting` and changes nothing if any value is invalid.
        """
        unknown = sorted(set(changes) - set(RUNTIME_SETTINGS))
        if unknown:
            raise InvalidSetting(
                f"unknown setting(s): {', '.join(unknown)} "
                f"(settings: {', '.join(RUNTIME_SETTINGS)})",
                field=unknown[0],
            )
        checked: dict[str, Any] = {}
        for name, value in changes.items():
            checked[_ATTRIBUTES.get(name, name)] = RUNTIME_SETTINGS[name].check(value)
        if "delay" in checked:
            delay = checked.pop("delay")
            if "progression" not in changes:
                checked["progression"] = (
                    Progression() if delay is None else Progression.after_seconds(delay)
                )
        with self._lock:
            for name, value in checked.items():
                setattr(self, name, value)
            if "resource_limits" in checked:
                self.limits_version += 1
            if "seed" in checked:
                self._random.seed(self.seed)
            if "rate_limit" in checked or "rate_window" in checked:
                self._windows.clear()
        return self.settings()

    def reset(self) -> None:
        """Forget the rate-limit windows and reseed the fault generator from ``seed``."""
        with self._lock:
            self._windows.clear()
            self._random.seed(self.seed)

    def restore_initial(self) -> None:
        """Put progression, rate limit, faults, latency and resource limits back to their
        construction values.

        The seed stays: it is what makes a series of resets reproducible.
        """
        with self._lock:
            for name, value in self._initial.items():
                setattr(self, name, dict(value) if isinstance(value, dict) else value)
            self.limits_version += 1
            self._windows.clear()

    def restore_defaults(self) -> None:
        """Switch everything off: immediate progression, no limit, faults, latency or seed, and
        the default resource limits."""
        with self._lock:
            self.progression = Progression()
            self.rate_limit = None
            self.rate_window = 1.0
            self.fail_probability = 0.0
            self.error_probability = 0.0
            self.latency_seconds = 0.0
            self.seed = None
            self.resource_limits = {}
            self.delay_for = {}
            self.limits_version += 1
            self._windows.clear()
            self._random.seed(None)

    # -- the control API -----------------------------------------------------------------------

    def handle(
        self,
        emulator: ControlTarget,
        method: str,
        path: str,
        body: bytes,
        *,
        base_url: str = "",
    ) -> tuple[int, dict[str, Any]]:
        """Serve a ``/_emulator/...`` request: returns (HTTP status, JSON body).

        See the module docstring for the endpoints; ``base_url`` is the Cloud API base written
        into the hrefs of created images. Unknown paths answer 404, known paths with another
        method 405, invalid JSON or values 400, with the body of :func:`control_error`.
        """
        route = path.rstrip("/")
        allowed = (
            _METHODS.get(route[len(CONTROL_PREFIX) :]) if route.startswith(CONTROL_PREFIX) else None
        )
        if allowed is None:
            return control_error(404, f"no control endpoint {path[:100]}")
        if method not in allowed:
            return control_error(405, f"method {method[:20]} not allowed on {route}")
        try:
            return self._serve(emulator, method, route[len(CONTROL_PREFIX) :], body, base_url)
        except InvalidSetting as exc:
            return control_error(400, str(exc), exc.field)

    def _serve(
        self, emulator: ControlTarget, method: str, endpoint: str, body: bytes, base_url: str
    ) -> tuple[int, dict[str, Any]]:
        if endpoint == "/stats":
            return 200, emulator.stats.snapshot()
        if endpoint == "/state":
            return self._state(emulator, method, body)
        if endpoint == "/images":
            return 201, emulator.create_private_image(_json_object(body), base_url)
        if endpoint == "/reset":
            options = _json_object(body)
            unknown = sorted(set(options) - {"seed"})
            if unknown:
                raise InvalidSetting(
                    f"unknown reset option(s): {', '.join(unknown)}", field=unknown[0]
                )
            emulator.reset(settings="initial", **options)
            return 200, {"reset": True, **self.settings()}
        if method in ("GET", "HEAD"):
            return 200, self.settings()
        return 200, self.update(_json_object(body))

    def _state(
        self, emulator: ControlTarget, method: str, body: bytes
    ) -> tuple[int, dict[str, Any]]:
        if method in ("GET", "HEAD"):
            return 200, emulator.export_state()
        # Imported here: the document module reads the controls' own checks from this one.
        from .persist import StateDocumentError

        try:
            emulator.import_state(_json_object(body))
        except StateDocumentError as exc:
            return control_error(422, f"state document not imported: {exc}")
        return 200, {"imported": True, **self.settings()}


# The endpoints under CONTROL_PREFIX and the methods each accepts.
_METHODS: dict[str, tuple[str, ...]] = {
    "": ("GET", "HEAD"),
    "/config": ("GET", "HEAD", "PATCH", "POST"),
    "/reset": ("POST",),
    "/images": ("POST",),
    "/stats": ("GET", "HEAD"),
    "/state": ("GET", "HEAD", "PUT"),
}


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        data = load_json(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidSetting("body is not valid UTF-8") from None
    except BadRequest as exc:
        raise InvalidSetting(f"body is not valid JSON: {exc.message}") from None
    except Invalid as exc:
        place = exc.at.removeprefix("(root)").lstrip(".")
        name = f"{place}.{exc.attribute}" if place else exc.attribute
        raise InvalidSetting(f"'{name}' {exc.rule}", field=name) from None
    if not isinstance(data, dict):
        raise InvalidSetting("body must be a JSON object")
    return data


def control_error(
    status: int, message: str, field: str | None = None
) -> tuple[int, dict[str, Any]]:
    """(status, body) of a control API error: ``error`` (and ``field``) as the control API has
    always answered, with the Cloud API's ``httpStatus`` and ``messages`` alongside."""
    doc: dict[str, Any] = {"error": message}
    if field is not None:
        doc["field"] = field
    doc["httpStatus"] = status
    doc["messages"] = [{"errorCode": str(status), "message": message}]
    return status, doc


# -- who may use the control API ----------------------------------------------------------------


def is_loopback_name(host: str) -> bool:
    """True when ``host`` (a name or an address, without port) names this machine by itself:
    ``localhost``, ``*.localhost``, ``127.0.0.0/8`` or ``::1``. No DNS lookup."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def binds_only_loopback(host: str) -> bool:
    """True when listening on ``host`` is reachable from this machine only.

    ``0.0.0.0``, ``::``, an empty host and names that resolve to another address are not; a
    name that does not resolve counts as not loopback (binding it fails anyway).
    """
    if not host.strip():
        return False
    if is_loopback_name(host):
        return True
    try:
        ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        pass
    else:
        return False
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(
        ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]).is_loopback for info in infos
    )


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host[1:]
    return host.split(":", 1)[0]


def _origin(scheme: str, host: str) -> str:
    origin = f"{scheme.lower()}://{host.lower()}"
    for default in ("http://", ":80"), ("https://", ":443"):
        if origin.startswith(default[0]) and origin.endswith(default[1]):
            return origin[: -len(default[1])]
    return origin


def check_access(
    *,
    method: str,
    headers: Mapping[str, str],
    scheme: str,
    has_body: bool,
    token: str | None,
    public_url: str | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    """Whether a control call may proceed: None, or (status, error body, extra headers).

    ``headers`` holds ``origin``, ``host``, ``authorization`` and ``content-type`` (lower-case
    names; absent when not sent). In order: a foreign ``Origin`` (or, without ``token``, a
    ``Host`` that is not a loopback name nor that of ``public_url``) is 403; a missing or wrong
    ``Authorization: Bearer <token>`` when a token is set is 401 (compared in constant time);
    a body, or a POST/PATCH content type, other than ``application/json`` is 415.
    """
    host = headers.get("host", "")
    public_scheme = public_host = ""
    if public_url:
        public_scheme, _, rest = public_url.partition("://")
        public_host = rest.split("/", 1)[0]
    origin = headers.get("origin")
    if origin is not None:
        own = {_origin(scheme, host)} if host else set()
        if public_host:
            own.add(_origin(public_scheme, public_host))
        if _origin(*origin.strip().partition("://")[::2]) not in own:
            status, doc = control_error(
                403, "cross-site requests to the control API are refused (foreign Origin)"
            )
            return status, doc, {}
    if token is None and host:
        name = _host_name(host)
        if not is_loopback_name(name) and name.lower() != _host_name(public_host).lower():
            status, doc = control_error(
                403,
                "the control API answers loopback host names only; set a control token to "
                "reach it under another name",
            )
            return status, doc, {}
    if token is not None:
        scheme_word, _, given = headers.get("authorization", "").strip().partition(" ")
        expected = token.encode("utf-8")
        presented = given.strip().encode("utf-8", "replace")
        valid = hmac.compare_digest(presented, expected)
        if scheme_word.lower() != "bearer" or not valid:
            status, doc = control_error(
                401, "the control API needs the header Authorization: Bearer <control token>"
            )
            return status, doc, {"WWW-Authenticate": 'Bearer realm="profitbricks-emulator"'}
    content_type = headers.get("content-type", "").strip()
    if has_body or (content_type and method not in ("GET", "HEAD")):
        media = content_type.split(";", 1)[0].strip().lower()
        if media != "application/json":
            got = repr(content_type[:60]) if content_type else "none"
            status, doc = control_error(
                415, f"control calls with a body need Content-Type: application/json, got {got}"
            )
            return status, doc, {}
    return None
