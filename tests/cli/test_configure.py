"""``profitbricks configure`` and the CLI's credential chain, against the emulator over HTTP."""

from __future__ import annotations

import argparse
import configparser
import io
import os
import select
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import keyring
import keyring.backends.fail
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from profitbricks._config import default_config_path
from profitbricks.cli._configure import add_configure_parser, client_kwargs
from profitbricks.client import ProfitBricksService
from profitbricks.emulator.testing import EmulatorHandle
from profitbricks.errors import PBConfigurationError

UNREACHABLE = "http://127.0.0.1:1/cloudapi/v4"


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[service, username] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@dataclass
class FakeTerminal:
    """The console attributes the command reads, over in-memory streams."""

    stdin: TextIO = field(default_factory=io.StringIO)
    stdout: io.StringIO = field(default_factory=io.StringIO)
    stderr: io.StringIO = field(default_factory=io.StringIO)
    isatty_stdin: bool = False
    isatty_stdout: bool = False
    isatty_stderr: bool = False
    color: bool = False


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "PROFITBRICKS_USERNAME",
        "PROFITBRICKS_PASSWORD",
        "PROFITBRICKS_API_URL",
        "PROFITBRICKS_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    # The user's real config directory is never read or written.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """The backend keyring picks on a machine without a secret service."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def umask_zero() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def parser() -> argparse.ArgumentParser:
    """A root parser with the CLI's global options and the configure command."""
    root = argparse.ArgumentParser(prog="profitbricks")
    root.add_argument("--profile")
    root.add_argument("--api-url")
    root.add_argument("--config-file")
    add_configure_parser(root.add_subparsers(dest="command"))
    return root


def configure(argv: list[str], stdin: str = "", *, tty: bool = False) -> tuple[int, FakeTerminal]:
    term = FakeTerminal(stdin=io.StringIO(stdin), isatty_stdin=tty)
    args = parser().parse_args(argv)
    code = args.handler(args, term)
    return code, term


def read_ini(path: Path) -> configparser.ConfigParser:
    ini = configparser.ConfigParser(interpolation=None)
    ini.read_string(path.read_text(encoding="utf-8"))
    return ini


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_configure_checks_then_stores_the_password_in_a_0600_file_without_keyring(
    emulator: EmulatorHandle, tmp_path: Path, no_keyring: None, umask_zero: None
) -> None:
    cfg = tmp_path / "new-dir" / "config.ini"
    code, term = configure(
        [
            "configure",
            "--config-file",
            str(cfg),
            "--username",
            emulator.username,
            "--api-url",
            emulator.url,
            "--password-stdin",
        ],
        emulator.password + "\n",
    )
    assert code == 0, term.stderr.getvalue()
    assert mode(cfg) == 0o600
    assert mode(cfg.parent) == 0o700
    section = read_ini(cfg)["credentials"]
    assert dict(section) == {
        "username": emulator.username,
        "api_url": emulator.url,
        "password": emulator.password,
    }
    notice = term.stderr.getvalue()
    assert notice.count("\n") == 1
    assert "no usable system keyring" in notice
    assert str(cfg) in notice
    # The CLI reads the profile back and the client it builds works.
    kwargs = client_kwargs(None, None, str(cfg))
    with ProfitBricksService(**kwargs) as client:
        assert client.list_contracts()["type"] == "contract"


def test_default_profile_is_the_sdks_credentials_section(
    emulator: EmulatorHandle, no_keyring: None, tmp_path: Path
) -> None:
    code, term = configure(
        [
            "configure",
            "--username",
            emulator.username,
            "--api-url",
            emulator.url,
            "--password-stdin",
        ],
        emulator.password,
    )
    assert code == 0, term.stderr.getvalue()
    path = Path(default_config_path())
    assert path.is_relative_to(tmp_path / "xdg")
    # The SDK alone, with no argument, finds what the CLI stored.
    with ProfitBricksService(host_base=emulator.url, use_keyring=False) as client:
        assert client.username == emulator.username
        assert client.list_contracts()["type"] == "contract"


