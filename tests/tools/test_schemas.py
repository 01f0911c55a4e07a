from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from actionforge.openapi.jsondata import FrozenDict, FrozenList, thaw
from actionforge.tools.schemas import SchemaConversionError, SchemaConverter, iter_refs


def convert(schema: Any, components: dict[str, Any] | None = None, version: str = "3.0") -> Any:
    """The converted schema with its $defs attached, as a tool would carry it."""
    doc = {"components": {"schemas": components or {}}}
    converter = SchemaConverter(doc, openapi_version=version)  # type: ignore[arg-type]
    result = converter.convert(schema)
    defs = converter.defs(result)
    if defs and isinstance(result, dict):
        result = {**result, "$defs": defs}
    return result


def assert_self_contained(schema: Any) -> None:
    Draft202012Validator.check_schema(schema)
    defs = schema.get("$defs", {}) if isinstance(schema, dict) else {}
    for ref in iter_refs(schema):
        assert ref.startswith("#/$defs/"), ref
        assert ref.removeprefix("#/$defs/") in defs, f"dangling {ref}"


# --- references ------------------------------------------------------------------------------


def test_component_refs_become_defs_with_only_the_closure_used() -> None:
    components = {
        "Pet": {"type": "object", "properties": {"category": {"$ref": "#/components/schemas/Category"}}},
        "Category": {"type": "object", "properties": {"name": {"type": "string"}}},
        "Unused": {"type": "string"},
    }
    result = convert({"$ref": "#/components/schemas/Pet"}, components)
    assert result["$ref"] == "#/$defs/Pet"
    assert set(result["$defs"]) == {"Pet", "Category"}
    assert result["$defs"]["Pet"]["properties"]["category"] == {"$ref": "#/$defs/Category"}
    assert_self_contained(result)


