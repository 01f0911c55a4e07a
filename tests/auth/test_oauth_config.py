"""`OAuthConfig` validation and OpenAI's stored shape."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from actionforge.auth.oauth import OAuthConfig
from actionforge.secrets.value import SecretValue

BASE: dict[str, Any] = {
    "client_id": "client-1",
    "client_secret": "config-secret-Vb81",
    "authorization_url": "https://auth.example.com/authorize",
    "token_url": "https://auth.example.com/token",
}


def test_defaults_and_coercion() -> None:
    config = OAuthConfig.model_validate({**BASE, "scope": "  read   write "})
    assert config.client_secret == SecretValue("config-secret-Vb81")
    assert config.scope == "read write"
    assert config.pkce is True
    assert config.token_exchange_method == "default_post"
    assert config.client_auth_method == "client_secret_post"
    assert config.model_copy(update={"token_exchange_method": "basic_auth_header"}).client_auth_method == (
        "client_secret_basic"
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"token_url": "/token"}, "The token URL must be an absolute http(s) URL"),
        (
            {"authorization_url": "ftp://x.example.com/a"},
            "The authorization URL must be an absolute http(s) URL",
        ),
        ({"token_url": "https://x.example.com/t#frag"}, "must not have a #fragment"),
        ({"revocation_url": "nope"}, "The revocation URL must be an absolute"),
        ({"extra_authorize_params": {"state": "fixed"}}, "extra_authorize_params may not set state"),
        ({"token_exchange_method": "jwt"}, "token_exchange_method"),
        ({"client_id": ""}, "client_id"),
    ],
)
def test_bad_configs_are_refused(override: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        OAuthConfig.model_validate({**BASE, **override})
    assert message in str(caught.value)
    assert "config-secret-Vb81" not in str(caught.value)


def test_a_wrongly_typed_secret_is_not_echoed() -> None:
    with pytest.raises(ValidationError) as caught:
        OAuthConfig.model_validate({**BASE, "client_secret": 987654321})
    assert "987654321" not in str(caught.value)


def test_from_openai_maps_the_naming_trap() -> None:
    stored = {
        "type": "oauth",
        "client_url": "https://github.com/login/oauth/authorize",
        "authorization_url": "https://github.com/login/oauth/access_token",
        "authorization_content_type": "application/x-www-form-urlencoded",
        "scope": "repo",
        "token_exchange_method": "basic_auth_header",
    }
    config = OAuthConfig.from_openai(stored, client_id="gh-id", client_secret="gh-secret-Pk20")
    assert config.authorization_url == "https://github.com/login/oauth/authorize"
    assert config.token_url == "https://github.com/login/oauth/access_token"
    assert config.scope == "repo"
    assert config.token_exchange_method == "basic_auth_header"
    assert config.pkce is False
    assert "gh-secret-Pk20" not in repr(config)
