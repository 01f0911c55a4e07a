"""Swagger 2.0 -> OpenAPI 3.0.3: each construct, the corpus, and real published documents."""

from __future__ import annotations

import copy
import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from actionforge.openapi.loader import load_document, load_text
from actionforge.openapi.report import Issue
from actionforge.openapi.swagger2 import upgrade
from actionforge.settings import Settings
from tests.data import CORPUS

DATA = Path(__file__).resolve().parent.parent / "data" / "loading"


def swagger(paths: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "host": "api.example.com",
    }
    doc.update(extra)
    doc["paths"] = paths or {}
    return doc


def op(*parameters: Any, **extra: Any) -> dict[str, Any]:
    return {"parameters": list(parameters), "responses": {"200": {"description": "ok"}}, **extra}


def upgraded(doc: dict[str, Any]) -> dict[str, Any]:
    out, _ = upgrade(doc)
    validate(out)
    return out


def operation(doc: dict[str, Any], path: str = "/a", method: str = "post") -> dict[str, Any]:
    result: dict[str, Any] = upgraded(doc)["paths"][path][method]
    return result


# --------------------------------------------------------------------------- servers


@pytest.mark.parametrize(
    ("fields", "urls"),
    [
        (
            {"schemes": ["http", "https"], "basePath": "/v2"},
            ["https://api.example.com/v2", "http://api.example.com/v2"],
        ),
        ({"schemes": ["http"]}, ["http://api.example.com"]),
        ({}, ["https://api.example.com"]),
        ({"basePath": "/"}, ["https://api.example.com"]),
        ({"basePath": "/api/"}, ["https://api.example.com/api"]),
        ({"schemes": ["wss", "https"]}, ["https://api.example.com", "wss://api.example.com"]),
    ],
)
def test_servers_from_host_base_path_and_schemes(fields: dict[str, Any], urls: list[str]) -> None:
    out, warnings = upgrade(swagger(**fields))
    assert [s["url"] for s in out["servers"]] == urls
    assert warnings == []


def test_missing_host_is_a_warning_and_a_relative_server() -> None:
    doc = swagger(basePath="/api")
    del doc["host"]
    out, warnings = upgrade(doc)
    assert out["servers"] == [{"url": "/api"}]
    assert [w.pointer for w in warnings] == [""]  # there is no /host
    assert "no 'host'" in warnings[0].message


def test_operation_schemes_become_operation_servers() -> None:
    doc = swagger({"/a": {"get": op(schemes=["http"]), "put": op(schemes=["https"])}}, schemes=["https"])
    out = upgraded(doc)
    assert out["paths"]["/a"]["get"]["servers"] == [{"url": "http://api.example.com"}]
    assert "servers" not in out["paths"]["/a"]["put"]


# --------------------------------------------------------------------------- parameters


def test_parameter_fields_move_into_schema() -> None:
    param = {
        "name": "limit",
        "in": "query",
        "description": "how many",
        "required": False,
        "type": "integer",
        "format": "int32",
        "minimum": 1,
        "maximum": 100,
        "default": 20,
        "enum": [10, 20, 50],
        "x-nullable": True,
        "x-example": 10,
        "x-internal": "kept",
    }
    [parameter] = operation(swagger({"/a": {"get": op(param)}}), method="get")["parameters"]
    assert parameter == {
        "name": "limit",
        "in": "query",
        "description": "how many",
        "required": False,
        "schema": {
            "type": "integer",
            "format": "int32",
            "default": 20,
            "maximum": 100,
            "minimum": 1,
            "enum": [10, 20, 50],
            "nullable": True,
        },
        "example": 10,
        "x-internal": "kept",
    }


