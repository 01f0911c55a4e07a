"""The baseline for bench/api.py: bare FastAPI endpoints doing the same engine work, no platform.

No accounts, no database, no problem documents: ``/validate`` calls `actionforge.validate` on the
posted text, ``/gpt`` returns a GPT-shaped document held in memory, and ``/test`` calls one
operation of the upstream's action (``BENCH_UPSTREAM``), loaded once, with the engine's pooled
client, as a library user would.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

import actionforge
from api_upstream import document

app = FastAPI()
SETTINGS = actionforge.Settings()
GPT: dict[str, Any] = {
    "id": "gpt_0",
    "name": "Bench",
    "description": "",
    "instructions": "",
    "conversation_starters": [],
    "model": None,
    "category": None,
    "apps": [],
    "visibility": "private",
    "published_version": None,
}
ACTION = actionforge.load_action(
    document(os.environ.get("BENCH_UPSTREAM", "http://127.0.0.1:9")), settings=SETTINGS
)


class ValidateIn(BaseModel):
    schema_: str = Field(alias="schema")


class TestIn(BaseModel):
    operation: str
    arguments: dict[str, Any]


@app.post("/validate")
async def validate(body: ValidateIn) -> dict[str, Any]:
    return actionforge.validate(body.schema_, settings=SETTINGS).to_dict()


@app.get("/gpt")
async def gpt() -> dict[str, Any]:
    return GPT


@app.post("/test")
async def test(body: TestIn) -> dict[str, Any]:
    result = await ACTION.call(body.operation, body.arguments)
    return {"ok": result.ok, "status": result.status, "body": result.body, "for_model": result.for_model()}
