"""Each user's connected accounts: OAuth tokens and their own API keys, per (user, action, mode).

`DbTokenStore` is the engine's `TokenStore` on the database, so a token refreshed by one server
process is what the next process reads. Secrets are sealed to their row (`store.sealing`).

Who may connect to an action: for a draft action (the builder's Preview) whoever may edit the
GPT; for the published action rows, whoever the published GPT is shared with (link and public:
any signed-in user; workspace: its members; private: its editors). Anyone else gets NotFound.

Listed for one GPT, the accounts also include the keys it still needs: each action of it whose
users bring their own keys (key_source "user") and for which the caller has stored none, as a
row that is not connected (so the privacy page can offer "Add your key").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import actionforge
from actionforge.platform.access import editable_gpt
from actionforge.platform.auth_config import users_bring_keys
from actionforge.platform.context import Platform
from actionforge.platform.engine_auth import engine_auth
from actionforge.platform.errors import Invalid, NotFound
from actionforge.platform.revocation import revoke_and_forget
from actionforge.platform.sharing import visibility_admits
from actionforge.store.pages import Page, page
from actionforge.store.sealing import seal, unseal
from actionforge.store.tables import Action, Gpt, User, Workspace
from actionforge.store.tables_connections import ConnectedAccount

TABLE, COLUMN = "connected_accounts", "secret_sealed"


def _row_id(key: actionforge.TokenKey) -> str:
    return f"{key.user_id}/{key.action_id}/{key.mode}"


def _tokens_json(tokens: actionforge.TokenSet) -> str:
    refresh = tokens.refresh_token.reveal() if tokens.refresh_token is not None else None
    return json.dumps({
        "access_token": tokens.access_token.reveal(), "token_type": tokens.token_type,
        "refresh_token": refresh, "expires_at": tokens.expires_at, "scope": tokens.scope,
    })  # fmt: skip


def _tokens(text: str) -> actionforge.TokenSet:
    data = json.loads(text)
    refresh = data.get("refresh_token")
    return actionforge.TokenSet(
        access_token=actionforge.SecretValue(data["access_token"]), token_type=data["token_type"],
        refresh_token=actionforge.SecretValue(refresh) if refresh else None,
        expires_at=data.get("expires_at"), scope=data.get("scope"),
    )  # fmt: skip


class DbTokenStore:
    """The engine's `TokenStore` interface, on the ``connected_accounts`` table."""

    def __init__(self, platform: Platform) -> None:
        self.p = platform

    async def get(self, key: actionforge.TokenKey) -> actionforge.TokenSet | None:
        async with self.p.db.session() as s:
            row = await s.get(ConnectedAccount, (key.user_id, key.action_id, key.mode))
            if row is None or row.kind != "oauth":
                return None
            plain = unseal(self.p.box, row.secret_sealed, table=TABLE, row_id=_row_id(key), column=COLUMN)
            return _tokens(plain.reveal())

    async def put(self, key: actionforge.TokenKey, tokens: actionforge.TokenSet) -> None:
        expires = datetime.fromtimestamp(tokens.expires_at, UTC) if tokens.expires_at is not None else None
        secret = actionforge.SecretValue(_tokens_json(tokens))
        await self._write(key, "oauth", secret, scope=tokens.scope, expires_at=expires)

    async def delete(self, key: actionforge.TokenKey) -> bool:
        async with self.p.db.session() as s:
            row = await s.get(ConnectedAccount, (key.user_id, key.action_id, key.mode))
            if row is None:
                return False
            await s.delete(row)
            return True

    async def api_key(self, key: actionforge.TokenKey) -> actionforge.SecretValue | None:
        """The user's own API key for this action, if they connected one."""
        async with self.p.db.session() as s:
            return await self.api_key_in(s, key)

    async def api_key_in(self, s: AsyncSession, key: actionforge.TokenKey) -> actionforge.SecretValue | None:
        """`api_key`, inside the caller's transaction."""
        row = await s.get(ConnectedAccount, (key.user_id, key.action_id, key.mode))
        if row is None or row.kind != "api_key":
            return None
        return unseal(self.p.box, row.secret_sealed, table=TABLE, row_id=_row_id(key), column=COLUMN)

    async def put_api_key(self, key: actionforge.TokenKey, value: actionforge.SecretValue) -> None:
        await self._write(key, "api_key", value, scope=None, expires_at=None)

    async def _write(
        self, key: actionforge.TokenKey, kind: str, secret: actionforge.SecretValue, *,
        scope: str | None, expires_at: datetime | None,
    ) -> None:  # fmt: skip
        sealed = seal(self.p.box, secret, table=TABLE, row_id=_row_id(key), column=COLUMN)
        now = self.p.clock()
        async with self.p.db.session() as s:
            row = await s.get(ConnectedAccount, (key.user_id, key.action_id, key.mode))
            if row is None:
                row = ConnectedAccount(
                    user_id=key.user_id, action_id=key.action_id, mode=key.mode, created_at=now
                )
                s.add(row)
            row.kind, row.secret_sealed, row.scope, row.expires_at, row.updated_at = (
                kind, sealed, scope, expires_at, now,
            )  # fmt: skip


