"""Alembic environment: migrations always run on a connection handed over by `Database.migrate`."""

from __future__ import annotations

from alembic import context

from actionforge.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through actionforge.store.Database.migrate(), not the alembic CLI")

# render_as_batch: SQLite cannot ALTER most things, so later migrations rebuild tables there.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
