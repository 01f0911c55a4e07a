"""The OAuth settings beyond the original, through a whole sign-in: with PKCE switched off and an
extra authorize parameter, the real authorize endpoint on loopback gets the parameter and no code
challenge, and the real token endpoint gets no code verifier; the call then carries the token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.servers.threaded import serve
from tests.web.conftest import workspace_id

TOKEN = "token-for-pkce-off-6b2e91"


@pytest.fixture(autouse=True)
def engine_allows_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT"):
        monkeypatch.setenv(f"ACTIONFORGE_{name}", "true")


class Provider:
    """An authorization server that records what each endpoint got, and the API it protects."""

    def __init__(self) -> None:
        self.authorize: dict[str, str] = {}
        self.token: dict[str, str] = {}

    def app(self) -> Starlette:
        async def authorize(request: Request) -> Response:
            self.authorize = dict(request.query_params)
            query = urlencode({"code": "code-1", "state": self.authorize["state"]})
            return RedirectResponse(f"{self.authorize['redirect_uri']}?{query}", status_code=302)

        async def token(request: Request) -> JSONResponse:
            self.token = {k: str(v) for k, v in (await request.form()).items()}
            return JSONResponse({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600})

        async def me(request: Request) -> JSONResponse:
            ok = request.headers.get("authorization") == f"Bearer {TOKEN}"
            return JSONResponse({"me": "signed in" if ok else "no"}, status_code=200 if ok else 401)

        return Starlette(routes=[
            Route("/authorize", authorize), Route("/token", token, methods=["POST"]), Route("/me", me),
        ])  # fmt: skip


@pytest.fixture
def provider() -> Iterator[tuple[Provider, str]]:
    found = Provider()
    with serve(found.app()) as url:
        yield found, url


def document(url: str) -> str:
    operation = {
        "operationId": "me",
        "responses": {"200": {"description": "ok"}},
        "security": [{"oauth": []}],
    }
    flows = {
        "authorizationCode": {
            "authorizationUrl": f"{url}/authorize",
            "tokenUrl": f"{url}/token",
            "scopes": {},
        }
    }
    return json.dumps({
        "openapi": "3.1.0", "info": {"title": "Me", "version": "1"}, "servers": [{"url": url}],
        "paths": {"/me": {"get": operation}},
        "components": {"securitySchemes": {"oauth": {"type": "oauth2", "flows": flows}}},
    })  # fmt: skip


async def test_pkce_off_and_an_extra_parameter_reach_the_provider(
    owner: httpx.AsyncClient, provider: tuple[Provider, str]
) -> None:
    found, url = provider
    auth: dict[str, Any] = {
        "type": "oauth", "client_id": "client-7", "client_secret": "secret-7", "scope": "read",
        "authorization_url": f"{url}/authorize", "token_url": f"{url}/token", "pkce": False,
        "extra_authorize_params": {"audience": "https://api.example.com/", "prompt": "consent"},
    }  # fmt: skip
    ws = await workspace_id(owner)
    gpt_id = (await owner.post(f"/api/workspaces/{ws}/gpts", json={"name": "Me"})).json()["id"]
    created = await owner.post(f"/api/gpts/{gpt_id}/actions", json={"schema": document(url), "auth": auth})
    assert created.status_code == 201, created.text
    action_id, callback_url = created.json()["id"], created.json()["callback_url"]
    started = await owner.post(f"/api/me/connections/{action_id}/sign-in", json={"return_to": "/back"})
    assert started.status_code == 200, started.text
    async with httpx.AsyncClient() as browser:
        redirected = await browser.get(started.json()["authorize_url"])
    assert redirected.status_code == 302
    assert found.authorize["audience"] == "https://api.example.com/"
    assert found.authorize["prompt"] == "consent"
    assert found.authorize["redirect_uri"] == callback_url
    assert "code_challenge" not in found.authorize
    assert "code_challenge_method" not in found.authorize
    back = urlsplit(redirected.headers["location"])
    done = await owner.get(f"{back.path}?{back.query}")
    assert done.status_code == 303, done.text
    assert found.token["code"] == "code-1"
    assert "code_verifier" not in found.token
    test = {"operation": "me", "arguments": {}}
    called = await owner.post(f"/api/gpts/{gpt_id}/actions/{action_id}/test", json=test)
    assert json.loads(called.json()["response"]["body"]) == {"me": "signed in"}


async def test_pkce_on_by_default_sends_the_challenge_and_the_verifier(
    owner: httpx.AsyncClient, provider: tuple[Provider, str]
) -> None:
    found, url = provider
    auth = {
        "type": "oauth", "client_id": "client-7", "client_secret": "secret-7",
        "authorization_url": f"{url}/authorize", "token_url": f"{url}/token",
    }  # fmt: skip
    ws = await workspace_id(owner)
    gpt_id = (await owner.post(f"/api/workspaces/{ws}/gpts", json={"name": "Me"})).json()["id"]
    created = await owner.post(f"/api/gpts/{gpt_id}/actions", json={"schema": document(url), "auth": auth})
    started = await owner.post(f"/api/me/connections/{created.json()['id']}/sign-in", json={"return_to": "/"})
    async with httpx.AsyncClient() as browser:
        redirected = await browser.get(started.json()["authorize_url"])
    assert found.authorize["code_challenge_method"] == "S256"
    back = urlsplit(redirected.headers["location"])
    assert (await owner.get(f"{back.path}?{back.query}")).status_code == 303
    assert len(found.token["code_verifier"]) >= 43
