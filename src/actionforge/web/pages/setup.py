"""/setup: the page behind the one-time setup link that `serve` prints; it creates the owner.

A plain form posting to itself, so it works before any script loads; it hands over to the same
platform call as ``POST /api/setup``, and the link's token is the proof of being allowed to do it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from actionforge.platform.accounts import NewUser
from actionforge.platform.errors import PlatformError
from actionforge.web.deps import ServicesDep
from actionforge.web.pages.templating import render
from actionforge.web.routes.accounts import set_session_cookie

router = APIRouter(include_in_schema=False)
AFTER_SETUP = "/gpts"


def _page(request: Request, token: str, error: str = "", status_code: int = 200) -> HTMLResponse:
    return render(
        request, "setup.html", status_code=status_code, title="Set up actionforge", module="setup",
        token=token, error=error,
    )  # fmt: skip


@router.get("/setup")
async def setup_form(request: Request, token: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    return _page(request, token)


@router.post("/setup")
async def setup_submit(
    request: Request,
    svc: ServicesDep,
    token: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=320)],
    display_name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1_000)],
) -> Response:
    try:
        user = await svc.accounts.redeem_setup(token, NewUser(email, password, display_name))
    except PlatformError as exc:
        return _page(request, token, exc.message, status_code=422)
    session_token, _ = await svc.accounts.session_for(user)
    response = RedirectResponse(AFTER_SETUP, status_code=303)
    set_session_cookie(response, svc, session_token)
    return response
