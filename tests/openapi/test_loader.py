"""load_document end to end: every kind of source, versions, and refusals as DocumentError."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from actionforge.errors import FetchError
from actionforge.openapi.loader import DocumentError, LoadedDocument, load_document, load_text
from actionforge.openapi.source import URL
from actionforge.settings import Settings
from tests.servers.threaded import serve

PETSTORE_31 = {
    "openapi": "3.1.0",
    "info": {"title": "Pets", "version": "1"},
    "servers": [{"url": "https://pets.example.com"}],
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pets"}}},
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Pet": {"type": "object", "properties": {"id": {"type": "integer"}}},
            "Pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
        }
    },
}


def issues_of(source: Any, settings: Settings, **kwargs: Any) -> list[tuple[str, str]]:
    with pytest.raises(DocumentError) as caught:
        load_document(source, settings=settings, **kwargs)
    return [(issue.message, issue.pointer) for issue in caught.value.issues]


@pytest.fixture(scope="module")
def spec_server() -> Iterator[str]:
    texts = {"/openapi.json": json.dumps(PETSTORE_31), "/openapi.yaml": yaml.safe_dump(PETSTORE_31)}

    async def handler(request: Request) -> Response:
        text = texts.get(request.url.path)
        return PlainTextResponse(text) if text else PlainTextResponse("missing", status_code=404)

    with serve(Starlette(routes=[Route("/{path:path}", handler)])) as url:
        yield url


def http_fetch(url: str) -> str:
    try:
        response = httpx.get(url, timeout=5)
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise FetchError(str(error)) from None
    return response.text


# --------------------------------------------------------------------------- sources


@pytest.mark.parametrize("dump", [json.dumps, yaml.safe_dump], ids=["json", "yaml"])
def test_text(dump: Any, settings: Settings) -> None:
    loaded = load_document(dump(PETSTORE_31), settings=settings)
    assert loaded == LoadedDocument(data=PETSTORE_31, base_uri=None, source_version="3.1", warnings=[])


def test_file_by_path(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(PETSTORE_31))
    loaded = load_document(path, settings=settings)
    assert loaded.data == PETSTORE_31
    assert loaded.base_uri == path.resolve().as_uri()


@pytest.mark.parametrize("name", ["openapi.json", "openapi.yaml"])
def test_url_through_fetch(spec_server: str, settings: Settings, name: str) -> None:
    fetched: list[str] = []

    def fetch(url: str) -> str:
        fetched.append(url)
        return http_fetch(url)

    loaded = load_document(URL(f"{spec_server}/{name}"), settings=settings, fetch=fetch)
    assert loaded.data == PETSTORE_31
    assert loaded.base_uri == f"{spec_server}/{name}"
    assert fetched == [f"{spec_server}/{name}"]


def test_url_without_fetch_is_refused(settings: Settings) -> None:
    [(message, pointer)] = issues_of(URL("https://example.com/openapi.json"), settings)
    assert message == (
        "Cannot load https://example.com/openapi.json: "
        "fetching URLs needs a fetcher (none was given to the loader)"
    )
    assert pointer == ""


def test_url_fetch_failure(spec_server: str, settings: Settings) -> None:
    [(message, _)] = issues_of(URL(f"{spec_server}/nope.json"), settings, fetch=http_fetch)
    assert message.startswith(f"Could not fetch {spec_server}/nope.json: ")


def test_load_text_never_reads_a_file(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(PETSTORE_31))
    with pytest.raises(DocumentError, match="got a string"):
        load_text(str(path), settings=settings)
    with pytest.raises(DocumentError, match="got a string"):
        load_document(str(path), settings=settings)


# --------------------------------------------------------------------------- versions


@pytest.mark.parametrize(
    ("field", "value", "version"),
    [
        ("openapi", "3.0.0", "3.0"),
        ("openapi", "3.0.3", "3.0"),
        ("openapi", "3.1.0", "3.1"),
        ("openapi", "3.1.1-rc1", "3.1"),
        ("openapi", "3.1", "3.1"),
    ],
)
def test_source_version(field: str, value: str, version: str, settings: Settings) -> None:
    doc = {**PETSTORE_31, field: value}
    assert load_text(json.dumps(doc), settings=settings).source_version == version


def test_swagger_2_is_upgraded(settings: Settings) -> None:
    doc = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "h.example.com", "paths": {}}
    loaded = load_text(json.dumps(doc), settings=settings)
    assert loaded.source_version == "2.0"
    assert loaded.data["openapi"] == "3.0.3"
    assert loaded.data["servers"] == [{"url": "https://h.example.com"}]


@pytest.mark.parametrize(
    ("fields", "message", "pointer"),
    [
        (
            {"openapi": "4.0"},
            "Unsupported OpenAPI version '4.0'; expected 3.0.x, 3.1.x or Swagger 2.0",
            "/openapi",
        ),
        (
            {"openapi": "3.2.0"},
            "Unsupported OpenAPI version '3.2.0'; expected 3.0.x, 3.1.x or Swagger 2.0",
            "/openapi",
        ),
        (
            {"openapi": 3.1},
            'Unsupported OpenAPI version 3.1 (a number: write it as a string, "3.1"); '
            "expected 3.0.x, 3.1.x or Swagger 2.0",
            "/openapi",
        ),
        (
            {"swagger": "1.2"},
            "Unsupported Swagger version '1.2'; expected 3.0.x, 3.1.x or Swagger 2.0",
            "/swagger",
        ),
        (
            {},
            "The document has no 'openapi' field saying its version; expected 3.0.x, 3.1.x or Swagger 2.0",
            "",
        ),
    ],
)
def test_unsupported_versions(fields: dict[str, Any], message: str, pointer: str, settings: Settings) -> None:
    doc = {"info": {"title": "t", "version": "1"}, "paths": {}, **fields}
    assert issues_of(json.dumps(doc), settings) == [(message, pointer)]


def test_apidevtools_invalid_versions(corpus: Path, settings: Settings) -> None:
    folder = corpus / "apidevtools/specs/invalid"
    assert issues_of(folder / "old-version.yaml", settings)[0][1] == "/swagger"
    assert issues_of(folder / "newer-version.yaml", settings)[0][1] == "/swagger"
    assert "a number" in issues_of(folder / "numeric-version.yaml", settings)[0][0]
    assert issues_of(folder / "not-swagger.yaml", settings)[0][0].startswith("The document has no 'openapi'")


# --------------------------------------------------------------------------- hostile and broken input


def test_billion_laughs_document_fails_fast(settings: Settings) -> None:
    lines = ["openapi: 3.1.0", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    [(message, _)] = issues_of("\n".join(lines), settings)
    assert time.perf_counter() - started < 0.5
    assert message.startswith("YAML uses too many aliases")


def test_deep_json_and_yaml(settings: Settings) -> None:
    deep_json = '{"openapi": "3.1.0", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert issues_of(deep_json, settings) == [("The document is nested too deeply: more than 256 levels", "")]
    deep_yaml = "openapi: 3.1.0\nx: " + "[" * 100_000 + "]" * 100_000
    [(message, _)] = issues_of(deep_yaml, settings)
    assert message.startswith("The document is nested too deeply: more than 256 levels")


def test_non_utf8_file(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "openapi.yaml"
    path.write_bytes(b"openapi: 3.1.0\ninfo:\n  title: Caf\xe9\n")
    assert issues_of(path, settings) == [
        (
            f"{path.resolve().as_posix()} is not valid UTF-8: "
            "byte 0xe9 at offset 33 (line 3) cannot be decoded",
            "",
        )
    ]


def test_list_at_top_level(settings: Settings) -> None:
    assert issues_of("- openapi: 3.1.0\n", settings) == [
        ("The document must be a JSON or YAML object, got a list", "")
    ]


def test_unparseable_text(settings: Settings) -> None:
    [(message, pointer)] = issues_of("openapi: 3.1.0\npaths: {\n", settings)
    assert message.startswith("Could not parse valid OpenAPI spec: ")
    assert "line 3, column 1" in message
    assert pointer == ""


def test_size_limit_applies_to_files_text_and_urls(tmp_path: Path, spec_server: str) -> None:
    settings = Settings(max_document_bytes=200)
    text = json.dumps(PETSTORE_31)
    path = tmp_path / "openapi.json"
    path.write_text(text)
    size = len(text.encode())
    assert issues_of(text, settings) == [
        (f"The document is too large: {size} bytes (the limit is 200 bytes)", "")
    ]
    assert issues_of(path, settings)[0][0] == (
        f"{path.resolve().as_posix()} is too large: {size} bytes (the limit is 200 bytes)"
    )
    assert "too large" in issues_of(URL(f"{spec_server}/openapi.json"), settings, fetch=http_fetch)[0][0]


def test_unresolvable_refs_are_all_warnings(settings: Settings) -> None:
    doc = json.loads(json.dumps(PETSTORE_31))
    doc["components"]["schemas"]["Pets"]["items"]["$ref"] = "#/components/schemas/Dog"
    doc["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] = (
        "#/nope"
    )
    warnings = load_document(json.dumps(doc), settings=settings).warnings
    assert sorted((w.message, w.pointer) for w in warnings) == [
        ("Could not resolve $ref '#/components/schemas/Dog': no key 'Dog'", "/components/schemas/Pets/items"),
        (
            "Could not resolve $ref '#/nope': no key 'nope'",
            "/paths/~1pets/get/responses/200/content/application~1json/schema",
        ),
    ]


def test_warnings_come_from_the_upgrade(settings: Settings) -> None:
    doc = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    loaded = load_text(json.dumps(doc), settings=settings)
    assert [w.pointer for w in loaded.warnings] == [""]
    assert loaded.data["servers"] == [{"url": "/"}]
