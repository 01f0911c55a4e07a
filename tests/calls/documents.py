"""Test helpers: tools from an OpenAPI document through the real spec layer, and hand-made tools."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from actionforge.openapi.model import Operation, Parameter, RequestBody
from actionforge.openapi.operations import extract_operations
from actionforge.openapi.profiles import get_profile
from actionforge.settings import Settings
from actionforge.tools.build import build_tools
from actionforge.tools.model import ArgumentBinding, Tool


def tools_of(document: Mapping[str, Any], *, profile: str = "extended") -> dict[str, Tool]:
    """The document's tools by operationId, built by spec.operations and spec.tools."""
    settings = Settings()
    result = extract_operations(document, get_profile(profile, settings), settings)
    assert not result.errors, result.errors
    version = "3.0" if str(document.get("openapi", "")).startswith("3.0") else "3.1"
    tools = build_tools(result.operations, document, settings=settings, source_version=version)
    return {tool.original_name: tool for tool in tools}


def param(name: str, location: str, schema: dict[str, Any] | None = None, **fields: Any) -> Parameter:
    style = fields.pop("style", "simple" if location in ("path", "header") else "form")
    return Parameter(
        name=name,
        location=location,  # type: ignore[arg-type]
        required=fields.pop("required", location == "path"),
        schema=schema or {"type": "string"},
        pointer=f"/params/{name}",
        style=style,
        explode=fields.pop("explode", style == "form"),
        **fields,
    )


def make_tool(
    path: str,
    parameters: Sequence[Parameter] = (),
    *,
    method: str = "get",
    server_url: str = "https://api.example.com/v1",
    body: RequestBody | None = None,
    body_properties: Sequence[str] = (),
    whole_body: bool = False,
) -> Tool:
    """A tool whose argument names equal the wire names (body properties bound to ``body``)."""
    operation = Operation(
        operation_id="op",
        method=method,  # type: ignore[arg-type]
        path=path,
        server_url=server_url,
        pointer="/paths/op",
        parameters=tuple(parameters),
        request_body=body,
    )
    bindings = [ArgumentBinding(p.name, p.location, p.name) for p in parameters]
    bindings += [ArgumentBinding(name, "body", name) for name in body_properties]
    if whole_body:
        bindings.append(ArgumentBinding("body", "body_whole", "body"))
    return Tool("op", "op", "", {"type": "object", "properties": {}}, operation, tuple(bindings))
