"""The two databases every store, platform and web test runs on: a fresh SQLite file, and a fresh
PostgreSQL database created for the test on the server named by ACTIONFORGE_TEST_POSTGRES_URL
(``./scripts/postgres`` starts one and prints it). Under CI a missing server fails the test.
"""

from __future__ import annotations

import gc
import os
import secrets
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, MetaData
from sqlalchemy.engine import make_url

from actionforge.store import Database

POSTGRES_ENV = "ACTIONFORGE_TEST_POSTGRES_URL"


def _postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {POSTGRES_ENV} is not set (export {POSTGRES_ENV}=$(./scripts/postgres))")
    pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (export {POSTGRES_ENV}=$(./scripts/postgres))")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of each kind, dropped after the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin = _postgres_admin_url()
    name = f"af_test_{secrets.token_hex(6)}"
    with psycopg.connect(_libpq(admin), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop(admin, name)


def _drop(admin: str, name: str, attempts: int = 5) -> None:
    """Drops a test's database; a session PostgreSQL will not end for us is waited out, then left.

    ``WITH (FORCE)`` cannot end a session it has no right to signal (a backend another role
    holds for a moment), and a teardown that fails would fail a test that passed. A database left
    behind is only disk: ``af_test_*`` names are never reused.

    ``gc.collect()`` first: a task cancelled while it connected (the chat sweeper, when an app
    stops just after it started) leaves psycopg's half-done handshake in a reference cycle, its
    socket open. PostgreSQL keeps that backend in "authentication" until its 60 s timeout, and
    DROP DATABASE waits for every backend, so the teardown took a minute. Collected, the socket
    closes at once.
    """
    gc.collect()
    for attempt in range(attempts):
        try:
            with psycopg.connect(_libpq(admin), autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse) as exc:
            if attempt == attempts - 1:
                warnings.warn(f"test database {name} left behind: {exc}", stacklevel=1)
                return
            time.sleep(0.2 * (attempt + 1))  # wait for the other session to end; no test's clock


@asynccontextmanager
async def database_with(url: str, tables: MetaData) -> AsyncIterator[Database]:
    """A `Database` on ``url`` holding ``tables`` (a test's own, not the migrations'), disposed after."""
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.run_sync(tables.create_all)
    try:
        yield database
    finally:
        await database.dispose()


def standalone_engine(db: Database) -> Engine:
    """The engine behind `Database.first`, `rows` and `write_returning`, for its events."""
    engine = db._standalone.engine
    return engine if isinstance(engine, Engine) else engine.sync_engine
