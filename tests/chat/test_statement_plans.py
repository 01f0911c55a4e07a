"""The reads a drive makes find their rows through an index on SQLite, the embedded default: a
table scan grows with every conversation the instance has ever held."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select
from sqlalchemy.dialects import sqlite

from actionforge.chat.statements import CALLS_OF, HISTORY_OF
from actionforge.store import Database


async def query_plan(db: Database, statement: Select[Any]) -> list[str]:
    explain = f"EXPLAIN QUERY PLAN {statement.compile(dialect=sqlite.dialect())}"
    async with db.engine.connect() as connection:
        rows = await connection.exec_driver_sql(explain, ("conversation",))
        return [str(row._mapping["detail"]) for row in rows]


@pytest.mark.parametrize("statement", [HISTORY_OF, CALLS_OF], ids=["history", "calls"])
async def test_a_drives_reads_use_indexes(tmp_path: Path, statement: Select[Any]) -> None:
    db = Database(f"sqlite:///{tmp_path / 'plans.db'}")
    await db.migrate()  # the indexes the migrations create, not the models'
    plan = await query_plan(db, statement)
    await db.dispose()
    assert any(step.startswith("SEARCH") for step in plan), plan
    assert not [step for step in plan if step.startswith("SCAN")], plan
