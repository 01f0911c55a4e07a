"""The keywords a tool schema keeps: one handler per JSON Schema 2020-12 keyword, by kind.

A handler checks one keyword's value from the document and writes what 2020-12 allows into the
output schema: schema-valued keywords are converted (through the ``convert`` callback, so
``$ref``s and memoization stay with the converter), plain values are kept only when they are of
the right JSON type, so the output always passes the 2020-12 metaschema. A keyword without a
handler is dropped. ``finish`` then applies the rules that look at several keywords at once.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, TypeGuard

from actionforge.openapi.jsondata import copy_json
from actionforge.openapi.model import JSONSchema
from actionforge.openapi.report import escape_pointer_token

Converted = JSONSchema | bool
# The converter's own entry point: a schema found at a JSON pointer → its 2020-12 form.
Convert = Callable[[Any, str], Converted]
Handler = Callable[[Convert, str, Any, str, dict[str, Any]], None]

TYPES = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})
ANNOTATIONS = frozenset({"title", "description", "default", "deprecated", "examples", "example"})


@lru_cache(maxsize=4096)
def python_can_compile(pattern: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FutureWarnings about the author's regex are not ours
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError):
            return False
    return True


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- one handler per kind of keyword -------------------------------------------------------------


def _schema(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    if isinstance(value, bool | Mapping):
        out[key] = convert(value, f"{at}/{key}")


def _schema_list(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    if isinstance(value, list) and value and key not in out:  # draft-4 `items: [..]` came first
        out[key] = [convert(s, f"{at}/{key}/{i}") for i, s in enumerate(value)]


def _items(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    if isinstance(value, bool | Mapping):
        out["items"] = convert(value, f"{at}/items")
    elif isinstance(value, list) and value:  # draft-4 tuple form
        out["prefixItems"] = [convert(s, f"{at}/items/{i}") for i, s in enumerate(value)]


def _schema_map(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        out[key] = {
            str(k): convert(v, f"{at}/{key}/{escape_pointer_token(str(k))}")
            for k, v in value.items()
            if key != "patternProperties" or python_can_compile(str(k))
        }


def _type(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    """Known type names only, each once; Swagger 2.0's ``file`` is a binary string."""
    kinds = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    cleaned: list[str] = []
    for kind in kinds:
        if kind == "file":
            kind = "string"
            out["format"] = "binary"
        if isinstance(kind, str) and kind in TYPES and kind not in cleaned:
            cleaned.append(kind)
    if cleaned:
        out["type"] = cleaned[0] if len(cleaned) == 1 else cleaned


