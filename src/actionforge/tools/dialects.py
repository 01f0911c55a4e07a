"""One tool, as each consumer wants it: OpenAI function calling, Anthropic tool use, MCP.

The argument schema is the same object in every dialect (``Tool.parameters``, read-only and
shared; see ``tools``): only the envelope differs. ``json.dumps`` serializes it as is.
"""

from __future__ import annotations

from typing import Any, Literal

from actionforge.tools.model import Tool

Dialect = Literal["openai", "anthropic", "mcp"]
DIALECTS: tuple[Dialect, ...] = ("openai", "anthropic", "mcp")

_SAFE_METHODS = frozenset({"get", "head", "options"})
_IDEMPOTENT_METHODS = frozenset({"get", "head", "options", "put", "delete", "trace"})
_DESTRUCTIVE_METHODS = frozenset({"put", "delete"})


def render_tool(tool: Tool, dialect: str) -> dict[str, Any]:
    """The tool definition in ``dialect``; ValueError naming the valid ones for anything else."""
    if dialect == "openai":
        return {
            "type": "function",
            "function": {"name": tool.name, "description": tool.description, "parameters": tool.parameters},
        }
    if dialect == "anthropic":
        return {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}
    if dialect == "mcp":
        return _mcp_tool(tool)
    raise ValueError(f"Unknown tool dialect {dialect!r}; valid dialects: {', '.join(DIALECTS)}")


def render_tools(tools: list[Tool], dialect: str) -> list[dict[str, Any]]:
    return [render_tool(tool, dialect) for tool in tools]


def mcp_annotations(tool: Tool) -> dict[str, bool]:
    """MCP behaviour hints from the HTTP method and ``x-openai-isConsequential``.

    Read-only: a safe method (GET, HEAD, OPTIONS) the document does not mark consequential.
    Destructive (meaningful only when not read-only): PUT or DELETE, or any consequential
    operation (the original's default for every non-GET method). Idempotent: the HTTP idempotent
    methods. Open world: always, the tool talks to an external API.
    """
    operation = tool.operation
    read_only = operation.method in _SAFE_METHODS and not operation.is_consequential
    destructive = not read_only and (operation.method in _DESTRUCTIVE_METHODS or operation.is_consequential)
    return {
        "readOnlyHint": read_only,
        "destructiveHint": destructive,
        "idempotentHint": operation.method in _IDEMPOTENT_METHODS,
        "openWorldHint": True,
    }


def _mcp_tool(tool: Tool) -> dict[str, Any]:
    rendered: dict[str, Any] = {"name": tool.name}
    summary = (tool.operation.summary or "").strip()
    if summary:
        rendered["title"] = summary  # MCP's human-facing display name
    rendered["description"] = tool.description
    rendered["inputSchema"] = tool.parameters
    rendered["annotations"] = mcp_annotations(tool)
    return rendered
