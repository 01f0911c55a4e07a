"""The model's small argument mistakes that a person would read correctly, repaired and recorded.

Each repair is a :class:`Repair` (where, what → what), handed back with the checked arguments and
listed in the ``ToolResult``: a repair is never silent. ``calls.arguments`` tries them only
after the arguments failed the check, so valid arguments never pay for them.

A value is replaced only where it fails the schema and its replacement passes the subschema at
that same place (so an enum or a pattern that the replacement would not match keeps the error):
- a number or boolean where a string is wanted → its JSON text (``5`` → ``"5"``);
- a numeric string where an integer or number is wanted → that number (``"5"`` → ``5``). Only
  JSON's own number grammar counts: no spaces, ``+``, leading zeros, ``NaN`` or infinities;
- ``"true"`` / ``"false"`` where a boolean is wanted → that boolean.
- ``null`` for a member of a nested object whose schema refuses it → left out, unless the
  object requires that member.
The argument level also drops ``""`` and ``null`` sent for an optional argument that refuses
them, and unwraps a ``body`` / ``requestBody`` wrapper (see ``calls.arguments``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from actionforge.openapi.report import pointer

RepairKind = Literal["to_string", "to_number", "to_boolean", "to_absent", "unwrapped"]
MAX_SHOWN_CHARS = 60
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_JSON_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_MAX_NUMBER_CHARS = 100
_BOOLEANS = {"true": True, "false": False}
_Fixes = dict[tuple[Any, ...], tuple[RepairKind, Any]]  # argument path -> (kind, new value)
# The keywords whose failure a changed scalar can cure; any other (``not``, ``minimum`` ...) can't.
_CURABLE = frozenset({"type", "enum", "const", "anyOf", "oneOf"})
_KIND_NOTES: dict[RepairKind, str] = {
    "to_string": "text was wanted",
    "to_number": "a number was wanted",
    "to_boolean": "a boolean was wanted",
    "to_absent": "left out: an optional argument that takes no such value",
    "unwrapped": "its properties were used as the arguments",
}


@dataclass(frozen=True, slots=True)
class Repair:
    """One repaired argument: ``pointer`` (RFC 6901) into the arguments as the model sent them.

    ``was`` and ``now`` are the values as JSON text, shortened; ``now`` is None when the value was
    left out or unwrapped.
    """

    pointer: str
    kind: RepairKind
    was: str
    now: str | None = None

    def describe(self) -> str:
        """One line for a person or a model: "`/limit`: "5" → 5 (a number was wanted)"."""
        change = f"{self.was} → {self.now}" if self.now is not None else self.was
        return f"`{self.pointer}`: {change} ({_KIND_NOTES[self.kind]})"

    def to_dict(self) -> dict[str, str | None]:
        return {"pointer": self.pointer, "kind": self.kind, "was": self.was, "now": self.now}


def show(value: Any, limit: int = MAX_SHOWN_CHARS) -> str:
    """The value as JSON (what the model wrote), cut to ``limit`` characters with a visible "…"."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def arguments_pointer(path: tuple[Any, ...], origins: Mapping[str, str]) -> str:
    """The pointer of ``path`` in the arguments as sent: a key moved out of a ``body`` wrapper
    (``origins``) still points into the wrapper."""
    if not path:
        return ""
    return origins.get(str(path[0]), "") + pointer(*path)


def repair_values(
    validator: Validator, args: dict[str, Any], origins: Mapping[str, str]
) -> tuple[dict[str, Any], list[Repair]]:
    """``args`` with each mistyped scalar replaced, and the repairs made; ``args`` itself is never
    changed.

    Every replacement is tried at once, then the arguments are checked again: one that still
    fails at its place (outside an enum, against a pattern or a minimum, in another ``allOf``
    branch) is undone, so the check reports the value the model sent. A ``null`` member of a
    nested object is left out (as the argument level does), unless its object then fails
    anew (the member is required there, say).
    """
    errors = _errors(validator, args)
    fixes = _scalar_fixes(errors, args)
    repaired = _apply(args, fixes)
    if fixes:
        fixes = _kept(fixes, errors, _errors(validator, repaired))
        repaired = _apply(args, fixes)
    repairs = [
        Repair(
            arguments_pointer(path, origins),
            kind,
            show(_at(args, path)),
            None if new is ABSENT else show(new),
        )
        for path, (kind, new) in fixes.items()
    ]
    return repaired, repairs


