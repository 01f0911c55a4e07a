"""The chat layer's SQL: every statement a turn runs, built once with bound parameters.

Building a statement (and its cache key) cost SQLAlchemy more than running it, so these are module
constants, or built once per shape (`functools.cache`). On SQLite a turn's writes run as plain
transactions of the single statements; on PostgreSQL each write is one statement in autocommit
(`start_statement`, `answer_statement`, `move_call_with_events`, `finish_statement`): the change
as data-modifying CTEs, with its events after it (`events.append_after`), one round trip with its
commit. `tests/web/test_conversations_statement_cache.py` checks that all of them are cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, insert, select, union_all, update

from actionforge.chat.events import append_after
from actionforge.store.tables_chat import ChatMessage, ChatRun, ChatToolCall, Conversation

MESSAGES, RUNS = cast(Table, ChatMessage.__table__), cast(Table, ChatRun.__table__)
CALLS, CONVERSATIONS = cast(Table, ChatToolCall.__table__), cast(Table, Conversation.__table__)

INSERT_MESSAGE, INSERT_RUN = insert(MESSAGES), insert(RUNS)
CLAIM_CONVERSATION = (
    update(CONVERSATIONS)
    .where(
        CONVERSATIONS.c.id == bindparam("cid"),
        CONVERSATIONS.c.user_id == bindparam("uid"),
        CONVERSATIONS.c.active_run_id.is_(None),
    )
    .values(
        active_run_id=bindparam("run_id"),
        updated_at=bindparam("now"),
        title=func.coalesce(func.nullif(CONVERSATIONS.c.title, ""), bindparam("title")),
    )
)
END_RUN = (
    update(RUNS)
    .where(RUNS.c.id == bindparam("rid"))
    .values(
        state=bindparam("state"), version=RUNS.c.version + 1, lease_owner=None, lease_expires_at=None,
        pause_expires_at=None, updated_at=bindparam("now"),
    )
)  # fmt: skip
# The conversation takes messages again if this run was its turn. Its row is updated (so locked)
# either way, which on PostgreSQL is the lock its events need (`events.append_after`).
RELEASE_CONVERSATION = (
    update(CONVERSATIONS)
    .where(CONVERSATIONS.c.id == bindparam("cid"))
    .values(
        active_run_id=case(
            (CONVERSATIONS.c.active_run_id == bindparam("rid"), None), else_=CONVERSATIONS.c.active_run_id
        ),
        updated_at=bindparam("now"),
    )
)
OWNER_OF = select(CONVERSATIONS.c.user_id).where(CONVERSATIONS.c.id == bindparam("cid"))
ANSWER = insert(MESSAGES).values(
    conversation_id=bindparam("cid"), role="assistant", text=bindparam("answer_text"),
    tool_calls=bindparam("answer_calls"), created_at=bindparam("now"),
)  # fmt: skip


def typed_params(table: Table, names: Sequence[str], prefix: str) -> list[Any]:
    """A bound parameter per column of ``table``, typed as the column (a SELECT has no column to
    take a parameter's type from, as a VALUES clause does)."""
    return [bindparam(f"{prefix}{name}", type_=table.c[name].type) for name in names]


MESSAGE_COLUMNS = ("role", "text", "tool_calls", "created_at")
RUN_COLUMNS = tuple(c.name for c in RUNS.c if c.name != "conversation_id")


@cache
def start_statement() -> Any:
    """PostgreSQL: the claim, the user's message, the run and the event, one statement (one round
    trip in autocommit). The rows are selected from the claim's, so a failed claim writes nothing;
    the claim's UPDATE holds the conversation's row lock its event needs."""
    claimed = CLAIM_CONVERSATION.returning(CONVERSATIONS.c.id.label("conversation_id")).cte("claimed")
    message = insert(MESSAGES).from_select(
        ["conversation_id", *MESSAGE_COLUMNS],
        select(claimed.c.conversation_id, *typed_params(MESSAGES, MESSAGE_COLUMNS, "m_")),
    )
    run = insert(RUNS).from_select(
        ["conversation_id", *RUN_COLUMNS],
        select(claimed.c.conversation_id, *typed_params(RUNS, RUN_COLUMNS, "r_")),
    )
    statement = append_after(claimed, locks_conversation=True)
    return statement.add_cte(message.cte("message")).add_cte(run.cte("run"))


@cache
def finish_statement(*, with_answer: bool) -> Any:
    """PostgreSQL: end the run, release the conversation and append the events (with the final
    answer's message when there is one), one statement: one round trip in autocommit."""
    released = RELEASE_CONVERSATION.returning(CONVERSATIONS.c.id.label("conversation_id")).cte("released")
    statement = append_after(released, locks_conversation=True).add_cte(END_RUN.cte("ended"))
    return statement.add_cte(ANSWER.cte("answer")) if with_answer else statement


@cache
def move_call(states: tuple[str, ...], columns: frozenset[str]) -> Any:
    """``UPDATE chat_tool_calls`` from ``states`` setting ``columns`` (plus state and updated_at),
    built once per shape."""
    names = sorted(columns | {"state", "updated_at"})
    values: dict[str, Any] = {name: bindparam(f"v_{name}") for name in names}
    return update(CALLS).where(CALLS.c.id == bindparam("call_id"), CALLS.c.state.in_(states)).values(**values)


@cache
def move_call_with_events(states: tuple[str, ...], columns: frozenset[str]) -> Any:
    """PostgreSQL: `move_call` and the events that report it, one statement (`append_after`)."""
    return append_after(move_call(states, columns).returning(CALLS.c.conversation_id).cte("changed"))


# A drive's reads and the answer's writes in a transaction (SQLite; `Database.rows`, `store.rows.entity`).
INSERT_ANSWER_MESSAGE, INSERT_CALLS = insert(MESSAGES).returning(MESSAGES.c.id), insert(CALLS)
# A conversation's history, read when a drive loads: each message with its calls, in one read (a
# message's row comes once per call it made, or once alone).
# (The calls are joined through their conversation too, so that SQLite reads them by its index
# rather than scanning every call: chat_tool_calls.message_id has none.)
HISTORY_OF = (
    select(MESSAGES, CALLS)
    .outerjoin(
        CALLS,
        (CALLS.c.conversation_id == MESSAGES.c.conversation_id) & (CALLS.c.message_id == MESSAGES.c.id),
    )
    .where(MESSAGES.c.conversation_id == bindparam("conversation_id"))
    .order_by(MESSAGES.c.id, CALLS.c.position)
)
CALLS_OF = (
    select(CALLS)
    .where(CALLS.c.conversation_id == bindparam("conversation_id"))
    .order_by(CALLS.c.message_id, CALLS.c.position)
)

CALL_COLUMNS = tuple(c.name for c in CALLS.c if c.name != "message_id")


@cache
def answer_statement(calls: int) -> Any:
    """PostgreSQL: the assistant message, its ``calls`` call rows (their message id read from the
    message's INSERT) and the events, one statement: one round trip in autocommit. RETURNING the
    message's id, once per event."""
    answer = ANSWER.returning(MESSAGES.c.id, MESSAGES.c.conversation_id).cte("answer")
    statement = append_after(answer, returning=select(answer.c.id).scalar_subquery())
    if not calls:
        return statement
    # Rows selected from the message's INSERT, one SELECT each (a multi-row VALUES would be
    # compiled again at every execution: SQLAlchemy does not cache those).
    rows = [
        select(*typed_params(CALLS, CALL_COLUMNS, f"c{i}_"), answer.c.id).select_from(answer)
        for i in range(calls)
    ]
    stored = insert(CALLS).from_select(
        [*CALL_COLUMNS, "message_id"], union_all(*rows) if calls > 1 else rows[0]
    )
    return statement.add_cte(stored.cte("calls"))
