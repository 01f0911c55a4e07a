"""Who is calling, reused between requests on PostgreSQL (`CredentialCache`), and never after a
revocation: two apps on one database stand for two server processes, each with its own cache and
its own listener connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import psycopg
import pytest

from actionforge.platform.tokens import digest
from actionforge.web.app import create_app
from tests.web.conftest import Server, sign_in, sign_up_owner

POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
WAIT_S = 10.0  # an upper bound for a notification that arrives in milliseconds


@pytest.fixture
async def other(server: Server) -> AsyncIterator[Server]:
    """A second app on the same database and data directory: another server process."""
    app = create_app(server.settings, clock=server.clock, environ={})
    async with app.router.lifespan_context(app):
        yield Server(app, server.clock, server.settings)


async def until(condition: Callable[[], bool]) -> None:
    """Until ``condition`` holds (a notification was heard), failing after WAIT_S."""
    async with asyncio.timeout(WAIT_S):
        while not condition():
            await asyncio.sleep(0.005)


async def new_token(client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    created = (await client.post("/api/tokens", json={"name": "script"})).json()
    return created["id"], {"Authorization": f"Bearer {created['token']}"}


def libpq(server: Server) -> str:
    return server.services.platform.db.url.set(drivername="postgresql").render_as_string(hide_password=False)


@POSTGRESQL
async def test_a_token_revoked_in_one_process_is_refused_by_the_other(server: Server, other: Server) -> None:
    async with server.client() as owner, other.client() as script:
        await sign_up_owner(server, owner)
        token_id, bearer = await new_token(owner)
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200  # from the cache
        heard = other.services.platform.credentials.generation
        assert (await owner.delete(f"/api/tokens/{token_id}")).status_code == 204
        await until(lambda: other.services.platform.credentials.generation > heard)
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 401


@POSTGRESQL
async def test_a_session_ended_in_one_process_is_refused_by_the_other(server: Server, other: Server) -> None:
    async with server.client() as browser:
        await sign_up_owner(server, browser)
        async with other.client() as same_browser:
            same_browser.cookies = browser.cookies
            assert (await same_browser.get("/api/session")).status_code == 200
            heard = other.services.platform.credentials.generation
            assert (await browser.delete("/api/session")).status_code == 204
            await until(lambda: other.services.platform.credentials.generation > heard)
            assert (await same_browser.get("/api/session")).status_code == 401


@POSTGRESQL
async def test_a_cached_caller_is_served_without_the_database_until_any_account_changes(
    server: Server, other: Server
) -> None:
    """The token's row is deleted behind the trigger's back: the process that holds it in its cache
    still answers, which shows the cache serves it; the next change to the accounts tables, however
    small, empties every process's cache."""
    async with server.client() as owner, other.client() as script:
        await sign_up_owner(server, owner)
        _, bearer = await new_token(owner)
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200
        async with await psycopg.AsyncConnection.connect(libpq(server), autocommit=True) as sql:
            await sql.execute("ALTER TABLE api_tokens DISABLE TRIGGER api_tokens_changed")
            await sql.execute("DELETE FROM api_tokens WHERE token_hash = %s", (digest(bearer["Authorization"][7:]),))
            await sql.execute("ALTER TABLE api_tokens ENABLE TRIGGER api_tokens_changed")
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200  # cached
        heard = other.services.platform.credentials.generation
        await new_token(owner)  # any write to api_tokens notifies
        await until(lambda: other.services.platform.credentials.generation > heard)
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 401


@POSTGRESQL
async def test_while_the_listener_is_down_nothing_is_served_from_the_cache(server: Server, other: Server) -> None:
    async with server.client() as owner, other.client() as script:
        await sign_up_owner(server, owner)
        _, bearer = await new_token(owner)
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200
        notifications = other.services.platform.db.notifications
        assert notifications is not None
        async with await psycopg.AsyncConnection.connect(libpq(server), autocommit=True) as sql:
            await sql.execute("SELECT pg_terminate_backend(%s)", (notifications.backend_pid,))
            await until(lambda: not notifications.live)
            # a revocation the listener cannot hear: the cache must not answer for the token now
            await sql.execute("DELETE FROM api_tokens WHERE token_hash = %s", (digest(bearer["Authorization"][7:]),))
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 401


async def test_revoking_a_token_or_ending_a_session_acts_on_the_next_request(server: Server) -> None:
    """In the process that made the change, at once, by itself: on PostgreSQL the triggers are off
    here, so no notification can do it (and on SQLite, where nothing is cached, the same)."""
    async with server.client() as owner, server.client() as script:
        await sign_up_owner(server, owner)
        token_id, bearer = await new_token(owner)
        for _ in range(2):
            assert (await script.get("/api/workspaces", headers=bearer)).status_code == 200
        await set_triggers(server, "DISABLE")
        assert (await owner.delete(f"/api/tokens/{token_id}")).status_code == 204
        assert (await script.get("/api/workspaces", headers=bearer)).status_code == 401
        assert (await owner.get("/api/session")).status_code == 200
        assert (await owner.delete("/api/session")).status_code == 204
        assert (await owner.get("/api/session")).status_code == 401
        await set_triggers(server, "ENABLE")
        assert (await sign_in(owner, "owner@example.com")).status_code == 200
        assert (await owner.get("/api/session")).status_code == 200


async def set_triggers(server: Server, action: str) -> None:
    if server.services.platform.db.is_sqlite:
        return
    async with await psycopg.AsyncConnection.connect(libpq(server), autocommit=True) as sql:
        for table in ("api_tokens", "sessions"):
            await sql.execute(f"ALTER TABLE {table} {action} TRIGGER {table}_changed")
