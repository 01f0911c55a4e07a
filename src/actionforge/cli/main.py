"""The ``actionforge`` command. Exit codes: 0 ok, 1 invalid document or failed call, 2 usage error."""

from __future__ import annotations

import typer

from actionforge.cli import oauth_commands, secrets_commands, serve_commands, spec_commands, testing_commands

app = typer.Typer(
    name="actionforge",
    help="Build GPT actions from OpenAPI documents: validate, inspect tools, build and make calls.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Log what the engine does (secrets redacted)."
    ),
) -> None:
    """Log to standard error through the one redaction step, so no secret reaches the terminal."""
    import logging

    import actionforge

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    actionforge.install_log_redaction(logging.getLogger())


app.add_typer(spec_commands.app, name="spec")
app.add_typer(oauth_commands.app, name="oauth")
app.add_typer(secrets_commands.app, name="secrets")
serve_commands.register(app)  # serve, admin: the server loads inside the commands
app.add_typer(testing_commands.app, name="testing")  # the scripted model loads inside the command


if __name__ == "__main__":  # pragma: no cover
    app()
