"""Password hashing with argon2id (argon2-cffi); cost parameters are settings."""

from __future__ import annotations

import argon2

from actionforge.platform.settings import ServerSettings


class PasswordHasher:
    def __init__(self, settings: ServerSettings) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
        )
        # Verified against when the email is unknown, so a miss costs as much as a wrong password.
        self._decoy = self._hasher.hash("decoy password, never matches")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._decoy, password) and stored is not None
        except argon2.exceptions.VerificationError:
            return False
        except argon2.exceptions.InvalidHashError:
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
