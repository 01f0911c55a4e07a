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
    branch) is undone, so the check reports the value the model sent.
    """
    fixes = _scalar_fixes(validator, args)
    repaired = _apply(args, fixes)
    if fixes:
        failing = {tuple(e.absolute_path) for e in _errors(validator, repaired)}
        fixes = {path: fix for path, fix in fixes.items() if path not in failing}
        repaired = _apply(args, fixes)
    repairs = [
        Repair(arguments_pointer(path, origins), kind, show(_at(args, path)), show(new))
        for path, (kind, new) in fixes.items()
    ]
    return repaired, repairs


def _scalar_fixes(
    validator: Validator, args: dict[str, Any]
) -> dict[tuple[Any, ...], tuple[RepairKind, Any]]:
    fixes: dict[tuple[Any, ...], tuple[RepairKind, Any]] = {}
    for error in _errors(validator, args):
        path = tuple(error.absolute_path)
        if not path or path in fixes or type(error.instance) not in (str, int, float, bool):
            continue
        fix = replace_scalar(error.instance, str(error.validator))
        if fix is not None:
            fixes[path] = fix
    return fixes


def _errors(validator: Validator, instance: Any) -> list[ValidationError]:
    try:
        return list(validator.iter_errors(instance))
    except Exception:  # unresolvable $ref, bad regex: nothing to repair; the check reports it
        return []


def _apply(args: dict[str, Any], fixes: Mapping[tuple[Any, ...], tuple[RepairKind, Any]]) -> dict[str, Any]:
    for path, (_, new) in fixes.items():
        args = replaced(args, path, new)
    return args


def _at(root: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        root = root[part]
    return root


# --- scalar replacements -----------------------------------------------------------------------

_NONE = object()  # "no replacement": None is a JSON value


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
    """``root`` with the value at ``path`` (non-empty) replaced; containers along the path are
    copied, so the caller's nested objects are never changed."""
    head, rest = path[0], path[1:]
    new = dict(root)
    new[head] = value if not rest else _replaced_in(root[head], rest, value)
    return new


def _replaced_in(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    head, rest = path[0], path[1:]
    copy: Any = list(node) if isinstance(node, list) else dict(node)
    copy[head] = value if not rest else _replaced_in(node[head], rest, value)
    return copy
