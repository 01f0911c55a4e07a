from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from actionforge.calls.arguments import (
    MAX_LISTED_PROBLEMS,
    MAX_SHOWN_VALUE_CHARS,
    ArgumentsError,
    _QuickCompiler,
    check_arguments,
)
from actionforge.calls.repairs import Repair
from actionforge.openapi.model import Operation
from actionforge.tools.model import ArgumentBinding, BindingLocation, Tool

PET_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "the pet's name"},
        "status": {"type": "string", "enum": ["available", "pending", "sold"]},
        "tag": {"type": "string"},
        "age": {"type": "integer"},
        "ownerId": {"type": "string"},
        "category": {"$ref": "#/$defs/Category"},
        "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
        "kind": {"const": "pet"},
        "nickname": {"type": ["string", "null"]},
    },
    "required": ["name"],
    "additionalProperties": False,
    "$defs": {
        "Category": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "label": {"type": "string"}},
            "required": ["id"],
        },
        "Item": {
            "type": "object",
            "properties": {"sku": {"type": "string"}, "price": {"type": "number"}},
            "required": ["sku", "price"],
        },
    },
}
PET_BINDINGS: dict[str, BindingLocation] = {
    "name": "body",
    "status": "body",
    "tag": "body",
    "age": "body",
    "ownerId": "path",
    "category": "body",
    "items": "body",
    "kind": "body",
    "nickname": "body",
}


def make_tool(
    parameters: dict[str, Any], bindings: dict[str, BindingLocation] | None = None, name: str = "createPet"
) -> Tool:
    """A Tool built by hand: the check needs only its name, schema and bindings."""
    operation = Operation(
        operation_id=name, method="post", path="/pets", server_url="https://api.example.com", pointer="/x"
    )
    return Tool(
        name=name,
        original_name=name,
        description="",
        parameters=parameters,
        operation=operation,
        bindings=tuple(ArgumentBinding(p, loc, p) for p, loc in (bindings or {}).items()),
    )


PET = make_tool(PET_PARAMETERS, PET_BINDINGS)
ITEM_CLOSED = {"type": "object", "properties": {"color": {"type": "string"}}, "additionalProperties": False}


def checked_args(tool: Tool, arguments: Any, **kw: Any) -> dict[str, Any]:
    return check_arguments(tool, arguments, **kw).arguments


def problems_of(tool: Tool, arguments: Any, **kw: Any) -> ArgumentsError:
    with pytest.raises(ArgumentsError) as info:
        check_arguments(tool, arguments, **kw)
    return info.value


def test_valid_arguments_come_back_as_a_new_dict() -> None:
    args = {"name": "Rex", "status": "sold", "items": [{"sku": "a", "price": 2.5}], "category": {"id": 3}}
    checked = checked_args(PET, args)
    assert checked == args
    assert checked is not args


def test_a_json_string_of_an_object_is_accepted() -> None:
    assert checked_args(PET, '{"name": "Rex", "age": 3}') == {"name": "Rex", "age": 3}


@pytest.mark.parametrize("empty", [None, "", "  "])
def test_no_arguments_mean_an_empty_object(empty: Any) -> None:
    tool = make_tool({"type": "object", "properties": {"q": {"type": "string"}}})
    assert checked_args(tool, empty) == {}


@pytest.mark.parametrize(
    ("arguments", "words"),
    [([1, 2], "not an array"), ("[1]", "not an array"), (42, "not a number"), ('"x"', "not a string")],
)
def test_arguments_that_are_not_an_object_are_refused(arguments: Any, words: str) -> None:
    error = problems_of(PET, arguments)
    assert f"must be a JSON object, {words}" in error.message
    assert error.message.startswith("Invalid arguments for tool `createPet`:")


def test_invalid_json_text_is_refused_with_the_parse_error() -> None:
    error = problems_of(PET, '{"name": ')
    assert "not valid JSON" in error.problems[0]
    assert "Fix these and call `createPet` again." in error.message


