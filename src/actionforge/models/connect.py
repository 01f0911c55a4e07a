"""A registry entry → a `ChatModel` bound to its provider's SDK.

Each SDK is imported only when a model of its kind is opened. Pass ``http_client`` (an
``httpx2.AsyncClient``, the client both SDKs are built on) to choose how requests leave: the
server passes ``bridged_client(actionforge.guarded_transport(...))``, so a provider URL an admin
typed is held to the egress guard's SSRF checks (a local Ollama or vLLM needs the server's
``models_local_network``). The caller owns that client and closes it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

import httpx2

from actionforge.models.provider import ChatModel
from actionforge.models.registry import ModelRegistry, ProviderKind

_CLASSES: Mapping[ProviderKind, str] = {
    "openai": "actionforge.models.openai_provider:OpenAIChatModel",
    "anthropic": "actionforge.models.anthropic_provider:AnthropicChatModel",
}


def open_model(
    registry: ModelRegistry, model_id: str, *, http_client: httpx2.AsyncClient | None = None
) -> ChatModel:
    """The model ``provider/name`` ready to stream; `UnknownModel` if the registry has no such model."""
    info = registry.model(model_id)
    provider = registry.provider(info.provider)
    module, _, name = _CLASSES[provider.kind].partition(":")
    cls: type[ChatModel] = getattr(importlib.import_module(module), name)
    return cls(provider, info, http_client=http_client)
