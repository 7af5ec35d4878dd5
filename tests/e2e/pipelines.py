"""An HTTP request pipeline built the way ``ProfitBricksService`` builds its own, for tests."""

from __future__ import annotations

from typing import Any

from profitbricks._pipeline import Pipeline
from profitbricks._transport import HttpTransport

_TRANSPORT_OPTIONS = frozenset(
    {"timeout", "ssl_verify", "host_cert", "maxsize", "proxy_url", "cert_file", "key_file"}
)


def http_pipeline(url: str, username: str, password: str, **options: Any) -> Pipeline:
    """``options`` go to HttpTransport when they are its own, to the Pipeline otherwise."""
    transport_options = {k: v for k, v in options.items() if k in _TRANSPORT_OPTIONS}
    pipeline_options = {k: v for k, v in options.items() if k not in _TRANSPORT_OPTIONS}
    transport = HttpTransport(url, **transport_options)
    return Pipeline(transport, url, username=username, password=password, **pipeline_options)
