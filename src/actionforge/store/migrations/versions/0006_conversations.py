"""Conversations: messages, turns (runs with a lease), tool calls and the event log.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def _at(name: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id(name: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.String(length=40), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "conversations",
        _id("id"),
        _id("user_id"),
        _id("gpt_id"),
        sa.Column("preview", sa.Boolean(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        _id("active_run_id", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        _fk("conversations", "gpt_id", "gpts"),
        _fk("conversations", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    op.create_index(
        op.f("ix_conversations_user_id_gpt_id_preview_id"),
        "conversations",
        ["user_id", "gpt_id", "preview", "id"],
    )
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _id("conversation_id"),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tool_calls", sa.JSON(), nullable=False),
        _at("created_at"),
        _fk("chat_messages", "conversation_id", "conversations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
    )
    op.create_index(op.f("ix_chat_messages_conversation_id_id"), "chat_messages", ["conversation_id", "id"])
    op.create_table(
        "chat_runs",
        _id("id"),
        _id("conversation_id"),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        _at("lease_expires_at", nullable=True),
        _at("pause_expires_at", nullable=True),
        sa.Column("stop_requested", sa.Boolean(), nullable=False),
        sa.Column("call_count", sa.Integer(), nullable=False),
        sa.Column("test_operation", sa.String(length=200), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        _fk("chat_runs", "conversation_id", "conversations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_runs")),
    )
    op.create_index(op.f("ix_chat_runs_conversation_id"), "chat_runs", ["conversation_id"])
    op.create_index(op.f("ix_chat_runs_state"), "chat_runs", ["state"])
    op.create_table(
        "conversation_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _id("conversation_id"),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _at("created_at"),
        _fk("conversation_events", "conversation_id", "conversations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_events")),
    )
    op.create_index(
        op.f("ix_conversation_events_conversation_id_id"), "conversation_events", ["conversation_id", "id"]
    )
    op.create_table(
        "chat_tool_calls",
        _id("id"),
        _id("run_id"),
        _id("conversation_id"),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("model_call_id", sa.String(length=200), nullable=False),
        sa.Column("tool_name", sa.String(length=200), nullable=False),
        _id("action_id", nullable=True),
        sa.Column("operation_id", sa.String(length=200), nullable=True),
        sa.Column("domain", sa.String(length=253), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("arguments", sa.Text(), nullable=False),
        sa.Column("result_text", sa.Text(), nullable=True),
        sa.Column("consent", sa.String(length=16), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        _fk("chat_tool_calls", "conversation_id", "conversations"),
        _fk("chat_tool_calls", "message_id", "chat_messages"),
        _fk("chat_tool_calls", "run_id", "chat_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_tool_calls")),
    )
    op.create_index(op.f("ix_chat_tool_calls_conversation_id"), "chat_tool_calls", ["conversation_id"])
    op.create_index(op.f("ix_chat_tool_calls_run_id"), "chat_tool_calls", ["run_id"])


def downgrade() -> None:
    op.drop_table("chat_tool_calls")
    op.drop_table("conversation_events")
    op.drop_table("chat_runs")
    op.drop_table("chat_messages")
    op.drop_table("conversations")