@pytest.mark.parametrize(
    ("location", "collection", "expected"),
    [
        ("query", None, {"style": "form", "explode": False}),  # 2.0 default csv; 3.0 default explodes
        ("query", "csv", {"style": "form", "explode": False}),
        ("query", "ssv", {"style": "spaceDelimited", "explode": False}),
        ("query", "pipes", {"style": "pipeDelimited", "explode": False}),
        ("query", "multi", {"style": "form", "explode": True}),
        ("path", "csv", {}),
        ("header", None, {}),
    ],
)
def test_collection_format_becomes_style_and_explode(
    location: str, collection: str | None, expected: dict[str, Any]
) -> None:
    param: dict[str, Any] = {"name": "ids", "in": location, "required": True, "type": "array"}
    param["items"] = {"type": "integer", "format": "int64"}
    if collection:
        param["collectionFormat"] = collection
    path = "/a/{ids}" if location == "path" else "/a"
    [parameter] = operation(swagger({path: {"get": op(param)}}), path, "get")["parameters"]
    assert {k: parameter[k] for k in ("style", "explode") if k in parameter} == expected
    assert parameter["schema"] == {"type": "array", "items": {"type": "integer", "format": "int64"}}


def test_tab_separated_arrays_are_kept_with_a_warning() -> None:
    param = {
        "name": "ids",
        "in": "query",
        "type": "array",
        "items": {"type": "string"},
        "collectionFormat": "tsv",
    }
    out, warnings = upgrade(swagger({"/a": {"get": op(param)}}))
    [parameter] = out["paths"]["/a"]["get"]["parameters"]
    assert parameter["x-collectionFormat"] == "tsv"
    assert warnings == [
        Issue(
            "collectionFormat 'tsv' on a query parameter has no OpenAPI 3 equivalent; it is kept as "
            "x-collectionFormat and otherwise treated as comma-separated",
            "/paths/~1a/get/parameters/0/collectionFormat",
        )
    ]


def test_path_level_parameters_stay_at_path_level() -> None:
    id_param = {"name": "id", "in": "path", "required": True, "type": "string"}
    doc = swagger({"/a/{id}": {"parameters": [id_param], "get": op()}})
    item = upgraded(doc)["paths"]["/a/{id}"]
    assert item["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    assert "parameters" not in item["get"]


# --------------------------------------------------------------------------- request bodies


def test_body_becomes_request_body_for_each_consumed_media_type() -> None:
    body = {
        "name": "pet",
        "in": "body",
        "required": True,
        "description": "the pet",
        "schema": {"$ref": "#/definitions/Pet"},
    }
    doc = swagger(
        {"/a": {"post": op(body), "put": op(body, consumes=["application/xml"])}},
        consumes=["application/json", "text/json"],
        definitions={"Pet": {"type": "object"}},
    )
    out = upgraded(doc)
    assert out["paths"]["/a"]["post"]["requestBody"] == {
        "description": "the pet",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}},
            "text/json": {"schema": {"$ref": "#/components/schemas/Pet"}},
        },
        "required": True,
        "x-codegen-request-body-name": "pet",
    }
    assert list(out["paths"]["/a"]["put"]["requestBody"]["content"]) == ["application/xml"]
    assert "parameters" not in out["paths"]["/a"]["post"]


def test_body_defaults_to_json() -> None:
    body = {"name": "b", "in": "body", "schema": {"type": "object"}}
    assert list(operation(swagger({"/a": {"post": op(body)}}))["requestBody"]["content"]) == [
        "application/json"
    ]


def test_form_fields_become_an_urlencoded_object() -> None:
    fields = [
        {"name": "name", "in": "formData", "type": "string", "required": True, "description": "who"},
        {
            "name": "tags",
            "in": "formData",
            "type": "array",
            "items": {"type": "string"},
            "collectionFormat": "multi",
        },
        {"name": "ids", "in": "formData", "type": "array", "items": {"type": "integer"}},
    ]
    body = operation(swagger({"/a": {"post": op(*fields)}}))["requestBody"]
    assert body == {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "description": "who"},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "ids": {"type": "array", "items": {"type": "integer"}},
                    },
                    "required": ["name"],
                },
                "encoding": {
                    "tags": {"style": "form", "explode": True},
                    "ids": {"style": "form", "explode": False},
                },
            }
        },
        "required": True,
    }


