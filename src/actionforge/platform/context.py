"""What every platform service needs, built once per process: database, keys, settings, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, insert

import actionforge
from actionforge.platform.engine_cache import EngineActionCache
from actionforge.platform.model_entries import Catalog
from actionforge.platform.passwords import PasswordHasher
from actionforge.platform.row_cache import RowCache
from actionforge.platform.settings import ServerSettings
from actionforge.store import Database
from actionforge.store.group_insert import GroupInsert
from actionforge.store.tables_calls import ActionCall

Clock = Callable[[], datetime]
# What the cached rows are read from (`RowCache`): who is calling; may they edit this GPT or action.
CREDENTIAL_TABLES = ("users", "sessions", "api_tokens")
ACCESS_TABLES = ("workspaces", "memberships", "gpts", "actions")


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Platform:
    settings: ServerSettings
    db: Database
    box: actionforge.SecretBox
    engine: actionforge.Settings
    clock: Clock = system_clock
    # Model providers from the server's environment, filled by the layer that reads it (`web`).
    instance_models: Catalog = field(default_factory=Catalog)
    passwords: PasswordHasher = field(init=False)
    # Caches and schedules of this process: losing them costs time, never correctness.
    engine_actions: EngineActionCache = field(init=False, default_factory=EngineActionCache)
    audit_pruned_at: datetime | None = field(init=False, default=None)
    audit_inserts: GroupInsert = field(init=False)
    credentials: RowCache = field(init=False)  # who is calling: API tokens and sessions
    access_rows: RowCache = field(init=False)  # may they edit this GPT or action

    def __post_init__(self) -> None:
        self.passwords = PasswordHasher(self.settings)
        self.audit_inserts = GroupInsert(
            self.db, insert(cast(Table, ActionCall.__table__)), gather_s=self.settings.audit_gather_ms / 1000
        )
        ttl_s = self.settings.row_cache_s
        self.credentials = RowCache.of_tables(self.db, CREDENTIAL_TABLES, ttl_s=ttl_s)
        self.access_rows = RowCache.of_tables(self.db, ACCESS_TABLES, ttl_s=ttl_s)

    @classmethod
    async def open(
        cls, settings: ServerSettings, *, clock: Clock = system_clock, instance_models: Catalog | None = None
    ) -> Platform:
        """Create the data dir and key file if needed, connect, and apply pending migrations."""
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = settings.engine()
        box = actionforge.SecretBox.from_settings(engine)
        db = Database(settings.resolved_database_url, pool_size=settings.database_pool_size)
        await db.migrate()
        return cls(
            settings=settings, db=db, box=box, engine=engine, clock=clock,
            instance_models=instance_models or Catalog(),
        )  # fmt: skip

    async def start(self) -> None:
        """Hear other processes' changes (PostgreSQL), once every service has subscribed: a
        server's platform starts; one a command opens for a moment need not."""
        if self.db.notifications is not None:
            await self.db.notifications.start()

    async def close(self) -> None:
        await self.engine_actions.close()
        await self.db.dispose()
