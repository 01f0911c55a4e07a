"""Each user's "Always allow" or "Ask" per GPT action domain (openai-actions.md §3's settings).

The choice is the user's own: it lives under (user, GPT, domain), so one user's "Always allow"
never skips another user's prompt. The domain must be one of the GPT's action domains.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from actionforge.platform.access import editable_gpt
from actionforge.platform.connections import shared_with
from actionforge.platform.context import Platform
from actionforge.platform.errors import NotFound
from actionforge.store.tables import Action, Gpt, User
from actionforge.store.tables_connections import ActionConsent

_CONSENTS = cast(Table, ActionConsent.__table__)
_CHOICE = select(_CONSENTS.c.choice).where(
    _CONSENTS.c.user_id == bindparam("user_id"),
    _CONSENTS.c.gpt_id == bindparam("gpt_id"),
    _CONSENTS.c.domain == bindparam("domain"),
)

CHOICES = ("always", "ask")


class Consents:
    def __init__(self, platform: Platform) -> None:
        self.p = platform

    async def list(self, user: User, gpt_id: str) -> list[ActionConsent]:
        async with self.p.db.session() as s:
            gpt = await _visible_gpt(s, user, gpt_id)
            query = select(ActionConsent).where(
                ActionConsent.user_id == user.id, ActionConsent.gpt_id == gpt.id
            )
            return list(await s.scalars(query.order_by(ActionConsent.domain)))

    async def choose(self, user: User, gpt_id: str, domain: str, choice: str) -> ActionConsent:
        async with self.p.db.session() as s:
            gpt = await _visible_gpt(s, user, gpt_id)
            found = await s.scalar(select(Action.id).where(Action.gpt_id == gpt.id, Action.domain == domain))
            if found is None:
                raise NotFound(f"This GPT has no action on {domain}.")
            row = await s.get(ActionConsent, (user.id, gpt.id, domain))
            if row is None:
                row = ActionConsent(user_id=user.id, gpt_id=gpt.id, domain=domain)
                s.add(row)
            row.choice, row.updated_at = choice, self.p.clock()
            return row

    async def choice(self, user_id: str, gpt_id: str, domain: str) -> str:
        """What a call should do: "always" (no prompt) or "ask" (the default). A Core read: every
        call in a conversation asks."""
        row = await self.p.db.first(_CHOICE, {"user_id": user_id, "gpt_id": gpt_id, "domain": domain})
        return str(row.choice) if row is not None else "ask"


async def _visible_gpt(s: AsyncSession, user: User, gpt_id: str) -> Gpt:
    try:
        gpt, _ = await editable_gpt(s, user, gpt_id)
        return gpt
    except NotFound:
        gpt_row = await s.get(Gpt, gpt_id)
        if gpt_row is None or gpt_row.published_version is None or not await shared_with(s, user, gpt_row):
            raise NotFound("No such GPT.") from None
        return gpt_row
