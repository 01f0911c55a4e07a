"""The pages of end users and admins: a published GPT's chat (with its history), the GPT's
privacy settings, the public directory, and the workspace admin page.

Like every page, each is a shell whose ES module drives the JSON API; who may see what is decided
there (a GPT outside the caller's reach is a 404 from the API, shown by the page as such).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from actionforge.platform.settings import CATEGORIES
from actionforge.web.pages.templating import render

router = APIRouter(include_in_schema=False)

Id = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


@router.get("/g/{gpt_id}")
async def chat_page(request: Request, gpt_id: Id) -> HTMLResponse:
    """A published GPT's chat; ``?c=`` names the conversation (a sign-in returns there)."""
    return render(request, "chat.html", title="Chat", module="chat-page", data={"gpt-id": gpt_id})


@router.get("/g/{gpt_id}/privacy")
async def privacy_page(request: Request, gpt_id: Id) -> HTMLResponse:
    data = {"gpt-id": gpt_id}
    return render(request, "privacy.html", title="GPT's privacy settings", module="privacy", data=data)


@router.get("/directory")
async def directory_page(request: Request) -> HTMLResponse:
    return render(request, "directory.html", title="GPT directory", module="directory", categories=CATEGORIES)


@router.get("/admin")
async def admin_page(request: Request) -> HTMLResponse:
    return render(request, "admin.html", title="Workspace settings", module="admin")
