"""Connected accounts (a user's own API key, OAuth tokens in the database) and consent choices.

The upstream is a real server on 127.0.0.1 that says which credential it was sent, so a test can
tell the user's own key from the builder's shared one without the key ever showing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import actionforge
from actionforge.platform.connections import DbTokenStore
from actionforge.store.tables_connections import ConnectedAccount
from tests.servers.threaded import serve
from tests.web.conftest import MakeUser, Server, workspace_id

SHARED_KEY = "shared-key-5b0e9d2c7a41"
OWN_KEY = "own-key-93c1f6e0a2d8b7"
ACCESS_TOKEN = "access-token-7e2a4c9d1b60"
KNOWN = {f"Bearer {SHARED_KEY}": "shared", f"Bearer {OWN_KEY}": "own", f"Bearer {ACCESS_TOKEN}": "oauth"}


@pytest.fixture(autouse=True)
def engine_allows_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT"):
        monkeypatch.setenv(f"ACTIONFORGE_{name}", "true")


async def whoami(request: Request) -> JSONResponse:
    return JSONResponse({"who": KNOWN.get(request.headers.get("authorization", ""), "nobody")})


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/whoami", whoami)])) as url:
        yield url


def document(base_url: str) -> str:
    operation = {"operationId": "whoami", "responses": {"200": {"description": "ok"}}}
    return json.dumps({
        "openapi": "3.1.0", "info": {"title": "Who", "version": "1"}, "servers": [{"url": base_url}],
        "paths": {"/whoami": {"get": operation}},
    })  # fmt: skip


async def new_action(client: httpx.AsyncClient, api: str, auth: dict[str, Any]) -> tuple[str, str]:
    ws = await workspace_id(client)
    gpt_id = (await client.post(f"/api/workspaces/{ws}/gpts", json={"name": "Who"})).json()["id"]
    created = await client.post(f"/api/gpts/{gpt_id}/actions", json={"schema": document(api), "auth": auth})
    assert created.status_code == 201, created.text
    return gpt_id, created.json()["id"]


async def who(client: httpx.AsyncClient, gpt_id: str, action_id: str) -> dict[str, Any]:
    body = {"operation": "whoami", "arguments": {}}
    answer = await client.post(f"/api/gpts/{gpt_id}/actions/{action_id}/test", json=body)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


BEARER = {"type": "api_key", "authorization_type": "bearer", "api_key": SHARED_KEY}


async def test_a_users_own_api_key_replaces_the_shared_one_until_they_log_out(
    owner: httpx.AsyncClient, api: str
) -> None:
    gpt_id, action_id = await new_action(owner, api, BEARER)
    assert json.loads((await who(owner, gpt_id, action_id))["response"]["body"]) == {"who": "shared"}
    stored = await owner.put(f"/api/me/connections/{action_id}/api-key", json={"api_key": OWN_KEY})
    assert stored.status_code == 200, stored.text
    assert json.loads((await who(owner, gpt_id, action_id))["response"]["body"]) == {"who": "own"}
    listed = await owner.get("/api/me/connections")
    assert OWN_KEY not in listed.text
    [connection] = listed.json()["items"]
    assert (connection["action_id"], connection["kind"], connection["mode"]) == (
        action_id,
        "api_key",
        "draft",
    )
    assert (await owner.delete(f"/api/me/connections/{action_id}")).status_code == 204
    assert (await owner.get("/api/me/connections")).json()["items"] == []
    assert (await owner.delete(f"/api/me/connections/{action_id}")).status_code == 404
    assert json.loads((await who(owner, gpt_id, action_id))["response"]["body"]) == {"who": "shared"}


async def test_keys_only_for_api_key_actions_the_user_may_use(
    owner: httpx.AsyncClient, make_user: MakeUser, api: str
) -> None:
    _, keyless = await new_action(owner, api, {"type": "none"})
    refused = await owner.put(f"/api/me/connections/{keyless}/api-key", json={"api_key": OWN_KEY})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "/api_key"
    _, action_id = await new_action(owner, api, BEARER)
    broken = await owner.put(f"/api/me/connections/{action_id}/api-key", json={"api_key": "two\nlines"})
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["pointer"] == "/api_key"
    stranger = await make_user("stranger@example.com")
    other = await stranger.put(f"/api/me/connections/{action_id}/api-key", json={"api_key": OWN_KEY})
    assert other.status_code == 404
    assert (await stranger.delete(f"/api/me/connections/{action_id}")).status_code == 404


def oauth_auth(api: str) -> dict[str, Any]:
    return {
        "type": "oauth", "client_id": "client-1", "client_secret": "client-secret-0c8f2a",
        "authorization_url": f"{api}/authorize", "token_url": f"{api}/token", "scope": "read",
    }  # fmt: skip


async def test_oauth_tokens_live_in_the_database_sealed(
    owner: httpx.AsyncClient, server: Server, api: str
) -> None:
    gpt_id, action_id = await new_action(owner, api, oauth_auth(api))
    assert (await who(owner, gpt_id, action_id))["outcome"] == "sign_in_required"
    user_id = (await owner.get("/api/session")).json()["user"]["id"]
    key = actionforge.TokenKey(user_id, action_id, "draft")
    tokens = actionforge.TokenSet(access_token=actionforge.SecretValue(ACCESS_TOKEN), scope="read")
    await DbTokenStore(server.services.platform).put(key, tokens)
    found = await who(owner, gpt_id, action_id)
    assert json.loads(found["response"]["body"]) == {"who": "oauth"}
    assert found["request"]["headers"]["authorization"] == "[REDACTED]"
    async with server.services.platform.db.session() as s:
        row = (await s.scalars(select(ConnectedAccount))).one()
    assert ACCESS_TOKEN not in row.secret_sealed
    [connection] = (await owner.get("/api/me/connections")).json()["items"]
    assert (connection["kind"], connection["scope"]) == ("oauth", "read")
    assert (await owner.delete(f"/api/me/connections/{action_id}")).status_code == 204
    assert await DbTokenStore(server.services.platform).get(key) is None


async def test_always_allow_or_ask_per_gpt_action_domain(
    owner: httpx.AsyncClient, make_user: MakeUser, api: str
) -> None:
    gpt_id, _ = await new_action(owner, api, {"type": "none"})
    assert (await owner.get(f"/api/gpts/{gpt_id}/consents")).json()["items"] == []
    chosen = await owner.put(f"/api/gpts/{gpt_id}/consents", json={"domain": "127.0.0.1", "choice": "always"})
    assert chosen.status_code == 200, chosen.text
    [consent] = (await owner.get(f"/api/gpts/{gpt_id}/consents")).json()["items"]
    assert (consent["domain"], consent["choice"]) == ("127.0.0.1", "always")
    back = await owner.put(f"/api/gpts/{gpt_id}/consents", json={"domain": "127.0.0.1", "choice": "ask"})
    assert back.json()["choice"] == "ask"
    assert (
        await owner.put(f"/api/gpts/{gpt_id}/consents", json={"domain": "other.example", "choice": "ask"})
    ).status_code == 404
    assert (
        await owner.put(f"/api/gpts/{gpt_id}/consents", json={"domain": "127.0.0.1", "choice": "yes"})
    ).status_code == 422
    nul = await owner.put(f"/api/gpts/{gpt_id}/consents", json={"domain": "127.0.0.1\u0000", "choice": "ask"})
    assert nul.status_code == 422  # not a 500 from PostgreSQL, which cannot hold NUL in text
    assert nul.json()["errors"][0]["pointer"] == "/domain"
    stranger = await make_user("stranger@example.com")
    assert (await stranger.get(f"/api/gpts/{gpt_id}/consents")).status_code == 404
    refused = await stranger.put(
        f"/api/gpts/{gpt_id}/consents", json={"domain": "127.0.0.1", "choice": "always"}
    )
    assert refused.status_code == 404
