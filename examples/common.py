"""``wait_for_completion``, the helper that the Component and Composite Build examples import.

It keeps the signature and the behaviour of the helper printed in the SDK guide ("Wait for
Resources"): it returns at once for a falsy response, returns once the request behind
``response`` is DONE, and raises when the request FAILED (``Request <id> failed to complete:
<message>``) or did not finish within ``timeout`` seconds (``Timed out waiting for request
<id>.``). The exceptions are the SDK's ``PBFailedRequest`` and ``PBTimeoutError``, both
subclasses of ``Exception`` as before.

Instead of sleeping five seconds between polls it lets the SDK poll on its default schedule
(at once, then at intervals growing from 0.1 s to 10 s) and shows the request's progress.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from _runner import request_progress

from profitbricks.errors import PBTimeoutError


def wait_for_completion(conn: Any, response: Mapping[str, Any] | None, timeout: float) -> None:
    """
    Poll resource request status until resource is provisioned.
    """
    if not response:
        return
    request_id = response["requestId"]
    with request_progress(response) as on_poll:
        # The SDK's PBFailedRequest already reads "Request <id> failed to complete: <message>",
        # as the guide's helper did; only the timeout text differs.
        try:
            conn.wait_for_completion(response, timeout, on_poll=on_poll)
        except PBTimeoutError as exc:
            raise PBTimeoutError(
                f"Timed out waiting for request {request_id}.", request_id, exc.status
            ) from exc