class OpenRecorder:
    """Records, through an audit hook, how files in one directory are opened and changed."""

    directory: str | None = None
    opens: list[tuple[str, int]] = []  # noqa: RUF012
    chmods: list[str] = []  # noqa: RUF012
    renamed: list[tuple[str, int, int]] = []  # noqa: RUF012 (source, its mode, its size)
    installed = False

    @classmethod
    def hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if cls.directory is None or not args or not isinstance(args[0], str | os.PathLike):
            return
        path = os.fspath(args[0])
        if not path.startswith(cls.directory):
            return
        if event == "open" and isinstance(args[2], int):
            cls.opens.append((path, args[2]))
        elif event in ("os.chmod", "os.chown"):
            cls.chmods.append(path)
        elif event == "os.rename":
            # The temporary file at the moment it becomes the config file.
            info = os.stat(path)
            cls.renamed.append((path, stat.S_IMODE(info.st_mode), info.st_size))

    @classmethod
    def watch(cls, directory: Path) -> None:
        if not cls.installed:
            sys.addaudithook(cls.hook)  # audit hooks cannot be removed: it stays idle
            cls.installed = True
        cls.directory = str(directory)
        cls.opens, cls.chmods, cls.renamed = [], [], []


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[type[OpenRecorder]]:
    OpenRecorder.watch(tmp_path)
    try:
        yield OpenRecorder
    finally:
        OpenRecorder.directory = None


def test_file_is_created_0600_with_o_excl_and_never_chmoded(
    emulator: EmulatorHandle,
    tmp_path: Path,
    no_keyring: None,
    umask_zero: None,
    recorder: type[OpenRecorder],
) -> None:
    cfg = tmp_path / "config.ini"
    # An existing world-readable file with another profile: replaced, never widened, kept.
    cfg.write_text("[profile other]\nusername = someone\n", encoding="utf-8")
    cfg.chmod(0o644)
    recorder.watch(tmp_path)
    code, term = configure(
        [
            "configure",
            "--config-file",
            str(cfg),
            "--username",
            emulator.username,
            "--api-url",
            emulator.url,
            "--password-stdin",
        ],
        emulator.password,
    )
    assert code == 0, term.stderr.getvalue()
    writes = [(p, f) for p, f in recorder.opens if f & (os.O_WRONLY | os.O_RDWR)]
    assert writes, recorder.opens
    for path, flags in writes:
        assert flags & (os.O_CREAT | os.O_EXCL) == os.O_CREAT | os.O_EXCL, (path, oct(flags))
        assert path != str(cfg), "the config file itself is never opened for writing"
    assert recorder.chmods == []
    # umask 0 adds no restriction: 0600 is the mode the file was created with.
    assert [(m, size > 0) for _, m, size in recorder.renamed] == [(0o600, True)]
    assert mode(cfg) == 0o600
    ini = read_ini(cfg)
    assert ini["profile other"]["username"] == "someone"
    assert ini["credentials"]["username"] == emulator.username
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.ini"]


