"""Log out of an OAuth action through the platform revokes the tokens at the provider (RFC 7009)
where the action names a revocation endpoint, on the real oidc-provider; then deletes them."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import actionforge
from actionforge.platform.connections import DbTokenStore
from tests.auth.conftest import Provider, browse_to_callback, protected_api_app
from tests.servers.threaded import serve
from tests.web.test_oauth_signin import UNSET, OAuthGpt, document, engine_allows_loopback, oauth, owner_app

__all__ = ["engine_allows_loopback", "owner_app"]  # the fixtures this module shares


class RevocableGpt(OAuthGpt):
    """The OAuth GPT whose action names the provider's revocation endpoint, or not."""

    def __init__(self, client: httpx.AsyncClient, *, revocable: bool) -> None:
        super().__init__(client)
        self.revocable = revocable

    async def create(self) -> None:
        issuer = f"http://127.0.0.1:{self.provider_port}"
        auth = {**oauth(issuer), "revocation_url": f"{issuer}/token/revocation" if self.revocable else None}
        ws = (await self.client.get("/api/workspaces")).json()["items"][0]["id"]
        self.gpt_id = (await self.client.post(f"/api/workspaces/{ws}/gpts", json={"name": "Me"})).json()["id"]
        created = await self.client.post(
            f"/api/gpts/{self.gpt_id}/actions", json={"schema": document(UNSET), "auth": auth}
        )
        assert created.status_code == 201, created.text
        self.action_id, self.callback_url = created.json()["id"], created.json()["callback_url"]


async def signed_in(
    app: FastAPI, client: httpx.AsyncClient, gpt: RevocableGpt, provider: Provider, stack: ExitStack
) -> tuple[actionforge.TokenKey, actionforge.TokenSet]:
    await gpt.point_at(stack.enter_context(serve(protected_api_app(provider))))
    query = await browse_to_callback(await gpt.start_sign_in("/"), gpt.callback_url)
    assert (await gpt.callback(client, query)).status_code == 303
    assert (await gpt.call_me(client))["outcome"] == "ok"
    user_id = (await client.get("/api/session")).json()["user"]["id"]
    key = actionforge.TokenKey(user_id, gpt.action_id, "draft")
    tokens = await DbTokenStore(app.state.services.platform).get(key)
    assert tokens is not None
    assert tokens.refresh_token is not None
    return key, tokens


async def introspect(provider: Provider, token: actionforge.SecretValue | None) -> Any:
    assert token is not None
    return (await provider.introspect(token.reveal()))["active"]


async def test_log_out_revokes_the_grant_at_the_provider_then_deletes_the_tokens(
    owner_app: tuple[FastAPI, httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = owner_app
    gpt = RevocableGpt(client, revocable=True)
    await gpt.create()
    action = (await client.get(f"/api/gpts/{gpt.gpt_id}/actions/{gpt.action_id}")).json()
    assert action["auth"]["revocation_url"].endswith("/token/revocation")
    with ExitStack() as stack:
        provider = stack.enter_context(gpt.provider(monkeypatch))
        key, tokens = await signed_in(app, client, gpt, provider, stack)
        assert await introspect(provider, tokens.refresh_token) is True
        assert (await client.delete(f"/api/me/connections/{gpt.action_id}")).status_code == 204
        assert await introspect(provider, tokens.refresh_token) is False  # the grant is gone
        assert await introspect(provider, tokens.access_token) is False
        assert await DbTokenStore(app.state.services.platform).get(key) is None
        assert (await gpt.call_me(client))["outcome"] == "sign_in_required"
        assert (await client.delete(f"/api/me/connections/{gpt.action_id}")).status_code == 404


async def test_without_a_revocation_endpoint_log_out_only_deletes(
    owner_app: tuple[FastAPI, httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = owner_app
    gpt = RevocableGpt(client, revocable=False)
    await gpt.create()
    with ExitStack() as stack:
        provider = stack.enter_context(gpt.provider(monkeypatch))
        key, tokens = await signed_in(app, client, gpt, provider, stack)
        assert (await client.delete(f"/api/me/connections/{gpt.action_id}")).status_code == 204
        assert await DbTokenStore(app.state.services.platform).get(key) is None
        assert await introspect(provider, tokens.refresh_token) is True  # nothing was asked of the provider


async def test_changing_only_the_revocation_url_keeps_the_callback_url(
    owner_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = owner_app
    gpt = RevocableGpt(client, revocable=False)
    await gpt.create()
    url = f"/api/gpts/{gpt.gpt_id}/actions/{gpt.action_id}"
    settings = {k: v for k, v in oauth(f"http://127.0.0.1:{gpt.provider_port}").items() if "client" not in k}
    auth = {**settings, "revocation_url": "http://127.0.0.1:1/revoke"}  # the secrets left out are kept
    changed = (await client.patch(url, json={"auth": auth})).json()
    assert changed["callback_url"] == gpt.callback_url
    bad = await client.patch(url, json={"auth": {**auth, "revocation_url": "ftp://x/revoke"}})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "/auth/revocation_url"
