"""Check a model's tool-call arguments against the tool's schema before any request is made.

The model reads the error text and calls again, so every problem is listed at once, each with the
argument's path (``items[2].price``), in words a model can act on, and never with huge values
quoted verbatim.

Decisions:
- ``arguments`` may be a mapping or a JSON string of one (models send strings); ``None`` or a
  blank string mean "no arguments".
- Keys the schema does not name are refused as ``UnrecognizedKwargsError: <keys>`` (keys in the
  order the model sent them), like the original, unless the schema explicitly allows additional
  properties (``additionalProperties`` true or a schema). The message suggests the closest valid
  name ("did you mean `filters`?"); an invented name is never mapped to it.
- With ``repair`` (the default; ``Settings.repair_arguments``) the model's small mistakes are
  repaired, each listed in ``CheckedArguments.repairs`` (see ``calls.repairs``):
  - a ``body`` / ``requestBody`` / ``request_body`` / ``data`` object whose keys are all body
    properties is unwrapped, unless the tool has a real property of that name;
  - ``null`` or ``""`` for an optional argument whose schema refuses it counts as absent (models
    send them for "not given"; a required one is still an error);
  - mistyped scalars anywhere in the arguments, and ``null`` for an optional member of a nested
    object, only after the check failed.
  Arguments that pass as sent take a quick path that never looks for repairs.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from actionforge.calls.repairs import Repair, arguments_pointer, repair_values, show
from actionforge.calls.repairs import show as _show
from actionforge.errors import ActionforgeError
from actionforge.openapi.model import JSONSchema
from actionforge.openapi.pointers import find_local_ref
from actionforge.tools.model import Tool

BODY_WRAPPER_KEYS = ("body", "requestBody", "request_body", "data")
MAX_SHOWN_VALUE_CHARS = 60
MAX_LISTED_PROBLEMS = 20
MAX_LISTED_NAMES = 50
_CACHE_SIZE = 2048


class ArgumentsError(ActionforgeError):
    """The arguments failed the check; ``message`` is written for the model, ``problems`` lists each,
    ``repairs`` the repairs made before the remaining problems were found."""

    def __init__(self, message: str, problems: list[str], repairs: tuple[Repair, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems
        self.repairs = repairs


@dataclass(slots=True)  # not frozen: made on every call, and a frozen __init__ costs twice as much
class CheckedArguments:
    """The arguments to build the request from, and what was repaired to get them."""

    arguments: dict[str, Any]
    repairs: tuple[Repair, ...] = ()


def check_arguments(tool: Tool, arguments: Any, *, repair: bool = True) -> CheckedArguments:
    """The checked (and, with ``repair``, repaired) arguments, or :class:`ArgumentsError`."""
    checker = _checker_for(tool)
    if type(arguments) is dict and checker.plainly_valid(arguments):
        # Every key is a property name, so a string: nothing to convert, nothing to repair.
        return CheckedArguments(dict(arguments))
    args = _as_object(tool.name, arguments)
    repairs: list[Repair] = []
    origins: dict[str, str] = {}  # top-level key -> the wrapper's pointer it was unwrapped from
    if repair:
        args = checker.unwrap_body(args, repairs, origins)
    unknown = checker.unknown_keys(args)
    if unknown:
        args = {k: v for k, v in args.items() if k not in unknown}
    if repair:
        args = checker.drop_absent(args, repairs, origins)
    valid = checker.quick_valid(args)
    if not valid and repair:
        args, fixed = repair_values(checker.validator, args, origins)
        repairs += fixed
        valid = bool(fixed) and checker.quick_valid(args)
    problems: list[str] = []
    if unknown:
        problems.append("UnrecognizedKwargsError: " + _name_list(unknown, MAX_LISTED_NAMES))
    if not valid:
        problems.extend(checker.describe_errors(args))
    if problems:
        message = _message(tool.name, problems, checker.property_names, unknown)
        raise ArgumentsError(message, problems, tuple(repairs))
    return CheckedArguments(args, tuple(repairs))


def _as_object(tool_name: str, arguments: Any) -> dict[str, Any]:
    if arguments is None:
        return {}
    if isinstance(arguments, str | bytes | bytearray):
        if not arguments.strip():
            return {}
        try:
            arguments = json.loads(arguments)
        except ValueError as exc:
            problem = f"the arguments are not valid JSON ({exc})"
            raise ArgumentsError(_message(tool_name, [problem], None), [problem]) from None
    if not isinstance(arguments, Mapping) or not all(isinstance(k, str) for k in arguments):
        problem = f"the arguments must be a JSON object, not {_json_type(arguments)}"
        raise ArgumentsError(_message(tool_name, [problem], None), [problem])
    return dict(arguments)


def _message(
    tool_name: str, problems: list[str], valid_names: tuple[str, ...] | None, unknown: Sequence[str] = ()
) -> str:
    lines: list[str] = []
    rest = problems
    if problems and problems[0].startswith("UnrecognizedKwargsError: "):
        names = _name_list(valid_names or (), MAX_LISTED_NAMES) if valid_names else "(none)"
        lines.append(problems[0])
        lines += [
            f"`{_cap(name, MAX_SHOWN_VALUE_CHARS)}`: {hint}" for name, hint in _hints(unknown, valid_names)
        ]
        lines.append(f"Valid parameters for `{tool_name}`: {names}")
        rest = problems[1:]
    if rest:
        lines.append(f"Invalid arguments for tool `{tool_name}`:")
        lines += [f"- {p}" for p in rest[:MAX_LISTED_PROBLEMS]]
        if len(rest) > MAX_LISTED_PROBLEMS:
            lines.append(f"- ... and {len(rest) - MAX_LISTED_PROBLEMS} more")
    lines.append(f"Fix these and call `{tool_name}` again.")
    return "\n".join(lines)


def _hints(unknown: Iterable[str], valid_names: Iterable[str] | None) -> list[tuple[str, str]]:
    """ "did you mean `filters`?" for each unknown name that is close to a valid one."""
    by_folded: dict[str, str] = {}
    for name in valid_names or ():
        by_folded.setdefault(name.casefold(), name)
    hints = []
    for name in list(unknown)[:MAX_LISTED_NAMES]:
        close = difflib.get_close_matches(name.casefold(), by_folded, n=1)
        if close:
            hints.append((name, f"did you mean `{by_folded[close[0]]}`?"))
    return hints


def _name_list(names: Iterable[str], limit: int) -> str:
    names = list(names)
    shown = ", ".join(_cap(n, MAX_SHOWN_VALUE_CHARS) for n in names[:limit])
    return shown + (f", ... and {len(names) - limit} more" if len(names) > limit else "")


# --- the per-tool checker, compiled once and cached ---------------------------------------------

_cache: dict[int, tuple[Tool, _ToolChecker]] = {}


def _checker_for(tool: Tool) -> _ToolChecker:
    # Tool is a frozen, slotted dataclass holding dicts: neither hashable nor weak-referenceable, so
    # the cache is keyed by id() and keeps the tool alive to make the id unambiguous.
    entry = _cache.get(id(tool))
    if entry is not None and entry[0] is tool:
        return entry[1]
    checker = _ToolChecker(tool)
    if len(_cache) >= _CACHE_SIZE:
        del _cache[next(iter(_cache))]
    _cache[id(tool)] = (tool, checker)
    return checker


Predicate = Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class _Property:
    required: bool
    accepts_null: bool
    accepts_empty: bool  # the empty string
    quick_valid: Predicate


class _ToolChecker:
    """What checking one tool's arguments needs, computed once per tool."""

    def __init__(self, tool: Tool) -> None:
        schema = tool.parameters
        self.validator = Draft202012Validator(schema)
        properties: Mapping[str, JSONSchema] = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        self.property_names = tuple(properties)
        self.required = required
        # Unlike JSON Schema's default, a missing additionalProperties means "no others": the
        # original refuses unknown keys, and tool schemas list every argument.
        self.open_ended = schema.get("additionalProperties", False) is not False
        self.patterns = [re.compile(p) for p in schema.get("patternProperties") or ()]
        self.body_properties = frozenset(
            b.property for b in tool.bindings if b.location in ("body", "body_whole")
        )
        compiler = _QuickCompiler(self.validator)
        self.properties = {
            name: _Property(
                name in required,
                _accepts(compiler, sub, None),
                _accepts(compiler, sub, ""),
                compiler.compile(sub),
            )
            for name, sub in properties.items()
        }
        # The quick path covers the usual flat object; any other root keyword defers to jsonschema.
        self.root_is_plain = set(schema) <= _PLAIN_ROOT_KEYWORDS and schema.get("type", "object") == "object"

    def unknown_keys(self, args: Mapping[str, Any]) -> list[str]:
        if self.open_ended:
            return []
        props = self.properties
        return [k for k in args if k not in props and not any(p.search(k) for p in self.patterns)]

    def unwrap_body(
        self, args: dict[str, Any], repairs: list[Repair], origins: dict[str, str]
    ) -> dict[str, Any]:
        for key in BODY_WRAPPER_KEYS:
            inner = args.get(key)
            if (
                inner is None
                or key in self.properties
                or not isinstance(inner, Mapping)
                or not self.body_properties
                or not all(isinstance(k, str) and k in self.body_properties for k in inner)
                or any(k in args for k in inner)
            ):
                continue
            args = {k: v for k, v in args.items() if k != key}
            args.update(inner)
            where = arguments_pointer((key,), {})
            repairs.append(Repair(where, "unwrapped", show(inner)))
            origins.update(dict.fromkeys(inner, where))
        return args

    def drop_absent(
        self, args: dict[str, Any], repairs: list[Repair], origins: Mapping[str, str]
    ) -> dict[str, Any]:
        """Leave out ``null`` / ``""`` sent for an optional argument that refuses it."""
        props = self.properties
        drop = [
            k
            for k, v in args.items()
            if (v is None or v == "")
            and (p := props.get(k)) is not None
            and not p.required
            and not (p.accepts_null if v is None else p.accepts_empty)
        ]
        if not drop:
            return args
        repairs += [Repair(arguments_pointer((k,), origins), "to_absent", show(args[k])) for k in drop]
        return {k: v for k, v in args.items() if k not in drop}

    def plainly_valid(self, args: Mapping[str, Any]) -> bool:
        """True when the arguments need nothing done: every key a known property, no nulls to
        drop, no wrapper to unwrap, and every value quickly valid. The usual model call."""
        if not self.root_is_plain:
            return False
        props = self.properties
        for key, value in args.items():
            prop = props.get(key)
            if prop is None or value is None or not prop.quick_valid(value):
                return False
        return self.required <= args.keys()

    def quick_valid(self, args: Mapping[str, Any]) -> bool:
        """True when the arguments are certainly valid; False means "run the full check"."""
        if not self.root_is_plain:
            return _safe_is_valid(self.validator, args)
        props = self.properties
        for name in self.required:
            if name not in args:
                return False
        for key, value in args.items():
            prop = props.get(key)
            if prop is None:  # only reachable when additional properties are allowed
                return _safe_is_valid(self.validator, args)
            if not prop.quick_valid(value):
                return False
        return True

    def describe_errors(self, args: Mapping[str, Any]) -> list[str]:
        try:
            errors = list(self.validator.iter_errors(args))
        except Exception as exc:  # unresolvable $ref, bad regex: the tool's fault, still reported
            return [f"the tool's parameter schema could not be applied ({type(exc).__name__})"]
        problems: list[str] = []
        seen_required: set[tuple[Any, ...]] = set()
        for error in errors:
            path = tuple(error.absolute_path)
            if error.validator == "required":
                if path in seen_required or not isinstance(error.instance, Mapping):
                    continue
                seen_required.add(path)
                problems += [
                    f"`{_format_path((*path, name))}`: required property is missing"
                    for name in error.validator_value
                    if name not in error.instance
                ]
            else:
                problems.append(f"`{_format_path(path)}`: {_describe(error)}")
        return list(dict.fromkeys(problems))


