"""Log out (with RFC 7009 revocation) and the terminal sign-in over a loopback callback."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest

from actionforge.auth.oauth import AuthorizationDenied, disconnect
from actionforge.auth.oauth.loopback_login import LoginTimeout, login_in_browser
from actionforge.errors import SignInRequired
from actionforge.settings import Settings
from tests.auth.conftest import Api, Session, TokenEndpointCalls, bearer, sign_in
from tests.servers.threaded import free_port


async def test_disconnect_revokes_at_the_provider_and_forgets_the_tokens(
    session: Session, client: httpx.AsyncClient, protected_api: Api
) -> None:
    tokens = (await sign_in(session, client)).tokens
    assert tokens.refresh_token is not None
    key = session.binding.token_key

    assert await disconnect(key, token_store=session.token_store, config=session.config, client=client)

    assert await session.token_store.get(key) is None
    # Revoking the refresh token ends the grant: its access token is dead too.
    assert (await session.provider.introspect(tokens.refresh_token.reveal()))["active"] is False
    assert (await session.provider.introspect(tokens.access_token.reveal()))["active"] is False
    with pytest.raises(SignInRequired):
        await client.get(f"{protected_api.url}/me", auth=bearer(session, client))


async def test_disconnect_without_revocation_url_only_forgets(
    session: Session, client: httpx.AsyncClient
) -> None:
    tokens = (await sign_in(session, client)).tokens
    config = session.config.model_copy(update={"revocation_url": None})
    key = session.binding.token_key
    assert await disconnect(key, token_store=session.token_store, config=config, client=client)
    assert await session.token_store.get(key) is None
    assert (await session.provider.introspect(tokens.access_token.reveal()))["active"] is True


async def test_disconnect_forgets_even_when_revocation_fails(
    session: Session, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await sign_in(session, client)
    config = session.config.model_copy(update={"revocation_url": f"http://127.0.0.1:{free_port()}/revoke"})
    key = session.binding.token_key
    assert await disconnect(key, token_store=session.token_store, config=config, client=client)
    assert await session.token_store.get(key) is None
    assert "token revocation at http://127.0.0.1:" in caplog.text


async def test_disconnect_when_not_signed_in(session: Session) -> None:
    assert not await disconnect(session.binding.token_key, token_store=session.token_store)


async def test_disconnect_touches_only_its_own_key(session: Session, client: httpx.AsyncClient) -> None:
    published = (await sign_in(session, client)).tokens
    draft_key = dataclasses.replace(session.binding, mode="draft").token_key
    assert not await disconnect(draft_key, token_store=session.token_store)
    assert await session.token_store.get(session.binding.token_key) == published


# --- terminal sign-in ----------------------------------------------------------------------------


def follow_in_browser(url: str) -> bool:
    """The test's browser: follows every redirect, the callback on 127.0.0.1 included (so it is
    a blocking function, as webbrowser.open is)."""
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        page = browser.get(url)
    assert page.status_code == 200
    assert page.url.path == "/callback"
    assert "Sign-in received" in page.text
    return True


async def test_login_in_browser_end_to_end(
    session: Session, client: httpx.AsyncClient, protected_api: Api, token_calls: TokenEndpointCalls
) -> None:
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        return follow_in_browser(url)

    tokens = await login_in_browser(
        session.config,
        token_store=session.token_store,
        binding=session.binding,
        client=client,
        open_browser=browser,
    )

    assert await session.token_store.get(session.binding.token_key) == tokens
    redirect_uri = httpx.URL(opened[0]).params["redirect_uri"]
    assert redirect_uri.startswith("http://127.0.0.1:")
    assert redirect_uri.endswith("/callback")
    assert token_calls.count == 1
    response = await client.get(f"{protected_api.url}/me", auth=bearer(session, client))
    assert response.json()["sub"] == "alice"
    # The callback server is gone once the sign-in is over.
    port = httpx.URL(redirect_uri).port
    with pytest.raises(httpx.ConnectError):
        await client.get(f"http://127.0.0.1:{port}/callback")


async def test_login_in_browser_on_a_fixed_port(session: Session, client: httpx.AsyncClient) -> None:
    port = free_port()
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        return follow_in_browser(url)

    await login_in_browser(
        session.config,
        token_store=session.token_store,
        binding=session.binding,
        client=client,
        open_browser=browser,
        port=port,
    )
    assert httpx.URL(opened[0]).params["redirect_uri"] == f"http://127.0.0.1:{port}/callback"


async def test_login_in_browser_when_the_user_refuses(session: Session, client: httpx.AsyncClient) -> None:
    def refusing_browser(url: str) -> bool:
        with httpx.Client(timeout=10) as browser:
            target = httpx.URL(url)
            for _ in range(10):
                if target.path.startswith("/interaction/"):
                    target = target.copy_set_param("deny", "1")
                response = browser.get(target)
                if not response.is_redirect:
                    assert "Sign-in failed" in response.text
                    return True
                target = response.url.join(response.headers["location"])
        raise AssertionError("never reached the callback")

    with pytest.raises(AuthorizationDenied) as caught:
        await login_in_browser(
            session.config,
            token_store=session.token_store,
            binding=session.binding,
            client=client,
            open_browser=refusing_browser,
        )
    assert caught.value.error == "access_denied"
    assert await session.token_store.get(session.binding.token_key) is None


async def test_login_in_browser_times_out(session: Session, client: httpx.AsyncClient) -> None:
    with pytest.raises(LoginTimeout, match=r"No sign-in callback arrived within 0\.3 s"):
        await login_in_browser(
            session.config,
            token_store=session.token_store,
            binding=session.binding,
            client=client,
            open_browser=lambda url: False,
            settings=Settings(oauth_login_timeout_s=0.3),
        )
    assert await session.token_store.get(session.binding.token_key) is None


async def test_stray_requests_do_not_end_the_wait(session: Session, client: httpx.AsyncClient) -> None:
    def browser(url: str) -> bool:
        callback = httpx.URL(httpx.URL(url).params["redirect_uri"])
        assert httpx.get(callback.copy_with(path="/favicon.ico")).status_code == 404
        return follow_in_browser(url)

    tokens = await asyncio.wait_for(
        login_in_browser(
            session.config,
            token_store=session.token_store,
            binding=session.binding,
            client=client,
            open_browser=browser,
        ),
        timeout=20,
    )
    assert tokens.refresh_token is not None
