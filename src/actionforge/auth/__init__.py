"""Credentials onto requests, as `httpx.Auth` flows: none, a shared API key, or per-user OAuth.

This layer sits above ``calls`` and below ``egress``: every token request goes through an
`httpx.AsyncClient` the caller injects (the facade builds it on the egress guard).
"""

from actionforge.auth.api_key import ApiKeyAuth
from actionforge.auth.config import ApiKeyAuthConfig, ApiKeyKind, AuthConfig, NoAuthConfig
from actionforge.auth.oauth import OAuthBearerAuth, OAuthConfig
from actionforge.auth.operation import auth_for_operation

__all__ = [
    "ApiKeyAuth",
    "ApiKeyAuthConfig",
    "ApiKeyKind",
    "AuthConfig",
    "NoAuthConfig",
    "OAuthBearerAuth",
    "OAuthConfig",
    "auth_for_operation",
]
