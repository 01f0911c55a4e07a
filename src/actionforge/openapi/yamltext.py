"""YAML text to JSON data with limits, and YAML for the editor's Format button.

Kept apart from ``parse`` because PyYAML takes a tenth of the engine's import time, and most
documents (every large one) are JSON: this module is imported the first time YAML is read.

YAML is read with libyaml's C parser where available, but *composed* by PyYAML's Python composer
subclassed here, because the C composer offers no hook to count aliases or measure depth: a
"billion laughs" document must fail while composing, before anything is expanded. YAML 1.1
quirks are undone on the way: mapping keys become strings as written (``200:`` -> "200", ``on:``
-> "on"), and timestamps stay strings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.error import Mark, MarkedYAMLError, YAMLError
from yaml.events import AliasEvent, Event
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.resolver import Resolver

from actionforge.openapi.jsondata import copy_json
from actionforge.openapi.parse import PARSE_FAILED, too_deep_message
from actionforge.settings import Settings

__all__ = [
    "YAMLError",
    "YAMLLimitError",
    "alias_node_budget",
    "describe_yaml_error",
    "dump_yaml",
    "load_yaml",
]

TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


def describe_yaml_error(error: YAMLError) -> str:
    if isinstance(error, MarkedYAMLError):
        problem = error.problem or error.context or "invalid YAML"
        mark = error.problem_mark or error.context_mark
        return f"{problem}{_where(mark)}"
    return str(error)


def _where(mark: Mark | None) -> str:
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


class YAMLLimitError(YAMLError):
    """A YAML document refused for its shape (aliases, depth), not for its syntax."""


class _Resolver(Resolver):
    """YAML 1.1 implicit types, minus timestamps: dates in a spec are strings, not datetimes."""

    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's own class-level table
        first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP_TAG]
        for first, resolvers in Resolver.yaml_implicit_resolvers.items()
    }


class _Constructor(SafeConstructor):
    """Builds JSON data only: string keys as written, no datetimes, sets or bytes."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)  # merge keys ("<<: *base")
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise YAMLLimitError(
                    f"{PARSE_FAILED}: a mapping key must be a plain value, not a list or mapping"
                    f"{_where(key_node.start_mark)}"
                )
            key = self.construct_object(key_node, deep=deep)
            # YAML 1.1 reads `200:` as an int and `on:` as True; keep the key as written.
            mapping[key if isinstance(key, str) else key_node.value] = self.construct_object(
                value_node, deep=deep
            )
        return mapping

    def construct_as_mapping(self, node: Node) -> Any:
        """!!set and !!omap become plain mappings (JSON has neither)."""
        if isinstance(node, MappingNode):
            return self.construct_yaml_map(node)
        pairs: dict[str, Any] = {}
        for item in self.construct_sequence(node, deep=True):  # type: ignore[arg-type]
            if isinstance(item, dict):
                pairs.update(item)
        return pairs


# A class-level table, as add_constructor would build it (its typing admits only stock loaders).
_Constructor.yaml_constructors = {
    **SafeConstructor.yaml_constructors,
    TIMESTAMP_TAG: SafeConstructor.construct_yaml_str,
    "tag:yaml.org,2002:binary": SafeConstructor.construct_yaml_str,
    "tag:yaml.org,2002:set": _Constructor.construct_as_mapping,
    "tag:yaml.org,2002:omap": _Constructor.construct_as_mapping,
    "tag:yaml.org,2002:pairs": _Constructor.construct_as_mapping,
}


