"""The model catalog as plain data: what the platform stores and returns, free of any SDK.

The `models` layer (above this one) turns a `Catalog` into its `ModelRegistry`
(`actionforge.models.catalog`), and fills the instance's part from the environment; the platform
only stores, checks and lists entries.
"""

from __future__ import annotations

from dataclasses import dataclass

import actionforge

INSTANCE = "instance"  # registered from the server's environment: every workspace, read-only
WORKSPACE = "workspace"  # added by the workspace's admins


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    id: str | None  # the row id; None for the instance's providers, which are not rows
    name: str
    kind: str  # openai | anthropic
    base_url: str | None
    key_set: bool
    scope: str
    api_key: actionforge.SecretValue | None = None  # only when asked for, to build a registry

    @property
    def read_only(self) -> bool:
        return self.scope == INSTANCE


@dataclass(frozen=True, slots=True)
class ModelEntry:
    id: str | None
    provider: str  # the provider's name
    name: str  # the provider's own model id
    label: str
    supports_tools: bool
    context_window: int
    max_output_tokens: int
    parallel_tool_calls: bool
    enabled: bool
    scope: str

    @property
    def ref(self) -> str:
        """``provider/name``: what a GPT's recommended model holds, and the registry's model id."""
        return f"{self.provider}/{self.name}"

    @property
    def read_only(self) -> bool:
        return self.scope == INSTANCE


@dataclass(frozen=True, slots=True)
class Catalog:
    providers: tuple[ProviderEntry, ...] = ()
    models: tuple[ModelEntry, ...] = ()

    def model(self, ref: str) -> ModelEntry | None:
        """The model a GPT's recommended-model value names, if this catalog has it."""
        return next((m for m in self.models if m.ref == ref), None)

    def provider_named(self, name: str) -> ProviderEntry | None:
        return next((p for p in self.providers if p.name == name), None)

    def then(self, other: Catalog) -> Catalog:
        """This catalog's entries, then ``other``'s (the instance's first, then a workspace's)."""
        return Catalog(self.providers + other.providers, self.models + other.models)

    def usable(self) -> Catalog:
        """Only enabled models, of providers present."""
        names = {p.name for p in self.providers}
        return Catalog(self.providers, tuple(m for m in self.models if m.enabled and m.provider in names))


def offerable(catalog: Catalog, *, needs_tools: bool) -> list[ModelEntry]:
    """The model picker's rule: a GPT with actions or apps is never offered a model without tool
    calling (the original's "Pro mode" rule; `actionforge.models.offerable_models` is the same
    rule over a registry)."""
    return [m for m in catalog.usable().models if m.supports_tools or not needs_tools]
