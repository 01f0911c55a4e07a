"""Text to JSON data, refusing hostile input cleanly; and the editor's Format button.

JSON is tried first (the C decoder is fast on 20 MB specs), then YAML. YAML is read with
libyaml's C parser where available, but *composed* by PyYAML's Python composer subclassed here,
because the C composer offers no hook to count aliases or measure depth: a "billion laughs"
document must fail while composing, before anything is expanded. YAML 1.1 quirks are undone on
the way: mapping keys become strings as written (``200:`` -> "200", ``on:`` -> "on"), and
timestamps stay strings.

JSON nesting deeper than the interpreter can decode is refused here; the exact
``max_nesting_depth`` limit for JSON is enforced by ``refs.bundle``, whose single walk visits
every node of the loaded document anyway (a separate walk would cost a second pass on 20 MB).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import orjson
import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.error import Mark, MarkedYAMLError, YAMLError
from yaml.events import AliasEvent, Event
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.resolver import Resolver

from actionforge.openapi.jsondata import copy_json
from actionforge.openapi.source import DocumentError, document_error, too_large_message
from actionforge.settings import Settings, default_settings

PARSE_FAILED = "Could not parse valid OpenAPI spec"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


# --------------------------------------------------------------------------- bytes and size


def decode(data: bytes, *, where: str | None = None) -> str:
    """UTF-8 bytes to text (a leading byte-order mark is dropped); says where a bad byte is."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        subject = where or "The document"
        raise document_error(
            f"{subject} is not valid UTF-8: byte 0x{data[error.start]:02x} at offset {error.start} "
            f"(line {line}) cannot be decoded"
        ) from None
    return text.removeprefix("\ufeff")


def check_size(text: str, limit: int) -> None:
    """Refuse text whose UTF-8 form exceeds ``limit`` bytes, encoding only when it can matter."""
    if len(text) <= limit // 4:  # a character is at most 4 bytes
        return
    size = len(text) if len(text) > limit else len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise document_error(too_large_message(size, limit))


# --------------------------------------------------------------------------- parsing


# Text starting like this is tried as JSON first. JSON is not quite a subset of YAML as PyYAML
# reads it (a surrogate-pair escape such as "\ud800\udc00" is valid JSON, an error in YAML).
_JSON_STARTS = frozenset('{["-0123456789')


# orjson reads an integer past 64 bits as a float, silently (123456789012345678901234567890 ->
# 1.2345678901234568e+29). A document where such a number may be is left to the standard parser.
# Where: a run of 19 or more digits that can be part of a number token (inside a string, orjson
# reads digits exactly). Runs are found on the UTF-8 bytes by a translate and a find, both in C:
# a regular expression took 90 ms on GitHub's 13 MB description, the translate about 10.
_DIGITS_ONLY = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"0" * 19
_JSON_SPACE = b" \t\n\r"
_BEFORE_A_VALUE = b"[:,"  # a number token starts after one of these (and any JSON space) or at 0
_INSIDE_A_NUMBER = b".eE+"  # a fraction or an exponent starts after one of these
_OBJECT_START = re.compile(rb"[ \t\n\r]*\{")


def may_hold_long_number(data: bytes) -> bool:
    """Whether ``data`` (JSON text as UTF-8) may hold a number of 19 or more digits.

    Conservative: a run is let through only when what precedes it cannot precede a number
    (a letter, a quote, ``-`` after a letter...), that is, when it sits inside a string.
    """
    digits = data.translate(_DIGITS_ONLY)
    start = digits.find(_LONG_RUN)
    while start != -1:
        if _may_be_number_part(data, start):
            return True
        end = digits.find(b" ", start)
        if end == -1:
            return False
        start = digits.find(_LONG_RUN, end)
    return False


def _may_be_number_part(data: bytes, start: int) -> bool:
    """Whether the digit run at ``start`` (the first digit of the run) can belong to a number."""
    before = start - 1
    if before >= 0 and data[before] == 0x2D:  # "-": a negative number, or an exponent's sign
        before -= 1
        if before >= 0 and data[before] in b"eE":
            return True
    elif before >= 0 and data[before] in _INSIDE_A_NUMBER:
        return True
    while before >= 0 and data[before] in _JSON_SPACE:
        before -= 1
    return before < 0 or data[before] in _BEFORE_A_VALUE


