"""Change notifications (PostgreSQL): a write to a table the caches read sends
``NOTIFY actionforge_changes, '<table>'`` at commit, so every process's caches forget what it made
wrong (`store.changes`). A trigger catches every writer: this code, another process, an operator's
SQL. An API token's ``last_used_at`` (written at most once a minute per token) changes nothing a
cache relies on, so it notifies nothing. SQLite: nothing to do (one process; nothing is cached).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

FUNCTION = "actionforge_table_changed"
ANY_WRITE = "INSERT OR UPDATE OR DELETE OR TRUNCATE"
EVENTS = {  # store.changes.WATCHED, as it stood at this revision
    "users": ANY_WRITE,
    "sessions": ANY_WRITE,
    "api_tokens": "INSERT OR UPDATE OF id, user_id, name, token_hash, hint, created_at OR DELETE OR TRUNCATE",
    "workspaces": ANY_WRITE,
    "memberships": ANY_WRITE,
    "gpts": ANY_WRITE,
    "actions": ANY_WRITE,
}


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _on_postgresql():
        return
    op.execute(
        f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('actionforge_changes', TG_TABLE_NAME); RETURN NULL; END $$"
    )
    for table, events in EVENTS.items():
        op.execute(
            f"CREATE TRIGGER {table}_changed AFTER {events} ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    if not _on_postgresql():
        return
    for table in EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
