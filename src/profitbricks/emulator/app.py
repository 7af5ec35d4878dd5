"""The emulator's WSGI application: one Cloud API call from request to reply.

:class:`Emulator` is a WSGI application. For every call under ``/cloudapi/v4`` it checks HTTP
Basic credentials (401; 429 while an account's failed logins are throttled, see
:mod:`.auth`), asks the controls whether to admit the call (429/503), resolves the route
(:mod:`.routes`: 404, 405, 501), reads the query, headers and body within the limits of
:mod:`.parsing` (400/422; the body is parsed once, as JSON or as the form fields a route may
take, and handed to the rule in its :class:`~.rules.base.Call`), then, under the one state lock,
advances the provisioning queue, runs the rule for the route and has :mod:`.present` render
what the rule's result shows, at the call's depth. A mutating rule runs against a checkpoint of
what it may change (:func:`.state.affected`), put back if it fails or its reply cannot be
written. Rules raise domain errors, turned into the API's error body by :mod:`.replies`;
anything else is the API's 500. Replies are JSON (:mod:`.pretty`). Paths under ``/_emulator/``
go to the controls (no Cloud API credentials; :func:`.control.check_access` decides who may use
them).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from . import persist, routes
from .accounts import hash_accounts, seeded_state
from .auth import Authenticator
from .catalogue import DEFAULT_RESOURCE_LIMITS
from .clock import now_iso
from .config import EmulatorConfig
from .control import (
    CONTROL_PREFIX,
    Controls,
    InvalidSetting,
    Rejection,
    Stats,
    check_access,
    control_error,
)
from .errors import (
    BadRequest,
    EmulatorError,
    Invalid,
    MethodNotAllowed,
    NotFound,
    Throttled,
    Unauthorized,
)
from .parsing import (
    check_request_text,
    ids_in,
    parse_or_error,
    read_body,
    read_query,
)
from .present import present
from .pretty import dumps_compact, dumps_pretty
from .render import View
from .replies import STATUS_LINES, error_body, reply, status_of
from .requests import RequestLog
from .results import Echo
from .routes import BASE_PATH
from .rules import image, um
from .rules.base import Body, Call
from .state import Checkpoint, Contract, State, affected, records_of

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["Emulator"]

log = logging.getLogger("profitbricks.emulator")

_HOST = re.compile(r"[A-Za-z0-9._~%!$&'()*+,;=:\[\]-]{1,255}\Z")

#: What a reset does with the run-time settings: leave them, put back the start-up values, or
#: switch every fault and delay off.
SettingsOnReset = Literal["keep", "initial", "off"]

_UNSET: Any = object()

# A new password longer than this is derived by the rule itself (under the lock), as before: not
# worth deriving ahead for a body that is likely refused.
_MAX_PASSWORD_DERIVED = 1024


def _parse(raw: bytes, content_type: str, form: bool) -> Body:
    """The :class:`Body` of a call: parsed as JSON, or as form fields where ``form`` allows."""
    if not raw:
        return Body()
    parsed = parse_or_error(raw, content_type, form)
    if isinstance(parsed, EmulatorError):
        return Body(error=parsed)
    return Body(parsed)


class Emulator:
    """A stateful, multi-user Cloud API v4 as a WSGI application.

    ``Emulator(config)`` creates one contract per configured user; :meth:`reset` returns to
    that state. ``controls`` (faults, rate limit, progression) defaults to one built from the
    configuration; ``stats`` counts the requests served (and, once served by
    :class:`~profitbricks.emulator.server.EmulatorServer`, the connections). Thread-safe: one
    lock guards all state. ``clock`` (monotonic seconds) drives the login throttle and the
    progress of provisioning requests; tests may inject one.
    """

    base_path = BASE_PATH

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        controls: Controls | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config if config is not None else EmulatorConfig()
        self.controls: Controls = (
            controls if controls is not None else Controls.from_config(self.config)
        )
        self.stats = Stats()
        self._clock = clock
        self._lock = threading.Lock()
        self._accounts = hash_accounts(self.config.users)
        self.auth = Authenticator(
            self._lock,
            lambda: self.state,
            failures=self.config.login_failures,
            window=self.config.login_window,
            tarpit=self.config.login_tarpit,
            now_iso=now_iso,
            clock=clock,
        )
        self._bases: dict[str, str] = {}
        self._limits_version = -1
        #: called after every call of the Cloud API or the control API, and after a reset or an
        #: import, which may have changed the state (the state file's autosaver listens here)
        self.on_change: Callable[[], None] | None = None
        # Set by reset, the one place that builds the state and its request log.
        self.state: State
        self.log: RequestLog
        self.reset()

    def __repr__(self) -> str:
        return f"<Emulator {len(self._accounts)} account(s) base_path={self.base_path!r}>"

    # -- state ---------------------------------------------------------------------------------

    def reset(self, *, settings: SettingsOnReset = "keep", seed: int | None = _UNSET) -> None:
        """Back to the initial state: the configured accounts and the catalogue, nothing else.

        The one way the emulator is reset: construction, ``POST /_emulator/reset`` and the
        pytest fixture all come here. ``settings`` says what happens to the run-time settings
        first: ``"keep"`` leaves them, ``"initial"`` puts back their start-up values (the
        configuration's), ``"off"`` switches every fault and delay off (immediate progression,
        no seed). ``seed``, when given, is set before that (``"off"`` clears it). Then every
        contract gets the default resource limits with the controls' overrides, ids are
        re-seeded from ``controls.seed``, the rate-limit windows and the login throttle are
        emptied and the fault generator is re-seeded. Raises
        :class:`~profitbricks.emulator.control.InvalidSetting` for an invalid ``seed`` and
        ``ValueError`` for another ``settings``, before anything changes.
        """
        if settings not in ("keep", "initial", "off"):
            raise ValueError(f"settings must be 'keep', 'initial' or 'off', got {settings!r}")
        controls = self.controls
        if seed is not _UNSET:
            controls.update({"seed": seed})
        if settings == "initial":
            controls.restore_initial()
        elif settings == "off":
            controls.restore_defaults()
        limits_version = controls.limits_version
        state = seeded_state(controls.seed, self._accounts, self.resource_limits(), now_iso())
        with self._lock:
            self.state = state
            self.log = self._new_log(state)
            self.auth.reset()
            self._limits_version = limits_version
        controls.reset()
        if self.on_change is not None:
            self.on_change()

    def _new_log(self, state: State) -> RequestLog:
        return RequestLog(
            state,
            self.controls,
            clock=self._clock,
            now_iso=now_iso,
            limit=self.config.request_log_limit,
        )

    def resource_limits(self) -> dict[str, int]:
        """The contract limits in force: the defaults with the controls' overrides."""
        return {**DEFAULT_RESOURCE_LIMITS, **self.controls.resource_limits}

    def _apply_limits(self) -> None:
        # Called under the lock when the controls' overrides changed since the last look.
        self._limits_version = self.controls.limits_version
        limits = self.resource_limits()
        for contract in self.state.contracts.values():
            contract.limits = dict(limits)

    def add_private_image(self, **spec: Any) -> str:
        """Create a private image (as an upload would) and return its id.

        Keywords as ``POST /_emulator/images`` takes them: ``owner`` (a user's e-mail), ``name``,
        ``location``, ``size`` (GB), optional ``imageType``, ``licenceType``, ``description`` and
        hot-plug flags. Raises :class:`~profitbricks.emulator.control.InvalidSetting` (a
        ``ValueError`` whose ``field`` names the wrong keyword) for invalid values.
        """
        return str(self.create_private_image(spec, "")["id"])

    def create_private_image(self, spec: Mapping[str, Any], base_url: str) -> dict[str, Any]:
        """Create a private image from ``spec``; return it as ``GET /images/{id}`` renders it.

        ``base_url`` is the Cloud API base written into its ``href``. Raises
        :class:`~profitbricks.emulator.control.InvalidSetting` naming the wrong field.
        """
        with self._lock:
            # A control call, rare: every record of every contract.
            contracts = self.state.contracts.values()
            undo = self._checkpoint(record for c in contracts for record in records_of(c))
            try:
                record = image.add_private_image(self.state, spec, now_iso())
                return present(Echo(record, entities=True), 0, View(base_url, self.state, self.log))
            except Invalid as error:
                undo()
                raise InvalidSetting(
                    f"'{error.attribute}' {error.rule}", field=error.attribute
                ) from None
            except BaseException:
                undo()
                raise

    # -- persistence (the document format is persist.py's) ------------------------------------

    def export_state(self) -> dict[str, Any]:
        """The whole state as a state document: a new structure of JSON values."""
        with self._lock:
            return persist.dump(self.state, self.log, self.controls)

    def import_state(self, document: Any) -> None:
        """Replace the whole state and the settings with those of the state ``document``.

        The document is checked completely first: raises
        :class:`~profitbricks.emulator.persist.StateDocumentError` (naming the place and the
        problem) and changes nothing when it cannot be loaded. Keeps no reference into it.
        """
        loaded = persist.load(document, self._new_log)
        with self._lock:
            self.controls.update(loaded.settings)
            self.state = loaded.state
            self.log = loaded.log
            self.auth.reset()
            self._limits_version = self.controls.limits_version
        if self.on_change is not None:
            self.on_change()

    def contract_of(self, username: str) -> Contract:
        """The contract of user ``username`` (``KeyError`` if there is no such user)."""
        with self._lock:
            user = self.state.users_by_email[username.lower()]
            return self.state.contracts[user.contract]

    # -- WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            return self._dispatch(environ, start_response)
        except Exception:
            # Nothing escapes to the server: whatever failed, the client gets the API's 500.
            log.exception("unexpected error serving %r", environ.get("PATH_INFO"))
            body = dumps_compact(error_body(500, "500", "Internal error of the emulator"))
            data = body.encode()
            start_response(
                STATUS_LINES[500],
                [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
                sys.exc_info(),
            )
            return [data]
        finally:
            if self.on_change is not None:
                self.on_change()

    def _dispatch(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO") or "/"
        method: str = environ.get("REQUEST_METHOD", "GET").upper()
        if (
            path.startswith(CONTROL_PREFIX)
            and (len(path) == len(CONTROL_PREFIX) or path[len(CONTROL_PREFIX)] == "/")
            and self.config.control_api
        ):
            self.stats.request_served(control=True)
            return self._control(environ, start_response, method, path)
        self.stats.request_served()
        if method == "HEAD":
            # Headers of the GET and never a body, error replies included: a body on a
            # kept-alive connection would be read as the start of the next reply.
            self._api(environ, start_response, method, path)
            return [b""]
        return self._api(environ, start_response, method, path)

    def _api(
        self, environ: WSGIEnvironment, start_response: StartResponse, method: str, path: str
    ) -> list[bytes]:
        base = BASE_PATH
        if not path.startswith(base) or (len(path) > len(base) and path[len(base)] != "/"):
            return self._send_error(start_response, 404, NotFound(), pretty=True)
        sub = path[len(base) :] or "/"
        qs: str = environ.get("QUERY_STRING", "")
        pretty = True
        try:
            depth, pretty = read_query(qs) if qs else (0, True)
            user = self.auth.authenticate(environ.get("HTTP_AUTHORIZATION"))
            rejection = self.controls.admit(user.email)
            if rejection is not None:
                return self._send_rejection(start_response, rejection, pretty)
            delay = self.controls.latency()
            if delay > 0:
                time.sleep(delay)
            handler, args, kind, form = routes.match("GET" if method == "HEAD" else method, sub)
            mutating = method not in ("GET", "HEAD")
            if mutating:
                # Headers, path and query go into the request record of the call.
                check_request_text(environ)
            raw = read_body(environ)
            # Parsed before taking the lock; a parse error is raised when the rule reads the
            # body, so that path errors (404) still come first.
            body = _parse(raw, environ.get("CONTENT_TYPE", ""), form)
            if kind in um.PASSWORD_KINDS and (user.administrator or args.get("user_id") == user.id):
                # The key derivation of a new password (tens of ms of CPU) runs here, outside
                # the state lock, like the password check of a login (auth.py).
                password = um.new_password_in(body.value)
                if password is not None and len(password) <= _MAX_PASSWORD_DERIVED:
                    body = Body(body.value, body.error, (password, *um.hash_password(password)))
            base_url = self._base(environ)
            answer: tuple[int, list[tuple[str, str]], bytes] | None = None
            doc: dict[str, Any] | None = None
            with self._lock:
                if self._limits_version != self.controls.limits_version:
                    self._apply_limits()
                self.log.advance()
                contract = self.state.contracts.get(user.contract)
                if contract is None or contract.users.get(user.id) is not user:
                    # The emulator was reset while this call was on its way in.
                    raise Unauthorized()
                call = Call(
                    state=self.state,
                    log=self.log,
                    user=user,
                    contract=contract,
                    depth=depth,
                    now=now_iso(),
                    method=method,
                    describe=lambda: self._describe(environ, raw),
                    raw_body=raw,
                    body=body,
                    kind=kind,
                )
                view = View(base_url, self.state, self.log)
                if mutating:
                    # Whatever goes wrong in the rule or its reply, the contract is left as
                    # it was before the call.
                    ids = {*args.values(), *ids_in(body.value)}
                    undo = self._checkpoint(affected(self.state, contract, args.get("dc_id"), ids))
                    try:
                        result = handler(call, **args)
                        doc = present(result.shown, depth, view)
                        answer = reply(result.request, doc, base_url, pretty)
                    except BaseException:
                        undo()
                        raise
                else:
                    result = handler(call, **args)
                    doc = present(result.shown, depth, view)
                if result.request is not None:
                    self.log.submitted(result.request)
            if answer is None:
                answer = reply(result.request, doc, base_url, pretty)
        except EmulatorError as error:
            return self._send_error(start_response, status_of(error), error, pretty)
        except Exception:
            log.exception("unexpected error serving %s %s", method, path)
            return self._send_internal_error(start_response, pretty)
        status, headers, data = answer
        start_response(STATUS_LINES[status], headers)
        return [data]

    def _checkpoint(self, records: Iterable[Any]) -> Callable[[], None]:
        """A function that puts ``records``, the state's allocators and the request log back
        as they are now.

        Called under the lock; the call that takes it holds the lock until it is done.
        """
        saved = Checkpoint(self.state, records)
        requests = self.log
        mark = requests.mark()

        def undo() -> None:
            saved.restore()
            requests.forget_since(mark)

        return undo

    # -- helpers -------------------------------------------------------------------------------

    def _base(self, environ: WSGIEnvironment) -> str:
        public = self.config.public_url
        if public is not None:
            return public
        host = environ.get("HTTP_HOST") or (
            f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        )
        scheme = environ.get("wsgi.url_scheme", "http")
        key = scheme + "://" + host
        base = self._bases.get(key)
        if base is None:
            # The host goes into every href and Location header of the reply.
            if not _HOST.match(host) or scheme not in ("http", "https"):
                raise BadRequest("Invalid Host header")
            base = key + BASE_PATH
            if len(self._bases) < 256:
                self._bases[key] = base
        return base

    def _describe(self, environ: WSGIEnvironment, raw: bytes) -> tuple[str, dict[str, str]]:
        """(full URL, lower-case request headers without credentials) for a request record."""
        path = environ.get("PATH_INFO", "")
        qs = environ.get("QUERY_STRING", "")
        base = self._base(environ)
        url = base[: len(base) - len(BASE_PATH)] + path + (f"?{qs}" if qs else "")
        headers: dict[str, str] = {}
        for name, value in environ.items():
            if name.startswith("HTTP_"):
                key = name[5:].replace("_", "-").lower()
                if key in ("authorization", "proxy-authorization", "cookie"):
                    continue
                headers[key] = str(value)
            elif name in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                headers[name.replace("_", "-").lower()] = str(value)
        return url, headers

    def _send(
        self,
        start_response: StartResponse,
        status: int,
        doc: Mapping[str, Any],
        pretty: bool,
        extra: Iterable[tuple[str, str]] = (),
    ) -> list[bytes]:
        text = dumps_pretty(doc) if pretty else dumps_compact(doc)
        try:
            body = text.encode()
        except UnicodeEncodeError:
            # Only an error message quoting odd input can get here; escaped, it is valid JSON.
            body = json.dumps(doc, ensure_ascii=True).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        headers.extend(extra)
        start_response(STATUS_LINES.get(status, f"{status} Error"), headers)
        return [body]

    def _send_error(
        self, start_response: StartResponse, status: int, error: EmulatorError, pretty: bool
    ) -> list[bytes]:
        extra: list[tuple[str, str]] = []
        if isinstance(error, MethodNotAllowed):
            extra.append(("Allow", ", ".join(error.allowed)))
        elif isinstance(error, Unauthorized):
            extra.append(("WWW-Authenticate", 'Basic realm="Authentication Required"'))
        elif isinstance(error, Throttled):
            extra.append(("Retry-After", str(error.retry_after)))
        return self._send(
            start_response, status, error_body(status, error.code, error.message), pretty, extra
        )

    def _send_internal_error(self, start_response: StartResponse, pretty: bool) -> list[bytes]:
        return self._send(
            start_response, 500, error_body(500, "500", "Internal error of the emulator"), pretty
        )

    def _send_rejection(
        self, start_response: StartResponse, rejection: Rejection, pretty: bool
    ) -> list[bytes]:
        return self._send(
            start_response, rejection.status, rejection.body(), pretty, rejection.headers.items()
        )

    def _control(
        self, environ: WSGIEnvironment, start_response: StartResponse, method: str, path: str
    ) -> list[bytes]:
        config = self.config
        headers = {
            name: str(environ[key])
            for name, key in (
                ("origin", "HTTP_ORIGIN"),
                ("host", "HTTP_HOST"),
                ("authorization", "HTTP_AUTHORIZATION"),
                ("content-type", "CONTENT_TYPE"),
            )
            if key in environ
        }
        length = str(environ.get("CONTENT_LENGTH") or "").strip()
        denied = check_access(
            method=method,
            headers=headers,
            scheme=str(environ.get("wsgi.url_scheme", "http")),
            has_body=bool(length.lstrip("0")),
            token=config.control_token,
            public_url=config.public_url,
        )
        if denied is not None:
            status, doc, denial_headers = denied
            return self._send(start_response, status, doc, True, denial_headers.items())
        try:
            raw = read_body(environ)
            base = self._base(environ)
            status, doc = self.controls.handle(self, method, path, raw, base_url=base)
        except BadRequest as error:
            status, doc = control_error(400, error.message)
        except Exception:
            log.exception("unexpected error serving %s %s", method, path)
            status, doc = control_error(500, "Internal error of the emulator")
        extra = [("Location", str(doc["href"]))] if status == 201 and "href" in doc else []
        return self._send(start_response, status, doc, True, extra)
