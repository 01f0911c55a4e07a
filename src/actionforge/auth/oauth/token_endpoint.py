"""POSTing to the token endpoint: the code exchange and the refresh share this.

Authlib prepares the form body and applies the client authentication method
(``client_secret_post`` or ``client_secret_basic``); the request goes through the caller's
`httpx.AsyncClient`, which the facade builds on the egress guard.
"""

from __future__ import annotations

import logging

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_token_request

from actionforge.auth.oauth.clock import Clock, system_clock
from actionforge.auth.oauth.config import OAuthConfig
from actionforge.auth.oauth.errors import TokenEndpointError
from actionforge.auth.oauth.tokens import TokenSet, parse_token_response
from actionforge.secrets.value import SecretValue

log = logging.getLogger(__name__)

# A token answer is a few hundred bytes; anything far bigger is not one.
MAX_TOKEN_RESPONSE_BYTES = 1_000_000


async def _read_capped(response: httpx.Response, url: str) -> None:
    size = 0
    chunks: list[bytes] = []
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_TOKEN_RESPONSE_BYTES:
            raise TokenEndpointError(
                f"The token endpoint {url} sent more than {MAX_TOKEN_RESPONSE_BYTES} bytes",
                status=response.status_code,
            )
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what Response.aread() sets; lets .text decode it


async def post_to_token_endpoint(
    config: OAuthConfig,
    client: httpx.AsyncClient,
    grant_type: str,
    *,
    previous_refresh_token: SecretValue | None = None,
    clock: Clock = system_clock,
    **params: str | None,
) -> TokenSet:
    """Send one grant to the token endpoint and return the tokens, or raise `TokenEndpointError`."""
    body = prepare_token_request(grant_type, **{k: v for k, v in params.items() if v is not None})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",  # GitHub answers form-encoded unless asked for JSON
    }
    client_auth = ClientAuth(config.client_id, config.client_secret.reveal(), config.client_auth_method)
    url, headers, body = client_auth.prepare("POST", config.token_url, headers, body)
    request = client.build_request("POST", url, headers=headers, content=body)
    log.debug("token request: grant_type=%s to %s", grant_type, config.token_url)
    try:
        response = await client.send(request, stream=True)
        try:
            await _read_capped(response, config.token_url)
        finally:
            await response.aclose()
    except httpx.HTTPError as exc:
        raise TokenEndpointError(
            f"Could not reach the token endpoint {config.token_url}: {type(exc).__name__}"
            + (f" ({exc})" if str(exc) else "")
        ) from None
    tokens = parse_token_response(
        response, config.token_url, previous_refresh_token=previous_refresh_token, clock=clock
    )
    log.debug("token response: HTTP %s from %s", response.status_code, config.token_url)
    return tokens
