"""Firewall rules (``/datacenters/{dc}/servers/{srv}/nics/{nic}/firewallrules``).

Rules (WIRE.md section 10): ``protocol`` is required, one of TCP, UDP, ICMP, ANY, and fixed at
creation; ports 1-65534 with start <= end and only for TCP/UDP; ICMP type and code 0-254 and
only for ICMP; ``sourceMac`` is ``aa:bb:cc:dd:ee:ff``; source and target IPs are IPv4.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..effects import effect
from ..errors import Invalid
from ..requests import Request
from ..results import Echo, EchoNode, Record
from ..state import FirewallRule, Nic, State
from .base import Call, Result, child, creates, find_nic, listing, need_edit, touch_datacenter
from .plan import Plan, Spec, create_in_datacenter
from .validators import (
    Field,
    check_fields,
    check_replacement,
    enum,
    integer,
    ipv4,
    mac,
    patch_body,
    put_body,
    split_body,
    string,
)

__all__ = [
    "build",
    "create_firewall_rule",
    "delete_firewall_rule",
    "get_firewall_rule",
    "list_firewall_rules",
    "prepare",
    "replace_firewall_rule",
    "update_firewall_rule",
]


def _port(attr: str, value: Any, at: str) -> int | None:
    return integer(attr, value, at, low=1, high=65534)


def _icmp(attr: str, value: Any, at: str) -> int | None:
    return integer(attr, value, at, low=0, high=254)


FIELDS: dict[str, Field] = {
    "name": Field("name", "rw", string),
    "protocol": Field("protocol", "c", enum(("TCP", "UDP", "ICMP", "ANY"))),
    "sourceMac": Field("sourceMac", "rw", mac),
    "sourceIp": Field("sourceIp", "rw", ipv4),
    "targetIp": Field("targetIp", "rw", ipv4),
    "icmpCode": Field("icmpCode", "rw", _icmp),
    "icmpType": Field("icmpType", "rw", _icmp),
    "portRangeStart": Field("portRangeStart", "rw", _port),
    "portRangeEnd": Field("portRangeEnd", "rw", _port),
}


def _consistent(props: Mapping[str, Any], at: str) -> None:
    protocol = props.get("protocol")
    if protocol not in ("TCP", "UDP"):
        for name in ("portRangeStart", "portRangeEnd"):
            if props.get(name) is not None:
                raise Invalid(
                    name, f"is only allowed for protocol TCP or UDP, not {protocol}", at=at
                )
    if protocol != "ICMP":
        for name in ("icmpType", "icmpCode"):
            if props.get(name) is not None:
                raise Invalid(name, f"is only allowed for protocol ICMP, not {protocol}", at=at)
    start, end = props.get("portRangeStart"), props.get("portRangeEnd")
    if start is not None and end is not None and start > end:
        raise Invalid(
            "portRangeEnd", f"must not be lower than portRangeStart ({start}), got {end}", at=at
        )


def prepare(call: Call, plan: Plan, body: Any, root: str) -> Spec:
    """Validate a firewall rule create body located at ``root``."""
    given, entities = split_body(body, root)
    at = root + ".properties"
    if entities:
        raise Invalid("entities", "is not allowed for a firewall rule", at=root)
    p = check_fields("firewall rule", FIELDS, given, at)
    if p.get("protocol") is None:
        raise Invalid("protocol", "is required", at=at)
    _consistent(p, at)
    return Spec(p)


def build(call: Call, nic: Nic, spec: Spec, request: Request) -> EchoNode:
    """Create the firewall rule of ``spec`` on ``nic``."""
    rid = call.state.new_id()
    rule = FirewallRule(
        id=rid,
        path=f"{nic.path}/firewallrules/{rid}",
        props={name: spec.props.get(name) for name in FIELDS},
        nic=nic,
        **call.new_resource_fields(),
    )
    nic.rules[rid] = rule
    call.log.target(request, rule)
    return EchoNode(rule)


def _find(
    call: Call, dc_id: str, srv_id: str, nic_id: str, rule_id: str
) -> tuple[Any, Nic, FirewallRule]:
    dc, _, nic = find_nic(call, dc_id, srv_id, nic_id)
    return dc, nic, child(nic.rules, rule_id)


def list_firewall_rules(call: Call, dc_id: str, srv_id: str, nic_id: str) -> Result:
    """``GET …/nics/{nic}/firewallrules``."""
    _, _, nic = find_nic(call, dc_id, srv_id, nic_id)
    return listing(nic, "firewallrules", nic.rules.values())


def get_firewall_rule(call: Call, dc_id: str, srv_id: str, nic_id: str, rule_id: str) -> Result:
    """``GET …/nics/{nic}/firewallrules/{fw}``."""
    _, _, rule = _find(call, dc_id, srv_id, nic_id, rule_id)
    return Result(Record(rule))


@creates
def create_firewall_rule(call: Call, dc_id: str, srv_id: str, nic_id: str) -> Result:
    """``POST …/nics/{nic}/firewallrules``."""
    dc, _, nic = find_nic(call, dc_id, srv_id, nic_id)
    return create_in_datacenter(
        call, dc, prepare, lambda spec, req: build(call, nic, spec, req), parent=nic
    )


def update_firewall_rule(call: Call, dc_id: str, srv_id: str, nic_id: str, rule_id: str) -> Result:
    """``PATCH …/firewallrules/{fw}``: every property but ``protocol``."""
    dc, _, rule = _find(call, dc_id, srv_id, nic_id, rule_id)
    need_edit(call, dc)
    given, at = patch_body(call.body.get())
    p = check_fields("firewall rule", FIELDS, given, at, current=rule.props)
    return _change(call, dc, rule, p, at)


def replace_firewall_rule(call: Call, dc_id: str, srv_id: str, nic_id: str, rule_id: str) -> Result:
    """``PUT …/firewallrules/{fw}``: every property but ``protocol``; left out, null (any)."""
    dc, _, rule = _find(call, dc_id, srv_id, nic_id, rule_id)
    need_edit(call, dc)
    given, at = put_body(call.body.get())
    p = check_replacement("firewall rule", FIELDS, given, at, current=rule.props)
    return _change(call, dc, rule, p, at)


def _change(call: Call, dc: Any, rule: FirewallRule, p: dict[str, Any], at: str) -> Result:
    merged = {**rule.props, **p}
    _consistent(merged, at)
    request = call.open_request()
    rule.props.update(p)
    rule.modified_by = call.user.email
    call.log.target(request, rule)
    touch_datacenter(call, request, dc)
    return Result(Echo(rule), request)


def delete_firewall_rule(call: Call, dc_id: str, srv_id: str, nic_id: str, rule_id: str) -> Result:
    """``DELETE …/firewallrules/{fw}``."""
    dc, nic, rule = _find(call, dc_id, srv_id, nic_id, rule_id)
    need_edit(call, dc)
    request = call.open_request()
    call.log.target(request, rule)
    touch_datacenter(call, request, dc)
    call.log.on_done(request, _delete, nic, rule)
    return Result(None, request)


@effect("firewall-rule.delete")
def _delete(state: State, nic: Nic, rule: FirewallRule) -> None:
    if nic.rules.pop(rule.id, None) is not None:
        rule.gone = True
