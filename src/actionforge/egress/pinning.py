"""Connect only to addresses that were vetted, resolving each host exactly once per connection.

Why a network backend and not a rewritten URL. The other way to pin is to rewrite the request URL
to the vetted IP, set the Host header and ``sni_hostname``. But httpcore pools connections by the
URL's origin, so after rewriting, requests for two host names that share an IP (any CDN) could
reuse one TLS connection whose certificate was only ever checked for the first name. A backend
sits below the pool: the pool stays keyed by host name, TLS gets the host name for SNI and
certificate checks exactly as httpx does it normally, and the only thing that changes is which
address the TCP socket dials: one we resolved and vetted in the same call, so a DNS answer that
changes between "check" and "connect" (DNS rebinding) has nothing to switch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence

import anyio
import httpcore

from actionforge.egress.addresses import IPAddress, parse_address, refusal
from actionforge.egress.hosts import InvalidHost, parse_ip_literal
from actionforge.egress.resolver import Resolver
from actionforge.egress.socket_stream import SocketStream
from actionforge.errors import RequestBlocked
from actionforge.settings import Settings

logger = logging.getLogger("actionforge.egress")

SocketOptions = Iterable[httpcore.SOCKET_OPTION] | None


def vet_addresses(host: str, port: int, answers: Sequence[str], settings: Settings) -> list[IPAddress]:
    """The resolved addresses, or RequestBlocked if ANY of them is refused.

    All of them, not just the first: a host that also resolves to an internal address is not an
    honest public API, and a fallback to its next address would otherwise reach the internal one.
    """
    if not answers:
        raise httpcore.ConnectError(f"{host} has no addresses")
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            address = parse_address(answer)
        except ValueError:
            raise RequestBlocked(
                f"{host}:{port}", f"{host} resolves to {answer!r}, not an IP address"
            ) from None
        reason = refusal(
            address, allow_loopback=settings.allow_loopback, allow_private=settings.allow_private_network
        )
        if reason is not None:
            raise RequestBlocked(f"{host}:{port}", f"{host} resolves to {address}, {reason}")
        addresses.append(address)
    return addresses


def _literal(host: str, port: int, settings: Settings) -> list[IPAddress] | None:
    """An IP-literal host's address (vetted), or None for a name that needs DNS."""
    try:
        address = parse_ip_literal(host)
    except InvalidHost as exc:
        raise RequestBlocked(f"{host}:{port}", str(exc)) from None
    if address is None:
        return None
    reason = refusal(
        address, allow_loopback=settings.allow_loopback, allow_private=settings.allow_private_network
    )
    if reason is not None:
        raise RequestBlocked(f"{host}:{port}", f"{address} is {reason}")
    return [address]


class _Deadline:
    """One connect timeout shared by all the addresses tried, so many answers cannot multiply it."""

    def __init__(self, timeout: float | None) -> None:
        self._end = None if timeout is None else time.monotonic() + timeout

    def remaining(self) -> float | None:
        if self._end is None:
            return None
        left = self._end - time.monotonic()
        if left <= 0:
            raise httpcore.ConnectTimeout("timed out connecting")
        return left


class PinnedBackend(httpcore.NetworkBackend):
    """A sync httpcore backend: resolve, vet every address, dial the vetted ones in order."""

    def __init__(self, resolver: Resolver, settings: Settings) -> None:
        self._resolver = resolver
        self._settings = settings
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: SocketOptions = None,
    ) -> httpcore.NetworkStream:
        addresses = _literal(host, port, self._settings)
        if addresses is None:
            try:  # getaddrinfo has no timeout; the system resolver's own (resolv.conf) applies
                answers = self._resolver.resolve(host, port)
            except OSError as exc:
                raise httpcore.ConnectError(f"could not resolve {host}: {exc}") from exc
            addresses = vet_addresses(host, port, answers, self._settings)
        deadline = _Deadline(timeout)
        failure: Exception | None = None
        for address in addresses:
            logger.debug("connecting to %s at %s port %d", host, address, port)
            try:
                return self._inner.connect_tcp(
                    str(address), port, deadline.remaining(), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: SocketOptions = None
    ) -> httpcore.NetworkStream:
        raise RequestBlocked(path, "Unix sockets are not reachable through the egress guard")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class PinnedAsyncBackend(httpcore.AsyncNetworkBackend):
    """The async twin of PinnedBackend (asyncio, through anyio as httpx itself uses it)."""

    def __init__(self, resolver: Resolver, settings: Settings) -> None:
        self._resolver = resolver
        self._settings = settings
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        local_address: str | None = None,
        socket_options: SocketOptions = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = _literal(host, port, self._settings)
        deadline = _Deadline(timeout)
        if addresses is None:
            try:
                with anyio.fail_after(deadline.remaining()):
                    answers = await self._resolver.resolve_async(host, port)
            except TimeoutError:
                raise httpcore.ConnectTimeout(f"timed out resolving {host}") from None
            except OSError as exc:
                raise httpcore.ConnectError(f"could not resolve {host}: {exc}") from exc
            addresses = vet_addresses(host, port, answers, self._settings)
        failure: Exception | None = None
        for address in addresses:
            logger.debug("connecting to %s at %s port %d", host, address, port)
            try:
                stream = await self._inner.connect_tcp(
                    str(address), port, deadline.remaining(), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
            else:
                return SocketStream(stream)
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        socket_options: SocketOptions = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RequestBlocked(path, "Unix sockets are not reachable through the egress guard")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
