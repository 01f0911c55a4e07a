"""``actionforge oauth ...``: sign in to an OAuth action from a terminal."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

import actionforge
from actionforge.cli.sources import (
    SOURCE_HELP,
    ServerOpt,
    ServerVariableOpt,
    parse_pairs,
    resolve_source,
    where,
)

app = typer.Typer(help="Sign in to OAuth-protected actions for command-line calls.", no_args_is_help=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@app.command()
def login(
    source: Annotated[str, typer.Argument(help=SOURCE_HELP, show_default=False)],
    client_id: Annotated[str, typer.Option(help="OAuth client ID.")],
    client_secret: Annotated[
        str,
        typer.Option(
            help="OAuth client secret (or ACTIONFORGE_CLIENT_SECRET).", envvar="ACTIONFORGE_CLIENT_SECRET"
        ),
    ],
    authorization_url: Annotated[str, typer.Option(help="The provider's authorize endpoint.")],
    token_url: Annotated[str, typer.Option(help="The provider's token endpoint.")],
    credentials: Annotated[
        Path, typer.Option("--out", help="Where to write the encrypted credentials file.")
    ],
    scope: Annotated[str, typer.Option(help="Scopes, space-separated.")] = "",
    exchange: Annotated[
        str, typer.Option(help="Token exchange method: default_post or basic_auth_header.")
    ] = "default_post",
    pkce: Annotated[bool, typer.Option(help="Send a PKCE S256 challenge.")] = True,
    param: Annotated[list[str] | None, typer.Option(help="Extra authorize parameter NAME=VALUE.")] = None,
    allow_loopback: Annotated[
        bool, typer.Option(help="Development only: the provider may be on 127.0.0.1.")
    ] = False,
    server: ServerOpt = None,
    server_variable: ServerVariableOpt = None,
) -> None:
    """Open the browser to sign in, then save the tokens (encrypted) for `spec call --oauth`."""
    from pydantic import ValidationError

    from actionforge.cli.credentials_file import CLI_TOKEN_KEY, CredentialsFile

    settings = (
        actionforge.Settings(allow_loopback=True, allow_http=True, allow_any_port=True)
        if allow_loopback
        else actionforge.Settings()
    )
    try:
        servers = where(server, server_variable)
        action = actionforge.load_action(
            resolve_source(source),
            "extended",
            settings=settings,
            server_url=servers.server_url,
            server_variables=servers.server_variables,
        )
        config = actionforge.OAuthConfig(
            client_id=client_id,
            client_secret=client_secret,
            authorization_url=authorization_url,
            token_url=token_url,
            scope=scope,
            token_exchange_method=exchange,  # pydantic checks it
            pkce=pkce,
            extra_authorize_params=parse_pairs(param or [], "--param"),
        )
        actionforge.check_oauth_config(action, config)
    except actionforge.SchemaError as exc:
        err.print(f"The document is not valid: {exc}", markup=False)
        raise typer.Exit(1) from None
    except ValidationError as exc:
        raise typer.BadParameter(exc.errors()[0]["msg"]) from None
    except actionforge.ActionforgeError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(1) from None

    store = CredentialsFile(credentials, actionforge.SecretBox.from_settings(settings))
    store.save_config(config)

    def show(url: str) -> None:
        import webbrowser

        err.print(f"Opening your browser to sign in with {action.root_domain}:\n{url}", markup=False)
        webbrowser.open(url)

    async def run() -> None:
        async with action:
            await actionforge.sign_in_with_browser(
                action, config, token_store=store, user=CLI_TOKEN_KEY, open_browser=show
            )

    try:
        asyncio.run(run())
    except actionforge.ActionforgeError as exc:
        err.print(f"Sign-in failed: {exc}", markup=False)
        raise typer.Exit(1) from None
    err.print(f"Signed in with {action.root_domain}; credentials saved to {credentials}", markup=False)


@app.command()
def logout(
    credentials: Annotated[
        Path, typer.Argument(help="The credentials file to clear.", exists=True, dir_okay=False)
    ],
) -> None:
    """Forget the tokens in a credentials file (the client settings stay)."""
    from actionforge.cli.credentials_file import CLI_TOKEN_KEY, CredentialsFile

    box = actionforge.SecretBox.from_settings(actionforge.Settings())
    had = asyncio.run(CredentialsFile(credentials, box).delete(CLI_TOKEN_KEY))
    err.print("Signed out." if had else "There was no sign-in to forget.", markup=False)
