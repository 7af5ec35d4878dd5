"""The HTTP transports against the emulator: errors, retries, connection reuse, threads, TLS.

The TLS, keep-alive and connection tests run on each network transport (``transport_class``).
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3

from profitbricks._netbase import tls_context
from profitbricks._pipeline import Pipeline, TransportFailure
from profitbricks._simple_transport import ReplyHeaders, SimpleTransport
from profitbricks._transport import HttpTransport, RetryPolicy
from profitbricks.client import Datacenter, PBConfigurationError
from profitbricks.emulator.testing import EmulatorHandle
from profitbricks.errors import (
    PBError,
    PBNotAuthorizedError,
    PBNotFoundError,
    PBRateLimitExceededError,
    PBValidationError,
)

from .pipelines import http_pipeline, service_on

TransportClass = type[HttpTransport] | type[SimpleTransport]

JSON = "application/json"
MISSING = "00000000-0000-4000-8000-000000000000"


def control(emulator: EmulatorHandle, method: str, path: str, body: Any = None) -> Any:
    """Call the emulator's control API (``/_emulator/...``) over HTTP."""
    data = None if body is None else json.dumps(body).encode()
    reply = urllib3.request(
        method, f"{emulator.base_url}/_emulator/{path}", body=data, headers={"Content-Type": JSON}
    )
    assert reply.status == 200, reply.data
    return json.loads(reply.data) if reply.data else None


def transport_for(emulator: EmulatorHandle, **kwargs: Any) -> Pipeline:
    return http_pipeline(emulator.url, emulator.username, emulator.password, **kwargs)


@pytest.fixture
def transport(emulator: EmulatorHandle) -> Iterator[Pipeline]:
    with transport_for(emulator) as sdk:
        yield sdk


class Sleeps:
    """A fake sleep that records the waits and can run an action at each one."""

    def __init__(self, action: Callable[[int], None] | None = None) -> None:
        self.waits: list[float] = []
        self.action = action

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.action is not None:
            self.action(len(self.waits))


# Error mapping


def test_401_maps_to_not_authorized(emulator: EmulatorHandle) -> None:
    with (
        http_pipeline(emulator.url, emulator.username, "wrong-password") as sdk,
        pytest.raises(PBNotAuthorizedError) as info,
    ):
        sdk.request("GET", "/datacenters", query={"depth": 1})
    error = info.value
    assert error.resp == error.status == 401
    assert error.method == "GET"
    assert error.url == f"{emulator.url}/datacenters?depth=1"
    assert isinstance(error.content, list)
    assert error.content[0]["message"]
    assert str(error).startswith("401 Unauthorized: ")


def test_404_maps_to_not_found(transport: Pipeline, emulator: EmulatorHandle) -> None:
    with pytest.raises(PBNotFoundError) as info:
        transport.request("GET", f"/datacenters/{MISSING}")
    assert info.value.resp == 404
    assert info.value.content[0]["message"] == "Resource does not exist"
    assert info.value.uri == f"{emulator.url}/datacenters/{MISSING}"


def test_422_maps_to_validation_error(transport: Pipeline) -> None:
    with pytest.raises(PBValidationError) as info:
        transport.request(
            "POST", "/datacenters", body=b'{"properties": {"name": "x"}}', content_type=JSON
        )
    assert info.value.resp == 422
    assert "location" in info.value.message


def test_405_maps_to_plain_pb_error(transport: Pipeline) -> None:
    with pytest.raises(PBError) as info:
        transport.request("DELETE", "/datacenters")
    assert type(info.value) is PBError
    assert info.value.resp == 405
    assert info.value.method == "DELETE"


def test_400_maps_to_plain_pb_error(transport: Pipeline) -> None:
    with pytest.raises(PBError) as info:
        transport.request("POST", "/datacenters", body=b'{"properties": ', content_type=JSON)
    assert type(info.value) is PBError
    assert info.value.resp == 400


def test_errors_through_the_service(emulator: EmulatorHandle) -> None:
    with pytest.raises(PBNotFoundError) as info:
        emulator.client.get_datacenter(MISSING)
    assert info.value.method == "GET"
    assert MISSING in str(info.value)


