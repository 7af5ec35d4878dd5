"""Cost of a new TLS connection with the SDK's default settings, against ``ssl`` + ``http.client``.

The server is ``fixed_response_server.py --tls CERT KEY --close`` in a subprocess pinned to CPU 0
(the client pins itself to CPU 1): it answers every request with one fixed data center document
and ``Connection: close``, so every call opens a new connection and makes a full TLS handshake. The
certificates are made for the run in a temporary directory: a throw-away CA (EC P-256) and a
server certificate for ``127.0.0.1`` and ``localhost`` signed by it. The client trusts them the
way a user's default client trusts a real API: ``SSL_CERT_FILE`` points to a bundle of the
system's CA file plus the throw-away CA, so every default context still loads the whole system
store (``ssl.create_default_context()`` and urllib3's ``load_default_certs()`` both read it).

Each round makes ``--connections`` calls with each client, interleaved round by round:

- raw: one ``ssl.create_default_context()`` built up front; per call a new
  ``http.client.HTTPSConnection`` with it, ``GET /datacenters/<id>?depth=1`` with Basic auth,
  ``json.loads`` of the body, close;
- raw, context per connection: the same with a new ``ssl.create_default_context()`` for every
  connection (what urllib3 does when no context is given), the cost to avoid;
- profitbricks: ``ProfitBricksService(...).get_datacenter(id)`` with the default TLS settings.

The table shows, per connection, the median over ``--rounds`` rounds of the client's CPU time
(``time.process_time()``) and wall time (``time.perf_counter()``), each with the median of the
per-round ratios to raw, and the connections the server accepted per call (counted through its
``/_stats``; 1.00 means every call paid for a new connection). Target: the SDK at most 1.2x raw in
CPU time; the last line says PASS or FAIL.

Run: ``python benchmarks/tls_connect.py [--connections 40] [--rounds 7] [--warmup 3]``.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import ipaddress
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from base64 import b64encode
from collections.abc import Callable
from pathlib import Path
from typing import Any

import urllib3
from _support import CLIENT_CPU, SERVER_CPU, can_pin, start_server

from profitbricks.client import ProfitBricksService

HERE = Path(__file__).resolve().parent
DATACENTER_ID = "7c3e1a6e-0f5b-4d2a-9a41-3f6f1f0c2b8d"
HOST = "127.0.0.1"
PATH = f"/cloudapi/v4/datacenters/{DATACENTER_ID}?depth=1"
AUTH = {"Authorization": "Basic " + b64encode(b"u:p").decode(), "User-Agent": "bench"}
TARGET = 1.2

RAW = "http.client, one ssl.create_default_context() (raw)"
RAW_PER_CONNECTION = "http.client, ssl.create_default_context() per connection"
SDK = "profitbricks get_datacenter, default TLS settings"

Call = Callable[[], Any]


def system_ca_file() -> str | None:
    """The CA file a default context loads (``SSL_CERT_FILE`` if set), or None if there is none."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def count_certificates(pem: bytes) -> int:
    return pem.count(b"-----BEGIN CERTIFICATE-----")


def make_certificates(directory: Path, system_ca: str | None) -> tuple[Path, Path, Path]:
    """Write a throw-away CA and a server certificate for 127.0.0.1/localhost into ``directory``.

    Returns (CA bundle = the system CA file + the throw-away CA, server certificate, server key).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tls_connect benchmark CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    system_pem = Path(system_ca).read_bytes() if system_ca else b""
    bundle = directory / "bundle.pem"
    bundle.write_bytes(system_pem.rstrip(b"\n") + b"\n" + ca_pem if system_pem else ca_pem)
    cert_path, key_path = directory / "server.pem", directory / "server-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return bundle, cert_path, key_path


def start(cert: Path, key: Path, pin: bool) -> tuple[subprocess.Popen[str], str]:
    """The fixed-response server over TLS, one request per connection; process and base URL."""
    command = [
        sys.executable,
        str(HERE / "fixed_response_server.py"),
        "--port",
        "0",
        "--tls",
        str(cert),
        str(key),
        "--close",
    ]
    if pin:
        command += ["--cpu", str(SERVER_CPU)]
    return start_server(command, "TLS fixed-response server")


def server_connections(port: int, context: ssl.SSLContext) -> int:
    """Connections the server has accepted so far; the probe's own connection is counted too."""
    connection = http.client.HTTPSConnection(HOST, port, context=context)
    try:
        connection.request("GET", "/_stats")
        body = connection.getresponse().read()
    finally:
        connection.close()
    return int(json.loads(body)["connections"])


def clients(url: str, port: int, context: ssl.SSLContext) -> tuple[dict[str, Call], Call]:
    """Row name -> one call on a new connection; and a function closing what the calls keep."""

    def get(context: ssl.SSLContext) -> Any:
        connection = http.client.HTTPSConnection(HOST, port, context=context)
        try:
            connection.request("GET", PATH, headers=AUTH)
            return json.loads(connection.getresponse().read())
        finally:
            connection.close()

    def raw() -> Any:
        return get(context)

    def raw_per_connection() -> Any:
        return get(ssl.create_default_context())

    service = ProfitBricksService(
        username="u", password="p", host_base=url, use_config=False, use_keyring=False
    )

    def sdk() -> Any:
        return service.get_datacenter(DATACENTER_ID)

    close: Call = getattr(service, "close", lambda: None)
    return {RAW: raw, RAW_PER_CONNECTION: raw_per_connection, SDK: sdk}, close


