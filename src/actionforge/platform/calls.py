"""Calls to an action's API made by the platform: the builder's "test one operation".

The draft action goes through the engine's public API as any library user would: `load_action`
with the workspace's `DomainPolicy` (so a domain the workspace stopped allowing after the action
was saved is refused at call time, with the policy's reason), then `Action.call`. The answer holds
the exact request (redacted), the response head and the body the model would read (capped by the
engine), the timing from the platform's injected clock, the egress decision and any repairs of
the arguments. Every call leaves an audit record (`audit`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

import actionforge
from actionforge.platform.access import editable_action_read
from actionforge.platform.actions import CUSTOM_ACTIONS_DISABLED
from actionforge.platform.audit import Audit
from actionforge.platform.auth_config import users_bring_keys
from actionforge.platform.connections import DbTokenStore
from actionforge.platform.context import Platform
from actionforge.platform.engine_auth import EngineAuth, engine_auth, own_key_needed
from actionforge.platform.errors import Forbidden, Invalid
from actionforge.platform.exchange import Exchange
from actionforge.platform.workspaces import domain_policy
from actionforge.store.tables import Action, User, Workspace
from actionforge.store.types import new_id

T = TypeVar("T")
NOT_CALLABLE = "Fix the action's schema before testing it: it has no valid domain yet."


@dataclass(frozen=True)
class Target:
    """What a call needs from the database, read in one short transaction."""

    workspace: Workspace
    action: Action
    gpt_version: int
    auth: EngineAuth
    refused: str | None = None  # why nothing may be sent (no own key where users bring keys)


@dataclass(frozen=True)
class CallReport:
    id: str  # the audit record's id
    operation: str
    result: actionforge.ToolResult
    exchange: Exchange
    started_at: datetime
    latency_ms: int
    egress: dict[str, str | None]
    consent: str
    arguments: Any = field(repr=False)

    @cached_property
    def redacted_body(self) -> str:
        """The response body as the audit record stores it and the builder sees it: an API may
        echo credentials back. Masked once for both."""
        return actionforge.redactor().redact(self.result.body)

    @cached_property
    def redacted_for_model(self) -> str:
        """The text the model reads, masked: on success that is the body itself, masked once."""
        text = self.result.for_model()
        return self.redacted_body if text is self.result.body else actionforge.redactor().redact(text)


def refusal(workspace: Workspace, domain: str | None) -> str | None:
    """Why the workspace's domain policy refuses ``domain`` now, or None when it allows it."""
    if domain is None:
        return None
    try:
        domain_policy(workspace).check(domain)
    except actionforge.RequestBlocked as blocked:
        return blocked.reason
    return None


def load_engine_action(
    p: Platform, action: Action, workspace: Workspace, *, taken_names: Iterable[str] = ()
) -> actionforge.Action:
    """The stored action as the engine's `Action`, its egress under the workspace's policy.
    ``taken_names``: tool names the GPT's other actions already use (the chat loop's prompt)."""
    try:
        return actionforge.load_action(
            action.schema_text, settings=p.engine, policy=domain_policy(workspace),
            server_url=action.base_url, taken_names=taken_names,
        )  # fmt: skip
    except actionforge.SchemaError:
        raise Invalid.at("/schema", NOT_CALLABLE) from None


