"""Every setting is declared once (settings.py); the command line, the control API, the
fixture's ``configure`` and the README table are derived from that declaration.

The examples below give each declared setting a valid and an invalid value; a test checks that
they cover the declaration exactly, so a new setting cannot go without its checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import urllib3

from profitbricks.emulator import EmulatorConfig
from profitbricks.emulator.__main__ import build_parser, main
from profitbricks.emulator.control import Controls
from profitbricks.emulator.readme import BLOCKS, rewrite_readme
from profitbricks.emulator.readme import main as readme_main
from profitbricks.emulator.settings import (
    RUNTIME_SETTINGS,
    SETTINGS,
    InvalidSetting,
    config_values,
    readme_table,
)
from profitbricks.emulator.testing import EmulatorHandle

README = Path(__file__).resolve().parents[2] / "README.md"

# name: (command-line text, the value it gives, an invalid value, an invalid command-line text)
EXAMPLES: dict[str, tuple[str, Any, Any, str]] = {
    "users": ("a@example.com:pw", [("a@example.com", "pw")], [("a@example.com",)], "a:pw"),
    "progression": ("polls:2", "polls:2", "later", "polls:x"),
    "delay": ("2.5", 2.5, -1, "soon"),
    "delay_for": ("snapshot=30", {"snapshot": 30.0}, {"snapshots": 1}, "snapshots=1"),
    "rate_limit": ("5", 5, -3, "many"),
    "rate_window": ("2", 2.0, 0, "0"),
    "fail_probability": ("0.5", 0.5, 1.5, "1.5"),
    "error_probability": ("0.25", 0.25, -0.1, "-1"),
    "latency": ("0.5", 0.5, 86_401, "inf"),
    "seed": ("42", 42, 2**70, "x"),
    "resource_limits": (
        "coresPerContract=9",
        {"coresPerContract": 9},
        {"cores": 1},
        "cores=1",
    ),
    "public_url": ("http://h:1/cloudapi/v4/", "http://h:1/cloudapi/v4", None, ""),
    "login_failures": ("3", 3, -1, "-1"),
    "login_window": ("7.5", 7.5, 0, "0"),
    "login_tarpit": ("0.25", 0.25, 61, "-1"),
    "request_log_limit": ("50", 50, 0, "0"),
    "control_token": ("s3cret-token", "s3cret-token", "with space", "with space"),
    "control_api": ("", False, None, ""),
}


def _flag(name: str) -> str:
    return next(
        action.option_strings[0]
        for action in build_parser()._actions
        if action.dest == name and action.option_strings
    )


def test_the_examples_cover_every_declared_setting() -> None:
    assert set(EXAMPLES) == {entry.name for entry in SETTINGS}


@pytest.mark.parametrize("entry", SETTINGS, ids=lambda entry: entry.name)
def test_every_setting_has_its_flag(entry: Any) -> None:
    text, value, _, _ = EXAMPLES[entry.name]
    flag = _flag(entry.name)
    arguments = [flag] if entry.name == "control_api" else [flag, text]
    settings = config_values(build_parser().parse_args(arguments))
    config = EmulatorConfig(**settings)
    got = getattr(config, entry.name)
    if entry.name == "progression":
        got = str(got)
    assert got == value
    shown = " ".join(build_parser().format_help().split())
    assert " ".join(entry.help.split())[:40] in shown


@pytest.mark.parametrize(
    "entry", [entry for entry in SETTINGS if EXAMPLES[entry.name][3]], ids=lambda e: e.name
)
def test_a_bad_flag_value_is_a_usage_error(entry: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--port", "0", _flag(entry.name), EXAMPLES[entry.name][3]])
    assert exited.value.code == 2
    assert _flag(entry.name) in capsys.readouterr().err


@pytest.mark.parametrize(
    "entry",
    [entry for entry in SETTINGS if EXAMPLES[entry.name][2] is not None],
    ids=lambda entry: entry.name,
)
def test_the_configuration_refuses_a_bad_value_naming_the_setting(entry: Any) -> None:
    with pytest.raises(InvalidSetting) as caught:
        EmulatorConfig(**{entry.name: EXAMPLES[entry.name][2]})
    assert caught.value.field == entry.name or entry.name == "users"


@pytest.mark.parametrize("entry", list(RUNTIME_SETTINGS.values()), ids=lambda e: e.name)
def test_the_control_api_checks_each_runtime_setting(emulator: EmulatorHandle, entry: Any) -> None:
    pool = urllib3.PoolManager(retries=False, timeout=30)
    url = emulator.base_url + "/_emulator/config"
    headers = emulator.control_headers()
    _, value, bad, _ = EXAMPLES[entry.name]
    before = json.loads(pool.request("GET", url).data)
    refused = pool.request("PATCH", url, body=json.dumps({entry.name: bad}), headers=headers)
    assert refused.status == 400
    answer = json.loads(refused.data)
    assert answer["field"] == entry.name
    assert entry.name in answer["error"]
    assert json.loads(pool.request("GET", url).data) == before
    taken = pool.request("PATCH", url, body=json.dumps({entry.name: value}), headers=headers)
    assert taken.status == 200, taken.data
    assert json.loads(taken.data)[entry.name] == value
    # The fixture's configure takes the same names through the same checks.
    with pytest.raises(InvalidSetting) as caught:
        emulator.configure(**{entry.name: bad})
    assert caught.value.field == entry.name
    assert emulator.configure(**{entry.name: value})[entry.name] == value


@pytest.mark.parametrize(
    "entry", [entry for entry in SETTINGS if not entry.runtime], ids=lambda entry: entry.name
)
def test_start_up_settings_are_not_changed_at_run_time(
    emulator: EmulatorHandle, entry: Any
) -> None:
    with pytest.raises(InvalidSetting) as caught:
        emulator.configure(**{entry.name: EXAMPLES[entry.name][1]})
    assert caught.value.field == entry.name
    assert "unknown setting" in str(caught.value)


def test_the_control_settings_are_the_runtime_declarations() -> None:
    assert set(Controls().settings()) == set(RUNTIME_SETTINGS)


@pytest.mark.parametrize(("begin", "end", "render"), BLOCKS, ids=lambda v: str(v)[:30])
def test_the_readme_tables_are_the_declaration(begin: str, end: str, render: Any) -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index(begin) + len(begin) + 1
    assert text[start : text.index(end, start)] == render()


def test_the_settings_table_shows_every_setting() -> None:
    for entry in SETTINGS:
        assert f"| `{entry.name}` |" in readme_table()


def test_the_tables_are_rewritten_between_their_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    stale = "".join(f"{begin}\n| stale |\n{end}\ntext\n" for begin, end, _ in BLOCKS)
    readme.write_text("intro\n" + stale, encoding="utf-8")
    assert rewrite_readme(readme) is True
    fresh = "".join(f"{begin}\n{render()}{end}\ntext\n" for begin, end, render in BLOCKS)
    assert readme.read_text() == "intro\n" + fresh
    assert rewrite_readme(readme) is False
    assert readme_main([str(readme)]) == 0
    unmarked = tmp_path / "OTHER.md"
    unmarked.write_text("no table\n", encoding="utf-8")
    assert readme_main([str(unmarked)]) == 1
    assert unmarked.read_text() == "no table\n"
