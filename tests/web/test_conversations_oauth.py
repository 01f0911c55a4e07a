"""OAuth in the middle of a turn, on the real oidc-provider and an API that introspects each token:
"Sign in with {domain}" before any Allow, the paused call resuming by itself after the callback, an
expired token refreshed on the way, and a revoked grant asking to sign in again."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import actionforge
from actionforge.platform.connections import DbTokenStore
from actionforge.testing import ScriptedModel, call_tools
from actionforge.testing import say as reply
from actionforge.web.app import create_app
from tests.auth.conftest import Provider, browse_to_callback, protected_api_app
from tests.chat.world import of_type, read, register_model, statuses
from tests.servers.threaded import serve
from tests.web.conftest import FakeClock, Server, server_settings, sign_up_owner
from tests.web.test_oauth_signin import WEB_CLIENT, OAuthGpt


@pytest.fixture(autouse=True)
def engine_allows_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT"):
        monkeypatch.setenv(f"ACTIONFORGE_{name}", "true")
    monkeypatch.setenv("ACTIONFORGE_MODELS_LOCAL_NETWORK", "true")  # the scripted model on 127.0.0.1


@dataclass
class World:
    server: Server
    client: httpx.AsyncClient
    gpt: OAuthGpt
    provider: Provider
    api_seen: list[str]
    model: ScriptedModel
    conversation: str = ""

    async def say(self, text: str) -> None:
        sent = await self.client.post(f"/api/conversations/{self.conversation}/messages", json={"text": text})
        assert sent.status_code == 202, sent.text
        await self.server.services.chat.settled(self.conversation)

    async def sign_in(self) -> None:
        """What the "Sign in with {domain}" button does: start, the provider's pages, the callback."""
        page = f"/gpts/{self.gpt.gpt_id}/edit"
        query = await browse_to_callback(await self.gpt.start_sign_in(page), self.gpt.callback_url)
        back = await self.gpt.callback(self.client, query)
        assert back.status_code == 303
        assert back.headers["location"] == page
        await self.server.services.chat.settled(self.conversation)

    async def decide(self, decision: str) -> None:
        (card, *_) = of_type(await read(self.client, self.conversation), "confirm")[-1:]
        path = f"/api/conversations/{self.conversation}/calls/{card['call_id']}/decision"
        assert (await self.client.post(path, json={"decision": decision})).status_code == 200
        await self.server.services.chat.settled(self.conversation)

    async def tokens(self) -> tuple[DbTokenStore, actionforge.TokenKey, actionforge.TokenSet]:
        user_id = (await self.client.get("/api/session")).json()["user"]["id"]
        store = DbTokenStore(self.server.services.platform)
        key = actionforge.TokenKey(user_id, self.gpt.action_id, "draft")
        found = await store.get(key)
        assert found is not None
        return store, key, found


@pytest.fixture
async def world(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    clock, settings = FakeClock(), server_settings(tmp_path, database_url)
    app = create_app(settings, clock=clock, environ={})
    me = call_tools(("me", {}))
    model = ScriptedModel([me, reply("You are alice."), me, reply("Still alice."), me, reply("Alice again.")])
    async with app.router.lifespan_context(app):
        server = Server(app, clock, settings)
        async with server.client() as client:
            await sign_up_owner(server, client)
            gpt = OAuthGpt(client)
            await gpt.create()
            with ExitStack() as stack:
                provider = stack.enter_context(gpt.provider(monkeypatch))
                api = protected_api_app(provider)
                await gpt.point_at(stack.enter_context(serve(api)))
                await register_model(client, stack.enter_context(model.serve()))
                created = await client.post(f"/api/gpts/{gpt.gpt_id}/conversations", json={"preview": True})
                found = World(server, client, gpt, provider, api.state.seen, model, created.json()["id"])
                yield found


def _me_results(model: ScriptedModel) -> list[str]:
    """The tool results in the last request: the whole conversation's, as the model reads them."""
    return [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]


async def test_sign_in_mid_turn_resumes_the_call_by_itself_then_an_expired_token_is_refreshed(
    world: World,
) -> None:
    await world.say("Who am I?")
    paused = await read(world.client, world.conversation)
    assert paused["state"] == "awaiting_sign_in"
    (sign_in,) = of_type(paused, "sign_in")
    assert sign_in == {"call_id": sign_in["call_id"], "domain": "127.0.0.1", "action_id": world.gpt.action_id}
    assert of_type(paused, "confirm") == []  # sign-in comes before any Allow
    assert world.api_seen == []

    await world.sign_in()  # the callback resumes the turn: now the Allow card, for the same call
    asked = await read(world.client, world.conversation)
    assert asked["state"] == "awaiting_approval"
    (card,) = of_type(asked, "confirm")
    assert card["call_id"] == sign_in["call_id"]
    await world.decide("always_allow")
    done = await read(world.client, world.conversation)
    assert done["state"] == "idle"
    assert statuses(done)[-2:] == ["Talking to 127.0.0.1", "Talked to 127.0.0.1"]
    assert '"sub":"alice"' in _me_results(world.model)[-1]

    store, key, tokens = await world.tokens()  # the access token has expired since
    await store.put(key, dataclasses.replace(tokens, expires_at=time.time() - 60))
    await world.say("And now?")
    _, _, refreshed = await world.tokens()
    assert refreshed.access_token.reveal() != tokens.access_token.reveal()
    assert '"sub":"alice"' in _me_results(world.model)[-1]
    assert of_type(await read(world.client, world.conversation), "sign_in") == [sign_in]
    for secret in (tokens.access_token.reveal(), refreshed.access_token.reveal(), WEB_CLIENT[1]):
        assert not world.model.saw(secret)


async def test_a_revoked_grant_asks_to_sign_in_again_and_then_goes_on(world: World) -> None:
    await world.say("Who am I?")
    await world.sign_in()
    await world.decide("always_allow")
    _, _, tokens = await world.tokens()
    assert tokens.refresh_token is not None
    async with httpx.AsyncClient() as http:  # the user revoked the app at the provider
        revoked = await http.post(
            world.provider.revocation_url,
            data={
                "token": tokens.refresh_token.reveal(),
                "client_id": WEB_CLIENT[0],
                "client_secret": WEB_CLIENT[1],
            },
        )
        assert revoked.status_code == 200
    await world.say("Who am I now?")
    paused = await read(world.client, world.conversation)
    assert paused["state"] == "awaiting_sign_in"
    assert len(of_type(paused, "sign_in")) == 2
    await world.sign_in()
    done = await read(world.client, world.conversation)
    assert done["state"] == "idle"
    results = _me_results(world.model)
    assert len(results) == 2  # the call cut off by the revoked grant was sent again after the sign-in
    assert all('"sub":"alice"' in r for r in results)
    assert "Still alice." in "".join(d["text"] for d in of_type(done, "assistant_text"))
