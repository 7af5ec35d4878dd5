"""Every operation of the table is reachable as ``profitbricks <resource> <verb>`` and runs
against the emulator (generated from ``OPERATIONS``), with its path ids as options and the id
it acts on given positionally."""

from __future__ import annotations

import json
from typing import Any

import pytest

from profitbricks._operations import OPERATIONS, Body, Operation
from profitbricks.cli._commands import target_param

from .conftest import Cli
from .world import build_world

#: Properties for a create of each kind (test data: what the API requires).
CREATE = {
    "datacenter": ["--name", "made", "--location", "de/fra"],
    "server": ["--name", "made", "--cores", "1", "--ram", "1024"],
    "volume": ["--name", "made", "--size", "5", "--type", "HDD", "--licence-type", "LINUX"],
    "ipblock": ["--location", "us/las", "--size", "1", "--name", "made"],
    "lan": ["--name", "made", "--public", "false"],
    "nic": ["--name", "made", "--lan", "1"],
    "firewall_rule": ["--name", "made", "--protocol", "UDP"],
    "loadbalancer": ["--name", "made"],
    "group": ["--name", "made", "--reserve-ip"],
    "user": [
        "--firstname", "A", "--lastname", "B", "--email", "made@example.com",
        "--password", "Secret123pw",
    ],
}  # fmt: skip
#: Properties for a change; the others take ``--name``.
CHANGE = {
    "user": ["--firstname", "Anne", "--lastname", "Lee", "--email", "ann@example.com"],
    "share": ["--edit-privilege", "false", "--share-privilege", "true"],
    "snapshot": ["--name", "renamed"],
}


def _argv(operation: Operation[Any], ids: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    resource, verb = operation.cli
    target = target_param(operation)
    links = verb in ("add", "attach")
    argv = [resource, verb, "-o", "json"]
    for name in operation.params:
        if name != target:
            argv += ["--" + name.replace("_", "-"), str(ids[name])]
    if target is not None:
        argv.append(str((fresh if links and target in fresh else ids)[target]))
    if operation.body is Body.RESOURCE:
        argv += CREATE[operation.kind or ""]
    elif operation.body in (Body.PATCH, Body.PROPERTIES):
        argv += CHANGE.get(operation.kind or "", ["--name", "renamed"])
    elif operation.body is Body.FORM and target is None:
        argv += ["--name", "snap2"]
    if verb == "delete":
        argv.append("--yes")
    return argv


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_operation_runs_from_the_command_line(cli: Cli, name: str) -> None:
    operation = OPERATIONS[name]
    ids, fresh = build_world(cli.emulator)
    argv = _argv(operation, ids, fresh)
    result = cli(*argv)
    assert (result.code, result.err) == (0, ""), argv
    doc = json.loads(result.out)
    assert isinstance(doc, dict)
    target = target_param(operation)
    if operation.method == "GET" and target is not None:
        # The document read is the one the positional id names (or one of its collections).
        assert f"/{ids[target]}" in doc["href"]
    elif operation.method != "GET":
        assert doc.get("requestId") or doc.get("id"), doc


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_operation_has_help_from_the_table(cli: Cli, name: str) -> None:
    operation = OPERATIONS[name]
    result = cli(*operation.cli, "--help")
    assert result.code == 0
    assert operation.summary.split(" (")[0] in " ".join(result.out.split())
    for param in operation.params:
        assert "--" + param.replace("_", "-") in result.out


def test_every_resource_lists_its_verbs(cli: Cli) -> None:
    by_resource: dict[str, list[str]] = {}
    for operation in OPERATIONS.values():
        by_resource.setdefault(operation.cli[0], []).append(operation.cli[1])
    top = cli("--help")
    for resource, verbs in by_resource.items():
        assert resource in top.out
        result = cli(resource, "--help")
        assert result.code == 0
        for verb in verbs:
            assert verb in result.out


MUTATING = sorted(name for name, op in OPERATIONS.items() if op.method != "GET")


@pytest.mark.parametrize("name", MUTATING)
def test_wait_prints_the_final_state(cli: Cli, name: str) -> None:
    operation = OPERATIONS[name]
    ids, fresh = build_world(cli.emulator)
    cli.emulator.configure(progression="polls:2")
    result = cli(*_argv(operation, ids, fresh), "--wait", "--timeout", "60")
    assert (result.code, result.err) == (0, "")
    doc = json.loads(result.out)
    if operation.method == "DELETE":
        assert doc["metadata"]["status"] == "DONE"
    else:
        # The resource as it now is, read after the request is DONE.
        assert doc["href"].endswith("/" + str(doc["id"]))
        assert doc.get("metadata", {}).get("state") != "BUSY"
