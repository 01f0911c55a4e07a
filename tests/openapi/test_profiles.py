from __future__ import annotations

import pytest

from actionforge.openapi.profiles import PROFILE_NAMES, get_profile
from actionforge.settings import Settings


def test_gpt_profile_has_the_originals_rules_and_limits_from_settings() -> None:
    settings = Settings(
        max_operations=12, max_operation_description_chars=50, max_parameter_description_chars=70
    )
    gpt = get_profile("gpt", settings)
    assert gpt.name == "gpt"
    assert gpt.max_operations == 12
    assert gpt.max_operation_description_chars == 50
    assert gpt.max_parameter_description_chars == 70
    assert gpt.methods == {"get", "post", "put", "patch", "delete"}
    assert gpt.require_operation_id
    assert not gpt.header_parameters
    assert not gpt.cookie_parameters
    assert gpt.single_hostname
    assert gpt.warn_multiple_security_schemes
    assert not gpt.resolve_relative_servers


def test_extended_profile_lifts_the_originals_restrictions_but_keeps_description_limits() -> None:
    settings = Settings(max_operation_description_chars=50, max_parameter_description_chars=70)
    extended = get_profile("extended", settings)
    assert extended.max_operations is None
    assert extended.max_operation_description_chars == 50
    assert extended.max_parameter_description_chars == 70
    assert extended.methods == {"get", "post", "put", "patch", "delete", "head", "options"}
    assert "trace" not in extended.methods
    assert not extended.require_operation_id
    assert extended.header_parameters
    assert extended.cookie_parameters
    assert not extended.single_hostname


def test_default_limits_are_the_originals(settings: Settings) -> None:
    gpt = get_profile("gpt", settings)
    assert (gpt.max_operations, gpt.max_operation_description_chars, gpt.max_parameter_description_chars) == (
        30,
        300,
        700,
    )


def test_unknown_profile_names_the_valid_ones(settings: Settings) -> None:
    with pytest.raises(ValueError, match="gpt, extended") as info:
        get_profile("strict", settings)
    assert "'strict'" in str(info.value)
    assert PROFILE_NAMES == ("gpt", "extended")


def test_profiles_are_immutable(settings: Settings) -> None:
    gpt = get_profile("gpt", settings)
    with pytest.raises(AttributeError):
        gpt.max_operations = 99  # type: ignore[misc]
