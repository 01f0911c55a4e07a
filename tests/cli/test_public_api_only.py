"""The CLI is built on the public API alone, so the server can do everything the CLI does."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import actionforge

CLI = Path(actionforge.__file__).parent / "cli"


def engine_imports(path: Path) -> list[str]:
    """Every ``actionforge...`` module (or ``actionforge`` name) a CLI module imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("actionforge"):
            found += [f"{node.module}:{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("actionforge")]
    return found


# The engine's layers, reached from the CLI only through `actionforge`. The product's layers
# (server, models, ...) sit above the facade and follow the same rule themselves
# (tests/test_layering.py); the CLI may start them.
ENGINE = {
    "action", "signin", "settings", "errors", "examples", "secrets",
    "openapi", "tools", "calls", "auth", "egress", "consent",
}  # fmt: skip


def engine_module(name: str) -> bool:
    parts = name.split(":", 1)[0].split(".")
    return len(parts) > 1 and parts[1] in ENGINE


@pytest.mark.parametrize("path", sorted(CLI.glob("*.py")), ids=lambda p: p.name)
def test_cli_modules_reach_the_engine_only_through_actionforge(path: Path) -> None:
    assert [name for name in engine_imports(path) if engine_module(name)] == []


def test_names_the_cli_takes_from_actionforge_are_public() -> None:
    names = {
        name.split(":", 1)[1]
        for path in CLI.glob("*.py")
        for name in engine_imports(path)
        if name.startswith("actionforge:")
    }
    assert names <= set(actionforge.__all__)
