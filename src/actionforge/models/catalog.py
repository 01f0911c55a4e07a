"""The platform's model catalog as a `ModelRegistry`, and the environment's registry as catalog
entries.

The platform sits below this layer and stores plain data (`actionforge.platform.model_entries`);
this module is the one place that converts between that data and the registry the chat loop opens
models from. On start-up the web app calls `instance_catalog(registry_from_environment(env))` and
hands the result to the platform, which then lists those providers in every workspace, read-only.
"""

from __future__ import annotations

from typing import cast

import actionforge
from actionforge.models.registry import ModelInfo, ModelRegistry, ProviderConfig, ProviderKind
from actionforge.platform.context import Platform
from actionforge.platform.model_catalog import ModelCatalog
from actionforge.platform.model_entries import INSTANCE, Catalog, ModelEntry, ProviderEntry


def instance_catalog(registry: ModelRegistry) -> Catalog:
    """The environment's providers and models, as read-only catalog entries."""
    providers = tuple(
        ProviderEntry(None, p.name, p.kind, p.base_url, bool(p.api_key), INSTANCE, p.api_key)
        for p in registry.providers
    )
    return Catalog(providers, tuple(_entry(m) for m in registry.models))


def registry_from_catalog(catalog: Catalog) -> ModelRegistry:
    """A registry of the catalog's providers and enabled models (a later provider of the same name
    replaces an earlier one, so a workspace's entry wins over the instance's)."""
    registry = ModelRegistry()
    for provider in catalog.providers:
        registry.add_provider(
            ProviderConfig(
                provider.name,
                cast(ProviderKind, provider.kind),
                api_key=provider.api_key or actionforge.SecretValue(""),
                base_url=provider.base_url,
            )
        )
    registry.add_models(_info(m) for m in catalog.usable().models)
    return registry


async def workspace_registry(platform: Platform, workspace_id: str) -> ModelRegistry:
    """Every model a workspace's conversations may use: the instance's, then the workspace's own,
    with their keys. The caller has checked the user may use the workspace (or the GPT in it)."""
    catalog = await ModelCatalog(platform).workspace_catalog(workspace_id, with_keys=True)
    return registry_from_catalog(catalog)


def _info(model: ModelEntry) -> ModelInfo:
    return ModelInfo(
        model.provider, model.name, tool_calling=model.supports_tools, context_tokens=model.context_window,
        parallel_tool_calls=model.parallel_tool_calls, max_output_tokens=model.max_output_tokens,
        label=model.label,
    )  # fmt: skip


def _entry(model: ModelInfo) -> ModelEntry:
    return ModelEntry(
        None, model.provider, model.name, model.label, model.tool_calling, model.context_tokens,
        model.max_output_tokens, model.parallel_tool_calls, True, INSTANCE,
    )  # fmt: skip
