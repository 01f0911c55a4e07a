"""Telling text from paths and URLs, and reading them within the size limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from actionforge.errors import FetchError, RequestBlocked
from actionforge.openapi.source import (
    URL,
    DocumentError,
    Source,
    SourceKind,
    classify,
    display_name,
    file_uri,
    is_file_uri,
    is_remote,
    join_uri,
    read_bytes,
)
from actionforge.settings import Settings


def test_pathlike_is_a_file_even_when_missing(tmp_path: Path) -> None:
    source = classify(tmp_path / "missing.yaml")
    assert source.kind is SourceKind.FILE
    assert source.uri == (tmp_path / "missing.yaml").resolve().as_uri()


def test_str_naming_an_existing_file_is_still_text(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text("{}")
    assert classify(str(path)) == Source(SourceKind.TEXT, text=str(path))
    assert classify("/etc/passwd") == Source(SourceKind.TEXT, text="/etc/passwd")


@pytest.mark.parametrize(
    "text",
    [
        "openapi: 3.1.0",
        "/no/such/file.yaml",
        "https://api.example.com/openapi.json",
        '{"openapi": "3.1.0"}',
        "x" * 100_000,  # longer than any file name: not an OSError
        "",
        "   ",
        "a\0b",
    ],
)
def test_other_strings_are_text(text: str) -> None:
    source = classify(text)
    assert source.kind is SourceKind.TEXT
    assert source.text == text


@pytest.mark.parametrize("url", ["https://api.example.com/openapi.json", "http://127.0.0.1:8000/spec.yaml"])
def test_urls_are_named_as_urls(url: str) -> None:
    source = classify(URL(url))
    assert source.kind is SourceKind.URL
    assert source.uri == url


@pytest.mark.parametrize("text", ["ftp://example.com/a", "/relative/path", "https:///no-host", ""])
def test_a_url_must_be_absolute_http(text: str) -> None:
    with pytest.raises(ValueError, match="is not an absolute http"):
        URL(text)


@pytest.mark.parametrize("source", [b"openapi: 3.1.0", 42, None, ["openapi"]])
def test_other_types_are_refused_by_name(source: object) -> None:
    with pytest.raises(TypeError, match=f"not {type(source).__name__}$"):
        classify(source)  # type: ignore[arg-type]


def test_uri_helpers(tmp_path: Path) -> None:
    base = file_uri(tmp_path / "spec" / "swagger.yaml")
    assert join_uri(base, "../common/Error.yaml#/x") == (tmp_path / "common" / "Error.yaml").as_uri()
    assert join_uri("https://h/a/b.json", "c.json") == "https://h/a/c.json"
    assert is_remote("HTTPS://h/x")
    assert not is_remote(base)
    assert is_file_uri(base)
    assert not is_file_uri("https://h/")
    assert display_name(base) == (tmp_path / "spec" / "swagger.yaml").as_posix()
    assert display_name("https://h/x") == "https://h/x"


def test_reads_a_file(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"a: 1\n")
    assert read_bytes(file_uri(path), settings=settings, fetch=None) == b"a: 1\n"


@pytest.mark.parametrize("name", ["a%41.yaml", "100%.yaml", "with space é.yaml"])
def test_a_file_name_with_percent_signs_is_read_as_named(
    tmp_path: Path, settings: Settings, name: str
) -> None:
    """A file URI is unquoted once: ``a%41.yaml`` is that file, not ``aA.yaml``."""
    (tmp_path / "aA.yaml").write_bytes(b"wrong: 1\n")
    path = tmp_path / name
    path.write_bytes(b"a: 1\n")
    assert read_bytes(file_uri(path), settings=settings, fetch=None) == b"a: 1\n"
    assert display_name(file_uri(path)) == path.as_posix()


def test_file_over_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 2_000)
    with pytest.raises(DocumentError) as caught:
        read_bytes(file_uri(path), settings=Settings(max_document_bytes=1_000), fetch=None)
    assert caught.value.issues[0].message == (
        f"{path.as_posix()} is too large: 2,000 bytes (the limit is 1,000 bytes)"
    )


def test_missing_file_and_directory(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(DocumentError, match=r"File not found: .*nope\.yaml"):
        read_bytes(file_uri(tmp_path / "nope.yaml"), settings=settings, fetch=None)
    with pytest.raises(DocumentError, match="Not a file"):
        read_bytes(file_uri(tmp_path), settings=settings, fetch=None)


def test_url_without_a_fetcher_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(DocumentError) as caught:
        read_bytes("https://example.com/spec.json", settings=settings, fetch=None)
    assert "needs a fetcher" in caught.value.issues[0].message
    assert caught.value.issues[0].pointer == ""


def test_fetch_errors_become_document_errors(settings: Settings) -> None:
    def failing(url: str) -> str:
        raise FetchError("HTTP 404")

    def blocked(url: str) -> str:
        raise RequestBlocked(url, "private address")

    with pytest.raises(DocumentError, match=r"Could not fetch https://h/x: HTTP 404"):
        read_bytes("https://h/x", settings=settings, fetch=failing)
    with pytest.raises(DocumentError, match="private address"):
        read_bytes("https://h/x", settings=settings, fetch=blocked)


def test_fetched_text_is_measured_in_utf8_bytes() -> None:
    settings = Settings(max_document_bytes=100)
    assert read_bytes("https://h/x", settings=settings, fetch=lambda url: "é" * 50) == "é".encode() * 50
    with pytest.raises(DocumentError, match=r"https://h/x is too large: 102 bytes"):
        read_bytes("https://h/x", settings=settings, fetch=lambda url: "é" * 51)


def test_other_schemes_are_not_read(settings: Settings) -> None:
    with pytest.raises(DocumentError, match="only files and http"):
        read_bytes("ftp://h/x", settings=settings, fetch=lambda url: "")
