"""The command line in-process against the emulator: output formats, bodies, waits, safety,
exit statuses and the 4.1.1 aliases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from profitbricks.client import Datacenter, Server

from .conftest import Cli


@pytest.fixture
def dc_id(cli: Cli) -> str:
    client = cli.emulator.client
    created = client.create_datacenter(Datacenter(name="alpha", location="us/las"))
    client.wait_for_completion(created)
    return str(created["id"])


def _servers(cli: Cli, dc_id: str) -> list[dict[str, Any]]:
    return list(cli.emulator.client.list_servers(dc_id, depth=1)["items"])


# Output


def test_json_is_the_api_document(cli: Cli, dc_id: str) -> None:
    result = cli("datacenter", "get", dc_id, "-o", "json")
    assert result.code == 0
    assert json.loads(result.out) == cli.emulator.client.get_datacenter(dc_id)


def test_table_has_headers_and_columns_per_kind(cli: Cli, dc_id: str) -> None:
    lines = cli("datacenter", "list").out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "LOCATION", "DESCRIPTION", "STATE"]
    assert lines[1].split() == [dc_id, "alpha", "us/las", "AVAILABLE"]
    assert cli("datacenter", "list", "--no-headers").out.splitlines() == lines[1:]


def test_text_is_tab_separated_with_dotted_columns(cli: Cli, dc_id: str) -> None:
    result = cli("datacenter", "list", "-o", "text", "--cols", "id,properties.location,name")
    assert result.out == f"{dc_id}\tus/las\talpha\n"


def test_query_is_jmespath_over_the_document(cli: Cli, dc_id: str) -> None:
    result = cli("datacenter", "list", "--query", "items[].properties.name", "-o", "json")
    assert json.loads(result.out) == ["alpha"]
    assert cli("datacenter", "list", "--query", "items[0].id", "-o", "text").out == dc_id + "\n"
    bad = cli("datacenter", "list", "--query", "items[")
    assert bad.code == 2
    assert "--query" in bad.err


def test_global_options_may_come_before_the_command(cli: Cli, dc_id: str) -> None:
    result = cli("-o", "text", "--cols", "name", "datacenter", "list")
    assert result.out == "alpha\n"


# Bodies


def test_create_with_typed_options_and_wait_prints_the_final_state(cli: Cli, dc_id: str) -> None:
    cli.emulator.configure(progression="polls:2")
    result = cli(
        "server", "create", "--datacenter-id", dc_id, "--name", "web", "--cores", "2",
        "--ram", "2048", "--wait", "-o", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["metadata"]["state"] == "AVAILABLE"
    assert (doc["properties"]["cores"], doc["properties"]["ram"]) == (2, 2048)


def test_validation_is_the_sdks_and_nothing_is_sent(cli: Cli, dc_id: str) -> None:
    result = cli("datacenter", "create", "--name", "no-location")
    assert result.code == 2
    assert "Attribute 'location' is required" in result.err
    assert result.err.count("\n") == 1
    assert len(cli.emulator.client.list_datacenters()["items"]) == 1
    typed = cli("server", "create", "--datacenter-id", dc_id, "--name", "x", "--cores", "two")
    assert typed.code == 2
    assert "--cores" in typed.err
    assert _servers(cli, dc_id) == []


def test_from_file_composite_create_from_stdin(cli: Cli) -> None:
    body = {
        "properties": {"name": "composite", "location": "de/fra"},
        "entities": {
            "servers": {"items": [{"properties": {"name": "s1", "cores": 1, "ram": 1024}}]},
            "lans": {"items": [{"properties": {"name": "l1", "public": True}}]},
        },
    }
    result = cli("datacenter", "create", "--from-file", "-", "--wait", "-o", "json",
                 stdin=json.dumps(body))  # fmt: skip
    assert result.code == 0, result.err
    dc = json.loads(result.out)["id"]
    client = cli.emulator.client
    assert [s["properties"]["name"] for s in client.list_servers(dc)["items"]] == ["s1"]
    assert client.list_lans(dc)["items"][0]["properties"]["public"] is True


def test_from_file_names_an_unknown_property(cli: Cli, tmp_path: Any) -> None:
    path = tmp_path / "dc.json"
    path.write_text(json.dumps({"properties": {"name": "x", "colour": "red"}}))
    result = cli("datacenter", "create", "--from-file", str(path))
    assert result.code == 2
    assert f"{path}.properties.colour: not a property of Datacenter" in result.err


def test_update_options_override_the_file(cli: Cli, dc_id: str, tmp_path: Any) -> None:
    path = tmp_path / "patch.json"
    path.write_text(json.dumps({"name": "from-file", "description": "kept"}))
    result = cli("datacenter", "update", dc_id, "-p", str(path), "--name", "option", "--wait")
    assert result.code == 0, result.err
    props = cli.emulator.client.get_datacenter(dc_id)["properties"]
    assert (props["name"], props["description"]) == ("option", "kept")


def test_bulk_count_names_and_waits(cli: Cli, dc_id: str) -> None:
    result = cli(
        "server", "create", "--datacenter-id", dc_id, "--count", "3", "--name", "web-{i}",
        "--cores", "1", "--ram", "1024", "--wait", "-o", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    names = sorted(item["properties"]["name"] for item in json.loads(result.out)["items"])
    assert names == ["web-1", "web-2", "web-3"]
    assert sorted(s["properties"]["name"] for s in _servers(cli, dc_id)) == names


# Waiting and exit statuses


def test_request_wait(cli: Cli, dc_id: str) -> None:
    cli.emulator.configure(progression="polls:2")
    reply = cli.emulator.client.create_server(dc_id, Server(name="a", cores=1, ram=1024))
    result = cli("request", "wait", reply["requestId"], "-o", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["metadata"]["status"] == "DONE"


def test_failed_request_exits_3(cli: Cli, dc_id: str) -> None:
    cli.emulator.configure(fail_probability=1.0)
    result = cli("server", "create", "--datacenter-id", dc_id, "--name", "x", "--cores", "1",
                 "--ram", "1024", "--wait")  # fmt: skip
    assert result.code == 3
    assert "FAILED" in result.err or "failed" in result.err


def test_wait_timeout_exits_4(cli: Cli, dc_id: str) -> None:
    cli.emulator.configure(progression="polls:100000")
    result = cli("datacenter", "update", dc_id, "--name", "slow", "--wait", "--timeout", "0.3")
    assert result.code == 4
    assert "request" in result.err


def test_api_error_exits_1(cli: Cli) -> None:
    result = cli("datacenter", "get", "no-such-id")
    assert result.code == 1
    assert result.err.startswith("profitbricks: error: 404")
    assert result.err.count("\n") == 1


def test_bad_credentials_exit_5(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROFITBRICKS_PASSWORD", "wrong")
    assert cli("datacenter", "list").code == 5


def test_bad_api_url_exits_5(cli: Cli) -> None:
    assert cli("datacenter", "list", "--api-url", "ftp://example.com").code == 5


@pytest.mark.parametrize(
    "argv",
    [
        ["datacenter", "frobnicate"],
        ["server", "list"],
        ["datacenter", "list", "--depth", "deep"],
        ["datacenter", "get", "a", "--datacenter-id", "b"],
        ["server", "update", "--datacenter-id", "x", "y", "--wait", "--timeout", "-1"],
        ["nonsense"],
    ],
)
def test_usage_errors_exit_2(cli: Cli, argv: list[str]) -> None:
    result = cli(*argv)
    assert result.code == 2
    assert result.out == ""


def test_help_documents_the_exit_statuses(cli: Cli) -> None:
    result = cli("--help")
    assert result.code == 0
    for line in ("0    success", "3    a request", "4    --wait", "5    credentials", "130"):
        assert line in result.out


# Safety


def test_delete_without_terminal_or_yes_exits_2_without_reading(cli: Cli, dc_id: str) -> None:
    result = cli("datacenter", "delete", dc_id, stdin="y\n")
    assert result.code == 2
    assert "--yes" in result.err
    assert cli.emulator.client.get_datacenter(dc_id)["id"] == dc_id
    assert cli("datacenter", "delete", dc_id, "--yes", "--wait").code == 0
    assert cli("datacenter", "get", dc_id).code == 1


def test_dry_run_prints_the_request_masked_and_sends_nothing(cli: Cli) -> None:
    result = cli(
        "user", "create", "--firstname", "A", "--lastname", "B", "--email", "a@example.com",
        "--password", "Sup3rSecretPw", "--dry-run",
    )  # fmt: skip
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"POST {cli.emulator.url}/um/users"
    body = json.loads("\n".join(lines[3:]))
    assert body == {"properties": {"firstname": "A", "lastname": "B",
                                   "email": "a@example.com", "password": "***"}}  # fmt: skip
    assert "Sup3rSecretPw" not in result.out + result.err
    users = cli.emulator.client.list_users(depth=1)["items"]
    assert "a@example.com" not in [u["properties"]["email"] for u in users]


def test_dry_run_validates_first(cli: Cli) -> None:
    result = cli("datacenter", "create", "--name", "x", "--dry-run")
    assert result.code == 2
    assert "location" in result.err
    assert result.out == ""


def test_debug_logs_exchanges_with_secrets_masked(cli: Cli) -> None:
    result = cli(
        "user", "create", "--firstname", "A", "--lastname", "B", "--email", "a@example.com",
        "--password", "Sup3rSecretPw", "--debug", "--wait",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "POST " in result.err
    assert "-> 202" in result.err
    assert "/status -> 200" in result.err
    assert "Authorization: Basic ***" in result.err
    assert "Sup3rSecretPw" not in result.err
    assert cli.emulator.password not in result.err


def test_traceback_only_with_debug(cli: Cli) -> None:
    assert "Traceback" not in cli("datacenter", "get", "missing").err
    assert "Traceback" in cli("datacenter", "get", "missing", "--debug").err


# 4.1.1 spellings


def test_old_spellings_still_work(cli: Cli, dc_id: str) -> None:
    client = cli.emulator.client
    shown = cli("datacenter", "show", "-i", dc_id, "--json")
    assert json.loads(shown.out)["id"] == dc_id
    assert cli("server", "create", "--datacenterid", dc_id, "--name", "s", "--cores", "1",
               "--ram", "1024", "--cpufamily", "AMD_OPTERON", "--wait").code == 0  # fmt: skip
    server = _servers(cli, dc_id)[0]["id"]
    assert server not in cli("server", "list", "--datacenterid", dc_id).err
    made = cli("volume", "create", "--datacenterid", dc_id, "--size", "5", "--type", "HDD",
               "--licencetype", "LINUX", "--json", "--wait")  # fmt: skip
    volume = json.loads(made.out)["id"]
    attach = cli("volume", "attach", "--datacenterid", dc_id, "--serverid", server, "-i", volume,
                 "--wait")  # fmt: skip
    assert attach.code == 0, attach.err
    assert [v["id"] for v in client.get_attached_volumes(dc_id, server)["items"]] == [volume]
    snap = cli("snapshot", "create", "--datacenterid", dc_id, "--volumeid", volume,
               "--name", "s1", "--json", "--wait")  # fmt: skip
    assert snap.code == 0, snap.err
    snapshot = json.loads(snap.out)["id"]
    restore = cli("snapshot", "restore", "-i", snapshot, "--datacenterid", dc_id,
                  "--volumeid", volume, "--wait")  # fmt: skip
    assert restore.code == 0, restore.err
    ip = cli("ipblock", "create", "--location", "us/las", "--size", "1", "--json")
    assert json.loads(ip.out)["properties"]["size"] == 1
    drives = cli("drives", "list", "--datacenterid", dc_id, "--serverid", server, "--json")
    assert json.loads(drives.out)["items"] == []
    nic = client.create_nic(dc_id, server, __import__("profitbricks.client").client.NIC(lan=1))
    client.wait_for_completion(nic)
    fw = cli("firewall", "create", "--datacenterid", dc_id, "--serverid", server, "--nicid",
             nic["id"], "--protocol", "TCP", "--portRangeStart", "22", "--portRangeEnd", "22",
             "--json")  # fmt: skip
    assert json.loads(fw.out)["properties"]["portRangeStart"] == 22
    assert cli("server", "delete", "-i", server, "--datacenterid", dc_id, "-f").code == 0


def test_old_spellings_are_hidden_from_help(cli: Cli, dc_id: str) -> None:
    top = cli("--help").out
    assert "drives" not in top
    assert "firewall," not in top
    verbs = cli("datacenter", "--help").out
    assert "{list,get,create,update,delete}" in verbs
    assert "show" not in verbs.replace("show this help", "")
    helptext = cli("server", "create", "--help").out
    assert "--datacenterid" not in helptext
    assert "--cpufamily" not in helptext
    assert "-p FILE" not in helptext
    assert "--json" not in helptext
    nic = cli("nic", "update", "--help").out
    assert "--add-ip" in nic
    assert "--addip" not in nic
    assert "--datacenter-id" in helptext
    assert "--cpu-family" in helptext


# Other commands


def test_emulator_command_takes_the_emulators_options(
    cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli("emulator", "--help")
    assert exit_info.value.code == 0
    assert "--progression" in capsys.readouterr().out


def test_emulator_command_without_its_extra_names_the_extra(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "waitress" else real(name, *a)
    )
    result = cli("emulator", "--port", "0")
    assert result.code == 5
    assert result.err == (
        "profitbricks emulator: needs waitress: pip install 'profitbricks[emulator]'\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("serverz", "list"),
            "profitbricks: error: unknown command 'serverz' (did you mean 'server'?)",
        ),
        (
            ("server", "lst"),
            "profitbricks server: error: unknown command 'lst' (did you mean 'list'?)",
        ),
        (("xyzzy",), "profitbricks: error: unknown command 'xyzzy'; 'profitbricks --help' lists"),
    ],
)
def test_an_unknown_command_names_the_nearest_visible_one(
    cli: Cli, argv: tuple[str, ...], message: str
) -> None:
    result = cli(*argv)
    assert result.code == 2
    last = result.err.strip().splitlines()[-1]
    assert last.startswith(message)
    # The hidden 4.1.1 spellings are not offered.
    assert "drives" not in last
    assert "show" not in last


def test_version(cli: Cli) -> None:
    from profitbricks import __version__

    result = cli("--version")
    assert (result.code, result.out) == (0, f"profitbricks {__version__}\n")


# Conveniences kept from 4.1.1


def test_image_aliases_of_a_location(cli: Cli) -> None:
    expected = cli.emulator.client.get_location("us/las", depth=1)["properties"]["imageAliases"]
    assert expected
    result = cli("image", "aliases", "-l", "us/las", "-o", "json")
    assert json.loads(result.out) == expected
    assert cli("image", "aliases", "us/las", "-o", "text").out.splitlines() == expected


def test_group_user_add_and_remove(cli: Cli) -> None:
    from profitbricks.client import Group, User

    client = cli.emulator.client
    group = client.create_group(Group(name="g"))["id"]
    user = client.create_user(User("A", "B", "ab@example.com", "Secret123pw"))["id"]
    assert cli("group", "user", "-i", group, "--adduser", user, "--wait").code == 0
    assert [u["id"] for u in client.list_group_users(group)["items"]] == [user]
    members = cli("group", "users", "-i", group, "-o", "text", "--cols", "id")
    assert members.out == user + "\n"
    assert cli("group", "user", "-i", group, "--removeuser", user, "--wait").code == 0
    assert client.list_group_users(group)["items"] == []


def test_resource_list_by_type_and_nic_list_by_load_balancer(cli: Cli, dc_id: str) -> None:
    from profitbricks.client import NIC, LoadBalancer

    by_type = cli("resource", "list", "--resourcetype", "datacenter", "-o", "text", "--cols", "id")
    assert by_type.out == dc_id + "\n"
    client = cli.emulator.client
    server = client.create_server(dc_id, Server(name="s", cores=1, ram=1024))["id"]
    nic = client.create_nic(dc_id, server, NIC(lan=1))["id"]
    lb = client.create_loadbalancer(dc_id, LoadBalancer(name="lb"))["id"]
    client.add_loadbalanced_nics(dc_id, lb, nic)
    balanced = cli("nic", "list", "--datacenterid", dc_id, "--loadbalancerid", lb, "-o", "json")
    assert [n["id"] for n in json.loads(balanced.out)["items"]] == [nic]


def test_nic_add_and_remove_ip(cli: Cli, dc_id: str) -> None:
    from profitbricks.client import NIC

    client = cli.emulator.client
    server = client.create_server(dc_id, Server(name="s", cores=1, ram=1024))["id"]
    nic = client.create_nic(dc_id, server, NIC(lan=1, ips=["10.0.0.5"]))["id"]
    ids = ["--datacenter-id", dc_id, "--server-id", server, nic]
    assert cli("nic", "update", *ids, "--addip", "10.0.0.6", "--wait").code == 0
    assert client.get_nic(dc_id, server, nic)["properties"]["ips"] == ["10.0.0.5", "10.0.0.6"]
    assert cli("nic", "update", *ids, "--remove-ip", "10.0.0.5", "--wait").code == 0
    assert client.get_nic(dc_id, server, nic)["properties"]["ips"] == ["10.0.0.6"]
    missing = cli("nic", "update", *ids, "--remove-ip", "10.9.9.9")
    assert missing.code == 2
    assert "10.9.9.9" in missing.err


def test_lan_ip_failover_pairs(cli: Cli, dc_id: str) -> None:
    pairs = "10.0.0.1,nic-a;10.0.0.2,nic-b"
    result = cli("lan", "update", "--datacenter-id", dc_id, "1", "--ipfailover", pairs, "--dry-run")
    assert result.code == 0, result.err
    body = json.loads(result.out.split("\n\n", 1)[1])
    assert body == {"ipFailover": [{"ip": "10.0.0.1", "nicUuid": "nic-a"},
                                   {"ip": "10.0.0.2", "nicUuid": "nic-b"}]}  # fmt: skip
    bad = cli("lan", "update", "--datacenter-id", dc_id, "1", "--ip-failover", "10.0.0.1")
    assert bad.code == 2
    assert "IP,NIC_ID" in bad.err


def test_main_is_the_entry_point_on_the_process_streams(
    cli: Cli, dc_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from profitbricks.cli import main

    assert main(["datacenter", "list", "-o", "json", "--query", "items[].id"]) == 0
    captured = capsys.readouterr()
    assert (json.loads(captured.out), captured.err) == ([dc_id], "")
    assert main(["datacenter", "get", "missing"]) == 1
    assert capsys.readouterr().err.startswith("profitbricks: error: 404")


def test_bulk_dry_run_prints_every_request(cli: Cli, dc_id: str) -> None:
    result = cli("server", "create", "--datacenter-id", dc_id, "--count", "2", "--name", "w{i}",
                 "--cores", "1", "--ram", "1024", "--dry-run")  # fmt: skip
    assert result.code == 0, result.err
    assert result.out.count(f"POST {cli.emulator.url}/datacenters/{dc_id}/servers") == 2
    assert '"name": "w1"' in result.out
    assert '"name": "w2"' in result.out
    assert _servers(cli, dc_id) == []


def test_bulk_with_failed_requests_exits_3_naming_each(cli: Cli, dc_id: str) -> None:
    cli.emulator.configure(fail_probability=1.0)
    result = cli("server", "create", "--datacenter-id", dc_id, "--count", "2", "--name", "w{i}",
                 "--cores", "1", "--ram", "1024", "--wait", "-o", "json")  # fmt: skip
    assert result.code == 3
    assert result.err.startswith("profitbricks: error: call 1: ")
    assert "call 2: " in result.err
    assert json.loads(result.out) == {"items": []}


def test_extra_command_modules_plug_in(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """``configure`` and ``completion`` come from modules of the package, found by name; the
    completion module gets ``build_parser`` and sees only the visible commands."""
    import argparse
    import sys
    import types

    from profitbricks._operations import OPERATIONS

    seen: dict[str, Any] = {}

    def add_configure_parser(subparsers: Any) -> None:
        sub = subparsers.add_parser("configure", help="write a profile")
        sub.set_defaults(handler=lambda args, io: seen.setdefault("configure", io) and 0)

    def add_completion_parser(subparsers: Any, build_parser: Any) -> None:
        def handler(args: argparse.Namespace, io: Any) -> int:
            tree = build_parser()
            (commands,) = [a for a in tree._actions if isinstance(a, argparse._SubParsersAction)]
            seen["visible"] = [c.dest for c in commands._choices_actions]
            seen["verbs"] = {
                name: sorted(
                    c.dest
                    for a in parser._actions
                    if isinstance(a, argparse._SubParsersAction)
                    for c in a._choices_actions
                )
                for name, parser in commands.choices.items()
            }
            return 0

        subparsers.add_parser("completion", help="shell completion").set_defaults(handler=handler)

    for name, add in (("configure", add_configure_parser), ("completion", add_completion_parser)):
        module = types.ModuleType(f"profitbricks.cli._{name}")
        setattr(module, f"add_{name}_parser", add)
        monkeypatch.setitem(sys.modules, module.__name__, module)
    assert cli("setup").code == 0
    assert "configure" in seen
    assert cli("completion").code == 0
    resources = {op.cli[0] for op in OPERATIONS.values()}
    assert set(seen["visible"]) == resources | {"emulator", "configure", "completion"}
    for operation in OPERATIONS.values():
        assert operation.cli[1] in seen["verbs"][operation.cli[0]]
    assert "show" not in seen["verbs"]["datacenter"]
    assert "drives" not in seen["visible"]


def test_bulk_from_standard_input(cli: Cli, dc_id: str) -> None:
    body = {"properties": {"name": "db-{i}", "cores": 1, "ram": 1024}}
    result = cli("server", "create", "--datacenter-id", dc_id, "--count", "2", "--from-file", "-",
                 "--wait", stdin=json.dumps(body))  # fmt: skip
    assert result.code == 0, result.err
    assert sorted(s["properties"]["name"] for s in _servers(cli, dc_id)) == ["db-1", "db-2"]


def test_credentials_from_the_config_file_option(
    cli: Cli, dc_id: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROFITBRICKS_USERNAME")
    monkeypatch.delenv("PROFITBRICKS_PASSWORD")
    path = tmp_path / "config.ini"
    path.write_text(
        f"[credentials]\nusername = {cli.emulator.username}\npassword = {cli.emulator.password}\n"
    )
    result = cli("datacenter", "list", "-o", "text", "--cols", "id", "--config-file", str(path))
    assert (result.code, result.out) == (0, dc_id + "\n")
    path.write_text("[credentials]\nusername = someone@example.com\npassword = wrong\n")
    assert cli("datacenter", "list", "--config-file", str(path)).code == 5
