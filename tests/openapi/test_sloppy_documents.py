"""Sloppy documents as real ones are written: each class loads, with a warning at its pointer.

One small document per class of issue 7 §1: the engine's own passes (Swagger 2.0 upgrade,
bundling, operations) accept it, and the request is what the author meant.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import actionforge
from actionforge.openapi.loader import load_text
from actionforge.openapi.operations import OperationsResult, extract_operations
from actionforge.openapi.profiles import get_profile
from actionforge.openapi.report import Issue
from actionforge.openapi.servers import check_server_url
from actionforge.openapi.validate import validate_source
from actionforge.settings import Settings

SETTINGS = Settings()


def document(paths: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "paths": paths,
        **top,
    }


def op(operation_id: str, **fields: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "responses": {"200": {"description": "ok"}}, **fields}


def load(doc: dict[str, Any], profile: str = "gpt", **keywords: Any) -> tuple[OperationsResult, list[Issue]]:
    """The openapi layer end to end on document text: loader warnings and the operations pass."""
    loaded = load_text(json.dumps(doc), settings=SETTINGS)
    result = extract_operations(loaded.data, get_profile(profile, SETTINGS), SETTINGS, **keywords)
    return result, loaded.warnings


# --- paths ------------------------------------------------------------------------------------------


def test_a_path_key_with_a_query_string_sends_its_variables_as_query_parameters() -> None:
    convert = {"name": "convert", "in": "path", "required": True, "schema": {"type": "string"}}
    doc = document({"/uploads?convert={convert}&v=2": {"get": op("upload", parameters=[convert])}})
    result, _ = load(doc)
    [operation] = result.operations
    assert operation.path == "/uploads"
    assert [(p.name, p.location, p.required) for p in operation.parameters] == [
        ("convert", "query", True),
        ("v", "query", True),
    ]
    assert operation.parameters[1].schema == {"type": "string", "enum": ["2"]}
    assert result.warnings == (
        Issue(
            "Path /uploads?convert={convert}&v=2 carries a query string; its fields are sent as query "
            "parameters of /uploads",
            "/paths/~1uploads?convert={convert}&v=2",
        ),
    )
    action = actionforge.load_action(json.dumps(doc))
    request = action.build_request("upload", {"convert": "x", "v": "2"})
    assert str(request.url) == "https://api.example.com/v1/uploads?convert=x&v=2"


def test_a_query_variable_named_differently_from_its_field_keeps_the_fields_name() -> None:
    name = {"name": "name", "in": "query", "schema": {"type": "string"}}
    doc = document({"/export?filename={name}": {"get": op("export", parameters=[name])}})
    [operation] = load(doc)[0].operations
    assert [(p.name, p.location, p.required) for p in operation.parameters] == [("filename", "query", False)]


def test_a_path_key_without_its_leading_slash_is_prefixed() -> None:
    doc = document({"pets/{id}": {"get": op("pet", parameters=[_path("id")])}})
    result, _ = load(doc)
    assert [o.path for o in result.operations] == ["/pets/{id}"]
    assert result.warnings == (
        Issue("Path pets/{id} does not start with '/'; it is read as /pets/{id}", "/paths/pets~1{id}"),
    )


# --- parameters ---------------------------------------------------------------------------------------


def _path(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, **extra}


def test_a_path_parameter_marked_not_required_is_required_with_a_warning() -> None:
    doc = document({"/pets/{id}": {"get": op("pet", parameters=[_path("id", required=False)])}})
    result, _ = load(doc)
    assert result.operations[0].parameters[0].required
    assert result.warnings == (
        Issue(
            "In path /pets/{id}, method get, path parameter id is not marked required; it is treated as "
            "required, as every path parameter is",
            "/paths/~1pets~1{id}/get/parameters/0/required",
        ),
    )


def test_a_parameter_without_a_name_is_ignored_with_a_warning() -> None:
    nameless = {"in": "query", "schema": {"type": "string"}}
    doc = document({"/pets": {"get": op("pets", parameters=[nameless, {"name": "q", "in": "query"}])}})
    result, _ = load(doc)
    assert [p.name for p in result.operations[0].parameters] == ["q"]
    assert result.warnings == (
        Issue(
            "In path /pets, method get, a parameter has no name; ignoring it",
            "/paths/~1pets/get/parameters/0",
        ),
    )


def test_a_parameter_in_an_unknown_place_skips_only_its_operation() -> None:
    body = {"name": "pet", "in": "body", "schema": {"type": "object"}}  # a 2.0 habit in a 3.0 document
    doc = document({"/a": {"post": op("a", parameters=[body])}, "/b": {"get": op("b")}})
    result, _ = load(doc)
    assert result.errors == ()
    assert [o.operation_id for o in result.operations] == ["b"]
    assert result.warnings == (
        Issue(
            "In path /a, method post, parameter pet has unsupported location body; skipping",
            "/paths/~1a/post/parameters/0",
        ),
    )


# --- references and unknown keys -------------------------------------------------------------------------


def test_a_ref_leading_nowhere_in_a_response_schema_is_a_warning() -> None:
    response = {
        "description": "ok",
        "content": {"application/json": {"schema": {"$ref": "#/definitions/Gone"}}},
    }
    doc = document({"/a": {"get": {"operationId": "a", "responses": {"200": response}}}})
    result, warnings = load(doc)
    assert [o.operation_id for o in result.operations] == ["a"]
    assert warnings == [
        Issue(
            "Could not resolve $ref '#/definitions/Gone': no key 'definitions'",
            "/paths/~1a/get/responses/200/content/application~1json/schema",
        )
    ]


def test_unknown_keys_in_an_operation_and_at_the_root_change_nothing() -> None:
    doc = document({"/a": {"get": op("a", cache={"ttl": 60})}}, parameters={"shared": {"in": "query"}})
    result, warnings = load(doc)
    assert result.errors == ()
    assert warnings == []
    assert [o.operation_id for o in result.operations] == ["a"]


# --- Swagger 2.0 ------------------------------------------------------------------------------------------


def swagger(definitions: dict[str, Any]) -> dict[str, Any]:
    return {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "host": "slack.example.com",
        "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {"description": "ok"}}}}},
        "definitions": definitions,
    }


def test_swagger_items_as_a_list_with_a_null_member_become_nullable_any_of() -> None:
    doc = swagger(
        {
            "User": {"type": "object"},
            "Users": {"type": "array", "items": [{"$ref": "#/definitions/User"}, {"type": "null"}]},
            "Names": {"type": "array", "items": [{"type": "string"}, {"type": "null"}]},
            "Mixed": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]},
        }
    )
    loaded = load_text(json.dumps(doc), settings=SETTINGS)
    schemas = loaded.data["components"]["schemas"]
    assert schemas["Users"]["items"] == {"anyOf": [{"$ref": "#/components/schemas/User"}], "nullable": True}
    assert schemas["Names"]["items"] == {"type": "string", "nullable": True}
    assert schemas["Mixed"]["items"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    message = "items is a list of schemas, which OpenAPI does not allow; it is read as anyOf"
    assert [w for w in loaded.warnings if w.message == message] == [
        Issue(message, f"/definitions/{name}/items") for name in ("Users", "Names", "Mixed")
    ]
    report, _ = validate_source(json.dumps(doc), profile="extended", settings=SETTINGS)
    assert not [e for e in report.errors if "/definitions" in e.pointer or "/components" in e.pointer]


def test_swagger_null_types_become_nullable() -> None:
    doc = swagger(
        {
            "Pet": {
                "type": "object",
                "properties": {
                    "gone": {"type": "null"},
                    "name": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
            }
        }
    )
    loaded = load_text(json.dumps(doc), settings=SETTINGS)
    properties = loaded.data["components"]["schemas"]["Pet"]["properties"]
    assert properties["gone"] == {"nullable": True, "enum": [None]}
    assert properties["name"] == {"anyOf": [{"type": "string"}], "nullable": True}
    assert {w.pointer for w in loaded.warnings} == {
        "/definitions/Pet/properties/gone/type",
        "/definitions/Pet/properties/name/anyOf",
    }


# --- servers written loosely -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("servers", "url", "warning"),
    [
        (
            [{"url": "//api.example.com/v2"}],
            "https://api.example.com/v2",
            Issue(
                "Server URL '//api.example.com/v2' has no scheme; using https://api.example.com/v2",
                "/servers/0/url",
            ),
        ),
        (
            [{"url": "api.example.com"}],
            "https://api.example.com",
            Issue(
                "Server URL 'api.example.com' has no scheme; using https://api.example.com", "/servers/0/url"
            ),
        ),
        (
            [{"url": "/v2"}, {"url": "https://api.example.com/v2"}],
            "https://api.example.com/v2",
            Issue(
                "The first server, '/v2', is a relative URL; using https://api.example.com/v2",
                "/servers/0/url",
            ),
        ),
    ],
)
def test_loosely_written_servers_load_with_a_warning(servers: list[Any], url: str, warning: Issue) -> None:
    for profile in ("gpt", "extended"):
        result, _ = load(document({"/a": {"get": op("a")}}, servers=servers), profile)
        assert result.errors == ()
        assert [o.server_url for o in result.operations] == [url]
        assert warning in result.warnings
        assert result.root_domain == "api.example.com"


# --- documents without an absolute server ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("servers", "given", "url"),
    [
        ([{"url": "/"}], "https://k8s.internal.example", "https://k8s.internal.example"),
        ([{"url": "/api/v4"}], "https://git.example.com/gitlab/", "https://git.example.com/gitlab/api/v4"),
        (None, "https://k8s.internal.example", "https://k8s.internal.example"),
        (
            [{"url": "https://gitlab.com/api/v4"}],
            "https://git.example.com/api/v4",
            "https://git.example.com/api/v4",
        ),
    ],
)
def test_the_callers_server_url_is_the_base_a_relative_server_joins(
    servers: list[Any] | None, given: str, url: str
) -> None:
    doc = document({"/a": {"get": op("a")}}, servers=servers)
    if servers is None:
        del doc["servers"]
    for profile in ("gpt", "extended"):
        result, _ = load(doc, profile, server_url=given)
        assert result.errors == ()
        assert [o.server_url for o in result.operations] == [url]
    report, analysis = validate_source(json.dumps(doc), settings=SETTINGS, server_url=given)
    assert analysis is not None
    assert [o.server_url for o in analysis.operations] == [url]
    assert report.root_domain == url.split("/")[2]


def test_server_variables_take_the_callers_values_before_their_defaults() -> None:
    servers = [
        {"url": "https://{tenant}.example.com/{v}", "variables": {"tenant": {}, "v": {"default": "v1"}}}
    ]
    doc = document({"/a": {"get": op("a")}}, servers=servers)
    assert load(doc)[0].errors == (Issue("Could not find a valid URL in `servers`", "/servers/0/url"),)
    result, _ = load(doc, server_variables={"tenant": "acme"})
    assert [o.server_url for o in result.operations] == ["https://acme.example.com/v1"]
    assert result.root_domain == "acme.example.com"


def test_without_a_server_url_the_gpt_profile_keeps_its_message_at_a_pointer_that_exists() -> None:
    relative = document({"/a": {"get": op("a")}}, servers=[{"url": "/"}])
    assert load(relative)[0].errors == (Issue("Could not find a valid URL in `servers`", "/servers/0/url"),)
    missing = document({"/a": {"get": op("a")}})
    del missing["servers"]
    assert load(missing)[0].errors == (Issue("Could not find a valid URL in `servers`", ""),)


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("ftp://files.example.com", "The server URL given must start with https:// or http://"),
        ("k8s.internal.example", "The server URL given must start with https:// or http://"),
        ("https://", "The server URL given has no host"),
        (
            "https://admin:hunter2@k8s.example.com",
            "The server URL given must not contain a user name or password",
        ),
        ("https://k8s.example.com/?x=1", "The server URL given must not have a query or a fragment"),
        (" https://k8s.example.com", "The server URL given is empty or contains whitespace"),
        ("https://k8s.example.com:99999", "The server URL given is not a valid URL"),
    ],
)
def test_the_callers_server_url_is_checked_without_echoing_it(given: str, problem: str) -> None:
    assert check_server_url(given) == problem
    result, _ = load(document({"/a": {"get": op("a")}}), server_url=given)
    assert result.errors == (Issue(problem, ""),)
    assert result.operations == ()
    assert "hunter2" not in repr(result)


def test_good_server_urls_pass_the_check() -> None:
    assert check_server_url("https://k8s.internal.example:6443/base") is None
    assert check_server_url("http://localhost:8080") is None


def test_no_servers_in_the_extended_profile_points_at_the_document_when_unresolvable() -> None:
    missing = document({"/a": {"get": op("a")}})
    del missing["servers"]
    result, _ = load(missing, "extended", base_uri="file:///specs/openapi.json")
    assert result.errors == (Issue("Could not find a valid URL in `servers`", ""),)
    result, _ = load(missing, "extended", base_uri="https://docs.example.com/openapi.json")
    assert [o.server_url for o in result.operations] == ["https://docs.example.com"]


# --- through the whole engine --------------------------------------------------------------------------

_PET_ID = {"name": "id", "in": "path", "required": False, "schema": {"type": "string"}}
_GONE = {
    "description": "ok",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Gone"}}},
}
WHOLE_ENGINE = {
    "unknown keys": document({"/a": {"get": op("a", cache={"ttl": 60})}}, parameters={"shared": {}}),
    "dangling response ref": document({"/a": {"get": {"operationId": "a", "responses": {"200": _GONE}}}}),
    "path parameter not required": document({"/a/{id}": {"get": op("a", parameters=[_PET_ID])}}),
    "no leading slash": document({"a": {"get": op("a")}}),
    "query string in the key": document({"/a?v={v}": {"get": op("a")}}),
    "parameter without a name": document(
        {"/a": {"get": op("a", parameters=[{"in": "query", "schema": {"type": "string"}}])}}
    ),
    "scheme-relative server": document({"/a": {"get": op("a")}}, servers=[{"url": "//api.example.com/v1"}]),
    "bare host server": document({"/a": {"get": op("a")}}, servers=[{"url": "api.example.com/v1"}]),
    "swagger items list": swagger({"L": {"type": "array", "items": [{"type": "string"}, {"type": "null"}]}}),
}


@pytest.mark.parametrize("name", list(WHOLE_ENGINE))
def test_each_class_loads_as_an_action_with_warnings(name: str) -> None:
    for profile in ("gpt", "extended"):
        action = actionforge.load_action(json.dumps(WHOLE_ENGINE[name]), profile)
        assert [t.original_name for t in action.tool_list] == ["a"]
        assert action.report.warnings
        for issue in action.report.warnings:
            assert issue.pointer == "" or issue.pointer.startswith("/")


def test_path_and_operation_servers_are_read_against_the_root_and_skip_only_their_own() -> None:
    doc = document(
        {
            "/a": {"servers": [{"url": "/v2"}], "get": op("a")},
            "/b": {"get": op("b", servers=[{"url": "ftp://files.example.com"}])},
            "/c": {"get": op("c")},
        }
    )
    result, _ = load(doc)
    assert result.errors == ()
    assert [(o.operation_id, o.server_url) for o in result.operations] == [
        ("a", "https://api.example.com/v2"),
        ("c", "https://api.example.com/v1"),
    ]
    assert result.warnings == (
        Issue(
            "Could not find a valid URL in `servers`; skipping the operations it applies to",
            "/paths/~1b/get/servers/0/url",
        ),
    )


def test_a_fragment_in_the_path_key_is_dropped_from_the_path_and_read_as_query_fields() -> None:
    """AWS's descriptions write ``/#Action=SendMessage`` and declare ``Action`` as well."""
    action_param = {
        "name": "Action",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "enum": ["Send"]},
    }
    doc = document(
        {
            "/#Action=Send": {"get": op("send", parameters=[action_param])},
            "/#Action=Receive": {"get": op("receive")},
        }
    )
    result, _ = load(doc)
    assert [o.path for o in result.operations] == ["/", "/"]
    assert result.warnings[0] == Issue(
        "Path /#Action=Send carries a fragment; its fields are sent as query parameters of /",
        "/paths/~1#Action=Send",
    )
    action = actionforge.load_action(json.dumps(doc))
    assert (
        str(action.build_request("send", {"Action": "Send"}).url) == "https://api.example.com/v1/?Action=Send"
    )
    assert str(action.build_request("receive", {"Action": "Receive"}).url) == (
        "https://api.example.com/v1/?Action=Receive"
    )


