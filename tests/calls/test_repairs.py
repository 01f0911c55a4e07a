"""The model's small argument mistakes: each repaired and listed, or refused where a repair would
change what the API receives in a way the schema does not sanction."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

import actionforge
from actionforge.calls.arguments import ArgumentsError, check_arguments
from actionforge.calls.repairs import Repair
from actionforge.calls.result import ToolResult
from tests.calls.test_arguments import make_tool

ITEM = {"type": "object", "properties": {"sku": {"type": "string"}, "price": {"type": "number"}}}
TOOL = make_tool(
    {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "tag": {"type": "string"},
            "age": {"type": "integer"},
            "weight": {"type": "number"},
            "vip": {"type": "boolean"},
            "code": {"type": "string", "pattern": "^[0-9]{3}$"},
            "size": {"type": "string", "enum": ["01", "02"]},
            "answer": {"type": "string", "enum": ["yes", "no"]},
            "level": {"type": "integer", "enum": [1, 2, 3]},
            "page": {"type": "integer", "minimum": 1},
            "small": {"allOf": [{"type": "integer"}, {"maximum": 3}]},
            "note": {"type": "string"},
            "other": {"not": {"type": "string"}},
            "nickname": {"type": ["string", "null"]},
            "item": {"$ref": "#/$defs/Item"},
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
        },
        "required": ["name"],
        "additionalProperties": False,
        "$defs": {"Item": ITEM},
    },
    {"name": "body", "tag": "query", "age": "body", "item": "body", "items": "body"},
)


def repaired(arguments: dict[str, Any]) -> tuple[dict[str, Any], tuple[Repair, ...]]:
    checked = check_arguments(TOOL, {"name": "Rex", **arguments})
    rest = {k: v for k, v in checked.arguments.items() if k != "name"}
    return rest, checked.repairs


def refused(arguments: dict[str, Any]) -> ArgumentsError:
    with pytest.raises(ArgumentsError) as info:
        check_arguments(TOOL, {"name": "Rex", **arguments})
    assert info.value.repairs == ()
    return info.value


# --- each repair, listed -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "text"), [(5, '"5"'), (-2.5, '"-2.5"'), (True, '"true"'), (False, '"false"')]
)
def test_a_number_or_boolean_where_text_is_wanted_becomes_its_json_text(sent: Any, text: str) -> None:
    assert repaired({"tag": sent}) == (
        {"tag": json.loads(text)},
        (Repair("/tag", "to_string", json.dumps(sent), text),),
    )


@pytest.mark.parametrize(
    ("field", "sent", "number"),
    [("age", "5", 5), ("age", "-12", -12), ("weight", "2.5", 2.5), ("weight", "1e3", 1000.0)],
)
def test_a_numeric_string_where_a_number_is_wanted_becomes_that_number(
    field: str, sent: str, number: Any
) -> None:
    arguments, repairs = repaired({field: sent})
    assert arguments == {field: number}
    assert type(arguments[field]) is type(number)
    assert repairs == (Repair(f"/{field}", "to_number", json.dumps(sent), json.dumps(number)),)


@pytest.mark.parametrize(("sent", "value"), [("true", True), ("false", False)])
def test_true_or_false_text_where_a_boolean_is_wanted_becomes_that_boolean(sent: str, value: bool) -> None:
    assert repaired({"vip": sent}) == ({"vip": value}, (Repair("/vip", "to_boolean", f'"{sent}"', sent),))


@pytest.mark.parametrize(("sent", "shown"), [("", '""'), (None, "null")])
def test_empty_text_or_null_for_an_optional_argument_counts_as_absent(sent: Any, shown: str) -> None:
    assert repaired({"age": sent}) == ({}, (Repair("/age", "to_absent", shown),))


def test_values_inside_objects_and_arrays_are_repaired_at_their_pointer() -> None:
    sent_items = [{"sku": 7, "price": "2.5"}, {"sku": "b", "price": 1}]
    arguments, repairs = repaired({"item": {"sku": 1}, "items": sent_items})
    assert arguments == {
        "item": {"sku": "1"},
        "items": [{"sku": "7", "price": 2.5}, {"sku": "b", "price": 1}],
    }
    assert repairs == (
        Repair("/item/sku", "to_string", "1", '"1"'),
        Repair("/items/0/sku", "to_string", "7", '"7"'),
        Repair("/items/0/price", "to_number", '"2.5"', "2.5"),
    )
    assert sent_items[0] == {"sku": 7, "price": "2.5"}  # the caller's objects are never changed


def test_null_for_an_optional_member_of_a_nested_object_is_left_out() -> None:
    sent_items = [{"sku": "a", "price": None}, {"sku": None}]
    arguments, repairs = repaired({"item": {"sku": None, "price": 2}, "items": sent_items})
    assert arguments == {"item": {"price": 2}, "items": [{"sku": "a"}, {}]}
    assert repairs == (
        Repair("/item/sku", "to_absent", "null"),
        Repair("/items/0/price", "to_absent", "null"),
        Repair("/items/1/sku", "to_absent", "null"),
    )
    assert sent_items == [{"sku": "a", "price": None}, {"sku": None}]  # the caller's objects unchanged


NESTED = make_tool(
    {
        "type": "object",
        "properties": {
            "owner": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                    "phone": {"type": ["string", "null"]},
                },
            },
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": False,
    },
    {"owner": "body", "tags": "body"},
)


def test_null_for_a_required_nested_member_is_still_an_error_at_its_place() -> None:
    with pytest.raises(ArgumentsError) as info:
        check_arguments(NESTED, {"owner": {"name": None, "email": None}})
    assert info.value.problems == ["`owner.name`: null is not of type string"]
    assert info.value.repairs == (Repair("/owner/email", "to_absent", "null"),)


def test_null_the_nested_schema_allows_and_null_array_items_are_kept() -> None:
    assert check_arguments(NESTED, {"owner": {"name": "A", "phone": None}}).repairs == ()
    with pytest.raises(ArgumentsError) as info:
        check_arguments(NESTED, {"tags": ["a", None]})
    assert info.value.repairs == ()


def test_repairs_inside_a_body_wrapper_point_into_the_wrapper_as_sent() -> None:
    checked = check_arguments(TOOL, {"tag": "t", "body": {"name": "Rex", "age": "3"}})
    assert checked.arguments == {"tag": "t", "name": "Rex", "age": 3}
    assert checked.repairs == (
        Repair("/body", "unwrapped", '{"name": "Rex", "age": "3"}'),
        Repair("/body/age", "to_number", '"3"', "3"),
    )


def test_repairs_made_before_another_problem_are_listed_with_the_error() -> None:
    with pytest.raises(ArgumentsError) as info:
        check_arguments(TOOL, {"name": "Rex", "age": "3", "answer": "maybe"})
    assert info.value.problems == ['`answer`: "maybe" is not one of ["yes", "no"]']
    assert info.value.repairs == (Repair("/age", "to_number", '"3"', "3"),)


def test_repairs_describe_themselves_for_people_and_debug_events() -> None:
    repair = Repair("/age", "to_number", '"3"', "3")
    assert repair.describe() == '`/age`: "3" → 3 (a number was wanted)'
    assert repair.to_dict() == {"pointer": "/age", "kind": "to_number", "was": '"3"', "now": "3"}
    assert Repair("/age", "to_absent", '""').describe() == (
        '`/age`: "" (left out: an optional argument that takes no such value)'
    )


def test_a_tool_result_lists_its_repairs_in_its_dict_and_its_failure_text() -> None:
    repairs = (Repair("/age", "to_number", '"3"', "3"),)
    failed = ToolResult(ok=False, error="http", status=404, message="HTTP 404").with_repairs(repairs)
    assert failed.to_dict()["repairs"] == [{"pointer": "/age", "kind": "to_number", "was": '"3"', "now": "3"}]
    assert json.loads(failed.for_model())["repaired"] == ['`/age`: "3" → 3 (a number was wanted)']
    ok = ToolResult(ok=True, status=200, body='{"id": 1}').with_repairs(repairs)
    assert ok.for_model() == '{"id": 1}'  # the API's answer as it came
    plain = ToolResult(ok=True)
    assert plain.with_repairs(()) is plain


def test_valid_arguments_are_not_repaired() -> None:
    assert (
        check_arguments(TOOL, {"name": "Rex", "tag": "5", "age": 5, "note": "", "nickname": None}).repairs
        == ()
    )


# --- where a repair must not happen -----------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"size": 1}, '`size`: 1 is not one of ["01", "02"]'),  # "1" is not in the enum either
        ({"answer": True}, '`answer`: true is not one of ["yes", "no"]'),
        ({"code": 7}, "`code`: 7 is not of type string"),  # "7" misses the pattern
        ({"level": "4"}, '`level`: "4" is not one of [1, 2, 3]'),
        ({"page": "0"}, '`page`: "0" is not of type integer'),  # 0 is below the minimum
        ({"age": "1.5"}, '`age`: "1.5" is not of type integer'),
        ({"small": "5"}, '`small`: "5" is not of type integer'),  # passes one allOf branch only
        ({"vip": "yes"}, '`vip`: "yes" is not of type boolean'),
        ({"vip": "True"}, '`vip`: "True" is not of type boolean'),
        ({"vip": 1}, "`vip`: 1 is not of type boolean"),
        ({"other": "5"}, "`other`: '5' should not be valid under {'type': 'string'}"),  # no type wanted
    ],
)
def test_no_repair_where_the_result_would_still_fail_or_be_a_guess(
    arguments: dict[str, Any], problem: str
) -> None:
    assert problem in refused(arguments).problems


@pytest.mark.parametrize(
    "sent", ["007", " 5", "+5", "5 ", "0x10", "NaN", "Infinity", "1e999", "5.", "9" * 5_000]
)
def test_only_json_number_text_becomes_a_number(sent: str) -> None:
    [problem] = refused({"weight": sent}).problems
    assert problem.startswith(f"`weight`: {json.dumps(sent)[:20]}")
    assert problem.endswith("is not of type number")


def test_empty_text_or_null_for_a_required_argument_is_still_an_error() -> None:
    for sent, shown in (("", '""'), (None, "null")):
        with pytest.raises(ArgumentsError) as info:
            check_arguments(make_tool(TOOL.parameters | {"required": ["age"]}), {"age": sent})
        assert info.value.problems == [f"`age`: {shown} is not of type integer"]


def test_empty_text_and_null_the_schema_allows_are_sent_as_they_are() -> None:
    assert repaired({"note": "", "nickname": None}) == ({"note": "", "nickname": None}, ())


def test_repairs_can_be_turned_off() -> None:
    with pytest.raises(ArgumentsError) as info:
        check_arguments(TOOL, {"name": "Rex", "age": "5", "tag": None, "body": {"name": "Rex"}}, repair=False)
    assert info.value.problems == [
        "UnrecognizedKwargsError: body",
        "`tag`: null is not of type string",
        '`age`: "5" is not of type integer',
    ]


# --- end to end: the repaired request reaches a real API ----------------------------------------

LOOPBACK = actionforge.Settings(allow_loopback=True, allow_http=True, allow_any_port=True)
PETS = """
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers: [{url: "BASE"}]
paths:
  /pets/{petId}:
    post:
      operationId: updatePet
      parameters:
        - {name: petId, in: path, required: true, schema: {type: integer}}
        - {name: notify, in: query, schema: {type: boolean}}
        - {name: limit, in: query, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string}
                age: {type: integer}
      responses: {"200": {description: ok}}
