"""Actions: one OpenAPI document + one auth setting + one privacy-policy URL per API domain (§9 #1–#4).

The schema is pasted text and goes to the engine as text (`actionforge.validate`), never as a path
or a URL. An action may be saved while its schema is invalid; it then has no domain and is listed as
"Invalid action" (or "Unknown domain" while the schema is still empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import actionforge
from actionforge.platform.access import editable_action, editable_gpt
from actionforge.platform.auth_config import apply_auth, auth_summary
from actionforge.platform.context import Platform
from actionforge.platform.errors import Conflict, Forbidden, Invalid
from actionforge.platform.gpts import APPS_OR_ACTIONS, tool_model_needed
from actionforge.platform.model_catalog import ModelCatalog
from actionforge.platform.workspaces import domain_policy
from actionforge.store.tables import Action, Gpt, User, Workspace
from actionforge.store.types import new_id

UNKNOWN_DOMAIN = "Unknown domain"
INVALID_ACTION = "Invalid action"
CUSTOM_ACTIONS_DISABLED = "Custom actions are disabled for your workspace. Contact your admin to enable them."
URL_FIELDS = ("privacy_policy_url", "source_url", "base_url")


@dataclass(frozen=True)
class ActionView:
    action: Action
    label: str  # the domain, "Unknown domain" or "Invalid action"
    validation: dict[str, Any]
    auth: dict[str, Any]
    callback_url: str | None
    blocked: str | None  # why the workspace's domain policy now refuses this action, if it does


class Actions:
    def __init__(self, platform: Platform) -> None:
        self.p = platform

    async def list(self, user: User, gpt_id: str) -> list[ActionView]:
        async with self.p.db.session() as s:
            gpt, workspace = await editable_gpt(s, user, gpt_id)
            return [self._view(a, workspace) for a in await _drafts(s, gpt.id)]

    async def get(self, user: User, gpt_id: str, action_id: str) -> ActionView:
        async with self.p.db.session() as s:
            _, workspace, action = await self._find(s, user, gpt_id, action_id)
            return self._view(action, workspace)

    async def add(self, user: User, gpt_id: str, values: dict[str, Any]) -> ActionView:
        async with self.p.db.session() as s:
            gpt, workspace = await editable_gpt(s, user, gpt_id)
            if not workspace.custom_actions_enabled:
                raise Forbidden(CUSTOM_ACTIONS_DISABLED)
            if gpt.apps and self.p.settings.apps_and_actions_exclusive:
                raise Invalid.at("", APPS_OR_ACTIONS)
            limit = self.p.settings.max_actions_per_gpt
            if await _count(s, gpt.id) >= limit:
                raise Invalid.at("", f"GPTs can have a maximum of {limit} actions")
            await self._check_tool_model(s, gpt)
            now = self.p.clock()
            action = Action(
                id=new_id("act"), gpt_id=gpt.id, version=0, schema_text="", auth_type="none", auth_config={},
                created_at=now, updated_at=now,
            )  # fmt: skip
            await self._apply(s, gpt, workspace, action, {"schema": "", **values})
            s.add(action)
            return self._view(action, workspace)

    async def update(self, user: User, gpt_id: str, action_id: str, changes: dict[str, Any]) -> ActionView:
        async with self.p.db.session() as s:
            gpt, workspace, action = await self._find(s, user, gpt_id, action_id)
            if not workspace.custom_actions_enabled:
                raise Forbidden(CUSTOM_ACTIONS_DISABLED)
            await self._apply(s, gpt, workspace, action, changes)
            action.updated_at = self.p.clock()
            return self._view(action, workspace)

    async def delete(self, user: User, gpt_id: str, action_id: str) -> None:
        async with self.p.db.session() as s:
            _, _, action = await self._find(s, user, gpt_id, action_id)
            await s.delete(action)

    # --- steps ------------------------------------------------------------------------------

    async def _check_tool_model(self, s: AsyncSession, gpt: Gpt) -> None:
        """A GPT whose recommended model cannot call tools gets no actions until that changes."""
        if not gpt.model:
            return
        model = (await ModelCatalog(self.p).catalog_in(s, gpt.workspace_id)).usable().model(gpt.model)
        if model is not None and not model.supports_tools:
            raise Invalid.at("", tool_model_needed(gpt.model, "actions"))

    async def _find(
        self, s: AsyncSession, user: User, gpt_id: str, action_id: str
    ) -> tuple[Gpt, Workspace, Action]:
        return await editable_action(s, user, gpt_id, action_id)

    async def _apply(
        self, s: AsyncSession, gpt: Gpt, workspace: Workspace, action: Action, changes: dict[str, Any]
    ) -> None:
        """Check every change against the rules, then write them all (or nothing)."""
        for name in URL_FIELDS:
            if name in changes:
                _check_url(changes[name], name, self.p.settings.max_url_chars)
        for name in URL_FIELDS:
            if name in changes:
                setattr(action, name, changes[name] or None)
        if "schema" in changes or "base_url" in changes:
            action.schema_text = changes.get("schema", action.schema_text)
            action.domain = await self._domain(s, gpt, workspace, action)
        if "auth" in changes:
            apply_auth(self.p.box, action, changes["auth"])

    async def _domain(self, s: AsyncSession, gpt: Gpt, workspace: Workspace, action: Action) -> str | None:
        """The schema's root domain, after the duplicate-domain and workspace-policy rules."""
        if not action.schema_text.strip():
            return None
        report = self._validate(action)
        domain = report.root_domain if report.success else None
        if domain is None:
            return None
        taken = await s.scalar(
            select(Action.id).where(
                Action.gpt_id == gpt.id, Action.version == 0, Action.domain == domain, Action.id != action.id
            )
        )
        if taken is not None:
            message = f"Action sets cannot have duplicate domains - {domain} already exists on another action"
            raise Conflict.at("/schema", message)
        try:
            domain_policy(workspace).check(domain)
        except actionforge.RequestBlocked as blocked:
            raise Invalid.at("/schema", blocked.reason) from None
        return domain

    def _validate(self, action: Action) -> actionforge.ValidationReport:
        """The pasted text, as text; ``base_url`` serves documents without an absolute server."""
        return _validated(action.schema_text, action.base_url, self.p.engine)

    def _view(self, action: Action, workspace: Workspace) -> ActionView:
        report = self._validate(action) if action.schema_text else None
        label = action.domain or (INVALID_ACTION if action.schema_text.strip() else UNKNOWN_DOMAIN)
        callback = (
            f"{self.p.settings.public_base_url}/aip/{action.auth_config['callback_id']}/oauth/callback"
            if action.auth_type == "oauth"
            else None
        )
        validation = (
            report.to_dict() if report is not None else {"success": False, "errors": [], "warnings": []}
        )
        return ActionView(
            action, label, validation, auth_summary(action), callback, _blocked(action, workspace)
        )


