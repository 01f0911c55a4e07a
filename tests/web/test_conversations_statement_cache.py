"""Every statement of a turn comes out of SQLAlchemy's compiled cache once the first turn has put
it there: one that cannot be cached (a multi-row VALUES, a literal in a statement) is compiled
again at every execution, which cost a turn more than a millisecond."""

from __future__ import annotations

from collections import Counter

import httpx
from sqlalchemy import event
from sqlalchemy.engine.default import DefaultExecutionContext

from actionforge.testing import call_tools
from actionforge.testing import say as reply
from tests.chat.world import (
    Upstream,
    add_action,
    builder,
    chat_server,
    engine_allows_loopback,
    new_gpt,
    open_conversation,
    register_model,
    say,
    scripted,
    upstream,
)
from tests.web.conftest import Server

__all__ = ["builder", "chat_server", "engine_allows_loopback", "upstream"]


async def test_a_turns_statements_are_compiled_once(
    chat_server: Server, builder: httpx.AsyncClient, upstream: tuple[Upstream, str]
) -> None:
    _, url = upstream
    gpt_id = await new_gpt(builder)
    await add_action(builder, gpt_id, url)
    await builder.put(f"/api/gpts/{gpt_id}/consents", json={"domain": "127.0.0.1", "choice": "always"})
    calls = call_tools(("getItem", {"id": 1}), ("getItem", {"id": 2}))  # two: the multi-row case
    with scripted(*[calls, reply("Done.")] * 3) as (_, base):
        await register_model(builder, base)
        conversation = await open_conversation(builder, gpt_id)
        await say(chat_server, builder, conversation, "first")
        uncacheable: list[str] = []
        misses: Counter[str] = Counter()

        def seen(_c: object, _cursor: object, statement: str, _p: object, context: object, _m: bool) -> None:
            assert isinstance(context, DefaultExecutionContext)
            if context.cache_hit == context.dialect.CACHE_MISS:
                misses[statement] += 1
            elif context.cache_hit != context.dialect.CACHE_HIT:
                uncacheable.append(f"{context.cache_hit}: {statement[:80]}")

        db = chat_server.services.platform.db
        for engine in {db.engine, db._read_engine}:
            event.listen(engine.sync_engine, "before_cursor_execute", seen)
        await say(chat_server, builder, conversation, "second")
        await say(chat_server, builder, conversation, "third")
    assert uncacheable == []
    # Each engine compiles a statement once (the audit record goes alone through the autocommit
    # engine, or with others through the other, as the calls happen to end): never twice.
    assert [statement[:80] for statement, n in misses.items() if n > 1] == []
