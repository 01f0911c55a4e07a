"""`OAuthBearerAuth`: the signed-in user's access token on each call, refreshed when needed.

An `httpx.Auth` flow, so the calls layer only passes ``auth=`` and the flow can see a 401 and
retry. It refreshes before expiry (``settings.oauth_refresh_skew_s`` early, by the refresher's
clock) and once after a 401, then retries the call once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Generator

import httpx

from actionforge.auth.oauth.config import OAuthConfig
from actionforge.auth.oauth.refresh import TokenRefresher
from actionforge.auth.oauth.state import TokenKey
from actionforge.auth.oauth.store import TokenStore
from actionforge.auth.oauth.tokens import TokenSet
from actionforge.errors import SignInRequired
from actionforge.settings import Settings, default_settings

log = logging.getLogger(__name__)


class OAuthBearerAuth(httpx.Auth):
    """Sends ``Authorization: Bearer <access token>`` for one user of one OAuth action.

    ``client`` is the (egress-guarded) client for token refreshes; ``domain`` is the API's domain,
    named in `SignInRequired` ("Sign in with {domain}").
    """

    requires_request_body = True  # the body must be replayable for the retry after a 401

    def __init__(
        self,
        key: TokenKey,
        *,
        config: OAuthConfig,
        token_store: TokenStore,
        client: httpx.AsyncClient,
        refresher: TokenRefresher,
        domain: str,
        settings: Settings | None = None,
    ) -> None:
        self.key = key
        self.config = config
        self.token_store = token_store
        self.client = client
        self.refresher = refresher
        self.domain = domain
        self.settings = settings or default_settings()

    def __repr__(self) -> str:
        return f"OAuthBearerAuth({self.key!r}, domain={self.domain!r})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("OAuthBearerAuth needs an httpx.AsyncClient: refreshing a token is async")
        yield request  # pragma: no cover - makes this a generator, as httpx expects

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        tokens = await self._usable_tokens()
        _authorize(request, tokens)
        response = yield request
        if response.status_code != httpx.codes.UNAUTHORIZED:
            return
        log.info("API answered 401, refreshing once: %s", self.key)
        if tokens.refresh_token is None:
            await self.token_store.delete(self.key)
            raise SignInRequired(self.domain, "the API refused the sign-in")
        tokens = await self._refresh(tokens)
        _authorize(request, tokens)
        yield request

    async def _usable_tokens(self) -> TokenSet:
        tokens = await self.token_store.get(self.key)
        if tokens is None:
            raise SignInRequired(self.domain)
        if tokens.expires_within(self.settings.oauth_refresh_skew_s, self.refresher.clock()):
            tokens = await self._refresh(tokens)
        return tokens

    async def _refresh(self, stale: TokenSet) -> TokenSet:
        return await self.refresher.refresh(
            self.key,
            stale,
            config=self.config,
            token_store=self.token_store,
            client=self.client,
            domain=self.domain,
        )


def _authorize(request: httpx.Request, tokens: TokenSet) -> None:
    # Checklist 46: always "Bearer", whatever case or variant the provider wrote in token_type.
    request.headers["Authorization"] = f"Bearer {tokens.access_token.reveal()}"