_PLAIN_ROOT_KEYWORDS = frozenset(
    {"type", "properties", "required", "additionalProperties", "$defs", "definitions", "description",
     "title", "$schema", "$comment"}
)  # fmt: skip
_ANNOTATIONS = frozenset(
    {"description", "title", "default", "examples", "format", "deprecated", "readOnly", "writeOnly",
     "$comment"}
)  # fmt: skip
_TYPE_TESTS: dict[str, Predicate] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
    "number": lambda v: type(v) in (int, float),
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
}
_SCALAR_KEYWORDS = _ANNOTATIONS | {"type", "enum", "const"}
_OBJECT_KEYWORDS = _ANNOTATIONS | {"type", "properties", "required", "additionalProperties"}
_ARRAY_KEYWORDS = _ANNOTATIONS | {"type", "items"}


class _QuickCompiler:
    """Turns the common schema shapes into plain Python predicates.

    jsonschema costs tens of microseconds per call even for flat schemas, and far more once
    ``$ref`` is involved, while the check is on the hot path of every tool call. So the usual
    shapes (scalars with type / enum / const, objects with properties / required /
    additionalProperties, arrays with items, local ``$ref``s) become predicates that only ever
    answer True for values jsonschema accepts. Anything else, and recursive references, use the
    jsonschema validator for that subschema. A False sends the arguments to the full jsonschema
    check, which stays the judge and the reporter.
    """

    def __init__(self, validator: Draft202012Validator) -> None:
        self.validator = validator
        self.root: Any = validator.schema

    def compile(self, schema: Any, refs: tuple[str, ...] = ()) -> Predicate:
        quick = self._quick(schema, refs) if isinstance(schema, Mapping) else None
        if quick is not None:
            return quick
        # Evolving keeps the root resolver, so "#/$defs/..." still resolve.
        return _safe(self.validator.evolve(schema=schema).is_valid)

    def _quick(self, schema: Mapping[str, Any], refs: tuple[str, ...]) -> Predicate | None:
        keys = set(schema)
        if "$ref" in keys:
            ref = schema["$ref"]
            target = self._local_target(ref)
            if not keys <= _ANNOTATIONS | {"$ref"} or target is None or ref in refs:
                return None  # sibling keywords, remote or recursive: jsonschema decides
            return self.compile(target, (*refs, ref))
        kind = schema.get("type")
        if kind == "object" and keys <= _OBJECT_KEYWORDS:
            return self._object(schema, refs)
        if kind == "array" and keys <= _ARRAY_KEYWORDS:
            items = self.compile(schema["items"], refs) if "items" in schema else None
            return lambda v: type(v) is list and (items is None or all(items(i) for i in v))
        if keys <= _SCALAR_KEYWORDS:
            return _scalar_predicate(schema)
        return None

    def _object(self, schema: Mapping[str, Any], refs: tuple[str, ...]) -> Predicate | None:
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        additional = schema.get("additionalProperties", True)
        if not isinstance(properties, Mapping) or not isinstance(required, list):
            return None
        props = {name: self.compile(sub, refs) for name, sub in properties.items()}
        extra: Predicate | None
        if additional is True:
            extra = None
        elif additional is False:
            extra = _never
        else:
            extra = self.compile(additional, refs)

        def check(value: Any) -> bool:
            if type(value) is not dict or not all(name in value for name in required):
                return False
            for key, item in value.items():
                test = props.get(key, extra)
                if test is not None and not test(item):
                    return False
            return True

        return check

    def _local_target(self, ref: Any) -> Any:
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return None
        return find_local_ref(self.root, ref)


