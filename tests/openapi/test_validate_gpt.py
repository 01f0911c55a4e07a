"""The whole engine under the `gpt` profile: the original's messages, exactly, with pointers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from actionforge.examples import example_text
from actionforge.openapi.loader import LoadedDocument
from actionforge.openapi.profiles import get_profile
from actionforge.openapi.report import Issue, OperationSummary, ValidationReport
from actionforge.openapi.validate import Analysis, analyze, validate_source
from actionforge.settings import Settings

DATA = Path(__file__).resolve().parent.parent / "data" / "validation"


def base(**top: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {"/a": {"get": {"operationId": "getA", "responses": {"200": {"description": "ok"}}}}},
        "components": {"schemas": {}},
    }
    doc.update(top)
    return doc


def validate(doc: dict[str, Any] | str, settings: Settings, profile: str = "gpt") -> ValidationReport:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    report, analysis = validate_source(text, profile=profile, settings=settings)
    assert analysis is None or analysis.report is report
    return report


# --- the editor's built-in examples (openai-actions.md Appendix A) ---------------------------------


def test_weather_example_gives_one_operation_on_its_domain(settings: Settings) -> None:
    report = validate(example_text("weather"), settings)
    assert report.to_dict() == {
        "success": True,
        "errors": [],
        "warnings": [],
        "spec": {
            "root_domain": "weather.example.com",
            "operations": [{"operationName": "GetCurrentWeather", "method": "get", "path": "/location"}],
        },
    }


def test_petstore_example_gives_three_operations(settings: Settings) -> None:
    report, analysis = validate_source(example_text("petstore"), settings=settings)
    assert report.success
    assert report.errors == ()
    assert report.warnings == ()
    assert report.root_domain == "petstore.swagger.io"
    assert report.operations == (
        OperationSummary("getInventory", "get", "/store/inventory"),
        OperationSummary("findPetsByStatusPending", "get", "/pet/findByStatus"),
        OperationSummary("getPetById", "get", "/pet/{petId}"),
    )
    assert analysis is not None
    assert {op.server_url for op in analysis.operations} == {"https://petstore.swagger.io/v2"}
    by_id = {op.operation_id: op for op in analysis.operations}
    assert by_id["getPetById"].parameters[0].required
    assert not by_id["getInventory"].is_consequential


def test_blank_template_fails_on_its_empty_server_url(settings: Settings) -> None:
    report = validate(example_text("blank"), settings)
    assert report.to_dict() == {
        "success": False,
        "errors": [{"message": "Could not find a valid URL in `servers`", "pointer": "/servers/0/url"}],
        "warnings": [],
        "spec": {"root_domain": None, "operations": []},
    }


# --- each importer message through the whole engine ------------------------------------------------


def test_missing_servers(settings: Settings) -> None:
    doc = base()
    del doc["servers"]
    assert validate(doc, settings).errors == (Issue("Could not find a valid URL in `servers`", ""),)


def test_multiple_servers_and_hostnames(settings: Settings) -> None:
    doc = base(servers=[{"url": "https://api.example.com/"}, {"url": "https://backup.example.com"}])
    doc["paths"]["/b"] = {
        "servers": [{"url": "https://elsewhere.example.net"}],
        "post": {"operationId": "postB", "responses": {"200": {"description": "ok"}}},
    }
    report = validate(doc, settings)
    assert report.success
    assert report.warnings == (
        Issue("Multiple servers found, using https://api.example.com", "/servers"),
        Issue("Found multiple hostnames, dropping https://elsewhere.example.net", "/paths/~1b/post"),
    )
    assert [o.operation_name for o in report.operations] == ["getA"]


def test_missing_operation_id_and_unrecognized_method(settings: Settings) -> None:
    doc = base()
    doc["paths"]["/a"]["post"] = {"responses": {"200": {"description": "ok"}}}
    doc["paths"]["/a"]["head"] = {"operationId": "headA", "responses": {"200": {"description": "ok"}}}
    report = validate(doc, settings)
    assert report.success
    assert report.warnings == (
        Issue("In path /a, method post is missing operationId; skipping", "/paths/~1a/post"),
        Issue("Path /a has unrecognized method head; skipping", "/paths/~1a/head"),
    )


def test_header_parameter_is_ignored(settings: Settings) -> None:
    doc = base()
    doc["paths"]["/a"]["get"]["parameters"] = [
        {"name": "X-Key", "in": "header", "schema": {"type": "string"}}
    ]
    report = validate(doc, settings)
    assert report.success
    assert report.warnings == (
        Issue(
            "In path /a, method get, parameter X-Key has location header; ignoring",
            "/paths/~1a/get/parameters/0",
        ),
    )


def test_thirty_one_operations(settings: Settings) -> None:
    paths = {
        f"/r{i}": {"get": {"operationId": f"r{i}", "responses": {"200": {"description": "ok"}}}}
        for i in range(31)
    }
    report = validate(base(paths=paths), settings)
    assert not report.success
    assert report.errors == (Issue("OpenAPI spec can have a maximum of 30 operations", "/paths"),)
    assert validate(base(paths=paths), Settings(max_operations=40)).success


def test_schemas_not_an_object(settings: Settings) -> None:
    report = validate(base(components={"schemas": ["Pet"]}), settings)
    assert not report.success
    assert (
        Issue("In components section, schemas subsection is not an object", "/components/schemas")
        in report.errors
    )


def test_multiple_security_schemes(settings: Settings) -> None:
    schemes = {
        "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
        "bearer": {"type": "http", "scheme": "bearer"},
    }
    report = validate(base(components={"schemas": {}, "securitySchemes": schemes}), settings)
    assert report.success
    assert report.warnings == (
        Issue("Found multiple security schemes, only 1 is supported", "/components/securitySchemes"),
    )


# --- what the original refuses and this engine keeps, with a warning ------------------------------


def test_circular_schema_is_kept_with_a_warning(settings: Settings) -> None:
    report, analysis = validate_source((DATA / "circular.yaml").read_text(), settings=settings)
    assert report.success
    assert report.errors == ()
    assert report.warnings == (
        Issue(
            "Schema #/components/schemas/Node is circular; it is kept as a $defs reference",
            "/components/schemas/Node",
        ),
        Issue(
            "Schema #/components/schemas/Parent is circular; it is kept as a $defs reference",
            "/components/schemas/Parent",
        ),
        Issue(
            "Schema #/components/schemas/Child is circular; it is kept as a $defs reference",
            "/components/schemas/Child",
        ),
    )
    assert analysis is not None
    assert [op.operation_id for op in analysis.operations] == ["getTree", "getFamily"]


def test_ecma_regex_pattern_is_a_warning_not_an_error(settings: Settings) -> None:
    doc = base()
    doc["components"]["schemas"]["Name"] = {"type": "string", "pattern": "^[\\p{L} ]+$"}
    report = validate(doc, settings)
    assert report.success
    assert [w.pointer for w in report.warnings] == ["/components/schemas/Name/pattern"]
    assert "regular expression" in report.warnings[0].message


def test_structural_errors_point_into_the_document(settings: Settings) -> None:
    doc = base()
    doc["paths"]["/a"]["get"]["parameters"] = [{"name": "q", "in": "query", "schema": {"type": "strng"}}]
    report = validate(doc, settings)
    assert not report.success
    assert [e.pointer for e in report.errors] == ["/paths/~1a/get/parameters/0/schema/type"]


def test_dangling_ref_in_a_response_is_a_warning(settings: Settings) -> None:
    doc = base()
    doc["paths"]["/a"]["get"]["responses"]["200"]["content"] = {
        "application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}
    }
    report = validate(doc, settings)
    assert report.success
    assert report.warnings == (
        Issue(
            "Could not resolve $ref '#/components/schemas/Nope': no key 'Nope'",
            "/paths/~1a/get/responses/200/content/application~1json/schema",
        ),
    )
    assert [o.operation_name for o in report.operations] == ["getA"]


def test_yaml_integer_keys_and_numeric_versions_do_not_break_the_validator(settings: Settings) -> None:
    text = yaml.safe_dump(
        {
            "openapi": "3.0.3",
            "info": {"title": "t", "version": 1.0},
            "servers": [{"url": "https://api.example.com"}],
            "paths": {"/a": {"get": {"operationId": "a", "responses": {200: {"description": "ok"}}}}},
        }
    )
    report = validate(text, settings)
    assert report.success
    assert not any("could not complete" in w.message for w in report.warnings)


# --- the engine never crashes ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "[1, 2]", "{{{", "openapi: [", "null", "42", '"just a string"'])
def test_unusable_text_gives_a_failed_report(text: str, settings: Settings) -> None:
    report, analysis = validate_source(text, settings=settings)
    assert not report.success
    assert report.errors
    assert analysis is None


def test_deep_schemas_are_validated_to_the_bottom(settings: Settings) -> None:
    schema: dict[str, Any] = {"type": "string", "pattern": "\\p{L}"}
    for _ in range(300):
        schema = {"type": "object", "properties": {"a": schema}}
    loaded = LoadedDocument(data=base(components={"schemas": {"Deep": schema}}))
    analysis = analyze(loaded, get_profile("gpt", settings), settings)
    assert analysis.report.success
    assert [w.pointer for w in analysis.report.warnings] == [
        "/components/schemas/Deep" + "/properties/a" * 300 + "/pattern"
    ]


def test_loader_warnings_come_first_in_the_report(settings: Settings) -> None:
    loaded = LoadedDocument(data=base(), warnings=[Issue("Converted from Swagger 2.0", "/swagger")])
    report = analyze(loaded, get_profile("gpt", settings), settings).report
    assert report.warnings == (Issue("Converted from Swagger 2.0", "/swagger"),)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
_places = st.sampled_from(
    [
        ("servers",),
        ("servers", 0),
        ("paths",),
        ("paths", "/a"),
        ("paths", "/a", "get"),
        ("paths", "/a", "get", "parameters"),
        ("paths", "/a", "get", "operationId"),
        ("paths", "/a", "get", "requestBody"),
        ("paths", "/a", "parameters"),
        ("paths", "/a", "servers"),
        ("components",),
        ("components", "schemas"),
        ("components", "securitySchemes"),
        ("openapi",),
    ]
)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place=_places, value=_json)
def test_any_value_anywhere_gives_a_report(place: tuple[str | int, ...], value: Any) -> None:
    settings = Settings()
    doc = base()
    node: Any = doc
    for token in place[:-1]:
        node = node[token]
    node[place[-1]] = value
    for profile in ("gpt", "extended"):
        analysis = analyze(LoadedDocument(data=doc), get_profile(profile, settings), settings)
        assert isinstance(analysis, Analysis)
        assert not any(
            e.message.startswith("Could not parse valid OpenAPI spec:") for e in analysis.report.errors
        )