def test_success_carries_the_request_id(transport: Pipeline) -> None:
    reply = transport.request(
        "POST",
        "/datacenters",
        body=b'{"properties": {"name": "a", "location": "de/fra"}}',
        content_type=JSON,
    )
    assert reply.status == 202
    assert reply.request_id
    assert reply.request_id in reply.headers["location"]
    assert reply.data["properties"]["name"] == "a"
    status = transport.request("GET", f"/requests/{reply.request_id}/status")
    assert status.status == 200
    assert status.request_id is None


# Retries


def test_429_is_retried_after_retry_after(emulator: EmulatorHandle) -> None:
    control(emulator, "PATCH", "config", {"rate_limit": 1, "rate_window": 5})
    sleeps = Sleeps(lambda n: control(emulator, "PATCH", "config", {"rate_limit": None}))
    with transport_for(emulator, sleep=sleeps) as sdk:
        sdk.request("GET", "/datacenters")
        reply = sdk.request("GET", "/datacenters")
    assert reply.status == 200
    assert len(sleeps.waits) == 1
    assert 1.0 <= sleeps.waits[0] <= 5.0  # the emulator's Retry-After, whole seconds


def test_429_with_retry_after_beyond_the_cap_is_raised_at_once(emulator: EmulatorHandle) -> None:
    control(emulator, "PATCH", "config", {"rate_limit": 1, "rate_window": 600})
    sleeps = Sleeps()
    with transport_for(emulator, sleep=sleeps) as sdk:
        sdk.request("GET", "/datacenters")
        with pytest.raises(PBRateLimitExceededError) as info:
            sdk.request("GET", "/datacenters")
    assert info.value.resp == 429
    assert sleeps.waits == []


def test_429_is_raised_once_retries_are_spent(emulator: EmulatorHandle) -> None:
    control(emulator, "PATCH", "config", {"rate_limit": 1, "rate_window": 5})
    sleeps = Sleeps()
    with transport_for(emulator, sleep=sleeps, retries=2) as sdk:
        sdk.request("GET", "/datacenters")
        with pytest.raises(PBRateLimitExceededError):
            sdk.request("GET", "/datacenters")
    assert len(sleeps.waits) == 2


def test_503_is_retried_with_backoff_until_attempts_are_spent(emulator: EmulatorHandle) -> None:
    control(emulator, "PATCH", "config", {"error_probability": 1.0})
    sleeps = Sleeps()
    with transport_for(emulator, sleep=sleeps) as sdk, pytest.raises(PBError) as info:
        sdk.request("GET", "/datacenters")
    assert info.value.resp == 503
    assert len(sleeps.waits) == RetryPolicy().attempts - 1
    assert all(wait >= 1.0 for wait in sleeps.waits)  # Retry-After: 1


def test_503_recovers(emulator: EmulatorHandle) -> None:
    control(emulator, "PATCH", "config", {"error_probability": 1.0})

    def heal(n: int) -> None:
        if n == 2:
            control(emulator, "PATCH", "config", {"error_probability": 0.0})

    sleeps = Sleeps(heal)
    with transport_for(emulator, sleep=sleeps) as sdk:
        reply = sdk.request("GET", "/datacenters")
    assert reply.status == 200
    assert len(sleeps.waits) == 2


def test_post_is_retried_on_503(emulator: EmulatorHandle) -> None:
    control(emulator, "PATCH", "config", {"error_probability": 1.0})
    sleeps = Sleeps(lambda n: control(emulator, "PATCH", "config", {"error_probability": 0.0}))
    with transport_for(emulator, sleep=sleeps) as sdk:
        reply = sdk.request(
            "POST",
            "/datacenters",
            body=b'{"properties": {"name": "once", "location": "us/las"}}',
            content_type=JSON,
        )
        assert reply.status == 202
        listing = sdk.request("GET", "/datacenters", query={"depth": 1})
    assert [dc["properties"]["name"] for dc in listing.data["items"]] == ["once"]
    assert len(sleeps.waits) == 1


def test_retries_zero_disables_retrying(emulator: EmulatorHandle) -> None:
    control(emulator, "PATCH", "config", {"error_probability": 1.0})
    sleeps = Sleeps()
    with transport_for(emulator, sleep=sleeps, retries=0) as sdk, pytest.raises(PBError) as info:
        sdk.request("GET", "/datacenters")
    assert info.value.resp == 503
    assert sleeps.waits == []


