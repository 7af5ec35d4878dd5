"""Alternate spellings from SPEC.md's examples, declared once in ``profitbricks._aliases``."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

import profitbricks.client
from profitbricks._aliases import ALIASES, apply_aliases, install_aliases
from profitbricks.client import IPBlock, ProfitBricksService, Server, Volume

from .recorder import Recorder


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> ProfitBricksService:
    return ProfitBricksService(transport=recorder)


def test_volume_type_and_license_type() -> None:
    assert Volume(size=1, type="SSD", license_type="OTHER") == Volume(
        size=1, disk_type="SSD", licence_type="OTHER"
    )


def test_alias_and_canonical_together_is_an_error() -> None:
    with pytest.raises(TypeError, match="disk_type"):
        Volume(type="SSD", disk_type="HDD")


def test_unknown_keywords_still_fail() -> None:
    with pytest.raises(TypeError):
        Volume(colour="blue")  # type: ignore[call-arg]


def test_server_description_and_location_are_ignored() -> None:
    server = Server(name="s", cores=1, ram=2048, description="d", location="de/fkb")
    assert server == Server(name="s", cores=1, ram=2048)


def test_firewall_rule_server_given_as_loadbalancer_id(
    client: ProfitBricksService, recorder: Recorder
) -> None:
    client.delete_firewall_rule(
        datacenter_id="dc", loadbalancer_id="srv", nic_id="nic", firewall_rule_id="fw"
    )
    assert recorder.calls[-1][1] == "/datacenters/dc/servers/srv/nics/nic/firewallrules/fw"


def test_load_balancer_id_spelling(client: ProfitBricksService, recorder: Recorder) -> None:
    client.delete_loadbalancer(datacenter_id="dc", load_balancer_id="lb")
    assert recorder.calls[-1][:2] == ("DELETE", "/datacenters/dc/loadbalancers/lb")


def test_ipblock_datacenter_id_is_ignored(client: ProfitBricksService, recorder: Recorder) -> None:
    client.reserve_ipblock(datacenter_id="dc", ipblock=IPBlock(location="us/las", size=1))
    assert recorder.calls[-1][:2] == ("POST", "/ipblocks")


def test_update_keyword_aliases(client: ProfitBricksService, recorder: Recorder) -> None:
    client.update_volume("dc", "v", license_type="LINUX")
    assert recorder.calls[-1][2] == b'{"licenceType":"LINUX"}'
    client.update_server("dc", "s", boot_volume="v")
    assert recorder.calls[-1][2] == b'{"bootVolume":{"id":"v"}}'
    with pytest.raises(TypeError):
        client.update_server("dc", "s", boot_volume="v", boot_volume_id="w")


def test_positional_argument_and_alias_together_is_an_error(client: ProfitBricksService) -> None:
    with pytest.raises(TypeError):
        client.get_firewall_rule("dc", "srv", "nic", "fw", loadbalancer_id="srv")  # type: ignore[call-arg]


def test_apply_aliases_leaves_other_scopes_alone() -> None:
    kwargs = {"type": "SSD"}
    assert apply_aliases("Server", kwargs) == {"type": "SSD"}
    assert apply_aliases("nothing", kwargs) is kwargs


def _target(scope: str) -> Any:
    if scope[0].isupper():
        return getattr(profitbricks.client, scope)
    return getattr(ProfitBricksService, scope)


@pytest.mark.parametrize("scope", sorted(ALIASES))
def test_every_alias_points_at_a_real_parameter(scope: str) -> None:
    parameters = inspect.signature(_target(scope)).parameters
    for alias, canonical in ALIASES[scope].items():
        assert alias not in parameters
        if canonical is not None:
            assert canonical in parameters, (scope, canonical)


@pytest.mark.parametrize("scope", sorted(ALIASES))
def test_aliased_callables_keep_their_signature_and_docs(scope: str) -> None:
    target = _target(scope)
    wrapped = target.__init__ if inspect.isclass(target) else target
    assert hasattr(wrapped, "__wrapped__")
    assert wrapped.__name__ == wrapped.__wrapped__.__name__


def test_a_coroutine_method_stays_a_coroutine_function_with_aliases() -> None:
    class Service:
        async def get_loadbalancer(self, datacenter_id: str, loadbalancer_id: str) -> str:
            return f"{datacenter_id}/{loadbalancer_id}"

    install_aliases(Service)
    assert inspect.iscoroutinefunction(Service.get_loadbalancer)
    result = asyncio.run(Service().get_loadbalancer("dc", load_balancer_id="lb"))
    assert result == "dc/lb"
