"""How the CLI reads a SOURCE argument: a file, a URL, ``-`` for stdin, or ``example:NAME``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

import actionforge

SOURCE_HELP = "A file path, an http(s) URL, '-' for standard input, or a built-in example: " + ", ".join(
    f"example:{e.key}" for e in actionforge.EXAMPLES
)


def resolve_source(source: str) -> str | Path | actionforge.URL:
    """The explicit source the argument names: text for examples and stdin, a Path, or a URL."""
    if source == "-":
        return sys.stdin.read()
    if source.startswith("example:"):
        try:
            return actionforge.example_text(source.removeprefix("example:"))
        except KeyError as exc:
            raise typer.BadParameter(str(exc.args[0]), param_hint="SOURCE") from None
    if source.startswith(("http://", "https://")):
        return actionforge.URL(source)
    path = Path(source)
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {source}", param_hint="SOURCE")
    return path
