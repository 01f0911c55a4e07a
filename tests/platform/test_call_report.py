"""`CallReport`: what the builder and the audit see of a call's result, masked."""

from __future__ import annotations

from datetime import UTC, datetime

import actionforge
from actionforge.platform.calls import CallReport
from actionforge.platform.exchange import Exchange

ECHOED = "sk-report-0123456789abcdef"


def report(result: actionforge.ToolResult) -> CallReport:
    return CallReport(
        id="call_1", operation="getItem", result=result, exchange=Exchange(),
        started_at=datetime(2026, 12, 7, tzinfo=UTC), latency_ms=3,
        egress={"decision": "allowed", "reason": None}, consent="builder_test", arguments={},
    )  # fmt: skip


def test_what_the_model_reads_is_masked_on_success_and_on_failure() -> None:
    actionforge.SecretValue(ECHOED)  # registered with the redactor, as the action's key would be
    body = f'{{"token": "{ECHOED}"}}'
    made = report(actionforge.ToolResult(ok=True, status=200, body=body, attempts=1))
    failed = report(
        actionforge.ToolResult(
            ok=False, error="http", message="Unauthorized", status=401, body=body, attempts=1
        )
    )
    assert made.redacted_for_model == made.redacted_body == '{"token": "[REDACTED]"}'
    assert ECHOED not in failed.redacted_for_model
    assert failed.redacted_for_model.startswith('{"error":"http","message":"Unauthorized","status":401')
    assert "[REDACTED]" in failed.redacted_for_model
