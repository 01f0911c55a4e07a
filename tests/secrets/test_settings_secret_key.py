"""The master encryption key in Settings never shows: not in a repr, a dump or an error."""

from __future__ import annotations

import dataclasses
import json

import pytest

from actionforge import SecretBox, SecretKeyError, SecretValue, Settings, SettingsError, generate_key
from actionforge.secrets.redact import redactor

KEY = generate_key()


@pytest.fixture(params=["keyword", "environment"])
def settings(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Settings:
    if request.param == "keyword":
        return Settings(secret_key=KEY)  # type: ignore[arg-type]  # a str is taken too
    monkeypatch.setenv("ACTIONFORGE_SECRET_KEY", KEY)
    return Settings()


def test_the_key_is_a_secret_value(settings: Settings) -> None:
    assert isinstance(settings.secret_key, SecretValue)
    assert settings.secret_key.reveal() == KEY


def test_no_repr_str_or_dump_of_settings_shows_the_key(settings: Settings) -> None:
    dump = dataclasses.asdict(settings)
    shown = [repr(settings), str(settings), json.dumps(dump, default=str), str(dump)]
    assert [text for text in shown if KEY in text] == []
    assert "secret_key=SecretValue('**********')" in repr(settings)


def test_the_key_still_encrypts(settings: Settings) -> None:
    box = SecretBox.from_settings(settings)
    assert (
        box.decrypt(box.encrypt(SecretValue("plain-Distinctive-6021"), aad="t"), aad="t").reveal()
        == "plain-Distinctive-6021"
    )


def test_a_validation_error_beside_the_key_does_not_show_it() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(secret_key=SecretValue(KEY), call_timeout_s=-1)
    assert KEY not in str(caught.value)
    assert KEY not in repr(caught.value.args)


def test_a_key_of_the_wrong_type_is_refused_without_showing_it() -> None:
    with pytest.raises(SettingsError, match=r"^Settings: secret_key must be a string, not a bytes$"):
        Settings(secret_key=KEY.encode())  # type: ignore[arg-type]


def test_a_malformed_key_is_refused_without_quoting_it() -> None:
    bad = "not-a-key-but-still-Secret-4711"
    with pytest.raises(SecretKeyError) as caught:
        SecretBox.from_settings(Settings(secret_key=SecretValue(bad)))
    assert bad not in str(caught.value)
    assert "ACTIONFORGE_SECRET_KEY" in str(caught.value)


def test_the_key_is_masked_where_it_escaped_as_text(settings: Settings) -> None:
    assert KEY not in redactor().redact(f"the key is {KEY}")
