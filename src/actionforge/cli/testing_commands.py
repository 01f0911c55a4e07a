"""``actionforge testing model``: the scripted model server, for demos and manual checks.

Only Typer is imported here; the server (Starlette, uvicorn) loads inside the command, so
``actionforge --help`` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import typer

if TYPE_CHECKING:
    from actionforge.testing import RecordedRequest

app = typer.Typer(help="Test GPTs without a real model.", no_args_is_help=True)


SCRIPT_OPTION = typer.Option(
    ..., "--script", exists=True, dir_okay=False, help="The replies to give, in order: a JSON or YAML file."
)
MODEL_OPTION = typer.Option(["scripted"], "--model", help="A model name to list at /v1/models.")
RECORD_OPTION = typer.Option(
    None, "--record", dir_okay=False, help="Append each request's body to this file, one JSON line each."
)


@app.command("model")
def model(
    script: Path = SCRIPT_OPTION,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8081, help="Port to listen on."),
    names: list[str] = MODEL_OPTION,
    record: Path | None = RECORD_OPTION,
) -> None:
    """Serve an OpenAI-compatible model that replays SCRIPT and records what it is sent."""
    from actionforge.testing import ScriptedModel, ScriptError, load_script

    try:
        loaded = load_script(script)
    except ScriptError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(1) from None
    base_url = f"http://{host}:{port}/v1"
    typer.echo(f"Scripted model: {len(loaded.replies)} replies at {base_url}")
    typer.echo(f"Point a client at it: OPENAI_BASE_URL={base_url} OPENAI_API_KEY=any-value")
    sink = record.open("a", encoding="utf-8") if record else None
    try:
        ScriptedModel(loaded, models=names, on_request=_recorder(sink)).run(host, port)
    finally:
        if sink is not None:
            sink.close()


def _recorder(sink: TextIO | None) -> Callable[[RecordedRequest], None] | None:
    if sink is None:
        return None

    def write(request: RecordedRequest) -> None:  # the body only: the headers carry the client's key
        sink.write(json.dumps({"path": request.path, "body": request.body}, ensure_ascii=False) + "\n")
        sink.flush()

    return write
