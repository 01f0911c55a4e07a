"""The async network stream the guarded pool's connections use: anyio's, with its socket kept.

Why: httpcore's pool asks each of its idle connections ``get_extra_info("is_readable")`` (has the
server closed it?) every time it assigns a request or takes one back, so a pool holding many
connections asks many times per call. anyio's stream answers each lookup of its raw socket by
building its table of attributes anew. Under bench/api.py's 50 concurrent test-operation calls,
that table was about 6% of a server's CPU. The socket under a stream never changes, TLS or not,
so it is looked up once, and the readability probe is the same poll httpcore makes.
"""

from __future__ import annotations

import select
import ssl
import sys
from typing import Any, Protocol

import httpcore


class Socket(Protocol):
    """A socket, or asyncio's view of one (``TransportSocket``), which anyio hands out."""

    def fileno(self) -> int: ...


class SocketStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream, raw_socket: Socket | None = None) -> None:
        self._inner = inner
        self._socket: Socket | None = inner.get_extra_info("socket") if raw_socket is None else raw_socket

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's stream interface
    ) -> httpcore.AsyncNetworkStream:
        return SocketStream(await self._inner.start_tls(ssl_context, server_hostname, timeout), self._socket)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return is_readable(self._socket)
        if info == "socket":
            return self._socket
        return self._inner.get_extra_info(info)


def is_readable(sock: Socket | None) -> bool:
    """Whether a read would not block: on an idle connection, the server closed it (or sent what
    it should not have). A socket already closed counts as readable, as httpcore counts it."""
    fd = -1 if sock is None else sock.fileno()
    if fd == -1:
        return True
    if sys.platform == "win32" or not hasattr(select, "poll"):
        return bool(select.select([fd], [], [], 0)[0])
    probe = select.poll()
    probe.register(fd, select.POLLIN)
    return bool(probe.poll(0))
