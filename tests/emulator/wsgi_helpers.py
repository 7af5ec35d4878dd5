"""In-process calls of the emulator's WSGI application, and a world with one of everything.

No sockets: the environ is built as a WSGI server builds it (path and headers as latin-1 text
of the bytes on the wire), so hostile input reaches the application exactly as over HTTP, only
hundreds of times faster.
"""

from __future__ import annotations

import base64
import io
import json
import sys
from dataclasses import dataclass
from typing import Any

from profitbricks.emulator import Emulator, EmulatorConfig
from profitbricks.emulator.routes import BASE_PATH, ROUTES

USER = ("fuzz@example.com", "fuzz-secret")
OTHER = ("other@example.com", "other-secret")
UBUNTU_LAS = "0d4f97f0-1689-11e7-97ce-525400f64d8d"

#: a body each resource family accepts on create, by the path segment that names it
CREATE_BODIES: dict[str, dict[str, Any]] = {
    "datacenters": {"properties": {"name": "n", "location": "us/las"}},
    "servers": {"properties": {"name": "n", "cores": 1, "ram": 256}},
    # as large as the volumes of build_world, so that it also serves as a PUT body
    "volumes": {"properties": {"name": "n", "size": 5, "licenceType": "LINUX"}},
    "nics": {"properties": {"name": "n", "lan": 1}},
    "firewallrules": {"properties": {"name": "n", "protocol": "TCP"}},
    "lans": {"properties": {"name": "n"}},
    "loadbalancers": {"properties": {"name": "n"}},
    "ipblocks": {"properties": {"location": "us/las", "size": 1}},
    "groups": {"properties": {"name": "n"}},
    "users": {
        "properties": {
            "firstname": "F",
            "lastname": "L",
            "email": "new@example.com",
            "password": "new-secret-1",
        }
    },
    "shares": {"properties": {"editPrivilege": True}},
}


