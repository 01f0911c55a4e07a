"""``actionforge secrets ...``: encryption keys for secrets at rest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(help="Manage the keys that encrypt secrets at rest.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@app.command("generate-key")
def generate_key() -> None:
    """Print a new random key. Put it first in ACTIONFORGE_SECRET_KEY (comma-separated) to rotate."""
    import actionforge

    out.print(actionforge.generate_key())


@app.command()
def rotate(
    files: Annotated[
        list[Path], typer.Argument(help="Credentials files to re-encrypt.", exists=True, dir_okay=False)
    ],
) -> None:
    """Re-encrypt secrets with the newest configured key (older keys must still be configured)."""
    import actionforge
    from actionforge.cli.credentials_file import CredentialsFile

    box = actionforge.SecretBox.from_settings(actionforge.Settings())
    for path in files:
        try:
            count = CredentialsFile(path, box).rotate()
        except actionforge.ActionforgeError as exc:
            err.print(f"{path}: {exc}", markup=False)
            raise typer.Exit(1) from None
        out.print(f"{path}: {count} secret(s) re-encrypted with key {box.key_ids[0]}")
