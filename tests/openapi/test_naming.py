"""The one unique-name rule shared by operationIds, bundled components, $defs and tool names."""

from __future__ import annotations

from actionforge.openapi.naming import unique_name


def test_a_free_name_is_kept() -> None:
    assert unique_name("getPet", {"listPets"}) == "getPet"


def test_a_taken_name_gets_the_first_free_number_from_two() -> None:
    assert unique_name("getPet", {"getPet"}) == "getPet_2"
    assert unique_name("getPet", {"getPet", "getPet_2", "getPet_3"}) == "getPet_4"


def test_any_container_of_taken_names_works_and_is_not_changed() -> None:
    taken: dict[str, object] = {"Pet": {}, "Pet_2": {}}
    assert unique_name("Pet", taken) == "Pet_3"
    assert list(taken) == ["Pet", "Pet_2"]


def test_max_length_cuts_the_name_before_the_suffix() -> None:
    long = "a" * 64
    assert unique_name(long, {long}, max_length=64) == "a" * 62 + "_2"
    taken = {long, *(long[: 64 - len(f"_{n}")] + f"_{n}" for n in range(2, 10))}
    assert unique_name(long, taken, max_length=64) == "a" * 61 + "_10"
