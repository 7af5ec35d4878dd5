"""Which HTTP server should serve the emulator? Measures the candidates on the same criteria.

For every candidate that is installed (others are reported as missing), on 127.0.0.1 only:

- **desync**: raw requests of the classic smuggling shapes (Content-Length with
  Transfer-Encoding, duplicate Content-Length, obs-fold, bare LF, bad chunk sizes, ...), each with
  a second request hidden behind it. Verdict per probe: ``rejected`` (4xx, connection closed),
  ``SMUGGLED`` (the hidden request reached the application), or ``accepted`` (answered, nothing
  hidden ran);
- **slow clients**: 200 connections that send a partial request head or a head and a partial
  body and then stall, plus 10 that drip one header byte a second; then the latency of a
  well-behaved client on a new connection, and how soon the server drops the stalled ones;
- **throughput**: GET/s over keep-alive from a raw-socket client (``_rawclient.py``) with 1 and
  8 connections, and the server process's CPU time per request, for a minimal WSGI app (a fixed
  small JSON) and for the emulator (``GET /datacenters/{id}``), server pinned to CPU 0 and
  client to CPU 1, medians of rounds;
- **in-process**: the time to start the server in a thread of this process, answer one request
  and stop (what the pytest plugin does), median of 5;
- **weight**: installed size of the server and what it pulls in, and its ``Requires-Python``.

Candidates: ``emulator-server`` (the project's ``EmulatorServer``), ``waitress`` (stock
settings), ``cheroot``, ``uvicorn-h11`` and ``uvicorn-httptools`` (with ``a2wsgi``),
``hypercorn``, ``granian``. Install the ones to compare into the environment first, e.g.
``pip install cheroot uvicorn httptools a2wsgi hypercorn granian``.

Run: ``python benchmarks/server_choice.py [--only NAME,...] [--rounds 5] [--seconds 2]``.
Each candidate takes about a minute, bounded: every socket has a timeout and every loop a count.
Rates move with machine load; the server's CPU time per request (Linux, from ``/proc``) moves
much less, and is shown beside them.
"""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import importlib.metadata
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from _rawclient import ClientError, keepalive_rate
from _support import CLIENT_CPU, SERVER_CPU, USER, can_pin

HOST = "127.0.0.1"
THREADS = 8
CANDIDATES = [
    "emulator-server",
    "waitress",
    "cheroot",
    "uvicorn-h11",
    "uvicorn-httptools",
    "hypercorn",
    "granian",
]
#: The distributions each candidate installs beyond the project's own.
DISTRIBUTIONS = {
    "emulator-server": ["waitress"],
    "waitress": ["waitress"],
    "cheroot": ["cheroot", "jaraco.functools", "more-itertools"],
    "uvicorn-h11": ["uvicorn", "h11", "click", "a2wsgi"],
    "uvicorn-httptools": ["uvicorn", "h11", "click", "a2wsgi", "httptools"],
    "hypercorn": ["hypercorn", "h11", "h2", "hpack", "hyperframe", "priority", "wsproto"],
    "granian": ["granian", "click"],
}
MODULE = {
    "emulator-server": "waitress",
    "waitress": "waitress",
    "cheroot": "cheroot",
    "uvicorn-h11": "a2wsgi",
    "uvicorn-httptools": "httptools",
    "hypercorn": "hypercorn",
    "granian": "granian",
}

# --------------------------------------------------------------------------------------------
# The applications


SEEN: collections.deque[str] = collections.deque(maxlen=1000)
FIXED = b'{"ok": true}'