def _load_json(text: str) -> Any:
    """orjson first (about 3x faster on a large document); on anything it refuses (NaN, lone
    surrogates, deep nesting) or might misread (huge integers) the standard parser decides, with
    its messages."""
    if may_hold_long_number(text.encode("utf-8", "surrogatepass")):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def json_object_from_bytes(data: bytes) -> dict[str, Any] | None:
    """The object that ``parse_object(decode(data))`` gives, read from the bytes directly when
    they are plainly a JSON object that orjson reads exactly; None to take that general path,
    which alone gives messages. Skips decoding a large file (30 ms on GitHub's description) and
    orjson reads bytes as fast as text. Anything orjson refuses (a byte-order mark, bad UTF-8,
    NaN, lone surrogates, deep nesting) goes the general way. The size was checked on reading."""
    if not _OBJECT_START.match(data) or may_hold_long_number(data):
        return None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def parse_text(text: str, *, settings: Settings) -> Any:
    """JSON or YAML text to JSON data (any top-level type), within the settings' limits."""
    check_size(text, settings.max_document_bytes)
    json_error: json.JSONDecodeError | None = None
    if text.lstrip()[:1] in _JSON_STARTS:
        try:
            return _load_json(text)
        except RecursionError:
            raise document_error(_too_deep_message(settings.max_nesting_depth)) from None
        except json.JSONDecodeError as error:
            json_error = error  # may still be YAML (a flow mapping such as {a: 1})
    try:
        return load_yaml(text, settings=settings)
    except YAMLLimitError as error:
        raise document_error(str(error)) from None
    except YAMLError as error:
        if "maximum nesting depth" in str(error):  # libyaml's own guard, met before ours
            raise document_error(_too_deep_message(settings.max_nesting_depth)) from None
        if json_error is not None:
            detail = f"{json_error.msg} at line {json_error.lineno}, column {json_error.colno}"
        else:
            detail = _describe_yaml_error(error)
        raise document_error(f"{PARSE_FAILED}: {detail}") from None
    except RecursionError:  # only with a max_nesting_depth set above what Python can recurse
        raise document_error(_too_deep_message(settings.max_nesting_depth)) from None


def parse_object(text: str, *, settings: Settings, where: str | None = None) -> dict[str, Any]:
    """Like ``parse_text``, but the top level must be an object (as every OpenAPI document is)."""
    data = parse_text(text, settings=settings)
    if not isinstance(data, dict):
        subject = f"{where} must" if where else "The document must"
        raise document_error(f"{subject} be a JSON or YAML object, got {describe_type(data)}")
    return data


def describe_type(value: Any) -> str:
    if value is None:
        return "nothing (the document is empty)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _describe_yaml_error(error: YAMLError) -> str:
    if isinstance(error, MarkedYAMLError):
        problem = error.problem or error.context or "invalid YAML"
        mark = error.problem_mark or error.context_mark
        return f"{problem}{_where(mark)}"
    return str(error)


def _where(mark: Mark | None) -> str:
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _too_deep_message(limit: int) -> str:
    return f"The document is nested too deeply: more than {limit} levels"


# --------------------------------------------------------------------------- YAML with limits


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
            raise YAMLLimitError(f"{_too_deep_message(self.max_depth)}{_where(event.start_mark)}")
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


# --------------------------------------------------------------------------- JSON data helpers


# --------------------------------------------------------------------------- Format button


class _FormatDumper(yaml.SafeDumper):
    """Block style for multi-line strings, as the editor's YAML formatter does."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.strip("\n") and not any(c in value for c in "\r\t") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_FormatDumper.add_representer(str, _represent_str)


def format_text(text: str, *, settings: Settings | None = None) -> str:
    """The editor's Format button: JSON -> 2-space JSON, else YAML -> YAML, else unchanged."""
    settings = settings or default_settings()
    try:
        check_size(text, settings.max_document_bytes)
    except DocumentError:
        return text
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        pass
    try:
        data = load_yaml(text, settings=settings)
        for allow_unicode in (True, False):
            dumped = _dump_yaml(data, allow_unicode=allow_unicode)
            # PyYAML writes some characters (NEL, LS, PS) raw that then read back as line breaks:
            # a Format that changed the data would be worse than none.
            if load_yaml(dumped, settings=settings) == data:
                return dumped
    except (YAMLError, RecursionError):
        pass
    return text


def _dump_yaml(data: Any, *, allow_unicode: bool) -> str:
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
