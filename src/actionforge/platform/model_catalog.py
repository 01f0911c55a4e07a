"""Each workspace's model providers and models, managed by its admins (§5 "Models").

Providers' API keys are sealed to their row (`store.sealing`) and write-only: the API reports them
as set or not set; an update that leaves the key out keeps it, and ``api_key: null`` clears it.
The instance's providers, registered from the server's environment, are listed first, read-only,
in every workspace. `workspace_catalog` is the catalog (keys included) a conversation's model
registry is built from (`actionforge.models.catalog.workspace_registry`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

import actionforge
from actionforge.platform.access import editable_gpt, require, workspace_for
from actionforge.platform.context import Platform
from actionforge.platform.errors import Conflict, Invalid, NotFound
from actionforge.platform.model_entries import WORKSPACE, Catalog, ModelEntry, ProviderEntry, offerable
from actionforge.store.pages import Page, page
from actionforge.store.rows import ResultRow, entity
from actionforge.store.sealing import seal, unseal
from actionforge.store.tables import Action, Membership, User
from actionforge.store.tables_models import CatalogModel, ModelProvider
from actionforge.store.types import new_id

PROVIDER_KINDS = ("openai", "anthropic")
ADMINS_ONLY = "Only workspace admins can manage model providers."
_PROVIDERS, _MODELS = cast(Table, ModelProvider.__table__), cast(Table, CatalogModel.__table__)
# A workspace's providers, each with its models (or none), in one read: each turn's drive asks.
_CATALOG_OF = (
    select(_PROVIDERS, _MODELS)
    .outerjoin(_MODELS, _MODELS.c.provider_id == _PROVIDERS.c.id)
    .where(_PROVIDERS.c.workspace_id == bindparam("workspace_id"))
    .order_by(_PROVIDERS.c.id, _MODELS.c.id)
)
_PROVIDER_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,49}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MODEL_FIELDS = (
    "label",
    "supports_tools",
    "context_window",
    "max_output_tokens",
    "parallel_tool_calls",
    "enabled",
)


@dataclass(frozen=True)
class GptModels:
    """The model picker of one GPT: what it may be offered, and why."""

    offered: list[ModelEntry]
    needs_tools: bool  # the GPT has actions or apps
    catalog: Catalog  # everything the workspace has configured (no keys)


def provider_entry(row: ModelProvider, api_key: actionforge.SecretValue | None = None) -> ProviderEntry:
    return ProviderEntry(
        row.id, row.name, row.kind, row.base_url, row.api_key_sealed is not None, WORKSPACE, api_key
    )


def model_entry(row: CatalogModel, provider: str) -> ModelEntry:
    return ModelEntry(
        row.id, provider, row.name, row.label, row.supports_tools, row.context_window,
        row.max_output_tokens, row.parallel_tool_calls, row.enabled, WORKSPACE,
    )  # fmt: skip


class ModelCatalog:
    def __init__(self, platform: Platform) -> None:
        self.p = platform

    # --- providers --------------------------------------------------------------------------

    async def providers(
        self, user: User, workspace_id: str, *, after: str | None, limit: int
    ) -> Page[ProviderEntry]:
        """The instance's providers (first page only), then the workspace's, by id."""
        async with self.p.db.session() as s:
            await workspace_for(s, user, workspace_id, at_least="admin")
            query = select(ModelProvider).where(ModelProvider.workspace_id == workspace_id)
            found = await page(s, query, ModelProvider.id, after=after, limit=limit)
            rows = [provider_entry(r) for r in found.items]
            head = list(self.p.instance_models.providers) if after is None else []
            return Page(head + rows, found.next_cursor)

    async def add_provider(self, user: User, workspace_id: str, values: dict[str, Any]) -> ProviderEntry:
        async with self.p.db.session() as s:
            await workspace_for(s, user, workspace_id, at_least="admin")
            self._check_provider(values)
            await self._check_name_free(s, workspace_id, values["name"])
            now = self.p.clock()
            row = ModelProvider(
                id=new_id("mp"), workspace_id=workspace_id, name=values["name"], kind=values["kind"],
                base_url=values.get("base_url") or None, created_at=now, updated_at=now,
            )  # fmt: skip
            self._set_key(row, values.get("api_key"))
            s.add(row)
            return provider_entry(row)

    async def provider(self, user: User, provider_id: str) -> ProviderEntry:
        async with self.p.db.session() as s:
            return provider_entry(await _provider_row(s, user, provider_id))

    async def update_provider(self, user: User, provider_id: str, changes: dict[str, Any]) -> ProviderEntry:
        async with self.p.db.session() as s:
            row = await _provider_row(s, user, provider_id)
            self._check_provider(changes)
            if "base_url" in changes:
                row.base_url = changes["base_url"] or None
            if "api_key" in changes:
                self._set_key(row, changes["api_key"])
            row.updated_at = self.p.clock()
            return provider_entry(row)

    async def delete_provider(self, user: User, provider_id: str) -> None:
        """The provider and its models; GPTs recommending one of them keep the name (the picker
        and the chat loop report it as no longer configured)."""
        async with self.p.db.session() as s:
            await s.delete(await _provider_row(s, user, provider_id))

    def _check_provider(self, values: dict[str, Any]) -> None:
        if "name" in values and not _PROVIDER_NAME.match(values["name"]):
            raise Invalid.at(
                "/name",
                "Use 1-50 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
            )
        if "kind" in values and values["kind"] not in PROVIDER_KINDS:
            raise Invalid.at("/kind", f"Choose one of: {', '.join(PROVIDER_KINDS)}")
        if values.get("base_url"):
            _check_base_url(values["base_url"], self.p.settings.max_url_chars)
        if values.get("api_key") and _CONTROL.search(values["api_key"]):
            raise Invalid.at("/api_key", "An API key cannot contain line breaks or control characters")

    async def _check_name_free(self, s: AsyncSession, workspace_id: str, name: str) -> None:
        if self.p.instance_models.provider_named(name) is not None:
            raise Conflict.at(
                "/name", f"The server's environment already provides '{name}'; choose another name"
            )
        taken = await s.scalar(
            select(ModelProvider.id).where(
                ModelProvider.workspace_id == workspace_id, ModelProvider.name == name
            )
        )
        if taken is not None:
            raise Conflict.at("/name", f"This workspace already has a provider named '{name}'")

    def _set_key(self, row: ModelProvider, key: str | None) -> None:
        column = "api_key_sealed"
        sealed = seal(self.p.box, key, table="model_providers", row_id=row.id, column=column) if key else None
        row.api_key_sealed = sealed

    # --- models -----------------------------------------------------------------------------

    async def models(
        self, user: User, workspace_id: str, *, after: str | None, limit: int
    ) -> Page[ModelEntry]:
        """The instance's models (first page only), then the workspace's, by id; disabled ones too."""
        async with self.p.db.session() as s:
            await workspace_for(s, user, workspace_id, at_least="admin")
            query = (
                select(CatalogModel)
                .join(ModelProvider, ModelProvider.id == CatalogModel.provider_id)
                .where(ModelProvider.workspace_id == workspace_id)
            )
            found = await page(s, query, CatalogModel.id, after=after, limit=limit)
            names = await _provider_names(s, {m.provider_id for m in found.items})
            rows = [model_entry(m, names[m.provider_id]) for m in found.items]
            head = list(self.p.instance_models.models) if after is None else []
            return Page(head + rows, found.next_cursor)

    async def add_model(self, user: User, provider_id: str, values: dict[str, Any]) -> ModelEntry:
        async with self.p.db.session() as s:
            provider = await _provider_row(s, user, provider_id)
            _check_model_name(values["name"])
            taken = await s.scalar(
                select(CatalogModel.id).where(
                    CatalogModel.provider_id == provider.id, CatalogModel.name == values["name"]
                )
            )
            if taken is not None:
                raise Conflict.at("/name", f"'{provider.name}' already has a model named '{values['name']}'")
            now = self.p.clock()
            row = CatalogModel(
                id=new_id("mdl"), provider_id=provider.id, created_at=now, updated_at=now, **values
            )
            s.add(row)
            return model_entry(row, provider.name)

    async def model(self, user: User, model_id: str) -> ModelEntry:
        async with self.p.db.session() as s:
            row, provider = await _model_row(s, user, model_id)
            return model_entry(row, provider.name)

    async def update_model(self, user: User, model_id: str, changes: dict[str, Any]) -> ModelEntry:
        async with self.p.db.session() as s:
            row, provider = await _model_row(s, user, model_id)
            for name in MODEL_FIELDS:
                if name in changes:
                    setattr(row, name, changes[name])
            row.updated_at = self.p.clock()
            return model_entry(row, provider.name)

    async def delete_model(self, user: User, model_id: str) -> None:
        async with self.p.db.session() as s:
            row, _ = await _model_row(s, user, model_id)
            await s.delete(row)

    # --- what a workspace can use -----------------------------------------------------------

    async def for_gpt(self, user: User, gpt_id: str) -> GptModels:
        """The models the GPT's builder may pick: never one without tool calling for a GPT with
        actions or apps."""
        async with self.p.db.session() as s:
            gpt, workspace = await editable_gpt(s, user, gpt_id)
            has_action = await s.scalar(
                select(Action.id).where(Action.gpt_id == gpt.id, Action.version == 0).limit(1)
            )
            needs_tools = bool(gpt.apps) or has_action is not None
            catalog = await self.catalog_in(s, workspace.id)
            return GptModels(offerable(catalog, needs_tools=needs_tools), needs_tools, catalog)

    async def workspace_catalog(self, workspace_id: str, *, with_keys: bool = False) -> Catalog:
        """The instance's entries, then the workspace's (keys unsealed only ``with_keys``, to build
        a model registry; never for the API). No access check: callers have made theirs."""
        rows = await self.p.db.rows(_CATALOG_OF, {"workspace_id": workspace_id})  # Core: every turn asks
        return self.p.instance_models.then(self._assemble(rows, with_keys=with_keys))

    async def catalog_in(self, s: AsyncSession, workspace_id: str) -> Catalog:
        """`workspace_catalog` without keys, inside the caller's transaction."""
        rows = (await s.execute(_CATALOG_OF, {"workspace_id": workspace_id})).all()
        return self.p.instance_models.then(self._assemble(rows, with_keys=False))

    def _assemble(self, rows: Sequence[ResultRow], *, with_keys: bool) -> Catalog:
        """The catalog from `_CATALOG_OF`'s rows: a provider's row once per model, or once alone."""
        providers: dict[str, ModelProvider] = {}
        models: list[CatalogModel] = []
        for row in rows:
            provider_id, model_id = row._mapping[_PROVIDERS.c.id], row._mapping[_MODELS.c.id]
            if provider_id not in providers:
                providers[provider_id] = entity(ModelProvider, row)
            if model_id is not None:  # else a provider with no model yet
                models.append(entity(CatalogModel, row))
        models.sort(key=lambda m: m.id)
        names = {p.id: p.name for p in providers.values()}
        return Catalog(
            tuple(provider_entry(p, self._key(p) if with_keys else None) for p in providers.values()),
            tuple(model_entry(m, names[m.provider_id]) for m in models),
        )

    def _key(self, row: ModelProvider) -> actionforge.SecretValue | None:
        if row.api_key_sealed is None:
            return None
        return unseal(
            self.p.box, row.api_key_sealed, table="model_providers", row_id=row.id, column="api_key_sealed"
        )


