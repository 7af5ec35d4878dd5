"""No password ever shows in a log record, an exception, a traceback or a repr.

A canary secret is used as an image password, a user's password and (for that user's client) the
Basic-auth password, while DEBUG logging of every logger is captured and errors, retries, waits and
failed requests are provoked. Then every text the SDK produced is searched for the canary and for
the Basic-auth tokens.
"""

from __future__ import annotations

import base64
import logging
import traceback
from collections.abc import Callable
from typing import Any

import pytest

from profitbricks.client import Datacenter, ProfitBricksService, User, Volume
from profitbricks.emulator.testing import EmulatorHandle

CANARY = "Canary4b7e1d9aPW"
CANARY_EMAIL = "canary.user@example.com"
MISSING = "00000000-0000-4000-8000-000000000000"


def basic_token(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


class Evidence:
    """Every text that must not contain a secret."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []
        self.errors = 0

    def add(self, where: str, text: str) -> None:
        self.texts.append((where, text))

    def add_repr(self, where: str, obj: object) -> None:
        self.add(f"repr({where})", repr(obj))

    def expect_error(self, where: str, action: Callable[[], Any]) -> BaseException:
        try:
            action()
        except Exception as exc:
            error = exc
        else:
            raise AssertionError(f"{where}: expected an error")
        self.errors += 1
        self.add(f"str({where})", str(error))
        self.add(f"repr({where})", repr(error))
        self.add(f"args({where})", repr(error.args))
        self.add(f"traceback({where})", "".join(traceback.format_exception(error)))
        return error

    def add_records(self, records: list[logging.LogRecord]) -> None:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        for record in records:
            self.add(f"log {record.name}", formatter.format(record))
            self.add(f"log args {record.name}", repr(record.args))
            self.add(f"log msg {record.name}", str(record.msg))

    def leaks(self, secrets: list[str]) -> list[str]:
        return [
            f"{where}: {secret!r}"
            for where, text in self.texts
            for secret in secrets
            if secret in text
        ]


def fast_client(emulator: EmulatorHandle, username: str, password: str) -> ProfitBricksService:
    """A client whose retries do not really sleep."""
    client = emulator.new_client(username, password, retries=2)
    client.pipeline.sleep = lambda seconds: None
    return client


def test_secrets_never_leak(emulator: EmulatorHandle, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    evidence = Evidence()
    admin = fast_client(emulator, emulator.username, emulator.password)

    dc = admin.create_datacenter(Datacenter(name="canary-dc", location="us/las"))
    admin.wait_for_completion(dc)
    volume = Volume(
        name="canary-volume",
        size=10,
        image_alias="ubuntu:16.04",
        image_password=CANARY,
        ssh_keys=["ssh-rsa AAAAB3NzaC1yc2E canary@example.com"],
    )
    evidence.add_repr("volume", volume)
    created = admin.create_volume(dc["id"], volume)
    # Positive control: the API echoes the image password, so the canary really went out.
    assert created["properties"]["imagePassword"] == CANARY
    admin.wait_for_completion(created, on_poll=lambda doc: evidence.add("on_poll", repr(doc)))

    user = User(
        firstname="Canary",
        lastname="Bird",
        email=CANARY_EMAIL,
        password=CANARY,
        administrator=True,
    )
    evidence.add_repr("user", user)
    admin.wait_for_completion(admin.create_user(user))

    # The new user's own client: its Basic-auth token contains the canary.
    mine = fast_client(emulator, CANARY_EMAIL, CANARY)
    evidence.add_repr("service", mine)
    evidence.add_repr("transport", mine.transport)
    assert mine.list_datacenters()["type"] == "collection"

    evidence.expect_error("404", lambda: mine.get_datacenter(MISSING))
    evidence.expect_error(
        "401", lambda: fast_client(emulator, CANARY_EMAIL, CANARY + "-wrong").list_datacenters()
    )
    evidence.expect_error(
        "client-side validation",
        lambda: mine.create_volume(
            dc["id"], Volume(name="bad", size=-5, image_password=CANARY, disk_type="FLOPPY")
        ),
    )
    unchecked = emulator.new_client(
        CANARY_EMAIL,
        CANARY,
        validate=False,
        retries=0,
    )
    evidence.expect_error(
        "422",
        lambda: unchecked.create_volume(
            dc["id"], Volume(name="bad", size=5, image_password=CANARY, disk_type="FLOPPY")
        ),
    )

    emulator.configure(error_probability=1.0)
    evidence.expect_error("503 after retries", lambda: mine.create_volume(dc["id"], volume))
    emulator.configure(error_probability=0.0, rate_limit=1, rate_window=1)
    mine.list_locations()
    evidence.expect_error("429 after retries", lambda: mine.create_user(user))
    emulator.configure(rate_limit=None, fail_probability=1.0)
    failing = mine.create_volume(dc["id"], volume)
    evidence.expect_error("failed request", lambda: mine.wait_for_completion(failing))
    evidence.expect_error(
        "wait on a dict without requestId", lambda: mine.wait_for_completion(volume.__dict__)
    )

    evidence.add_records(caplog.records)
    assert evidence.errors == 8
    assert any(r.name == "profitbricks" and "->" in r.getMessage() for r in caplog.records)

    secrets = [
        CANARY,
        basic_token(CANARY_EMAIL, CANARY),
        basic_token(CANARY_EMAIL, CANARY + "-wrong"),
        emulator.password,
        basic_token(emulator.username, emulator.password),
    ]
    assert evidence.leaks(secrets) == []
    evidence.add("control", f"text with {CANARY}")
    assert evidence.leaks(secrets) == [f"control: {CANARY!r}"]
