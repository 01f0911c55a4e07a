"""Import from URL and Refresh from URL (a diff first; Confirm saves) for a GPT's draft actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import status
from pydantic import Field

from actionforge.platform.action_import import ActionImports, RefreshPreview
from actionforge.platform.schema_diff import OperationRef
from actionforge.web.deps import Caller, ServicesDep
from actionforge.web.routes.actions import action_out
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import ActionOut, Request, Response

router = ScreeningRouter(prefix="/api/gpts/{gpt_id}/actions", tags=["actions"])


class ImportIn(Request):
    url: Annotated[str, Field(max_length=10_000)] = Field(
        description="where the schema is; fetched through the egress guard with the workspace's domain policy"
    )


class ConfirmIn(Request):
    fingerprint: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="the fingerprint the refresh returned: only that document is saved"
    )


class OperationRefOut(Response):
    operation: str
    method: str
    path: str


class ParameterChangesOut(OperationRefOut):
    added: list[str]
    removed: list[str]
    changed: list[str] = Field(description="parameters whose schema, or whether they are required, changed")


class RefreshOut(Response):
    source_url: str
    fingerprint: str = Field(description="send to .../refresh/confirm to save exactly this document")
    unchanged: bool = Field(description="no operation is added, removed or changed in its parameters")
    text_changed: bool = Field(description="the document's text differs from the stored one")
    added: list[OperationRefOut]
    removed: list[OperationRefOut]
    changed: list[ParameterChangesOut]
    validation: dict[str, Any] = Field(description="the new document's validation report")


def _ref(ref: OperationRef) -> dict[str, str]:
    return {"operation": ref.operation, "method": ref.method, "path": ref.path}


def refresh_out(preview: RefreshPreview) -> RefreshOut:
    changes = preview.diff
    return RefreshOut.model_validate({
        "source_url": preview.source_url, "fingerprint": preview.fingerprint, "unchanged": changes.unchanged,
        "text_changed": preview.text_changed, "added": [_ref(r) for r in changes.added],
        "removed": [_ref(r) for r in changes.removed],
        "changed": [
            {**_ref(c.operation), "added": c.added, "removed": c.removed, "changed": c.changed}
            for c in changes.changed
        ],
        "validation": preview.validation,
    })  # fmt: skip


@router.post("/import", status_code=status.HTTP_201_CREATED)
async def create_from_url(gpt_id: str, body: ImportIn, caller: Caller, svc: ServicesDep) -> ActionOut:
    """A new action from the schema at a URL; the URL is kept for Refresh."""
    return action_out(await ActionImports(svc.platform).create_from_url(caller.user, gpt_id, body.url))


@router.post("/{action_id}/import")
async def import_url(
    gpt_id: str, action_id: str, body: ImportIn, caller: Caller, svc: ServicesDep
) -> ActionOut:
    """Replace the action's schema with the one at a URL; the URL is kept for Refresh."""
    return action_out(await ActionImports(svc.platform).import_url(caller.user, gpt_id, action_id, body.url))


@router.post("/{action_id}/refresh")
async def refresh(gpt_id: str, action_id: str, caller: Caller, svc: ServicesDep) -> RefreshOut:
    """Fetch the source URL again and show what would change. Nothing is saved."""
    return refresh_out(await ActionImports(svc.platform).refresh(caller.user, gpt_id, action_id))


@router.post("/{action_id}/refresh/confirm")
async def confirm_refresh(
    gpt_id: str, action_id: str, body: ConfirmIn, caller: Caller, svc: ServicesDep
) -> ActionOut:
    """Save the refreshed schema, if the URL still serves the document the refresh showed."""
    imports = ActionImports(svc.platform)
    return action_out(await imports.confirm(caller.user, gpt_id, action_id, body.fingerprint))
