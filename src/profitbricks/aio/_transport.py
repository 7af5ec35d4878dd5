"""The asyncio transports: aiohttp over the network, and a blocking transport run off the loop.

:class:`AiohttpTransport` is the :class:`~profitbricks._pipeline.AsyncTransport` of
``AsyncProfitBricksService``. Like the blocking ``HttpTransport`` it only moves bytes (the request
pipeline adds headers, retries, the deadline, errors and logging) and it

- keeps one aiohttp ``ClientSession`` with one ``TCPConnector`` (the connection pool) per client,
  made on first use inside the running event loop;
- uses one ``ssl.SSLContext`` per client, built by ``profitbricks._transport.tls_context`` (the
  same function and settings as the blocking client: the CA store and client certificate loaded
  once);
- reads a reply body with a limit: a declared ``Content-Length`` beyond it is refused before
  anything is read, an undeclared body is read in chunks and refused once it passes;
- bounds each connect by the client's connect timeout, each attempt by the connect plus the read
  timeout (70 s by default) and the whole call by its deadline, with aiohttp's total timeout, so
  a server that trickles bytes is cut off;
- never follows a redirect and never reads proxy settings from the environment on its own (the
  client resolved them once). Besides the pipeline's headers it sends aiohttp's ``Accept: */*``
  and ``Accept-Encoding: gzip, deflate`` (a compressed reply is decompressed, and the reply limit
  applies to the decompressed body).

:class:`BlockingTransport` runs any blocking :class:`~profitbricks._pipeline.Transport` (the
emulator's ``InMemoryTransport``, a recording transport in tests) in a worker thread, so the
asyncio client can use it; ``AsyncProfitBricksService(transport=...)`` wraps a blocking transport
in it by itself.
"""

from __future__ import annotations

import asyncio
import inspect
import ssl
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from profitbricks._config import parse_base_url
from profitbricks._pipeline import (
    CASE_INSENSITIVE_HEADERS,
    DEFAULT_MAX_REPLY_BYTES,
    AnyTransport,
    AsyncTransport,
    RawReply,
    Transport,
    TransportFailure,
    deadline_failure,
    reply_too_large,
    time_left,
)

if TYPE_CHECKING:
    import aiohttp
    from urllib3 import Timeout

__all__ = ["AiohttpTransport", "BlockingTransport", "as_async_transport"]

_CHUNK = 256 * 1024
_AIOHTTP: Any = None


def _aiohttp() -> Any:
    """The aiohttp module, imported on first use (importing profitbricks.aio stays cheap)."""
    global _AIOHTTP
    if _AIOHTTP is None:
        import aiohttp

        _AIOHTTP = aiohttp
    return _AIOHTTP


def _timeouts(timeout: float | Timeout | None) -> tuple[float, float]:
    """(connect, read) seconds for a ``timeout=`` argument, as the blocking client reads it."""
    from urllib3 import Timeout

    from profitbricks._transport import DEFAULT_TIMEOUT

    if timeout is None:
        timeout = DEFAULT_TIMEOUT
    if not isinstance(timeout, Timeout):
        return float(timeout), float(timeout)
    connect = timeout.connect_timeout
    read = timeout.read_timeout
    # urllib3 leaves an unset part as a sentinel object or None: no limit of its own then.
    return (
        float(connect) if isinstance(connect, (int, float)) else float("inf"),
        float(read) if isinstance(read, (int, float)) else float("inf"),
    )


def _describe(exc: BaseException) -> tuple[str, bool, bool]:
    """A one-line reason for an aiohttp failure, whether the request may have been sent, and
    whether repeating may help (the same texts as the blocking transport)."""
    import aiohttp

    if isinstance(exc, aiohttp.ClientSSLError):
        return f"TLS failed: {exc}", False, False
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = exc.strerror or type(exc.os_error).__name__
        return f"cannot connect ({reason})", False, True
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return "connect timed out", False, True
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return "no answer within the read timeout", True, True
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the reply was cut short (truncated body)", True, True
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "connection broken before a complete reply (ServerDisconnectedError)", True, True
    if isinstance(exc, aiohttp.ClientResponseError):
        # aiohttp reports an unparsable status line or header as a 400 of its own making.
        return f"connection broken: not an HTTP reply ({exc.message})", True, True
    if isinstance(exc, (aiohttp.ClientOSError, OSError)):
        return f"connection broken ({type(exc).__name__})", True, True
    return f"{type(exc).__name__}: {exc}", True, False


