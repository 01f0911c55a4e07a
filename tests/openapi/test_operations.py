"""extract_operations on documents built in the test: each rule, its message and its pointer."""

from __future__ import annotations

from typing import Any

import pytest

from actionforge.openapi.model import Encoding
from actionforge.openapi.operations import (
    OperationsResult,
    choose_media_type,
    extract_operations,
    generated_operation_id,
)
from actionforge.openapi.profiles import get_profile
from actionforge.openapi.report import Issue
from actionforge.settings import Settings


def document(paths: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "paths": paths if paths is not None else {},
    }
    doc.update(top)
    return doc


def extract(doc: dict[str, Any], profile: str = "gpt", **settings: Any) -> OperationsResult:
    s = Settings(**settings)
    return extract_operations(doc, get_profile(profile, s), s)


def op(operation_id: str | None = "op", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"responses": {"200": {"description": "ok"}}, **fields}
    if operation_id is not None:
        body["operationId"] = operation_id
    return body


# --- servers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("servers", "at"),
    [
        (None, ""),  # no `servers` at all: the nearest place that exists is the document
        ([], "/servers"),
        ({"url": "https://api.example.com"}, "/servers"),  # an object, not a list
        ([{"url": ""}], "/servers/0/url"),
        ([{"url": "/v1"}], "/servers/0/url"),
        ([{"url": "ftp://files.example.com"}], "/servers/0/url"),
        ([{"url": "https://{region}.example.com"}], "/servers/0/url"),  # variable without default
        (["https://api.example.com"], "/servers/0"),
    ],
)
def test_servers_without_a_valid_absolute_url_are_an_error(servers: Any, at: str) -> None:
    doc = document({"/a": {"get": op("a")}})
    if servers is None:
        del doc["servers"]
    else:
        doc["servers"] = servers
    result = extract(doc)
    assert Issue("Could not find a valid URL in `servers`", at) in result.errors
    assert result.operations == ()
    assert result.root_domain is None


def test_server_variables_take_their_defaults_and_trailing_slash_is_dropped() -> None:
    doc = document(
        {"/a": {"get": op("a")}},
        servers=[
            {
                "url": "https://{region}.example.com/{base}/",
                "variables": {"region": {"default": "eu"}, "base": {"default": "api/v2"}},
            }
        ],
    )
    result = extract(doc)
    assert result.errors == ()
    assert result.operations[0].server_url == "https://eu.example.com/api/v2"
    assert result.root_domain == "eu.example.com"


def test_first_of_several_servers_is_used_with_a_warning() -> None:
    doc = document(
        {"/a": {"get": op("a")}},
        servers=[{"url": "https://one.example.com/"}, {"url": "https://two.example.com"}],
    )
    result = extract(doc)
    assert Issue("Multiple servers found, using https://one.example.com", "/servers") in result.warnings
    assert result.operations[0].server_url == "https://one.example.com"


def test_operation_on_another_hostname_is_dropped_in_gpt_and_kept_in_extended() -> None:
    doc = document(
        {
            "/a": {"get": op("a")},
            "/b": {"servers": [{"url": "https://other.example.org/x"}], "get": op("b")},
            "/c": {"get": op("c", servers=[{"url": "https://api.example.com/v2"}])},
        }
    )
    gpt = extract(doc)
    assert (
        Issue("Found multiple hostnames, dropping https://other.example.org/x", "/paths/~1b/get")
        in gpt.warnings
    )
    assert [(o.operation_id, o.server_url) for o in gpt.operations] == [
        ("a", "https://api.example.com/v1"),
        ("c", "https://api.example.com/v2"),  # same host, other base path: kept
    ]
    extended = extract(doc, "extended")
    assert [o.server_url for o in extended.operations] == [
        "https://api.example.com/v1",
        "https://other.example.org/x",
        "https://api.example.com/v2",
    ]
    assert extended.root_domain == "api.example.com"


