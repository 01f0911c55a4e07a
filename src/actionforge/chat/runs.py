"""Turns and tool calls in the database, changed only by compare-and-set.

A run is driven by the one process that holds its lease (``lease_owner``, ``lease_expires_at``).
Every change of hands is one conditional UPDATE: a new turn claims the conversation
(``active_run_id`` NULL → the run), a resume claims a paused run (its state and ``version`` as read),
the sweeper claims a run whose lease lapsed (again by version). Exactly one UPDATE matches; the
others change nothing and are told so. A call's state moves the same way, so a second decision on
a call finds it already decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import CursorResult, select, update

from actionforge.chat.events import TURN_DONE, USER_MESSAGE, Event, EventLog
from actionforge.chat.statements import (
    ANSWER,
    CLAIM_CONVERSATION,
    END_RUN,
    INSERT_MESSAGE,
    INSERT_RUN,
    OWNER_OF,
    RELEASE_CONVERSATION,
    RUN_COLUMNS,
    RUNS,
    finish_statement,
    move_call,
    move_call_with_events,
    start_statement,
)
from actionforge.platform.context import Platform
from actionforge.platform.conversations import NO_CONVERSATION
from actionforge.platform.errors import Conflict, NotFound
from actionforge.store.database import Executor
from actionforge.store.tables_chat import ChatRun, ChatToolCall
from actionforge.store.types import new_id

RUNNING: Final = "running"
AWAITING_APPROVAL: Final = "awaiting_approval"
AWAITING_SIGN_IN: Final = "awaiting_sign_in"
PAUSED = (AWAITING_APPROVAL, AWAITING_SIGN_IN)
ACTIVE = (RUNNING, *PAUSED)
TURN_BUSY = "A turn is already running or waiting for your answer in this conversation: stop it first."
TITLE_CHARS = 80


@dataclass(frozen=True)
class Answer:
    """The model's final message of a turn, stored as the turn ends (`Runs.finish`)."""

    text: str
    tool_calls: list[dict[str, Any]]


def _changed(result: Any) -> bool:
    return isinstance(result, CursorResult) and result.rowcount == 1


