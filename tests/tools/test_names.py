from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actionforge.tools.names import UniqueNamer, sanitize_property_name, sanitize_tool_name

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@pytest.mark.parametrize("name", ["getPet", "GetCurrentWeather", "list-pets", "a", "x" * 64, "a__b"])
def test_valid_operation_ids_are_kept_unchanged(name: str) -> None:
    assert sanitize_tool_name(name) == name


@pytest.mark.parametrize(
    ("operation_id", "expected"),
    [
        ("get /pets/{id}", "get_pets_id"),
        ("pets.list", "pets_list"),
        ("  spaced  out  ", "spaced_out"),
        ("créerAnimal", "creerAnimal"),
        ("a!!__??b", "a_b"),
        ("$$$", "operation"),
        ("", "operation"),
        ("日本語", "operation"),
    ],
)
def test_invalid_characters_become_single_underscores(operation_id: str, expected: str) -> None:
    assert sanitize_tool_name(operation_id) == expected


def test_long_names_are_cut_with_a_stable_hash_that_keeps_them_apart() -> None:
    prefix = "listAllTheRepositoriesOfTheAuthenticatedUserIncludingArchivedOnes"
    first = sanitize_tool_name(prefix + "ByOwner")
    second = sanitize_tool_name(prefix + "ByName")
    assert len(first) == len(second) == 64
    assert first != second
    assert first[:55] == second[:55] == prefix[:55]
    assert re.fullmatch(r"[0-9a-f]{8}", first[-8:])
    assert sanitize_tool_name(prefix + "ByOwner") == first


@settings(max_examples=100)
@given(st.text(max_size=120))
def test_any_text_gives_a_valid_deterministic_name(text: str) -> None:
    name = sanitize_tool_name(text)
    assert TOOL_NAME.fullmatch(name)
    assert sanitize_tool_name(text) == name


def test_unique_namer_suffixes_repeats_in_order() -> None:
    namer = UniqueNamer(taken=["search"])
    assert [namer.claim(n) for n in ["getPet", "getPet", "search", "getPet"]] == [
        "getPet",
        "getPet_2",
        "search_2",
        "getPet_3",
    ]
    assert "getPet_3" in namer


def test_unique_namer_keeps_suffixed_names_within_64() -> None:
    namer = UniqueNamer()
    long = "x" * 64
    assert namer.claim(long) == long
    second = namer.claim(long)
    assert second == "x" * 62 + "_2"
    assert TOOL_NAME.fullmatch(second)


def test_unique_namer_is_deterministic_and_case_sensitive() -> None:
    ids = ["get pet", "get_pet", "GetPet", "getPet", "get-pet!"]
    first = [UniqueNamer().name_for(i) for i in ids]
    namer_a, namer_b = UniqueNamer(), UniqueNamer()
    assert [namer_a.name_for(i) for i in ids] == [namer_b.name_for(i) for i in ids]
    assert [namer_a.claim("x") for _ in range(2)] == ["x", "x_2"]
    assert first[:2] == ["get_pet", "get_pet"]  # separate namers: no suffix
    one = UniqueNamer()
    assert [one.name_for(i) for i in ids] == ["get_pet", "get_pet_2", "GetPet", "getPet", "get-pet"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("limit", "limit"), ("$top", "top"), ("@odata.type", "odata.type"), ("a b", "a_b"), ("$", "value")],
)
def test_property_names_fit_every_provider(name: str, expected: str) -> None:
    assert sanitize_property_name(name) == expected
