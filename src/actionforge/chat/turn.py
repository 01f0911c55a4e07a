"""One drive of a turn, by the process that holds its lease: ask the model, run the tool calls it
makes, feed the results back, until the model answers in text, the user is needed (pause), the
per-turn call bound is reached, or the user stops it.

A drive starts from the database alone (a new turn, a resumed pause, a run recovered from a
crashed process all look the same): calls still open are taken on, and the model is asked again
only once every call of its last message has a result.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from actionforge.chat import events as ev
from actionforge.chat.calls import (
    APPROVED,
    DECLINED,
    FAILED,
    PROPOSED,
    SENDING,
    SETTLED,
    UNKNOWN,
    CallSteps,
    Verdict,
)
from actionforge.chat.coalesce import TextCoalescer
from actionforge.chat.events import Event
from actionforge.chat.prompt import fit_context, history
from actionforge.chat.runs import AWAITING_APPROVAL, AWAITING_SIGN_IN, PAUSED, Answer, Runs
from actionforge.chat.scope import Scope
from actionforge.chat.statements import (
    CALL_COLUMNS,
    CALLS,
    CALLS_OF,
    HISTORY_OF,
    INSERT_ANSWER_MESSAGE,
    INSERT_CALLS,
    MESSAGES,
    answer_statement,
)
from actionforge.chat.toolbox import Entry
from actionforge.models import (
    ChatModel,
    ChatRequest,
    ModelError,
    ModelRegistry,
    TextDelta,
    ToolCall,
    ToolCallDone,
    no_model_message,
    offerable_models,
)
from actionforge.platform.calls import redacted_json
from actionforge.platform.context import Platform
from actionforge.platform.conversations import run_context
from actionforge.platform.errors import NotFound
from actionforge.store.rows import entity
from actionforge.store.tables_chat import ChatMessage, ChatToolCall
from actionforge.store.types import new_id

if TYPE_CHECKING:
    from actionforge.chat.service import ChatService

log = logging.getLogger(__name__)
CALL_BOUND = (
    "This turn reached the limit of {n} action calls, so it stopped here. Send a message to continue."
)
OVER_BOUND_RESULT = "Not called: this turn reached its limit of {n} action calls."
STOPPED_BEFORE = "Not called: the user stopped the turn before this call was made."
STOPPED_DURING = (
    "The user stopped this call while it was being sent to {domain}: it may or may not have happened."
)
INTERNAL = "Something went wrong on the server while answering. Try again."
PAUSED_OUTCOME, FINISHED = "paused", "finished"  # the run is already stored as paused / as done


class Drive:
    """Runs one turn for as long as this process holds its lease."""

    def __init__(self, engine: ChatService, run_id: str) -> None:
        self.engine = engine  # the ChatService: platform, runs, registry, model client
        self.p: Platform = engine.p
        self.runs: Runs = engine.runs
        self.run_id = run_id
        self.scope: Scope | None = None
        self.partial: TextCoalescer | None = None
        self._all_calls: list[ChatToolCall] = []
        self._messages: list[ChatMessage] | None = None  # the conversation's, read as it loads
        # calls known as they stand without a read: just read by the load, or just stored
        self._fresh_calls: list[ChatToolCall] | None = None
        # what to send of the calls the last answer stored as sending: call id -> (entry, arguments)
        self._to_send: dict[str, tuple[Entry, Any]] = {}
        self.registry: ModelRegistry | None = None
        self.lost = False  # the lease went to another process: leave the run to it

    async def drive(self) -> None:
        try:
            self.scope = await self._load()
            if self.scope is None:
                return
            outcome = None
            while outcome is None:
                outcome = await self._step(self.scope)
            if outcome not in (PAUSED_OUTCOME, FINISHED):
                await self._finish(outcome)
        except NotFound as gone:  # the GPT was unpublished or deleted since the conversation began
            await self._finish("failed", [(ev.ERROR, {"text": gone.message})])
        except asyncio.CancelledError:
            if self.engine.closing or self.lost:
                raise  # shutting down (the lease lapses, another process recovers) or already taken over
            await self._stopped()
        except Exception:
            log.exception("chat turn %s failed", self.run_id)
            await self._emit_safely(ev.ERROR, {"text": INTERNAL})
            await self._finish("failed")

    async def _load(self, *, for_steps: bool = True) -> Scope | None:
        """The run and its configuration and, ``for_steps``, what the first step reads (the
        conversation's messages and calls, the workspace's models), on one pooled connection."""
        async with self.p.db.reads_together():
            found = await run_context(self.p.db, self.run_id)
            if found is None:
                return None
            toolbox = self.engine.actions.toolbox(found.config)
            scope = Scope(found.run, found.conversation, found.user, found.config, toolbox, self._emit)
            if not for_steps:
                return scope
            await self._read_history(scope)
            self.registry = await self.engine.registry_for(scope.config.workspace.id)
        return scope

    async def _read_history(self, scope: Scope) -> None:
        """The conversation's messages, and its calls for the first step (`HISTORY_OF`)."""
        messages: dict[int, ChatMessage] = {}
        calls: list[ChatToolCall] = []
        for row in await self.p.db.rows(HISTORY_OF, {"conversation_id": scope.conversation.id}):
            if row._mapping[MESSAGES.c.id] not in messages:
                messages[row._mapping[MESSAGES.c.id]] = entity(ChatMessage, row)
            if row._mapping[CALLS.c.id] is not None:  # else a message without calls
                calls.append(entity(ChatToolCall, row))
        self._messages, self._fresh_calls = list(messages.values()), calls

    async def _emit(self, type_: str, data: dict[str, Any]) -> None:
        assert self.scope is not None
        await self.engine.log.add(self.scope.conversation.id, type_, data)

    async def _emit_safely(self, type_: str, data: dict[str, Any]) -> None:
        if self.scope is not None:
            await self._emit(type_, data)

    # --- one step ----------------------------------------------------------------------------

    async def _step(self, scope: Scope) -> str | None:
        """Advance open calls, then pause, finish, or ask the model; None to go round again."""
        messages, calls = await self._stored(scope)
        open_calls = [c for c in calls if c.state in (PROPOSED, APPROVED, AWAITING_SIGN_IN)]
        to_send, self._to_send = self._to_send, {}
        if open_calls or to_send:  # each step updates its call in place: no need to read them again
            steps = CallSteps(self.p, self.runs, scope)
            await asyncio.gather(
                *(steps.advance(c) for c in open_calls),
                *(steps.send(c, *to_send[c.id]) for c in calls if c.id in to_send),
            )
        waiting = [c.state for c in calls if c.state in PAUSED]
        if waiting:
            return await self._pause(
                scope, AWAITING_APPROVAL if AWAITING_APPROVAL in waiting else AWAITING_SIGN_IN
            )
        last = messages[-1] if messages else None
        if last is not None and last.role == "assistant" and not last.tool_calls:
            return "done"
        bound = self.p.settings.chat_max_calls_per_turn
        if last is not None and last.role == "assistant" and len(calls) >= bound:
            await self._emit(ev.NOTICE, {"text": CALL_BOUND.format(n=bound)})
            return "done"
        return await self._ask_model(scope, messages)

    async def _stored(self, scope: Scope) -> tuple[list[ChatMessage], list[ChatToolCall]]:
        """The conversation's messages and calls (this run's calls second). The messages are read
        once per drive, as it loads: while a turn is active only its drive adds any (`_store_answer`,
        which appends to them); the calls are read again at each step that does not know them (a
        decision may have moved one)."""
        assert self._messages is not None, "read when the drive loaded"
        messages = self._messages
        if self._fresh_calls is not None:  # `_load` just read them, or `_store_answer` stored them
            calls, self._fresh_calls = [*self._all_calls, *self._fresh_calls], None
        else:
            of_conversation = {"conversation_id": scope.conversation.id}
            calls = [entity(ChatToolCall, row) for row in await self.p.db.rows(CALLS_OF, of_conversation)]
        made = {m.id: m.tool_calls for m in messages}
        for call in calls:
            scope.arguments[call.id] = made[call.message_id][call.position]["arguments"]
        self._all_calls = calls
        return messages, [c for c in calls if c.run_id == scope.run.id]

    async def _pause(self, scope: Scope, state: str) -> str | None:
        version = await self.runs.pause(scope.run.id, state)
        self.engine.log.bell.ring(scope.conversation.id)
        if version is None:
            return PAUSED_OUTCOME
        # A decision that arrived while this process was still running could not claim the run:
        # look once more, and carry on if there is something to do now.
        run = await self.runs.get(scope.run.id)
        calls = await self.runs.calls(scope.run.id)
        ready = any(c.state == APPROVED for c in calls) or not any(c.state in PAUSED for c in calls)
        if run is not None and ready and await self.runs.claim(run, PAUSED):
            return None
        return PAUSED_OUTCOME

    # --- the model ---------------------------------------------------------------------------

    async def _ask_model(self, scope: Scope, messages: Sequence[ChatMessage]) -> str | None:
        if self.registry is None:  # read once per drive: a turn asks the same models
            self.registry = await self.engine.registry_for(scope.config.workspace.id)
        needs_tools = bool(scope.toolbox.entries)
        model_id = choose_model(self.registry, scope.config.model, needs_tools=needs_tools)
        if model_id is None:
            await self._emit(ev.NOTICE, {"text": no_model_message(self.registry, needs_tools=needs_tools)})
            return "done"
        return await self._stream(scope, self.engine.model(self.registry, model_id), messages)

    async def _stream(self, scope: Scope, model: ChatModel, messages: Sequence[ChatMessage]) -> str | None:
        tools = scope.toolbox.tools(model.dialect)
        system = scope.toolbox.system_prompt(scope.config)
        prompt = fit_context(history(system, messages, self._all_calls), tools, model.info)
        parallel = True if tools and model.info.parallel_tool_calls else None
        window = timedelta(milliseconds=self.p.settings.chat_coalesce_ms)
        self.partial = TextCoalescer(
            self.p.clock, window, lambda text: self._emit(ev.ASSISTANT_TEXT, {"text": text})
        )
        made: list[ToolCall] = []
        try:
            async for event in model.stream(ChatRequest(prompt, tools, parallel_tool_calls=parallel)):
                if isinstance(event, TextDelta):
                    await self.partial.add(event.text)
                elif isinstance(event, ToolCallDone):
                    made.append(event.call)
        except ModelError as error:
            await self._keep_partial([(ev.ERROR, {"text": str(error)})])
            return "failed"
        partial, self.partial = self.partial, None
        await self._store_answer(scope, partial, made, finish=not made)
        return None if made else FINISHED

    async def _store_answer(
        self, scope: Scope, text: TextCoalescer, made: Sequence[ToolCall], *, finish: bool,
        after: Sequence[Event] = (),
    ) -> None:  # fmt: skip
        """In one transaction: the rest of the streamed text, the assistant message, a row per tool
        call in the state the rules give it now (`calls.Verdict`: committed as ``sending`` before
        the next step sends it; past the per-turn bound, stored as not made, so the model reads
        why) with the events that report it, and, for a final answer, the end of the turn."""
        now = self.p.clock()
        events: list[Event] = []
        if rest := text.take():
            events.append((ev.ASSISTANT_TEXT, {"text": rest}))
        if text.text:
            events.append((ev.ASSISTANT_DONE, {}))
        events.extend(after)
        cid = scope.conversation.id
        made_calls = [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in made]
        message = {"conversation_id": cid, "role": "assistant", "text": text.text, "created_at": now}
        if finish:  # no calls: the answer ends the turn, in the same commit
            answer = Answer(text.text, made_calls)
            await self.runs.finish(scope.run.id, cid, "done", "done", events=events, answer=answer)
            return
        rows = [_call_row(scope, now, position, c) for position, c in enumerate(made)]
        verdicts = await self._judge_new(scope, rows, made)
        for verdict in verdicts.values():
            events.extend(verdict.events)
        one_statement = bool(events) and not self.p.db.is_sqlite  # its conversation lock comes with events
        store = self._store_in_one_statement if one_statement else self._store_in_transaction
        message_id = await store(message | {"tool_calls": made_calls}, rows, events)
        for row in rows:
            row["message_id"] = message_id
        self.engine.log.bell.ring(cid)
        if self._messages is not None:
            self._messages.append(ChatMessage(id=message_id, **message, tool_calls=made_calls))
        if rows:
            # The next step needs no read of the calls: these are the rows just committed, and
            # nothing else moves a call this drive has just stored while it holds the lease.
            self._fresh_calls = [ChatToolCall(**row) for row in rows]
            self._to_send = {i: v.request for i, v in verdicts.items() if v.request is not None}

    async def _store_in_transaction(
        self, message: dict[str, Any], rows: list[dict[str, Any]], events: Sequence[Event]
    ) -> int:
        """The answer's message, its calls and events; the message's id."""
        async with self.p.db.transaction() as s:  # Core statements: no ORM session on the hot path
            message_id: int | None = await s.scalar(INSERT_ANSWER_MESSAGE, message)
            assert message_id is not None
            if rows:
                await s.execute(INSERT_CALLS, [row | {"message_id": message_id} for row in rows])
            await self.engine.log.add_all_in(s, message["conversation_id"], events)
        return message_id

    async def _store_in_one_statement(
        self, message: dict[str, Any], rows: list[dict[str, Any]], events: Sequence[Event]
    ) -> int:
        """`_store_in_transaction` on PostgreSQL, as one statement (`answer_statement`)."""
        params = {"cid": message["conversation_id"], "answer_text": message["text"]}
        params |= {"answer_calls": message["tool_calls"], **self.engine.log.append_params(events)}
        params["now"] = message["created_at"]
        for i, row in enumerate(rows):
            params |= {f"c{i}_{name}": row[name] for name in CALL_COLUMNS}
        returned = await self.p.db.write_returning(answer_statement(len(rows)), params)
        message_id: int = returned[0][0]
        return message_id

    async def _judge_new(
        self, scope: Scope, rows: list[dict[str, Any]], made: Sequence[ToolCall]
    ) -> dict[str, Verdict]:
        """The verdict on each call just made, written into its row; past the per-turn bound a call
        is not made, and the model reads why."""
        bound = self.p.settings.chat_max_calls_per_turn
        room = max(bound - sum(1 for c in self._all_calls if c.run_id == scope.run.id), 0)
        for row in rows[room:]:
            row["state"], row["result_text"] = FAILED, OVER_BOUND_RESULT.format(n=bound)
        for row, call in zip(rows, made, strict=True):
            scope.arguments[row["id"]] = call.arguments
        steps = CallSteps(self.p, self.runs, scope)
        judged = await asyncio.gather(*(steps.judge(ChatToolCall(**row)) for row in rows[:room]))
        for row, verdict in zip(rows, judged, strict=False):
            row["state"] = verdict.to or PROPOSED
            row.update(verdict.values)
        return {row["id"]: verdict for row, verdict in zip(rows, judged, strict=False)}

    async def _keep_partial(self, after: Sequence[Event] = ()) -> None:
        """Text streamed before a stop or an error stays in the conversation, as the page showed it."""
        partial, self.partial = self.partial, None
        if self.scope is None:
            return
        if partial is not None and partial.text:
            await self._store_answer(self.scope, partial, (), finish=False, after=after)
        else:
            for type_, data in after:
                await self._emit(type_, data)

    # --- endings -----------------------------------------------------------------------------

    async def _finish(self, outcome: str, events: Sequence[Event] = ()) -> None:
        run = await self.runs.get(self.run_id)
        if run is not None:
            state = outcome if outcome in ("done", "stopped") else "failed"
            await self.runs.finish(run.id, run.conversation_id, state, outcome, events=events)

    async def _stopped(self) -> None:
        """Stop: nothing more is sent; a call cut off while sending may or may not have happened."""
        await self._keep_partial()
        for call in await self.runs.calls(self.run_id):
            if call.state == SENDING:
                stopped = (ev.STATUS, {"call_id": call.id, "domain": call.domain,
                                       "text": f"Stopped talking to {call.domain}"})  # fmt: skip
                text = STOPPED_DURING.format(domain=call.domain)
                await self.runs.move(call, (SENDING,), UNKNOWN, result_text=text, events=[stopped])
            elif call.state not in SETTLED:
                to = DECLINED if call.state == AWAITING_APPROVAL else FAILED
                await self.runs.move(call, (call.state,), to, result_text=STOPPED_BEFORE)
        await self._finish("stopped")

    async def stop_paused(self) -> None:
        """Stop a paused turn this process has just taken: its waiting calls end unsent."""
        self.scope = await self._load(for_steps=False)
        await self._stopped()


