pytest_plugins = ["profitbricks.emulator.testing"]
