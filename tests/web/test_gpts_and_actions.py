"""GPT fields and publishing, actions and their rules, write-only secrets, through the HTTP API."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select

from actionforge.store.tables import Action, Gpt
from tests.web.conftest import Server, workspace_id


def schema(host: str = "api.example.com") -> str:
    operation = {"operationId": "listThings", "responses": {"200": {"description": "ok"}}}
    return json.dumps({
        "openapi": "3.1.0",
        "info": {"title": "T", "version": "1"},
        "servers": [{"url": f"https://{host}"}],
        "paths": {"/things": {"get": operation}},
    })  # fmt: skip


async def new_gpt(client: httpx.AsyncClient, **fields: object) -> dict[str, object]:
    response = await client.post(
        f"/api/workspaces/{await workspace_id(client)}/gpts", json={"name": "G", **fields}
    )
    assert response.status_code == 201, response.text
    found: dict[str, object] = response.json()
    return found


async def stored(server: Server) -> tuple[list[Any], list[Any]]:
    async with server.services.platform.db.session() as s:
        gpts = [(g.id, g.name, g.updated_at) for g in await s.scalars(select(Gpt))]
        actions = [(a.id, a.domain, a.schema_text, a.api_key_sealed) for a in await s.scalars(select(Action))]
    return gpts, actions


async def test_gpt_field_limits_use_the_originals_messages(owner: httpx.AsyncClient, server: Server) -> None:
    ws = await workspace_id(owner)
    too_long = await owner.post(
        f"/api/workspaces/{ws}/gpts", json={"name": "x" * 51, "description": "d" * 301}
    )
    assert too_long.status_code == 422
    assert [(e["pointer"], e["detail"]) for e in too_long.json()["errors"]] == [
        ("/name", "GPT name too long (at most 50 characters)"),
        ("/description", "GPT description too long (at most 300 characters)"),
    ]
    empty = await owner.post(f"/api/workspaces/{ws}/gpts", json={"name": "  "})
    assert empty.json()["errors"][0]["detail"] == "GPT name cannot be empty"
    gpt = await new_gpt(owner, instructions="i" * 8_000, conversation_starters=["Hi"])
    assert gpt["instructions"] == "i" * 8_000
    assert (
        await owner.patch(f"/api/gpts/{gpt['id']}", json={"instructions": "i" * 8_001})
    ).status_code == 422


async def test_a_refused_request_changes_nothing_stored(owner: httpx.AsyncClient, server: Server) -> None:
    gpt = await new_gpt(owner)
    await owner.post(
        f"/api/gpts/{gpt['id']}/actions",
        json={"schema": schema(), "auth": {"type": "api_key", "api_key": "k1"}},
    )
    before = await stored(server)
    server.clock.advance(60)
    refusals = [
        owner.patch(f"/api/gpts/{gpt['id']}", json={"name": "ok", "description": "d" * 301}),
        owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema()}),  # duplicate domain
        owner.patch(f"/api/gpts/{gpt['id']}", json={"name": "ok", "apps": ["https://mcp.example.com"]}),
    ]
    for request in refusals:
        assert (await request).status_code in (409, 422)
    assert await stored(server) == before


async def test_actions_domain_status_and_duplicates(owner: httpx.AsyncClient) -> None:
    gpt = await new_gpt(owner)
    base = f"/api/gpts/{gpt['id']}/actions"
    blank = (await owner.post(base, json={})).json()
    assert (blank["domain"], blank["label"]) == (None, "Unknown domain")
    broken = (await owner.post(base, json={"schema": "openapi: [nope"})).json()
    assert (broken["domain"], broken["label"]) == (None, "Invalid action")
    assert broken["validation"]["success"] is False
    fixed = await owner.patch(f"{base}/{broken['id']}", json={"schema": schema()})
    assert fixed.json()["label"] == "api.example.com"
    dup = await owner.post(base, json={"schema": schema()})
    assert dup.status_code == 409
    assert dup.json()["detail"] == (
        "Action sets cannot have duplicate domains - api.example.com already exists on another action"
    )
    assert dup.json()["errors"][0]["pointer"] == "/schema"


async def test_at_most_ten_actions_per_gpt(owner: httpx.AsyncClient) -> None:
    gpt = await new_gpt(owner)
    for i in range(10):
        response = await owner.post(
            f"/api/gpts/{gpt['id']}/actions", json={"schema": schema(f"api{i}.example.com")}
        )
        assert response.status_code == 201
    eleventh = await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema("more.example.com")})
    assert eleventh.status_code == 422
    assert eleventh.json()["detail"] == "GPTs can have a maximum of 10 actions"


async def test_secrets_are_write_only_and_sealed_to_their_row(
    owner: httpx.AsyncClient, server: Server
) -> None:
    gpt = await new_gpt(owner)
    auth = {"type": "api_key", "authorization_type": "bearer", "api_key": "sk-very-secret"}
    created = await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema(), "auth": auth})
    assert created.json()["auth"] == {
        "type": "api_key", "authorization_type": "bearer", "custom_auth_header": None,
        "key_source": "builder", "api_key": "set",
    }  # fmt: skip
    action_id = created.json()["id"]
    for response in [created, await owner.get(f"/api/gpts/{gpt['id']}/actions/{action_id}")]:
        assert "sk-very-secret" not in response.text
    # leaving the key out keeps it; switching type drops it
    kept = await owner.patch(f"/api/gpts/{gpt['id']}/actions/{action_id}", json={"auth": {"type": "api_key"}})
    assert kept.json()["auth"]["api_key"] == "set"
    async with server.services.platform.db.session() as s:
        row = await s.get(Action, action_id)
        assert row is not None
        assert row.api_key_sealed is not None
        assert "sk-very-secret" not in row.api_key_sealed
        assert (
            server.services.platform.box.decrypt(
                row.api_key_sealed, aad=f"actions:{action_id}:api_key_sealed"
            ).reveal()
            == "sk-very-secret"
        )
    oauth = {
        "type": "oauth",
        "authorization_url": "https://api.example.com/authorize",
        "token_url": "https://api.example.com/token",
    }
    switched = await owner.patch(f"/api/gpts/{gpt['id']}/actions/{action_id}", json={"auth": oauth})
    body = switched.json()
    assert (body["auth"]["client_id"], body["auth"]["client_secret"]) == ("not set", "not set")
    callback = body["callback_url"]
    assert callback.startswith(f"{server.settings.public_base_url}/aip/cb_")
    assert callback.endswith("/oauth/callback")
    path = f"/api/gpts/{gpt['id']}/actions/{action_id}"
    same = await owner.patch(path, json={"privacy_policy_url": "https://example.com/p"})
    assert same.json()["callback_url"] == callback  # unrelated edits keep it
    rescoped = await owner.patch(path, json={"auth": {**oauth, "scope": "read"}})
    assert rescoped.json()["callback_url"] != callback  # an OAuth setting changed: a new URL


async def test_workspace_domain_policy_is_checked_on_save(owner: httpx.AsyncClient) -> None:
    ws = await workspace_id(owner)
    listed = await owner.patch(
        f"/api/workspaces/{ws}/settings", json={"domain_policy": "list", "allowed_domains": ["example.org"]}
    )
    assert listed.status_code == 200, listed.text
    gpt = await new_gpt(owner)
    refused = await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema()})
    assert refused.status_code == 422
    assert "api.example.com" in refused.json()["detail"]
    assert (
        await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema("api.example.org")})
    ).status_code == 201
    await owner.patch(f"/api/workspaces/{ws}/settings", json={"domain_policy": "none"})
    flagged = (await owner.get(f"/api/gpts/{gpt['id']}/actions")).json()["items"]
    assert [a["blocked"] for a in flagged] == ["No domains are allowed by your workspace's settings."]
    none = await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema("x.example.org")})
    assert none.json()["detail"] == "No domains are allowed by your workspace's settings."
    await owner.patch(f"/api/workspaces/{ws}/settings", json={"custom_actions_enabled": False})
    off = await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema("x.example.org")})
    assert off.status_code == 403
    assert (
        off.json()["detail"]
        == "Custom actions are disabled for your workspace. Contact your admin to enable them."
    )


async def test_apps_and_actions_are_exclusive(owner: httpx.AsyncClient) -> None:
    gpt = await new_gpt(owner, apps=["https://mcp.example.com"])
    refused = await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema()})
    assert refused.json()["detail"] == "A GPT can use either apps or actions, but not both at the same time."


async def test_publish_rules_and_snapshot(owner: httpx.AsyncClient) -> None:
    gpt = await new_gpt(owner)
    base = f"/api/gpts/{gpt['id']}"
    action = (
        await owner.post(
            f"{base}/actions", json={"schema": schema(), "auth": {"type": "api_key", "api_key": "k"}}
        )
    ).json()
    link = await owner.post(f"{base}/publish", json={"visibility": "link"})
    assert link.status_code == 422
    assert link.json()["errors"] == [
        {
            "pointer": f"/actions/{action['id']}/privacy_policy_url",
            "detail": "Public actions require valid privacy policy URLs",
        }
    ]
    await owner.patch(
        f"{base}/actions/{action['id']}", json={"privacy_policy_url": "https://example.com/privacy"}
    )
    public = await owner.post(f"{base}/publish", json={"visibility": "public"})
    assert public.json()["detail"] == "Public GPTs must have a category"
    assert (await owner.post(f"{base}/publish", json={"visibility": "link"})).status_code == 201
    assert (await owner.patch(base, json={"name": "Renamed"})).status_code == 200
    versions = (await owner.get(f"{base}/versions")).json()["items"]
    assert [(v["version"], v["config"]["name"], v["visibility"]) for v in versions] == [(1, "G", "link")]
    assert (await owner.get(base)).json()["published_version"] == 1


async def test_versions_are_paginated(owner: httpx.AsyncClient) -> None:
    gpt = await new_gpt(owner)
    for _ in range(3):
        assert (
            await owner.post(f"/api/gpts/{gpt['id']}/publish", json={"visibility": "private"})
        ).status_code == 201
    first = (await owner.get(f"/api/gpts/{gpt['id']}/versions", params={"limit": 2})).json()
    assert [v["version"] for v in first["items"]] == [1, 2]
    rest = await owner.get(
        f"/api/gpts/{gpt['id']}/versions", params={"limit": 2, "cursor": first["next_cursor"]}
    )
    assert [v["version"] for v in rest.json()["items"]] == [3]
    assert rest.json()["next_cursor"] is None
