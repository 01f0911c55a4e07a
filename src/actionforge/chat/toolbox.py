"""A GPT's actions as the model sees them: the system prompt and one tool per enabled operation.

Each stored action row is loaded through the platform (`load_engine_action`: the engine's public
`load_action` under the workspace's domain policy); tool names stay unique across the GPT's
actions (``taken_names``). Loaded actions are kept per process, keyed by the row and its last
change, so a turn does not parse the documents again, and their pooled clients are reused.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import actionforge
from actionforge.models import Dialect
from actionforge.platform.calls import load_engine_action
from actionforge.platform.context import Platform
from actionforge.platform.conversations import Configuration
from actionforge.platform.errors import Invalid
from actionforge.store.tables import Action, Workspace


@dataclass(frozen=True)
class Entry:
    """One tool: which stored action row and loaded engine action it belongs to."""

    row: Action
    action: actionforge.Action
    tool: actionforge.Tool

    @property
    def domain(self) -> str:
        return self.row.domain or self.action.root_domain

    @property
    def operation(self) -> actionforge.Operation:
        return self.tool.operation


@dataclass(frozen=True)
class Toolbox:
    entries: dict[str, Entry]
    actions: tuple[tuple[Action, actionforge.Action], ...]

    def entry(self, name: str) -> Entry | None:
        return self.entries.get(name)

    def tools(self, dialect: Dialect) -> list[dict[str, Any]]:
        """Every tool of every action, as the engine renders them for the model's provider."""
        return [tool for _, action in self.actions for tool in action.tools(dialect=dialect)]

    def system_prompt(self, config: Configuration) -> str:
        """The GPT's instructions, then what each action is for (its ``info.description``)."""
        parts = [config.instructions.strip()] if config.instructions.strip() else []
        for row, action in self.actions:
            if action.description:
                parts.append(f"## Action on {row.domain or action.root_domain}\n{action.description}")
        return "\n\n".join(parts)


class ActionCache:
    """Loaded engine actions, keyed by (row id, last change, workspace policy, names taken before)."""

    def __init__(self, platform: Platform, size: int = 256) -> None:
        self.p = platform
        self._size = size
        self._loaded: OrderedDict[Hashable, actionforge.Action] = OrderedDict()

    def load(self, row: Action, workspace: Workspace, taken: Sequence[str]) -> actionforge.Action:
        key = (
            row.id, row.updated_at, workspace.domain_policy, tuple(workspace.allowed_domains or ()),
            tuple(taken),
        )  # fmt: skip
        found = self._loaded.get(key)
        if found is None:
            found = load_engine_action(self.p, row, workspace, taken_names=taken)
            self._loaded[key] = found
            while len(self._loaded) > self._size:
                self._loaded.popitem(last=False)
        self._loaded.move_to_end(key)
        return found

    def toolbox(self, config: Configuration) -> Toolbox:
        """Every action of the configuration that loads; one with a broken schema offers no tools,
        and none does while the workspace has custom actions turned off."""
        entries: dict[str, Entry] = {}
        loaded: list[tuple[Action, actionforge.Action]] = []
        rows = config.actions if config.workspace.custom_actions_enabled else ()
        for row in rows:
            if row.domain is None:
                continue
            try:
                action = self.load(row, config.workspace, list(entries))
            except Invalid:
                continue
            loaded.append((row, action))
            for tool in action.tool_list:
                entries[tool.name] = Entry(row, action, tool)
        return Toolbox(entries, tuple(loaded))

    async def aclose(self) -> None:
        for action in self._loaded.values():
            await action.aclose()
        self._loaded.clear()
