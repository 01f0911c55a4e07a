"""OAuth sign-in through the platform, on the real oidc-provider: start, callback, call, replay,
log out; and a sign-in that a server restart interrupts still completes (its state is in the DB).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from actionforge.web.app import create_app
from tests.auth.conftest import OIDC_DIR, Provider, browse_to_callback, protected_api_app
from tests.servers.threaded import free_port, serve
from tests.web.conftest import FakeClock, Server, server_settings, sign_up_owner, workspace_id

WEB_CLIENT = ("af-web", "web-secret-Lp3WsK8dQx64")  # the client server.js adds for AF_WEB_REDIRECT_URIS
UNSET = (
    "http://127.0.0.1:9"  # the API starts once the provider runs, and the provider once the callback is known
)


@pytest.fixture(autouse=True)
def engine_allows_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT"):
        monkeypatch.setenv(f"ACTIONFORGE_{name}", "true")


def document(api_url: str) -> str:
    operation = {"operationId": "me", "responses": {"200": {"description": "ok"}}}
    return json.dumps({
        "openapi": "3.1.0", "info": {"title": "Me", "version": "1"}, "servers": [{"url": api_url}],
        "paths": {"/me": {"get": operation}},
    })  # fmt: skip


def oauth(issuer: str) -> dict[str, Any]:
    return {
        "type": "oauth", "client_id": WEB_CLIENT[0], "client_secret": WEB_CLIENT[1], "scope": "read",
        "authorization_url": f"{issuer}/auth", "token_url": f"{issuer}/token",
    }  # fmt: skip


@contextmanager
def provider_for(monkeypatch: pytest.MonkeyPatch, port: int, callback_url: str) -> Iterator[Provider]:
    """The oidc-provider on ``port``, with a client whose one redirect URI is ``callback_url``."""
    node = shutil.which("node")
    if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the OAuth tests need Node.js and `npm ci --prefix tests/servers/oidc`", pytrace=False)
    monkeypatch.setenv("AF_WEB_REDIRECT_URIS", callback_url)
    process = subprocess.Popen(
        [node, "server.js", str(port)], cwd=OIDC_DIR, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening "), line
        yield Provider(line.split()[1])
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


class OAuthGpt:
    """A GPT with one OAuth action on a real API that asks the real provider about each token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.gpt_id = self.action_id = self.callback_url = ""
        self.provider_port = free_port()  # the callback URL changes with the OAuth settings: set them once

    async def create(self) -> None:
        ws = await workspace_id(self.client)
        self.gpt_id = (await self.client.post(f"/api/workspaces/{ws}/gpts", json={"name": "Me"})).json()["id"]
        body = {"schema": document(UNSET), "auth": oauth(f"http://127.0.0.1:{self.provider_port}")}
        created = await self.client.post(f"/api/gpts/{self.gpt_id}/actions", json=body)
        assert created.status_code == 201, created.text
        self.action_id, self.callback_url = created.json()["id"], created.json()["callback_url"]

    def provider(self, monkeypatch: pytest.MonkeyPatch) -> Any:
        return provider_for(monkeypatch, self.provider_port, self.callback_url)

    async def point_at(self, api_url: str) -> None:
        body = {"schema": document(api_url)}
        patched = await self.client.patch(f"/api/gpts/{self.gpt_id}/actions/{self.action_id}", json=body)
        assert patched.status_code == 200, patched.text

    async def start_sign_in(self, return_to: str) -> str:
        started = await self.client.post(
            f"/api/me/connections/{self.action_id}/sign-in", json={"return_to": return_to}
        )
        assert started.status_code == 200, started.text
        assert started.json()["callback_url"] == self.callback_url
        url: str = started.json()["authorize_url"]
        return url

    async def callback(self, client: httpx.AsyncClient, query: dict[str, str]) -> httpx.Response:
        path = urlsplit(self.callback_url).path  # the public base URL is this app (the cookie's host)
        return await client.get(f"{path}?{urlencode(query)}")

    async def call_me(self, client: httpx.AsyncClient) -> dict[str, Any]:
        body = {"operation": "me", "arguments": {}}
        answer = await client.post(f"/api/gpts/{self.gpt_id}/actions/{self.action_id}/test", json=body)
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found


def started_app(tmp_path: Path, database_url: str) -> FastAPI:
    return create_app(server_settings(tmp_path, database_url), clock=FakeClock())


@pytest.fixture
async def owner_app(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = started_app(tmp_path, database_url)
    async with app.router.lifespan_context(app):
        server = Server(app, FakeClock(), server_settings(tmp_path, database_url))
        async with server.client() as client:
            await sign_up_owner(server, client)
            yield app, client


async def test_sign_in_then_call_replay_and_log_out(
    owner_app: tuple[FastAPI, httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, client = owner_app
    gpt = OAuthGpt(client)
    await gpt.create()
    with ExitStack() as stack:
        provider = stack.enter_context(gpt.provider(monkeypatch))
        await gpt.point_at(stack.enter_context(serve(protected_api_app(provider))))
        assert (await gpt.call_me(client))["outcome"] == "sign_in_required"
        query = await browse_to_callback(await gpt.start_sign_in("/gpts/back-here"), gpt.callback_url)
        done = await gpt.callback(client, query)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/gpts/back-here"
        me = await gpt.call_me(client)
        assert me["outcome"] == "ok", me
        assert json.loads(me["response"]["body"])["sub"] == "alice"
        replay = await gpt.callback(client, query)
        assert replay.status_code == 422
        assert replay.json()["detail"] == "This sign-in link was already used; start the sign-in again"
        [connection] = (await client.get("/api/me/connections")).json()["items"]
        assert (connection["kind"], connection["scope"]) == ("oauth", "read")
        assert (await client.delete(f"/api/me/connections/{gpt.action_id}")).status_code == 204
        assert (await gpt.call_me(client))["outcome"] == "sign_in_required"


async def test_a_restart_in_the_middle_of_a_sign_in_still_completes(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = started_app(tmp_path, database_url)
    async with first.router.lifespan_context(first):
        server = Server(first, FakeClock(), server_settings(tmp_path, database_url))
        client = server.client()
        await sign_up_owner(server, client)
        gpt = OAuthGpt(client)
        await gpt.create()
    with ExitStack() as stack:
        provider = stack.enter_context(gpt.provider(monkeypatch))
        api_url = stack.enter_context(serve(protected_api_app(provider)))
        async with first.router.lifespan_context(first):
            await gpt.point_at(api_url)
            authorize_url = await gpt.start_sign_in("/")
        query = await browse_to_callback(authorize_url, gpt.callback_url)  # the server is down meanwhile
        second = started_app(tmp_path, database_url)
        async with second.router.lifespan_context(second):
            transport = httpx.ASGITransport(app=second)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as again:
                again.cookies, again.headers = client.cookies, client.headers
                assert (await gpt.callback(again, query)).status_code == 303
                assert (await gpt.call_me(again))["outcome"] == "ok"
    await client.aclose()


async def test_refused_sign_ins_say_why(owner_app: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = owner_app
    gpt = OAuthGpt(client)
    await gpt.create()
    away = await client.post(
        f"/api/me/connections/{gpt.action_id}/sign-in", json={"return_to": "https://evil.example/"}
    )
    assert away.status_code == 422
    assert away.json()["errors"][0]["pointer"] == "/return_to"
    unknown = await gpt.callback(client, {"state": "never-issued", "code": "x"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["pointer"] == "/query/state"
