"""OAuth 2 authorization code for actions, on Authlib: sign-in, token storage, refresh, logout."""

from __future__ import annotations

from typing import TYPE_CHECKING

from actionforge._lazy import lazy_exports

if TYPE_CHECKING:
    from actionforge.auth.oauth.bearer import OAuthBearerAuth
    from actionforge.auth.oauth.config import OAuthConfig, TokenExchangeMethod
    from actionforge.auth.oauth.disconnect import disconnect
    from actionforge.auth.oauth.domain_rule import (
        check_oauth_domains,
        oauth_domain_problems,
        registrable_domain,
    )
    from actionforge.auth.oauth.errors import (
        AuthorizationDenied,
        OAuthConfigError,
        OAuthDomainError,
        StateError,
        TokenEndpointError,
    )
    from actionforge.auth.oauth.flow import (
        CallbackParams,
        SignedIn,
        begin_authorization,
        callback_params,
        complete_authorization,
    )
    from actionforge.auth.oauth.refresh import TokenRefresher
    from actionforge.auth.oauth.state import (
        InMemoryStateStore,
        Mode,
        PendingAuthorization,
        StateBinding,
        StateStore,
        TokenKey,
    )
    from actionforge.auth.oauth.store import InMemoryTokenStore, TokenStore
    from actionforge.auth.oauth.tokens import TokenSet

_EXPORTS = {
    "OAuthBearerAuth": "actionforge.auth.oauth.bearer",
    "OAuthConfig": "actionforge.auth.oauth.config",
    "TokenExchangeMethod": "actionforge.auth.oauth.config",
    "disconnect": "actionforge.auth.oauth.disconnect",
    "check_oauth_domains": "actionforge.auth.oauth.domain_rule",
    "oauth_domain_problems": "actionforge.auth.oauth.domain_rule",
    "registrable_domain": "actionforge.auth.oauth.domain_rule",
    "AuthorizationDenied": "actionforge.auth.oauth.errors",
    "OAuthConfigError": "actionforge.auth.oauth.errors",
    "OAuthDomainError": "actionforge.auth.oauth.errors",
    "StateError": "actionforge.auth.oauth.errors",
    "TokenEndpointError": "actionforge.auth.oauth.errors",
    "CallbackParams": "actionforge.auth.oauth.flow",
    "SignedIn": "actionforge.auth.oauth.flow",
    "begin_authorization": "actionforge.auth.oauth.flow",
    "callback_params": "actionforge.auth.oauth.flow",
    "complete_authorization": "actionforge.auth.oauth.flow",
    "TokenRefresher": "actionforge.auth.oauth.refresh",
    "InMemoryStateStore": "actionforge.auth.oauth.state",
    "Mode": "actionforge.auth.oauth.state",
    "PendingAuthorization": "actionforge.auth.oauth.state",
    "StateBinding": "actionforge.auth.oauth.state",
    "StateStore": "actionforge.auth.oauth.state",
    "TokenKey": "actionforge.auth.oauth.state",
    "InMemoryTokenStore": "actionforge.auth.oauth.store",
    "TokenStore": "actionforge.auth.oauth.store",
    "TokenSet": "actionforge.auth.oauth.tokens",
}

__all__ = [
    "AuthorizationDenied",
    "CallbackParams",
    "InMemoryStateStore",
    "InMemoryTokenStore",
    "Mode",
    "OAuthBearerAuth",
    "OAuthConfig",
    "OAuthConfigError",
    "OAuthDomainError",
    "PendingAuthorization",
    "SignedIn",
    "StateBinding",
    "StateError",
    "StateStore",
    "TokenEndpointError",
    "TokenExchangeMethod",
    "TokenKey",
    "TokenRefresher",
    "TokenSet",
    "TokenStore",
    "begin_authorization",
    "callback_params",
    "check_oauth_domains",
    "complete_authorization",
    "disconnect",
    "oauth_domain_problems",
    "registrable_domain",
]

if not TYPE_CHECKING:  # so type checkers see only the names imported above
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
