"""ProfitBricks Cloud API v4 SDK.

``from profitbricks.client import ProfitBricksService`` is the entry point; see the README.
"""

from __future__ import annotations

__version__ = "5.0.0"

#: Base URL of the ProfitBricks Cloud API v4 (overridden by ``host_base`` or PROFITBRICKS_API_URL).
API_HOST = "https://api.profitbricks.com/cloudapi/v4"
#: Version of the Cloud API this SDK speaks.
API_VERSION = "4.0"

__all__ = ["API_HOST", "API_VERSION", "__version__"]
