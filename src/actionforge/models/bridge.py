"""Provider traffic through an ``httpx`` transport, such as the engine's egress guard.

Both SDKs are built on ``httpx2`` (a fork of httpx) and take only an ``httpx2.AsyncClient``; the
egress guard is an ``httpx`` transport. This adapter carries each request across unchanged (method,
URL, raw headers, body, timeouts) and streams the response back, so the guard sees, and may refuse,
every provider request. No library does this; it is a few lines because the two share one design.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import httpx2


def bridged_client(
    transport: httpx.AsyncBaseTransport, *, timeout: float | None = None
) -> httpx2.AsyncClient:
    """An ``httpx2.AsyncClient`` for `open_model` that sends through ``transport``.

    ``trust_env=False``: proxy variables would otherwise mount proxy transports that bypass it.
    """
    return httpx2.AsyncClient(transport=HttpxTransportBridge(transport), trust_env=False, timeout=timeout)


class HttpxTransportBridge(httpx2.AsyncBaseTransport):
    """An httpx2 transport that hands every request to an httpx transport."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        legacy = httpx.Request(
            request.method,
            str(request.url),
            headers=request.headers.raw,
            content=await request.aread(),
            extensions={k: v for k, v in request.extensions.items() if k == "timeout"},
        )
        try:
            response = await self._transport.handle_async_request(legacy)
        except httpx.TransportError as error:
            raise _same_error(error, request) from error
        return httpx2.Response(
            response.status_code,
            headers=response.headers.raw,
            stream=_Body(response, request),
            request=request,
        )

    async def aclose(self) -> None:
        await self._transport.aclose()


class _Body(httpx2.AsyncByteStream):
    def __init__(self, response: httpx.Response, request: httpx2.Request) -> None:
        self._response = response
        self._request = request
        # One iterator for every pass: the SDKs stop reading a stream at its last event, then
        # drain the rest so the connection can serve the next request. A second aiter_raw()
        # would raise instead, the drain would end early, and each request would open a new
        # connection.
        self._chunks = response.aiter_raw()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._chunks:
                yield chunk
        except httpx.TransportError as error:
            raise _same_error(error, self._request) from error

    async def aclose(self) -> None:
        await self._response.aclose()


def _same_error(error: httpx.TransportError, request: httpx2.Request) -> httpx2.TransportError:
    """httpx's error as httpx2's class of the same name, which the SDKs map (timeouts, refusals)."""
    kind = getattr(httpx2, type(error).__name__, httpx2.TransportError)
    if not (isinstance(kind, type) and issubclass(kind, httpx2.TransportError)):
        kind = httpx2.TransportError
    return kind(str(error), request=request)
