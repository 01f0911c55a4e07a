"""Bodies of the model catalog API (/api/workspaces/{id}/model-providers, /api/models/...)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from actionforge.web.schemas import Request, Response

Scope = Literal["instance", "workspace"]
_Url = Annotated[str, Field(max_length=10_000)]  # the real limit is a setting, checked by platform


class ProviderIn(Request):
    name: Annotated[str, Field(max_length=50)] = Field(description="the first half of a model id, name/model")
    kind: Literal["openai", "anthropic"] = Field(description="openai: any OpenAI-compatible server")
    base_url: _Url | None = Field(None, description="empty: the official endpoint of the kind")
    api_key: Annotated[str, Field(max_length=10_000)] | None = Field(None, description="write-only")


class ProviderChangeIn(Request):
    base_url: _Url | None = None
    api_key: Annotated[str, Field(max_length=10_000)] | None = Field(
        None, description="write-only; left out keeps the stored key, null removes it"
    )


class ProviderOut(Response):
    id: str | None = Field(description="null for the instance's providers, which are read-only")
    name: str
    kind: str
    base_url: str | None
    api_key: Literal["set", "not set"]
    scope: Scope = Field(description="instance: from the server's environment, in every workspace")
    read_only: bool


class ModelIn(Request):
    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(description="the provider's model id")
    label: Annotated[str, Field(max_length=100)] = ""
    supports_tools: bool = True
    context_window: Annotated[int, Field(ge=1, le=100_000_000)] = 8192
    max_output_tokens: Annotated[int, Field(ge=1, le=100_000_000)] = 4096
    parallel_tool_calls: bool = False
    enabled: bool = True


class ModelChangeIn(Request):
    label: Annotated[str, Field(max_length=100)] | None = None
    supports_tools: bool | None = None
    context_window: Annotated[int, Field(ge=1, le=100_000_000)] | None = None
    max_output_tokens: Annotated[int, Field(ge=1, le=100_000_000)] | None = None
    parallel_tool_calls: bool | None = None
    enabled: bool | None = None


class ModelOut(Response):
    id: str | None = Field(description="null for the instance's models, which are read-only")
    model: str = Field(description="provider/name: the value a GPT's recommended model takes")
    provider: str
    name: str
    label: str
    supports_tools: bool
    context_window: int
    max_output_tokens: int
    parallel_tool_calls: bool
    enabled: bool
    scope: Scope
    read_only: bool


class GptModelsOut(Response):
    items: list[ModelOut] = Field(description="the models this GPT may be offered")
    needs_tools: bool = Field(
        description="the GPT has actions or apps: models without tool calling are left out"
    )
    message: str | None = Field(description="why nothing can be offered, when nothing can")