def bench(
    url: str, port: int, connections: int, rounds: int, warmup: int
) -> dict[str, dict[str, float]]:
    """Per row: median CPU and wall microseconds per call, median ratios to raw, and the
    connections the server accepted per call."""
    context = ssl.create_default_context()
    table, close = clients(url, port, context)
    cpu: dict[str, list[float]] = {name: [] for name in table}
    wall: dict[str, list[float]] = {name: [] for name in table}
    cpu_ratio: dict[str, list[float]] = {name: [] for name in table}
    wall_ratio: dict[str, list[float]] = {name: [] for name in table}
    accepted = dict.fromkeys(table, 0)
    try:
        for call in table.values():
            for _ in range(warmup):
                call()
        for _ in range(rounds):
            for name, call in table.items():
                before = server_connections(port, context)
                cpu_started, wall_started = time.process_time(), time.perf_counter()
                for _ in range(connections):
                    call()
                cpu[name].append((time.process_time() - cpu_started) / connections)
                wall[name].append((time.perf_counter() - wall_started) / connections)
                # The stats probe after the run opens one connection of its own.
                accepted[name] += server_connections(port, context) - before - 1
            for name in table:
                cpu_ratio[name].append(cpu[name][-1] / cpu[RAW][-1])
                wall_ratio[name].append(wall[name][-1] / wall[RAW][-1])
    finally:
        close()
    return {
        name: {
            "cpu_us": statistics.median(cpu[name]) * 1e6,
            "cpu_ratio": statistics.median(cpu_ratio[name]),
            "wall_us": statistics.median(wall[name]) * 1e6,
            "wall_ratio": statistics.median(wall_ratio[name]),
            "connections_per_call": accepted[name] / (connections * rounds),
        }
        for name in table
    }


def report(results: dict[str, dict[str, float]], args: argparse.Namespace, pin: bool) -> None:
    pinning = f"server on CPU {SERVER_CPU}, client on CPU {CLIENT_CPU}" if pin else "not pinned"
    print()
    print(
        f"### A new TLS connection per call: GET /datacenters/<id>?depth=1, "
        f"{args.connections} connections x {args.rounds} rounds, medians ({pinning})"
    )
    print()
    print("| client | CPU us/conn | x raw | wall us/conn | x raw | server conns/call |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, row in results.items():
        print(
            f"| {name} | {row['cpu_us']:,.0f} | {row['cpu_ratio']:.2f} | {row['wall_us']:,.0f} "
            f"| {row['wall_ratio']:.2f} | {row['connections_per_call']:.2f} |"
        )
    print()
    sdk = results[SDK]
    if abs(sdk["connections_per_call"] - 1) > 0.005:
        print(
            f"INVALID: the server accepted {sdk['connections_per_call']:.2f} connections per SDK "
            "call, not 1, so the SDK row does not measure one new connection per call."
        )
        return
    verdict = "PASS" if sdk["cpu_ratio"] <= TARGET else "FAIL"
    print(
        f"{verdict}: the SDK costs {sdk['cpu_ratio']:.2f}x raw in CPU time per new connection "
        f"(target: at most {TARGET}x; wall time {sdk['wall_ratio']:.2f}x)."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=40, help="calls per client per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=3, help="calls per client before timing")
    args = parser.parse_args(argv)
    if args.connections < 1 or args.rounds < 1:
        parser.error("--connections and --rounds must be at least 1")

    system_ca = system_ca_file()
    pin = can_pin()
    with tempfile.TemporaryDirectory(prefix="tls_connect-") as tmp:
        bundle, cert, key = make_certificates(Path(tmp), system_ca)
        if system_ca:
            count = count_certificates(Path(system_ca).read_bytes())
            print(f"System CA file: {system_ca} ({count} certificates)")
        else:
            print("System CA file: none found; default contexts load only the benchmark's CA")
        print(
            f"SSL_CERT_FILE={bundle} (the system CA file plus the benchmark's CA, "
            f"{count_certificates(bundle.read_bytes())} certificates)"
        )
        python = sys.version.split()[0]
        print(f"{ssl.OPENSSL_VERSION}, Python {python}, urllib3 {urllib3.__version__}")
        process, url = start(cert, key, pin)
        previous = os.environ.get("SSL_CERT_FILE")
        os.environ["SSL_CERT_FILE"] = str(bundle)
        try:
            if pin:
                os.sched_setaffinity(0, {CLIENT_CPU})
            port = urllib3.util.parse_url(url).port
            assert port is not None
            results = bench(url, port, args.connections, args.rounds, args.warmup)
            report(results, args, pin)
        finally:
            if previous is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = previous
            if pin:
                os.sched_setaffinity(0, {SERVER_CPU, CLIENT_CPU})
            process.terminate()
            process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
