"""Test one operation, the domain policy at call time, and the audit, through the HTTP API.

The upstream APIs are real servers on 127.0.0.1; the engine is told to allow loopback and plain
http through its own ``ACTIONFORGE_*`` settings, which the platform reads from the environment.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Executable
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from actionforge.store import Database
from actionforge.web import call_schemas
from actionforge.web.app import create_app
from tests.servers.threaded import serve
from tests.web.conftest import (
    FakeClock,
    MakeUser,
    Server,
    server_settings,
    sign_in,
    sign_up_owner,
    workspace_id,
)

API_KEY = "sk-test-6f1d0c9a2b7e4d55"


@pytest.fixture(autouse=True)
def engine_allows_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the app starts: the engine's egress settings, as an operator would set them."""
    for name in ("ALLOW_HTTP", "ALLOW_LOOPBACK", "ALLOW_ANY_PORT"):
        monkeypatch.setenv(f"ACTIONFORGE_{name}", "true")


def document(base_url: str) -> str:
    item = {
        "operationId": "getItem",
        "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
            {"name": "q", "in": "query", "schema": {"type": "string"}},
        ],
        "responses": {"200": {"description": "ok"}},
    }
    return json.dumps({
        "openapi": "3.1.0",
        "info": {"title": "Echo", "version": "1"},
        "servers": [{"url": base_url}],
        "paths": {"/items/{id}": {"get": item}},
    })  # fmt: skip


async def new_action(client: httpx.AsyncClient, base_url: str, **fields: Any) -> tuple[str, str]:
    ws = await workspace_id(client)
    gpt = await client.post(f"/api/workspaces/{ws}/gpts", json={"name": "Tester"})
    assert gpt.status_code == 201, gpt.text
    gpt_id = gpt.json()["id"]
    action = await client.post(f"/api/gpts/{gpt_id}/actions", json={"schema": document(base_url), **fields})
    assert action.status_code == 201, action.text
    assert action.json()["domain"] == "127.0.0.1"
    return gpt_id, action.json()["id"]


async def call_operation(
    client: httpx.AsyncClient, gpt_id: str, action_id: str, arguments: dict[str, Any]
) -> httpx.Response:
    body = {"operation": "getItem", "arguments": arguments}
    return await client.post(f"/api/gpts/{gpt_id}/actions/{action_id}/test", json=body)


BEARER = {"type": "api_key", "authorization_type": "bearer", "api_key": API_KEY}


async def test_the_answer_shows_the_exact_request_redacted_and_the_response(
    owner: httpx.AsyncClient, echo_server: str
) -> None:
    gpt_id, action_id = await new_action(owner, echo_server, auth=BEARER)
    answer = await call_operation(owner, gpt_id, action_id, {"id": "7", "q": "hello world"})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert API_KEY not in answer.text  # not in the request, nor in the echoed response body
    assert found["ok"]
    assert found["outcome"] == "ok"
    request = found["request"]
    assert (request["method"], request["url"]) == ("GET", f"{echo_server}/items/7?q=hello%20world")
    assert request["headers"]["authorization"] == "[REDACTED]"
    assert request["headers"]["user-agent"].startswith("actionforge")
    response = found["response"]
    assert response["status"] == 200
    assert response["headers"]["content-type"] == "application/json"
    echoed = json.loads(response["body"])
    assert echoed["path"] == "/items/7"
    assert echoed["headers"]["authorization"] == "[REDACTED]"  # the API echoed it back
    assert found["for_model"] == response["body"]  # on success the model reads the body
    assert found["egress"] == {"decision": "allowed", "reason": None}
    assert found["repairs"] == [{"pointer": "/id", "kind": "to_number", "was": '"7"', "now": "7"}]


async def test_each_shape_of_the_answer_reads_as_its_model_writes_it(
    owner: httpx.AsyncClient, echo_server: str
) -> None:
    """The route writes its answer with orjson (`web.answers`), not through `TestCallOut`: a call
    made (with a repair), one refused for its arguments, one the domain policy blocked."""
    gpt_id, action_id = await new_action(owner, echo_server, auth=BEARER)
    answers = [await call_operation(owner, gpt_id, action_id, args) for args in ({"id": "7"}, {"id": "x"})]
    ws = await workspace_id(owner)
    await owner.patch(f"/api/workspaces/{ws}/settings", json={"domain_policy": "none"})
    answers.append(await call_operation(owner, gpt_id, action_id, {"id": 7}))
    assert [a.json()["outcome"] for a in answers] == ["ok", "arguments", "blocked"]
    for answer in answers:
        assert (answer.status_code, answer.headers["content-type"]) == (200, "application/json")
        found = answer.json()
        assert found == call_schemas.TestCallOut.model_validate(found).model_dump(mode="json")


