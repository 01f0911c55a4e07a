"""Turns a source (text, path or URL) into one bundled OpenAPI 3.x document.

The steps, each in its own module: ``source`` (what the source is; read it within the size
limit), ``parse`` (bytes -> JSON data, refusing hostile YAML/JSON), the version check here,
``refs`` (bundle external `$ref`s; check every local one), ``swagger2`` (upgrade 2.0 -> 3.0.3).
Every failure is a DocumentError whose issues say what and where; nothing else escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from actionforge.openapi import refs
from actionforge.openapi.parse import decode, json_object_from_bytes, parse_object
from actionforge.openapi.report import Issue
from actionforge.openapi.source import (
    DocumentError,
    Fetcher,
    SourceInput,
    SourceKind,
    classify,
    display_name,
    document_error,
    read_bytes,
)
from actionforge.settings import Settings

__all__ = ["DocumentError", "Fetcher", "LoadedDocument", "detect_version", "load_document", "load_text"]

_OPENAPI_VERSION = re.compile(r"3\.([01])(\.\d+)?([-+][0-9A-Za-z.+-]*)?")
_EXPECTED = "expected 3.0.x, 3.1.x or Swagger 2.0"


@dataclass
class LoadedDocument:
    data: dict[str, Any]  # OpenAPI 3.x, every $ref local ("#/...")
    base_uri: str | None = None
    source_version: str = "3.1"  # "2.0", "3.0" or "3.1": what the author wrote
    warnings: list[Issue] = field(default_factory=list)  # their pointers are into the text as written
    swagger2: dict[str, Any] | None = field(default=None, repr=False, compare=False)  # as written

    def source_pointer(self, pointer: str) -> str:
        """Where a pointer into ``data`` is in the document as written: the same for 3.x, the 2.0
        place (or its nearest existing parent) for an upgraded Swagger 2.0 document."""
        if self.swagger2 is None:
            return pointer
        from actionforge.openapi import swagger2_pointers

        return swagger2_pointers.source_pointer(self.swagger2, self.data, pointer)


def load_document(source: SourceInput, *, settings: Settings, fetch: Fetcher | None = None) -> LoadedDocument:
    """Load text (JSON or YAML), a file (``Path``), or a ``URL`` (read through ``fetch`` only).

    A str is always the document's text, never taken for a path or a URL (``source.classify``).
    """
    located = classify(source)
    if located.kind is SourceKind.TEXT:
        return load_text(located.text or "", settings=settings, fetch=fetch)
    assert located.uri is not None
    raw = read_bytes(located.uri, settings=settings, fetch=fetch)
    data = json_object_from_bytes(raw)
    if data is None:
        name = display_name(located.uri) if located.kind is SourceKind.FILE else None
        data = parse_object(decode(raw, where=name), settings=settings)
    return _load(data, base_uri=located.uri, settings=settings, fetch=fetch)


def load_text(text: str, *, settings: Settings, fetch: Fetcher | None = None) -> LoadedDocument:
    """Load a document given as text; it has no location, so relative `$ref`s are errors."""
    return _load(parse_object(text, settings=settings), base_uri=None, settings=settings, fetch=fetch)


def _load(
    data: dict[str, Any], *, base_uri: str | None, settings: Settings, fetch: Fetcher | None
) -> LoadedDocument:
    version = detect_version(data)
    warnings = refs.bundle(data, root_uri=base_uri, version=version, settings=settings, fetch=fetch)
    if version != "2.0":
        return LoadedDocument(data=data, base_uri=base_uri, source_version=version, warnings=warnings)
    from actionforge.openapi import swagger2  # only 2.0 documents need it

    upgraded, upgrade_warnings = swagger2.upgrade(data)
    # Refs that lead nowhere were reported above, at their place in the document as written.
    refs.check_local_refs(upgraded, version="3.0", settings=settings)
    return LoadedDocument(
        data=upgraded,
        base_uri=base_uri,
        source_version=version,
        warnings=[*warnings, *upgrade_warnings],
        swagger2=data,
    )


def detect_version(data: dict[str, Any]) -> str:
    """ "2.0", "3.0" or "3.1" from the document's ``swagger``/``openapi`` field."""
    if "openapi" in data:
        value = data["openapi"]
        if isinstance(value, str) and (match := _OPENAPI_VERSION.fullmatch(value.strip())):
            return f"3.{match.group(1)}"
        raise document_error(f"Unsupported OpenAPI version {_show(value)}; {_EXPECTED}", "/openapi")
    if "swagger" in data:
        value = data["swagger"]
        if value == "2.0":
            return "2.0"
        raise document_error(f"Unsupported Swagger version {_show(value)}; {_EXPECTED}", "/swagger")
    raise document_error(f"The document has no 'openapi' field saying its version; {_EXPECTED}", "")


def _show(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'{value} (a number: write it as a string, "{value}")'
    return repr(value)
