"""/api/editor: the action editor's server side: validate pasted text, the built-in examples."""

from __future__ import annotations

from typing import Any

import actionforge
from actionforge.platform.errors import NotFound
from actionforge.web.deps import Caller, ServicesDep
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import ExampleOut, ValidateIn

router = ScreeningRouter(prefix="/api/editor", tags=["editor"])


@router.post("/validate")
async def validate(body: ValidateIn, _caller: Caller, svc: ServicesDep) -> dict[str, Any]:
    """The engine's report: ``{success, errors, warnings, spec: {root_domain, operations}}``."""
    return actionforge.validate(body.schema_, settings=svc.platform.engine).to_dict()


@router.get("/examples")
async def list_examples(_caller: Caller) -> list[ExampleOut]:
    return [ExampleOut(key=e.key, label=e.label, text=e.text()) for e in actionforge.EXAMPLES]


@router.get("/examples/{key}")
async def get_example(key: str, _caller: Caller) -> ExampleOut:
    for example in actionforge.EXAMPLES:
        if example.key == key:
            return ExampleOut(key=example.key, label=example.label, text=example.text())
    raise NotFound(f"No example {key!r}.")