@dataclass(frozen=True)
class ConnectionView:
    account: ConnectedAccount | None  # None: a key the user has yet to add
    gpt_id: str
    domain: str | None
    action_id: str
    mode: actionforge.Mode
    key_source: str | None  # an API-key action's "builder" or "user"


class Connections:
    def __init__(self, platform: Platform) -> None:
        self.p = platform
        self.tokens = DbTokenStore(platform)

    async def list(
        self, user: User, *, after: str | None, limit: int, gpt_id: str | None = None
    ) -> Page[ConnectionView]:
        """The user's stored accounts; with ``gpt_id``, that GPT's only, and (on the last page)
        the keys it still needs from the user."""
        async with self.p.db.session() as s:
            query = select(ConnectedAccount).where(ConnectedAccount.user_id == user.id)
            if gpt_id is not None:
                query = query.where(
                    ConnectedAccount.action_id.in_(select(Action.id).where(Action.gpt_id == gpt_id))
                )
            found = await page(s, query, ConnectedAccount.action_id, after=after, limit=limit)
            ids = [r.action_id for r in found.items]
            actions = {a.id: a for a in await s.scalars(select(Action).where(Action.id.in_(ids)))}
            views = [_view(r, actions[r.action_id]) for r in found.items]
            if gpt_id is not None and found.next_cursor is None:
                views.extend(await _keys_needed(s, user, gpt_id))
        return Page(views, found.next_cursor)

    async def connect_api_key(self, user: User, action_id: str, value: str) -> ConnectionView:
        async with self.p.db.session() as s:
            action, mode = await usable_action(s, user, action_id)
        if action.auth_type != "api_key":
            raise Invalid.at("/api_key", "This action does not use an API key.")
        secret = actionforge.SecretValue(value)
        try:
            engine_auth(self.p.box, action, secret)  # the key must fit the action's kind (a header value)
        except Invalid:
            raise Invalid.at(
                "/api_key", "This key cannot be sent: it has line breaks or non-ASCII characters."
            ) from None
        await self.tokens.put_api_key(actionforge.TokenKey(user.id, action.id, mode), secret)
        async with self.p.db.session() as s:
            row = await s.get(ConnectedAccount, (user.id, action.id, mode))
            assert row is not None
            return _view(row, action)

    async def disconnect(self, user: User, action_id: str) -> None:
        """Log out of one action: OAuth tokens are revoked at the provider where it offers
        revocation (RFC 7009, `revocation`), then deleted; a key is deleted. NotFound if none."""
        async with self.p.db.session() as s:
            action, mode = await usable_action(s, user, action_id)
            workspace = await s.scalar(select(Workspace).join(Gpt).where(Gpt.id == action.gpt_id))
        key = actionforge.TokenKey(user.id, action.id, mode)
        if workspace is not None and await revoke_and_forget(self.p, action, workspace, key, self.tokens):
            return
        if not await self.tokens.delete(key):
            raise NotFound("You have no connected account for this action.")


def _view(account: ConnectedAccount, action: Action) -> ConnectionView:
    mode: actionforge.Mode = "draft" if account.mode == "draft" else "published"
    source = action.auth_config.get("key_source", "builder") if action.auth_type == "api_key" else None
    return ConnectionView(account, action.gpt_id, action.domain, action.id, mode, source)


async def _keys_needed(s: AsyncSession, user: User, gpt_id: str) -> list[ConnectionView]:
    """The GPT's actions (published, if shared with the user; draft, if they may edit it) whose
    users bring their own keys and for which this user has stored none."""
    gpt = await s.get(Gpt, gpt_id)
    if gpt is None:
        return []
    versions: list[tuple[int, actionforge.Mode]] = []
    if gpt.published_version is not None and await shared_with(s, user, gpt):
        versions.append((gpt.published_version, "published"))
    try:
        await editable_gpt(s, user, gpt.id)
        versions.append((0, "draft"))
    except NotFound:
        pass
    needed: list[ConnectionView] = []
    for version, mode in versions:
        rows = await s.scalars(select(Action).where(Action.gpt_id == gpt.id, Action.version == version))
        for action in rows:
            if users_bring_keys(action) and await s.get(ConnectedAccount, (user.id, action.id, mode)) is None:
                needed.append(ConnectionView(None, gpt.id, action.domain, action.id, mode, "user"))
    return needed


async def usable_action(s: AsyncSession, user: User, action_id: str) -> tuple[Action, actionforge.Mode]:
    """An action row this user may call, and its mode (draft: version 0)."""
    action = await s.get(Action, action_id)
    gpt = await s.get(Gpt, action.gpt_id) if action is not None else None
    if action is None or gpt is None:
        raise NotFound("No such action.")
    if action.version == 0:
        try:
            await editable_gpt(s, user, gpt.id)
        except NotFound:
            raise NotFound("No such action.") from None
        return action, "draft"
    if action.version != gpt.published_version or not await shared_with(s, user, gpt):
        raise NotFound("No such action.")
    return action, "published"


async def shared_with(s: AsyncSession, user: User, gpt: Gpt) -> bool:
    """Whether the GPT's visibility, capped by its workspace's setting, admits ``user``."""
    return await visibility_admits(s, user, gpt)
