"""The credential flags that `spec request` and `spec call` share."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import actionforge

if TYPE_CHECKING:
    from actionforge import ApiKeyAuthConfig

ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="ACTIONFORGE_API_KEY",
        help="API key for the action (or set ACTIONFORGE_API_KEY, which keeps it out of shell history).",
        show_default=False,
    ),
]
AuthTypeOpt = Annotated[
    str, typer.Option("--auth-type", help="How the key is sent: basic, bearer, custom or query.")
]
HeaderNameOpt = Annotated[str | None, typer.Option("--header-name", help="Header for --auth-type custom.")]
QueryNameOpt = Annotated[
    str | None, typer.Option("--query-name", help="Query parameter for --auth-type query.")
]
CredentialsOpt = Annotated[
    Path | None,
    typer.Option("--oauth", help="A credentials file written by `actionforge oauth login`.", dir_okay=False),
]


def api_key_config(
    api_key: str | None, auth_type: str, header_name: str | None, query_name: str | None
) -> ApiKeyAuthConfig | None:
    """The API-key setting the flags describe, or None when no key was given."""
    if api_key is None:
        if header_name or query_name:
            raise typer.BadParameter("needs --api-key (or ACTIONFORGE_API_KEY)", param_hint="--header-name")
        return None
    if auth_type not in ("basic", "bearer", "custom", "query"):
        raise typer.BadParameter("choose basic, bearer, custom or query", param_hint="--auth-type")
    from pydantic import ValidationError

    try:
        return actionforge.ApiKeyAuthConfig(
            kind=auth_type,  # checked just above
            key=actionforge.SecretValue(api_key),
            header_name=header_name,
            query_name=query_name,
        )
    except ValidationError as exc:
        raise typer.BadParameter(exc.errors()[0]["msg"], param_hint="--auth-type") from None
