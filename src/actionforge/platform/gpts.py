"""GPTs: fields and their limits, draft and published versions, visibility and the publish rules (§5, §6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actionforge.platform.access import (
    ROLES,
    editable_gpt,
    editable_gpt_read,
    role_in,
    workspace_for,
)
from actionforge.platform.context import Platform
from actionforge.platform.errors import Forbidden, Invalid, Problem
from actionforge.platform.model_catalog import ModelCatalog
from actionforge.platform.model_entries import Catalog
from actionforge.platform.settings import VISIBILITIES, ServerSettings
from actionforge.platform.workspaces import domain_policy
from actionforge.store.pages import Page, page
from actionforge.store.sealing import seal, unseal
from actionforge.store.tables import Action, Gpt, GptVersion, User, Workspace
from actionforge.store.types import new_id

APPS_OR_ACTIONS = "A GPT can use either apps or actions, but not both at the same time."
PRIVACY_URLS = "Public actions require valid privacy policy URLs"
CATEGORY_NEEDED = "Public GPTs must have a category"
SECRET_COLUMNS = ("api_key_sealed", "client_id_sealed", "client_secret_sealed")
COPIED_COLUMNS = ("domain", "schema_text", "base_url", "source_url", "privacy_policy_url", "auth_type")
CONFIG_FIELDS = ("name", "description", "instructions", "conversation_starters", "model", "category", "apps")


@dataclass(frozen=True)
class GptView:
    gpt: Gpt
    action_count: int


def check_fields(values: dict[str, Any], settings: ServerSettings) -> None:
    """The original's GPT field limits and messages (§2.4 #20), each limit a setting."""
    problems = list(_field_problems(values, settings))
    if problems:
        raise Invalid(problems[0].message, tuple(problems))


def _field_problems(values: dict[str, Any], settings: ServerSettings) -> list[Problem]:
    found = []
    limits = {
        "name": (settings.gpt_name_max_chars, "GPT name too long"),
        "description": (settings.gpt_description_max_chars, "GPT description too long"),
        "instructions": (settings.gpt_instructions_max_chars, "GPT instructions too long"),
    }
    for name, (limit, message) in limits.items():
        if name in values and len(values[name]) > limit:
            found.append(Problem(f"/{name}", f"{message} (at most {limit} characters)"))
    if "name" in values and not values["name"].strip():
        found.append(Problem("/name", "GPT name cannot be empty"))
    starters = values.get("conversation_starters", [])
    if len(starters) > settings.gpt_max_conversation_starters:
        found.append(
            Problem("/conversation_starters", f"At most {settings.gpt_max_conversation_starters} starters")
        )
    limit = settings.conversation_starter_max_chars
    found += [
        Problem(
            f"/conversation_starters/{i}", f"At most {settings.conversation_starter_max_chars} characters"
        )
        for i, text in enumerate(starters)
        if len(text) > limit
    ]
    category = values.get("category")
    if category is not None and category not in settings.categories:
        found.append(Problem("/category", f"Choose one of: {', '.join(settings.categories)}"))
    return found


def check_model(catalog: Catalog, ref: str, *, tools_for: str | None) -> None:
    """A recommended model must be one the workspace offers and, for a GPT with actions or apps
    (``tools_for`` names which), one that can call tools: the model picker's rule, enforced."""
    model = catalog.usable().model(ref)
    if model is None:
        offered = ", ".join(m.ref for m in catalog.usable().models) or "none yet"
        raise Invalid.at(
            "/model", f"No model '{ref}' is configured for this workspace (configured: {offered})"
        )
    if tools_for and not model.supports_tools:
        raise Invalid.at("/model", tool_model_needed(ref, tools_for))


def tool_model_needed(ref: str, tools_for: str) -> str:
    return f"'{ref}' cannot call tools, which this GPT's {tools_for} need: choose a model with tool calling"


