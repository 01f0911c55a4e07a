"""The tables. One declarative model per table; the Alembic migrations create exactly these.

Secrets live only in ``*_sealed`` columns: `SecretBox` tokens bound to ``<table>:<row id>:<column>``
(see `sealing`). Draft and published GPT configurations share the ``actions`` table: version 0 is
the draft, version N the Nth published snapshot, so OAuth tokens and audit records of a later issue
can point at the exact action row (user, action, draft or published) they belong to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from actionforge.store.types import UtcDateTime

# Named constraints, so migrations can refer to (and SQLite batch mode can rebuild) them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(40)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Session(Base):
    """A browser session; only the SHA-256 of the cookie value is stored."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ApiToken(Base):
    """A personal API token for scripts; shown once, stored as its SHA-256."""

    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))  # the first characters, so users can tell tokens apart
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


class SetupToken(Base):
    """The one-time link that creates the first owner."""

    __tablename__ = "setup_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RateCounter(Base):
    """Fixed-window counters (login attempts, ...), in the database so every process shares them."""

    __tablename__ = "rate_counters"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer)


class Workspace(Base):
    __tablename__ = "workspaces"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    custom_actions_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    domain_policy: Mapped[str] = mapped_column(String(8), default="all")  # all | list | none
    allowed_domains: Mapped[list[Any]] = mapped_column(default=list)
    apps_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    gpt_creators: Mapped[str] = mapped_column(String(8), default="members")  # members | admins
    max_visibility: Mapped[str] = mapped_column(String(16), default="public")


class Membership(Base):
    __tablename__ = "memberships"
    workspace_id: Mapped[str] = mapped_column(
        ID, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(8))  # owner | admin | member
    created_at: Mapped[datetime]


class Gpt(Base):
    """A GPT and its draft configuration; published configurations are `GptVersion` rows."""

    __tablename__ = "gpts"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ID, ForeignKey("workspaces.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    instructions: Mapped[str] = mapped_column(Text, default="")
    conversation_starters: Mapped[list[Any]] = mapped_column(default=list)
    model: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(100))
    apps: Mapped[list[Any]] = mapped_column(default=list)  # MCP apps (a later issue); XOR actions
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    published_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (Index(None, "workspace_id", "id"),)


class GptVersion(Base):
    """A published snapshot of a GPT's fields; its actions are ``actions`` rows with this version."""

    __tablename__ = "gpt_versions"
    gpt_id: Mapped[str] = mapped_column(ID, ForeignKey("gpts.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    config: Mapped[dict[str, Any]]
    visibility: Mapped[str] = mapped_column(String(16))
    published_by: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    published_at: Mapped[datetime]


class Action(Base):
    __tablename__ = "actions"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    gpt_id: Mapped[str] = mapped_column(ID, ForeignKey("gpts.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer, default=0)  # 0 = draft
    domain: Mapped[str | None] = mapped_column(String(253))  # None until the schema validates
    schema_text: Mapped[str] = mapped_column(Text, default="")
    base_url: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    privacy_policy_url: Mapped[str | None] = mapped_column(Text)
    auth_type: Mapped[str] = mapped_column(String(8), default="none")  # none | api_key | oauth
    auth_config: Mapped[dict[str, Any]] = mapped_column(default=dict)  # non-secret fields only
    api_key_sealed: Mapped[str | None] = mapped_column(Text)
    client_id_sealed: Mapped[str | None] = mapped_column(Text)
    client_secret_sealed: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (
        Index(None, "gpt_id", "version"),
        # One domain per action within one configuration ("Action sets cannot have duplicate domains").
        UniqueConstraint("gpt_id", "version", "domain"),
    )
