"""What scripts written for the 4.1.1 command line type, as hidden aliases of our commands.

Nothing here shows in ``--help`` or completion; each entry maps an old spelling to a command of
the operation table (see ``shared/cli`` of the project for the old grammar).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["COMMAND_ALIASES", "FLAG_ALIASES", "RESOURCE_ALIASES", "VERB_ALIASES", "old_flags"]

#: Old top-level commands that are another command of ours (``setup`` asked for credentials).
COMMAND_ALIASES: Mapping[str, str] = {"setup": "configure"}

#: Old resource names: every verb of the new resource is reachable under the old name too.
RESOURCE_ALIASES: Mapping[str, str] = {"drives": "server-cdrom", "firewall": "firewall-rule"}

#: ``(old resource, old verb) -> (operation name, argument that -i/--id gives or None)``.
#: Every ``get`` is also reachable as ``show``; that alias is added for every resource.
VERB_ALIASES: Mapping[tuple[str, str], tuple[str, str | None]] = {
    ("ipblock", "create"): ("reserve_ipblock", None),
    ("snapshot", "create"): ("create_snapshot", None),
    ("snapshot", "restore"): ("restore_snapshot", "snapshot_id"),
    ("volume", "attach"): ("attach_volume", "volume_id"),
    ("volume", "detach"): ("detach_volume", "volume_id"),
    ("nic", "attach"): ("add_loadbalanced_nics", "nic_id"),
    ("nic", "detach"): ("remove_loadbalanced_nic", "nic_id"),
    ("contract", "list"): ("list_contracts", None),
    ("group", "users"): ("list_group_users", "group_id"),
    ("share", "create"): ("add_share", "resource_id"),
    ("share", "remove"): ("delete_share", "resource_id"),
}

#: Old flags whose spelling is not our option's name without dashes or in camelCase.
FLAG_ALIASES: Mapping[str, tuple[str, ...]] = {
    "image": ("--imageid",),
    "ssh_keys": ("--sshkey",),
    "administrator": ("--admin",),
    "access_activity_log": ("--accessactlog",),
    "boot_volume_id": ("--bootVolume", "--bootvolume"),
}


def old_flags(name: str) -> list[str]:
    """The 4.1.1 spellings of the option for SDK argument ``name`` (``server_id``:
    ``--serverid``; ``source_mac``: ``--sourcemac``, ``--sourceMac``), ours excluded."""
    first, *rest = name.split("_")
    spellings = [
        "--" + name.replace("_", ""),
        "--" + first + "".join(word.capitalize() for word in rest),
        *FLAG_ALIASES.get(name, ()),
    ]
    ours = "--" + name.replace("_", "-")
    result: list[str] = []
    for flag in spellings:
        if flag != ours and flag not in result:
            result.append(flag)
    return result
