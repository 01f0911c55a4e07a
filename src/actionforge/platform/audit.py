"""The audit of action calls: write one record per call, read them back for owners and admins.

Records are written in their own transaction, so a call that fails still leaves its record; old
records are deleted as new ones arrive (``audit_retention_days``; at most once a minute per process),
so no background job is needed.
Who may read: a GPT's records, whoever may edit the GPT (its owner, workspace admins and owners);
a workspace's records, its admins and owners. Anyone else gets NotFound, as for the GPT itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, select

from actionforge.platform.access import editable_gpt, workspace_for
from actionforge.platform.context import Platform
from actionforge.store.group_insert import Expected
from actionforge.store.pages import Page, page
from actionforge.store.tables import User
from actionforge.store.tables_calls import ActionCall

PRUNE_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class CallFilter:
    """Which records to list; an unset field matches every record. ``since`` is inclusive,
    ``until`` exclusive, both on the record's time."""

    domain: str | None = None
    outcome: str | None = None
    status: int | None = None
    gpt_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None:
                query = query.where(_CONDITIONS[field.name](value))
        return query


_CONDITIONS: dict[str, Any] = {
    "domain": lambda v: ActionCall.domain == v,
    "outcome": lambda v: ActionCall.outcome == v,
    "status": lambda v: ActionCall.status == v,
    "gpt_id": lambda v: ActionCall.gpt_id == v,
    "since": lambda v: ActionCall.created_at >= v,
    "until": lambda v: ActionCall.created_at < v,
}
ALL = CallFilter()


@dataclass(frozen=True)
class CallSummary:
    total: int
    domains: list[str]
    outcomes: list[str]
    gpt_ids: list[str]


class Audit:
    def __init__(self, platform: Platform) -> None:
        self.p = platform

    def expect(self) -> Expected:
        """Announce a record that `record` will store soon (when a call starts): records that
        arrive meanwhile may wait for it to share its commit. Withdraw it if the call raised."""
        return self.p.audit_inserts.expect()

    async def record(self, entry: Mapping[str, Any], expected: Expected | None = None) -> None:
        """Store ``entry`` (an `ActionCall` row's columns, already redacted) and drop records past
        the retention period, at most once a minute per process: a retention of days needs no
        delete on every call. Records of calls that end together share one INSERT (group commit);
        each caller still returns only once its record is stored."""
        now = self.p.clock()
        if self.p.audit_pruned_at is None or now - self.p.audit_pruned_at >= PRUNE_EVERY:
            horizon = now - timedelta(days=self.p.settings.audit_retention_days)
            async with self.p.db.session() as s:
                await s.execute(delete(ActionCall).where(ActionCall.created_at < horizon))
            self.p.audit_pruned_at = now
        await self.p.audit_inserts.add(entry, expected)

    async def of_gpt(
        self, user: User, gpt_id: str, *, after: str | None, limit: int, only: CallFilter = ALL,
        newest_first: bool = False,
    ) -> Page[ActionCall]:  # fmt: skip
        async with self.p.db.session() as s:
            gpt, _ = await editable_gpt(s, user, gpt_id)
            query = only.apply(select(ActionCall).where(ActionCall.gpt_id == gpt.id))
            return await page(s, query, ActionCall.id, after=after, limit=limit, newest_first=newest_first)

    async def of_workspace(
        self, user: User, workspace_id: str, *, after: str | None, limit: int, only: CallFilter = ALL,
        newest_first: bool = False,
    ) -> Page[ActionCall]:  # fmt: skip
        async with self.p.db.session() as s:
            workspace = await workspace_for(s, user, workspace_id, at_least="admin")
            query = only.apply(select(ActionCall).where(ActionCall.workspace_id == workspace.id))
            return await page(s, query, ActionCall.id, after=after, limit=limit, newest_first=newest_first)

    async def summary(self, user: User, workspace_id: str) -> CallSummary:
        """How many records the workspace holds and the values its filters can take, for the admin
        page, which then loads only the records it shows."""
        async with self.p.db.session() as s:
            workspace = await workspace_for(s, user, workspace_id, at_least="admin")
            mine = ActionCall.workspace_id == workspace.id
            total = await s.scalar(select(func.count()).select_from(ActionCall).where(mine))

            async def distinct(column: Any) -> list[str]:
                return list(await s.scalars(select(column).where(mine).distinct().order_by(column)))

            return CallSummary(
                int(total or 0),
                await distinct(ActionCall.domain),
                await distinct(ActionCall.outcome),
                await distinct(ActionCall.gpt_id),
            )