def test_unknown_keys_are_named_in_the_originals_form_in_the_order_sent() -> None:
    error = problems_of(PET, {"name": "Rex", "zeta": 1, "alpha": 2})
    lines = error.message.splitlines()
    assert lines[0] == "UnrecognizedKwargsError: zeta, alpha"
    assert lines[1] == (
        "Valid parameters for `createPet`: name, status, tag, age, ownerId, category, items, kind, nickname"
    )
    assert lines[-1] == "Fix these and call `createPet` again."
    assert error.problems == ["UnrecognizedKwargsError: zeta, alpha"]


def test_an_unknown_name_close_to_a_valid_one_is_refused_with_a_suggestion() -> None:
    tool = make_tool(
        {
            "type": "object",
            "properties": {"filters": {"type": "string"}, "limit": {"type": "integer"}},
            "additionalProperties": False,
        }
    )
    error = problems_of(tool, {"filter": "x", "LIMIT": 2, "zzz": 1})
    assert error.message.splitlines()[:4] == [
        "UnrecognizedKwargsError: filter, LIMIT, zzz",
        "`filter`: did you mean `filters`?",
        "`LIMIT`: did you mean `limit`?",
        "Valid parameters for `createPet`: filters, limit",
    ]
    assert error.problems == ["UnrecognizedKwargsError: filter, LIMIT, zzz"]
    assert error.repairs == ()  # never renamed to the suggestion


def test_an_unknown_name_inside_an_object_gets_a_suggestion_too() -> None:
    error = problems_of(
        make_tool(
            {
                "type": "object",
                "properties": {"item": {"$ref": "#/$defs/Item"}},
                "$defs": {"Item": ITEM_CLOSED},
            }
        ),
        {"item": {"colour": "red", "qqq": 1}},
    )
    assert error.problems == ["`item`: UnrecognizedKwargsError: colour, qqq; `colour`: did you mean `color`?"]


def test_unknown_keys_and_schema_errors_are_reported_together() -> None:
    error = problems_of(PET, {"bogus": 1, "status": "sleeping"})
    assert error.problems == [
        "UnrecognizedKwargsError: bogus",
        '`status`: "sleeping" is not one of ["available", "pending", "sold"]',
        "`name`: required property is missing",
    ]
    assert "Invalid arguments for tool `createPet`:\n- `status`:" in error.message


def test_a_body_wrapper_is_refused_without_repair() -> None:
    error = problems_of(PET, {"body": {"name": "Rex"}}, repair=False)
    assert error.problems[0] == "UnrecognizedKwargsError: body"


@pytest.mark.parametrize("wrapper", ["body", "requestBody", "request_body", "data"])
def test_a_body_wrapper_is_unwrapped_when_repair_is_on(wrapper: str) -> None:
    args = {wrapper: {"name": "Rex", "tag": "dog"}, "ownerId": "u1"}
    checked = check_arguments(PET, args)
    assert checked.arguments == {"ownerId": "u1", "name": "Rex", "tag": "dog"}
    assert checked.repairs == (Repair(f"/{wrapper}", "unwrapped", '{"name": "Rex", "tag": "dog"}'),)


def test_a_wrapper_holding_non_body_keys_is_not_unwrapped() -> None:
    # ownerId is a path parameter: the wrapper is not a body, so it stays an unknown key.
    error = problems_of(PET, {"body": {"name": "Rex", "ownerId": "u1"}})
    assert error.problems[0] == "UnrecognizedKwargsError: body"


def test_a_wrapper_that_conflicts_with_a_top_level_key_is_not_unwrapped() -> None:
    error = problems_of(PET, {"name": "Rex", "body": {"name": "Max"}})
    assert error.problems[0] == "UnrecognizedKwargsError: body"


def test_a_real_property_named_like_a_wrapper_is_left_alone() -> None:
    tool = make_tool(
        {
            "type": "object",
            "properties": {"data": {"type": "object"}, "name": {"type": "string"}},
            "additionalProperties": False,
        },
        {"data": "body", "name": "body"},
    )
    checked = checked_args(tool, {"data": {"name": "x"}})
    assert checked == {"data": {"name": "x"}}