def test_circular_schemas_stay_references_and_validate() -> None:
    components = {
        "Node": {
            "type": "object",
            "properties": {
                "value": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "owner": {"$ref": "#/components/schemas/Person"},
            },
        },
        "Person": {"type": "object", "properties": {"root": {"$ref": "#/components/schemas/Node"}}},
    }
    result = convert({"$ref": "#/components/schemas/Node"}, components)
    assert set(result["$defs"]) == {"Node", "Person"}
    assert result["$defs"]["Node"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert_self_contained(result)
    validator = Draft202012Validator(result)
    assert validator.is_valid({"value": 1, "children": [{"value": 2, "children": []}]})
    assert not validator.is_valid({"children": [{"value": "two"}]})


def test_each_definition_is_converted_once_and_shared() -> None:
    doc = {"components": {"schemas": {"Pet": {"type": "object", "properties": {"a": {"type": "string"}}}}}}
    converter = SchemaConverter(doc, openapi_version="3.0")
    first = converter.convert({"$ref": "#/components/schemas/Pet"})
    second = converter.convert({"type": "array", "items": {"$ref": "#/components/schemas/Pet"}})
    assert converter.defs(first)["Pet"] is converter.defs(second)["Pet"]
    assert list(converter.defs()) == ["Pet"]


def test_definition_names_are_sanitized_unique_and_derived_from_pointers() -> None:
    components = {
        "Foo Bar": {"type": "string"},
        "Foo_Bar": {"type": "integer"},
        "Pet": {"type": "object", "properties": {"tag": {"type": "string", "maxLength": 3}}},
    }
    schema = {
        "type": "object",
        "properties": {
            "a": {"$ref": "#/components/schemas/Foo%20Bar"},
            "b": {"$ref": "#/components/schemas/Foo_Bar"},
            "c": {"$ref": "#/components/schemas/Pet/properties/tag"},
        },
    }
    result = convert(schema, components)
    props = result["properties"]
    assert props["a"] == {"$ref": "#/$defs/Foo_Bar"}
    assert props["b"] == {"$ref": "#/$defs/Foo_Bar_2"}
    assert props["c"] == {"$ref": "#/$defs/Pet.properties.tag"}
    assert result["$defs"]["Foo_Bar"] == {"type": "string"}
    assert result["$defs"]["Foo_Bar_2"] == {"type": "integer"}
    assert result["$defs"]["Pet.properties.tag"] == {"type": "string", "maxLength": 3}
    assert_self_contained(result)


def test_ref_siblings_are_kept_in_31_and_only_annotations_in_30() -> None:
    components = {"Id": {"type": "string"}}
    schema = {"$ref": "#/components/schemas/Id", "description": "The id", "maxLength": 5}
    assert convert(schema, components, "3.1")["maxLength"] == 5
    in_30 = convert(schema, components, "3.0")
    assert in_30["description"] == "The id"
    assert "maxLength" not in in_30
    assert_self_contained(in_30)


@pytest.mark.parametrize(
    ("schema", "pointer", "message"),
    [
        ({"$ref": "#/components/schemas/Missing"}, "/x", "Could not resolve $ref"),
        ({"$ref": "other.yaml#/Pet"}, "/x", "not a local reference"),
        (
            {"type": "object", "properties": {"a": ["not", "a", "schema"]}},
            "/x/properties/a",
            "must be an object",
        ),
        ({"type": "object", "properties": {"a~/b": {"$ref": "#/nope"}}}, "/x/properties/a~0~1b", "Could not"),
    ],
)
def test_bad_schemas_raise_with_a_pointer(schema: Any, pointer: str, message: str) -> None:
    converter = SchemaConverter({"components": {"schemas": {}}}, openapi_version="3.0")
    with pytest.raises(SchemaConversionError) as caught:
        converter.convert(schema, pointer="/x")
    assert caught.value.pointer == pointer
    assert message in caught.value.message
    assert caught.value.issue.pointer == pointer


# --- keyword rules -----------------------------------------------------------------------------


def test_nullable_in_30_adds_null_to_type_and_enum() -> None:
    assert convert({"type": "string", "nullable": True}) == {"type": ["string", "null"]}
    assert convert({"type": "string", "enum": ["a", "b"], "nullable": True}) == {
        "type": ["string", "null"],
        "enum": ["a", "b", None],
    }
    assert convert({"type": "string", "nullable": False}) == {"type": "string"}


def test_nullable_without_type_means_or_null() -> None:
    components = {"Pet": {"type": "object", "properties": {}}}
    result = convert(
        {"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": True, "description": "d"}
    )
    assert result == {
        "description": "d",
        "anyOf": [{"oneOf": [{"type": "number"}, {"type": "string"}]}, {"type": "null"}],
    }
    wrapped = convert({"allOf": [{"$ref": "#/components/schemas/Pet"}], "nullable": True}, components)
    assert Draft202012Validator(wrapped).is_valid(None)
    assert Draft202012Validator(wrapped).is_valid({})
    assert not Draft202012Validator(wrapped).is_valid(3)


def test_nullable_is_not_a_31_keyword() -> None:
    assert convert({"type": "string", "nullable": True}, version="3.1") == {"type": "string"}
    assert convert({"type": ["string", "null"]}, version="3.1") == {"type": ["string", "null"]}


def test_boolean_exclusive_bounds_become_numbers() -> None:
    assert convert({"type": "number", "minimum": 0, "exclusiveMinimum": True}) == {
        "type": "number",
        "exclusiveMinimum": 0,
    }
    assert convert({"type": "number", "maximum": 9, "exclusiveMaximum": False}) == {
        "type": "number",
        "maximum": 9,
    }
    assert convert({"type": "number", "exclusiveMaximum": 9}, version="3.1") == {
        "type": "number",
        "exclusiveMaximum": 9,
    }


def test_example_becomes_examples() -> None:
    assert convert({"type": "string", "example": "rex"}) == {"type": "string", "examples": ["rex"]}
    assert convert({"type": "string", "example": "a", "examples": ["b"]})["examples"] == ["b"]


def test_openapi_only_and_unknown_keywords_are_dropped() -> None:
    schema = {
        "type": "object",
        "discriminator": {"propertyName": "kind"},
        "xml": {"name": "pet"},
        "externalDocs": {"url": "https://example.com"},
        "x-internal": True,
        "$id": "https://example.com/pet",
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {"Local": {"type": "string"}},
        "writeOnly": True,
        "unknownKeyword": 1,
        "properties": {"kind": {"type": "string", "x-order": 1}},
    }
    assert convert(schema) == {"type": "object", "properties": {"kind": {"type": "string"}}}


def test_read_only_properties_are_removed_from_properties_and_required() -> None:
    components = {"Id": {"type": "string", "readOnly": True}}
    schema = {
        "type": "object",
        "required": ["id", "name", "created", "secret"],
        "properties": {
            "id": {"$ref": "#/components/schemas/Id"},
            "created": {"type": "string", "format": "date-time", "readOnly": True},
            "name": {"type": "string"},
            "secret": {"type": "string", "writeOnly": True},
        },
    }
    result = convert(schema, components)
    assert list(result["properties"]) == ["name", "secret"]
    assert result["required"] == ["name", "secret"]
    assert "$defs" not in result


def test_format_kept_and_files_become_base64_strings() -> None:
    assert convert({"type": "string", "format": "date-time"}) == {"type": "string", "format": "date-time"}
    binary = {"type": "string", "format": "binary", "contentEncoding": "base64"}
    assert convert({"type": "string", "format": "binary"}) == binary
    assert convert({"type": "file"}) == binary


def test_arrays_always_carry_items() -> None:
    assert convert({"type": "array"}) == {"type": "array", "items": {}}
    assert convert({"type": ["array", "null"]}, version="3.1")["items"] == {}
    nested = convert({"type": "object", "properties": {"tags": {"type": "array", "maxItems": 3}}})
    assert nested["properties"]["tags"] == {"type": "array", "maxItems": 3, "items": {}}
    assert convert({"type": "array", "items": [{"type": "string"}]}) == {
        "type": "array",
        "prefixItems": [{"type": "string"}],
        "items": {},
    }


def test_uncompilable_patterns_move_into_the_description() -> None:
    assert convert({"type": "string", "pattern": "^[a-z]+$"}) == {"type": "string", "pattern": "^[a-z]+$"}
    result = convert({"type": "string", "pattern": "^(?<word>\\p{L}+$", "description": "A word."})
    assert "pattern" not in result
    assert result["description"] == "A word. Must match the regular expression `^(?<word>\\p{L}+$`."
    patterns = convert({"type": "object", "patternProperties": {"^ok$": {}, "([": {}}})
    assert patterns["patternProperties"] == {"^ok$": {}}


def test_keyword_values_of_the_wrong_type_are_dropped() -> None:
    schema = {
        "type": "strng",
        "maxLength": "10",
        "minLength": -1,
        "minItems": 2.0,
        "enum": "a",
        "required": "name",
        "multipleOf": 0,
        "uniqueItems": "yes",
        "allOf": [],
        "properties": {"name": {"type": "string", "required": True}},
    }
    result = convert(schema)
    assert result == {"minItems": 2, "properties": {"name": {"type": "string"}}, "required": ["name"]}
    Draft202012Validator.check_schema(result)


def test_one_of_and_any_of_are_kept() -> None:
    components = {"Cat": {"type": "object", "properties": {"meow": {"type": "boolean"}}}}
    schema = {
        "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"type": "string"}],
        "anyOf": [{"minLength": 1}],
    }
    result = convert(schema, components)
    assert result["oneOf"] == [{"$ref": "#/$defs/Cat"}, {"type": "string"}]
    assert result["anyOf"] == [{"minLength": 1}]
    assert_self_contained(result)


def test_draft4_tuple_items_take_additional_items_as_items() -> None:
    schema = {"type": "array", "uniqueItems": True, "items": [{"type": "string"}], "additionalItems": {}}
    assert convert({**schema, "additionalItems": {"type": "integer"}}) == {
        "type": "array",
        "uniqueItems": True,
        "prefixItems": [{"type": "string"}],
        "items": {"type": "integer"},
    }
    assert convert({**schema, "additionalItems": False})["items"] is False


def test_dependent_keywords_keep_only_well_formed_entries() -> None:
    schema = {
        "type": "object",
        "dependentRequired": {"a": ["b", "b"], "c": "x", "d": [1]},
        "dependentSchemas": {"a": {"required": ["b"]}},
        "not": 3,
        "patternProperties": [1],
    }
    assert convert(schema, version="3.1") == {
        "type": "object",
        "dependentRequired": {"a": ["b"]},
        "dependentSchemas": {"a": {"required": ["b"]}},
    }


def test_nullable_keeps_a_type_that_has_null_and_needs_no_wrapper_without_constraints() -> None:
    assert convert({"type": ["string", "null"], "nullable": True}) == {"type": ["string", "null"]}
    assert convert({"type": "null", "nullable": True}) == {"type": "null"}
    assert convert({"nullable": True, "description": "d"}) == {"description": "d"}
    assert Draft202012Validator(convert({"const": "x", "nullable": True})).is_valid(None)


# --- allOf ------------------------------------------------------------------------------------


def test_all_of_object_members_are_merged() -> None:
    components = {
        "Entity": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
        "Named": {
            "allOf": [
                {"$ref": "#/components/schemas/Entity"},
                {"properties": {"name": {"type": "string"}}, "required": ["name"]},
            ]
        },
    }
    schema = {
        "description": "A pet",
        "allOf": [
            {"$ref": "#/components/schemas/Named"},
            {"type": "object", "properties": {"age": {"type": "integer"}}},
        ],
    }
    result = convert(schema, components)
    assert result == {
        "description": "A pet",
        "type": "object",
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["id", "name"],
    }


def test_all_of_with_a_non_object_member_is_kept() -> None:
    components = {"Code": {"type": "string", "pattern": "^[A-Z]{3}$"}}
    schema = {"allOf": [{"$ref": "#/components/schemas/Code"}, {"maxLength": 3}]}
    result = convert(schema, components)
    assert result["allOf"] == [{"$ref": "#/$defs/Code"}, {"maxLength": 3}]
    assert_self_contained(result)


def test_single_member_all_of_becomes_the_member() -> None:
    components = {"Pet": {"type": "object", "properties": {"a": {"type": "string"}}}}
    result = convert({"allOf": [{"$ref": "#/components/schemas/Pet"}], "description": "The pet"}, components)
    assert result["$ref"] == "#/$defs/Pet"
    assert result["description"] == "The pet"


def test_all_of_members_that_cannot_merge_are_converted_as_written() -> None:
    components = {"Pet": {"type": "object", "properties": {"a": {"type": "string"}}}}
    with_siblings = {"allOf": [{"$ref": "#/components/schemas/Pet", "maxProperties": 3}, {"properties": {}}]}
    assert convert(with_siblings, components, version="3.1")["allOf"][0] == {
        "$ref": "#/$defs/Pet",
        "maxProperties": 3,
    }
    merged = convert({"allOf": [True, {"properties": {"a": {"type": "string"}}}]})
    assert merged == {"type": "object", "properties": {"a": {"type": "string"}}}
    assert convert({"allOf": [False, {"description": "never"}]}) is False


@pytest.mark.parametrize(
    ("member", "message"),
    [
        ({"$ref": "#/components/schemas/Missing"}, "no key 'Missing'"),
        ({"$ref": "https://example.com/pet.json"}, "is not a local reference"),
        (1, "must be an object or a boolean, not int"),
    ],
)
def test_an_unmergeable_all_of_member_is_reported_at_its_place(member: Any, message: str) -> None:
    with pytest.raises(SchemaConversionError, match=message) as caught:
        convert({"allOf": [member, {"properties": {"a": {}}}]})
    assert caught.value.pointer == "/allOf/0"


def test_a_lone_all_of_member_takes_the_wrappers_nullable_and_annotations() -> None:
    components = {"Code": {"type": "string"}}
    schema = {"allOf": [{"$ref": "#/components/schemas/Code"}, {"description": "d"}], "nullable": True}
    assert convert(schema, components) == {
        "description": "d",
        "anyOf": [{"$ref": "#/$defs/Code"}, {"type": "null"}],
        "$defs": {"Code": {"type": "string"}},
    }


def test_cycles_that_never_descend_into_the_instance_are_cut() -> None:
    components = {
        "Loop": {"allOf": [{"$ref": "#/components/schemas/Loop"}, {"properties": {"a": {"type": "string"}}}]},
        "A": {"$ref": "#/components/schemas/B"},
        "B": {"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "integer"}]},
    }
    loop = convert({"$ref": "#/components/schemas/Loop"}, components)
    assert loop["$defs"]["Loop"]["allOf"] == [{}, {"properties": {"a": {"type": "string"}}}]
    assert_self_contained(loop)
    assert not Draft202012Validator(loop).is_valid({"a": 1})  # finishes, and still checks `a`
    pair = convert(
        {"anyOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]}, components
    )
    assert pair["$defs"] == {"A": {}, "B": {"anyOf": [{}, {"type": "integer"}]}}
    assert Draft202012Validator(pair).is_valid(3)


def test_a_failed_conversion_leaves_no_dangling_names() -> None:
    doc = {"components": {"schemas": {"Pet": {"properties": {"bad": {"$ref": "#/nowhere"}}}}}}
    converter = SchemaConverter(doc, openapi_version="3.0")
    for _ in range(2):
        with pytest.raises(SchemaConversionError) as caught:
            converter.convert({"$ref": "#/components/schemas/Pet"})
        assert caught.value.pointer == "/components/schemas/Pet/properties/bad"
    assert converter.defs() == {}
    assert converter.convert({"type": "string"}) == {"type": "string"}


# --- sharing ---------------------------------------------------------------------------------


def test_definitions_are_frozen_but_serializable_and_thawable() -> None:
    doc = {"components": {"schemas": {"Pet": {"type": "object", "required": ["a"], "properties": {"a": {}}}}}}
    converter = SchemaConverter(doc, openapi_version="3.0")
    pet = converter.defs(converter.convert({"$ref": "#/components/schemas/Pet"}))["Pet"]
    assert isinstance(pet, FrozenDict)
    assert isinstance(pet["required"], FrozenList)
    with pytest.raises(TypeError, match="thaw"):
        pet["type"] = "string"
    with pytest.raises(TypeError):
        pet["required"].append("b")
    with pytest.raises(TypeError):
        pet.update({})
    assert json.loads(json.dumps(pet)) == pet
    for plain in (thaw(pet), copy.deepcopy(pet), pickle.loads(pickle.dumps(pet))):
        assert plain == pet
        assert type(plain) is dict
        plain["type"] = "string"
    assert pet["type"] == "object"


def test_conversion_never_changes_the_document() -> None:
    components = {
        "Pet": {
            "type": "object",
            "nullable": True,
            "required": ["id"],
            "properties": {
                "id": {"type": "integer", "readOnly": True},
                "tags": {"type": "array", "enum": [[1]]},
            },
        }
    }
    doc = {"components": {"schemas": components}}
    before = copy.deepcopy(doc)
    converter = SchemaConverter(doc, openapi_version="3.0")
    result = converter.convert({"allOf": [{"$ref": "#/components/schemas/Pet"}], "nullable": True})
    thaw(converter.defs(result))["Pet"]["properties"]["tags"]["enum"][0].append(2)
    assert doc == before


# --- random schemas ----------------------------------------------------------------------------

_COMPONENTS = ("A", "B", "C")
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3))
_refs = st.sampled_from(_COMPONENTS).map(lambda n: {"$ref": f"#/components/schemas/{n}"})


def _schema_of(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    keywords: dict[str, st.SearchStrategy[Any]] = {
        "type": st.one_of(
            st.sampled_from(
                ["string", "integer", "number", "boolean", "object", "array", "null", "file", "strng"]
            ),
            st.lists(st.sampled_from(["string", "null", "array", "object"]), max_size=3),
        ),
        "nullable": st.booleans(),
        "readOnly": st.booleans(),
        "properties": st.dictionaries(st.text(max_size=4), children, max_size=3),
        "required": st.one_of(st.lists(st.text(max_size=4), max_size=3), st.booleans(), st.text(max_size=2)),
        "items": st.one_of(children, st.lists(children, max_size=2)),
        "additionalProperties": st.one_of(st.booleans(), children),
        "allOf": st.lists(children, max_size=3),
        "anyOf": st.lists(children, max_size=2),
        "oneOf": st.lists(children, max_size=2),
        "not": children,
        "enum": st.one_of(st.lists(_scalars, max_size=3), _scalars),
        "const": _scalars,
        "default": _scalars,
        "example": _scalars,
        "minimum": st.one_of(st.integers(-3, 3), st.text(max_size=2)),
        "maximum": st.floats(allow_nan=False, allow_infinity=False),
        "exclusiveMinimum": st.one_of(st.booleans(), st.integers()),
        "multipleOf": st.one_of(st.integers(-2, 3), st.floats(allow_nan=False, allow_infinity=False)),
        "maxLength": st.one_of(st.integers(-2, 5), st.floats(allow_nan=False, allow_infinity=False)),
        "pattern": st.sampled_from(["^a+$", "(", "[z-a]", "\\p{L}", "(?<n>x)"]),
        "format": st.sampled_from(["binary", "date", "uuid"]),
        "description": st.text(max_size=5),
        "discriminator": st.just({"propertyName": "kind"}),
        "x-extra": _scalars,
        "patternProperties": st.dictionaries(st.sampled_from(["^a", "(", "b$"]), children, max_size=2),
    }
    return st.fixed_dictionaries({}, optional=keywords)


_schemas = st.recursive(
    st.one_of(st.booleans(), _refs, _schema_of(st.just({}))),
    lambda children: st.one_of(_refs, _schema_of(children)),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    schema=_schemas,
    components=st.fixed_dictionaries(dict.fromkeys(_COMPONENTS, _schemas)),
    version=st.sampled_from(["3.0", "3.1"]),
)
def test_random_schemas_convert_into_valid_self_contained_2020_12(
    schema: Any, components: dict[str, Any], version: str
) -> None:
    result = convert({"type": "object", "properties": {"value": schema}}, components, version)
    assert_self_contained(result)
    Draft202012Validator(result).is_valid({"value": None})  # validators can use it


def test_annotation_only_all_of_members_do_not_inline_the_reference() -> None:
    components = {"Pet": {"type": "object", "properties": {"a": {"type": "string"}}}}
    schema = {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"description": "The pet", "x-note": 1}]}
    assert convert(schema, components) == {
        "$ref": "#/$defs/Pet",
        "description": "The pet",
        "$defs": {"Pet": {"type": "object", "properties": {"a": {"type": "string"}}}},
    }


def test_merged_all_of_does_not_inline_a_definition_inside_itself() -> None:
    # A property of Expr that is `allOf: [Expr, {...}]` (AWS Cost Explorer's shape) used to recurse
    # forever while merging; the inner one stays a reference.
    components = {
        "Expr": {
            "type": "object",
            "properties": {
                "not": {"allOf": [{"$ref": "#/components/schemas/Expr"}, {"properties": {"x": {}}}]},
            },
        }
    }
    schema = {"allOf": [{"$ref": "#/components/schemas/Expr"}, {"properties": {"y": {}}}]}
    result = convert(schema, components)
    assert list(result["properties"]) == ["not", "y"]
    assert result["properties"]["not"]["allOf"][0] == {"$ref": "#/$defs/Expr"}
    assert_self_contained(result)


def test_schemas_nested_beyond_the_recursion_limit_raise_a_conversion_error() -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(3000):
        schema = {"type": "array", "items": schema}
    with pytest.raises(SchemaConversionError, match="nested too deeply"):
        SchemaConverter({}, openapi_version="3.0").convert(schema, pointer="/deep")
