"""Claude through the official ``anthropic`` SDK: the Messages API, streamed as raw events."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import anthropic
import httpx2
from anthropic.types import RawMessageStreamEvent

from actionforge.models.assembly import ToolCallAssembler
from actionforge.models.events import Finish, FinishReason, ModelEvent, TextDelta, ToolCallDelta, Usage
from actionforge.models.messages import (
    AssistantMessage,
    Message,
    SystemMessage,
    ToolResultMessage,
    UserMessage,
)
from actionforge.models.provider import ChatModel, ChatRequest, Dialect, SdkErrors
from actionforge.models.registry import ModelInfo, ProviderConfig

ANTHROPIC_BASE_URL = "https://api.anthropic.com"

_FINISH: Mapping[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "content_filter",
}


def _input(arguments: str) -> Any:
    """A tool call's arguments as the object Anthropic wants back in the history. Text the model
    sent that is not a JSON object was already refused by the argument check; it replays as {}."""
    try:
        value = json.loads(arguments)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _assistant(message: AssistantMessage) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": message.text}] if message.text else []
    blocks += [
        {"type": "tool_use", "id": c.id, "name": c.name, "input": _input(c.arguments)}
        for c in message.tool_calls
    ]
    return {"role": "assistant", "content": blocks}


def _tool_result(message: ToolResultMessage) -> dict[str, Any]:
    block = {"type": "tool_result", "tool_use_id": message.tool_call_id, "content": message.content}
    return {"role": "user", "content": [block | ({"is_error": True} if message.is_error else {})]}


_WIRE: Mapping[type, Callable[[Any], dict[str, Any]]] = {
    UserMessage: lambda m: {"role": "user", "content": m.text},
    AssistantMessage: _assistant,
    ToolResultMessage: _tool_result,
}


def wire_messages(messages: tuple[Message, ...]) -> tuple[str, list[dict[str, Any]]]:
    """(system prompt, messages) for the Messages API. The results of parallel tool calls join one
    user message, as Anthropic requires."""
    system = "\n\n".join(m.text for m in messages if isinstance(m, SystemMessage))
    wire: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, SystemMessage):
            continue
        turn = _WIRE[type(message)](message)
        if isinstance(message, ToolResultMessage) and wire and _is_tool_results(wire[-1]):
            wire[-1]["content"].extend(turn["content"])
        else:
            wire.append(turn)
    return system, wire


def _is_tool_results(turn: dict[str, Any]) -> bool:
    content = turn["content"]
    return turn["role"] == "user" and isinstance(content, list) and content[0]["type"] == "tool_result"


class AnthropicChatModel(ChatModel):
    dialect: ClassVar[Dialect] = "anthropic"
    errors: ClassVar[SdkErrors] = SdkErrors(
        anthropic.APITimeoutError, anthropic.APIConnectionError, anthropic.APIStatusError, anthropic.APIError
    )

    def __init__(
        self, provider: ProviderConfig, info: ModelInfo, *, http_client: httpx2.AsyncClient | None = None
    ) -> None:
        super().__init__(provider, info, http_client=http_client)
        self._client = anthropic.AsyncAnthropic(
            api_key=provider.api_key.reveal(),
            base_url=provider.base_url or ANTHROPIC_BASE_URL,
            timeout=provider.timeout,
            max_retries=provider.max_retries,
            http_client=http_client,
        )

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        system, messages = wire_messages(tuple(request.messages))
        params: dict[str, Any] = {
            "model": self.info.name,
            "max_tokens": request.max_output_tokens or self.info.max_output_tokens,
            "messages": messages,
            "stream": True,
        }
        if system:
            params["system"] = system
        if request.tools:
            params["tools"] = list(request.tools)
            if request.parallel_tool_calls is False:
                params["tool_choice"] = {"type": "auto", "disable_parallel_tool_use": True}
        return params

    async def _stream(self, request: ChatRequest) -> AsyncGenerator[ModelEvent, None]:
        state = _StreamState()
        async with await self._client.messages.create(**self._params(request)) as raw:
            async for event in raw:
                for translated in state.handle(event):
                    yield translated
        for done in state.assembler.done():
            yield done

    async def _close(self) -> None:
        await self._client.close()


@dataclass(slots=True)
class _StreamState:
    """Reads the raw event stream: one handler per event type."""

    assembler: ToolCallAssembler = field(default_factory=ToolCallAssembler)
    input_tokens: int = 0
    output_tokens: int = 0
    stop_reason: str | None = None

    def handle(self, event: RawMessageStreamEvent) -> list[ModelEvent]:
        handlers: dict[str, Callable[[Any], list[ModelEvent]]] = {
            "message_start": self._on_message_start,
            "content_block_start": self._on_content_block_start,
            "content_block_delta": self._on_content_block_delta,
            "content_block_stop": self._on_content_block_stop,
            "message_delta": self._on_message_delta,
            "message_stop": self._on_message_stop,
        }
        handler = handlers.get(event.type)
        return handler(event) if handler is not None else []  # e.g. ping

    def _on_message_start(self, event: Any) -> list[ModelEvent]:
        usage = event.message.usage
        self.input_tokens = usage.input_tokens + (usage.cache_read_input_tokens or 0)
        self.input_tokens += usage.cache_creation_input_tokens or 0
        return []

    def _on_content_block_start(self, event: Any) -> list[ModelEvent]:
        block = event.content_block
        if block.type == "text":
            return [TextDelta(block.text)] if block.text else []
        if block.type == "tool_use":
            fragment = ToolCallDelta(event.index, block.id, block.name, "")
            self.assembler.add(fragment)
            return [fragment]
        return []  # thinking and server-side blocks are not part of the reply

    def _on_content_block_delta(self, event: Any) -> list[ModelEvent]:
        delta = event.delta
        if delta.type == "text_delta":
            return [TextDelta(delta.text)]
        if delta.type == "input_json_delta":
            fragment = ToolCallDelta(event.index, None, None, delta.partial_json)
            self.assembler.add(fragment)
            return [fragment]
        return []

    def _on_content_block_stop(self, event: Any) -> list[ModelEvent]:
        return list(self.assembler.done(event.index))

    def _on_message_delta(self, event: Any) -> list[ModelEvent]:
        self.stop_reason = event.delta.stop_reason or self.stop_reason
        self.output_tokens = event.usage.output_tokens
        return []

    def _on_message_stop(self, event: Any) -> list[ModelEvent]:
        reason = _FINISH.get(self.stop_reason or "end_turn", "stop")
        return [Usage(self.input_tokens, self.output_tokens), Finish(reason)]
