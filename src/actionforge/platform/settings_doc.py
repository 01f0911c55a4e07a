"""Renders docs/settings.md from the settings models, so the reference cannot drift from the code."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel

import actionforge
from actionforge.platform.settings import ServerSettings

HEADER = """# Settings

Generated from the settings models by `scripts/settings-doc`; `tests/platform/test_settings_doc.py`
fails when this page is out of date. Every setting is an environment variable
(`ACTIONFORGE_<NAME>`), a key in the optional TOML file (`ACTIONFORGE_CONFIG_FILE` or
`actionforge serve --config FILE`, key names in lower case), or both; the environment wins over
the file. Lists are JSON in the environment (`ACTIONFORGE_CATEGORIES='["Writing"]'`).
"""


# Not settings fields: `web.app.create_app` reads them (`actionforge.models.catalog`).
MODEL_PROVIDERS = """## Model providers

Read from the environment at start-up, under the names the official SDKs use (never from the
settings file). Each registers an instance-wide provider that every workspace lists, read-only;
workspace admins add their own providers and models in the model settings.

| variable | default | meaning |
|---|---|---|
| `OPENAI_API_KEY` | `unset` | the OpenAI provider, with the official endpoint's current models |
| `OPENAI_BASE_URL` | `unset` | an OpenAI-compatible server instead (Ollama, vLLM); an admin adds its models |
| `ANTHROPIC_API_KEY` | `unset` | the Anthropic provider, with its current models |
"""

BOUNDS = (("ge", "≥"), ("gt", ">"), ("le", "≤"))


def render() -> str:
    parts = [HEADER]
    server = "read by `actionforge serve` (`actionforge.platform.settings`)"
    parts.append(_table("Server", server, _model_rows(ServerSettings)))
    engine = "the engine's limits (`actionforge.Settings`), read from the same environment"
    parts.append(_table("Engine", engine, _dataclass_rows(actionforge.Settings)))
    parts.append(MODEL_PROVIDERS)
    return "\n".join(parts)


Row = tuple[str, str, str]  # name, default as shown, meaning


def _table(title: str, intro: str, rows: Iterable[Row]) -> str:
    lines = [f"## {title}\n", f"{intro.capitalize()}.\n", "| variable | default | meaning |", "|---|---|---|"]
    for name, default, meaning in rows:
        lines.append(f"| `ACTIONFORGE_{name.upper()}` | {default} | {meaning} |")
    return "\n".join(lines) + "\n"


def _model_rows(model: type[BaseModel]) -> Iterator[Row]:
    """The server's settings: a pydantic model, bounds in each field's ``metadata``."""
    for name, field in model.model_fields.items():
        default = "(computed; see meaning)" if field.default_factory is not None else _shown(field.default)
        bounds = [
            (attr, getattr(m, attr))
            for m in field.metadata
            for attr, _ in BOUNDS
            if getattr(m, attr, None) is not None
        ]
        yield name, default, _meaning(field.description or "", bounds)


def _dataclass_rows(cls: type[Any]) -> Iterator[Row]:
    """The engine's settings: a dataclass, bounds and meaning in each field's ``metadata``."""
    for field in dataclasses.fields(cls):
        bounds = [(attr, field.metadata[attr]) for attr, _ in BOUNDS if field.metadata.get(attr) is not None]
        yield field.name, _shown(field.default), _meaning(field.metadata["description"], bounds)


def _shown(value: Any) -> str:
    if isinstance(value, frozenset | tuple):
        value = sorted(value) if isinstance(value, frozenset) else list(value)
    shown = "unset" if value is None else repr(value) if isinstance(value, str) else str(value)
    return f"`{shown}`".replace("|", "\\|")


def _meaning(text: str, bounds: list[tuple[str, Any]]) -> str:
    labels = dict(BOUNDS)
    shown = [f"{labels[attr]} {limit}" for attr, limit in bounds]
    if shown:
        text = f"{text} ({', '.join(shown)})" if text else ", ".join(shown)
    return text.replace("|", "\\|")