def _scalar_predicate(schema: Mapping[str, Any]) -> Predicate | None:
    tests: list[Predicate] = []
    kind = schema.get("type")
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else kind
        if not isinstance(kinds, list) or not all(k in _TYPE_TESTS for k in kinds):
            return None
        type_tests = [_TYPE_TESTS[k] for k in kinds]
        tests.append(type_tests[0] if len(type_tests) == 1 else lambda v: any(t(v) for t in type_tests))
    for keyword in ("enum", "const"):
        if keyword in schema:
            allowed = schema[keyword] if keyword == "enum" else [schema[keyword]]
            if not isinstance(allowed, list) or not all(_is_scalar(a) for a in allowed):
                return None
            tests.append(_member_test(frozenset((type(a), a) for a in allowed)))
    if not tests:
        return None  # an empty schema: nothing to gain from a shortcut
    if len(tests) == 1:
        return tests[0]
    return lambda v: all(t(v) for t in tests)


def _never(value: Any) -> bool:
    return False


def _safe(test: Predicate) -> Predicate:
    def safe(value: Any) -> bool:
        try:
            return test(value)
        except Exception:  # a broken subschema: the full check reports it
            return False

    return safe


def _member_test(members: frozenset[tuple[type, Any]]) -> Predicate:
    # Keyed by type too, so True never matches 1 (JSON Schema keeps booleans and numbers apart).
    return lambda v: _is_scalar(v) and (type(v), v) in members