def _call_row(scope: Scope, now: datetime, position: int, made: ToolCall) -> dict[str, Any]:
    """A ``proposed`` row for one call the model made, as the values of an INSERT (its message's id
    is set once the message is stored)."""
    entry = scope.toolbox.entry(made.name)
    return {
        "id": new_id("call"), "run_id": scope.run.id, "conversation_id": scope.conversation.id,
        "message_id": None, "position": position, "model_call_id": made.id, "tool_name": made.name,
        "state": PROPOSED, "arguments": _shown(made.arguments), "result_text": None, "consent": None,
        "created_at": now, "updated_at": now, "action_id": entry.row.id if entry else None,
        "operation_id": entry.tool.original_name if entry else None,
        "domain": entry.domain if entry else None,
        "method": entry.operation.method.upper() if entry else None,
    }  # fmt: skip


def choose_model(registry: ModelRegistry, wanted: str | None, *, needs_tools: bool) -> str | None:
    """The GPT's model if the registry has it (and it can call tools when the GPT has actions), else
    the first model that fits; None when none does."""
    offered = offerable_models(registry, needs_tools=needs_tools)
    ids = [m.id for m in offered]
    if wanted in ids:
        return wanted
    return ids[0] if ids else None


def _shown(arguments: str) -> str:
    """The model's arguments as the page may show them: parsed and redacted, or the text as sent."""
    try:
        return redacted_json(json.loads(arguments or "{}"))
    except ValueError:
        return arguments
