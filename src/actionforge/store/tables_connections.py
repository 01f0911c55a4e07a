"""Each end user's connected accounts (OAuth tokens, their own API keys) and consent choices.

A connected account is keyed like the engine's `TokenKey`: (user, action row, draft|published).
Its secret is one sealed column bound to the row (`sealing`), so a ciphertext copied to another
user's row does not open. The action row's deletion takes its connections with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from actionforge.store.tables import ID, Base


class ConnectedAccount(Base):
    __tablename__ = "connected_accounts"
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    action_id: Mapped[str] = mapped_column(ID, ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(10), primary_key=True)  # draft | published
    kind: Mapped[str] = mapped_column(String(8))  # oauth | api_key
    secret_sealed: Mapped[str] = mapped_column(Text)  # oauth: the token set as JSON; api_key: the key
    scope: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]  # the access token's expiry, when the provider said
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ActionConsent(Base):
    """A user's choice for one GPT action domain: "always" allow its calls, or "ask" each time."""

    __tablename__ = "action_consents"
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    gpt_id: Mapped[str] = mapped_column(ID, ForeignKey("gpts.id", ondelete="CASCADE"), primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    choice: Mapped[str] = mapped_column(String(8))  # always | ask
    updated_at: Mapped[datetime]


class OAuthState(Base):
    """A pending OAuth sign-in (the engine's `PendingAuthorization`), so any process, or the same
    one after a restart, can complete it. Only the SHA-256 of the ``state`` is stored."""

    __tablename__ = "oauth_states"
    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"))
    action_id: Mapped[str] = mapped_column(ID, ForeignKey("actions.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(10))
    conversation_id: Mapped[str | None] = mapped_column(String(100))
    redirect_uri: Mapped[str] = mapped_column(Text)
    code_verifier_sealed: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # Unix time, the engine's clock
    used: Mapped[bool] = mapped_column(Boolean)
    return_to: Mapped[str] = mapped_column(Text)  # a path on this server, where the callback sends the user
