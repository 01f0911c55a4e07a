from __future__ import annotations

import json
from typing import Any

import pytest

from actionforge.openapi.model import Operation, Parameter
from actionforge.settings import Settings
from actionforge.tools.build import build_tool
from actionforge.tools.dialects import DIALECTS, mcp_annotations, render_tool
from actionforge.tools.model import Tool

DOC: dict[str, Any] = {"openapi": "3.0.3", "components": {"schemas": {}}}


def make_tool(
    method: str = "get", *, consequential: bool | None = None, summary: str | None = "List pets"
) -> Tool:
    operation = Operation(
        operation_id="listPets",
        method=method,  # type: ignore[arg-type]
        path="/pets",
        server_url="https://api.example.com",
        pointer="/paths/~1pets/get",
        parameters=(
            Parameter("limit", "query", False, {"type": "integer"}, "/paths/~1pets/get/parameters/0"),
        ),
        summary=summary,
        is_consequential=method not in ("get", "head", "options") if consequential is None else consequential,
    )
    return build_tool(operation, DOC, settings=Settings(), source_version="3.0")


def test_openai_function_shape() -> None:
    tool = make_tool()
    rendered = render_tool(tool, "openai")
    assert rendered == {
        "type": "function",
        "function": {"name": "listPets", "description": "List pets", "parameters": tool.parameters},
    }
    assert json.loads(json.dumps(rendered))["function"]["parameters"]["properties"]["limit"] == {
        "type": "integer"
    }


def test_anthropic_tool_shape() -> None:
    tool = make_tool()
    assert render_tool(tool, "anthropic") == {
        "name": "listPets",
        "description": "List pets",
        "input_schema": tool.parameters,
    }


def test_mcp_tool_shape() -> None:
    tool = make_tool()
    assert render_tool(tool, "mcp") == {
        "name": "listPets",
        "title": "List pets",
        "description": "List pets",
        "inputSchema": tool.parameters,
        "annotations": {
            "readOnlyHint": True,
            "destructiveHint": False,
            "idempotentHint": True,
            "openWorldHint": True,
        },
    }
    assert "title" not in render_tool(make_tool(summary=None), "mcp")


@pytest.mark.parametrize(
    ("method", "consequential", "read_only", "destructive", "idempotent"),
    [
        ("get", None, True, False, True),
        ("head", None, True, False, True),
        ("get", True, False, True, True),  # x-openai-isConsequential: true on a GET
        ("post", None, False, True, False),  # consequential by default
        ("post", False, False, False, False),  # x-openai-isConsequential: false
        ("put", False, False, True, True),
        ("delete", False, False, True, True),
        ("patch", None, False, True, False),
    ],
)
def test_mcp_annotations_follow_method_and_consequential_flag(
    method: str, consequential: bool | None, read_only: bool, destructive: bool, idempotent: bool
) -> None:
    hints = mcp_annotations(make_tool(method, consequential=consequential))
    assert hints == {
        "readOnlyHint": read_only,
        "destructiveHint": destructive,
        "idempotentHint": idempotent,
        "openWorldHint": True,
    }


def test_unknown_dialect_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="'gemini'; valid dialects: openai, anthropic, mcp"):
        render_tool(make_tool(), "gemini")
    assert DIALECTS == ("openai", "anthropic", "mcp")


def test_mcp_shape_is_accepted_by_the_mcp_sdk() -> None:
    types = pytest.importorskip("mcp.types")
    rendered = render_tool(make_tool("delete"), "mcp")
    model = types.Tool.model_validate(rendered)
    assert model.model_dump(by_alias=True, exclude_none=True, mode="json") == json.loads(json.dumps(rendered))
