"""/api/me/connections: the caller's connected accounts and OAuth sign-ins (the callback is
/aip/{action_id}/oauth/callback); /api/gpts/{id}/consents: their Always allow / Ask choices."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, status
from fastapi.responses import RedirectResponse

from actionforge.platform.connections import Connections, ConnectionView
from actionforge.platform.consents import Consents
from actionforge.platform.oauth_signin import SignIns
from actionforge.web.connection_schemas import (
    ApiKeyIn,
    ConnectionOut,
    ConsentIn,
    ConsentOut,
    SignInIn,
    SignInOut,
)
from actionforge.web.deps import Caller, Paging, ServicesDep
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import PageOf

router = ScreeningRouter(tags=["connections"])


def connection_out(view: ConnectionView) -> ConnectionOut:
    a = view.account
    common = {
        "action_id": view.action_id, "gpt_id": view.gpt_id, "domain": view.domain, "mode": view.mode,
        "key_source": view.key_source,
    }  # fmt: skip
    if a is None:  # a key the user has yet to add
        return ConnectionOut.model_validate({
            **common, "kind": "api_key", "connected": False, "scope": None, "expires_at": None,
            "connected_at": None, "updated_at": None,
        })  # fmt: skip
    return ConnectionOut.model_validate({
        **common, "kind": a.kind, "scope": a.scope, "expires_at": a.expires_at, "connected_at": a.created_at,
        "updated_at": a.updated_at,
    })  # fmt: skip


@router.get("/api/me/connections")
async def list_connections(
    caller: Caller,
    paging: Paging,
    svc: ServicesDep,
    gpt_id: Annotated[
        str | None,
        Query(max_length=100, description="only this GPT's, with the keys it still needs from you"),
    ] = None,
) -> PageOf[ConnectionOut]:
    found = await Connections(svc.platform).list(
        caller.user, after=paging.cursor, limit=paging.limit, gpt_id=gpt_id
    )
    return PageOf[ConnectionOut](
        items=[connection_out(v) for v in found.items], next_cursor=found.next_cursor
    )


@router.put("/api/me/connections/{action_id}/api-key")
async def connect_api_key(action_id: str, body: ApiKeyIn, caller: Caller, svc: ServicesDep) -> ConnectionOut:
    """Store the caller's own key for an API-key action; it replaces the builder's shared key."""
    view = await Connections(svc.platform).connect_api_key(caller.user, action_id, body.api_key)
    return connection_out(view)


@router.post("/api/me/connections/{action_id}/sign-in")
async def start_sign_in(action_id: str, body: SignInIn, caller: Caller, svc: ServicesDep) -> SignInOut:
    """Begin an OAuth sign-in: the provider's authorize URL, with a state kept in the database."""
    url, callback = await SignIns(svc.platform).start(caller.user, action_id, body.return_to)
    return SignInOut(authorize_url=url, callback_url=callback)


@router.get("/aip/{callback_id}/oauth/callback", include_in_schema=False)
async def oauth_callback(
    callback_id: str, request: Request, caller: Caller, svc: ServicesDep
) -> RedirectResponse:
    """The provider sends the user here: exchange the code, store the tokens, go back."""
    query = dict(request.query_params)
    return_to = await SignIns(svc.platform).complete(caller.user, callback_id, query)
    await svc.chat.signed_in(caller.user)  # a turn paused for this sign-in resumes by itself
    return RedirectResponse(return_to, status_code=status.HTTP_303_SEE_OTHER)


@router.delete("/api/me/connections/{action_id}", status_code=status.HTTP_204_NO_CONTENT)
async def disconnect(action_id: str, caller: Caller, svc: ServicesDep) -> None:
    """Log out of the action: the stored tokens or key are deleted."""
    await Connections(svc.platform).disconnect(caller.user, action_id)


@router.get("/api/gpts/{gpt_id}/consents")
async def list_consents(gpt_id: str, caller: Caller, svc: ServicesDep) -> PageOf[ConsentOut]:
    """The caller's choices for this GPT's action domains; a domain not listed is "ask"."""
    rows = await Consents(svc.platform).list(caller.user, gpt_id)
    return PageOf[ConsentOut](items=[ConsentOut.model_validate(r) for r in rows], next_cursor=None)


@router.put("/api/gpts/{gpt_id}/consents")
async def choose_consent(gpt_id: str, body: ConsentIn, caller: Caller, svc: ServicesDep) -> ConsentOut:
    """Set the caller's choice for one of this GPT's action domains."""
    row = await Consents(svc.platform).choose(caller.user, gpt_id, body.domain, body.choice)
    return ConsentOut.model_validate(row)
