"""The OpenAI provider bound to a scripted model server on loopback: the real SDK code path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import actionforge
from actionforge.models import ChatModel, ModelInfo, ModelRegistry, ProviderConfig, open_model
from actionforge.testing import Reply, ScriptedModel

KEY = "sk-test-provider-key-1234567890"


@dataclass
class Bound:
    scripted: ScriptedModel
    model: ChatModel


def registry_for(base_url: str, *, key: str = KEY, info: ModelInfo | None = None) -> ModelRegistry:
    registry = ModelRegistry()
    # No SDK retries: a 429 must surface at once (the SDK would otherwise sleep and retry).
    registry.add_provider(
        ProviderConfig(
            "local", "openai", api_key=actionforge.SecretValue(key), base_url=base_url, max_retries=0
        )
    )
    registry.add_model(info or ModelInfo("local", "scripted", parallel_tool_calls=True))
    return registry


@asynccontextmanager
async def openai_on(replies: Iterable[Reply]) -> AsyncIterator[Bound]:
    scripted = ScriptedModel(replies)
    with scripted.serve() as base_url:
        model = open_model(registry_for(base_url), "local/scripted")
        try:
            yield Bound(scripted, model)
        finally:
            await model.aclose()