class Runs:
    def __init__(self, platform: Platform, log: EventLog, owner: str) -> None:
        self.p = platform
        self.log = log
        self.owner = owner

    def _lease(self) -> datetime:
        return self.p.clock() + timedelta(seconds=self.p.settings.chat_lease_s)

    async def start(
        self, user_id: str, conversation_id: str, text: str, *, test: bool, test_operation: str | None
    ) -> ChatRun:
        """The user's message and a run holding this process's lease, committed together; NotFound
        unless the conversation is the user's, Conflict when it already has a turn running or
        paused (the claim checks both, so a message sent costs no read before it)."""
        now, run_id = self.p.clock(), new_id("run")
        claim = {
            "cid": conversation_id, "uid": user_id, "run_id": run_id, "now": now, "title": text[:TITLE_CHARS],
        }  # fmt: skip
        message = {"role": "user", "text": text, "tool_calls": [], "created_at": now}
        run = ChatRun(
            id=run_id, conversation_id=conversation_id, state=RUNNING, version=1, lease_owner=self.owner,
            lease_expires_at=self._lease(), pause_expires_at=None, stop_requested=False, call_count=0,
            test_operation=test_operation, created_at=now, updated_at=now,
        )  # fmt: skip
        events: list[Event] = [(USER_MESSAGE, {"text": text, "test": test})]
        start = self._start_in_transaction if self.p.db.is_sqlite else self._start_in_one_statement
        if not await start(claim, message, run, events):
            raise await self._refusal(user_id, conversation_id)
        self.log.bell.ring(conversation_id)
        return run

    async def _refusal(self, user_id: str, conversation_id: str) -> Exception:
        """Why a claim failed: the conversation is busy, or it is not this user's to write in."""
        owner = await self.p.db.first(OWNER_OF, {"cid": conversation_id})
        return (
            Conflict(TURN_BUSY)
            if owner is not None and owner.user_id == user_id
            else NotFound(NO_CONVERSATION)
        )

    async def _start_in_one_statement(
        self, claim: dict[str, Any], message: dict[str, Any], run: ChatRun, events: Sequence[Event]
    ) -> bool:
        params = claim | {f"m_{name}": value for name, value in message.items()}
        params |= {f"r_{name}": getattr(run, name) for name in RUN_COLUMNS}
        return bool(
            await self.p.db.write_returning(start_statement(), params | self.log.append_params(events))
        )

    async def _start_in_transaction(
        self, claim: dict[str, Any], message: dict[str, Any], run: ChatRun, events: Sequence[Event]
    ) -> bool:
        conversation_id = claim["cid"]
        async with self.p.db.transaction() as s:
            if not _changed(await s.execute(CLAIM_CONVERSATION, claim)):
                return False
            await s.execute(INSERT_MESSAGE, {"conversation_id": conversation_id, **message})
            await s.execute(INSERT_RUN, {c.name: getattr(run, c.name) for c in RUNS.c})
            await self.log.add_all_in(s, conversation_id, events)
        return True

    async def get(self, run_id: str) -> ChatRun | None:
        async with self.p.db.session() as s:
            return await s.get(ChatRun, run_id)

    async def claim(
        self, run: ChatRun, states: Sequence[str], *, lapsed_before: datetime | None = None
    ) -> bool:
        """Take ``run`` (as read: its version) for this process; False if anyone changed it since."""
        query = update(ChatRun).where(
            ChatRun.id == run.id, ChatRun.version == run.version, ChatRun.state.in_(states)
        )
        if lapsed_before is not None:
            query = query.where(ChatRun.lease_expires_at < lapsed_before)
        values = {
            "state": RUNNING, "version": run.version + 1, "lease_owner": self.owner,
            "lease_expires_at": self._lease(), "pause_expires_at": None, "updated_at": self.p.clock(),
        }  # fmt: skip
        async with self.p.db.transaction() as s:
            return _changed(await s.execute(query.values(**values)))

    async def renew(self, run_id: str) -> bool | None:
        """Extend this process's lease; the run's stop flag, or None if the lease is no longer ours."""
        async with self.p.db.transaction() as s:
            renewed = await s.execute(
                update(ChatRun)
                .where(ChatRun.id == run_id, ChatRun.lease_owner == self.owner, ChatRun.state == RUNNING)
                .values(lease_expires_at=self._lease())
            )
            if not _changed(renewed):
                return None
            return bool(await s.scalar(select(ChatRun.stop_requested).where(ChatRun.id == run_id)))

    async def pause(self, run_id: str, state: str) -> int | None:
        """Release the lease and wait for the user; the run's new version, None if it was not ours."""
        expires = self.p.clock() + timedelta(seconds=self.p.settings.chat_pause_expiry_s)
        async with self.p.db.transaction() as s:
            paused = await s.execute(
                update(ChatRun)
                .where(ChatRun.id == run_id, ChatRun.lease_owner == self.owner, ChatRun.state == RUNNING)
                .values(
                    state=state,
                    version=ChatRun.version + 1,
                    lease_owner=None,
                    lease_expires_at=None,
                    pause_expires_at=expires,
                    updated_at=self.p.clock(),
                )
            )
            if not _changed(paused):
                return None
            await self.log.add_in(s, await self._conversation_of(s, run_id), TURN_DONE, {"outcome": "paused"})
            version: int | None = await s.scalar(select(ChatRun.version).where(ChatRun.id == run_id))
        return version

    async def finish(
        self, run_id: str, conversation_id: str, state: str, outcome: str,
        *, events: Sequence[Event] = (), answer: Answer | None = None,
    ) -> None:  # fmt: skip
        """End the turn, with the model's final ``answer`` when there is one: the conversation takes
        messages again, and the page is told (``events``, then ``turn_done``), in one commit."""
        events = [*events, (TURN_DONE, {"outcome": outcome})]
        params = {"rid": run_id, "cid": conversation_id, "state": state, "now": self.p.clock()}
        if answer is not None:
            params |= {"answer_text": answer.text, "answer_calls": answer.tool_calls}
        if self.p.db.is_sqlite:
            async with self.p.db.transaction() as s:
                if answer is not None:
                    await s.execute(ANSWER, params)
                await s.execute(END_RUN, params)
                await s.execute(RELEASE_CONVERSATION, params)
                await self.log.add_all_in(s, conversation_id, events)
        else:
            statement = finish_statement(with_answer=answer is not None)
            await self.p.db.write_returning(statement, {**params, **self.log.append_params(events)})
        self.log.bell.ring(conversation_id)

    async def request_stop(self, run_id: str) -> None:
        async with self.p.db.transaction() as s:
            await s.execute(update(ChatRun).where(ChatRun.id == run_id).values(stop_requested=True))

    async def _conversation_of(self, s: Executor, run_id: str) -> str:
        found: str | None = await s.scalar(select(ChatRun.conversation_id).where(ChatRun.id == run_id))
        assert found is not None
        return found

    # --- tool calls --------------------------------------------------------------------------

    async def _move_in_transaction(
        self, call: ChatToolCall, states: Sequence[str], values: dict[str, Any], params: dict[str, Any],
        events: Sequence[Event],
    ) -> bool:  # fmt: skip
        async with self.p.db.transaction() as s:
            if not _changed(await s.execute(move_call(tuple(states), frozenset(values)), params)):
                return False
            await self.log.add_all_in(s, call.conversation_id, events)
        return True

    async def calls(self, run_id: str) -> list[ChatToolCall]:
        async with self.p.db.session() as s:
            query = select(ChatToolCall).where(ChatToolCall.run_id == run_id)
            return list(await s.scalars(query.order_by(ChatToolCall.message_id, ChatToolCall.position)))

    async def move(
        self,
        call: ChatToolCall,
        states: Sequence[str],
        to: str,
        *,
        events: Sequence[Event] = (),
        **values: Any,
    ) -> bool:
        """Compare-and-set a call's state, with the events that report it in the same transaction;
        on success ``call`` is updated to match."""
        now = self.p.clock()
        params = {f"v_{name}": value for name, value in {**values, "state": to, "updated_at": now}.items()}
        params["call_id"] = call.id
        if events and not self.p.db.is_sqlite:  # one round trip: the move and its events together
            statement = move_call_with_events(tuple(states), frozenset(values))
            if not await self.p.db.write_returning(statement, {**params, **self.log.append_params(events)}):
                return False
        elif not await self._move_in_transaction(call, states, values, params, events):
            return False
        if events:
            self.log.bell.ring(call.conversation_id)
        call.state, call.updated_at = to, now
        for name, value in values.items():
            setattr(call, name, value)
        return True
