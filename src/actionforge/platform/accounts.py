"""Accounts: the one-time setup link, users, password login with rate limiting, sessions, API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, cast

from sqlalchemy import Select, Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actionforge.platform import ratelimit, tokens
from actionforge.platform.context import Platform
from actionforge.platform.errors import Conflict, Invalid, NotFound, RateLimited, Unauthenticated
from actionforge.store.pages import Page, page
from actionforge.store.rows import ResultRow, entity
from actionforge.store.tables import ApiToken, Membership, Session, SetupToken, User, Workspace
from actionforge.store.types import new_id

BAD_LOGIN = "Wrong email or password."
TOO_MANY_LOGINS = "Too many failed sign-in attempts. Try again later."
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
# Run on every request, so built once (a statement costs more to build than to run), and Core:
# `Database.first` reads a row at half the CPU of an ORM session.
_USERS, _SESSIONS, _TOKENS = (cast(Table, t.__table__) for t in (User, Session, ApiToken))
# Who is calling, without the password hash: nothing past sign-in needs it, and these rows are
# kept in memory (`RowCache`); the `User` made from them holds none (the attribute reads None).
_NO_HASH = frozenset({"password_hash"})
_CALLER = [column for column in _USERS.c if column.key not in _NO_HASH]
_SESSION_QUERY = (
    select(_SESSIONS.c.expires_at, _SESSIONS.c.csrf_token, *_CALLER)
    .join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .where(_SESSIONS.c.token_hash == bindparam("token_hash"))
)
_TOKEN_QUERY = (
    select(_TOKENS.c.id.label("token_id"), _TOKENS.c.last_used_at, *_CALLER)
    .join(_USERS, _USERS.c.id == _TOKENS.c.user_id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"))
)
BAD_SETUP_LINK = "This setup link is not valid: it was used already, has expired, or was mistyped."


@dataclass(frozen=True)
class Principal:
    """Who is calling, and how: a cookie session (needs CSRF checks) or a bearer API token."""

    user: User
    via: Literal["session", "token"]
    csrf_token: str | None = None


@dataclass(frozen=True)
class NewUser:
    email: str
    password: str
    display_name: str
    workspace_name: str | None = None


class Accounts:
    def __init__(self, platform: Platform) -> None:
        self.p = platform

    # --- first run --------------------------------------------------------------------------

    async def setup_link(self) -> str | None:
        """A one-time link that creates the first owner; None once any user exists."""
        now = self.p.clock()
        async with self.p.db.session() as s:
            if await s.scalar(select(func.count()).select_from(User)):
                return None
            token = tokens.new_token(tokens.SETUP_PREFIX)
            expires = now + timedelta(seconds=self.p.settings.setup_link_ttl_s)
            s.add(SetupToken(token_hash=tokens.digest(token), created_at=now, expires_at=expires))
        return f"{self.p.settings.public_base_url}/setup?token={token}"

    async def redeem_setup(self, token: str, new: NewUser) -> User:
        """Create the first owner with the setup link's token; the token works once."""
        now = self.p.clock()
        async with self.p.db.session() as s:
            used = await s.execute(
                update(SetupToken)
                .where(
                    SetupToken.token_hash == tokens.digest(token),
                    SetupToken.used_at.is_(None),
                    SetupToken.expires_at > now,
                )
                .values(used_at=now)
            )
            if used.rowcount != 1:  # type: ignore[attr-defined]
                raise Invalid.at("/token", BAD_SETUP_LINK)
            return await self._create_user(s, new)

    async def create_user(self, new: NewUser) -> User:
        """A user with a workspace of their own, where they are the owner."""
        async with self.p.db.session() as s:
            return await self._create_user(s, new)

    async def _create_user(self, s: AsyncSession, new: NewUser) -> User:
        email = _check_new_user(new, self.p.settings.password_min_chars)
        if await s.scalar(select(User.id).where(User.email == email)):
            raise Conflict.at("/email", "An account with this email already exists.")
        now = self.p.clock()
        user = User(
            id=new_id("usr"),
            email=email,
            display_name=new.display_name.strip(),
            password_hash=self.p.passwords.hash(new.password),
            is_active=True,
            created_at=now,
        )
        workspace = Workspace(
            id=new_id("wsp"), name=new.workspace_name or f"{user.display_name}'s workspace", created_at=now
        )
        s.add_all([user, workspace])
        await s.flush()
        s.add(Membership(workspace_id=workspace.id, user_id=user.id, role="owner", created_at=now))
        return user

    # --- login, sessions --------------------------------------------------------------------

    async def login(self, email: str, password: str, *, client: str) -> tuple[str, Session]:
        """A new session for correct credentials; failures are counted per account and per client."""
        settings = self.p.settings
        now = self.p.clock()
        keys = (f"login:email:{email.strip().lower()}", f"login:client:{client}")
        async with self.p.db.session() as s:
            counts = [await ratelimit.count(s, k, now=now, window_s=settings.login_window_s) for k in keys]
            if max(counts) >= settings.login_max_attempts:
                raise RateLimited(TOO_MANY_LOGINS, retry_after_s=settings.login_window_s)
            user = await s.scalar(select(User).where(User.email == email.strip().lower()))
            ok = self.p.passwords.verify(user.password_hash if user else None, password)
            if user is not None and ok and user.is_active:
                await ratelimit.clear(s, keys[0])
                if self.p.passwords.needs_rehash(user.password_hash):  # the cost settings were raised
                    user.password_hash = self.p.passwords.hash(password)
                return await self._new_session(s, user)
        async with self.p.db.session() as s:  # its own transaction: the refusal must still count
            for key in keys:
                await ratelimit.record(s, key, now=now, window_s=settings.login_window_s)
        raise Unauthenticated(BAD_LOGIN)

    async def _new_session(self, s: AsyncSession, user: User) -> tuple[str, Session]:
        now = self.p.clock()
        token = tokens.new_token(tokens.SESSION_PREFIX)
        row = Session(
            token_hash=tokens.digest(token),
            user_id=user.id,
            csrf_token=tokens.new_token(""),
            created_at=now,
            expires_at=now + timedelta(seconds=self.p.settings.session_ttl_s),
        )
        s.add(row)
        return token, row

    async def session_for(self, user: User) -> tuple[str, Session]:
        async with self.p.db.session() as s:
            return await self._new_session(s, user)

    async def logout(self, token: str) -> None:
        async with self.p.db.session() as s:
            row = await s.get(Session, tokens.digest(token))
            if row is not None:
                await s.delete(row)

    async def authenticate_session(self, token: str) -> Principal:
        token_hash = tokens.digest(token)
        row = await self._credential(_SESSION_QUERY, "session", token_hash)
        if row is not None and row.expires_at <= self.p.clock():
            async with self.p.db.session() as s:  # removed the first time it is seen expired
                await s.execute(delete(Session).where(Session.token_hash == token_hash))
        elif row is not None and row.is_active:
            return Principal(self._user(f"session:{token_hash}", row), "session", row.csrf_token)
        raise Unauthenticated("Your session has expired. Sign in again.")

    # --- personal API tokens ----------------------------------------------------------------

    async def authenticate_token(self, token: str) -> Principal:
        token_hash = tokens.digest(token)
        row = await self._credential(_TOKEN_QUERY, "token", token_hash)
        if row is None or not row.is_active:
            raise Unauthenticated("The API token is not valid.")
        now = self.p.clock()
        if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_RESOLUTION:
            async with self.p.db.session() as s:  # at most one write a minute per token
                await s.execute(update(ApiToken).where(ApiToken.id == row.token_id).values(last_used_at=now))
        return Principal(self._user(f"token:{token_hash}", row), "token")

    def _user(self, key: str, row: ResultRow) -> User:
        """The caller's `User` from their credential's row, made once per row read (`RowCache.built`)."""
        return self.p.credentials.built(key, row, lambda r: entity(User, r, left_out=_NO_HASH))

    async def _credential(self, statement: Select[Any], kind: str, token_hash: str) -> ResultRow | None:
        """The session's or token's row with its user's columns (cached: `RowCache`)."""
        return await self.p.credentials.first(
            self.p.db, statement, {"token_hash": token_hash}, f"{kind}:{token_hash}"
        )

    async def create_token(self, user: User, name: str) -> tuple[str, ApiToken]:
        """A new token; its value is returned here once and never again."""
        name = name.strip()
        if not name or len(name) > 100:
            raise Invalid.at("/name", "A token name is 1 to 100 characters.")
        token = tokens.new_token(tokens.API_TOKEN_PREFIX)
        row = ApiToken(
            id=new_id("tok"),
            user_id=user.id,
            name=name,
            token_hash=tokens.digest(token),
            hint=token[: len(tokens.API_TOKEN_PREFIX) + 4],
            created_at=self.p.clock(),
            last_used_at=None,
        )
        async with self.p.db.session() as s:
            s.add(row)
        return token, row

    async def list_tokens(self, user: User, *, after: str | None, limit: int) -> Page[ApiToken]:
        async with self.p.db.session() as s:
            query = select(ApiToken).where(ApiToken.user_id == user.id)
            return await page(s, query, ApiToken.id, after=after, limit=limit)

    async def revoke_token(self, user: User, token_id: str) -> None:
        async with self.p.db.session() as s:
            row = await s.get(ApiToken, token_id)
            if row is None or row.user_id != user.id:
                raise NotFound("No such API token.")
            await s.delete(row)


def _check_new_user(new: NewUser, password_min_chars: int) -> str:
    email = new.email.strip().lower()
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or len(email) > 320:
        raise Invalid.at("/email", "Enter a valid email address.")
    if not new.display_name.strip() or len(new.display_name.strip()) > 100:
        raise Invalid.at("/display_name", "A display name is 1 to 100 characters.")
    if len(new.password) < password_min_chars:
        raise Invalid.at("/password", f"A password has at least {password_min_chars} characters.")
    return email
