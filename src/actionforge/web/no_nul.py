"""Refuse a NUL character anywhere in a request before it can reach the database.

PostgreSQL text cannot hold U+0000 (SQLite can), so a NUL that got through would be a 500 on one
database and stored on the other. Bodies are checked by the base `schemas.Request` model (every
body shares it, nested values too); the path and the query string are checked here, in one pure
check of the one middleware (`edge.Edge`), so no route has to remember.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.types import Scope

from actionforge.web.problems import problem

NUL = "\x00"
DETAIL = "The request's URL must not contain a NUL character (%00)."


def nul_pointer(value: Any, at: str = "") -> str | None:
    """The JSON pointer (relative to ``value``) of the first string, or object key, holding a NUL."""
    if isinstance(value, str):
        return at if NUL in value else None
    if isinstance(value, dict):
        return _first(((f"{at}/{_escape(str(k))}", k, v) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return _first(((f"{at}/{i}", "", v) for i, v in enumerate(value)))
    return None


def _first(entries: Iterable[tuple[str, object, Any]]) -> str | None:
    for where, key, item in entries:
        if isinstance(key, str) and NUL in key:
            return where
        found = nul_pointer(item, where)
        if found is not None:
            return found
    return None


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def url_nul_pointer(scope: Scope) -> str | None:
    """``/path`` or ``/query/NAME`` when the request's URL holds a NUL (percent-encoded or raw)."""
    if NUL in scope.get("path", ""):
        return "/path"
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if NUL in name or NUL in value:
            return f"/query/{_escape(name.replace(NUL, '%00'))}"
    return None


def nul_refusal(where: str) -> JSONResponse:
    """The 400 for a URL holding a NUL at ``where`` (`url_nul_pointer`)."""
    return problem(400, DETAIL, [{"pointer": where, "detail": "must not contain a NUL character"}])
