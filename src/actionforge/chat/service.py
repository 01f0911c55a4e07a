"""The chat layer's face: send a message, decide on a call, stop, resume after a sign-in, recover.

Where a turn runs: as a task in the process that received the message (or the decision, or the
OAuth callback), holding the run's lease, renewed while it runs. The page follows the event log
over SSE on whichever process it is connected to. A sweeper in every process expires unanswered
pauses and recovers runs whose process died (`recovery`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

from sqlalchemy import select

import actionforge
from actionforge.chat import events as ev
from actionforge.chat.bell import CHANNEL, Bell
from actionforge.chat.calls import APPROVED, DECLINED
from actionforge.chat.consent_memory import UserConsentMemory
from actionforge.chat.events import Event, EventLog
from actionforge.chat.recovery import Sweeper
from actionforge.chat.runs import ACTIVE, AWAITING_APPROVAL, AWAITING_SIGN_IN, PAUSED, Runs
from actionforge.chat.toolbox import ActionCache
from actionforge.chat.turn import Drive
from actionforge.consent import DECLINED_STATUS, DECLINED_TOOL_RESULT, ConsentError, apply_choice
from actionforge.models import ChatModel, ModelRegistry, bridged_client, open_model
from actionforge.platform.context import Platform
from actionforge.platform.conversations import own_conversation, own_conversation_read
from actionforge.platform.errors import Conflict, Invalid, NotFound
from actionforge.store.tables import Action, Gpt, User, Workspace
from actionforge.store.tables_chat import ChatRun, ChatToolCall, Conversation

RegistryFor = Callable[[str], Awaitable[ModelRegistry]]
DECISIONS = frozenset({"allow", "always_allow", "decline"})
ALREADY_DECIDED = "This call was already answered."
TEST_TEXT = "Call the {domain} API with the {operation} operation"


def process_owner() -> str:
    """This process's name on the leases it holds: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{os.urandom(4).hex()}"


