"""structure.py: the OAS schema, per-schema and semantic checks sorted and located; reference checks."""

from __future__ import annotations

from typing import Any

import pytest

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
    assert validate_structure(doc(openapi="4.0.0")).rejections == (
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


def test_big_documents_are_checked_in_full() -> None:
    big = _big(8000)  # about 3 MB of JSON: openapi-spec-validator's old limits skipped it
    big["paths"]["/resource7999/{id}"]["get"]["parameters"][0]["schema"] = {"type": "strng"}
    big["components"] = {"schemas": {"Last": {"type": "string", "default": 3}}}
    result = validate_structure(big)
    assert [e.pointer for e in result.errors] == ["/paths/~1resource7999~1{id}/get/parameters/0/schema/type"]
    assert [w.pointer for w in result.warnings] == ["/components/schemas/Last/default"]


def test_warnings_are_capped_errors_much_later() -> None:
    """Each error may skip an operation, so a flood of warnings must not crowd errors out."""
    schemas: dict[str, Any] = {f"D{i}": {"type": "integer", "default": "x"} for i in range(20)}
    schemas.update({f"S{i}": {"type": "strng"} for i in range(20)})
    result = validate_structure(doc(components={"schemas": schemas}), max_issues=5)
    assert len(result.errors) == 20
    assert len(result.warnings) == 6
    assert result.warnings[-1] == Issue("Structural validation stopped after 25 problems", "")
    assert (
        len(validate_structure(doc(components={"schemas": schemas}), max_issues=5, max_errors=3).errors) == 3
    )


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


def test_the_same_mistake_is_found_at_the_same_place_in_30_and_31() -> None:
    parameters = [{"name": "q", "in": "query", "schema": {"type": "strng"}}]
    for version in ("3.0.3", "3.1.0"):
        result = validate_structure(
            doc(openapi=version, paths={"/a": {"get": {"parameters": parameters, "responses": OK}}})
        )
        assert [e.pointer for e in result.errors] == ["/paths/~1a/get/parameters/0/schema/type"], version


def test_the_branch_meant_is_the_one_reported() -> None:
    """A parameter fails the OAS 3.0 schema's oneOf of locations and of Reference Object; the
    report names what is wrong in its own location's branch, not "no branch matched"."""
    parameters = [{"name": "id", "in": "path", "required": False, "schema": {"type": "string"}}]
    result = validate_structure(doc(paths={"/a/{id}": {"get": {"parameters": parameters, "responses": OK}}}))
    assert result.errors == ()
    assert [w.pointer for w in result.warnings] == ["/paths/~1a~1{id}/get/parameters/0/required"]


def test_findings_the_engine_repairs_or_never_reads_are_warnings() -> None:
    operation = {
        "cache": {"ttl": 60},  # not OpenAPI
        "parameters": [{"in": "query", "schema": {"type": "string"}}],  # no name: operations.py drops it
        "responses": OK,
    }
    for version in ("3.0.3", "3.1.0"):
        result = validate_structure(doc(openapi=version, paths={"/a": {"get": operation}}, parameters=[]))
        assert result.errors == (), version
        assert {w.pointer for w in result.warnings} == {
            "/parameters",
            "/paths/~1a/get/cache",
            "/paths/~1a/get/parameters/0",
        }


def test_semantic_rules() -> None:
    shared = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    paths = {
        "/a/{id}": {
            "parameters": shared,
            "get": {
                "parameters": [
                    {"$ref": "#/components/parameters/Q"},
                    {"name": "q", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": OK,
            },
            "put": {
                "parameters": [{"name": "other", "in": "path", "required": True, "schema": {}}],
                "responses": OK,
            },
        }
    }
    parameters = {"Q": {"name": "q", "in": "query", "schema": {"type": "string"}}}
    tags = [{"name": "pets"}, {"name": "pets"}]
    result = validate_structure(doc(paths=paths, components={"parameters": parameters}, tags=tags))
    assert result.errors == (
        Issue("Duplicate parameter 'q'", "/paths/~1a~1{id}/get/parameters"),
        Issue(
            "Path parameter 'other' for 'put' operation in '/a/{id}' was not resolved", "/paths/~1a~1{id}/put"
        ),
    )
    assert Issue("Duplicate tag name 'pets'", "/tags") in result.warnings


def test_per_schema_checks() -> None:
    schemas = {
        "Pet": {"allOf": [{"$ref": "#/components/schemas/Named"}], "required": ["name", "age"]},
        "Named": {"properties": {"name": {"type": "string", "pattern": "^\\p{L}+$"}}},
        "Odd": {"$schema": "https://example.com/my-dialect", "type": "string"},
        "Fine": {"type": "integer", "nullable": True, "default": None},
        "Code": {"type": "string", "pattern": "^[A-Z]{2}$", "default": "usa"},
    }
    result = validate_structure(doc(components={"schemas": schemas}))
    assert result.errors == ()
    assert [w.pointer for w in result.warnings] == [
        "/components/schemas/Odd/$schema",  # not a 3.0 keyword (the OAS schema)
        "/components/schemas/Odd",  # an unknown dialect
        "/components/schemas/Pet",
        "/components/schemas/Named/properties/name/pattern",
        "/components/schemas/Code/default",
    ]
    assert result.warnings[2].message == "Required list has not defined properties: ['age']"
    assert result.warnings[3].message.startswith("Pattern is not a regular expression Python supports")
    assert result.warnings[4].message == (
        "Default value does not match its schema: 'usa' does not match '^[A-Z]{2}$'"
    )


def test_31_schemas_are_checked_against_the_oas_dialect() -> None:
    schemas = {
        "Bad": {"type": "object", "properties": {"n": {"minimum": "one"}}},
        "Good": {"type": ["string", "null"]},
    }
    result = validate_structure(doc(openapi="3.1.0", components={"schemas": schemas}))
    assert [e.pointer for e in result.errors] == ["/components/schemas/Bad/properties/n/minimum"]
    assert result.errors[0].message.startswith("Invalid schema: ")


def test_deep_schemas_are_checked_to_the_bottom() -> None:
    schema: dict[str, Any] = {"type": "strng"}
    for _ in range(300):
        schema = {"type": "object", "properties": {"a": schema}}
    result = validate_structure(doc(openapi="3.1.0", components={"schemas": {"Deep": schema}}))
    assert [e.pointer for e in result.errors] == [
        "/components/schemas/Deep" + "/properties/a" * 300 + "/type"
    ]


@pytest.mark.parametrize(
    "dialect",
    [
        "http://json-schema.org/draft-04/schema#",
        "http://json-schema.org/draft-06/schema#",
        "http://json-schema.org/draft-07/schema#",
        "https://json-schema.org/draft/2019-09/schema",
        "https://json-schema.org/draft/2020-12/schema",
        "https://spec.openapis.org/oas/3.1/dialect/base",
    ],
)
def test_a_schema_is_checked_against_the_dialect_it_declares(dialect: str) -> None:
    schemas = {"A": {"$schema": dialect, "type": "strng"}}
    result = validate_structure(doc(openapi="3.1.0", components={"schemas": schemas}))
    assert [e.pointer for e in result.errors] == ["/components/schemas/A/type"]
    assert result.warnings == ()


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_unknown_keys_are_reported_at_the_key(version: str) -> None:
    from actionforge.openapi.pointers import find_pointer

    paths = {"/a": {"get": {"cache": 1, "responses": OK}}}
    document = doc(openapi=version, paths=paths, parameters={})
    result = validate_structure(document)
    found = {issue.pointer for issue in (*result.errors, *result.warnings)}
    assert {"/parameters", "/paths/~1a/get/cache"} <= found
    assert all(find_pointer(document, p, KeyError) is not KeyError for p in found)


def test_swagger2_dangling_ref_is_reported_once_where_written() -> None:
    import json

    from actionforge.openapi.pointers import find_pointer
    from actionforge.openapi.validate import validate_source
    from actionforge.settings import Settings

    schema = {"$ref": "#/definitions/Missing"}
    get = {"operationId": "a", "responses": {"200": {"description": "ok", "schema": schema}}}
    document = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "api.example.com",
                "schemes": ["https"], "paths": {"/a": {"get": get}}}  # fmt: skip
    report, _ = validate_source(json.dumps(document), settings=Settings())
    dangling = [i for i in (*report.errors, *report.warnings) if "Could not resolve" in i.message]
    assert [i.pointer for i in dangling] == ["/paths/~1a/get/responses/200/schema"]
    assert find_pointer(document, dangling[0].pointer) == schema
