"""The audit lists filter on the server (domain, outcome, status, GPT, time), so the admin page
need not load every record to find some; both the workspace's and a GPT's list, both databases."""

from __future__ import annotations

from typing import Any

import httpx

from tests.web.conftest import Server, workspace_id
from tests.web.test_calls import call_operation, engine_allows_loopback, new_action

__all__ = ["engine_allows_loopback"]


async def ids(client: httpx.AsyncClient, path: str, **params: str) -> list[str]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["items"]]


async def test_calls_filter_by_domain_outcome_status_gpt_and_time(
    owner: httpx.AsyncClient, server: Server, echo_server: str
) -> None:
    ws = await workspace_id(owner)
    first_gpt, first_action = await new_action(owner, echo_server)
    second_gpt, second_action = await new_action(owner, echo_server)
    await call_operation(owner, first_gpt, first_action, {"id": 1})
    await call_operation(owner, second_gpt, second_action, {"id": 2})
    server.clock.advance(3_600)
    cut = server.clock().isoformat()
    await call_operation(owner, second_gpt, second_action, {"id": "not a number"})  # refused: arguments
    calls = f"/api/workspaces/{ws}/calls"
    every = await ids(owner, calls)
    assert len(every) == 3
    assert await ids(owner, calls, gpt=second_gpt) == every[1:]
    assert await ids(owner, calls, outcome="ok") == every[:2]
    assert await ids(owner, calls, status="200") == every[:2]
    assert await ids(owner, calls, since=cut) == every[2:]
    assert await ids(owner, calls, until=cut) == every[:2]
    assert await ids(owner, calls, domain="127.0.0.1", gpt=first_gpt) == every[:1]
    assert await ids(owner, calls, domain="api.example.com") == []
    assert await ids(owner, f"/api/gpts/{second_gpt}/calls", since=cut) == every[2:]
    assert await ids(owner, f"/api/gpts/{second_gpt}/calls", outcome="ok") == every[1:2]


async def test_a_bad_filter_is_a_422_naming_it(owner: httpx.AsyncClient) -> None:
    ws = await workspace_id(owner)
    refused = await owner.get(f"/api/workspaces/{ws}/calls", params={"since": "yesterday"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "/query/since"


async def test_newest_first_pages_back_through_older_records(
    owner: httpx.AsyncClient, echo_server: str
) -> None:
    ws = await workspace_id(owner)
    gpt, action = await new_action(owner, echo_server)
    for n in range(5):
        await call_operation(owner, gpt, action, {"id": n})
    calls = f"/api/workspaces/{ws}/calls"
    oldest_first = await ids(owner, calls)
    pages_read: list[dict[str, Any]] = []
    cursor: dict[str, str] = {}
    for _ in range(3):
        pages_read.append((await owner.get(calls, params={"order": "newest", "limit": 2, **cursor})).json())
        cursor = {"cursor": pages_read[-1]["next_cursor"] or ""}
    first, second, third = pages_read
    pages = [[r["id"] for r in p["items"]] for p in (first, second, third)]
    assert pages == [oldest_first[4:2:-1], oldest_first[2:0:-1], oldest_first[:1]]
    assert third["next_cursor"] is None
    assert await ids(owner, f"/api/gpts/{gpt}/calls", order="newest") == oldest_first[::-1]
    assert (await owner.get(calls, params={"order": "sideways"})).status_code == 422


async def test_the_summary_counts_records_and_lists_the_filters_values(
    owner: httpx.AsyncClient, server: Server, echo_server: str
) -> None:
    ws = await workspace_id(owner)
    summary = f"/api/workspaces/{ws}/calls/summary"
    assert (await owner.get(summary)).json() == {"total": 0, "domains": [], "outcomes": [], "gpt_ids": []}
    first_gpt, first_action = await new_action(owner, echo_server)
    second_gpt, second_action = await new_action(owner, echo_server)
    await call_operation(owner, first_gpt, first_action, {"id": 1})
    await call_operation(owner, second_gpt, second_action, {"id": "not a number"})
    found = (await owner.get(summary)).json()
    assert found == {
        "total": 2, "domains": ["127.0.0.1"], "outcomes": ["arguments", "ok"],
        "gpt_ids": sorted([first_gpt, second_gpt]),
    }  # fmt: skip
