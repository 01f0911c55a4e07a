"""The whole engine under the `extended` profile: what it accepts beyond the original."""

from __future__ import annotations

import json
from typing import Any

from actionforge.openapi.loader import LoadedDocument
from actionforge.openapi.profiles import get_profile
from actionforge.openapi.report import Issue, OperationSummary
from actionforge.openapi.validate import Analysis, analyze, validate_source
from actionforge.settings import Settings

OK = {"200": {"description": "ok"}}


def rich_document() -> dict[str, Any]:
    """Everything the gpt profile drops or refuses, in one document."""
    paths: dict[str, Any] = {
        "/pets/{petId}/toys": {
            "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "parameters": [
                    {"name": "X-Request-Id", "in": "header", "schema": {"type": "string"}},
                    {"name": "session", "in": "cookie", "schema": {"type": "string"}},
                ],
                "responses": OK,
            },
            "head": {"operationId": "headToys", "responses": OK},
            "options": {"operationId": "toyOptions", "responses": OK},
        },
        "/mirror": {
            "servers": [{"url": "https://mirror.example.org/api"}],
            "post": {"operationId": "postMirror", "responses": OK},
        },
    }
    paths.update({f"/bulk/{i}": {"get": {"operationId": f"bulk{i}", "responses": OK}} for i in range(31)})
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": paths,
        "components": {
            "schemas": {},
            "securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
                "oauth": {
                    "type": "oauth2",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": "https://api.example.com/authorize",
                            "tokenUrl": "https://api.example.com/token",
                            "scopes": {},
                        }
                    },
                },
            },
        },
    }


def run(profile: str, settings: Settings) -> tuple[Any, Analysis | None]:
    return validate_source(json.dumps(rich_document()), profile=profile, settings=settings)


def test_extended_accepts_what_gpt_drops(settings: Settings) -> None:
    report, analysis = run("extended", settings)
    assert report.success
    assert report.warnings == ()
    assert analysis is not None
    assert len(report.operations) == 35
    assert report.operations[:4] == (
        OperationSummary("get_pets_petId_toys", "get", "/pets/{petId}/toys"),
        OperationSummary("headToys", "head", "/pets/{petId}/toys"),
        OperationSummary("toyOptions", "options", "/pets/{petId}/toys"),
        OperationSummary("postMirror", "post", "/mirror"),
    )
    generated = analysis.operations[0]
    assert generated.generated_id
    assert [(p.name, p.location) for p in generated.parameters] == [
        ("petId", "path"),
        ("X-Request-Id", "header"),
        ("session", "cookie"),
    ]
    assert analysis.operations[3].server_url == "https://mirror.example.org/api"
    assert report.root_domain == "api.example.com"


def test_gpt_refuses_and_drops_the_same_document(settings: Settings) -> None:
    report, analysis = run("gpt", settings)
    assert not report.success
    assert report.errors == (Issue("OpenAPI spec can have a maximum of 30 operations", "/paths"),)
    toys = "/paths/~1pets~1{petId}~1toys"
    assert report.warnings == (
        Issue("Found multiple security schemes, only 1 is supported", "/components/securitySchemes"),
        Issue("In path /pets/{petId}/toys, method get is missing operationId; skipping", f"{toys}/get"),
        Issue("Path /pets/{petId}/toys has unrecognized method head; skipping", f"{toys}/head"),
        Issue("Path /pets/{petId}/toys has unrecognized method options; skipping", f"{toys}/options"),
        Issue("Found multiple hostnames, dropping https://mirror.example.org/api", "/paths/~1mirror/post"),
    )
    assert analysis is not None
    assert len(analysis.operations) == 31


def test_extended_keeps_the_description_limits(settings: Settings) -> None:
    doc = rich_document()
    doc["paths"]["/mirror"]["post"]["description"] = "x" * 301
    report, _ = validate_source(json.dumps(doc), profile="extended", settings=settings)
    assert report.success
    assert report.warnings == (
        Issue(
            "In path /mirror, method post, description is longer than 300 characters; it will be truncated",
            "/paths/~1mirror/post/description",
        ),
    )


def test_extended_still_needs_a_server_and_object_schemas(settings: Settings) -> None:
    doc = rich_document()
    doc["servers"] = [{"url": "not a url"}]
    doc["components"]["schemas"] = "Pet"
    report, _ = validate_source(json.dumps(doc), profile="extended", settings=settings)
    assert not report.success
    assert Issue("Could not find a valid URL in `servers`", "/servers/0/url") in report.errors
    assert (
        Issue("In components section, schemas subsection is not an object", "/components/schemas")
        in report.errors
    )
    assert report.operations == ()


def test_extended_resolves_a_relative_server_against_the_documents_url(settings: Settings) -> None:
    doc = rich_document()
    doc["servers"] = [{"url": "/v2"}]
    loaded = LoadedDocument(data=doc, base_uri="https://api.example.com/docs/openapi.json")
    extended = analyze(loaded, get_profile("extended", settings), settings)
    assert extended.report.success
    assert extended.report.root_domain == "api.example.com"
    assert extended.operations[0].server_url == "https://api.example.com/v2"
    gpt = analyze(loaded, get_profile("gpt", settings), settings)
    assert Issue("Could not find a valid URL in `servers`", "/servers/0/url") in gpt.report.errors
