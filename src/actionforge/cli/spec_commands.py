"""``actionforge spec ...``: the engine on one document, from the command line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table

import actionforge
from actionforge.cli.auth_options import (
    ApiKeyOpt,
    AuthTypeOpt,
    CredentialsOpt,
    HeaderNameOpt,
    QueryNameOpt,
    api_key_config,
)
from actionforge.cli.sources import SOURCE_HELP, ServerOpt, ServerVariableOpt, Where, resolve_source, where

app = typer.Typer(
    help="Validate OpenAPI documents, list their tools, build and make calls.", no_args_is_help=True
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

SourceArg = Annotated[str, typer.Argument(help=SOURCE_HELP, show_default=False)]
ProfileOpt = Annotated[str, typer.Option("--profile", help="gpt (the original's rules) or extended.")]
ArgsOpt = Annotated[str, typer.Option("--args", help="The tool's arguments as a JSON object.")]
_DIALECTS: dict[str, Literal["openai", "anthropic", "mcp"]] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "mcp": "mcp",
}


def _settings(**overrides: Any) -> actionforge.Settings:
    return actionforge.Settings(**{k: v for k, v in overrides.items() if v})


def _check_profile(profile: str) -> None:
    if profile not in ("gpt", "extended"):
        raise typer.BadParameter("choose gpt or extended", param_hint="--profile")


def _print_issues(report: actionforge.ValidationReport) -> None:
    for issue in report.errors:
        err.print(f"[red]error[/red]   {issue.message}  [dim]{issue.pointer or '/'}[/dim]", markup=True)
    for issue in report.warnings:
        err.print(f"[yellow]warning[/yellow] {issue.message}  [dim]{issue.pointer or '/'}[/dim]")


def _load(source: str, profile: str, settings: actionforge.Settings, servers: Where) -> actionforge.Action:
    _check_profile(profile)
    try:
        return actionforge.load_action(
            resolve_source(source),
            profile,
            settings=settings,
            server_url=servers.server_url,
            server_variables=servers.server_variables,
        )
    except actionforge.SchemaError as exc:
        _print_issues(exc.report)
        raise typer.Exit(1) from None


def _parse_args(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise typer.BadParameter(f"not valid JSON: {exc}", param_hint="--args") from None


@app.command()
def validate(
    source: SourceArg,
    profile: ProfileOpt = "gpt",
    as_json: Annotated[bool, typer.Option("--json", help="Print the editor's JSON report.")] = False,
    server: ServerOpt = None,
    server_variable: ServerVariableOpt = None,
) -> None:
    """Validate a document as the action editor does."""
    _check_profile(profile)
    servers = where(server, server_variable)
    report = actionforge.validate(
        resolve_source(source),
        profile,
        settings=_settings(),
        server_url=servers.server_url,
        server_variables=servers.server_variables,
    )
    if as_json:
        out.print_json(data=report.to_dict())
    else:
        _print_issues(report)
        if report.success:
            table = Table("Name", "Method", "Path", title=f"{report.root_domain}", title_justify="left")
            for op in report.operations:
                table.add_row(op.operation_name, op.method.upper(), op.path)
            out.print(table)
            out.print(f"valid: {len(report.operations)} operation(s) on {report.root_domain}")
    raise typer.Exit(0 if report.success else 1)


@app.command()
def tools(
    source: SourceArg,
    dialect: Annotated[str, typer.Option(help="openai, anthropic or mcp.")] = "openai",
    profile: ProfileOpt = "gpt",
    server: ServerOpt = None,
    server_variable: ServerVariableOpt = None,
) -> None:
    """Print the tool definitions a model receives, as JSON."""
    chosen = _DIALECTS.get(dialect)
    if chosen is None:
        raise typer.BadParameter("choose openai, anthropic or mcp", param_hint="--dialect")
    action = _load(source, profile, _settings(), where(server, server_variable))
    out.print_json(data=action.tools(chosen))


@app.command()
def request(
    source: SourceArg,
    tool: Annotated[str, typer.Argument(help="Tool name or operationId.")],
    args: ArgsOpt = "{}",
    profile: ProfileOpt = "gpt",
    api_key: ApiKeyOpt = None,
    auth_type: AuthTypeOpt = "basic",
    header_name: HeaderNameOpt = None,
    query_name: QueryNameOpt = None,
    server: ServerOpt = None,
    server_variable: ServerVariableOpt = None,
) -> None:
    """Print the HTTP request a call would send, as it goes on the wire, secrets redacted."""
    from actionforge.cli.wire import format_request

    key = api_key_config(api_key, auth_type, header_name, query_name)
    action = _load(source, profile, _settings(), where(server, server_variable))
    try:
        req = action.wire_request(tool, _parse_args(args), auth=key)
    except actionforge.UnknownToolError as exc:
        raise typer.BadParameter(str(exc), param_hint="TOOL") from None
    except (actionforge.ArgumentsError, actionforge.RequestBuildError) as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(1) from None
    out.print(format_request(req), markup=False)


@app.command()
def call(
    source: SourceArg,
    tool: Annotated[str, typer.Argument(help="Tool name or operationId.")],
    args: ArgsOpt = "{}",
    profile: ProfileOpt = "gpt",
    allow_loopback: Annotated[
        bool, typer.Option(help="Development only: let the call reach 127.0.0.1 (http, any port).")
    ] = False,
    api_key: ApiKeyOpt = None,
    auth_type: AuthTypeOpt = "basic",
    header_name: HeaderNameOpt = None,
    query_name: QueryNameOpt = None,
    oauth: CredentialsOpt = None,
    server: ServerOpt = None,
    server_variable: ServerVariableOpt = None,
) -> None:
    """Make the call and print the result the model would read."""
    from actionforge.cli.credentials_file import CLI_TOKEN_KEY, CredentialsFile

    auth: actionforge.ApiKeyAuthConfig | actionforge.OAuthConfig | None
    auth = api_key_config(api_key, auth_type, header_name, query_name)
    store = None
    if oauth is not None:
        if auth is not None:
            raise typer.BadParameter("use either --api-key or --oauth", param_hint="--oauth")
        store = CredentialsFile(oauth, actionforge.SecretBox.from_settings(actionforge.Settings()))
        try:
            auth = store.config()
        except actionforge.ActionforgeError as exc:
            raise typer.BadParameter(str(exc), param_hint="--oauth") from None

    overrides: dict[str, Any] = {}
    if allow_loopback:
        overrides = {"allow_loopback": True, "allow_http": True, "allow_any_port": True}
    action = _load(source, profile, _settings(**overrides), where(server, server_variable))
    try:
        action.tool(tool)
    except actionforge.UnknownToolError as exc:
        raise typer.BadParameter(str(exc), param_hint="TOOL") from None

    async def run() -> actionforge.ToolResult:
        async with action:
            return await action.call(
                tool, _parse_args(args), auth=auth, token_store=store, user=CLI_TOKEN_KEY
            )

    result = asyncio.run(run())
    status = f"{result.status} " if result.status is not None else ""
    head = f"{status}{result.content_type or ''}".strip()
    if result.ok:
        if head:
            err.print(head, markup=False)
        out.print(result.body, markup=False)
        raise typer.Exit(0)
    err.print(f"{result.error}: {result.message}" + (f" ({head})" if head else ""), markup=False)
    if result.body:
        out.print(result.body, markup=False)
    raise typer.Exit(1)


@app.command("format")
def format_command(
    file: Annotated[Path, typer.Argument(help="The document to re-format.", exists=True, dir_okay=False)],
    write: Annotated[bool, typer.Option("--write", help="Rewrite the file in place.")] = False,
) -> None:
    """Re-format a document like the editor's Format button (pretty JSON, or YAML)."""
    formatted = actionforge.format(file.read_text(encoding="utf-8"))
    if write:
        file.write_text(formatted if formatted.endswith("\n") else formatted + "\n", encoding="utf-8")
    else:
        out.print(formatted, markup=False)
