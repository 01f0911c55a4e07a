"""The tool definitions of a GPT's actions, in the dialect of the model that will read them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import actionforge
from actionforge.models.provider import ChatModel


def tool_definitions(model: ChatModel, actions: Iterable[actionforge.Action]) -> list[dict[str, Any]]:
    """Every tool of every action, rendered by the engine for ``model``'s provider."""
    return [tool for action in actions for tool in action.tools(dialect=model.dialect)]