def test_file_fields_make_a_multipart_body_with_binary() -> None:
    fields = [
        {"name": "file", "in": "formData", "type": "file", "required": True},
        {"name": "note", "in": "formData", "type": "string"},
    ]
    content = operation(swagger({"/a": {"post": op(*fields)}}))["requestBody"]["content"]
    assert content == {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}, "note": {"type": "string"}},
                "required": ["file"],
            }
        }
    }


def test_consumes_multipart_without_files_is_multipart() -> None:
    field = {"name": "note", "in": "formData", "type": "string"}
    body = operation(swagger({"/a": {"post": op(field, consumes=["multipart/form-data"])}}))["requestBody"]
    assert list(body["content"]) == ["multipart/form-data"]


def test_shared_parameters_go_to_components() -> None:
    doc = swagger(
        {
            "/a": {
                "post": op(
                    {"$ref": "#/parameters/limit"},
                    {"$ref": "#/parameters/pet"},
                    {"$ref": "#/parameters/note"},
                )
            }
        },
        parameters={
            "limit": {"name": "limit", "in": "query", "type": "integer"},
            "pet": {"name": "pet", "in": "body", "schema": {"type": "object"}},
            "note": {"name": "note", "in": "formData", "type": "string"},
        },
    )
    out = upgraded(doc)
    post = out["paths"]["/a"]["post"]
    assert post["parameters"] == [{"$ref": "#/components/parameters/limit"}]
    assert post["requestBody"] == {"$ref": "#/components/requestBodies/pet"}
    assert out["components"]["parameters"] == {
        "limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}
    }
    assert out["components"]["requestBodies"]["pet"]["content"] == {
        "application/json": {"schema": {"type": "object"}}
    }


def test_shared_form_fields_are_inlined() -> None:
    doc = swagger(
        {"/a": {"post": op({"$ref": "#/parameters/note"})}},
        parameters={"note": {"name": "note", "in": "formData", "type": "string", "required": True}},
    )
    out = upgraded(doc)
    schema = out["paths"]["/a"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"][
        "schema"
    ]
    assert schema == {"type": "object", "properties": {"note": {"type": "string"}}, "required": ["note"]}
    assert "components" not in out


# --------------------------------------------------------------------------- responses and schemas


def test_responses_get_content_per_produced_type() -> None:
    doc = swagger(
        {
            "/a": {
                "get": {
                    "produces": ["application/json", "application/xml"],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "schema": {"$ref": "#/definitions/Pet"},
                            "headers": {"X-Rate": {"type": "integer", "description": "left"}},
                            "examples": {"application/json": {"id": 1}},
                        },
                        "404": {"$ref": "#/responses/NotFound"},
                        "default": {"description": "error"},
                    },
                }
            }
        },
        definitions={"Pet": {"type": "object"}},
        responses={"NotFound": {"description": "not found", "schema": {"type": "string"}}},
    )
    out = upgraded(doc)
    responses = out["paths"]["/a"]["get"]["responses"]
    assert responses["200"] == {
        "description": "ok",
        "headers": {"X-Rate": {"description": "left", "schema": {"type": "integer"}}},
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}, "example": {"id": 1}},
            "application/xml": {"schema": {"$ref": "#/components/schemas/Pet"}},
        },
    }
    assert responses["404"] == {"$ref": "#/components/responses/NotFound"}
    assert responses["default"] == {"description": "error"}
    assert out["components"]["responses"]["NotFound"]["content"] == {
        "application/json": {"schema": {"type": "string"}}
    }


