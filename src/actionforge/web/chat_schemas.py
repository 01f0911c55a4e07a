"""Bodies of the conversations API (docs: the chat API contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from actionforge.web.connection_schemas import NO_CONTROL_CHARS
from actionforge.web.schemas import Request, Response

TEXT_CHARS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # line breaks and tabs, no other control characters
ConversationState = Literal["idle", "running", "awaiting_approval", "awaiting_sign_in"]


class ConversationIn(Request):
    preview: bool = Field(
        False, description="true: the builder's Preview of the draft; false: the published GPT"
    )


class ConversationOut(Response):
    id: str
    gpt_id: str
    preview: bool
    title: str
    created_at: datetime
    updated_at: datetime
    state: ConversationState


class EventOut(Response):
    id: int = Field(description="increases within the conversation; resume the stream after it")
    type: str
    at: str
    data: dict[str, Any]


class ConversationWithEvents(ConversationOut):
    events: list[EventOut]


class TestIn(Request):
    action_id: str = Field(max_length=40, pattern=NO_CONTROL_CHARS)
    operation_id: str = Field(max_length=200, pattern=NO_CONTROL_CHARS)


class MessageIn(Request):
    text: str = Field("", max_length=100_000, pattern=TEXT_CHARS, description='may be "" with "test"')
    test: TestIn | None = Field(None, description="the Test button: the server writes the message")


class RunOut(Response):
    run_id: str


class DecisionIn(Request):
    decision: Literal["allow", "always_allow", "decline"]


class DecisionOut(Response):
    call_id: str
    state: str
