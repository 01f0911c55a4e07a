"""Connected accounts (per-user OAuth tokens and API keys) and per-domain consent choices.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "connected_accounts",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("action_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("connected_accounts", "user_id", "users"),
        _fk("connected_accounts", "action_id", "actions"),
        sa.PrimaryKeyConstraint("user_id", "action_id", "mode", name=op.f("pk_connected_accounts")),
    )
    op.create_table(
        "action_consents",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("gpt_id", sa.String(length=40), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("action_consents", "user_id", "users"),
        _fk("action_consents", "gpt_id", "gpts"),
        sa.PrimaryKeyConstraint("user_id", "gpt_id", "domain", name=op.f("pk_action_consents")),
    )


def downgrade() -> None:
    op.drop_table("action_consents")
    op.drop_table("connected_accounts")
