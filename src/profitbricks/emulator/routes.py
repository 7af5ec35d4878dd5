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

from werkzeug.exceptions import MethodNotAllowed as RouteMethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import Map, RequestRedirect, Rule

from .errors import MethodNotAllowed, NotFound, NotImplementedRoute
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

__all__ = [
    "BASE_PATH",
    "OPERATION_KINDS",
    "ROUTES",
    "UNIMPLEMENTED",
    "Handler",
    "Match",
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

#: Routes of the real v4 API (WIRE.md, OPERATIONS.md) that the emulator does not serve: they
#: answer 501 with the API's error body rather than a 405 that would call them wrong. A route
#: moves from here to :data:`ROUTES` when it is implemented (a test keeps the two apart).
UNIMPLEMENTED: list[tuple[str, tuple[str, ...]]] = [
    (_DC, ("PUT",)),
    (_SRV, ("PUT",)),
    (_DC + "/volumes/<volume_id>", ("PUT",)),
    (_DC + "/lans/<lan_id>", ("PUT",)),
    (_NIC, ("PUT",)),
    (_NIC + "/firewallrules/<rule_id>", ("PUT",)),
    (_DC + "/loadbalancers/<lb_id>", ("PUT",)),
    ("/snapshots/<snapshot_id>", ("PUT",)),
    ("/images/<image_id>", ("PUT",)),
]


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

# The tables of ROUTES themselves, so that replacing a rule in one (as tests do) takes effect.
_HANDLERS: dict[str, dict[str, Handler]] = dict(ROUTES)
_UNIMPLEMENTED: dict[str, frozenset[str]] = {path: frozenset(m) for path, m in UNIMPLEMENTED}
_MAP = Map(
    [
        Rule(path, endpoint=path, methods=[*_HANDLERS.get(path, {}), *_UNIMPLEMENTED.get(path, ())])
        for path in {**_HANDLERS, **_UNIMPLEMENTED}
    ],
    strict_slashes=False,
    merge_slashes=False,
)
_ADAPTER = _MAP.bind("emulator.invalid", url_scheme="http")
_KIND_OF: dict[tuple[str, str], str] = {
    (path, method): kind for kind, routes in OPERATION_KINDS.items() for method, path in routes
}

Match = tuple[Handler, dict[str, str], str]

# Clients poll the same few paths over and over; remembering their matches skips the matcher.
_ROUTE_CACHE: dict[tuple[str, str], Match] = {}


def match(method: str, path: str) -> Match:
    """The rule, path arguments and operation kind (``""`` for a read) for ``method`` on
    ``path`` (relative to :data:`BASE_PATH`).

    Raises :class:`NotFound` for an unknown path, :class:`MethodNotAllowed` (with the methods
    the path takes) for a method it does not take, and :class:`NotImplementedRoute` for a
    route of the API that the emulator does not serve.
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
        raise MethodNotAllowed(method, _served(path, list(exc.valid_methods or ()))) from None
    except RequestRedirect:
        raise NotFound() from None
    handler = _HANDLERS.get(endpoint, {}).get(method)
    if handler is None:
        raise NotImplementedRoute(method, endpoint)
    kind = _KIND_OF.get((endpoint, method), "")
    matched = (handler, {str(k): str(v) for k, v in args.items()}, kind)
    if len(_ROUTE_CACHE) >= 4096:
        _ROUTE_CACHE.clear()
    _ROUTE_CACHE[key] = matched
    return matched


def _served(path: str, methods: list[str]) -> list[str]:
    # The methods the path's route takes, without those that would only answer 501.
    served = []
    for method in methods:
        try:
            endpoint, _ = _ADAPTER.match(path, method)
        except (RouteNotFound, RouteMethodNotAllowed, RequestRedirect):
            continue
        if method in _HANDLERS.get(endpoint, {}) or method == "HEAD":
            served.append(method)
    return served