def test_extended_resolves_relative_and_missing_servers_against_the_source_url() -> None:
    s = Settings()
    extended = get_profile("extended", s)
    relative = document({"/a": {"get": op("a")}}, servers=[{"url": "/api"}])
    result = extract_operations(relative, extended, s, base_uri="https://docs.example.com/spec/openapi.json")
    assert result.operations[0].server_url == "https://docs.example.com/api"
    missing = document({"/a": {"get": op("a")}})
    del missing["servers"]
    result = extract_operations(missing, extended, s, base_uri="https://docs.example.com/spec/openapi.json")
    assert result.operations[0].server_url == "https://docs.example.com"
    # the gpt profile never does
    result = extract_operations(relative, get_profile("gpt", s), s, base_uri="https://docs.example.com/")
    assert result.errors == (Issue("Could not find a valid URL in `servers`", "/servers/0/url"),)


# --- operations and methods ------------------------------------------------------------------------


def test_missing_operation_id_is_skipped_in_gpt() -> None:
    result = extract(document({"/pets/{petId}": {"get": op(None, parameters=[_path_param("petId")])}}))
    assert result.operations == ()
    assert result.warnings == (
        Issue(
            "In path /pets/{petId}, method get is missing operationId; skipping", "/paths/~1pets~1{petId}/get"
        ),
    )


def test_extended_generates_readable_unique_ids() -> None:
    doc = document(
        {
            "/pets/{petId}/toys": {"get": op(None, parameters=[_path_param("petId")])},
            "/pets-{petId}/toys": {"get": op(None, parameters=[_path_param("petId")])},
            "/": {"get": op(None)},
            "/x": {"get": op("get_pets_petId_toys_2")},  # an explicit id is never taken by a generated one
        }
    )
    result = extract(doc, "extended")
    ids = [(o.operation_id, o.generated_id) for o in result.operations]
    assert ids == [
        ("get_pets_petId_toys", True),
        ("get_pets_petId_toys_3", True),
        ("get_root", True),
        ("get_pets_petId_toys_2", False),
    ]
    assert result.warnings == ()


def test_generated_operation_id() -> None:
    assert generated_operation_id("get", "/pets/{petId}/toys") == "get_pets_petId_toys"
    assert (
        generated_operation_id("post", "/v1/user.profile/{id}:archive") == "post_v1_user_profile_id_archive"
    )
    assert generated_operation_id("delete", "/") == "delete_root"


def test_unrecognized_methods_are_skipped_and_other_path_item_fields_are_silent() -> None:
    doc = document(
        {
            "/a": {
                "summary": "s",
                "description": "d",
                "parameters": [],
                "servers": [],
                "x-internal": True,
                "get": op("a"),
                "head": op("h"),
                "options": op("o"),
                "trace": op("t"),
            }
        }
    )
    gpt = extract(doc)
    assert [o.operation_id for o in gpt.operations] == ["a"]
    assert gpt.warnings == (
        Issue("Path /a has unrecognized method head; skipping", "/paths/~1a/head"),
        Issue("Path /a has unrecognized method options; skipping", "/paths/~1a/options"),
        Issue("Path /a has unrecognized method trace; skipping", "/paths/~1a/trace"),
    )
    extended = extract(doc, "extended")
    assert [o.operation_id for o in extended.operations] == ["a", "h", "o"]
    assert extended.warnings == (
        Issue("Path /a has unrecognized method trace; skipping", "/paths/~1a/trace"),
    )


def test_more_operations_than_the_limit_is_an_error_naming_the_limit() -> None:
    paths = {f"/p{i}": {"get": op(f"op{i}")} for i in range(31)}
    result = extract(document(paths))
    assert result.errors == (Issue("OpenAPI spec can have a maximum of 30 operations", "/paths"),)
    assert extract(document(paths), max_operations=31).errors == ()
    assert extract(document(paths), max_operations=5).errors == (
        Issue("OpenAPI spec can have a maximum of 5 operations", "/paths"),
    )
    assert extract(document(paths), "extended").errors == ()


