"""The inverted rule: a structural error skips only the operations whose request it sits in."""

from __future__ import annotations

import json
from typing import Any

from actionforge.openapi.report import Issue, ValidationReport
from actionforge.openapi.validate import validate_source
from actionforge.settings import Settings

OK = {"200": {"description": "ok"}}
BAD_SCHEMA = {"type": "strng"}


def document(paths: dict[str, Any], schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": paths,
        "components": {"schemas": schemas or {}},
    }


def get(operation_id: str, **fields: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "responses": OK, **fields}


def query(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": "q", "in": "query", "schema": schema}]


def body(ref: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": ref}}}}


def run(doc: dict[str, Any], profile: str = "extended") -> ValidationReport:
    report, _ = validate_source(json.dumps(doc), profile=profile, settings=Settings())
    return report


def names(report: ValidationReport) -> list[str]:
    return [o.operation_name for o in report.operations]


def test_an_error_in_a_parameter_skips_only_that_operation() -> None:
    doc = document({"/a": {"get": get("getA", parameters=query(BAD_SCHEMA))}, "/b": {"get": get("getB")}})
    report = run(doc)
    assert report.success
    assert names(report) == ["getB"]
    assert report.warnings[-2].pointer == "/paths/~1a/get/parameters/0/schema/type"
    assert report.warnings[-1] == Issue(
        "In path /a, method get, the request is invalid at /paths/~1a/get/parameters/0/schema/type; skipping",
        "/paths/~1a/get",
    )


def test_an_error_in_a_schema_a_request_body_reaches_through_refs_skips_it() -> None:
    schemas = {
        "Order": {"type": "object", "properties": {"item": {"$ref": "#/components/schemas/Item"}}},
        "Item": {"type": "object", "properties": {"price": BAD_SCHEMA}},
        "Unused": BAD_SCHEMA,
    }
    paths = {
        "/orders": {"post": get("postOrder", requestBody=body("#/components/schemas/Order"))},
        "/items": {"get": get("listItems", responses={"200": body("#/components/schemas/Item")})},
    }
    report = run(document(paths, schemas))
    assert report.success
    assert names(report) == ["listItems"]  # a response schema changes no request
    skipped = [w for w in report.warnings if w.message.endswith("skipping")]
    assert skipped == [
        Issue(
            "In path /orders, method post, the request is invalid at "
            "/components/schemas/Item/properties/price/type; skipping",
            "/paths/~1orders/post",
        )
    ]
    assert "/components/schemas/Unused/type" in {w.pointer for w in report.warnings}


def test_an_error_in_a_referenced_parameter_skips_the_operations_using_it() -> None:
    doc = document(
        {
            "/a": {"get": get("getA", parameters=[{"$ref": "#/components/parameters/Q"}])},
            "/b": {"get": get("getB")},
        }
    )
    doc["components"]["parameters"] = {"Q": {"name": "q", "in": "query", "schema": BAD_SCHEMA}}
    report = run(doc)
    assert names(report) == ["getB"]
    assert report.warnings[-1].pointer == "/paths/~1a/get"


def test_an_error_in_path_item_parameters_skips_each_operation_of_the_path() -> None:
    paths = {
        "/a": {"parameters": query(BAD_SCHEMA), "get": get("getA"), "put": get("putA")},
        "/b": {"get": get("getB")},
    }
    report = run(document(paths))
    assert names(report) == ["getB"]


def test_harmless_findings_in_a_request_keep_the_operation() -> None:
    parameters = query({"type": "string", "pattern": "^\\p{L}+$", "default": 7})
    report = run(document({"/a": {"get": get("getA", parameters=parameters, cache=True)}}))
    assert report.success
    assert names(report) == ["getA"]
    assert {w.pointer for w in report.warnings} == {
        "/paths/~1a/get/cache",
        "/paths/~1a/get/parameters/0/schema/pattern",
        "/paths/~1a/get/parameters/0/schema/default",
    }


def test_keywords_beside_a_ref_and_python_only_patterns_keep_the_operation() -> None:
    """OpenAPI 3.0 ignores a $ref's siblings (a real OCR API writes `type: application/json` there);
    `(?P<name>...)` is no ECMA-262 regex, but Python's re, which checks the arguments, takes it."""
    parameters = [
        {
            "name": "h",
            "in": "query",
            "schema": {"$ref": "#/components/schemas/S", "type": "application/json"},
        },
        {"name": "p", "in": "query", "schema": {"type": "string", "pattern": "^(?P<word>[a-z]+)$"}},
    ]
    doc = document({"/a": {"get": get("getA", parameters=parameters)}}, {"S": {"type": "string"}})
    report = run(doc)
    assert names(report) == ["getA"]
    assert [w.pointer for w in report.warnings] == ["/paths/~1a/get/parameters/0/schema/type"]


def test_when_no_operation_is_left_the_errors_that_skipped_them_reject_the_document() -> None:
    doc = document({"/a": {"get": get("getA", parameters=query(BAD_SCHEMA))}})
    for profile in ("gpt", "extended"):
        report = run(doc, profile)
        assert not report.success
        assert [e.pointer for e in report.errors] == ["/paths/~1a/get/parameters/0/schema/type"]
        assert report.operations == ()


def test_a_document_without_structural_errors_keeps_every_operation() -> None:
    report = run(document({"/a": {"get": get("getA")}, "/b": {"get": get("getB")}}))
    assert report.success
    assert report.warnings == ()
    assert names(report) == ["getA", "getB"]