def minimal_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A fixed small JSON for every request; ``GET /_seen`` lists the paths served so far."""
    path = environ.get("PATH_INFO", "")
    stream = environ.get("wsgi.input")
    if stream is not None and environ.get("CONTENT_LENGTH"):
        stream.read()
    if path == "/_seen":
        body = json.dumps(list(SEEN)).encode()
    else:
        SEEN.append(f"{environ['REQUEST_METHOD']} {path}")
        body = FIXED
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


minimal_app.base_path = ""  # type: ignore[attr-defined]


def emulator_app() -> Any:
    from profitbricks.emulator import Emulator, EmulatorConfig

    return Emulator(EmulatorConfig(users=[USER], progression="immediate"))


def build_app(kind: str) -> Any:
    return minimal_app if kind == "minimal" else emulator_app()


# Targets granian imports in its worker process.
def granian_minimal() -> Any:
    return minimal_app


def granian_emulator() -> Any:
    return emulator_app()


# --------------------------------------------------------------------------------------------
# Starting each server in a thread of this process; returns the port and a stop function.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_emulator_server(app: Any) -> tuple[int, Callable[[], None]]:
    from profitbricks.emulator.server import EmulatorServer

    server = EmulatorServer(app, host=HOST, port=0, threads=THREADS).start()
    return server.port, server.stop


def start_waitress(app: Any) -> tuple[int, Callable[[], None]]:
    from waitress import wasyncore
    from waitress.server import create_server

    server = create_server(app, host=HOST, port=0, threads=THREADS)
    port = int(server.getsockname()[1])
    stopping = threading.Event()

    def run() -> None:
        while not stopping.is_set():
            wasyncore.loop(timeout=1.0, map=server._map, count=1)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        server.pull_trigger()  # wakes the loop at once
        thread.join(5)
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)

    return port, stop


def start_cheroot(app: Any) -> tuple[int, Callable[[], None]]:
    from cheroot.wsgi import Server

    server = Server((HOST, 0), app, numthreads=THREADS)
    server.prepare()
    port = int(server.bind_addr[1])
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()

    def stop() -> None:
        server.stop()
        thread.join(5)

    return port, stop


def start_uvicorn(app: Any, http: str) -> tuple[int, Callable[[], None]]:
    import uvicorn
    from a2wsgi import WSGIMiddleware

    port = free_port()
    config = uvicorn.Config(
        WSGIMiddleware(app, workers=THREADS),
        host=HOST,
        port=port,
        http=http,
        loop="asyncio",
        lifespan="off",
        log_level="error",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.002)

    def stop() -> None:
        server.should_exit = True
        thread.join(5)

    return port, stop


def start_hypercorn(app: Any) -> tuple[int, Callable[[], None]]:
    import asyncio

    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    port = free_port()
    config = Config()
    config.bind = [f"{HOST}:{port}"]
    config.wsgi_max_body_size = 16 * 1024 * 1024
    config.loglevel = "ERROR"
    loop = asyncio.new_event_loop()
    stopping = asyncio.Event()
    ready = threading.Event()

    async def main() -> None:
        task = asyncio.ensure_future(
            serve(app, config, shutdown_trigger=stopping.wait, mode="wsgi")
        )
        while not ready.is_set():
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.05):
                ready.set()
            await asyncio.sleep(0.002)
        await task

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    ready.wait(10)

    def stop() -> None:
        loop.call_soon_threadsafe(stopping.set)
        thread.join(5)

    return port, stop


def start_in_thread(name: str, app: Any) -> tuple[int, Callable[[], None]]:
    """Start candidate ``name`` serving ``app`` in a thread; raises NotImplementedError."""
    if name == "emulator-server":
        return start_emulator_server(app)
    if name == "waitress":
        return start_waitress(app)
    if name == "cheroot":
        return start_cheroot(app)
    if name.startswith("uvicorn-"):
        return start_uvicorn(app, name.split("-", 1)[1])
    if name == "hypercorn":
        return start_hypercorn(app)
    raise NotImplementedError(f"{name} serves WSGI only from worker processes")


def serve_forever(name: str, kind: str, port: int) -> None:
    """Subprocess mode: serve until SIGTERM, after printing ``listening on <url>``."""
    if name == "granian":
        from granian import Granian
        from granian.constants import Interfaces

        print(f"listening on http://{HOST}:{port}", flush=True)
        Granian(
            f"server_choice:granian_{kind}",
            address=HOST,
            port=port,
            interface=Interfaces.WSGI,
            workers=1,
            blocking_threads=THREADS,
            factory=True,
            log_enabled=False,
        ).serve()
        return
    bound, stop = start_in_thread(name, build_app(kind))
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print(f"listening on http://{HOST}:{bound}", flush=True)
    stopped.wait()
    stop()


class Served:
    """A candidate in a subprocess pinned to SERVER_CPU."""

    def __init__(self, name: str, kind: str, pin: bool) -> None:
        code = (
            "import os, sys\n"
            f"if {pin!r}: os.sched_setaffinity(0, {{{SERVER_CPU}}})\n"
            f"sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})\n"
            "import server_choice\n"
            f"server_choice.serve_forever({name!r}, {kind!r}, {free_port()})\n"
        )
        self.process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        if not line.startswith("listening on "):
            self.process.kill()
            raise SystemExit(f"{name} did not start")
        self.port = int(line.rsplit(":", 1)[1])
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def close(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --------------------------------------------------------------------------------------------
# Desync probes

HIDDEN = b"GET /hidden HTTP/1.1\r\nHost: x\r\n\r\n"
CHUNKED_EMPTY = b"0\r\n\r\n"


def _te_cl(te: bytes, version: bytes = b"1.1") -> bytes:
    body = CHUNKED_EMPTY + HIDDEN
    return (
        b"POST /front HTTP/" + version + b"\r\nHost: x\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n" + te + b"\r\n\r\n" + body
    )


#: title -> (raw bytes, whether a request hidden in the body follows). A hidden request sits
#: where a front that reads the other framing would see body bytes; the others only test that a
#: malformed message is refused.
PROBES: dict[str, tuple[bytes, bool]] = {
    "CL + TE: chunked (CL covers the hidden request)": (
        _te_cl(b"Transfer-Encoding: chunked"),
        True,
    ),
    "CL + TE: chunked, HTTP/1.0": (_te_cl(b"Transfer-Encoding: chunked", b"1.0"), True),
    "CL + TE: 'chunked' after a space before the colon": (
        _te_cl(b"Transfer-Encoding : chunked"),
        True,
    ),
    "CL + TE with obs-fold (TE:\\r\\n chunked)": (_te_cl(b"Transfer-Encoding:\r\n chunked"), True),
    "CL + TE: xchunked": (_te_cl(b"Transfer-Encoding: xchunked"), True),
    "two Content-Length, different": (
        b"POST /front HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: "
        + str(len(HIDDEN)).encode()
        + b"\r\n\r\n"
        + HIDDEN,
        True,
    ),
    "Content-Length: +34": (
        b"POST /front HTTP/1.1\r\nHost: x\r\nContent-Length: +"
        + str(len(HIDDEN)).encode()
        + b"\r\n\r\n"
        + HIDDEN,
        True,
    ),
    "bare LF ends a header line before Content-Length": (
        b"POST /front HTTP/1.1\r\nHost: x\r\nX-A: a\nContent-Length: "
        + str(len(HIDDEN)).encode()
        + b"\r\n\r\n"
        + HIDDEN,
        True,
    ),
    "obs-fold in an ordinary header": (
        b"GET /front HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
        False,
    ),
    "bare LF line endings throughout": (b"GET /front HTTP/1.1\nHost: x\n\n", False),
    "chunk size 0x0": (
        b"POST /front HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x0\r\n\r\n",
        False,
    ),
    "chunk size with a sign (+0)": (
        b"POST /front HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n+0\r\n\r\n",
        False,
    ),
    "chunk size overflowing 64 bits": (
        b"POST /front HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"10000000000000000\r\n\r\n",
        False,
    ),
    "chunk data longer than its size": (
        b"POST /front HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"1\r\nAB\r\n0\r\n\r\n",
        False,
    ),
}


def _read_all(sock: socket.socket, seconds: float) -> tuple[bytes, bool]:
    """What the server sends within ``seconds``; and whether it closed the connection."""
    sock.settimeout(0.2)
    data = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def _seen(port: int) -> list[str]:
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(b"GET /_seen HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data, _closed = _read_all(sock, 3)
    return list(json.loads(data.split(b"\r\n\r\n", 1)[1] or b"[]"))


def probe(port: int, raw: bytes, hidden: bool) -> str:
    before = _seen(port).count("GET /hidden")
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(raw)
        data, closed = _read_all(sock, 1.5)
    smuggled = hidden and _seen(port).count("GET /hidden") > before
    statuses = [line[9:12].decode() for line in data.split(b"\r\n") if line.startswith(b"HTTP/1.")]
    shown = ",".join(statuses) or "none"
    if smuggled:
        return f"SMUGGLED ({shown})"
    if statuses and statuses[0][0] in "45" and closed:
        return f"rejected ({shown}, closed)"
    if not statuses and not closed:
        return "waiting for the rest (no answer yet)"
    return f"accepted ({shown}{', closed' if closed else ', open'})"


# --------------------------------------------------------------------------------------------
# Slow clients


def good_request_latency(port: int, path: bytes = b"/ok", timeout: float = 5.0) -> float | None:
    """Seconds for one GET on a new connection; None when it failed or took over ``timeout``."""
    started = time.monotonic()
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data, _closed = _read_all(sock, timeout)
    except OSError:
        return None
    if not data.startswith(b"HTTP/1.1 200"):
        return None
    return time.monotonic() - started


def slow_clients(port: int, count: int = 200, watch: float = 15.0) -> dict[str, Any]:
    """Stall ``count`` connections, time a good client, then watch when the stalled ones drop."""
    heads = b"GET /slow HTTP/1.1\r\nHost: x\r\n"
    bodies = b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"
    stalled: list[tuple[str, socket.socket]] = []
    try:
        for n in range(count):
            sock = socket.create_connection((HOST, port), timeout=5)
            kind = "head" if n % 2 == 0 else "body"
            sock.sendall(heads if kind == "head" else bodies)
            stalled.append((kind, sock))
        drip_text = b"GET /drip HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 200
        drips = [socket.create_connection((HOST, port), timeout=5) for _ in range(10)]
        stalled += [("drip", sock) for sock in drips]
        latencies = [good_request_latency(port) for _ in range(5)]
        closed_at: dict[int, float] = {}
        started = time.monotonic()
        position = 0
        while time.monotonic() - started < watch and len(closed_at) < len(stalled):
            for n, (_kind, sock) in enumerate(stalled):
                if n in closed_at:
                    continue
                sock.settimeout(0)
                try:
                    if sock.recv(4096) == b"":
                        closed_at[n] = time.monotonic() - started
                except BlockingIOError:
                    pass
                except OSError:
                    closed_at[n] = time.monotonic() - started
            for sock in drips:
                with contextlib.suppress(OSError):
                    sock.send(drip_text[position : position + 1])
            position += 1
            time.sleep(1.0)
        after = good_request_latency(port)
    finally:
        for _kind, sock in stalled:
            sock.close()

    def dropped(kind: str) -> str:
        times = [closed_at[n] for n, (k, _s) in enumerate(stalled) if k == kind and n in closed_at]
        total = sum(1 for k, _s in stalled if k == kind)
        if not times:
            return f"none of {total} within {watch:.0f} s"
        return f"{len(times)}/{total}, median {statistics.median(times):.0f} s"

    served = [x for x in latencies if x is not None]
    return {
        "good client": (
            f"{len(served)}/5 served, slowest {max(served) * 1000:.0f} ms"
            if served
            else "0/5 served within 5 s"
        ),
        "stalled heads dropped": dropped("head"),
        "stalled bodies dropped": dropped("body"),
        "dripping heads dropped": dropped("drip"),
        "good client afterwards": "served" if after is not None else "not served",
    }


# --------------------------------------------------------------------------------------------
# Throughput


def auth_header() -> str:
    return "Basic " + base64.b64encode(f"{USER[0]}:{USER[1]}".encode()).decode()


def create_datacenter(port: int) -> str:
    body = json.dumps({"properties": {"name": "bench", "location": "de/fra"}}).encode()
    request = (
        b"POST /cloudapi/v4/datacenters HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: " + auth_header().encode() + b"\r\nConnection: close\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(request)
        data, _closed = _read_all(sock, 3)
    head, _sep, payload = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 202"):
        raise SystemExit(f"creating a data centre failed: {head[:100]!r}")
    return str(json.loads(payload)["id"])


def get_request(kind: str, port: int) -> bytes:
    if kind == "minimal":
        return b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    dc_id = create_datacenter(port)
    return (
        f"GET /cloudapi/v4/datacenters/{dc_id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: {auth_header()}\r\n\r\n"
    ).encode()


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, all threads) of process ``pid``; None off Linux."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure_rate(served: Served, request: bytes, n: int, seconds: float) -> tuple[float, float]:
    """GET/s over ``n`` connections and the server's CPU us per request (0 when unknown)."""
    before = cpu_seconds(served.process.pid)
    started = time.perf_counter()
    rate = keepalive_rate(
        HOST, served.port, request, connections=n, seconds=seconds, reconnect=True
    )
    elapsed = time.perf_counter() - started
    after = cpu_seconds(served.process.pid)
    if before is None or after is None or after <= before:
        return rate, 0.0
    return rate, (after - before) / (rate * elapsed) * 1e6


