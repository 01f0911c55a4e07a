"""Request bodies: one JSON value plus the operation's Media Type Object → bytes and Content-Type.

Supported media types, chosen by :attr:`RequestBody.media_type`:

- ``application/json`` and every ``+json`` type: compact JSON (``separators=(",", ":")``,
  UTF-8, non-ASCII kept as is): the smallest exact encoding, as in the OpenAPI spec's examples.
- ``application/x-www-form-urlencoded``: per property, with the Encoding Object's rules
  (a string is a form already written).
- ``multipart/form-data``: encoded by httpx (its multipart writer), parts built from the
  Encoding Object's rules; binary properties arrive base64-encoded and are sent as bytes,
  base64 text properties (``format: byte``, ``contentEncoding``) as the text.
- XML (``*/xml``, ``+xml``): a string as is, an object or array written by ``xmlbody``.
- ``text/*``: the string as UTF-8; binary types (``application/octet-stream``, image, audio,
  video, PDF, archives: ``openapi.media``): the base64 argument decoded to bytes, unless the
  schema says base64 text; any other type takes a ready-made string, or JSON text.

Any value the tool's schema allows is encoded (``tests/calls/test_schema_valid_builds.py``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import httpx

from actionforge.calls.serialize import (
    RequestBuildError,
    form_fields,
    is_undefined,
    query_pairs,
    scalar_text,
)
from actionforge.calls.views import SchemaView
from actionforge.calls.xmlbody import xml_bytes
from actionforge.openapi.media import essence, is_base64_text, is_binary_media_type, is_json_media_type
from actionforge.openapi.model import Encoding, RequestBody

__all__ = ["EncodedBody", "SchemaView", "decode_base64", "encode_body", "json_bytes"]

FORM_URLENCODED = "application/x-www-form-urlencoded"
MULTIPART_FORM = "multipart/form-data"
_DATA_URL = re.compile(r"^data:[^,]*;base64,", re.IGNORECASE)
# RFC 2046 5.1.1: a boundary is 1-70 characters of this set, not ending in a space.
_WRITTEN_MULTIPART = re.compile(r"^--([0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?])\r?\n")
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


def is_binary_schema(views: Sequence[SchemaView]) -> bool:
    """``format: binary`` in any of the views. The tool layer marks every file argument so
    (``format: binary``, ``contentEncoding: base64``) and tells the model to write base64
    (tools/build.py), so the wire carries the decoded bytes."""
    return any(view.with_siblings().get("format") == "binary" for view in views)


def is_text_base64(views: Sequence[SchemaView]) -> bool:
    """The schema says base64 TEXT goes on the wire (``format: byte``/``base64``, 3.1
    ``contentEncoding``), and no view says ``format: binary``: the text is sent as written."""
    return not is_binary_schema(views) and any(is_base64_text(view.with_siblings()) for view in views)


def _sends_bytes(views: Sequence[SchemaView], media_type: str | None) -> bool:
    """Whether a value is a file whose decoded bytes go on the wire: a binary schema, or a
    whole-file media type unless the schema says base64 text."""
    if is_binary_schema(views):
        return True
    return media_type is not None and is_binary_media_type(media_type) and not is_text_base64(views)


# --- entry point --------------------------------------------------------------------------------

_Encoder = Callable[[RequestBody, Any, Sequence[SchemaView]], EncodedBody]


def encode_body(body: RequestBody, value: Any, views: Sequence[SchemaView] = ()) -> EncodedBody:
    """Encode ``value`` as ``body.media_type``. ``views`` are the body's schemas used to find
    binary properties (the document's schema and the tool's self-contained one)."""
    views = (SchemaView(body.schema, body.schema), *views)
    kind = essence(body.media_type)
    for applies, encoder in _ENCODERS:
        if applies(kind, views):
            return encoder(body, value, views)
    return _ready_made(body, value, views)


def _json(body: RequestBody, value: Any, views: Sequence[SchemaView]) -> EncodedBody:
    return EncodedBody(json_bytes(value), body.media_type)


def _wildcard(body: RequestBody, value: Any, views: Sequence[SchemaView]) -> EncodedBody:
    """A wildcard cannot be a Content-Type; send what the value is."""
    if isinstance(value, str):
        return EncodedBody(value.encode(), "text/plain")
    return EncodedBody(json_bytes(value), "application/json")


def _file(body: RequestBody, value: Any, views: Sequence[SchemaView]) -> EncodedBody:
    """A file arrives as base64 text. A value that is not text was allowed by a schema that is
    not a file's (``type: array`` ...): its JSON text is the only faithful form."""
    if isinstance(value, (str, bytes)):
        return EncodedBody(decode_base64(value, "body"), body.media_type)
    return EncodedBody(json_bytes(value), body.media_type)


