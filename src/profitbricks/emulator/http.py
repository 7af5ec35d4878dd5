"""The emulator's web application: routing table, body parsing, auth, errors, JSON output.

:class:`Emulator` is a WSGI application. For every call under ``/cloudapi/v4`` it checks HTTP
Basic credentials (401; 429 while an account's failed logins are throttled, see
:mod:`.auth`), asks the controls whether to admit the call (429/503), resolves the
route (404/405), reads the query, headers and body within the limits of :mod:`.parsing`
(400/422), then, under the one state lock, advances the provisioning queue and runs the rule
for the route. A mutating rule runs against a checkpoint of what it may change
(:func:`.state.affected`), put back if it fails. Rules raise domain errors, mapped here to the
API's error body ``{"httpStatus": ..., "messages": [{"errorCode": ..., "message": ...}]}``;
anything else is the API's 500. Replies are JSON, pretty-printed in Jackson style
(``"key" : value``) unless ``?pretty=false``. Paths under ``/_emulator/`` go to the controls
(no Cloud API credentials; :func:`.control.check_access` decides who may use them).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.exceptions import MethodNotAllowed as RouteMethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import Map, RequestRedirect, Rule

from . import persist, render
from .auth import Authenticator
from .catalogue import DEFAULT_RESOURCE_LIMITS
from .config import EmulatorConfig
from .control import Controls, InvalidSetting, Rejection, Stats, check_access, control_error
from .errors import (
    BadRequest,
    Conflict,
    EmulatorError,
    Forbidden,
    Invalid,
    MethodNotAllowed,
    NotFound,
    Throttled,
    Unauthorized,
)
from .parsing import find_lone_surrogate, load_json, read_depth
from .render import View
from .requests import RequestLog
from .rules import (
    contract as contract_rules,
)
from .rules import (
    datacenter,
    firewall,
    image,
    ipblock,
    lan,
    loadbalancer,
    location,
    nic,
    server,
    snapshot,
    um,
    volume,
)
from .rules import (
    request as request_rules,
)
from .rules.base import Call, Result
from .state import Checkpoint, Contract, State, User, affected, records_of

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["BASE_PATH", "Emulator", "dumps_compact", "dumps_pretty"]

log = logging.getLogger("profitbricks.emulator")

BASE_PATH = "/cloudapi/v4"
_CONTROL_PREFIX = "/_emulator"

Handler = Callable[..., Result]

# -- JSON output ---------------------------------------------------------------------------------

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


# -- routing table -------------------------------------------------------------------------------

_DC = "/datacenters/<dc_id>"
_SRV = _DC + "/servers/<srv_id>"
_NIC = _SRV + "/nics/<nic_id>"

ROUTES: list[tuple[str, dict[str, Handler]]] = [
    ("/contracts", {"GET": contract_rules.get_contract}),
    ("/locations", {"GET": location.list_locations}),
    ("/locations/<region>", {"GET": location.list_region}),
    ("/locations/<region>/<city>", {"GET": location.get_location}),
    (
        "/datacenters",
        {"GET": datacenter.list_datacenters, "POST": datacenter.create_datacenter},
    ),
    (
        _DC,
        {
            "GET": datacenter.get_datacenter,
            "PATCH": datacenter.update_datacenter,
            "DELETE": datacenter.delete_datacenter,
        },
    ),
    (_DC + "/servers", {"GET": server.list_servers, "POST": server.create_server}),
    (
        _SRV,
        {
            "GET": server.get_server,
            "PATCH": server.update_server,
            "DELETE": server.delete_server,
        },
    ),
    (
        _SRV + "/volumes",
        {"GET": server.list_attached_volumes, "POST": server.attach_volume},
    ),
    (
        _SRV + "/volumes/<volume_id>",
        {"GET": server.get_attached_volume, "DELETE": server.detach_volume},
    ),
    (_SRV + "/cdroms", {"GET": server.list_attached_cdroms, "POST": server.attach_cdrom}),
    (
        _SRV + "/cdroms/<image_id>",
        {"GET": server.get_attached_cdrom, "DELETE": server.detach_cdrom},
    ),
    (_SRV + "/start", {"POST": server.start_server}),
    (_SRV + "/stop", {"POST": server.stop_server}),
    (_SRV + "/reboot", {"POST": server.reboot_server}),
    (_SRV + "/nics", {"GET": nic.list_nics, "POST": nic.create_nic}),
    (_NIC, {"GET": nic.get_nic, "PATCH": nic.update_nic, "DELETE": nic.delete_nic}),
    (
        _NIC + "/firewallrules",
        {"GET": firewall.list_firewall_rules, "POST": firewall.create_firewall_rule},
    ),
    (
        _NIC + "/firewallrules/<rule_id>",
        {
            "GET": firewall.get_firewall_rule,
            "PATCH": firewall.update_firewall_rule,
            "DELETE": firewall.delete_firewall_rule,
        },
    ),
    (_DC + "/volumes", {"GET": volume.list_volumes, "POST": volume.create_volume}),
    (
        _DC + "/volumes/<volume_id>",
        {
            "GET": volume.get_volume,
            "PATCH": volume.update_volume,
            "DELETE": volume.delete_volume,
        },
    ),
    (_DC + "/volumes/<volume_id>/create-snapshot", {"POST": snapshot.create_snapshot}),
    (_DC + "/volumes/<volume_id>/restore-snapshot", {"POST": snapshot.restore_snapshot}),
    (_DC + "/lans", {"GET": lan.list_lans, "POST": lan.create_lan}),
    (
        _DC + "/lans/<lan_id>",
        {"GET": lan.get_lan, "PATCH": lan.update_lan, "DELETE": lan.delete_lan},
    ),
    (_DC + "/lans/<lan_id>/nics", {"GET": lan.list_lan_members}),
    (_DC + "/lans/<lan_id>/nics/<nic_id>", {"GET": lan.get_lan_member}),
    (
        _DC + "/loadbalancers",
        {"GET": loadbalancer.list_loadbalancers, "POST": loadbalancer.create_loadbalancer},
    ),
    (
        _DC + "/loadbalancers/<lb_id>",
        {
            "GET": loadbalancer.get_loadbalancer,
            "PATCH": loadbalancer.update_loadbalancer,
            "DELETE": loadbalancer.delete_loadbalancer,
        },
    ),
    (
        _DC + "/loadbalancers/<lb_id>/balancednics",
        {"GET": loadbalancer.list_balanced_nics, "POST": loadbalancer.add_balanced_nic},
    ),
    (
        _DC + "/loadbalancers/<lb_id>/balancednics/<nic_id>",
        {"GET": loadbalancer.get_balanced_nic, "DELETE": loadbalancer.remove_balanced_nic},
    ),
    ("/images", {"GET": image.list_images}),
    (
        "/images/<image_id>",
        {"GET": image.get_image, "PATCH": image.update_image, "DELETE": image.delete_image},
    ),
    ("/snapshots", {"GET": snapshot.list_snapshots}),
    (
        "/snapshots/<snapshot_id>",
        {
            "GET": snapshot.get_snapshot,
            "PATCH": snapshot.update_snapshot,
            "DELETE": snapshot.delete_snapshot,
        },
    ),
    ("/ipblocks", {"GET": ipblock.list_ipblocks, "POST": ipblock.create_ipblock}),
    ("/ipblocks/<ipblock_id>", {"GET": ipblock.get_ipblock, "DELETE": ipblock.delete_ipblock}),
    ("/requests", {"GET": request_rules.list_requests}),
    ("/requests/<request_id>", {"GET": request_rules.get_request}),
    ("/requests/<request_id>/status", {"GET": request_rules.get_request_status}),
    ("/um/groups", {"GET": um.list_groups, "POST": um.create_group}),
    (
        "/um/groups/<group_id>",
        {"GET": um.get_group, "PUT": um.update_group, "DELETE": um.delete_group},
    ),
    ("/um/groups/<group_id>/shares", {"GET": um.list_shares}),
    (
        "/um/groups/<group_id>/shares/<resource_id>",
        {
            "GET": um.get_share,
            "POST": um.add_share,
            "PUT": um.update_share,
            "DELETE": um.delete_share,
        },
    ),
    ("/um/groups/<group_id>/users", {"GET": um.list_group_users, "POST": um.add_group_user}),
    ("/um/groups/<group_id>/users/<user_id>", {"DELETE": um.remove_group_user}),
    ("/um/groups/<group_id>/resources", {"GET": um.list_group_resources}),
    ("/um/users", {"GET": um.list_users, "POST": um.create_user}),
    (
        "/um/users/<user_id>",
        {"GET": um.get_user, "PUT": um.update_user, "DELETE": um.delete_user},
    ),
    ("/um/users/<user_id>/groups", {"GET": um.list_user_groups}),
    ("/um/users/<user_id>/owns", {"GET": um.list_user_owns}),
    ("/um/resources", {"GET": um.list_resources}),
    ("/um/resources/<resource_type>", {"GET": um.list_resources}),
    ("/um/resources/<resource_type>/<resource_id>", {"GET": um.get_resource}),
    ("/um/resources/<resource_type>/<resource_id>/groups", {"GET": um.list_resource_groups}),
]


def _root(call: Call) -> Result:
    return Result({"href": call.view.base + "/", "name": "CLOUD API", "version": "4.0"})


ROUTES.insert(0, ("/", {"GET": _root}))

_HANDLERS: dict[str, dict[str, Handler]] = dict(ROUTES)
_MAP = Map(
    [Rule(path, endpoint=path, methods=list(table)) for path, table in ROUTES],
    strict_slashes=False,
    merge_slashes=False,
)
_ADAPTER = _MAP.bind("emulator.invalid", url_scheme="http")

# Clients poll the same few paths over and over; remembering their matches skips the matcher.
_ROUTE_CACHE: dict[tuple[str, str], tuple[Handler, dict[str, str]]] = {}


def _route(method: str, path: str) -> tuple[Handler, dict[str, str]]:
    """The handler and path arguments for ``method`` on ``path`` (relative to the base).

    Raises :class:`NotFound` or :class:`MethodNotAllowed` (with the allowed methods).
    """
    key = (method, path)
    found = _ROUTE_CACHE.get(key)
    if found is not None:
        return found
    try:
        endpoint, args = _ADAPTER.match(path, method)
    except RouteNotFound:
        raise NotFound() from None
    except RouteMethodNotAllowed as exc:
        raise MethodNotAllowed(method, list(exc.valid_methods or [])) from None
    except RequestRedirect:
        raise NotFound() from None
    matched = (_HANDLERS[endpoint][method], {str(k): str(v) for k, v in args.items()})
    if len(_ROUTE_CACHE) >= 4096:
        _ROUTE_CACHE.clear()
    _ROUTE_CACHE[key] = matched
    return matched


# -- errors --------------------------------------------------------------------------------------

_STATUS_LINES = {
    200: "200 OK",
    201: "201 Created",
    202: "202 Accepted",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    413: "413 Payload Too Large",
    415: "415 Unsupported Media Type",
    422: "422 Unprocessable Entity",
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}

_ERROR_STATUS: tuple[tuple[type[EmulatorError], int], ...] = (
    (NotFound, 404),
    (Unauthorized, 401),
    (Throttled, 429),
    (Forbidden, 403),
    (Invalid, 422),
    (Conflict, 422),
    (BadRequest, 400),
    (MethodNotAllowed, 405),
)

_MAX_BODY = 16 * 1024 * 1024


def _status_of(error: EmulatorError) -> int:
    for cls, status in _ERROR_STATUS:
        if isinstance(error, cls):
            return status
    return 422


def _error_body(status: int, code: str, message: str) -> dict[str, Any]:
    return {"httpStatus": status, "messages": [{"errorCode": code, "message": message}]}


# -- request parsing -----------------------------------------------------------------------------


def parse_body(raw: bytes, content_type: str, form: bool) -> Any:
    """Parse a request body: JSON (any or no Content-Type), or form fields where ``form``.

    Returns None for an empty body. Raises :class:`BadRequest` for undecodable bodies and
    :class:`Invalid` for JSON values that cannot be stored (see :mod:`.parsing`).
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


