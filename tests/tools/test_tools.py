from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from actionforge.openapi.jsondata import thaw
from actionforge.openapi.loader import DocumentError, load_document
from actionforge.openapi.model import Operation, Parameter, RequestBody
from actionforge.openapi.operations import extract_operations
from actionforge.openapi.profiles import get_profile
from actionforge.settings import Settings
from actionforge.tools.build import (
    TRUNCATION_MARKER,
    action_description,
    build_tool,
    build_tools,
    truncate,
)
from actionforge.tools.model import ArgumentBinding, Tool
from actionforge.tools.schemas import SchemaConversionError, iter_refs

DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1", "description": "Manage pets."},
    "components": {
        "schemas": {
            "Entity": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "integer", "readOnly": True}},
            },
            "NewPet": {
                "allOf": [
                    {"$ref": "#/components/schemas/Entity"},
                    {
                        "type": "object",
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string", "description": "The pet's name."},
                            "tag": {"type": "string", "nullable": True, "enum": ["a", "b"]},
                            "limit": {"type": "integer"},
                            "friend": {"$ref": "#/components/schemas/Pet"},
                        },
                    },
                ]
            },
            "Pet": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
                },
            },
            "Unused": {"type": "string"},
        }
    },
}


def param(name: str, location: str = "query", **extra: Any) -> Parameter:
    return Parameter(
        name=name,
        location=location,  # type: ignore[arg-type]
        required=extra.pop("required", location == "path"),
        schema=extra.pop("schema", {"type": "string"}),
        pointer=f"/paths/~1pets/post/parameters/{name}",
        **extra,
    )


def body(schema: dict[str, Any], media_type: str = "application/json", **extra: Any) -> RequestBody:
    return RequestBody(
        media_type=media_type,
        schema=schema,
        required=extra.pop("required", True),
        pointer="/paths/~1pets/post/requestBody",
        **extra,
    )


def op(operation_id: str = "createPet", method: str = "post", **extra: Any) -> Operation:
    return Operation(
        operation_id=operation_id,
        method=method,  # type: ignore[arg-type]
        path=extra.pop("path", "/pets"),
        server_url="https://api.example.com",
        pointer="/paths/~1pets/post",
        **extra,
    )


def tool_for(operation: Operation, doc: dict[str, Any] | None = None, **settings: Any) -> Tool:
    return build_tool(operation, doc or DOC, settings=Settings(**settings), source_version="3.0")


def assert_self_contained(schema: Any) -> None:
    Draft202012Validator.check_schema(schema)
    defs = schema.get("$defs", {})
    for ref in iter_refs(schema):
        assert ref.startswith("#/$defs/"), ref
        assert ref.removeprefix("#/$defs/") in defs, f"dangling {ref}"


# --- the flat argument object ----------------------------------------------------------------


def test_path_query_and_object_body_become_one_flat_object() -> None:
    tool = tool_for(
        op(
            path="/owners/{ownerId}/pets",
            parameters=(
                param("ownerId", "path"),
                param("verbose", schema={"type": "boolean", "default": False}),
            ),
            request_body=body({"$ref": "#/components/schemas/NewPet"}),
        )
    )
    schema = tool.parameters
    assert list(schema["properties"]) == ["ownerId", "verbose", "name", "tag", "limit", "friend"]
    assert schema["required"] == ["ownerId", "name"]  # `id` is readOnly: never sent
    assert schema["additionalProperties"] is False
    assert schema["properties"]["verbose"] == {"type": "boolean", "default": False}
    assert schema["properties"]["tag"] == {"type": ["string", "null"], "enum": ["a", "b", None]}
    assert schema["properties"]["name"]["description"] == "The pet's name."
    assert set(schema["$defs"]) == {"Pet"}  # only what this tool reaches
    assert tool.bindings == (
        ArgumentBinding("ownerId", "path", "ownerId"),
        ArgumentBinding("verbose", "query", "verbose"),
        ArgumentBinding("name", "body", "name"),
        ArgumentBinding("tag", "body", "tag"),
        ArgumentBinding("limit", "body", "limit"),
        ArgumentBinding("friend", "body", "friend"),
    )
    assert_self_contained(schema)
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"ownerId": "7", "name": "Rex", "friend": {"children": [{"name": "Kit"}]}})
    assert not validator.is_valid({"ownerId": "7", "name": "Rex", "body": {}})
    assert not validator.is_valid({"ownerId": "7"})


