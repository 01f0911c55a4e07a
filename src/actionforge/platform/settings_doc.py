"""Renders docs/settings.md from the settings models, so the reference cannot drift from the code."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

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
    parts.append(
        _table("Server", "read by `actionforge serve` (`actionforge.platform.settings`)", ServerSettings)
    )
    engine = "the engine's limits (`actionforge.Settings`), read from the same environment"
    parts.append(_table("Engine", engine, actionforge.Settings))
    parts.append(MODEL_PROVIDERS)
    return "\n".join(parts)


def _table(title: str, intro: str, model: type[BaseModel]) -> str:
    rows = [f"## {title}\n", f"{intro.capitalize()}.\n", "| variable | default | meaning |", "|---|---|---|"]
    for name, field in model.model_fields.items():
        rows.append(f"| `ACTIONFORGE_{name.upper()}` | {_default(field)} | {_meaning(field)} |")
    return "\n".join(rows) + "\n"


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return "(computed; see meaning)"
    value: Any = field.default
    if isinstance(value, frozenset | tuple):
        value = sorted(value) if isinstance(value, frozenset) else list(value)
    shown = "unset" if value is None else repr(value) if isinstance(value, str) else str(value)
    return f"`{shown}`".replace("|", "\\|")


def _meaning(field: FieldInfo) -> str:
    text = field.description or ""
    bounds = [
        f"{label} {getattr(m, attr)}"
        for m in field.metadata
        for attr, label in BOUNDS
        if getattr(m, attr, None) is not None
    ]
    if bounds:
        text = f"{text} ({', '.join(bounds)})" if text else ", ".join(bounds)
    return text.replace("|", "\\|")
