"""Settings from keywords, else ACTIONFORGE_* environment variables, else the defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actionforge import Settings


def test_environment_values_fill_what_keywords_leave(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONFORGE_CALL_TIMEOUT_S", "90")
    monkeypatch.setenv("actionforge_allow_http", "true")  # any case, as pydantic-settings reads it
    monkeypatch.setenv("ACTIONFORGE_MAX_OPERATIONS", "40")
    settings = Settings(max_operations=50)
    assert settings.call_timeout_s == 90.0
    assert settings.allow_http is True
    assert settings.max_operations == 50  # the keyword wins
    assert settings.retry_attempts == Settings.model_fields["retry_attempts"].default


def test_collections_are_written_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONFORGE_ALLOWED_PORTS", "[443, 8443]")
    monkeypatch.setenv("ACTIONFORGE_OAUTH_DOMAIN_EXCEPTIONS", '["example.org"]')
    settings = Settings()
    assert settings.allowed_ports == frozenset({443, 8443})
    assert settings.oauth_domain_exceptions == ("example.org",)


def test_other_actionforge_variables_are_left_to_their_owners(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONFORGE_DATA_DIR", "/srv/actionforge")  # a server setting
    assert Settings() == Settings.model_validate({})


def test_keywords_are_still_checked_strictly() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Settings(call_timeout=5)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("name", "text"), [("ACTIONFORGE_CALL_TIMEOUT_S", "soon"), ("ACTIONFORGE_ALLOWED_PORTS", "443,")]
)
def test_a_bad_environment_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    monkeypatch.setenv(name, text)
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert caught.value.errors()[0]["loc"][0] == name.removeprefix("ACTIONFORGE_").lower()
