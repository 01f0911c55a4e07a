"""FastAPI's own OpenTelemetry is a setting: off, no request asks OpenTelemetry for a provider."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace

from actionforge.web.app import create_app
from tests.web.conftest import FakeClock, server_settings


@pytest.mark.parametrize(("opentelemetry", "asked"), [(False, False), (True, True)])
async def test_requests_ask_for_opentelemetry_only_when_the_setting_is_on(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, opentelemetry: bool, asked: bool
) -> None:
    asks: list[str] = []
    real: Callable[..., Any] = trace.get_tracer_provider

    def counted() -> Any:
        asks.append("tracer provider")
        return real()

    monkeypatch.setattr(trace, "get_tracer_provider", counted)
    settings = server_settings(tmp_path, database_url, opentelemetry=opentelemetry)
    app = create_app(settings, clock=FakeClock())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        asks.clear()  # start-up may look once
        assert (await client.get("/readyz")).status_code == 200
    assert bool(asks) is asked