async def _provider_row(s: AsyncSession, user: User, provider_id: str) -> ModelProvider:
    """A workspace provider the user administers: NotFound outside their workspaces (the instance's
    providers have no id, so they cannot be changed through the API)."""
    found = (
        await s.execute(
            select(ModelProvider, Membership.role)
            .join(Membership, Membership.workspace_id == ModelProvider.workspace_id)
            .where(ModelProvider.id == provider_id, Membership.user_id == user.id)
        )
    ).first()
    if found is None:
        raise NotFound("No such model provider.")
    row, role = found
    require(role, "admin", ADMINS_ONLY)
    return row


async def _model_row(s: AsyncSession, user: User, model_id: str) -> tuple[CatalogModel, ModelProvider]:
    row = await s.get(CatalogModel, model_id)
    if row is None:
        raise NotFound("No such model.")
    try:
        return row, await _provider_row(s, user, row.provider_id)
    except NotFound:
        raise NotFound("No such model.") from None


async def _provider_names(s: AsyncSession, ids: set[str]) -> dict[str, str]:
    rows = await s.execute(select(ModelProvider.id, ModelProvider.name).where(ModelProvider.id.in_(ids)))
    return {row.id: row.name for row in rows}


def _check_base_url(url: str, max_chars: int) -> None:
    """An absolute http(s) URL without credentials; where it may lead is the egress guard's call,
    made on every request to it."""
    if len(url) > max_chars:
        raise Invalid.at("/base_url", f"At most {max_chars} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid.at("/base_url", "Enter an absolute http(s) URL, such as https://api.example.com/v1")
    if parts.username is not None or parts.password is not None:
        raise Invalid.at("/base_url", "Put the key in the API key field, not in the URL")
    if parts.query or parts.fragment or _CONTROL.search(url):
        raise Invalid.at("/base_url", "A base URL has no query, fragment or control characters")


def _check_model_name(name: str) -> None:
    if not name.strip() or _CONTROL.search(name):
        raise Invalid.at("/name", "Enter the provider's model id, such as gpt-4o")
