"""Real servers for the auth tests: an oidc-provider OAuth server and an API that checks tokens.

The provider runs under Node (``tests/servers/oidc``); the API is Starlette on uvicorn and asks
the provider's introspection endpoint about every bearer token, so an expired or revoked token
really gets a 401.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from actionforge.auth.oauth import (
    InMemoryStateStore,
    InMemoryTokenStore,
    OAuthBearerAuth,
    OAuthConfig,
    StateBinding,
    TokenRefresher,
    begin_authorization,
    callback_params,
    complete_authorization,
)
from actionforge.auth.oauth.flow import SignedIn
from actionforge.secrets.value import SecretValue
from actionforge.settings import Settings
from tests.clock import FakeClock
from tests.servers.threaded import free_port, serve

OIDC_DIR = Path(__file__).resolve().parent.parent / "servers" / "oidc"

# Must match tests/servers/oidc/server.js.
CLIENT_SECRETS = {
    "af-post": "post-secret-Zq8VwX3kLr91",
    "af-basic": "basic-secret-Hn4TmQ7sPe52",
    "af-legacy": "legacy-secret-Ub6YcJ2wDf38",
}
API_CLIENT = ("af-api", "api-secret-Rk5GeN9vAt17")
ACCESS_TOKEN_TTL_S = 5  # ttl.AccessToken in server.js: the expires_in of every access token


@dataclass(frozen=True)
class Provider:
    issuer: str

    @property
    def authorization_url(self) -> str:
        return f"{self.issuer}/auth"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"

    @property
    def introspection_url(self) -> str:
        return f"{self.issuer}/token/introspection"

    @property
    def revocation_url(self) -> str:
        return f"{self.issuer}/token/revocation"

    def config(self, client_id: str = "af-post", **overrides: object) -> OAuthConfig:
        fields: dict[str, object] = {
            "client_id": client_id,
            "client_secret": SecretValue(CLIENT_SECRETS.get(client_id, "unknown")),
            "authorization_url": self.authorization_url,
            "token_url": self.token_url,
            "scope": "read write",
            "token_exchange_method": "basic_auth_header" if client_id == "af-basic" else "default_post",
            "revocation_url": self.revocation_url,
        }
        fields.update(overrides)
        return OAuthConfig.model_validate(fields)

    async def introspect(self, token: str) -> dict[str, object]:
        async with httpx.AsyncClient() as http:
            answer = await http.post(self.introspection_url, data={"token": token}, auth=API_CLIENT)
        answer.raise_for_status()
        data: dict[str, object] = answer.json()
        return data

    async def revoke(self, token: str, client_id: str = "af-post") -> None:
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                self.revocation_url,
                data={"token": token, "client_id": client_id, "client_secret": CLIENT_SECRETS[client_id]},
            )
        assert answer.status_code == 200, answer.text


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    """The oidc-provider server; fails (never skips) when its node_modules are not installed."""
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            f"{OIDC_DIR / 'node_modules'} is missing: run `npm ci --prefix tests/servers/oidc` "
            "(see tests/servers/oidc/README.md)",
            pytrace=False,
        )
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; the OAuth tests need Node.js 20+", pytrace=False)
    with tempfile.TemporaryFile(mode="w+") as stderr:  # a file, not a pipe nobody drains
        yield from _run_provider(node, stderr)


def _run_provider(node: str, stderr: IO[str]) -> Iterator[Provider]:
    process = subprocess.Popen(
        [node, "server.js", str(free_port())],
        cwd=OIDC_DIR,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, "NODE_ENV": "test"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("listening "):
            process.kill()
            process.wait(timeout=5)
            stderr.seek(0)
            pytest.fail(f"the OIDC provider did not start: {line}{stderr.read()}", pytrace=False)
        yield Provider(line.split()[1])
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def protected_api_app(provider: Provider) -> Starlette:
    """``GET /me``: 401 unless the bearer token is active at the provider; counts what it saw."""
    seen: list[str] = []

    async def me(request: Request) -> JSONResponse:
        header = request.headers.get("authorization", "")
        seen.append(header)
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not token:
            return JSONResponse({"error": "no bearer token"}, status_code=401)
        async with httpx.AsyncClient() as client:
            answer = await client.post(provider.introspection_url, data={"token": token}, auth=API_CLIENT)
        info = answer.json()
        if not info.get("active"):
            return JSONResponse(
                {"error": "invalid_token"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return JSONResponse({"sub": info["sub"], "client_id": info["client_id"], "scope": info["scope"]})

    async def echo_body(request: Request) -> JSONResponse:
        return JSONResponse({"body": (await request.body()).decode()})

    app = Starlette(routes=[Route("/me", me), Route("/echo", echo_body, methods=["POST"])])
    app.state.seen = seen
    return app


@dataclass(frozen=True)
class Api:
    url: str
    app: Starlette

    @property
    def seen(self) -> list[str]:
        seen: list[str] = self.app.state.seen
        return seen


@pytest.fixture(scope="session")
def protected_api(oidc_provider: Provider) -> Iterator[Api]:
    app = protected_api_app(oidc_provider)
    with serve(app) as url:
        yield Api(url, app)


@dataclass
class TokenEndpointCalls:
    """Counts requests to the token endpoint made through the client under test."""

    token_url: str
    count: int = 0

    async def __call__(self, request: httpx.Request) -> None:
        if str(request.url) == self.token_url:
            self.count += 1


@pytest.fixture
def token_calls(oidc_provider: Provider) -> TokenEndpointCalls:
    return TokenEndpointCalls(oidc_provider.token_url)


@pytest.fixture
async def client(token_calls: TokenEndpointCalls) -> AsyncIterator[httpx.AsyncClient]:
    """The injected client (the facade's would sit on the egress guard)."""
    async with httpx.AsyncClient(event_hooks={"request": [token_calls]}, timeout=10) as http:
        yield http


async def browse_to_callback(authorize_url: str, redirect_uri: str, *, deny: bool = False) -> dict[str, str]:
    """Play the user's browser: follow the provider's redirects (it approves by itself) until it
    sends us to ``redirect_uri``; return that callback's query parameters."""
    async with httpx.AsyncClient(timeout=10) as browser:
        url = httpx.URL(authorize_url)
        for _ in range(10):
            if deny and url.path.startswith("/interaction/"):
                url = url.copy_set_param("deny", "1")
            response = await browser.get(url)
            assert response.is_redirect, f"provider answered {response.status_code}: {response.text[:500]}"
            url = response.url.join(response.headers["location"])
            if str(url).startswith(redirect_uri):
                return dict(parse_qsl(urlsplit(str(url)).query))
    raise AssertionError("the provider never redirected to the callback")


REDIRECT_URI = "http://127.0.0.1:8765/callback"  # never served: the test browser stops before it


@dataclass
class Session:
    """Everything one signed-in user needs, with the stores a test inspects."""

    provider: Provider
    config: OAuthConfig
    binding: StateBinding
    state_store: InMemoryStateStore
    token_store: InMemoryTokenStore
    refresher: TokenRefresher
    clock: FakeClock  # the one clock of the stores, the refresher and the flow calls


async def sign_in(
    session: Session,
    client: httpx.AsyncClient,
    *,
    browse: Callable[[str], Awaitable[dict[str, str]]] | None = None,
) -> SignedIn:
    """The whole authorization-code sign-in; ``browse`` plays the user's browser (default:
    `browse_to_callback`) and returns the callback's query parameters."""
    url = await begin_authorization(
        session.config,
        redirect_uri=REDIRECT_URI,
        binding=session.binding,
        state_store=session.state_store,
        clock=session.clock,
    )
    query = await browse(url) if browse else await browse_to_callback(url, REDIRECT_URI)
    return await complete_authorization(
        session.config,
        redirect_uri=REDIRECT_URI,
        state_store=session.state_store,
        token_store=session.token_store,
        client=client,
        clock=session.clock,
        **callback_params(query),
    )


@pytest.fixture
def session(oidc_provider: Provider) -> Session:
    clock = FakeClock()
    return Session(
        provider=oidc_provider,
        config=oidc_provider.config(),
        binding=StateBinding("alice-id", "action-1", "published", "conversation-9"),
        state_store=InMemoryStateStore(clock),
        token_store=InMemoryTokenStore(),
        refresher=TokenRefresher(clock),
        clock=clock,
    )


def bearer(session: Session, client: httpx.AsyncClient, *, skew: int = 0) -> OAuthBearerAuth:
    """The auth the facade would pass to the calls layer for this session's user (its refresher
    carries the session's clock)."""
    return OAuthBearerAuth(
        session.binding.token_key,
        config=session.config,
        token_store=session.token_store,
        client=client,
        refresher=session.refresher,
        domain="127.0.0.1",
        settings=Settings(oauth_refresh_skew_s=skew),
    )
