"""More conversation flows: the Test button, the call bound, repairs in Preview's debug entries,
the domain policy, secrets, two domains in one turn, model errors, no model, stop, published GPTs."""

from __future__ import annotations

import json

import httpx

from actionforge.models import NO_MODEL_CONFIGURED
from actionforge.testing import call_tools, fail
from actionforge.testing import say as reply
from tests.chat.world import (
    API_KEY,
    MODEL_KEY,
    Upstream,
    add_action,
    answer_text,
    builder,
    chat_server,
    chat_user,
    decide,
    engine_allows_loopback,
    new_gpt,
    of_type,
    open_conversation,
    read,
    register_model,
    say,
    scripted,
    statuses,
    upstream,
    upstream_server,
)
from tests.web.conftest import MakeUser, Server, workspace_id

__all__ = ["builder", "chat_server", "chat_user", "engine_allows_loopback", "upstream"]


async def always_allow(client: httpx.AsyncClient, gpt_id: str, domain: str = "127.0.0.1") -> None:
    chosen = await client.put(f"/api/gpts/{gpt_id}/consents", json={"domain": domain, "choice": "always"})
    assert chosen.status_code == 200, chosen.text


async def test_the_test_button_posts_its_message_and_reports_tested(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    api, url = upstream
    gpt_id = await new_gpt(builder)
    action = await add_action(builder, gpt_id, url)
    await always_allow(builder, gpt_id)
    with scripted(call_tools(("getItem", {"id": 1})), reply("Works.")) as (model, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        test = {"action_id": action["id"], "operation_id": "getItem"}
        await say(chat_server, builder, conversation, "", test=test)
    found = await read(builder, conversation)
    assert of_type(found, "user_message") == [
        {"text": "Call the 127.0.0.1 API with the getItem operation", "test": True}
    ]
    assert (
        model.requests[0].body["messages"][-1]["content"]
        == "Call the 127.0.0.1 API with the getItem operation"
    )
    assert statuses(found)[-1] == "Tested getItem"
    assert api.hits["getItem"] == 1
    wrong = await builder.post(
        f"/api/conversations/{conversation}/messages",
        json={"text": "", "test": {"action_id": action["id"], "operation_id": "nope"}},
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["pointer"] == "/test/operation_id"


async def test_a_runaway_loop_ends_at_the_call_bound_with_a_notice(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    api, url = upstream
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url)
    await always_allow(builder, gpt_id)
    again = call_tools(("getItem", {"id": 1}))  # the model never stops calling (the bound is 4)
    with scripted(*[again] * 5) as (model, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Loop")
        assert model.remaining == 1
    found = await read(builder, conversation)
    assert api.hits["getItem"] == 4
    (notice,) = of_type(found, "notice")
    assert notice["text"].startswith("This turn reached the limit of 4 action calls, so it stopped here.")
    assert of_type(found, "turn_done") == [{"outcome": "done"}]
    assert found["state"] == "idle"


async def test_argument_mistakes_are_repaired_and_shown_in_previews_debug_entries(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    api, url = upstream
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url)
    await always_allow(builder, gpt_id)
    bad = call_tools(("getItem", {"id": "seven"}))
    repaired = call_tools(("getItem", {"id": "7"}))
    with scripted(bad, repaired, reply("Item 7.")) as (model, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Item seven?")
    found = await read(builder, conversation)
    first, second = of_type(found, "debug")
    assert first["request"] == {}
    assert first["response"]["error"] == "arguments"
    error_for_model = model.requests[1].body["messages"][-1]["content"]
    assert json.loads(error_for_model)["error"] == "arguments"
    assert '`id`: \\"seven\\" is not of type integer' in error_for_model  # where its mistake is
    assert second["repairs"] == [{"pointer": "/id", "kind": "to_number", "was": '"7"', "now": "7"}]
    assert second["request"]["url"] == f"{url}/items/7"
    assert second["response"]["status"] == 200
    assert statuses(found) == [
        "Starting action", "Error talking to 127.0.0.1", "Starting action", "Talking to 127.0.0.1",
        "Talked to 127.0.0.1",
    ]  # fmt: skip
    assert api.hits["getItem"] == 1


async def test_a_domain_the_workspace_no_longer_allows_is_refused_and_the_model_told(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    api, url = upstream
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url)
    await always_allow(builder, gpt_id)
    ws = await workspace_id(builder)
    policy = {"domain_policy": "list", "allowed_domains": ["example.org"]}
    assert (await builder.patch(f"/api/workspaces/{ws}/settings", json=policy)).status_code == 200
    with scripted(call_tools(("getItem", {"id": 1})), reply("Blocked.")) as (model, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Item 1?")
    found = await read(builder, conversation)
    assert api.hits["getItem"] == 0
    assert statuses(found) == ["Starting action", "Error talking to 127.0.0.1"]
    error_status = of_type(found, "status")[-1]
    assert error_status["reason"] == "127.0.0.1 is not in your workspace's allowed domains"
    assert "reason" not in of_type(found, "status")[0]
    told = json.loads(model.requests[1].body["messages"][-1]["content"])
    assert told == {"error": "blocked", "message": "127.0.0.1 is not in your workspace's allowed domains"}


async def test_secrets_never_reach_the_model(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    api, url = upstream
    gpt_id = await new_gpt(builder)
    auth = {"type": "api_key", "authorization_type": "bearer", "api_key": API_KEY}
    await add_action(builder, gpt_id, url, auth=auth)
    await always_allow(builder, gpt_id)
    with scripted(call_tools(("whoami", {})), reply("Done.")) as (model, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Who am I?")
        conversation_text = (await builder.get(f"/api/conversations/{conversation}")).text
    assert api.hits["whoami"] == 1  # the API got the key (and echoed it back)
    assert model.requests[-1].body["messages"][-1]["role"] == "tool"
    assert not model.saw(API_KEY)
    assert not model.saw(MODEL_KEY)
    assert API_KEY not in conversation_text  # nor in the events, debug entries included
    assert "[REDACTED]" in conversation_text


async def test_two_actions_on_two_domains_in_one_turn(
    chat_server: Server, builder: httpx.AsyncClient
) -> None:
    shop, other = Upstream(), Upstream()
    with upstream_server(shop) as first_url, upstream_server(other, host="localhost") as second_url:
        gpt_id = await new_gpt(builder)
        await add_action(builder, gpt_id, first_url)
        await add_action(builder, gpt_id, second_url)
        await always_allow(builder, gpt_id, "127.0.0.1")
        await always_allow(builder, gpt_id, "localhost")
        both = call_tools(("getItem", {"id": 1}), ("getItem_2", {"id": 2}))
        with scripted(both, reply("Both.")) as (model, base):
            await register_model(builder, base)
            conversation = await open_conversation(builder, gpt_id)
            await say(chat_server, builder, conversation, "Items 1 and 2 from both shops")
    found = await read(builder, conversation)
    assert (shop.hits["getItem"], other.hits["getItem"]) == (1, 1)
    assert sorted(statuses(found)) == sorted(
        ["Starting action", "Talking to 127.0.0.1", "Talked to 127.0.0.1",
         "Starting action", "Talking to localhost", "Talked to localhost"]
    )  # fmt: skip
    tools = {t["function"]["name"] for t in model.requests[0].body["tools"]}
    assert {"getItem", "getItem_2"} <= tools
    results = [m for m in model.requests[1].body["messages"] if m["role"] == "tool"]
    assert [json.loads(r["content"])["id"] for r in results] == [1, 2]
    assert answer_text(found) == "Both."


async def test_a_provider_error_is_one_clear_message_and_the_conversation_goes_on(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    _, url = upstream
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url)
    limited = fail(
        429, "Rate limit reached for requests", type="rate_limit_exceeded", headers={"retry-after": "0"}
    )
    with scripted(limited, limited, limited, reply("Hello again.")) as (_, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Hi")
        failed = await read(builder, conversation)
        (error,) = of_type(failed, "error")
        assert "rate" in error["text"].lower()
        assert of_type(failed, "turn_done") == [{"outcome": "failed"}]
        assert failed["state"] == "idle"
        await say(chat_server, builder, conversation, "Hi again")
    assert answer_text(await read(builder, conversation)) == "Hello again."


async def test_no_model_configured_says_so_in_one_sentence(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    _, url = upstream
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url)
    conversation = await open_conversation(builder, gpt_id)
    await say(chat_server, builder, conversation, "Hi")
    found = await read(builder, conversation)
    assert of_type(found, "notice") == [{"text": NO_MODEL_CONFIGURED}]
    assert of_type(found, "turn_done") == [{"outcome": "done"}]
    assert of_type(found, "error") == []


async def test_a_second_message_while_a_turn_waits_is_refused(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    _, url = upstream
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url)
    with scripted(call_tools(("createOrder", {"item": 1}))) as (_, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Order")
        busy = await builder.post(f"/api/conversations/{conversation}/messages", json={"text": "More"})
        assert busy.status_code == 409
        assert busy.headers["content-type"] == "application/problem+json"
        stopped = await builder.post(f"/api/conversations/{conversation}/stop")
        assert stopped.status_code == 202
    found = await read(builder, conversation)
    assert found["state"] == "idle"
    assert of_type(found, "turn_done")[-1] == {"outcome": "stopped"}
    assert len(of_type(found, "user_message")) == 1


async def test_published_conversations_for_whoever_the_gpt_is_shared_with_without_debug_entries(
    chat_server: Server, builder: httpx.AsyncClient, chat_user: MakeUser, upstream: tuple[Upstream, str]
) -> None:
    api, url = upstream
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url)
    with scripted(call_tools(("getItem", {"id": "3"})), reply("Item 3.")) as (_, base):
        await register_model(builder, base)
        stranger = await chat_user("stranger@example.com")
        assert (
            await stranger.post(f"/api/gpts/{gpt_id}/conversations", json={"preview": False})
        ).status_code == 404
        assert (
            await builder.post(f"/api/gpts/{gpt_id}/publish", json={"visibility": "link"})
        ).status_code == 201
        assert (
            await stranger.post(f"/api/gpts/{gpt_id}/conversations", json={"preview": True})
        ).status_code == 404
        conversation = await open_conversation(stranger, gpt_id, preview=False)
        assert (
            await builder.get(f"/api/conversations/{conversation}")
        ).status_code == 404  # not even its builder
        await always_allow(stranger, gpt_id)
        await say(chat_server, stranger, conversation, "Item 3?")
    found = await read(stranger, conversation)
    assert api.hits["getItem"] == 1
    assert of_type(found, "debug") == []
    assert answer_text(found) == "Item 3."
    listed = (await stranger.get(f"/api/gpts/{gpt_id}/conversations", params={"preview": "false"})).json()
    assert [c["id"] for c in listed["items"]] == [conversation]
    assert listed["items"][0]["title"] == "Item 3?"
    assert (await stranger.delete(f"/api/conversations/{conversation}")).status_code == 204
    assert (await stranger.get(f"/api/conversations/{conversation}")).status_code == 404


async def test_a_decision_on_the_second_actions_renamed_tool(
    chat_server: Server, builder: httpx.AsyncClient
) -> None:
    shop, other = Upstream(), Upstream()
    with upstream_server(shop) as first_url, upstream_server(other, host="localhost") as second_url:
        gpt_id = await new_gpt(builder)
        await add_action(builder, gpt_id, first_url)
        await add_action(builder, gpt_id, second_url)
        with scripted(call_tools(("createOrder_2", {"item": 8})), reply("Ordered there.")) as (_, base):
            await register_model(builder, base)
            conversation = await open_conversation(builder, gpt_id)
            await say(chat_server, builder, conversation, "Order item 8 from the other shop")
            (card,) = of_type(await read(builder, conversation), "confirm")
            assert (card["domain"], card["operation_id"]) == ("localhost", "createOrder")
            allowed = await decide(chat_server, builder, conversation, card["call_id"], "allow")
            assert allowed.status_code == 200, allowed.text
    assert (shop.orders, other.orders) == ([], [{"item": 8}])


async def test_no_tools_while_the_workspace_has_custom_actions_turned_off(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    _, url = upstream
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url)
    ws = await workspace_id(builder)
    off = await builder.patch(f"/api/workspaces/{ws}/settings", json={"custom_actions_enabled": False})
    assert off.status_code == 200, off.text
    with scripted(reply("I cannot reach the shop.")) as (model, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Item 1?")
    assert "tools" not in model.requests[0].body
    assert "Look up items and place orders." not in model.requests[0].body["messages"][0]["content"]
