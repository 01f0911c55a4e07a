"""The audit of action calls.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_action_calls_gpt_id_id": ["gpt_id", "id"],
    "ix_action_calls_workspace_id_id": ["workspace_id", "id"],
    "ix_action_calls_created_at": ["created_at"],
}


def upgrade() -> None:
    op.create_table(
        "action_calls",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("gpt_id", sa.String(length=40), nullable=False),
        sa.Column("gpt_version", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.String(length=40), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=True),
        sa.Column("operation", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("request_bytes", sa.Integer(), nullable=False),
        sa.Column("response_bytes", sa.Integer(), nullable=False),
        sa.Column("egress", sa.String(length=8), nullable=False),
        sa.Column("egress_reason", sa.Text(), nullable=True),
        sa.Column("consent", sa.String(length=16), nullable=False),
        sa.Column("arguments", sa.Text(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_action_calls_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_action_calls_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_calls")),
    )
    with op.batch_alter_table("action_calls", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(batch_op.f(name), columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("action_calls", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(batch_op.f(name))
    op.drop_table("action_calls")
