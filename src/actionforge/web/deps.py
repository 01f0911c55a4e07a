"""Request dependencies: the platform services, and who is calling (cookie session or API token).

Writes made with the session cookie must carry the session's CSRF token in ``X-CSRF-Token``; a
bearer token is not sent by browsers on their own, so requests carrying one need no CSRF check.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from actionforge.chat import ChatService
from actionforge.models.catalog import workspace_registry
from actionforge.platform.accounts import Accounts, Principal
from actionforge.platform.actions import Actions
from actionforge.platform.context import Platform
from actionforge.platform.errors import Forbidden, Unauthenticated
from actionforge.platform.gpts import Gpts
from actionforge.platform.workspaces import Workspaces

SESSION_COOKIE = "actionforge_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Services:
    platform: Platform
    accounts: Accounts
    workspaces: Workspaces
    gpts: Gpts
    actions: Actions
    chat: ChatService  # its turns run in this process; started and closed with the app

    @classmethod
    def of(cls, platform: Platform) -> Services:
        chat = ChatService(platform, registry_for=lambda workspace: workspace_registry(platform, workspace))
        accounts, workspaces = Accounts(platform), Workspaces(platform)
        return cls(platform, accounts, workspaces, Gpts(platform), Actions(platform), chat)


async def services(request: Request) -> Services:
    """Async, as every dependency here: FastAPI runs a plain ``def`` one in its thread pool, a
    thread hop per request for nothing."""
    return services_of(request)


def services_of(request: Request) -> Services:
    """The services without a dependency, for the busiest route (test-operation): FastAPI (0.165)
    solves each dependency anew per request, its cache key and its own parameters."""
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


async def principal(request: Request) -> Principal:
    svc = services_of(request)  # not a sub-dependency: one less to solve per request
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return await svc.accounts.authenticate_token(credentials.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthenticated("Sign in, or send an API token as 'Authorization: Bearer <token>'.")
    found = await svc.accounts.authenticate_session(cookie)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not (found.csrf_token and hmac.compare_digest(sent, found.csrf_token)):
            raise Forbidden(f"Missing or wrong {CSRF_HEADER} header (see GET /api/session).")
    return found


Caller = Annotated[Principal, Depends(principal)]


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


async def page_params(
    svc: ServicesDep,
    limit: Annotated[int | None, Query(ge=1, description="items per page")] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> PageParams:
    settings = svc.platform.settings
    return PageParams(min(limit or settings.page_size_default, settings.page_size_max), cursor)


Paging = Annotated[PageParams, Depends(page_params)]
