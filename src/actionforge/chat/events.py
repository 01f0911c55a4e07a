"""The conversation's event log: what the page shows, stored so a reload or another process sees it.

Every event is one row with an increasing id; the SSE stream tails the log after the last id it
sent. Events are written in the same transaction as the state change they report (a call's
``sending`` and its "Talking to" status commit together), and the transactions that write one
conversation's events are serialized (`EventLog.add_in`), so ids are the order of commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import CTE, JSON, ColumnElement, Insert, Table, bindparam, func, insert, select, true

from actionforge.chat.bell import CHANNEL, Bell
from actionforge.platform.context import Platform
from actionforge.store.database import Executor
from actionforge.store.tables_chat import Conversation, ConversationEvent
from actionforge.store.types import UtcDateTime

USER_MESSAGE: Final = "user_message"
ASSISTANT_TEXT: Final = "assistant_text"
ASSISTANT_DONE: Final = "assistant_done"
STATUS: Final = "status"
CONFIRM: Final = "confirm"
CONFIRM_RESOLVED: Final = "confirm_resolved"
SIGN_IN: Final = "sign_in"
SENT_INFO: Final = "sent_info"
DEBUG: Final = "debug"
NOTICE: Final = "notice"
ERROR: Final = "error"
TURN_DONE: Final = "turn_done"

# Events are written with Core statements: no ORM unit of work per event.
EVENTS, CONVERSATIONS = cast(Table, ConversationEvent.__table__), cast(Table, Conversation.__table__)
_INSERT_EVENTS = insert(EVENTS)
Event = tuple[str, dict[str, Any]]  # (type, data), written with the state change it reports


def append_after(
    change: CTE, *, locks_conversation: bool = False, returning: ColumnElement[Any] | None = None
) -> Insert:
    """PostgreSQL: ``change`` (a data-modifying CTE ``RETURNING conversation_id``, such as a call's
    compare-and-set), then, only for the row it changed, the lock, NOTIFY and events that
    `EventLog.add_all_in` writes: the state change and its events in one statement, so in one
    round trip in autocommit. RETURNING the events' ids (unless ``returning`` says what instead):
    none when ``change`` matched no row.

    A change that updates the conversation's row itself holds its lock already
    (``locks_conversation``), and must not ask again: a row this statement updated is invisible
    to its own FOR UPDATE, which would skip it and append nothing.

    Parameters: those of `EventLog.append_params`, with ``change``'s own.
    """
    cid = change.c.conversation_id
    locked = select(cid.label("cid"), func.pg_notify(bindparam("channel"), cid)).select_from(change)
    if not locks_conversation:
        locked = locked.join(CONVERSATIONS, CONVERSATIONS.c.id == cid).with_for_update(of=CONVERSATIONS)
    appending = _appended(locked.cte("locked")).add_cte(change)
    return appending.returning(EVENTS.c.id if returning is None else returning)


def _appended(locked: CTE) -> Insert:
    """The events (parameter ``events``, in order) INSERTed for the conversation ``locked`` yields,
    with the NOTIFY ``locked`` queues. Their ids are drawn row by row as the join with the locked
    row yields them, so after the lock."""
    rows = (
        func.json_array_elements(bindparam("events", type_=JSON()))
        .table_valued("e", with_ordinality="n")
        .render_derived(name="x")
    )
    appended = (
        select(
            locked.c.cid,
            rows.c.e.op("->>")("type"),
            rows.c.e.op("->")("data"),
            bindparam("now", type_=UtcDateTime()),
        )
        .select_from(locked)
        .join(rows, true())
        .order_by(rows.c.n)
    )
    columns = ["conversation_id", "type", "data", "created_at"]
    return insert(EVENTS).from_select(columns, appended).add_cte(locked)


# PostgreSQL, in one round trip within the caller's transaction: lock the conversation's row (until
# commit), queue the NOTIFY (sent at commit, once per transaction and channel however often it is
# queued) and append the events. (SQLite has one writer at a time anyway.)
_APPEND_LOCKED = _appended(
    select(CONVERSATIONS.c.id.label("cid"), func.pg_notify(bindparam("channel"), CONVERSATIONS.c.id))
    .where(CONVERSATIONS.c.id == bindparam("conversation"))
    .with_for_update()
    .cte("locked")
)


def event_json(event: ConversationEvent) -> dict[str, Any]:
    """The contract's Event JSON."""
    return {"id": event.id, "type": event.type, "at": _iso(event.created_at), "data": event.data}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class EventLog:
    def __init__(self, platform: Platform, bell: Bell) -> None:
        self.p = platform
        self.bell = bell

    async def add(self, conversation_id: str, type_: str, data: dict[str, Any]) -> None:
        """Append one event in its own transaction and wake the streams that follow the conversation."""
        async with self.p.db.transaction() as s:
            await self.add_in(s, conversation_id, type_, data)
        self.bell.ring(conversation_id)

    async def add_in(self, s: Executor, conversation_id: str, type_: str, data: dict[str, Any]) -> None:
        """Append within the caller's transaction (the caller rings the bell after committing)."""
        await self.add_all_in(s, conversation_id, [(type_, data)])

    async def add_all_in(self, s: Executor, conversation_id: str, events: Sequence[Event]) -> None:
        """Append ``events`` in order within the caller's transaction, in one statement (no ORM unit
        of work on the hot path); the caller rings the bell after committing.

        On PostgreSQL the statement first locks the conversation's row, so transactions that
        write one conversation's events commit one after another and ids follow commit order (a
        stream reading "after id N" never misses a lower id committed later); SQLite has one writer
        at a time anyway. The NOTIFY is delivered at commit, to every process's listener.
        """
        if not events:
            return
        if not self.p.db.is_sqlite:
            await s.execute(_APPEND_LOCKED, {"conversation": conversation_id, **self.append_params(events)})
            return
        now = self.p.clock()
        rows = [
            {"conversation_id": conversation_id, "type": type_, "data": data, "created_at": now}
            for type_, data in events
        ]
        await s.execute(_INSERT_EVENTS, rows[0] if len(rows) == 1 else rows)

    def append_params(self, events: Sequence[Event]) -> dict[str, Any]:
        """The parameters of the statements that append ``events`` on PostgreSQL."""
        listed = [{"type": type_, "data": data} for type_, data in events]
        return {"channel": CHANNEL, "now": self.p.clock(), "events": listed}

    async def after(
        self, conversation_id: str, after_id: int, limit: int = 500
    ) -> Sequence[ConversationEvent]:
        async with self.p.db.session() as s:
            query = (
                select(ConversationEvent)
                .where(ConversationEvent.conversation_id == conversation_id, ConversationEvent.id > after_id)
                .order_by(ConversationEvent.id)
                .limit(limit)
            )
            return list(await s.scalars(query))
