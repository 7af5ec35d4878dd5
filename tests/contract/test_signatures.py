"""The public surface matches the golden list in ``signatures.py``, and ``__all__`` is honest."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import profitbricks.client
import profitbricks.errors
import profitbricks.resources
import profitbricks.types
from profitbricks._config import HAS_KEYRING
from profitbricks.aio import AsyncProfitBricksService

from .signatures import CLIENT_ALL, SIGNATURES


def parameters(obj: Any) -> tuple[str, ...]:
    sig = inspect.signature(obj)
    bare = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    text = str(sig.replace(parameters=bare, return_annotation=inspect.Signature.empty))
    keyring_default = f"use_keyring={HAS_KEYRING}"
    return tuple(
        "use_keyring=HAS_KEYRING" if part == keyring_default else part
        for part in text[1:-1].split(", ")
        if part
    )


def resolve(name: str) -> Any:
    obj: Any = profitbricks.client
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


SERVICE_NAMES = sorted(name for name in SIGNATURES if name.startswith("ProfitBricksService"))


def resolve_async(name: str) -> Any:
    obj: Any = AsyncProfitBricksService
    for part in name.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def public_methods(service: type) -> dict[str, Any]:
    """The public methods (and the 4.x ``_create_*_dict`` helpers) of a client class."""
    return {
        name: getattr(service, name)
        for name in dir(service)
        if (not name.startswith("_") or name.startswith("_create_"))
        and callable(getattr(service, name))
        and not isinstance(getattr(service, name), type)
    }


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature_is_pinned(name: str) -> None:
    assert parameters(resolve(name)) == SIGNATURES[name]


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_async_signature_is_pinned_too(name: str) -> None:
    assert parameters(resolve_async(name)) == SIGNATURES[name]


def test_no_public_method_is_unpinned() -> None:
    service = profitbricks.client.ProfitBricksService
    public = {
        f"ProfitBricksService.{name}"
        for name, value in vars(service).items()
        if callable(value) and (not name.startswith("_") or name.startswith("_create_"))
    }
    pinned = {name for name in SIGNATURES if name.startswith("ProfitBricksService.")}
    assert public == pinned


def test_the_async_client_has_exactly_the_methods_of_the_blocking_one() -> None:
    sync = public_methods(profitbricks.client.ProfitBricksService)
    asynchronous = public_methods(AsyncProfitBricksService)
    assert sorted(asynchronous) == sorted(sync)


def test_every_async_method_that_calls_the_api_is_a_coroutine_function() -> None:
    for name, method in public_methods(AsyncProfitBricksService).items():
        pure = name.startswith("_create_")
        assert inspect.iscoroutinefunction(method) is not pure, name


def test_client_all_is_pinned_and_importable() -> None:
    assert profitbricks.client.__all__ == CLIENT_ALL
    for name in CLIENT_ALL:
        assert getattr(profitbricks.client, name) is not None


def test_client_reexports_every_exception() -> None:
    for name in profitbricks.errors.__all__:
        assert getattr(profitbricks.client, name) is getattr(profitbricks.errors, name)
        assert name in profitbricks.client.__all__


@pytest.mark.parametrize(
    "module", [profitbricks.client, profitbricks.resources, profitbricks.types], ids=str
)
def test_all_lists_exactly_the_public_classes(module: Any) -> None:
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), name
    defined_here = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and inspect.isclass(value)
        and value.__module__ == module.__name__
    }
    assert defined_here <= set(module.__all__)


def test_resource_classes_are_the_same_everywhere() -> None:
    for name in profitbricks.resources.__all__:
        if name != "Resource":
            assert getattr(profitbricks.client, name) is getattr(profitbricks.resources, name)
