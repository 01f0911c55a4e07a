"""The public face of the engine: ``validate``, ``load_action`` and :class:`Action`.

This module is the only place that wires the layers together: it hands ``spec`` a fetcher built on
the egress guard, gives ``calls`` a guarded client, and turns auth settings into ``httpx.Auth``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from os import PathLike
from typing import Any, Literal

import httpx

from actionforge.auth import ApiKeyAuth, ApiKeyAuthConfig, NoAuthConfig, OAuthBearerAuth, OAuthConfig
from actionforge.auth.oauth import TokenKey, TokenRefresher, TokenStore
from actionforge.calls.arguments import ArgumentsError, check_arguments
from actionforge.calls.context import CallContext
from actionforge.calls.request import build_request
from actionforge.calls.result import ToolResult
from actionforge.calls.send import send
from actionforge.calls.serialize import RequestBuildError
from actionforge.egress import DomainPolicy, fetch_text, guarded_async_client
from actionforge.errors import ActionforgeError
from actionforge.openapi.loader import Fetcher
from actionforge.openapi.model import Operation
from actionforge.openapi.report import ValidationReport
from actionforge.openapi.validate import Analysis, validate_source
from actionforge.settings import Settings, default_settings
from actionforge.tools.build import action_description, build_tools
from actionforge.tools.dialects import render_tool
from actionforge.tools.model import Tool
from actionforge.tools.schemas import schema_dialect

Source = str | PathLike[str]
Dialect = Literal["openai", "anthropic", "mcp"]
AuthSetting = NoAuthConfig | ApiKeyAuthConfig | OAuthConfig | httpx.Auth | None
"""An action's authentication setting, or a ready ``httpx.Auth`` for anything else."""


class SchemaError(ActionforgeError):
    """The document is not a usable action; ``report`` holds every error with its pointer."""

    def __init__(self, report: ValidationReport) -> None:
        lines = "; ".join(str(e) for e in report.errors) or "invalid document"
        super().__init__(lines)
        self.report = report


class UnknownToolError(ActionforgeError, KeyError):
    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(f"No tool named {name!r}; this action has: {', '.join(known)}")
        self.name = name

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def _fetcher(settings: Settings, policy: DomainPolicy) -> Fetcher:
    def fetch(url: str) -> str:
        return fetch_text(url, policy=policy, settings=settings)

    return fetch


def validate(
    source: Source,
    profile: str = "gpt",
    *,
    settings: Settings | None = None,
    policy: DomainPolicy | None = None,
) -> ValidationReport:
    """Validate a document the way the action editor does; never raises on bad input."""
    settings = settings or default_settings()
    policy = policy or DomainPolicy.allow_all()
    report, _ = validate_source(source, profile=profile, settings=settings, fetch=_fetcher(settings, policy))
    return report


def load_action(
    source: Source,
    profile: str = "gpt",
    *,
    settings: Settings | None = None,
    policy: DomainPolicy | None = None,
    taken_names: Iterable[str] = (),
) -> Action:
    """Load a document as an :class:`Action`; raises :class:`SchemaError` if it has errors.

    ``taken_names`` are tool names already used by the GPT's other actions, so names stay unique.
    """
    settings = settings or default_settings()
    policy = policy or DomainPolicy.allow_all()
    report, analysis = validate_source(
        source, profile=profile, settings=settings, fetch=_fetcher(settings, policy)
    )
    if analysis is None or not report.success:
        raise SchemaError(report)
    return Action(analysis, settings=settings, policy=policy, taken_names=taken_names)


