"""Conversations through the HTTP API, end to end: the scripted model (through the real openai SDK),
real upstream APIs on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from actionforge.testing import call_tools
from actionforge.testing import say as reply
from tests.chat.world import (
    Upstream,
    add_action,
    answer_text,
    builder,
    chat_server,
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
)
from tests.web.conftest import Server

__all__ = ["builder", "chat_server", "engine_allows_loopback", "upstream"]


async def test_a_get_the_user_always_allows_runs_without_asking(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    api, url = upstream
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url)
    chosen = await builder.put(
        f"/api/gpts/{gpt_id}/consents", json={"domain": "127.0.0.1", "choice": "always"}
    )
    assert chosen.status_code == 200, chosen.text
    with scripted(call_tools(("getItem", {"id": 7})), reply("Item 7 is called Item 7.")) as (model, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "What is item 7?")
    found = await read(builder, conversation)
    assert found["state"] == "idle"
    assert api.hits["getItem"] == 1
    assert statuses(found) == ["Starting action", "Talking to 127.0.0.1", "Talked to 127.0.0.1"]
    assert of_type(found, "confirm") == []
    assert answer_text(found) == "Item 7 is called Item 7."
    assert of_type(found, "turn_done") == [{"outcome": "done"}]
    # The model got the instructions, the action's description, the tool, and the result.
    first, second = model.requests
    assert "You help with the shop." in first.body["messages"][0]["content"]
    assert "Look up items and place orders." in first.body["messages"][0]["content"]
    assert {t["function"]["name"] for t in first.body["tools"]} == {"getItem", "createOrder", "whoami"}
    assert second.body["messages"][-1]["role"] == "tool"
    assert '"name":"Item 7"' in second.body["messages"][-1]["content"]


async def _shop(builder: httpx.AsyncClient, url: str, **action: object) -> str:
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url, **action)
    return gpt_id


async def test_a_post_asks_every_time_and_runs_once_allowed(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    api, url = upstream
    gpt_id = await _shop(builder, url)
    order = ("createOrder", {"item": 7, "quantity": 2})
    with scripted(call_tools(order), reply("Ordered."), call_tools(order), reply("Ordered again.")) as (
        _,
        base,
    ):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Order two of item 7")
        paused = await read(builder, conversation)
        assert paused["state"] == "awaiting_approval"
        assert api.hits["createOrder"] == 0  # nothing is sent before the user answers
        (card,) = of_type(paused, "confirm")
        assert card == {
            "call_id": card["call_id"], "gpt_name": "Shopper", "domain": "127.0.0.1",
            "operation_id": "createOrder",
            "params": {"item": 7, "quantity": 2}, "privacy_policy_url": "https://shop.example.com/privacy",
            "buttons": ["allow", "decline"],  # consequential: no "Always allow"
        }  # fmt: skip
        assert of_type(paused, "turn_done") == [{"outcome": "paused"}]
        always = await decide(chat_server, builder, conversation, card["call_id"], "always_allow")
        assert always.status_code == 422  # a consequential call is confirmed every time
        allowed = await decide(chat_server, builder, conversation, card["call_id"], "allow")
        assert allowed.status_code == 200, allowed.text
        assert allowed.json() == {"call_id": card["call_id"], "state": "approved"}
        done = await read(builder, conversation)
        assert done["state"] == "idle"
        assert api.orders == [{"item": 7, "quantity": 2}]
        assert statuses(done)[-2:] == ["Talking to 127.0.0.1", "Talked to 127.0.0.1"]
        assert of_type(done, "sent_info")[0]["params"] == {"item": 7, "quantity": 2}
        assert of_type(done, "confirm_resolved") == [{"call_id": card["call_id"], "decision": "allow"}]
        assert answer_text(done) == "Ordered."

        await say(chat_server, builder, conversation, "Once more")
        again = await read(builder, conversation)
        assert again["state"] == "awaiting_approval"
        assert len(of_type(again, "confirm")) == 2
        assert api.hits["createOrder"] == 1


async def test_always_allow_is_remembered_and_ask_brings_the_question_back(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    api, url = upstream
    gpt_id = await _shop(builder, url)
    read_item = call_tools(("getItem", {"id": 1}))
    with scripted(read_item, reply("One."), read_item, reply("Two."), read_item, reply("Three.")) as (
        _,
        base,
    ):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Item 1?")
        (card,) = of_type(await read(builder, conversation), "confirm")
        assert card["buttons"] == ["allow", "always_allow", "decline"]
        assert (
            await decide(chat_server, builder, conversation, card["call_id"], "always_allow")
        ).status_code == 200
        consents = (await builder.get(f"/api/gpts/{gpt_id}/consents")).json()["items"]
        assert [(c["domain"], c["choice"]) for c in consents] == [("127.0.0.1", "always")]

        await say(chat_server, builder, conversation, "Again?")
        second = await read(builder, conversation)
        assert len(of_type(second, "confirm")) == 1  # no new question
        assert api.hits["getItem"] == 2

        asked = await builder.put(
            f"/api/gpts/{gpt_id}/consents", json={"domain": "127.0.0.1", "choice": "ask"}
        )
        assert asked.status_code == 200
        await say(chat_server, builder, conversation, "And again?")
        third = await read(builder, conversation)
        assert third["state"] == "awaiting_approval"
        assert len(of_type(third, "confirm")) == 2
        assert api.hits["getItem"] == 2


async def test_decline_sends_nothing_and_tells_the_model(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    api, url = upstream
    gpt_id = await _shop(builder, url)
    with scripted(call_tools(("createOrder", {"item": 3})), reply("All right, I did not order.")) as (
        model,
        base,
    ):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Order item 3")
        (card,) = of_type(await read(builder, conversation), "confirm")
        declined = await decide(chat_server, builder, conversation, card["call_id"], "decline")
        assert declined.json()["state"] == "declined"
    found = await read(builder, conversation)
    assert api.hits["createOrder"] == 0
    assert "You declined this action" in statuses(found)
    assert model.requests[-1].body["messages"][-1] == {
        "role": "tool", "tool_call_id": model.requests[-1].body["messages"][-2]["tool_calls"][0]["id"],
        "content": "The user declined this action.",
    }  # fmt: skip
    assert answer_text(found) == "All right, I did not order."
    assert found["state"] == "idle"


async def test_a_second_decision_is_refused_and_the_turn_resumes_once(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    api, url = upstream
    gpt_id = await _shop(builder, url)
    with scripted(call_tools(("createOrder", {"item": 3})), reply("Done.")) as (model, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Order item 3")
        (card,) = of_type(await read(builder, conversation), "confirm")
        path = f"/api/conversations/{conversation}/calls/{card['call_id']}/decision"
        import asyncio

        answers = await asyncio.gather(*(builder.post(path, json={"decision": "allow"}) for _ in range(3)))
        await chat_server.services.chat.settled(conversation)
    assert sorted(a.status_code for a in answers) == [200, 409, 409]
    assert api.hits["createOrder"] == 1
    assert len(model.requests) == 2
    found = await read(builder, conversation)
    assert of_type(found, "turn_done") == [{"outcome": "paused"}, {"outcome": "done"}]
