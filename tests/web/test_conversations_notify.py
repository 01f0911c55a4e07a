"""On PostgreSQL every transaction that writes a conversation's events locks it and sends NOTIFY,
including the next one on the same pooled connection: other processes' streams wake at once."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import event

from actionforge.chat.events import NOTICE
from tests.chat.world import builder, chat_server, new_gpt, open_conversation
from tests.web.conftest import Server

__all__ = ["builder", "chat_server"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_each_transaction_writing_events_notifies(
    chat_server: Server, builder: httpx.AsyncClient
) -> None:
    conversation = await open_conversation(builder, await new_gpt(builder))
    db = chat_server.services.platform.db
    notifies: list[str] = []

    def seen(_c: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "pg_notify" in statement:
            notifies.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    log = chat_server.services.chat.log
    for n in range(3):
        await log.add(conversation, NOTICE, {"text": f"note {n}"})
    assert len(notifies) == 3
    async with db.transaction() as s:  # two writes in one transaction: one lock, one NOTIFY
        await log.add_in(s, conversation, NOTICE, {"text": "a"})
        await log.add_in(s, conversation, NOTICE, {"text": "b"})
    assert len(notifies) == 4