"""


async def test_a_repaired_call_sends_the_repaired_request_and_lists_the_repairs(echo_server: str) -> None:
    arguments = {"petId": "7", "notify": "true", "limit": "", "body": {"name": 42, "age": "3"}}
    async with actionforge.load_action(PETS.replace("BASE", echo_server), settings=LOOPBACK) as action:
        result = await action.call("updatePet", arguments)
    assert result.ok, result
    echoed = json.loads(result.body)
    assert echoed["path"] == "/pets/7"
    assert echoed["query"] == "notify=true"
    assert json.loads(echoed["body"]) == {"name": "42", "age": 3}
    assert [r.describe() for r in result.repairs] == [
        "`/body`: " + '{"name": 42, "age": "3"} (its properties were used as the arguments)',
        '`/limit`: "" (left out: an optional argument that takes no such value)',
        '`/petId`: "7" → 7 (a number was wanted)',
        '`/notify`: "true" → true (a boolean was wanted)',
        '`/body/name`: 42 → "42" (text was wanted)',
        '`/body/age`: "3" → 3 (a number was wanted)',
    ]
    assert len(result.to_dict()["repairs"]) == 6


async def test_with_repairs_off_the_same_call_is_refused_and_nothing_is_sent(echo_server: str) -> None:
    strict = dataclasses.replace(LOOPBACK, repair_arguments=False)
    async with actionforge.load_action(PETS.replace("BASE", echo_server), settings=strict) as action:
        result = await action.call("updatePet", {"petId": "7", "name": "Rex"})
    assert result.error == "arguments"
    assert '`petId`: "7" is not of type integer' in (result.message or "")
    assert result.repairs == ()


# --- the repairs of a request built without a call ------------------------------------------------


def test_checked_arguments_give_the_request_and_its_repairs() -> None:
    action = actionforge.load_action(PETS.replace("BASE", "https://pets.example.com"))
    arguments = {"petId": "7", "notify": "true", "name": "Rex"}
    checked = action.check_arguments("updatePet", arguments)
    assert [r.pointer for r in checked.repairs] == ["/petId", "/notify"]
    built = action.build_request("updatePet", checked)
    wired = action.wire_request("updatePet", checked)
    assert str(built.url) == str(wired.url) == "https://pets.example.com/pets/7?notify=true"
    # The same request as from the model's own arguments, which are checked again.
    assert str(action.build_request("updatePet", arguments).url) == str(built.url)
    assert built.content == action.build_request("updatePet", arguments).content


def test_checked_arguments_are_not_checked_again() -> None:
    action = actionforge.load_action(PETS.replace("BASE", "https://pets.example.com"))
    checked = action.check_arguments("updatePet", {"petId": 7, "name": "Rex"})
    checked.arguments["name"] = "Max"  # what the caller hands back is what is sent
    assert json.loads(action.build_request("updatePet", checked).content) == {"name": "Max"}


def test_a_build_error_lists_the_repairs_made_before_it() -> None:
    action = actionforge.load_action(PETS.replace("BASE", "https://pets.example.com"))
    checked = action.check_arguments("updatePet", {"petId": 7, "notify": "true", "name": "Rex"})
    checked.arguments["petId"] = ""  # schema-valid arguments always build; an empty segment cannot
    with pytest.raises(actionforge.RequestBuildError) as info:
        action.wire_request("updatePet", checked)
    assert [r.pointer for r in info.value.repairs] == ["/notify"]
    assert info.value.at("petId").repairs == info.value.repairs
