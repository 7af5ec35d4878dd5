"""The emulator's rules called directly, without HTTP: typed calls in, records out.

Each test builds a seeded state with two accounts, calls rules with a :class:`Call` carrying an
already parsed :class:`Body`, and checks the records the rule returns (what the reply shows and
the request it opened) and the state it leaves. Completing a request runs its effects, as the
emulator does once the reply is built.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from profitbricks.emulator import rules as rules_package
from profitbricks.emulator.accounts import hash_accounts, seeded_state
from profitbricks.emulator.catalogue import DEFAULT_RESOURCE_LIMITS
from profitbricks.emulator.control import Controls
from profitbricks.emulator.errors import BadRequest, Forbidden, Invalid, NotFound
from profitbricks.emulator.present import present
from profitbricks.emulator.render import View
from profitbricks.emulator.requests import RequestLog
from profitbricks.emulator.results import (
    ContractUsage,
    Echo,
    EchoNode,
    Listing,
    Record,
    RequestList,
    Result,
    Shared,
)
from profitbricks.emulator.rules import (
    contract as contract_rules,
)
from profitbricks.emulator.rules import (
    datacenter,
    image,
    ipblock,
    lan,
    loadbalancer,
    nic,
    server,
    snapshot,
    um,
    volume,
)
from profitbricks.emulator.rules import (
    request as request_rules,
)
from profitbricks.emulator.rules.base import Body, Call
from profitbricks.emulator.state import Contract, Datacenter, State, User, lan_nics

NOW = "2026-01-02T03:04:05Z"
OWNER = "owner@example.com"
OTHER = "other@example.com"


@pytest.fixture(autouse=True)
def _cheap_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(um, "_ITERATIONS", 1)
        yield


class Rules:
    """A seeded state with the accounts ``OWNER`` and ``OTHER``, and rules run against it."""

    def __init__(self) -> None:
        accounts = hash_accounts([(OWNER, "owner-secret"), (OTHER, "other-secret")])
        self.state: State = seeded_state(7, accounts, DEFAULT_RESOURCE_LIMITS, NOW)
        self.log = RequestLog(self.state, Controls(), clock=lambda: 0.0, now_iso=lambda: NOW)

    def user(self, email: str = OWNER) -> User:
        return self.state.users_by_email[email]

    def contract(self, email: str = OWNER) -> Contract:
        return self.state.contracts[self.user(email).contract]

    def call(
        self,
        rule: Callable[..., Result],
        body: Any = None,
        *,
        as_user: str = OWNER,
        depth: int = 0,
        method: str = "POST",
        parsed: Body | None = None,
        **path: str,
    ) -> Result:
        """``rule`` called by ``as_user`` with ``body`` (a parsed JSON value) or ``parsed``."""
        user = self.user(as_user)
        call = Call(
            state=self.state,
            log=self.log,
            user=user,
            contract=self.state.contracts[user.contract],
            depth=depth,
            now=NOW,
            method=method,
            describe=lambda: ("https://api.invalid/cloudapi/v4/x", {}),
            raw_body=b"" if body is None else json.dumps(body).encode(),
            body=parsed if parsed is not None else Body(body),
        )
        return rule(call, **path)

    def done(self, result: Result) -> Result:
        """``result`` with the request it opened completed (its effects have run)."""
        assert result.request is not None
        self.log.complete_through(result.request)
        assert self.log.status(result.request) == "DONE"
        return result

    def datacenter(self, **props: Any) -> Datacenter:
        body = {"properties": {"name": "dc", "location": "us/las", **props}}
        node = self.done(self.call(datacenter.create_datacenter, body)).shown
        assert isinstance(node, EchoNode)
        record: Datacenter = node.record
        return record


@pytest.fixture
def rules() -> Rules:
    return Rules()


# -- data centres -------------------------------------------------------------------------------


def test_a_datacenter_create_returns_its_echo_tree_and_request(rules: Rules) -> None:
    body = {
        "properties": {"name": "web", "location": "de/fra"},
        "entities": {"servers": {"items": [{"properties": {"name": "s", "cores": 1, "ram": 256}}]}},
    }
    result = rules.call(datacenter.create_datacenter, body)

    node = result.shown
    assert isinstance(node, EchoNode)
    dc = node.record
    assert rules.contract().datacenters == {dc.id: dc}
    assert dc.props["name"] == "web"
    assert dc.props["location"] == "de/fra"
    assert [child.record.props["name"] for child in node.children["servers"]] == ["s"]
    assert all(child.created for child in node.children["servers"])
    assert result.request is not None
    assert rules.log.status(result.request) == "QUEUED"
    assert dc.busy == 1
    rules.done(result)
    assert dc.busy == 0
    assert dc.props["version"] == 1


def test_a_datacenter_without_location_is_refused_before_anything_changes(rules: Rules) -> None:
    with pytest.raises(Invalid) as refused:
        rules.call(datacenter.create_datacenter, {"properties": {"name": "x"}})
    assert refused.value.attribute == "location"
    assert rules.contract().datacenters == {}
    assert rules.log.requests == {}


def test_a_datacenter_update_echoes_the_record_without_entities(rules: Rules) -> None:
    dc = rules.datacenter()
    result = rules.call(
        datacenter.update_datacenter, {"name": "renamed"}, method="PATCH", dc_id=dc.id
    )
    assert result.shown == Echo(dc)
    assert dc.props["name"] == "renamed"
    rules.done(result)
    assert dc.props["version"] == 2


def test_a_datacenter_read_is_the_record_and_foreign_ones_do_not_exist(rules: Rules) -> None:
    dc = rules.datacenter()
    assert rules.call(datacenter.get_datacenter, method="GET", dc_id=dc.id).shown == Record(dc)
    listed = rules.call(datacenter.list_datacenters, method="GET").shown
    assert listed == Listing("datacenters", "/datacenters", [dc])
    with pytest.raises(NotFound):
        rules.call(datacenter.get_datacenter, method="GET", as_user=OTHER, dc_id=dc.id)
    other = rules.call(datacenter.list_datacenters, method="GET", as_user=OTHER).shown
    assert isinstance(other, Listing)
    assert other.items == []


def test_a_datacenter_delete_shows_nothing_and_removes_it_once_done(rules: Rules) -> None:
    dc = rules.datacenter()
    result = rules.call(datacenter.delete_datacenter, method="DELETE", dc_id=dc.id)
    assert result.shown is None
    assert result.request is not None
    assert dc.id in rules.contract().datacenters
    rules.done(result)
    assert dc.id not in rules.contract().datacenters
    assert dc.gone


def test_a_path_error_comes_before_a_body_error(rules: Rules) -> None:
    dc = rules.datacenter()
    broken = Body(error=BadRequest("Malformed JSON in the request body"))
    with pytest.raises(NotFound):
        rules.call(datacenter.update_datacenter, parsed=broken, method="PATCH", dc_id="nope")
    with pytest.raises(BadRequest):
        rules.call(datacenter.update_datacenter, parsed=broken, method="PATCH", dc_id=dc.id)


# -- servers, volumes, NICs ---------------------------------------------------------------------


def test_a_server_create_and_an_invalid_update(rules: Rules) -> None:
    dc = rules.datacenter()
    body = {"properties": {"name": "s", "cores": 2, "ram": 1024}}
    node = rules.done(rules.call(server.create_server, body, dc_id=dc.id)).shown
    assert isinstance(node, EchoNode)
    srv = node.record
    assert dc.servers == {srv.id: srv}
    assert (srv.props["cores"], srv.props["ram"]) == (2, 1024)

    with pytest.raises(Invalid) as refused:
        rules.call(server.update_server, {"cores": 0}, method="PATCH", dc_id=dc.id, srv_id=srv.id)
    assert refused.value.attribute == "cores"
    assert srv.props["cores"] == 2

    result = rules.call(
        server.update_server, {"cores": 4}, method="PATCH", dc_id=dc.id, srv_id=srv.id
    )
    assert result.shown == Echo(srv)
    assert srv.props["cores"] == 4


def test_attaching_a_volume_echoes_it_with_entities_and_connects_it(rules: Rules) -> None:
    dc = rules.datacenter()
    srv = rules.done(
        rules.call(server.create_server, {"properties": {"cores": 1, "ram": 256}}, dc_id=dc.id)
    ).shown
    vol = rules.done(
        rules.call(
            volume.create_volume,
            {"properties": {"size": 5, "licenceType": "LINUX"}},
            dc_id=dc.id,
        )
    ).shown
    assert isinstance(srv, EchoNode)
    assert isinstance(vol, EchoNode)

    result = rules.call(
        server.attach_volume, {"id": vol.record.id}, dc_id=dc.id, srv_id=srv.record.id
    )
    assert result.shown == Echo(vol.record, entities=True)
    assert vol.record.server is srv.record
    rules.done(result)
    assert vol.record.props["deviceNumber"] == 1
    listed = rules.call(
        server.list_attached_volumes, method="GET", dc_id=dc.id, srv_id=srv.record.id
    ).shown
    assert isinstance(listed, Listing)
    assert listed.items == [vol.record]
    assert listed.path == f"{srv.record.path}/volumes"

    with pytest.raises(Invalid) as refused:
        rules.call(server.attach_volume, {"id": "none"}, dc_id=dc.id, srv_id=srv.record.id)
    assert refused.value.attribute == "id"


def test_a_nic_create_makes_its_lan_and_shows_an_empty_address_list(rules: Rules) -> None:
    dc = rules.datacenter()
    srv = rules.done(
        rules.call(server.create_server, {"properties": {"cores": 1, "ram": 256}}, dc_id=dc.id)
    ).shown
    assert isinstance(srv, EchoNode)
    result = rules.call(
        nic.create_nic, {"properties": {"lan": 3}}, dc_id=dc.id, srv_id=srv.record.id
    )
    node = result.shown
    assert isinstance(node, EchoNode)
    assert node.record.props["ips"] == []
    assert list(dc.lans) == ["3"]
    assert dc.lans["3"].props["public"] is False
    assert lan_nics(dc.lans["3"]) == [node.record]

    with pytest.raises(Invalid) as refused:
        rules.call(nic.create_nic, {"properties": {"lan": "x"}}, dc_id=dc.id, srv_id=srv.record.id)
    assert refused.value.attribute == "lan"


# -- LANs and load balancers --------------------------------------------------------------------


def test_a_lan_create_requires_properties_and_applies_defaults(rules: Rules) -> None:
    dc = rules.datacenter()
    with pytest.raises(Invalid) as refused:
        rules.call(lan.create_lan, {}, dc_id=dc.id)
    assert refused.value.message == "Resource-definition requires 'properties' attribute"
    assert dc.lans == {}

    node = rules.call(lan.create_lan, {"properties": {"name": "l"}}, dc_id=dc.id).shown
    assert isinstance(node, EchoNode)
    assert node.record.id == "1"
    assert node.record.props["public"] is False
    members = rules.call(lan.list_lan_members, method="GET", dc_id=dc.id, lan_id="1").shown
    assert members == Listing("1/nics", f"{node.record.path}/nics", [])


def test_a_balanced_nic_is_echoed_as_it_was_and_moves_to_the_balancer_lan(rules: Rules) -> None:
    dc = rules.datacenter()
    srv = rules.done(
        rules.call(server.create_server, {"properties": {"cores": 1, "ram": 256}}, dc_id=dc.id)
    ).shown
    assert isinstance(srv, EchoNode)
    card = rules.done(
        rules.call(nic.create_nic, {"properties": {"lan": 1}}, dc_id=dc.id, srv_id=srv.record.id)
    ).shown
    lb = rules.done(
        rules.call(loadbalancer.create_loadbalancer, {"properties": {"name": "b"}}, dc_id=dc.id)
    ).shown
    assert isinstance(card, EchoNode)
    assert isinstance(lb, EchoNode)
    assert lb.record.props["ip"] is None

    result = rules.call(
        loadbalancer.add_balanced_nic, {"id": card.record.id}, dc_id=dc.id, lb_id=lb.record.id
    )
    shown = result.shown
    assert isinstance(shown, Echo)
    assert shown.record is card.record
    assert shown.entities
    assert shown.props is not None
    assert shown.props["lan"] == 1
    assert card.record.props["lan"] == int(lb.record.lan_id) != 1
    assert lb.record.nics == [card.record]


# -- IP blocks and snapshots --------------------------------------------------------------------


def test_an_ipblock_reservation_and_its_limits(rules: Rules) -> None:
    result = rules.call(ipblock.create_ipblock, {"properties": {"location": "us/las", "size": 2}})
    shown = result.shown
    assert isinstance(shown, Echo)
    assert shown.entities
    block = shown.record
    assert rules.contract().ipblocks == {block.id: block}
    assert len(block.props["ips"]) == 2

    with pytest.raises(Invalid) as refused:
        rules.call(ipblock.create_ipblock, {"properties": {"location": "us/las", "size": 0}})
    assert refused.value.attribute == "size"
    assert len(rules.contract().ipblocks) == 1
    usage = rules.call(contract_rules.get_contract, method="GET").shown
    assert isinstance(usage, ContractUsage)
    assert usage.usage["ips"] == 2


def test_a_snapshot_is_made_from_form_fields(rules: Rules) -> None:
    dc = rules.datacenter()
    vol = rules.done(
        rules.call(
            volume.create_volume, {"properties": {"size": 5, "licenceType": "LINUX"}}, dc_id=dc.id
        )
    ).shown
    assert isinstance(vol, EchoNode)
    result = rules.call(
        snapshot.create_snapshot, {"name": "snap"}, dc_id=dc.id, volume_id=vol.record.id
    )
    shown = result.shown
    assert isinstance(shown, Echo)
    assert rules.contract().snapshots == {shown.record.id: shown.record}
    assert shown.record.props["name"] == "snap"
    assert shown.record.props["size"] is None
    rules.done(result)
    assert shown.record.props["size"] == 5


# -- user management and requests ---------------------------------------------------------------


def test_groups_users_and_shares(rules: Rules) -> None:
    created = rules.call(um.create_group, {"properties": {"name": "ops"}}).shown
    assert isinstance(created, Echo)
    assert not created.entities
    group = created.record
    body = {
        "properties": {
            "firstname": "A",
            "lastname": "B",
            "email": "a.b@example.com",
            "password": "a-long-secret",
        }
    }
    user_echo = rules.call(um.create_user, body).shown
    assert isinstance(user_echo, Echo)
    new_user = user_echo.record
    assert rules.state.users_by_email["a.b@example.com"] is new_user

    added = rules.call(um.add_group_user, {"id": new_user.id}, group_id=group.id)
    assert added.shown == Echo(new_user, entities=True)
    assert group.users == {new_user.id: new_user}

    dc = rules.datacenter()
    shared = rules.call(
        um.add_share, {"properties": {"editPrivilege": True}}, group_id=group.id, resource_id=dc.id
    ).shown
    assert isinstance(shared, Shared)
    assert shared.share.edit
    assert not shared.share.share

    with pytest.raises(Invalid) as refused:
        rules.call(um.create_user, body)
    assert refused.value.attribute == "email"


def test_only_administrators_manage_groups(rules: Rules) -> None:
    body = {
        "properties": {
            "firstname": "P",
            "lastname": "Q",
            "email": "plain@example.com",
            "password": "plain-secret-1",
        }
    }
    rules.call(um.create_user, body)
    with pytest.raises(Forbidden):
        rules.call(um.list_groups, method="GET", as_user="plain@example.com")
    with pytest.raises(Forbidden):
        rules.call(um.create_group, {"properties": {"name": "x"}}, as_user="plain@example.com")
    assert rules.contract().groups == {}


def test_a_request_listing_at_depth_one_counts_as_a_poll(rules: Rules) -> None:
    body = {"properties": {"name": "dc", "location": "us/las"}}
    pending = rules.call(datacenter.create_datacenter, body).request
    assert pending is not None
    assert pending.polls == 0
    shallow = rules.call(request_rules.list_requests, method="GET").shown
    assert shallow == RequestList([pending])
    assert pending.polls == 0
    rules.call(request_rules.list_requests, method="GET", depth=1)
    assert pending.polls == 1
    assert rules.call(request_rules.list_requests, method="GET", as_user=OTHER).shown == (
        RequestList([])
    )


# -- the layering -------------------------------------------------------------------------------


def _imports(source: str) -> set[str]:
    """The absolute names of the modules, and of the module members, that the source of a rule
    module imports."""
    package = ["profitbricks", "emulator", "rules"]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            parent = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join([*parent, *(node.module or "").split(".")]).strip(".")
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


RULE_MODULES = sorted(Path(rules_package.__file__).parent.glob("*.py"))
RENDERING = ("profitbricks.emulator.render", "profitbricks.emulator.present")


def _rendering(source: str) -> list[str]:
    return sorted(name for name in _imports(source) if name.startswith(RENDERING))


def test_a_rendering_import_is_recognised_in_every_spelling() -> None:
    for source in (
        "from .. import render",
        "from ..render import View",
        "from ..present import present",
        "import profitbricks.emulator.render",
        "from profitbricks.emulator import present",
    ):
        assert _rendering(source) != [], source
    assert _rendering("from ..results import Echo\nfrom .base import Call") == []


@pytest.mark.parametrize("path", RULE_MODULES, ids=lambda p: p.name)
def test_no_rule_module_renders(path: Path) -> None:
    assert _rendering(path.read_text(encoding="utf-8")) == []


# -- presenting what a rule returns ---------------------------------------------------------------


def test_an_echo_shows_the_properties_it_carries_and_busy_where_asked(rules: Rules) -> None:
    dc = rules.datacenter()
    view = View("https://api.invalid/cloudapi/v4", rules.state, rules.log)
    doc = present(Echo(dc, props={"name": "as it was"}, busy=True), 3, view)
    assert doc is not None
    assert doc["href"] == f"https://api.invalid/cloudapi/v4/datacenters/{dc.id}"
    assert doc["properties"]["name"] == "as it was"
    assert doc["properties"]["location"] == "us/las"
    assert doc["metadata"]["state"] == "BUSY"
    assert "entities" not in doc
    assert dc.props["name"] == "dc"
    assert dc.busy == 0
    full = present(Record(dc), 1, view)
    assert full is not None
    assert full["metadata"]["state"] == "AVAILABLE"
    assert full["entities"]["servers"]["items"] == []
    assert present(None, 1, view) is None


def test_a_listing_renders_its_items_in_their_style(rules: Rules) -> None:
    view = View("https://api.invalid/cloudapi/v4", rules.state, rules.log)
    listed = rules.call(image.list_images, method="GET").shown
    assert isinstance(listed, Listing)
    assert listed.items_as == "listed-image"
    doc = present(listed, 1, view)
    assert doc is not None
    # The catalogue's images have no description: null on their own, "" in this listing.
    assert {item["properties"]["description"] for item in doc["items"]} == {""}
    one = present(Record(listed.items[0]), 1, view)
    assert one is not None
    assert one["properties"]["description"] is None
    shallow = present(listed, 0, view)
    assert shallow is not None
    assert all(set(item) == {"id", "type", "href"} for item in shallow["items"])
