"""The OAuth ``state``: a random, single-use, expiring ticket tying a callback to its sign-in.

A callback is only honoured if its ``state`` was issued by `begin_authorization`, has not been
used, has not expired, and belongs to the user completing it. The store is a Protocol so that the
database layer can keep pending sign-ins across processes (the callback may reach any server).
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Literal, Protocol

from actionforge.auth.oauth.clock import Clock, system_clock
from actionforge.secrets.value import SecretValue

Mode = Literal["draft", "published"]

# A late callback within this long after expiry still reads "expired", not "unknown".
FORGET_AFTER_EXPIRY_S = 3600


@dataclass(frozen=True, slots=True)
class TokenKey:
    """Whose tokens: one end user, one action, draft (builder's Preview) or published."""

    user_id: str
    action_id: str
    mode: Mode


@dataclass(frozen=True, slots=True)
class StateBinding:
    """Who started a sign-in and where to resume: the conversation waiting for it."""

    user_id: str
    action_id: str
    mode: Mode
    conversation_id: str | None = None

    @property
    def token_key(self) -> TokenKey:
        return TokenKey(self.user_id, self.action_id, self.mode)


@dataclass(frozen=True, slots=True)
class PendingAuthorization:
    """What `begin_authorization` remembers under a ``state`` until the callback arrives."""

    state: str
    binding: StateBinding
    redirect_uri: str
    code_verifier: SecretValue | None
    expires_at: float
    used: bool = False

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


class StateStore(Protocol):
    """Keeps pending sign-ins. ``take`` must be atomic: two callbacks with one state, one wins."""

    async def put(self, pending: PendingAuthorization) -> None:
        """Remember a new pending sign-in."""

    async def take(self, state: str) -> PendingAuthorization | None:
        """Mark ``state`` used and return its record as it was before (``used=True``: a replay).

        ``None`` when the state was never issued (or was forgotten long after expiry).
        """


class InMemoryStateStore:
    """A `StateStore` for one process (CLI, tests). Used records are kept until they expire,
    so that a replay is reported as a replay rather than as an unknown state."""

    def __init__(self, clock: Clock = system_clock) -> None:
        self._clock = clock
        self._records: dict[str, PendingAuthorization] = {}
        self._lock = threading.Lock()  # plain lock: no await inside, safe from threads and tasks

    async def put(self, pending: PendingAuthorization) -> None:
        with self._lock:
            self._forget_expired()
            self._records[pending.state] = pending

    async def take(self, state: str) -> PendingAuthorization | None:
        with self._lock:
            record = self._records.get(state)
            if record is not None and not record.used:
                self._records[state] = dataclasses.replace(record, used=True)
            return record

    def _forget_expired(self) -> None:
        horizon = self._clock() - FORGET_AFTER_EXPIRY_S
        for state in [s for s, r in self._records.items() if r.expires_at < horizon]:
            del self._records[state]
