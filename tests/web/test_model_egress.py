"""Model-provider traffic goes through the egress guard: a provider URL an admin typed that names
this machine, the private network or cloud metadata is refused unless the instance says model
servers may be local (``ACTIONFORGE_MODELS_LOCAL_NETWORK``), and metadata is refused even then."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from actionforge.testing import say as reply
from actionforge.web.app import create_app
from tests.chat.world import (
    answer_text,
    new_gpt,
    of_type,
    open_conversation,
    read,
    register_model,
    say,
    scripted,
)
from tests.web.conftest import FakeClock, Server, server_settings, sign_up_owner


@pytest.fixture(autouse=True)
def actions_may_reach_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The actions' development switches on, to show they do not open the guard to models."""
    for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT"):
        monkeypatch.setenv(f"ACTIONFORGE_{name}", "true")
    monkeypatch.delenv("ACTIONFORGE_MODELS_LOCAL_NETWORK", raising=False)


async def _server(tmp_path: Path, database_url: str, *, local: bool) -> AsyncIterator[Server]:
    settings = server_settings(tmp_path, database_url, models_local_network=local)
    app = create_app(settings, clock=FakeClock(), environ={})
    async with app.router.lifespan_context(app):
        yield Server(app, app.state.services.platform.clock, settings)


@pytest.fixture
async def guarded(tmp_path: Path, database_url: str) -> AsyncIterator[Server]:
    """The default: model servers may not be local."""
    async for server in _server(tmp_path, database_url, local=False):
        yield server


@pytest.fixture
async def local(tmp_path: Path, database_url: str) -> AsyncIterator[Server]:
    """An admin who runs Ollama or vLLM nearby turned ``models_local_network`` on."""
    async for server in _server(tmp_path, database_url, local=True):
        yield server


async def _refusal(server: Server, client: httpx.AsyncClient) -> str:
    conversation = await open_conversation(client, await new_gpt(client))
    await say(server, client, conversation, "Hi")
    found = await read(client, conversation)
    (error,) = of_type(found, "error")
    assert of_type(found, "turn_done") == [{"outcome": "failed"}]
    text: str = error["text"]
    return text


async def test_a_loopback_provider_is_refused_by_default_and_nothing_is_sent(guarded: Server) -> None:
    async with guarded.client() as client:
        await sign_up_owner(guarded, client)
        with scripted(reply("Hello.")) as (model, base_url):
            await register_model(client, base_url)
            text = await _refusal(guarded, client)
    assert "127.0.0.1 is a loopback address" in text
    assert model.requests == []  # the real loopback server was never reached


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [
        ("http://169.254.169.254/v1", "169.254.169.254 is a link-local address (cloud metadata)"),
        ("http://10.20.30.40:8000/v1", "10.20.30.40 is a private address (10.0.0.0/8)"),
        ("http://localhost:11434/v1", "localhost is a loopback name"),
    ],
)
async def test_metadata_private_and_local_names_are_refused_by_default(
    guarded: Server, base_url: str, reason: str
) -> None:
    async with guarded.client() as client:
        await sign_up_owner(guarded, client)
        await register_model(client, base_url)
        assert reason in await _refusal(guarded, client)


async def test_with_models_local_network_a_loopback_provider_works(local: Server) -> None:
    async with local.client() as client:
        await sign_up_owner(local, client)
        with scripted(reply("Hello from the local model.")) as (model, base_url):
            await register_model(client, base_url)
            conversation = await open_conversation(client, await new_gpt(client))
            await say(local, client, conversation, "Hi")
            assert answer_text(await read(client, conversation)) == "Hello from the local model."
    assert len(model.requests) == 1


async def test_with_models_local_network_cloud_metadata_is_still_refused(local: Server) -> None:
    async with local.client() as client:
        await sign_up_owner(local, client)
        await register_model(client, "http://169.254.169.254/latest/v1")
        assert "169.254.169.254 is a link-local address (cloud metadata)" in await _refusal(local, client)