def test_long_descriptions_are_warned_about_with_their_pointer() -> None:
    doc = document(
        {
            "/a": {
                "post": op(
                    "a",
                    summary="s" * 301,
                    description="d" * 300,
                    parameters=[{"name": "q", "in": "query", "description": "p" * 701, "schema": {}}],
                )
            }
        }
    )
    result = extract(doc)
    assert result.warnings == (
        Issue(
            "In path /a, method post, summary is longer than 300 characters; it will be truncated",
            "/paths/~1a/post/summary",
        ),
        Issue(
            "In path /a, method post, parameter q description is longer than 700 characters; "
            "it will be truncated",
            "/paths/~1a/post/parameters/0/description",
        ),
    )
    assert len(result.operations) == 1  # still usable: the tool builder truncates


# --- components ------------------------------------------------------------------------------------


def test_components_schemas_must_be_an_object() -> None:
    result = extract(document({}, components={"schemas": []}))
    assert result.errors == (
        Issue("In components section, schemas subsection is not an object", "/components/schemas"),
    )
    assert extract(document({}, components={"schemas": {}})).errors == ()
    assert extract(document({}, components={})).errors == ()


def test_several_security_schemes_warn_in_gpt_only() -> None:
    schemes = {
        "a": {"type": "http", "scheme": "bearer"},
        "b": {"type": "apiKey", "in": "header", "name": "k"},
    }
    doc = document({}, components={"securitySchemes": schemes})
    assert extract(doc).warnings == (
        Issue("Found multiple security schemes, only 1 is supported", "/components/securitySchemes"),
    )
    assert extract(doc, "extended").warnings == ()
    one = document({}, components={"securitySchemes": {"a": schemes["a"]}})
    assert extract(one).warnings == ()


# --- parameters ------------------------------------------------------------------------------------


def _path_param(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, **extra}


def test_header_and_cookie_parameters_are_ignored_in_gpt_and_kept_in_extended() -> None:
    params = [
        {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
        {"name": "session", "in": "cookie", "schema": {"type": "string"}},
        {"name": "q", "in": "query", "schema": {"type": "string"}},
    ]
    doc = document({"/a": {"get": op("a", parameters=params)}})
    gpt = extract(doc)
    assert [p.name for p in gpt.operations[0].parameters] == ["q"]
    assert gpt.warnings == (
        Issue(
            "In path /a, method get, parameter X-Trace has location header; ignoring",
            "/paths/~1a/get/parameters/0",
        ),
        Issue(
            "In path /a, method get, parameter session has location cookie; ignoring",
            "/paths/~1a/get/parameters/1",
        ),
    )
    extended = extract(doc, "extended")
    assert [(p.name, p.location, p.style, p.explode) for p in extended.operations[0].parameters] == [
        ("X-Trace", "header", "simple", False),
        ("session", "cookie", "form", True),
        ("q", "query", "form", True),
    ]
    assert extended.warnings == ()


def test_reserved_headers_are_ignored_even_in_extended() -> None:
    params = [{"name": "Authorization", "in": "header", "schema": {"type": "string"}}]
    result = extract(document({"/a": {"get": op("a", parameters=params)}}), "extended")
    assert result.operations[0].parameters == ()
    assert result.warnings[0].pointer == "/paths/~1a/get/parameters/0"


def test_path_level_parameters_merge_and_the_operation_wins() -> None:
    doc = document(
        {
            "/items/{id}": {
                "parameters": [
                    _path_param("id", description="path level"),
                    {"name": "lang", "in": "query", "schema": {"type": "string"}},
                ],
                "get": op("get", parameters=[_path_param("id", description="operation level")]),
            }
        }
    )
    params = extract(doc).operations[0].parameters
    assert [(p.name, p.description, p.pointer) for p in params] == [
        ("id", "operation level", "/paths/~1items~1{id}/get/parameters/0"),
        ("lang", None, "/paths/~1items~1{id}/parameters/1"),
    ]


def test_parameter_and_body_refs_are_resolved_through_chains() -> None:
    doc = document(
        {
            "/a": {
                "post": op(
                    "a",
                    parameters=[{"$ref": "#/components/parameters/Alias"}],
                    requestBody={"$ref": "#/components/requestBodies/Body"},
                )
            }
        },
        components={
            "parameters": {
                "Alias": {"$ref": "#/components/parameters/Limit"},
                "Limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}},
            },
            "requestBodies": {
                "Body": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}
            },
            "schemas": {"Pet": {"type": "object"}},
        },
    )
    operation = extract(doc).operations[0]
    assert operation.parameters[0].name == "limit"
    assert operation.parameters[0].pointer == "/components/parameters/Limit"
    assert operation.request_body is not None
    assert operation.request_body.schema == {"$ref": "#/components/schemas/Pet"}
    assert operation.request_body.pointer == "/components/requestBodies/Body"


