"""Where each user's tokens live, keyed by `TokenKey` (user, action, draft/published).

A Protocol so that the database layer can store them encrypted; the in-memory store serves the
CLI and tests. Token values stay `SecretValue`s all the way.
"""

from __future__ import annotations

import threading
from typing import Protocol

from actionforge.auth.oauth.state import TokenKey
from actionforge.auth.oauth.tokens import TokenSet


class TokenStore(Protocol):
    async def get(self, key: TokenKey) -> TokenSet | None:
        """The stored tokens, or ``None`` when the user has not signed in."""

    async def put(self, key: TokenKey, tokens: TokenSet) -> None:
        """Store (replace) the tokens; must be durable before it returns (a rotated refresh
        token that is lost cannot be recovered)."""

    async def delete(self, key: TokenKey) -> bool:
        """Forget the tokens; ``True`` if there were any."""


class InMemoryTokenStore:
    """A `TokenStore` for one process."""

    def __init__(self) -> None:
        self._tokens: dict[TokenKey, TokenSet] = {}
        self._lock = threading.Lock()  # no await inside: safe from threads and tasks

    async def get(self, key: TokenKey) -> TokenSet | None:
        with self._lock:
            return self._tokens.get(key)

    async def put(self, key: TokenKey, tokens: TokenSet) -> None:
        with self._lock:
            self._tokens[key] = tokens

    async def delete(self, key: TokenKey) -> bool:
        with self._lock:
            return self._tokens.pop(key, None) is not None
