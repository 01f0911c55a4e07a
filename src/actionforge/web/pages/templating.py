"""The Jinja2 environment of the pages: autoescaped templates, and URLs of static files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

import actionforge

WEB_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def static_url(path: str) -> str:
    """A static file's URL, versioned so a new release is not served from a stale cache."""
    return f"/static/{path}?v={actionforge.__version__}"


environment.globals["static"] = static_url
# The chat component is its own module (static/js/chat.js); pages include it once it exists.
environment.globals["chat_available"] = (STATIC_DIR / "js" / "chat.js").exists()


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page: the template with the request and its context (every value is escaped)."""
    html = environment.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code)