def _number(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    if _is_number(value) and (key != "multipleOf" or value > 0):
        out[key] = value


def _count(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    if _is_number(value) and value >= 0 and value == int(value):
        out[key] = int(value)


def _string(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    if isinstance(value, str):
        out[key] = value


def _boolean(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    if isinstance(value, bool):
        out[key] = value


def _pattern(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    """Only a pattern Python can compile; ``finish`` moves any other into the description."""
    if isinstance(value, str) and python_can_compile(value):
        out[key] = value


def _array(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    if isinstance(value, list):
        out[key] = copy_json(value)


def _value(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    out[key] = copy_json(value)


def _example(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    out.setdefault("examples", [copy_json(value)])  # a later `examples` list wins


def _dependent_required(convert: Convert, key: str, value: Any, at: str, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        out[key] = {
            str(k): list(dict.fromkeys(v))
            for k, v in value.items()
            if isinstance(v, list) and all(isinstance(s, str) for s in v)
        }


def _keywords(handler: Handler, *names: str) -> dict[str, Handler]:
    return dict.fromkeys(names, handler)


# What each kept 2020-12 keyword's value is, and so how it is kept; every other key is dropped.
# `properties` and `required` are not here: the converter handles them together (readOnly).
HANDLERS: dict[str, Handler] = {
    **_keywords(
        _schema,
        *("not", "if", "then", "else", "contains", "propertyNames", "additionalProperties"),
        *("unevaluatedItems", "unevaluatedProperties", "contentSchema"),
    ),
    **_keywords(_schema_list, "allOf", "anyOf", "oneOf", "prefixItems"),
    **_keywords(_schema_map, "patternProperties", "dependentSchemas"),
    **_keywords(_number, "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf"),
    **_keywords(
        _count,
        *("maxLength", "minLength", "maxItems", "minItems", "maxContains", "minContains"),
        *("maxProperties", "minProperties"),
    ),
    **_keywords(_string, "title", "description", "format", "contentEncoding", "contentMediaType"),
    **_keywords(_boolean, "uniqueItems", "deprecated"),
    **_keywords(_array, "enum", "examples"),
    **_keywords(_value, "const", "default"),
    "items": _items,
    "type": _type,
    "pattern": _pattern,
    "example": _example,
    "dependentRequired": _dependent_required,
}


# --- rules over several keywords, applied once all keywords are in -------------------------------


def _additional_items(convert: Convert, raw: Mapping[str, Any], at: str, out: dict[str, Any]) -> None:
    """Draft-4 ``additionalItems`` beside a tuple is 2020-12 ``items`` beside ``prefixItems``."""
    extra = raw.get("additionalItems")
    if "items" not in out and isinstance(extra, bool | Mapping):
        out["items"] = convert(extra, f"{at}/additionalItems")


def _exclusive_bounds(convert: Convert, raw: Mapping[str, Any], at: str, out: dict[str, Any]) -> None:
    """3.0's boolean ``exclusiveMinimum: true`` flags ``minimum``; 2020-12 takes the number."""
    for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if raw.get(key) is True and bound in out:
            out[key] = out.pop(bound)


def _pattern_note(convert: Convert, raw: Mapping[str, Any], at: str, out: dict[str, Any]) -> None:
    """A pattern Python cannot compile still tells the model what the API expects."""
    pattern = raw["pattern"]
    if isinstance(pattern, str) and "pattern" not in out:
        note = f"Must match the regular expression `{pattern}`."
        out["description"] = f"{out['description']} {note}" if out.get("description") else note


def _array_items(convert: Convert, raw: Mapping[str, Any], at: str, out: dict[str, Any]) -> None:
    """Arrays always carry ``items``: some providers reject an array without it."""
    kind = out.get("type")
    if (kind == "array" or (isinstance(kind, list) and "array" in kind)) and "items" not in out:
        out["items"] = {}


def _binary_encoding(convert: Convert, raw: Mapping[str, Any], at: str, out: dict[str, Any]) -> None:
    """A model writes text: a binary value in tool arguments is base64 (``calls`` decodes it)."""
    if out["format"] == "binary":
        out["contentEncoding"] = "base64"


def finish(convert: Convert, raw: Mapping[str, Any], at: str, out: dict[str, Any]) -> None:
    """The rules that need the whole schema, in this order (``additionalItems`` before the default
    ``items: {}``). Each runs only where its keyword is: this runs for every schema of a document
    and most have none of them (measured: calling all five every time cost 5% of conversion)."""
    if "prefixItems" in out:
        _additional_items(convert, raw, at, out)
    if "exclusiveMinimum" in raw or "exclusiveMaximum" in raw:
        _exclusive_bounds(convert, raw, at, out)
    if "pattern" in raw:
        _pattern_note(convert, raw, at, out)
    if "type" in out:
        _array_items(convert, raw, at, out)
    if "format" in out:
        _binary_encoding(convert, raw, at, out)


# --- 3.0 nullable ------------------------------------------------------------------------------


def _nullable_type(kind: str | list[Any]) -> str | list[Any]:
    if isinstance(kind, str):
        return kind if kind == "null" else [kind, "null"]
    return kind if "null" in kind else [*kind, "null"]


def make_nullable(out: dict[str, Any]) -> dict[str, Any]:
    """``out`` that also accepts null: ``"null"`` joins ``type`` (and ``None`` the ``enum``); a
    schema without ``type`` becomes ``anyOf: [schema, {type: null}]`` beside its annotations."""
    if "enum" in out and None not in out["enum"]:
        out["enum"].append(None)
    if "const" in out:
        out["enum"] = [out.pop("const"), None]
    kind = out.get("type")
    if isinstance(kind, str | list):
        out["type"] = _nullable_type(kind)
        return out
    core = {k: v for k, v in out.items() if k not in ANNOTATIONS}
    if not core:
        return out  # accepts anything, null included
    wrapped: dict[str, Any] = {k: v for k, v in out.items() if k in ANNOTATIONS}
    wrapped["anyOf"] = [core, {"type": "null"}]
    return wrapped
