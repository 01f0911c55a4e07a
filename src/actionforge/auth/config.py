"""An action's authentication setting: none, an API key, or OAuth.

OpenAI offers Basic / Bearer / Custom header for API keys and sends the key *verbatim* (Basic
included: the builder pastes ``base64(user:pass)`` themselves). We keep that, and add what users
ask for: a username + password that we encode, and the key as a query parameter.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from actionforge.auth.oauth.config import OAuthConfig
from actionforge.secrets.value import SecretValue

ApiKeyKind = Literal["basic", "bearer", "custom", "query"]

# RFC 9110 §5.1 field-name token characters.
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# What can travel in a header value: visible ASCII, space and tab (no CR/LF, no non-ASCII).
_HEADER_VALUE = re.compile(r"^[\t\x20-\x7e]*$")


class NoAuthConfig(BaseModel):
    """No credentials are sent (OpenAI's default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["none"] = "none"


class ApiKeyAuthConfig(BaseModel):
    """One shared key for every user of the action (OpenAI's ``service_http``).

    ``basic`` takes either ``key`` (sent as entered, like OpenAI) or ``username`` + ``password``
    (we send ``base64(username:password)``). ``custom`` needs ``header_name`` (``Authorization``
    allowed, for schemes like ``Token abc``). ``query`` needs ``query_name``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    type: Literal["api_key"] = "api_key"
    kind: ApiKeyKind = "basic"  # OpenAI's editor default
    key: SecretValue | None = None
    header_name: str | None = None
    query_name: str | None = None
    username: str | None = None
    password: SecretValue | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        uses_login = self.username is not None or self.password is not None
        if uses_login:
            if self.kind != "basic":
                raise ValueError("username and password are only for kind 'basic'")
            if self.key is not None:
                raise ValueError("give either key or username and password, not both")
            if not self.username or self.password is None:
                raise ValueError("basic login needs both username and password")
            if ":" in self.username:
                raise ValueError("a Basic username cannot contain ':' (RFC 7617)")
        elif not self.key:
            raise ValueError(f"an API key is required for kind {self.kind!r}")
        if self.kind == "custom":
            if not self.header_name or not _HEADER_NAME.match(self.header_name):
                raise ValueError(f"kind 'custom' needs a valid header_name, got {self.header_name!r}")
        elif self.header_name is not None:
            raise ValueError("header_name is only for kind 'custom'")
        if self.kind == "query":
            if not self.query_name:
                raise ValueError("kind 'query' needs query_name")
        elif self.query_name is not None:
            raise ValueError("query_name is only for kind 'query'")
        if self.kind != "query" and self.key is not None and not _HEADER_VALUE.match(self.key.reveal()):
            raise ValueError(
                "the API key has characters an HTTP header cannot carry (line breaks, non-ASCII)"
            )
        return self


AuthConfig = Annotated[NoAuthConfig | ApiKeyAuthConfig | OAuthConfig, Field(discriminator="type")]
