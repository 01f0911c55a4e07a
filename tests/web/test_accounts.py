"""Setup link, sign-in and out, rate limiting, CSRF and API tokens, through the HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import func, select

from actionforge.platform.tokens import digest
from actionforge.store.tables import ApiToken, Session, User
from actionforge.web.app import create_app
from tests.web.conftest import PASSWORD, FakeClock, Server, server_settings, sign_in, sign_up_owner


async def test_the_setup_link_creates_the_first_owner_once(server: Server) -> None:
    async with server.client() as client:
        link = await server.services.accounts.setup_link()
        assert link is not None
        assert link.startswith(server.settings.public_base_url + "/setup?token=")
        token = parse_qs(urlsplit(link).query)["token"][0]
        body = {"token": token, "email": "Owner@Example.com", "password": PASSWORD, "display_name": "Ann"}
        created = await client.post("/api/setup", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["user"]["email"] == "owner@example.com"
        cookie = created.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "secure" not in cookie
        workspaces = (await client.get("/api/workspaces")).json()["items"]
        assert [w["role"] for w in workspaces] == ["owner"]

        again = await client.post("/api/setup", json={**body, "email": "second@example.com"})
        assert again.status_code == 422
        assert again.json()["errors"][0]["pointer"] == "/token"
    assert await server.services.accounts.setup_link() is None  # a user exists: no more links


async def test_login_logout_and_session(server: Server) -> None:
    async with server.client() as setup:
        await sign_up_owner(server, setup)
    async with server.client() as client:
        assert (await client.get("/api/session")).status_code == 401
        wrong = await sign_in(client, "owner@example.com", "not the password")
        assert wrong.status_code == 401
        assert wrong.headers["content-type"] == "application/problem+json"
        assert (await sign_in(client, "owner@example.com")).status_code == 200
        assert (await client.get("/api/session")).json()["user"]["email"] == "owner@example.com"
        assert (await client.delete("/api/session")).status_code == 204
        assert (await client.get("/api/session")).status_code == 401


async def test_failed_logins_are_rate_limited_until_the_window_passes(server: Server) -> None:
    async with server.client() as setup:
        await sign_up_owner(server, setup)
    limit = server.settings.login_max_attempts
    async with server.client() as client:
        for _ in range(limit):
            assert (await sign_in(client, "owner@example.com", "wrong password")).status_code == 401
        refused = await sign_in(client, "owner@example.com")  # even the right password
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == str(server.settings.login_window_s)
        server.clock.advance(server.settings.login_window_s)
        assert (await sign_in(client, "owner@example.com")).status_code == 200


async def test_cookie_writes_need_the_csrf_token(server: Server) -> None:
    async with server.client() as client:
        csrf = await sign_up_owner(server, client)
        del client.headers["X-CSRF-Token"]
        refused = await client.post("/api/tokens", json={"name": "ci"})
        assert refused.status_code == 403
        client.headers["X-CSRF-Token"] = "wrong"
        assert (await client.post("/api/tokens", json={"name": "ci"})).status_code == 403
        client.headers["X-CSRF-Token"] = csrf
        assert (await client.post("/api/tokens", json={"name": "ci"})).status_code == 201
        assert (await client.get("/api/tokens")).status_code == 200  # reads need none


async def test_api_tokens_are_shown_once_stored_hashed_and_revocable(server: Server) -> None:
    async with server.client() as client:
        await sign_up_owner(server, client)
        created = (await client.post("/api/tokens", json={"name": "script"})).json()
        token = created["token"]
        listed = (await client.get("/api/tokens")).json()["items"]
        assert [t["name"] for t in listed] == ["script"]
        assert "token" not in listed[0]
    async with server.services.platform.db.session() as s:
        row = await s.get(ApiToken, created["id"])
        assert row is not None
        assert row.token_hash == digest(token)
        assert token not in row.token_hash

    bearer = {"Authorization": f"Bearer {token}"}
    async with server.client() as script:
        me = await script.get("/api/session", headers=bearer)
        assert me.status_code == 200
        assert me.json()["user"]["email"] == "owner@example.com"
        # no CSRF header needed with a bearer token
        assert (await script.post("/api/tokens", json={"name": "other"}, headers=bearer)).status_code == 201
        assert (await script.delete(f"/api/tokens/{created['id']}", headers=bearer)).status_code == 204
        assert (await script.get("/api/session", headers=bearer)).status_code == 401


async def test_unknown_fields_and_wrong_types_get_problem_documents(owner: httpx.AsyncClient) -> None:
    response = await owner.post("/api/tokens", json={"name": "x", "admin": True})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"pointer": "/admin", "detail": "Unknown field"}]
    wrong = await owner.post("/api/tokens", json={"name": 5})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["pointer"] == "/name"


async def test_oversized_bodies_are_refused_before_parsing(server: Server, owner: httpx.AsyncClient) -> None:
    limit = server.settings.max_request_bytes
    big = b'{"name": "' + b"x" * limit + b'"}'

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    json_type = {"content-type": "application/json"}
    for content in (big, streamed()):
        response = await owner.post("/api/tokens", content=content, headers=json_type)
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == f"The request body is larger than {limit} bytes."


async def test_cookies_are_secure_when_the_public_url_is_https(tmp_path: Path, database_url: str) -> None:
    settings = server_settings(tmp_path, database_url, public_base_url="https://gpts.example.com")
    app = create_app(settings, clock=FakeClock())
    async with app.router.lifespan_context(app):
        server = Server(app, FakeClock(), settings)
        async with server.client() as client:
            link = await server.services.accounts.setup_link()
            assert link is not None
            assert link.startswith("https://gpts.example.com/setup?token=")
            token = parse_qs(urlsplit(link).query)["token"][0]
            body = {"token": token, "email": "o@example.com", "password": PASSWORD, "display_name": "O"}
            cookie = (await client.post("/api/setup", json=body)).headers["set-cookie"].lower()
    assert "; secure" in cookie
    assert "httponly" in cookie


async def test_sessions_expire_and_are_removed(server: Server) -> None:
    async with server.client() as client:
        await sign_up_owner(server, client)
        server.clock.advance(server.settings.session_ttl_s)
        assert (await client.get("/api/session")).status_code == 401
    async with server.services.platform.db.session() as s:
        assert (await s.scalar(select(func.count()).select_from(Session))) == 0


async def test_a_stronger_cost_setting_rehashes_on_the_next_login(tmp_path: Path, database_url: str) -> None:
    weak = server_settings(tmp_path, database_url)
    app = create_app(weak, clock=FakeClock())
    async with app.router.lifespan_context(app):
        server = Server(app, FakeClock(), weak)
        async with server.client() as client:
            await sign_up_owner(server, client)
    strong = weak.model_copy(update={"argon2_time_cost": 2})
    app = create_app(strong, clock=FakeClock())
    async with app.router.lifespan_context(app):
        server = Server(app, FakeClock(), strong)
        async with server.client() as client:
            assert (await sign_in(client, "owner@example.com")).status_code == 200
        async with server.services.platform.db.session() as s:
            stored = await s.scalar(select(User.password_hash))
    assert stored is not None
    assert ",t=2," in stored


async def test_token_use_is_recorded_at_most_once_a_minute(server: Server, owner: httpx.AsyncClient) -> None:
    created = (await owner.post("/api/tokens", json={"name": "script"})).json()
    bearer = {"Authorization": f"Bearer {created['token']}"}
    async with server.client() as script:
        await script.get("/api/session", headers=bearer)
        first = (await owner.get("/api/tokens")).json()["items"][0]["last_used_at"]
        server.clock.advance(30)
        await script.get("/api/session", headers=bearer)
        assert (await owner.get("/api/tokens")).json()["items"][0]["last_used_at"] == first
        server.clock.advance(30)
        await script.get("/api/session", headers=bearer)
        assert (await owner.get("/api/tokens")).json()["items"][0]["last_used_at"] != first


async def test_who_is_calling_is_read_without_the_password_hash(server: Server) -> None:
    """The caller's row is kept in memory between requests (on PostgreSQL): it never holds the
    hash, so code that reached for it would find none."""
    accounts = server.services.accounts
    async with server.client() as client:
        await sign_up_owner(server, client)
        token = (await client.post("/api/tokens", json={"name": "script"})).json()["token"]
        session_cookie = client.cookies["actionforge_session"]
    for principal in (
        await accounts.authenticate_token(token),
        await accounts.authenticate_session(session_cookie),
    ):
        assert principal.user.email == "owner@example.com"
        assert "password_hash" not in vars(principal.user)
        assert principal.user.password_hash is None
