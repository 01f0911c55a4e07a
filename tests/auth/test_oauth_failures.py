"""Everything that can go wrong in a sign-in or a refresh gives one specific, clean error and
leaves the stored tokens exactly as they were."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from actionforge.auth.oauth import (
    StateError,
    TokenEndpointError,
    TokenSet,
    begin_authorization,
    callback_params,
    complete_authorization,
)
from actionforge.auth.oauth.flow import CallbackParams
from actionforge.errors import AuthError, SignInRequired
from actionforge.secrets.value import SecretValue
from actionforge.settings import Settings
from tests.auth.conftest import REDIRECT_URI, Api, Session, bearer, browse_to_callback, sign_in
from tests.servers.threaded import free_port, serve

# --- a misbehaving token endpoint ----------------------------------------------------------------

FORM_TOKEN = "access_token=gho_form-token-Qw3&token_type=bearer&scope=repo%2Cgist"


def _stub_app() -> Starlette:
    async def html(request: Request) -> Response:
        return Response("<html><body>Please log in</body></html>", media_type="text/html")

    async def unavailable(request: Request) -> Response:
        return PlainTextResponse("upstream down", status_code=503)

    async def garbage(request: Request) -> Response:
        return Response("{not json", media_type="application/json")

    async def form(request: Request) -> Response:
        return Response(FORM_TOKEN, media_type="application/x-www-form-urlencoded")

    async def github_error(request: Request) -> Response:
        text = "error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired."
        return Response(text, media_type="application/x-www-form-urlencoded")

    async def no_access_token(request: Request) -> Response:
        return JSONResponse({"token_type": "bearer"})

    async def no_rotation(request: Request) -> Response:
        return JSONResponse({"access_token": "stub-access-2", "token_type": "bearer", "expires_in": "3600"})

    async def bad_request(request: Request) -> Response:
        return JSONResponse({"message": "nope"}, status_code=400)

    async def big(request: Request) -> Response:
        return Response(b"x" * 2_000_000, media_type="application/json")

    routes = {
        "/html": html,
        "/503": unavailable,
        "/garbage": garbage,
        "/form": form,
        "/github-error": github_error,
        "/no-access-token": no_access_token,
        "/no-rotation": no_rotation,
        "/400": bad_request,
        "/big": big,
    }
    return Starlette(routes=[Route(path, fn, methods=["POST"]) for path, fn in routes.items()])


@pytest.fixture(scope="module")
def stub() -> Iterator[str]:
    with serve(_stub_app()) as url:
        yield url


async def _callback_for(session: Session) -> CallbackParams:
    url = await begin_authorization(
        session.config,
        redirect_uri=REDIRECT_URI,
        binding=session.binding,
        state_store=session.state_store,
        clock=session.clock,
    )
    state = httpx.URL(url).params["state"]
    return CallbackParams(state=state, code="stub-code", error=None, error_description=None)


async def _exchange(
    session: Session,
    client: httpx.AsyncClient,
    *,
    state: str | None,
    code: str | None,
    error: str | None = None,
    error_description: str | None = None,
) -> TokenSet:
    signed_in = await complete_authorization(
        session.config,
        redirect_uri=REDIRECT_URI,
        state_store=session.state_store,
        clock=session.clock,
        token_store=session.token_store,
        client=client,
        state=state,
        code=code,
        error=error,
        error_description=error_description,
    )
    return signed_in.tokens


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/html", "answered HTTP 200 with text/html, not a token response"),
        ("/503", "failed with HTTP 503"),
        ("/garbage", "answered HTTP 200 with application/json, not a token response"),
        ("/github-error", "refused the request (bad_verification_code): The code passed is incorrect"),
        ("/no-access-token", "answered without an access_token"),
        ("/400", "answered HTTP 400 without an OAuth error"),
        ("/big", "sent more than 1000000 bytes"),
    ],
)
async def test_unusable_token_answers_on_code_exchange(
    session: Session, client: httpx.AsyncClient, stub: str, path: str, expected: str
) -> None:
    session.config = session.config.model_copy(update={"token_url": stub + path})
    with pytest.raises(TokenEndpointError) as caught:
        await _exchange(session, client, **await _callback_for(session))
    assert expected in str(caught.value)
    assert str(caught.value).startswith(f"The token endpoint {stub}{path} ")
    assert await session.token_store.get(session.binding.token_key) is None


async def test_form_encoded_token_answer_is_read(
    session: Session, client: httpx.AsyncClient, stub: str
) -> None:
    """GitHub's classic OAuth apps answer form-encoded."""
    session.config = session.config.model_copy(update={"token_url": stub + "/form"})
    tokens = await _exchange(session, client, **await _callback_for(session))
    assert tokens.access_token == SecretValue("gho_form-token-Qw3")
    assert tokens.token_type == "bearer"
    assert tokens.scope == "repo,gist"
    assert tokens.refresh_token is None
    assert tokens.expires_at is None
    assert await session.token_store.get(session.binding.token_key) == tokens


