"""Clients and request pipelines built the way ``ProfitBricksService`` and the command line build
their own, on either network transport, for tests."""

from __future__ import annotations

from typing import Any

from profitbricks._pipeline import Pipeline
from profitbricks._simple_transport import SimpleTransport, simple_transport_for
from profitbricks._transport import HttpTransport
from profitbricks.client import ProfitBricksService

#: The network transports, by test id: every transport-level test runs on each.
TRANSPORTS: dict[str, type[HttpTransport] | type[SimpleTransport]] = {
    "urllib3": HttpTransport,
    "stdlib": SimpleTransport,
}

_TRANSPORT_OPTIONS = frozenset(
    {"timeout", "ssl_verify", "host_cert", "maxsize", "proxy_url", "cert_file", "key_file"}
)


def http_pipeline(
    url: str,
    username: str,
    password: str,
    *,
    transport_class: type[HttpTransport] | type[SimpleTransport] = HttpTransport,
    **options: Any,
) -> Pipeline:
    """``options`` go to the transport when they are its own, to the Pipeline otherwise."""
    transport_options = {k: v for k, v in options.items() if k in _TRANSPORT_OPTIONS}
    pipeline_options = {k: v for k, v in options.items() if k not in _TRANSPORT_OPTIONS}
    transport = transport_class(url, **transport_options)
    return Pipeline(transport, url, username=username, password=password, **pipeline_options)


def service_on(
    transport_class: type[HttpTransport] | type[SimpleTransport],
    host_base: str,
    username: str,
    password: str,
    **options: Any,
) -> ProfitBricksService:
    """A client of ``host_base`` whose calls go through ``transport_class``: the client's own
    ``HttpTransport``, or a ``SimpleTransport`` made from the client's settings as the command
    line makes it. ``options`` are the client's keyword arguments."""
    kwargs: dict[str, Any] = {"use_config": False, "use_keyring": False, **options}
    client = ProfitBricksService(username, password, host_base=host_base, **kwargs)
    if transport_class is HttpTransport:
        return client
    transport = simple_transport_for(client)
    assert transport is not None, "a client behind a proxy has no SimpleTransport"
    return ProfitBricksService(
        username, password, host_base=host_base, transport=transport, **kwargs
    )
