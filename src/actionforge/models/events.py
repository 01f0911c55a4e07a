"""What a model stream yields, for every provider.

Deltas are for showing progress; `ToolCallDone` carries each tool call complete (id, name, the
whole arguments text) once the provider has sent all of it, so the loop never joins fragments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from actionforge.models.messages import ToolCall

FinishReason = Literal["stop", "tool_calls", "length", "content_filter"]


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A fragment of the tool call at ``index``; ``id`` and ``name`` come with its first fragment."""

    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class ToolCallDone:
    index: int
    call: ToolCall


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class Finish:
    reason: FinishReason


ModelEvent = TextDelta | ToolCallDelta | ToolCallDone | Usage | Finish
