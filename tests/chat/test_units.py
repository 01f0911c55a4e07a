"""The chat layer's pure parts: text coalescing on the injected clock, and fitting the context."""

from __future__ import annotations

from datetime import timedelta

from actionforge.chat.coalesce import TextCoalescer
from actionforge.chat.prompt import TRUNCATED, estimated_tokens, fit_context
from actionforge.models import (
    AssistantMessage,
    ModelInfo,
    SystemMessage,
    ToolCall,
    ToolResultMessage,
    UserMessage,
)
from tests.web.conftest import FakeClock


async def test_deltas_are_emitted_once_per_window_and_the_rest_on_flush() -> None:
    clock, emitted = FakeClock(), []

    async def emit(text: str) -> None:
        emitted.append(text)

    coalescer = TextCoalescer(clock, timedelta(milliseconds=50), emit)
    for piece in ("Hel", "lo", ", "):
        await coalescer.add(piece)
        clock.advance(0.03)
    assert emitted == ["Hello, "]  # the third delta came 60 ms after the first
    await coalescer.add("world")
    await coalescer.add("")
    assert emitted == ["Hello, "]
    await coalescer.flush()
    await coalescer.flush()
    assert emitted == ["Hello, ", "world"]
    assert coalescer.text == "Hello, world"


def _conversation(
    result_chars: int,
) -> list[SystemMessage | UserMessage | AssistantMessage | ToolResultMessage]:
    messages: list[SystemMessage | UserMessage | AssistantMessage | ToolResultMessage] = [
        SystemMessage("Be brief.")
    ]
    for n in range(3):
        messages.append(UserMessage(f"question {n}"))
        messages.append(AssistantMessage("", (ToolCall(f"c{n}", "getItem", "{}"),)))
        messages.append(ToolResultMessage(f"c{n}", str(n) * result_chars))
    return messages


def test_the_oldest_tool_results_are_cut_first_until_the_request_fits() -> None:
    model = ModelInfo("local", "small", context_tokens=2_000, max_output_tokens=500)
    messages = _conversation(2_400)  # three results of ~600 tokens: over the 1,500 the request may use
    fitted = fit_context(list(messages), [], model)
    results = [m.content for m in fitted if isinstance(m, ToolResultMessage)]
    assert results == [TRUNCATED, "1" * 2_400, "2" * 2_400]
    assert estimated_tokens(fitted, []) <= 1_500
    assert fit_context(list(messages[:4]), [], model) == messages[:4]  # what fits is left alone
