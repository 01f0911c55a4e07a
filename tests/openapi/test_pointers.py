"""The one JSON-pointer walk: RFC 6901 tokens, list indexes, and a clear reason when it fails."""

from __future__ import annotations

from typing import Any

import pytest

from actionforge.openapi.pointers import (
    RefError,
    find_local_ref,
    find_pointer,
    pointer_tokens,
    resolve_local_ref,
    resolve_pointer,
)

DOCUMENT: dict[str, Any] = {
    "paths": {"/pets/{id}": {"get": {"parameters": [{"name": "id"}]}}},
    "$defs": {"a~b": {"type": "string"}, "Pet Name": {"type": "integer"}},
}


def test_tokens_are_unescaped_and_lists_are_indexed() -> None:
    assert resolve_pointer(DOCUMENT, "/paths/~1pets~1{id}/get/parameters/0/name") == "id"
    assert resolve_pointer(DOCUMENT, "/$defs/a~0b") == {"type": "string"}
    assert resolve_pointer(DOCUMENT, "") is DOCUMENT


def test_pointer_tokens_are_unescaped_in_rfc_6901_order() -> None:
    assert pointer_tokens("/paths/~1pets~1{id}/get") == ["paths", "/pets/{id}", "get"]
    assert pointer_tokens("/a~01") == ["a~1"]  # "~0" first would give "a/"
    assert pointer_tokens("") == []


def test_a_local_ref_is_percent_decoded() -> None:
    assert resolve_local_ref(DOCUMENT, "#/$defs/Pet%20Name") == {"type": "integer"}


@pytest.mark.parametrize(
    ("pointer", "reason"),
    [
        ("/$defs/Missing", "no key 'Missing'"),
        ("/paths/~1pets~1{id}/get/parameters/1", "no index '1'"),
        ("/$defs/a~0b/type/x", "cannot descend into a value of type str at 'x'"),
        ("$defs", "a JSON pointer must start with '/'"),
    ],
)
def test_a_pointer_that_leads_nowhere_says_why(pointer: str, reason: str) -> None:
    with pytest.raises(RefError) as caught:
        resolve_pointer(DOCUMENT, pointer)
    assert caught.value.reason == reason


def test_find_local_ref_gives_the_default_for_a_dangling_or_remote_ref() -> None:
    assert find_local_ref(DOCUMENT, "#/$defs/a~0b") == {"type": "string"}
    assert find_local_ref(DOCUMENT, "#/$defs/Missing") is None
    assert find_local_ref(DOCUMENT, "other.yaml#/Pet", {}) == {}


def test_find_pointer_gives_the_default_where_there_is_no_value() -> None:
    assert find_pointer(DOCUMENT, "/paths/~1pets~1{id}/get/parameters/0") == {"name": "id"}
    assert find_pointer(DOCUMENT, "/paths/~1pets~1{id}/post") is None
    assert find_pointer(DOCUMENT, "/$defs/a~0b/type/x", "none") == "none"