def test_file_responses_are_binary() -> None:
    file = {"200": {"description": "f", "schema": {"type": "file"}}}
    doc = swagger(
        {
            "/a": {"get": {"produces": ["application/json"], "responses": file}},
            "/b": {"get": {"produces": ["image/png"], "responses": file}},
        }
    )
    out = upgraded(doc)
    binary = {"schema": {"type": "string", "format": "binary"}}
    assert out["paths"]["/a"]["get"]["responses"]["200"]["content"] == {"application/octet-stream": binary}
    assert out["paths"]["/b"]["get"]["responses"]["200"]["content"] == {"image/png": binary}


def test_schemas_are_converted_everywhere_inside() -> None:
    doc = swagger(
        definitions={
            "Pet": {
                "type": "object",
                "discriminator": "kind",
                "required": ["kind"],
                "properties": {
                    "kind": {"type": "string"},
                    "owner": {"$ref": "#/definitions/Owner", "x-nullable": True},
                    "photos": {"type": "array", "items": {"type": "file"}},
                    "extra": {"type": "object", "additionalProperties": {"$ref": "#/definitions/Owner"}},
                    "either": {"allOf": [{"$ref": "#/definitions/Owner"}]},
                    "example_like": {
                        "type": "object",
                        "example": {"$ref": "#/definitions/Owner", "type": "file"},
                    },
                },
            },
            "Owner": {"type": "object", "x-nullable": True},
        }
    )
    schemas = upgraded(doc)["components"]["schemas"]
    pet = schemas["Pet"]
    assert pet["discriminator"] == {"propertyName": "kind"}
    assert pet["properties"]["owner"] == {"$ref": "#/components/schemas/Owner", "nullable": True}
    assert pet["properties"]["photos"]["items"] == {"type": "string", "format": "binary"}
    assert pet["properties"]["extra"]["additionalProperties"] == {"$ref": "#/components/schemas/Owner"}
    assert pet["properties"]["either"]["allOf"] == [{"$ref": "#/components/schemas/Owner"}]
    # An example is data: it is copied as written.
    assert pet["properties"]["example_like"]["example"] == {"$ref": "#/definitions/Owner", "type": "file"}
    assert schemas["Owner"] == {"type": "object", "nullable": True}


def test_security_definitions_become_security_schemes() -> None:
    auth, token = {"authorizationUrl": "https://a/auth"}, {"tokenUrl": "https://a/token"}
    doc = swagger(
        securityDefinitions={
            "basic": {"type": "basic", "description": "user and password"},
            "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
            "implicit": {"type": "oauth2", "flow": "implicit", **auth, "scopes": {"read": "r"}},
            "password": {"type": "oauth2", "flow": "password", **token},
            "app": {"type": "oauth2", "flow": "application", **token, "scopes": {}},
            "code": {
                "type": "oauth2",
                "flow": "accessCode",
                **auth,
                **token,
                "scopes": {"write": "w"},
                "x-extra": 1,
            },
        },
        security=[{"code": ["write"]}],
    )
    out = upgraded(doc)
    assert out["components"]["securitySchemes"] == {
        "basic": {"type": "http", "scheme": "basic", "description": "user and password"},
        "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
        "implicit": {
            "type": "oauth2",
            "flows": {"implicit": {"authorizationUrl": "https://a/auth", "scopes": {"read": "r"}}},
        },
        "password": {"type": "oauth2", "flows": {"password": {"tokenUrl": "https://a/token", "scopes": {}}}},
        "app": {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": "https://a/token", "scopes": {}}},
        },
        "code": {
            "type": "oauth2",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "https://a/auth",
                    "tokenUrl": "https://a/token",
                    "scopes": {"write": "w"},
                }
            },
            "x-extra": 1,
        },
    }
    assert out["security"] == [{"code": ["write"]}]


def test_the_input_is_not_changed() -> None:
    doc = swagger(
        {"/a": {"post": op({"name": "b", "in": "body", "schema": {"$ref": "#/definitions/P"}})}},
        definitions={"P": {"type": "object", "x-nullable": True, "properties": {"f": {"type": "file"}}}},
    )
    before = copy.deepcopy(doc)
    out = upgraded(doc)
    assert doc == before
    out["components"]["schemas"]["P"]["properties"]["f"]["format"] = "changed"
    assert doc == before, "the result shares nothing with the input"


