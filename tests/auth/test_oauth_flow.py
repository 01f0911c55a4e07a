"""The authorization-code flow against a real provider (oidc-provider on 127.0.0.1)."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from actionforge.auth.oauth import (
    AuthorizationDenied,
    StateError,
    TokenEndpointError,
    begin_authorization,
    callback_params,
    complete_authorization,
)
from tests.auth.conftest import (
    ACCESS_TOKEN_TTL_S,
    REDIRECT_URI,
    Api,
    Session,
    bearer,
    browse_to_callback,
    sign_in,
)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


async def test_authorize_url_carries_the_standard_parameters_and_pkce(session: Session) -> None:
    url = await begin_authorization(
        session.config.model_copy(update={"extra_authorize_params": {"prompt": "consent", "audience": "x"}}),
        redirect_uri=REDIRECT_URI,
        binding=session.binding,
        state_store=session.state_store,
        clock=session.clock,
    )
    assert url.startswith(session.provider.authorization_url + "?")
    query = _query(url)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["af-post"]
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["scope"] == ["read write"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256 digest
    assert query["prompt"] == ["consent"]
    assert query["audience"] == ["x"]
    state = query["state"][0]
    assert len(state) >= 32
    pending = await session.state_store.take(state)
    assert pending is not None
    assert pending.binding == session.binding
    assert pending.code_verifier is not None


async def test_each_sign_in_gets_its_own_state(session: Session) -> None:
    store = session.state_store
    urls = [
        await begin_authorization(
            session.config, redirect_uri=REDIRECT_URI, binding=session.binding, state_store=store
        )
        for _ in range(3)
    ]
    assert len({_query(u)["state"][0] for u in urls}) == 3


async def test_without_pkce_the_url_has_no_challenge(session: Session) -> None:
    url = await begin_authorization(
        session.provider.config("af-legacy", pkce=False, scope=""),
        redirect_uri=REDIRECT_URI,
        binding=session.binding,
        state_store=session.state_store,
        clock=session.clock,
    )
    query = _query(url)
    assert "code_challenge" not in query
    assert "scope" not in query  # an empty scope is left out rather than sent as "scope="


@pytest.mark.parametrize("client_id", ["af-post", "af-basic"])
async def test_sign_in_stores_tokens_that_the_api_accepts(
    session: Session, client: httpx.AsyncClient, protected_api: Api, client_id: str
) -> None:
    """default_post puts the client secret in the body, basic_auth_header in a Basic header: the
    provider accepts each client only with its registered method, so both paths are exercised."""
    session.config = session.provider.config(client_id)
    signed_in = await sign_in(session, client)

    assert signed_in.binding == session.binding
    stored = await session.token_store.get(session.binding.token_key)
    assert stored == signed_in.tokens
    assert stored.refresh_token is not None
    assert stored.scope == "read write"
    assert stored.expires_at is not None
    assert stored.expires_at == session.clock() + ACCESS_TOKEN_TTL_S  # counted from our clock

    response = await client.get(f"{protected_api.url}/me", auth=bearer(session, client))
    assert response.status_code == 200, response.text
    assert response.json() == {"sub": "alice", "client_id": client_id, "scope": "read write"}


async def test_the_wrong_exchange_method_is_refused_by_the_provider(
    session: Session, client: httpx.AsyncClient
) -> None:
    session.config = session.provider.config("af-basic", token_exchange_method="default_post")
    with pytest.raises(TokenEndpointError) as caught:
        await sign_in(session, client)
    assert caught.value.error == "invalid_client"
    assert await session.token_store.get(session.binding.token_key) is None


async def test_legacy_provider_without_pkce(session: Session, client: httpx.AsyncClient) -> None:
    session.config = session.provider.config("af-legacy", pkce=False)
    signed_in = await sign_in(session, client)
    assert signed_in.tokens.refresh_token is not None


async def test_strict_provider_refuses_a_sign_in_without_pkce(
    session: Session, client: httpx.AsyncClient
) -> None:
    session.config = session.provider.config("af-post", pkce=False)
    url = await begin_authorization(
        session.config,
        redirect_uri=REDIRECT_URI,
        binding=session.binding,
        state_store=session.state_store,
        clock=session.clock,
    )
    query = await browse_to_callback(url, REDIRECT_URI)
    with pytest.raises(AuthorizationDenied) as caught:
        await complete_authorization(
            session.config,
            redirect_uri=REDIRECT_URI,
            state_store=session.state_store,
            clock=session.clock,
            token_store=session.token_store,
            client=client,
            **callback_params(query),
        )
    assert caught.value.error == "invalid_request"
    assert "PKCE" in str(caught.value) or "code_challenge" in str(caught.value)


async def test_user_refusing_consent(session: Session, client: httpx.AsyncClient) -> None:
    url = await begin_authorization(
        session.config,
        redirect_uri=REDIRECT_URI,
        binding=session.binding,
        state_store=session.state_store,
        clock=session.clock,
    )
    query = await browse_to_callback(url, REDIRECT_URI, deny=True)
    with pytest.raises(AuthorizationDenied) as caught:
        await complete_authorization(
            session.config,
            redirect_uri=REDIRECT_URI,
            state_store=session.state_store,
            clock=session.clock,
            token_store=session.token_store,
            client=client,
            **callback_params(query),
        )
    assert caught.value.error == "access_denied"
    assert await session.token_store.get(session.binding.token_key) is None


async def test_draft_and_published_tokens_are_kept_apart(session: Session, client: httpx.AsyncClient) -> None:
    published = await sign_in(session, client)
    session.binding = dataclasses.replace(session.binding, mode="draft")
    draft = await sign_in(session, client)
    published_key = dataclasses.replace(session.binding, mode="published").token_key
    assert await session.token_store.get(published_key) == published.tokens
    assert await session.token_store.get(session.binding.token_key) == draft.tokens
    assert draft.tokens.access_token != published.tokens.access_token


async def test_binding_check_refuses_another_user(session: Session, client: httpx.AsyncClient) -> None:
    url = await begin_authorization(
        session.config,
        redirect_uri=REDIRECT_URI,
        binding=session.binding,
        state_store=session.state_store,
        clock=session.clock,
    )
    query = await browse_to_callback(url, REDIRECT_URI)
    with pytest.raises(StateError) as caught:
        await complete_authorization(
            session.config,
            redirect_uri=REDIRECT_URI,
            state_store=session.state_store,
            clock=session.clock,
            token_store=session.token_store,
            client=client,
            binding_check=lambda b: b.user_id == "mallory-id",
            **callback_params(query),
        )
    assert caught.value.reason == "mismatch"
    assert await session.token_store.get(session.binding.token_key) is None
