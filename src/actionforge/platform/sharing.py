"""Who may open a published GPT, the instance's public directory, and a published GPT's public view.

A GPT's visibility is set when it is published (§5): "only me" (``private``: its owner, and the
workspace admins who may edit it anyway), anyone with the link (``link``: any signed-in user of this
instance), the workspace (``workspace``: its members), or the public directory (``public``: any
signed-in user, and listed). The workspace's widest sharing level caps it at every check, so
narrowing that setting later takes effect at once, for GPTs already shared wider.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actionforge.platform.access import ROLES
from actionforge.platform.context import Platform
from actionforge.platform.errors import NotFound
from actionforge.platform.settings import VISIBILITIES
from actionforge.store.pages import Page
from actionforge.store.tables import Action, Gpt, GptVersion, Membership, User, Workspace

NO_GPT = "No such GPT."


def effective_visibility(gpt: Gpt, workspace: Workspace) -> str:
    """The GPT's visibility, narrowed to what its workspace allows now."""
    return min(gpt.visibility, workspace.max_visibility, key=VISIBILITIES.index)


async def visibility_admits(
    s: AsyncSession, user: User, gpt: Gpt, workspace: Workspace | None = None
) -> bool:
    """Whether ``user`` is among those the GPT's (effective) visibility names, published or not."""
    workspace = workspace or await s.get(Workspace, gpt.workspace_id)
    if workspace is None:
        return False
    visibility = effective_visibility(gpt, workspace)
    if visibility in ("link", "public"):
        return True
    role = await s.scalar(
        select(Membership.role).where(
            Membership.workspace_id == gpt.workspace_id, Membership.user_id == user.id
        )
    )
    if role is None:
        return False
    return visibility == "workspace" or gpt.owner_id == user.id or ROLES.index(role) >= ROLES.index("admin")


async def can_use_published(
    s: AsyncSession, user: User, gpt: Gpt, workspace: Workspace | None = None
) -> bool:
    """Whether ``user`` may open the published GPT (chat with it, read its public view)."""
    return gpt.published_version is not None and await visibility_admits(s, user, gpt, workspace)


async def published_gpt(s: AsyncSession, user: User, gpt_id: str) -> Gpt:
    """The GPT, if it is published and ``user`` may open it; NotFound otherwise (never Forbidden,
    so ids cannot be probed)."""
    gpt = await s.get(Gpt, gpt_id)
    if gpt is None or not await can_use_published(s, user, gpt):
        raise NotFound(NO_GPT)
    return gpt


@dataclass(frozen=True)
class PublishedAction:
    id: str  # the published copy's id, as connected accounts name it
    auth_type: str  # none | api_key | oauth: which kind of sign-in a user may need (no settings)
    domain: str | None
    privacy_policy_url: str | None


@dataclass(frozen=True)
class PublishedView:
    """What anyone who may open a published GPT sees of it: never instructions, schemas or auth."""

    gpt_id: str
    version: int
    visibility: str
    name: str
    description: str
    conversation_starters: list[str]
    category: str | None
    published_at: datetime
    actions: list[PublishedAction]


class Sharing:
    def __init__(self, platform: Platform) -> None:
        self.p = platform

    async def published(self, user: User, gpt_id: str) -> PublishedView:
        async with self.p.db.session() as s:
            gpt = await published_gpt(s, user, gpt_id)
            assert gpt.published_version is not None
            version = await s.get(GptVersion, (gpt.id, gpt.published_version))
            if version is None:
                raise NotFound(NO_GPT)
            query = select(Action).where(Action.gpt_id == gpt.id, Action.version == version.version)
            actions = [
                PublishedAction(a.id, a.auth_type, a.domain, a.privacy_policy_url)
                for a in await s.scalars(query.order_by(Action.id))
            ]
            workspace = await s.get(Workspace, gpt.workspace_id)
            assert workspace is not None  # visibility_admits found it
            return _view(gpt, version, effective_visibility(gpt, workspace), actions)

    async def directory(self, *, category: str | None, after: str | None, limit: int) -> Page[PublishedView]:
        """The instance's public directory: published GPTs whose effective visibility is public,
        by id. Any signed-in user may read it."""
        async with self.p.db.session() as s:
            query = (
                select(Gpt, GptVersion)
                .join(Workspace, Workspace.id == Gpt.workspace_id)
                .join(
                    GptVersion, (GptVersion.gpt_id == Gpt.id) & (GptVersion.version == Gpt.published_version)
                )
                .where(Gpt.visibility == "public", Workspace.max_visibility == "public")
            )
            if category is not None:
                query = query.where(Gpt.category == category)
            if after is not None:
                query = query.where(Gpt.id > after)
            rows = list(await s.execute(query.order_by(Gpt.id).limit(limit + 1)))
            more = len(rows) > limit
            rows = rows[:limit]
            views = [_view(gpt, version, "public", []) for gpt, version in rows]
            return Page(views, rows[-1][0].id if more and rows else None)


def _view(gpt: Gpt, version: GptVersion, visibility: str, actions: list[PublishedAction]) -> PublishedView:
    """From the snapshot, not the draft: what was published is what is shown."""
    config = version.config
    return PublishedView(
        gpt.id, version.version, visibility, str(config.get("name", "")),
        str(config.get("description", "")), list(config.get("conversation_starters", [])),
        config.get("category"), version.published_at, actions,
    )  # fmt: skip
