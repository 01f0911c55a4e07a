"""The web pages: server-rendered Jinja2 shells whose ES modules drive the JSON API (no back door).

`install(app)` adds the page routes, the `/static` mount and the security headers; the pages'
own data always comes from `/api/...` in the browser, so a page and an API client see the same.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from actionforge.web.pages.routes import router
from actionforge.web.pages.security import SecurityHeaders
from actionforge.web.pages.templating import STATIC_DIR

__all__ = ["install", "router"]


def install(app: FastAPI) -> None:
    """Pages, static files and the headers that keep them safe (CSP: no inline script)."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders)
