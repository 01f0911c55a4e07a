"""``actionforge serve`` and ``actionforge admin``: run the server, manage accounts from a script.

Only Typer is imported here; FastAPI, SQLAlchemy and uvicorn load inside the commands, so
``actionforge --help`` stays fast.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from actionforge.platform.settings import ServerSettings

admin_app = typer.Typer(help="Manage the server's accounts from a script.", no_args_is_help=True)

CONFIG_OPTION = typer.Option(None, "--config", help="A TOML settings file (see docs/settings.md).")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``admin`` to the main command."""
    app.command("serve")(serve)
    app.add_typer(admin_app, name="admin")


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Start the server. The first run creates the data directory, database and secret key, and
    prints a one-time link that creates the first owner."""
    import logging

    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from actionforge.web.app import create_app
    from actionforge.web.collector import freeze_startup_objects
    from actionforge.web.logs import configure as configure_logging
    from actionforge.web.serving import LogWritingServer

    settings = _settings(config)
    if "public_base_url" not in settings.model_fields_set:  # links should reach this very server
        settings = settings.model_copy(update={"public_base_url": f"http://{host}:{port}"})
    link = asyncio.run(_prepare(settings))
    if link is not None:
        typer.echo(f"No accounts yet. Open this one-time link to create the owner account:\n\n    {link}\n")
    configure_logging(logging.INFO)
    # log_config=None: uvicorn logs through the root handler, which carries the redaction filter.
    # Its access line is off: the app logs its own once each response has gone (`web.access_log`).
    app = create_app(settings, after_start=freeze_startup_objects)
    server = LogWritingServer(
        uvicorn.Config(app, host=host, port=port, log_config=None, proxy_headers=False, access_log=False)
    )
    server.run()
    if not server.started:  # as `uvicorn.run` ends: the port was taken, or the app failed to start
        raise typer.Exit(STARTUP_FAILURE)


@admin_app.command("create-user")
def create_user(
    email: str = typer.Option(..., help="The new account's email address."),
    name: str = typer.Option(..., "--name", help="The display name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Create an account, with a workspace it owns (on first run, this is the first owner)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )  # fmt: skip
    settings = _settings(config)
    user_id = asyncio.run(_create_user(settings, email, name, password))
    typer.echo(user_id)


def _settings(config: Path | None) -> ServerSettings:
    from pydantic import ValidationError

    from actionforge.platform.settings import ServerSettings

    try:
        return ServerSettings.load(config)
    except (ValidationError, OSError, ValueError) as exc:
        typer.echo(f"error: invalid settings: {exc}", err=True)
        raise typer.Exit(2) from None


async def _prepare(settings: ServerSettings) -> str | None:
    """Create what the first run needs and return the setup link while no account exists."""
    from actionforge.platform.accounts import Accounts
    from actionforge.platform.context import Platform

    platform = await Platform.open(settings)
    try:
        typer.echo(f"Data directory: {settings.data_dir}")
        typer.echo(f"Database: {platform.db!r} (migrated)")
        return await Accounts(platform).setup_link()
    finally:
        await platform.close()


async def _create_user(settings: ServerSettings, email: str, name: str, password: str) -> str:
    from actionforge.platform.accounts import Accounts, NewUser
    from actionforge.platform.context import Platform
    from actionforge.platform.errors import PlatformError

    platform = await Platform.open(settings)
    try:
        user = await Accounts(platform).create_user(NewUser(email, password, name))
    except PlatformError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        await platform.close()
    return user.id
