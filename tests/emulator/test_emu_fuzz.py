"""Property test: no request body, however odd, makes the emulator answer 500.

Hypothesis builds bodies from the API's own property names with values of every JSON type and
sends them to every create and update route over HTTP. Each answer must be one the API documents
for a body problem (202, 400, 422; 403/404 where a reference in the body names something the
caller may not use) and carry the API's error body when it is an error.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .emu_helpers import Api

_NAMES = [
    "name", "location", "description", "cores", "ram", "availabilityZone", "cpuFamily",
    "bootVolume", "bootCdrom", "size", "type", "bus", "image", "imageAlias", "imagePassword",
    "sshKeys", "licenceType", "lan", "ips", "dhcp", "nat", "firewallActive", "protocol",
    "sourceMac", "sourceIp", "targetIp", "portRangeStart", "portRangeEnd", "icmpType", "icmpCode",
    "public", "ipFailover", "ip", "id", "properties", "entities", "items", "servers", "volumes",
    "nics", "firewallrules", "lans", "loadbalancers", "balancednics",
]  # fmt: skip

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["true", "2", "AUTO", "HDD", "VIRTIO", "TCP", "us/las", "1", "1.2.3.4", ""]),
)
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(_NAMES), children, max_size=4),
    ),
    max_leaves=12,
)
_bodies = st.one_of(
    _values,
    st.fixed_dictionaries(
        {"properties": st.dictionaries(st.sampled_from(_NAMES), _values, max_size=6)},
        optional={"entities": st.dictionaries(st.sampled_from(_NAMES), _values, max_size=3)},
    ),
)

_ALLOWED = {202, 400, 403, 404, 422}


def _check(reply: Any, body: Any) -> None:
    assert reply.status in _ALLOWED, (body, reply.status, reply.text[:300])
    if reply.status != 202:
        error = json.loads(reply.text)
        assert error["httpStatus"] == reply.status
        assert error["messages"][0]["message"]


@pytest.fixture
def targets(api: Api) -> dict[str, str]:
    dc = api.datacenter()
    srv = api.server(dc)
    vol = api.volume(dc, licenceType="LINUX")
    nic = api.ok("POST", f"/datacenters/{dc}/servers/{srv}/nics", {"properties": {"lan": 1}})["id"]
    return {"dc": dc, "srv": srv, "vol": vol, "nic": nic}


_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_SETTINGS
@given(body=_bodies, route=st.sampled_from(["datacenters", "servers", "volumes", "nics", "lans"]))
def test_create_routes_never_answer_500(
    api: Api, targets: dict[str, str], body: Any, route: str
) -> None:
    paths = {
        "datacenters": "/datacenters",
        "servers": f"/datacenters/{targets['dc']}/servers",
        "volumes": f"/datacenters/{targets['dc']}/volumes",
        "nics": f"/datacenters/{targets['dc']}/servers/{targets['srv']}/nics",
        "lans": f"/datacenters/{targets['dc']}/lans",
    }
    _check(api.call("POST", paths[route], raw=json.dumps(body)), body)


@_SETTINGS
@given(body=_bodies, route=st.sampled_from(["datacenter", "server", "volume", "nic"]))
def test_update_routes_never_answer_500(
    api: Api, targets: dict[str, str], body: Any, route: str
) -> None:
    dc = f"/datacenters/{targets['dc']}"
    paths = {
        "datacenter": dc,
        "server": f"{dc}/servers/{targets['srv']}",
        "volume": f"{dc}/volumes/{targets['vol']}",
        "nic": f"{dc}/servers/{targets['srv']}/nics/{targets['nic']}",
    }
    _check(api.call("PATCH", paths[route], raw=json.dumps(body)), body)
