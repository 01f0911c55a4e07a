"""``actionforge oauth ...``: sign in to an OAuth action from a terminal."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from actionforge.cli.sources import SOURCE_HELP, resolve_source

app = typer.Typer(help="Sign in to OAuth-protected actions for command-line calls.", no_args_is_help=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--param")
        params[name] = value
    return params


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
) -> None:
    """Open the browser to sign in, then save the tokens (encrypted) for `spec call --oauth`."""
    from actionforge.action import SchemaError, load_action
    from actionforge.auth.oauth import OAuthConfig, StateBinding, check_oauth_domains
    from actionforge.auth.oauth.loopback_login import login_in_browser
    from actionforge.cli.credentials_file import CLI_TOKEN_KEY, CredentialsFile
    from actionforge.egress import DomainPolicy, guarded_async_client
    from actionforge.errors import ActionforgeError
    from actionforge.secrets.box import SecretBox
    from actionforge.settings import Settings

    settings = (
        Settings(allow_loopback=True, allow_http=True, allow_any_port=True) if allow_loopback else Settings()
    )
    try:
        action = load_action(resolve_source(source), "extended", settings=settings)
        config = OAuthConfig(
            client_id=client_id,
            client_secret=client_secret,
            authorization_url=authorization_url,
            token_url=token_url,
            scope=scope,
            token_exchange_method=exchange,  # pydantic checks it
            pkce=pkce,
            extra_authorize_params=_parse_params(param or []),
        )
        check_oauth_domains(
            config, f"https://{action.root_domain}", exceptions=settings.oauth_domain_exceptions
        )
    except SchemaError as exc:
        err.print(f"The document is not valid: {exc}", markup=False)
        raise typer.Exit(1) from None
    except ValidationError as exc:
        raise typer.BadParameter(exc.errors()[0]["msg"]) from None
    except ActionforgeError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(1) from None

    store = CredentialsFile(credentials, SecretBox.from_settings(settings))
    store.save_config(config)
    binding = StateBinding(CLI_TOKEN_KEY.user_id, CLI_TOKEN_KEY.action_id, CLI_TOKEN_KEY.mode)

    def show(url: str) -> None:
        import webbrowser

        err.print(f"Opening your browser to sign in with {action.root_domain}:\n{url}", markup=False)
        webbrowser.open(url)

    async def run() -> None:
        async with guarded_async_client(DomainPolicy.allow_all(), settings) as client:
            await login_in_browser(
                config,
                token_store=store,
                binding=binding,
                client=client,
                open_browser=show,
                settings=settings,
            )

    try:
        asyncio.run(run())
    except ActionforgeError as exc:
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
    from actionforge.secrets.box import SecretBox
    from actionforge.settings import Settings

    had = asyncio.run(CredentialsFile(credentials, SecretBox.from_settings(Settings())).delete(CLI_TOKEN_KEY))
    err.print("Signed out." if had else "There was no sign-in to forget.", markup=False)
