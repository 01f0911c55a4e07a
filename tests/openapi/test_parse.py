"""Text to JSON data: JSON and YAML, YAML 1.1 quirks, hostile input, and the Format button."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from actionforge.openapi.jsondata import copy_json
from actionforge.openapi.parse import (
    PARSE_FAILED,
    check_size,
    decode,
    format_text,
    json_object_from_bytes,
    may_hold_long_number,
    parse_object,
    parse_text,
)
from actionforge.openapi.source import DocumentError
from actionforge.settings import Settings

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def message_of(text: str, settings: Settings) -> str:
    with pytest.raises(DocumentError) as caught:
        parse_object(text, settings=settings)
    [issue] = caught.value.issues
    assert issue.pointer == ""
    return issue.message


# --------------------------------------------------------------------------- JSON and YAML


def test_json_and_yaml_give_the_same_data(settings: Settings) -> None:
    as_json = '{"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}}'
    as_yaml = (
        "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      responses:\n        200:\n          description: ok\n"
    )
    assert parse_text(as_json, settings=settings) == parse_text(as_yaml, settings=settings)


@pytest.mark.parametrize(
    "text",
    [
        '{"big": 123456789012345678901234567890, "neg": -98765432109876543210}',  # orjson: 64-bit only
        '{"x": NaN, "y": Infinity, "z": -Infinity}',  # not JSON, yet Python's json reads them
        '{"a": 1, "a": 2}',  # a repeated key: the last one wins in both
        '{"s": "\\ud83d\\ude00 and \\u00e9"}',  # escaped surrogate pairs
    ],
)
def test_json_the_fast_parser_refuses_still_parses_as_json_does(text: str, settings: Settings) -> None:
    parsed = parse_text(text, settings=settings)
    expected = json.loads(text)
    assert json.dumps(parsed, sort_keys=True) == json.dumps(expected, sort_keys=True)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
@hypothesis_settings(max_examples=60)
def test_json_data_parses_to_what_json_reads(value: Any) -> None:
    text = json.dumps({"v": value})
    assert parse_text(text, settings=Settings()) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1234567890123456789012}',
        '{"a":[1,\n  -1234567890123456789012]}',
        '{"a": 1.12345678901234567890}',  # a fraction
        '{"a": 1e12345678901234567890}',  # an exponent
        '{"a": 1E-12345678901234567890}',
        '{"a": 1e+12345678901234567890}',
        '{"a": 0,\t\r\n 12345678901234567890}',
    ],
)
def test_a_long_number_anywhere_in_a_number_is_found(text: str) -> None:
    assert may_hold_long_number(text.encode())


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "1234567890123456789012"}',
        '{"a": "rekor - 2605736670972794746\\n9375055"}',  # GitHub: digits after " - " in a string
        '{"a": "id-1234567890123456789012", "b": 12}',
        '{"1234567890123456789012": "x"}',
        '{"a": 123456789012345678}',  # 18 digits: orjson reads them exactly
    ],
)
def test_digits_inside_strings_are_not_taken_for_numbers(text: str) -> None:
    assert not may_hold_long_number(text.encode())


_DIGITS = st.text("0123456789", min_size=17, max_size=24)
_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**25), max_value=10**25)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | _DIGITS
    | _DIGITS.map(lambda digits: f"x - {digits}"),
    lambda c: st.lists(c) | st.dictionaries(st.text() | _DIGITS, c),
    max_leaves=12,
)


@given(_JSON_VALUES, st.sampled_from([None, 1, "\t"]))
@hypothesis_settings(max_examples=200)
def test_a_file_read_as_bytes_gives_what_its_text_gives(value: Any, indent: int | str | None) -> None:
    """The loader's fast path for files (no decoding) against the general one it replaces."""
    text = json.dumps({"v": value}, indent=indent, ensure_ascii=False)
    data = text.encode("utf-8", "surrogatepass")
    fast = json_object_from_bytes(data)
    general = parse_object(text, settings=Settings())
    assert fast is None or json.dumps(fast) == json.dumps(general)