# --------------------------------------------------------------------------- whole documents


def corpus_v2(corpus: Path) -> list[Path]:
    folder = corpus / "oai-examples" / "v2.0"
    return [
        *sorted(folder.glob("*/*.*")),
        folder / "yaml/petstore-separate/spec/swagger.yaml",
        folder / "json/petstore-separate/spec/swagger.json",
        corpus / "plugin-specs/schooldigger.json",
    ]


@pytest.mark.parametrize("path", corpus_v2(CORPUS), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_2_0_document_upgrades_to_valid_3_0(path: Path, settings: Settings) -> None:
    loaded = load_document(path, settings=settings)
    assert loaded.source_version == "2.0"
    assert loaded.data["openapi"] == "3.0.3"
    validate(loaded.data)
    assert all(ref.startswith("#/") for ref in re.findall(r'"\$ref": "([^"]*)"', json.dumps(loaded.data)))


def test_petstore_operations(corpus: Path, settings: Settings) -> None:
    data = load_document(corpus / "oai-examples/v2.0/json/petstore-expanded.json", settings=settings).data
    assert data["servers"] == [{"url": "http://petstore.swagger.io/api"}]
    find = data["paths"]["/pets"]["get"]
    assert find["parameters"][0] == {
        "name": "tags",
        "in": "query",
        "description": "tags to filter by",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "items": {"type": "string"}},
    }
    add = data["paths"]["/pets"]["post"]["requestBody"]
    assert add["required"] is True
    assert add["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NewPet"}


def test_schooldigger(corpus: Path, settings: Settings) -> None:
    loaded = load_document(corpus / "plugin-specs/schooldigger.json", settings=settings)
    data = loaded.data
    assert data["servers"][0]["url"].startswith("https://api.schooldigger.com")
    operations = [o for item in data["paths"].values() for o in item.values() if "operationId" in o]
    assert operations, "the document has operations"
    for operation_ in operations:
        for parameter in operation_.get("parameters", []):
            assert "schema" in parameter
            assert "type" not in parameter


def kubernetes(settings: Settings) -> dict[str, Any]:
    text = gzip.decompress((DATA / "kubernetes-1.13-swagger.json.gz").read_bytes()).decode()
    loaded = load_text(text, settings=settings)
    assert loaded.source_version == "2.0"
    assert [w.pointer for w in loaded.warnings] == [""]  # Kubernetes serves it from the API server
    return loaded.data


