#!/usr/bin/env python3
"""Search for Images: HDD images by partial case-insensitive name and location (SDK guide).

Uses PROFITBRICKS_USERNAME / PROFITBRICKS_PASSWORD; ``--emulator`` runs it against a local emulator.
"""

import os

from _runner import prepare

from profitbricks.client import ProfitBricksService

prepare()


def find_image(conn, name, location):
    """
    Find image by partial name and location
    """
    images = []
    for item in conn.list_images()["items"]:
        if (
            item["properties"]["location"] == location
            and item["properties"]["imageType"] == "HDD"
            and name.lower() in item["properties"]["name"].lower()
        ):
            images.append(item)
    return images


# Instantiate ProfitBricks connection
client = ProfitBricksService(
    username=os.getenv("PROFITBRICKS_USERNAME"), password=os.getenv("PROFITBRICKS_PASSWORD")
)

# Search criteria based on partial case-insensitive name and location
name = "Ubuntu"
location = "de/fkb"

# Find images based on above search criteria
for image in find_image(client, name, location):
    print(
        "{0}\t{1}\t{2}".format(  # noqa: UP030
            image["id"], image["properties"]["name"], image["properties"]["location"]
        )
    )