class ChatService:
    def __init__(self, platform: Platform, registry_for: RegistryFor, *, owner: str | None = None) -> None:
        self.p = platform
        self.registry_for = registry_for  # workspace id -> its model registry
        self.bell = Bell()
        self.log = EventLog(platform, self.bell)
        if platform.db.notifications is not None:  # other processes' events, heard once the platform starts
            platform.db.notifications.subscribe(CHANNEL, self.bell.ring)
        self.runs = Runs(platform, self.log, owner or process_owner())
        self.actions = ActionCache(platform)
        # every provider request passes the egress guard: a provider URL is typed by an admin (SSRF)
        guard = actionforge.guarded_transport(settings=platform.settings.model_egress())
        self.model_http = bridged_client(guard)
        self.sweeper = Sweeper(self)
        self.closing = False
        self._tasks: dict[str, asyncio.Task[None]] = {}  # run id -> its drive in this process
        self._models: dict[Hashable, ChatModel] = {}
        self._sweeping: asyncio.Task[None] | None = None

    # --- lifetime ----------------------------------------------------------------------------

    async def start(self, *, sweep: bool = True) -> None:
        if sweep:
            self._sweeping = asyncio.create_task(self.sweeper.forever(), name="actionforge-chat-sweeper")

    async def close(self) -> None:
        self.closing = True
        for task in [self._sweeping, *self._tasks.values()]:
            if task is not None:
                task.cancel()
        for task in [self._sweeping, *self._tasks.values()]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self.actions.aclose()
        await self.model_http.aclose()

    def model(self, registry: ModelRegistry, model_id: str) -> ChatModel:
        """``model_id`` on this process's model client; a model (an SDK client) is made once per
        provider setting and kept, as its connections are."""
        info = registry.model(model_id)
        provider = registry.provider(info.provider)
        key = (
            info,
            provider.kind,
            provider.base_url,
            provider.timeout,
            hashlib.sha256(provider.api_key.reveal().encode()).hexdigest(),
        )
        found = self._models.get(key)
        if found is None:
            found = self._models[key] = open_model(registry, model_id, http_client=self.model_http)
        return found

    # --- turns -------------------------------------------------------------------------------

    def launch(self, run_id: str) -> None:
        """Drive ``run_id`` here, in the background; this process holds its lease."""
        task = asyncio.create_task(self._drive(run_id), name=f"actionforge-chat-{run_id}")
        self._tasks[run_id] = task
        task.add_done_callback(lambda done: self._forget(run_id, done))

    def _forget(self, run_id: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(run_id) is task:  # not a newer drive of the same run (resumed meanwhile)
            del self._tasks[run_id]

    async def _drive(self, run_id: str) -> None:
        drive = Drive(self, run_id)
        driving = asyncio.create_task(drive.drive())
        heartbeat = asyncio.create_task(self._heartbeat(run_id, drive, driving))
        try:
            await asyncio.shield(driving)
        except asyncio.CancelledError:
            driving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await driving
            if self.closing:
                raise
        finally:
            heartbeat.cancel()

    async def _heartbeat(self, run_id: str, drive: Drive, driving: asyncio.Task[None]) -> None:
        """Renew the lease while the drive runs. A stop asked on another process cancels the drive
        (which ends the turn as stopped); a lease lost to another process cancels it too, but then
        the drive leaves the run to its new owner."""
        every = self.p.settings.chat_lease_s / 3
        while not driving.done():
            await asyncio.sleep(every)
            stop = await self.runs.renew(run_id)
            if stop is None or stop:
                drive.lost = stop is None
                driving.cancel()
                return

    async def finished(self, run_id: str) -> None:
        """Wait until this process stops driving ``run_id`` (done, paused or handed over)."""
        while (task := self._tasks.get(run_id)) is not None and not task.done():
            await asyncio.wait([task])

    async def settled(self, conversation_id: str | None = None) -> None:
        """Wait until this process drives no turn (of ``conversation_id``, if given): for tests,
        the CLI and shutdown."""
        while True:
            tasks = [t for t in self._tasks.values() if not t.done()]
            if conversation_id is not None:
                runs = await self._run_ids(conversation_id)
                tasks = [t for run_id, t in self._tasks.items() if run_id in runs and not t.done()]
            if not tasks:
                return
            await asyncio.wait(tasks)

    async def _run_ids(self, conversation_id: str) -> set[str]:
        async with self.p.db.session() as s:
            query = select(ChatRun.id).where(ChatRun.conversation_id == conversation_id)
            return set(await s.scalars(query))

    async def send(self, user: User, conversation_id: str, text: str, test: dict[str, str] | None) -> str:
        """The user's message; the turn starts in the background. Conflict if one is running or paused."""
        operation = None
        if test is not None:
            conversation = await own_conversation_read(self.p.db, user, conversation_id)
            async with self.p.db.read() as s:
                text, operation = await _test_message(s, conversation, test)
        if not text.strip():
            raise Invalid.at("/text", "Write a message.")
        run = await self.runs.start(
            user.id, conversation_id, text, test=test is not None, test_operation=operation
        )
        self.launch(run.id)
        return run.id

    async def states(self, conversations: Sequence[Conversation]) -> dict[str, str]:
        """Each conversation's state for the page (idle, running, awaiting_*), in one query."""
        active = {c.active_run_id: c.id for c in conversations if c.active_run_id is not None}
        found = dict.fromkeys((c.id for c in conversations), "idle")
        if active:
            async with self.p.db.session() as s:
                query = select(ChatRun.id, ChatRun.state).where(
                    ChatRun.id.in_(active), ChatRun.state.in_(ACTIVE)
                )
                for run_id, state in await s.execute(query):
                    found[active[run_id]] = state
        return found

    async def decide(self, user: User, conversation_id: str, call_id: str, decision: str) -> str:
        """The user's answer to a consent card; the paused turn resumes here, exactly once."""
        call, conversation = await self._pending_call(user, conversation_id, call_id)
        approve = await self._apply(user, conversation, call, decision)
        values: dict[str, Any] = (
            {"consent": "always_allow" if decision == "always_allow" else "allowed_once"}
            if approve else {"result_text": DECLINED_TOOL_RESULT, "consent": "declined"}
        )  # fmt: skip
        events: list[Event] = [(ev.CONFIRM_RESOLVED, {"call_id": call.id, "decision": decision})]
        if not approve:
            events.append((ev.STATUS, {"call_id": call.id, "domain": call.domain, "text": DECLINED_STATUS}))
        to = APPROVED if approve else DECLINED
        if not await self.runs.move(call, (AWAITING_APPROVAL,), to, events=events, **values):
            raise Conflict(ALREADY_DECIDED)
        await self.resume(call.run_id)
        return call.state

    async def _pending_call(
        self, user: User, conversation_id: str, call_id: str
    ) -> tuple[ChatToolCall, Conversation]:
        async with self.p.db.session() as s:
            conversation = await own_conversation(s, user, conversation_id)
            call = await s.get(ChatToolCall, call_id)
        if call is None or call.conversation_id != conversation.id:
            raise NotFound("No such call in this conversation.")
        if call.state != AWAITING_APPROVAL:
            raise Conflict(ALREADY_DECIDED)
        return call, conversation

    async def _apply(self, user: User, conversation: Conversation, call: ChatToolCall, decision: str) -> bool:
        """The consent layer's rules for the button: "Always allow" is remembered (and refused for a
        consequential operation)."""
        if decision not in DECISIONS:
            raise Invalid.at("/decision", "Choose allow, always_allow or decline.")
        async with self.p.db.session() as s:
            action = await s.get(Action, call.action_id) if call.action_id else None
        if action is None:
            return decision != "decline"
        engine_action = self.actions.load(action, await self._workspace(action), ())
        operation = engine_action.tool(call.operation_id or call.tool_name).operation  # by operationId:
        # this action's tool names may carry a suffix in the GPT's toolbox (getItem_2)
        try:
            return await apply_choice(
                decision, operation, user_id=user.id, gpt_id=conversation.gpt_id,
                domain=action.domain or "", memory=UserConsentMemory(self.p, user),
            )  # fmt: skip
        except ConsentError as error:
            raise Invalid.at("/decision", str(error)) from None

    async def _workspace(self, action: Action) -> Workspace:
        async with self.p.db.session() as s:
            gpt = await s.get(Gpt, action.gpt_id)
            workspace = await s.get(Workspace, gpt.workspace_id) if gpt is not None else None
            assert workspace is not None  # foreign keys guarantee both
            return workspace

    async def resume(self, run_id: str) -> bool:
        """Take a paused run and drive it here; False if another decision or process took it first."""
        run = await self.runs.get(run_id)
        if run is None or run.state not in PAUSED or not await self.runs.claim(run, PAUSED):
            return False
        self.launch(run_id)
        return True

    async def signed_in(self, user: User) -> None:
        """After an OAuth callback: each of the user's turns paused for a sign-in resumes by itself
        (the drive resends the pending call if the user now has a token, or pauses again)."""
        async with self.p.db.session() as s:
            query = (
                select(ChatRun.id)
                .join(Conversation, Conversation.id == ChatRun.conversation_id)
                .where(Conversation.user_id == user.id, ChatRun.state == AWAITING_SIGN_IN)
            )
            run_ids = list(await s.scalars(query))
        for run_id in run_ids:
            await self.resume(run_id)

    async def stop(self, user: User, conversation_id: str) -> None:
        """Stop the turn: the model stream and any call in flight are cancelled, here or on the
        process that drives it (its heartbeat sees the flag); a paused turn ends at once."""
        async with self.p.db.session() as s:
            conversation = await own_conversation(s, user, conversation_id)
        if conversation.active_run_id is None:
            return
        run_id = conversation.active_run_id
        await self.runs.request_stop(run_id)
        task = self._tasks.get(run_id)
        if task is not None:
            task.cancel()
            return
        run = await self.runs.get(run_id)
        if run is not None and run.state in PAUSED and await self.runs.claim(run, PAUSED):
            await Drive(self, run_id).stop_paused()


async def _test_message(s: Any, conversation: Conversation, test: dict[str, str]) -> tuple[str, str]:
    """The Test button's message, "Call the {domain} API with the {operationId} operation"; Preview
    only, for an operation of one of the draft's actions."""
    if not conversation.preview:
        raise Invalid.at("/test", "Test runs in Preview only.")
    action = await s.get(Action, test["action_id"])
    if action is None or action.gpt_id != conversation.gpt_id or action.version != 0 or action.domain is None:
        raise Invalid.at("/test/action_id", "No such action in this GPT's draft.")
    try:  # the names only: nothing is called here
        names = actionforge.load_action(action.schema_text, server_url=action.base_url)
        operation = names.tool(test["operation_id"]).original_name
    except actionforge.SchemaError:
        raise Invalid.at("/test/action_id", "Fix the action's schema before testing it.") from None
    except actionforge.UnknownToolError as error:
        raise Invalid.at("/test/operation_id", str(error)) from None
    return TEST_TEXT.format(domain=action.domain, operation=operation), operation