@pytest.mark.parametrize("value", ["evil.example@", "x?y=1", "a#b", "a b", ""])
def test_server_variable_values_cannot_change_the_host_or_add_a_query(value: str) -> None:
    servers = [{"url": "https://{tenant}.example.com", "variables": {"tenant": {"default": "www"}}}]
    result, _ = load(document({"/a": {"get": op("a")}}, servers=servers), server_variables={"tenant": value})
    assert result.operations == ()
    assert [e.pointer for e in result.errors] == [""]
    assert "tenant" in result.errors[0].message


def test_a_server_with_credentials_in_its_url_is_not_used() -> None:
    doc = document({"/a": {"get": op("a")}}, servers=[{"url": "https://user:pw@api.example.com"}])
    assert load(doc)[0].errors == (Issue("Could not find a valid URL in `servers`", "/servers/0/url"),)


@pytest.mark.parametrize("value", ["evil.example/x", "evil.example:443/x", "a_b"])
def test_a_server_variable_in_the_host_takes_only_host_characters(value: str) -> None:
    servers = [
        {"url": "https://{tenant}.example.com/{base}", "variables": {"tenant": {}, "base": {"default": "v1"}}}
    ]
    doc = document({"/a": {"get": op("a")}}, servers=servers)
    result, _ = load(doc, server_variables={"tenant": value})
    assert result.errors == (Issue("Could not find a valid URL in `servers`", "/servers/0/url"),)
    result, _ = load(doc, server_variables={"tenant": "acme", "base": "api/v2"})
    assert [o.server_url for o in result.operations] == ["https://acme.example.com/api/v2"]


def test_a_hash_that_is_not_followed_by_fields_stays_in_the_path() -> None:
    doc = document({"/send/#env/v1/{id}": {"get": op("send", parameters=[_path("id")])}})
    result, _ = load(doc)
    assert [o.path for o in result.operations] == ["/send/#env/v1/{id}"]
    assert result.warnings == ()
