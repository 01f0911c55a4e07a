"""Where "Always allow" is remembered: per user, per GPT, per action domain.

The original keeps this choice per user and GPT action/domain and lets the user switch it back in
Privacy settings → Actions ("Always allow" / "Ask"). `ConsentMemory` is the interface the engine
needs; the web app's database will implement it later. `InMemoryConsentMemory` serves the CLI,
tests and single-process embedding.
"""

from __future__ import annotations

import threading
from enum import StrEnum
from typing import Protocol, runtime_checkable


class ConsentSetting(StrEnum):
    """The two values of a (GPT, domain) entry in Privacy settings → Actions."""

    ALWAYS_ALLOW = "always_allow"
    ASK = "ask"

    @property
    def label(self) -> str:
        return "Always allow" if self is ConsentSetting.ALWAYS_ALLOW else "Ask"


@runtime_checkable
class ConsentMemory(Protocol):
    """Stores the "Always allow" choice. Absent entries mean `ConsentSetting.ASK`."""

    async def get(self, user_id: str, gpt_id: str, domain: str) -> ConsentSetting:
        """The user's setting for this GPT and domain (ASK when never set)."""
        ...

    async def set(self, user_id: str, gpt_id: str, domain: str, setting: ConsentSetting) -> None:
        """Record a setting; ASK forgets an earlier "Always allow"."""
        ...

    async def always_allowed(self, user_id: str) -> list[tuple[str, str]]:
        """The (gpt_id, domain) pairs this user always allows, for the settings page."""
        ...


def normalize_key(user_id: str, gpt_id: str, domain: str) -> tuple[str, str, str]:
    """The storage key: ids as given, the domain lower-cased without a trailing dot.

    Raises ValueError for an empty part, which would otherwise share one entry among callers.
    """
    host = domain.strip().rstrip(".").lower()
    for name, value in (("user_id", user_id), ("gpt_id", gpt_id), ("domain", host)):
        if not value:
            raise ValueError(f"consent memory needs a non-empty {name}")
    return user_id, gpt_id, host


class InMemoryConsentMemory:
    """A process-local `ConsentMemory`.

    Guarded by a thread lock (held only for dictionary operations, never across an ``await``), so
    one instance can serve several event loops or threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._always: set[tuple[str, str, str]] = set()

    async def get(self, user_id: str, gpt_id: str, domain: str) -> ConsentSetting:
        key = normalize_key(user_id, gpt_id, domain)
        with self._lock:
            return ConsentSetting.ALWAYS_ALLOW if key in self._always else ConsentSetting.ASK

    async def set(self, user_id: str, gpt_id: str, domain: str, setting: ConsentSetting) -> None:
        key = normalize_key(user_id, gpt_id, domain)
        setting = ConsentSetting(setting)
        with self._lock:
            if setting is ConsentSetting.ALWAYS_ALLOW:
                self._always.add(key)
            else:
                self._always.discard(key)

    async def always_allowed(self, user_id: str) -> list[tuple[str, str]]:
        with self._lock:
            return sorted((gpt, domain) for user, gpt, domain in self._always if user == user_id)
