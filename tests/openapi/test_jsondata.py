"""The one walk that finds the `$ref`s of a JSON tree, as each of its three users reads it."""

from __future__ import annotations

from typing import Any

from actionforge.openapi.jsondata import freeze, has_ref, ref_values
from actionforge.openapi.request_parts import _refs_in
from actionforge.tools.schemas import iter_refs

TREE: dict[str, Any] = {
    "$ref": "#/a",
    "properties": {
        "p": {"$ref": "#/components/schemas/P"},
        "q": {"items": [{"$ref": "other.yaml#/Q"}, {"$ref": 7}]},
    },
    "example": {"$ref": "#/only/data"},
    "default": [{"$ref": "#/only/data/too"}],
    "x-vendor": {"$ref": "#/an/extension"},
    "allOf": [{"not": {"$ref": "#/deep"}}],
}


def test_every_ref_value_of_any_type() -> None:
    assert sorted(map(str, ref_values(TREE))) == sorted(
        [
            "#/a",
            "#/components/schemas/P",
            "other.yaml#/Q",
            "7",
            "#/only/data",
            "#/only/data/too",
            "#/an/extension",
            "#/deep",
        ]
    )


def test_data_and_extensions_can_be_left_out() -> None:
    found = ref_values(TREE, skip_keys={"example", "default"}, skip_extensions=True)
    assert sorted(map(str, found)) == ["#/a", "#/components/schemas/P", "#/deep", "7", "other.yaml#/Q"]


def test_frozen_trees_are_walked_like_plain_ones() -> None:
    assert sorted(map(str, ref_values(freeze(TREE)))) == sorted(map(str, ref_values(TREE)))


def test_the_three_readings() -> None:
    """Converted tool schemas: every string; a schema's default check: any `$ref` key at all;
    a request's dependencies: local strings outside data and extensions."""
    assert "7" not in list(iter_refs(TREE))
    assert len(list(iter_refs(TREE))) == 7
    assert has_ref({"a": [{"b": {"$ref": None}}]})
    assert not has_ref({"a": [{"b": {"ref": "#/x"}}], "c": "$ref"})
    assert sorted(_refs_in(TREE)) == ["#/a", "#/components/schemas/P", "#/deep"]


def test_deep_trees_do_not_recurse() -> None:
    tree: dict[str, Any] = {"$ref": "#/bottom"}
    for _ in range(10_000):
        tree = {"items": tree}
    assert list(ref_values(tree)) == ["#/bottom"]
