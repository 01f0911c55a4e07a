"""The rows every request looks up, reused between requests (`RowCache`) and never after a
change: two apps on one database stand for two server processes, each with its own caches (and
on PostgreSQL its own listener connection; on SQLite its own connections, whose data version
moves with the other's commits)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable

import httpx
import psycopg
import pytest

from actionforge.platform.tokens import digest
from actionforge.store.thread_connections import ThreadConnections
from actionforge.web.app import create_app
from tests.web.conftest import Server, sign_in, sign_up_owner
from tests.web.test_gpts_and_actions import new_gpt, schema

POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
WAIT_S = 10.0  # an upper bound for a notification that arrives in milliseconds


@pytest.fixture
async def other(server: Server) -> AsyncIterator[Server]:
    """A second app on the same database and data directory: another server process."""
    app = create_app(server.settings, clock=server.clock, environ={})
    async with app.router.lifespan_context(app):
        yield Server(app, server.clock, server.settings)


def hears(server: Server, *tables: str) -> asyncio.Event:
    """Set once ``server`` has heard of a change to one of ``tables`` (its caches, watching
    since the app started, have been emptied before this is set)."""
    heard = asyncio.Event()
    server.services.platform.db.changes.watch(tables, heard.set)
    return heard


async def heard(event: asyncio.Event, server: Server) -> None:
    """On PostgreSQL, wait for the notification; SQLite has none to wait for: the next lookup
    itself sees the other connection's commit."""
    if not server.services.platform.db.is_sqlite:
        await asyncio.wait_for(event.wait(), WAIT_S)


async def new_token(client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    created = (await client.post("/api/tokens", json={"name": "script"})).json()
    return created["id"], {"Authorization": f"Bearer {created['token']}"}


async def owner_with_token(server: Server, owner: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    """``owner`` signed up as the first owner, and an API token of theirs (id, header)."""
    await sign_up_owner(server, owner)
    return await new_token(owner)


def token_hash(bearer: dict[str, str]) -> str:
    return digest(bearer["Authorization"].removeprefix("Bearer "))


async def sql(server: Server, *statements: tuple[str, tuple[object, ...]]) -> None:
    libpq = server.services.platform.db.url.set(drivername="postgresql").render_as_string(hide_password=False)
    async with await psycopg.AsyncConnection.connect(libpq, autocommit=True) as connection:
        for statement, params in statements:
            await connection.execute(statement, params)


def triggers(action: str, tables: Iterable[str]) -> list[tuple[str, tuple[object, ...]]]:
    return [(f"ALTER TABLE {table} {action} TRIGGER {table}_changed", ()) for table in tables]


async def test_a_token_revoked_in_one_process_is_refused_by_the_other(server: Server, other: Server) -> None:
    async with server.client() as owner, other.client() as script:
        token_id, bearer = await owner_with_token(server, owner)
        for _ in range(2):  # the second from the cache
            assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200
        revoked = hears(other, "api_tokens")
        assert (await owner.delete(f"/api/tokens/{token_id}")).status_code == 204
        await heard(revoked, other)
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 401


async def test_a_session_ended_in_one_process_is_refused_by_the_other(server: Server, other: Server) -> None:
    async with server.client() as browser, other.client() as same_browser:
        await sign_up_owner(server, browser)
        same_browser.cookies = browser.cookies
        assert (await same_browser.get("/api/session")).status_code == 200
        ended = hears(other, "sessions")
        assert (await browser.delete("/api/session")).status_code == 204
        await heard(ended, other)
        assert (await same_browser.get("/api/session")).status_code == 401


@POSTGRESQL
async def test_a_cached_row_is_served_without_the_database_until_its_table_changes(
    server: Server, other: Server
) -> None:
    """The token's row is deleted behind the trigger's back: the process that holds it still
    answers, which shows the cache serves it; the next change to its table, however small,
    empties every process's cache."""
    async with server.client() as owner, other.client() as script:
        _, bearer = await owner_with_token(server, owner)
        for _ in range(2):
            assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200
        delete = ("DELETE FROM api_tokens WHERE token_hash = %s", (token_hash(bearer),))
        await sql(server, *triggers("DISABLE", ["api_tokens"]), delete, *triggers("ENABLE", ["api_tokens"]))
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200  # cached
        changed = hears(other, "api_tokens")
        await new_token(owner)  # any write to api_tokens notifies
        await heard(changed, other)
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 401


@POSTGRESQL
async def test_while_the_listener_is_down_nothing_is_served_from_the_cache(
    server: Server, other: Server
) -> None:
    async with server.client() as owner, other.client() as script:
        _, bearer = await owner_with_token(server, owner)
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200
        notifications = other.services.platform.db.notifications
        assert notifications is not None
        await sql(server, ("SELECT pg_terminate_backend(%s)", (notifications.backend_pid,)))
        async with asyncio.timeout(WAIT_S):
            while notifications.live:  # noqa: ASYNC110  # no event to wait on: the listener's own state
                await asyncio.sleep(0.005)
        # a revocation the listener cannot hear: the cache must not answer for the token now
        await sql(server, ("DELETE FROM api_tokens WHERE token_hash = %s", (token_hash(bearer),)))
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 401


async def test_a_gpt_changed_or_deleted_in_one_process_is_seen_so_by_the_other(
    server: Server, other: Server
) -> None:
    async with server.client() as owner, other.client() as reader:
        _, bearer = await owner_with_token(server, owner)
        gpt = await new_gpt(owner)
        action = (await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema()})).json()
        for _ in range(2):
            read = (await reader.get(f"/api/gpts/{gpt['id']}", headers=bearer)).json()
            assert (read["name"], read["action_count"]) == ("G", 1)
        changed = hears(other, "gpts", "actions")  # cleared after each read: a later flush is this change's
        assert (await owner.patch(f"/api/gpts/{gpt['id']}", json={"name": "Renamed"})).status_code == 200
        await heard(changed, other)
        assert (await reader.get(f"/api/gpts/{gpt['id']}", headers=bearer)).json()["name"] == "Renamed"
        changed.clear()
        assert (await owner.delete(f"/api/gpts/{gpt['id']}/actions/{action['id']}")).status_code == 204
        await heard(changed, other)
        assert (await reader.get(f"/api/gpts/{gpt['id']}", headers=bearer)).json()["action_count"] == 0
        changed.clear()
        assert (await owner.delete(f"/api/gpts/{gpt['id']}")).status_code == 204
        await heard(changed, other)
        assert (await reader.get(f"/api/gpts/{gpt['id']}", headers=bearer)).status_code == 404