async def test_token_endpoint_down(session: Session, client: httpx.AsyncClient) -> None:
    closed = f"http://127.0.0.1:{free_port()}/token"
    session.config = session.config.model_copy(update={"token_url": closed})
    with pytest.raises(TokenEndpointError) as caught:
        await _exchange(session, client, **await _callback_for(session))
    assert str(caught.value).startswith(f"Could not reach the token endpoint {closed}: ConnectError")
    assert caught.value.error is None
    assert await session.token_store.get(session.binding.token_key) is None


async def test_wrong_client_secret(session: Session, client: httpx.AsyncClient) -> None:
    session.config = session.config.model_copy(update={"client_secret": SecretValue("wrong-secret")})
    with pytest.raises(TokenEndpointError) as caught:
        await sign_in(session, client)
    assert caught.value.error == "invalid_client"
    assert caught.value.status == 401
    assert "invalid_client" in str(caught.value)
    assert await session.token_store.get(session.binding.token_key) is None


async def test_reused_code_is_refused_and_the_first_tokens_survive(
    session: Session, client: httpx.AsyncClient
) -> None:
    url = await begin_authorization(
        session.config,
        redirect_uri=REDIRECT_URI,
        binding=session.binding,
        state_store=session.state_store,
        clock=session.clock,
    )
    query = await browse_to_callback(url, REDIRECT_URI)
    first = await _exchange(session, client, **callback_params(query))

    # The same code again, under a fresh state (a replayed state is refused before this point).
    fresh = await _callback_for(session)
    with pytest.raises(TokenEndpointError) as caught:
        await _exchange(session, client, state=fresh["state"], code=query["code"])
    assert caught.value.error == "invalid_grant"
    assert await session.token_store.get(session.binding.token_key) == first


# --- state --------------------------------------------------------------------------------------


async def test_missing_state(session: Session, client: httpx.AsyncClient) -> None:
    with pytest.raises(StateError) as caught:
        await _exchange(session, client, state=None, code="x")
    assert caught.value.reason == "missing"


async def test_unknown_state(session: Session, client: httpx.AsyncClient) -> None:
    with pytest.raises(StateError) as caught:
        await _exchange(session, client, state="made-up", code="x")
    assert caught.value.reason == "unknown"


async def test_replayed_state(session: Session, client: httpx.AsyncClient) -> None:
    url = await begin_authorization(
        session.config,
        redirect_uri=REDIRECT_URI,
        binding=session.binding,
        state_store=session.state_store,
        clock=session.clock,
    )
    query = callback_params(await browse_to_callback(url, REDIRECT_URI))
    first = await _exchange(session, client, **query)
    with pytest.raises(StateError) as caught:
        await _exchange(session, client, **query)
    assert caught.value.reason == "reused"
    assert await session.token_store.get(session.binding.token_key) == first


async def test_expired_state(session: Session, client: httpx.AsyncClient) -> None:
    url = await begin_authorization(
        session.config,
        redirect_uri=REDIRECT_URI,
        binding=session.binding,
        state_store=session.state_store,
        clock=session.clock,
        settings=Settings(oauth_state_ttl_s=1),
    )
    query = callback_params(await browse_to_callback(url, REDIRECT_URI))
    session.clock.advance(1)  # the state's expiry: from this moment on it is refused
    with pytest.raises(StateError) as caught:
        await _exchange(session, client, **query)
    assert caught.value.reason == "expired"
    assert "expired" in str(caught.value)
    assert await session.token_store.get(session.binding.token_key) is None


async def test_callback_on_another_redirect_uri(session: Session, client: httpx.AsyncClient) -> None:
    callback = await _callback_for(session)
    with pytest.raises(StateError) as caught:
        await complete_authorization(
            session.config,
            redirect_uri="http://127.0.0.1:9/elsewhere",
            state_store=session.state_store,
            clock=session.clock,
            token_store=session.token_store,
            client=client,
            **callback,
        )
    assert caught.value.reason == "mismatch"


async def test_concurrent_callbacks_with_one_state_only_one_wins(
    session: Session, client: httpx.AsyncClient
) -> None:
    url = await begin_authorization(
        session.config,
        redirect_uri=REDIRECT_URI,
        binding=session.binding,
        state_store=session.state_store,
        clock=session.clock,
    )
    query = callback_params(await browse_to_callback(url, REDIRECT_URI))
    results = await asyncio.gather(
        *(_exchange(session, client, **query) for _ in range(3)), return_exceptions=True
    )
    assert sum(isinstance(r, TokenSet) for r in results) == 1
    assert sum(isinstance(r, StateError) and r.reason == "reused" for r in results) == 2


