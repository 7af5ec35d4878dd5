"""``profitbricks completion``: scripts generated from an argparse tree, run in real shells."""

from __future__ import annotations

import argparse
import io

import pytest

from profitbricks.cli._completion import SHELLS, add_completion_parser, completion_script

from .shells import Level, available, candidates, levels

PROG = "pbtest"
HIDDEN_WORDS = ("show", "drives", "ipblock-create", "--json", "--datacenterid", "--force-old")


def tree() -> argparse.ArgumentParser:
    """A small command line shaped like the real one, with every kind of hidden entry."""
    root = argparse.ArgumentParser(prog=PROG)
    root.add_argument("--profile", help="the profile")
    root.add_argument("-o", "--output", choices=["table", "json", "text"], help="output format")
    root.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    resources = root.add_subparsers(dest="resource", metavar="RESOURCE")

    datacenter = resources.add_parser("datacenter", help="data centres")
    verbs = datacenter.add_subparsers(dest="verb", metavar="VERB")
    get = verbs.add_parser("get", help="get one", aliases=["fetch"])
    get.add_argument("--datacenter-id", help="the data centre")
    get.add_argument("--datacenterid", dest="datacenter_id", help=argparse.SUPPRESS)
    get.add_argument("id", nargs="?", help="the data centre")
    delete = verbs.add_parser("delete", help="delete one")
    delete.add_argument("--yes", action="store_true", help="do not ask")
    delete.add_argument("--force-old", action="store_true", help=argparse.SUPPRESS)
    verbs.add_parser("show")  # a hidden alias: no entry in the help
    verbs.add_parser("list", help="list them")

    ipblock = resources.add_parser("ipblock", help="IP blocks")
    ipverbs = ipblock.add_subparsers(dest="verb")
    ipverbs.add_parser("reserve", help="reserve one").add_argument(
        "--location", choices=["de/fra", "us/las"], help="where"
    )
    ipverbs.add_parser("ipblock-create", help=argparse.SUPPRESS)  # hidden the other way
    resources.add_parser("drives")  # a hidden resource

    emulator = resources.add_parser("emulator", help="the local emulator")
    actions = emulator.add_subparsers(dest="action")
    serve = actions.add_parser("serve", help="serve it")
    modes = serve.add_subparsers(dest="mode")  # a third level
    modes.add_parser("foreground", help="in this terminal").add_argument(
        "--progression", choices=["immediate", "polls:2"], help="request progression"
    )
    modes.add_parser("background", help="detached")

    add_completion_parser(resources, tree)
    return root


SHELL_PARAMS = [
    pytest.param(
        shell, marks=pytest.mark.skipif(not available(shell), reason=f"{shell} not installed")
    )
    for shell in SHELLS
]


@pytest.fixture(scope="module", params=SHELL_PARAMS)
def shell_script(request: pytest.FixtureRequest) -> tuple[str, str]:
    shell: str = request.param
    return shell, completion_script(shell, tree(), PROG)


def level_ids(level: Level) -> str:
    return " ".join(level.path) or "(root)"


LEVELS = list(levels(tree()))


def test_the_tree_has_what_the_shell_tests_rely_on() -> None:
    paths = {level.path for level in LEVELS}
    assert ("emulator", "serve", "foreground") in paths
    assert ("drives",) not in paths
    hidden = set().union(*(lv.hidden_commands | lv.hidden_options for lv in LEVELS))
    assert hidden == {"show", "fetch", "drives", "ipblock-create", "--json"} | {
        "--datacenterid",
        "--force-old",
    }


@pytest.mark.parametrize("level", [lv for lv in LEVELS if lv.commands], ids=level_ids)
def test_subcommands_offered_at_every_level(shell_script: tuple[str, str], level: Level) -> None:
    shell, script = shell_script
    offered = set(candidates(shell, script, PROG, [PROG, *level.path, ""]))
    assert offered >= level.commands
    assert not offered & level.hidden_commands


@pytest.mark.parametrize("level", LEVELS, ids=level_ids)
def test_long_options_offered_at_every_level(shell_script: tuple[str, str], level: Level) -> None:
    shell, script = shell_script
    offered = set(candidates(shell, script, PROG, [PROG, *level.path, "--"]))
    assert offered >= level.options
    assert not offered & level.hidden_options


