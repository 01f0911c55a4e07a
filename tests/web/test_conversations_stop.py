"""Stop: it cancels the model's answer while it is awaited, and a call in flight; the turn ends
cleanly and the conversation takes the next message."""

from __future__ import annotations

import asyncio

import httpx

from actionforge.testing import call_tools
from actionforge.testing import say as reply
from tests.chat.world import (
    add_action,
    builder,
    chat_server,
    engine_allows_loopback,
    hanging_model,
    new_gpt,
    of_type,
    open_conversation,
    read,
    register_model,
    say,
    scripted,
    statuses,
)
from tests.web.conftest import Server
from tests.web.test_conversations_recovery import HangingShop, hanging

__all__ = ["builder", "chat_server", "engine_allows_loopback", "hanging"]


async def stop(server: Server, client: httpx.AsyncClient, conversation: str) -> None:
    assert (await client.post(f"/api/conversations/{conversation}/stop")).status_code == 202
    await server.services.chat.settled(conversation)


async def test_stop_cancels_the_model_stream(chat_server: Server, builder: httpx.AsyncClient) -> None:
    gpt_id = await new_gpt(builder)
    with hanging_model(reply("After the stop.")) as (door, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        sent = await builder.post(f"/api/conversations/{conversation}/messages", json={"text": "Hi"})
        assert sent.status_code == 202
        assert await asyncio.to_thread(door.arrived.wait, 10)
        assert (await read(builder, conversation))["state"] == "running"
        await stop(chat_server, builder, conversation)
        stopped = await read(builder, conversation)
        assert stopped["state"] == "idle"
        assert of_type(stopped, "turn_done") == [{"outcome": "stopped"}]
        assert of_type(stopped, "error") == []
        await say(chat_server, builder, conversation, "Hi again")
        assert of_type(await read(builder, conversation), "assistant_text") == [{"text": "After the stop."}]


async def test_stop_cancels_a_call_in_flight_and_says_it_may_have_happened(
    chat_server: Server, builder: httpx.AsyncClient, hanging: tuple[HangingShop, str]
) -> None:
    shop, url = hanging
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url)
    with scripted(call_tools(("createOrder", {"item": 5})), reply("Understood.")) as (model, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Order item 5")
        (card,) = of_type(await read(builder, conversation), "confirm")
        path = f"/api/conversations/{conversation}/calls/{card['call_id']}/decision"
        assert (await builder.post(path, json={"decision": "allow"})).status_code == 200
        assert await asyncio.to_thread(shop.arrived.wait, 10)
        await stop(chat_server, builder, conversation)
        stopped = await read(builder, conversation)
        assert stopped["state"] == "idle"
        assert statuses(stopped)[-1] == "Stopped talking to 127.0.0.1"
        assert of_type(stopped, "turn_done")[-1] == {"outcome": "stopped"}
        shop.release.set()
        await say(chat_server, builder, conversation, "Did it work?")
    told = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert told == [
        "The user stopped this call while it was being sent to 127.0.0.1: it may or may not have happened."
    ]
    assert shop.orders == 1
