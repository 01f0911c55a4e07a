"""Who a call is made for, sent to the API as ``actionforge-*`` headers (like the original's
``openai-conversation-id`` / ``openai-gpt-id`` / ``openai-ephemeral-user-id``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

# Header values must be visible ASCII: anything else (CR/LF above all) could split the header.
_HEADER_VALUE = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$")
MAX_ID_CHARS = 256


@dataclass(frozen=True, slots=True)
class CallContext:
    conversation_id: str | None = None
    gpt_id: str | None = None
    user_id: str | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and (len(value) > MAX_ID_CHARS or not _HEADER_VALUE.match(value)):
                raise ValueError(f"CallContext.{f.name} must be 1-{MAX_ID_CHARS} visible ASCII characters")

    def headers(self) -> dict[str, str]:
        """The headers to add to each request; ids left unset are not sent."""
        pairs = {
            "actionforge-conversation-id": self.conversation_id,
            "actionforge-gpt-id": self.gpt_id,
            "actionforge-user-id": self.user_id,
        }
        return {name: value for name, value in pairs.items() if value is not None}
