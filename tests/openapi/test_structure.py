"""structure.py: openapi-spec-validator findings sorted and located; reference checks; time bounds."""

from __future__ import annotations

from typing import Any

from actionforge.openapi.report import Issue
from actionforge.openapi.structure import reference_issues, validate_structure

OK = {"200": {"description": "ok"}}


def doc(**top: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    d.update(top)
    return d


def test_valid_document_has_no_findings() -> None:
    assert validate_structure(doc(paths={"/a": {"get": {"responses": OK}}})) == validate_structure(doc())
    assert validate_structure(doc()).errors == ()
    assert validate_structure(doc()).warnings == ()


def test_per_schema_errors_are_located() -> None:
    paths = {
        "/a": {"get": {"operationId": "same", "responses": OK}},
        "/b": {"get": {"operationId": "same", "responses": OK}},
    }
    result = validate_structure(doc(paths=paths))
    assert result.errors == (Issue("Operation ID 'same' for 'get' in '/b' is not unique", "/paths/~1b/get"),)


def test_harmless_findings_are_warnings() -> None:
    schemas = {
        "Count": {"type": "integer", "default": "ten"},
        "Form": {"type": "object", "properties": {"q": {"type": "string", "required": True}}},
    }
    paths = {"/a": {"get": {"externalDocs": "https://docs.example.com"}}}  # a string, and no responses
    result = validate_structure(
        doc(paths=paths, components={"schemas": schemas}, info={"title": "t", "version": 1})
    )
    assert result.errors == ()
    assert {w.pointer for w in result.warnings} == {
        "/info/version",
        "/paths/~1a/get",
        "/paths/~1a/get/externalDocs",
        "/components/schemas/Count/default",
        "/components/schemas/Form/properties/q/required",
    }


def test_the_profile_independent_errors_stay_errors() -> None:
    result = validate_structure(doc(components={"schemas": {"Bad": {"type": "strng"}}}))
    assert [e.pointer for e in result.errors] == ["/components/schemas/Bad/type"]


def test_unsupported_version() -> None:
    assert validate_structure(doc(openapi="4.0.0")).errors == (
        Issue("Unsupported OpenAPI version '4.0.0'; expected 3.0, 3.1 or 3.2", "/openapi"),
    )


def _big(paths: int) -> dict[str, Any]:
    return doc(
        paths={
            f"/resource{i}/{{id}}": {
                "get": {
                    "operationId": f"get{i}",
                    "description": "d" * 200,
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": OK,
                }
            }
            for i in range(paths)
        }
    )


def test_big_documents_are_checked_partially_then_skipped() -> None:
    big = _big(8000)  # about 3 MB of JSON
    result = validate_structure(big)
    assert result.errors == ()
    assert [w.message.split(":")[0] for w in result.warnings] == ["Structural validation skipped"]

    partial = validate_structure(_big(10), full_check_max_bytes=1000)
    assert [w.message.split(":")[0] for w in partial.warnings] == ["Structural validation was partial"]


def test_findings_are_capped() -> None:
    schemas = {f"S{i}": {"type": "strng"} for i in range(20)}
    result = validate_structure(doc(components={"schemas": schemas}), max_issues=5)
    assert len(result.errors) == 5
    assert result.warnings == (Issue("Structural validation stopped after 5 problems", ""),)


def test_cycles_are_found_through_any_depth_and_escaped_names() -> None:
    schemas = {
        "Self": {"properties": {"me": {"$ref": "#/components/schemas/Self"}}},
        "a/b": {"items": {"$ref": "#/components/schemas/c~0d/properties/x"}},
        "c~d": {"properties": {"x": {"allOf": [{"$ref": "#/components/schemas/a~1b"}]}}},
        "Leaf": {"type": "string"},
        "UsesCycle": {"$ref": "#/components/schemas/Self"},
        "Doc": {"example": {"$ref": "#/components/schemas/Doc"}},  # data, not a reference
    }
    result = reference_issues(doc(components={"schemas": schemas}))
    assert result.errors == ()
    assert [w.pointer for w in result.warnings] == [
        "/components/schemas/Self",
        "/components/schemas/a~1b",
        "/components/schemas/c~0d",
    ]
    assert result.warnings[1].message == (
        "Schema #/components/schemas/a~1b is circular; it is kept as a $defs reference"
    )


def test_dangling_references_are_errors_at_the_referencing_object() -> None:
    d = doc(
        paths={"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Missing"}}}}},
        components={"schemas": {"A": {"examples": [{"$ref": "#/nowhere"}]}}},
    )
    assert reference_issues(d).errors == (
        Issue(
            "Could not resolve $ref '#/components/responses/Missing': no key 'responses'",
            "/paths/~1a/get/responses/200",
        ),
    )