CHOICES = [
    (level, option, values)
    for level in LEVELS
    for option, values in sorted(level.choices.items())
    if level.path[-1:] != ("completion",)
]


@pytest.mark.parametrize(
    ("level", "option", "values"),
    CHOICES,
    ids=[f"{level_ids(lv)} {opt}" for lv, opt, _ in CHOICES],
)
def test_option_choices_offered(
    shell_script: tuple[str, str], level: Level, option: str, values: frozenset[str]
) -> None:
    shell, script = shell_script
    offered = set(candidates(shell, script, PROG, [PROG, *level.path, option, ""]))
    assert offered == values


def test_positional_choices_of_the_completion_command(shell_script: tuple[str, str]) -> None:
    shell, script = shell_script
    assert set(candidates(shell, script, PROG, [PROG, "completion", ""])) == set(SHELLS)


def test_prefix_narrows_the_candidates(shell_script: tuple[str, str]) -> None:
    shell, script = shell_script
    assert candidates(shell, script, PROG, [PROG, "datacenter", "d"]) == ["delete"]
    assert candidates(shell, script, PROG, [PROG, "d"]) == ["datacenter"]


@pytest.mark.parametrize("shell", SHELLS)
def test_scripts_do_not_mention_hidden_entries(shell: str) -> None:
    # argparse's own help text for -h is the one place "show" may appear.
    script = completion_script(shell, tree(), PROG).replace("show this help message", "")
    for word in (*HIDDEN_WORDS, "fetch"):
        assert word not in script, (shell, word)
    assert "datacenter" in script


def test_the_callers_parser_is_not_changed() -> None:
    parser = tree()
    before = parser.format_help()
    completion_script("bash", parser, "other-name")
    assert parser.prog == PROG
    assert parser.format_help() == before
    assert parser.parse_args(["datacenter", "show"]).verb == "show"


def test_completion_command_prints_the_script_for_the_whole_tree() -> None:
    parser = tree()
    for shell in SHELLS:
        args = parser.parse_args(["completion", shell])
        out = io.StringIO()
        assert args.handler(args, argparse.Namespace(stdout=out, stderr=io.StringIO())) == 0
        # The script completes the command users type, whatever the parser's prog.
        assert out.getvalue() == completion_script(shell, tree(), "profitbricks")


def test_unknown_shell_is_refused() -> None:
    with pytest.raises(ValueError, match="bash, zsh, fish"):
        completion_script("tcsh", tree())
    with pytest.raises(SystemExit) as caught:
        tree().parse_args(["completion", "tcsh"])
    assert caught.value.code == 2


def real_levels() -> list[Level]:
    """Every level of the command line's own parser (none while it is not installed)."""
    try:
        from profitbricks.cli._app import build_parser
    except ImportError:
        return []
    return list(levels(build_parser()))


REAL_LEVELS = real_levels()
needs_real_parser = pytest.mark.skipif(not REAL_LEVELS, reason="the CLI core is not installed")


@needs_real_parser
@pytest.mark.parametrize("shell", SHELL_PARAMS)
def test_real_command_line_every_level_in_one_script(shell: str) -> None:
    from profitbricks.cli._app import build_parser

    script = completion_script(shell, build_parser())
    # bash answers in milliseconds: every level; zsh and fish (a shell each): the root and the
    # first level with subcommands and the first leaf.
    chosen = REAL_LEVELS if shell == "bash" else REAL_LEVELS[:1]
    if shell != "bash":
        chosen += [lv for lv in REAL_LEVELS[1:] if lv.commands][:1]
        chosen += [lv for lv in REAL_LEVELS if not lv.commands][:1]
    for level in chosen:
        words = ["profitbricks", *level.path]
        if level.commands:
            offered = set(candidates(shell, script, "profitbricks", [*words, ""]))
            assert offered >= level.commands, level.path
            assert not offered & level.hidden_commands, level.path
        offered = set(candidates(shell, script, "profitbricks", [*words, "--"]))
        assert offered >= level.options, level.path
        assert not offered & level.hidden_options, level.path
