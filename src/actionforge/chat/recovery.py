"""The sweeper every process runs: unanswered pauses expire, and turns whose process died go on.

Both take the run by compare-and-set on its version, so several processes sweeping at once act
once. A recovered turn never resends a call found in ``sending`` unless its method is safe to
repeat (GET, HEAD, OPTIONS): any other becomes ``unknown``, and the model and the user are told
that it may or may not have happened.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from actionforge.chat import events as ev
from actionforge.chat.calls import APPROVED, DECLINED, FAILED, SENDING, SETTLED, UNKNOWN
from actionforge.chat.events import Event
from actionforge.chat.runs import AWAITING_APPROVAL, PAUSED, RUNNING
from actionforge.store.tables import Gpt
from actionforge.store.tables_chat import ChatRun, Conversation

if TYPE_CHECKING:
    from actionforge.chat.service import ChatService

log = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
EXPIRED = "This request waited too long for an answer, so the turn ended. Send a message to try again."
EXPIRED_RESULT = "Not called: the user did not answer in time."
UNKNOWN_NOTICE = (
    "The server stopped while {gpt} was calling {domain} ({operation}): the call may or may not have "
    "happened. It was not repeated."
)
UNKNOWN_RESULT = (
    "The server restarted while this call was being sent to {domain}: it may or may not have happened, "
    "and it was not repeated. Tell the user, and do not assume either outcome."
)


class Sweeper:
    def __init__(self, service: ChatService) -> None:
        self.service = service
        self.p = service.p
        self.runs = service.runs

    async def forever(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # a database hiccup must not end the sweeping
                log.exception("chat sweep failed")
            await asyncio.sleep(self.p.settings.chat_sweep_interval_s)

    async def sweep(self) -> None:
        """One pass: expire pauses past their time, recover runs whose lease lapsed."""
        now = self.p.clock()
        async with self.p.db.session() as s:
            expired = list(await s.scalars(
                select(ChatRun).where(ChatRun.state.in_(PAUSED), ChatRun.pause_expires_at < now)
            ))  # fmt: skip
            lapsed = list(await s.scalars(
                select(ChatRun).where(ChatRun.state == RUNNING, ChatRun.lease_expires_at < now)
            ))  # fmt: skip
        for run in expired:
            if await self.runs.claim(run, PAUSED):
                await self._expire(run)
        for run in lapsed:
            if await self.runs.claim(run, (RUNNING,), lapsed_before=now):
                await self._recover(run)

    async def _expire(self, run: ChatRun) -> None:
        for call in await self.runs.calls(run.id):
            if call.state not in SETTLED and call.state != APPROVED:
                to = DECLINED if call.state == AWAITING_APPROVAL else FAILED
                await self.runs.move(call, (call.state,), to, result_text=EXPIRED_RESULT)
        await self.service.log.add(run.conversation_id, ev.NOTICE, {"text": EXPIRED})
        fresh = await self.runs.get(run.id)
        if fresh is not None:
            await self.runs.finish(fresh.id, fresh.conversation_id, "stopped", "stopped")

    async def _recover(self, run: ChatRun) -> None:
        for call in await self.runs.calls(run.id):
            if call.state != SENDING:
                continue
            if (call.method or "").upper() in SAFE_METHODS:
                await self.runs.move(call, (SENDING,), APPROVED)
                continue
            gpt = await self._gpt_name(run)
            notice = UNKNOWN_NOTICE.format(gpt=gpt, domain=call.domain, operation=call.operation_id)
            error = {"call_id": call.id, "domain": call.domain, "text": f"Error talking to {call.domain}"}
            result = UNKNOWN_RESULT.format(domain=call.domain)
            events: list[Event] = [(ev.NOTICE, {"text": notice}), (ev.STATUS, error)]
            await self.runs.move(call, (SENDING,), UNKNOWN, result_text=result, events=events)
        self.service.launch(run.id)

    async def _gpt_name(self, run: ChatRun) -> str:
        async with self.p.db.session() as s:
            conversation = await s.get(Conversation, run.conversation_id)
            gpt = await s.get(Gpt, conversation.gpt_id) if conversation is not None else None
            return gpt.name if gpt is not None else "The GPT"