async def test_this_processs_own_changes_act_on_its_next_request(server: Server) -> None:
    """At once and by themselves: on PostgreSQL the triggers are off here, so no notification can
    do it; on SQLite, the writes on the connection the lookups use do not move its data version."""
    tables = ["api_tokens", "sessions", "gpts", "actions"]
    async with server.client() as owner, server.client() as script:
        token_id, bearer = await owner_with_token(server, owner)
        gpt = await new_gpt(owner)
        for _ in range(2):
            assert (await script.get(f"/api/gpts/{gpt['id']}", headers=bearer)).json()["name"] == "G"
        await set_triggers(server, "DISABLE", tables)
        assert (await owner.patch(f"/api/gpts/{gpt['id']}", json={"name": "Renamed"})).status_code == 200
        assert (await script.get(f"/api/gpts/{gpt['id']}", headers=bearer)).json()["name"] == "Renamed"
        await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema()})
        assert (await script.get(f"/api/gpts/{gpt['id']}", headers=bearer)).json()["action_count"] == 1
        assert (await owner.delete(f"/api/tokens/{token_id}")).status_code == 204
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 401
        assert (await owner.get("/api/session")).status_code == 200
        assert (await owner.delete("/api/session")).status_code == 204
        assert (await owner.get("/api/session")).status_code == 401
        await set_triggers(server, "ENABLE", tables)
        assert (await sign_in(owner, "owner@example.com")).status_code == 200
        assert (await owner.get("/api/session")).status_code == 200


async def set_triggers(server: Server, action: str, tables: list[str]) -> None:
    if not server.services.platform.db.is_sqlite:
        await sql(server, *triggers(action, tables))


SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE
async def test_on_sqlite_a_cached_row_is_served_until_another_connection_commits(
    server: Server, other: Server
) -> None:
    """The token's row is deleted on the very connection the lookups use, with no report: the
    process still answers, which shows the cache serves it. A commit by any other connection (the
    other process, or an operator's sqlite3 shell) empties it."""
    db = other.services.platform.db
    async with server.client() as owner, other.client() as script:
        _, bearer = await owner_with_token(server, owner)
        for _ in range(2):
            assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200
        own = db._standalone  # the lookups' own connection: its commits leave its data version be
        assert isinstance(own, ThreadConnections)

        def delete(driver: sqlite3.Connection) -> None:
            driver.execute("DELETE FROM api_tokens WHERE token_hash = ?", (token_hash(bearer),))
            driver.commit()

        own.on_driver(delete)
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200  # cached
        with sqlite3.connect(db.url.database or "") as shell:
            shell.execute("UPDATE users SET display_name = 'Renamed in the shell'")
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 401
