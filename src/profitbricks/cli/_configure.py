"""Credentials and endpoint for the command line: profiles, ``profitbricks configure``.

The CLI shares the SDK's config file (``profitbricks._config.default_config_path()`` unless
``--config-file`` names another). Its default profile is the SDK's ``[credentials]`` section, so a
script using the SDK and the command line use the same account; a named profile is a section
``[profile NAME]``. Every section holds ``username``, optionally ``password`` and ``api_url``.

Each value comes from the first source that has it:

=========  ==================  ==========================  ============================
value      flag                environment                 then
=========  ==================  ==========================  ============================
profile    ``--profile``       ``PROFITBRICKS_PROFILE``    the default profile
api URL    ``--api-url``       ``PROFITBRICKS_API_URL``    the profile's ``api_url``, then
                                                           the SDK's default
username   (none)              ``PROFITBRICKS_USERNAME``   the profile's ``username``
password   (none)              ``PROFITBRICKS_PASSWORD``   the profile's ``password``, then
                                                           the system keyring
=========  ==================  ==========================  ============================

except that a profile named with ``--profile`` on the command line is taken as asked: its own
username (and its password) win over ``PROFITBRICKS_USERNAME``/``PROFITBRICKS_PASSWORD``, so a
CI job's environment cannot silently redirect ``profitbricks --profile prod ...`` to another
account. (``PROFITBRICKS_PROFILE`` does not have this weight: it is environment like the rest.)

A password stored with a profile (in the file or in the keyring, service ``profitbricks`` keyed
by the username, as the SDK reads it) belongs to that profile's username: it is never paired with
a username from another source.
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import io as _io
import os
import re
from typing import Any, NamedTuple, Protocol, TextIO

from profitbricks._config import (
    ENV_API_URL,
    ENV_PASSWORD,
    ENV_USERNAME,
    HAS_KEYRING,
    KEYRING_SERVICE,
    default_config_path,
    parse_base_url,
)
from profitbricks._redact import Secret
from profitbricks.errors import PBConfigurationError, PBError, PBNotAuthorizedError

__all__ = [
    "DEFAULT_PROFILE",
    "DEFAULT_SECTION",
    "ENV_PROFILE",
    "add_configure_parser",
    "client_kwargs",
    "run_configure",
]

ENV_PROFILE = "PROFITBRICKS_PROFILE"
#: The name that selects the SDK's own section.
DEFAULT_PROFILE = "default"
#: The SDK's section, also the CLI's default profile.
DEFAULT_SECTION = "credentials"
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]*\Z")

# Exit codes of the command line (documented with the CLI's other codes).
_EXIT_OK = 0
_EXIT_API = 1
_EXIT_USAGE = 2
_EXIT_CONFIG = 5


class Console(Protocol):
    """What ``run_configure`` needs from the command line's console."""

    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    isatty_stdin: bool


class _Profile(NamedTuple):
    name: str
    source: str  # where the name came from, for messages
    section: str


def _select_profile(profile: str | None) -> _Profile:
    """The profile named by ``--profile``, else ``PROFITBRICKS_PROFILE``, else the default one.

    Raises PBConfigurationError for a name that cannot be a section name.
    """
    if profile:
        name, source = profile, "--profile"
    elif os.environ.get(ENV_PROFILE):
        name, source = os.environ[ENV_PROFILE], ENV_PROFILE
    else:
        return _Profile(DEFAULT_PROFILE, "default", DEFAULT_SECTION)
    if not _PROFILE_NAME.match(name):
        raise PBConfigurationError(
            f"profile name {name[:40]!r} (from {source}) is not usable: it must start with a "
            "letter or digit and hold only letters, digits, '_', '.', '@' and '-'"
        )
    if name == DEFAULT_PROFILE:
        return _Profile(name, source, DEFAULT_SECTION)
    return _Profile(name, source, f"profile {name}")


def _config_path(config_file: str | None) -> str:
    return os.path.expanduser(config_file) if config_file else default_config_path()