def test_a_plain_json_object_takes_the_fast_path() -> None:
    assert json_object_from_bytes(b' \n{"openapi": "3.1.0", "n": [1, 2.5, "\xc3\xa9"]}') == {
        "openapi": "3.1.0",
        "n": [1, 2.5, "é"],
    }


@pytest.mark.parametrize(
    "data",
    [
        b'\xef\xbb\xbf{"a": 1}',  # a byte-order mark: decode() drops it
        b'{"a": "\xff"}',  # not UTF-8: decode() says where
        b'{"a": NaN}',
        b'{"a": "\\ud800"}',  # a lone surrogate, which json keeps
        b'{"a": 1,}',  # YAML, not JSON
        b"[1, 2]",  # not an object: parse_object says so
        b'{"a": 98765432109876543210}',
    ],
)
def test_the_bytes_fast_path_leaves_the_rest_to_the_general_path(data: bytes) -> None:
    assert json_object_from_bytes(data) is None


def test_yaml_flow_mapping_that_is_not_json_still_parses(settings: Settings) -> None:
    assert parse_text("{a: 1, b: [x, y]}", settings=settings) == {"a": 1, "b": ["x", "y"]}


def test_yaml_keys_are_strings_as_written(settings: Settings) -> None:
    data = parse_text("200: ok\non: push\nyes: 1\n1.5: x\nnull: n\n~: tilde\n", settings=settings)
    assert data == {"200": "ok", "on": "push", "yes": 1, "1.5": "x", "null": "n", "~": "tilde"}
    assert all(isinstance(key, str) for key in data)


def test_yaml_values_keep_their_types_but_dates_stay_strings(settings: Settings) -> None:
    text = (
        "a: yes\nb: 12\nc: 2020-01-02\nd: 2001-12-14t21:59:43.10-05:00\ne: !!timestamp 2020-01-02\nf: 1.5\n"
    )
    assert parse_text(text, settings=settings) == {
        "a": True,
        "b": 12,
        "c": "2020-01-02",
        "d": "2001-12-14t21:59:43.10-05:00",
        "e": "2020-01-02",
        "f": 1.5,
    }


def test_yaml_sets_and_binary_become_json_data(settings: Settings) -> None:
    data = parse_text("s: !!set {a, b}\nbin: !!binary aGk=\no: !!omap [x: 1, y: 2]\n", settings=settings)
    assert data == {"s": {"a": None, "b": None}, "bin": "aGk=", "o": {"x": 1, "y": 2}}
    json.dumps(data)  # every value is JSON


def test_yaml_merge_keys(settings: Settings) -> None:
    data = parse_text("base: &b {x: 1, y: 1}\nother:\n  <<: *b\n  y: 2\n", settings=settings)
    assert data["other"] == {"x": 1, "y": 2}


def test_aliases_are_expanded_into_independent_copies(settings: Settings) -> None:
    data = parse_text("a: &x {k: [1]}\nb: *x\n", settings=settings)
    assert data["a"] == data["b"]
    data["b"]["k"].append(2)
    assert data["a"] == {"k": [1]}, "editing one place must not change the other"


def test_python_tags_are_refused(settings: Settings) -> None:
    message = message_of("a: !!python/object/apply:os.system ['true']\n", settings)
    assert message.startswith(PARSE_FAILED)


def test_complex_keys_are_refused(settings: Settings) -> None:
    assert "a mapping key must be a plain value" in message_of("? [a, b]\n: 1\n", settings)


# --------------------------------------------------------------------------- errors and limits


def test_json_syntax_error_says_where(settings: Settings) -> None:
    message = message_of('{\n  "openapi": "3.1.0",\n  "info": {"title": "T"\n', settings)
    assert message == f"{PARSE_FAILED}: Expecting ',' delimiter at line 4, column 1"
    message = message_of('{"a": 1 "b": 2}', settings)
    assert message == f"{PARSE_FAILED}: Expecting ',' delimiter at line 1, column 9"


def test_json_that_is_only_valid_as_yaml_is_read_as_yaml(settings: Settings) -> None:
    assert parse_text('{"a": 1,}', settings=settings) == {"a": 1}  # a trailing comma


