"""Pure functions of the command line: cells, lookups, bodies from documents, old flags."""

from __future__ import annotations

import pytest

from profitbricks._payload import resource_body
from profitbricks.cli._body import resource_from_document, snake
from profitbricks.cli._compat import old_flags
from profitbricks.cli._output import UsageError, cell, lookup
from profitbricks.resources import (
    LAN,
    NIC,
    Datacenter,
    FirewallRule,
    LoadBalancer,
    Server,
    Volume,
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, ""), (True, "true"), (False, "false"), ([1, "a"], "1,a"), ({"b": 1}, '{"b":1}'),
     ("two\nlines", "two lines"), ("a\tb\r", "a b "), (2048, "2048")],
)  # fmt: skip
def test_cell(value: object, shown: str) -> None:
    assert cell(value) == shown


def test_lookup_dotted_and_short_paths() -> None:
    item = {"id": "x", "properties": {"name": "n", "ips": ["a", "b"]}, "metadata": {"state": "S"}}
    assert lookup(item, "properties.name") == "n"
    assert lookup(item, "name") == "n"
    assert lookup(item, "state") == "S"
    assert lookup(item, "properties.ips.1") == "b"
    assert lookup(item, "properties.missing") is None
    assert lookup("not a mapping", "id") is None


def test_composite_document_round_trips_through_the_serializer() -> None:
    dc = Datacenter(
        name="d", location="de/fra", description="x",
        servers=[Server(name="s", cores=2, ram=2048, boot_volume_id="vol-1",
                        create_volumes=[Volume(name="v", size=5, licence_type="LINUX")],
                        attach_volumes=["vol-2"],
                        nics=[NIC(name="n", lan=1, dhcp=True,
                                  firewall_rules=[FirewallRule(name="f", protocol="TCP")])])],
        lans=[LAN(name="l", public=True, nics=["nic-1"])],
        loadbalancers=[LoadBalancer(name="lb", balancednics=["nic-1"])],
    )  # fmt: skip
    body = resource_body(dc)
    rebuilt = resource_from_document(Datacenter, body, "body")
    assert resource_body(rebuilt) == body


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"properties": {"colour": 1}}, "f.properties.colour: not a property of Datacenter"),
        ({"props": {}}, "f.props: not allowed here"),
        ({"entities": {"nics": {"items": []}}}, "f.entities.nics: Datacenter has no such"),
        ({"entities": {"servers": {"items": [{"properties": {"x": 1}}]}}},
         "f.entities.servers.items[0].properties.x: not a property of Server"),
        ([], "f: must be a JSON object"),
    ],
)  # fmt: skip
def test_document_errors_name_the_path(doc: object, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("]", r"\]")):
        resource_from_document(Datacenter, doc, "f")


def test_snake_and_old_flags() -> None:
    assert snake("licenceType") == "licence_type"
    assert snake("discVirtioHotPlug") == "disc_virtio_hot_plug"
    assert old_flags("datacenter_id") == ["--datacenterid", "--datacenterId"]
    assert old_flags("source_mac") == ["--sourcemac", "--sourceMac"]
    assert old_flags("name") == []
    assert "--bootVolume" in old_flags("boot_volume_id")


def test_every_secret_field_is_masked() -> None:
    from dataclasses import fields

    from profitbricks import resources
    from profitbricks.cli._commands import SECRET_KEYS, masked

    secret = {
        f.metadata["api"]
        for cls in resources.Resource.__subclasses__()
        for f in fields(cls)
        if f.metadata.get("secret")
    }
    assert secret
    assert secret <= SECRET_KEYS
    doc = {"properties": dict.fromkeys(secret, "s3cret"), "items": [{"password": "x"}]}
    shown = masked(doc)
    assert "s3cret" not in repr(shown)
    assert shown["items"] == [{"password": "***"}]


@pytest.mark.parametrize(
    "name", ["_app", "_body", "_commands", "_compat", "_console", "_extras", "_output"]
)
def test_all_lists_the_public_functions_and_classes(name: str) -> None:
    import importlib
    import inspect

    module = importlib.import_module(f"profitbricks.cli.{name}")
    assert len(set(module.__all__)) == len(module.__all__)
    for public in module.__all__:
        assert hasattr(module, public), public
    defined_here = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module.__name__
    }
    assert defined_here <= set(module.__all__)


def test_exit_code_of_each_error() -> None:
    from profitbricks.cli._app import exit_code
    from profitbricks.errors import (
        PBConfigurationError,
        PBError,
        PBFailedRequest,
        PBNotAuthorizedError,
        PBNotFoundError,
        PBTimeoutError,
        PBValidationError,
    )

    url = "https://api.example/cloudapi/v4/datacenters"
    cases = [
        (PBConfigurationError("no credentials"), 5),
        (PBNotAuthorizedError(401, "no", url), 5),
        (PBValidationError(422, "bad", None), 2),
        (PBValidationError(422, "bad", url), 1),
        (PBNotFoundError(404, "gone", url), 1),
        (PBError(None, "connection refused", url), 1),
        (PBFailedRequest("failed", "r1"), 3),
        (PBTimeoutError("late", "r1"), 4),
        (ValueError("attach_volume(): volume_id is required"), 2),
        (ConnectionResetError("reset"), 1),
        (RuntimeError("unexpected"), 1),
    ]
    assert [exit_code(error) for error, _ in cases] == [code for _, code in cases]


def test_default_columns_read_what_their_titles_say() -> None:
    import io

    from profitbricks.cli._console import Console
    from profitbricks.cli._output import render

    volume = {
        "id": "v1", "type": "volume", "metadata": {"state": "AVAILABLE"},
        "properties": {"name": "data", "size": 10, "type": "SSD", "licenceType": "LINUX",
                       "bus": "VIRTIO"},
    }  # fmt: skip
    out = io.StringIO()
    render(Console(io.StringIO(), out, io.StringIO(), environ={}), {"items": [volume]}, "text")
    assert out.getvalue() == "v1\tdata\t10\tSSD\tLINUX\tVIRTIO\tAVAILABLE\n"