def test_header_and_cookie_parameters_are_exposed_when_present() -> None:
    tool = tool_for(op(parameters=(param("X-Trace", "header"), param("session", "cookie", required=True))))
    assert tool.binding("X-Trace") == ArgumentBinding("X-Trace", "header", "X-Trace")
    assert tool.parameters["required"] == ["session"]


@pytest.mark.parametrize(
    ("schema", "media_type"),
    [
        ({"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}, "application/json"),
        ({"type": "string"}, "text/plain"),
        ({"oneOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "string"}]}, "application/json"),
        ({"type": "object", "additionalProperties": {"type": "integer"}}, "application/json"),
        ({"type": "object"}, "application/json"),
    ],
)
def test_bodies_that_are_not_plain_objects_are_one_body_argument(
    schema: dict[str, Any], media_type: str
) -> None:
    tool = tool_for(op(request_body=body(schema, media_type, required=False)))
    assert list(tool.parameters["properties"]) == ["body"]
    assert tool.bindings == (ArgumentBinding("body", "body_whole", "body"),)
    assert "required" not in tool.parameters
    assert media_type in tool.parameters["properties"]["body"]["description"]
    assert_self_contained(tool.parameters)


def test_whole_body_argument_avoids_parameter_names() -> None:
    tool = tool_for(
        op(
            parameters=(param("body"),),
            request_body=body({"type": "array", "items": {"type": "integer"}}, description="Ids to add."),
        )
    )
    assert list(tool.parameters["properties"]) == ["body", "requestBody"]
    assert tool.binding("requestBody") == ArgumentBinding("requestBody", "body_whole", "requestBody")
    assert tool.parameters["properties"]["requestBody"] == {
        "type": "array",
        "items": {"type": "integer"},
        "description": "Ids to add.",
    }
    assert tool.parameters["required"] == ["requestBody"]
    both = tool_for(
        op(parameters=(param("body"), param("requestBody")), request_body=body({"type": "string"}))
    )
    assert list(both.parameters["properties"]) == ["body", "requestBody", "requestBody_2"]


def test_optional_body_keeps_its_required_properties() -> None:
    tool = tool_for(op(request_body=body({"$ref": "#/components/schemas/NewPet"}, required=False)))
    assert tool.parameters["required"] == ["name"]


# --- collisions and names ------------------------------------------------------------------------


def test_parameter_colliding_with_body_property_is_renamed_by_location() -> None:
    tool = tool_for(
        op(
            parameters=(param("limit", description="Page size."), param("name", "path")),
            request_body=body({"$ref": "#/components/schemas/NewPet"}),
        )
    )
    props = tool.parameters["properties"]
    # Both `name`s are required and both `limit`s optional: the parameters keep the plain names.
    assert list(props) == ["name", "limit", "name__body", "tag", "limit__body", "friend"]
    assert props["limit"]["description"] == "Query parameter `limit`. Page size."
    assert props["limit__body"]["description"] == "Request body property `limit`."
    assert props["name"]["description"] == "Path parameter `name`."
    assert props["name__body"]["description"] == "Request body property `name`. The pet's name."
    assert tool.binding("limit") == ArgumentBinding("limit", "query", "limit")
    assert tool.binding("limit__body") == ArgumentBinding("limit__body", "body", "limit")
    assert tool.parameters["required"] == ["name", "name__body"]


@pytest.mark.parametrize(
    ("parameter_required", "body_required", "winner"),
    [(True, False, "query"), (False, True, "body"), (True, True, "query"), (False, False, "query")],
)
@pytest.mark.parametrize("body_first", [False, True])
def test_a_shared_name_goes_to_the_required_one_then_the_parameter(
    parameter_required: bool, body_required: bool, winner: str, body_first: bool
) -> None:
    properties = {"q": {"type": "string"}, "other": {"type": "integer"}}
    if body_first:
        properties = dict(reversed(properties.items()))
    schema = {"type": "object", "properties": properties, **({"required": ["q"]} if body_required else {})}
    tool = tool_for(op(parameters=(param("q", required=parameter_required),), request_body=body(schema)))
    loser = "body" if winner == "query" else "query"
    assert tool.binding("q") == ArgumentBinding("q", winner, "q")  # type: ignore[arg-type]
    assert tool.binding(f"q__{loser}") == ArgumentBinding(f"q__{loser}", loser, "q")  # type: ignore[arg-type]
    words = {"query": "query parameter", "body": "request body property"}
    assert tool.description.endswith(
        f"Shared names: `q` is the {words[winner]}, `q__{loser}` the {words[loser]}. "
        "A required argument, else a parameter, takes the plain name."
    )


@pytest.mark.parametrize("header_first", [False, True])
def test_among_parameters_a_required_one_wins_then_path_query_header_cookie(header_first: bool) -> None:
    optional = (param("id", "header"), param("id", "query"))
    tool = tool_for(op(parameters=optional[:: -1 if header_first else 1]))
    assert tool.binding("id") == ArgumentBinding("id", "query", "id")
    assert tool.binding("id__header") == ArgumentBinding("id__header", "header", "id")
    required_header = tool_for(op(parameters=(param("id", "query"), param("id", "header", required=True))))
    assert required_header.binding("id") == ArgumentBinding("id", "header", "id")
    assert required_header.binding("id__query") == ArgumentBinding("id__query", "query", "id")


def test_a_tool_without_shared_names_has_no_note() -> None:
    tool = tool_for(op(summary="List pets", parameters=(param("limit"),)))
    assert tool.description == "List pets"


def test_the_shared_names_note_survives_a_long_description_within_the_limit() -> None:
    tool = tool_for(
        op(
            description="x" * 1_000,
            parameters=(param("tag"),),
            request_body=body({"$ref": "#/components/schemas/NewPet"}),
        ),
        max_operation_description_chars=300,
    )
    assert len(tool.description) == 300
    assert TRUNCATION_MARKER in tool.description
    assert tool.description.endswith("takes the plain name.")
    assert "`tag` is the query parameter, `tag__body` the request body property" in tool.description
    tiny = tool_for(
        op(
            description="x" * 1_000,
            parameters=(param("tag"),),
            request_body=body({"$ref": "#/components/schemas/NewPet"}),
        ),
        max_operation_description_chars=100,
    )
    assert len(tiny.description) == 100  # no room for the note: the argument labels still say it
    assert "Shared names" not in tiny.description


def test_query_and_header_with_the_same_name_both_stay_reachable() -> None:
    tool = tool_for(op(parameters=(param("id", "header"), param("id", "query"), param("id", "cookie"))))
    assert [(b.property, b.location, b.name) for b in tool.bindings] == [
        ("id", "query", "id"),
        ("id__header", "header", "id"),
        ("id__cookie", "cookie", "id"),
    ]
    assert tool.parameters["properties"]["id"]["description"] == "Query parameter `id`."


def test_renamed_name_that_is_taken_gets_a_number() -> None:
    schema = {
        "type": "object",
        "properties": {"limit": {"type": "integer"}, "limit__query": {"type": "string"}},
        "required": ["limit"],
    }
    tool = tool_for(op(parameters=(param("limit"),), request_body=body(schema)))
    assert tool.binding("limit") == ArgumentBinding("limit", "body", "limit")
    assert tool.binding("limit__query_2") == ArgumentBinding("limit__query_2", "query", "limit")


def test_wire_names_providers_refuse_are_sanitized_and_bound() -> None:
    schema = {"type": "object", "properties": {"@odata.type": {"type": "string"}}}
    tool = tool_for(op(parameters=(param("$top", schema={"type": "integer"}),), request_body=body(schema)))
    assert tool.binding("top") == ArgumentBinding("top", "query", "$top")
    assert tool.binding("odata.type") == ArgumentBinding("odata.type", "body", "@odata.type")
    assert tool.parameters["properties"]["top"]["description"] == "Query parameter `$top`."


def test_tool_names_are_sanitized_and_unique_across_the_assistant() -> None:
    operations = [op("list pets"), op("list_pets"), op("createPet"), op("x" * 70)]
    tools = build_tools(operations, DOC, settings=Settings(), source_version="3.0", taken_names=["createPet"])
    assert [t.name for t in tools][:3] == ["list_pets", "list_pets_2", "createPet_2"]
    assert len(tools[3].name) == 64
    assert [t.original_name for t in tools] == ["list pets", "list_pets", "createPet", "x" * 70]


# --- descriptions ------------------------------------------------------------------------------


def test_description_uses_summary_and_description() -> None:
    assert tool_for(op(summary="Create a pet", description="Adds it to the store.")).description == (
        "Create a pet\n\nAdds it to the store."
    )
    assert tool_for(op(summary="Create a pet", description="Create a pet")).description == "Create a pet"
    assert tool_for(op(description="Only this.")).description == "Only this."
    assert tool_for(op()).description == "POST /pets"
    assert tool_for(op(summary="Old", deprecated=True)).description == "Deprecated. Old"


def test_descriptions_are_cut_with_a_visible_marker_within_the_limits() -> None:
    tool = tool_for(
        op(summary="s" * 400, parameters=(param("q", description="d" * 900),)),
        max_operation_description_chars=300,
        max_parameter_description_chars=100,
    )
    assert len(tool.description) == 300
    assert tool.description.endswith(TRUNCATION_MARKER)
    described = tool.parameters["properties"]["q"]["description"]
    assert len(described) == 100
    assert described.endswith(" … [truncated]")
    assert truncate("short", 300) == "short"
    assert truncate("abcdef", 3) == "abc"


def test_action_description_is_info_description() -> None:
    assert action_description(DOC) == "Manage pets."
    assert action_description({"info": {"title": "Only a title"}}) == "Only a title"
    assert action_description({}) == ""


# --- files ---------------------------------------------------------------------------------------


def test_binary_arguments_are_base64_and_say_so() -> None:
    multipart = {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}, "caption": {"type": "string"}},
    }
    tool = tool_for(op(request_body=body(multipart, "multipart/form-data")))
    assert tool.parameters["properties"]["file"] == {
        "type": "string",
        "format": "binary",
        "contentEncoding": "base64",
        "description": "Base64-encoded file content.",
    }
    doc = {"components": {"schemas": {"File": {"type": "string", "format": "binary"}}}}
    image = tool_for(op(request_body=body({"$ref": "#/components/schemas/File"}, "image/png")), doc)
    assert image.parameters["properties"]["body"]["contentEncoding"] == "base64"
    assert "Base64" in image.parameters["properties"]["body"]["description"]
    upload = tool_for(op(request_body=body({}, "application/octet-stream")))
    assert upload.parameters["properties"]["body"]["type"] == "string"
    assert upload.parameters["properties"]["body"]["contentEncoding"] == "base64"
    assert "Base64" in upload.parameters["properties"]["body"]["description"]
    photo = tool_for(op(request_body=body({"type": "string", "format": "binary"}, "image/*")))
    assert photo.parameters["properties"]["body"]["description"] == (
        "The whole request body (image/*). Give it as a data URL naming the file's type: "
        "data:image/<subtype>;base64,<content>. Base64-encoded file content."
    )


# --- sharing and failure -------------------------------------------------------------------------


def test_tools_share_definitions_read_only() -> None:
    operations = [
        op("a", request_body=body({"$ref": "#/components/schemas/NewPet"})),
        op("b", request_body=body({"$ref": "#/components/schemas/NewPet"})),
    ]
    first, second = build_tools(operations, DOC, settings=Settings(), source_version="3.0")
    assert first.parameters["$defs"]["Pet"] is second.parameters["$defs"]["Pet"]
    with pytest.raises(TypeError):
        first.parameters["$defs"]["Pet"]["type"] = "string"
    with pytest.raises(TypeError):
        first.parameters["properties"]["name"]["description"] = "changed"
    copy = thaw(first.parameters)
    copy["$defs"]["Pet"]["type"] = "string"
    assert second.parameters["$defs"]["Pet"]["type"] == "object"
    assert json.loads(json.dumps(first.parameters)) == first.parameters


def test_unresolvable_refs_raise_with_the_pointer() -> None:
    with pytest.raises(SchemaConversionError) as caught:
        tool_for(op(parameters=(param("q", schema={"$ref": "#/components/schemas/Nope"}),)))
    assert caught.value.pointer == "/paths/~1pets/post/parameters/q/schema"


# --- real documents ------------------------------------------------------------------------------


def _corpus_documents(corpus: Path) -> list[Path]:
    folders = ["oai-examples", "plugin-specs", "apidevtools", "openapi-core"]
    return sorted(
        p for f in folders for p in (corpus / f).rglob("*") if p.suffix in (".json", ".yaml", ".yml")
    )


def test_every_corpus_tool_is_valid_self_contained_2020_12(corpus: Path) -> None:
    settings = Settings()
    profile = get_profile("extended", settings)
    built = 0
    for path in _corpus_documents(corpus):
        try:
            loaded = load_document(path, settings=settings)
        except DocumentError:
            continue  # invalid on purpose (fail/ fixtures)
        result = extract_operations(loaded.data, profile, settings, base_uri=loaded.base_uri)
        tools = build_tools(
            result.operations, loaded.data, settings=settings, source_version=loaded.source_version
        )
        for tool in tools:
            assert_self_contained(tool.parameters)
            assert tool.parameters["type"] == "object", path
            assert {b.property for b in tool.bindings} == set(tool.parameters["properties"]), path
        assert len({t.name for t in tools}) == len(tools)
        built += len(tools)
    assert built > 120


def test_a_large_document_builds_quickly() -> None:
    """A synthetic GitHub-sized document: 1,200 operations over 300 interlinked components."""
    schemas: dict[str, Any] = {}
    for i in range(300):
        schemas[f"S{i}"] = {
            "allOf": [
                {"$ref": f"#/components/schemas/S{(i * 7) % 300}"},
                {
                    "type": "object",
                    "properties": {
                        f"f{i}": {"type": "string", "nullable": True},
                        "next": {"$ref": f"#/components/schemas/S{(i + 1) % 300}"},
                        "list": {
                            "type": "array",
                            "items": {"$ref": f"#/components/schemas/S{(i * 3) % 300}"},
                        },
                    },
                },
            ]
        }
    doc = {"openapi": "3.0.3", "components": {"schemas": schemas}}
    operations = [
        op(
            f"op{i}",
            parameters=(param("page", schema={"type": "integer"}),),
            request_body=body({"$ref": f"#/components/schemas/S{i % 300}"}),
        )
        for i in range(1200)
    ]
    tools = build_tools(operations, doc, settings=Settings(), source_version="3.0")
    assert len(tools) == 1200
    assert_self_contained(tools[0].parameters)
    # Converted once, shared by every tool that reaches it (speed itself: bench/ingest.py).
    assert tools[0].parameters["$defs"]["S1"] is tools[300].parameters["$defs"]["S1"]
