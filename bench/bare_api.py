"""The baseline for bench/api.py: bare FastAPI endpoints doing the same engine work, no platform.

No accounts, no database, no problem documents: ``/validate`` calls `actionforge.validate` on the
posted text, ``/gpt`` returns a GPT-shaped document held in memory.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

import actionforge

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


class ValidateIn(BaseModel):
    schema_: str = Field(alias="schema")


@app.post("/validate")
async def validate(body: ValidateIn) -> dict[str, Any]:
    return actionforge.validate(body.schema_, settings=SETTINGS).to_dict()


@app.get("/gpt")
async def gpt() -> dict[str, Any]:
    return GPT
