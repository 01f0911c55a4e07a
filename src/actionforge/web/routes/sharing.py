"""The public directory of this instance, and a published GPT's public view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Query
from pydantic import Field

from actionforge.platform.sharing import PublishedView, Sharing
from actionforge.web.deps import Caller, Paging, ServicesDep
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import PageOf, Response, Visibility

router = ScreeningRouter(prefix="/api", tags=["sharing"])


class PublishedActionOut(Response):
    id: str = Field(description="the published action's id (connected accounts' action_id)")
    auth_type: Literal["none", "api_key", "oauth"]
    domain: str | None
    privacy_policy_url: str | None


class PublishedGptOut(Response):
    id: str
    version: int
    visibility: Visibility = Field(description="as published, narrowed to what the workspace allows now")
    name: str
    description: str
    conversation_starters: list[str]
    category: str | None
    published_at: datetime
    actions: list[PublishedActionOut] = Field(description="id, auth type, domain, privacy policy")


def published_out(view: PublishedView) -> PublishedGptOut:
    return PublishedGptOut.model_validate({
        "id": view.gpt_id, "version": view.version, "visibility": view.visibility, "name": view.name,
        "description": view.description, "conversation_starters": view.conversation_starters,
        "category": view.category, "published_at": view.published_at,
        "actions": [PublishedActionOut.model_validate(a) for a in view.actions],
    })  # fmt: skip


@router.get("/directory")
async def directory(
    _caller: Caller,
    paging: Paging,
    svc: ServicesDep,
    category: Annotated[str | None, Query(max_length=100)] = None,
) -> PageOf[PublishedGptOut]:
    """GPTs published to this instance's public directory, for any signed-in user."""
    found = await Sharing(svc.platform).directory(category=category, after=paging.cursor, limit=paging.limit)
    return PageOf[PublishedGptOut](
        items=[published_out(v) for v in found.items], next_cursor=found.next_cursor
    )


@router.get("/gpts/{gpt_id}/published")
async def published(gpt_id: str, caller: Caller, svc: ServicesDep) -> PublishedGptOut:
    """The published GPT as its users see it, for anyone its visibility admits (404 otherwise)."""
    return published_out(await Sharing(svc.platform).published(caller.user, gpt_id))
