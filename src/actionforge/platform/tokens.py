"""Bearer secrets (session cookies, API tokens, setup links): random, and stored only as hashes.

SHA-256 suffices here (unlike passwords): the values are 256 random bits, so there is nothing to
brute-force, and a hash lookup must be fast on every request.
"""

from __future__ import annotations

import hashlib
import secrets

SESSION_PREFIX = "afs_"
API_TOKEN_PREFIX = "afp_"
SETUP_PREFIX = "afsetup_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
