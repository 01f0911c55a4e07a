"""The authorization-code flow: build the authorize URL, then turn the callback into tokens.

`begin_authorization` and `complete_authorization` may run in different processes: everything
the second needs (binding, PKCE verifier, redirect URI) travels through the `StateStore`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypedDict

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from actionforge.auth.oauth.clock import Clock, system_clock
from actionforge.auth.oauth.config import OAuthConfig
from actionforge.auth.oauth.errors import AuthorizationDenied, StateError
from actionforge.auth.oauth.state import PendingAuthorization, StateBinding, StateStore
from actionforge.auth.oauth.store import TokenStore
from actionforge.auth.oauth.token_endpoint import post_to_token_endpoint
from actionforge.auth.oauth.tokens import TokenSet
from actionforge.secrets.value import SecretValue
from actionforge.settings import Settings, default_settings

log = logging.getLogger(__name__)

BindingCheck = Callable[[StateBinding], bool]


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A completed sign-in: the tokens, and the binding that says which conversation to resume."""

    binding: StateBinding
    tokens: TokenSet


async def begin_authorization(
    config: OAuthConfig,
    *,
    redirect_uri: str,
    binding: StateBinding,
    state_store: StateStore,
    settings: Settings | None = None,
    clock: Clock = system_clock,
) -> str:
    """Remember a new pending sign-in and return the provider's authorize URL to send the user to."""
    settings = settings or default_settings()
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64) if config.pkce else None  # 86 chars, RFC 7636 allows 43-128
    await state_store.put(
        PendingAuthorization(
            state=state,
            binding=binding,
            redirect_uri=redirect_uri,
            code_verifier=SecretValue(verifier) if verifier else None,
            expires_at=clock() + settings.oauth_state_ttl_s,
        )
    )
    pkce_params = (
        {"code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"}
        if verifier
        else {}
    )
    url: str = prepare_grant_uri(
        config.authorization_url,
        config.client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=config.scope or None,
        state=state,
        **pkce_params,
        **dict(config.extra_authorize_params),
    )
    log.debug("sign-in started for %s (pkce=%s)", binding, config.pkce)
    return url


async def take_state(
    state: str | None,
    *,
    redirect_uri: str,
    state_store: StateStore,
    binding_check: BindingCheck | None = None,
    clock: Clock = system_clock,
) -> PendingAuthorization:
    """Consume the callback's ``state``; refuse with a `StateError` saying exactly what is wrong."""
    if not state:
        raise StateError("missing", "The sign-in callback has no state parameter")
    pending = await state_store.take(state)
    if pending is None:
        raise StateError("unknown", "The sign-in callback's state was not issued here")
    if pending.used:
        raise StateError("reused", "This sign-in link was already used; start the sign-in again")
    if pending.expired(clock()):
        raise StateError("expired", "The sign-in took too long and expired; start the sign-in again")
    if pending.redirect_uri != redirect_uri:
        raise StateError("mismatch", "The sign-in callback arrived at a different redirect URI")
    if binding_check is not None and not binding_check(pending.binding):
        raise StateError("mismatch", "This sign-in was started by another user or for another action")
    return pending


async def complete_authorization(
    config: OAuthConfig,
    *,
    state: str | None,
    code: str | None,
    redirect_uri: str,
    state_store: StateStore,
    token_store: TokenStore,
    client: httpx.AsyncClient,
    binding_check: BindingCheck | None = None,
    error: str | None = None,
    error_description: str | None = None,
    clock: Clock = system_clock,
) -> SignedIn:
    """Check the callback, exchange the code and store the tokens under the binding's key.

    The result carries the binding too: it says which conversation to resume. The state is consumed even
    when the provider reports an error, so a failed sign-in link cannot be replayed.
    """
    pending = await take_state(
        state, redirect_uri=redirect_uri, state_store=state_store, binding_check=binding_check, clock=clock
    )
    if error:
        raise AuthorizationDenied(error, error_description)
    if not code:
        raise AuthorizationDenied("invalid_request", "the callback carries neither a code nor an error")
    tokens = await post_to_token_endpoint(
        config,
        client,
        "authorization_code",
        code=code,
        redirect_uri=redirect_uri,
        code_verifier=pending.code_verifier.reveal() if pending.code_verifier else None,
        clock=clock,
    )
    await token_store.put(pending.binding.token_key, tokens)
    log.info("signed in: %s", pending.binding.token_key)
    return SignedIn(pending.binding, tokens)


class CallbackParams(TypedDict):
    state: str | None
    code: str | None
    error: str | None
    error_description: str | None


def callback_params(query: Mapping[str, str]) -> CallbackParams:
    """The keyword arguments of `complete_authorization` that come from a callback's query."""
    return CallbackParams(
        state=query.get("state"),
        code=query.get("code"),
        error=query.get("error"),
        error_description=query.get("error_description"),
    )
