"""Which providers and models exist, what each model can do, and which a GPT may be offered.

In memory: the platform stores admin-added providers and models and fills a registry from them;
`environment.registry_from_environment` fills one from ``OPENAI_API_KEY`` and friends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import actionforge

ProviderKind = Literal["openai", "anthropic"]

NO_MODEL_CONFIGURED = (
    "No model is configured yet: an admin can add a model provider in the server's model settings, "
    "or start the server with OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible "
    "server) or ANTHROPIC_API_KEY set."
)
NO_TOOL_MODEL_CONFIGURED = (
    "No configured model can call tools, which this GPT's actions need: an admin can add a model "
    "with tool calling in the server's model settings."
)


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """One endpoint and its key. ``base_url`` None means the SDK's official endpoint."""

    name: str
    kind: ProviderKind
    api_key: actionforge.SecretValue = field(default_factory=lambda: actionforge.SecretValue(""))
    base_url: str | None = None
    timeout: float = 60.0  # seconds for one model request
    max_retries: int = 2  # the SDK's own retries of 408/409/429/5xx and dropped connections

    def __post_init__(self) -> None:
        if not isinstance(self.api_key, actionforge.SecretValue):
            raise TypeError("ProviderConfig.api_key must be an actionforge.SecretValue")


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model of a provider, with what the chat loop needs to know before calling it."""

    provider: str
    name: str  # the provider's own model id, as sent in requests
    tool_calling: bool = True
    context_tokens: int = 8192
    parallel_tool_calls: bool = False
    max_output_tokens: int = 4096
    label: str = ""

    @property
    def id(self) -> str:
        """``provider/name``: unique across providers that serve a model of the same name."""
        return f"{self.provider}/{self.name}"


class UnknownModel(actionforge.ActionforgeError, KeyError):
    """No provider or model by that name in the registry."""

    def __str__(self) -> str:
        return str(self.args[0])


class ModelRegistry:
    """Providers by name, and their models by ``provider/name`` id, in the order added."""

    def __init__(self) -> None:
        self._providers: dict[str, ProviderConfig] = {}
        self._models: dict[str, ModelInfo] = {}

    def add_provider(self, provider: ProviderConfig) -> None:
        """Add or replace a provider (a replaced one keeps its models)."""
        self._providers[provider.name] = provider

    def add_model(self, model: ModelInfo) -> None:
        if model.provider not in self._providers:
            raise UnknownModel(f"No provider named {model.provider!r} for model {model.name!r}")
        self._models[model.id] = model

    def add_models(self, models: Iterable[ModelInfo]) -> None:
        for model in models:
            self.add_model(model)

    @property
    def providers(self) -> list[ProviderConfig]:
        return list(self._providers.values())

    @property
    def models(self) -> list[ModelInfo]:
        return list(self._models.values())

    def provider(self, name: str) -> ProviderConfig:
        try:
            return self._providers[name]
        except KeyError:
            raise UnknownModel(f"No provider named {name!r}") from None

    def model(self, model_id: str) -> ModelInfo:
        try:
            return self._models[model_id]
        except KeyError:
            known = ", ".join(self._models) or "none"
            raise UnknownModel(f"No model {model_id!r}; configured models: {known}") from None


def offerable_models(registry: ModelRegistry, *, needs_tools: bool) -> list[ModelInfo]:
    """The models a GPT may choose: never one without tool calling for a GPT with actions or apps."""
    return [m for m in registry.models if m.tool_calling or not needs_tools]


def no_model_message(registry: ModelRegistry, *, needs_tools: bool) -> str | None:
    """The one sentence Preview shows instead of failing when no model fits; None when one does."""
    if offerable_models(registry, needs_tools=needs_tools):
        return None
    return NO_TOOL_MODEL_CONFIGURED if registry.models else NO_MODEL_CONFIGURED
