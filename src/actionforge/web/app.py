"""The FastAPI application: routers, problem+json errors, the body limit, and the platform's lifetime."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.telemetry import TelemetryConfig

import actionforge
from actionforge.models import registry_from_environment
from actionforge.models.catalog import instance_catalog
from actionforge.platform.context import Clock, Platform, system_clock
from actionforge.platform.settings import ServerSettings
from actionforge.web import problems
from actionforge.web.deps import Services
from actionforge.web.edge import Edge
from actionforge.web.metrics import Metrics
from actionforge.web.pages import install as install_pages
from actionforge.web.routes import accounts, actions, calls, editor, gpts, health, workspaces
from actionforge.web.routes.action_import import router as action_import_router
from actionforge.web.routes.connections import router as connections_router
from actionforge.web.routes.conversations import router as conversations_router
from actionforge.web.routes.editor_tools import router as editor_tools_router
from actionforge.web.routes.models import router as models_router
from actionforge.web.routes.sharing import router as sharing_router

# FastAPI's native OpenTelemetry, unless the settings ask for it: otherwise every request asks
# the OpenTelemetry API whether a provider is configured (3 µs each, to find none).
TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}

ROUTERS = (
    health.router,
    accounts.router,
    workspaces.router,
    gpts.router,
    actions.router,
    editor.router,
    editor_tools_router,
    calls.router,
    connections_router,
    models_router,
    sharing_router,
    action_import_router,
    conversations_router,
)
# The order a request tries them in: FastAPI matches a request against each included router in
# turn (about 3 µs a router), so the busiest go first: the chat's turns, the builder's test
# calls, GPT reads, the editor's validation. `ROUTERS` stays the order of the API's documentation.
# No path is matched by routes of two of these routers, but for the actions router's
# `/{action_id}` and the import router's `/import`, whose order is kept (tests/web/test_routing.py).
BUSIEST_FIRST = (conversations_router, calls.router, gpts.router, editor.router)


def routing_order() -> tuple[APIRouter, ...]:
    return (*BUSIEST_FIRST, *(router for router in ROUTERS if router not in BUSIEST_FIRST))


def create_app(
    settings: ServerSettings | None = None,
    *,
    clock: Clock = system_clock,
    environ: Mapping[str, str] | None = None,
    after_start: Callable[[], None] | None = None,
) -> FastAPI:
    """An app that opens the platform (data dir, keys, migrations) when it starts, then calls
    ``after_start`` (the server's `collector.freeze_startup_objects`).

    Model providers come from ``environ`` (default ``os.environ``): ``OPENAI_API_KEY``,
    ``OPENAI_BASE_URL``, ``ANTHROPIC_API_KEY``, listed in every workspace, read-only.
    """
    settings = settings or ServerSettings()
    instance_models = instance_catalog(registry_from_environment(os.environ if environ is None else environ))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = await Platform.open(settings, clock=clock, instance_models=instance_models)
        app.state.services = services = Services.of(platform)
        await platform.start()
        await services.chat.start()
        if after_start is not None:
            after_start()
        try:
            yield
        finally:
            await services.chat.close()
            await platform.close()

    app = FastAPI(
        title="actionforge",
        version=actionforge.__version__,
        docs_url="/api/docs",
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
        telemetry=None if settings.opentelemetry else TELEMETRY_OFF,
        openapi_tags=[{"name": tag} for tag in dict.fromkeys(t for r in ROUTERS for t in r.tags)],
    )
    problems.install(app)
    for router in routing_order():
        app.include_router(router)
    install_pages(app)  # after the API: /static and the page routes (`Edge` adds their headers)
    metrics = Metrics()
    app.add_route("/metrics", metrics.endpoint, include_in_schema=False)
    app.add_middleware(Edge, metrics=metrics, max_body_bytes=settings.max_request_bytes)
    return app
