"""The loopback API the calls benchmark talks to (run by bench/calls.py in its own process)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

PET = {"id": 1, "name": "doggie", "photoUrls": ["https://example.com/a.png"], "status": "available"}


async def pet(request: Request) -> JSONResponse:
    return JSONResponse({**PET, "id": int(request.path_params["pet_id"])})


async def find(request: Request) -> JSONResponse:
    return JSONResponse([{**PET, "status": request.query_params.get("status", "")}])


app = Starlette(routes=[Route("/v2/pet/{pet_id:int}", pet), Route("/v2/pet/findByStatus", find)])
