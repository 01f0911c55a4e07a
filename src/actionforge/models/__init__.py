"""LLM providers behind one streaming interface (the ``models`` layer).

    registry = registry_from_environment(os.environ)      # or filled from the platform's tables
    model = open_model(registry, "openai/gpt-4o", http_client=bridged_client(egress_transport))
    request = ChatRequest([SystemMessage(...), UserMessage("Hi")], tools=tool_definitions(model, actions))
    async for event in model.stream(request):  # TextDelta, ToolCallDelta, ToolCallDone, Usage, Finish
        ...

Failures are `ModelError`s, each with one sentence for the user (`errors`).
"""

from __future__ import annotations

from actionforge.models.assembly import Completion, ToolCallAssembler, collect
from actionforge.models.bridge import HttpxTransportBridge, bridged_client
from actionforge.models.connect import open_model
from actionforge.models.discovery import discover_models
from actionforge.models.environment import registry_from_environment
from actionforge.models.errors import (
    ContextOverflow,
    ModelAuthFailed,
    ModelBlocked,
    ModelError,
    ModelNotFound,
    ModelRateLimited,
    ModelRequestRejected,
    ModelTimeout,
    ModelUnavailable,
    ModelUnreachable,
)
from actionforge.models.events import (
    Finish,
    FinishReason,
    ModelEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    Usage,
)
from actionforge.models.messages import (
    AssistantMessage,
    Message,
    SystemMessage,
    ToolCall,
    ToolResultMessage,
    UserMessage,
)
from actionforge.models.provider import ChatModel, ChatRequest, Dialect
from actionforge.models.registry import (
    NO_MODEL_CONFIGURED,
    NO_TOOL_MODEL_CONFIGURED,
    ModelInfo,
    ModelRegistry,
    ProviderConfig,
    ProviderKind,
    UnknownModel,
    no_model_message,
    offerable_models,
)
from actionforge.models.tools import tool_definitions

__all__ = [
    "NO_MODEL_CONFIGURED",
    "NO_TOOL_MODEL_CONFIGURED",
    "AssistantMessage",
    "ChatModel",
    "ChatRequest",
    "Completion",
    "ContextOverflow",
    "Dialect",
    "Finish",
    "FinishReason",
    "HttpxTransportBridge",
    "Message",
    "ModelAuthFailed",
    "ModelBlocked",
    "ModelError",
    "ModelEvent",
    "ModelInfo",
    "ModelNotFound",
    "ModelRateLimited",
    "ModelRegistry",
    "ModelRequestRejected",
    "ModelTimeout",
    "ModelUnavailable",
    "ModelUnreachable",
    "ProviderConfig",
    "ProviderKind",
    "SystemMessage",
    "TextDelta",
    "ToolCall",
    "ToolCallAssembler",
    "ToolCallDelta",
    "ToolCallDone",
    "ToolResultMessage",
    "UnknownModel",
    "Usage",
    "UserMessage",
    "bridged_client",
    "collect",
    "discover_models",
    "no_model_message",
    "offerable_models",
    "open_model",
    "registry_from_environment",
    "tool_definitions",
]
