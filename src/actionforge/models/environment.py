"""Providers from the environment on start-up: ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
``ANTHROPIC_API_KEY``. The function reads the mapping it is given, never ``os.environ`` itself."""

from __future__ import annotations

from collections.abc import Mapping

import actionforge
from actionforge.models.registry import ModelInfo, ModelRegistry, ProviderConfig

# The official endpoints' current models, offered when only a key is set. An admin adds, removes
# or corrects models in the server's settings; these are defaults, not a promise.
OPENAI_DEFAULT_MODELS = (
    ModelInfo(
        "openai", "gpt-4.1", context_tokens=1_047_576, parallel_tool_calls=True, max_output_tokens=32_768
    ),
    ModelInfo(
        "openai", "gpt-4.1-mini", context_tokens=1_047_576, parallel_tool_calls=True, max_output_tokens=32_768
    ),
    ModelInfo("openai", "gpt-4o", context_tokens=128_000, parallel_tool_calls=True, max_output_tokens=16_384),
    ModelInfo(
        "openai", "gpt-4o-mini", context_tokens=128_000, parallel_tool_calls=True, max_output_tokens=16_384
    ),
)
ANTHROPIC_DEFAULT_MODELS = (
    ModelInfo(
        "anthropic",
        "claude-sonnet-4-5",
        context_tokens=200_000,
        parallel_tool_calls=True,
        max_output_tokens=8192,
    ),
    ModelInfo(
        "anthropic",
        "claude-haiku-4-5",
        context_tokens=200_000,
        parallel_tool_calls=True,
        max_output_tokens=8192,
    ),
)


def registry_from_environment(env: Mapping[str, str]) -> ModelRegistry:
    """A registry with a provider for each variable set (empty values count as unset).

    ``OPENAI_BASE_URL`` alone (an Ollama or vLLM server needs no key) registers the OpenAI-compatible
    provider without models: which models that server has, and what they can do, is the admin's to
    say (or `discovery.discover_models`'s, with the capabilities the admin chooses).
    """
    registry = ModelRegistry()
    openai_key, openai_url = env.get("OPENAI_API_KEY", ""), env.get("OPENAI_BASE_URL", "")
    if openai_key or openai_url:
        registry.add_provider(
            ProviderConfig(
                "openai", "openai", api_key=actionforge.SecretValue(openai_key), base_url=openai_url or None
            )
        )
        if not openai_url:
            registry.add_models(OPENAI_DEFAULT_MODELS)
    if anthropic_key := env.get("ANTHROPIC_API_KEY", ""):
        registry.add_provider(
            ProviderConfig("anthropic", "anthropic", api_key=actionforge.SecretValue(anthropic_key))
        )
        registry.add_models(ANTHROPIC_DEFAULT_MODELS)
    return registry
