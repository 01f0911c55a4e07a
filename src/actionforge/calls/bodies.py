"""Request bodies: one JSON value plus the operation's Media Type Object → bytes and Content-Type.

Supported media types, chosen by :attr:`RequestBody.media_type`:

- ``application/json`` and every ``+json`` type: compact JSON (``separators=(",", ":")``,
  UTF-8, non-ASCII kept as is): the smallest exact encoding, as in the OpenAPI spec's examples.
- ``application/x-www-form-urlencoded``: per property, with the Encoding Object's rules.
- ``multipart/form-data``: encoded by httpx (its multipart writer), parts built from the
  Encoding Object's rules; binary properties arrive base64-encoded and are sent as bytes.
- ``text/*``: the string as UTF-8; binary types (``application/octet-stream``, image, audio,
  video, PDF, archives: ``spec.media``): the base64 argument decoded to bytes; any other type
  accepts a ready-made string.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import httpx

from actionforge.calls.serialize import (
    RequestBuildError,
    form_fields,
    query_pairs,
    scalar_text,
)
from actionforge.openapi.media import essence, is_binary_media_type, is_json_media_type
from actionforge.openapi.model import Encoding, RequestBody
from actionforge.openapi.pointers import find_local_ref

FORM_URLENCODED = "application/x-www-form-urlencoded"
MULTIPART_FORM = "multipart/form-data"
_DATA_URL = re.compile(r"^data:[^,]*;base64,", re.IGNORECASE)
_DATA_URL_TYPE = re.compile(r"^data:([^;,]+)[^,]*;base64,", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EncodedBody:
    """Bytes ready to send and the Content-Type that describes them."""

    content: bytes
    content_type: str


def json_bytes(value: Any) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    except ValueError as exc:  # NaN or infinity: no JSON text exists for them
        raise RequestBuildError(f"not JSON-serializable: {exc}") from None


def decode_base64(text: Any, where: str) -> bytes:
    """Binary arguments arrive as base64 text (standard or URL-safe alphabet, padding optional,
    line breaks allowed, a ``data:...;base64,`` prefix tolerated)."""
    if isinstance(text, bytes):
        return text
    if not isinstance(text, str):
        raise RequestBuildError("binary content must be given as a base64 string", where)
    cleaned = re.sub(r"\s+", "", _DATA_URL.sub("", text)).replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise RequestBuildError("is not valid base64", where) from None


# --- schema lookups -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchemaView:
    """A schema and the document its local ``#/...`` references resolve against."""

    schema: Any
    root: Any

    def resolved(self) -> Mapping[str, Any]:
        node, hops = self.schema, 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and hops < 32:
            node, hops = find_local_ref(self.root, node["$ref"], {}), hops + 1
        return node if isinstance(node, Mapping) else {}

    def property(self, name: str) -> SchemaView:
        """The schema of one property, looking through ``allOf`` as well."""
        schema = self.resolved()
        props = schema.get("properties")
        if isinstance(props, Mapping) and name in props:
            return SchemaView(props[name], self.root)
        for member in schema.get("allOf") or ():
            found = SchemaView(member, self.root).property(name)
            if found.schema:
                return found
        return SchemaView({}, self.root)

    def items(self) -> SchemaView:
        return SchemaView(self.resolved().get("items") or {}, self.root)


def is_binary_schema(views: Sequence[SchemaView]) -> bool:
    """``format: binary`` in any of the views. The tool layer keeps that format on file arguments
    and tells the model to write base64 (spec/schemas.py), so the wire carries the decoded bytes."""
    return any(view.resolved().get("format") == "binary" for view in views)


# --- entry point --------------------------------------------------------------------------------


def encode_body(body: RequestBody, value: Any, views: Sequence[SchemaView] = ()) -> EncodedBody:
    """Encode ``value`` as ``body.media_type``. ``views`` are the body's schemas used to find
    binary properties (the document's schema and the tool's self-contained one)."""
    views = (SchemaView(body.schema, body.schema), *views)
    kind = essence(body.media_type)
    if is_json_media_type(kind):
        return EncodedBody(json_bytes(value), body.media_type)
    if kind == FORM_URLENCODED:
        return EncodedBody(_urlencoded(value, body.encoding).encode("ascii"), body.media_type)
    if kind == MULTIPART_FORM:
        return _multipart(value, body.encoding, views)
    if "*" in kind and is_binary_media_type(kind):
        return _wildcard_file(value, kind)
    if "*" in kind:
        # A wildcard cannot be a Content-Type; send what the value is.
        if isinstance(value, str):
            return EncodedBody(value.encode(), "text/plain")
        return EncodedBody(json_bytes(value), "application/json")
    if kind.startswith("text/"):
        text = value if isinstance(value, str) else scalar_text(value)
        return EncodedBody(text.encode(), body.media_type)
    if is_binary_media_type(kind) or is_binary_schema(views):
        return EncodedBody(decode_base64(value, "body"), body.media_type)
    if isinstance(value, str):
        return EncodedBody(value.encode(), body.media_type)
    raise RequestBuildError(f"cannot encode a {type(value).__name__} as {body.media_type}; pass a string")