def test_control_reset_clears_faults(emulator: EmulatorHandle, transport: Pipeline) -> None:
    control(emulator, "PATCH", "config", {"error_probability": 1.0})
    control(emulator, "POST", "reset")
    assert transport.request("GET", "/datacenters").status == 200


#: The error behind a refused connection, as each transport reports it.
REFUSED = {
    HttpTransport: urllib3.exceptions.NewConnectionError,
    SimpleTransport: ConnectionRefusedError,
}


def test_connection_refused_is_retried_then_raised(transport_class: TransportClass) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    url = f"http://127.0.0.1:{port}/cloudapi/v4"
    with (
        http_pipeline(url, "u", "p", sleep=sleeps, transport_class=transport_class) as sdk,
        pytest.raises(PBError) as info,
    ):
        sdk.request("POST", "/datacenters", body=b"{}", content_type=JSON)
    error = info.value
    assert error.resp is None
    assert "cannot connect (Connection refused)" in str(error)
    assert isinstance(error.__cause__, REFUSED[transport_class])
    # Nothing was sent, so even a POST is retried.
    assert len(sleeps.waits) == RetryPolicy().attempts - 1


# Connections and threads


def test_one_connection_is_reused(emulator: EmulatorHandle, transport: Pipeline) -> None:
    for _ in range(20):
        transport.request("GET", "/datacenters", query={"depth": 1})
    pool = transport.transport._pool  # type: ignore[attr-defined]
    assert isinstance(pool, urllib3.HTTPConnectionPool)
    assert pool.num_connections == 1
    assert pool.num_requests == 20


def test_threads_share_one_client(emulator: EmulatorHandle) -> None:
    client = emulator.new_client()
    client.create_datacenter(Datacenter(name="shared", location="de/fra"))
    errors: list[BaseException] = []
    names: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            for _ in range(15):
                listing = client.list_datacenters(depth=1)
                with lock:
                    names.extend(dc["properties"]["name"] for dc in listing["items"])
        except BaseException as exc:  # collected and re-checked in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert names == ["shared"] * 8 * 15
    pool = client.transport._pool  # type: ignore[attr-defined]
    assert 1 <= pool.num_connections <= 10


def test_headers_are_read_on_every_call(emulator: EmulatorHandle) -> None:
    headers: dict[str, str] = {}
    client = emulator.new_client(headers=headers, client_user_agent="my-tool/2.0")
    first = client.create_datacenter(Datacenter(name="a", location="de/fra"))
    headers["X-Trace"] = "trace-42"
    headers["Authorization"] = "Basic bm9ib2R5Om5vdGhpbmc="  # cannot replace the credentials
    second = client.create_datacenter(Datacenter(name="b", location="de/fra"))
    sent_first = client.get_request(first["requestId"])["properties"]["headers"]
    sent_second = client.get_request(second["requestId"])["properties"]["headers"]
    assert "x-trace" not in sent_first
    assert sent_second["x-trace"] == "trace-42"
    assert sent_second["user-agent"].startswith("my-tool/2.0 profitbricks-sdk-python/")


# TLS


