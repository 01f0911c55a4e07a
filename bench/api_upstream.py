"""The upstream API that bench/api.py's test-operation requests call, ours and the baseline alike.

    .venv/bin/python -m uvicorn api_upstream:app --port PORT    (from bench/)
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def item(request: Request) -> JSONResponse:
    return JSONResponse({"id": request.path_params["id"], "q": request.query_params.get("q"), "ok": True})


async def ready(_request: Request) -> JSONResponse:
    return JSONResponse({})


app = Starlette(routes=[Route("/items/{id}", item), Route("/ready", ready)])


def document(base_url: str) -> str:
    """The action both servers call: one GET operation with a path and a query parameter."""
    operation = {
        "operationId": "getItem",
        "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
            {"name": "q", "in": "query", "schema": {"type": "string"}},
        ],
        "responses": {"200": {"description": "ok"}},
    }
    return json.dumps({
        "openapi": "3.1.0",
        "info": {"title": "Bench upstream", "version": "1"},
        "servers": [{"url": base_url}],
        "paths": {"/items/{id}": {"get": operation}},
    })  # fmt: skip