async def test_bad_arguments_and_unknown_operations(owner: httpx.AsyncClient, echo_server: str) -> None:
    gpt_id, action_id = await new_action(owner, echo_server)
    wrong = await call_operation(owner, gpt_id, action_id, {"id": "seven"})
    assert wrong.status_code == 200
    assert (wrong.json()["outcome"], wrong.json()["request"]) == ("arguments", None)
    assert wrong.json()["egress"]["decision"] == "skipped"
    unknown = await owner.post(
        f"/api/gpts/{gpt_id}/actions/{action_id}/test", json={"operation": "nope", "arguments": {}}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["pointer"] == "/operation"
    assert "getItem" in unknown.json()["detail"]


async def test_the_body_is_capped_as_the_model_would_read_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, echo_server: str
) -> None:
    monkeypatch.setenv("ACTIONFORGE_MAX_RESPONSE_CHARS", "60")
    clock, settings = FakeClock(), server_settings(tmp_path, database_url)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app), Server(app, clock, settings).client() as client:
        await sign_up_owner(Server(app, clock, settings), client)
        gpt_id, action_id = await new_action(client, echo_server)
        found = (await call_operation(client, gpt_id, action_id, {"id": 1})).json()
    assert found["response"]["truncated"] is True
    assert len(found["response"]["body"]) < 200


def clock_advancing_api(clock: FakeClock, seconds: float) -> Starlette:
    """An upstream that takes ``seconds`` on the platform's injected clock."""

    async def item(request: Request) -> JSONResponse:
        clock.advance(seconds)
        return JSONResponse({"id": request.path_params["id"]})

    return Starlette(routes=[Route("/items/{id}", item)])


@pytest.fixture
def slow_api(server: Server) -> Iterator[str]:
    with serve(clock_advancing_api(server.clock, 0.25)) as url:
        yield url


async def test_the_timing_comes_from_the_injected_clock(
    owner: httpx.AsyncClient, server: Server, slow_api: str
) -> None:
    gpt_id, action_id = await new_action(owner, slow_api)
    started = server.clock.now
    found = (await call_operation(owner, gpt_id, action_id, {"id": 3})).json()
    assert found["timing"]["latency_ms"] == 250
    assert found["timing"]["started_at"] == started.isoformat().replace("+00:00", "Z")


async def test_a_domain_the_policy_stopped_allowing_is_refused_at_call_time(
    owner: httpx.AsyncClient, echo_server: str
) -> None:
    gpt_id, action_id = await new_action(owner, echo_server)
    assert (await owner.get(f"/api/gpts/{gpt_id}/actions/{action_id}")).json()["blocked"] is None
    ws = await workspace_id(owner)
    changed = await owner.patch(
        f"/api/workspaces/{ws}/settings", json={"domain_policy": "list", "allowed_domains": ["example.org"]}
    )
    assert changed.status_code == 200, changed.text
    reason = "127.0.0.1 is not in your workspace's allowed domains"
    found = (await call_operation(owner, gpt_id, action_id, {"id": 1})).json()
    assert (found["ok"], found["outcome"]) == (False, "blocked")
    assert found["egress"] == {"decision": "blocked", "reason": reason}
    assert found["response"] is None
    assert (await owner.get(f"/api/gpts/{gpt_id}/actions/{action_id}")).json()["blocked"] == reason
    records = (await owner.get(f"/api/gpts/{gpt_id}/calls")).json()["items"]
    assert [(r["egress"], r["egress_reason"], r["outcome"]) for r in records] == [
        ("blocked", reason, "blocked")
    ]


