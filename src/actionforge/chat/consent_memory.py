"""The engine's `ConsentMemory` on the platform's per-user choices (`platform.consents`), so
"Always allow" clicked on a consent card is the same setting as Privacy settings → Actions."""

from __future__ import annotations

from sqlalchemy import select

from actionforge.consent import ConsentMemory, ConsentSetting
from actionforge.platform.consents import Consents
from actionforge.platform.context import Platform
from actionforge.store.tables import User
from actionforge.store.tables_connections import ActionConsent


class UserConsentMemory(ConsentMemory):
    """One user's memory (the engine's interface takes the user id; this one serves ``user`` only)."""

    def __init__(self, platform: Platform, user: User) -> None:
        self.consents = Consents(platform)
        self.user = user

    async def get(self, user_id: str, gpt_id: str, domain: str) -> ConsentSetting:
        choice = await self.consents.choice(user_id, gpt_id, domain)
        return ConsentSetting.ALWAYS_ALLOW if choice == "always" else ConsentSetting.ASK

    async def set(self, user_id: str, gpt_id: str, domain: str, setting: ConsentSetting) -> None:
        assert user_id == self.user.id
        choice = "always" if setting is ConsentSetting.ALWAYS_ALLOW else "ask"
        await self.consents.choose(self.user, gpt_id, domain, choice)

    async def always_allowed(self, user_id: str) -> list[tuple[str, str]]:
        async with self.consents.p.db.read() as s:
            query = select(ActionConsent.gpt_id, ActionConsent.domain).where(
                ActionConsent.user_id == user_id, ActionConsent.choice == "always"
            )
            return [(gpt_id, domain) for gpt_id, domain in await s.execute(query)]