def test_wrong_password_exits_5_and_writes_nothing(
    emulator: EmulatorHandle, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    cfg = tmp_path / "cfg" / "config.ini"
    code, term = configure(
        [
            "configure",
            "--config-file",
            str(cfg),
            "--username",
            emulator.username,
            "--api-url",
            emulator.url,
            "--password-stdin",
        ],
        "not-the-password-xyz",
    )
    assert code == 5
    assert not cfg.exists()
    assert memory_keyring.passwords == {}
    err = term.stderr.getvalue()
    assert "401" in err
    assert "nothing was written" in err
    assert "not-the-password-xyz" not in err + term.stdout.getvalue()
    assert err.count("\n") == 1


def test_unreachable_api_exits_1_and_writes_nothing_unless_no_verify(
    tmp_path: Path, no_keyring: None
) -> None:
    cfg = tmp_path / "config.ini"
    argv = ["configure", "--config-file", str(cfg), "--username", "u", "--api-url", UNREACHABLE]
    code, term = configure([*argv, "--password-stdin"], "pw")
    assert code == 1
    assert "--no-verify" in term.stderr.getvalue()
    assert not cfg.exists()
    code, term = configure([*argv, "--password-stdin", "--no-verify"], "pw")
    assert code == 0, term.stderr.getvalue()
    assert read_ini(cfg)["credentials"]["password"] == "pw"


def test_keyring_holds_the_password_when_it_is_usable(
    emulator: EmulatorHandle, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    cfg = tmp_path / "config.ini"
    cfg.write_text("[credentials]\nusername = old\npassword = stale\n", encoding="utf-8")
    code, term = configure(
        [
            "configure",
            "--config-file",
            str(cfg),
            "--username",
            emulator.username,
            "--api-url",
            emulator.url,
            "--password-stdin",
        ],
        emulator.password,
    )
    assert code == 0, term.stderr.getvalue()
    assert memory_keyring.passwords == {("profitbricks", emulator.username): emulator.password}
    assert emulator.password not in cfg.read_text(encoding="utf-8")
    assert "password" not in read_ini(cfg)["credentials"]
    assert term.stderr.getvalue() == ""
    assert "system keyring" in term.stdout.getvalue()
    # Both the CLI and the SDK find the password in the keyring.
    assert client_kwargs(None, None, str(cfg))["password"] == emulator.password
    with ProfitBricksService(
        host_base=emulator.url, config_filename=str(cfg), use_keyring=True
    ) as client:
        assert client.list_contracts()["type"] == "contract"


def test_named_profile_is_added_and_other_sections_are_kept(
    emulator: EmulatorHandle, tmp_path: Path, no_keyring: None
) -> None:
    cfg = tmp_path / "config.ini"
    cfg.write_text(
        "[credentials]\nusername = main\npassword = main-pw\n\n[profile old]\nusername = o\n",
        encoding="utf-8",
    )
    code, term = configure(
        [
            "--profile",
            "lab",
            "--config-file",
            str(cfg),
            "configure",
            "--username",
            emulator.username,
            "--api-url",
            emulator.url,
            "--password-stdin",
        ],
        emulator.password,
    )
    assert code == 0, term.stderr.getvalue()
    ini = read_ini(cfg)
    assert ini.sections() == ["credentials", "profile old", "profile lab"]
    assert dict(ini["credentials"]) == {"username": "main", "password": "main-pw"}
    assert ini["profile lab"]["api_url"] == emulator.url
    kwargs = client_kwargs("lab", None, str(cfg))
    assert (kwargs["username"], kwargs["host_base"]) == (emulator.username, emulator.url)


def test_existing_username_is_kept_without_a_terminal(
    emulator: EmulatorHandle, tmp_path: Path, no_keyring: None
) -> None:
    cfg = tmp_path / "config.ini"
    cfg.write_text(f"[credentials]\nusername = {emulator.username}\n", encoding="utf-8")
    code, term = configure(
        ["configure", "--config-file", str(cfg), "--api-url", emulator.url, "--password-stdin"],
        emulator.password,
    )
    assert code == 0, term.stderr.getvalue()
    assert read_ini(cfg)["credentials"]["password"] == emulator.password


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["configure", "--username", "u"], "", "--password-stdin"),
        (["configure", "--password-stdin"], "pw", "--username"),
        (["configure", "--username", "u", "--password-stdin"], "\n", "must not be empty"),
        (["configure", "--username", "u\tv", "--password-stdin"], "pw", "control characters"),
        (["configure", "--username", "u", "--password-stdin"], "a\nb", "control characters"),
        (["configure", "--username", "u", "--password-stdin"], " pw ", "whitespace"),
    ],
)
def test_unusable_input_is_a_usage_error_and_writes_nothing(
    tmp_path: Path, no_keyring: None, argv: list[str], stdin: str, message: str
) -> None:
    cfg = tmp_path / "config.ini"
    code, term = configure([*argv, "--config-file", str(cfg), "--no-verify"], stdin)
    assert code == 2
    assert message in term.stderr.getvalue()
    assert not cfg.exists()


def test_unusable_api_url_is_a_configuration_error_even_unchecked(
    tmp_path: Path, no_keyring: None
) -> None:
    cfg = tmp_path / "config.ini"
    code, term = configure(
        [
            "configure",
            "--config-file",
            str(cfg),
            "--username",
            "u",
            "--password-stdin",
            "--no-verify",
            "--api-url",
            "ftp://host/cloudapi/v4",
        ],
        "pw",
    )
    assert code == 5
    assert "scheme must be http or https" in term.stderr.getvalue()
    assert not cfg.exists()


def test_malformed_file_is_a_configuration_error_that_does_not_quote_it(
    tmp_path: Path, no_keyring: None
) -> None:
    cfg = tmp_path / "config.ini"
    cfg.write_text("[credentials]\nusername = u\nhunter2-secret-line\n", encoding="utf-8")
    with pytest.raises(PBConfigurationError) as caught:
        client_kwargs(None, None, str(cfg))
    text = str(caught.value)
    assert str(cfg) in text
    assert "line 3" in text
    assert "hunter2" not in text + repr(caught.value)
    before = cfg.read_bytes()
    code, term = configure(
        [
            "configure",
            "--config-file",
            str(cfg),
            "--username",
            "u",
            "--password-stdin",
            "--no-verify",
        ],
        "pw",
    )
    assert code == 5
    assert str(cfg) in term.stderr.getvalue()
    assert cfg.read_bytes() == before


