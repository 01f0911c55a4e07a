"""/api/gpts/{id}/actions: a GPT's draft actions."""

from __future__ import annotations

from typing import Any

from fastapi import status

from actionforge.platform.actions import ActionView
from actionforge.web.deps import Caller, ServicesDep
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import ActionIn, ActionOut, PageOf

router = ScreeningRouter(prefix="/api/gpts/{gpt_id}/actions", tags=["actions"])


def action_out(view: ActionView) -> ActionOut:
    a = view.action
    return ActionOut.model_validate({
        "id": a.id, "gpt_id": a.gpt_id, "domain": a.domain, "label": view.label, "schema": a.schema_text,
        "privacy_policy_url": a.privacy_policy_url, "source_url": a.source_url, "base_url": a.base_url,
        "auth": view.auth, "callback_url": view.callback_url, "validation": view.validation,
        "blocked": view.blocked,
    })  # fmt: skip


def _changes(body: ActionIn) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, by_alias=True)
    if "schema" in changes and changes["schema"] is None:
        changes["schema"] = ""
    if body.auth is not None:
        changes["auth"] = body.auth.model_dump(exclude_none=True)
    else:
        changes.pop("auth", None)
    return changes


@router.get("")
async def list_actions(gpt_id: str, caller: Caller, svc: ServicesDep) -> PageOf[ActionOut]:
    """At most the per-GPT action limit, so one page holds them all."""
    views = await svc.actions.list(caller.user, gpt_id)
    return PageOf[ActionOut](items=[action_out(v) for v in views], next_cursor=None)


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_action(gpt_id: str, body: ActionIn, caller: Caller, svc: ServicesDep) -> ActionOut:
    return action_out(await svc.actions.add(caller.user, gpt_id, _changes(body)))


@router.get("/{action_id}")
async def get_action(gpt_id: str, action_id: str, caller: Caller, svc: ServicesDep) -> ActionOut:
    return action_out(await svc.actions.get(caller.user, gpt_id, action_id))


@router.patch("/{action_id}")
async def update_action(
    gpt_id: str, action_id: str, body: ActionIn, caller: Caller, svc: ServicesDep
) -> ActionOut:
    return action_out(await svc.actions.update(caller.user, gpt_id, action_id, _changes(body)))


@router.delete("/{action_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_action(gpt_id: str, action_id: str, caller: Caller, svc: ServicesDep) -> None:
    await svc.actions.delete(caller.user, gpt_id, action_id)
