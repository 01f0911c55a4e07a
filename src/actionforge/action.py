"""The public face of the engine: ``validate``, ``load_action`` and :class:`Action`.

This module is the only place that wires the layers together: it hands ``openapi`` a fetcher built
on the egress guard, gives ``calls`` a guarded client, and turns auth settings into ``httpx.Auth``.

Loading and rendering tools needs only ``openapi`` and ``tools``; ``calls``, ``auth`` and ``egress``
(and with them Authlib, tldextract and the HTTP stack) are imported by the methods that use them,
so a process that only inspects documents starts quickly.
"""

from __future__ import annotations

import datetime
import gc
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from os import PathLike
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from actionforge.errors import ActionforgeError
from actionforge.openapi.model import Operation
from actionforge.openapi.report import Issue, ValidationReport
from actionforge.openapi.source import URL, SourceInput
from actionforge.openapi.validate import Analysis, validate_source
from actionforge.settings import Settings, default_settings
from actionforge.tools.build import action_description, build_tools
from actionforge.tools.dialects import render_tool
from actionforge.tools.model import Tool
from actionforge.tools.schemas import schema_dialect

if TYPE_CHECKING:
    import asyncio

    import httpx

    from actionforge.auth import ApiKeyAuthConfig, NoAuthConfig, OAuthConfig
    from actionforge.auth.oauth import TokenKey, TokenRefresher, TokenStore
    from actionforge.calls.arguments import CheckedArguments
    from actionforge.calls.context import CallContext
    from actionforge.calls.result import ToolResult
    from actionforge.egress import DomainPolicy
    from actionforge.openapi.loader import Fetcher

Source = str | PathLike[str] | URL | Mapping[str, Any]
"""A document: its text (``str``, never taken for a path), a file, a :class:`URL`, or parsed data."""
Dialect = Literal["openai", "anthropic", "mcp"]
AuthSetting: TypeAlias = "NoAuthConfig | ApiKeyAuthConfig | OAuthConfig | httpx.Auth | None"
"""An action's authentication setting, or a ready ``httpx.Auth`` for anything else."""


class SchemaError(ActionforgeError):
    """The document is not a usable action; ``report`` holds every error with its pointer."""

    def __init__(self, report: ValidationReport) -> None:
        lines = "; ".join(str(e) for e in report.errors) or "invalid document"
        super().__init__(lines)
        self.report = report


class UnknownToolError(ActionforgeError, KeyError):
    """No tool of this action has that name (nor that operationId)."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(f"No tool named {name!r}; this action has: {', '.join(known)}")
        self.name = name

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def _fetcher(settings: Settings, policy: DomainPolicy) -> Fetcher:
    def fetch(url: str) -> str:
        from actionforge.egress import fetch_text

        return fetch_text(url, policy=policy, settings=settings)

    return fetch


def _json_value(value: object) -> str | dict[Any, Any]:
    """What ``json.dumps`` cannot write itself: any Mapping, and the dates YAML parsers make."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} values are not JSON data")


def _explicit(source: Source | None, url: str | None) -> SourceInput | Issue:
    """The loader's input for what the caller named, or the Issue a parsed document has.

    A parsed ``Mapping`` is serialised and parsed again rather than handed on: the loader's depth,
    size and Swagger 2.0 steps then apply to it exactly as to text, and the caller's object is
    never modified by bundling.
    """
    if url is not None:
        if source is not None:
            raise TypeError("give the document either as source or as url=, not both")
        return URL(url)
    if isinstance(source, str | URL | PathLike):
        return source
    if isinstance(source, Mapping):
        try:
            return json.dumps(source, default=_json_value, allow_nan=False, ensure_ascii=False)
        except RecursionError:
            return Issue("The document is nested too deeply to be JSON data", "")
        except (TypeError, ValueError) as exc:
            return Issue(f"The document is not JSON data: {exc}", "")
    raise TypeError(
        "a document is its text (str), a file (pathlib.Path), a URL (actionforge.URL or url=) "
        f"or parsed data (a Mapping), not {type(source).__name__}"
    )


