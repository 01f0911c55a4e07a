"""A published GPT whose API-key action asks each user for their own key, in chat: a user without
a key is told, in one sentence, where to add it (the model reads the same), nothing is sent and
no confirmation is asked; once they add it under Connected accounts, their key is what the real
upstream on loopback gets, and the builder's setting never supplies one."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from actionforge.testing import call_tools
from actionforge.testing import say as reply
from tests.chat.world import (
    builder,
    chat_server,
    chat_user,
    engine_allows_loopback,
    new_gpt,
    of_type,
    open_conversation,
    read,
    register_model,
    say,
    scripted,
    statuses,
)
from tests.servers.threaded import serve
from tests.web.conftest import MakeUser, Server

__all__ = ["builder", "chat_server", "chat_user", "engine_allows_loopback"]

OWN_KEY = "alice-own-key-8f3d2b61c0a9"
NEEDS_KEY = "This action needs your own API key: add your key for 127.0.0.1 under Connected accounts."


@pytest.fixture
def keyed_api() -> Iterator[tuple[list[str], str]]:
    """An API that answers only to Alice's key, and remembers every Authorization it got."""
    seen: list[str] = []

    async def me(request: Request) -> JSONResponse:
        sent = request.headers.get("authorization", "")
        seen.append(sent)
        if sent != f"Bearer {OWN_KEY}":
            return JSONResponse({"error": "unknown key"}, status_code=401)
        return JSONResponse({"name": "Alice"})

    with serve(Starlette(routes=[Route("/me", me)])) as url:
        yield seen, url


def document(base_url: str) -> str:
    operation = {
        "operationId": "me",
        "summary": "Who the key belongs to",
        "responses": {"200": {"description": "ok"}},
    }
    return json.dumps({
        "openapi": "3.1.0", "info": {"title": "Me", "version": "1"}, "servers": [{"url": base_url}],
        "paths": {"/me": {"get": operation}},
    })  # fmt: skip


async def test_each_user_adds_their_own_key_and_is_told_where_until_they_do(
    chat_server: Server, builder: httpx.AsyncClient, chat_user: MakeUser, keyed_api: tuple[list[str], str]
) -> None:
    seen, url = keyed_api
    gpt_id = await new_gpt(builder)
    auth = {"type": "api_key", "authorization_type": "bearer", "key_source": "user"}
    body = {"schema": document(url), "privacy_policy_url": "https://me.example.com/privacy", "auth": auth}
    assert (await builder.post(f"/api/gpts/{gpt_id}/actions", json=body)).status_code == 201
    with scripted(
        call_tools(("me", {})), reply("Add your key."), call_tools(("me", {})), reply("Hi Alice.")
    ) as (
        model,
        base,
    ):
        await register_model(builder, base)
        published = await builder.post(f"/api/gpts/{gpt_id}/publish", json={"visibility": "link"})
        assert published.status_code == 201, published.text
        alice = await chat_user("alice@example.com")
        conversation = await open_conversation(alice, gpt_id, preview=False)
        await say(chat_server, alice, conversation, "Who am I?")
        found = await read(alice, conversation)
        assert seen == []  # nothing left for the API
        assert of_type(found, "confirm") == []  # no Allow for a call that cannot go
        assert [n["text"] for n in of_type(found, "notice")] == [NEEDS_KEY]
        assert statuses(found) == ["Starting action", "Error talking to 127.0.0.1"]
        told = json.loads(model.requests[1].body["messages"][-1]["content"])
        assert told == {"error": "auth", "message": NEEDS_KEY}

        [needed] = (await alice.get(f"/api/me/connections?gpt_id={gpt_id}")).json()["items"]
        assert (needed["mode"], needed["connected"], needed["key_source"]) == ("published", False, "user")
        added = await alice.put(
            f"/api/me/connections/{needed['action_id']}/api-key", json={"api_key": OWN_KEY}
        )
        assert added.status_code == 200, added.text
        await alice.put(f"/api/gpts/{gpt_id}/consents", json={"domain": "127.0.0.1", "choice": "always"})
        await say(chat_server, alice, conversation, "And now?")
    found = await read(alice, conversation)
    assert seen == [f"Bearer {OWN_KEY}"]
    assert json.loads(model.requests[3].body["messages"][-1]["content"]) == {"name": "Alice"}
    assert not model.saw(OWN_KEY.removeprefix("alice-"))  # the key never reaches the model
    assert OWN_KEY not in json.dumps(found)
