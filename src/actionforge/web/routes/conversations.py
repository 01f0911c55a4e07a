"""/api/gpts/{gpt_id}/conversations and /api/conversations/{id}: chat with a GPT (its draft in
Preview, or the published GPT), answer consent cards, stop, and follow the events over SSE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Header, Query, Request, status
from sse_starlette import EventSourceResponse, ServerSentEvent

from actionforge.chat import ChatService, event_json
from actionforge.platform.conversations import Conversations
from actionforge.store.tables_chat import Conversation
from actionforge.web.chat_schemas import (
    ConversationIn,
    ConversationOut,
    ConversationWithEvents,
    DecisionIn,
    DecisionOut,
    EventOut,
    MessageIn,
    RunOut,
)
from actionforge.web.deps import Caller, Paging, ServicesDep
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import PageOf

router = ScreeningRouter(tags=["conversations"])
STREAM: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "the conversation's events, as they happen"}
}


def conversation_out(row: Conversation, state: str) -> dict[str, Any]:
    return {
        "id": row.id, "gpt_id": row.gpt_id, "preview": row.preview, "title": row.title,
        "created_at": row.created_at, "updated_at": row.updated_at, "state": state,
    }  # fmt: skip


async def one(chat: ChatService, row: Conversation) -> dict[str, Any]:
    return conversation_out(row, (await chat.states([row]))[row.id])


@router.post("/api/gpts/{gpt_id}/conversations", status_code=status.HTTP_201_CREATED)
async def open_conversation(
    gpt_id: str, body: ConversationIn, caller: Caller, svc: ServicesDep
) -> ConversationOut:
    """A new conversation with the GPT: Preview (editors only) or the published GPT."""
    row = await Conversations(svc.platform).open(caller.user, gpt_id, preview=body.preview)
    return ConversationOut.model_validate(await one(svc.chat, row))


@router.get("/api/gpts/{gpt_id}/conversations")
async def list_conversations(
    gpt_id: str, caller: Caller, paging: Paging, svc: ServicesDep, preview: bool = False
) -> PageOf[ConversationOut]:
    """The caller's own conversations with this GPT, oldest first."""
    found = await Conversations(svc.platform).list(
        caller.user, gpt_id, preview=preview, after=paging.cursor, limit=paging.limit
    )
    states = await svc.chat.states(found.items)
    items = [ConversationOut.model_validate(conversation_out(r, states[r.id])) for r in found.items]
    return PageOf[ConversationOut](items=items, next_cursor=found.next_cursor)


@router.get("/api/conversations/{conversation_id}")
async def read_conversation(conversation_id: str, caller: Caller, svc: ServicesDep) -> ConversationWithEvents:
    """The conversation and its whole event log (what a reload shows)."""
    row = await Conversations(svc.platform).get(caller.user, conversation_id)
    events = [event_json(e) for e in await svc.chat.log.after(row.id, 0, limit=1_000_000)]
    return ConversationWithEvents.model_validate({**await one(svc.chat, row), "events": events})


@router.delete("/api/conversations/{conversation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_conversation(conversation_id: str, caller: Caller, svc: ServicesDep) -> None:
    await svc.chat.stop(caller.user, conversation_id)
    await Conversations(svc.platform).delete(caller.user, conversation_id)


@router.post("/api/conversations/{conversation_id}/messages", status_code=status.HTTP_202_ACCEPTED)
async def send_message(conversation_id: str, body: MessageIn, caller: Caller, svc: ServicesDep) -> RunOut:
    """Send a message (or the Test button's); the turn runs in the background. 409 while one runs."""
    test = body.test.model_dump() if body.test is not None else None
    return RunOut(run_id=await svc.chat.send(caller.user, conversation_id, body.text, test))


@router.post("/api/conversations/{conversation_id}/calls/{call_id}/decision")
async def decide(
    conversation_id: str, call_id: str, body: DecisionIn, caller: Caller, svc: ServicesDep
) -> DecisionOut:
    """Answer a consent card; the paused turn resumes once (a second answer gets 409)."""
    state = await svc.chat.decide(caller.user, conversation_id, call_id, body.decision)
    return DecisionOut(call_id=call_id, state=state)


@router.post("/api/conversations/{conversation_id}/stop", status_code=status.HTTP_202_ACCEPTED)
async def stop(conversation_id: str, caller: Caller, svc: ServicesDep) -> None:
    """Stop the turn: the model's answer and any call in flight are cancelled."""
    await svc.chat.stop(caller.user, conversation_id)


@router.get("/api/conversations/{conversation_id}/events", responses=STREAM, response_model=None)
async def follow_events(
    conversation_id: str,
    request: Request,
    caller: Caller,
    svc: ServicesDep,
    after: Annotated[int | None, Query(ge=0, description="resume after this event id")] = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> EventSourceResponse:
    """The event log from the given point, then each new event as it is written, on any process."""
    row = await Conversations(svc.platform).get(caller.user, conversation_id)
    start = _start(after, last_event_id)
    return EventSourceResponse(_tail(svc.chat, row.id, start, request), ping=15)


def _start(after: int | None, last_event_id: str | None) -> int:
    if last_event_id is not None and last_event_id.strip().isdigit():
        return int(last_event_id.strip())
    return after or 0


async def _tail(
    chat: ChatService, conversation_id: str, after: int, request: Request
) -> AsyncIterator[ServerSentEvent]:
    poll = chat.p.settings.chat_poll_interval_ms / 1000
    while not await request.is_disconnected():
        events = await chat.log.after(conversation_id, after)
        for event in events:
            after = event.id
            data = EventOut.model_validate(event_json(event)).model_dump_json()
            yield ServerSentEvent(data=data, event=event.type, id=str(event.id))
        if not events:
            await chat.bell.wait(conversation_id, poll if chat.p.db.is_sqlite else max(poll, 5.0))
