"""`json_answer` and `model_answer`: a route's answer written once, by our own code, in its
response model's shape: a dict by orjson, a model by pydantic.

Why: FastAPI (0.165) builds nothing itself from a route's return value until it has checked it
against the response model, and then serializes it with pydantic. For test-operation's answer (the
exchange with its headers, the timing, the egress decision) that was the model built in the
route, checked again and dumped: about 90 µs of a request's CPU in process, and 4% of its server
CPU under bench/api.py's load (paired against the model's way, 12 rounds). A route that answers
this way still names its model (``response_model=``) for the OpenAPI document, and its tests check
the answers against that model (schemathesis does too, for every route).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response
from pydantic import BaseModel, TypeAdapter

# pydantic writes an aware UTC time with "Z"; so does orjson with OPT_UTC_Z.
_OPTIONS = orjson.OPT_UTC_Z


def json_answer(
    model: type[BaseModel] | TypeAdapter[Any], content: dict[str, Any], status_code: int = 200
) -> Response:
    """``content`` as ``model`` (a model, or a type's adapter for an answer without one) would write
    it. What orjson refuses (a lone surrogate, an integer past 64 bits, a key that is not a string)
    goes through the model, as FastAPI would send it."""
    try:
        body = orjson.dumps(content, option=_OPTIONS)
    except orjson.JSONEncodeError:
        body = _through(model, content)
    return Response(body, status_code=status_code, media_type="application/json")


def _through(model: type[BaseModel] | TypeAdapter[Any], content: dict[str, Any]) -> bytes:
    if isinstance(model, TypeAdapter):
        return model.dump_json(model.validate_python(content), by_alias=True)
    return model.model_validate(content).model_dump_json(by_alias=True).encode()


def model_answer(answer: BaseModel, status_code: int = 200) -> Response:
    """``answer`` written as FastAPI writes a route's model (by alias), once: FastAPI would check it
    against the response model again, turn it into Python values, then into JSON."""
    return Response(
        answer.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json"
    )