def _read_config(path: str) -> configparser.ConfigParser | None:
    """The parsed config file, or None when there is no file at ``path``.

    Raises PBConfigurationError naming the file (and the line, when known) when it cannot be read
    or parsed. The parser's own message is not shown: it quotes the line, which may hold a password.
    """
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as fh:
            parser.read_file(fh, source=path)
    except FileNotFoundError:
        return None
    except (configparser.Error, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        if line is None and isinstance(exc, configparser.ParsingError) and exc.errors:
            line = exc.errors[0][0]
        where = f" (line {line})" if line else ""
        raise PBConfigurationError(
            f"cannot parse the config file {path}{where}: expected an INI file of sections such "
            f"as [{DEFAULT_SECTION}] or [profile NAME] holding 'username = ...' lines; fix or "
            "remove it"
        ) from None
    except OSError as exc:
        raise PBConfigurationError(
            f"cannot read the config file {path}: {exc.strerror or type(exc).__name__}"
        ) from None
    return parser


def _profile_names(parser: configparser.ConfigParser | None) -> list[str]:
    if parser is None:
        return []
    names = [DEFAULT_PROFILE] if parser.has_section(DEFAULT_SECTION) else []
    names += [s[len("profile ") :] for s in parser.sections() if s.startswith("profile ")]
    return names


def _usable_keyring() -> bool:
    """Whether the ``keyring`` package is installed and has a backend that can store secrets.

    The fail and null backends (a headless machine without a secret service) do not count.
    """
    if not HAS_KEYRING:
        return False
    import keyring
    import keyring.backends.chainer
    import keyring.backends.fail
    import keyring.backends.null

    backend = keyring.get_keyring()
    if isinstance(backend, (keyring.backends.fail.Keyring, keyring.backends.null.Keyring)):
        return False
    return not (
        isinstance(backend, keyring.backends.chainer.ChainerBackend) and not backend.backends
    )


def _keyring_password(username: str) -> str | None:
    """The password stored for ``username`` in a usable system keyring, else None."""
    if not _usable_keyring():
        return None
    import keyring
    import keyring.errors

    try:
        password: str | None = keyring.get_password(KEYRING_SERVICE, username)
    except keyring.errors.KeyringError:
        # A locked or broken keyring is reported as "no password" with the ways to give one.
        return None
    return password or None


def _keyring_store(username: str, password: str, io: Console) -> bool:
    """Store the password in a usable system keyring; False when there is none or it refuses."""
    if not _usable_keyring():
        return False
    import keyring
    import keyring.errors

    try:
        keyring.set_password(KEYRING_SERVICE, username, password)
    except keyring.errors.KeyringError as exc:
        io.stderr.write(
            f"profitbricks configure: the system keyring refused the password "
            f"({type(exc).__name__})\n"
        )
        return False
    return True


def client_kwargs(
    profile: str | None, api_url: str | None, config_file: str | None
) -> dict[str, Any]:
    """Keyword arguments for ``ProfitBricksService`` from the flags, environment and profile.

    Returns ``username``, ``password`` (a ``Secret``: its repr is redacted), ``host_base`` (None
    for the SDK's default) and ``use_config=False``/``use_keyring=False``, since every source has
    been read here. Precedence is in the module docstring. Raises PBConfigurationError, saying
    what is missing and where it can come from, for an unknown profile, a config file that cannot
    be read or parsed, or missing credentials.
    """
    selected = _select_profile(profile)
    env_url = api_url or os.environ.get(ENV_API_URL) or None
    env_username = os.environ.get(ENV_USERNAME) or None
    env_password = os.environ.get(ENV_PASSWORD) or None
    implicit = selected.section == DEFAULT_SECTION and selected.source != "--profile"
    if implicit and env_url and env_username and env_password:
        # Nothing the default profile holds could be used (as in CI jobs): the file is not
        # read, nor its location looked up.
        return _kwargs(env_username, env_password, env_url)
    path = _config_path(config_file)
    parser = _read_config(path)
    section: configparser.SectionProxy | None = None
    if parser is not None and parser.has_section(selected.section):
        section = parser[selected.section]
    elif selected.section != DEFAULT_SECTION:
        known = ", ".join(_profile_names(parser)) or "none"
        where = (
            f"in {path} (profiles there: {known})"
            if parser is not None
            else f"({path} does not exist)"
        )
        raise PBConfigurationError(
            f"profile {selected.name!r} (from {selected.source}) is not configured {where}; "
            f"create it with 'profitbricks configure --profile {selected.name}'"
        )

    def stored(key: str) -> str | None:
        return (section.get(key) or None) if section is not None else None

    host_base = env_url or stored("api_url")
    explicit = selected.source == "--profile" and stored("username") is not None
    username = (None if explicit else env_username) or stored("username")
    password = None if explicit else env_password
    # A stored password is the stored username's: not paired with a username from elsewhere.
    if password is None and username is not None and username == stored("username"):
        password = stored("password")
    if password is None and username is not None:
        password = _keyring_password(username)
    if username is None or password is None:
        raise _missing_credentials(selected, path, username is None, password is None)
    return _kwargs(username, password, host_base)


def _kwargs(username: str, password: str, host_base: str | None) -> dict[str, Any]:
    # Every source has been read here: the SDK must not look at its config file or keyring again.
    return {
        "username": username,
        "password": Secret(password),
        "host_base": host_base,
        "use_config": False,
        "use_keyring": False,
    }


def _missing_credentials(
    selected: _Profile, path: str, no_username: bool, no_password: bool
) -> PBConfigurationError:
    missing = (
        "username and password"
        if no_username and no_password
        else ("username" if no_username else "password")
    )
    option = "" if selected.section == DEFAULT_SECTION else f" --profile {selected.name}"
    ways = [
        f"run 'profitbricks configure{option}'",
        f"set {ENV_USERNAME} and {ENV_PASSWORD}",
        f"put 'username' and 'password' in the [{selected.section}] section of {path}",
    ]
    if HAS_KEYRING:
        ways.append(
            f"store the password in the system keyring (service '{KEYRING_SERVICE}', keyed by "
            "the username)"
        )
    return PBConfigurationError(
        f"no ProfitBricks {missing} for profile {selected.name!r}: " + "; or ".join(ways) + "."
    )


def add_configure_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``configure`` command (handler :func:`run_configure`) to ``subparsers``."""
    parser = subparsers.add_parser(
        "configure",
        help="Check credentials against the API and store them in a profile.",
        description=(
            "Ask for (or read) a username and password, check them against the API, then store "
            "them in the config file (created readable only by you) as the default profile or "
            "as --profile NAME. The password goes to the system keyring when one is available, "
            "else into the file. Other profiles in the file are kept."
        ),
    )
    # SUPPRESS defaults: the same options given before the command (global) are not overwritten.
    parser.add_argument(
        "--profile",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="the profile to write (default: $PROFITBRICKS_PROFILE, else the default profile)",
    )
    parser.add_argument(
        "--api-url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="the API base URL to check against and store with the profile",
    )
    parser.add_argument(
        "--config-file",
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="the config file to write (default: the SDK's config file)",
    )
    parser.add_argument("--username", metavar="USER", help="the username (else prompted)")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (for scripts) instead of prompting",
    )
    parser.add_argument(
        "--no-verify",
        action="store_true",
        help="store the credentials without checking them against the API",
    )
    parser.set_defaults(handler=run_configure)


class _Refused(Exception):
    """Configure stops with this exit code and one-line message; nothing has been written."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def run_configure(args: argparse.Namespace, io: Console) -> int:
    """Run ``profitbricks configure``; returns the exit code.

    0 stored; 2 usage (no terminal to prompt and no ``--username``/``--password-stdin``, empty
    input); 5 the API refused the credentials (401) or the config is unusable; 1 the API could not
    be reached. On any failure nothing is written. Errors are one line on ``io.stderr``.
    """
    try:
        return _configure(args, io)
    except _Refused as exc:
        io.stderr.write(f"profitbricks configure: {exc}\n")
        return exc.code
    except PBConfigurationError as exc:
        io.stderr.write(f"profitbricks configure: {exc}\n")
        return _EXIT_CONFIG
    except OSError as exc:
        io.stderr.write(
            f"profitbricks configure: cannot write {exc.filename or 'the config file'}: "
            f"{exc.strerror or type(exc).__name__}\n"
        )
        return _EXIT_CONFIG


def _configure(args: argparse.Namespace, io: Console) -> int:
    selected = _select_profile(getattr(args, "profile", None))
    path = _config_path(getattr(args, "config_file", None))
    parser = _read_config(path) or configparser.ConfigParser(interpolation=None)
    current = parser[selected.section] if parser.has_section(selected.section) else None

    username = (args.username or "").strip() or _ask_username(
        io, current.get("username") if current else None
    )
    password = _read_password(args, io)
    for field, value in (("username", username), ("password", password)):
        if any(not ch.isprintable() for ch in value):
            raise _Refused(_EXIT_USAGE, f"the {field} must not contain control characters")
    flag_url: str | None = getattr(args, "api_url", None)
    if flag_url:
        flag_url = parse_base_url(flag_url.strip()).url
    api_url = (
        flag_url
        or os.environ.get(ENV_API_URL)
        or (current.get("api_url") if current is not None else None)
    )
    if not args.no_verify:
        _check(username, password, api_url)

    if not parser.has_section(selected.section):
        parser.add_section(selected.section)
    section = parser[selected.section]
    section["username"] = username
    if flag_url:
        section["api_url"] = flag_url
    in_keyring = _keyring_store(username, password, io)
    if in_keyring:
        # A stale copy in the file would win over the keyring for the SDK.
        section.pop("password", None)
    else:
        if password != password.strip():
            # The INI reader strips values: such a password would not read back as written.
            raise _Refused(
                _EXIT_USAGE,
                "a password with leading or trailing whitespace can only be kept in a system "
                "keyring, and none is usable; nothing was written",
            )
        section["password"] = password
    text = _io.StringIO()
    parser.write(text)
    _write_private(path, text.getvalue())
    if not in_keyring:
        io.stderr.write(
            f"profitbricks configure: no usable system keyring; the password is stored in {path} "
            "(readable only by you)\n"
        )
    where = "the system keyring" if in_keyring else path
    io.stdout.write(
        f"Profile {selected.name!r} saved to {path} for {username} (password in {where}).\n"
    )
    return _EXIT_OK


def _ask_username(io: Console, current: str | None) -> str:
    if not io.isatty_stdin:
        if current:
            return current
        raise _Refused(_EXIT_USAGE, "no terminal to prompt on: give --username USER")
    hint = f" [{current}]" if current else ""
    io.stderr.write(f"Username{hint}: ")
    io.stderr.flush()
    line = io.stdin.readline()
    if not line:
        raise _Refused(_EXIT_USAGE, "no username given (end of input)")
    username = line.strip() or current
    if not username:
        raise _Refused(_EXIT_USAGE, "the username must not be empty")
    return username


def _read_password(args: argparse.Namespace, io: Console) -> str:
    if args.password_stdin:
        password = io.stdin.read().rstrip("\r\n")
    elif io.isatty_stdin:
        import getpass

        # getpass reads from the terminal itself with echo off.
        password = getpass.getpass("Password: ")
    else:
        raise _Refused(
            _EXIT_USAGE,
            "no terminal to prompt for the password: pass --password-stdin and write the "
            "password to standard input",
        )
    if not password:
        raise _Refused(_EXIT_USAGE, "the password must not be empty")
    return password


def _check(username: str, password: str, api_url: str | None) -> None:
    """Call the API once with the credentials; raises _Refused when that does not succeed."""
    from profitbricks.client import ProfitBricksService

    try:
        with ProfitBricksService(
            username=username,
            password=password,
            host_base=api_url,
            use_config=False,
            use_keyring=False,
        ) as client:
            client.list_contracts(depth=0)
    except PBConfigurationError:
        raise
    except PBNotAuthorizedError:
        raise _Refused(
            _EXIT_CONFIG,
            f"the API refused the credentials of {username} (401 Unauthorized); nothing was "
            "written",
        ) from None
    except PBError as exc:
        raise _Refused(
            _EXIT_API,
            f"cannot check the credentials: {exc}; nothing was written (--no-verify stores "
            "them unchecked)",
        ) from None


def _write_private(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` in a file that is never readable by anyone but the owner.

    The content goes to a temporary file that ``tempfile.mkstemp`` creates with ``O_CREAT |
    O_EXCL`` and mode 0600 in the same directory, then ``os.replace`` renames it over ``path``:
    no moment exists at which the file (old, new or partial) has wider permissions. A missing
    directory is created with mode 0700.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    import tempfile  # only configure writes; every other command only reads

    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