def test_unresolvable_refs_skip_the_operation_with_a_warning_at_the_ref() -> None:
    doc = document(
        {
            "/a": {
                "post": op(
                    "a",
                    parameters=[{"$ref": "#/components/parameters/Missing"}],
                    requestBody={"$ref": "#/components/requestBodies/Gone"},
                )
            }
        },
        components={},
    )
    doc["paths"]["/b"] = {"post": op("b", requestBody={"$ref": "#/components/requestBodies/Gone"})}
    doc["paths"]["/c"] = {"get": op("c")}
    result = extract(doc)
    assert result.errors == ()
    assert result.warnings == (
        Issue(
            "In path /a, method post, $ref '#/components/parameters/Missing' cannot be resolved "
            "(no key 'parameters'); skipping",
            "/paths/~1a/post/parameters/0",
        ),
        Issue(
            "In path /b, method post, $ref '#/components/requestBodies/Gone' cannot be resolved "
            "(no key 'requestBodies'); skipping",
            "/paths/~1b/post/requestBody",
        ),
    )
    assert [o.operation_id for o in result.operations] == ["c"]


def test_parameter_serialization_defaults_and_overrides() -> None:
    params = [
        _path_param("id", required=False),
        {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
        {"name": "ids", "in": "query", "style": "pipeDelimited", "schema": {"type": "array"}},
        {
            "name": "filter",
            "in": "query",
            "style": "deepObject",
            "explode": True,
            "schema": {"type": "object"},
        },
        {"name": "raw", "in": "query", "allowReserved": True, "allowEmptyValue": True, "deprecated": True},
        {"name": "where", "in": "query", "content": {"application/json": {"schema": {"type": "object"}}}},
    ]
    found = {
        p.name: p
        for p in extract(document({"/x/{id}": {"get": op("x", parameters=params)}})).operations[0].parameters
    }
    assert (found["id"].required, found["id"].style, found["id"].explode) == (True, "simple", False)
    assert (found["tags"].required, found["tags"].style, found["tags"].explode) == (False, "form", True)
    assert (found["ids"].style, found["ids"].explode) == ("pipeDelimited", False)
    assert (found["filter"].style, found["filter"].explode) == ("deepObject", True)
    assert (found["raw"].allow_reserved, found["raw"].allow_empty_value, found["raw"].deprecated) == (
        True,
        True,
        True,
    )
    assert found["raw"].schema == {}
    assert (found["where"].content_type, found["where"].schema) == ("application/json", {"type": "object"})


def test_undeclared_path_template_variables_skip_the_operation_with_a_warning() -> None:
    doc = document(
        {
            "/users/{userId}/posts/{postId}": {"get": op("a", parameters=[_path_param("userId")])},
            "/users": {"get": op("b")},
        }
    )
    result = extract(doc)
    assert result.errors == ()
    assert result.warnings == (
        Issue(
            "In path /users/{userId}/posts/{postId}, method get, path parameters are not defined: postId; "
            "skipping",
            "/paths/~1users~1{userId}~1posts~1{postId}/get",
        ),
    )
    assert [o.operation_id for o in result.operations] == ["b"]


# --- request bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        (["text/plain", "application/json"], "application/json"),
        (["application/xml", "application/vnd.api+json"], "application/vnd.api+json"),
        (["multipart/form-data", "application/x-www-form-urlencoded"], "application/x-www-form-urlencoded"),
        (["application/octet-stream", "multipart/form-data"], "multipart/form-data"),
        (["application/octet-stream", "text/plain"], "text/plain"),
        (["image/png", "application/octet-stream"], "application/octet-stream"),
        (["image/png", "application/xml"], "application/xml"),
        (["Application/JSON; charset=utf-8"], "Application/JSON; charset=utf-8"),
        (["image/png", "video/mp4"], "image/png"),
        (["application/x-protobuf", "application/pdf"], "application/pdf"),
        (["application/x-protobuf"], None),
        ([], None),
    ],
)
def test_request_body_media_type_preference(offered: list[str], chosen: str | None) -> None:
    assert choose_media_type(offered) == chosen


