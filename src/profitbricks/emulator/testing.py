"""Use the emulator from Python and from pytest.

``running_emulator()`` serves a fresh emulator on a free loopback port in a background thread and
yields an :class:`EmulatorHandle` with its URL, credentials and a ready SDK client::

    from profitbricks.emulator.testing import running_emulator

    with running_emulator() as emu:
        emu.client.create_datacenter(Datacenter(name="test", location="us/las"))

:class:`InMemoryTransport` hands requests straight to the emulator's WSGI application, for an SDK
client without sockets::

    client = ProfitBricksService(transport=InMemoryTransport(emulator, "jane@example.com", "pw"))

As a pytest plugin (``pytest_plugins = ["profitbricks.emulator.testing"]`` in a ``conftest.py``)
this module provides the fixtures ``emulator_server`` (one server per session) and ``emulator``
(the same server, reset to a fresh state with immediate progression and no faults for every test).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

from urllib3 import HTTPHeaderDict

from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator.persist import StateSnapshot
from profitbricks.emulator.server import EmulatorServer

if TYPE_CHECKING:
    from profitbricks._pipeline import RawReply
    from profitbricks.client import ProfitBricksService

__all__ = ["EmulatorHandle", "InMemoryTransport", "running_emulator"]

#: The account ``running_emulator()`` creates when no users are given.
DEFAULT_USER = ("user@example.com", "emulator-secret")


class EmulatorHandle:
    """A running emulator and how to reach it.

    ``url`` is the Cloud API base, ``username``/``password`` the first account's credentials,
    ``emulator`` the :class:`~profitbricks.emulator.Emulator` (``reset()``, ``controls``),
    ``server`` the :class:`~profitbricks.emulator.server.EmulatorServer` (``None`` when not
    served over HTTP), ``client`` an SDK client for the first account, created on first use.
    """

    def __init__(
        self,
        *,
        url: str,
        username: str,
        password: str,
        emulator: Emulator,
        server: EmulatorServer | None,
    ) -> None:
        self.url = url
        self.username = username
        self.password = password
        self.emulator = emulator
        self.server = server
        self._client: ProfitBricksService | None = None
        self._clients: list[ProfitBricksService] = []

    def __repr__(self) -> str:
        return f"<EmulatorHandle {self.url} user={self.username!r}>"

    @property
    def base_url(self) -> str:
        """The server root (scheme, host, port) without the API path."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def client(self) -> ProfitBricksService:
        """An SDK client for the first account (the same object on every access)."""
        if self._client is None:
            self._client = self.new_client()
        return self._client

    def new_client(
        self, username: str | None = None, password: str | None = None, **service_kwargs: Any
    ) -> ProfitBricksService:
        """A new ``ProfitBricksService`` for this emulator (default: the first account).

        ``service_kwargs`` go to the constructor (``headers=``, ``retries=``, ``host_base=`` for a
        front such as a TLS proxy, ...). The client
        reads no configuration file and no keyring unless asked to.
        """
        from profitbricks.client import ProfitBricksService

        service_kwargs.setdefault("use_config", False)
        service_kwargs.setdefault("use_keyring", False)
        if self.server is None and "transport" not in service_kwargs:
            service_kwargs["transport"] = InMemoryTransport(
                self.emulator,
                self.username if username is None else username,
                self.password if password is None else password,
                base_url=self.url,
            )
        service_kwargs.setdefault("host_base", self.url)
        client = ProfitBricksService(
            username=self.username if username is None else username,
            password=self.password if password is None else password,
            **service_kwargs,
        )
        self._clients.append(client)
        return client

    def control_headers(self) -> dict[str, str]:
        """Headers for a call of the control API over HTTP: ``Content-Type: application/json``
        and, when the emulator has a control token, ``Authorization: Bearer <token>``.

        The methods of this handle need none of it: they call the controls in-process.
        """
        headers = {"Content-Type": "application/json"}
        token = self.emulator.config.control_token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change run-time settings (``fail_probability=1.0``, ``progression="polls:2"``,
        ``delay_for={"snapshot": 30}``, ...) for this test.

        The names and checks are the run-time settings declared in
        :mod:`profitbricks.emulator.settings`, as ``PATCH /_emulator/config`` takes them; returns
        the new settings and raises :class:`~profitbricks.emulator.settings.InvalidSetting`
        (naming the setting in ``field``) for an unknown name or an invalid value.
        """
        return self.emulator.controls.update(settings)

    def add_private_image(self, owner: str | None = None, **props: Any) -> str:
        """Create a private image in ``owner``'s contract (default: the first account's).

        ``props``: ``name``, ``location``, ``size`` (GB) and optionally ``imageType``,
        ``licenceType``, ``description`` and hot-plug flags, as ``POST /_emulator/images``
        takes them. Returns the image id; raises
        :class:`~profitbricks.emulator.control.InvalidSetting` (a ``ValueError``) for invalid
        values.
        """
        return self.emulator.add_private_image(
            owner=self.username if owner is None else owner, **props
        )

    def snapshot(self) -> StateSnapshot:
        """The whole state now (accounts, resources, request log, settings) for :meth:`restore`.

        A deep, independent copy held in memory: build an expensive estate once, then restore
        it for each test.
        """
        return StateSnapshot(self.emulator.export_state())

    def restore(self, snapshot: StateSnapshot) -> None:
        """Put the emulator back to ``snapshot``: records, requests and settings as they were.

        The snapshot stays as it is and can be restored again.
        """
        self.emulator.import_state(snapshot.document)

    def reset(self) -> None:
        """Fresh state (accounts and catalogue only) and every control switched off
        (:meth:`Emulator.reset <profitbricks.emulator.Emulator.reset>` with ``settings="off"``)."""
        self.emulator.reset(settings="off")

    def close_clients(self) -> None:
        """Close the connection pools of the clients this handle created."""
        clients, self._clients, self._client = self._clients, [], None
        for client in clients:
            client.close()


@contextmanager
def running_emulator(
    users: Iterable[tuple[str, str]] | None = None,
    progression: str = "immediate",
    *,
    host: str = "127.0.0.1",
    threads: int = 8,
    **config: Any,
) -> Iterator[EmulatorHandle]:
    """Serve a new emulator on a free port of ``host`` for the ``with`` block.

    ``users`` are ``(email, password)`` pairs (default: :data:`DEFAULT_USER`); the handle's
    credentials are the first pair's. ``config`` goes to ``EmulatorConfig`` (``seed``,
    ``public_url``, ``rate_limit``, ``fail_probability``, ``control_token``, ``control_api``,
    ...). The server and the handle's clients are closed on exit. A ``host`` that other
    machines can reach needs ``control_token`` or ``control_api=False`` (``ValueError``).
    """
    accounts = list(users) if users is not None else [DEFAULT_USER]
    if not accounts:
        raise ValueError("running_emulator needs at least one user")
    # EmulatorServer refuses a host other machines can reach without control_token or
    # control_api=False (ValueError).
    emulator = Emulator(EmulatorConfig(users=accounts, progression=progression, **config))
    server = EmulatorServer(emulator, host=host, port=0, threads=threads)
    handle = EmulatorHandle(
        url=server.url,
        username=accounts[0][0],
        password=accounts[0][1],
        emulator=emulator,
        server=server,
    )
    server.start()
    try:
        yield handle
    finally:
        handle.close_clients()
        server.stop()


class InMemoryTransport:
    """An SDK transport that calls the emulator's WSGI application in the same process.

    Implements the ``profitbricks._pipeline.Transport`` protocol: ``send`` builds the WSGI environ
    a server would, runs the application and returns the raw answer. The client's request
    pipeline does the rest (headers, retries, errors) exactly as over HTTP. The ``Authorization``
    header is the client's; ``username``/``password`` give one for clients built without
    credentials. ``headers`` are added under the client's own (read on every call).
    """

    def __init__(
        self,
        emulator: Callable[[dict[str, Any], Any], Iterable[bytes]],
        username: str,
        password: str,
        *,
        base_url: str = "http://emulator.invalid/cloudapi/v4",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        from profitbricks._pipeline import authorization

        self.emulator = emulator
        self.username = username
        self._authorization = authorization(username, password)
        self.base_url = base_url.rstrip("/")
        self.headers = headers if headers is not None else {}

    def __repr__(self) -> str:
        return f"<InMemoryTransport {self.base_url} user={self.username!r}>"

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        deadline: float | None = None,
        max_bytes: int | None = None,
    ) -> RawReply:
        """Run one request through the emulator's application and return its answer."""
        from profitbricks._pipeline import RawReply, reply_too_large

        parts = urlsplit(url)
        scheme = parts.scheme or "http"
        raw_path = parts.path
        query_string = parts.query
        target = raw_path + ("?" + query_string if query_string else "")
        payload = body or b""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method.upper(),
            "SCRIPT_NAME": "",
            # WSGI carries the decoded path as latin-1 "bytes in a str".
            "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
            "QUERY_STRING": query_string,
            "REQUEST_URI": target,
            "RAW_URI": target,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(parts.port or (443 if scheme == "https" else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": parts.netloc,
            "HTTP_ACCEPT": "application/json",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scheme,
            "wsgi.input": io.BytesIO(payload),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if payload:
            environ["CONTENT_LENGTH"] = str(len(payload))
        for source in (self.headers, headers):
            for name, value in source.items():
                key = name.upper().replace("-", "_")
                if key == "CONTENT_TYPE":
                    environ["CONTENT_TYPE"] = value
                elif key != "CONTENT_LENGTH":
                    environ["HTTP_" + key] = value
        environ.setdefault("HTTP_AUTHORIZATION", self._authorization)

        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            started[:] = [status, response_headers]
            return chunks.append

        result = self.emulator(environ, start_response)
        try:
            chunks.extend(result)
            content = b"".join(chunks)
        finally:
            close = getattr(result, "close", None)
            if callable(close):
                close()
        status_line, response_headers = started
        status = int(status_line.split(" ", 1)[0])
        if max_bytes is not None and len(content) > max_bytes:
            raise reply_too_large(status, None, max_bytes)
        reply_headers = HTTPHeaderDict()
        for name, value in response_headers:
            reply_headers.add(name, value)
        return RawReply(status, reply_headers, content)

    def close(self) -> None:
        """Nothing to release; present for the Transport protocol."""


try:
    import pytest
except ImportError:  # pragma: no cover - only the plugin needs pytest
    pass
else:

    @pytest.fixture(scope="session")
    def emulator_server() -> Iterator[EmulatorHandle]:
        """One emulator served on a free loopback port for the whole test session."""
        with running_emulator() as handle:
            yield handle

    @pytest.fixture
    def emulator(emulator_server: EmulatorHandle) -> Iterator[EmulatorHandle]:
        """The session's emulator, reset for this test: fresh state, immediate, no faults."""
        shared = emulator_server
        shared.reset()
        handle = EmulatorHandle(
            url=shared.url,
            username=shared.username,
            password=shared.password,
            emulator=shared.emulator,
            server=shared.server,
        )
        try:
            yield handle
        finally:
            handle.close_clients()