def reachable(doc: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """The document cut down to some paths and the components they use (the validator is slow)."""
    cut = {k: v for k, v in doc.items() if k not in ("paths", "components")}
    cut["paths"] = {p: doc["paths"][p] for p in paths}
    components: dict[str, dict[str, Any]] = {}
    todo = re.findall(r'"\$ref": "#/components/(\w+)/([^"]+)"', json.dumps(cut["paths"]))
    while todo:
        section, name = todo.pop()
        if name in components.setdefault(section, {}):
            continue
        components[section][name] = doc["components"][section][name]
        todo += re.findall(r'"\$ref": "#/components/(\w+)/([^"]+)"', json.dumps(components[section][name]))
    cut["components"] = components
    return cut


def test_kubernetes_operations(settings: Settings) -> None:
    data = kubernetes(settings)
    assert data["servers"] == [{"url": "/"}]
    pods = data["paths"]["/api/v1/namespaces/{namespace}/pods"]
    namespace = next(p for p in pods["parameters"] if p.get("name") == "namespace")
    assert namespace == {
        "name": "namespace",
        "in": "path",
        "description": "object name and auth scope, such as for teams and projects",
        "required": True,
        "schema": {"type": "string", "uniqueItems": True},
    }
    create = pods["post"]
    assert create["operationId"] == "createCoreV1NamespacedPod"
    assert create["requestBody"]["content"] == {
        "*/*": {"schema": {"$ref": "#/components/schemas/io.k8s.api.core.v1.Pod"}}
    }
    assert create["requestBody"]["required"] is True
    assert set(create["responses"]["201"]["content"]) == {
        "application/json",
        "application/yaml",
        "application/vnd.kubernetes.protobuf",
    }
    listing = pods["get"]
    names = [p["name"] for p in listing["parameters"]]
    assert "labelSelector" in names
    assert "limit" in names
    limit = next(p for p in listing["parameters"] if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer", "uniqueItems": True}
    patch = data["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"]
    assert set(patch["requestBody"]["content"]) == {
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
    }
    assert data["components"]["securitySchemes"]["BearerToken"] == {
        "type": "apiKey",
        "name": "authorization",
        "in": "header",
        "description": "Bearer Token authentication",
    }
    assert all(ref.startswith("#/components/") for ref in re.findall(r'"\$ref": "([^"]*)"', json.dumps(data)))
    some_paths = [
        "/api/v1/namespaces/{namespace}/pods",
        "/api/v1/namespaces/{namespace}/pods/{name}",
        "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale",
        "/api/v1/watch/namespaces/{namespace}/configmaps",
    ]
    validate(reachable(data, some_paths))


@pytest.mark.slow
def test_kubernetes_whole_document_is_valid_3_0(settings: Settings) -> None:
    validate(kubernetes(settings))


# --- pointers back into the document as written -------------------------------------------------


def _written() -> dict[str, Any]:
    return {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/pets/{id}": {
                "post": {
                    "operationId": "update",
                    "parameters": [
                        {"name": "pet", "in": "body", "schema": {"$ref": "#/definitions/Pet"}},
                        {"name": "id", "in": "path", "required": True, "type": "string", "pattern": "^x"},
                    ],
                    "responses": {"200": {"description": "ok", "schema": {"type": "object"}}},
                }
            },
            "/upload": {
                "post": {
                    "operationId": "upload",
                    "consumes": ["multipart/form-data"],
                    "parameters": [{"name": "file", "in": "formData", "type": "file"}],
                    "responses": {"200": {"description": "ok"}},
                }
            },
        },
        "definitions": {"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}},
    }


@pytest.mark.parametrize(
    ("upgraded", "written"),
    [
        ("/components/schemas/Pet/properties/name", "/definitions/Pet/properties/name"),
        (
            "/paths/~1pets~1{id}/post/requestBody/content/application~1json/schema",
            "/paths/~1pets~1{id}/post/parameters/0/schema",
        ),
        (
            "/paths/~1pets~1{id}/post/parameters/0/schema/pattern",
            "/paths/~1pets~1{id}/post/parameters/1/pattern",
        ),
        (
            "/paths/~1pets~1{id}/post/responses/200/content/application~1json/schema/type",
            "/paths/~1pets~1{id}/post/responses/200/schema/type",
        ),
        (
            "/paths/~1upload/post/requestBody/content/multipart~1form-data/schema/properties/file",
            "/paths/~1upload/post/parameters/0",
        ),
        ("/paths/~1upload/post", "/paths/~1upload/post"),
        ("/servers/0/url", ""),  # no host: the document itself
        ("/components/securitySchemes/key", ""),  # nothing there: the nearest parent that exists
        ("", ""),
    ],
)
def test_pointers_into_the_upgrade_lead_back_to_the_document_as_written(upgraded: str, written: str) -> None:
    loaded = load_text(json.dumps(_written()), settings=Settings())
    assert loaded.source_pointer(upgraded) == written


def test_three_x_pointers_are_left_alone(settings: Settings) -> None:
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    assert load_text(json.dumps(doc), settings=settings).source_pointer("/servers/0/url") == "/servers/0/url"
