"""OpenAPI parameter serialization: one value, one style, exact wire text.

OpenAPI defines ``style``/``explode`` in terms of RFC 6570 operators (simple, label ``.``,
matrix ``;``, form ``?``) plus three styles RFC 6570 has no operator for (spaceDelimited,
pipeDelimited, deepObject). URI-template libraries expand templates, not OpenAPI styles, and none
does deepObject or the delimited styles, so the expansion rules (RFC 6570 section 3.2.1) are
written out here, small and table-driven. Percent-encoding itself is ``urllib.parse.quote``.

Every function takes a JSON value (what a model produced) and returns text that is already
percent-encoded for its place in the URL, so that no value can change the request's target:
reserved characters inside values are always encoded (``/`` becomes ``%2F``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from actionforge.errors import ActionforgeError

if TYPE_CHECKING:
    from actionforge.calls.repairs import Repair

Encoder = Callable[[str], str]

# RFC 3986 reserved characters that reserved expansion (`allowReserved`) may pass through in a
# query string: gen-delims and sub-delims minus those that would break the query's own structure
# (`#` ends it, `[`/`]` are not allowed there, `&`, `=` and `+` mean something in
# application/x-www-form-urlencoded; OpenAPI 3.1.2 Appendix C says to keep those encoded).
_RESERVED_PASSTHROUGH = ":/?@!$'()*,;"
_PCT_TRIPLE = re.compile(r"(%[0-9A-Fa-f]{2})")
# A path template literal may keep what RFC 3986 allows in a path (pchar and "/") and existing
# percent-encoded triples.
_PATH_LITERAL_SAFE = "/:@!$&'()*+,;="


class RequestBuildError(ActionforgeError):
    """The arguments cannot be turned into a request; ``where`` names the argument or parameter,
    ``repairs`` the model's mistakes repaired before it was found (``Action`` fills them in)."""

    def __init__(self, message: str, where: str | None = None, repairs: tuple[Repair, ...] = ()) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message
        self.where = where
        self.repairs = repairs

    def at(self, where: str | None) -> RequestBuildError:
        """The same error, located at ``where`` (e.g. the tool argument instead of the wire name)."""
        return RequestBuildError(self.message, where or self.where, self.repairs)


def encode_unreserved(text: str) -> str:
    """RFC 6570 simple expansion: everything outside RFC 3986 `unreserved` is percent-encoded."""
    if text.isascii() and text.isalnum():  # ids and numbers: nothing to encode
        return text
    return quote(text, safe="")


def encode_reserved(text: str) -> str:
    """RFC 6570 reserved expansion for a query: reserved characters and ``%XX`` triples pass."""
    return "".join(
        part if _PCT_TRIPLE.fullmatch(part) else quote(part, safe=_RESERVED_PASSTHROUGH)
        for part in _PCT_TRIPLE.split(text)
    )


def encode_path_literal(text: str) -> str:
    """A literal stretch of a path template, made URL-safe; existing ``%XX`` triples are kept."""
    return "".join(
        part if _PCT_TRIPLE.fullmatch(part) else quote(part, safe=_PATH_LITERAL_SAFE)
        for part in _PCT_TRIPLE.split(text)
    )


def identity(text: str) -> str:
    """For headers and multipart parts, where OpenAPI forbids percent-encoding."""
    return text


def scalar_text(value: Any) -> str:
    """The text of a JSON scalar on the wire: strings raw, everything else its JSON text.

    So booleans are ``true``/``false``, ``null`` is ``null`` and 1.0 stays ``1.0``: never a
    Python repr. Arrays or objects nested deeper than a style defines become compact JSON.
    """
    if isinstance(value, str):
        return value
    if type(value) is int:  # the common case, and str() is its JSON text (bool is excluded)
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise RequestBuildError(f"{value!r} is not a JSON number")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True, slots=True)
class _Shape:
    """A value sorted into the three kinds RFC 6570 distinguishes (or undefined)."""

    kind: str  # "undefined" | "primitive" | "array" | "object"
    primitive: str = ""
    items: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()


