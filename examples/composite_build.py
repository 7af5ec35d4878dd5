#!/usr/bin/env python3
"""Composite Build: a data center with a fully equipped server in one request (SDK guide).

Nests a server with two NICs (one with a firewall rule) and two new volumes in a single
create-datacenter request, waits for it, makes LAN 1 public, and prints the data center at
depth 5. Uses PROFITBRICKS_USERNAME / PROFITBRICKS_PASSWORD; ``--emulator`` runs it against a
local emulator.
"""

import json
import os

from _runner import prepare
from common import wait_for_completion

from profitbricks.client import NIC, Datacenter, FirewallRule, ProfitBricksService, Server, Volume

prepare()

# Instatiate ProfitBricks connection
client = ProfitBricksService(
    username=os.getenv("PROFITBRICKS_USERNAME"), password=os.getenv("PROFITBRICKS_PASSWORD")
)

# Define a firewall rule
fwrule1 = FirewallRule(
    name="Allow SSH",
    protocol="TCP",
    source_ip="0.0.0.0",
    port_range_start=22,
    port_range_end=22,
    icmp_type=None,
)

# Define a public NIC
nic1 = NIC(
    name="Public NIC", dhcp=True, lan=1, firewall_active=True, firewall_rules=[fwrule1], nat=False
)

# Define a private NIC
nic2 = NIC(name="Private NIC", dhcp=True, lan=2)

# Define a system volume
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

# Define a data volume
volume2 = Volume(name="Data Volume", size=100, type="SSD", bus="VIRTIO", licence_type="OTHER")

# Define a server with associated NICs and volumes
server = Server(
    name="Python SDK Server",
    ram=4096,
    cores=4,
    cpu_family="INTEL_XEON",
    nics=[nic1, nic2],
    create_volumes=[volume1, volume2],
)

# Define a data center with the server
datacenter = Datacenter(
    name="Python SDK Data Center",
    description="Python SDK data center",
    location="us/las",
    servers=[server],
)

# Initiate the data center and nested resource provisioning
response = client.create_datacenter(datacenter)

# Wait for the data center and nested resources to finish provisioning
wait_for_completion(client, response, 1800)

datacenter_id = response["id"]

# Set the first LAN to public
response = client.update_lan(datacenter_id=datacenter_id, lan_id=1, name="Public LAN", public=True)

wait_for_completion(client, response, 1800)

# Print the data center properties and nested resources
response = client.get_datacenter(datacenter_id=datacenter_id, depth=5)
print(json.dumps(response, indent=4))
