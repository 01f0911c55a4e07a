"""Each workspace's model catalog: the providers an admin configured, and their models.

A provider's API key is one sealed column bound to its row (`sealing`), write-only over the API
like an action's secrets. Providers registered from the server's environment (``OPENAI_API_KEY``
and friends) are not rows: they are instance-wide and read-only, and live in process settings.
A model's deletion is its provider's, and a provider's its workspace's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from actionforge.store.tables import ID, Base


class ModelProvider(Base):
    __tablename__ = "model_providers"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ID, ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))  # the first half of a model id, "name/model"
    kind: Mapped[str] = mapped_column(String(16))  # openai | anthropic
    base_url: Mapped[str | None] = mapped_column(Text)  # None: the SDK's official endpoint
    api_key_sealed: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)


class CatalogModel(Base):
    """A model of a provider, with what the chat loop and the model picker need to know."""

    __tablename__ = "models"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    provider_id: Mapped[str] = mapped_column(ID, ForeignKey("model_providers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))  # the provider's own model id, as sent in requests
    label: Mapped[str] = mapped_column(String(100), default="")
    supports_tools: Mapped[bool] = mapped_column(Boolean, default=True)
    context_window: Mapped[int] = mapped_column(Integer)  # tokens
    max_output_tokens: Mapped[int] = mapped_column(Integer)
    parallel_tool_calls: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("provider_id", "name"),)