class Action:
    """One validated OpenAPI document: its operations, its tools, and calls to them."""

    def __init__(
        self,
        analysis: Analysis,
        *,
        settings: Settings,
        policy: DomainPolicy,
        taken_names: Iterable[str] = (),
    ) -> None:
        self.report = analysis.report
        self.document = analysis.document
        self.operations: tuple[Operation, ...] = analysis.operations
        self.settings = settings
        self.policy = policy
        self._tools = build_tools(
            analysis.operations,
            self.document,
            settings=settings,
            source_version=schema_dialect(str(self.document.get("openapi", "3.1"))),
            taken_names=tuple(taken_names),
        )
        self._by_name = {t.name: t for t in self._tools}
        self._by_name.update(
            {t.original_name: t for t in self._tools if t.original_name not in self._by_name}
        )
        self._client: httpx.AsyncClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self._refresher = TokenRefresher()  # shared, so concurrent calls refresh a token once

    # --- description -----------------------------------------------------------------------
    @property
    def root_domain(self) -> str:
        assert self.report.root_domain is not None  # a loaded action always has one
        return self.report.root_domain

    @property
    def description(self) -> str:
        """``info.description``: what the model reads to judge whether this action is relevant."""
        return action_description(self.document)

    @property
    def tool_list(self) -> tuple[Tool, ...]:
        return tuple(self._tools)

    def tool(self, name: str) -> Tool:
        """A tool by its (sanitized) name or by its original operationId."""
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownToolError(name, (t.name for t in self._tools)) from None

    def tools(self, dialect: Dialect = "openai") -> list[dict[str, Any]]:
        return [render_tool(t, dialect) for t in self._tools]

    # --- requests --------------------------------------------------------------------------
    def build_request(
        self, tool_name: str, arguments: Any, *, headers: Mapping[str, str] | None = None
    ) -> httpx.Request:
        """Check the arguments and build the exact request; no I/O.

        Raises ArgumentsError (the schema check) or RequestBuildError (a value that cannot go on
        the wire, such as an empty path segment); both say what to fix, for the model.
        """
        tool = self.tool(tool_name)
        checked = check_arguments(tool, arguments, repair_body_wrapper=self.settings.repair_body_wrapper)
        return build_request(tool, checked, headers=headers)

    async def call(
        self,
        tool_name: str,
        arguments: Any,
        *,
        auth: AuthSetting = None,
        token_store: TokenStore | None = None,
        user: TokenKey | None = None,
        client: httpx.AsyncClient | None = None,
        context: CallContext | None = None,
    ) -> ToolResult:
        """Make the call; every failure (arguments included) comes back as a ToolResult.

        OAuth needs ``token_store`` and ``user`` (whose tokens: user, action, draft/published).
        ``client`` replaces the guarded client; pass one only if its transport is guarded too.
        """
        tool = self.tool(tool_name)
        try:
            checked = check_arguments(tool, arguments, repair_body_wrapper=self.settings.repair_body_wrapper)
            request = build_request(tool, checked)
        except (ArgumentsError, RequestBuildError) as exc:
            return ToolResult(ok=False, error="arguments", message=str(exc), attempts=0)
        client = client or self._guarded_client()
        credentials = None
        if tool.operation.requires_auth:
            credentials = self._httpx_auth(auth, token_store=token_store, user=user, client=client)
        return await send(request, client=client, settings=self.settings, auth=credentials, context=context)

    def _httpx_auth(
        self,
        auth: AuthSetting,
        *,
        token_store: TokenStore | None,
        user: TokenKey | None,
        client: httpx.AsyncClient,
    ) -> httpx.Auth | None:
        if auth is None or isinstance(auth, NoAuthConfig):
            return None
        if isinstance(auth, httpx.Auth):
            return auth
        if isinstance(auth, ApiKeyAuthConfig):
            return ApiKeyAuth(auth)
        if token_store is None or user is None:
            raise TypeError("an OAuth action needs token_store= and user= (a TokenKey)")
        return OAuthBearerAuth(
            user,
            config=auth,
            token_store=token_store,
            client=client,
            refresher=self._refresher,
            domain=self.root_domain,
            settings=self.settings,
        )

    def _guarded_client(self) -> httpx.AsyncClient:
        """One pooled guarded client per event loop (an AsyncClient cannot cross loops)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            self._client = guarded_async_client(self.policy, self.settings)
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> Action:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
