"""Auth settings beyond the original, through the HTTP API: per-user API keys (key_source), and
OAuth's PKCE switch and extra authorize parameters (stored, validated with a pointer, and part
of what the callback URL follows). The upstream is a real server on 127.0.0.1 that says which
key it was sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from actionforge.auth.oauth.config import RESERVED_AUTHORIZE_PARAMS
from actionforge.platform.auth_config import FLOW_PARAMS
from actionforge.store.tables import Action
from tests.servers.threaded import serve
from tests.web.conftest import Server, workspace_id
from tests.web.test_connections import document, new_action, who

SHARED_KEY = "shared-key-4e1b7c0d9a35"
OWN_KEY = "own-key-c2f80a6d1e94b3"
KNOWN = {f"Bearer {SHARED_KEY}": "shared", f"Bearer {OWN_KEY}": "own"}
NEEDS_KEY = "This action needs your own API key: add your key for 127.0.0.1 under Connected accounts."


@pytest.fixture(autouse=True)
def engine_allows_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT"):
        monkeypatch.setenv(f"ACTIONFORGE_{name}", "true")


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    async def whoami(request: Request) -> JSONResponse:
        return JSONResponse({"who": KNOWN.get(request.headers.get("authorization", ""), "nobody")})

    with serve(Starlette(routes=[Route("/whoami", whoami)])) as url:
        yield url


BEARER = {"type": "api_key", "authorization_type": "bearer"}


async def test_each_user_brings_their_own_key_and_the_shared_key_is_never_used(
    owner: httpx.AsyncClient, server: Server, api: str
) -> None:
    gpt_id, action_id = await new_action(owner, api, {**BEARER, "api_key": SHARED_KEY})
    path = f"/api/gpts/{gpt_id}/actions/{action_id}"
    refused = await owner.patch(path, json={"auth": {**BEARER, "key_source": "user", "api_key": SHARED_KEY}})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "/auth/api_key"
    assert (await owner.get(path)).json()["auth"]["key_source"] == "builder"  # nothing changed
    switched = await owner.patch(path, json={"auth": {**BEARER, "key_source": "user"}})
    assert switched.status_code == 200, switched.text
    assert (switched.json()["auth"]["key_source"], switched.json()["auth"]["api_key"]) == ("user", "not set")
    async with server.services.platform.db.session() as s:
        row = await s.get(Action, action_id)
        assert row is not None
        assert row.api_key_sealed is None  # the shared key is gone, not just unused
    no_key = await who(owner, gpt_id, action_id)
    assert (no_key["outcome"], no_key["message"]) == ("auth", NEEDS_KEY)
    assert no_key["request"] is None  # nothing was sent
    stored = await owner.put(f"/api/me/connections/{action_id}/api-key", json={"api_key": OWN_KEY})
    assert stored.status_code == 200, stored.text
    assert json.loads((await who(owner, gpt_id, action_id))["response"]["body"]) == {"who": "own"}
    back = await owner.patch(path, json={"auth": {**BEARER, "api_key": SHARED_KEY}})
    assert back.json()["auth"] == {
        "type": "api_key", "authorization_type": "bearer", "custom_auth_header": None,
        "key_source": "builder", "api_key": "set",
    }  # fmt: skip


async def test_the_connected_accounts_list_offers_the_keys_a_gpt_still_needs(
    owner: httpx.AsyncClient, api: str
) -> None:
    gpt_id, action_id = await new_action(owner, api, {**BEARER, "key_source": "user"})
    other_gpt, _ = await new_action(owner, api, {**BEARER, "api_key": SHARED_KEY})
    assert (await owner.get("/api/me/connections")).json()["items"] == []  # no GPT named: stored ones only
    [pending] = (await owner.get(f"/api/me/connections?gpt_id={gpt_id}")).json()["items"]
    assert (pending["action_id"], pending["kind"], pending["mode"], pending["connected"]) == (
        action_id, "api_key", "draft", False,
    )  # fmt: skip
    assert pending["key_source"] == "user"
    assert (await owner.get(f"/api/me/connections?gpt_id={other_gpt}")).json()["items"] == []
    await owner.put(f"/api/me/connections/{action_id}/api-key", json={"api_key": OWN_KEY})
    [connected] = (await owner.get(f"/api/me/connections?gpt_id={gpt_id}")).json()["items"]
    assert (connected["action_id"], connected["connected"]) == (action_id, True)
    assert (await owner.get("/api/me/connections?gpt_id=gpt_unknown")).json()["items"] == []


def oauth(**fields: Any) -> dict[str, Any]:
    """The OAuth setting; the secrets stay as stored (re-entering one is a change of its own)."""
    return {
        "type": "oauth", "authorization_url": "https://id.example.com/authorize", "token_url": "https://id.example.com/token",
        **fields,
    }  # fmt: skip


async def test_pkce_and_extra_authorize_params_are_stored_checked_and_move_the_callback(
    owner: httpx.AsyncClient, api: str
) -> None:
    gpt_id, action_id = await new_action(owner, api, oauth(client_id="client-1", client_secret="secret-1"))
    path = f"/api/gpts/{gpt_id}/actions/{action_id}"
    first = (await owner.get(path)).json()
    assert (first["auth"]["pkce"], first["auth"]["extra_authorize_params"]) == (True, {})
    same = await owner.patch(path, json={"auth": oauth(pkce=True, extra_authorize_params={})})
    assert same.json()["callback_url"] == first["callback_url"]  # the defaults spelled out change nothing
    off = await owner.patch(path, json={"auth": oauth(pkce=False)})
    assert off.json()["auth"]["pkce"] is False
    assert off.json()["callback_url"] != first["callback_url"]
    extra = {"audience": "https://api.example.com", "prompt": "consent"}
    added = await owner.patch(path, json={"auth": oauth(pkce=False, extra_authorize_params=extra)})
    assert added.json()["auth"]["extra_authorize_params"] == extra
    assert added.json()["callback_url"] != off.json()["callback_url"]
    for name in ("state", "redirect_uri", "code_challenge"):
        clash = await owner.patch(path, json={"auth": oauth(extra_authorize_params={name: "x"})})
        assert clash.status_code == 422
        assert clash.json()["errors"][0]["pointer"] == f"/auth/extra_authorize_params/{name}"
        assert "set by the sign-in flow itself" in clash.json()["errors"][0]["detail"]
    bad = {"a b": "x"}, {"a~/b c": "x"}, {"ok": "two\nlines"}
    pointers = ["/auth/extra_authorize_params/a b", "/auth/extra_authorize_params/a~0~1b c", None]
    for params, pointer in zip(bad, pointers, strict=True):
        refused = await owner.patch(path, json={"auth": oauth(extra_authorize_params=params)})
        assert refused.status_code == 422, params
        if pointer is not None:
            assert refused.json()["errors"][0]["pointer"] == pointer
    too_many = {f"p{i}": "v" for i in range(21)}
    assert (await owner.patch(path, json={"auth": oauth(extra_authorize_params=too_many)})).status_code == 422
    too_long = {"p": "v" * 2_001}
    assert (await owner.patch(path, json={"auth": oauth(extra_authorize_params=too_long)})).status_code == 422
    kept = (await owner.get(path)).json()
    assert kept["auth"]["extra_authorize_params"] == extra  # the refused requests changed nothing
    assert kept["callback_url"] == added.json()["callback_url"]


def test_the_platform_refuses_the_names_the_engine_reserves() -> None:
    assert FLOW_PARAMS == RESERVED_AUTHORIZE_PARAMS


async def test_the_published_copy_keeps_the_new_settings(
    owner: httpx.AsyncClient, server: Server, api: str
) -> None:
    extra = {"audience": "https://api.example.com/"}
    auth = oauth(client_id="c", client_secret="s", pkce=False, extra_authorize_params=extra)
    gpt_id, _ = await new_action(owner, api, auth)
    ws = await workspace_id(owner)
    keyed = await owner.post(f"/api/workspaces/{ws}/gpts", json={"name": "Keys"})
    body = {"schema": document(api), "auth": {**BEARER, "key_source": "user"}}
    assert (await owner.post(f"/api/gpts/{keyed.json()['id']}/actions", json=body)).status_code == 201
    for gpt in (gpt_id, keyed.json()["id"]):
        published = await owner.post(f"/api/gpts/{gpt}/publish", json={"visibility": "workspace"})
        assert published.status_code == 201, published.text
    async with server.services.platform.db.session() as s:
        rows = (await s.scalars(select(Action).where(Action.version > 0))).all()
    configs = {row.auth_type: row.auth_config for row in rows}
    assert (configs["oauth"]["pkce"], configs["oauth"]["extra_authorize_params"]) == (False, extra)
    assert configs["api_key"]["key_source"] == "user"
    assert all(row.api_key_sealed is None for row in rows)


async def test_a_setting_stored_before_pkce_existed_keeps_its_callback_url(
    owner: httpx.AsyncClient, server: Server, api: str
) -> None:
    gpt_id, action_id = await new_action(owner, api, oauth(client_id="c", client_secret="s"))
    async with server.services.platform.db.session() as s:
        row = await s.get(Action, action_id)
        assert row is not None
        row.auth_config = {
            k: v for k, v in row.auth_config.items() if k not in ("pkce", "extra_authorize_params")
        }
    path = f"/api/gpts/{gpt_id}/actions/{action_id}"
    before = (await owner.get(path)).json()
    assert (before["auth"]["pkce"], before["auth"]["extra_authorize_params"]) == (True, {})  # the defaults
    again = await owner.patch(path, json={"auth": oauth()})
    assert again.json()["callback_url"] == before["callback_url"]
