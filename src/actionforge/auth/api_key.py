"""`ApiKeyAuth`: puts an action's shared API key on each request."""

from __future__ import annotations

import base64
from collections.abc import Generator

import httpx

from actionforge.auth.config import ApiKeyAuthConfig


class ApiKeyAuth(httpx.Auth):
    """Applies an `ApiKeyAuthConfig`; works with sync and async clients (no I/O of its own)."""

    def __init__(self, config: ApiKeyAuthConfig) -> None:
        self.config = config

    def __repr__(self) -> str:
        return f"ApiKeyAuth(kind={self.config.kind!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        config = self.config
        if config.kind == "query":
            assert config.query_name is not None
            assert config.key is not None
            request.url = request.url.copy_set_param(config.query_name, config.key.reveal())
        elif config.kind == "bearer":
            request.headers["Authorization"] = f"Bearer {_key(config)}"
        elif config.kind == "custom":
            assert config.header_name is not None
            request.headers[config.header_name] = _key(config)
        else:
            request.headers["Authorization"] = f"Basic {_basic_credentials(config)}"
        yield request


def _key(config: ApiKeyAuthConfig) -> str:
    assert config.key is not None
    return config.key.reveal()


def _basic_credentials(config: ApiKeyAuthConfig) -> str:
    if config.key is not None:
        return config.key.reveal()  # verbatim, as OpenAI sends it (checklist 35)
    assert config.username is not None
    assert config.password is not None
    pair = f"{config.username}:{config.password.reveal()}"
    return base64.b64encode(pair.encode("utf-8")).decode("ascii")  # RFC 7617, UTF-8 charset
