"""The one JSON-pointer walk: RFC 6901 tokens, list indexes, and a clear reason when it fails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from actionforge.openapi.parse import parse_text
from actionforge.openapi.pointers import (
    RefError,
    deref,
    find_local_ref,
    find_pointer,
    pointer_tokens,
    resolve_local_ref,
    resolve_pointer,
)
from actionforge.settings import Settings
from tests.data import CORPUS

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


CHAINS: dict[str, Any] = {
    "components": {
        "parameters": {"a": {"$ref": "#/components/parameters/b"}, "b": {"name": "b", "in": "query"}},
        "loop": {"x": {"$ref": "#/components/loop/y"}, "y": {"$ref": "#/components/loop/x"}},
        "gone": {"$ref": "#/components/missing"},
    }
}


def _deref_outcome(document: Any, node: Any, memo: dict[str, tuple[Any, str]] | None) -> tuple[Any, ...]:
    try:
        target, at = deref(document, node, memo=memo)
    except RefError as exc:
        return ("error", exc.ref, exc.reason)
    return ("ok", id(target), at)


def _ref_nodes(node: Any) -> Iterator[dict[str, Any]]:
    stack = [node]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "$ref" in node:
                yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _corpus_documents() -> Iterator[Any]:
    yield CHAINS
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix in (".json", ".yaml", ".yml"):
            try:
                yield parse_text(path.read_text(encoding="utf-8"), settings=Settings())
            except Exception:  # not a document: nothing to compare on it
                continue


def test_deref_with_a_memo_gives_what_it_gives_without_one() -> None:
    """The extractor's memo (fast path) against a fresh resolution (general path): every ref of
    the vendored corpus, twice each through one shared memo, in a different order each time."""
    compared = 0
    for document in _corpus_documents():
        nodes = list(_ref_nodes(document))
        memo: dict[str, tuple[Any, str]] = {}
        for node in [*nodes, *reversed(nodes)]:
            assert _deref_outcome(document, node, memo) == _deref_outcome(document, node, None)
            compared += 1
    assert compared > 900  # refs compared (the corpus holds 495)


def test_a_ref_that_leads_nowhere_is_refused_each_time_even_with_a_memo() -> None:
    memo: dict[str, tuple[Any, str]] = {}
    for _ in range(2):
        with pytest.raises(RefError, match="no key 'missing'"):
            deref(CHAINS, CHAINS["components"]["gone"], memo=memo)
    with pytest.raises(RefError, match="chained references"):
        deref(CHAINS, CHAINS["components"]["loop"]["x"], memo=memo)
    assert deref(CHAINS, CHAINS["components"]["parameters"]["a"], memo=memo) == (
        {"name": "b", "in": "query"},
        "/components/parameters/b",
    )
