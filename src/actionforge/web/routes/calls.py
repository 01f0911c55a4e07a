"""Action calls: test one operation of a draft action, and the audit records."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response

from actionforge.platform.audit import Audit, CallFilter
from actionforge.platform.calls import CallReport, Calls
from actionforge.web.answers import json_answer
from actionforge.web.call_schemas import CallRecordOut, CallSummaryOut, TestCallIn, TestCallOut
from actionforge.web.deps import Caller, Paging, ServicesDep, services_of
from actionforge.web.lean_route import LeanRoute
from actionforge.web.routing import ScreeningRouter
from actionforge.web.schemas import PageOf

router = ScreeningRouter(prefix="/api", tags=["calls"])


def test_out(report: CallReport) -> dict[str, Any]:
    """The answer in `TestCallOut`'s shape (`json_answer` writes it)."""
    result, exchange = report.result, report.exchange
    response = None
    if exchange.response is not None:
        response = {
            **exchange.response, "content_type": result.content_type, "body": report.redacted_body,
            "truncated": result.truncated,
        }  # fmt: skip
    return {
        "id": report.id, "operation": report.operation, "ok": result.ok, "outcome": result.error or "ok",
        "message": result.message, "request": exchange.request, "response": response,
        "timing": {"started_at": report.started_at, "latency_ms": report.latency_ms},
        "egress": report.egress, "repairs": [r.to_dict() for r in result.repairs],
        "for_model": report.redacted_for_model,
    }  # fmt: skip


async def test_operation(
    gpt_id: str, action_id: str, body: TestCallIn, caller: Caller, request: Request
) -> Response:
    """Call one operation of the draft action now; the answer shows the exchange, redacted."""
    calls = Calls(services_of(request).platform)  # a builder's test runs often: one dependency less
    report = await calls.test(caller.user, gpt_id, action_id, body.operation, body.arguments)
    return json_answer(TestCallOut, test_out(report))


router.add_api_route(  # its requests skip FastAPI's solving where they can (`LeanRoute`)
    "/gpts/{gpt_id}/actions/{action_id}/test", test_operation, methods=["POST"],
    response_model=TestCallOut, route_class_override=LeanRoute,
)  # fmt: skip


async def call_filter(
    domain: Annotated[str | None, Query(max_length=253, description="only calls to this domain")] = None,
    outcome: Annotated[str | None, Query(max_length=20, description='"ok" or the error kind')] = None,
    status: Annotated[int | None, Query(ge=100, le=599, description="the API's HTTP status")] = None,
    gpt: Annotated[str | None, Query(max_length=40, description="only this GPT's calls (its id)")] = None,
    since: Annotated[datetime | None, Query(description="at or after this time (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="before this time (ISO 8601)")] = None,
) -> CallFilter:
    return CallFilter(domain, outcome, status, gpt, since, until)


Filter = Annotated[CallFilter, Depends(call_filter)]
Order = Annotated[
    Literal["oldest", "newest"],
    Query(description='"newest": newest first, the cursor then pages to older records'),
]


@router.get("/gpts/{gpt_id}/calls")
async def gpt_calls(
    gpt_id: str, caller: Caller, paging: Paging, only: Filter, svc: ServicesDep, order: Order = "oldest"
) -> PageOf[CallRecordOut]:
    """The GPT's call records, oldest first (or newest), filtered; for its owner and the workspace's
    admins."""
    audit = Audit(svc.platform)
    found = await audit.of_gpt(
        caller.user, gpt_id, after=paging.cursor, limit=paging.limit, only=only,
        newest_first=order == "newest",
    )  # fmt: skip
    return PageOf[CallRecordOut](
        items=[CallRecordOut.model_validate(r) for r in found.items], next_cursor=found.next_cursor
    )


@router.get("/workspaces/{workspace_id}/calls")
async def workspace_calls(
    workspace_id: str, caller: Caller, paging: Paging, only: Filter, svc: ServicesDep, order: Order = "oldest"
) -> PageOf[CallRecordOut]:
    """The workspace's call records, oldest first (or newest), filtered; for its admins and owners."""
    audit = Audit(svc.platform)
    found = await audit.of_workspace(
        caller.user, workspace_id, after=paging.cursor, limit=paging.limit, only=only,
        newest_first=order == "newest",
    )  # fmt: skip
    return PageOf[CallRecordOut](
        items=[CallRecordOut.model_validate(r) for r in found.items], next_cursor=found.next_cursor
    )


@router.get("/workspaces/{workspace_id}/calls/summary")
async def workspace_calls_summary(workspace_id: str, caller: Caller, svc: ServicesDep) -> CallSummaryOut:
    """How many call records the workspace holds and the values its filters can take (domains,
    outcomes, GPTs), without listing the records; for its admins and owners."""
    found = await Audit(svc.platform).summary(caller.user, workspace_id)
    return CallSummaryOut(
        total=found.total, domains=found.domains, outcomes=found.outcomes, gpt_ids=found.gpt_ids
    )
