"""`json_answer`: orjson's text for a body in its model's shape, the model's own where orjson
refuses the body. `model_answer`: a model written by its aliases, as FastAPI writes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, TypeAdapter

from actionforge.web.answers import json_answer, model_answer


class Timed(BaseModel):
    at: datetime
    count: int
    note: str | None


def test_a_time_is_written_as_the_model_writes_it() -> None:
    for at in (datetime(2026, 12, 7, 11, 0, tzinfo=UTC), datetime(2026, 12, 7, 11, 0, 0, 250, tzinfo=UTC)):
        content = {"at": at, "count": 3, "note": None}
        answer = json_answer(Timed, content)
        assert (answer.status_code, answer.media_type) == (200, "application/json")
        assert json.loads(bytes(answer.body)) == json.loads(Timed.model_validate(content).model_dump_json())


def test_what_orjson_refuses_goes_through_the_model() -> None:
    content = {"at": datetime(2026, 12, 7, tzinfo=UTC), "count": 2**70, "note": "big"}
    answer = json_answer(Timed, content, status_code=201)
    assert answer.status_code == 201
    assert json.loads(bytes(answer.body)) == {"at": "2026-12-07T00:00:00Z", "count": 2**70, "note": "big"}


def test_an_answer_without_a_model_goes_through_its_type_s_adapter() -> None:
    content = {"count": 2**70, "kinds": ("a", "b"), "at": datetime(2026, 12, 7, tzinfo=UTC)}
    answer = json_answer(TypeAdapter(dict[str, Any]), content)
    assert json.loads(bytes(answer.body)) == {
        "count": 2**70,
        "kinds": ["a", "b"],
        "at": "2026-12-07T00:00:00Z",
    }


class Aliased(BaseModel):
    schema_: str = Field(alias="schema")
    at: datetime
    tags: list[str]


def test_a_model_is_written_as_fastapi_writes_a_route_s_model() -> None:
    answer = Aliased(schema="{}", at=datetime(2026, 12, 7, 11, 0, 0, 250, tzinfo=UTC), tags=["é", "\u2028"])
    app = FastAPI()
    app.get("/model", response_model=Aliased)(lambda: answer)
    with TestClient(app) as client:
        fastapi_s = client.get("/model").content
    written = model_answer(answer, status_code=201)
    assert (written.status_code, written.media_type) == (201, "application/json")
    assert json.loads(bytes(written.body)) == json.loads(fastapi_s)
    assert json.loads(fastapi_s)["schema"] == "{}"
