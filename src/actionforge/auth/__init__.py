"""Credentials onto requests, as `httpx.Auth` flows: none, a shared API key, or per-user OAuth.

This layer sits above ``calls`` and below ``egress``: every token request goes through an
`httpx.AsyncClient` the caller injects (the facade builds it on the egress guard).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from actionforge._lazy import lazy_exports

if TYPE_CHECKING:
    from actionforge.auth.api_key import ApiKeyAuth
    from actionforge.auth.config import ApiKeyAuthConfig, ApiKeyKind, AuthConfig, NoAuthConfig
    from actionforge.auth.oauth import OAuthBearerAuth, OAuthConfig
    from actionforge.auth.operation import auth_for_operation

_EXPORTS = {
    "ApiKeyAuth": "actionforge.auth.api_key",
    "ApiKeyAuthConfig": "actionforge.auth.config",
    "ApiKeyKind": "actionforge.auth.config",
    "AuthConfig": "actionforge.auth.config",
    "NoAuthConfig": "actionforge.auth.config",
    "OAuthBearerAuth": "actionforge.auth.oauth",
    "OAuthConfig": "actionforge.auth.oauth",
    "auth_for_operation": "actionforge.auth.operation",
}

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

if not TYPE_CHECKING:  # so type checkers see only the names imported above
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
