"""Who must approve which call: consequential operations, "Always allow" memory, prompt texts."""

from actionforge.consent.decide import (
    CONSEQUENTIAL_CHOICES,
    DECLINED_STATUS,
    DECLINED_TOOL_RESULT,
    PROMPT_SUBTITLE,
    ROUTINE_CHOICES,
    Choice,
    ConsentError,
    Decision,
    DecisionKind,
    UserConsentSettings,
    apply_choice,
    decide,
    decide_for,
    prompt_title,
    share_info_title,
)
from actionforge.consent.memory import ConsentMemory, ConsentSetting, InMemoryConsentMemory

__all__ = [
    "CONSEQUENTIAL_CHOICES",
    "DECLINED_STATUS",
    "DECLINED_TOOL_RESULT",
    "PROMPT_SUBTITLE",
    "ROUTINE_CHOICES",
    "Choice",
    "ConsentError",
    "ConsentMemory",
    "ConsentSetting",
    "Decision",
    "DecisionKind",
    "InMemoryConsentMemory",
    "UserConsentSettings",
    "apply_choice",
    "decide",
    "decide_for",
    "prompt_title",
    "share_info_title",
]