@dataclass(frozen=True, slots=True)
class _Where:
    """Where the API runs, when the document does not say (or says it for someone else)."""

    server_url: str | None = None
    server_variables: Mapping[str, str] | None = None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a document is loaded, if it was on.

    Loading allocates a container for every JSON object and array, and nearly all of them live
    on with the action; each collection meanwhile would walk them again, for nothing: JSON data
    holds no cycles. On GitHub's description (about 100,000 containers holding 250,000 values)
    one full collection takes 80 ms, a sixth of a cold load. Afterwards what is still alive
    moves to the oldest generation unexamined (``gc.freeze`` then ``gc.unfreeze``), where the
    next full collection looks at it as usual; otherwise the first young collection after
    re-enabling would walk all of it at once. Reference counting frees as usual throughout.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            _to_oldest_generation()
            gc.enable()


_LARGE_LOAD = 50_000  # new tracked objects: a document of some megabytes


def _to_oldest_generation() -> None:
    """Every tracked object into the oldest generation, unexamined, after a large load only: a
    small one's objects cost the young collections little. Not when the host process has frozen
    objects of its own (a server freezes what it made at start-up, so no collection walks it):
    `gc.unfreeze` would hand all of those back to the collector. Asking costs a walk of the
    frozen objects (about 5 ms for a server's), hence only after a large load."""
    if gc.get_count()[0] < _LARGE_LOAD:
        return
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def _analyse(
    source: Source | None,
    url: str | None,
    profile: str,
    settings: Settings | None,
    policy: DomainPolicy | None,
    where: _Where,
) -> tuple[ValidationReport, Analysis | None, Settings, DomainPolicy]:
    settings = settings or default_settings()
    if policy is None:
        from actionforge.egress import DomainPolicy

        policy = DomainPolicy.allow_all()
    located = _explicit(source, url)
    if isinstance(located, Issue):
        return ValidationReport(errors=(located,)), None, settings, policy
    report, analysis = validate_source(
        located,
        profile=profile,
        settings=settings,
        fetch=_fetcher(settings, policy),
        server_url=where.server_url,
        server_variables=where.server_variables,
    )
    return report, analysis, settings, policy