class Calls:
    def __init__(self, platform: Platform) -> None:
        self.p = platform
        self.audit = Audit(platform)
        self.tokens = DbTokenStore(platform)

    async def test(
        self, user: User, gpt_id: str, action_id: str, operation: str, arguments: Any
    ) -> CallReport:
        """Call one operation of a draft action as its builder, with the given arguments."""
        target = await self._draft(user, gpt_id, action_id)
        row, workspace = target.action, target.workspace
        depends = (row.schema_text, row.base_url, workspace.domain_policy, tuple(workspace.allowed_domains))
        engine_action = self.p.engine_actions.get(
            (row.id, depends), lambda: load_engine_action(self.p, row, workspace)
        )  # kept open between tests: no re-validation, and its pooled connections serve the next
        try:
            engine_action.tool(operation)
        except actionforge.UnknownToolError as exc:
            raise Invalid.at("/operation", str(exc)) from None
        return await self.call(user, target, engine_action, operation, arguments, consent="builder_test")

    async def call(
        self, user: User, target: Target, engine_action: actionforge.Action, operation: str, arguments: Any,
        *, consent: str, context: actionforge.CallContext | None = None,
    ) -> CallReport:  # fmt: skip
        """Make one call of ``engine_action`` (which stays open: its pooled client serves the next
        call) and leave its audit record. The chat loop calls this for each approved tool call."""
        return await in_own_task(
            self._call_and_record(user, target, engine_action, operation, arguments, consent, context)
        )

    # --- steps ------------------------------------------------------------------------------

    async def _call_and_record(
        self, user: User, target: Target, engine_action: actionforge.Action, operation: str, arguments: Any,
        consent: str, context: actionforge.CallContext | None,
    ) -> CallReport:  # fmt: skip
        expected = self.audit.expect()
        try:
            report = await self._call(
                user, target, engine_action, operation, arguments, consent=consent, context=context
            )
            await self.audit.record(_record(user, target, report), expected)
        finally:
            expected.withdraw()  # a call that raised brings no record: none waits for it
        return report

    async def target(self, user: User, workspace: Workspace, action: Action, gpt_version: int) -> Target:
        """What a call of ``action`` needs: its auth, with the user's own API key if they stored one."""
        mode: actionforge.Mode = "draft" if gpt_version == 0 else "published"
        own_key = None
        if action.auth_type == "api_key":  # only an API-key action takes the user's own key
            own_key = await self.tokens.api_key(actionforge.TokenKey(user.id, action.id, mode))
        return _target(self.p, workspace, action, gpt_version, own_key)

    async def _draft(self, user: User, gpt_id: str, action_id: str) -> Target:
        workspace, action = await editable_action_read(self.p.db, self.p.access_rows, user, gpt_id, action_id)
        if not workspace.custom_actions_enabled:
            raise Forbidden(CUSTOM_ACTIONS_DISABLED)
        if action.domain is None:
            raise Invalid.at("/schema", NOT_CALLABLE)
        return await self.target(user, workspace, action, 0)

    async def _call(
        self, user: User, target: Target, engine_action: actionforge.Action, operation: str, arguments: Any,
        *, consent: str, context: actionforge.CallContext | None = None,
    ) -> CallReport:  # fmt: skip
        exchange = Exchange()
        mode: actionforge.Mode = "draft" if target.gpt_version == 0 else "published"
        key = actionforge.TokenKey(user.id, target.action.id, mode)
        started = self.p.clock()
        refused = refusal(target.workspace, target.action.domain)
        if refused is not None:  # the policy changed after the action was saved: nothing is sent
            result = actionforge.ToolResult(ok=False, error="blocked", message=refused, attempts=0)
        elif target.refused is not None:  # the user has not added their own key: nothing is sent
            result = actionforge.ToolResult(ok=False, error="auth", message=target.refused, attempts=0)
        else:
            exchange.attach(engine_action.http_client())
            result = await engine_action.call(
                operation, arguments, auth=target.auth, token_store=self.tokens, user=key, context=context
            )
        latency = self.p.clock() - started
        return CallReport(
            id=new_id("call"), operation=operation, result=result, exchange=exchange, started_at=started,
            latency_ms=round(latency.total_seconds() * 1000), egress=_egress(result, exchange),
            consent=consent, arguments=arguments,
        )  # fmt: skip


async def in_own_task(call: Coroutine[Any, Any, T]) -> T:
    """Await ``call`` as a task of its own (cancelled with its caller, in a copy of its context).

    Why: an API call suspends about ten times (the connection pool, the write, the response's
    head and body), then once more for its audit record, and each time the loop resumes a task it
    re-enters every frame of that task's stack. A request's stack is about thirty frames deep here
    (the middlewares, FastAPI's routing and dependencies, these steps); the call's own task is a
    few. Measured under bench/api.py's load: 6% less server CPU per test-operation request with
    the API call alone in its task (session 19); the audit record's wait moved in as well, about
    4% less again (session 23).
    """
    return await asyncio.ensure_future(call)


def _target(
    p: Platform, workspace: Workspace, action: Action, version: int, own_key: actionforge.SecretValue | None
) -> Target:
    if own_key is None and users_bring_keys(action):
        return Target(workspace, action, version, actionforge.NoAuthConfig(), own_key_needed(action))
    return Target(workspace, action, version, engine_auth(p.box, action, own_key))


def _egress(result: actionforge.ToolResult, exchange: Exchange) -> dict[str, str | None]:
    """``blocked`` with the guard's reason, ``allowed`` once a request left, else ``skipped``."""
    if result.error == "blocked":
        return {"decision": "blocked", "reason": result.message}
    if exchange.request is None or result.error == "arguments":
        return {"decision": "skipped", "reason": "The call stopped before the egress check."}
    return {"decision": "allowed", "reason": None}


def redacted_json(value: Any) -> str:
    return actionforge.redactor().redact(json.dumps(value, ensure_ascii=False, default=str))


def _record(user: User, target: Target, report: CallReport) -> dict[str, Any]:
    """The audit record's columns (`ActionCall`)."""
    result, exchange = report.result, report.exchange
    response = None
    if exchange.response is not None:
        response = {**exchange.response, "body": report.redacted_body}
    return {
        "id": report.id, "workspace_id": target.workspace.id, "gpt_id": target.action.gpt_id,
        "gpt_version": target.gpt_version, "action_id": target.action.id,
        "domain": target.action.domain or "", "user_id": user.id, "operation": report.operation,
        "outcome": result.error or "ok", "status": result.status, "latency_ms": report.latency_ms,
        "request_bytes": exchange.request_bytes, "response_bytes": len(result.body.encode("utf-8")),
        "egress": report.egress["decision"] or "skipped", "egress_reason": report.egress["reason"],
        "consent": report.consent, "arguments": redacted_json(report.arguments),
        "request": exchange.request, "response": response, "created_at": report.started_at,
    }  # fmt: skip