def _accepts(compiler: _QuickCompiler, schema: Any, value: Any) -> bool:
    return _safe(compiler.validator.evolve(schema=schema).is_valid)(value)


def _is_scalar(value: Any) -> bool:
    return value is None or type(value) in (str, int, float, bool)


def _safe_is_valid(validator: Draft202012Validator, instance: Any) -> bool:
    try:
        return bool(validator.is_valid(instance))
    except Exception:
        return False


# --- wording ----------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")


def _format_path(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{_show(part)}]"
    return out or "(arguments)"


def _describe(error: ValidationError) -> str:
    keyword, value, instance = error.validator, error.validator_value, error.instance
    if keyword == "type":
        kinds = [value] if isinstance(value, str) else list(value)
        return f"{_show(instance)} is not of type {' or '.join(kinds)}"
    if keyword == "enum":
        return f"{_show(instance)} is not one of {_show(value, 200)}"
    if keyword == "const":
        return f"{_show(instance)} must be {_show(value)}"
    if keyword == "additionalProperties" and isinstance(instance, Mapping):
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        extra = [k for k in instance if k not in allowed]
        hints = "".join(
            f"; `{_cap(name, MAX_SHOWN_VALUE_CHARS)}`: {hint}" for name, hint in _hints(extra, allowed)
        )
        return "UnrecognizedKwargsError: " + _name_list(extra, MAX_LISTED_NAMES) + hints
    # Other keywords: jsonschema's own wording, with the (possibly huge) value shortened.
    message = error.message
    shown = repr(instance)
    if len(shown) > MAX_SHOWN_VALUE_CHARS:
        message = message.replace(shown, _show(instance))
    return _cap(message, 300)


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_type(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__