def _shape(value: Any) -> _Shape:
    """RFC 6570 section 2.3: null, an empty list and an empty (or all-null) map are undefined;
    null members of lists and maps are left out."""
    if value is None:
        return _Shape("undefined")
    if isinstance(value, Mapping):
        pairs = tuple((str(k), scalar_text(v)) for k, v in value.items() if v is not None)
        return _Shape("object", pairs=pairs) if pairs else _Shape("undefined")
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = tuple(scalar_text(v) for v in value if v is not None)
        return _Shape("array", items=items) if items else _Shape("undefined")
    return _Shape("primitive", primitive=scalar_text(value))


def is_undefined(value: Any) -> bool:
    """Whether RFC 6570 would expand this value to nothing (null, [], {} or all-null members)."""
    return _shape(value).kind == "undefined"


@dataclass(frozen=True, slots=True)
class _Operator:
    """One row of RFC 6570 Appendix A."""

    first: str
    sep: str
    named: bool
    ifemp: str


_OPERATORS: dict[str, _Operator] = {
    "simple": _Operator(first="", sep=",", named=False, ifemp=""),
    "label": _Operator(first=".", sep=".", named=False, ifemp=""),
    "matrix": _Operator(first=";", sep=";", named=True, ifemp=""),
    "form": _Operator(first="", sep="&", named=True, ifemp="="),  # the leading "?" is the caller's
}


def _named(op: _Operator, name: str, text: str) -> str:
    return name + (op.ifemp if text == "" else "=" + text)


def _expand(op: _Operator, name: str, value: Any, explode: bool, enc: Encoder, name_enc: Encoder) -> str:
    """RFC 6570 section 3.2.1 for one variable; an undefined value expands like the empty string,
    which is what OpenAPI's Style Examples table shows in its ``undefined`` column."""
    shape = _shape(value)
    ename = name_enc(name)
    if shape.kind in ("undefined", "primitive"):
        text = enc(shape.primitive)
        return op.first + (_named(op, ename, text) if op.named else text)
    if shape.kind == "array":
        texts = [enc(item) for item in shape.items]
        if explode:
            parts = [_named(op, ename, t) if op.named else t for t in texts]
            return op.first + op.sep.join(parts)
        joined = ",".join(texts)
        return op.first + (ename + "=" + joined if op.named else joined)
    # object
    if explode:
        parts = [
            _named(op, name_enc(k), enc(v)) if op.named else name_enc(k) + "=" + enc(v)
            for k, v in shape.pairs
        ]
        return op.first + op.sep.join(parts)
    joined = ",".join(name_enc(k) + "," + enc(v) for k, v in shape.pairs)
    return op.first + (ename + "=" + joined if op.named else joined)


# --- path ---------------------------------------------------------------------------------------

PATH_STYLES = ("simple", "label", "matrix")


def path_value(name: str, value: Any, *, style: str = "simple", explode: bool = False) -> str:
    """The text that replaces ``{name}`` in a path template, percent-encoded (``/`` is ``%2F``)."""
    if style == "simple" and (type(value) is str or type(value) is int):
        return encode_unreserved(str(value))  # the common case, without building a _Shape
    if style not in PATH_STYLES:
        raise RequestBuildError(f"style {style!r} is not defined for path parameters", name)
    return _expand(_OPERATORS[style], name, value, explode, encode_unreserved, encode_unreserved)


# --- query --------------------------------------------------------------------------------------

QUERY_STYLES = ("form", "spaceDelimited", "pipeDelimited", "deepObject")
_DELIMITERS = {"spaceDelimited": "%20", "pipeDelimited": "%7C"}


def query_pairs(
    name: str,
    value: Any,
    *,
    style: str = "form",
    explode: bool = True,
    allow_reserved: bool = False,
) -> list[str]:
    """The ``name=value`` items one query parameter contributes, each already percent-encoded.

    The caller joins all parameters' items with ``&``. Combinations the OpenAPI table marks n/a
    fall back to the nearest defined behaviour: an exploded or primitive delimited value is sent
    as ``form``; deepObject nests with brackets (see :func:`deep_object_pairs`).
    """
    if style not in QUERY_STYLES:
        raise RequestBuildError(f"style {style!r} is not defined for query parameters", name)
    enc = encode_reserved if allow_reserved else encode_unreserved
    if type(value) is int or (type(value) is str and value):
        # Every style sends a primitive as form's name=value; skip building a _Shape.
        return [f"{encode_unreserved(name)}={enc(str(value))}"]
    shape = _shape(value)
    if style == "deepObject" and shape.kind in ("array", "object"):
        return [f"{encode_unreserved(k)}={enc(v)}" for k, v in deep_object_pairs(name, value)]
    if style in _DELIMITERS and not explode and shape.kind in ("array", "object"):
        texts = (
            [enc(item) for item in shape.items]
            if shape.kind == "array"
            else [enc(part) for pair in shape.pairs for part in pair]
        )
        return [f"{encode_unreserved(name)}={_DELIMITERS[style].join(texts)}"]
    expanded = _expand(_OPERATORS["form"], name, value, explode, enc, encode_unreserved)
    return expanded.split("&") if shape.kind != "primitive" and explode else [expanded]


