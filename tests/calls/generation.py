"""Arguments for property tests, generated from a tool's own schema (hypothesis-jsonschema)."""

from __future__ import annotations

from typing import Any

from actionforge.openapi.jsondata import thaw
from actionforge.tools.model import Tool

_BASE64 = "(?:[A-Za-z0-9+/]{4})*"


def generation_schema(tool: Tool) -> dict[str, Any]:
    """The tool's parameters, with file arguments made base64 text: hypothesis-jsonschema ignores
    ``contentEncoding``, and random text is not a file. A whole body of a wildcard type such as
    ``image/*`` becomes a data URL naming a type of that family, as the tool asks the model to."""
    schema: dict[str, Any] = thaw(tool.parameters)
    body = tool.operation.request_body
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict) or prop.get("contentEncoding") != "base64":
            continue
        binding = tool.binding(name)
        prefix = ""
        if (
            body is not None
            and binding is not None
            and binding.location == "body_whole"
            and "*" in body.media_type
        ):
            prefix = f"data:{body.media_type.split('/', 1)[0]}/x-test;base64,"
        schema["properties"][name] = {"type": "string", "pattern": f"^{prefix}{_BASE64}$"}
    return schema
