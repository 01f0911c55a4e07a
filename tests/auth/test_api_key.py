"""API-key credentials on the wire, checked by a real echo server."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError

from actionforge.auth import (
    ApiKeyAuth,
    ApiKeyAuthConfig,
    AuthConfig,
    NoAuthConfig,
    OAuthConfig,
    auth_for_operation,
)
from actionforge.openapi.model import Operation
from actionforge.secrets.value import SecretValue


async def _echo(url: str, auth: httpx.Auth | None, path: str = "/thing?x=1") -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        response = await client.get(url + path, auth=auth)
    data: dict[str, Any] = response.json()
    return data


async def test_basic_sends_the_key_verbatim(echo_server: str) -> None:
    """OpenAI does not base64-encode: the builder pastes base64(user:pass) themselves."""
    config = ApiKeyAuthConfig(kind="basic", key=SecretValue("dXNlcjpwYXNz"))
    echoed = await _echo(echo_server, ApiKeyAuth(config))
    assert echoed["headers"]["authorization"] == "Basic dXNlcjpwYXNz"


async def test_basic_is_the_default_kind() -> None:
    assert ApiKeyAuthConfig(key=SecretValue("KEY-5520")).kind == "basic"


async def test_basic_from_username_and_password(echo_server: str) -> None:
    config = ApiKeyAuthConfig(kind="basic", username="zoë", password=SecretValue("p:ss wörd"))
    echoed = await _echo(echo_server, ApiKeyAuth(config))
    scheme, _, encoded = echoed["headers"]["authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode("utf-8") == "zoë:p:ss wörd"


async def test_bearer(echo_server: str) -> None:
    echoed = await _echo(echo_server, ApiKeyAuth(ApiKeyAuthConfig(kind="bearer", key=SecretValue("sk-123"))))
    assert echoed["headers"]["authorization"] == "Bearer sk-123"


@pytest.mark.parametrize("header", ["X-Api-Key", "Authorization"])
async def test_custom_header_sends_the_raw_key(echo_server: str, header: str) -> None:
    config = ApiKeyAuthConfig(kind="custom", header_name=header, key=SecretValue("Token abc123"))
    echoed = await _echo(echo_server, ApiKeyAuth(config))
    assert echoed["headers"][header.lower()] == "Token abc123"
    if header != "Authorization":
        assert "authorization" not in echoed["headers"]


async def test_query_parameter_is_added_encoded_and_replaces_a_same_named_one(echo_server: str) -> None:
    config = ApiKeyAuthConfig(kind="query", query_name="api_key", key=SecretValue("a&b=c d"))
    echoed = await _echo(echo_server, ApiKeyAuth(config), "/thing?x=1&api_key=model-supplied")
    assert echoed["query"] == "x=1&api_key=a%26b%3Dc+d"
    assert "authorization" not in echoed["headers"]


def test_the_auth_works_with_a_sync_client_too(echo_server: str) -> None:
    auth = ApiKeyAuth(ApiKeyAuthConfig(kind="bearer", key=SecretValue("sk-sync")))
    with httpx.Client() as client:
        echoed = client.get(echo_server + "/", auth=auth).json()
    assert echoed["headers"]["authorization"] == "Bearer sk-sync"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "bearer"}, "an API key is required for kind 'bearer'"),
        ({"kind": "bearer", "key": ""}, "an API key is required"),
        ({"kind": "custom", "key": "KEY-7731"}, "kind 'custom' needs a valid header_name"),
        ({"kind": "custom", "key": "KEY-7731", "header_name": "X Bad"}, "needs a valid header_name"),
        ({"kind": "query", "key": "KEY-7731"}, "kind 'query' needs query_name"),
        ({"kind": "bearer", "key": "KEY-7731", "header_name": "X"}, "header_name is only for kind 'custom'"),
        ({"kind": "bearer", "key": "KEY-7731", "query_name": "q"}, "query_name is only for kind 'query'"),
        ({"kind": "bearer", "username": "u", "password": "p"}, "only for kind 'basic'"),
        ({"kind": "basic", "key": "KEY-7731", "username": "u", "password": "p"}, "either key or username"),
        ({"kind": "basic", "username": "u"}, "needs both username and password"),
        ({"kind": "basic", "username": "a:b", "password": "p"}, "cannot contain ':'"),
        ({"kind": "bearer", "key": "line\r\nX-Evil: 1"}, "characters an HTTP header cannot carry"),
        ({"kind": "bearer", "key": "clé"}, "characters an HTTP header cannot carry"),
    ],
)
def test_incomplete_or_unsendable_configs_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ApiKeyAuthConfig.model_validate(fields)
    assert message in str(caught.value)
    key = fields.get("key")
    if key:
        assert key not in str(caught.value)  # the key is never echoed in an error


def test_auth_config_is_a_tagged_union() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(AuthConfig)
    assert isinstance(adapter.validate_python({"type": "none"}), NoAuthConfig)
    api_key = adapter.validate_python({"type": "api_key", "kind": "bearer", "key": "KEY-7731"})
    assert isinstance(api_key, ApiKeyAuthConfig)
    assert api_key.key == SecretValue("KEY-7731")
    oauth = adapter.validate_python(
        {
            "type": "oauth",
            "client_id": "c",
            "client_secret": "s",
            "authorization_url": "https://a.example.com/authorize",
            "token_url": "https://a.example.com/token",
        }
    )
    assert isinstance(oauth, OAuthConfig)
    assert oauth.pkce is True
    assert oauth.token_exchange_method == "default_post"


def test_secrets_in_configs_are_masked_when_dumped() -> None:
    config = ApiKeyAuthConfig(kind="bearer", key=SecretValue("sk-hidden-1"))
    assert "sk-hidden-1" not in repr(config)
    assert "sk-hidden-1" not in config.model_dump_json()


def _operation(security: Any) -> Operation:
    return Operation(
        operation_id="op",
        method="get",
        path="/",
        server_url="https://api.example.com",
        pointer="/paths/~1/get",
        security=security,
    )


@pytest.mark.parametrize(
    ("security", "gets_auth"),
    [(None, True), (({"apiKey": []},), True), ((), False), (({},), False)],
)
def test_auth_for_operation(security: Any, gets_auth: bool) -> None:
    auth = ApiKeyAuth(ApiKeyAuthConfig(kind="bearer", key=SecretValue("KEY-5520")))
    assert (auth_for_operation(_operation(security), auth) is auth) is gets_auth
    assert auth_for_operation(_operation(security), None) is None


async def test_unauthenticated_operation_sends_no_credentials(echo_server: str) -> None:
    auth = ApiKeyAuth(ApiKeyAuthConfig(kind="bearer", key=SecretValue("KEY-5520")))
    echoed = await _echo(echo_server, auth_for_operation(_operation(()), auth))
    assert "authorization" not in echoed["headers"]