def test_every_problem_is_listed_with_its_path() -> None:
    args = {
        "status": "sleeping",
        "age": "three",
        "kind": "cat",
        "category": {"label": 5},
        "items": [{"sku": "a", "price": 1}, {"sku": "b"}, {"sku": "c", "price": "cheap"}],
    }
    error = problems_of(PET, args, repair=False)
    assert sorted(error.problems) == sorted(
        [
            '`status`: "sleeping" is not one of ["available", "pending", "sold"]',
            '`age`: "three" is not of type integer',
            '`kind`: "cat" must be "pet"',
            "`category.id`: required property is missing",
            "`category.label`: 5 is not of type string",
            "`items[1].price`: required property is missing",
            '`items[2].price`: "cheap" is not of type number',
            "`name`: required property is missing",
        ]
    )
    assert error.message.startswith("Invalid arguments for tool `createPet`:\n- ")
    assert error.message.endswith("\nFix these and call `createPet` again.")


def test_several_missing_required_properties_are_each_named() -> None:
    tool = make_tool(
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "required": ["a", "b"],
        }
    )
    assert problems_of(tool, {}).problems == [
        "`a`: required property is missing",
        "`b`: required property is missing",
    ]


def test_huge_values_are_never_quoted_in_full() -> None:
    huge = "x" * 10_000
    error = problems_of(PET, {"name": "Rex", "age": huge})
    assert len(error.message) < 400
    shown = error.problems[0]
    assert "…" in shown
    assert len(shown) < MAX_SHOWN_VALUE_CHARS + 40


def test_huge_values_under_other_keywords_are_shortened_too() -> None:
    tool = make_tool({"type": "object", "properties": {"q": {"type": "string", "maxLength": 3}}})
    error = problems_of(tool, {"q": "y" * 5_000})
    assert "is too long" in error.problems[0]
    assert len(error.problems[0]) < 200


def test_the_list_of_problems_is_capped() -> None:
    props = {f"p{i}": {"type": "integer"} for i in range(40)}
    tool = make_tool({"type": "object", "properties": props})
    error = problems_of(tool, {f"p{i}": "x" for i in range(40)})
    assert len(error.problems) == 40
    assert f"- ... and {40 - MAX_LISTED_PROBLEMS} more" in error.message
    assert error.message.count("\n- `") == MAX_LISTED_PROBLEMS


def test_null_for_an_optional_property_that_refuses_null_is_dropped_and_listed() -> None:
    checked = check_arguments(PET, {"name": "Rex", "tag": None, "category": None})
    assert checked.arguments == {"name": "Rex"}
    assert checked.repairs == (Repair("/tag", "to_absent", "null"), Repair("/category", "to_absent", "null"))
    assert problems_of(PET, {"name": "Rex", "tag": None}, repair=False).problems == [
        "`tag`: null is not of type string"
    ]


def test_null_is_kept_where_the_schema_allows_it() -> None:
    assert checked_args(PET, {"name": "Rex", "nickname": None}) == {"name": "Rex", "nickname": None}


def test_null_for_a_required_property_is_an_error() -> None:
    assert problems_of(PET, {"name": None}).problems == ["`name`: null is not of type string"]


def test_booleans_are_not_integers_and_integral_floats_are() -> None:
    assert problems_of(PET, {"name": "Rex", "age": True}).problems == ["`age`: true is not of type integer"]
    assert checked_args(PET, {"name": "Rex", "age": 3.0}) == {"name": "Rex", "age": 3.0}


