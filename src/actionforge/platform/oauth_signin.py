"""An end user's OAuth sign-in to an action: the authorize URL, then the provider's callback.

Pending sign-ins live in the database (`DbStateStore`, the engine's `StateStore` interface), so
the callback completes on any server process, or on this one after a restart. The callback URL is
``{public_base_url}/aip/{action_id}/oauth/callback``; it must reach the user who started the
sign-in (the state is bound to them), and sends them back to the path they started from.
"""

from __future__ import annotations

import hashlib
import time
import typing
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

import actionforge
from actionforge.platform.calls import load_engine_action
from actionforge.platform.connections import DbTokenStore, usable_action
from actionforge.platform.context import Platform
from actionforge.platform.engine_auth import engine_auth
from actionforge.platform.errors import Invalid
from actionforge.store.sealing import seal, unseal
from actionforge.store.tables import Action, Gpt, User, Workspace
from actionforge.store.tables_connections import OAuthState

FORGET_AFTER_S = 3600  # a used or expired state is kept this long, so a replay reads as a replay
UNKNOWN_STATE = "This sign-in is unknown or has expired: start it again from the GPT."
SIGN_IN_FAILED = (actionforge.StateError, actionforge.AuthorizationDenied, actionforge.TokenEndpointError)


def _pending_type() -> Any:
    """The engine's ``PendingAuthorization``: not among ``actionforge``'s public names yet, but it is
    the type the public `StateStore` protocol takes, so it is read from there, in this one place."""
    return typing.get_type_hints(actionforge.StateStore.put)["pending"]


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class DbStateStore:
    """The engine's `StateStore` on the ``oauth_states`` table; ``take`` is one atomic UPDATE."""

    def __init__(self, platform: Platform, return_to: str = "/") -> None:
        self.p = platform
        self.return_to = return_to

    async def put(self, pending: Any) -> None:
        key = _hash(pending.state)
        verifier = pending.code_verifier  # None when the action's provider takes no PKCE
        sealed = (
            seal(self.p.box, verifier, table="oauth_states", row_id=key, column="code_verifier_sealed")
            if verifier is not None
            else None
        )
        b = pending.binding
        async with self.p.db.session() as s:
            await s.execute(delete(OAuthState).where(OAuthState.expires_at < time.time() - FORGET_AFTER_S))
            s.add(OAuthState(
                state_hash=key, user_id=b.user_id, action_id=b.action_id, mode=b.mode,
                conversation_id=b.conversation_id, redirect_uri=pending.redirect_uri,
                code_verifier_sealed=sealed, expires_at=pending.expires_at,
                used=pending.used, return_to=self.return_to,
            ))  # fmt: skip

    async def take(self, state: str) -> Any:
        key = _hash(state)
        async with self.p.db.session() as s:
            claimed = await s.execute(
                update(OAuthState)
                .where(OAuthState.state_hash == key, OAuthState.used.is_(False))
                .values(used=True)
            )
            row = await s.get(OAuthState, key)
            if row is None:
                return None
            return self._pending(state, row, used=getattr(claimed, "rowcount", 0) != 1)

    def _pending(self, state: str, row: OAuthState, *, used: bool) -> Any:
        verifier = None
        if row.code_verifier_sealed is not None:
            verifier = unseal(
                self.p.box, row.code_verifier_sealed, table="oauth_states", row_id=row.state_hash,
                column="code_verifier_sealed",
            )  # fmt: skip
        mode: actionforge.Mode = "draft" if row.mode == "draft" else "published"
        binding = actionforge.StateBinding(row.user_id, row.action_id, mode, row.conversation_id)
        return _pending_type()(
            state=state, binding=binding, redirect_uri=row.redirect_uri, code_verifier=verifier,
            expires_at=row.expires_at, used=used,
        )  # fmt: skip

    async def lookup(self, state: str) -> tuple[str, str] | None:
        """(action id, return path) of a pending sign-in, without taking it."""
        async with self.p.db.session() as s:
            row = await s.get(OAuthState, _hash(state))
            return (row.action_id, row.return_to) if row is not None else None


def _check_return_to(path: str) -> None:
    """Only a path on this server: never an absolute URL (that would be an open redirect)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        raise Invalid.at("/return_to", "Give a path on this server, such as /gpts/abc")


class SignIns:
    def __init__(self, platform: Platform) -> None:
        self.p = platform

    def callback_url(self, action: Action) -> str:
        """The URL the action's editor shows: its id changes whenever the OAuth settings do."""
        return f"{self.p.settings.public_base_url}/aip/{_callback_id(action)}/oauth/callback"

    async def start(self, user: User, action_id: str, return_to: str) -> tuple[str, str]:
        """The provider's authorize URL for ``user`` and the callback URL; the state waits in the DB."""
        _check_return_to(return_to)
        action, workspace, mode = await self._oauth_action(user, action_id)
        config = engine_auth(self.p.box, action)
        assert isinstance(config, actionforge.OAuthConfig)
        async with load_engine_action(self.p, action, workspace) as engine_action:
            try:
                url = await actionforge.begin_sign_in(
                    engine_action, config, redirect_uri=self.callback_url(action),
                    binding=actionforge.StateBinding(user.id, action.id, mode),
                    state_store=DbStateStore(self.p, return_to),
                )  # fmt: skip
            except actionforge.OAuthDomainError as exc:
                raise Invalid.at("/auth", str(exc)) from None
        return url, self.callback_url(action)

    async def complete(self, user: User, callback_id: str, query: dict[str, str]) -> str:
        """Check the callback, exchange the code, store the tokens; the path to send the user to.

        The state names the action; the callback id must still be that action's (an OAuth
        setting changed since the sign-in started would have changed it).
        """
        store = DbStateStore(self.p)
        pending = await store.lookup(query.get("state", ""))
        if pending is None:
            raise Invalid.at("/query/state", UNKNOWN_STATE)
        action_id, return_to = pending
        action, workspace, _ = await self._oauth_action(user, action_id)
        if _callback_id(action) != callback_id:
            raise Invalid.at("/query/state", UNKNOWN_STATE)
        config = engine_auth(self.p.box, action)
        assert isinstance(config, actionforge.OAuthConfig)
        async with load_engine_action(self.p, action, workspace) as engine_action:
            try:
                await actionforge.complete_sign_in(
                    engine_action, config, query=query, redirect_uri=self.callback_url(action),
                    state_store=store, token_store=DbTokenStore(self.p),
                    binding_check=lambda b: b.user_id == user.id and b.action_id == action.id,
                )  # fmt: skip
            except SIGN_IN_FAILED as exc:
                raise Invalid(str(exc)) from None
        return return_to

    async def _oauth_action(self, user: User, action_id: str) -> tuple[Action, Workspace, actionforge.Mode]:
        async with self.p.db.session() as s:
            action, mode = await usable_action(s, user, action_id)
            workspace = await _workspace_of(s, action)
        if action.auth_type != "oauth":
            raise Invalid.at("", "This action does not use OAuth.")
        return action, workspace, mode


def _callback_id(action: Action) -> str:
    return str(action.auth_config.get("callback_id", action.id))


async def _workspace_of(s: AsyncSession, action: Action) -> Workspace:
    gpt = await s.get(Gpt, action.gpt_id)
    workspace = await s.get(Workspace, gpt.workspace_id) if gpt is not None else None
    assert workspace is not None  # foreign keys guarantee both
    return workspace