def test_request_body_keeps_encoding_and_required() -> None:
    body = {
        "required": True,
        "description": "upload",
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object"},
                "encoding": {
                    "file": {"contentType": "image/png", "headers": {"X-Rate": {"schema": {}}}},
                    "meta": {"style": "deepObject", "explode": True, "allowReserved": True},
                },
            }
        },
    }
    request = extract(document({"/up": {"post": op("up", requestBody=body)}})).operations[0].request_body
    assert request is not None
    assert (request.media_type, request.required, request.description) == (
        "multipart/form-data",
        True,
        "upload",
    )
    assert request.pointer == "/paths/~1up/post/requestBody"
    assert request.encoding == {
        "file": Encoding(content_type="image/png", headers={"X-Rate": {"schema": {}}}),
        "meta": Encoding(style="deepObject", explode=True, allow_reserved=True),
    }


def test_request_body_without_usable_media_type_is_dropped_with_a_warning() -> None:
    body = {"content": {"application/x-protobuf": {"schema": {"type": "string", "format": "binary"}}}}
    result = extract(document({"/img": {"put": op("img", requestBody=body)}}))
    assert result.operations[0].request_body is None
    assert result.warnings == (
        Issue(
            "In path /img, method put, request body has no supported media type "
            "(application/x-protobuf); ignoring it",
            "/paths/~1img/put/requestBody/content",
        ),
    )


# --- flags -----------------------------------------------------------------------------------------


def test_is_consequential_follows_the_flag_or_the_method() -> None:
    doc = document(
        {
            "/a": {
                "get": op("g"),
                "post": op("p"),
                "put": op("u", **{"x-openai-isConsequential": False}),
                "delete": op("d", **{"x-openai-isConsequential": "yes"}),  # not a boolean: method default
                "patch": op("pa"),
            },
            "/b": {"get": op("g2", **{"x-openai-isConsequential": True})},
        }
    )
    flags = {o.operation_id: o.is_consequential for o in extract(doc).operations}
    assert flags == {"g": False, "p": True, "u": False, "d": True, "pa": True, "g2": True}
    extended = {
        o.operation_id: o.is_consequential
        for o in extract(document({"/h": {"head": op("h"), "options": op("o")}}), "extended").operations
    }
    assert extended == {"h": False, "o": False}


def test_security_is_the_operations_own_or_none() -> None:
    doc = document(
        {
            "/open": {"get": op("open", security=[])},
            "/auth": {"get": op("auth", security=[{"oauth": ["read"]}])},
            "/default": {"get": op("default", deprecated=True)},
        }
    )
    ops = {o.operation_id: o for o in extract(doc).operations}
    assert ops["open"].security == ()
    assert not ops["open"].requires_auth
    assert ops["auth"].security == ({"oauth": ["read"]},)
    assert ops["default"].security is None
    assert ops["default"].deprecated
    assert ops["auth"].pointer == "/paths/~1auth/get"


def test_path_item_refs_are_followed() -> None:
    doc = document(
        {"/a": {"$ref": "#/components/pathItems/A"}},
        openapi="3.1.0",
        components={"pathItems": {"A": {"get": op("a")}}},
    )
    result = extract(doc)
    assert [(o.operation_id, o.pointer) for o in result.operations] == [("a", "/components/pathItems/A/get")]
