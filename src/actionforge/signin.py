"""Signing a user in to an OAuth action, wired to the action's egress guard and settings.

The CLI (a loopback redirect and the browser) and the server (its own callback route) both sign
in through these functions, so neither builds clients, checks domains or binds state itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from actionforge.auth.oauth import (
    SignedIn,
    StateBinding,
    StateStore,
    TokenKey,
    TokenSet,
    TokenStore,
    begin_authorization,
    callback_params,
    check_oauth_domains,
    complete_authorization,
    disconnect,
)
from actionforge.auth.oauth.config import OAuthConfig
from actionforge.auth.oauth.loopback_login import login_in_browser

if TYPE_CHECKING:
    from actionforge.action import Action

BindingCheck = Callable[[StateBinding], bool]


def check_oauth_config(action: Action, config: OAuthConfig) -> None:
    """Raise OAuthDomainError unless the OAuth endpoints share the API's registrable domain."""
    check_oauth_domains(
        config, f"https://{action.root_domain}", exceptions=action.settings.oauth_domain_exceptions
    )


async def begin_sign_in(
    action: Action,
    config: OAuthConfig,
    *,
    redirect_uri: str,
    binding: StateBinding,
    state_store: StateStore,
) -> str:
    """The provider's authorize URL to send the user to; the state is remembered in ``state_store``."""
    check_oauth_config(action, config)
    return await begin_authorization(
        config, redirect_uri=redirect_uri, binding=binding, state_store=state_store, settings=action.settings
    )


async def complete_sign_in(
    action: Action,
    config: OAuthConfig,
    *,
    query: Mapping[str, str],
    redirect_uri: str,
    state_store: StateStore,
    token_store: TokenStore,
    binding_check: BindingCheck | None = None,
) -> SignedIn:
    """Check the callback's ``query`` and exchange its code, through the guard; tokens are stored."""
    return await complete_authorization(
        config,
        redirect_uri=redirect_uri,
        state_store=state_store,
        token_store=token_store,
        client=action.http_client(),
        binding_check=binding_check,
        **callback_params(query),
    )


async def sign_in_with_browser(
    action: Action,
    config: OAuthConfig,
    *,
    token_store: TokenStore,
    user: TokenKey,
    open_browser: Callable[[str], object],
) -> TokenSet:
    """A terminal user's whole sign-in: a loopback redirect, the browser, the code exchange."""
    check_oauth_config(action, config)
    return await login_in_browser(
        config,
        token_store=token_store,
        binding=StateBinding(user.user_id, user.action_id, user.mode),
        client=action.http_client(),
        open_browser=open_browser,
        settings=action.settings,
    )


async def sign_out(action: Action, config: OAuthConfig, *, user: TokenKey, token_store: TokenStore) -> bool:
    """Forget ``user``'s tokens, revoking them first (through the guard) where the provider can.

    ``True`` if there were tokens. A failed revocation is logged and the tokens are still dropped.
    """
    return await disconnect(user, token_store=token_store, config=config, client=action.http_client())
