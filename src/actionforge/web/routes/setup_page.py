"""/setup: the page behind the one-time setup link, a plain HTML form until the web app lands.

It posts to itself (a form, so it works without JavaScript) and hands over to the same platform
call as ``POST /api/setup``; the link's token is the proof of being allowed to do it.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from actionforge.platform.accounts import NewUser
from actionforge.platform.errors import PlatformError
from actionforge.web.deps import ServicesDep
from actionforge.web.routes.accounts import set_session_cookie

router = APIRouter(include_in_schema=False)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Set up actionforge</title></head>
<body><main>
<h1>Create the owner account</h1>
{error}
<form method="post" action="/setup">
<input type="hidden" name="token" value="{token}">
<p><label>Email <input type="email" name="email" required autocomplete="username"></label></p>
<p><label>Name <input name="display_name" required maxlength="100"></label></p>
<p><label>Password <input type="password" name="password" required autocomplete="new-password"></label></p>
<p><button type="submit">Create account</button></p>
</form>
</main></body></html>
"""


def _page(token: str, error: str = "", status: int = 200) -> HTMLResponse:
    shown = f'<p role="alert">{escape(error)}</p>' if error else ""
    return HTMLResponse(PAGE.format(token=escape(token, quote=True), error=shown), status_code=status)


@router.get("/setup")
async def setup_form(token: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    return _page(token)


@router.post("/setup")
async def setup_submit(
    svc: ServicesDep,
    token: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=320)],
    display_name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1_000)],
) -> Response:
    try:
        user = await svc.accounts.redeem_setup(token, NewUser(email, password, display_name))
    except PlatformError as exc:
        return _page(token, exc.message, status=422)
    session_token, _ = await svc.accounts.session_for(user)
    response = RedirectResponse("/api/docs", status_code=303)
    set_session_cookie(response, svc, session_token)
    return response
