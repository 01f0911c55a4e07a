"""On PostgreSQL every transaction that writes a conversation's events sends one NOTIFY, including
the next one on the same pooled connection: other processes' streams wake at once."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from actionforge.chat.bell import CHANNEL
from actionforge.chat.events import NOTICE
from tests.chat.world import builder, chat_server, new_gpt, open_conversation
from tests.web.conftest import Server

__all__ = ["builder", "chat_server"]


async def received(listener: psycopg.AsyncConnection[object], count: int) -> list[str]:
    """The payloads of the next ``count`` notifications, then one more wait that must time out."""
    payloads = []
    async for note in listener.notifies(timeout=5, stop_after=count):
        payloads.append(note.payload)
    async for extra in listener.notifies(timeout=0.3):
        payloads.append(extra.payload)  # a duplicate would show here
    return payloads


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_each_transaction_writing_events_notifies_once(
    chat_server: Server, builder: httpx.AsyncClient
) -> None:
    conversation = await open_conversation(builder, await new_gpt(builder))
    db = chat_server.services.platform.db
    log = chat_server.services.chat.log
    dsn = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as listener:
        await listener.execute(f"LISTEN {CHANNEL}")
        for n in range(3):  # three transactions, likely on one pooled connection
            await log.add(conversation, NOTICE, {"text": f"note {n}"})
        assert await received(listener, 3) == [conversation] * 3
        async with db.transaction() as s:  # two writes in one transaction: one NOTIFY, at commit
            await log.add_in(s, conversation, NOTICE, {"text": "a"})
            await log.add_in(s, conversation, NOTICE, {"text": "b"})
        assert await received(listener, 1) == [conversation]
    events = await log.after(conversation, 0)
    notes = [e.data["text"] for e in events if e.type == NOTICE]
    assert notes == ["note 0", "note 1", "note 2", "a", "b"]  # ids in the order they were written