def test_unknown_profile_names_the_source_and_the_known_profiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "config.ini"
    cfg.write_text("[credentials]\nusername = u\n\n[profile prod]\nusername = p\n", "utf-8")
    with pytest.raises(PBConfigurationError) as caught:
        client_kwargs("stage", None, str(cfg))
    assert "'stage' (from --profile)" in str(caught.value)
    assert "default, prod" in str(caught.value)
    assert "profitbricks configure --profile stage" in str(caught.value)
    monkeypatch.setenv("PROFITBRICKS_PROFILE", "qa")
    with pytest.raises(PBConfigurationError, match=r"'qa' \(from PROFITBRICKS_PROFILE\)"):
        client_kwargs(None, None, str(cfg))
    with pytest.raises(PBConfigurationError, match="does not exist"):
        client_kwargs("prod", None, str(tmp_path / "missing.ini"))
    with pytest.raises(PBConfigurationError, match="profile name"):
        client_kwargs("bad]name", None, str(cfg))


def test_missing_credentials_say_what_is_missing_and_where_it_can_come_from(
    tmp_path: Path, no_keyring: None
) -> None:
    cfg = tmp_path / "config.ini"
    with pytest.raises(PBConfigurationError) as caught:
        client_kwargs(None, None, str(cfg))
    text = str(caught.value)
    assert "username and password" in text
    for way in ("profitbricks configure", "PROFITBRICKS_USERNAME", "[credentials]", str(cfg)):
        assert way in text
    cfg.write_text("[profile lab]\nusername = u\n", encoding="utf-8")
    with pytest.raises(PBConfigurationError) as caught:
        client_kwargs("lab", None, str(cfg))
    text = str(caught.value)
    assert "no ProfitBricks password for profile 'lab'" in text
    assert "profitbricks configure --profile lab" in text
    assert "[profile lab]" in text


FILE = (
    "[credentials]\nusername = file-user\npassword = file-pw\napi_url = http://default.test/v4\n"
    "\n[profile lab]\nusername = lab-user\napi_url = http://lab.test/v4\n"
    "\n[profile ci]\nusername = ci-user\npassword = ci-pw\n"
)


@pytest.mark.parametrize(
    ("flags", "env", "keyring_entries", "expected"),
    [
        pytest.param(
            (None, None),
            {},
            {},
            ("file-user", "file-pw", "http://default.test/v4"),
            id="default-profile",
        ),
        pytest.param(
            (None, None),
            {"PROFITBRICKS_PROFILE": "ci"},
            {},
            ("ci-user", "ci-pw", None),
            id="env-profile",
        ),
        pytest.param(
            ("ci", None),
            {"PROFITBRICKS_PROFILE": "lab"},
            {},
            ("ci-user", "ci-pw", None),
            id="flag-profile-over-env-profile",
        ),
        pytest.param(
            ("lab", None),
            {},
            {"lab-user": "lab-kr"},
            ("lab-user", "lab-kr", "http://lab.test/v4"),
            id="keyring-password-for-profile-user",
        ),
        pytest.param(
            ("lab", None),
            {"PROFITBRICKS_API_URL": "http://env.test/v4"},
            {"lab-user": "lab-kr"},
            ("lab-user", "lab-kr", "http://env.test/v4"),
            id="env-url-over-profile-url",
        ),
        pytest.param(
            ("lab", "http://flag.test/v4"),
            {"PROFITBRICKS_API_URL": "http://env.test/v4"},
            {"lab-user": "lab-kr"},
            ("lab-user", "lab-kr", "http://flag.test/v4"),
            id="flag-url-over-env-url",
        ),
        pytest.param(
            ("ci", None),
            {"PROFITBRICKS_USERNAME": "env-user", "PROFITBRICKS_PASSWORD": "env-pw"},
            {},
            ("ci-user", "ci-pw", None),
            id="explicit-profile-over-env-credentials",
        ),
        pytest.param(
            (None, None),
            {
                "PROFITBRICKS_PROFILE": "ci",
                "PROFITBRICKS_USERNAME": "env-user",
                "PROFITBRICKS_PASSWORD": "env-pw",
            },
            {},
            ("env-user", "env-pw", None),
            id="env-credentials-over-env-profile",
        ),
        pytest.param(
            ("ci", None),
            {"PROFITBRICKS_PASSWORD": "env-pw"},
            {},
            ("ci-user", "ci-pw", None),
            id="explicit-profile-keeps-its-password",
        ),
        pytest.param(
            (None, None),
            {"PROFITBRICKS_PROFILE": "ci", "PROFITBRICKS_PASSWORD": "env-pw"},
            {},
            ("ci-user", "env-pw", None),
            id="env-password-with-env-profile-username",
        ),
        pytest.param(
            (None, None),
            {"PROFITBRICKS_USERNAME": "env-user"},
            {"env-user": "env-kr", "file-user": "file-kr"},
            ("env-user", "env-kr", "http://default.test/v4"),
            id="file-password-not-paired-with-env-username",
        ),
        pytest.param(
            ("default", None),
            {"PROFITBRICKS_PROFILE": "lab"},
            {},
            ("file-user", "file-pw", "http://default.test/v4"),
            id="default-names-the-credentials-section",
        ),
    ],
)
def test_precedence(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    flags: tuple[str | None, str | None],
    env: dict[str, str],
    keyring_entries: dict[str, str],
    expected: tuple[str, str, str | None],
) -> None:
    cfg = tmp_path / "config.ini"
    cfg.write_text(FILE, encoding="utf-8")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for user, password in keyring_entries.items():
        memory_keyring.set_password("profitbricks", user, password)
    kwargs = client_kwargs(flags[0], flags[1], str(cfg))
    assert (kwargs["username"], kwargs["password"], kwargs["host_base"]) == expected
    assert (kwargs["use_config"], kwargs["use_keyring"]) == (False, False)
    assert expected[1] not in repr(kwargs)