def valid_privacy_url(url: str | None) -> bool:
    """What the original's ``new URL()`` check accepts, narrowed to web URLs."""
    if not url:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class Gpts:
    def __init__(self, platform: Platform) -> None:
        self.p = platform

    async def create(self, user: User, workspace_id: str, values: dict[str, Any]) -> GptView:
        async with self.p.db.session() as s:
            workspace = await workspace_for(s, user, workspace_id)
            if workspace.gpt_creators == "admins" and ROLES.index(await role_in(s, user, workspace_id)) < 1:
                raise Forbidden("Only workspace admins can create GPTs here.")
            check_fields({"name": "", **values}, self.p.settings)
            self._check_apps(workspace, values.get("apps", []), action_count=0)
            if values.get("model"):
                catalog = await ModelCatalog(self.p).catalog_in(s, workspace.id)
                check_model(catalog, values["model"], tools_for="apps" if values.get("apps") else None)
            now = self.p.clock()
            gpt = Gpt(
                id=new_id("gpt"),
                workspace_id=workspace.id,
                owner_id=user.id,
                created_at=now,
                updated_at=now,
                visibility="private",
                **{"description": "", "instructions": "", "conversation_starters": [], "apps": [], **values},
            )
            s.add(gpt)
            return GptView(gpt, 0)

    async def in_workspace(
        self, user: User, workspace_id: str, *, after: str | None, limit: int
    ) -> Page[GptView]:
        """The GPTs this user may edit in the workspace: their own, or all for admins and owners."""
        async with self.p.db.session() as s:
            await workspace_for(s, user, workspace_id)
            query = select(Gpt).where(Gpt.workspace_id == workspace_id)
            if ROLES.index(await role_in(s, user, workspace_id)) < ROLES.index("admin"):
                query = query.where(Gpt.owner_id == user.id)
            found = await page(s, query, Gpt.id, after=after, limit=limit)
            counts = await _action_counts(s, [g.id for g in found.items])
            return Page([GptView(g, counts.get(g.id, 0)) for g in found.items], found.next_cursor)

    async def get(self, user: User, gpt_id: str) -> GptView:
        return GptView(*await editable_gpt_read(self.p.db, self.p.access_rows, user, gpt_id))

    async def update(self, user: User, gpt_id: str, changes: dict[str, Any]) -> GptView:
        async with self.p.db.session() as s:
            gpt, workspace = await editable_gpt(s, user, gpt_id)
            check_fields(changes, self.p.settings)
            count = await _action_count(s, gpt.id)
            if "apps" in changes:
                self._check_apps(workspace, changes["apps"], action_count=count)
            model, apps = changes.get("model", gpt.model), changes.get("apps", gpt.apps)
            if model and ("model" in changes or "apps" in changes):
                catalog = await ModelCatalog(self.p).catalog_in(s, workspace.id)
                check_model(catalog, model, tools_for="actions" if count else "apps" if apps else None)
            for name, value in changes.items():
                setattr(gpt, name, value)
            gpt.updated_at = self.p.clock()
            return GptView(gpt, count)

    async def delete(self, user: User, gpt_id: str) -> None:
        async with self.p.db.session() as s:
            gpt, _ = await editable_gpt(s, user, gpt_id)
            await s.delete(gpt)

    def _check_apps(self, workspace: Workspace, apps: list[str], *, action_count: int) -> None:
        if apps and not workspace.apps_allowed:
            raise Forbidden("Apps are disabled for your workspace.")
        if apps and action_count and self.p.settings.apps_and_actions_exclusive:
            raise Invalid.at("/apps", APPS_OR_ACTIONS)

    # --- publishing -------------------------------------------------------------------------

    async def publish(self, user: User, gpt_id: str, visibility: str) -> GptVersion:
        """Snapshot the draft as the next version, after the original's publish rules."""
        async with self.p.db.session() as s:
            gpt, workspace = await editable_gpt(s, user, gpt_id)
            drafts = list(await s.scalars(select(Action).where(Action.gpt_id == gpt.id, Action.version == 0)))
            _check_publish(gpt, workspace, drafts, visibility, self.p.settings)
            number = (gpt.published_version or 0) + 1
            config = {name: getattr(gpt, name) for name in CONFIG_FIELDS}
            now = self.p.clock()
            version = GptVersion(
                gpt_id=gpt.id, version=number, config=config, visibility=visibility, published_by=user.id,
                published_at=now,
            )  # fmt: skip
            s.add(version)
            s.add_all(self._copy(action, number) for action in drafts)
            gpt.published_version, gpt.visibility, gpt.updated_at = number, visibility, now
            return version

    def _copy(self, draft: Action, version: int) -> Action:
        """The draft action as a row of ``version``; secrets re-sealed to the new row."""
        now = self.p.clock()
        copy = Action(id=new_id("act"), gpt_id=draft.gpt_id, version=version, created_at=now, updated_at=now)
        for column in COPIED_COLUMNS:
            setattr(copy, column, getattr(draft, column))
        copy.auth_config = dict(draft.auth_config)
        for column in SECRET_COLUMNS:
            token = getattr(draft, column)
            if token is not None:
                plain = unseal(self.p.box, token, table="actions", row_id=draft.id, column=column)
                setattr(copy, column, seal(self.p.box, plain, table="actions", row_id=copy.id, column=column))
        return copy

    async def versions(self, user: User, gpt_id: str, *, after: str | None, limit: int) -> Page[GptVersion]:
        """Published versions, oldest first; the cursor is the last version number seen."""
        async with self.p.db.session() as s:
            gpt, _ = await editable_gpt(s, user, gpt_id)
            query = select(GptVersion).where(GptVersion.gpt_id == gpt.id)
            if after is not None:
                if not after.isdigit():
                    raise Invalid.at("/query/cursor", "Not a cursor this list gave out")
                query = query.where(GptVersion.version > int(after))
            rows = list(await s.scalars(query.order_by(GptVersion.version).limit(limit + 1)))
            more = len(rows) > limit
            return Page(rows[:limit], str(rows[limit - 1].version) if more else None)