class _LimitingComposer(Composer):
    """PyYAML's composer, counting aliases, their expansion and the nesting depth as it goes.

    A node's *expanded size* counts an alias as the whole node it stands for, which is what a
    consumer walking the data would visit; aliases may add at most ``alias_node_budget`` nodes.
    """

    if TYPE_CHECKING:  # supplied by the parser base of the concrete loader

        def check_event(self, *choices: type[Event]) -> bool: ...
        def peek_event(self) -> Any: ...
        def get_event(self) -> Any: ...

    def init_limits(self, *, max_aliases: int, alias_node_budget: int, max_depth: int) -> None:
        self.max_aliases = max_aliases
        self.alias_node_budget = alias_node_budget
        self.max_depth = max_depth
        self.alias_count = 0
        self.alias_nodes = 0
        self.expanded_nodes = 0
        self.depth = 0
        self.anchor_sizes: dict[str, int] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            return self._compose_alias()
        event = self.peek_event()
        self.depth += 1
        if self.depth > self.max_depth:
            raise YAMLLimitError(f"{too_deep_message(self.max_depth)}{_where(event.start_mark)}")
        before = self.expanded_nodes
        node = super().compose_node(parent, index)
        assert node is not None  # None only at the end of a stream, never inside a document
        self.depth -= 1
        self.expanded_nodes += 1
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.anchor_sizes[anchor] = self.expanded_nodes - before
        return node

    def _compose_alias(self) -> Node:
        event = self.get_event()
        anchor = event.anchor
        if anchor not in self.anchors:
            raise ComposerError(None, None, f"found undefined alias {anchor!r}", event.start_mark)
        self.alias_count += 1
        if self.alias_count > self.max_aliases:
            raise YAMLLimitError(f"YAML uses too many aliases (over {self.max_aliases})")
        size = self.anchor_sizes.get(anchor)
        if size is None:
            raise YAMLLimitError(
                f"YAML alias *{anchor} refers to a node that contains it (a recursive structure)"
                f"{_where(event.start_mark)}"
            )
        self.expanded_nodes += size
        self.alias_nodes += size
        if self.alias_nodes > self.alias_node_budget:
            raise YAMLLimitError(
                f"YAML uses too many aliases: they expand to over {self.alias_node_budget:,} nodes"
            )
        return self.anchors[anchor]


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _YAMLLoader(_LimitingComposer, CParser, _Constructor, _Resolver):
        """libyaml scans and parses (fast); the Python composer above builds the node graph."""

        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            Composer.__init__(self)
            _Constructor.__init__(self)
            _Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _YAMLLoader(_LimitingComposer, Reader, Scanner, Parser, _Constructor, _Resolver):  # type: ignore[no-redef,misc]
        def __init__(self, text: str) -> None:
            Reader.__init__(self, text)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            _Constructor.__init__(self)
            _Resolver.__init__(self)


def load_yaml(text: str, *, settings: Settings) -> Any:
    """One YAML document to JSON data; raises YAMLLimitError or another YAMLError."""
    loader = _YAMLLoader(text)
    loader.init_limits(
        max_aliases=settings.yaml_max_aliases,
        alias_node_budget=alias_node_budget(settings),
        max_depth=settings.max_nesting_depth,
    )
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    # An alias makes two places share one object; give each its own copy so that no consumer
    # editing one place changes another. The copies are bounded by the alias budget.
    return copy_json(data) if loader.alias_count else data


def alias_node_budget(settings: Settings) -> int:
    """How many nodes YAML aliases may add: a tenth of the byte limit, at least 100,000."""
    return max(100_000, settings.max_document_bytes // 10)


# --- the Format button's YAML


class _FormatDumper(yaml.SafeDumper):
    """Block style for multi-line strings, as the editor's YAML formatter does."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.strip("\n") and not any(c in value for c in "\r\t") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_FormatDumper.add_representer(str, _represent_str)


def dump_yaml(data: Any, *, allow_unicode: bool) -> str:
    dumped = yaml.dump(
        data,
        Dumper=_FormatDumper,
        indent=2,
        width=120,
        sort_keys=False,
        allow_unicode=allow_unicode,
        default_flow_style=False,
    )
    return dumped.removesuffix("...\n")  # the end marker PyYAML adds after a lone scalar
