"""/api/setup, /api/session, /api/tokens: the first owner, sign-in and out, personal API tokens."""

from __future__ import annotations

from fastapi import Request, Response, status

from actionforge.platform.accounts import NewUser
from actionforge.platform.errors import Unauthenticated
from actionforge.web.deps import SESSION_COOKIE, Caller, Paging, ServicesDep
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import (
    LoginIn,
    NewTokenOut,
    PageOf,
    SessionOut,
    SetupIn,
    TokenIn,
    TokenOut,
    UserOut,
)

router = ScreeningRouter(prefix="/api", tags=["accounts"])


def set_session_cookie(response: Response, svc: ServicesDep, token: str) -> None:
    settings = svc.platform.settings
    response.set_cookie(
        SESSION_COOKIE, token, max_age=settings.session_ttl_s, httponly=True, samesite="lax",
        secure=settings.secure_cookies, path="/",
    )  # fmt: skip


@router.post("/setup", status_code=status.HTTP_201_CREATED)
async def setup(body: SetupIn, response: Response, svc: ServicesDep) -> SessionOut:
    """Redeem the one-time setup link: creates the first owner and signs them in."""
    new = NewUser(body.email, body.password, body.display_name)
    user = await svc.accounts.redeem_setup(body.token, new)
    token, session = await svc.accounts.session_for(user)
    set_session_cookie(response, svc, token)
    return SessionOut(user=UserOut.model_validate(user), csrf_token=session.csrf_token)


@router.post("/session")
async def login(body: LoginIn, request: Request, response: Response, svc: ServicesDep) -> SessionOut:
    client = request.client.host if request.client else "unknown"
    token, session = await svc.accounts.login(body.email, body.password, client=client)
    set_session_cookie(response, svc, token)
    principal = await svc.accounts.authenticate_session(token)
    return SessionOut(user=UserOut.model_validate(principal.user), csrf_token=session.csrf_token)


@router.get("/session")
async def current_session(caller: Caller) -> SessionOut:
    return SessionOut(user=UserOut.model_validate(caller.user), csrf_token=caller.csrf_token)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
async def logout(caller: Caller, request: Request, response: Response, svc: ServicesDep) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if caller.via != "session" or cookie is None:
        raise Unauthenticated(
            "Signing out ends a cookie session; revoke API tokens with DELETE /api/tokens/{id}."
        )
    await svc.accounts.logout(cookie)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/tokens")
async def list_tokens(caller: Caller, paging: Paging, svc: ServicesDep) -> PageOf[TokenOut]:
    found = await svc.accounts.list_tokens(caller.user, after=paging.cursor, limit=paging.limit)
    return PageOf[TokenOut](
        items=[TokenOut.model_validate(t) for t in found.items], next_cursor=found.next_cursor
    )


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
async def create_token(body: TokenIn, caller: Caller, svc: ServicesDep) -> NewTokenOut:
    token, row = await svc.accounts.create_token(caller.user, body.name)
    return NewTokenOut.model_validate({**TokenOut.model_validate(row).model_dump(), "token": token})


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: str, caller: Caller, svc: ServicesDep) -> None:
    await svc.accounts.revoke_token(caller.user, token_id)
