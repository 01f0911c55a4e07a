"""The audit of action calls: one row per call, arguments and exchanges stored redacted.

No foreign key to the GPT or the action: a record outlives the action it describes (and a
published version's action rows), so GPT owners can still read what was called. Records go with
their workspace, and are deleted after the retention setting (`platform.audit`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from actionforge.store.tables import ID, Base


class ActionCall(Base):
    __tablename__ = "action_calls"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ID, ForeignKey("workspaces.id", ondelete="CASCADE"))
    gpt_id: Mapped[str] = mapped_column(ID)
    gpt_version: Mapped[int] = mapped_column(Integer)  # 0 = the draft
    action_id: Mapped[str] = mapped_column(ID)
    domain: Mapped[str] = mapped_column(String(253))
    user_id: Mapped[str | None] = mapped_column(ID, ForeignKey("users.id", ondelete="SET NULL"))
    operation: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20))  # "ok" or the engine's ToolResult.error kind
    status: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    request_bytes: Mapped[int] = mapped_column(Integer)
    response_bytes: Mapped[int] = mapped_column(Integer)
    egress: Mapped[str] = mapped_column(String(8))  # allowed | blocked
    egress_reason: Mapped[str | None] = mapped_column(Text)
    consent: Mapped[str] = mapped_column(String(16))  # builder_test | always_allow | allowed_once | denied
    arguments: Mapped[str] = mapped_column(Text)  # redacted JSON text
    request: Mapped[dict[str, Any] | None]  # redacted: method, url, headers, body
    response: Mapped[dict[str, Any] | None]  # redacted: status, headers, body
    created_at: Mapped[datetime]
    __table_args__ = (
        Index(None, "gpt_id", "id"),
        Index(None, "workspace_id", "id"),
        Index(None, "created_at"),
    )
