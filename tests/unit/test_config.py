"""Where credentials and the base URL come from: arguments, environment, config file, keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import platformdirs
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from profitbricks import API_HOST, _config
from profitbricks._config import resolve_base_url, resolve_credentials
from profitbricks.errors import PBConfigurationError, PBError


class MemoryKeyring(KeyringBackend):
    """A keyring backend holding passwords in a dict."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}
        self.lookups: list[tuple[str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.lookups.append((service, username))
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[service, username] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class BrokenKeyring(MemoryKeyring):
    """A backend that fails like a locked or missing system keyring."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("the keyring is locked")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("PROFITBRICKS_USERNAME", "PROFITBRICKS_PASSWORD", "PROFITBRICKS_API_URL"):
        monkeypatch.delenv(name, raising=False)
    # The user's real config directory is never read by these tests.
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda *a, **k: str(tmp_path / "cfg"))


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def write_config(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


def resolve(
    username: str | None = None,
    password: str | None = None,
    *,
    use_config: bool = True,
    use_keyring: bool = False,
    config_filename: str | None = None,
) -> tuple[str, str]:
    return resolve_credentials(
        username,
        password,
        use_config=use_config,
        use_keyring=use_keyring,
        config_filename=config_filename,
    )


def test_arguments_win(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PROFITBRICKS_USERNAME", "env-user")
    monkeypatch.setenv("PROFITBRICKS_PASSWORD", "env-pass")
    cfg = write_config(tmp_path / "c.ini", "[credentials]\nusername = f\npassword = g\n")
    assert resolve("arg-user", "arg-pass", config_filename=str(cfg)) == ("arg-user", "arg-pass")


def test_environment_comes_before_the_config_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROFITBRICKS_USERNAME", "env-user")
    monkeypatch.setenv("PROFITBRICKS_PASSWORD", "env-pass")
    cfg = write_config(tmp_path / "c.ini", "[credentials]\nusername = f\npassword = g\n")
    assert resolve(config_filename=str(cfg)) == ("env-user", "env-pass")


def test_each_value_is_resolved_on_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROFITBRICKS_PASSWORD", "env-pass")
    assert resolve("arg-user") == ("arg-user", "env-pass")


def test_config_file_given_by_name(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path / "mine.ini", "[credentials]\nusername = jane@example.com\npassword = p%s;x\n"
    )
    assert resolve(config_filename=str(cfg)) == ("jane@example.com", "p%s;x")


def test_config_file_in_the_user_config_directory(tmp_path: Path) -> None:
    write_config(tmp_path / "cfg" / "config.ini", "[credentials]\nusername = u\npassword = p\n")
    assert resolve() == ("u", "p")
    assert _config.default_config_path() == os.path.join(str(tmp_path / "cfg"), "config.ini")


def test_config_file_is_not_read_without_use_config(tmp_path: Path) -> None:
    write_config(tmp_path / "cfg" / "config.ini", "[credentials]\nusername = u\npassword = p\n")
    with pytest.raises(PBConfigurationError):
        resolve(use_config=False)


def test_config_file_without_the_section_is_ignored(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.ini", "[other]\nusername = u\n")
    with pytest.raises(PBConfigurationError):
        resolve(config_filename=str(cfg))


def test_unparsable_config_file_does_not_quote_its_content(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.ini", "password = TopSecret123\n[credentials\n")
    with pytest.raises(PBConfigurationError) as info:
        resolve(config_filename=str(cfg))
    assert "TopSecret123" not in str(info.value)
    assert "TopSecret123" not in repr(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    assert str(cfg) in str(info.value)


def test_keyring_supplies_the_password(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("profitbricks", "jane@example.com", "from-keyring")
    assert resolve("jane@example.com", use_keyring=True) == ("jane@example.com", "from-keyring")
    assert memory_keyring.lookups == [("profitbricks", "jane@example.com")]


def test_keyring_is_keyed_by_the_username_from_the_config_file(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    memory_keyring.set_password("profitbricks", "cfg-user", "kr")
    write_config(tmp_path / "cfg" / "config.ini", "[credentials]\nusername = cfg-user\n")
    assert resolve(use_keyring=True) == ("cfg-user", "kr")


def test_keyring_is_not_asked_when_the_password_is_known(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("profitbricks", "u", "kr")
    assert resolve("u", "given", use_keyring=True) == ("u", "given")
    assert memory_keyring.lookups == []


def test_keyring_is_not_asked_without_use_keyring(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("profitbricks", "u", "kr")
    with pytest.raises(PBConfigurationError):
        resolve("u")
    assert memory_keyring.lookups == []


def test_failing_keyring_is_treated_as_empty() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        with pytest.raises(PBConfigurationError) as info:
            resolve("u", use_keyring=True)
    finally:
        keyring.set_keyring(previous)
    assert "no ProfitBricks password found" in str(info.value)


def test_missing_credentials_message_says_how_to_provide_them(tmp_path: Path) -> None:
    with pytest.raises(PBConfigurationError) as info:
        resolve(use_keyring=True)
    message = str(info.value)
    assert "username and password" in message
    assert "username=" in message
    assert "PROFITBRICKS_USERNAME" in message
    assert "PROFITBRICKS_PASSWORD" in message
    assert os.path.join(str(tmp_path / "cfg"), "config.ini") in message
    assert "keyring" in message
    assert isinstance(info.value, PBError)
    assert isinstance(info.value, ValueError)
    assert info.value.resp is None


def test_missing_password_only(tmp_path: Path) -> None:
    with pytest.raises(PBConfigurationError) as info:
        resolve("u", use_config=False)
    assert "no ProfitBricks password found" in str(info.value)
    assert "config file" not in str(info.value)
    assert "[credentials]" not in str(info.value)


def test_base_url_order(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_base_url(None) == API_HOST
    monkeypatch.setenv("PROFITBRICKS_API_URL", "http://127.0.0.1:9/cloudapi/v4/")
    assert resolve_base_url(None) == "http://127.0.0.1:9/cloudapi/v4"
    assert resolve_base_url("https://other.example/cloudapi/v4") == (
        "https://other.example/cloudapi/v4"
    )


def test_base_url_must_be_http() -> None:
    with pytest.raises(PBConfigurationError) as info:
        resolve_base_url("ftp://user:TopSecret@host/")
    assert "TopSecret" not in str(info.value)
