"""Editor endpoints (validate, examples), health and readiness, pagination, the API's own document."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import httpx
from fastapi import FastAPI

import actionforge
from actionforge.web.app import create_app
from actionforge.web.collector import YOUNG_THRESHOLD, freeze_startup_objects
from tests.web.conftest import FakeClock, Server, server_settings
from tests.web.test_gpts_and_actions import new_gpt, schema


async def test_validate_returns_the_engines_report(owner: httpx.AsyncClient) -> None:
    response = await owner.post("/api/editor/validate", json={"schema": schema()})
    assert response.status_code == 200
    assert response.json() == actionforge.validate(schema()).to_dict()
    assert response.json()["spec"]["root_domain"] == "api.example.com"


async def test_a_pasted_schema_is_text_never_a_path(owner: httpx.AsyncClient) -> None:
    for text in ("/etc/passwd", "https://api.example.com/openapi.json"):
        report = (await owner.post("/api/editor/validate", json={"schema": text})).json()
        assert report["success"] is False
        assert "root:" not in json.dumps(report)


async def test_the_three_built_in_examples(owner: httpx.AsyncClient) -> None:
    examples = (await owner.get("/api/editor/examples")).json()
    assert [e["label"] for e in examples] == ["Weather (JSON)", "Pet Store (YAML)", "Blank Template"]
    weather = (await owner.get("/api/editor/examples/weather")).json()
    assert weather["text"] == examples[0]["text"]
    assert (await owner.get("/api/editor/examples/nope")).status_code == 404


async def test_editor_endpoints_need_a_signed_in_caller(server: Server) -> None:
    async with server.client() as anonymous:
        assert (await anonymous.post("/api/editor/validate", json={"schema": "{}"})).status_code == 401


async def test_health_and_readiness(server: Server) -> None:
    async with server.client() as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert (await client.get("/readyz")).json() == {"status": "ok"}


async def test_base_url_serves_documents_without_an_absolute_server(owner: httpx.AsyncClient) -> None:
    gpt = await new_gpt(owner)
    relative = schema().replace("https://api.example.com", "/v1")
    without = (await owner.post(f"/api/gpts/{gpt['id']}/actions", json={"schema": relative})).json()
    assert without["label"] == "Invalid action"
    fixed = await owner.patch(
        f"/api/gpts/{gpt['id']}/actions/{without['id']}", json={"base_url": "https://api.example.net"}
    )
    assert fixed.json()["label"] == "api.example.net"


async def test_lists_are_paginated(owner: httpx.AsyncClient) -> None:
    for i in range(5):
        await owner.post("/api/tokens", json={"name": f"t{i}"})
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await owner.get("/api/tokens", params=params)).json()
        assert len(page["items"]) <= 2
        seen += [t["name"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"t{i}" for i in range(5)]
    bad = await owner.get("/api/tokens", params={"limit": 0})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "/query/limit"


async def test_the_api_is_documented(server: Server) -> None:
    async with server.client() as client:
        document = (await client.get("/api/openapi.json")).json()
        assert "/api/gpts/{gpt_id}/actions" in document["paths"]
        assert (await client.get("/api/docs")).status_code == 200


async def test_metrics_count_requests_by_route_template(owner: httpx.AsyncClient) -> None:
    gpt = await new_gpt(owner)
    await owner.get(f"/api/gpts/{gpt['id']}")
    text = (await owner.get("/metrics")).text
    assert 'actionforge_http_requests_total{method="GET",route="/api/gpts/{gpt_id}",status="200"} 1.0' in text
    assert str(gpt["id"]) not in text
    assert "actionforge_http_request_seconds_bucket" in text


async def test_after_start_runs_once_the_platform_is_up(tmp_path: Path, database_url: str) -> None:
    """`actionforge serve` freezes its start-up objects here (`web.collector`): everything the
    app holds for its life must exist by then, and requests are served afterwards as before."""
    seen: list[bool] = []
    app: FastAPI | None = None

    def after_start() -> None:
        assert app is not None
        services = app.state.services
        seen.append(services.platform.db is not None and services.chat is not None)

    app = create_app(server_settings(tmp_path, database_url), clock=FakeClock(), after_start=after_start)
    assert seen == []
    async with app.router.lifespan_context(app):
        assert seen == [True]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            assert (await client.get("/readyz")).json() == {"status": "ok"}
    assert seen == [True]


def test_freezing_the_start_up_objects_moves_them_out_of_the_collectors_way() -> None:
    thresholds = gc.get_threshold()
    gc.unfreeze()
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 0
        assert gc.get_count()[0] < 100  # collected first: the young generation starts empty
        # the young generation is collected less often; the older ones keep their thresholds
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *thresholds[1:])
        assert thresholds[0] < YOUNG_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