def _query(qs: str) -> tuple[int, bool]:
    """(depth, pretty) of a query string; a malformed ``depth`` reads as the default (issue 8)."""
    depth, pretty = 0, True
    for name, value in parse_qsl(qs, keep_blank_values=True):
        if name == "depth":
            depth = read_depth(value)
        elif name == "pretty":
            pretty = value.strip().lower() not in ("false", "0", "no")
    return depth, pretty


_HOST = re.compile(r"[A-Za-z0-9._~%!$&'()*+,;=:\[\]-]{1,255}\Z")
_CONTENT_LENGTH = re.compile(r"[0-9]{1,18}\Z")
_TEXT_KEYS = frozenset({"PATH_INFO", "QUERY_STRING", "CONTENT_TYPE"})


def _check_request_text(environ: WSGIEnvironment) -> None:
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


def _ids_in(body: Any) -> list[str]:
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


def _parse_or_error(raw: bytes, content_type: str, form: bool) -> Any:
    try:
        return parse_body(raw, content_type, form)
    except EmulatorError as error:
        return error


def _reply(result: Result, base_url: str, pretty: bool) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of a rule's result: 202 with ``Location`` when it opened a
    request, 200 otherwise."""
    headers: list[tuple[str, str]] = []
    request = result.request
    if request is not None:
        status = 202
        headers.append(("Location", f"{base_url}{request.path}/status"))
    else:
        status = 200
    if result.doc is None:
        headers.append(("Content-Length", "0"))
        return status, headers, b""
    body = (dumps_pretty(result.doc) if pretty else dumps_compact(result.doc)).encode()
    headers.append(("Content-Type", "application/json"))
    headers.append(("Content-Length", str(len(body))))
    return status, headers, body


_clock_text: tuple[int, str] = (0, "")


def _now() -> str:
    """The current UTC time as ``2017-05-02T09:12:44Z`` (formatted once per second)."""
    global _clock_text
    second = int(time.time())
    cached = _clock_text
    if cached[0] != second:
        cached = (second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second)))
        _clock_text = cached
    return cached[1]


# -- the application -----------------------------------------------------------------------------


def _names(email: str) -> tuple[str, str]:
    local = email.split("@", 1)[0]
    parts = [p for p in local.replace("_", ".").replace("-", ".").split(".") if p]
    first = parts[0].title() if parts else "Account"
    last = parts[1].title() if len(parts) > 1 else "Owner"
    return first, last


class Emulator:
    """A stateful, multi-user Cloud API v4 as a WSGI application.

    ``Emulator(config)`` creates one contract per configured user; :meth:`reset` returns to
    that state. ``controls`` (faults, rate limit, progression) defaults to one built from the
    configuration; ``stats`` counts the requests served (and, once served by
    :class:`~profitbricks.emulator.server.EmulatorServer`, the connections). Thread-safe: one
    lock guards all state. ``clock`` (monotonic seconds) drives the login throttle; tests may
    inject one.
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
        self._lock = threading.Lock()
        self._accounts = [
            (email, *um.hash_password(password)) for email, password in self.config.users
        ]
        self.auth = Authenticator(
            self._lock,
            lambda: self.state,
            failures=self.config.login_failures,
            window=self.config.login_window,
            now_iso=_now,
            clock=clock,
        )
        self._bases: dict[str, str] = {}
        self._limits_version = -1
        self.state = State()
        self.log = self._new_log(self.state)
        #: called after every call of the Cloud API or the control API, which may have changed
        #: the state (the state file's autosaver listens here)
        self.on_change: Callable[[], None] | None = None
        self.reset()

    def __repr__(self) -> str:
        return f"<Emulator {len(self._accounts)} account(s) base_path={self.base_path!r}>"

    # -- state ---------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the initial state: the configured accounts and the catalogue, nothing else.

        Every contract gets the default resource limits with the controls' overrides (from the
        configuration or the control API). Ids are re-seeded from ``controls.seed`` (the
        configuration's unless the control API set another).
        """
        state = State(self.controls.seed)
        image.load_catalogue(state)
        limits_version = self.controls.limits_version
        limits = self.resource_limits()
        created = _now()
        for email, salt, digest in self._accounts:
            contract = Contract(number=state.new_contract_number(), limits=dict(limits))
            state.contracts[contract.number] = contract
            first, last = _names(email)
            contract.owner = um.new_user(
                state,
                contract,
                {"firstname": first, "lastname": last, "email": email},
                salt,
                digest,
                created,
                owner=True,
            )
        with self._lock:
            self.state = state
            self.log = self._new_log(state)
            self.auth.reset()
            self._limits_version = limits_version

    def _new_log(self, state: State) -> RequestLog:
        return RequestLog(state, self.controls, now_iso=_now, limit=self.config.request_log_limit)

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
                record = image.add_private_image(self.state, spec, _now())
                return render.resource(record, 0, View(base_url, self.state, self.log))
            except Invalid as error:
                undo()
                raise InvalidSetting(
                    f"'{error.attribute}' {error.rule}", field=error.attribute
                ) from None
            except BaseException:
                undo()
                raise

    # -- persistence (the document format is persist.py's) ----------------------------------

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
            body = dumps_compact(_error_body(500, "500", "Internal error of the emulator"))
            data = body.encode()
            start_response(
                _STATUS_LINES[500],
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
            path.startswith(_CONTROL_PREFIX)
            and (len(path) == len(_CONTROL_PREFIX) or path[len(_CONTROL_PREFIX)] == "/")
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
            depth, pretty = _query(qs) if qs else (0, True)
            user = self._authenticate(environ.get("HTTP_AUTHORIZATION"))
            rejection = self.controls.admit(user.email)
            if rejection is not None:
                return self._send_rejection(start_response, rejection, pretty)
            delay = self.controls.latency()
            if delay > 0:
                time.sleep(delay)
            handler, args = _route("GET" if method == "HEAD" else method, sub)
            mutating = method not in ("GET", "HEAD")
            if mutating:
                # Headers, path and query go into the request record of the call.
                _check_request_text(environ)
            raw = self._read_body(environ)
            content_type: str = environ.get("CONTENT_TYPE", "")
            parsed: dict[bool, Any] = {}
            if raw:
                # Decoded before taking the lock; an error is raised when the rule asks for
                # the body, so that path errors (404) still come first.
                parsed[False] = _parse_or_error(raw, content_type, False)

            def payload(form: bool) -> Any:
                if form not in parsed:
                    parsed[form] = _parse_or_error(raw, content_type, form)
                value = parsed[form]
                if isinstance(value, EmulatorError):
                    raise value
                return value

            base_url = self._base(environ)
            reply: tuple[int, list[tuple[str, str]], bytes] | None = None
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
                    view=View(base_url, self.state, self.log),
                    now=_now(),
                    method=method,
                    describe=lambda: self._describe(environ, raw),
                    raw_body=raw,
                    parse_body=payload,
                )
                if mutating:
                    # Whatever goes wrong in the rule or its reply, the contract is left as
                    # it was before the call.
                    ids = {*args.values(), *_ids_in(parsed.get(False))}
                    undo = self._checkpoint(affected(self.state, contract, args.get("dc_id"), ids))
                    try:
                        result = handler(call, **args)
                        reply = _reply(result, base_url, pretty)
                    except BaseException:
                        undo()
                        raise
                else:
                    result = handler(call, **args)
                if result.request is not None:
                    self.log.submitted(result.request)
            if reply is None:
                reply = _reply(result, base_url, pretty)
        except EmulatorError as error:
            return self._send_error(start_response, _status_of(error), error, pretty)
        except Exception:
            log.exception("unexpected error serving %s %s", method, path)
            return self._send_internal_error(start_response, pretty)
        status, headers, body = reply
        start_response(_STATUS_LINES[status], headers)
        return [body]

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

    def _authenticate(self, header: str | None) -> User:
        # The password digest is computed outside the state lock (see auth.py).
        return self.auth.authenticate(header)

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

    @staticmethod
    def _read_body(environ: WSGIEnvironment) -> bytes:
        length_text = (environ.get("CONTENT_LENGTH") or "").strip()
        if length_text and not _CONTENT_LENGTH.match(length_text):
            raise BadRequest("Invalid Content-Length header")
        length = int(length_text) if length_text else 0
        if length <= 0:
            return b""
        if length > _MAX_BODY:
            raise BadRequest(f"The request body is larger than {_MAX_BODY} bytes")
        data: bytes = environ["wsgi.input"].read(length)
        return data

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
        start_response(_STATUS_LINES.get(status, f"{status} Error"), headers)
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
            start_response, status, _error_body(status, error.code, error.message), pretty, extra
        )

    def _send_internal_error(self, start_response: StartResponse, pretty: bool) -> list[bytes]:
        return self._send(
            start_response, 500, _error_body(500, "500", "Internal error of the emulator"), pretty
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
            raw = self._read_body(environ)
            base = self._base(environ)
            status, doc = self.controls.handle(self, method, path, raw, base_url=base)
        except BadRequest as error:
            status, doc = control_error(400, error.message)
        except Exception:
            log.exception("unexpected error serving %s %s", method, path)
            status, doc = control_error(500, "Internal error of the emulator")
        extra = [("Location", str(doc["href"]))] if status == 201 and "href" in doc else []
        return self._send(start_response, status, doc, True, extra)
