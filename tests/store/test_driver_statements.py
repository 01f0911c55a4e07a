"""`store.driver_statements` on both databases: a statement the app runs again and again runs on
the driver's own connection (psycopg's, sqlite3's), its values converted as SQLAlchemy converts
them, its rows holding what SQLAlchemy's rows hold, its writes committed; what it cannot run so
goes through SQLAlchemy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from psycopg.errors import DivisionByZero
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from actionforge.store import Database
from actionforge.store.driver_statements import Record
from actionforge.store.types import UtcDateTime
from tests.store.databases import database_with, standalone_engine

META = MetaData()
OWNERS = Table(
    "owners", META, Column("id", String(10), primary_key=True), Column("secret", String(40)),
    Column("active", Boolean), Column("seen_at", UtcDateTime()),
)  # fmt: skip
THINGS = Table(
    "things", META, Column("id", String(10), primary_key=True), Column("owner_id", ForeignKey("owners.id")),
    Column("n", Integer), Column("config", JSON), Column("seen_at", UtcDateTime(), nullable=True),
)  # fmt: skip
# Two tables with the same column names, a label, and a parameter: the shape of the app's lookups.
OWNED = (
    select(OWNERS.c.id.label("owner"), OWNERS, THINGS)
    .join(THINGS, THINGS.c.owner_id == OWNERS.c.id)
    .where(OWNERS.c.id == bindparam("owner_id"))
    .order_by(THINGS.c.id)
)
SEEN = datetime(2026, 12, 6, 9, 30, tzinfo=timezone(timedelta(hours=2)))
DEFAULTED = Table(
    "defaulted",
    META,
    Column("id", Integer, primary_key=True),
    Column("made", String(10), default=lambda: "made"),
)
ADD_DEFAULTED = insert(DEFAULTED).returning(DEFAULTED.c.made)
ADD_THING = insert(THINGS).returning(THINGS.c.id, THINGS.c.seen_at)
ADD_THING_QUIETLY = insert(THINGS)
RENAME_OWNER = (  # with values of its own: anonymous parameters with a processor (UtcDateTime's)
    update(OWNERS)
    .where(OWNERS.c.id == bindparam("owner_id"), OWNERS.c.seen_at <= SEEN + timedelta(days=1))
    .values(secret=bindparam("new_secret"), seen_at=SEEN + timedelta(days=1))
    .returning(OWNERS.c.secret, OWNERS.c.seen_at)
)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with database_with(database_url, META) as database:
        async with database.session() as s:
            await s.execute(
                OWNERS.insert(), [{"id": "o1", "secret": "hunter2", "active": True, "seen_at": SEEN}]
            )
            await s.execute(
                THINGS.insert(),
                [
                    {"id": "t1", "owner_id": "o1", "n": 1, "config": {"a": [1, None]}, "seen_at": SEEN},
                    {"id": "t2", "owner_id": "o1", "n": 2, "config": None, "seen_at": None},
                ],
            )
        yield database


def statements_through_sqlalchemy(db: Database) -> list[str]:
    seen: list[str] = []
    event.listen(standalone_engine(db), "before_cursor_execute", lambda _c, _cur, sql, *_: seen.append(sql))
    return seen


async def test_rows_read_on_the_driver_hold_what_sqlalchemy_s_rows_hold(db: Database) -> None:
    through_sqlalchemy = statements_through_sqlalchemy(db)
    expected = await db.rows(OWNED, {"owner_id": "o1"})  # the first run: SQLAlchemy's rows
    assert len(through_sqlalchemy) == 1
    driver = await db.rows(OWNED, {"owner_id": "o1"})
    assert len(through_sqlalchemy) == 1  # the second: on psycopg's connection
    assert all(isinstance(row, Record) for row in driver)
    assert [list(row._mapping.values()) for row in driver] == [
        list(row._mapping.values()) for row in expected
    ]
    first, second = driver
    for column in (*OWNERS.c, *THINGS.c):
        assert first._mapping[column] == expected[0]._mapping[column]
    assert (first.owner, first.id, first.id_1, first.n) == ("o1", "o1", "t1", 1)
    assert first.config == {"a": [1, None]}
    assert second.config is None
    assert first.seen_at == SEEN
    assert first.seen_at.tzinfo is UTC
    assert first.active is True
    assert second.seen_at_1 is None
    with pytest.raises(AttributeError):
        _ = first.no_such_column


async def test_first_answers_none_when_nothing_matches_and_the_parameters_are_bound(db: Database) -> None:
    for _ in range(2):  # the second on the driver
        assert await db.first(OWNED, {"owner_id": "nobody"}) is None
        row = await db.first(OWNED, {"owner_id": "o1"})
        assert row is not None
        assert row.id_1 == "t1"


async def test_a_record_s_repr_names_its_columns_never_their_values(db: Database) -> None:
    for _ in range(2):
        row = await db.first(OWNED, {"owner_id": "o1"})
    assert isinstance(row, Record)
    assert "hunter2" not in repr(row)
    assert "hunter2" not in repr(row._mapping)
    assert "secret" in repr(row)
    assert dict(row._mapping)["secret"] == "hunter2"


async def test_a_statement_built_per_call_or_with_an_in_list_goes_through_sqlalchemy(db: Database) -> None:
    through_sqlalchemy = statements_through_sqlalchemy(db)
    for _ in range(3):
        assert await db.first(select(OWNERS.c.id).where(OWNERS.c.id == "o1"), {}) is not None
    listed = (
        select(THINGS.c.id).where(THINGS.c.id.in_(bindparam("ids", expanding=True))).order_by(THINGS.c.id)
    )
    for _ in range(3):
        assert [row.id for row in await db.rows(listed, {"ids": ["t2", "t1"]})] == ["t1", "t2"]
    assert len(through_sqlalchemy) == 6


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_connection_whose_driver_read_raised_is_not_used_again(db: Database) -> None:
    backend = select(
        (bindparam("x", type_=Integer) / bindparam("d", type_=Integer)).label("q"),
        func.pg_backend_pid().label("pid"),
    )
    pids: set[int] = set()
    for _ in range(2):
        row = await db.first(backend, {"x": 1, "d": 1})
        assert row is not None
        pids.add(row.pid)
    assert len(pids) == 1
    with pytest.raises(DataError) as raised:
        await db.first(backend, {"x": 1, "d": 0})
    assert isinstance(raised.value.orig, DivisionByZero)
    row = await db.first(backend, {"x": 4, "d": 2})
    assert row is not None
    assert row.q == 2
    assert row.pid not in pids  # a new connection: the one that raised was discarded


async def test_writes_on_the_driver_are_committed_with_their_values_converted(db: Database) -> None:
    through_sqlalchemy = statements_through_sqlalchemy(db)
    for n in range(3, 6):  # the first through SQLAlchemy, the others on the driver
        thing = {"id": f"t{n}", "owner_id": "o1", "n": n, "config": {"n": n}, "seen_at": SEEN}
        returned = await db.write_returning(ADD_THING, thing)
        assert [(row.id, row.seen_at) for row in returned] == [(f"t{n}", SEEN)]
        assert returned[0].seen_at.tzinfo is UTC
    assert await db.write_returning(ADD_THING_QUIETLY, {"id": "t6", "owner_id": "o1", "n": 6}) == []
    assert await db.write_returning(ADD_THING_QUIETLY, {"id": "t7", "owner_id": "o1", "n": 7}) == []
    # Other columns given: compiled again for them, not run with the first set's SQL.
    assert await db.write_returning(ADD_THING_QUIETLY, {"id": "t8", "owner_id": "o1", "config": [8]}) == []
    for secret in ("s2", "s3"):  # the second on the driver
        renamed = await db.write_returning(RENAME_OWNER, {"owner_id": "o1", "new_secret": secret})
    assert [(row.secret, row.seen_at) for row in renamed] == [("s3", SEEN + timedelta(days=1))]
    assert len(through_sqlalchemy) == 3  # each statement's first run
    async with db.engine.connect() as other:  # committed: another connection sees them
        found = (
            await other.execute(select(THINGS.c.id, THINGS.c.n, THINGS.c.config).order_by(THINGS.c.id))
        ).all()
        secret = (await other.execute(select(OWNERS.c.secret))).scalar_one()
    assert [tuple(row) for row in found][2:] == [
        ("t3", 3, {"n": 3}), ("t4", 4, {"n": 4}), ("t5", 5, {"n": 5}),
        ("t6", 6, None), ("t7", 7, None), ("t8", None, [8]),
    ]  # fmt: skip
    assert secret == "s3"


async def test_a_failed_write_on_the_driver_leaves_nothing_and_the_next_one_lands(db: Database) -> None:
    for n in (3, 4):
        await db.write_returning(ADD_THING, {"id": f"t{n}", "owner_id": "o1", "n": n, "seen_at": SEEN})
    with pytest.raises(IntegrityError) as raised:  # as SQLAlchemy raises it
        await db.write_returning(ADD_THING, {"id": "t4", "owner_id": "o1", "n": 40, "seen_at": SEEN})
    assert "40" not in str(raised.value)  # no parameters in the message
    await db.write_returning(ADD_THING, {"id": "t5", "owner_id": "o1", "n": 5, "seen_at": SEEN})
    rows = await db.rows(select(THINGS.c.id, THINGS.c.n).order_by(THINGS.c.id), {})
    assert [(row.id, row.n) for row in rows] == [("t1", 1), ("t2", 2), ("t3", 3), ("t4", 4), ("t5", 5)]


async def test_a_write_with_python_side_defaults_goes_through_sqlalchemy(db: Database) -> None:
    through_sqlalchemy = statements_through_sqlalchemy(db)
    for n in range(3):
        assert [row.made for row in await db.write_returning(ADD_DEFAULTED, {"id": n})] == ["made"]
    assert len(through_sqlalchemy) == 3


async def test_the_same_names_in_another_order_bind_the_same_values(db: Database) -> None:
    """A statement's parameters are taken by name whatever order the caller's mapping has."""
    through_sqlalchemy = statements_through_sqlalchemy(db)
    for n in (3, 4):  # the second time round, both orders on the driver
        await db.write_returning(ADD_THING_QUIETLY, {"id": f"a{n}", "owner_id": "o1", "n": n})
        await db.write_returning(ADD_THING_QUIETLY, {"n": n * 10, "owner_id": "o1", "id": f"b{n}"})
    assert len(through_sqlalchemy) == 1  # the first run; the others on the driver
    rows = await db.rows(select(THINGS.c.id, THINGS.c.owner_id, THINGS.c.n).order_by(THINGS.c.id), {})
    assert [(row.id, row.owner_id, row.n) for row in rows][:4] == [
        ("a3", "o1", 3), ("a4", "o1", 4), ("b3", "o1", 30), ("b4", "o1", 40),
    ]  # fmt: skip


async def test_a_parameter_left_out_raises_sqlalchemy_s_error_on_the_driver_too(db: Database) -> None:
    for _ in range(2):  # the second on the driver
        assert await db.first(OWNED, {"owner_id": "o1"}) is not None
    with pytest.raises(SQLAlchemyError, match="owner_id"):
        await db.first(OWNED, {"owner": "o1"})
    for secret in ("s2", "s3"):  # the second on the driver
        await db.write_returning(RENAME_OWNER, {"owner_id": "o1", "new_secret": secret})
    with pytest.raises(SQLAlchemyError, match="new_secret"):
        await db.write_returning(RENAME_OWNER, {"owner_id": "o1"})
    assert await db.first(OWNED, {"owner_id": "o1"}) is not None  # the statement still runs
