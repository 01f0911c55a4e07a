"""Refreshing against the real provider: expiry, 401, rotation, races, revocation, reuse."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from actionforge.auth.oauth import TokenSet
from actionforge.errors import SignInRequired
from tests.auth.conftest import ACCESS_TOKEN_TTL_S, Api, Session, TokenEndpointCalls, bearer, sign_in


async def _stored(session: Session) -> TokenSet:
    tokens = await session.token_store.get(session.binding.token_key)
    assert tokens is not None
    return tokens


async def test_expired_access_token_is_refreshed_before_the_call(
    session: Session, client: httpx.AsyncClient, protected_api: Api, token_calls: TokenEndpointCalls
) -> None:
    first = (await sign_in(session, client)).tokens
    assert first.expires_at is not None
    session.clock.advance(first.expires_at - session.clock())  # the moment it expires
    seen_before = len(protected_api.seen)

    response = await client.get(f"{protected_api.url}/me", auth=bearer(session, client))

    assert response.status_code == 200
    refreshed = await _stored(session)
    assert refreshed.access_token != first.access_token
    assert refreshed.refresh_token is not None
    assert refreshed.refresh_token != first.refresh_token  # rotated, and the new one stored
    assert refreshed.scope == "read write"
    assert token_calls.count == 2  # the code exchange, one refresh
    # Refreshed before the call, not after a 401: the API saw only the new token.
    assert protected_api.seen[seen_before:] == [f"Bearer {refreshed.access_token.reveal()}"]
    assert refreshed.expires_at == session.clock() + ACCESS_TOKEN_TTL_S  # dated by the same clock


async def test_a_token_a_second_before_expiry_is_used_as_is(
    session: Session, client: httpx.AsyncClient, protected_api: Api, token_calls: TokenEndpointCalls
) -> None:
    first = (await sign_in(session, client)).tokens
    assert first.expires_at is not None
    session.clock.advance(first.expires_at - session.clock() - 1)

    response = await client.get(f"{protected_api.url}/me", auth=bearer(session, client))

    assert response.status_code == 200
    assert token_calls.count == 1
    assert await _stored(session) == first


async def test_refresh_skew_refreshes_early(
    session: Session, client: httpx.AsyncClient, protected_api: Api, token_calls: TokenEndpointCalls
) -> None:
    first = (await sign_in(session, client)).tokens
    response = await client.get(f"{protected_api.url}/me", auth=bearer(session, client, skew=60))
    assert response.status_code == 200
    assert (await _stored(session)).access_token != first.access_token
    assert token_calls.count == 2


async def test_a_fresh_token_is_used_as_is(
    session: Session, client: httpx.AsyncClient, protected_api: Api, token_calls: TokenEndpointCalls
) -> None:
    first = (await sign_in(session, client)).tokens
    for _ in range(3):
        response = await client.get(f"{protected_api.url}/me", auth=bearer(session, client))
        assert response.status_code == 200
    assert token_calls.count == 1
    assert await _stored(session) == first


async def test_a_401_refreshes_once_and_retries_the_call(
    session: Session, client: httpx.AsyncClient, protected_api: Api, token_calls: TokenEndpointCalls
) -> None:
    first = (await sign_in(session, client)).tokens
    await session.provider.revoke(
        first.access_token.reveal()
    )  # the API now refuses it, our clock does not know
    seen_before = len(protected_api.seen)

    response = await client.get(f"{protected_api.url}/me", auth=bearer(session, client))

    assert response.status_code == 200
    refreshed = await _stored(session)
    assert refreshed.access_token != first.access_token
    assert protected_api.seen[seen_before:] == [
        f"Bearer {first.access_token.reveal()}",
        f"Bearer {refreshed.access_token.reveal()}",
    ]
    assert token_calls.count == 2


async def test_concurrent_calls_refresh_only_once(
    session: Session, client: httpx.AsyncClient, protected_api: Api, token_calls: TokenEndpointCalls
) -> None:
    """With rotation, a second refresh would reuse a spent refresh token and the provider would
    revoke the whole grant; so one refresh, and every call succeeds with the one new token."""
    await sign_in(session, client)
    auths = [bearer(session, client, skew=60) for _ in range(5)]  # separate auths, shared refresher

    responses = await asyncio.gather(*(client.get(f"{protected_api.url}/me", auth=a) for a in auths))

    assert [r.status_code for r in responses] == [200] * 5
    assert token_calls.count == 2
    refreshed = await _stored(session)
    assert set(protected_api.seen[-5:]) == {f"Bearer {refreshed.access_token.reveal()}"}


async def test_concurrent_401s_refresh_only_once(
    session: Session, client: httpx.AsyncClient, protected_api: Api, token_calls: TokenEndpointCalls
) -> None:
    first = (await sign_in(session, client)).tokens
    await session.provider.revoke(first.access_token.reveal())
    auth = bearer(session, client)

    responses = await asyncio.gather(*(client.get(f"{protected_api.url}/me", auth=auth) for _ in range(4)))

    assert [r.status_code for r in responses] == [200] * 4
    assert token_calls.count == 2


async def test_revoked_grant_means_sign_in_again_and_clears_the_tokens(
    session: Session, client: httpx.AsyncClient, protected_api: Api
) -> None:
    first = (await sign_in(session, client)).tokens
    assert first.refresh_token is not None
    await session.provider.revoke(first.refresh_token.reveal())
    seen_before = len(protected_api.seen)

    with pytest.raises(SignInRequired) as caught:
        await client.get(f"{protected_api.url}/me", auth=bearer(session, client, skew=60))

    assert caught.value.domain == "127.0.0.1"
    assert "sign in again" in caught.value.reason
    assert await session.token_store.get(session.binding.token_key) is None
    assert len(protected_api.seen) == seen_before  # the call was not made


async def test_reuse_of_a_rotated_refresh_token_revokes_the_grant(
    session: Session, client: httpx.AsyncClient, protected_api: Api
) -> None:
    """Someone replays the old refresh token (theft): the provider kills the grant, and our next
    refresh learns it (invalid_grant) and asks the user to sign in again."""
    first = (await sign_in(session, client)).tokens
    assert first.refresh_token is not None
    await client.get(f"{protected_api.url}/me", auth=bearer(session, client, skew=60))  # rotates
    stolen = await client.post(
        session.provider.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": first.refresh_token.reveal(),
            "client_id": "af-post",
            "client_secret": session.config.client_secret.reveal(),
        },
    )
    assert stolen.json()["error"] == "invalid_grant"

    with pytest.raises(SignInRequired):
        await client.get(f"{protected_api.url}/me", auth=bearer(session, client, skew=60))
    assert await session.token_store.get(session.binding.token_key) is None


async def test_not_signed_in_raises_before_any_request(
    session: Session, client: httpx.AsyncClient, protected_api: Api
) -> None:
    seen_before = len(protected_api.seen)
    with pytest.raises(SignInRequired) as caught:
        await client.get(f"{protected_api.url}/me", auth=bearer(session, client))
    assert str(caught.value) == "Sign in with 127.0.0.1 (not signed in)"
    assert len(protected_api.seen) == seen_before


async def test_the_refresh_uses_the_configured_client_authentication(
    session: Session, client: httpx.AsyncClient, protected_api: Api, token_calls: TokenEndpointCalls
) -> None:
    session.config = session.provider.config("af-basic")
    await sign_in(session, client)
    response = await client.get(f"{protected_api.url}/me", auth=bearer(session, client, skew=60))
    assert response.status_code == 200
    assert response.json()["client_id"] == "af-basic"
    assert token_calls.count == 2