def validate(
    source: Source | None = None,
    profile: str = "gpt",
    *,
    url: str | None = None,
    settings: Settings | None = None,
    policy: DomainPolicy | None = None,
    server_url: str | None = None,
    server_variables: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Validate a document the way the action editor does; never raises on bad input.

    ``source`` is the document's text (a ``str`` is never read as a path), a ``pathlib.Path``, an
    :class:`URL` or parsed data; ``url=`` names a URL to fetch through the egress guard.
    ``server_url`` is where the API runs for a document that leaves it open (``servers: [{url:
    /}]``, or none): a relative server path is joined onto it and it replaces an absolute one;
    ``server_variables`` fill ``{variables}`` in server URLs before their defaults.
    """
    where = _Where(server_url, server_variables)
    with _collector_paused():
        report, _, _, _ = _analyse(source, url, profile, settings, policy, where)
    return report


def load_action(
    source: Source | None = None,
    profile: str = "gpt",
    *,
    url: str | None = None,
    settings: Settings | None = None,
    policy: DomainPolicy | None = None,
    server_url: str | None = None,
    server_variables: Mapping[str, str] | None = None,
    taken_names: Iterable[str] = (),
) -> Action:
    """Load a document as an :class:`Action`; raises :class:`SchemaError` if it has errors.

    Sources and servers as for :func:`validate`. ``taken_names`` are tool names already used by
    the GPT's other actions, so names stay unique.
    """
    where = _Where(server_url, server_variables)
    with _collector_paused():
        report, analysis, settings, policy = _analyse(source, url, profile, settings, policy, where)
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
        self._refresher: TokenRefresher | None = None  # shared, so concurrent calls refresh once

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
    def check_arguments(self, tool_name: str, arguments: Any) -> CheckedArguments:
        """The arguments as :meth:`build_request` will use them, and each repair that got them
        there (``.repairs``); raises ArgumentsError (which lists the repairs made too).

        Pass the result to :meth:`build_request` or :meth:`wire_request` to build the request
        without checking again: the two-step way to see what was repaired.
        """
        return self._checked(self.tool(tool_name), arguments)

    def build_request(
        self,
        tool_name: str,
        arguments: Any,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Request:
        """Check the arguments and build the exact request; no I/O.

        ``arguments`` are the model's, or the result of :meth:`check_arguments` (then they are
        not checked again). Raises ArgumentsError (the schema check) or RequestBuildError (a value
        that cannot go on the wire, such as an empty path segment); both say what to fix, for the
        model, and carry the ``repairs`` made before.
        """
        from actionforge.calls.arguments import CheckedArguments
        from actionforge.calls.request import build_request
        from actionforge.calls.serialize import RequestBuildError

        tool = self.tool(tool_name)
        checked = arguments if isinstance(arguments, CheckedArguments) else self._checked(tool, arguments)
        try:
            return build_request(tool, checked.arguments, headers=headers)
        except RequestBuildError as exc:
            exc.repairs = checked.repairs
            raise

    def _checked(self, tool: Tool, arguments: Any) -> CheckedArguments:
        from actionforge.calls.arguments import check_arguments

        return check_arguments(tool, arguments, repair=self.settings.repair_arguments)

    def wire_request(
        self, tool_name: str, arguments: Any, *, auth: ApiKeyAuthConfig | NoAuthConfig | None = None
    ) -> httpx.Request:
        """The request as :meth:`call` would send it: our User-Agent and an API key's credentials on.

        OAuth tokens belong to one user and are added only by :meth:`call`. No I/O; takes the
        arguments and raises as :meth:`build_request` does.
        """
        from actionforge.auth import ApiKeyAuth, ApiKeyAuthConfig
        from actionforge.calls.send import USER_AGENT

        request = self.build_request(tool_name, arguments, headers={"User-Agent": USER_AGENT})
        if isinstance(auth, ApiKeyAuthConfig) and self.tool(tool_name).operation.requires_auth:
            request = next(ApiKeyAuth(auth).sync_auth_flow(request))
        return request

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

        ``arguments`` as for :meth:`build_request`.
        OAuth needs ``token_store`` and ``user`` (whose tokens: user, action, draft/published).
        ``client`` replaces the guarded client; pass one only if its transport is guarded too.
        """
        from actionforge.calls.arguments import ArgumentsError, CheckedArguments
        from actionforge.calls.request import build_request
        from actionforge.calls.result import ToolResult
        from actionforge.calls.send import send
        from actionforge.calls.serialize import RequestBuildError

        tool = self.tool(tool_name)
        # Every result lists the model's mistakes that were repaired (calls.repairs).
        try:
            checked = arguments if isinstance(arguments, CheckedArguments) else self._checked(tool, arguments)
        except ArgumentsError as exc:
            return ToolResult(ok=False, error="arguments", message=str(exc), attempts=0, repairs=exc.repairs)
        try:
            request = build_request(tool, checked.arguments)
        except RequestBuildError as exc:
            return ToolResult(
                ok=False, error="arguments", message=str(exc), attempts=0, repairs=checked.repairs
            )
        client = client or self.http_client()
        credentials = None
        if tool.operation.requires_auth:
            credentials = self._httpx_auth(auth, token_store=token_store, user=user, client=client)
        result = await send(request, client=client, settings=self.settings, auth=credentials, context=context)
        return result.with_repairs(checked.repairs)

    def _httpx_auth(
        self,
        auth: AuthSetting,
        *,
        token_store: TokenStore | None,
        user: TokenKey | None,
        client: httpx.AsyncClient,
    ) -> httpx.Auth | None:
        import httpx

        from actionforge.auth import ApiKeyAuth, ApiKeyAuthConfig, NoAuthConfig

        if auth is None or isinstance(auth, NoAuthConfig):
            return None
        if isinstance(auth, httpx.Auth):
            return auth
        if isinstance(auth, ApiKeyAuthConfig):
            return ApiKeyAuth(auth)
        if token_store is None or user is None:
            raise TypeError("an OAuth action needs token_store= and user= (a TokenKey)")
        return self._oauth_auth(auth, token_store, user, client)

    def _oauth_auth(
        self, config: OAuthConfig, token_store: TokenStore, user: TokenKey, client: httpx.AsyncClient
    ) -> httpx.Auth:
        from actionforge.auth.oauth import OAuthBearerAuth, TokenRefresher

        if self._refresher is None:
            self._refresher = TokenRefresher()
        return OAuthBearerAuth(
            user,
            config=config,
            token_store=token_store,
            client=client,
            refresher=self._refresher,
            domain=self.root_domain,
            settings=self.settings,
        )

    def http_client(self) -> httpx.AsyncClient:
        """This action's pooled client on the egress guard, one per event loop.

        Every outbound request about this action (calls, OAuth token requests) goes through it;
        an ``AsyncClient`` cannot cross event loops, so a new loop gets a new one.
        """
        import asyncio

        from actionforge.egress import guarded_async_client

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
