"""Media types as the engine classifies them, shared by the tool builder and the request encoder.

Both must agree: an argument the tool describes as base64 file content must be decoded by the
encoder, and a body the operation extractor keeps must be one the encoder can send.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Whole-file types sent as raw bytes; the model passes them as base64 text.
_BINARY_TOP_TYPES = frozenset({"image", "audio", "video", "font", "model"})
_BINARY_APPLICATION_TYPES = frozenset(
    {
        "application/octet-stream",
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-tar",
        "application/x-7z-compressed",
    }
)


# String schemas whose wire form is base64 TEXT (OpenAPI 3.0 ``format: byte``, the common
# ``format: base64``, 3.1 ``contentEncoding``): sent as written, never decoded.
_BASE64_TEXT_FORMATS = frozenset({"byte", "base64"})
_BASE64_ENCODINGS = frozenset({"base64", "base64url"})


def essence(media_type: str) -> str:
    """``"Application/JSON; charset=utf-8"`` -> ``"application/json"``."""
    return media_type.split(";", 1)[0].strip().lower()


def is_json_media_type(media_type: str) -> bool:
    kind = essence(media_type)
    return kind == "application/json" or kind.endswith("+json") or kind == "text/json"


def is_binary_media_type(media_type: str) -> bool:
    kind = essence(media_type)
    return kind in _BINARY_APPLICATION_TYPES or kind.split("/", 1)[0] in _BINARY_TOP_TYPES


def is_base64_text(schema: Mapping[str, Any]) -> bool:
    """Whether a (resolved) schema says base64 text travels on the wire. Only ``format: binary``
    (and whole-file media types without such a schema) mean raw bytes."""
    form = schema.get("format")
    if form == "binary":
        return False
    encoding = schema.get("contentEncoding")
    encoded = isinstance(encoding, str) and encoding.lower() in _BASE64_ENCODINGS
    return form in _BASE64_TEXT_FORMATS or encoded
