"""DNS resolution behind a small protocol, so the guard can be tested with a stub resolver.

The guard resolves each host exactly once per connection and connects to the addresses it got,
so the resolver is the one place an address can enter; a stub makes DNS rebinding, internal
names and cloud-metadata names reproducible in tests without real DNS.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from typing import Protocol


class Resolver(Protocol):
    """Answers the addresses of a host name, in the order connections should try them."""

    def resolve(self, host: str, port: int) -> Sequence[str]:
        """Addresses as text (``"93.184.216.34"``, ``"2606:2800::1"``); raise OSError if unknown."""
        ...

    async def resolve_async(self, host: str, port: int) -> Sequence[str]:
        """The same answer, without blocking the event loop."""
        ...


class SystemResolver:
    """The operating system's resolver (``getaddrinfo``): /etc/hosts, then DNS."""

    def resolve(self, host: str, port: int) -> Sequence[str]:
        return _addresses(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))

    async def resolve_async(self, host: str, port: int) -> Sequence[str]:
        loop = asyncio.get_running_loop()
        return _addresses(await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM))


def _addresses(infos: Sequence[tuple[object, object, object, object, tuple[object, ...]]]) -> list[str]:
    """The distinct addresses of getaddrinfo's answer, first occurrence first."""
    seen: dict[str, None] = {}
    for *_, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)