async def _read_body(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The whole body of ``response``, at most ``limit`` bytes (TransportFailure beyond)."""
    declared = response.content_length
    encoded = "Content-Encoding" in response.headers
    if declared is not None and not encoded:
        if declared > limit:
            raise reply_too_large(response.status, declared, limit)
        return await response.read()
    chunks = []
    total = 0
    while True:
        chunk = await response.content.read(min(_CHUNK, limit - total + 1))
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise reply_too_large(response.status, None, limit)
        chunks.append(chunk)
    return b"".join(chunks)


class AiohttpTransport:
    """The network :class:`~profitbricks._pipeline.AsyncTransport`: one aiohttp session and pool.

    - ``timeout``: seconds (connect and read) or a ``urllib3.Timeout``; None means the blocking
      client's default (10 s connect, 60 s read);
    - ``ssl_verify``, ``host_cert``, ``cert_file``/``key_file``: as ``HttpTransport``, loaded once
      into one TLS context;
    - ``maxsize``: connections the pool keeps open at most (aiohttp's default, 100); tasks beyond
      it wait for a free connection, until their deadline;
    - ``proxy_url``: send everything through this HTTP(S) proxy.

    The session belongs to the event loop that made the first call; ``close()`` it (or the client)
    before using the client from another loop.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float | Timeout | None = None,
        ssl_verify: bool = True,
        host_cert: str | None = None,
        maxsize: int = 100,
        proxy_url: str | None = None,
        cert_file: str | None = None,
        key_file: str | None = None,
    ) -> None:
        base = parse_base_url(base_url)
        self.base_url = base.url
        self._origin = base.origin
        self.connect_timeout, self.read_timeout = _timeouts(timeout)
        #: seconds one attempt may take in all: connect plus read timeout
        self.attempt_timeout = self.connect_timeout + self.read_timeout
        self.maxsize = maxsize
        self.proxy_url = proxy_url or None
        self.tls: ssl.SSLContext | None = None
        if base.scheme == "https" or (proxy_url or "").startswith("https"):
            from profitbricks._transport import tls_context

            self.tls = tls_context(
                verify=ssl_verify, host_cert=host_cert, cert_file=cert_file, key_file=key_file
            )
        self._session: aiohttp.ClientSession | None = None
        self._last_timeout: aiohttp.ClientTimeout | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"

    async def __aenter__(self) -> AiohttpTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _open(self) -> aiohttp.ClientSession:
        import aiohttp
        from multidict import CIMultiDict, CIMultiDictProxy

        if self._closed:
            raise RuntimeError("this transport is closed")
        CASE_INSENSITIVE_HEADERS.update((CIMultiDictProxy, CIMultiDict))
        connector = aiohttp.TCPConnector(
            limit=self.maxsize, ssl=self.tls if self.tls is not None else True
        )
        self._loop = asyncio.get_running_loop()
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=True,
            trust_env=False,
            timeout=aiohttp.ClientTimeout(
                total=self.attempt_timeout, sock_connect=self.connect_timeout
            ),
        )
        return self._session

    def _timeout(self, deadline: float | None) -> tuple[aiohttp.ClientTimeout, bool]:
        """The attempt's aiohttp timeouts, and whether its total is the call's deadline.

        An attempt may take the connect plus the read timeout in all (``attempt_timeout``), and
        never past the deadline. aiohttp's read timeout (silence between reads) is not used: it
        re-arms a timer on every read, about 7% of a call's CPU; an attempt bounded as a whole
        serves the same purpose for the API's replies. Calls made within a second of each other
        share one ``ClientTimeout`` (building one per call costs about 2% more): an attempt then
        ends up to a second late, as aiohttp rounds long timeouts to whole seconds anyway.
        """
        limit = self.attempt_timeout
        at_deadline = False
        if deadline is not None:
            left = time_left(deadline)
            if left <= limit:
                limit, at_deadline = left, True
        cached = self._last_timeout
        if cached is not None and limit <= cached.total <= limit + 1.0:  # type: ignore[operator]
            return cached, at_deadline
        timeout = _aiohttp().ClientTimeout(
            total=None if limit == float("inf") else limit,
            sock_connect=min(self.connect_timeout, limit),
        )
        self._last_timeout = timeout
        return timeout, at_deadline

    async def close(self) -> None:
        """Close the session and every pooled connection."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        deadline: float | None = None,
        max_bytes: int = DEFAULT_MAX_REPLY_BYTES,
    ) -> RawReply:
        """Send one request and read its whole answer (see the AsyncTransport protocol)."""
        if not url.startswith(self._origin):
            raise ValueError(f"{url!r} is not on {self._origin}")
        session = self._session
        if session is None:
            session = self._open()
        elif self._loop is not asyncio.get_running_loop():
            raise RuntimeError(
                "this client's connections belong to another event loop; close the client "
                "(async with) before using it from a new loop"
            )
        timeout, at_deadline = self._timeout(deadline)
        failure: TransportFailure | None = None
        reply: RawReply | None = None
        try:
            async with session.request(
                method,
                url,
                headers=headers,
                data=body,
                allow_redirects=False,
                proxy=self.proxy_url,
                timeout=timeout,
            ) as response:
                try:
                    declared = response.content_length
                    if (
                        declared is not None
                        and declared <= max_bytes
                        and "Content-Encoding" not in response.headers
                    ):
                        data = await response.read()
                    else:
                        data = await _read_body(response, max_bytes)
                except BaseException:
                    response.close()
                    raise
                reply = RawReply(response.status, response.headers, data)
        except TransportFailure as exc:
            failure = exc
        except _aiohttp().ClientError as exc:  # its connect and read timeouts included
            reason, sent, retry = _describe(exc)
            failure = TransportFailure(reason, sent=sent, retry=retry, cause=exc)
        except asyncio.TimeoutError as exc:
            # aiohttp's total timeout: the call's deadline, or the attempt's time. (Caught before
            # OSError: since Python 3.11 asyncio.TimeoutError is the built-in TimeoutError.)
            if at_deadline or (deadline is not None and time.monotonic() >= deadline):
                failure = deadline_failure(exc)
            else:
                failure = TransportFailure(
                    f"no complete answer within the read timeout (an attempt may take "
                    f"{self.attempt_timeout:g} s: connect plus read timeout)",
                    sent=True,
                    cause=exc,
                )
        except OSError as exc:
            reason, sent, retry = _describe(exc)
            failure = TransportFailure(reason, sent=sent, retry=retry, cause=exc)
        if failure is not None:
            raise failure
        assert reply is not None
        return reply


class BlockingTransport:
    """An :class:`~profitbricks._pipeline.AsyncTransport` over a blocking ``Transport``.

    Each ``send`` runs in the event loop's default thread pool (``in_thread=False``: in the loop
    itself, for transports that never block, such as a recording transport in tests).
    """

    def __init__(self, transport: Transport, *, in_thread: bool = True) -> None:
        self.transport = transport
        self.in_thread = in_thread
        base_url = getattr(transport, "base_url", None)
        if base_url is not None:
            self.base_url = base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.transport!r})"

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        deadline: float | None = None,
        max_bytes: int = DEFAULT_MAX_REPLY_BYTES,
    ) -> RawReply:
        """The blocking transport's ``send``, off the event loop."""
        send = self.transport.send
        if not self.in_thread:
            return send(method, url, headers, body, deadline=deadline, max_bytes=max_bytes)
        loop = asyncio.get_running_loop()

        def run() -> RawReply:
            return send(method, url, headers, body, deadline=deadline, max_bytes=max_bytes)

        return await loop.run_in_executor(None, run)

    async def close(self) -> None:
        """Close the blocking transport."""
        self.transport.close()


def as_async_transport(transport: AnyTransport) -> AsyncTransport:
    """``transport`` itself when its ``send`` is a coroutine function, else wrapped in a
    :class:`BlockingTransport`."""
    if inspect.iscoroutinefunction(getattr(transport, "send", None)):
        return transport  # type: ignore[return-value]
    return BlockingTransport(transport)  # type: ignore[arg-type]
