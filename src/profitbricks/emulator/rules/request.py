"""Requests (``/requests``): the recorded mutating calls and their status.

Administrators see every request of their contract, other users their own. Each
``GET /requests/{id}/status`` counts as a poll for the ``polls:N`` progression policy, and so does
a ``GET /requests`` listing at depth >= 1 (which shows every listed request's status) for each
request it lists.
"""

from __future__ import annotations

from ..errors import NotFound
from ..requests import Request
from ..results import RequestDetail, RequestList, RequestStatus
from .base import Call, Result

__all__ = ["get_request", "get_request_status", "list_requests"]


def _visible(call: Call, request: Request) -> bool:
    if request.contract != call.contract.number:
        return False
    return call.admin or request.user_id == call.user.id


def _find(call: Call, request_id: str) -> Request:
    request = call.log.requests.get(request_id)
    if request is None or not _visible(call, request):
        raise NotFound()
    return request


def list_requests(call: Call) -> Result:
    """``GET /requests``: newest first."""
    items = [r for r in reversed(call.log.requests.values()) if _visible(call, r)]
    # At depth >= 1 every item shows its status (see present.py), which counts as a poll.
    if call.depth >= 1:
        for request in items:
            call.log.poll(request)
    return Result(RequestList(items))


def get_request(call: Call, request_id: str) -> Result:
    """``GET /requests/{id}``."""
    return Result(RequestDetail(_find(call, request_id)))


def get_request_status(call: Call, request_id: str) -> Result:
    """``GET /requests/{id}/status`` (a poll)."""
    request = _find(call, request_id)
    call.log.poll(request)
    return Result(RequestStatus(request))
