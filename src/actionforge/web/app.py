"""The FastAPI application: routers, problem+json errors, the body limit, and the platform's lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import actionforge
from actionforge.platform.context import Clock, Platform, system_clock
from actionforge.platform.settings import ServerSettings
from actionforge.web import problems
from actionforge.web.body_limit import BodyLimit
from actionforge.web.deps import Services
from actionforge.web.metrics import Metrics, MetricsMiddleware
from actionforge.web.routes import accounts, actions, calls, editor, gpts, health, setup_page, workspaces
from actionforge.web.routes.connections import router as connections_router

ROUTERS = (
    health.router,
    setup_page.router,
    accounts.router,
    workspaces.router,
    gpts.router,
    actions.router,
    editor.router,
    calls.router,
    connections_router,
)


def create_app(settings: ServerSettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    """An app that opens the platform (data dir, keys, migrations) when it starts."""
    settings = settings or ServerSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = await Platform.open(settings, clock=clock)
        app.state.services = Services.of(platform)
        try:
            yield
        finally:
            await platform.close()

    app = FastAPI(
        title="actionforge",
        version=actionforge.__version__,
        docs_url="/api/docs",
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router)
    metrics = Metrics()
    app.add_route("/metrics", metrics.endpoint, include_in_schema=False)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)  # outermost: counts 413s too
    return app
