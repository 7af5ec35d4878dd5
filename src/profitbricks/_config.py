"""Where the SDK finds its credentials and its base URL.

Credentials, first match wins, each value on its own:

1. the ``username`` / ``password`` arguments;
2. the environment variables ``PROFITBRICKS_USERNAME`` / ``PROFITBRICKS_PASSWORD``;
3. with ``use_config``: the ``[credentials]`` section (keys ``username``, ``password``) of the
   config file, ``config_filename`` if given (a path, ``~`` expanded), else ``config.ini`` in
   ``platformdirs.user_config_dir("profitbricks")``;
4. with ``use_keyring`` and the optional ``keyring`` package installed: the password stored in the
   system keyring under the service ``"profitbricks"`` and the username found above.

Base URL: the ``host_base`` argument, then ``PROFITBRICKS_API_URL``, then ``API_HOST``.

This module only reads: it never prompts, prints or writes a file. ``platformdirs`` and ``keyring``
are imported only when they are needed, so importing the SDK stays cheap.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from importlib.util import find_spec
from typing import NamedTuple
from urllib.parse import urlsplit

from profitbricks import API_HOST
from profitbricks.errors import PBConfigurationError, PBValidationError

__all__ = [
    "CONFIG_FILENAME",
    "ENV_API_URL",
    "ENV_PASSWORD",
    "ENV_USERNAME",
    "HAS_KEYRING",
    "KEYRING_SERVICE",
    "BaseURL",
    "check_headers",
    "default_config_path",
    "is_loopback",
    "parse_base_url",
    "resolve_base_url",
    "resolve_credentials",
    "resolve_proxy",
]

ENV_USERNAME = "PROFITBRICKS_USERNAME"
ENV_PASSWORD = "PROFITBRICKS_PASSWORD"
ENV_API_URL = "PROFITBRICKS_API_URL"
CONFIG_FILENAME = "config.ini"
CONFIG_SECTION = "credentials"
KEYRING_SERVICE = "profitbricks"

#: True when the optional ``keyring`` package is installed (checked without importing it).
HAS_KEYRING: bool = find_spec("keyring") is not None

_log = logging.getLogger("profitbricks")
_CLIENT_VALIDATION = "client-validation"


def default_config_path() -> str:
    """The config file read when no ``config_filename`` is given (it need not exist)."""
    import platformdirs

    return os.path.join(platformdirs.user_config_dir("profitbricks"), CONFIG_FILENAME)


def _config_path(config_filename: str | None) -> str:
    if config_filename:
        return os.path.expanduser(config_filename)
    return default_config_path()


def _read_config(path: str) -> tuple[str | None, str | None]:
    """``(username, password)`` from the ``[credentials]`` section; ``None`` for what is absent.

    Raises PBConfigurationError when the file exists but cannot be read or parsed. The parser's
    own message is dropped on purpose: it quotes the offending line, which may hold a password.
    """
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        found = parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        raise PBConfigurationError(
            f"cannot parse the config file {path}: expected an INI file with a "
            f"[{CONFIG_SECTION}] section holding 'username' and 'password'"
        ) from None
    except OSError as exc:
        raise PBConfigurationError(
            f"cannot read the config file {path}: {exc.strerror or type(exc).__name__}"
        ) from None
    if not found or not parser.has_section(CONFIG_SECTION):
        return None, None
    section = parser[CONFIG_SECTION]
    return section.get("username") or None, section.get("password") or None


def _keyring_password(username: str) -> str | None:
    """The password stored in the system keyring for ``username``, or None if there is none."""
    import keyring
    import keyring.errors

    try:
        password: str | None = keyring.get_password(KEYRING_SERVICE, username)
    except keyring.errors.KeyringError as exc:
        # No usable backend (a headless machine) is a normal situation, not an error.
        _log.debug("keyring lookup skipped: %s", type(exc).__name__)
        return None
    return password or None


def resolve_credentials(
    username: str | None,
    password: str | None,
    *,
    use_config: bool,
    use_keyring: bool,
    config_filename: str | None,
) -> tuple[str, str]:
    """Return ``(username, password)`` from the first source that has each (see module docstring).

    Raises PBConfigurationError, saying where credentials can come from, when either is missing,
    or when the config file exists but cannot be parsed.
    """
    username = username or os.environ.get(ENV_USERNAME) or None
    password = password or os.environ.get(ENV_PASSWORD) or None
    path: str | None = None
    if (username is None or password is None) and use_config:
        path = _config_path(config_filename)
        file_username, file_password = _read_config(path)
        username = username or file_username
        password = password or file_password
    keyring_used = use_keyring and HAS_KEYRING
    if password is None and username is not None and keyring_used:
        password = _keyring_password(username)
    if username is not None and password is not None:
        return username, password

    missing = (
        "username and password"
        if username is None and password is None
        else ("username" if username is None else "password")
    )
    ways = [
        "pass username= and password= to ProfitBricksService",
        f"set {ENV_USERNAME} and {ENV_PASSWORD}",
    ]
    if use_config:
        ways.append(
            f"put 'username' and 'password' in the [{CONFIG_SECTION}] section of "
            f"{path or _config_path(config_filename)}"
        )
    if keyring_used:
        ways.append(
            f"store the password in the system keyring (service '{KEYRING_SERVICE}', "
            "keyed by the username)"
        )
    elif use_keyring:
        ways.append("install the 'keyring' extra to read the password from the system keyring")
    raise PBConfigurationError(f"no ProfitBricks {missing} found: " + "; or ".join(ways) + ".")


def resolve_base_url(host_base: str | None) -> str:
    """The API base URL: ``host_base``, else ``PROFITBRICKS_API_URL``, else ``API_HOST``.

    Surrounding whitespace and trailing slashes are removed. Raises PBConfigurationError, with the
    reason, for a URL that cannot be used (see :func:`parse_base_url`).
    """
    url = host_base or os.environ.get(ENV_API_URL) or API_HOST
    if not isinstance(url, str):
        raise PBConfigurationError("the API base URL must be a string")
    return parse_base_url(url.strip()).url


def resolve_proxy(base_url: str, proxy: str | None) -> str | None:
    """The HTTP(S) proxy to reach ``base_url`` through, or None for a direct connection.

    ``proxy`` wins when given (``""`` means no proxy). Otherwise the environment is read, once,
    as curl and requests read it: ``https_proxy``/``HTTPS_PROXY`` for an https URL,
    ``http_proxy``/``HTTP_PROXY`` for http, unless ``no_proxy``/``NO_PROXY`` lists the host (a
    name matches itself and its subdomains; ``*`` matches every host). Loopback hosts are never
    proxied.
    """
    if proxy is not None:
        return proxy or None
    scheme, _, rest = base_url.partition("://")
    host = rest.split("/", 1)[0].rpartition("@")[2]
    host = host[1:].split("]", 1)[0] if host.startswith("[") else host.split(":", 1)[0]
    host = host.lower()
    if is_loopback(host):
        return None
    name = f"{scheme.lower()}_proxy"
    url = os.environ.get(name) or os.environ.get(name.upper())
    if not url:
        return None
    no_proxy = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    for entry in no_proxy.replace(" ", "").split(","):
        entry = entry.lower().lstrip(".")
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return None
    return url


class BaseURL(NamedTuple):
    """A checked API base URL: ``origin`` is ``scheme://host[:port]``, ``path`` has no ``/`` end."""

    scheme: str
    host: str
    port: int | None
    origin: str
    path: str

    @property
    def url(self) -> str:
        return self.origin + self.path


