"""Who may see and change what. Anything outside the caller's workspaces is `NotFound`, never
`Forbidden`, so ids of other tenants' objects cannot be probed."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actionforge.platform.errors import Forbidden, NotFound
from actionforge.platform.row_cache import RowCache
from actionforge.store import Database
from actionforge.store.rows import entity
from actionforge.store.tables import Action, Gpt, Membership, User, Workspace

ROLES = ("member", "admin", "owner")  # lowest to highest


async def role_in(s: AsyncSession, user: User, workspace_id: str) -> str:
    role = await s.scalar(
        select(Membership.role).where(Membership.workspace_id == workspace_id, Membership.user_id == user.id)
    )
    if role is None:
        raise NotFound("No such workspace.")
    return role


async def workspace_for(
    s: AsyncSession, user: User, workspace_id: str, *, at_least: str = "member"
) -> Workspace:
    role = await role_in(s, user, workspace_id)
    workspace = await s.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound("No such workspace.")
    require(role, at_least, "Only workspace {role}s can do this.")
    return workspace


def require(role: str, at_least: str, message: str) -> None:
    if ROLES.index(role) < ROLES.index(at_least):
        raise Forbidden(message.format(role=at_least))


# The checks that precede every GPT and action request, built once: SQLAlchemy spends more on
# constructing a statement and its cache key than on running it. Parameters: ``user_id``,
# ``gpt_id`` (and ``action_id``).
EDITABLE_GPT: Select[Gpt, Workspace, str] = (
    select(Gpt, Workspace, Membership.role)
    .join(Workspace, Workspace.id == Gpt.workspace_id)
    .join(
        Membership,
        (Membership.workspace_id == Gpt.workspace_id) & (Membership.user_id == bindparam("user_id")),
    )
    .where(Gpt.id == bindparam("gpt_id"))
)
_EDITABLE_ACTION = EDITABLE_GPT.add_columns(Action).outerjoin(
    Action, (Action.id == bindparam("action_id")) & (Action.gpt_id == Gpt.id) & (Action.version == 0)
)


async def editable_gpt(s: AsyncSession, user: User, gpt_id: str) -> tuple[Gpt, Workspace]:
    """A GPT the user may edit: its owner, or an admin or owner of its workspace.

    Any other member gets NotFound too: a GPT's draft (instructions, actions) is the builder's.
    One query: this check precedes every GPT and action request.
    """
    gpt, workspace, _ = await editable_gpt_with(s, user, gpt_id, EDITABLE_GPT)
    return gpt, workspace


async def editable_gpt_with(
    s: AsyncSession, user: User, gpt_id: str, query: Select[*tuple[Any, ...]], **params: str
) -> tuple[Gpt, Workspace, tuple[Any, ...]]:
    """`editable_gpt` through ``query``: `EDITABLE_GPT` with more columns (correlated to ``Gpt``)
    added, built once by the caller; their values come back in the same query."""
    found = (await s.execute(query, {"user_id": user.id, "gpt_id": gpt_id, **params})).first()
    if found is None:
        raise NotFound("No such GPT.")
    gpt, workspace, role, *values = found
    _check_editable(user, gpt.owner_id, role)
    return gpt, workspace, tuple(values)


def _check_editable(user: User, owner_id: str, role: str) -> None:
    if owner_id != user.id and ROLES.index(role) < ROLES.index("admin"):
        raise NotFound("No such GPT.")


async def editable_action(
    s: AsyncSession, user: User, gpt_id: str, action_id: str
) -> tuple[Gpt, Workspace, Action]:
    """A draft action of a GPT the user may edit (`editable_gpt`'s rule), in one query."""
    gpt, workspace, (action,) = await editable_gpt_with(
        s, user, gpt_id, _EDITABLE_ACTION, action_id=action_id
    )
    if action is None:
        raise NotFound("No such action.")
    return gpt, workspace, action


# `editable_action` in Core, for the builder's test call (`Database.first`: no ORM session).
_GPTS, _WORKSPACES, _MEMBERSHIPS, _ACTIONS = (
    cast(Table, t.__table__) for t in (Gpt, Workspace, Membership, Action)
)
_EDITABLE_ACTION_ROW = (  # of the GPT, only what the rule needs: its other columns cost to read
    select(_GPTS.c.owner_id.label("gpt_owner_id"), _WORKSPACES, _MEMBERSHIPS.c.role, _ACTIONS)
    .join(_WORKSPACES, _WORKSPACES.c.id == _GPTS.c.workspace_id)
    .join(
        _MEMBERSHIPS,
        (_MEMBERSHIPS.c.workspace_id == _GPTS.c.workspace_id)
        & (_MEMBERSHIPS.c.user_id == bindparam("user_id")),
    )
    .outerjoin(
        _ACTIONS,
        (_ACTIONS.c.id == bindparam("action_id"))
        & (_ACTIONS.c.gpt_id == _GPTS.c.id)
        & (_ACTIONS.c.version == 0),
    )
    .where(_GPTS.c.id == bindparam("gpt_id"))
)


# `editable_gpt` with the number of draft actions, in Core: the GPT read.
_EDITABLE_GPT_ROW = (
    select(
        _GPTS,
        _MEMBERSHIPS.c.role,
        select(func.count())
        .select_from(_ACTIONS)
        .where(_ACTIONS.c.gpt_id == _GPTS.c.id, _ACTIONS.c.version == 0)
        .scalar_subquery()
        .label("action_count"),
    )
    .join(
        _MEMBERSHIPS,
        (_MEMBERSHIPS.c.workspace_id == _GPTS.c.workspace_id)
        & (_MEMBERSHIPS.c.user_id == bindparam("user_id")),
    )
    .where(_GPTS.c.id == bindparam("gpt_id"))
)


async def editable_gpt_read(db: Database, cache: RowCache, user: User, gpt_id: str) -> tuple[Gpt, int]:
    """`editable_gpt`'s rule, with the GPT's number of draft actions, read in Core (detached, and
    shared while the row is cached: never change it)."""
    params = {"user_id": user.id, "gpt_id": gpt_id}
    key = f"gpt:{user.id}:{gpt_id}"
    row = await cache.first(db, _EDITABLE_GPT_ROW, params, key)
    if row is None:
        raise NotFound("No such GPT.")
    _check_editable(user, row._mapping[_GPTS.c.owner_id], row.role)
    return cache.built(key, row, lambda r: entity(Gpt, r)), int(row.action_count)


async def editable_action_read(
    db: Database, cache: RowCache, user: User, gpt_id: str, action_id: str
) -> tuple[Workspace, Action]:
    """`editable_action`'s rule and answer, read in Core (the objects are detached, and shared while
    the row is cached: never change them)."""
    params = {"user_id": user.id, "gpt_id": gpt_id, "action_id": action_id}
    key = f"action:{user.id}:{gpt_id}:{action_id}"
    row = await cache.first(db, _EDITABLE_ACTION_ROW, params, key)
    if row is None:
        raise NotFound("No such GPT.")
    _check_editable(user, row.gpt_owner_id, row.role)
    if row._mapping[_ACTIONS.c.id] is None:
        raise NotFound("No such action.")
    return cache.built(key, row, lambda r: (entity(Workspace, r), entity(Action, r)))