def _self_signed(tmp: Path, common_name: str = "127.0.0.1") -> tuple[Path, Path]:
    crypto = pytest.importorskip("cryptography")
    del crypto
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    tmp.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TlsFront:
    """A TLS endpoint on loopback that forwards the decrypted bytes to the emulator."""

    def __init__(self, cert: Path, key: Path, target: tuple[str, int]) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.threads: list[threading.Thread] = []
        self.accepting = threading.Thread(target=self._accept, daemon=True)
        self.accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(raw)
            thread = threading.Thread(target=self._serve, args=(raw,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            secure = self.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            return
        self.sockets.append(secure)
        upstream = socket.create_connection(self.target)
        self.sockets.append(upstream)
        back = threading.Thread(target=self._pump, args=(upstream, secure), daemon=True)
        self.threads.append(back)
        back.start()
        self._pump(secure, upstream)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        # shutdown() wakes the threads blocked in accept() and recv(); close() alone does not.
        for sock in [self.listener, *self.sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.accepting.join(timeout=5)
        for thread in self.threads:
            thread.join(timeout=5)


@pytest.fixture
def tls_front(emulator: EmulatorHandle, tmp_path: Path) -> Iterator[tuple[TlsFront, Path, str]]:
    cert, key = _self_signed(tmp_path)
    parsed = urllib3.util.parse_url(emulator.url)
    front = TlsFront(cert, key, (parsed.host or "127.0.0.1", parsed.port or 80))
    try:
        yield front, cert, f"https://127.0.0.1:{front.port}{parsed.path}"
    finally:
        front.close()


def test_tls_certificates_are_verified_by_default(
    emulator: EmulatorHandle, tls_front: tuple[TlsFront, Path, str], transport_class: TransportClass
) -> None:
    _front, _cert, url = tls_front
    sleeps = Sleeps()
    with (
        http_pipeline(
            url, emulator.username, emulator.password, sleep=sleeps, transport_class=transport_class
        ) as sdk,
        pytest.raises(PBError) as info,
    ):
        sdk.request("GET", "/datacenters")
    assert info.value.resp is None
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    assert sleeps.waits == []  # a certificate problem is not retried


def test_tls_with_the_servers_ca_bundle(
    emulator: EmulatorHandle, tls_front: tuple[TlsFront, Path, str], transport_class: TransportClass
) -> None:
    _front, cert, url = tls_front
    with http_pipeline(
        url, emulator.username, emulator.password, host_cert=str(cert),
        transport_class=transport_class,
    ) as sdk:  # fmt: skip
        reply = sdk.request("GET", "/datacenters")
    assert reply.status == 200
    assert reply.data["type"] == "collection"


def test_tls_refuses_a_certificate_for_another_host_name(
    emulator: EmulatorHandle, tls_front: tuple[TlsFront, Path, str], transport_class: TransportClass
) -> None:
    # The certificate names 127.0.0.1 only; "localhost" reaches the same server.
    _front, cert, url = tls_front
    sleeps = Sleeps()
    with (
        http_pipeline(
            url.replace("127.0.0.1", "localhost"), emulator.username, emulator.password,
            host_cert=str(cert), sleep=sleeps, transport_class=transport_class,
        ) as sdk,
        pytest.raises(PBError) as info,
    ):  # fmt: skip
        sdk.request("GET", "/datacenters")
    assert info.value.resp is None
    assert "TLS failed" in str(info.value)
    assert "Hostname mismatch" in str(info.value)
    assert sleeps.waits == []


def test_tls_verification_can_be_turned_off(
    emulator: EmulatorHandle, tls_front: tuple[TlsFront, Path, str], transport_class: TransportClass
) -> None:
    _front, _cert, url = tls_front
    with (
        http_pipeline(
            url, emulator.username, emulator.password, ssl_verify=False,
            transport_class=transport_class,
        ) as sdk,
        warnings.catch_warnings(),
    ):  # fmt: skip
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        reply = sdk.request("GET", "/datacenters")
    assert reply.status == 200
    assert sdk.transport.tls.verify_mode == ssl.CERT_NONE  # type: ignore[attr-defined]


def test_urllib3_warns_of_every_unverified_request(
    emulator: EmulatorHandle, tls_front: tuple[TlsFront, Path, str]
) -> None:
    _front, _cert, url = tls_front
    with (
        http_pipeline(url, emulator.username, emulator.password, ssl_verify=False) as sdk,
        pytest.warns(urllib3.exceptions.InsecureRequestWarning),
    ):
        reply = sdk.request("GET", "/datacenters")
    assert reply.status == 200


def test_tls_context_policy() -> None:
    context = tls_context()
    assert context.protocol == ssl.PROTOCOL_TLS_CLIENT
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.options & ssl.OP_NO_COMPRESSION
    assert context.options & ssl.OP_NO_TICKET
    assert context.post_handshake_auth is True
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.hostname_checks_common_name is False
    unverified = tls_context(verify=False)
    assert unverified.verify_mode == ssl.CERT_NONE
    assert unverified.check_hostname is False
    assert unverified.minimum_version == ssl.TLSVersion.TLSv1_2


@pytest.fixture
def client_cert_front(
    emulator: EmulatorHandle, tmp_path: Path
) -> Iterator[tuple[str, Path, Path, Path]]:
    """A TLS front that asks for a client certificate signed by its own CA: (url, server
    certificate, client certificate, client key)."""
    server_cert, server_key = _self_signed(tmp_path / "server", "127.0.0.1")
    client_cert, client_key = _self_signed(tmp_path / "client", "client")
    parsed = urllib3.util.parse_url(emulator.url)
    front = TlsFront(server_cert, server_key, (parsed.host or "127.0.0.1", parsed.port or 80))
    front.context.verify_mode = ssl.CERT_REQUIRED
    front.context.load_verify_locations(client_cert)
    try:
        yield f"https://127.0.0.1:{front.port}{parsed.path}", server_cert, client_cert, client_key
    finally:
        front.close()


def test_tls_client_certificate(
    emulator: EmulatorHandle,
    client_cert_front: tuple[str, Path, Path, Path],
    transport_class: TransportClass,
) -> None:
    url, server_cert, client_cert, client_key = client_cert_front
    client = service_on(
        transport_class, url, emulator.username, emulator.password, host_cert=str(server_cert),
        client_cert=(str(client_cert), str(client_key)),
    )  # fmt: skip
    with client:
        assert client.list_datacenters()["items"] == []
    without = service_on(
        transport_class, url, emulator.username, emulator.password, host_cert=str(server_cert),
        retries=0,
    )  # fmt: skip
    with without, pytest.raises(PBError) as info:
        without.list_datacenters()
    assert info.value.resp is None


class ContextUse:
    """Counts CA loads and records the context of every TLS socket a client opens."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loads: list[str] = []
        self.wrapped_by: list[ssl.SSLContext] = []
        for name in ("load_default_certs", "load_verify_locations", "set_default_verify_paths"):
            original = getattr(ssl.SSLContext, name)

            def counted(
                ctx: ssl.SSLContext, *a: Any, _o: Any = original, _n: str = name, **k: Any
            ) -> Any:
                self.loads.append(_n)
                return _o(ctx, *a, **k)

            monkeypatch.setattr(ssl.SSLContext, name, counted)
        wrap = ssl.SSLContext.wrap_socket

        def wrapped(ctx: ssl.SSLContext, *a: Any, **k: Any) -> Any:
            if not k.get("server_side"):  # the TLS front's own sockets are not counted
                self.wrapped_by.append(ctx)
            return wrap(ctx, *a, **k)

        monkeypatch.setattr(ssl.SSLContext, "wrap_socket", wrapped)


def test_one_tls_context_serves_every_connection_and_reconnect(
    emulator: EmulatorHandle,
    tls_front: tuple[TlsFront, Path, str],
    monkeypatch: pytest.MonkeyPatch,
    transport_class: TransportClass,
) -> None:
    _front, cert, url = tls_front
    use = ContextUse(monkeypatch)
    # "Connection: close" makes the server end every connection: each call reconnects.
    client = service_on(
        transport_class, url, emulator.username, emulator.password, host_cert=str(cert),
        headers={"Connection": "close"},
    )  # fmt: skip
    for _ in range(4):
        assert client.list_datacenters()["items"] == []
    context = client.transport.tls  # type: ignore[attr-defined]
    assert len(use.wrapped_by) == 4
    assert all(used is context for used in use.wrapped_by)
    assert use.loads == ["load_verify_locations"]


def test_the_system_store_is_loaded_once_per_client(
    emulator: EmulatorHandle,
    tls_front: tuple[TlsFront, Path, str],
    monkeypatch: pytest.MonkeyPatch,
    transport_class: TransportClass,
) -> None:
    _front, _cert, url = tls_front
    use = ContextUse(monkeypatch)
    client = service_on(transport_class, url, emulator.username, emulator.password, retries=0)
    for _ in range(3):
        # The self-signed certificate is not in the system store: each call fails to verify.
        with pytest.raises(PBError, match="TLS failed"):
            client.list_datacenters()
    assert len(use.wrapped_by) == 3
    assert use.loads.count("load_default_certs") == 1
    assert "load_verify_locations" not in use.loads


def test_an_unreadable_ca_bundle_is_a_configuration_error(
    tmp_path: Path, transport_class: TransportClass
) -> None:
    # The pooled transport loads the certificates on first use, the command line's at once.
    with pytest.raises(PBConfigurationError, match="cannot load the TLS certificates"):
        service_on(
            transport_class, "https://127.0.0.1:1/v4", "u", "p",
            host_cert=str(tmp_path / "none.pem"),
        ).list_datacenters()  # fmt: skip


# Construction


def test_base_url_with_credentials_is_refused(transport_class: TransportClass) -> None:
    with pytest.raises(PBError) as info:
        transport_class("https://jane:TopSecret@api.example.com/cloudapi/v4")
    assert "TopSecret" not in str(info.value)


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [
        (None, (10.0, 60.0)),
        (2.5, (2.5, 2.5)),
        (3, (3.0, 3.0)),
        ((1, 5.5), (1.0, 5.5)),
        (urllib3.Timeout(connect=3.0, read=7.0), (3.0, 7.0)),
        (urllib3.Timeout(connect=4.0), (4.0, float("inf"))),
    ],
    ids=["default", "seconds", "int", "pair", "urllib3", "urllib3-no-read-limit"],
)
def test_simple_transport_timeouts(timeout: Any, expected: tuple[float, float]) -> None:
    transport = SimpleTransport("http://127.0.0.1:1/v4", timeout=timeout)
    assert (transport.connect_timeout, transport.read_timeout) == expected


def test_simple_transport_refuses_a_timeout_it_cannot_read() -> None:
    with pytest.raises(TypeError, match="timeout must be seconds"):
        SimpleTransport("http://127.0.0.1:1/v4", timeout="soon")


def test_reply_headers_are_case_insensitive_and_join_repeated_names(
    emulator: EmulatorHandle,
) -> None:
    headers = ReplyHeaders([("Location", "/a"), ("X-Seen", "1"), ("x-seen", "2")])
    assert headers["location"] == headers["LOCATION"] == "/a"
    assert headers["X-Seen"] == "1, 2"
    assert "x-SEEN" in headers
    assert "Retry-After" not in headers
    assert headers.get("retry-after") is None
    assert list(headers) == ["Location", "X-Seen"]
    assert len(headers) == 2
    with http_pipeline(
        emulator.url, emulator.username, emulator.password, transport_class=SimpleTransport
    ) as sdk:
        reply = sdk.request(
            "POST", "/datacenters", content_type=JSON,
            body=b'{"properties": {"name": "h", "location": "de/fra"}}',
        )  # fmt: skip
    assert isinstance(reply.headers, ReplyHeaders)
    assert reply.request_id is not None
    assert reply.request_id in reply.headers["location"]


def test_the_simple_transport_keeps_one_connection_without_nagle(emulator: EmulatorHandle) -> None:
    with transport_for(emulator, transport_class=SimpleTransport) as sdk:
        for _ in range(5):
            sdk.request("GET", "/datacenters", query={"depth": 1})
        sock = sdk.transport._conn.sock  # type: ignore[attr-defined]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        body = b'{"properties": {"name": "n", "location": "de/fra"}}'
        assert sdk.request("POST", "/datacenters", body=body, content_type=JSON).status == 202
        assert sdk.transport._conn.sock is sock  # type: ignore[attr-defined]


def test_a_call_past_its_deadline_is_not_sent(emulator: EmulatorHandle) -> None:
    with SimpleTransport(emulator.url) as transport, pytest.raises(TransportFailure) as info:
        transport.send(
            "GET", f"{emulator.url}/datacenters", {}, None, deadline=time.monotonic() - 1
        )
    assert info.value.sent is False
    assert info.value.retry is False


def test_timeouts(emulator: EmulatorHandle) -> None:
    with HttpTransport(emulator.url) as default:
        assert default.timeout.connect_timeout == 10.0
        assert default.timeout.read_timeout == 60.0
    with HttpTransport(emulator.url, timeout=2.5) as short:
        assert short.timeout.connect_timeout == 2.5
        assert short.timeout.read_timeout == 2.5


def test_repr_shows_only_the_url(emulator: EmulatorHandle, transport_class: TransportClass) -> None:
    name = transport_class.__name__
    with transport_for(emulator, transport_class=transport_class) as sdk:
        assert repr(sdk.transport) == f"{name}({emulator.url!r})"
        assert repr(sdk) == f"Pipeline({emulator.url!r}, transport={name})"
