"""Who must approve a call before it runs: the original's "Allow / Always Allow / Decline" rules.

The rules (openai-actions.md §2.7, §3.5, checklist 66–70):

* A consequential operation (``x-openai-isConsequential: true``, or absent on a non-GET) prompts
  every time and never offers "Always Allow": **Confirm / Deny**. (The original shows Confirm/Deny
  or Allow/Decline; which pair appears when is undocumented, and Confirm/Deny is what a 2026
  capture of a consequential call shows.)
* Any other operation prompts with **Allow / Always Allow / Decline** until the user picks
  "Always Allow" for that GPT and domain; after that it runs without asking. "Allow" approves the
  current call only. The choice is remembered per (user, GPT, action domain), see `memory`.
* Declining means the call is not made; the UI shows "You declined this action" and the model is
  told that the user declined (the original does not document the model-facing text).

`Operation.is_consequential` already applies the default (absent → GET false, others true).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from actionforge.consent.memory import ConsentMemory, ConsentSetting
from actionforge.errors import ActionforgeError
from actionforge.openapi.model import Operation

PROMPT_SUBTITLE = "Only allow sites you trust."
DECLINED_STATUS = "You declined this action"
DECLINED_TOOL_RESULT = "The user declined this action."


def prompt_title(gpt_name: str, domain: str) -> str:
    """The consent card's title, e.g. "Travel Helper wants to talk to api.example.com"."""
    return f"{gpt_name} wants to talk to {domain}"


def share_info_title(gpt_name: str, domain: str) -> str:
    """The heading above the parameters the call would send."""
    return f"{gpt_name} wants to share this info with {domain}"


class Choice(StrEnum):
    """A button on the consent card, by the name the server sends to the client."""

    ALLOW = "allow"
    ALWAYS_ALLOW = "always_allow"
    DECLINE = "decline"
    CONFIRM = "confirm"
    DENY = "deny"

    @property
    def label(self) -> str:
        """The button text the original shows."""
        return _LABELS[self]

    @property
    def approves(self) -> bool:
        """True when picking this button lets the call run."""
        return self in (Choice.ALLOW, Choice.ALWAYS_ALLOW, Choice.CONFIRM)


_LABELS = {
    Choice.ALLOW: "Allow",
    Choice.ALWAYS_ALLOW: "Always Allow",
    Choice.DECLINE: "Decline",
    Choice.CONFIRM: "Confirm",
    Choice.DENY: "Deny",
}

ROUTINE_CHOICES = (Choice.ALLOW, Choice.ALWAYS_ALLOW, Choice.DECLINE)
CONSEQUENTIAL_CHOICES = (Choice.CONFIRM, Choice.DENY)


class DecisionKind(StrEnum):
    RUN = "run"  # make the call without asking
    ASK = "ask"  # show the consent card with `Decision.choices`


@dataclass(frozen=True, slots=True)
class UserConsentSettings:
    """What the user has set for this GPT and domain (Privacy settings → Actions)."""

    always_allow: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a call may run now, and if not, which buttons the consent card offers."""

    kind: DecisionKind
    consequential: bool
    choices: tuple[Choice, ...] = ()  # in display order; empty when kind is RUN

    @property
    def must_ask(self) -> bool:
        return self.kind is DecisionKind.ASK

    @property
    def labels(self) -> tuple[str, ...]:
        """The button texts, in display order."""
        return tuple(choice.label for choice in self.choices)

    def title(self, gpt_name: str, domain: str) -> str:
        return prompt_title(gpt_name, domain)

    @property
    def subtitle(self) -> str:
        return PROMPT_SUBTITLE


def decide(operation: Operation, settings: UserConsentSettings | None = None) -> Decision:
    """Run now, or ask with which buttons, for this operation and the user's remembered setting."""
    if operation.is_consequential:
        return Decision(DecisionKind.ASK, consequential=True, choices=CONSEQUENTIAL_CHOICES)
    if settings is not None and settings.always_allow:
        return Decision(DecisionKind.RUN, consequential=False)
    return Decision(DecisionKind.ASK, consequential=False, choices=ROUTINE_CHOICES)


class ConsentError(ActionforgeError):
    """A consent choice that the card did not offer for this operation."""


async def decide_for(
    operation: Operation, *, user_id: str, gpt_id: str, domain: str, memory: ConsentMemory
) -> Decision:
    """`decide` with the user's remembered setting for this GPT and domain."""
    if operation.is_consequential:  # nothing remembered can skip the prompt
        return decide(operation)
    setting = await memory.get(user_id, gpt_id, domain)
    return decide(operation, UserConsentSettings(always_allow=setting is ConsentSetting.ALWAYS_ALLOW))


async def apply_choice(
    choice: Choice | str,
    operation: Operation,
    *,
    user_id: str,
    gpt_id: str,
    domain: str,
    memory: ConsentMemory,
) -> bool:
    """Act on the button the user picked; True when the call may run now.

    "Always Allow" is remembered for (user, GPT, domain). Allow/Confirm and Decline/Deny are
    accepted for either kind of operation (the original shows either pair for consequential
    calls), but "Always Allow" for a consequential operation raises `ConsentError`: it must be
    confirmed every time.
    """
    try:
        picked = Choice(choice)
    except ValueError:
        offered = ", ".join(c.value for c in Choice)
        raise ConsentError(f"unknown consent choice {str(choice)!r}; expected one of: {offered}") from None
    if picked is Choice.ALWAYS_ALLOW:
        if operation.is_consequential:
            raise ConsentError(
                f"'Always Allow' is not offered for {operation.operation_id} "
                f"({operation.method.upper()} {operation.path}): it is consequential, so the user "
                "must confirm every call"
            )
        await memory.set(user_id, gpt_id, domain, ConsentSetting.ALWAYS_ALLOW)
    return picked.approves
