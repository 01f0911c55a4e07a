"""Turns a source (text, path or URL) into one bundled OpenAPI 3.x document.

TEMPORARY STUB with the final signature: the loading helper replaces the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import yaml

from actionforge.settings import Settings
from actionforge.spec.report import Issue

Fetcher = Callable[[str], str]
"""Fetches a URL's text; raises actionforge.errors.FetchError. Injected so `spec` stays pure."""


class DocumentError(Exception):
    """The source could not be turned into a document; ``issues`` say what and where."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(str(i) for i in issues))
        self.issues = issues


@dataclass
class LoadedDocument:
    data: dict[str, Any]  # OpenAPI 3.x, every $ref local ("#/...")
    base_uri: str | None = None
    source_version: str = "3.1"  # "2.0", "3.0" or "3.1": what the author wrote
    warnings: list[Issue] = field(default_factory=list)


def load_document(
    source: str | PathLike[str], *, settings: Settings, fetch: Fetcher | None = None
) -> LoadedDocument:
    text = Path(source).read_text() if isinstance(source, PathLike) else source
    try:
        data = json.loads(text)
    except ValueError:
        data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise DocumentError([Issue("Could not parse valid OpenAPI spec", "")])
    version = str(data.get("openapi", data.get("swagger", "")))[:3]
    return LoadedDocument(data=data, source_version=version)
