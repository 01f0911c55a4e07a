"""Objects made from Core rows read like those the ORM loads, and can be changed and merged back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Table, select
from sqlalchemy.orm import object_session

from actionforge.store import Database
from actionforge.store.rows import entity
from actionforge.store.tables import User

USERS: Table = User.__table__  # type: ignore[assignment]
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'rows.db'}")
    await database.migrate()
    async with database.session() as s:
        s.add(User(id="usr_1", email="a@example.com", display_name="A", password_hash="h", created_at=NOW))
    yield database
    await database.dispose()


async def test_an_entity_holds_every_column_of_its_row(db: Database) -> None:
    row = await db.first(select(USERS).where(USERS.c.id == "usr_1"), {})
    assert row is not None
    user = entity(User, row)
    assert (user.id, user.email, user.display_name, user.is_active, user.created_at) == (
        "usr_1", "a@example.com", "A", True, NOW,
    )  # fmt: skip
    assert object_session(user) is None


async def test_an_entity_can_be_changed_and_merged_back(db: Database) -> None:
    row = await db.first(select(USERS).where(USERS.c.id == "usr_1"), {})
    assert row is not None
    user = entity(User, row)
    user.display_name = "Renamed"
    async with db.session() as s:
        await s.merge(user)
    async with db.read() as s:
        assert (await s.get(User, "usr_1")).display_name == "Renamed"  # type: ignore[union-attr]
