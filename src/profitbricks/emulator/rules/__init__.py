"""Validation, integrity and business rules of the emulated Cloud API, one module per family.

Each public function of a family module serves one API operation: it takes a
:class:`~profitbricks.emulator.rules.base.Call` (which carries the parsed request body) plus the
ids from the path, validates, changes state, opens the provisioning request and returns a
:class:`~profitbricks.emulator.results.Result` naming what the reply shows. Rules raise the
domain errors of :mod:`profitbricks.emulator.errors`, know nothing of HTTP and never render:
:mod:`profitbricks.emulator.present` does, in one place.
"""
