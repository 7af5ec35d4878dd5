"""The Cloud API's routing table and how a request path finds its rule.

:data:`ROUTES` lists every path the emulator serves (relative to :data:`BASE_PATH`, with
``<name>`` placeholders) and, per HTTP method, the rule that serves it. :func:`match` resolves
a method and path: an unknown path is :class:`~.errors.NotFound` (404), a known path with a
method it does not take :class:`~.errors.MethodNotAllowed` (405, with the methods it takes),
and a route of the real API that the emulator does not serve (:data:`UNIMPLEMENTED`)
:class:`~.errors.NotImplementedRoute` (501).

Every mutating route is also an *operation kind*, ``<noun>.<verb>`` read from the name of its
rule (``create_snapshot`` is ``snapshot.create``, ``delete_ipblock`` is ``ipblock.delete``):
:data:`OPERATION_KINDS` maps each to its routes, and per-operation durations are keyed by them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from werkzeug.exceptions import MethodNotAllowed as RouteMethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import Map, RequestRedirect, Rule

from .errors import MethodNotAllowed, NotFound, NotImplementedRoute
from .results import ApiRoot, Result
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
from .rules.base import Call

__all__ = [
    "BASE_PATH",
    "FORM_BODIES",
    "OPERATION_KINDS",
    "ROUTER",
    "ROUTES",
    "UNIMPLEMENTED",
    "Handler",
    "Match",
    "Router",
    "match",
    "operation_kind",
]

#: Where the Cloud API lives on the emulator's host, as on the real one.
BASE_PATH = "/cloudapi/v4"

Handler = Callable[..., Result]

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
            "PUT": datacenter.replace_datacenter,
            "DELETE": datacenter.delete_datacenter,
        },
    ),
    (_DC + "/servers", {"GET": server.list_servers, "POST": server.create_server}),
    (
        _SRV,
        {
            "GET": server.get_server,
            "PATCH": server.update_server,
            "PUT": server.replace_server,
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
    (
        _NIC,
        {
            "GET": nic.get_nic,
            "PATCH": nic.update_nic,
            "PUT": nic.replace_nic,
            "DELETE": nic.delete_nic,
        },
    ),
    (
        _NIC + "/firewallrules",
        {"GET": firewall.list_firewall_rules, "POST": firewall.create_firewall_rule},
    ),
    (
        _NIC + "/firewallrules/<rule_id>",
        {
            "GET": firewall.get_firewall_rule,
            "PATCH": firewall.update_firewall_rule,
            "PUT": firewall.replace_firewall_rule,
            "DELETE": firewall.delete_firewall_rule,
        },
    ),
    (_DC + "/volumes", {"GET": volume.list_volumes, "POST": volume.create_volume}),
    (
        _DC + "/volumes/<volume_id>",
        {
            "GET": volume.get_volume,
            "PATCH": volume.update_volume,
            "PUT": volume.replace_volume,
            "DELETE": volume.delete_volume,
        },
    ),
    (_DC + "/volumes/<volume_id>/create-snapshot", {"POST": snapshot.create_snapshot}),
    (_DC + "/volumes/<volume_id>/restore-snapshot", {"POST": snapshot.restore_snapshot}),
    (_DC + "/lans", {"GET": lan.list_lans, "POST": lan.create_lan}),
    (
        _DC + "/lans/<lan_id>",
        {
            "GET": lan.get_lan,
            "PATCH": lan.update_lan,
            "PUT": lan.replace_lan,
            "DELETE": lan.delete_lan,
        },
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
            "PUT": loadbalancer.replace_loadbalancer,
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
        {
            "GET": image.get_image,
            "PATCH": image.update_image,
            "PUT": image.replace_image,
            "DELETE": image.delete_image,
        },
    ),
    ("/snapshots", {"GET": snapshot.list_snapshots}),
    (
        "/snapshots/<snapshot_id>",
        {
            "GET": snapshot.get_snapshot,
            "PATCH": snapshot.update_snapshot,
            "PUT": snapshot.replace_snapshot,
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
    return Result(ApiRoot())


ROUTES.insert(0, ("/", {"GET": _root}))

#: Routes of the real v4 API (WIRE.md, OPERATIONS.md) that the emulator does not serve: they
#: answer 501 with the API's error body rather than a 405 that would call them wrong. A route
#: moves from here to :data:`ROUTES` when it is implemented (a test keeps the two apart).
UNIMPLEMENTED: list[tuple[str, tuple[str, ...]]] = []


def operation_kind(handler: Handler) -> str:
    """The operation kind of a mutating rule: ``create_snapshot`` gives ``snapshot.create``."""
    verb, _, noun = handler.__name__.partition("_")
    return f"{noun}.{verb}"


def _kinds() -> dict[str, list[tuple[str, str]]]:
    kinds: dict[str, list[tuple[str, str]]] = {}
    for path, table in ROUTES:
        for method, handler in table.items():
            if method not in ("GET", "HEAD"):
                kinds.setdefault(operation_kind(handler), []).append((method, path))
    return dict(sorted(kinds.items()))


#: Every operation kind (``noun.verb``) of the routing table and the (method, path) routes of it.
OPERATION_KINDS: dict[str, list[tuple[str, str]]] = _kinds()

#: The (path, method) routes whose body may be form-encoded: the snapshot actions of a volume,
#: which the API documents with ``name=...&description=...`` (WIRE.md). Their body is parsed as
#: form fields when it is sent as such, else as JSON; every other body is JSON.
FORM_BODIES: frozenset[tuple[str, str]] = frozenset(
    {
        (_DC + "/volumes/<volume_id>/create-snapshot", "POST"),
        (_DC + "/volumes/<volume_id>/restore-snapshot", "POST"),
    }
)


class Match(NamedTuple):
    """A matched route: its rule, the path's arguments, the operation kind (``""`` for a read)
    and whether its body may be form-encoded (:data:`FORM_BODIES`)."""

    handler: Handler
    args: dict[str, str]
    kind: str
    form: bool


class Router:
    """Matches a method and path against a routing table and its declared unimplemented routes.

    ``routes`` is a table like :data:`ROUTES` (its method tables are used as they are, so
    replacing a rule in one, as tests do, takes effect); ``unimplemented`` lists (path,
    methods) of routes that answer 501; ``form_bodies`` the routes whose body may be
    form-encoded.
    """

    def __init__(
        self,
        routes: list[tuple[str, dict[str, Handler]]],
        unimplemented: list[tuple[str, tuple[str, ...]]],
        form_bodies: frozenset[tuple[str, str]] = FORM_BODIES,
    ) -> None:
        self._handlers: dict[str, dict[str, Handler]] = dict(routes)
        self._form_bodies = form_bodies
        declared = {path: frozenset(methods) for path, methods in unimplemented}
        paths = {**self._handlers, **declared}
        self._adapter = Map(
            [
                Rule(
                    path,
                    endpoint=path,
                    methods=[*self._handlers.get(path, {}), *declared.get(path, ())],
                )
                for path in paths
            ],
            strict_slashes=False,
            merge_slashes=False,
        ).bind("emulator.invalid", url_scheme="http")
        self._kind_of: dict[tuple[str, str], str] = {
            (path, method): operation_kind(handler)
            for path, table in routes
            for method, handler in table.items()
            if method not in ("GET", "HEAD")
        }
        # Clients poll the same few paths over and over; remembering matches skips the matcher.
        self._cache: dict[tuple[str, str], Match] = {}

    def match(self, method: str, path: str) -> Match:
        """The :class:`Match` of ``method`` on ``path`` (relative to :data:`BASE_PATH`): rule,
        path arguments, operation kind (``""`` for a read), form body or not.

        Raises :class:`NotFound` for an unknown path, :class:`MethodNotAllowed` (with the
        methods the path takes) for a method it does not take, and :class:`NotImplementedRoute`
        for a route of the API that the emulator does not serve.
        """
        key = (method, path)
        found = self._cache.get(key)
        if found is not None:
            return found
        try:
            endpoint, args = self._adapter.match(path, method)
        except RouteNotFound:
            raise NotFound() from None
        except RouteMethodNotAllowed as exc:
            allowed = self._served(path, list(exc.valid_methods or ()))
            raise MethodNotAllowed(method, allowed) from None
        except RequestRedirect:
            raise NotFound() from None
        handler = self._handlers.get(endpoint, {}).get(method)
        if handler is None:
            raise NotImplementedRoute(method, endpoint)
        kind = self._kind_of.get((endpoint, method), "")
        form = (endpoint, method) in self._form_bodies
        matched = Match(handler, {str(k): str(v) for k, v in args.items()}, kind, form)
        if len(self._cache) >= 4096:
            self._cache.clear()
        self._cache[key] = matched
        return matched

    def _served(self, path: str, methods: list[str]) -> list[str]:
        # The methods the path's route takes, without those that would only answer 501.
        served = []
        for method in methods:
            try:
                endpoint, _ = self._adapter.match(path, method)
            except (RouteNotFound, RouteMethodNotAllowed, RequestRedirect):
                continue
            if method in self._handlers.get(endpoint, {}) or method == "HEAD":
                served.append(method)
        return served


#: The emulator's router over :data:`ROUTES` and :data:`UNIMPLEMENTED`.
ROUTER = Router(ROUTES, UNIMPLEMENTED)


def match(method: str, path: str) -> Match:
    """:meth:`Router.match` of :data:`ROUTER`."""
    return ROUTER.match(method, path)
