#!/usr/bin/env python3
"""Component Build: a server built from separately provisioned components (SDK guide).

Creates a data center, a public LAN, a server, a NIC with a firewall rule and two volumes,
waiting for each to be provisioned before the next step uses it, then prints the data center
at depth 5. Uses PROFITBRICKS_USERNAME / PROFITBRICKS_PASSWORD; ``--emulator`` runs it against
a local emulator.
"""

import json
import os

from _runner import prepare
from common import wait_for_completion

from profitbricks.client import (
    LAN,
    NIC,
    Datacenter,
    FirewallRule,
    ProfitBricksService,
    Server,
    Volume,
)

prepare()

client = ProfitBricksService(
    username=os.getenv("PROFITBRICKS_USERNAME"), password=os.getenv("PROFITBRICKS_PASSWORD")
)

timeout = 1800

# Create data center
datacenter = Datacenter(
    name="Python SDK Data Center", description="Python SDK data center", location="us/las"
)

response = client.create_datacenter(datacenter=datacenter)
wait_for_completion(client, response, timeout)
datacenter_id = response["id"]

# Create public LAN
lan = LAN(name="Public LAN", public=True)

response = client.create_lan(datacenter_id, lan=lan)
wait_for_completion(client, response, timeout)
lan_id = response["id"]

# Create server
server = Server(name="Python SDK Server", ram=4096, cores=4, cpu_family="INTEL_XEON")

response = client.create_server(datacenter_id=datacenter_id, server=server)
wait_for_completion(client, response, timeout)
server_id = response["id"]

# Create public NIC
nic = NIC(name="Public NIC", dhcp=True, lan=lan_id, firewall_active=True, nat=False)

response = client.create_nic(datacenter_id=datacenter_id, server_id=server_id, nic=nic)
wait_for_completion(client, response, timeout)
nic_id = response["id"]

# Create firwall rule
fwrule = FirewallRule(
    name="Allow SSH",
    protocol="TCP",
    source_ip="0.0.0.0",
    port_range_start=22,
    port_range_end=22,
    icmp_type=None,
)

response = client.create_firewall_rule(
    datacenter_id=datacenter_id, server_id=server_id, nic_id=nic_id, firewall_rule=fwrule
)
wait_for_completion(client, response, timeout)

# Create system volume
volume1 = Volume(
    name="System Volume",
    size=20,
    image="0d4f97f0-1689-11e7-97ce-525400f64d8d",
    bus="VIRTIO",
    type="HDD",
    ssh_keys=["ssh-rsa AAAAB3NzaC1yc2EAAAADAQ..."],
    image_password="s3cr3tpass0rd",
    availability_zone="ZONE_3",
)

response = client.create_volume(datacenter_id=datacenter_id, volume=volume1)
wait_for_completion(client, response, timeout)
volume1_id = response["id"]

# Attach system volume
response = client.attach_volume(
    datacenter_id=datacenter_id, server_id=server_id, volume_id=volume1_id
)
wait_for_completion(client, response, timeout)

# Create data volume
volume2 = Volume(name="Data Volume", size=100, type="SSD", bus="VIRTIO", license_type="OTHER")

response = client.create_volume(datacenter_id=datacenter_id, volume=volume2)
wait_for_completion(client, response, timeout)
volume2_id = response["id"]

# Attach data volume
response = client.attach_volume(
    datacenter_id=datacenter_id, server_id=server_id, volume_id=volume2_id
)
wait_for_completion(client, response, timeout)

live_datacenter = client.get_datacenter(datacenter_id=datacenter_id, depth=5)
print(json.dumps(live_datacenter, indent=4))
