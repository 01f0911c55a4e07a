"""The web pages: server-rendered Jinja2 shells whose ES modules drive the JSON API (no back door).

`install(app)` adds the page routes and the `/static` mount (`edge.Edge` adds the security
headers of `security`); the pages' own data always comes from `/api/...` in the browser, so a
page and an API client see the same.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from actionforge.web.pages.routes import router
from actionforge.web.pages.templating import STATIC_DIR

__all__ = ["install", "router"]


def install(app: FastAPI) -> None:
    """Pages and static files."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
