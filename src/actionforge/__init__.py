"""actionforge: OpenAPI documents in, model-ready tools and wire-correct requests out.

    import actionforge
    report = actionforge.validate(text, profile="gpt")      # or a Path, actionforge.URL(...), a dict
    action = actionforge.load_action(pathlib.Path("openapi.yaml"))
    action.tools(dialect="openai")
    request = action.build_request("getPetById", {"petId": 1})
    result = await action.call("getPetById", {"petId": 1})

Everything a library user needs is importable from here (``__all__``, documented in
``docs/api.md``). Names are imported on first use, so ``import actionforge`` costs almost nothing
and loading a document never imports the OAuth, HTTP or encryption stacks it does not use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from actionforge._lazy import lazy_exports
from actionforge._version import __version__

if TYPE_CHECKING:
    from actionforge.action import Action, SchemaError, UnknownToolError, load_action, validate
    from actionforge.auth.config import ApiKeyAuthConfig, ApiKeyKind, AuthConfig, NoAuthConfig
    from actionforge.auth.oauth.config import OAuthConfig, TokenExchangeMethod
    from actionforge.auth.oauth.errors import (
        AuthorizationDenied,
        OAuthConfigError,
        OAuthDomainError,
        StateError,
        TokenEndpointError,
    )
    from actionforge.auth.oauth.flow import SignedIn
    from actionforge.auth.oauth.loopback_login import LoginTimeout
    from actionforge.auth.oauth.state import InMemoryStateStore, Mode, StateBinding, StateStore, TokenKey
    from actionforge.auth.oauth.store import InMemoryTokenStore, TokenStore
    from actionforge.auth.oauth.tokens import TokenSet
    from actionforge.calls.arguments import ArgumentsError, CheckedArguments
    from actionforge.calls.context import CallContext
    from actionforge.calls.repairs import Repair
    from actionforge.calls.result import ToolResult
    from actionforge.calls.serialize import RequestBuildError
    from actionforge.consent.decide import ConsentError
    from actionforge.egress.client import fetch_document, guarded_transport
    from actionforge.egress.hosts import InvalidHost
    from actionforge.egress.policy import DomainPolicy
    from actionforge.errors import ActionforgeError, AuthError, FetchError, RequestBlocked, SignInRequired
    from actionforge.examples import EXAMPLES, example_text
    from actionforge.openapi.model import Operation
    from actionforge.openapi.parse import format_text as format
    from actionforge.openapi.pointers import RefError
    from actionforge.openapi.report import Issue, ValidationReport
    from actionforge.openapi.source import URL, DocumentError
    from actionforge.secrets.box import SecretBox
    from actionforge.secrets.keys import SecretBoxError, SecretKeyError, generate_key
    from actionforge.secrets.redact import install_log_redaction, redactor
    from actionforge.secrets.value import SecretValue
    from actionforge.settings import Settings, SettingsError
    from actionforge.signin import (
        begin_sign_in,
        check_oauth_config,
        complete_sign_in,
        sign_in_with_browser,
        sign_out,
    )
    from actionforge.tools.model import Tool
    from actionforge.tools.schemas import SchemaConversionError

_EXPORTS = {
    "format": "actionforge.openapi.parse:format_text",
    "Action": "actionforge.action",
    "SchemaError": "actionforge.action",
    "UnknownToolError": "actionforge.action",
    "load_action": "actionforge.action",
    "validate": "actionforge.action",
    "begin_sign_in": "actionforge.signin",
    "check_oauth_config": "actionforge.signin",
    "complete_sign_in": "actionforge.signin",
    "sign_in_with_browser": "actionforge.signin",
    "sign_out": "actionforge.signin",
    "URL": "actionforge.openapi.source",
    "DocumentError": "actionforge.openapi.source",
    "Issue": "actionforge.openapi.report",
    "ValidationReport": "actionforge.openapi.report",
    "Operation": "actionforge.openapi.model",
    "RefError": "actionforge.openapi.pointers",
    "Tool": "actionforge.tools.model",
    "SchemaConversionError": "actionforge.tools.schemas",
    "ArgumentsError": "actionforge.calls.arguments",
    "CheckedArguments": "actionforge.calls.arguments",
    "RequestBuildError": "actionforge.calls.serialize",
    "CallContext": "actionforge.calls.context",
    "ToolResult": "actionforge.calls.result",
    "Repair": "actionforge.calls.repairs",
    "ApiKeyAuthConfig": "actionforge.auth.config",
    "ApiKeyKind": "actionforge.auth.config",
    "AuthConfig": "actionforge.auth.config",
    "NoAuthConfig": "actionforge.auth.config",
    "OAuthConfig": "actionforge.auth.oauth.config",
    "TokenExchangeMethod": "actionforge.auth.oauth.config",
    "AuthorizationDenied": "actionforge.auth.oauth.errors",
    "OAuthConfigError": "actionforge.auth.oauth.errors",
    "OAuthDomainError": "actionforge.auth.oauth.errors",
    "StateError": "actionforge.auth.oauth.errors",
    "TokenEndpointError": "actionforge.auth.oauth.errors",
    "LoginTimeout": "actionforge.auth.oauth.loopback_login",
    "SignedIn": "actionforge.auth.oauth.flow",
    "InMemoryStateStore": "actionforge.auth.oauth.state",
    "Mode": "actionforge.auth.oauth.state",
    "StateBinding": "actionforge.auth.oauth.state",
    "StateStore": "actionforge.auth.oauth.state",
    "TokenKey": "actionforge.auth.oauth.state",
    "InMemoryTokenStore": "actionforge.auth.oauth.store",
    "TokenStore": "actionforge.auth.oauth.store",
    "TokenSet": "actionforge.auth.oauth.tokens",
    "DomainPolicy": "actionforge.egress.policy",
    "fetch_document": "actionforge.egress.client",
    "guarded_transport": "actionforge.egress.client",
    "InvalidHost": "actionforge.egress.hosts",
    "ActionforgeError": "actionforge.errors",
    "AuthError": "actionforge.errors",
    "FetchError": "actionforge.errors",
    "RequestBlocked": "actionforge.errors",
    "SignInRequired": "actionforge.errors",
    "SecretValue": "actionforge.secrets.value",
    "SecretBox": "actionforge.secrets.box",
    "SecretBoxError": "actionforge.secrets.keys",
    "SecretKeyError": "actionforge.secrets.keys",
    "generate_key": "actionforge.secrets.keys",
    "install_log_redaction": "actionforge.secrets.redact",
    "redactor": "actionforge.secrets.redact",
    "ConsentError": "actionforge.consent.decide",
    "EXAMPLES": "actionforge.examples",
    "example_text": "actionforge.examples",
    "Settings": "actionforge.settings",
    "SettingsError": "actionforge.settings",
}

__all__ = [
    "EXAMPLES",
    "URL",
    "Action",
    "ActionforgeError",
    "ApiKeyAuthConfig",
    "ApiKeyKind",
    "ArgumentsError",
    "AuthConfig",
    "AuthError",
    "AuthorizationDenied",
    "CallContext",
    "CheckedArguments",
    "ConsentError",
    "DocumentError",
    "DomainPolicy",
    "FetchError",
    "InMemoryStateStore",
    "InMemoryTokenStore",
    "InvalidHost",
    "Issue",
    "LoginTimeout",
    "Mode",
    "NoAuthConfig",
    "OAuthConfig",
    "OAuthConfigError",
    "OAuthDomainError",
    "Operation",
    "RefError",
    "Repair",
    "RequestBlocked",
    "RequestBuildError",
    "SchemaConversionError",
    "SchemaError",
    "SecretBox",
    "SecretBoxError",
    "SecretKeyError",
    "SecretValue",
    "Settings",
    "SettingsError",
    "SignInRequired",
    "SignedIn",
    "StateBinding",
    "StateError",
    "StateStore",
    "TokenEndpointError",
    "TokenExchangeMethod",
    "TokenKey",
    "TokenSet",
    "TokenStore",
    "Tool",
    "ToolResult",
    "UnknownToolError",
    "ValidationReport",
    "__version__",
    "begin_sign_in",
    "check_oauth_config",
    "complete_sign_in",
    "example_text",
    "fetch_document",
    "format",
    "generate_key",
    "guarded_transport",
    "install_log_redaction",
    "load_action",
    "redactor",
    "sign_in_with_browser",
    "sign_out",
    "validate",
]


if not TYPE_CHECKING:  # so type checkers see only the names imported above
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
