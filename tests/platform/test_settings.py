"""The settings reference page is generated and current; the TOML file and the environment combine."""

from __future__ import annotations

from pathlib import Path

import pytest

from actionforge.platform.settings import ServerSettings
from actionforge.platform.settings_doc import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_docs_settings_md_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run ./scripts/settings-doc"


def test_every_setting_is_documented() -> None:
    page = render()
    assert all(f"`ACTIONFORGE_{name.upper()}`" in page for name in ServerSettings.model_fields)


def test_file_values_apply_and_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "actionforge.toml"
    config.write_text('max_actions_per_gpt = 3\ngpt_name_max_chars = 20\ndata_dir = "/srv/af"\n')
    monkeypatch.setenv("ACTIONFORGE_GPT_NAME_MAX_CHARS", "30")
    settings = ServerSettings.load(config)
    assert (settings.max_actions_per_gpt, settings.gpt_name_max_chars) == (3, 30)
    assert settings.resolved_database_url == "sqlite:////srv/af/actionforge.db"
    assert settings.resolved_key_file == Path("/srv/af/secret.key")


def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONFORGE_PUBLIC_BASE_URL", "example.com")
    with pytest.raises(ValueError, match="public_base_url"):
        ServerSettings()
