"""The model catalog: each workspace's providers and models (admins), and a GPT's model picker.

The instance's providers (from ``OPENAI_API_KEY`` and friends) lead the first page of each list,
read-only and without an id; a workspace's own are rows its admins add, change and delete.
"""

from __future__ import annotations

from fastapi import status

from actionforge.models import no_model_message
from actionforge.models.catalog import registry_from_catalog
from actionforge.platform.model_catalog import ModelCatalog
from actionforge.platform.model_entries import ModelEntry, ProviderEntry
from actionforge.web.deps import Caller, Paging, ServicesDep
from actionforge.web.model_schemas import (
    GptModelsOut,
    ModelChangeIn,
    ModelIn,
    ModelOut,
    ProviderChangeIn,
    ProviderIn,
    ProviderOut,
)
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import PageOf

router = ScreeningRouter(prefix="/api", tags=["models"])


def provider_out(entry: ProviderEntry) -> ProviderOut:
    return ProviderOut(
        id=entry.id, name=entry.name, kind=entry.kind, base_url=entry.base_url,
        api_key="set" if entry.key_set else "not set", scope=entry.scope, read_only=entry.read_only,
    )  # fmt: skip


def model_out(entry: ModelEntry) -> ModelOut:
    return ModelOut(
        id=entry.id, model=entry.ref, provider=entry.provider, name=entry.name, label=entry.label,
        supports_tools=entry.supports_tools, context_window=entry.context_window,
        max_output_tokens=entry.max_output_tokens, parallel_tool_calls=entry.parallel_tool_calls,
        enabled=entry.enabled, scope=entry.scope, read_only=entry.read_only,
    )  # fmt: skip


@router.get("/workspaces/{workspace_id}/model-providers")
async def list_providers(
    workspace_id: str, caller: Caller, paging: Paging, svc: ServicesDep
) -> PageOf[ProviderOut]:
    catalog = ModelCatalog(svc.platform)
    found = await catalog.providers(caller.user, workspace_id, after=paging.cursor, limit=paging.limit)
    return PageOf[ProviderOut](items=[provider_out(p) for p in found.items], next_cursor=found.next_cursor)


@router.post("/workspaces/{workspace_id}/model-providers", status_code=status.HTTP_201_CREATED)
async def add_provider(workspace_id: str, body: ProviderIn, caller: Caller, svc: ServicesDep) -> ProviderOut:
    values = body.model_dump(exclude_none=True)
    return provider_out(await ModelCatalog(svc.platform).add_provider(caller.user, workspace_id, values))


@router.get("/model-providers/{provider_id}")
async def get_provider(provider_id: str, caller: Caller, svc: ServicesDep) -> ProviderOut:
    return provider_out(await ModelCatalog(svc.platform).provider(caller.user, provider_id))


@router.patch("/model-providers/{provider_id}")
async def update_provider(
    provider_id: str, body: ProviderChangeIn, caller: Caller, svc: ServicesDep
) -> ProviderOut:
    changes = body.model_dump(exclude_unset=True)
    return provider_out(await ModelCatalog(svc.platform).update_provider(caller.user, provider_id, changes))


@router.delete("/model-providers/{provider_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_provider(provider_id: str, caller: Caller, svc: ServicesDep) -> None:
    await ModelCatalog(svc.platform).delete_provider(caller.user, provider_id)


@router.get("/workspaces/{workspace_id}/models")
async def list_models(
    workspace_id: str, caller: Caller, paging: Paging, svc: ServicesDep
) -> PageOf[ModelOut]:
    """Every model of the workspace's catalog, disabled ones included."""
    catalog = ModelCatalog(svc.platform)
    found = await catalog.models(caller.user, workspace_id, after=paging.cursor, limit=paging.limit)
    return PageOf[ModelOut](items=[model_out(m) for m in found.items], next_cursor=found.next_cursor)


@router.post("/model-providers/{provider_id}/models", status_code=status.HTTP_201_CREATED)
async def add_model(provider_id: str, body: ModelIn, caller: Caller, svc: ServicesDep) -> ModelOut:
    return model_out(await ModelCatalog(svc.platform).add_model(caller.user, provider_id, body.model_dump()))


@router.get("/models/{model_id}")
async def get_model(model_id: str, caller: Caller, svc: ServicesDep) -> ModelOut:
    return model_out(await ModelCatalog(svc.platform).model(caller.user, model_id))


@router.patch("/models/{model_id}")
async def update_model(model_id: str, body: ModelChangeIn, caller: Caller, svc: ServicesDep) -> ModelOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return model_out(await ModelCatalog(svc.platform).update_model(caller.user, model_id, changes))


@router.delete("/models/{model_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_model(model_id: str, caller: Caller, svc: ServicesDep) -> None:
    await ModelCatalog(svc.platform).delete_model(caller.user, model_id)


@router.get("/gpts/{gpt_id}/models")
async def gpt_models(gpt_id: str, caller: Caller, svc: ServicesDep) -> GptModelsOut:
    """The model picker: never a model without tool calling for a GPT with actions or apps."""
    view = await ModelCatalog(svc.platform).for_gpt(caller.user, gpt_id)
    message = no_model_message(registry_from_catalog(view.catalog), needs_tools=view.needs_tools)
    return GptModelsOut(
        items=[model_out(m) for m in view.offered], needs_tools=view.needs_tools, message=message
    )
