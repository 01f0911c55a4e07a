"""OAuth 2 authorization code for actions, on Authlib: sign-in, token storage, refresh, logout."""

from actionforge.auth.oauth.bearer import OAuthBearerAuth
from actionforge.auth.oauth.config import OAuthConfig, TokenExchangeMethod
from actionforge.auth.oauth.disconnect import disconnect
from actionforge.auth.oauth.domain_rule import check_oauth_domains, oauth_domain_problems, registrable_domain
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
