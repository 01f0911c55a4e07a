"""/api/workspaces: the caller's workspaces, their settings and members."""

from __future__ import annotations

from fastapi import status

from actionforge.platform.workspaces import MemberView, WorkspaceView
from actionforge.web.deps import Caller, Paging, ServicesDep
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import (
    MemberIn,
    MemberOut,
    MemberRoleIn,
    PageOf,
    UserOut,
    WorkspaceOut,
    WorkspaceSettings,
    WorkspaceSettingsIn,
)

router = ScreeningRouter(prefix="/api/workspaces", tags=["workspaces"])


def workspace_out(view: WorkspaceView) -> WorkspaceOut:
    w = view.workspace
    return WorkspaceOut(id=w.id, name=w.name, role=view.role, settings=WorkspaceSettings.model_validate(w))


def member_out(view: MemberView) -> MemberOut:
    return MemberOut(user=UserOut.model_validate(view.user), role=view.role)


@router.get("")
async def list_workspaces(caller: Caller, paging: Paging, svc: ServicesDep) -> PageOf[WorkspaceOut]:
    found = await svc.workspaces.of_user(caller.user, after=paging.cursor, limit=paging.limit)
    return PageOf[WorkspaceOut](items=[workspace_out(v) for v in found.items], next_cursor=found.next_cursor)


@router.get("/{workspace_id}")
async def get_workspace(workspace_id: str, caller: Caller, svc: ServicesDep) -> WorkspaceOut:
    return workspace_out(await svc.workspaces.get(caller.user, workspace_id))


@router.patch("/{workspace_id}/settings")
async def update_settings(
    workspace_id: str, body: WorkspaceSettingsIn, caller: Caller, svc: ServicesDep
) -> WorkspaceOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return workspace_out(await svc.workspaces.update_settings(caller.user, workspace_id, changes))


@router.get("/{workspace_id}/members")
async def list_members(
    workspace_id: str, caller: Caller, paging: Paging, svc: ServicesDep
) -> PageOf[MemberOut]:
    found = await svc.workspaces.members(caller.user, workspace_id, after=paging.cursor, limit=paging.limit)
    return PageOf[MemberOut](items=[member_out(v) for v in found.items], next_cursor=found.next_cursor)


@router.post("/{workspace_id}/members", status_code=status.HTTP_201_CREATED)
async def add_member(workspace_id: str, body: MemberIn, caller: Caller, svc: ServicesDep) -> MemberOut:
    return member_out(await svc.workspaces.add_member(caller.user, workspace_id, body.email, body.role))


@router.patch("/{workspace_id}/members/{user_id}")
async def change_member_role(
    workspace_id: str, user_id: str, body: MemberRoleIn, caller: Caller, svc: ServicesDep
) -> MemberOut:
    return member_out(await svc.workspaces.change_role(caller.user, workspace_id, user_id, body.role))


@router.delete("/{workspace_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(workspace_id: str, user_id: str, caller: Caller, svc: ServicesDep) -> None:
    await svc.workspaces.remove_member(caller.user, workspace_id, user_id)
