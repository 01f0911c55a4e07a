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

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actionforge.platform.access import editable_gpt
from actionforge.platform.connections import shared_with
from actionforge.platform.context import Platform
from actionforge.platform.errors import NotFound
from actionforge.store.pages import Page, page
from actionforge.store.tables import Action, Gpt, GptVersion, User, Workspace
from actionforge.store.tables_chat import Conversation
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


async def configuration(s: AsyncSession, conversation: Conversation) -> Configuration:
    """The configuration a turn of ``conversation`` runs now: the draft, or the newest published one."""
    gpt = await s.get(Gpt, conversation.gpt_id)
    workspace = await s.get(Workspace, gpt.workspace_id) if gpt is not None else None
    if gpt is None or workspace is None:
        raise NotFound(NO_GPT)
    if conversation.preview:
        version, name, instructions, model = 0, gpt.name, gpt.instructions, gpt.model
    else:
        if gpt.published_version is None:
            raise NotFound(NOT_PUBLISHED)
        snapshot = await s.get(GptVersion, (gpt.id, gpt.published_version))
        config = snapshot.config if snapshot is not None else {}
        version = gpt.published_version
        name = str(config.get("name", gpt.name))
        instructions = str(config.get("instructions", ""))
        model = config.get("model")
    query = select(Action).where(Action.gpt_id == gpt.id, Action.version == version).order_by(Action.id)
    actions = tuple(await s.scalars(query))
    return Configuration(workspace, gpt, version, name, instructions, model, actions)


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
