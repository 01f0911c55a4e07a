"""`json_answer`: orjson's text for a body in its model's shape, the model's own where orjson
refuses the body."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pydantic import BaseModel

from actionforge.web.answers import json_answer


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
