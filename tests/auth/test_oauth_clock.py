"""Expiry by the injected clock: the state's lifetime, the token's lifetime and refresh skew.

No provider is needed: the state store and the token parser are ours, and a `FakeClock` moves
time to each boundary exactly.
"""

from __future__ import annotations

import httpx
import pytest

from actionforge.auth.oauth import (
    InMemoryStateStore,
    OAuthConfig,
    StateBinding,
    StateError,
    TokenSet,
    begin_authorization,
)
from actionforge.auth.oauth.flow import take_state
from actionforge.auth.oauth.state import FORGET_AFTER_EXPIRY_S
from actionforge.auth.oauth.tokens import parse_token_response
from actionforge.secrets.value import SecretValue
from actionforge.settings import Settings
from tests.clock import FakeClock

REDIRECT_URI = "http://127.0.0.1:8765/callback"
TTL = 600
CONFIG = OAuthConfig(
    client_id="af-post",
    client_secret=SecretValue("post-secret-Zq8VwX3kLr91"),
    authorization_url="https://auth.example.test/authorize",
    token_url="https://auth.example.test/token",
)


async def _issue(store: InMemoryStateStore, clock: FakeClock) -> str:
    url = await begin_authorization(
        CONFIG,
        redirect_uri=REDIRECT_URI,
        binding=StateBinding("alice-id", "action-1", "published"),
        state_store=store,
        settings=Settings(oauth_state_ttl_s=TTL),
        clock=clock,
    )
    return httpx.URL(url).params["state"]


async def _reason(store: InMemoryStateStore, clock: FakeClock, state: str) -> str | None:
    try:
        await take_state(state, redirect_uri=REDIRECT_URI, state_store=store, clock=clock)
    except StateError as exc:
        return exc.reason
    return None


@pytest.mark.parametrize(
    ("elapsed", "reason"), [(TTL - 0.001, None), (TTL, "expired"), (TTL + 60, "expired")]
)
async def test_a_state_lives_exactly_its_ttl(elapsed: float, reason: str | None) -> None:
    clock = FakeClock()
    store = InMemoryStateStore(clock)
    state = await _issue(store, clock)
    clock.advance(elapsed)
    assert await _reason(store, clock, state) == reason


async def test_an_expired_state_is_forgotten_an_hour_after_expiry() -> None:
    """Until then a late callback reads "expired"; after, the record is gone and it reads "unknown"."""
    clock = FakeClock()
    store = InMemoryStateStore(clock)
    late, later = await _issue(store, clock), await _issue(store, clock)
    clock.advance(TTL + FORGET_AFTER_EXPIRY_S)
    await _issue(store, clock)  # forgetting happens when a new sign-in is stored
    assert await _reason(store, clock, late) == "expired"
    clock.advance(1)
    await _issue(store, clock)
    assert await _reason(store, clock, later) == "unknown"


def test_expires_in_counts_from_the_clock_when_the_answer_is_read() -> None:
    clock = FakeClock()
    response = httpx.Response(200, json={"access_token": "at-1", "expires_in": 3600})
    tokens = parse_token_response(response, CONFIG.token_url, clock=clock)
    assert tokens.expires_at == clock() + 3600


@pytest.mark.parametrize(
    ("now", "skew", "expected"),
    [(999.0, 0, False), (1000.0, 0, True), (939.0, 60, False), (940.0, 60, True), (2000.0, 60, True)],
)
def test_a_token_is_stale_from_its_expiry_minus_the_skew(now: float, skew: float, expected: bool) -> None:
    tokens = TokenSet(SecretValue("at-1"), expires_at=1000.0)
    assert tokens.expires_within(skew, now) is expected


def test_a_token_without_a_lifetime_is_never_stale() -> None:
    assert TokenSet(SecretValue("at-1")).expires_within(60, now=10**12) is False
