"""`OAuthConfig`: one action's OAuth 2 authorization-code client settings.

Field names follow what they are, not OpenAI's stored names (whose ``authorization_url`` is the
*token* endpoint); `OAuthConfig.from_openai` maps OpenAI's stored shape for imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from actionforge.secrets.value import SecretValue

TokenExchangeMethod = Literal["default_post", "basic_auth_header"]

# Parameters the flow itself sets; letting extra_authorize_params override them would break it.
RESERVED_AUTHORIZE_PARAMS = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    }
)


def _check_endpoint(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"The {what} must be an absolute http(s) URL, got {url!r}")
    if parts.fragment:
        raise ValueError(f"The {what} must not have a #fragment: {url!r}")
    return url


class OAuthConfig(BaseModel):
    """What the builder enters in the OAuth form, plus our opt-in extensions.

    ``pkce`` is on by default (better than OpenAI, which has none); switch it off per action
    for providers that reject ``code_challenge``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    type: Literal["oauth"] = "oauth"
    client_id: str = Field(min_length=1)
    client_secret: SecretValue
    authorization_url: str
    token_url: str
    scope: str = ""
    token_exchange_method: TokenExchangeMethod = "default_post"
    pkce: bool = True
    extra_authorize_params: Mapping[str, str] = Field(default_factory=dict)
    revocation_url: str | None = None

    @field_validator("authorization_url")
    @classmethod
    def _authorization_url(cls, value: str) -> str:
        return _check_endpoint(value, "authorization URL")

    @field_validator("token_url")
    @classmethod
    def _token_url(cls, value: str) -> str:
        return _check_endpoint(value, "token URL")

    @field_validator("revocation_url")
    @classmethod
    def _revocation_url(cls, value: str | None) -> str | None:
        return None if value is None else _check_endpoint(value, "revocation URL")

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("extra_authorize_params")
    @classmethod
    def _extra_params(cls, value: Mapping[str, str]) -> Mapping[str, str]:
        clash = sorted(RESERVED_AUTHORIZE_PARAMS.intersection(value))
        if clash:
            raise ValueError(f"extra_authorize_params may not set {', '.join(clash)}: the flow sets them")
        return dict(value)

    @property
    def client_auth_method(self) -> str:
        """The RFC 7591 name of the token endpoint client authentication (Authlib's key)."""
        return (
            "client_secret_basic"
            if self.token_exchange_method == "basic_auth_header"
            else ("client_secret_post")
        )

    @classmethod
    def from_openai(cls, stored: Mapping[str, Any], *, client_id: str, client_secret: str) -> OAuthConfig:
        """Build from OpenAI's stored shape (`client_url` = authorize, `authorization_url` = token).

        OpenAI has no PKCE, so an import keeps parity and turns it off.
        """
        return cls(
            client_id=client_id,
            client_secret=SecretValue(client_secret),
            authorization_url=stored["client_url"],
            token_url=stored["authorization_url"],
            scope=stored.get("scope") or "",
            token_exchange_method=stored.get("token_exchange_method") or "default_post",
            pkce=False,
        )
