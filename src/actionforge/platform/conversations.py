"""Who may open which conversation, and what a conversation runs (product rules, free of HTTP).

* Preview (``preview=True``) runs the GPT's draft, with the draft's credentials: only those who may
  edit the GPT may open one.
* Otherwise the conversation runs the published GPT (its newest published snapshot at each turn),
  for anyone its visibility admits (`connections.shared_with`: link and public, any signed-in user;
  workspace, its members; private, its editors).
* A conversation belongs to the user who opened it: anyone else, however privileged, gets
  NotFound, as for anything outside their reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from actionforge.platform.access import editable_gpt
from actionforge.platform.connections import shared_with
from actionforge.platform.context import Platform
from actionforge.platform.errors import NotFound
from actionforge.store import Database
from actionforge.store.pages import Page, page
from actionforge.store.rows import entity
from actionforge.store.tables import Action, Gpt, GptVersion, User, Workspace
from actionforge.store.tables_chat import ChatRun, Conversation
from actionforge.store.types import new_id

NO_GPT = "No such GPT."
NO_CONVERSATION = "No such conversation."
NOT_PUBLISHED = "This GPT is not published yet: open it in Preview."


@dataclass(frozen=True)
class Configuration:
    """What a turn runs: the GPT's name, instructions and model, and its action rows (draft or
    published), read in one transaction."""

    workspace: Workspace
    gpt: Gpt
    version: int  # 0: the draft
    name: str
    instructions: str
    model: str | None
    actions: tuple[Action, ...]

    @property
    def mode(self) -> str:
        return "draft" if self.version == 0 else "published"


async def gpt_for(s: AsyncSession, user: User, gpt_id: str, *, preview: bool) -> Gpt:
    """The GPT ``user`` may chat with in this mode, or NotFound."""
    if preview:
        gpt, _ = await editable_gpt(s, user, gpt_id)
        return gpt
    gpt_row = await s.get(Gpt, gpt_id)
    if gpt_row is None or not await shared_with(s, user, gpt_row):
        raise NotFound(NO_GPT)
    if gpt_row.published_version is None:
        raise NotFound(NOT_PUBLISHED)
    return gpt_row


async def own_conversation(s: AsyncSession, user: User, conversation_id: str) -> Conversation:
    found = await s.get(Conversation, conversation_id)
    if found is None or found.user_id != user.id:
        raise NotFound(NO_CONVERSATION)
    return found


async def own_conversation_read(db: Database, user: User, conversation_id: str) -> Conversation:
    """`own_conversation` as a Core read (each message sent starts with it)."""
    row = await db.first(_CONVERSATION, {"id": conversation_id})
    if row is None or row.user_id != user.id:
        raise NotFound(NO_CONVERSATION)
    return entity(Conversation, row)


@dataclass(frozen=True)
class RunContext:
    """What a turn's drive starts from: its run, conversation, user and configuration."""

    run: ChatRun
    conversation: Conversation
    user: User
    config: Configuration


_RUNS, _CONVERSATIONS, _USERS, _GPTS, _WORKSPACES, _VERSIONS, _ACTIONS = (
    cast(Table, t.__table__) for t in (ChatRun, Conversation, User, Gpt, Workspace, GptVersion, Action)
)
# One Core statement for the run and everything its configuration needs but the action rows
# (each turn reads it: seven ORM statements cost a tenth of a turn's CPU).
_RUN_CONTEXT = (
    select(_RUNS, _CONVERSATIONS, _USERS, _GPTS, _WORKSPACES, _VERSIONS.c.config.label("snapshot"))
    .join(_CONVERSATIONS, _CONVERSATIONS.c.id == _RUNS.c.conversation_id)
    .join(_USERS, _USERS.c.id == _CONVERSATIONS.c.user_id)
    .outerjoin(_GPTS, _GPTS.c.id == _CONVERSATIONS.c.gpt_id)
    .outerjoin(_WORKSPACES, _WORKSPACES.c.id == _GPTS.c.workspace_id)
    .outerjoin(
        _VERSIONS, (_VERSIONS.c.gpt_id == _GPTS.c.id) & (_VERSIONS.c.version == _GPTS.c.published_version)
    )
    .where(_RUNS.c.id == bindparam("run_id"))
)
_CONVERSATION = select(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("id"))
_ACTIONS_OF = (
    select(_ACTIONS)
    .where(_ACTIONS.c.gpt_id == bindparam("gpt_id"), _ACTIONS.c.version == bindparam("version"))
    .order_by(_ACTIONS.c.id)
)


async def run_context(db: Database, run_id: str) -> RunContext | None:
    """The run with what it runs now (the draft, or the newest published configuration); None
    when the run, its conversation or its user is gone, NotFound when the GPT is gone or no longer
    published."""
    row = await db.first(_RUN_CONTEXT, {"run_id": run_id})
    if row is None:
        return None
    conversation = entity(Conversation, row)
    if row._mapping[_GPTS.c.id] is None or row._mapping[_WORKSPACES.c.id] is None:
        raise NotFound(NO_GPT)
    gpt, workspace = entity(Gpt, row), entity(Workspace, row)
    if conversation.preview:
        version, name, instructions, model = 0, gpt.name, gpt.instructions, gpt.model
    else:
        if gpt.published_version is None:
            raise NotFound(NOT_PUBLISHED)
        config = row.snapshot or {}
        version = gpt.published_version
        name = str(config.get("name", gpt.name))
        instructions = str(config.get("instructions", ""))
        model = config.get("model")
    found = await db.rows(_ACTIONS_OF, {"gpt_id": gpt.id, "version": version})
    actions = tuple(entity(Action, r) for r in found)
    config = Configuration(workspace, gpt, version, name, instructions, model, actions)
    return RunContext(entity(ChatRun, row), conversation, entity(User, row), config)


class Conversations:
    def __init__(self, platform: Platform) -> None:
        self.p = platform

    async def open(self, user: User, gpt_id: str, *, preview: bool) -> Conversation:
        now = self.p.clock()
        async with self.p.db.session() as s:
            gpt = await gpt_for(s, user, gpt_id, preview=preview)
            row = Conversation(
                id=new_id("conv"), user_id=user.id, gpt_id=gpt.id, preview=preview, title="",
                created_at=now, updated_at=now,
            )  # fmt: skip
            s.add(row)
            return row

    async def list(
        self, user: User, gpt_id: str, *, preview: bool, after: str | None, limit: int
    ) -> Page[Conversation]:
        async with self.p.db.session() as s:
            await gpt_for(
                s, user, gpt_id, preview=preview
            )  # a GPT out of reach is NotFound, not an empty list
            query = select(Conversation).where(
                Conversation.user_id == user.id,
                Conversation.gpt_id == gpt_id,
                Conversation.preview == preview,
            )
            return await page(s, query, Conversation.id, after=after, limit=limit)

    async def get(self, user: User, conversation_id: str) -> Conversation:
        async with self.p.db.session() as s:
            return await own_conversation(s, user, conversation_id)

    async def delete(self, user: User, conversation_id: str) -> None:
        async with self.p.db.session() as s:
            await s.delete(await own_conversation(s, user, conversation_id))
