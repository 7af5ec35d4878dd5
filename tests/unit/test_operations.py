"""The operation table's entries, and what importing the client loads."""

from __future__ import annotations

import subprocess
import sys

import pytest

import profitbricks.client
import profitbricks.resources
from profitbricks._operations import OPERATIONS


def test_every_body_operation_names_a_resource_of_its_kind() -> None:
    with_resource = [op for op in OPERATIONS.values() if op.resource is not None]
    assert with_resource
    for operation in with_resource:
        assert operation.resource is not None
        assert operation.resource.kind == operation.kind, operation.name


def test_resource_classes_are_the_same_objects_from_the_client() -> None:
    for name in profitbricks.resources.__all__:
        if name != "Resource":
            assert getattr(profitbricks.client, name) is getattr(profitbricks.resources, name)
    with pytest.raises(AttributeError):
        profitbricks.client.NoSuchResource  # noqa: B018


def test_reading_needs_neither_the_resource_classes_nor_validation() -> None:
    code = (
        "import sys\n"
        "from profitbricks.client import ProfitBricksService\n"
        "ProfitBricksService('u', 'p', host_base='http://127.0.0.1:9/cloudapi/v4').transport\n"
        "print(sorted(m for m in sys.modules if m in {'dataclasses', 'profitbricks.resources',"
        " 'profitbricks._payload', 'profitbricks._validation'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    assert result.stdout.strip() == "[]"
