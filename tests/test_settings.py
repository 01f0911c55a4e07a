"""Settings from keywords, else ACTIONFORGE_* environment variables, else the defaults."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from actionforge import ActionforgeError, SecretValue, Settings, SettingsError


def test_environment_values_fill_what_keywords_leave(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONFORGE_CALL_TIMEOUT_S", "90")
    monkeypatch.setenv("actionforge_allow_http", "true")  # any case, as pydantic-settings reads it
    monkeypatch.setenv("ACTIONFORGE_MAX_OPERATIONS", "40")
    monkeypatch.setenv("ACTIONFORGE_ALLOW_LOOPBACK", "yes")
    settings = Settings(max_operations=50, allow_loopback=False)
    assert settings.call_timeout_s == 90.0
    assert settings.allow_http is True
    assert settings.max_operations == 50  # the keyword wins
    assert settings.allow_loopback is False  # even when it is the default's value
    assert settings.retry_attempts == 2


def test_collections_are_written_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONFORGE_ALLOWED_PORTS", "[443, 8443]")
    monkeypatch.setenv("ACTIONFORGE_OAUTH_DOMAIN_EXCEPTIONS", '["example.org"]')
    settings = Settings()
    assert settings.allowed_ports == frozenset({443, 8443})
    assert settings.oauth_domain_exceptions == ("example.org",)


def test_values_take_their_field_type_from_keywords_and_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given: dict[str, Any] = {
        "allowed_ports": [443, 8443],
        "oauth_domain_exceptions": ["a.org"],
        "key_file": "k",
    }
    settings = Settings(call_timeout_s=5, **given)  # lists and a str, as pydantic took them
    assert (settings.call_timeout_s, type(settings.call_timeout_s)) == (5.0, float)
    assert settings.allowed_ports == frozenset({443, 8443})
    assert settings.oauth_domain_exceptions == ("a.org",)
    assert settings.key_file == Path("k")
    monkeypatch.setenv("ACTIONFORGE_KEY_FILE", "/etc/af.key")
    monkeypatch.setenv("ACTIONFORGE_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("ACTIONFORGE_MAX_REDIRECTS", " 7 ")
    settings = Settings()
    assert settings.key_file == Path("/etc/af.key")
    assert settings.secret_key == SecretValue("from-the-environment")
    assert settings.max_redirects == 7


def test_settings_are_frozen_hashable_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONFORGE_DATA_DIR", "/srv/actionforge")  # a server setting: not ours
    settings = Settings(max_operations=40)
    assert settings == Settings(max_operations=40) != Settings()
    assert hash(settings) == hash(Settings(max_operations=40))
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.max_operations = 1  # type: ignore[misc]
    assert dataclasses.replace(settings, max_redirects=1).max_redirects == 1


def test_an_unknown_name_is_refused_with_the_closest_one() -> None:
    with pytest.raises(SettingsError, match=r"no setting 'call_timeout' \(did you mean 'call_timeout_s'\?\)"):
        Settings(call_timeout=5)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"call_timeout_s": 0}, "call_timeout_s must be more than 0, not 0.0"),
        ({"max_nesting_depth": 7}, "max_nesting_depth must be at least 8, not 7"),
        ({"max_operations": "many"}, "max_operations must be a whole number, not 'many'"),
        ({"max_operations": True}, "max_operations must be a whole number, not True"),
        ({"allow_http": "maybe"}, "allow_http must be true or false, not 'maybe'"),
        ({"allowed_ports": 443}, "allowed_ports must be a list, not 443"),
        ({"oauth_domain_exceptions": [1]}, "oauth_domain_exceptions must be a list of strings"),
        ({"key_file": 3}, "key_file must be a path, not 3"),
    ],
)
def test_a_bad_keyword_names_the_setting(given: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(**given)  # type: ignore[arg-type]
    assert str(caught.value).startswith(f"Settings: {message}")
    assert isinstance(caught.value, ActionforgeError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("name", "text"), [("ACTIONFORGE_CALL_TIMEOUT_S", "soon"), ("ACTIONFORGE_ALLOWED_PORTS", "443,")]
)
def test_a_bad_environment_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    monkeypatch.setenv(name, text)
    field = name.removeprefix("ACTIONFORGE_").lower()
    with pytest.raises(SettingsError, match=f"^Settings: {field} \\({name}\\) must be .*, not {text!r}$"):
        Settings()


def test_the_documented_defaults_are_the_defaults() -> None:
    """docs/settings.md is generated from the fields' defaults: a bare Settings() has exactly those."""
    defaults = {field.name: field.default for field in dataclasses.fields(Settings)}
    assert dataclasses.asdict(Settings()) == defaults