def test_yaml_syntax_error_says_where(settings: Settings) -> None:
    message = message_of("openapi: 3.1.0\ninfo:\n  title: [unclosed\n", settings)
    assert message.startswith(f"{PARSE_FAILED}: ")
    assert "line 4" in message
    assert "column" in message


def test_top_level_must_be_an_object(settings: Settings) -> None:
    assert message_of("[1, 2]", settings) == "The document must be a JSON or YAML object, got a list"
    assert message_of("- a\n- b\n", settings) == "The document must be a JSON or YAML object, got a list"
    assert message_of('"text"', settings) == "The document must be a JSON or YAML object, got a string"
    assert message_of("42", settings) == "The document must be a JSON or YAML object, got a number"
    assert message_of("", settings).endswith("got nothing (the document is empty)")


def test_billion_laughs_fails_fast_with_a_clear_message(settings: Settings) -> None:
    started = time.perf_counter()
    message = message_of(BILLION_LAUGHS, settings)
    assert time.perf_counter() - started < 0.5
    assert message.startswith("YAML uses too many aliases")


def test_alias_count_limit() -> None:
    settings = Settings(yaml_max_aliases=3)
    text = "a: &x 1\nb: [*x, *x, *x]\n"
    assert parse_text(text, settings=settings) == {"a": 1, "b": [1, 1, 1]}
    assert message_of(text + "c: *x\n", settings) == "YAML uses too many aliases (over 3)"


def test_recursive_alias_is_refused(settings: Settings) -> None:
    message = message_of("a: &x\n  b: *x\n", settings)
    assert "refers to a node that contains it" in message


def test_undefined_alias_is_a_parse_error(settings: Settings) -> None:
    assert (
        message_of("a: *nope\n", settings)
        == f"{PARSE_FAILED}: found undefined alias 'nope' at line 1, column 4"
    )


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 300 + "]" * 300,  # YAML flow
        "a:\n" + "".join("  " * level + f"k{level}:\n" for level in range(1, 300)) + "  " * 300 + "v: 1\n",
        "- " * 300 + "x",
    ],
    ids=["flow", "block-mappings", "block-sequences"],
)
def test_deep_yaml_is_refused_while_composing(text: str, settings: Settings) -> None:
    message = message_of(text, settings)
    assert message.startswith("The document is nested too deeply: more than 256 levels")
    assert "line" in message


def test_deep_json_beyond_the_interpreter_is_refused(settings: Settings) -> None:
    depth = sys.getrecursionlimit() * 2
    text = '{"a": ' + "[" * depth + "]" * depth + "}"
    assert message_of(text, settings) == "The document is nested too deeply: more than 256 levels"


def test_yaml_depth_limit_follows_the_setting() -> None:
    text = "a: " + "[" * 20 + "]" * 20
    assert parse_text(text, settings=Settings(max_nesting_depth=30)) is not None
    with pytest.raises(DocumentError, match="more than 10 levels"):
        parse_text(text, settings=Settings(max_nesting_depth=10))


def test_size_is_measured_in_bytes_before_parsing() -> None:
    limit = Settings(max_document_bytes=100)
    check_size("a" * 100, 100)
    check_size("é" * 50, 100)
    with pytest.raises(DocumentError, match=r"too large: 102 bytes \(the limit is 100 bytes\)"):
        parse_text("é" * 51, settings=limit)  # 51 characters, but 102 bytes
    with pytest.raises(DocumentError, match=r"too large: 101 bytes"):
        parse_text("a" * 101, settings=limit)


def test_decode_reports_the_offset_of_a_bad_byte() -> None:
    with pytest.raises(DocumentError) as caught:
        decode(b"openapi: 3.1.0\ninfo: \xff\n", where="spec.yaml")
    assert caught.value.issues[0].message == (
        "spec.yaml is not valid UTF-8: byte 0xff at offset 21 (line 2) cannot be decoded"
    )


def test_decode_drops_a_byte_order_mark() -> None:
    assert decode("\ufeffa: 1".encode()) == "a: 1"


