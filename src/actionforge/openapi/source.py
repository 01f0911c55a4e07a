"""Where a document's text comes from: pasted text, a local file, or a URL fetched by the caller.

The kind is never guessed from a string: a ``str`` is always the document's text (a server that
passes pasted text must never read ``/etc/passwd``), a file is a ``PathLike``, a URL is a
:class:`URL`.

Every read is capped at ``settings.max_document_bytes`` *before* the bytes are held in memory, so
a huge file or response is refused without being read whole. URLs are only ever read through the
injected fetcher: the spec layer itself never opens a network connection (the egress guard lives
in a higher layer and is handed down as that fetcher).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from os import PathLike
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from actionforge.errors import ActionforgeError
from actionforge.openapi.report import Issue
from actionforge.settings import Settings

Fetcher = Callable[[str], str]
"""Fetches a URL's text; raises actionforge.errors.FetchError. Injected so `spec` stays pure."""

REMOTE_SCHEMES = ("http", "https")


@dataclass(frozen=True, slots=True)
class URL:
    """A document to fetch (through the egress guard), named as a URL so no text is taken for one."""

    url: str

    def __post_init__(self) -> None:
        if not isinstance(self.url, str):
            raise TypeError(f"URL() takes the URL as a str, got {type(self.url).__name__}")
        parts = urlsplit(self.url)
        if parts.scheme.lower() not in REMOTE_SCHEMES or not parts.netloc:
            raise ValueError(f"{self.url!r} is not an absolute http(s) URL")

    def __str__(self) -> str:
        return self.url


SourceInput = str | PathLike[str] | URL
"""What the loader reads: document text, a file, or a URL."""


class DocumentError(ActionforgeError):
    """The source could not be turned into a document; ``issues`` say what and where."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(str(i) for i in issues))
        self.issues = issues


def document_error(message: str, pointer: str = "") -> DocumentError:
    return DocumentError([Issue(message, pointer)])


class SourceKind(Enum):
    TEXT = "text"
    FILE = "file"
    URL = "url"


@dataclass(frozen=True, slots=True)
class Source:
    """A classified source: pasted ``text``, or a ``uri`` (file:// or http(s)://) to read."""

    kind: SourceKind
    text: str | None = None
    uri: str | None = None


def classify(source: SourceInput) -> Source:
    """The kind of a source, by its type alone: str is text, PathLike a file, URL a URL."""
    if isinstance(source, str):
        return Source(SourceKind.TEXT, text=source)
    if isinstance(source, URL):
        return Source(SourceKind.URL, uri=source.url)
    if isinstance(source, PathLike):
        return Source(SourceKind.FILE, uri=file_uri(Path(os.fspath(source))))
    raise TypeError(
        "a document source is its text (str), a file (pathlib.Path), a URL (actionforge.URL) "
        f"or a parsed document (Mapping), not {type(source).__name__}"
    )


def file_uri(path: Path) -> str:
    return path.resolve().as_uri()


def is_remote(uri: str) -> bool:
    return urlsplit(uri).scheme.lower() in REMOTE_SCHEMES


def is_file_uri(uri: str) -> bool:
    return urlsplit(uri).scheme.lower() == "file"


def join_uri(base: str, reference: str) -> str:
    """Resolve a (relative) reference against a base URI, without its #fragment."""
    return urljoin(base, reference).partition("#")[0]


def display_name(uri: str) -> str:
    """A short human name for a location: the file path, or the URL as is."""
    return file_path(uri).as_posix() if is_file_uri(uri) else uri


def file_path(uri: str) -> Path:
    """The path of a file:// URI, as ``urllib.request.url2pathname`` reads it. That function is
    ``unquote`` on POSIX, and urllib.request takes 6 ms to import (http.client, email ...)."""
    path = urlsplit(uri).path
    if os.name == "nt":  # pragma: no cover - drive letters and backslashes
        from nturl2path import url2pathname

        return Path(url2pathname(path))
    return Path(unquote(path))


def read_bytes(uri: str, *, settings: Settings, fetch: Fetcher | None) -> bytes:
    """The raw content at a file:// or http(s):// URI, refused if over the size limit."""
    if is_file_uri(uri):
        return _read_file(file_path(uri), settings.max_document_bytes)
    if is_remote(uri):
        return _fetch(uri, fetch, settings.max_document_bytes)
    raise document_error(f"Cannot read {uri!r}: only files and http(s) URLs can be loaded")


def _read_file(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise document_error(too_large_message(size, limit, path.as_posix()))
            data = handle.read(limit + 1)  # a file growing while read is still capped
    except FileNotFoundError:
        raise document_error(f"File not found: {path.as_posix()}") from None
    except IsADirectoryError:
        raise document_error(f"Not a file: {path.as_posix()}") from None
    except OSError as error:
        raise document_error(f"Could not read {path.as_posix()}: {error.strerror or error}") from None
    if len(data) > limit:
        raise document_error(too_large_message(len(data), limit, path.as_posix()))
    return data


def _fetch(url: str, fetch: Fetcher | None, limit: int) -> bytes:
    if fetch is None:
        raise document_error(
            f"Cannot load {url}: fetching URLs needs a fetcher (none was given to the loader)"
        )
    try:
        text = fetch(url)
    except (ActionforgeError, OSError, ValueError) as error:
        raise document_error(f"Could not fetch {url}: {error}") from None
    if len(text) > limit:  # every character is at least one byte: no need to encode
        raise document_error(too_large_message(len(text), limit, url))
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > limit:
        raise document_error(too_large_message(len(data), limit, url))
    return data


def too_large_message(size: int, limit: int, where: str | None = None) -> str:
    subject = f"{where} is" if where else "The document is"
    return f"{subject} too large: {size:,} bytes (the limit is {limit:,} bytes)"
