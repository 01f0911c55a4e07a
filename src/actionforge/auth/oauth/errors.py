"""Specific OAuth failures, all `AuthError`s so a caller can catch the family or one case.

Messages are meant for people (the builder, the end user) and never contain a secret: a client
secret, a code, a code verifier or a token is named, never quoted.
"""

from __future__ import annotations

from actionforge.errors import AuthError

MAX_PROVIDER_TEXT = 300


def provider_text(text: str) -> str:
    """A provider's own words (``error_description``), cut short: they are untrusted and unbounded."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_PROVIDER_TEXT else text[: MAX_PROVIDER_TEXT - 1] + "…"


class OAuthConfigError(AuthError, ValueError):
    """An OAuth or API-key setting is unusable (bad URL, missing field, domain rule)."""


class OAuthDomainError(OAuthConfigError):
    """An OAuth endpoint is not on the API's registrable domain and not an allowed exception."""


class StateError(AuthError):
    """The ``state`` of an OAuth callback is not one we issued for this sign-in.

    ``reason`` is one of ``missing``, ``unknown``, ``expired``, ``reused``, ``mismatch``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class AuthorizationDenied(AuthError):
    """The provider redirected back with ``error=...`` instead of a code (the user said no)."""

    def __init__(self, error: str, description: str | None = None) -> None:
        detail = f": {provider_text(description)}" if description else ""
        super().__init__(f"The sign-in was not completed ({error}){detail}")
        self.error = error
        self.description = description


class TokenEndpointError(AuthError):
    """The token endpoint could not be used or answered with an OAuth error.

    ``error`` is the OAuth error code (``invalid_grant``, ``invalid_client`` ...) when the endpoint
    sent one, else ``None`` (unreachable, 5xx, HTML or otherwise unreadable answer).
    """

    def __init__(self, message: str, *, error: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.error = error
        self.status = status