# --- refresh failures keep the stored tokens ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/html", "not a token response"), ("/503", "HTTP 503"), ("/garbage", "not a token")],
)
async def test_refresh_failure_keeps_the_tokens(
    session: Session, client: httpx.AsyncClient, protected_api: Api, stub: str, path: str, expected: str
) -> None:
    before = (await sign_in(session, client)).tokens
    session.config = session.config.model_copy(update={"token_url": stub + path})
    with pytest.raises(AuthError) as caught:
        await client.get(f"{protected_api.url}/me", auth=bearer(session, client, skew=60))
    assert not isinstance(caught.value, SignInRequired)
    assert expected in str(caught.value)
    assert await session.token_store.get(session.binding.token_key) == before


async def test_refresh_with_token_endpoint_down_keeps_the_tokens(
    session: Session, client: httpx.AsyncClient, protected_api: Api
) -> None:
    before = (await sign_in(session, client)).tokens
    session.config = session.config.model_copy(update={"token_url": f"http://127.0.0.1:{free_port()}/token"})
    with pytest.raises(TokenEndpointError, match="Could not reach the token endpoint"):
        await client.get(f"{protected_api.url}/me", auth=bearer(session, client, skew=60))
    assert await session.token_store.get(session.binding.token_key) == before


async def test_refresh_with_wrong_client_secret_keeps_the_tokens(
    session: Session, client: httpx.AsyncClient, protected_api: Api
) -> None:
    before = (await sign_in(session, client)).tokens
    session.config = session.config.model_copy(update={"client_secret": SecretValue("rotated-away")})
    with pytest.raises(TokenEndpointError) as caught:
        await client.get(f"{protected_api.url}/me", auth=bearer(session, client, skew=60))
    assert caught.value.error == "invalid_client"
    assert await session.token_store.get(session.binding.token_key) == before


async def test_refresh_answer_without_a_new_refresh_token_keeps_the_old_one(
    session: Session, client: httpx.AsyncClient, stub: str
) -> None:
    key = session.binding.token_key
    old = TokenSet(SecretValue("stub-access-1"), refresh_token=SecretValue("stub-refresh-1"), scope="a b")
    await session.token_store.put(key, dataclasses.replace(old, expires_at=session.clock() - 1))
    session.config = session.config.model_copy(update={"token_url": stub + "/no-rotation"})
    echo = await client.get(f"{stub}/form", auth=bearer(session, client))  # any URL; we only need a call
    assert echo.status_code == 405
    stored = await session.token_store.get(key)
    assert stored is not None
    assert stored.access_token == SecretValue("stub-access-2")
    assert stored.refresh_token == SecretValue("stub-refresh-1")
    assert stored.scope == "a b"
    assert stored.expires_at is not None
    assert stored.expires_at == session.clock() + 3600


# --- no way to refresh ---------------------------------------------------------------------------


def _always_401() -> Starlette:
    calls: list[str] = []

    async def refuse(request: Request) -> Response:
        calls.append(request.headers.get("authorization", ""))
        return JSONResponse({"error": "invalid_token"}, status_code=401)

    app = Starlette(routes=[Route("/", refuse)])
    app.state.calls = calls
    return app


async def test_expired_without_refresh_token_asks_to_sign_in(
    session: Session, client: httpx.AsyncClient, protected_api: Api
) -> None:
    key = session.binding.token_key
    await session.token_store.put(
        key, TokenSet(SecretValue("expired-access-Ld2"), expires_at=session.clock() - 10)
    )
    with pytest.raises(SignInRequired) as caught:
        await client.get(f"{protected_api.url}/me", auth=bearer(session, client))
    assert caught.value.reason == "the sign-in expired"
    assert await session.token_store.get(key) is None


async def test_401_without_refresh_token_asks_to_sign_in(session: Session, client: httpx.AsyncClient) -> None:
    key = session.binding.token_key
    await session.token_store.put(key, TokenSet(SecretValue("never-good")))
    app = _always_401()
    with serve(app) as url, pytest.raises(SignInRequired) as caught:
        await client.get(url + "/", auth=bearer(session, client))
    assert caught.value.reason == "the API refused the sign-in"
    assert app.state.calls == ["Bearer never-good"]
    assert await session.token_store.get(key) is None


async def test_401_after_a_refresh_is_returned_not_retried_forever(
    session: Session, client: httpx.AsyncClient
) -> None:
    await sign_in(session, client)
    app = _always_401()
    with serve(app) as url:
        response = await client.get(url + "/", auth=bearer(session, client))
    assert response.status_code == 401
    assert len(app.state.calls) == 2
    assert app.state.calls[0] != app.state.calls[1]  # the retry carried the refreshed token
    stored = await session.token_store.get(session.binding.token_key)
    assert stored is not None
    assert app.state.calls[1] == f"Bearer {stored.access_token.reveal()}"
