"""The models an OpenAI-compatible server lists at ``/v1/models``, registered with capabilities the
caller states: a listing says nothing about tool calling or context size, and guessing would offer
a GPT with actions a model that cannot call them."""

from __future__ import annotations

import httpx2

from actionforge.models.openai_provider import OpenAIChatModel
from actionforge.models.registry import ModelInfo, ModelRegistry


async def discover_models(
    registry: ModelRegistry,
    provider_name: str,
    *,
    tool_calling: bool,
    context_tokens: int,
    http_client: httpx2.AsyncClient | None = None,
) -> list[ModelInfo]:
    """Add every model the provider lists (raising `ModelError`s as streams do); returns them."""
    provider = registry.provider(provider_name)
    probe = OpenAIChatModel(provider, ModelInfo(provider_name, ""), http_client=http_client)
    try:
        names = await probe.list_model_names()
    finally:
        await probe.aclose()
    found = [
        ModelInfo(provider_name, name, tool_calling=tool_calling, context_tokens=context_tokens)
        for name in names
    ]
    registry.add_models(found)
    return found
