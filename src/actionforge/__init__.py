"""actionforge: OpenAPI documents in, model-ready tools and wire-correct requests out.

    import actionforge
    report = actionforge.validate(source, profile="gpt")
    action = actionforge.load_action(source)
    action.tools(dialect="openai")
    request = action.build_request("getPetById", {"petId": 1})
    result = await action.call("getPetById", {"petId": 1})
"""

from actionforge._version import __version__
from actionforge.action import Action, SchemaError, UnknownToolError, load_action, validate
from actionforge.calls.arguments import ArgumentsError
from actionforge.calls.context import CallContext
from actionforge.calls.result import ToolResult
from actionforge.egress import DomainPolicy
from actionforge.errors import ActionforgeError, AuthError, FetchError, RequestBlocked, SignInRequired
from actionforge.settings import Settings
from actionforge.spec.parse import format_text as format
from actionforge.spec.report import Issue, ValidationReport

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
