"""What one drive of a turn works with, read once when the process takes the run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from actionforge.chat.toolbox import Toolbox
from actionforge.platform.conversations import Configuration
from actionforge.store.tables import User
from actionforge.store.tables_chat import ChatRun, Conversation

Emit = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass
class Scope:
    run: ChatRun
    conversation: Conversation
    user: User
    config: Configuration
    toolbox: Toolbox
    emit: Emit  # one event at a time, in order, for this conversation
    arguments: dict[str, str] = field(default_factory=dict)  # call id -> the model's arguments text

    @property
    def preview(self) -> bool:
        return self.conversation.preview
