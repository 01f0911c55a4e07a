"""Pauses that expire, and turns recovered after their process died, on the injected clock: a call
found in "sending" is never sent again; the model and the user are told it may or may not have
happened; the conversation goes on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from actionforge.testing import call_tools
from actionforge.testing import say as reply
from actionforge.web.app import create_app
from tests.chat.world import (
    Upstream,
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
    upstream,
)
from tests.servers.threaded import serve
from tests.web.conftest import FakeClock, Server, server_settings, sign_up_owner

__all__ = ["builder", "chat_server", "engine_allows_loopback", "upstream"]


async def test_an_unanswered_pause_expires_with_a_notice_and_the_model_is_told_next_turn(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    api, url = upstream
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url)
    with scripted(call_tools(("createOrder", {"item": 1})), reply("Nothing was ordered.")) as (model, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "Order item 1")
        sweeper = chat_server.services.chat.sweeper
        chat_server.clock.advance(chat_server.settings.chat_pause_expiry_s - 1)
        await sweeper.sweep()
        assert (await read(builder, conversation))["state"] == "awaiting_approval"
        chat_server.clock.advance(2)
        await sweeper.sweep()
        await sweeper.sweep()  # a second sweep (or process) finds nothing left to do
        expired = await read(builder, conversation)
        assert expired["state"] == "idle"
        (notice,) = of_type(expired, "notice")
        assert notice["text"].startswith("This request waited too long for an answer")
        assert of_type(expired, "turn_done")[-1] == {"outcome": "stopped"}
        (card,) = of_type(expired, "confirm")
        late = await builder.post(
            f"/api/conversations/{conversation}/calls/{card['call_id']}/decision", json={"decision": "allow"}
        )
        assert late.status_code == 409
        await say(chat_server, builder, conversation, "What happened?")
    assert api.hits["createOrder"] == 0
    told = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert told == ["Not called: the user did not answer in time."]


class HangingShop:
    """POST /orders arrives (and is counted) but does not answer until released: the moment a
    process dies while a call is being sent."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.answered = threading.Event()
        self.orders = 0

    def app(self) -> Starlette:
        async def order(request: Request) -> JSONResponse:
            self.orders += 1
            self.arrived.set()
            await asyncio.to_thread(self.release.wait, 30)
            self.answered.set()
            return JSONResponse({"order": self.orders}, status_code=201)

        return Starlette(routes=[Route("/orders", order, methods=["POST"])])


@pytest.fixture
def hanging() -> Iterator[tuple[HangingShop, str]]:
    shop = HangingShop()
    with serve(shop.app()) as url:
        yield shop, url
    shop.release.set()


@asynccontextmanager
async def process(tmp_path: Path, database_url: str, **overrides: object) -> AsyncIterator[Server]:
    """One server process's app on the shared database, with its own clock."""
    clock, settings = FakeClock(), server_settings(tmp_path, database_url, **overrides)
    app = create_app(settings, clock=clock, environ={})
    async with app.router.lifespan_context(app):
        yield Server(app, clock, settings)


async def test_a_turn_whose_process_died_while_sending_is_recovered_without_resending(
    tmp_path: Path, database_url: str, hanging: tuple[HangingShop, str]
) -> None:
    shop, url = hanging
    replies = (
        call_tools(("createOrder", {"item": 9})),
        reply("It may or may not have gone through."),
        reply("Ok."),
    )
    with scripted(*replies) as (model, base):
        async with process(tmp_path, database_url) as first, first.client() as client:
            await sign_up_owner(first, client)
            gpt_id = await new_gpt(client)
            await add_action(client, gpt_id, url)
            await register_model(client, base)
            conversation = await open_conversation(client, gpt_id)
            sent = await client.post(
                f"/api/conversations/{conversation}/messages", json={"text": "Order item 9"}
            )
            assert sent.status_code == 202
            (card,) = await _confirm_card(first, client, conversation)
            path = f"/api/conversations/{conversation}/calls/{card['call_id']}/decision"
            assert (await client.post(path, json={"decision": "allow"})).status_code == 200
            assert await asyncio.to_thread(shop.arrived.wait, 10)  # the request left; now the process dies
            cookies, headers = client.cookies, client.headers
        async with process(tmp_path, database_url) as second, second.client() as again:
            again.cookies, again.headers = cookies, headers
            assert (await read(again, conversation))["state"] == "running"  # nobody drives it now
            await second.services.chat.sweeper.sweep()
            assert (await read(again, conversation))["state"] == "running"  # the lease has not lapsed yet
            second.clock.advance(second.settings.chat_lease_s + 1)
            await second.services.chat.sweeper.sweep()
            await second.services.chat.settled(conversation)
            found = await read(again, conversation)
            assert found["state"] == "idle"
            (notice,) = of_type(found, "notice")
            assert "may or may not have happened" in notice["text"]
            assert statuses(found)[-1] == "Error talking to 127.0.0.1"
            assert of_type(found, "turn_done")[-1] == {"outcome": "done"}
            told = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
            assert len(told) == 1
            assert "may or may not have happened" in told[0]
            assert len(of_type(found, "user_message")) == 1  # no message lost or doubled
            shop.release.set()
            await say(second, again, conversation, "Thanks")  # the user can continue
            assert of_type(await read(again, conversation), "assistant_text")[-1] == {"text": "Ok."}
    assert shop.orders == 1


async def _confirm_card(
    server: Server, client: httpx.AsyncClient, conversation: str
) -> list[dict[str, object]]:
    await server.services.chat.settled(conversation)
    return of_type(await read(client, conversation), "confirm")


async def test_a_drive_that_lost_its_lease_to_another_process_writes_nothing_more(
    tmp_path: Path, database_url: str
) -> None:
    """The first process stalls (its model has not answered) past its lease; the second takes the
    turn over and ends it. The first one's heartbeat then finds the lease gone: its drive stops
    without a word (no "stopped" ending, no error), leaving the conversation as the second left it."""
    with hanging_model(reply("From the second process.")) as (door, base):
        async with process(tmp_path, database_url, chat_lease_s=2) as first, first.client() as client:
            await sign_up_owner(first, client)
            gpt_id = await new_gpt(client)
            await register_model(client, base)
            conversation = await open_conversation(client, gpt_id)
            sent = await client.post(f"/api/conversations/{conversation}/messages", json={"text": "Hi"})
            assert sent.status_code == 202
            assert await asyncio.to_thread(door.arrived.wait, 10)  # the first process is asking the model
            async with process(tmp_path, database_url) as second, second.client() as again:
                again.cookies, again.headers = client.cookies, client.headers
                second.clock.advance(second.settings.chat_lease_s + 1)
                await second.services.chat.sweeper.sweep()
                await second.services.chat.settled(conversation)
                taken_over = await read(again, conversation)
                await asyncio.wait_for(first.services.chat.settled(conversation), 10)  # the heartbeat saw it
                door.release.set()
                after = await read(again, conversation)
    assert taken_over["state"] == "idle"
    assert of_type(taken_over, "assistant_text") == [{"text": "From the second process."}]
    assert of_type(taken_over, "turn_done") == [{"outcome": "done"}]
    assert after["events"] == taken_over["events"]  # the first process wrote nothing after losing the lease
    assert after["state"] == "idle"
    assert door.requests == 2
