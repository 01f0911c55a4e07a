"""actionforge: OpenAPI documents in, model-ready tools and wire-correct requests out.

    import actionforge
    report = actionforge.validate(source, profile="gpt")
    action = actionforge.load_action(source)
    action.tools(dialect="openai")
    request = action.build_request("getPetById", {"petId": 1})
    result = await action.call("getPetById", {"petId": 1})

Names are imported on first use, so ``import actionforge.settings`` (or the CLI's ``--help``) does
not pay for loading every layer.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from actionforge._version import __version__

if TYPE_CHECKING:
    from actionforge.action import Action, SchemaError, UnknownToolError, load_action, validate
    from actionforge.calls.arguments import ArgumentsError
    from actionforge.calls.context import CallContext
    from actionforge.calls.result import ToolResult
    from actionforge.egress import DomainPolicy
    from actionforge.errors import ActionforgeError, AuthError, FetchError, RequestBlocked, SignInRequired
    from actionforge.openapi.parse import format_text as format
    from actionforge.openapi.report import Issue, ValidationReport
    from actionforge.settings import Settings

_EXPORTS = {
    "Action": "actionforge.action",
    "SchemaError": "actionforge.action",
    "UnknownToolError": "actionforge.action",
    "load_action": "actionforge.action",
    "validate": "actionforge.action",
    "ArgumentsError": "actionforge.calls.arguments",
    "CallContext": "actionforge.calls.context",
    "ToolResult": "actionforge.calls.result",
    "DomainPolicy": "actionforge.egress",
    "ActionforgeError": "actionforge.errors",
    "AuthError": "actionforge.errors",
    "FetchError": "actionforge.errors",
    "RequestBlocked": "actionforge.errors",
    "SignInRequired": "actionforge.errors",
    "Settings": "actionforge.settings",
    "Issue": "actionforge.openapi.report",
    "ValidationReport": "actionforge.openapi.report",
}

__all__ = [
    "Action",
    "ActionforgeError",
    "ArgumentsError",
    "AuthError",
    "CallContext",
    "DomainPolicy",
    "FetchError",
    "Issue",
    "RequestBlocked",
    "SchemaError",
    "Settings",
    "SignInRequired",
    "ToolResult",
    "UnknownToolError",
    "ValidationReport",
    "__version__",
    "format",
    "load_action",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name == "format":
        return import_module("actionforge.openapi.parse").format_text
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'actionforge' has no attribute {name!r}")
