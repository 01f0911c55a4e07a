"""Bodies of the connected-accounts and consent API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from actionforge.web.schemas import Request, Response

NO_CONTROL_CHARS = r"^[^\x00-\x1f\x7f]*$"  # no field here needs a control character (NUL: `Request`)


class ConnectionOut(Response):
    action_id: str
    gpt_id: str
    domain: str | None
    mode: Literal["draft", "published"]
    kind: Literal["oauth", "api_key"]
    connected: bool = Field(
        True, description="false: an action of the GPT asked for (gpt_id) that needs the user's own key"
    )
    key_source: Literal["builder", "user"] | None = Field(
        None, description='API key: "user" when each user brings their own key'
    )
    scope: str | None
    expires_at: datetime | None = Field(description="the access token's expiry, when the provider said")
    connected_at: datetime | None = Field(description="null when not connected")
    updated_at: datetime | None = Field(description="null when not connected")


class ApiKeyIn(Request):
    api_key: str = Field(min_length=1, max_length=10_000, description="write-only: never shown again")


class ConsentIn(Request):
    domain: str = Field(
        min_length=1, max_length=253, pattern=NO_CONTROL_CHARS, description="one of the GPT's action domains"
    )
    choice: Literal["always", "ask"] = Field(description='"always": Always allow; "ask": ask each time')


class ConsentOut(Response):
    gpt_id: str
    domain: str
    choice: Literal["always", "ask"]
    updated_at: datetime


class SignInIn(Request):
    return_to: str = Field(
        "/", max_length=2_000, pattern=NO_CONTROL_CHARS, description="the path to send the user back to"
    )


class SignInOut(Response):
    authorize_url: str = Field(description="send the user's browser here")
    callback_url: str
