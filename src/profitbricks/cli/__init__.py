"""The ``profitbricks`` command line."""
