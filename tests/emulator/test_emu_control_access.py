"""The control API is not reachable from other sites or, when exposed, without a token.

Issue 7, item 4: a cross-site ``POST /_emulator/config`` with ``Content-Type: text/plain`` was
obeyed. Over real HTTP where a browser would be involved, in-process for the rest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
import urllib3

from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator import __main__ as cli
from profitbricks.emulator import control as control_module
from profitbricks.emulator import server as server_module
from profitbricks.emulator.control import binds_only_loopback, check_access, is_loopback_name
from profitbricks.emulator.rules import um
from profitbricks.emulator.testing import EmulatorHandle, running_emulator

from .wsgi_helpers import USER, Answer, call, new_emulator

TOKEN = "s3cret-control-token"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(autouse=True)
def _cheap_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(um, "_ITERATIONS", 1)
        yield


def _control(app: Emulator, method: str, endpoint: str, body: Any = None, **headers: str) -> Answer:
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    names = {key.replace("_", "-"): value for key, value in headers.items()}
    return call(
        app, method, "/_emulator" + endpoint, body=data, headers=names, api=False, auth=None
    )


def _refused(answer: Answer, status: int) -> str:
    assert answer.status == status, (answer.status, answer.text[:300])
    doc = answer.json
    assert doc["httpStatus"] == status
    assert doc["messages"][0]["message"] == doc["error"]
    return str(doc["error"])


# -- over HTTP: what a browser page could send ----------------------------------------------------


def test_a_cross_site_text_plain_post_is_refused(emulator: EmulatorHandle) -> None:
    url = emulator.base_url + "/_emulator/config"
    with urllib3.PoolManager(retries=False, timeout=30) as pool:
        # What <form enctype="text/plain"> or fetch(..., {mode: "no-cors"}) from any page sends.
        reply = pool.request(
            "POST",
            url,
            body=b'{"error_probability": 1}',
            headers={"Content-Type": "text/plain", "Origin": "https://attacker.example"},
        )
        assert reply.status == 403
        assert "Access-Control-Allow-Origin" not in reply.headers
        # Without the Origin (an old browser), the content type alone is refused.
        reply = pool.request(
            "POST", url, body=b'{"error_probability": 1}', headers={"Content-Type": "text/plain"}
        )
        assert reply.status == 415
        # The same call as a program makes it.
        reply = pool.request("POST", url, body=b'{"latency": 0.001}', headers=JSON)
        assert reply.status == 200
    assert emulator.emulator.controls.settings()["error_probability"] == 0
    assert emulator.emulator.controls.settings()["latency"] == 0.001


def test_a_page_on_the_emulators_own_origin_may_call_it(emulator: EmulatorHandle) -> None:
    with urllib3.PoolManager(retries=False, timeout=30) as pool:
        reply = pool.request(
            "POST",
            emulator.base_url + "/_emulator/reset",
            headers={"Origin": emulator.base_url},
        )
    assert reply.status == 200


def test_a_preflight_gets_no_cors_headers(emulator: EmulatorHandle) -> None:
    headers = {
        "Origin": "https://attacker.example",
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "content-type",
    }
    with urllib3.PoolManager(retries=False, timeout=30) as pool:
        for url in (emulator.base_url + "/_emulator/config", emulator.url + "/datacenters"):
            reply = pool.request("OPTIONS", url, headers=headers)
            assert reply.status >= 400
            assert not [name for name in reply.headers if name.lower().startswith("access-control")]


# -- the rules, in process ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "endpoint"),
    [
        ("GET", "/config"),
        ("GET", ""),
        ("GET", "/stats"),
        ("POST", "/reset"),
        ("PATCH", "/config"),
        ("POST", "/images"),
    ],
)
@pytest.mark.parametrize("origin", ["https://attacker.example", "null", "http://localhost:8080"])
def test_a_foreign_origin_is_403_for_every_call(method: str, endpoint: str, origin: str) -> None:
    app = new_emulator()
    body = {"seed": 5} if method != "GET" else None
    before = app.controls.settings()
    answer = _control(app, method, endpoint, body, Content_Type="application/json", Origin=origin)
    assert "foreign Origin" in _refused(answer, 403)
    assert app.controls.settings() == before


@pytest.mark.parametrize("origin", ["http://localhost", "HTTP://LOCALHOST:80"])
def test_the_own_origin_is_accepted(origin: str) -> None:
    answer = _control(new_emulator(), "POST", "/reset", Origin=origin)
    assert answer.status == 200


def test_the_public_urls_origin_is_accepted_too() -> None:
    app = Emulator(
        EmulatorConfig(users=[USER], public_url="https://api.example.com:8443/cloudapi/v4")
    )
    answer = _control(app, "POST", "/reset", Origin="https://api.example.com:8443")
    assert answer.status == 200


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        (None, 415),
        ("text/plain", 415),
        ("application/x-www-form-urlencoded", 415),
        ("multipart/form-data; boundary=x", 415),
        ("application/json", 200),
        ("Application/JSON; charset=utf-8", 200),
    ],
)
def test_a_body_needs_the_json_content_type(content_type: str | None, status: int) -> None:
    app = new_emulator()
    headers = {} if content_type is None else {"Content_Type": content_type}
    answer = _control(app, "PATCH", "/config", {"latency": 0.5}, **headers)
    assert answer.status == status, answer.text
    assert app.controls.settings()["latency"] == (0.5 if status == 200 else 0)
    if status == 415:
        assert "application/json" in _refused(answer, 415)


def test_an_empty_form_post_is_refused_but_a_bare_post_is_not() -> None:
    app = new_emulator()
    form = _control(app, "POST", "/reset", Content_Type="application/x-www-form-urlencoded")
    _refused(form, 415)
    assert _control(app, "POST", "/reset").status == 200


@pytest.mark.parametrize("host", ["attacker.example:8080", "192.168.1.20:8080", "example.com"])
def test_without_a_token_only_loopback_host_names_are_served(host: str) -> None:
    # A page whose name was re-bound to 127.0.0.1 sends its own name as Host.
    app = new_emulator()
    answer = _control(app, "POST", "/reset", Host=host, Origin=f"http://{host}")
    assert "loopback" in _refused(answer, 403)


@pytest.mark.parametrize("host", ["localhost:8080", "127.0.0.1:1", "[::1]:8080", "app.localhost"])
def test_loopback_host_names_are_served(host: str) -> None:
    assert _control(new_emulator(), "GET", "/config", Host=host).status == 200


# -- the token ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"{TOKEN}"],
)
def test_with_a_token_every_control_call_needs_it(authorization: str | None) -> None:
    app = new_emulator(control_token=TOKEN)
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, endpoint in (("GET", "/config"), ("GET", "/stats"), ("POST", "/reset")):
        answer = _control(app, method, endpoint, **headers)
        assert "Bearer" in _refused(answer, 401)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_right_token_is_accepted_under_any_name(scheme: str) -> None:
    app = new_emulator(control_token=TOKEN)
    authorization = f"{scheme} {TOKEN}"
    answer = _control(app, "GET", "/config", Authorization=authorization, Host="emu.example")
    assert answer.status == 200
    answer = _control(
        app,
        "PATCH",
        "/config",
        {"seed": 9},
        Authorization=authorization,
        Content_Type="application/json",
    )
    assert answer.json["seed"] == 9


def test_the_token_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []

    def compare(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return given == expected

    monkeypatch.setattr(control_module.hmac, "compare_digest", compare)
    app = new_emulator(control_token=TOKEN)
    assert _control(app, "GET", "/config", Authorization="Bearer guess").status == 401
    assert compared == [(b"guess", TOKEN.encode())]


def test_the_token_does_not_touch_the_cloud_api() -> None:
    app = new_emulator(control_token=TOKEN)
    assert call(app, "GET", "/datacenters").status == 200


def test_the_python_helpers_need_no_token() -> None:
    with running_emulator(control_token=TOKEN) as handle:
        assert handle.configure(latency=0.001)["latency"] == 0.001
        image = handle.add_private_image(name="i", location="us/las", size=1)
        handle.reset()
        assert handle.emulator.controls.settings()["latency"] == 0
        headers = handle.control_headers()
        assert headers == {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
        with urllib3.PoolManager(retries=False, timeout=30) as pool:
            url = handle.base_url + "/_emulator/config"
            assert pool.request("GET", url).status == 401
            reply = pool.request("PATCH", url, body=b'{"seed": 3}', headers=headers)
            assert reply.status == 200
        assert image


@pytest.mark.parametrize("token", ["", "two words", "tab\there", "naïve", "x" * 1025, 7])
def test_a_token_must_be_visible_ascii(token: Any) -> None:
    with pytest.raises(ValueError, match="control token") as caught:
        EmulatorConfig(users=[USER], control_token=token)
    if isinstance(token, str) and token:
        assert token not in str(caught.value)


def test_the_token_stays_out_of_reprs() -> None:
    config = EmulatorConfig(users=[USER], control_token=TOKEN)
    assert TOKEN not in repr(config)
    assert "control_token=<set>" in repr(config)


# -- turned off -----------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["", "/", "/config", "/reset", "/stats", "/images"])
def test_without_the_control_api_its_paths_are_404(endpoint: str) -> None:
    app = new_emulator(control_api=False)
    for method in ("GET", "POST"):
        answer = _control(app, method, endpoint, Content_Type="application/json")
        assert answer.status == 404
        assert answer.json == {
            "httpStatus": 404,
            "messages": [{"errorCode": "309", "message": "Resource does not exist"}],
        }


def test_without_the_control_api_the_python_helpers_still_work() -> None:
    with running_emulator(control_api=False) as handle:
        assert handle.configure(seed=4)["seed"] == 4
        handle.add_private_image(name="i", location="us/las", size=1)
        handle.reset()


# -- where it listens -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("192.168.1.10", False),
        ("10.0.0.1", False),
        ("no-such-host.invalid", False),
    ],
)
def test_binds_only_loopback(host: str, loopback: bool) -> None:
    assert binds_only_loopback(host) is loopback


def test_is_loopback_name_never_looks_names_up() -> None:
    assert is_loopback_name("LOCALHOST.")
    assert is_loopback_name("db.localhost")
    assert not is_loopback_name("localhost.attacker.example")
    assert not is_loopback_name("127.0.0.1.nip.io")


def test_running_emulator_refuses_an_exposed_control_api() -> None:
    with pytest.raises(ValueError, match="control_token"), running_emulator(host="0.0.0.0"):
        pass


def test_emulator_server_itself_refuses_an_exposed_control_api() -> None:
    # The rule holds for a program that builds the server itself, not only for the command
    # line and running_emulator; it is checked before anything is bound.
    emulator = Emulator(EmulatorConfig(users=[("a@example.com", "pw")]))
    for host in ("0.0.0.0", "::"):
        with pytest.raises(ValueError, match="control_token"):
            server_module.EmulatorServer(emulator, host=host, port=0)
    # On loopback nothing is needed.
    server_module.EmulatorServer(emulator, host="127.0.0.1", port=0).stop()


def test_check_access_lets_a_plain_program_through() -> None:
    assert (
        check_access(method="POST", headers={}, scheme="http", has_body=False, token=None) is None
    )


class _NoServer:
    """Stands in for EmulatorServer in main(): records its emulator, serves nothing."""

    started: ClassVar[list[Emulator]] = []

    def __init__(self, emulator: Emulator, **kwargs: Any) -> None:
        self.emulator = emulator
        self.url = "http://0.0.0.0:1/cloudapi/v4"
        self.base_url = "http://0.0.0.0:1"

    def serve_forever(self) -> None:
        _NoServer.started.append(self.emulator)


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> list[Emulator]:
    monkeypatch.setattr(server_module, "EmulatorServer", _NoServer)
    monkeypatch.delenv(cli.CONTROL_TOKEN_VARIABLE, raising=False)
    _NoServer.started = []
    return _NoServer.started


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7"])
def test_cli_refuses_an_exposed_control_api(
    host: str, no_server: list[Emulator], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--host", host, "--port", "0", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "warning" in err
    assert "refusing to start" in err
    assert "--control-token" in err
    assert "--no-control" in err
    assert no_server == []


@pytest.mark.parametrize(
    ("args", "token", "control"),
    [
        (["--control-token", TOKEN], TOKEN, True),
        (["--no-control"], None, False),
    ],
)
def test_cli_starts_exposed_with_a_token_or_without_control(
    args: list[str],
    token: str | None,
    control: bool,
    no_server: list[Emulator],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--host", "0.0.0.0", "--port", "0", *args]) == 0
    err = capsys.readouterr().err
    assert "warning" in err
    assert TOKEN not in err
    (emulator,) = no_server
    assert emulator.config.control_token == token
    assert emulator.config.control_api is control


def test_cli_reads_the_token_from_the_environment(
    no_server: list[Emulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cli.CONTROL_TOKEN_VARIABLE, TOKEN)
    assert cli.main(["--host", "0.0.0.0", "--port", "0", "--quiet"]) == 0
    assert no_server[0].config.control_token == TOKEN


def test_cli_on_loopback_needs_nothing(
    no_server: list[Emulator], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--port", "0"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert no_server[0].config.control_token is None


@pytest.mark.parametrize(
    "args",
    [
        ["--control-token", "two words"],
        ["--control-token", ""],
        ["--control-token", TOKEN, "--no-control"],
        ["--latency", "1e300"],
        ["--delay", "86401"],
        ["--rate-window", "1e300"],
    ],
)
def test_cli_bad_control_options_are_usage_errors(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["--port", "0", *args])
    assert caught.value.code == 2
    assert "error" in capsys.readouterr().err


def test_the_real_cli_exits_2_on_an_exposed_address() -> None:
    process = subprocess.run(
        [sys.executable, "-m", "profitbricks.emulator", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={key: value for key, value in os.environ.items() if key != cli.CONTROL_TOKEN_VARIABLE},
    )
    assert process.returncode == 2
    assert "refusing to start" in process.stderr
