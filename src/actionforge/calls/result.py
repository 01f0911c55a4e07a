"""What one action call gives back: always a value, never an exception for the caller's loop."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Literal

from actionforge.calls.repairs import Repair

ErrorKind = Literal[
    "arguments",  # the model's arguments failed the check; nothing was sent
    "blocked",  # the egress guard refused the destination
    "sign_in_required",  # OAuth: the user must sign in (again)
    "auth",  # credentials could not be obtained (token endpoint down, misconfigured)
    "timeout",
    "connect",
    "tls",
    "http",  # the API answered 4xx/5xx
    "too_large",  # request over the request-size cap
    "protocol",  # malformed HTTP from upstream
    "internal",  # an unexpected exception below the call (a bug); logged, never raised
]


@dataclass(frozen=True, slots=True)
class ToolResult:
    """The outcome of a call, ready to hand to the model with :meth:`for_model`."""

    ok: bool
    status: int | None = None
    content_type: str | None = None
    body: str = ""  # text for the model: JSON compacted, capped, truncation marked
    error: ErrorKind | None = None
    message: str | None = None  # human/model-readable explanation when not ok
    truncated: bool = False
    elapsed_s: float = 0.0
    attempts: int = 1
    repairs: tuple[Repair, ...] = ()  # the model's argument mistakes repaired before the call

    def for_model(self) -> str:
        """The tool-result text the model reads: the body on success, a structured note otherwise.

        A failure also lists the repairs made, so the model does not look for its mistake in what
        was repaired; a success is the body unchanged, as the API sent it.
        """
        if self.ok:
            return self.body
        payload: dict[str, object] = {"error": self.error, "message": self.message}
        if self.status is not None:
            payload["status"] = self.status
        if self.body:
            payload["body"] = self.body
        if self.repairs:
            payload["repaired"] = [r.describe() for r in self.repairs]
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))

    def to_dict(self) -> dict[str, Any]:
        """Every field as JSON-ready values, for debug events and logs."""
        return {
            "ok": self.ok,
            "status": self.status,
            "content_type": self.content_type,
            "body": self.body,
            "error": self.error,
            "message": self.message,
            "truncated": self.truncated,
            "elapsed_s": self.elapsed_s,
            "attempts": self.attempts,
            "repairs": [r.to_dict() for r in self.repairs],
        }

    def with_repairs(self, repairs: tuple[Repair, ...]) -> ToolResult:
        """This result, listing ``repairs`` (the same object when there are none)."""
        return replace(self, repairs=self.repairs + repairs) if repairs else self