@lru_cache(maxsize=512)
def _validated(
    text: str, base_url: str | None, settings: actionforge.Settings
) -> actionforge.ValidationReport:
    """Validation is pure in its inputs, so views of an unchanged action reuse the report (a cache:
    losing it costs time, never correctness, so it may live in one process)."""
    return actionforge.validate(text, settings=settings, server_url=base_url)


def _check_url(value: str | None, name: str, max_chars: int) -> None:
    if value in (None, ""):
        return
    assert value is not None
    if len(value) > max_chars:
        raise Invalid.at(f"/{name}", f"At most {max_chars} characters")
    if not value.startswith(("https://", "http://")):
        raise Invalid.at(f"/{name}", "Enter an absolute http(s) URL")


async def _drafts(s: AsyncSession, gpt_id: str) -> list[Action]:
    query = select(Action).where(Action.gpt_id == gpt_id, Action.version == 0).order_by(Action.id)
    return list(await s.scalars(query))


async def _count(s: AsyncSession, gpt_id: str) -> int:
    query = select(func.count()).select_from(Action).where(Action.gpt_id == gpt_id, Action.version == 0)
    return int(await s.scalar(query) or 0)


def _blocked(action: Action, workspace: Workspace) -> str | None:
    """Flags an action whose domain a later policy change no longer allows (§4.1 #7)."""
    if action.domain is None:
        return None
    try:
        domain_policy(workspace).check(action.domain)
    except actionforge.RequestBlocked as blocked:
        return blocked.reason
    return None
