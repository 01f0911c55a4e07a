"""Log out of one OAuth action: forget the user's tokens, and revoke them where we can."""

from __future__ import annotations

import logging

import httpx
from authlib.oauth2.auth import ClientAuth

from actionforge.auth.oauth.config import OAuthConfig
from actionforge.auth.oauth.state import TokenKey
from actionforge.auth.oauth.store import TokenStore

log = logging.getLogger(__name__)


async def disconnect(
    key: TokenKey,
    *,
    token_store: TokenStore,
    config: OAuthConfig | None = None,
    client: httpx.AsyncClient | None = None,
) -> bool:
    """Delete the tokens of ``key``; ``True`` if there were any.

    With a config that has a ``revocation_url`` and a client, the refresh token (which revokes
    the grant) or else the access token is first revoked (RFC 7009). A failed revocation is
    logged and does not keep the tokens: the user asked to be disconnected here, and that is
    the part we can guarantee.
    """
    tokens = await token_store.get(key)
    if tokens is None:
        return False
    if config is not None and config.revocation_url and client is not None:
        token, hint = (
            (tokens.refresh_token, "refresh_token")
            if tokens.refresh_token
            else (tokens.access_token, "access_token")
        )
        await _revoke(config, client, token.reveal(), hint)
    await token_store.delete(key)
    log.info("disconnected: %s", key)
    return True


async def _revoke(config: OAuthConfig, client: httpx.AsyncClient, token: str, hint: str) -> None:
    assert config.revocation_url is not None
    body = httpx.QueryParams({"token": token, "token_type_hint": hint})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    client_auth = ClientAuth(config.client_id, config.client_secret.reveal(), config.client_auth_method)
    url, headers, content = client_auth.prepare("POST", config.revocation_url, headers, str(body))
    try:
        response = await client.post(url, headers=headers, content=content)
    except httpx.HTTPError as exc:
        log.warning("token revocation at %s failed: %s", config.revocation_url, type(exc).__name__)
        return
    if response.status_code != httpx.codes.OK:
        log.warning("token revocation at %s answered HTTP %s", config.revocation_url, response.status_code)
