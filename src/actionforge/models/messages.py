"""What a conversation sends a model: the same messages for every provider.

Each provider translates these into its own wire format, so the chat layer never builds an OpenAI
or Anthropic payload itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A complete tool call: ``arguments`` is the model's JSON text as sent, unparsed (the engine's
    argument check reports bad JSON back to the model)."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class SystemMessage:
    text: str


@dataclass(frozen=True, slots=True)
class UserMessage:
    text: str


@dataclass(frozen=True, slots=True)
class AssistantMessage:
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ToolResultMessage:
    """The result of one tool call, as the model reads it (``ToolResult.for_model()``)."""

    tool_call_id: str
    content: str
    is_error: bool = False


Message = SystemMessage | UserMessage | AssistantMessage | ToolResultMessage
