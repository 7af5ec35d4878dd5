"""The contract: ``GET /contracts``, resource usage and the limits every create must respect.

Usage is computed from state (cores and RAM of servers, HDD/SSD volume sizes in MB, reserved
IPs), so it can never drift. :func:`check` raises :class:`Invalid` naming the attribute whose
value would push the contract over a limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Invalid
from ..results import ContractUsage
from ..state import Contract
from .base import Call, Result

__all__ = ["Demand", "check", "get_contract", "usage"]


@dataclass(slots=True)
class Demand:
    """Additional resources a call would provision."""

    datacenters: int = 0
    cores: int = 0
    ram: int = 0
    hdd: int = 0
    ssd: int = 0
    ips: int = 0

    def add_volume(self, disk_type: str, size_gb: int) -> None:
        if disk_type == "SSD":
            self.ssd += size_gb * 1024
        else:
            self.hdd += size_gb * 1024


def usage(c: Contract) -> dict[str, int]:
    """cores, ram (MB), hdd, ssd (MB), ips reserved and ips in use of contract ``c``."""
    cores = ram = hdd = ssd = 0
    used_ips: set[str] = set()
    for dc in c.datacenters.values():
        for server in dc.servers.values():
            cores += server.props["cores"] or 0
            ram += server.props["ram"] or 0
            for nic in server.nics.values():
                used_ips.update(nic.props["ips"] or ())
        for lb in dc.loadbalancers.values():
            if lb.props["ip"]:
                used_ips.add(lb.props["ip"])
        for volume in dc.volumes.values():
            size = (volume.props["size"] or 0) * 1024
            if volume.props["type"] == "SSD":
                ssd += size
            else:
                hdd += size
    reserved: set[str] = set()
    for block in c.ipblocks.values():
        reserved.update(block.props["ips"])
    return {
        "cores": cores,
        "ram": ram,
        "hdd": hdd,
        "ssd": ssd,
        "ips": len(reserved),
        "ips_in_use": len(reserved & used_ips),
    }


def check(c: Contract, demand: Demand, at: str = "(root).properties") -> None:
    """Raise :class:`Invalid` if ``demand`` on top of current usage exceeds a contract limit."""
    if demand.datacenters and len(c.datacenters) + demand.datacenters > c.datacenter_limit:
        raise Invalid(
            "location",
            f"cannot be used for another data center: the contract allows "
            f"{c.datacenter_limit} data centers",
            at=at,
        )
    if not (demand.cores or demand.ram or demand.hdd or demand.ssd or demand.ips):
        # Creates that claim nothing countable (LANs, NICs, ...) skip the usage scan.
        return
    used = usage(c)
    lim = c.limits
    checks = (
        ("cores", demand.cores, used["cores"], lim["coresPerContract"], "coresPerContract"),
        ("ram", demand.ram, used["ram"], lim["ramPerContract"], "ramPerContract"),
        ("size", demand.hdd, used["hdd"], lim["hddLimitPerContract"], "hddLimitPerContract"),
        ("size", demand.ssd, used["ssd"], lim["ssdLimitPerContract"], "ssdLimitPerContract"),
        ("size", demand.ips, used["ips"], lim["reservableIps"], "reservableIps"),
    )
    for attr, wanted, current, limit, name in checks:
        if wanted > 0 and current + wanted > limit:
            raise Invalid(
                attr,
                f"exceeds the contract's resource limit {name}={limit} "
                f"({current} in use, {wanted} more requested)",
                at=at,
            )


def get_contract(call: Call) -> Result:
    """``GET /contracts``: the caller's contract with limits and usage."""
    return Result(ContractUsage(call.contract, usage(call.contract)))
