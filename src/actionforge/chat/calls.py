"""One tool call, step by step: the argument check, the domain policy, sign-in, consent, the call.

The rules are first read into a `Verdict` (nothing written), which is then committed: by
compare-and-set on the call's row (`runs.Runs.move`) with the events that report it, or, for a call
the model has just made, as the state its row is first stored in (`turn.Drive`, one transaction
with the answer). A call that needs the user (``awaiting_sign_in``, ``awaiting_approval``) waits
there and the turn pauses; the user's answer, on any process, moves it on to ``approved``. A call
the rules let run is committed as ``sending`` before its request leaves, so a crash can never make
the loop send it twice (`recovery`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import actionforge
from actionforge.chat import events as ev
from actionforge.chat.consent_memory import UserConsentMemory
from actionforge.chat.events import Event
from actionforge.chat.runs import AWAITING_APPROVAL, AWAITING_SIGN_IN, Runs
from actionforge.chat.scope import Scope
from actionforge.chat.toolbox import Entry
from actionforge.consent import Choice, decide_for
from actionforge.platform.auth_config import users_bring_keys
from actionforge.platform.calls import CallReport, Calls, redacted_json, refusal
from actionforge.platform.connections import DbTokenStore
from actionforge.platform.context import Platform
from actionforge.platform.engine_auth import own_key_needed
from actionforge.store.tables_chat import ChatToolCall

PROPOSED, APPROVED, SENDING = "proposed", "approved", "sending"
DONE, FAILED, DECLINED, UNKNOWN = "done", "failed", "declined", "unknown"
SETTLED = (DONE, FAILED, DECLINED, UNKNOWN)
OPEN = (PROPOSED, AWAITING_SIGN_IN, APPROVED)
NOT_JSON = "The arguments are not valid JSON ({error}). Send one JSON object with the tool's parameters."
# The contract's buttons: a consequential call's Confirm / Deny are sent as allow / decline.
BUTTON = {Choice.CONFIRM: "allow", Choice.DENY: "decline"}


# The states each verdict may move a call from (compare-and-set): a second decision finds it moved.
MOVES_FROM = {
    FAILED: (PROPOSED, AWAITING_SIGN_IN, APPROVED),
    AWAITING_SIGN_IN: (PROPOSED,),
    AWAITING_APPROVAL: (PROPOSED, AWAITING_SIGN_IN),
    SENDING: OPEN,
}


@dataclass
class Verdict:
    """Where the rules send a call now, with the events that say so; None: it stays (still waiting
    for a sign-in). A ``sending`` verdict carries what to send."""

    to: str | None
    events: list[Event] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # result_text, consent
    request: tuple[Entry, Any] | None = None  # the tool's entry and the checked arguments


def status(call: ChatToolCall, text: str, **extra: str) -> Event:
    return ev.STATUS, {"call_id": call.id, "domain": call.domain, "text": text, **extra}


def _mode(scope: Scope) -> actionforge.Mode:
    return "draft" if scope.config.version == 0 else "published"


class CallSteps:
    def __init__(self, platform: Platform, runs: Runs, scope: Scope) -> None:
        self.p = platform
        self.runs = runs
        self.scope = scope
        self.tokens = DbTokenStore(platform)
        self.calls = Calls(platform)

    async def advance(self, call: ChatToolCall) -> None:
        """Take a stored ``call`` as far as it can go now."""
        verdict = await self.judge(call)
        if verdict.to is None:
            return
        moved = await self.runs.move(
            call, MOVES_FROM[verdict.to], verdict.to, events=verdict.events, **verdict.values
        )
        if moved and verdict.request is not None:  # committed before the request leaves
            await self.send(call, *verdict.request)

    async def judge(self, call: ChatToolCall) -> Verdict:
        """What the rules say of ``call`` now: the checks, sign-in, then consent. Reads only."""
        starting = [status(call, "Starting action")] if call.state == PROPOSED else []
        if call.state == APPROVED:  # the user allowed it
            return self._sending(call, *self._resolved(call), starting, {})
        checked = await self._check(call, starting)
        if isinstance(checked, Verdict):
            return checked
        entry, arguments = checked
        gated = await self._gate(call, entry, arguments, starting)
        if isinstance(gated, Verdict):
            return gated
        return self._sending(call, entry, arguments, starting, {"consent": gated})

    def _sending(
        self, call: ChatToolCall, entry: Entry, arguments: Any, starting: list[Event], values: dict[str, Any]
    ) -> Verdict:
        talking = status(call, f"Talking to {entry.domain}")
        return Verdict(SENDING, [*starting, talking], values, (entry, arguments))

    # --- checks ------------------------------------------------------------------------------

    def _resolved(self, call: ChatToolCall) -> tuple[Entry, Any]:
        entry = self.scope.toolbox.entry(call.tool_name)
        assert entry is not None  # checked when it was proposed; the toolbox is the same configuration
        return entry, json.loads(self.scope.arguments[call.id] or "{}")

    async def _check(self, call: ChatToolCall, starting: list[Event]) -> tuple[Entry, Any] | Verdict:
        """The tool, its arguments (checked and repaired) and the domain policy; a failure goes back
        to the model as the call's result."""
        entry = self.scope.toolbox.entry(call.tool_name)
        if entry is None:
            known = ", ".join(self.scope.toolbox.entries) or "none"
            return _failed(f"There is no tool named {call.tool_name!r}. The tools are: {known}.", starting)
        try:
            arguments = json.loads(self.scope.arguments[call.id] or "{}")
        except ValueError as error:
            return _failed(NOT_JSON.format(error=error), starting)
        try:
            entry.action.build_request(entry.tool.name, arguments)
        except (actionforge.ArgumentsError, actionforge.RequestBuildError) as error:
            repairs = getattr(error, "repairs", ())
            result = actionforge.ToolResult(
                ok=False, error="arguments", message=str(error), attempts=0, repairs=repairs
            )
            shown = [*self._debug(call, None, result), status(call, f"Error talking to {entry.domain}")]
            return _failed(result.for_model(), [*starting, *shown])
        refused = refusal(self.scope.config.workspace, entry.row.domain)
        if refused is not None:
            result = actionforge.ToolResult(ok=False, error="blocked", message=refused, attempts=0)
            shown = [*starting, status(call, f"Error talking to {entry.domain}", reason=refused)]
            return _failed(result.for_model(), shown)  # the user sees why, as the model does
        if await self._lacks_own_key(entry):  # told at once: no Allow is asked for a call that cannot go
            needed = own_key_needed(entry.row)
            result = actionforge.ToolResult(ok=False, error="auth", message=needed, attempts=0)
            shown = [(ev.NOTICE, {"text": needed}), status(call, f"Error talking to {entry.domain}")]
            return _failed(result.for_model(), [*starting, *shown])
        return entry, arguments

    async def _lacks_own_key(self, entry: Entry) -> bool:
        """An action whose users bring their own keys, and this user has not added theirs."""
        if not users_bring_keys(entry.row):
            return False
        key = actionforge.TokenKey(self.scope.user.id, entry.row.id, _mode(self.scope))
        return await self.tokens.api_key(key) is None

    async def _gate(
        self, call: ChatToolCall, entry: Entry, arguments: Any, starting: list[Event]
    ) -> str | Verdict:
        """Sign-in first (as the original: "Sign in with {domain}" before any Allow), then consent.
        The consent to record when the call may be sent now; else where it waits for the user."""
        if await self._needs_sign_in(entry):
            if call.state == AWAITING_SIGN_IN:
                return Verdict(None)
            return Verdict(AWAITING_SIGN_IN, [*starting, self._sign_in(call, entry)])
        if call.consent in ("allowed_once", "always_allow"):  # allowed before a sign-in was needed
            return call.consent
        memory = UserConsentMemory(self.p, self.scope.user)
        decision = await decide_for(
            entry.operation, user_id=self.scope.user.id, gpt_id=self.scope.config.gpt.id,
            domain=entry.row.domain or entry.domain, memory=memory,
        )  # fmt: skip
        if not decision.must_ask:
            return "always_allow"
        return Verdict(AWAITING_APPROVAL, [*starting, self._card(call, entry, arguments, decision.choices)])

    async def _needs_sign_in(self, entry: Entry) -> bool:
        if entry.row.auth_type != "oauth" or not entry.operation.requires_auth:
            return False
        key = actionforge.TokenKey(self.scope.user.id, entry.row.id, _mode(self.scope))
        return await self.tokens.get(key) is None

    def _sign_in(self, call: ChatToolCall, entry: Entry) -> Event:
        return ev.SIGN_IN, {"call_id": call.id, "domain": entry.domain, "action_id": entry.row.id}

    def _card(self, call: ChatToolCall, entry: Entry, arguments: Any, choices: tuple[Choice, ...]) -> Event:
        buttons = [BUTTON.get(c, c.value) for c in choices]
        return ev.CONFIRM, {
            "call_id": call.id, "gpt_name": self.scope.config.name, "domain": entry.domain,
            "operation_id": entry.tool.original_name, "params": json.loads(redacted_json(arguments)),
            "privacy_policy_url": entry.row.privacy_policy_url, "buttons": buttons,
        }  # fmt: skip

    # --- the call ----------------------------------------------------------------------------

    async def send(self, call: ChatToolCall, entry: Entry, arguments: Any) -> None:
        """Make the request of a call already committed as ``sending``, and store its result."""
        scope = self.scope
        target = await self.calls.target(scope.user, scope.config.workspace, entry.row, scope.config.version)
        context = actionforge.CallContext(scope.conversation.id, scope.config.gpt.id, scope.user.id)
        report = await self.calls.call(
            scope.user, target, entry.action, entry.tool.name, arguments,
            consent=call.consent or "allowed_once", context=context,
        )  # fmt: skip
        await self._settle(call, entry, report)

    async def _settle(self, call: ChatToolCall, entry: Entry, report: CallReport) -> None:
        result = report.result
        debug = self._debug(call, report, result)
        if result.error == "sign_in_required":  # a revoked or expired grant: sign in again, then resend
            await self.runs.move(
                call, (SENDING,), AWAITING_SIGN_IN, events=[*debug, self._sign_in(call, entry)]
            )
            return
        shown: list[Event] = []
        if report.exchange.request is not None:  # the record of what was sent, before the debug entry
            info = {"call_id": call.id, "gpt_name": self.scope.config.name, "domain": entry.domain}
            shown.append((ev.SENT_INFO, {**info, "params": json.loads(call.arguments or "{}")}))
        shown.extend(debug)
        shown.append(
            status(call, f"Talked to {entry.domain}" if result.ok else f"Error talking to {entry.domain}")
        )
        if self.scope.run.test_operation == entry.tool.original_name:
            shown.append(status(call, f"Tested {entry.tool.original_name}"))
        text = actionforge.redactor().redact(result.for_model())
        await self.runs.move(call, (SENDING,), DONE if result.ok else FAILED, result_text=text, events=shown)

    # --- outcomes ----------------------------------------------------------------------------

    def _debug(
        self, call: ChatToolCall, report: CallReport | None, result: actionforge.ToolResult
    ) -> list[Event]:
        """Preview only: the request and response as sent and received (redacted), and the repairs."""
        if not self.scope.preview:
            return []
        request: dict[str, Any] = {}
        response: dict[str, Any] = {"ok": result.ok, "error": result.error, "message": result.message}
        if report is not None and report.exchange.request is not None:
            request = report.exchange.request
        if report is not None and report.exchange.response is not None:
            response = {**response, **report.exchange.response}
        response["body"] = actionforge.redactor().redact(result.body)
        repairs = [r.to_dict() for r in result.repairs]
        return [
            (ev.DEBUG, {"call_id": call.id, "request": request, "response": response, "repairs": repairs})
        ]


def _failed(text: str, events: list[Event]) -> Verdict:
    """Not sent: ``text`` goes back to the model as the call's result."""
    return Verdict(FAILED, events, {"result_text": text})
