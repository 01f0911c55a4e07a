"""How the CLI reads a SOURCE argument (a file, a URL, ``-`` for stdin, or ``example:NAME``) and
where its API runs (``--server``, ``--server-variable``)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

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


ServerOpt = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="Where the API runs, for a document that leaves it open (servers: [{url: /}]) "
        "or names another host: a relative server path is joined onto it.",
        show_default=False,
    ),
]
ServerVariableOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--server-variable", help="A server URL variable, NAME=VALUE (repeatable).", show_default=False
    ),
]


@dataclass(frozen=True, slots=True)
class Where:
    """The ``server_url`` / ``server_variables`` keywords the flags give ``load_action``."""

    server_url: str | None
    server_variables: dict[str, str]


def where(server: str | None, variables: list[str] | None) -> Where:
    return Where(server, parse_pairs(variables or [], "--server-variable"))


def parse_pairs(pairs: list[str], param_hint: str) -> dict[str, str]:
    """``NAME=VALUE`` flags as a dict; a usage error names the flag."""
    parsed = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint=param_hint)
        parsed[name] = value
    return parsed