# --------------------------------------------------------------------------- copy_json


def test_copy_json_copies_deep_documents_without_recursion() -> None:
    deep: Any = "leaf"
    for _ in range(5 * sys.getrecursionlimit()):
        deep = {"k": [deep]}
    copy = copy_json(deep)
    node = copy
    while isinstance(node, dict):
        assert node is not deep
        node, deep = node["k"][0], deep["k"][0]
    assert node == "leaf"


def test_copy_json_keeps_key_order_and_independence() -> None:
    original: Any = {"z": 1, "a": [1, {"b": 2}], "m": None}
    copy: Any = copy_json(original)
    assert copy == original
    assert list(copy) == ["z", "a", "m"]
    copy["a"][1]["b"] = 3
    assert original["a"][1]["b"] == 2


# --------------------------------------------------------------------------- Format button


def test_format_json_is_pretty_two_space_in_key_order() -> None:
    text = '{"b":1,"a":{"x":["é",2]}}'
    assert format_text(text) == '{\n  "b": 1,\n  "a": {\n    "x": [\n      "é",\n      2\n    ]\n  }\n}'


def test_format_yaml_reindents_and_keeps_order() -> None:
    text = "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths:\n    /a:\n        get: {}\n"
    assert format_text(text) == (
        "openapi: 3.1.0\ninfo:\n  title: T\n  version: '1'\npaths:\n  /a:\n    get: {}\n"
    )


def test_format_yaml_wraps_at_120_and_keeps_unicode_and_multiline_text() -> None:
    long_words = " ".join(["word"] * 40)
    text = f'description: {long_words}\nname: café\nnotes: "one\\ntwo\\n"\n'
    formatted = format_text(text)
    assert formatted.startswith("description: word")
    assert len(formatted.splitlines()) == 6
    assert all(len(line) <= 130 for line in formatted.splitlines())  # folded near 120
    assert "café" in formatted
    assert "notes: |\n  one\n  two\n" in formatted
    assert yaml.safe_load(formatted) == yaml.safe_load(text)


def test_format_keeps_yaml_keys_and_dates_as_written() -> None:
    formatted = format_text("responses:\n  200: {description: ok}\ndate: 2020-01-02\n")
    assert yaml.safe_load(formatted) == {"responses": {"200": {"description": "ok"}}, "date": "2020-01-02"}


@pytest.mark.parametrize("text", ["a: [", "{", "key: value: other", "\t- x:\n  y"])
def test_format_leaves_unparseable_text_unchanged(text: str) -> None:
    assert format_text(text) == text


def test_format_leaves_hostile_yaml_unchanged_and_is_fast() -> None:
    started = time.perf_counter()
    assert format_text(BILLION_LAUGHS) == BILLION_LAUGHS
    assert time.perf_counter() - started < 0.5


def test_format_leaves_oversized_text_unchanged() -> None:
    text = '{"a": "' + "x" * 200 + '"}'
    assert format_text(text, settings=Settings(max_document_bytes=100)) == text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@hypothesis_settings(max_examples=80, deadline=None)
@given(json_values)
def test_json_round_trips_through_parse_and_format(value: Any) -> None:
    settings = Settings()
    text = json.dumps(value)
    assert parse_text(text, settings=settings) == value
    assert json.loads(format_text(text)) == value


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), json_values, min_size=1, max_size=4))
def test_yaml_format_preserves_data(value: dict[str, Any]) -> None:
    settings = Settings()
    text = yaml.safe_dump(value, sort_keys=False)
    data = parse_text(text, settings=settings)
    assert parse_text(format_text(text), settings=settings) == data


def test_json_surrogate_pair_escapes_parse_as_json() -> None:
    # Found by hypothesis in CI: PyYAML refuses this escape, so JSON must be tried first.
    settings = Settings()
    assert parse_text('"\\ud800\\udc00"', settings=settings) == "\U00010000"
    assert parse_text('{"a": "\\ud83d\\ude00"}', settings=settings) == {"a": "\U0001f600"}