def throughput(
    minimal: tuple[Served, bytes], emulator: tuple[Served, bytes], rounds: int, seconds: float
) -> dict[str, str]:
    """Alternating rounds on the minimal app and the emulator, 1 and 8 connections: median
    GET/s, server CPU us per request, and the median per-round ratios emulator / minimal."""
    targets = {"minimal app": minimal, "emulator": emulator}
    rates: dict[tuple[str, int], list[float]] = {}
    cpus: dict[tuple[str, int], list[float]] = {}
    errors: dict[tuple[str, int], str] = {}
    for _ in range(rounds):
        for n in (1, 8):
            for name, (served, request) in targets.items():
                key = (name, n)
                if key in errors:
                    continue
                try:
                    rate, cpu = _measure_rate(served, request, n, seconds)
                except ClientError as exc:
                    errors[key] = str(exc)
                    continue
                rates.setdefault(key, []).append(rate)
                if cpu:
                    cpus.setdefault(key, []).append(cpu)
    result: dict[str, str] = {}
    for n in (1, 8):
        conns = f"{n} connection{'s' if n > 1 else ''}"
        for name in targets:
            key = (name, n)
            if key in errors:
                result[f"{name}, {conns}"] = errors[key]
                continue
            text = f"{statistics.median(rates[key]):,.0f} GET/s"
            if key in cpus:
                text += f", {statistics.median(cpus[key]):.0f} us CPU/request"
            result[f"{name}, {conns}"] = text
        pair = [rates.get(("emulator", n)), rates.get(("minimal app", n))]
        if pair[0] and pair[1] and len(pair[0]) == len(pair[1]):
            ratios = [e / m for e, m in zip(pair[0], pair[1], strict=True)]
            result[f"emulator / minimal app, {conns}"] = f"{statistics.median(ratios):.2f}x"
    return result


