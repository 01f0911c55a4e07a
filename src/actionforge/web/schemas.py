"""Request and response bodies of the JSON API. Requests refuse unknown fields (``extra="forbid"``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from actionforge.platform.auth_config import MAX_EXTRA_PARAMS, MAX_PARAM_NAME, MAX_PARAM_VALUE
from actionforge.web.no_nul import nul_pointer

T = TypeVar("T")
Visibility = Literal["private", "workspace", "link", "public"]


class Request(BaseModel):
    """Every request body: unknown fields refused, and no NUL character in any string or key, at
    any depth (PostgreSQL text cannot hold one; the error points at the field)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        where = nul_pointer(value)
        if where is not None:
            inside = f" (at {where})" if where else ""
            raise PydanticCustomError(
                "nul_character", "must not contain a NUL character (U+0000){inside}", {"inside": inside}
            )
        return value


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageOf(Response, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


# --- accounts ---------------------------------------------------------------------------------


class SetupIn(Request):
    token: str = Field(max_length=200)
    email: str = Field(max_length=320)
    password: str = Field(max_length=1_000)
    display_name: str = Field(max_length=100)


class LoginIn(Request):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1_000)


class UserOut(Response):
    id: str
    email: str
    display_name: str


class SessionOut(Response):
    user: UserOut
    csrf_token: str | None = Field(description="send as X-CSRF-Token on writes made with the session cookie")


class TokenIn(Request):
    name: str = Field(max_length=100)


class TokenOut(Response):
    id: str
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="the token itself, shown this once")


# --- workspaces -------------------------------------------------------------------------------


class WorkspaceSettings(Response):
    custom_actions_enabled: bool
    domain_policy: Literal["all", "list", "none"]
    allowed_domains: list[str]
    apps_allowed: bool
    gpt_creators: Literal["members", "admins"]
    max_visibility: Visibility


class WorkspaceSettingsIn(Request):
    custom_actions_enabled: bool | None = None
    domain_policy: Literal["all", "list", "none"] | None = None
    allowed_domains: (
        Annotated[list[Annotated[str, Field(max_length=253)]], Field(max_length=1_000)] | None
    ) = None
    apps_allowed: bool | None = None
    gpt_creators: Literal["members", "admins"] | None = None
    max_visibility: Visibility | None = None


class WorkspaceOut(Response):
    id: str
    name: str
    role: str
    settings: WorkspaceSettings


class MemberIn(Request):
    email: str = Field(max_length=320)
    role: Literal["owner", "admin", "member"] = "member"


class MemberRoleIn(Request):
    role: Literal["owner", "admin", "member"]


class MemberOut(Response):
    user: UserOut
    role: str


# --- GPTs -------------------------------------------------------------------------------------

_Text = Annotated[str, Field(max_length=100_000)]  # real limits are settings, checked by platform


class GptIn(Request):
    name: _Text | None = None
    description: _Text | None = None
    instructions: _Text | None = None
    conversation_starters: Annotated[list[_Text], Field(max_length=1_000)] | None = None
    model: Annotated[str, Field(max_length=200)] | None = None
    category: Annotated[str, Field(max_length=100)] | None = None
    apps: Annotated[list[Annotated[str, Field(max_length=2_000)]], Field(max_length=100)] | None = None


class GptOut(Response):
    id: str
    workspace_id: str
    owner_id: str
    name: str
    description: str
    instructions: str
    conversation_starters: list[str]
    model: str | None
    category: str | None
    apps: list[str]
    visibility: Visibility
    published_version: int | None
    action_count: int
    created_at: datetime
    updated_at: datetime


class PublishIn(Request):
    visibility: Visibility


class VersionOut(Response):
    version: int
    visibility: Visibility
    published_at: datetime
    config: dict[str, Any]


# --- actions ----------------------------------------------------------------------------------

_ParamName = Annotated[str, Field(min_length=1, max_length=MAX_PARAM_NAME)]
_ParamValue = Annotated[str, Field(max_length=MAX_PARAM_VALUE)]


class AuthIn(Request):
    type: Literal["none", "api_key", "oauth"] = "none"
    authorization_type: Literal["basic", "bearer", "custom"] | None = None
    custom_auth_header: Annotated[str, Field(max_length=200)] | None = None
    api_key: Annotated[str, Field(max_length=10_000)] | None = Field(None, description="write-only")
    client_id: Annotated[str, Field(max_length=2_000)] | None = Field(None, description="write-only")
    client_secret: Annotated[str, Field(max_length=10_000)] | None = Field(None, description="write-only")
    authorization_url: Annotated[str, Field(max_length=2_000)] | None = None
    token_url: Annotated[str, Field(max_length=2_000)] | None = None
    scope: Annotated[str, Field(max_length=2_000)] | None = None
    token_exchange_method: Literal["default_post", "basic_auth_header"] | None = None
    revocation_url: Annotated[str, Field(max_length=2_000)] | None = Field(
        None, description="optional: where Log out revokes the user's tokens (RFC 7009)"
    )
    key_source: Literal["builder", "user"] | None = Field(
        None,
        description='API key: "builder" (default) for one shared key set here; "user" for each user\'s '
        "own key, added under Connected accounts (api_key is then refused)",
    )
    pkce: bool | None = Field(None, description="OAuth: send a PKCE code challenge (default true)")
    extra_authorize_params: (
        Annotated[dict[_ParamName, _ParamValue], Field(max_length=MAX_EXTRA_PARAMS)] | None
    ) = Field(
        None,
        description="OAuth: more query parameters for the authorize URL (such as audience or prompt); "
        "the flow's own names (response_type, client_id, redirect_uri, scope, state, code_challenge, "
        "code_challenge_method) are refused",
    )


class ActionIn(Request):
    schema_: str | None = Field(
        None, alias="schema", description="the OpenAPI document as text (JSON or YAML)"
    )
    privacy_policy_url: str | None = None
    source_url: str | None = None
    base_url: str | None = None
    auth: AuthIn | None = None


class ActionOut(Response):
    id: str
    gpt_id: str
    domain: str | None
    label: str = Field(description='the domain, "Unknown domain" or "Invalid action"')
    schema_: str = Field(alias="schema", serialization_alias="schema")
    privacy_policy_url: str | None
    source_url: str | None
    base_url: str | None
    auth: dict[str, Any] = Field(
        description="the AuthIn fields as stored (with key_source for API keys, pkce and "
        'extra_authorize_params for OAuth); secrets appear only as "set" or "not set"'
    )
    callback_url: str | None
    blocked: str | None = Field(description="set when the workspace's domain policy now refuses this action")
    validation: dict[str, Any]


# --- editor -----------------------------------------------------------------------------------


class ValidateIn(Request):
    schema_: str = Field(alias="schema", description="the OpenAPI document as text")


class ExampleOut(Response):
    key: str
    label: str
    text: str
