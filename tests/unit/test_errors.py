"""The error classes: attributes, one-line str(), and how raw answers map onto them."""

from __future__ import annotations

import pickle

import pytest

from profitbricks._transport import Reply, error_for, reply_from
from profitbricks.errors import (
    PBConfigurationError,
    PBError,
    PBFailedRequest,
    PBNotAuthorizedError,
    PBNotFoundError,
    PBRateLimitExceededError,
    PBRequestError,
    PBTimeoutError,
    PBValidationError,
)

URL = "https://api.example.com/cloudapi/v4/datacenters/x"
LOCATION = (
    "https://api.example.com/cloudapi/v4/requests/0e7b7f10-5a3d-4b45-9e5f-2f1b1e0c9a11/status"
)
RID = "0e7b7f10-5a3d-4b45-9e5f-2f1b1e0c9a11"


def api_error(status: int, code: str, message: str) -> bytes:
    return (
        f'{{"httpStatus": {status}, "messages": [{{"errorCode": "{code}", '
        f'"message": "{message}"}}]}}'
    ).encode()


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, PBNotAuthorizedError),
        (404, PBNotFoundError),
        (422, PBValidationError),
        (429, PBRateLimitExceededError),
        (400, PBError),
        (403, PBError),
        (405, PBError),
        (500, PBError),
        (503, PBError),
    ],
)
def test_status_maps_to_class(status: int, cls: type[PBError]) -> None:
    with pytest.raises(PBError) as info:
        reply_from(status, {}, api_error(status, "309", "Resource does not exist"), "GET", URL)
    error = info.value
    assert type(error) is cls
    assert error.resp == error.status == error.args[0] == status
    assert error.content == [{"errorCode": "309", "message": "Resource does not exist"}]
    assert error.uri == error.url == URL
    assert error.method == "GET"


def test_str_is_one_readable_line() -> None:
    error = error_for(404, api_error(404, "309", "Resource does not exist"), "GET", URL, RID)
    assert str(error) == (
        f"404 Not Found: [309] Resource does not exist (GET {URL}) [request {RID}]"
    )
    assert "\n" not in str(error)


def test_repr_keeps_the_old_constructor_shape() -> None:
    error = PBNotFoundError(404, [{"errorCode": "309", "message": "gone"}], URL)
    assert repr(error) == (
        f"PBNotFoundError(404, [{{'errorCode': '309', 'message': 'gone'}}], '{URL}')"
    )


def test_old_positional_construction_still_works() -> None:
    error = PBError(500, "boom", URL)
    assert error.resp == 500
    assert error.content == "boom"
    assert error.uri == URL
    assert error.method is None
    assert error.request_id is None
    assert str(error) == f"500 Internal Server Error: boom ({URL})"


def test_several_messages_are_joined() -> None:
    body = (
        b'{"httpStatus": 422, "messages": [{"errorCode": "100", "message": "Attribute '
        b'\'size\' is required"}, {"errorCode": "101", "message": "bad\\nname"}]}'
    )
    error = error_for(422, body, "POST", URL)
    assert isinstance(error, PBValidationError)
    assert str(error) == (
        f"422 Unprocessable Entity: [100] Attribute 'size' is required; [101] bad name (POST {URL})"
    )


def test_html_error_page_becomes_an_excerpt() -> None:
    page = (
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
        b"</body>\r\n</html>\r\n" + b"<!-- padding -->" * 200
    )
    with pytest.raises(PBError) as info:
        reply_from(502, {"Content-Type": "text/html"}, page, "GET", URL)
    error = info.value
    assert type(error) is PBError
    assert error.resp == 502
    assert isinstance(error.content, str)
    assert error.content.startswith("502 Bad Gateway 502 Bad Gateway nginx")
    assert len(error.content) <= 200
    assert str(error).startswith("502 Bad Gateway: 502 Bad Gateway")


@pytest.mark.parametrize(
    "body",
    [b'{"httpStatus": 404, "messa', b"\xff\xfe garbage", b'{"unexpected": true}', b"[1, 2]"],
)
def test_broken_error_bodies_never_raise_decode_errors(body: bytes) -> None:
    with pytest.raises(PBNotFoundError) as info:
        reply_from(404, {}, body, "GET", URL)
    assert isinstance(info.value.content, str)
    assert info.value.content


def test_empty_error_body() -> None:
    with pytest.raises(PBError) as info:
        reply_from(500, {}, b"", "DELETE", URL)
    assert info.value.content is None
    assert str(info.value) == f"500 Internal Server Error (DELETE {URL})"


def test_success_with_json_and_location() -> None:
    reply = reply_from(202, {"location": LOCATION}, b'{"id": "x"}', "POST", URL)
    assert reply == Reply(202, reply.headers, {"id": "x"}, RID)
    assert reply.headers["Location"] == LOCATION


def test_success_with_an_empty_body() -> None:
    reply = reply_from(202, {"Location": LOCATION}, b"", "DELETE", URL)
    assert reply.data is None
    assert reply.request_id == RID


def test_success_with_a_non_json_body_is_a_pb_error() -> None:
    with pytest.raises(PBError) as info:
        reply_from(200, {}, b"<html>oops</html>", "GET", URL)
    assert info.value.resp == 200
    assert "not JSON" in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_network_error_str() -> None:
    error = PBError(
        None, "cannot connect (Connection refused) after 4 attempt(s)", URL, method="GET"
    )
    assert str(error) == (
        f"request failed: cannot connect (Connection refused) after 4 attempt(s) (GET {URL})"
    )


def test_configuration_error() -> None:
    error = PBConfigurationError("no ProfitBricks username found")
    assert isinstance(error, PBError)
    assert isinstance(error, ValueError)
    assert error.resp is None
    assert str(error) == "no ProfitBricks username found"
    assert repr(error) == "PBConfigurationError('no ProfitBricks username found')"
    assert error.args == ("no ProfitBricks username found",)


def test_request_errors() -> None:
    status = {"metadata": {"status": "FAILED", "message": "no capacity"}}
    failed = PBFailedRequest("Request r failed to complete: no capacity", "r", status=status)
    assert isinstance(failed, PBRequestError)
    assert failed.request_id == "r"
    assert failed.msg == str(failed) == "Request r failed to complete: no capacity"
    assert failed.status is status
    assert failed.args == ("Request r failed to complete: no capacity", "r")
    timeout = PBTimeoutError("Timed out waiting for request r.", "r")
    assert timeout.status is None
    assert str(timeout) == "Timed out waiting for request r."


def test_errors_survive_pickling() -> None:
    error = PBNotFoundError(404, [{"message": "gone"}], URL, method="GET", request_id=RID)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is PBNotFoundError
    assert (copy.resp, copy.content, copy.uri) == (404, [{"message": "gone"}], URL)
    assert (copy.method, copy.request_id) == ("GET", RID)
    assert str(copy) == str(error)
    config = pickle.loads(pickle.dumps(PBConfigurationError("no username")))
    assert str(config) == "no username"
