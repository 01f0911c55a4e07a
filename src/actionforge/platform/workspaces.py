"""Workspaces: membership, roles, and the settings that govern GPTs and actions (§4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import actionforge
from actionforge.platform.access import require, role_in, workspace_for
from actionforge.platform.context import Platform
from actionforge.platform.errors import Conflict, Invalid, NotFound
from actionforge.platform.settings import VISIBILITIES
from actionforge.store.pages import Page, page
from actionforge.store.tables import Membership, User, Workspace

# Only owners change which domains actions may reach (openai-actions.md §4.1 #4); admins the rest.
OWNER_ONLY = frozenset({"domain_policy", "allowed_domains"})


@dataclass(frozen=True)
class WorkspaceView:
    workspace: Workspace
    role: str


@dataclass(frozen=True)
class MemberView:
    user: User
    role: str


def domain_policy(workspace: Workspace) -> actionforge.DomainPolicy:
    """The engine's policy object for this workspace's settings."""
    if workspace.domain_policy == "all":
        return actionforge.DomainPolicy.allow_all()
    if workspace.domain_policy == "none":
        return actionforge.DomainPolicy.none()
    return actionforge.DomainPolicy.allow_list(workspace.allowed_domains)


class Workspaces:
    def __init__(self, platform: Platform) -> None:
        self.p = platform

    async def of_user(self, user: User, *, after: str | None, limit: int) -> Page[WorkspaceView]:
        async with self.p.db.session() as s:
            query = select(Workspace).join(Membership).where(Membership.user_id == user.id)
            found = await page(s, query, Workspace.id, after=after, limit=limit)
            views = [WorkspaceView(w, await role_in(s, user, w.id)) for w in found.items]
            return Page(views, found.next_cursor)

    async def get(self, user: User, workspace_id: str) -> WorkspaceView:
        async with self.p.db.session() as s:
            workspace = await workspace_for(s, user, workspace_id)
            return WorkspaceView(workspace, await role_in(s, user, workspace_id))

    async def update_settings(self, user: User, workspace_id: str, changes: dict[str, Any]) -> WorkspaceView:
        """Apply ``changes`` (already type-checked by the caller) after the product rules."""
        async with self.p.db.session() as s:
            workspace = await workspace_for(s, user, workspace_id, at_least="admin")
            role = await role_in(s, user, workspace_id)
            if OWNER_ONLY & changes.keys():
                require(role, "owner", "Only workspace owners can change the allowed domains.")
            _check_settings(changes)
            for name, value in changes.items():
                setattr(workspace, name, value)
            return WorkspaceView(workspace, role)

    async def members(
        self, user: User, workspace_id: str, *, after: str | None, limit: int
    ) -> Page[MemberView]:
        async with self.p.db.session() as s:
            await workspace_for(s, user, workspace_id)
            query = select(User).join(Membership).where(Membership.workspace_id == workspace_id)
            found = await page(s, query, User.id, after=after, limit=limit)
            views = [MemberView(u, await role_in(s, u, workspace_id)) for u in found.items]
            return Page(views, found.next_cursor)

    async def add_member(self, user: User, workspace_id: str, email: str, role: str) -> MemberView:
        """Add an existing account; only owners may grant the owner role."""
        async with self.p.db.session() as s:
            await workspace_for(s, user, workspace_id, at_least="admin")
            if role == "owner":
                require(
                    await role_in(s, user, workspace_id), "owner", "Only workspace owners can add owners."
                )
            member = await s.scalar(select(User).where(User.email == email.strip().lower()))
            if member is None:
                raise Invalid.at("/email", "No account has this email address.")
            try:
                await role_in(s, member, workspace_id)
            except NotFound:
                s.add(
                    Membership(
                        workspace_id=workspace_id, user_id=member.id, role=role, created_at=self.p.clock()
                    )
                )
                return MemberView(member, role)
            raise Conflict.at("/email", "This account is already a member of the workspace.")

    async def change_role(self, user: User, workspace_id: str, member_id: str, role: str) -> MemberView:
        """Owners and admins change roles; only owners touch the owner role; one owner always stays."""
        async with self.p.db.session() as s:
            membership = await self._member(s, user, workspace_id, member_id, role)
            if membership.role == "owner" and role != "owner":
                await _keep_an_owner(s, workspace_id, "/role", "demoted")
            membership.role = role
            member = await s.get(User, member_id)
            assert member is not None  # the membership names it
            return MemberView(member, role)

    async def remove_member(self, user: User, workspace_id: str, member_id: str) -> None:
        """Owners and admins remove members; only owners remove an owner; never the last one."""
        async with self.p.db.session() as s:
            membership = await self._member(s, user, workspace_id, member_id)
            if membership.role == "owner":
                await _keep_an_owner(s, workspace_id, "", "removed")
            await s.delete(membership)

    async def _member(
        self, s: AsyncSession, user: User, workspace_id: str, member_id: str, new_role: str | None = None
    ) -> Membership:
        """``member_id``'s membership, after the caller's rights: admin at least (404 outside the
        workspace, as every lookup), owner for anything that touches an owner."""
        await workspace_for(s, user, workspace_id, at_least="admin")
        found = await s.scalar(
            select(Membership)
            .where(Membership.workspace_id == workspace_id, Membership.user_id == member_id)
            .with_for_update()
        )
        if found is None:
            raise NotFound("No such member.")
        if found.role == "owner" or new_role == "owner":
            require(await role_in(s, user, workspace_id), "owner", "Only workspace owners can change owners.")
        return found


async def _keep_an_owner(s: AsyncSession, workspace_id: str, pointer: str, done: str) -> None:
    """Refuse when the workspace's only owner would be ``done``; the owners' rows are locked
    (PostgreSQL) so two owners demoting each other at once cannot leave none."""
    owners = await s.scalars(
        select(Membership.user_id)
        .where(Membership.workspace_id == workspace_id, Membership.role == "owner")
        .with_for_update()
    )
    if len(list(owners)) <= 1:
        message = f"The last owner of a workspace cannot be {done}; make another member an owner first."
        raise Conflict.at(pointer, message) if pointer else Conflict(message)


def _check_settings(changes: dict[str, Any]) -> None:
    if "allowed_domains" in changes:
        try:
            policy = actionforge.DomainPolicy.allow_list(changes["allowed_domains"])
        except ValueError as exc:
            raise Invalid.at("/allowed_domains", str(exc)) from None
        changes["allowed_domains"] = sorted(policy.domains)  # stored as the policy reads them
    if "max_visibility" in changes and changes["max_visibility"] not in VISIBILITIES:
        raise Invalid.at("/max_visibility", f"Choose one of {', '.join(VISIBILITIES)}.")