def test_password_not_paired_with_another_username_and_no_keyring_is_an_error(
    tmp_path: Path, no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "config.ini"
    cfg.write_text(FILE, encoding="utf-8")
    monkeypatch.setenv("PROFITBRICKS_USERNAME", "env-user")
    with pytest.raises(PBConfigurationError, match="no ProfitBricks password") as caught:
        client_kwargs(None, None, str(cfg))
    assert "file-pw" not in str(caught.value)


def test_the_file_is_not_read_when_the_environment_gives_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "config.ini"
    cfg.write_text("this is [not an ini file\n", encoding="utf-8")
    for name, value in (
        ("PROFITBRICKS_USERNAME", "env-user"),
        ("PROFITBRICKS_PASSWORD", "env-pw"),
        ("PROFITBRICKS_API_URL", "http://env.test/v4"),
    ):
        monkeypatch.setenv(name, value)
    kwargs = client_kwargs(None, None, str(cfg))
    assert (kwargs["username"], str.__str__(kwargs["password"]), kwargs["host_base"]) == (
        "env-user",
        "env-pw",
        "http://env.test/v4",
    )
    # A profile named on the command line is read (and the damaged file is reported), also
    # when it is the default one.
    for profile in ("default", "lab"):
        with pytest.raises(PBConfigurationError, match="config"):
            client_kwargs(profile, None, str(cfg))
    # Without the API URL from a flag or the environment the default profile may give it.
    monkeypatch.delenv("PROFITBRICKS_API_URL")
    with pytest.raises(PBConfigurationError, match="config"):
        client_kwargs(None, None, str(cfg))


CHILD = """
import argparse, sys
from profitbricks.cli._configure import add_configure_parser

class Console:
    stdin, stdout, stderr = sys.stdin, sys.stdout, sys.stderr
    isatty_stdin = sys.stdin.isatty()

root = argparse.ArgumentParser(prog="profitbricks")
add_configure_parser(root.add_subparsers())
args = root.parse_args(sys.argv[1:])
sys.exit(args.handler(args, Console()))
"""


def expect(fd: int, seen: bytearray, text: bytes, deadline: float) -> None:
    while text not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"waited for {text!r}, terminal shows {bytes(seen)!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            assert chunk, f"terminal closed before {text!r}: {bytes(seen)!r}"
            seen += chunk


def test_prompts_on_a_terminal_without_echoing_the_password(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    cfg = tmp_path / "config.ini"
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    master, slave = os.openpty()
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            "configure",
            "--config-file",
            str(cfg),
            "--api-url",
            emulator.url,
        ],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = bytearray()
    deadline = time.monotonic() + 30
    try:
        expect(master, seen, b"Username: ", deadline)
        os.write(master, emulator.username.encode() + b"\n")
        expect(master, seen, b"Password: ", deadline)
        os.write(master, emulator.password.encode() + b"\n")
        expect(master, seen, b"saved to", deadline)
        assert child.wait(timeout=30) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)
    assert emulator.username.encode() in seen  # the username is echoed as typed
    assert emulator.password.encode() not in seen
    assert read_ini(cfg)["credentials"]["password"] == emulator.password
    assert mode(cfg) == 0o600
