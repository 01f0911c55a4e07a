"""The messages a model is sent: the stored conversation, fitted to the model's context.

User and assistant messages are rows (`ChatMessage`); each tool result is its call's
``result_text`` (`ChatToolCall`), placed after the assistant message that made the call, in the
order the model made them. Before a request would overflow the model's context, the oldest tool
results are cut to a marker (they are usually what is largest, and what matters least later).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from actionforge.models import (
    AssistantMessage,
    Message,
    ModelInfo,
    SystemMessage,
    ToolCall,
    ToolResultMessage,
    UserMessage,
)
from actionforge.store.tables_chat import ChatMessage, ChatToolCall

TRUNCATED = "[This earlier result was removed to fit the model's context.]"
NO_RESULT = "[This call did not complete: it has no result.]"
CHARS_PER_TOKEN = 4  # a deliberately cautious estimate: better to cut early than to overflow


def history(system: str, messages: Sequence[ChatMessage], calls: Sequence[ChatToolCall]) -> list[Message]:
    """The stored conversation as the provider-free messages of the `models` layer."""
    by_message: dict[int, list[ChatToolCall]] = defaultdict(list)
    for call in sorted(calls, key=lambda c: (c.message_id, c.position)):
        by_message[call.message_id].append(call)
    found: list[Message] = [SystemMessage(system)] if system else []
    for message in messages:
        if message.role == "user":
            found.append(UserMessage(message.text))
            continue
        tool_calls = tuple(ToolCall(c["id"], c["name"], c["arguments"]) for c in message.tool_calls)
        found.append(AssistantMessage(message.text, tool_calls))
        for call in by_message.get(message.id, ()):
            text = call.result_text if call.result_text is not None else NO_RESULT
            found.append(ToolResultMessage(call.model_call_id, text))
    return found


def estimated_tokens(messages: Sequence[Message], tools: Sequence[Mapping[str, Any]]) -> int:
    size = sum(_chars(m) for m in messages) + len(json.dumps(list(tools)))
    return size // CHARS_PER_TOKEN + 1


def _chars(message: Message) -> int:
    if isinstance(message, AssistantMessage):
        return len(message.text) + sum(len(c.name) + len(c.arguments) for c in message.tool_calls)
    if isinstance(message, ToolResultMessage):
        return len(message.content)
    return len(message.text)


def fit_context(
    messages: list[Message], tools: Sequence[Mapping[str, Any]], model: ModelInfo
) -> list[Message]:
    """``messages`` with the oldest tool results cut to `TRUNCATED` until the request (with room for
    the answer) fits the model's context; unchanged when it already fits."""
    budget = model.context_tokens - min(model.max_output_tokens, model.context_tokens // 4)
    fitted = list(messages)
    total = estimated_tokens(fitted, tools)
    for index, message in enumerate(fitted):
        if total <= budget:
            break
        if isinstance(message, ToolResultMessage) and message.content != TRUNCATED:
            total -= (len(message.content) - len(TRUNCATED)) // CHARS_PER_TOKEN
            fitted[index] = replace(message, content=TRUNCATED)
    return fitted
