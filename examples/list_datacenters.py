#!/usr/bin/env python3
"""List All Data Centers: lists all data centers under an account (SDK guide, Examples).

Uses PROFITBRICKS_USERNAME / PROFITBRICKS_PASSWORD; ``--emulator`` runs it against a local emulator.
"""

import json
import os

from _runner import prepare

from profitbricks.client import ProfitBricksService

prepare()

# Instatiate ProfitBricks connection
client = ProfitBricksService(
    username=os.getenv("PROFITBRICKS_USERNAME"), password=os.getenv("PROFITBRICKS_PASSWORD")
)

# List data centers
datacenters = client.list_datacenters()
print(json.dumps(datacenters, indent=4))