def _wildcard_file(value: Any, family: str) -> EncodedBody:
    """A file for ``image/*`` and the like: the Content-Type must be concrete, and only the
    sender knows it, so the value must be a data URL naming a type of that family."""
    top = family.split("/", 1)[0]
    named = _DATA_URL_TYPE.match(value) if isinstance(value, str) else None
    media_type = named.group(1).strip().lower() if named else ""
    if media_type.split("/", 1)[0] != top or "*" in media_type:
        raise RequestBuildError(
            f"the operation accepts {family}, so give the file as a data URL naming its type: "
            f"data:{top}/<subtype>;base64,<content>",
            "body",
        )
    return EncodedBody(decode_base64(value, "body"), media_type)


def _as_object(value: Any, media_type: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RequestBuildError(f"a {media_type} body must be an object, got {type(value).__name__}")
    return value


def _is_style_based(encoding: Encoding | None) -> bool:
    """OpenAPI 3.1.2 / 3.0.4: any explicit style, explode or allowReserved means RFC 6570 style
    serialization; otherwise the property is encoded by its content type."""
    return encoding is not None and (
        encoding.style is not None or encoding.explode is not None or encoding.allow_reserved
    )


def _style_of(encoding: Encoding) -> tuple[str, bool]:
    style = encoding.style or "form"
    explode = encoding.explode if encoding.explode is not None else style == "form"
    return style, explode


# --- application/x-www-form-urlencoded ---------------------------------------------------------


def _form_text(text: str) -> str:
    """RFC 1866 encoding of content-based values: space as ``+``, and ``~`` encoded too, as
    OpenAPI 3.1.2 recommends for form-urlencoded (RFC 1738's rules)."""
    return quote_plus(text, safe="").replace("~", "%7E")


def _urlencoded(value: Any, encodings: Mapping[str, Encoding]) -> str:
    items: list[str] = []
    for name, member in _as_object(value, FORM_URLENCODED).items():
        if member is None:
            continue
        encoding = encodings.get(name)
        if encoding is not None and _is_style_based(encoding):
            style, explode = _style_of(encoding)
            items.extend(
                query_pairs(
                    name, member, style=style, explode=explode, allow_reserved=encoding.allow_reserved
                )
            )
            continue
        content_type = encoding.content_type if encoding else None
        members = member if isinstance(member, list) else [member]
        for item in members:
            if item is None:
                continue
            items.append(f"{_form_text(name)}={_form_text(_content_text(item, content_type))}")
    return "&".join(items)


def _content_text(value: Any, content_type: str | None) -> str:
    """A value encoded by its (explicit or default) content type: JSON for objects, arrays and
    JSON media types, plain text otherwise."""
    if isinstance(value, (Mapping, list)) or (content_type and is_json_media_type(_first(content_type))):
        return json_bytes(value).decode()
    return scalar_text(value)


def _first(content_type: str) -> str:
    """The first entry of an Encoding Object's comma-separated ``contentType`` list."""
    return content_type.split(",", 1)[0].strip()


# --- multipart/form-data ------------------------------------------------------------------------

# (part name, (filename, content, Content-Type)); no filename and no type make a plain text field.
_Part = tuple[str, tuple[str | None, bytes, str | None]]


def _multipart(value: Any, encodings: Mapping[str, Encoding], views: Sequence[SchemaView]) -> EncodedBody:
    parts: list[_Part] = []
    for name, member in _as_object(value, MULTIPART_FORM).items():
        if member is None:
            continue
        encoding = encodings.get(name)
        if encoding is not None and _is_style_based(encoding):
            style, explode = _style_of(encoding)
            for field_name, text in form_fields(name, member, style=style, explode=explode):
                parts.append((field_name, (None, text.encode(), None)))
            continue
        prop_views = [view.property(name) for view in views]
        members, member_views = (
            (member, [v.items() for v in prop_views]) if isinstance(member, list) else ([member], prop_views)
        )
        for item in members:
            if item is not None:
                content_type = encoding.content_type if encoding else None
                parts.append(_content_part(name, item, content_type, member_views))
    if not parts:
        # httpx writes no multipart body without parts; browsers send just the close line.
        boundary = os.urandom(16).hex()
        return EncodedBody(f"--{boundary}--\r\n".encode(), f"{MULTIPART_FORM}; boundary={boundary}")
    # httpx's multipart writer, used through its public API: boundary, quoting, part headers.
    # Every part goes through ``files=`` (even plain text fields, which then carry neither
    # filename nor Content-Type) so the order is kept and httpx never falls back to urlencoding.
    built = httpx.Request("POST", "http://multipart.invalid/", files=parts)
    return EncodedBody(built.read(), built.headers["Content-Type"])


def _content_part(name: str, value: Any, content_type: str | None, views: Sequence[SchemaView]) -> _Part:
    """One multipart part: binary (with a filename), JSON, or text (a plain field unless the
    Encoding Object names another text type)."""
    declared = _first(content_type) if content_type else None
    concrete = declared if declared and "*" not in declared else None
    if is_binary_schema(views) or (declared and is_binary_media_type(declared)):
        return (name, (name, decode_base64(value, name), concrete or "application/octet-stream"))
    if isinstance(value, (Mapping, list)) or (declared and is_json_media_type(declared)):
        return (name, (None, json_bytes(value), concrete or "application/json"))
    plain = concrete is None or essence(concrete) == "text/plain"
    return (name, (None, scalar_text(value).encode(), None if plain else concrete))