async def test_every_call_is_audited_redacted_for_owners_and_admins_only(
    owner: httpx.AsyncClient, server: Server, make_user: MakeUser, echo_server: str
) -> None:
    gpt_id, action_id = await new_action(owner, echo_server, auth=BEARER)
    for n in (1, 2, 3):
        assert (await call_operation(owner, gpt_id, action_id, {"id": n, "q": API_KEY})).status_code == 200
    first = await owner.get(f"/api/gpts/{gpt_id}/calls", params={"limit": 2})
    assert first.status_code == 200
    assert API_KEY not in first.text
    page = first.json()
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    rest = (await owner.get(f"/api/gpts/{gpt_id}/calls", params={"cursor": page["next_cursor"]})).json()
    records = page["items"] + rest["items"]
    assert [json.loads(r["arguments"])["id"] for r in records] == [1, 2, 3]
    record = records[0]
    assert (record["operation"], record["status"], record["outcome"], record["gpt_version"]) == (
        "getItem", 200, "ok", 0,
    )  # fmt: skip
    assert record["consent"] == "builder_test"
    assert record["egress"] == "allowed"
    assert record["response_bytes"] > 0
    assert record["request"]["headers"]["authorization"] == "[REDACTED]"
    ws = await workspace_id(owner)
    assert (await owner.get(f"/api/workspaces/{ws}/calls")).json()["items"][0]["id"] == record["id"]

    stranger = await make_user("stranger@example.com")
    assert (await stranger.get(f"/api/gpts/{gpt_id}/calls")).status_code == 404
    assert (await stranger.get(f"/api/workspaces/{ws}/calls")).status_code == 404
    assert (await stranger.get(f"/api/workspaces/{ws}/calls/summary")).status_code == 404
    member = await make_user("member@example.com")
    added = await owner.post(f"/api/workspaces/{ws}/members", json={"email": "member@example.com"})
    assert added.status_code == 201, added.text
    assert (await member.get(f"/api/gpts/{gpt_id}/calls")).status_code == 404
    assert (await member.get(f"/api/workspaces/{ws}/calls")).status_code == 403
    assert (await member.get(f"/api/workspaces/{ws}/calls/summary")).status_code == 403
    assert (await call_operation(member, gpt_id, action_id, {"id": 1})).status_code == 404


async def test_records_older_than_the_retention_are_deleted(
    owner: httpx.AsyncClient, server: Server, echo_server: str
) -> None:
    gpt_id, action_id = await new_action(owner, echo_server)
    await call_operation(owner, gpt_id, action_id, {"id": 1})
    server.clock.advance(86_400 * server.settings.audit_retention_days + 1)
    assert (await sign_in(owner, "owner@example.com")).status_code == 200  # the session expired too
    await call_operation(owner, gpt_id, action_id, {"id": 2})
    records = (await owner.get(f"/api/gpts/{gpt_id}/calls")).json()["items"]
    assert [json.loads(r["arguments"])["id"] for r in records] == [2]


def gated_api(gates: dict[str, threading.Event], arrived: list[str]) -> Starlette:
    """An upstream whose /items/{id} answers once the test opens that id's gate."""

    def item(request: Request) -> JSONResponse:  # sync: Starlette runs it in a thread
        arrived.append(request.path_params["id"])
        gates[request.path_params["id"]].wait(10)
        return JSONResponse({"id": request.path_params["id"]})

    return Starlette(routes=[Route("/items/{id}", item)])


async def until(condition: Callable[[], bool]) -> None:
    """Wait for ``condition``, which the upstream's thread or the app's task will make true."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the condition never came true")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_calls_running_together_share_their_records_commit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str
) -> None:
    """On SQLite the first call's record waits for the record of the call still running (it was
    announced when that call started), and both are stored by one INSERT and commit."""
    gates = {name: threading.Event() for name in ("1", "2", "3")}
    arrived: list[str] = []
    clock, settings = FakeClock(), server_settings(tmp_path, database_url, audit_gather_ms=1_000)
    app = create_app(settings, clock=clock)
    with serve(gated_api(gates, arrived)) as upstream:
        async with app.router.lifespan_context(app), Server(app, clock, settings).client() as client:
            await sign_up_owner(Server(app, clock, settings), client)
            gpt_id, action_id = await new_action(client, upstream)
            gates["3"].set()
            await call_operation(client, gpt_id, action_id, {"id": 3})  # a call alone: written at once
            db: Database = app.state.services.platform.db
            batches: list[int] = []
            write = db.insert_now

            def counted(statement: Executable, params: Sequence[Mapping[str, Any]]) -> bool:
                batches.append(len(params))
                return write(statement, params)

            monkeypatch.setattr(db, "insert_now", counted)
            first = asyncio.create_task(call_operation(client, gpt_id, action_id, {"id": 1}))
            second = asyncio.create_task(call_operation(client, gpt_id, action_id, {"id": 2}))
            await until(lambda: sorted(arrived) == ["1", "2", "3"])  # both requests are at the upstream
            gates["1"].set()
            inserts = app.state.services.platform.audit_inserts
            await until(lambda: len(inserts._waiting) == 1)  # the first record waits
            assert not first.done()
            gates["2"].set()
            answers = await asyncio.gather(first, second)
            listed = await client.get(f"/api/gpts/{gpt_id}/calls")
    assert [a.status_code for a in answers] == [200, 200]
    assert batches == [2]
    assert len(listed.json()["items"]) == 3
