"""Tool-call fragments → complete tool calls, and a whole stream → one `Completion`.

Both SDKs stream a tool call's arguments as pieces of JSON text keyed by an index; this joins them
once, here, for both providers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from actionforge.models.events import (
    Finish,
    FinishReason,
    ModelEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    Usage,
)
from actionforge.models.messages import AssistantMessage, ToolCall


@dataclass(slots=True)
class _Partial:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ToolCallAssembler:
    """Collects `ToolCallDelta`s by index; `done` returns each call once, complete."""

    def __init__(self) -> None:
        self._partials: dict[int, _Partial] = {}

    def add(self, delta: ToolCallDelta) -> None:
        partial = self._partials.setdefault(delta.index, _Partial())
        partial.id = delta.id or partial.id
        partial.name = partial.name or (delta.name or "")
        partial.arguments.append(delta.arguments)

    def done(self, index: int | None = None) -> list[ToolCallDone]:
        """The finished calls (all, or the one at ``index``), in index order; each returned once."""
        indexes = sorted(self._partials) if index is None else [index]
        finished = []
        for i in indexes:
            partial = self._partials.pop(i, None)
            if partial is not None:
                arguments = "".join(partial.arguments) or "{}"  # no arguments at all: an empty object
                finished.append(ToolCallDone(i, ToolCall(partial.id, partial.name, arguments)))
        return finished


@dataclass(frozen=True, slots=True)
class Completion:
    """A whole model reply, for callers that do not show it as it streams."""

    text: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: FinishReason | None
    usage: Usage | None

    def message(self) -> AssistantMessage:
        """The reply as the next request's assistant message."""
        return AssistantMessage(self.text, self.tool_calls)


async def collect(events: AsyncIterator[ModelEvent]) -> Completion:
    """Read a stream to its end."""
    text: list[str] = []
    calls: list[ToolCall] = []
    finish: FinishReason | None = None
    usage: Usage | None = None
    async for event in events:
        if isinstance(event, TextDelta):
            text.append(event.text)
        elif isinstance(event, ToolCallDone):
            calls.append(event.call)
        elif isinstance(event, Usage):
            usage = event
        elif isinstance(event, Finish):
            finish = event.reason
    return Completion("".join(text), tuple(calls), finish, usage)