# --------------------------------------------------------------------------------------------
# In-process start and stop, and weight


def in_process(name: str) -> str:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        try:
            port, stop = start_in_thread(name, minimal_app)
        except NotImplementedError as exc:
            return f"not possible: {exc}"
        latency = good_request_latency(port)
        stop()
        if latency is None:
            return "no answer"
        times.append(time.perf_counter() - started)
    return f"{statistics.median(times) * 1000:.0f} ms"


def weight(name: str) -> str:
    total = 0
    requires = ""
    for dist_name in DISTRIBUTIONS[name]:
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if dist_name == DISTRIBUTIONS[name][0] or (
            name == "uvicorn-httptools" and dist_name == "httptools"
        ):
            requires = requires or (dist.metadata["Requires-Python"] or "")
        for file in dist.files or []:
            with contextlib.suppress(OSError):
                total += os.path.getsize(file.locate())
    return f"{total / 1e6:.1f} MB installed; Requires-Python {requires or '?'}"


def available(name: str) -> bool:
    try:
        __import__(MODULE[name])
    except ImportError:
        return False
    return name not in {"uvicorn-h11", "uvicorn-httptools"} or _has("uvicorn")


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def measure(name: str, pin: bool, rounds: int, seconds: float) -> dict[str, Any]:
    report: dict[str, Any] = {"weight": weight(name), "in-process start+GET+stop": in_process(name)}
    minimal = Served(name, "minimal", pin)
    try:
        report["desync"] = {
            title: probe(minimal.port, raw, hidden) for title, (raw, hidden) in PROBES.items()
        }
        emulator = Served(name, "emulator", pin)
        try:
            report["throughput (medians of alternating rounds)"] = throughput(
                (minimal, get_request("minimal", minimal.port)),
                (emulator, get_request("emulator", emulator.port)),
                rounds,
                seconds,
            )
        finally:
            emulator.close()
        report["slow clients"] = slow_clients(minimal.port)
    finally:
        minimal.close()
    return report


def show(name: str, report: dict[str, Any]) -> None:
    print(f"\n== {name}")
    for key, value in report.items():
        if isinstance(value, dict):
            print(f"  {key}:")
            for inner, text in value.items():
                print(f"    {inner:<52} {text}")
        else:
            print(f"  {key:<54} {value}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(CANDIDATES), help="comma-separated names")
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds (5)")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per round (2)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    pin = can_pin()
    if pin:
        os.sched_setaffinity(0, {CLIENT_CPU})
    where = f"server on CPU {SERVER_CPU}, client on CPU {CLIENT_CPU}" if pin else "not pinned"
    print(f"HTTP servers for the emulator ({where}; {THREADS} threads; Python {sys.version[:6]})")
    results: dict[str, Any] = {}
    for name in args.only.split(","):
        if name not in CANDIDATES:
            raise SystemExit(f"unknown candidate {name!r}; known: {', '.join(CANDIDATES)}")
        if not available(name):
            print(f"\n== {name}: not installed")
            continue
        results[name] = measure(name, pin, args.rounds, args.seconds)
        show(name, results[name])
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