def basic(user: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()


def wire_text(text: str) -> str:
    """``text`` as a WSGI server hands it over: its UTF-8 bytes, read as latin-1."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def call(
    app: Emulator,
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    content_length: str | None = None,
    auth: tuple[str, str] | None = USER,
    api: bool = True,
) -> Answer:
    """One request: ``path`` is relative to the API base (``api``) or to the server root."""
    full = (BASE_PATH + path) if api else path
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": wire_text(full),
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if auth is not None:
        environ["HTTP_AUTHORIZATION"] = basic(auth)
    if content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    elif body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ["HTTP_" + key] = value
    started: list[Any] = []

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None):  # type: ignore[no-untyped-def]
        started[:] = [status, response_headers]

    try:
        data = b"".join(app(environ, start_response))
    except Exception as error:  # a server would answer 500, so does this
        return Answer(500, {}, f"the application raised {error!r}".encode())
    status_line, response_headers = started
    return Answer(int(status_line.split(" ", 1)[0]), dict(response_headers), data)


def ok(app: Emulator, method: str, path: str, body: Any = None, *, form: str | None = None) -> Any:
    """A call that must succeed; returns the parsed reply (or the reply's request id)."""
    if form is not None:
        answer = call(
            app,
            method,
            path,
            body=form.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    else:
        data = b"" if body is None else json.dumps(body).encode()
        answer = call(app, method, path, body=data, headers={"Content-Type": "application/json"})
    assert answer.status in (200, 202), (method, path, answer.status, answer.text[:300])
    return answer.json


def new_emulator(**config: Any) -> Emulator:
    return Emulator(
        EmulatorConfig(users=[USER, OTHER], progression="immediate", seed=1234, **config)
    )


def build_world(app: Emulator) -> dict[str, list[str]]:
    """One of everything in the first account; returns the ids for each path parameter name."""
    dc = ok(app, "POST", "/datacenters", {"properties": {"name": "w", "location": "us/las"}})["id"]
    d = f"/datacenters/{dc}"
    ok(app, "POST", f"{d}/lans", {"properties": {"name": "lan", "public": True}})
    srv = ok(app, "POST", f"{d}/servers", {"properties": {"name": "s", "cores": 1, "ram": 1024}})
    srv_id = srv["id"]
    attached = ok(
        app,
        "POST",
        f"{d}/volumes",
        {"properties": {"name": "a", "size": 5, "licenceType": "LINUX"}},
    )["id"]
    ok(app, "POST", f"{d}/servers/{srv_id}/volumes", {"id": attached})
    loose = ok(
        app,
        "POST",
        f"{d}/volumes",
        {"properties": {"name": "b", "size": 5, "licenceType": "LINUX"}},
    )["id"]
    images = call(app, "GET", "/images", query="depth=1").json["items"]
    cdrom, spare_cdrom = [
        i["id"]
        for i in images
        if i["properties"]["imageType"] == "CDROM" and i["properties"]["location"] == "us/las"
    ][:2]
    ok(app, "POST", f"{d}/servers/{srv_id}/cdroms", {"id": cdrom})
    nic = ok(app, "POST", f"{d}/servers/{srv_id}/nics", {"properties": {"name": "n", "lan": 1}})
    nic_id = nic["id"]
    spare_nic = ok(app, "POST", f"{d}/servers/{srv_id}/nics", {"properties": {"lan": 1}})["id"]
    rule = ok(
        app,
        "POST",
        f"{d}/servers/{srv_id}/nics/{nic_id}/firewallrules",
        {"properties": {"name": "r", "protocol": "TCP", "portRangeStart": 22, "portRangeEnd": 22}},
    )["id"]
    lb = ok(app, "POST", f"{d}/loadbalancers", {"properties": {"name": "lb"}})["id"]
    ok(app, "POST", f"{d}/loadbalancers/{lb}/balancednics", {"id": nic_id})
    snapshot = ok(app, "POST", f"{d}/volumes/{loose}/create-snapshot", form="name=snap")["id"]
    ipblock = ok(app, "POST", "/ipblocks", {"properties": {"location": "us/las", "size": 1}})["id"]
    group = ok(app, "POST", "/um/groups", {"properties": {"name": "g", "createDataCenter": True}})
    user = ok(
        app,
        "POST",
        "/um/users",
        {
            "properties": {
                "firstname": "F",
                "lastname": "L",
                "email": "member@example.com",
                "password": "member-secret",
            }
        },
    )["id"]
    ok(app, "POST", f"/um/groups/{group['id']}/users", {"id": user})
    loner = ok(
        app,
        "POST",
        "/um/users",
        {
            "properties": {
                "firstname": "G",
                "lastname": "M",
                "email": "loner@example.com",
                "password": "loner-secret",
            }
        },
    )["id"]
    ok(
        app,
        "POST",
        f"/um/groups/{group['id']}/shares/{dc}",
        {"properties": {"editPrivilege": True}},
    )
    private = app.add_private_image(
        owner=USER[0], name="golden", location="us/las", size=2, licenceType="LINUX"
    )
    requests = ok(app, "GET", "/requests")["items"]
    return {
        "dc_id": [dc],
        "srv_id": [srv_id],
        "volume_id": [attached, loose],
        "image_id": [cdrom, private, UBUNTU_LAS, spare_cdrom],
        "nic_id": [nic_id, spare_nic],
        "rule_id": [rule],
        "lan_id": ["1"],
        "lb_id": [lb],
        "snapshot_id": [snapshot],
        "ipblock_id": [ipblock],
        "request_id": [requests[-1]["id"]],
        "group_id": [group["id"]],
        "user_id": [user, loner],
        "resource_id": [dc, snapshot, ipblock, private],
        "resource_type": ["datacenter", "snapshot", "ipblock", "image"],
        "region": ["us"],
        "city": ["las"],
    }


def listing_routes() -> list[str]:
    """Every GET route of the routing table that lists something: its handler is a ``list_``
    rule, or its last segment is a name (the contract, the root, a request's status)."""
    return [
        path
        for path, table in ROUTES
        if "GET" in table
        and (
            table["GET"].__name__.startswith("list_")
            or not path.rstrip("/").rsplit("/", 1)[-1].startswith("<")
        )
    ]


def reset(app: Emulator) -> None:
    """Back to the start-up state and settings (the seed stays, so ids repeat)."""
    app.reset(settings="initial")


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with each ``<name>`` replaced by ``values[name]`` (decoded path text)."""
    out = template
    for name, value in values.items():
        out = out.replace(f"<{name}>", value)
    return out
