"""Refreshing access tokens, once per user and action even when calls race.

Two calls that find the same stale token must not both refresh: with refresh-token rotation the
second would present a used refresh token, which a strict provider treats as theft and answers
by revoking the whole grant. So refreshes of one `TokenKey` are serialised by an
`asyncio.Lock`, and whoever gets the lock second re-reads the store and uses the fresh token.
(Across processes the database store must do the same with a row lock; see `TokenStore`.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import weakref

import httpx

from actionforge.auth.oauth.clock import Clock, system_clock
from actionforge.auth.oauth.config import OAuthConfig
from actionforge.auth.oauth.errors import TokenEndpointError
from actionforge.auth.oauth.state import TokenKey
from actionforge.auth.oauth.store import TokenStore
from actionforge.auth.oauth.token_endpoint import post_to_token_endpoint
from actionforge.auth.oauth.tokens import TokenSet
from actionforge.errors import SignInRequired

log = logging.getLogger(__name__)


class TokenRefresher:
    """Owns the per-key locks; share one instance between every call of an engine.

    ``clock`` dates the refreshed tokens' expiry; `OAuthBearerAuth` reads the same clock.
    """

    def __init__(self, clock: Clock = system_clock) -> None:
        self.clock = clock
        self._locks: weakref.WeakValueDictionary[TokenKey, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, key: TokenKey) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def refresh(
        self,
        key: TokenKey,
        stale: TokenSet,
        *,
        config: OAuthConfig,
        token_store: TokenStore,
        client: httpx.AsyncClient,
        domain: str,
    ) -> TokenSet:
        """Return tokens newer than ``stale``: refreshed here, or by whoever held the lock before.

        ``invalid_grant`` (revoked, expired or reused refresh token) deletes the tokens and raises
        `SignInRequired`; any other failure raises `TokenEndpointError` and leaves them stored.
        """
        async with self._lock(key):
            current = await token_store.get(key)
            if current is None:
                raise SignInRequired(domain, "not signed in")
            if current.access_token != stale.access_token:
                return current  # another call refreshed while we waited
            if current.refresh_token is None:
                await token_store.delete(key)
                raise SignInRequired(domain, "the sign-in expired")
            try:
                fresh = await post_to_token_endpoint(
                    config,
                    client,
                    "refresh_token",
                    previous_refresh_token=current.refresh_token,
                    refresh_token=current.refresh_token.reveal(),
                    clock=self.clock,
                )
            except TokenEndpointError as exc:
                if exc.error == "invalid_grant":
                    await token_store.delete(key)
                    log.info("refresh refused (invalid_grant), tokens cleared: %s", key)
                    raise SignInRequired(domain, "the sign-in is no longer valid, sign in again") from None
                raise
            if fresh.scope is None and current.scope is not None:
                fresh = dataclasses.replace(fresh, scope=current.scope)  # RFC 6749 §5.1: unchanged
            await token_store.put(key, fresh)
            log.info("access token refreshed: %s", key)
            return fresh