def deep_object_pairs(name: str, value: Any) -> list[tuple[str, str]]:
    """deepObject ``name[key]=value`` pairs, unencoded, nesting to any depth.

    OpenAPI defines deepObject only for flat objects; real APIs (Stripe above all) nest it:
    ``metadata[key]=v``, ``items[0][price]=p``, ``expand[]=x``. Arrays of scalars use ``[]``,
    arrays holding objects or arrays use ``[index]`` so members stay together. Null members
    are left out; a scalar at the top is sent as plain ``name=value``.
    """
    pairs: list[tuple[str, str]] = []

    def walk(key: str, node: Any) -> None:
        if node is None:
            return
        if isinstance(node, Mapping):
            for k, v in node.items():
                walk(f"{key}[{k}]", v)
        elif isinstance(node, Sequence) and not isinstance(node, str):
            scalars = all(not isinstance(v, (Mapping, list, tuple)) for v in node)
            for i, v in enumerate(node):
                walk(f"{key}[]" if scalars else f"{key}[{i}]", v)
        else:
            pairs.append((key, scalar_text(node)))

    walk(name, value)
    return pairs


# --- header and cookie --------------------------------------------------------------------------


def header_value(name: str, value: Any, *, explode: bool = False) -> str:
    """A header's value, style simple, not percent-encoded (OpenAPI 3.1.2 Appendix D).

    Values that would break the header framing (CR, LF, NUL) are refused rather than sent.
    """
    text = _expand(_OPERATORS["simple"], name, value, explode, identity, identity)
    check_header_text(name, text)
    return text


def check_header_text(name: str, text: str) -> None:
    if any(c in text for c in "\r\n\x00"):
        raise RequestBuildError("a header value cannot contain line breaks or NUL", name)


def cookie_pairs(name: str, value: Any, *, explode: bool = True) -> list[str]:
    """The ``name=value`` items a cookie parameter contributes; the caller joins them with ``; ``.

    Style form, percent-encoded; exploded arrays and objects become several cookies, because
    ``&`` is never a cookie delimiter (OpenAPI 3.1.2 Appendix D).
    """
    shape = _shape(value)
    expanded = _expand(_OPERATORS["form"], name, value, explode, encode_unreserved, encode_unreserved)
    return expanded.split("&") if shape.kind != "primitive" and explode else [expanded]


# --- form bodies --------------------------------------------------------------------------------


def form_fields(name: str, value: Any, *, style: str = "form", explode: bool = True) -> list[tuple[str, str]]:
    """Style-based ``(name, value)`` fields of a form body property, NOT percent-encoded.

    For multipart/form-data, where OpenAPI 3.1.2 Appendix C says the query-string names become
    part names and no percent-encoding is applied.
    """
    if style not in QUERY_STYLES:
        raise RequestBuildError(f"style {style!r} is not defined for form fields", name)
    shape = _shape(value)
    if style == "deepObject" and shape.kind in ("array", "object"):
        return deep_object_pairs(name, value)
    if shape.kind == "undefined":
        return []
    if shape.kind == "primitive":
        return [(name, shape.primitive)]
    if style in _DELIMITERS and not explode:
        delimiter = " " if style == "spaceDelimited" else "|"
        texts = list(shape.items) if shape.kind == "array" else [p for kv in shape.pairs for p in kv]
        return [(name, delimiter.join(texts))]
    if shape.kind == "array":
        return [(name, item) for item in shape.items] if explode else [(name, ",".join(shape.items))]
    if explode:
        return list(shape.pairs)
    return [(name, ",".join(p for kv in shape.pairs for p in kv))]
