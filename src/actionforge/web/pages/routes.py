"""The page routes: each returns a shell (layout, labels, empty regions) and names its ES module,
which fills the page from the JSON API. Ids in the path reach the page only as data-* attributes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from actionforge.web.deps import ServicesDep
from actionforge.web.pages import end_user, setup
from actionforge.web.pages.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(setup.router)
router.include_router(end_user.router)

Id = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/gpts", status_code=303)


@router.get("/sign-in")
async def sign_in(request: Request) -> HTMLResponse:
    return render(request, "sign_in.html", title="Sign in", module="sign-in")


@router.get("/gpts")
async def my_gpts(request: Request) -> HTMLResponse:
    return render(request, "my_gpts.html", title="My GPTs", module="my-gpts")


@router.get("/gpts/{gpt_id}/edit")
async def gpt_editor(request: Request, gpt_id: Id, svc: ServicesDep) -> HTMLResponse:
    data = {"gpt-id": gpt_id, "max-actions": str(svc.platform.settings.max_actions_per_gpt)}
    return render(request, "gpt_editor.html", title="Edit GPT", module="gpt-editor", data=data)


@router.get("/gpts/{gpt_id}/actions/new")
async def new_action(request: Request, gpt_id: Id) -> HTMLResponse:
    data = {"gpt-id": gpt_id, "action-id": ""}
    return render(request, "action_editor.html", title="Add actions", module="action-editor", data=data)


@router.get("/gpts/{gpt_id}/actions/{action_id}/edit")
async def edit_action(request: Request, gpt_id: Id, action_id: Id) -> HTMLResponse:
    data = {"gpt-id": gpt_id, "action-id": action_id}
    return render(request, "action_editor.html", title="Edit actions", module="action-editor", data=data)
