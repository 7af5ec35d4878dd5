"""The pytest fixture's ``snapshot()`` and ``restore()``: deep, independent, repeatable."""

from __future__ import annotations

import copy

from profitbricks.emulator.testing import EmulatorHandle
from profitbricks.resources import Datacenter


def test_snapshot_and_restore_are_independent(emulator: EmulatorHandle) -> None:
    client = emulator.client
    kept = client.create_datacenter(Datacenter(name="kept", location="us/las"))
    snapshot = emulator.snapshot()
    frozen = copy.deepcopy(snapshot.document)

    client.update_datacenter(kept["id"], name="changed before restore")
    client.create_datacenter(Datacenter(name="extra", location="us/las"))
    emulator.restore(snapshot)
    names = [dc["properties"]["name"] for dc in client.list_datacenters(depth=1)["items"]]
    assert names == ["kept"]

    client.update_datacenter(kept["id"], name="changed after restore")
    client.create_datacenter(Datacenter(name="after", location="us/las"))
    assert snapshot.document == frozen
    emulator.restore(snapshot)
    names = [dc["properties"]["name"] for dc in client.list_datacenters(depth=1)["items"]]
    assert names == ["kept"]
    assert snapshot.document == frozen


def test_restore_brings_back_the_settings_of_the_snapshot(emulator: EmulatorHandle) -> None:
    emulator.configure(progression="polls:3", rate_limit=500)
    snapshot = emulator.snapshot()
    emulator.configure(progression="immediate", rate_limit=None)
    emulator.restore(snapshot)
    settings = emulator.emulator.controls.settings()
    assert (settings["progression"], settings["rate_limit"]) == ("polls:3", 500)
