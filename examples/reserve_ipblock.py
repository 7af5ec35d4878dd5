#!/usr/bin/env python3
"""Reserve an IP Block: reserves a public block of five IP addresses in us/las (SDK guide).

Uses PROFITBRICKS_USERNAME / PROFITBRICKS_PASSWORD; ``--emulator`` runs it against a local emulator.
"""

import json
import os

from _runner import prepare

from profitbricks.client import IPBlock, ProfitBricksService

prepare()

# Instatiate ProfitBricks connection
client = ProfitBricksService(
    username=os.getenv("PROFITBRICKS_USERNAME"), password=os.getenv("PROFITBRICKS_PASSWORD")
)

ipblock = IPBlock(location="us/las", size=5)

response = client.reserve_ipblock(ipblock)

print(json.dumps(response, indent=4))
