"""The one httpx transport every outbound request goes through (API calls, imports, OAuth, $refs).

Per request, before anything touches the network: scheme, port, host and workspace policy
(``preflight.check_url``). Per new connection: resolve once, vet every address, dial a vetted one
(``pinning``). httpx follows redirects above the transport, so each hop arrives here as a new
request and is checked the same way.

The transports are httpx's own ``HTTPTransport``/``AsyncHTTPTransport`` with their connection pool
replaced by one that uses the pinned network backend: httpx has no public hook for a network
backend, and re-implementing its request/response and exception mapping would copy more private
code than replacing the one attribute. ``_ensure_pool_attribute`` checks the attribute is still
there, so an httpx upgrade that moves it fails at construction instead of running unguarded.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpcore
import httpx

from actionforge.egress.development import warn_if_development
from actionforge.egress.pinning import PinnedAsyncBackend, PinnedBackend
from actionforge.egress.policy import DomainPolicy
from actionforge.egress.preflight import check_url, display_url
from actionforge.egress.resolver import Resolver, SystemResolver
from actionforge.errors import RequestBlocked
from actionforge.settings import Settings

Verify = ssl.SSLContext | bool

# httpx's own defaults (httpx.Limits() alone would leave the pool unbounded).
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


def _pool_options(ssl_context: ssl.SSLContext, limits: httpx.Limits) -> dict[str, Any]:
    """What httpx itself would pass its pool; only the network backend differs."""
    return {
        "ssl_context": ssl_context,
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
    }


class GuardedTransport(httpx.HTTPTransport):
    """Sync guarded transport; ``verify`` is for tests and private CAs (default: system CAs)."""

    def __init__(
        self,
        policy: DomainPolicy,
        settings: Settings,
        *,
        resolver: Resolver | None = None,
        verify: Verify = True,
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> None:
        ssl_context = _ssl_context(verify)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        _ensure_pool_attribute(self)
        self._pool = httpcore.ConnectionPool(
            **_pool_options(ssl_context, limits),
            network_backend=PinnedBackend(resolver or SystemResolver(), settings),
        )
        self._policy = policy
        self._settings = settings
        warn_if_development(settings)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _preflight(request, self._policy, self._settings)
        try:
            return super().handle_request(request)
        except RequestBlocked as blocked:  # raised at connect time, naming only host:port
            raise RequestBlocked(display_url(request.url), blocked.reason) from None


class GuardedAsyncTransport(httpx.AsyncHTTPTransport):
    """Async guarded transport (asyncio); same checks as GuardedTransport."""

    def __init__(
        self,
        policy: DomainPolicy,
        settings: Settings,
        *,
        resolver: Resolver | None = None,
        verify: Verify = True,
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> None:
        ssl_context = _ssl_context(verify)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        _ensure_pool_attribute(self)
        self._pool = httpcore.AsyncConnectionPool(
            **_pool_options(ssl_context, limits),
            network_backend=PinnedAsyncBackend(resolver or SystemResolver(), settings),
        )
        self._policy = policy
        self._settings = settings
        warn_if_development(settings)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _preflight(request, self._policy, self._settings)
        try:
            return await super().handle_async_request(request)
        except RequestBlocked as blocked:
            raise RequestBlocked(display_url(request.url), blocked.reason) from None


def _ssl_context(verify: Verify) -> ssl.SSLContext:
    if isinstance(verify, ssl.SSLContext):
        return verify
    return _shared_ssl_context(verify)


@functools.cache
def _shared_ssl_context(verify: bool) -> ssl.SSLContext:
    """Loading the CA bundle costs tens of milliseconds; one context serves every client."""
    return httpx.create_ssl_context(verify=verify, trust_env=False)


def _ensure_pool_attribute(transport: httpx.HTTPTransport | httpx.AsyncHTTPTransport) -> None:
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.ConnectionPool | httpcore.AsyncConnectionPool):
        raise RuntimeError("this httpx version no longer keeps its connection pool in `_pool`")


def _preflight(request: httpx.Request, policy: DomainPolicy, settings: Settings) -> None:
    """URL checks plus the two request fields that could make TLS or routing disagree with the URL."""
    check_url(request.url, policy=policy, settings=settings)
    if "sni_hostname" in request.extensions:
        raise RequestBlocked(
            display_url(request.url), "a custom TLS server name (the sni_hostname extension) is refused"
        )
    host_header = request.headers.get("host")
    expected = request.url.netloc.decode("ascii")
    if host_header is not None and host_header.lower() != expected.lower():
        raise RequestBlocked(
            display_url(request.url),
            f"the Host header ({host_header}) does not match the URL's host ({expected})",
        )
