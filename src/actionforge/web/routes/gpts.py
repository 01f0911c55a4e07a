"""/api/workspaces/{id}/gpts and /api/gpts/{id}: GPTs, their draft, publishing and versions."""

from __future__ import annotations

from fastapi import Request, Response, status

from actionforge.platform.gpts import GptView
from actionforge.web.answers import model_answer
from actionforge.web.deps import Caller, Paging, ServicesDep, services_of
from actionforge.web.lean_route import LeanRoute
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import GptIn, GptOut, PageOf, PublishIn, VersionOut

router = ScreeningRouter(prefix="/api", tags=["gpts"])


def gpt_out(view: GptView) -> GptOut:
    fields = {name: getattr(view.gpt, name) for name in GptOut.model_fields if name != "action_count"}
    return GptOut.model_validate({**fields, "action_count": view.action_count})


@router.get("/workspaces/{workspace_id}/gpts")
async def list_gpts(workspace_id: str, caller: Caller, paging: Paging, svc: ServicesDep) -> PageOf[GptOut]:
    found = await svc.gpts.in_workspace(caller.user, workspace_id, after=paging.cursor, limit=paging.limit)
    return PageOf[GptOut](items=[gpt_out(v) for v in found.items], next_cursor=found.next_cursor)


@router.post("/workspaces/{workspace_id}/gpts", status_code=status.HTTP_201_CREATED)
async def create_gpt(workspace_id: str, body: GptIn, caller: Caller, svc: ServicesDep) -> GptOut:
    values = body.model_dump(exclude_unset=True, exclude_none=True)
    return gpt_out(await svc.gpts.create(caller.user, workspace_id, values))


async def get_gpt(gpt_id: str, caller: Caller, request: Request) -> Response:
    """A GPT's draft: the editor's and the API's most frequent read."""
    return model_answer(gpt_out(await services_of(request).gpts.get(caller.user, gpt_id)))


router.add_api_route(  # its requests skip FastAPI's solving (`LeanRoute`)
    "/gpts/{gpt_id}", get_gpt, methods=["GET"], response_model=GptOut, route_class_override=LeanRoute
)


@router.patch("/gpts/{gpt_id}")
async def update_gpt(gpt_id: str, body: GptIn, caller: Caller, svc: ServicesDep) -> GptOut:
    changes = body.model_dump(exclude_unset=True)
    for required in ("name", "description", "instructions", "conversation_starters", "apps"):
        if changes.get(required, "") is None:  # null clears only the optional fields
            changes.pop(required)
    return gpt_out(await svc.gpts.update(caller.user, gpt_id, changes))


@router.delete("/gpts/{gpt_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_gpt(gpt_id: str, caller: Caller, svc: ServicesDep) -> None:
    await svc.gpts.delete(caller.user, gpt_id)


@router.post("/gpts/{gpt_id}/publish", status_code=status.HTTP_201_CREATED)
async def publish_gpt(gpt_id: str, body: PublishIn, caller: Caller, svc: ServicesDep) -> VersionOut:
    return VersionOut.model_validate(await svc.gpts.publish(caller.user, gpt_id, body.visibility))


@router.get("/gpts/{gpt_id}/versions")
async def list_versions(gpt_id: str, caller: Caller, paging: Paging, svc: ServicesDep) -> PageOf[VersionOut]:
    found = await svc.gpts.versions(caller.user, gpt_id, after=paging.cursor, limit=paging.limit)
    return PageOf[VersionOut](
        items=[VersionOut.model_validate(v) for v in found.items], next_cursor=found.next_cursor
    )
