"""Conversations and their turns, as data (DESIGN.md "A chat turn as data").

* ``conversations``: one user's chat with one GPT, its draft (Preview) or its published snapshot.
  ``active_run_id`` is the turn in progress or paused; setting it is a compare-and-set, so two
  messages sent at once start one turn.
* ``chat_messages``: what the model sees, user and assistant messages in order (an assistant
  message keeps the model's tool calls as it sent them). Tool results are not rows here: each is
  the ``result_text`` of its ``chat_tool_calls`` row, joined in when the prompt is built, so a call
  and its result are one row written once.
* ``chat_runs``: one turn, with a lease (owner process, expiry) and a ``version`` that every
  takeover (resume, crash recovery, pause expiry) bumps with a conditional UPDATE.
* ``chat_tool_calls``: one row per tool call, a state machine
  ``proposed → awaiting_approval | awaiting_sign_in → approved → sending → done | failed |
  declined | unknown``; ``sending`` is committed before the request leaves.
* ``conversation_events``: the log the page shows and the SSE stream tails (ids increase).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from actionforge.store.tables import ID, Base


def _parent(table: str) -> ForeignKey:
    return ForeignKey(f"{table}.id", ondelete="CASCADE")


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, _parent("users"))
    gpt_id: Mapped[str] = mapped_column(ID, _parent("gpts"))
    preview: Mapped[bool] = mapped_column(Boolean)
    title: Mapped[str] = mapped_column(Text, default="")
    active_run_id: Mapped[str | None] = mapped_column(ID)  # the turn running or paused, if any
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (Index(None, "user_id", "gpt_id", "preview", "id"),)


class ChatMessage(Base):
    __tablename__ = "chat_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ID, _parent("conversations"))
    role: Mapped[str] = mapped_column(String(10))  # user | assistant
    text: Mapped[str] = mapped_column(Text, default="")
    tool_calls: Mapped[list[Any]] = mapped_column(default=list)  # [{id, name, arguments}] as the model sent
    created_at: Mapped[datetime]
    __table_args__ = (Index(None, "conversation_id", "id"),)


class ChatRun(Base):
    __tablename__ = "chat_runs"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ID, _parent("conversations"), index=True)
    # running | awaiting_approval | awaiting_sign_in | done | stopped | failed
    state: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by every compare-and-set
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]
    pause_expires_at: Mapped[datetime | None]
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    call_count: Mapped[int] = mapped_column(Integer, default=0)
    test_operation: Mapped[str | None] = mapped_column(String(200))  # the Test button's operation
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ChatToolCall(Base):
    __tablename__ = "chat_tool_calls"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    run_id: Mapped[str] = mapped_column(ID, _parent("chat_runs"), index=True)
    conversation_id: Mapped[str] = mapped_column(ID, _parent("conversations"), index=True)
    message_id: Mapped[int] = mapped_column(Integer, _parent("chat_messages"))
    position: Mapped[int] = mapped_column(Integer)  # its place in the assistant message
    model_call_id: Mapped[str] = mapped_column(String(200))
    tool_name: Mapped[str] = mapped_column(String(200))
    action_id: Mapped[str | None] = mapped_column(ID)  # no foreign key: the record outlives a deleted draft
    operation_id: Mapped[str | None] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253))
    method: Mapped[str | None] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20))
    arguments: Mapped[str] = mapped_column(Text, default="")  # redacted JSON, for the page
    result_text: Mapped[str | None] = mapped_column(Text)  # what the model reads as the tool result
    consent: Mapped[str | None] = mapped_column(String(16))  # always_allow | allowed_once | declined
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ConversationEvent(Base):
    __tablename__ = "conversation_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ID, _parent("conversations"))
    type: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    __table_args__ = (Index(None, "conversation_id", "id"),)