def _text(body: RequestBody, value: Any, views: Sequence[SchemaView]) -> EncodedBody:
    text = value if isinstance(value, str) else scalar_text(value)
    return EncodedBody(text.encode(), body.media_type)


def _ready_made(body: RequestBody, value: Any, views: Sequence[SchemaView]) -> EncodedBody:
    """Any other type (base64 text, vendor types) takes a ready-made string as it is; another
    value the schema allowed goes as its JSON text."""
    if isinstance(value, str):
        return EncodedBody(value.encode(), body.media_type)
    return EncodedBody(json_bytes(value), body.media_type)


def _xml(body: RequestBody, value: Any, views: Sequence[SchemaView]) -> EncodedBody:
    """XML text as written, or an object or array written as XML by the schema's XML Objects."""
    if isinstance(value, (Mapping, list)):
        # The document's own schema, where the XML Objects are (also behind `$ref`s).
        view = SchemaView(body.schema, body.document or body.schema)
        return EncodedBody(xml_bytes(value, view), body.media_type)
    return _text(body, value, views)


def _wildcard_file(body: RequestBody, value: Any, views: Sequence[SchemaView]) -> EncodedBody:
    """A file for ``image/*`` and the like: the Content-Type must be concrete, and only the
    sender knows it, so the value must be a data URL naming a type of that family."""
    family = essence(body.media_type)
    top = family.split("/", 1)[0]
    named = _DATA_URL_TYPE.match(value) if isinstance(value, str) else None
    media_type = named.group(1).strip().lower() if named else ""
    if top == "*":  # any file: the type the data URL names, else plain bytes
        concrete = media_type if media_type and "*" not in media_type else "application/octet-stream"
        return EncodedBody(decode_base64(value, "body"), concrete)
    if media_type.split("/", 1)[0] != top or "*" in media_type:
        raise RequestBuildError(
            f"the operation accepts {family}, so give the file as a data URL naming its type: "
            f"data:{top}/<subtype>;base64,<content>",
            "body",
        )
    return EncodedBody(decode_base64(value, "body"), media_type)


def _is_wildcard_file(kind: str, views: Sequence[SchemaView]) -> bool:
    return "*" in kind and _sends_bytes(views, kind)


def _form(body: RequestBody, value: Any, views: Sequence[SchemaView]) -> EncodedBody:
    return EncodedBody(_urlencoded(value, body.encoding).encode(), body.media_type)


def _multipart_body(body: RequestBody, value: Any, views: Sequence[SchemaView]) -> EncodedBody:
    """An object is the form's fields. Another value the schema allowed is a body already
    written (a string that opens with its boundary line), else one field named ``body``."""
    if isinstance(value, Mapping):
        return _multipart(value, body.encoding, views)
    written = _WRITTEN_MULTIPART.match(value) if isinstance(value, str) else None
    if written:
        return EncodedBody(value.encode(), f"{MULTIPART_FORM}; boundary={written.group(1)}")
    return _multipart({"body": value}, {}, ())