def _kept(fixes: _Fixes, before: list[ValidationError], after: list[ValidationError]) -> _Fixes:
    """The fixes that hold once all are applied (``after``): a replaced value must pass at its
    place; a member left out must not be one its object requires, nor make its object fail in
    a new way."""
    failing = {tuple(e.absolute_path) for e in after}
    seen = {(tuple(e.absolute_path), e.message) for e in before}
    new_errors = [e for e in after if (tuple(e.absolute_path), e.message) not in seen]

    def holds(path: tuple[Any, ...], new: Any) -> bool:
        if new is not ABSENT:
            return path not in failing
        parent, key = path[:-1], path[-1]
        return not any(
            tuple(e.absolute_path) == parent and (e.validator != "required" or key in e.validator_value)
            for e in new_errors
        )

    return {path: fix for path, fix in fixes.items() if holds(path, fix[1])}


def _scalar_fixes(errors: list[ValidationError], args: dict[str, Any]) -> _Fixes:
    fixes: _Fixes = {}
    for error in errors:
        path = tuple(error.absolute_path)
        if not path or path in fixes:
            continue
        if error.instance is None:
            if _is_nested_member(args, path) and str(error.validator) in _CURABLE:
                fixes[path] = ("to_absent", ABSENT)
            continue
        if type(error.instance) not in (str, int, float, bool):
            continue
        fix = replace_scalar(error.instance, str(error.validator))
        if fix is not None:
            fixes[path] = fix
    return fixes


def _is_nested_member(args: dict[str, Any], path: tuple[Any, ...]) -> bool:
    """Whether ``path`` names a member of an object below the arguments (the arguments' own
    members are judged by ``calls.arguments``, which knows which are optional)."""
    return len(path) > 1 and isinstance(path[-1], str) and isinstance(_at(args, path[:-1]), dict)


def _errors(validator: Validator, instance: Any) -> list[ValidationError]:
    try:
        return list(validator.iter_errors(instance))
    except Exception:  # unresolvable $ref, bad regex: nothing to repair; the check reports it
        return []


def _apply(args: dict[str, Any], fixes: _Fixes) -> dict[str, Any]:
    for path, (_, new) in fixes.items():
        args = replaced(args, path, new)
    return args


def _at(root: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        root = root[part]
    return root


# --- scalar replacements -----------------------------------------------------------------------

_NONE = object()  # "no replacement": None is a JSON value
ABSENT = object()  # "leave the member out", as a replacement value


def _to_string(value: Any) -> Any:
    if type(value) is bool or (type(value) in (int, float) and math.isfinite(value)):
        return json.dumps(value)
    return _NONE


def _to_number(value: Any) -> Any:
    # Longer digit strings are identifiers, not amounts (and Python refuses int() past 4,300 digits).
    if type(value) is not str or len(value) > _MAX_NUMBER_CHARS or not _JSON_NUMBER.fullmatch(value):
        return _NONE
    if _JSON_INTEGER.fullmatch(value):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else _NONE


def _to_boolean(value: Any) -> Any:
    return _BOOLEANS.get(value, _NONE) if type(value) is str else _NONE


_REPLACEMENTS: tuple[tuple[RepairKind, Callable[[Any], Any]], ...] = (
    ("to_string", _to_string),
    ("to_number", _to_number),
    ("to_boolean", _to_boolean),
)


def replace_scalar(value: Any, keyword: str) -> tuple[RepairKind, Any] | None:
    """The replacement for ``value``, which failed ``keyword``: strings may become numbers or
    booleans, numbers and booleans strings; at most one applies to any value."""
    if keyword not in _CURABLE:
        return None
    for kind, replace in _REPLACEMENTS:
        candidate = replace(value)
        if candidate is not _NONE:
            return kind, candidate
    return None


def replaced(root: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """``root`` with the value at ``path`` (non-empty) replaced, or left out for ``ABSENT``;
    containers along the path are copied, so the caller's nested objects are never changed."""
    result: dict[str, Any] = _replaced_in(root, path, value)
    return result


def _replaced_in(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    head, rest = path[0], path[1:]
    copy: Any = list(node) if isinstance(node, list) else dict(node)
    if rest:
        copy[head] = _replaced_in(node[head], rest, value)
    elif value is ABSENT:
        del copy[head]
    else:
        copy[head] = value
    return copy
