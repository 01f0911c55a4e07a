"""An app per test on each database, driven through httpx's ASGI transport, with an injected clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from actionforge.platform.settings import ServerSettings
from actionforge.web.app import create_app
from actionforge.web.deps import Services
from tests.store.databases import database_url
from tests.web.processes import served

__all__ = ["database_url", "served"]

PASSWORD = "correct horse battery"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Server:
    app: FastAPI
    clock: FakeClock
    settings: ServerSettings

    @property
    def services(self) -> Services:
        found: Services = self.app.state.services
        return found

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://testserver")


def server_settings(tmp_path: Path, database_url: str, **overrides: object) -> ServerSettings:
    return ServerSettings(
        data_dir=tmp_path / "data", database_url=database_url, argon2_time_cost=1, argon2_memory_kib=64,
        **overrides,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture
async def server(tmp_path: Path, database_url: str) -> AsyncIterator[Server]:
    clock = FakeClock()
    settings = server_settings(tmp_path, database_url)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield Server(app, clock, settings)


async def sign_up_owner(server: Server, client: httpx.AsyncClient, email: str = "owner@example.com") -> str:
    """Redeem the setup link as the first owner; returns the CSRF token, set on ``client``."""
    link = await server.services.accounts.setup_link()
    assert link is not None
    token = parse_qs(urlsplit(link).query)["token"][0]
    body = {"token": token, "email": email, "password": PASSWORD, "display_name": "Owner"}
    response = await client.post("/api/setup", json=body)
    assert response.status_code == 201, response.text
    csrf: str = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = csrf
    return csrf


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    response = await client.post("/api/session", json={"email": email, "password": password})
    if response.status_code == 200:
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return response


@pytest.fixture
async def owner(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as the first owner (cookie session, CSRF header set)."""
    async with server.client() as client:
        await sign_up_owner(server, client)
        yield client


MakeUser = Callable[[str], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def make_user(server: Server) -> AsyncIterator[MakeUser]:
    """Creates another account (with a workspace of its own) and returns a client signed in as it."""
    from actionforge.platform.accounts import NewUser

    clients: list[httpx.AsyncClient] = []

    async def make(email: str) -> httpx.AsyncClient:
        await server.services.accounts.create_user(NewUser(email, PASSWORD, email.split("@")[0]))
        client = server.client()
        clients.append(client)
        assert (await sign_in(client, email)).status_code == 200
        return client

    yield make
    for client in clients:
        await client.aclose()


async def workspace_id(client: httpx.AsyncClient) -> str:
    response = await client.get("/api/workspaces")
    assert response.status_code == 200, response.text
    found: str = response.json()["items"][0]["id"]
    return found