def test_additional_properties_allowed_explicitly_lets_unknown_keys_through() -> None:
    tool = make_tool(
        {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": True}
    )
    assert checked_args(tool, {"a": "x", "b": 2}) == {"a": "x", "b": 2}


def test_unusual_property_names_are_quoted_in_paths() -> None:
    tool = make_tool({"type": "object", "properties": {"filter.name": {"type": "string"}}})
    assert problems_of(tool, {"filter.name": 1}, repair=False).problems == [
        '`["filter.name"]`: 1 is not of type string'
    ]


def test_a_broken_schema_is_reported_not_raised() -> None:
    tool = make_tool({"type": "object", "properties": {"a": {"$ref": "#/$defs/Missing"}}})
    error = problems_of(tool, {"a": 1})
    assert "could not be applied" in error.problems[0]


@pytest.mark.parametrize(
    "args",
    [
        {"name": "Rex", "status": "available", "age": 3, "tag": "dog"},
        {"name": "Rex", "category": {"id": 1, "label": "dogs"}, "items": [{"sku": "a", "price": 2.5}] * 3},
    ],
)
def test_the_checker_is_compiled_once_per_tool(args: dict[str, Any]) -> None:
    # Speed itself is measured in bench/calls.py, not asserted here.
    from actionforge.calls.arguments import _checker_for

    assert checked_args(PET, args) == checked_args(PET, args)
    assert _checker_for(PET) is _checker_for(PET)


# --- the quick path never accepts what jsonschema refuses -----------------------------------------

SCALAR_SCHEMAS = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["string", "integer", "number", "boolean", "null"])}),
    st.fixed_dictionaries(
        {"type": st.lists(st.sampled_from(["string", "integer", "number", "boolean", "null"]), min_size=1)}
    ),
    st.fixed_dictionaries(
        {"enum": st.lists(st.one_of(st.none(), st.booleans(), st.integers(-3, 3)), min_size=1)}
    ),
    st.fixed_dictionaries(
        {"const": st.one_of(st.booleans(), st.integers(-2, 2), st.floats(-2, 2), st.text())}
    ),
)
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=3),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)  # fmt: skip


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCALAR_SCHEMAS, value=VALUES)
def test_the_quick_predicate_agrees_with_jsonschema_when_it_accepts(
    schema: dict[str, Any], value: Any
) -> None:
    predicate = _QuickCompiler(Draft202012Validator(schema)).compile(schema)
    if predicate(value):
        assert Draft202012Validator(schema).is_valid(value), (schema, value)


PET_VALUES = st.one_of(
    VALUES,
    st.fixed_dictionaries({"id": VALUES}, optional={"label": VALUES, "x": VALUES}),
    st.lists(st.fixed_dictionaries({"sku": VALUES}, optional={"price": VALUES}), max_size=3),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    args=st.dictionaries(
        st.sampled_from(["name", "status", "age", "kind", "nickname", "category", "items"]),
        PET_VALUES,
        max_size=6,
    )
)
def test_check_accepts_exactly_what_jsonschema_accepts(args: dict[str, Any]) -> None:
    valid = Draft202012Validator(PET_PARAMETERS).is_valid(args)
    try:
        checked = checked_args(PET, json.dumps(args), repair=False)
    except ArgumentsError:
        assert not valid
    else:
        assert valid
        assert checked == args


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    args=st.dictionaries(
        st.sampled_from(["name", "status", "age", "kind", "nickname", "category", "items"]),
        PET_VALUES,
        max_size=6,
    )
)
def test_repaired_arguments_always_pass_jsonschema_and_list_every_change(args: dict[str, Any]) -> None:
    try:
        checked = check_arguments(PET, json.dumps(args))
    except ArgumentsError:
        assert not Draft202012Validator(PET_PARAMETERS).is_valid(args)
    else:
        assert Draft202012Validator(PET_PARAMETERS).is_valid(checked.arguments)
        assert bool(checked.repairs) == (checked.arguments != args)


@given(
    args=st.dictionaries(
        st.sampled_from(["name", "status", "age", "kind", "nickname", "ownerId", "body", "extra"]),
        st.one_of(PET_VALUES, st.fixed_dictionaries({}, optional={"name": VALUES, "tag": VALUES})),
        max_size=6,
    )
)
def test_a_plain_dict_takes_the_quick_path_to_the_same_outcome(args: dict[str, Any]) -> None:
    """A dict may skip the general steps (unwrap, unknown keys, nulls); any other mapping may not."""

    def outcome(arguments: Any) -> Any:
        try:
            return check_arguments(PET, arguments)
        except ArgumentsError as exc:
            return exc.message, exc.repairs

    assert outcome(dict(args)) == outcome(MappingProxyType(args))