def _check_publish(
    gpt: Gpt, workspace: Workspace, actions: list[Action], visibility: str, settings: ServerSettings
) -> None:
    problems = _field_problems(
        {n: getattr(gpt, n) for n in ("name", "description", "instructions")}, settings
    )
    if VISIBILITIES.index(visibility) > VISIBILITIES.index(workspace.max_visibility):
        raise Forbidden(f"Your workspace allows sharing up to '{workspace.max_visibility}'.")
    if visibility in ("link", "public"):
        problems += [
            Problem(f"/actions/{a.id}/privacy_policy_url", PRIVACY_URLS)
            for a in actions
            if not valid_privacy_url(a.privacy_policy_url)
        ]
    if visibility == "public" and not gpt.category:
        problems.append(Problem("/category", CATEGORY_NEEDED))
    policy = domain_policy(workspace)
    for action in actions:
        if action.domain is None:
            problems.append(
                Problem(f"/actions/{action.id}", "Invalid action: fix its schema before publishing")
            )
        elif not policy.allows(action.domain):
            problems.append(
                Problem(f"/actions/{action.id}", f"{action.domain} is not allowed by your workspace")
            )
    if problems:
        raise Invalid(problems[0].message, tuple(problems))


async def _action_counts(s: AsyncSession, gpt_ids: list[str]) -> dict[str, int]:
    """The draft action count of each GPT of a page, in one query (not one per GPT)."""
    query = (
        select(Action.gpt_id, func.count())
        .where(Action.gpt_id.in_(gpt_ids), Action.version == 0)
        .group_by(Action.gpt_id)
    )
    return {gpt_id: int(count) for gpt_id, count in await s.execute(query)}


async def _action_count(s: AsyncSession, gpt_id: str) -> int:
    query = select(func.count()).select_from(Action).where(Action.gpt_id == gpt_id, Action.version == 0)
    return int(await s.scalar(query) or 0)
