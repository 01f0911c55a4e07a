"""The registry's rules: what a GPT may be offered, the environment's providers, secrets kept."""

from __future__ import annotations

import logging

import pytest

import actionforge
from actionforge.models import (
    NO_MODEL_CONFIGURED,
    NO_TOOL_MODEL_CONFIGURED,
    ModelAuthFailed,
    ModelInfo,
    ModelRegistry,
    ProviderConfig,
    UnknownModel,
    no_model_message,
    offerable_models,
    open_model,
    registry_from_environment,
)

KEY = "sk-registry-secret-abcdef123456"


def registry_with(*models: ModelInfo) -> ModelRegistry:
    registry = ModelRegistry()
    registry.add_provider(ProviderConfig("local", "openai", api_key=actionforge.SecretValue(KEY)))
    registry.add_models(models)
    return registry


TOOLS = ModelInfo("local", "with-tools", tool_calling=True)
PLAIN = ModelInfo("local", "plain", tool_calling=False)


def test_a_gpt_with_actions_is_never_offered_a_model_without_tool_calling() -> None:
    registry = registry_with(PLAIN, TOOLS)
    assert offerable_models(registry, needs_tools=True) == [TOOLS]
    assert offerable_models(registry, needs_tools=False) == [PLAIN, TOOLS]


def test_no_model_says_so_in_one_sentence_with_the_way_to_add_one() -> None:
    assert no_model_message(ModelRegistry(), needs_tools=False) == NO_MODEL_CONFIGURED
    assert "OPENAI_API_KEY" in NO_MODEL_CONFIGURED
    assert NO_MODEL_CONFIGURED.count(". ") == 0
    assert NO_MODEL_CONFIGURED.endswith(".")
    assert no_model_message(registry_with(PLAIN), needs_tools=True) == NO_TOOL_MODEL_CONFIGURED
    assert no_model_message(registry_with(PLAIN), needs_tools=False) is None


def test_the_environment_registers_providers() -> None:
    registry = registry_from_environment(
        {"OPENAI_API_KEY": KEY, "ANTHROPIC_API_KEY": "sk-ant-x", "HOME": "/"}
    )
    assert [(p.name, p.kind, p.base_url) for p in registry.providers] == [
        ("openai", "openai", None),
        ("anthropic", "anthropic", None),
    ]
    assert registry.provider("openai").api_key == actionforge.SecretValue(KEY)
    assert "openai/gpt-4o" in [m.id for m in registry.models]
    assert any(m.provider == "anthropic" for m in registry.models)


def test_a_base_url_alone_registers_a_keyless_compatible_provider_without_guessing_models() -> None:
    registry = registry_from_environment(
        {"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "OPENAI_API_KEY": ""}
    )
    assert registry.provider("openai").base_url == "http://127.0.0.1:11434/v1"
    assert registry.models == []


def test_no_variables_no_providers() -> None:
    assert registry_from_environment({"OPENAI_API_KEY": "", "PATH": "/bin"}).providers == []


def test_unknown_names_are_clear_errors() -> None:
    registry = registry_with(TOOLS)
    with pytest.raises(UnknownModel, match=r"No model 'local/nope'; configured models: local/with-tools"):
        registry.model("local/nope")
    with pytest.raises(UnknownModel, match="No provider named 'elsewhere'"):
        registry.add_model(ModelInfo("elsewhere", "m"))


def test_a_provider_key_must_be_a_secret_value() -> None:
    with pytest.raises(TypeError, match="SecretValue"):
        ProviderConfig("p", "openai", api_key=KEY)  # type: ignore[arg-type]


def test_provider_keys_never_show_in_reprs_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    registry = registry_with(TOOLS)
    model = open_model(registry, "local/with-tools")
    error = ModelAuthFailed("local", f"Incorrect API key provided: {KEY}")
    shown = [
        repr(registry.provider("local")),
        repr(registry.providers),
        repr(model),
        str(error),
        error.detail,
    ]
    assert all(KEY not in text for text in shown), shown
    logger = logging.getLogger("test.models")
    actionforge.install_log_redaction(logger)
    with caplog.at_level(logging.INFO, logger="test.models"):
        logger.info("provider %s", registry.provider("local"))
        logger.info("raw %s", registry.provider("local").api_key.reveal())
    assert KEY not in caplog.text
