"""/api/editor: the action editor's server side: validate pasted text, the built-in examples."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import TypeAdapter

import actionforge
from actionforge.platform.errors import NotFound
from actionforge.web.answers import json_answer
from actionforge.web.deps import Caller, ServicesDep
from actionforge.web.lean_route import LeanRoute
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import ExampleOut, ValidateIn

router = ScreeningRouter(prefix="/api/editor", tags=["editor"])


REPORT = TypeAdapter(dict[str, Any])


async def validate(body: ValidateIn, _caller: Caller, svc: ServicesDep) -> Response:
    """The engine's report: ``{success, errors, warnings, spec: {root_domain, operations}}``."""
    return json_answer(REPORT, actionforge.validate(body.schema_, settings=svc.platform.engine).to_dict())


router.add_api_route(  # the editor validates as the builder types: `LeanRoute`
    "/validate", validate, methods=["POST"], response_model=dict[str, Any], route_class_override=LeanRoute
)


@router.get("/examples")
async def list_examples(_caller: Caller) -> list[ExampleOut]:
    return [ExampleOut(key=e.key, label=e.label, text=e.text()) for e in actionforge.EXAMPLES]


@router.get("/examples/{key}")
async def get_example(key: str, _caller: Caller) -> ExampleOut:
    for example in actionforge.EXAMPLES:
        if example.key == key:
            return ExampleOut(key=example.key, label=example.label, text=example.text())
    raise NotFound(f"No example {key!r}.")
