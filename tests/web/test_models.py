"""The model catalog through the HTTP API: providers and models per workspace (keys write-only),
the environment's providers listed read-only, and the model picker's tool-calling rule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from actionforge.models.catalog import workspace_registry
from actionforge.store.tables_models import CatalogModel, ModelProvider
from actionforge.web.app import create_app
from tests.web.conftest import FakeClock, MakeUser, Server, server_settings, sign_up_owner, workspace_id
from tests.web.test_gpts_and_actions import new_gpt, schema

ENV = {"OPENAI_API_KEY": "sk-env-secret-0123456789"}
KEY = "sk-workspace-secret-9876543210"


@pytest.fixture
async def server(tmp_path: Path, database_url: str) -> AsyncIterator[Server]:
    """The app with the OpenAI key in its environment (and nothing read from the real one)."""
    clock = FakeClock()
    settings = server_settings(tmp_path, database_url)
    app = create_app(settings, clock=clock, environ=ENV)
    async with app.router.lifespan_context(app):
        yield Server(app, clock, settings)


@pytest.fixture
async def owner(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with server.client() as client:
        await sign_up_owner(server, client)
        yield client


async def add_provider(client: httpx.AsyncClient, **fields: object) -> dict[str, object]:
    body = {
        "name": "local",
        "kind": "openai",
        "base_url": "http://127.0.0.1:8081/v1",
        "api_key": KEY,
        **fields,
    }
    response = await client.post(f"/api/workspaces/{await workspace_id(client)}/model-providers", json=body)
    assert response.status_code == 201, response.text
    found: dict[str, object] = response.json()
    return found


async def add_model(
    client: httpx.AsyncClient, provider_id: object, name: str, **fields: object
) -> dict[str, object]:
    response = await client.post(f"/api/model-providers/{provider_id}/models", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    found: dict[str, object] = response.json()
    return found


async def test_providers_list_the_environments_first_read_only_and_keys_only_as_set(
    owner: httpx.AsyncClient, server: Server
) -> None:
    provider = await add_provider(owner)
    assert provider["api_key"] == "set"
    assert provider["scope"] == "workspace"
    assert not provider["read_only"]
    listed = (await owner.get(f"/api/workspaces/{await workspace_id(owner)}/model-providers")).json()
    assert [(p["name"], p["scope"], p["read_only"], p["id"] is None) for p in listed["items"]] == [
        ("openai", "instance", True, True),
        ("local", "workspace", False, False),
    ]
    assert listed["items"][0]["api_key"] == "set"
    for text in (listed, (await owner.get(f"/api/model-providers/{provider['id']}")).json()):
        assert KEY not in str(text)
        assert ENV["OPENAI_API_KEY"] not in str(text)
    async with server.services.platform.db.session() as s:
        sealed = await s.scalar(select(ModelProvider.api_key_sealed))
    assert sealed
    assert KEY not in sealed
    models = (await owner.get(f"/api/workspaces/{await workspace_id(owner)}/models")).json()["items"]
    assert {m["model"] for m in models} >= {"openai/gpt-4o", "openai/gpt-4.1"}
    assert all(m["read_only"] and m["id"] is None for m in models)


async def test_a_key_left_out_is_kept_and_null_removes_it(owner: httpx.AsyncClient, server: Server) -> None:
    provider = await add_provider(owner)
    url = f"/api/model-providers/{provider['id']}"
    kept = await owner.patch(url, json={"base_url": "https://llm.example.com/v1"})
    assert kept.json()["api_key"] == "set"
    assert kept.json()["base_url"] == "https://llm.example.com/v1"
    registry = await workspace_registry(server.services.platform, await workspace_id(owner))
    assert registry.provider("local").api_key.reveal() == KEY
    assert registry.provider("openai").api_key.reveal() == ENV["OPENAI_API_KEY"]
    cleared = await owner.patch(url, json={"api_key": None})
    assert cleared.json()["api_key"] == "not set"
    replaced = await owner.patch(url, json={"api_key": "sk-new"})
    assert replaced.json()["api_key"] == "set"
    registry = await workspace_registry(server.services.platform, await workspace_id(owner))
    assert registry.provider("local").api_key.reveal() == "sk-new"


@pytest.mark.parametrize(
    ("fields", "status", "pointer"),
    [
        ({"name": "openai"}, 409, "/name"),  # the environment's provider
        ({"name": "Has Space"}, 422, "/name"),
        ({"name": "a/b"}, 422, "/name"),
        ({"base_url": "http://user:pw@llm.example.com/v1"}, 422, "/base_url"),
        ({"base_url": "file:///etc/passwd"}, 422, "/base_url"),
        ({"base_url": "https://llm.example.com/v1?key=1"}, 422, "/base_url"),
        ({"api_key": "sk-line\r\nX-Evil: 1"}, 422, "/api_key"),
        ({"kind": "gemini"}, 422, "/kind"),
    ],
)
async def test_bad_providers_are_refused_at_their_field_and_nothing_is_stored(
    owner: httpx.AsyncClient, server: Server, fields: dict[str, str], status: int, pointer: str
) -> None:
    body = {"name": "local", "kind": "openai", **fields}
    response = await owner.post(f"/api/workspaces/{await workspace_id(owner)}/model-providers", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == [pointer]
    async with server.services.platform.db.session() as s:
        assert list(await s.scalars(select(ModelProvider))) == []


async def test_duplicate_names_conflict(owner: httpx.AsyncClient) -> None:
    provider = await add_provider(owner)
    again = await owner.post(
        f"/api/workspaces/{await workspace_id(owner)}/model-providers",
        json={"name": "local", "kind": "anthropic"},
    )
    assert again.status_code == 409
    assert again.json()["detail"] == "This workspace already has a provider named 'local'"
    await add_model(owner, provider["id"], "llama3")
    twice = await owner.post(f"/api/model-providers/{provider['id']}/models", json={"name": "llama3"})
    assert twice.status_code == 409


async def test_only_admins_manage_providers(owner: httpx.AsyncClient, make_user: MakeUser) -> None:
    provider = await add_provider(owner)
    model = await add_model(owner, provider["id"], "llama3")
    member = await make_user("member@example.com")
    ws = await workspace_id(owner)
    assert (
        await owner.post(f"/api/workspaces/{ws}/members", json={"email": "member@example.com"})
    ).status_code == 201
    for method, url in [
        ("GET", f"/api/workspaces/{ws}/model-providers"),
        ("GET", f"/api/workspaces/{ws}/models"),
        ("GET", f"/api/model-providers/{provider['id']}"),
        ("DELETE", f"/api/model-providers/{provider['id']}"),
        ("PATCH", f"/api/models/{model['id']}"),
    ]:
        response = await member.request(method, url, json={} if method == "PATCH" else None)
        assert response.status_code == 403, (method, url, response.text)
        assert (
            response.json()["detail"] == "Only workspace admins can manage model providers."
            or "admin" in response.text
        )
    assert (await owner.get(f"/api/models/{model['id']}")).status_code == 200


async def test_models_are_added_changed_disabled_and_deleted(
    owner: httpx.AsyncClient, server: Server
) -> None:
    provider = await add_provider(owner)
    model = await add_model(owner, provider["id"], "llama3", label="Llama 3", context_window=128_000)
    assert model["model"] == "local/llama3"
    assert model["supports_tools"]
    assert model["enabled"]
    changed = await owner.patch(f"/api/models/{model['id']}", json={"supports_tools": False, "label": "Old"})
    assert (changed.json()["supports_tools"], changed.json()["label"]) == (False, "Old")
    ws = await workspace_id(owner)
    registry = await workspace_registry(server.services.platform, ws)
    info = registry.model("local/llama3")
    assert (info.tool_calling, info.context_tokens, info.label) == (False, 128_000, "Old")
    await owner.patch(f"/api/models/{model['id']}", json={"enabled": False})
    registry = await workspace_registry(server.services.platform, ws)
    assert "local/llama3" not in {m.id for m in registry.models}
    assert (await owner.delete(f"/api/models/{model['id']}")).status_code == 204
    assert (await owner.get(f"/api/models/{model['id']}")).status_code == 404
    await add_model(owner, provider["id"], "qwen")
    assert (await owner.delete(f"/api/model-providers/{provider['id']}")).status_code == 204
    async with server.services.platform.db.session() as s:
        assert list(await s.scalars(select(CatalogModel))) == []


async def test_the_picker_never_offers_a_model_without_tools_to_a_gpt_with_actions(
    owner: httpx.AsyncClient,
) -> None:
    provider = await add_provider(owner, name="local")
    await add_model(owner, provider["id"], "chatty", supports_tools=False)
    gpt = await new_gpt(owner)
    plain = (await owner.get(f"/api/gpts/{gpt['id']}/models")).json()
    assert plain["needs_tools"] is False
    assert "local/chatty" in {m["model"] for m in plain["items"]}
    assert plain["message"] is None
    assert (await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema()})).status_code == 201
    with_actions = (await owner.get(f"/api/gpts/{gpt['id']}/models")).json()
    assert with_actions["needs_tools"] is True
    offered = {m["model"] for m in with_actions["items"]}
    assert "local/chatty" not in offered
    assert "openai/gpt-4o" in offered
    assert all(m["supports_tools"] for m in with_actions["items"])

    refused = await owner.patch(f"/api/gpts/{gpt['id']}", json={"model": "local/chatty"})
    assert refused.status_code == 422
    message = (
        "'local/chatty' cannot call tools, which this GPT's actions need: choose a model with tool calling"
    )
    assert refused.json()["errors"] == [{"pointer": "/model", "detail": message}]
    assert (await owner.get(f"/api/gpts/{gpt['id']}")).json()["model"] is None
    accepted = await owner.patch(f"/api/gpts/{gpt['id']}", json={"model": "openai/gpt-4o"})
    assert accepted.status_code == 200
    assert accepted.json()["model"] == "openai/gpt-4o"


async def test_a_gpt_with_a_model_without_tools_gets_no_actions_and_no_apps(owner: httpx.AsyncClient) -> None:
    provider = await add_provider(owner)
    await add_model(owner, provider["id"], "chatty", supports_tools=False)
    gpt = await new_gpt(owner, model="local/chatty")
    added = await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema()})
    assert added.status_code == 422
    assert "cannot call tools" in added.json()["detail"]
    assert (await owner.get(f"/api/gpts/{gpt['id']}/actions")).json()["items"] == []
    apps = await owner.patch(f"/api/gpts/{gpt['id']}", json={"apps": ["https://mcp.example.com/sse"]})
    assert apps.status_code == 422
    assert "apps need" in apps.json()["detail"]


async def test_unknown_and_disabled_models_cannot_be_recommended(owner: httpx.AsyncClient) -> None:
    provider = await add_provider(owner)
    model = await add_model(owner, provider["id"], "llama3")
    await owner.patch(f"/api/models/{model['id']}", json={"enabled": False})
    gpt = await new_gpt(owner)
    for ref in ("local/llama3", "nowhere/gpt-9"):
        response = await owner.patch(f"/api/gpts/{gpt['id']}", json={"model": ref})
        assert response.status_code == 422
        assert response.json()["detail"].startswith(f"No model '{ref}' is configured for this workspace")


async def test_with_nothing_configured_the_picker_says_so(tmp_path: Path, database_url: str) -> None:
    app = create_app(server_settings(tmp_path, database_url), clock=FakeClock(), environ={})
    async with app.router.lifespan_context(app):
        server = Server(app, FakeClock(), server_settings(tmp_path, database_url))
        async with server.client() as client:
            await sign_up_owner(server, client)
            gpt = await new_gpt(client)
            picker = (await client.get(f"/api/gpts/{gpt['id']}/models")).json()
            assert picker["items"] == []
            assert picker["message"].startswith("No model is configured yet")
            providers = (
                await client.get(f"/api/workspaces/{await workspace_id(client)}/model-providers")
            ).json()
            assert providers["items"] == []
            provider = await add_provider(client)
            await add_model(client, provider["id"], "chatty", supports_tools=False)
            await client.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": schema()})
            picker = (await client.get(f"/api/gpts/{gpt['id']}/models")).json()
            assert picker["items"] == []
            assert picker["message"].startswith("No configured model can call tools")


async def test_lists_are_paginated_with_the_instance_entries_on_the_first_page(
    owner: httpx.AsyncClient,
) -> None:
    ws = await workspace_id(owner)
    for name in ("p1", "p2", "p3"):
        await add_provider(owner, name=name)
    first = (await owner.get(f"/api/workspaces/{ws}/model-providers?limit=2")).json()
    assert [p["name"] for p in first["items"]] == ["openai", "p1", "p2"]
    second = (
        await owner.get(f"/api/workspaces/{ws}/model-providers?limit=2&cursor={first['next_cursor']}")
    ).json()
    assert [p["name"] for p in second["items"]] == ["p3"]
    assert second["next_cursor"] is None