def parse_base_url(url: object) -> BaseURL:
    """Check an API base URL; raises PBConfigurationError saying what is wrong with it.

    It must be an absolute ``http`` or ``https`` URL with a host, a valid port if any, no
    credentials, query or fragment, and no whitespace or control characters.
    """

    def refuse(reason: str) -> PBConfigurationError:
        # A URL with user information may hold a password: it is not shown.
        plain = isinstance(url, str) and len(url) <= 80 and "@" not in url
        shown = repr(url) if plain else "(not shown)"
        return PBConfigurationError(f"unusable API base URL {shown}: {reason}")

    if not isinstance(url, str) or not url:
        raise PBConfigurationError("the API base URL must be a non-empty string")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise refuse("it contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise refuse(str(exc)) from None
    scheme = parts.scheme.lower()
    if not scheme or "://" not in url:
        raise refuse("no scheme; write it as https://host/cloudapi/v4")
    if scheme not in ("http", "https"):
        raise refuse(f"the scheme must be http or https, not {parts.scheme!r}")
    if parts.username is not None or parts.password is not None:
        raise PBConfigurationError(
            "the API base URL must not contain credentials; pass username= and password="
        )
    host = parts.hostname
    if not host:
        raise refuse("no host")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise refuse("it must not have a query or a fragment")
    netloc = parts.netloc
    return BaseURL(scheme, host, port, f"{scheme}://{netloc}", parts.path.rstrip("/"))


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine: ``localhost``, 127.0.0.0/8 or ``::1``."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# RFC 9110 token characters: what a header name may be made of.
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _header_problem(name: object, value: object) -> str | None:
    if not isinstance(name, str) or not name or not _TOKEN.issuperset(name):
        return f"header name {name!r} is not an HTTP token"
    if not isinstance(value, str):
        return f"header {name!r}: the value must be a string, not {type(value).__name__}"
    if "\r" in value or "\n" in value or "\0" in value:
        return f"header {name!r}: the value must not contain CR, LF or NUL (header injection)"
    return None


def check_headers(headers: Mapping[str, str]) -> None:
    """Raise PBValidationError naming the first header whose name or value cannot be sent."""
    for name, value in headers.items():
        problem = _header_problem(name, value)
        if problem is not None:
            raise PBValidationError(
                422, [{"errorCode": _CLIENT_VALIDATION, "message": problem}], None
            )
