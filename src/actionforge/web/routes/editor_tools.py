"""/api/editor/tools: the tools a schema text gives, with their parameter schemas.

Read-only and stateless like ``/api/editor/validate``: the action editor builds its direct-test
form from each tool's JSON Schema (the flat argument object a model would send).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

import actionforge
from actionforge.web.deps import Caller, ServicesDep
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import Request, Response

router = ScreeningRouter(prefix="/api/editor", tags=["editor"])


class ToolsIn(Request):
    schema_: str = Field(alias="schema", description="the OpenAPI document as text")
    base_url: Annotated[str, Field(max_length=2_000)] | None = Field(
        None, description="the server URL, for a document without an absolute one"
    )


class ToolOut(Response):
    name: str = Field(description="what the test endpoint takes as `operation`")
    operation_id: str
    method: str
    path: str
    description: str | None
    parameters: dict[str, Any] = Field(description="JSON Schema of the arguments object")


@router.post("/tools")
async def tools(body: ToolsIn, _caller: Caller, svc: ServicesDep) -> list[ToolOut]:
    """Every tool of the document; none when it does not load (``/validate`` says why)."""
    try:
        action = actionforge.load_action(body.schema_, settings=svc.platform.engine, server_url=body.base_url)
    except actionforge.ActionforgeError:
        return []
    return [_tool_out(t) for t in action.tool_list]


def _tool_out(tool: actionforge.Tool) -> ToolOut:
    operation = tool.operation
    return ToolOut(
        name=tool.name, operation_id=operation.operation_id, method=operation.method, path=operation.path,
        description=tool.description, parameters=tool.parameters,
    )  # fmt: skip
