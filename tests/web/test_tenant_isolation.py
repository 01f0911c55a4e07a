"""Tenant isolation, swept over the app's own route table: a new route cannot be missed.

Every route with an id in its path is called, with every method, on the owner's objects, as a
second user and as a member of another workspace. Each must answer 404 and change nothing.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.web.conftest import MakeUser, Server, workspace_id
from tests.web.test_gpts_and_actions import schema, stored

# A valid body for each request model, so a refusal cannot come from body validation instead.
BODIES: dict[str, dict[str, Any]] = {
    "WorkspaceSettingsIn": {"custom_actions_enabled": False},
    "MemberIn": {"email": "intruder@example.com", "role": "owner"},
    "MemberRoleIn": {"role": "member"},
    "GptIn": {"name": "taken over"},
    "PublishIn": {"visibility": "private"},
    "ActionIn": {"schema": schema("evil.example.net")},
    "TestCallIn": {"operation": "listThings", "arguments": {}},
    "ApiKeyIn": {"api_key": "intruder-key"},
    "ConsentIn": {"domain": "api.example.com", "choice": "always"},
    "SignInIn": {"return_to": "/"},
    "ConversationIn": {"preview": True},
    "MessageIn": {"text": "hello"},
    "DecisionIn": {"decision": "allow"},
    "ProviderIn": {"name": "intruder", "kind": "openai"},
    "ProviderChangeIn": {"api_key": "intruder-key"},
    "ModelIn": {"name": "intruder-model"},
    "ModelChangeIn": {"enabled": False},
    "ImportIn": {"url": "https://evil.example.net/openapi.json"},
    "ConfirmIn": {"fingerprint": "0" * 64},
}
NOT_TENANT_DATA = {"key"}  # /api/editor/examples/{key}: the same built-in texts for everyone
STREAMS = ("/events",)  # they stay open: tests/web/test_conversations_sse.py reads the owner's


def tenant_routes(server: Server) -> list[tuple[str, str, str | None]]:
    """(method, path, body model) for each route with an id in its path, from the app's route table
    as its OpenAPI document lists it."""
    found = []
    for path, operations in server.app.openapi()["paths"].items():
        params = set(re.findall(r"{(\w+)}", path))
        if not params or params <= NOT_TENANT_DATA:
            continue
        for method, operation in operations.items():
            ref = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            found.append((method.upper(), path, ref["$ref"].rsplit("/", 1)[-1] if "$ref" in ref else None))
    return found


async def owners_objects(owner: httpx.AsyncClient) -> dict[str, str]:
    ws = await workspace_id(owner)
    gpt = (await owner.post(f"/api/workspaces/{ws}/gpts", json={"name": "Secret GPT"})).json()
    auth = {"type": "api_key", "api_key": "owner-secret"}
    action = (
        await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema(), "auth": auth})
    ).json()
    token = (await owner.post("/api/tokens", json={"name": "owner's"})).json()
    conversation = (await owner.post(f"/api/gpts/{gpt['id']}/conversations", json={"preview": True})).json()
    # published privately, so /api/gpts/{gpt_id}/published answers its owner and no one else here
    published = await owner.post(f"/api/gpts/{gpt['id']}/publish", json={"visibility": "private"})
    assert published.status_code == 201
    provider = (
        await owner.post(f"/api/workspaces/{ws}/model-providers", json={"name": "own", "kind": "openai"})
    ).json()
    model = (await owner.post(f"/api/model-providers/{provider['id']}/models", json={"name": "m"})).json()
    (me,) = (await owner.get(f"/api/workspaces/{ws}/members")).json()["items"]
    return {
        "workspace_id": ws, "gpt_id": gpt["id"], "action_id": action["id"], "token_id": token["id"],
        "conversation_id": conversation["id"], "call_id": "call_of_nobody",
        "provider_id": provider["id"], "model_id": model["id"], "user_id": me["user"]["id"],
    }  # fmt: skip


async def test_other_tenants_get_404_on_every_route(
    server: Server, owner: httpx.AsyncClient, make_user: MakeUser
) -> None:
    ids = await owners_objects(owner)
    stranger = await make_user("stranger@example.com")
    member = await make_user("member@example.com")
    third = await make_user("third@example.com")
    added = await third.post(
        f"/api/workspaces/{await workspace_id(third)}/members", json={"email": "member@example.com"}
    )
    assert added.status_code == 201
    before = await stored(server)
    routes = tenant_routes(server)
    assert len(routes) >= 15  # the sweep really covers the API

    for caller in (stranger, member):
        for method, path, body_model in routes:
            url = path.format(**ids)
            body = BODIES[body_model] if body_model is not None else None
            response = await caller.request(method, url, json=body)
            assert response.status_code == 404, (method, path, response.status_code, response.text)
            assert "owner-secret" not in response.text
    assert await stored(server) == before
    for method, path, _ in routes:  # the same URLs exist: the 404s above were refusals, not typos
        if method == "GET" and not path.endswith(STREAMS):
            assert (await owner.get(path.format(**ids))).status_code == 200, path


async def test_lists_show_only_the_callers_own_objects(owner: httpx.AsyncClient, make_user: MakeUser) -> None:
    ids = await owners_objects(owner)
    stranger = await make_user("stranger@example.com")
    listed = [(await stranger.get(path)).text for path in ("/api/workspaces", "/api/tokens")]
    assert not any(value in text for text in listed for value in ids.values())