def _as_object(value: Any, media_type: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RequestBuildError(f"the {media_type} body must be an object, got {type(value).__name__}")
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
    """The form's ``name=value`` items. A string is a form already written (the schema allowed
    it), sent as is. Absent, null and RFC 6570-undefined members (``{}``, ``[]``) are left out
    at every depth: ``metadata=`` would mean "clear it" to some APIs, ``{}`` does not."""
    if isinstance(value, str):
        return value
    items: list[str] = []
    for name, member in _as_object(value, FORM_URLENCODED).items():
        if not is_undefined(member):
            items.extend(_form_items(name, member, encodings.get(name)))
    return "&".join(items)


def _form_items(name: str, member: Any, encoding: Encoding | None) -> list[str]:
    if encoding is not None and _is_style_based(encoding):
        style, explode = _style_of(encoding)
        return query_pairs(name, member, style=style, explode=explode, allow_reserved=encoding.allow_reserved)
    content_type = encoding.content_type if encoding else None
    members = member if isinstance(member, list) else [member]
    return [
        f"{_form_text(name)}={_form_text(_content_text(item, content_type))}"
        for item in members
        if item is not None
    ]


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

# (part name, (filename, content, Content-Type, part headers)); no filename and no type make a
# plain text field.
_Part = tuple[str, tuple[str | None, bytes, str | None, dict[str, str]]]


def _part(
    name: str, filename: str | None, content: bytes, content_type: str | None, base64: bool = False
) -> _Part:
    """A fresh headers dict each time: httpx writes the Content-Type into it. OpenAPI 3.0.4 /
    3.1.2: ``format: byte`` / ``contentEncoding`` on a multipart field "is equivalent to" an
    Encoding Object requiring ``Content-Transfer-Encoding: base64``."""
    headers = {"Content-Transfer-Encoding": "base64"} if base64 else {}
    return (name, (filename, content, content_type, headers))


def _multipart(value: Any, encodings: Mapping[str, Encoding], views: Sequence[SchemaView]) -> EncodedBody:
    parts: list[_Part] = []
    for name, member in _as_object(value, MULTIPART_FORM).items():
        if member is not None:
            parts.extend(_multipart_parts(name, member, encodings.get(name), views))
    if not parts:
        # httpx writes no multipart body without parts; browsers send just the close line.
        boundary = os.urandom(16).hex()
        return EncodedBody(f"--{boundary}--\r\n".encode(), f"{MULTIPART_FORM}; boundary={boundary}")
    # httpx's multipart writer, used through its public API: boundary, quoting, part headers.
    # Every part goes through ``files=`` (even plain text fields, which then carry neither
    # filename nor Content-Type) so the order is kept and httpx never falls back to urlencoding.
    built = httpx.Request("POST", "http://multipart.invalid/", files=parts)
    return EncodedBody(built.read(), built.headers["Content-Type"])


def _multipart_parts(
    name: str, member: Any, encoding: Encoding | None, views: Sequence[SchemaView]
) -> list[_Part]:
    """The parts of one property: style-based fields, or one part per (array) member."""
    if encoding is not None and _is_style_based(encoding):
        style, explode = _style_of(encoding)
        fields = form_fields(name, member, style=style, explode=explode)
        return [_part(field, None, text.encode(), None) for field, text in fields]
    prop_views = [view.property(name) for view in views]
    if isinstance(member, list):
        members, prop_views = member, [v.items() for v in prop_views]
    else:
        members = [member]
    content_type = encoding.content_type if encoding else None
    return [_content_part(name, item, content_type, prop_views) for item in members if item is not None]


@dataclass(frozen=True, slots=True)
class _PartSpec:
    """What decides a content-based part's form: its name, value, declared type and schemas."""

    name: str
    value: Any
    declared: str | None  # the first of the Encoding Object's contentType list
    views: Sequence[SchemaView]

    @property
    def concrete(self) -> str | None:
        return self.declared if self.declared and "*" not in self.declared else None


def _content_part(name: str, value: Any, content_type: str | None, views: Sequence[SchemaView]) -> _Part:
    """One multipart part: a file (with a filename; raw bytes, or base64 text as the schema
    says), JSON, or text (a plain field unless the Encoding Object names another text type)."""
    spec = _PartSpec(name, value, _first(content_type) if content_type else None, views)
    for applies, make in _PART_KINDS:
        if applies(spec):
            return make(spec)
    return _text_part(spec)


def _file_part(spec: _PartSpec) -> _Part:
    content = decode_base64(spec.value, spec.name)
    return _part(spec.name, spec.name, content, spec.concrete or "application/octet-stream")


def _base64_part(spec: _PartSpec) -> _Part:
    # The default Content-Type for base64 content is application/octet-stream (3.0.4 4.8.14.4).
    content = spec.value.encode()
    return _part(spec.name, spec.name, content, spec.concrete or "application/octet-stream", base64=True)


def _json_part(spec: _PartSpec) -> _Part:
    return _part(spec.name, None, json_bytes(spec.value), spec.concrete or "application/json")


def _text_part(spec: _PartSpec) -> _Part:
    concrete = spec.concrete
    plain = concrete is None or essence(concrete) == "text/plain"
    return _part(spec.name, None, scalar_text(spec.value).encode(), None if plain else concrete)


_PART_KINDS: tuple[tuple[Callable[[_PartSpec], bool], Callable[[_PartSpec], _Part]], ...] = (
    (lambda spec: _sends_bytes(spec.views, spec.declared), _file_part),
    (lambda spec: isinstance(spec.value, str) and is_text_base64(spec.views), _base64_part),
    (
        lambda spec: (
            isinstance(spec.value, (Mapping, list))
            or (spec.declared is not None and is_json_media_type(spec.declared))
        ),
        _json_part,
    ),
)


# First match wins; anything else goes to ``_ready_made``.
_ENCODERS: tuple[tuple[Callable[[str, Sequence[SchemaView]], bool], _Encoder], ...] = (
    (lambda kind, views: is_json_media_type(kind), _json),
    (lambda kind, views: kind == FORM_URLENCODED, _form),
    (lambda kind, views: kind == MULTIPART_FORM, _multipart_body),
    (_is_wildcard_file, _wildcard_file),
    (lambda kind, views: "*" in kind, _wildcard),
    (lambda kind, views: _sends_bytes(views, kind), _file),
    (lambda kind, views: kind.endswith(("/xml", "+xml")), _xml),
    (lambda kind, views: kind.startswith("text/"), _text),
)
