"""Bodies of the calls API: test one operation, and the audit records."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from actionforge.web.schemas import Request, Response

Egress = Literal["allowed", "blocked", "skipped"]


class TestCallIn(Request):
    operation: str = Field(min_length=1, max_length=200, description="the tool name or operationId")
    arguments: dict[str, Any] = Field(default_factory=dict, description="as a model would send them")


class WireRequestOut(Response):
    method: str
    url: str
    headers: dict[str, str]
    body: str


class WireResponseOut(Response):
    status: int
    headers: dict[str, str]
    content_type: str | None
    body: str = Field(description="what the model reads: JSON compacted, capped by the engine")
    truncated: bool


class TimingOut(Response):
    started_at: datetime
    latency_ms: int = Field(description="measured on the server's clock")


class EgressOut(Response):
    decision: Egress
    reason: str | None


class TestCallOut(Response):
    id: str = Field(description="the audit record of this call")
    operation: str
    ok: bool
    outcome: str = Field(description='"ok" or the engine\'s error kind (arguments, blocked, http, ...)')
    message: str | None
    request: WireRequestOut | None = Field(description="as sent, secrets redacted; null if nothing was sent")
    response: WireResponseOut | None
    timing: TimingOut
    egress: EgressOut
    repairs: list[dict[str, Any]]
    for_model: str = Field(description="the tool result text the model would read")


class CallRecordOut(Response):
    id: str
    workspace_id: str
    gpt_id: str
    gpt_version: int = Field(description="0 for the draft")
    action_id: str
    domain: str
    user_id: str | None
    operation: str
    outcome: str
    status: int | None
    latency_ms: int
    request_bytes: int
    response_bytes: int
    egress: Egress
    egress_reason: str | None
    consent: str
    arguments: str = Field(description="JSON text, redacted")
    request: dict[str, Any] | None
    response: dict[str, Any] | None
    created_at: datetime


class CallSummaryOut(Response):
    total: int = Field(description="how many records the workspace holds")
    domains: list[str] = Field(description="the domains its records name, sorted")
    outcomes: list[str] = Field(description='"ok" and the error kinds its records name, sorted')
    gpt_ids: list[str] = Field(description="the GPTs its records belong to")
